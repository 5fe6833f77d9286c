// Package gctune keeps the Go garbage collector from running every few
// megabytes of allocation while the live heap is small.
//
// The collector starts a cycle when the heap reaches the live heap of the
// last cycle times 1 + GOGC/100, and never below 4 MiB. Stride's live heap
// is a few megabytes while it serves anonymous practice (the exercise
// catalog and some caches), so with the default GOGC of 100 it collected
// every ~200 checks, and each cycle has a cost that does not shrink with
// the heap (scanning every goroutine's stack, and growing again the
// connection goroutines' stacks that the cycle shrank): about a third of a
// check's CPU. A larger GOGC would fix that but multiply a large heap too
// (5,000 animation streams hold ~150 MiB). The tuner gives the collector a
// floor instead: after each cycle it sets GOGC so that the next cycle starts
// at max(live × (1 + base/100), floor), where base is the GOGC the process
// was started with. A large heap is collected exactly as before; a small one
// grows to the floor between cycles. GOMEMLIMIT, when set, still bounds the
// total.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
)

// MaxPercent caps the GOGC the tuner sets, for a live heap so small that the
// floor would ask for more.
const MaxPercent = 10_000

// BasePercent is the GOGC the process was started with, read the way the
// runtime reads it: "off" is -1, an unset or unreadable value is 100.
func BasePercent(getenv func(string) string) int {
	v := strings.TrimSpace(getenv("GOGC"))
	if strings.EqualFold(v, "off") {
		return -1
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return 100
}

// Percent is the GOGC that starts the next cycle at max(live × (1 +
// base/100), floor) bytes, at most MaxPercent.
func Percent(live, floor uint64, base int) int {
	if live == 0 {
		live = 1
	}
	if floor <= live {
		return base
	}
	// ceil((floor - live) * 100 / live), computed without overflow for
	// any floor below 2^57.
	p := (floor - live) / live * 100
	p += ((floor-live)%live*100 + live - 1) / live
	if p > MaxPercent {
		p = MaxPercent
	}
	return max(base, int(p))
}

// Tuner adjusts GOGC after each garbage collection cycle.
type Tuner struct {
	floor uint64
	base  int

	mu      sync.Mutex // guards what follows, and each change of GOGC
	stopped bool
	last    int // the GOGC last set
	samples []metrics.Sample
	// onTune, when set (tests only), is called with each GOGC set.
	onTune func(percent int)
}

// sentinel is an object that nothing references: it dies in the next
// cycle, whose end its finalizer marks. It holds a pointer so that the
// allocator never packs it with other small objects (a finalizer on such
// a tiny object may never run).
type sentinel struct{ t *Tuner }

// Start tunes GOGC to the floor (in bytes) until stop is called; stop puts
// back the base GOGC. With floor 0 or GOGC=off it does nothing. GOGC is
// process-wide, so one tuner at most should run.
func Start(floor uint64, getenv func(string) string) (stop func()) {
	base := BasePercent(getenv)
	if floor == 0 || base < 0 {
		return func() {}
	}
	t := newTuner(floor, base)
	t.arm()
	return t.stop
}

func newTuner(floor uint64, base int) *Tuner {
	return &Tuner{floor: floor, base: base, last: base,
		samples: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
}

func (t *Tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		if s.t.tune() {
			s.t.arm()
		}
	})
}

// tune sets GOGC for the live heap the last cycle found, unless it is
// within 5 % of what is set already (each change recomputes the pacer's
// goal; small ones are not worth it). It reports false once stopped.
func (t *Tuner) tune() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.samples)
	if t.samples[0].Value.Kind() != metrics.KindUint64 {
		return true
	}
	p := Percent(t.samples[0].Value.Uint64(), t.floor, t.base)
	if d := p - t.last; d*20 > t.last || -d*20 > t.last {
		debug.SetGCPercent(p)
		t.last = p
		if t.onTune != nil {
			t.onTune(p)
		}
	}
	return true
}

func (t *Tuner) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.stopped = true
	debug.SetGCPercent(t.base)
}

package web

// One clock paces every playing stream. A runtime timer per stream made
// the timers fire one by one, evenly spread: at 5,000 streams and 10 steps
// a second that is a timer and a thread wake-up every 20 µs. The clock is a
// timing wheel with one goroutine and one ticker: a writer files its next
// due time in a slot and the clock wakes every writer of a slot together,
// so the scheduler runs the writers in batches. A step is sent at most one
// two resolutions (animClockResolution) after it is due, and never before.

import (
	"sync"
	"time"
)

const (
	// animClockResolution is the width of a slot: the most a step is
	// delayed by the clock itself. It is far below a frame at the fastest
	// pace (60 steps a second: 16.7 ms) and the 50 ms on-time threshold of
	// BENCHMARKS.md.
	animClockResolution = 2 * time.Millisecond
	// animClockSlots makes the wheel span 2.048 s, the longest interval
	// between steps (0.5 steps a second). A due time further ahead is filed
	// in the last slot; the writer, woken early, files it again.
	animClockSlots = 1024
)

// animClock is the timing wheel. Its goroutine runs only while something
// is filed, so an idle server has no ticker running. Slots are numbered by
// monotonic time since base, so a step of the wall clock does not stall or
// hurry the streams.
type animClock struct {
	mu      sync.Mutex
	slots   [animClockSlots][]chan struct{}
	filed   int   // entries in all slots
	running bool  // the goroutine is running
	next    int64 // number of the slot the goroutine handles next
	// base is the clock's origin, set at first use; slot n covers
	// [base + n·resolution, base + (n+1)·resolution).
	base time.Time
	// spare recycles emptied slot slices, so filing allocates nothing in
	// the steady state.
	spare [][]chan struct{}
}

// slotNumber returns the number of the slot containing t.
func (k *animClock) slotNumber(t time.Time) int64 {
	return int64(t.Sub(k.base) / animClockResolution)
}

// at files wake to be signalled once t has come. wake must have a buffer
// of one: the clock never blocks on it, and a writer that is busy misses
// nothing since it checks its due time after any wake-up.
func (k *animClock) at(t time.Time, wake chan struct{}) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now()
	if k.base.IsZero() {
		k.base = now
	}
	if !k.running {
		k.running = true
		k.next = k.slotNumber(now)
		go k.run()
	}
	// Already due: the next slot to be handled. Further than the wheel
	// spans: its last slot, and the writer, woken early, files again.
	n := min(max(k.slotNumber(t), k.next), k.next+animClockSlots-1)
	i := n % animClockSlots
	if k.slots[i] == nil && len(k.spare) > 0 {
		k.slots[i] = k.spare[len(k.spare)-1]
		k.spare = k.spare[:len(k.spare)-1]
	}
	k.slots[i] = append(k.slots[i], wake)
	k.filed++
}

// run ticks until the wheel is empty, waking the writers of every slot
// whose time has come. A late tick (a busy machine) catches up on every
// slot it missed, in order.
func (k *animClock) run() {
	ticker := time.NewTicker(animClockResolution)
	defer ticker.Stop()
	var due []chan struct{}
	for range ticker.C {
		k.mu.Lock()
		// A slot is handled once it has wholly passed, so nothing in it is
		// woken before it is due.
		for current := k.slotNumber(time.Now()); k.next < current; k.next++ {
			i := k.next % animClockSlots
			if s := k.slots[i]; len(s) > 0 {
				due = append(due, s...)
				k.filed -= len(s)
				clear(s)
				if cap(s) <= 1024 && len(k.spare) < 64 {
					k.spare = append(k.spare, s[:0])
				}
				k.slots[i] = nil
			}
		}
		idle := k.filed == 0
		if idle {
			k.running = false
		}
		k.mu.Unlock()
		for _, w := range due {
			select {
			case w <- struct{}{}:
			default: // already signalled
			}
		}
		clear(due)
		due = due[:0]
		if idle {
			return
		}
	}
}

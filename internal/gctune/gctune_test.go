package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		base, want  int
	}{
		{live: 4 * mib, floor: 32 * mib, base: 100, want: 700},         // 4 MiB × 8 = 32 MiB
		{live: 3 * mib, floor: 32 * mib, base: 100, want: 967},         // rounded up: 3 × 10.67 ≥ 32
		{live: 16 * mib, floor: 32 * mib, base: 100, want: 100},        // the base already reaches the floor
		{live: 16 * mib, floor: 32 * mib, base: 50, want: 100},         // a smaller base is raised
		{live: 100 * mib, floor: 32 * mib, base: 100, want: 100},       // a large heap keeps the base
		{live: 100 * mib, floor: 32 * mib, base: 300, want: 300},       // and an operator's larger GOGC
		{live: 1000, floor: 32 * mib, base: 100, want: MaxPercent},     // capped
		{live: 0, floor: 32 * mib, base: 100, want: MaxPercent},        // no division by zero
		{live: 32 * mib, floor: 32 * mib, base: 100, want: 100},        // at the floor
		{live: 32*mib - 1, floor: 32 * mib, base: 0, want: 1},          // just under it
		{live: 1 << 40, floor: 1<<56 + 1, base: 100, want: MaxPercent}, // no overflow
		{live: 1 << 50, floor: 3 << 50, base: 100, want: 200},          // large numbers
	} {
		if got := Percent(c.live, c.floor, c.base); got != c.want {
			t.Errorf("Percent(%d, %d, %d) = %d, want %d", c.live, c.floor, c.base, got, c.want)
		}
		// The next cycle starts at or above the floor, unless capped.
		if p := Percent(c.live, c.floor, c.base); p < MaxPercent && c.live > 0 {
			if goal := float64(c.live) * (1 + float64(p)/100); goal < float64(c.floor) {
				t.Errorf("Percent(%d, %d, %d) = %d: goal %.0f below the floor", c.live, c.floor, c.base, p, goal)
			}
		}
	}
}

func TestBasePercent(t *testing.T) {
	for v, want := range map[string]int{"": 100, "off": -1, "OFF": -1, "200": 200, " 50 ": 50, "x": 100} {
		if got := BasePercent(func(string) string { return v }); got != want {
			t.Errorf("GOGC=%q: %d, want %d", v, got, want)
		}
	}
}

// TestTunerRaisesAndRestores runs the tuner in this process, whose live
// heap is far below a 256 MiB floor: after a collection it must raise
// GOGC, and stop must put the base back.
func TestTunerRaisesAndRestores(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	tuned := make(chan int, 16)
	tu := newTuner(256<<20, 100)
	tu.onTune = func(p int) { tuned <- p }
	tu.arm()
	// The finalizer runs on its own goroutine after a cycle ends; collect
	// until it reports, for at most 200 cycles.
	var got int
	for i := 0; got == 0 && i < 200; i++ {
		runtime.GC()
		select {
		case got = <-tuned:
		case <-time.After(20 * time.Millisecond):
		}
	}
	if got <= 100 {
		t.Fatalf("GOGC after collections with a small heap: %d, want above 100", got)
	}
	if now := debug.SetGCPercent(got); now != got {
		t.Fatalf("runtime GOGC %d, tuner reported %d", now, got)
	}
	tu.stop()
	if now := debug.SetGCPercent(100); now != 100 {
		t.Fatalf("GOGC after stop: %d, want the base 100", now)
	}
	tu.stop() // twice is harmless
	// A stopped tuner neither tunes nor re-arms.
	if tu.tune() {
		t.Fatal("tune after stop reported true")
	}
}

func TestStartOff(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	for _, env := range []string{"off", ""} {
		floor := uint64(0)
		if env == "off" {
			floor = 64 << 20
		}
		stop := Start(floor, func(string) string { return env })
		runtime.GC()
		stop()
		if now := debug.SetGCPercent(100); now != 100 {
			t.Errorf("GOGC=%q floor %d: GOGC became %d", env, floor, now)
		}
	}
}

package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var lat []time.Duration
	for i := range 1000 {
		lat = append(lat, time.Duration(i)*time.Millisecond/10) // 0 … 99.9 ms
	}
	s := summarize(lat, 50*time.Millisecond)
	if s.Frames != 1000 || s.OnTime != 501 || s.Max != 99900*time.Microsecond {
		t.Fatalf("summary %+v", s)
	}
	if s.P50 != 49900*time.Microsecond || s.P99 != 98900*time.Microsecond {
		t.Fatalf("p50 %v p99 %v", s.P50, s.P99)
	}
	if empty := summarize(nil, time.Millisecond); empty.Frames != 0 || empty.String() != "no frames received" {
		t.Fatalf("empty summary %+v", empty)
	}
}

func TestFrameClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := frameClock{fps: 10}
	if l := c.lateness(3, t0); l != 0 {
		t.Fatalf("the first frame anchors the schedule; got lateness %v", l)
	}
	// Step 4 is due at t0+100ms; it comes 30 ms late.
	if l := c.lateness(4, t0.Add(130*time.Millisecond)); l != 30*time.Millisecond {
		t.Fatalf("lateness %v, want 30ms", l)
	}
	// Early frames count as on time.
	if l := c.lateness(5, t0.Add(150*time.Millisecond)); l != 0 {
		t.Fatalf("early frame lateness %v", l)
	}
	// Lateness is measured from the schedule, not from the previous frame.
	if l := c.lateness(13, t0.Add(time.Second+5*time.Millisecond)); l != 5*time.Millisecond {
		t.Fatalf("lateness %v, want 5ms", l)
	}
	c.reset()
	if l := c.lateness(0, t0.Add(time.Hour)); l != 0 {
		t.Fatalf("after reset the next frame anchors; got %v", l)
	}
}

// TestPaceClock: a stall makes the frame after it late against its
// predecessor, and the frames after that are on time again, whereas
// frameClock keeps them late.
func TestPaceClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	pace, clock := paceClock{fps: 10}, frameClock{fps: 10}
	// Steps 0–2 on schedule, a 300 ms stall before step 3, then steps
	// 4 and 5 at the pace again; step 7 after step 5 (one step skipped)
	// exactly on time.
	arrivals := []struct {
		index    int
		at       time.Time
		wantPace time.Duration
		wantOK   bool
	}{
		{0, ms(0), 0, false}, {1, ms(100), 0, true}, {2, ms(200), 0, true},
		{3, ms(600), 300 * time.Millisecond, true}, {4, ms(700), 0, true}, {5, ms(790), 0, true},
		{7, ms(990), 0, true},
	}
	for _, a := range arrivals {
		late, ok := pace.lateness(a.index, a.at)
		if late != a.wantPace || ok != a.wantOK {
			t.Errorf("step %d: pace lateness %v %v, want %v %v", a.index, late, ok, a.wantPace, a.wantOK)
		}
		clock.lateness(a.index, a.at)
	}
	if got := clock.lateness(8, ms(1100)); got != 300*time.Millisecond {
		t.Errorf("frameClock after the stall: %v, want 300ms", got)
	}
	pace.reset()
	if _, ok := pace.lateness(0, ms(5000)); ok {
		t.Error("first step after a reset has a predecessor")
	}
}

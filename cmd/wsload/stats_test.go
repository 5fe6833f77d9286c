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

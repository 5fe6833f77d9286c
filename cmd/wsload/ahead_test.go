package main

import (
	"testing"
	"time"
)

func TestPeekDueIn(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{`{"type":"step","index":12,"out":[0,1,2]}`, -1},
		{`{"type":"step","index":12,"due_in_ms":0,"out":[0,1,2]}`, 0},
		{`{"type":"step","index":123456,"due_in_ms":1000,"out":[0,1,2]}`, time.Second},
		{`{"type":"done","due_in_ms":417}`, 417 * time.Millisecond},
		{`{"type":"done"}`, -1},
		{`{"type":"step","index":1,"due_in_ms":}`, -1},
		// Beyond the peeked start of a message, a due_in_ms is not the
		// server's (it writes it right after the index).
		{`{"type":"step","index":1,"out":[0,1,2],"window":{"row":0,"col":0},"due_in_ms":5}`, -1},
	} {
		if got := peekDueIn([]byte(c.in)); got != c.want {
			t.Errorf("peekDueIn(%s) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestCountStepAtDisplayTime: a step sent ahead counts at its display time
// (arrival + due_in_ms), not its arrival, so it is on time when shown on
// time however early it came, and late by as much as it arrived late.
func TestCountStepAtDisplayTime(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	const ms = time.Millisecond
	var res streamResult
	clock, pace := frameClock{fps: 10}, paceClock{fps: 10}
	// A batch of five at t0 (steps 0–4, due 0–400 ms), then the next batch
	// 70 ms late (steps 5–9 at t0+570 ms, due in 0, 30, … ms: the server
	// computes due_in_ms when it sends), then step 10 alone, 60 ms late.
	for i := range 5 {
		res.countStep(i, t0, time.Duration(i)*100*ms, &clock, &pace)
	}
	res.countStep(5, t0.Add(570*ms), 0, &clock, &pace)
	for i := 6; i < 10; i++ {
		res.countStep(i, t0.Add(570*ms), time.Duration(i-5)*100*ms-70*ms, &clock, &pace)
	}
	res.countStep(10, t0.Add(1060*ms), -1, &clock, &pace)
	want := []time.Duration{0, 0, 0, 0, 0, 70 * ms, 0, 0, 0, 0, 60 * ms}
	if res.frames != 11 || res.ahead != 8 {
		t.Fatalf("%d frames, %d ahead; want 11, 8", res.frames, res.ahead)
	}
	for i, w := range want {
		if res.lateness[i] != w {
			t.Errorf("step %d: lateness %v, want %v", i, res.lateness[i], w)
		}
	}
}

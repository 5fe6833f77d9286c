package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/stride-tutor/stride/internal/loadtest"
)

// frameClock turns step arrivals into lateness from the client's point of
// view: the first step that arrives fixes the schedule, and step i is due
// at first + (i − first index)/fps. A restart starts a new schedule.
type frameClock struct {
	fps       float64
	anchored  bool
	anchorAt  time.Time
	anchorIdx int
}

// lateness reports how late step index arrived at time at. Early arrivals
// (possible after a late first step) count as on time: lateness 0.
func (c *frameClock) lateness(index int, at time.Time) time.Duration {
	if !c.anchored {
		c.anchored, c.anchorAt, c.anchorIdx = true, at, index
		return 0
	}
	due := c.anchorAt.Add(time.Duration(float64(index-c.anchorIdx) * float64(time.Second) / c.fps))
	if late := at.Sub(due); late > 0 {
		return late
	}
	return 0
}

// reset forgets the schedule, for a restarted animation.
func (c *frameClock) reset() { c.anchored = false }

// paceClock measures whether a stream is served at its rate, whatever
// happened before: each step is due 1/fps after the step before it arrived
// (index gaps counted), so one stall makes one frame late here, while
// frameClock counts every later frame of a stream late once the server,
// which re-anchors its schedule after a stall rather than bursting to
// catch up, has fallen behind the first frame's schedule.
type paceClock struct {
	fps     float64
	started bool
	prevAt  time.Time
	prevIdx int
}

// lateness reports how much later than 1/fps after its predecessor step
// index arrived, and false for a stream's first step (or the first after a
// reset), which has no predecessor.
func (c *paceClock) lateness(index int, at time.Time) (time.Duration, bool) {
	prevAt, prevIdx, started := c.prevAt, c.prevIdx, c.started
	c.started, c.prevAt, c.prevIdx = true, at, index
	if !started {
		return 0, false
	}
	due := prevAt.Add(time.Duration(float64(index-prevIdx) * float64(time.Second) / c.fps))
	if late := at.Sub(due); late > 0 {
		return late, true
	}
	return 0, true
}

// reset forgets the previous step, for a restarted animation.
func (c *paceClock) reset() { c.started = false }

// latenessSummary describes the lateness of every frame of a run.
type latenessSummary struct {
	Frames int
	// OnTime counts frames delivered within the threshold of their schedule.
	OnTime         int
	Threshold      time.Duration
	P50, P99, Max  time.Duration
	OnTimeFraction float64
}

// summarize computes the summary. It sorts lateness in place.
func summarize(lateness []time.Duration, threshold time.Duration) latenessSummary {
	s := latenessSummary{Frames: len(lateness), Threshold: threshold}
	if len(lateness) == 0 {
		return s
	}
	slices.Sort(lateness)
	for _, l := range lateness {
		if l <= threshold {
			s.OnTime++
		}
	}
	s.OnTimeFraction = float64(s.OnTime) / float64(len(lateness))
	s.P50 = loadtest.Percentile(lateness, 50)
	s.P99 = loadtest.Percentile(lateness, 99)
	s.Max = lateness[len(lateness)-1]
	return s
}

func (s latenessSummary) String() string {
	if s.Frames == 0 {
		return "no frames received"
	}
	return fmt.Sprintf("%.2f%% of %d frames within %v of schedule; lateness p50 %v, p99 %v, max %v",
		100*s.OnTimeFraction, s.Frames, s.Threshold, round(s.P50), round(s.P99), round(s.Max))
}

// round keeps durations readable: 12.345678ms → 12.35ms.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

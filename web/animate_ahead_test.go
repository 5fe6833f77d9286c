package web

// Steps sent ahead of their due time (the start's ahead_ms): the schedule
// arithmetic, and what a control does to steps the client has not shown.
// The websocket tests stop the animator's clock (animator.now), so which
// steps are due, and what a pause takes back, does not depend on how fast
// the machine runs the test; only the writers' wake-ups use real time.

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestAnimScheduleAhead(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	const iv = 100 * time.Millisecond
	for _, c := range []struct {
		name  string
		ahead time.Duration
		gap   time.Duration // the gap after every step
		late  time.Duration // how late the writer woke for the step due at t0
		// sent is how many steps go out at once (the one due at t0
		// included); next is when the following step is due.
		sent int
		next time.Duration
	}{
		{"no ahead", 0, iv, 0, 1, iv},
		{"ahead less than a gap", 50 * time.Millisecond, iv, 0, 1, iv},
		{"ahead exactly a gap: not sent", iv, iv, 0, 1, iv},
		{"ahead 500 ms at 10 a second", 500 * time.Millisecond, iv, 0, 5, 5 * iv},
		{"ahead 500 ms, woke 250 ms late", 500 * time.Millisecond, iv, 250 * time.Millisecond, 8, 8 * iv},
		{"the maximum ahead", maxAnimAheadMS * time.Millisecond, iv, 0, 10, 10 * iv},
		{"large steps (gap over the interval) are not sent ahead", 500 * time.Millisecond, 2 * iv, 0, 1, 2 * iv},
	} {
		p := animPlayer{nextAt: t0, ahead: c.ahead, interval: iv}
		now := t0.Add(c.late)
		sent := 1
		for p.scheduleNext(c.gap, now) {
			sent++
			if sent > 100 {
				t.Fatalf("%s: no end to sending", c.name)
			}
		}
		if sent != c.sent || p.nextAt.Sub(t0) != c.next {
			t.Errorf("%s: %d steps at once, next due at +%v; want %d, +%v",
				c.name, sent, p.nextAt.Sub(t0), c.sent, c.next)
		}
	}
}

func TestAnimRewind(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	const iv = 100 * time.Millisecond
	for _, c := range []struct {
		name string
		// index and dueAt: the last step sent and its due time; playing
		// says whether done went out after it.
		index   int
		dueAt   time.Duration
		playing bool
		// want: the index after rewind, the next due time, playing.
		wantIndex   int
		wantNext    time.Duration
		wantPlaying bool
	}{
		{"nothing ahead", 7, 0, true, 7, 0, true},
		{"last step due in the past", 7, -30 * time.Millisecond, true, 7, 0, true},
		{"three ahead", 7, 250 * time.Millisecond, true, 4, 50 * time.Millisecond, true},
		{"one ahead, due in a nanosecond", 7, 1, true, 6, 1, true},
		{"exactly four intervals ahead", 7, 4 * iv, true, 3, iv, true},
		{"done sent ahead: playing again", 8, 150 * time.Millisecond, false, 6, 50 * time.Millisecond, true},
		{"never before step −1", 2, 10 * iv, true, -1, 10*iv - 2*iv, true},
	} {
		// nextAt as advance leaves it: one interval after the last step
		// (wantNext is checked only where something was taken back).
		p := animPlayer{index: c.index, dueAt: t0.Add(c.dueAt), nextAt: t0.Add(c.dueAt + iv),
			playing: c.playing, ahead: 500 * time.Millisecond, interval: iv}
		p.rewind(t0)
		next := p.nextAt.Sub(t0)
		if c.wantIndex == c.index {
			next = c.wantNext // unchanged; not what this row is about
		}
		if p.index != c.wantIndex || next != c.wantNext || p.playing != c.wantPlaying {
			t.Errorf("%s: index %d, next +%v, playing %v; want %d, +%v, %v",
				c.name, p.index, next, p.playing, c.wantIndex, c.wantNext, c.wantPlaying)
		}
		if c.wantIndex != c.index && p.dueAt.After(t0) {
			t.Errorf("%s: the step shown is due at +%v, after now", c.name, p.dueAt.Sub(t0))
		}
	}
}

// stoppedClock is a clock for animator.now that moves only when told.
type stoppedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stoppedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stoppedClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// dueIn returns a message's due_in_ms, or −1 when it has none.
func dueIn(t *testing.T, m wsMessage) int {
	t.Helper()
	var f struct {
		DueInMS *int `json:"due_in_ms"`
	}
	if err := json.Unmarshal([]byte(m.raw), &f); err != nil {
		t.Fatal(err)
	}
	if f.DueInMS == nil {
		return -1
	}
	return *f.DueInMS
}

// expectPlaySteps receives steps from..to, each with its due_in_ms.
func (c *wsClient) expectPlaySteps(from int, dues ...int) {
	c.t.Helper()
	for i, want := range dues {
		m := c.expect("step")
		if m.Index != from+i || dueIn(c.t, m) != want {
			c.t.Fatalf("got %s; want step %d due in %d ms", clip(m.raw, 120), from+i, want)
		}
	}
}

func expectState(t *testing.T, c *wsClient, playing bool, index int) {
	t.Helper()
	m := c.expect("state")
	if m.Playing != playing || m.Index != index {
		t.Fatalf("got %s, want playing %v at index %d", m.raw, playing, index)
	}
}

func TestAnimateStepsAhead(t *testing.T) {
	clock := &stoppedClock{t: time.Now()}
	a := newTestAnimator(AnimatorConfig{})
	a.now = clock.now
	srv := animTestServer(t, a)
	c := dialAnim(t, srv, nil)

	// 25 steps at 10 a second, up to 500 ms ahead: the steps due in the
	// next 500 ms go out at once, each with its due time.
	c.send(`{"type":"start","op":"conv2d","input":[[1,3,-2,4],[0,8,6,5],[2,1,-9,0],[4,-1,3,7]],"kernel":[[1,2],[-2,-1]],"padding":1,"fps":10,"ahead_ms":500}`)
	c.expect("meta")
	c.expectPlaySteps(0, 0, 100, 200, 300, 400)
	// The clock has not moved: nothing else is due.
	c.expectQuiet(50 * time.Millisecond)

	// 150 ms later, a pause: steps 0 and 1 are shown, 2–4 are taken back.
	clock.add(150 * time.Millisecond)
	c.send(`{"type":"pause"}`)
	expectState(t, c, false, 1)

	// Play goes on from step 2, sent again, due at once (play re-anchors).
	c.send(`{"type":"play"}`)
	expectState(t, c, true, 1)
	c.expectPlaySteps(2, 0, 100, 200, 300, 400)

	// A control answered with an error changes nothing: the steps sent
	// ahead (2–6, due 0–400 ms into play) are still the client's to show.
	clock.add(150 * time.Millisecond)
	c.send(`{"type":"seek","index":99}`)
	if m := c.expect("error"); m.Field != "index" {
		t.Fatalf("seek out of range: %s", m.raw)
	}
	// Taken back, step 4 would be sent again once due; not taken back, it
	// is shown 200 ms into play, and a pause at 250 ms stops on it.
	clock.add(100 * time.Millisecond)
	c.send(`{"type":"pause"}`)
	expectState(t, c, false, 4)

	// A seek answers with a step without due_in_ms: the client drops what
	// it holds and shows it at once.
	c.send(`{"type":"seek","index":10}`)
	if m := c.expect("step"); m.Index != 10 || dueIn(t, m) != -1 {
		t.Fatalf("the seek's answer %s", clip(m.raw, 120))
	}
	expectState(t, c, false, 10)

	// A speed change while playing keeps what is shown and sends the rest
	// again at the new pace.
	c.send(`{"type":"play"}`)
	expectState(t, c, true, 10)
	c.expectPlaySteps(11, 0, 100, 200, 300, 400)
	clock.add(220 * time.Millisecond) // 11, 12 and 13 are due
	c.send(`{"type":"speed","fps":5}`)
	expectState(t, c, true, 13)
	// Step 14 was due 80 ms from now at 10 a second; at 5 a second the
	// 20 ms waited since step 13 count and it is due in 180 ms. The next
	// batch starts when it is due: nothing before.
	c.expectQuiet(50 * time.Millisecond)
	clock.add(180 * time.Millisecond)
	c.send(`{"type":"play"}`) // wakes the writer; already playing
	expectState(t, c, true, 13)
	c.expectPlaySteps(14, 0, 200, 400)
}

func TestAnimateDoneSentAheadIsTakenBack(t *testing.T) {
	clock := &stoppedClock{t: time.Now()}
	a := newTestAnimator(AnimatorConfig{})
	a.now = clock.now
	srv := animTestServer(t, a)
	c := dialAnim(t, srv, nil)

	// 9 steps at 10 a second, a second ahead: every step and done go out
	// at once.
	c.send(`{"type":"start","op":"conv2d","input":[[1,3,-2,4],[0,8,6,5],[2,1,-9,0],[4,-1,3,7]],"kernel":[[1,2],[-2,-1]],"fps":10,"ahead_ms":1000}`)
	c.expect("meta")
	c.expectPlaySteps(0, 0, 100, 200, 300, 400, 500, 600, 700, 800)
	if m := c.expect("done"); dueIn(t, m) != 800 {
		t.Fatalf("done %s, want due in 800 ms", m.raw)
	}
	// Paused 350 ms in, the client shows step 3; play carries on from
	// step 4 rather than starting over as after a done it has shown.
	clock.add(350 * time.Millisecond)
	c.send(`{"type":"pause"}`)
	expectState(t, c, false, 3)
	c.send(`{"type":"play"}`)
	expectState(t, c, true, 3)
	c.expectPlaySteps(4, 0, 100, 200, 300, 400)
	if m := c.expect("done"); dueIn(t, m) != 400 {
		t.Fatalf("done %s, want due in 400 ms", m.raw)
	}
	// Once the last step is due, the animation has ended for the client
	// too, and play starts over.
	clock.add(400 * time.Millisecond)
	c.send(`{"type":"play"}`)
	expectState(t, c, true, -1)
	c.expectPlaySteps(0, 0, 100, 200, 300, 400, 500, 600, 700, 800)
}

func TestAnimateAheadBounds(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{})
	srv := animTestServer(t, a)
	c := dialAnim(t, srv, nil)
	for _, v := range []string{"-1", "1001", "0.5", `"500"`} {
		c.send(fmt.Sprintf(`{"type":"start","op":"conv2d","input":[[1]],"kernel":[[1]],"ahead_ms":%s}`, v))
		if m := c.expect("error"); m.Field != "ahead_ms" {
			t.Errorf("ahead_ms %s: %s, want an error naming ahead_ms", v, m.raw)
		}
	}
	// Without ahead_ms (or with 0), steps carry no due time, as before.
	c.send(`{"type":"start","op":"conv2d","input":[[1,2],[3,4]],"kernel":[[1]],"fps":60,"ahead_ms":0}`)
	_, steps := c.playAll()
	for _, s := range steps {
		if dueIn(t, s) != -1 {
			t.Fatalf("a step without ahead_ms: %s", s.raw)
		}
	}
}

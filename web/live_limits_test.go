package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// TestLiveControlRate: one session takes liveControlBurst controls at
// once, then 429 with Retry-After until tokens refill.
func TestLiveControlRate(t *testing.T) {
	e := newLiveEnv(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ls := e.app.server.live
	ls.mu.Lock()
	ls.now = func() time.Time { return now }
	ls.mu.Unlock()
	for i := 0; i < liveControlBurst; i++ {
		act := "pause"
		if i%2 == 1 {
			act = "resume"
		}
		e.control(act)
	}
	r := e.staff.post(e.teachURL(), url.Values{"action": {"pause"}})
	if r.code != http.StatusTooManyRequests || !strings.Contains(r.body, "controls a second") {
		t.Fatalf("control beyond the burst: %d\n%s", r.code, clip(r.body, 300))
	}
	ls.mu.Lock()
	now = now.Add(time.Second) // 5 tokens
	ls.mu.Unlock()
	e.control("pause")
}

// TestLiveEndedIdleRefusesJoin: a session ended for idling tells a
// student who types its code why.
func TestLiveEndedIdleRefusesJoin(t *testing.T) {
	e := newLiveEnv(t)
	if err := e.st.EndLiveSessionFor(context.Background(), e.ls.ID, store.EndedIdle); err != nil {
		t.Fatal(err)
	}
	r := e.device().post("/join", url.Values{"code": {e.ls.Code}, "nickname": {"Late"}})
	if r.code != http.StatusGone || !strings.Contains(r.body, "no instructor action for") {
		t.Errorf("join an idle-ended session: %d\n%s", r.code, clip(r.body, 400))
	}
	// A code never used is still a plain 404.
	r = e.device().post("/join", url.Values{"code": {"ZZZZZZ"}})
	if r.code != http.StatusNotFound {
		t.Errorf("unknown code: %d", r.code)
	}
}

// TestLiveControlPriorityReads: while the room's reads hold every
// connection of the read pool, an instructor's control still goes
// through (authorization's reads included) and reaches the room: its
// reads take the store's priority lane (live_control.go).
func TestLiveControlPriorityReads(t *testing.T) {
	e := newLiveEnv(t)
	student := e.device()
	e.join(student, "Ada")
	ws := e.dial(student, "/live/"+e.ls.Code+"/ws")
	read(t, ws) // the state on connecting
	release, err := e.st.HoldReads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	done := make(chan resp, 1)
	go func() { done <- e.staff.post(e.teachURL(), url.Values{"action": {"pause"}}) }()
	select {
	case r := <-done:
		if r.code != http.StatusSeeOther {
			t.Fatalf("control with the read pool taken: %d\n%s", r.code, clip(r.body, 300))
		}
	case <-time.After(time.Minute): // only a broken lane gets here
		release()
		t.Fatalf("control waited for the read pool (still waiting after a minute): %+v", <-done)
	}
	m := readUntil(t, ws, "the paused state", func(m live.Message) bool { return m.State != nil && m.State.Paused })
	if !m.State.Paused {
		t.Errorf("state %+v", m.State)
	}
}

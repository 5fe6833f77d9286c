package live

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

var bg = context.Background()

func TestControlSequence(t *testing.T) {
	cases := []struct {
		acts []Action
		want State
	}{
		{nil, State{Items: 3, Unlocked: []int{}}},
		{[]Action{ActUnlock}, State{Items: 3, Unlocked: []int{0}, Version: 1}},
		{[]Action{ActUnlock, ActUnlock}, State{Items: 3, Unlocked: []int{0}, Version: 1}},
		{[]Action{ActUnlockAll}, State{Items: 3, Unlocked: []int{0, 1, 2}, Version: 1}},
		{[]Action{ActClose, ActReveal, ActNext}, State{Items: 3, Question: 1, Unlocked: []int{}, Version: 3}},
		{[]Action{ActNext, ActNext, ActNext}, State{Items: 3, Question: 2, Unlocked: []int{}, Version: 2}},
		{[]Action{ActPrev}, State{Items: 3, Unlocked: []int{}}},
		{[]Action{ActPause, ActResume, ActPause}, State{Items: 3, Paused: true, Unlocked: []int{}, Version: 3}},
		{[]Action{ActEnd, ActUnlock}, State{Items: 3, Ended: true, Unlocked: []int{}, Version: 1}},
	}
	for _, tc := range cases {
		e := newEnv(t, sqliteConfig(t), 3)
		h := e.hub(e.manager(e.st, NewLocalBus(), Config{}))
		for _, a := range tc.acts {
			if _, err := h.Control(bg, a); err != nil {
				t.Fatalf("%v: %s: %v", tc.acts, a, err)
			}
		}
		got := h.State()
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(tc.want)
		if string(gb) != string(wb) {
			t.Errorf("%v: state %s, want %s", tc.acts, gb, wb)
		}
		// The database has the same state.
		ls, err := e.st.GetLiveState(bg, e.ls.ID)
		if err != nil {
			t.Fatal(err)
		}
		if db, _ := json.Marshal(h.stateOf(ls)); string(db) != string(wb) {
			t.Errorf("%v: stored state %s, want %s", tc.acts, db, wb)
		}
	}
}

func TestAnswerable(t *testing.T) {
	st := State{Items: 2, Unlocked: []int{1}}
	if st.Answerable(0) || !st.Answerable(1) {
		t.Errorf("unlocked only 1: %v %v", st.Answerable(0), st.Answerable(1))
	}
	for _, s := range []State{{Unlocked: []int{1}, Paused: true}, {Unlocked: []int{1}, Closed: true}, {Unlocked: []int{1}, Ended: true}} {
		if s.Answerable(1) {
			t.Errorf("%+v is answerable", s)
		}
	}
}

func TestParseAction(t *testing.T) {
	if a, err := ParseAction("unlock_all"); err != nil || a != ActUnlockAll {
		t.Errorf("unlock_all: %v %v", a, err)
	}
	if _, err := ParseAction("explode"); err == nil {
		t.Error("explode accepted")
	}
}

func TestParseNotice(t *testing.T) {
	for _, n := range []Notice{
		{Origin: "abc123", Kind: KindState, Session: 42, Seq: 7},
		{Origin: "abc123", Kind: KindAnswer, Session: 42, Learners: []int64{7}},
		{Origin: "abc123", Kind: KindJoin, Session: 42, Learners: []int64{3, 7, 1000000}},
	} {
		if got, err := ParseNotice(n.String()); err != nil || !got.Equal(n) {
			t.Errorf("round trip of %q: %+v %v", n.String(), got, err)
		}
	}
	// One learner encodes as before lists existed (a rolling update's
	// older replicas read it).
	if got := (Notice{Origin: "a", Kind: KindAnswer, Session: 2, Learners: []int64{4}}).String(); got != "n1 a answer 2 4" {
		t.Errorf("one learner encodes as %q", got)
	}
	for _, bad := range []string{"", "n1 a state 1", "n2 a state 1 1", "n1 a boom 1 1", "n1 a state 0 1", "n1 a state x 1", "n1 a state 1 -1", "n1 a state 1 1 1",
		"n1 a state 1 1,2", "n1 a answer 1 ", "n1 a answer 1 1,,2", "n1 a answer 1 1,", "n1 a join 1 -3", "n1 a join 1 x"} {
		if _, err := ParseNotice(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// checkHistogram asserts the counts of TestCountsHistogram's answers.
func checkHistogram(t *testing.T, c Counts) {
	t.Helper()
	if c.Answered != 4 || c.Correct != 2 || c.Joined != 4 || len(c.Parts) != 1 {
		t.Fatalf("counts %+v", c)
	}
	p := c.Parts[0]
	want := []Bucket{{"correct", 2}, {"flipped-kernel", 2}}
	if len(p.Histogram) != len(want) || p.Histogram[0] != want[0] || p.Histogram[1] != want[1] {
		t.Errorf("histogram %+v, want %+v", p.Histogram, want)
	}
	if len(p.Wrong) != 1 || p.Wrong[0] != (WrongAnswer{"1 2", 2}) {
		t.Errorf("wrong answers %+v", p.Wrong)
	}
}

func TestCountsHistogram(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 2)
	m := e.manager(e.st, NewLocalBus(), Config{})
	h := e.hub(m)
	l1, l2, l3, l4, l5 := e.learner(), e.learner(), e.learner(), e.learner(), e.learner()
	h.Record(bg, []Answer{
		e.answer(l1, 0, "out", "correct", "", "3 3"),
		e.answer(l2, 0, "out", "incorrect", "flipped-kernel", "1 2"),
		e.answer(l3, 0, "out", "incorrect", "flipped-kernel", "1 2"),
		e.answer(l4, 0, "out", "incorrect", "", "9"),
		{Learner: l5, Part: "out", Verdict: "invalid", Text: "x"}, // not an attempt
	})
	// Learner 4 changes their mind: only the latest answer counts.
	h.Record(bg, []Answer{e.answer(l4, 0, "out", "correct", "", "3 3")})
	checkHistogram(t, h.Counts())

	// After a restart the counts are rebuilt from the attempt record.
	m.Close()
	again := e.hub(e.manager(e.st, NewLocalBus(), Config{}))
	checkHistogram(t, again.Counts())

	// Another question has its own counts.
	if _, err := again.Control(bg, ActNext); err != nil {
		t.Fatal(err)
	}
	if c := again.Counts(); c.Answered != 0 || len(c.Parts) != 0 {
		t.Errorf("next question counts %+v", c)
	}
}

func TestSubscribeSnapshotAndRoles(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 2)
	h := e.hub(e.manager(e.st, NewLocalBus(), Config{}))
	l := e.learner()
	st, err := h.Subscribe(bg, RoleStudent, l)
	if err != nil {
		t.Fatal(err)
	}
	staff, _ := h.Subscribe(bg, RoleStaff, 0)
	if m := next(t, st); m.Type != "state" || m.Counts != nil {
		t.Errorf("student snapshot %+v", m)
	}
	if m := next(t, staff); m.Type != "state" || m.Counts == nil || m.Counts.Joined != 1 {
		t.Errorf("staff snapshot %+v", m)
	}
	h.Record(bg, []Answer{e.answer(l, 0, "p", "correct", "", "1")})
	// Counts are sent by the hub's goroutine, coalesced: the join's may
	// come first.
	if m := until(t, staff, func(m Message) bool { return m.Type != "counts" || m.Counts.Correct == 1 }); m.Type != "counts" {
		t.Errorf("staff got %+v before the counts", m)
	}
	select {
	case b := <-st.C:
		t.Errorf("a student received %s", b.Data)
	default:
	}
}

// TestSlowSubscriberDropped: a subscriber that does not read is dropped
// once its queue is full, and the others still get every message.
func TestSlowSubscriberDropped(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 60)
	h := e.hub(e.manager(e.st, NewLocalBus(), Config{Queue: 4}))
	slow, _ := h.Subscribe(bg, RoleStudent, e.learner())
	fast, _ := h.Subscribe(bg, RoleStudent, e.learner())
	next(t, fast)
	for i := 0; i < 50; i++ {
		if _, err := h.Control(bg, ActNext); err != nil {
			t.Fatal(err)
		}
		m := next(t, fast)
		if m.State.Question != i+1 {
			t.Fatalf("fast got question %d, want %d", m.State.Question, i+1)
		}
	}
	n := 0
	for range slow.C { // closed once dropped
		n++
	}
	if n != 4 || h.Dropped() != 1 {
		t.Errorf("slow subscriber got %d messages, dropped %d; want 4 then dropped once", n, h.Dropped())
	}
	// A resubscription starts from the current state.
	again, _ := h.Subscribe(bg, RoleStudent, 1)
	if m := next(t, again); m.State.Question != 50 {
		t.Errorf("resync at question %d", m.State.Question)
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 1)
	m := e.manager(e.st, NewLocalBus(), Config{MaxSessions: 1, MaxStudents: 1})
	h := e.hub(m)
	other, err := e.st.CreateLiveSession(bg, e.course.ID, e.a.ID, 0, "GHJKMN")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Hub(bg, other.ID, e.itemIDs); !errors.Is(err, ErrTooManySessions) {
		t.Errorf("second session: %v", err)
	}
	l1, l2 := e.learner(), e.learner()
	if _, err := h.Subscribe(bg, RoleStudent, l1); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(bg, RoleStudent, l2); !errors.Is(err, ErrSessionFull) {
		t.Errorf("second student: %v", err)
	}
	if err := h.Join(bg, l2); !errors.Is(err, ErrSessionFull) {
		t.Errorf("second student joins: %v", err)
	}
	if _, err := h.Subscribe(bg, RoleStaff, 0); err != nil {
		t.Errorf("staff beyond the student limit: %v", err)
	}
	if err := m.End(bg, e.ls.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(bg, RoleStudent, l1); !errors.Is(err, ErrEnded) {
		t.Errorf("after end: %v", err)
	}
	if err := h.Join(bg, e.learner()); !errors.Is(err, ErrEnded) {
		t.Errorf("join after end: %v", err)
	}
	if _, err := m.Hub(bg, e.ls.ID, e.itemIDs); !errors.Is(err, ErrEnded) {
		t.Errorf("hub of an ended session: %v", err)
	}
	if _, err := m.Hub(bg, other.ID, e.itemIDs); err != nil {
		t.Errorf("after end a new session: %v", err)
	}
}

// TestIdleExpiry: a session with no instructor action for the idle
// timeout ends (every page gets the final state and is closed); an
// action resets the clock.
func TestIdleExpiry(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 2)
	m := e.manager(e.st, NewLocalBus(), Config{IdleTimeout: time.Hour})
	h := e.hub(m)
	s, _ := h.Subscribe(bg, RoleStudent, e.learner())
	next(t, s)
	e.clock.Add(50 * time.Minute)
	if _, err := h.Control(bg, ActUnlock); err != nil {
		t.Fatal(err)
	}
	next(t, s)
	e.clock.Add(50 * time.Minute) // 100 min after the start, 50 after the unlock
	if ids, err := m.Reap(bg); err != nil || len(ids) != 0 {
		t.Fatalf("reap after 50 idle minutes: %v %v", ids, err)
	}
	// A student's answer is not an instructor action.
	h.Record(bg, []Answer{e.answer(e.learner(), 0, "p", "correct", "", "1")})
	e.clock.Add(11 * time.Minute)
	ids, err := m.Reap(bg)
	if err != nil || len(ids) != 1 || ids[0] != e.ls.ID {
		t.Fatalf("reap after 61 idle minutes: %v %v", ids, err)
	}
	if m := next(t, s); !m.State.Ended {
		t.Errorf("final message %+v", m)
	}
	if _, ok := <-s.C; ok {
		t.Error("subscriber not closed")
	}
	_, st, err := e.st.LatestLiveSessionByCode(bg, e.ls.Code)
	if err != nil || !st.Ended || st.EndReason != store.EndedIdle {
		t.Errorf("stored: %+v %v", st, err)
	}
	if m.Open() != 0 {
		t.Errorf("%d hubs open after the end", m.Open())
	}
}

// A broadcast queues one shared frame on every page, prepared once for
// all of them; a page's own snapshot is not shared.
func TestBroadcastFrameSharedAndPreparedOnce(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 2)
	h := e.hub(e.manager(e.st, NewLocalBus(), Config{}))
	var subs []*Subscriber
	for range 3 {
		s, err := h.Subscribe(bg, RoleStudent, e.learner())
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	snaps := map[*Frame]bool{}
	for _, s := range subs {
		f := <-s.C
		if f.Shared {
			t.Errorf("a snapshot is marked shared: %s", f.Data)
		}
		snaps[f] = true
	}
	if len(snaps) != len(subs) {
		t.Errorf("%d snapshots for %d pages", len(snaps), len(subs))
	}
	control(t, h, ActPause)
	var first *Frame
	prepared := 0
	for _, s := range subs {
		f := <-s.C
		if m := decode(t, f.Data); m.Type != "state" || !m.State.Paused {
			t.Fatalf("broadcast %s", f.Data)
		}
		if !f.Shared {
			t.Errorf("the broadcast frame is not shared")
		}
		if first == nil {
			first = f
		} else if f != first {
			t.Errorf("pages got different frames for one broadcast")
		}
		if got := f.Prepared(func(b []byte) any { prepared++; return len(b) }); got != len(f.Data) {
			t.Errorf("Prepared = %v, want %d", got, len(f.Data))
		}
	}
	if prepared != 1 {
		t.Errorf("prepared %d times for %d pages, want once", prepared, len(subs))
	}
}

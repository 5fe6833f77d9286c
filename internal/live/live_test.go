package live

import (
	"encoding/json"
	"errors"
	"testing"
)

func decode(t *testing.T, b []byte) Message {
	t.Helper()
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

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
		h, _ := NewManager(Config{}).Hub(1, 3)
		for _, a := range tc.acts {
			h.Control(a)
		}
		got := h.State()
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(tc.want)
		if string(gb) != string(wb) {
			t.Errorf("%v: state %s, want %s", tc.acts, gb, wb)
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

func TestCountsHistogram(t *testing.T) {
	h, _ := NewManager(Config{}).Hub(1, 2)
	h.Record([]Answer{
		{Learner: 1, Part: "out", Verdict: "correct", Text: "3 3"},
		{Learner: 2, Part: "out", Verdict: "incorrect", Diagnosis: "flipped-kernel", Text: "1 2"},
		{Learner: 3, Part: "out", Verdict: "incorrect", Diagnosis: "flipped-kernel", Text: "1 2"},
		{Learner: 4, Part: "out", Verdict: "incorrect", Text: "9"},
		{Learner: 5, Part: "out", Verdict: "invalid", Text: "x"}, // not an attempt
	})
	// Learner 4 changes their mind: only the latest answer counts.
	h.Record([]Answer{{Learner: 4, Part: "out", Verdict: "correct", Text: "3 3"}})
	c := h.Counts()
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
	// Another question has its own counts.
	h.Control(ActNext)
	if c := h.Counts(); c.Answered != 0 || len(c.Parts) != 0 {
		t.Errorf("next question counts %+v", c)
	}
}

func TestSubscribeSnapshotAndRoles(t *testing.T) {
	h, _ := NewManager(Config{}).Hub(1, 2)
	st, err := h.Subscribe(RoleStudent, 7)
	if err != nil {
		t.Fatal(err)
	}
	staff, _ := h.Subscribe(RoleStaff, 0)
	if m := decode(t, <-st.C); m.Type != "state" || m.Counts != nil {
		t.Errorf("student snapshot %+v", m)
	}
	if m := decode(t, <-staff.C); m.Type != "state" || m.Counts == nil || m.Counts.Joined != 1 {
		t.Errorf("staff snapshot %+v", m)
	}
	h.Record([]Answer{{Learner: 7, Part: "p", Verdict: "correct"}})
	if m := decode(t, <-staff.C); m.Type != "counts" || m.Counts.Correct != 1 {
		t.Errorf("staff counts %+v", m)
	}
	select {
	case b := <-st.C:
		t.Errorf("a student received %s", b)
	default:
	}
}

// TestSlowSubscriberDropped: a subscriber that does not read is dropped
// once its queue is full, and the others still get every message.
func TestSlowSubscriberDropped(t *testing.T) {
	h, _ := NewManager(Config{Queue: 4}).Hub(1, 100)
	slow, _ := h.Subscribe(RoleStudent, 1)
	fast, _ := h.Subscribe(RoleStudent, 2)
	<-fast.C
	for i := 0; i < 50; i++ {
		h.Control(ActNext)
		m := decode(t, <-fast.C)
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
	again, _ := h.Subscribe(RoleStudent, 1)
	if m := decode(t, <-again.C); m.State.Question != 50 {
		t.Errorf("resync at question %d", m.State.Question)
	}
}

func TestLimits(t *testing.T) {
	m := NewManager(Config{MaxSessions: 1, MaxStudents: 1})
	h, _ := m.Hub(1, 1)
	if _, err := m.Hub(2, 1); !errors.Is(err, ErrTooManySessions) {
		t.Errorf("second session: %v", err)
	}
	if _, err := h.Subscribe(RoleStudent, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(RoleStudent, 2); !errors.Is(err, ErrSessionFull) {
		t.Errorf("second student: %v", err)
	}
	if _, err := h.Subscribe(RoleStaff, 0); err != nil {
		t.Errorf("staff beyond the student limit: %v", err)
	}
	m.End(1)
	if _, err := h.Subscribe(RoleStudent, 3); !errors.Is(err, ErrEnded) {
		t.Errorf("after end: %v", err)
	}
	if _, err := m.Hub(2, 1); err != nil {
		t.Errorf("after end a new session: %v", err)
	}
}

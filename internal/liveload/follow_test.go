package liveload

import (
	"testing"

	"github.com/stride-tutor/stride/internal/live"
)

// TestNextStep: the student page model takes the contract's step for
// each change (docs/LIVE.md, static/live.js): the room's own changes in
// place, a reveal by the fragment, a new question or unlocked set, a form
// the page lacks, or a hide it cannot undo by the whole page.
func TestNextStep(t *testing.T) {
	open := live.State{Question: 0, Items: 3, Unlocked: []int{0}, Version: 5}
	with := func(f func(*live.State)) live.State {
		st := open
		st.Unlocked = append([]int(nil), open.Unlocked...)
		f(&st)
		return st
	}
	formPage := pageFor(open)
	inPlaceRevealed := formPage
	inPlaceRevealed.revealed, inPlaceRevealed.stash = true, true
	serverRevealed := pageFor(with(func(s *live.State) { s.Revealed = true }))
	waiting := pageFor(live.State{Question: 0, Items: 3})
	pausedPage := pageFor(with(func(s *live.State) { s.Paused = true }))
	if !formPage.form || formPage.revealed || !serverRevealed.revealed || serverRevealed.stash || waiting.form || pausedPage.form {
		t.Fatalf("pageFor: open %+v, revealed %+v, waiting %+v, paused %+v", formPage, serverRevealed, waiting, pausedPage)
	}
	for _, c := range []struct {
		name string
		p    page
		st   live.State
		want Step
	}{
		{"pause", formPage, with(func(s *live.State) { s.Paused = true }), StepInPlace},
		{"resume a paused form", formPage, open, StepInPlace},
		{"close", formPage, with(func(s *live.State) { s.Closed = true }), StepInPlace},
		{"projector view only", formPage, with(func(s *live.State) { s.Projector.Names = true }), StepInPlace},
		{"reveal", formPage, with(func(s *live.State) { s.Revealed = true }), StepReveal},
		{"reveal while paused, form kept", formPage, with(func(s *live.State) { s.Revealed, s.Paused = true, true }), StepReveal},
		{"revealed already", inPlaceRevealed, with(func(s *live.State) { s.Revealed = true }), StepInPlace},
		{"hide an in-place reveal", inPlaceRevealed, open, StepInPlace},
		{"hide a server-rendered reveal", serverRevealed, open, StepPage},
		{"next question", formPage, with(func(s *live.State) { s.Question = 1 }), StepPage},
		{"unlock all", formPage, with(func(s *live.State) { s.Unlocked = []int{0, 1, 2} }), StepPage},
		{"unlocked while waiting", waiting, open, StepPage},
		{"still waiting, paused", waiting, live.State{Question: 0, Items: 3, Paused: true}, StepInPlace},
		{"resumed, page loaded while paused", pausedPage, open, StepPage},
		{"revealed while the page lacks a form and the room is paused", pausedPage, with(func(s *live.State) { s.Paused, s.Revealed = true, true }), StepInPlace},
		{"ended", formPage, with(func(s *live.State) { s.Ended = true }), StepInPlace},
	} {
		if got := nextStep(c.p, c.st); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if p := applyInPlace(inPlaceRevealed, open); p.revealed || p.stash {
		t.Errorf("after an in-place hide the page is %+v, want not revealed", p)
	}
	if p := applyInPlace(formPage, with(func(s *live.State) { s.Paused = true })); p.form != formPage.form || p.q != 0 {
		t.Errorf("a pause in place changed the page: %+v", p)
	}
}

// TestStateOf: a state message's state is decoded; other messages are not
// states.
func TestStateOf(t *testing.T) {
	st, ok := stateOf([]byte(`{"type":"state","state":{"question":2,"items":4,"unlocked":[0,2],"paused":false,"closed":false,"revealed":true,"ended":false,"version":17}}`))
	if !ok || st.Question != 2 || !st.Revealed || st.Version != 17 || !st.IsUnlocked(2) || st.IsUnlocked(1) {
		t.Errorf("stateOf: %+v, %v", st, ok)
	}
	for _, b := range []string{`{"type":"counts","counts":{"joined":1}}`, `{"type":"state"}`, `not json`} {
		if _, ok := stateOf([]byte(b)); ok {
			t.Errorf("stateOf(%s) is a state", b)
		}
	}
}

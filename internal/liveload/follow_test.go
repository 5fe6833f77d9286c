package liveload

import (
	"slices"
	"testing"

	"github.com/stride-tutor/stride/internal/live"
)

// TestNextStep: the student page model takes the contract's step for
// each change (docs/LIVE.md, static/live.js): the room's own changes, a
// hide (of a reveal in place or rendered), the nav's links and another
// question the server shows without a form in place; a reveal by the
// fragment; another question with a form, or a form the page lacks, by
// the whole page.
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
	next := with(func(s *live.State) { s.Question = 1 })                                  // `next`: question 2 locked
	nextUnlocked := with(func(s *live.State) { s.Question, s.Unlocked = 1, []int{0, 1} }) // then `unlock`
	nextPage := applyInPlace(formPage, next)
	if nextPage.q != 1 || nextPage.form || nextPage.revealed || !slices.Equal(nextPage.unlocked, []int{0}) {
		t.Fatalf("after next in place the page is %+v, want question 1 without a form", nextPage)
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
		{"hide a server-rendered reveal", serverRevealed, open, StepInPlace},
		{"next to a locked question", formPage, next, StepInPlace},
		{"next from a revealed page", serverRevealed, next, StepInPlace},
		{"next while paused", formPage, with(func(s *live.State) { s.Question, s.Unlocked, s.Paused = 1, []int{0, 1}, true }), StepInPlace},
		{"unlock after next", nextPage, nextUnlocked, StepPage},
		{"next and unlock at once (one state)", formPage, nextUnlocked, StepPage},
		{"next to an unlocked question", formPage, with(func(s *live.State) { s.Question, s.Unlocked = 1, []int{0, 1, 2} }), StepPage},
		{"unlock all (the nav's links)", formPage, with(func(s *live.State) { s.Unlocked = []int{0, 1, 2} }), StepInPlace},
		{"unlocked while waiting", waiting, open, StepPage},
		{"still waiting, paused", waiting, live.State{Question: 0, Items: 3, Paused: true}, StepInPlace},
		{"resumed, page loaded while paused", pausedPage, open, StepPage},
		{"closed, page loaded while waiting", waiting, with(func(s *live.State) { s.Closed = true }), StepPage},
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
	if p := applyInPlace(serverRevealed, open); p.revealed || !p.form {
		t.Errorf("after hiding a rendered reveal the page is %+v, want its form, not revealed", p)
	}
	if p := applyInPlace(formPage, with(func(s *live.State) { s.Paused = true })); p.form != formPage.form || p.q != 0 {
		t.Errorf("a pause in place changed the page: %+v", p)
	}
}

// TestAnswerable: a student answers only a question its page shows with a
// form while the room takes answers: not between `next` and `unlock`.
func TestAnswerable(t *testing.T) {
	open := live.State{Question: 0, Items: 3, Unlocked: []int{0}, Version: 5}
	next := live.State{Question: 1, Items: 3, Unlocked: []int{0}, Version: 6}
	unlocked := live.State{Question: 1, Items: 3, Unlocked: []int{0, 1}, Version: 7}
	paused := unlocked
	paused.Paused = true
	for _, c := range []struct {
		name string
		p    page
		st   live.State
		want bool
	}{
		{"the open question's form", pageFor(open), open, true},
		{"before the first unlock", pageFor(live.State{Items: 3}), live.State{Items: 3}, false},
		{"between next and unlock", applyInPlace(pageFor(open), next), next, false},
		{"after the unlock, page fetched", pageFor(unlocked), unlocked, true},
		{"paused, form kept hidden", pageFor(unlocked), paused, false},
	} {
		if got := answerable(c.p, c.st); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
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

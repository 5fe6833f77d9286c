package liveload

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/stride-tutor/stride/internal/live"
)

// A student page following the class (Config.Refetch), modelled as
// static/live.js does it under the rule both share (the live contract,
// docs/LIVE.md "A student page follows the class in place"): what the
// page can apply from the state message itself costs no request and the
// page is "there" when the message arrives: a pause, a resume, closing,
// opening, hiding the answer (solutions revealed in place or rendered
// revealed alike), a change of the unlocked questions (the nav's links),
// and another question the server shows without a form (locked, or the
// room paused: `next` before `unlock`); a reveal of the question the page
// shows with its form GETs the reveal fragment (the page is there when it
// returns; a 409 follows the newer state that explains it, or fetches the
// whole page if none comes within RevealRefusalWait; any other failure
// falls back to the whole page); another
// question with a form, or a form the page lacks (the unlock after
// `next`, a resume of a page drawn paused) GETs the whole page
// (GET /live/{code}, the class's current question).
//
// A page is modelled as rendered for the state the student had when the
// fetch started. The server may render a newer one; the model then makes
// the request the newer state's message asks of an older page, which
// live.js (reading the page it got) may skip: the model errs on the side
// of more requests.

// Step is what a student page does with a new state.
type Step int

// The steps, cheapest first.
const (
	StepInPlace Step = iota // applied from the message, no request
	StepReveal              // GET the reveal fragment
	StepPage                // GET the whole page
)

func (s Step) String() string {
	switch s {
	case StepInPlace:
		return "in place"
	case StepReveal:
		return "reveal"
	}
	return "page"
}

// page is what a student's page shows.
type page struct {
	q        int   // the question shown (data-live-question)
	form     bool  // the exercise form is on the page
	revealed bool  // its worked solutions are shown
	stash    bool  // revealed in place (else the server rendered them)
	unlocked []int // the unlocked questions its nav lists
}

// pageFor is the page the server renders for state st (GET /live/{code},
// web/live.go renderLiveStudent): the current question, with its form
// while it is unlocked and the room not paused, revealed when the answer
// is, with the worked solutions in the page (no stash).
func pageFor(st live.State) page {
	form := !st.Ended && !formless(st, st.Question)
	return page{q: st.Question, form: form, revealed: form && st.Revealed, unlocked: slices.Clone(st.Unlocked)}
}

// formless says the server renders question q in state st without a
// form: the room is paused or q is locked (statusOf "paused", "waiting").
func formless(st live.State, q int) bool {
	return st.Paused || !st.IsUnlocked(q)
}

// answerable says the student can answer on page p in state st: the page
// shows its form and the room takes answers to its question.
func answerable(p page, st live.State) bool {
	return p.form && st.Answerable(p.q)
}

// nextStep is what a page showing p does with the new state st.
func nextStep(p page, st live.State) Step {
	step, _ := nextStepWhy(p, st)
	return step
}

// nextStepWhy is nextStep with the reason for a page fetch (for the
// report: Report.PageWhy).
func nextStepWhy(p page, st live.State) (Step, string) {
	switch {
	case st.Ended:
		return StepInPlace, "" // the socket closes and the page reloads: not measured
	case st.Question != p.q:
		if formless(st, st.Question) {
			return StepInPlace, "" // drawn here: heading, status, no form
		}
		return StepPage, "another question with a form"
	case !p.form && !formless(st, p.q):
		return StepPage, "no form, now answerable" // drawn locked or paused; unlocked or resumed
	case p.form && st.Revealed && !p.revealed:
		return StepReveal, ""
	}
	// Pause, resume, close, open, a hide (in place or of a rendered
	// reveal), the nav's links, a state the page shows already.
	return StepInPlace, ""
}

// applyInPlace is p after st was applied without a request.
func applyInPlace(p page, st live.State) page {
	if st.Question != p.q {
		return page{q: st.Question, unlocked: slices.Clone(st.Unlocked)}
	}
	if p.form && !st.Revealed && p.revealed {
		p.revealed, p.stash = false, false
	}
	p.unlocked = slices.Clone(st.Unlocked)
	return p
}

// stateOf decodes a state message's state; ok is false for other messages.
func stateOf(b []byte) (live.State, bool) {
	var m struct {
		Type  string      `json:"type"`
		State *live.State `json:"state"`
	}
	if json.Unmarshal(b, &m) != nil || m.Type != "state" || m.State == nil {
		return live.State{}, false
	}
	return *m.State, true
}

// follow applies the newest state the student has until it has applied
// every one it received, one request at a time, as live.js does, and notes
// when each version was on the page.
func (st *student) follow() {
	defer st.refetch.Done()
	for {
		st.mu.Lock()
		s, arrived := st.state, st.got[st.state.Version]
		if s.Version <= st.applied {
			st.following = false
			st.mu.Unlock()
			return
		}
		p := st.pg
		st.mu.Unlock()

		step, why := nextStepWhy(p, s)
		var err error
		refused, paged := false, false
		switch step {
		case StepInPlace:
			p = applyInPlace(p, s)
		case StepReveal:
			var ok bool
			if ok, err = st.fetchReveal(p.q); err == nil && ok {
				p.revealed, p.stash = true, true
			} else if err == nil && st.awaitNewer(s.Version, RevealRefusalWait) {
				// 409, and the state that refused it came (live.js
				// afterRefusal): follow that one; no page.
				st.rep.mu.Lock()
				st.rep.Steps[step]++
				st.rep.RevealRefused++
				st.rep.mu.Unlock()
				continue
			} else {
				// A failure, or a 409 and no newer state: the page.
				refused, why = err == nil, "reveal fragment 409"
				if err != nil {
					why = errorKind(err.Error())
				}
				paged = true
				if err = st.fetchPage(); err == nil {
					p = pageFor(s)
				}
			}
		case StepPage:
			paged = true
			if err = st.fetchPage(); err == nil {
				p = pageFor(s)
			}
		}
		now := time.Now()
		if step == StepInPlace {
			now = arrived // the page has it as the message arrives
		}
		st.mu.Lock()
		st.applied, st.pg = s.Version, p
		st.noteChangeLocked()
		if err == nil {
			for w := range st.got {
				if _, done := st.rendered[w]; !done && w <= s.Version {
					st.rendered[w] = now
				}
			}
		}
		st.mu.Unlock()
		by := ""
		if paged && st.actionOf != nil {
			by = st.actionOf(s.Version)
		}
		st.rep.mu.Lock()
		st.rep.Steps[step]++
		if why != "" {
			st.rep.PageWhy[why]++
		}
		if by != "" {
			st.rep.PagesBy[by]++
		}
		if refused {
			st.rep.RevealRefused++
		}
		if err != nil {
			st.rep.RefetchErrors++
			st.rep.noteErrLocked(err)
		}
		st.rep.mu.Unlock()
	}
}

// RevealRefusalWait is how long a page whose reveal fragment was refused
// (409) waits for the newer state before it fetches the whole page
// (static/live.js, afterRefusal).
const RevealRefusalWait = 3 * time.Second

// awaitNewer waits at most d for a state newer than version, and reports
// whether one came.
func (st *student) awaitNewer(version int64, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		st.mu.Lock()
		newer := st.state.Version > version
		st.mu.Unlock()
		if newer {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fetchPage GETs the student's page (the class's current question).
func (st *student) fetchPage() error {
	code, _, err := st.get(st.page, "text/html")
	if err != nil {
		return fmt.Errorf("page: %w", err)
	}
	if code != http.StatusOK {
		return fmt.Errorf("page: status %d", code)
	}
	return nil
}

// fetchReveal GETs the reveal fragment of question q: ok on 200, false on
// a 409 (not revealed now); anything else is an error.
func (st *student) fetchReveal(q int) (bool, error) {
	code, body, err := st.get(st.reveal+strconv.Itoa(q), "application/json")
	switch {
	case err != nil:
		return false, fmt.Errorf("reveal fragment: %w", err)
	case code == http.StatusOK:
		return true, nil
	case code == http.StatusConflict:
		return false, nil
	}
	return false, fmt.Errorf("reveal fragment: status %d %s", code, clip(string(body), 200))
}

// get GETs u as the student's page does; the body is read whole (so the
// keep-alive connection is reused) and returned only for an error status.
func (st *student) get(u, accept string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set(st.header, st.addr)
	resp, err := st.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, b, nil
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil, err
}

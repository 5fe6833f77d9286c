package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/live"
)

// Issue 14 review (QA): the pace controls through HTTP and real sockets, as
// a class uses them, checked on what a student can answer, what is recorded
// and what each page says.

// liveAttemptsAt counts the session's attempts at the assignment's item
// index q.
func (e *liveEnv) liveAttemptsAt(q int) int {
	e.t.Helper()
	n := 0
	for _, a := range e.liveAttempts() {
		if a.ItemID == e.a.Items[q].ID {
			if a.LiveSessionID != e.ls.ID {
				e.t.Errorf("attempt %d of the live session has live_session_id %d, want %d", a.ID, a.LiveSessionID, e.ls.ID)
			}
			n++
		}
	}
	return n
}

// TestLiveQAUnlockOneOrAll: "unlock" opens the current question only (the
// next one stays locked: its page waits, an answer to it is refused and not
// recorded); "unlock_all" opens every question, so a student answers
// question 2 while the class is still on question 1; the counts follow the
// current question, and "next" shows question 2's counts, with the answer
// given before the class got there.
func TestLiveQAUnlockOneOrAll(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.device()
	e.join(ann, "Ann")
	student := e.dial(ann, "/live/"+e.ls.Code+"/ws")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	read(t, student)
	read(t, staff)
	answers := map[string]string{"dims": "3x3", "bottom-right": "22"}

	e.control("unlock")
	m := readUntil(t, student, "question 1 unlocked", func(m live.Message) bool { return m.State != nil && m.State.Version == 1 })
	if !slices.Equal(m.State.Unlocked, []int{0}) || m.State.Question != 0 {
		t.Fatalf("after unlock: %+v, want question 0 and only it unlocked", m.State)
	}
	if r := e.answer(ann, 0, answers); r.code != http.StatusOK {
		t.Fatalf("answer to the unlocked question: %d %s", r.code, clip(r.body, 300))
	}
	if n := e.liveAttemptsAt(0); n != 2 {
		t.Fatalf("question 1 has %d attempts, want 2 (two parts)", n)
	}
	// Question 2 is still locked: its page waits and shows no form; an
	// answer to it (form or JSON) is refused and not recorded.
	page := ann.get("/live/" + e.ls.Code + "?q=1")
	if !strings.Contains(liveStatusLine(page.body), "Waiting for your instructor") || strings.Contains(page.body, `id="exercise-form"`) {
		t.Errorf("a locked question's page: %d\n%s", page.code, clip(page.body, 1500))
	}
	if strings.Contains(page.body, "Question 2</a>") {
		t.Errorf("a locked question is listed as one to go to\n%s", clip(page.body, 1500))
	}
	r, _, bad := e.liveAnswerJSON(ann, map[string]any{"question": 1, "key": "qa-locked-key-1", "answers": answers}, false)
	if r.code != http.StatusConflict || bad.Field != "question" || !strings.Contains(bad.Error, "not unlocked") {
		t.Errorf("JSON answer to a locked question: %d %s, want 409 naming question", r.code, clip(r.body, 300))
	}
	if n := e.liveAttemptsAt(1); n != 0 {
		t.Fatalf("a locked question has %d attempts", n)
	}

	// Unlock all: both are open, the class still on question 1.
	e.control("unlock_all")
	m = readUntil(t, student, "all unlocked", func(m live.Message) bool { return m.State != nil && m.State.Version == 2 })
	if !slices.Equal(m.State.Unlocked, []int{0, 1}) || m.State.Question != 0 {
		t.Fatalf("after unlock_all: %+v, want question 0 with 0 and 1 unlocked", m.State)
	}
	page = ann.get("/live/" + e.ls.Code)
	if !strings.Contains(page.body, "Question 2</a>") {
		t.Errorf("after unlock_all the student's page has no link to question 2\n%s", clip(page.body, 2000))
	}
	readUntil(t, staff, "question 1's counts", func(m live.Message) bool { return m.State != nil && m.State.Version == 2 })
	if r := e.answer(ann, 1, map[string]string{"dims": "3x3"}); r.code != http.StatusOK {
		t.Fatalf("answer to question 2 while the class is on 1: %d %s", r.code, clip(r.body, 300))
	}
	if n := e.liveAttemptsAt(1); n != 1 {
		t.Fatalf("question 2 has %d attempts after unlock_all, want 1", n)
	}

	// The class moves on: question 2's counts hold the answer given early.
	e.control("next")
	m = readUntil(t, staff, "question 2 current", func(m live.Message) bool { return m.State != nil && m.State.Question == 1 })
	if m.Counts == nil || m.Counts.Answered != 1 || len(m.Counts.Parts) != 1 || m.Counts.Parts[0].Part != "dims" {
		t.Errorf("question 2's counts on arrival: %+v, want Ann's early answer to dims", m.Counts)
	}
	if m.State.Closed || m.State.Revealed || !m.State.IsUnlocked(1) {
		t.Errorf("question 2 on arrival: %+v, want open, unrevealed, unlocked", m.State)
	}
}

// TestLiveQAClosedCurrentQuestion: "close" stops answers to the question on
// the screen on every path (the no-JS form, the JSON endpoint): the page
// says so and shows no check button, nothing is recorded or counted; "open"
// takes answers again.
func TestLiveQAClosedCurrentQuestion(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.device()
	e.join(ann, "Ann")
	e.control("unlock")
	answers := map[string]string{"dims": "3x3", "bottom-right": "22"}
	page := ann.get("/live/" + e.ls.Code + "?q=0")
	key := attemptKeyRE.FindStringSubmatch(page.body)
	if key == nil {
		t.Fatalf("open question's page has no attempt key\n%s", clip(page.body, 1500))
	}
	e.control("close")
	page = ann.get("/live/" + e.ls.Code + "?q=0")
	if !strings.Contains(liveStatusLine(page.body), "Answering is closed") {
		t.Errorf("closed question's page does not say so\n%s", clip(page.body, 2000))
	}
	// A form that was on the page before the close, posted after it.
	form := url.Values{"attempt_key": {key[1]}, "a.dims": {"3x3"}, "a.bottom-right": {"22"}}
	r := ann.post("/live/"+e.ls.Code+"?q=0", form)
	if n := e.liveAttemptsAt(0); n != 0 {
		t.Fatalf("a form posted after the close recorded %d attempts (status %d)", n, r.code)
	}
	if !strings.Contains(r.body, "closed") {
		t.Errorf("the refused form's page does not say answering is closed: %d\n%s", r.code, clip(r.body, 2000))
	}
	jr, _, bad := e.liveAnswerJSON(ann, map[string]any{"question": 0, "key": "qa-closed-key-1", "answers": answers}, false)
	if jr.code != http.StatusConflict || !strings.Contains(bad.Error, "closed") {
		t.Errorf("JSON answer while closed: %d %s", jr.code, clip(jr.body, 300))
	}
	e.control("open")
	if r := e.answer(ann, 0, answers); r.code != http.StatusOK || e.liveAttemptsAt(0) != 2 {
		t.Errorf("after open: %d, %d attempts, want 200 and 2", r.code, e.liveAttemptsAt(0))
	}
}

// TestLiveQAClosedOtherQuestion: after unlock_all and close, a student on
// an unlocked question other than the current one must not be shown an
// open form that the server then refuses (the page and the answer
// endpoint must agree that closing stops every question).
func TestLiveQAClosedOtherQuestion(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.device()
	e.join(ann, "Ann")
	e.control("unlock_all")
	e.control("close")
	page := ann.get("/live/" + e.ls.Code + "?q=1")
	shown := strings.Contains(page.body, `id="exercise-form"`) && strings.Contains(liveStatusLine(page.body), "Answer the question below")
	r := e.answer(ann, 1, map[string]string{"dims": "3x3"})
	recorded := e.liveAttemptsAt(1) > 0
	if shown || recorded {
		t.Errorf("question 2 while closed: the page offers a form %v, an answer is recorded %v (post %d)\n%s", shown, recorded, r.code, clip(r.body, 1200))
	}
	if !strings.Contains(liveStatusLine(page.body), "Answering is closed") {
		t.Errorf("question 2 while closed: the page does not say answering is closed\n%s", clip(page.body, 1200))
	}
}

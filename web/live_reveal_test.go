package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestLiveRevealWorkedSolution: nothing of the current question's answer
// is on the projector, the instructor's screen, a student's page, a JSON
// answer's reply or any websocket message before the instructor reveals it
// (a tutor never shows an answer the student has not earned); after the
// reveal the projector and the instructor's screen show every part's
// correct answer and worked solution, rendered by the server with MathML,
// and the student's page opens its worked solutions and says so.
func TestLiveRevealWorkedSolution(t *testing.T) {
	e := newLiveEnv(t)
	srv := e.app.server
	ann := e.device()
	e.join(ann, "Ann")
	e.control("unlock")

	v, err := srv.itemVariant(context.Background(), e.a.Items[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	// What would give the answer away: each part's rendered answer and
	// every step of its worked solution.
	type secret struct{ part, what, html string }
	var secrets []secret
	for _, p := range v.Parts {
		if p.Answer == "" || len(p.Solution) == 0 {
			t.Fatalf("part %s has no answer or worked solution to test with", p.ID)
		}
		secrets = append(secrets, secret{p.ID, "answer", string(srv.md(p.Answer))})
		for _, st := range p.Solution {
			secrets = append(secrets, secret{p.ID, "step", string(srv.md(st))})
		}
	}
	if !strings.Contains(strings.Join(func() []string {
		var all []string
		for _, s := range secrets {
			all = append(all, s.html)
		}
		return all
	}(), ""), "<math") {
		t.Fatalf("no worked solution step has math: the MathML check below could not fail")
	}
	leaks := func(where, body string) {
		t.Helper()
		for _, s := range secrets {
			// An answer may be a short string found elsewhere (a number);
			// a step is long. Both are checked where no solution may be.
			if s.what == "answer" && len(s.html) < 12 {
				continue
			}
			if strings.Contains(body, s.html) {
				t.Errorf("%s shows part %s's %s before the reveal: %q", where, s.part, s.what, clip(s.html, 120))
			}
		}
	}

	staffWS := e.dial(e.staff, e.teachURL()+"/ws")
	annWS := e.dial(ann, "/live/"+e.ls.Code+"/ws")
	rawRead := func(ws *websocket.Conn) string {
		t.Helper()
		_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return string(b)
	}
	leaks("the instructor's first socket message", rawRead(staffWS))
	leaks("the student's first socket message", rawRead(annWS))

	projector := e.staff.get(e.teachURL() + "/projector")
	teacher := e.staff.get(e.teachURL())
	student := ann.get("/live/" + e.ls.Code)
	for _, pg := range []struct {
		name string
		r    resp
	}{{"the projector", projector}, {"the instructor's screen", teacher}, {"the student's page", student}} {
		if pg.r.code != 200 {
			t.Fatalf("%s: %d", pg.name, pg.r.code)
		}
		leaks(pg.name, pg.r.body)
		if strings.Contains(pg.r.body, "live-solution") || strings.Contains(pg.r.body, `class="solution"`) {
			t.Errorf("%s has a worked solution before the reveal", pg.name)
		}
	}
	// A wrong answer's JSON reply: feedback, never the worked solution.
	_, reply, _ := e.liveAnswerJSON(ann, map[string]any{"question": 0, "key": "live-reveal-key-0001",
		"answers": map[string]string{"dims": "1x1", "bottom-right": "0"}}, false)
	if len(reply.Parts) == 0 {
		t.Fatalf("the JSON answer got no verdicts")
	}
	for id, vj := range reply.Parts {
		if vj.SolutionHTML != "" {
			t.Errorf("the JSON reply carries part %s's worked solution before the reveal", id)
		}
	}
	// The counts that answer brought the instructor carry no solution.
	leaks("the instructor's counts", rawRead(staffWS))

	e.control("reveal")
	for _, ws := range []*websocket.Conn{staffWS, annWS} {
		m := rawRead(ws)
		if !strings.Contains(m, `"revealed":true`) {
			t.Fatalf("after the reveal a socket got %s", clip(m, 300))
		}
		// The reveal is a state: the pages render the solution, the
		// message carries none.
		for _, s := range secrets {
			if s.what == "step" && strings.Contains(m, s.html) {
				t.Errorf("a socket message carries a worked solution step")
			}
		}
	}
	projector = e.staff.get(e.teachURL() + "/projector")
	teacher = e.staff.get(e.teachURL())
	student = ann.get("/live/" + e.ls.Code)
	for _, pg := range []struct {
		name string
		r    resp
	}{{"the projector", projector}, {"the instructor's screen", teacher}} {
		if !strings.Contains(pg.r.body, `id="live-solution"`) || !strings.Contains(pg.r.body, "Correct answer:") || !strings.Contains(pg.r.body, "<math") {
			t.Errorf("%s after the reveal lacks the solution section, its answers or MathML\n%s", pg.name, clip(pg.r.body, 2000))
		}
		for _, s := range secrets {
			if !strings.Contains(pg.r.body, s.html) {
				t.Errorf("%s after the reveal lacks part %s's %s %q", pg.name, s.part, s.what, clip(s.html, 120))
			}
		}
	}
	if strings.Contains(projector.body, "Ann") {
		t.Errorf("the projector shows a student's name with the solution")
	}
	if !strings.Contains(student.body, `<details class="solution" open`) || !strings.Contains(liveStatusLine(student.body), "revealed the answer") {
		t.Errorf("the student's page after the reveal: no open worked solution or no note\n%s", clip(student.body[strings.Index(student.body, "<details class=\"solution"):], 300))
	}
	for _, s := range secrets {
		if s.what == "step" && !strings.Contains(student.body, s.html) {
			t.Errorf("the student's page after the reveal lacks a step of part %s", s.part)
		}
	}

	// Hidden again: gone from the projector.
	e.control("hide")
	if p := e.staff.get(e.teachURL() + "/projector"); strings.Contains(p.body, "live-solution") {
		t.Errorf("the projector shows the solution after the instructor hid it")
	}
}

package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// liveAnswerJSON posts a JSON answer as device d, from this site's page
// (Sec-Fetch-Site) unless crossSite.
func (e *liveEnv) liveAnswerJSON(d *device, body any, crossSite bool) (resp, liveAnswerResponse, apiError) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	h := map[string]string{"Content-Type": "application/json"}
	if !crossSite {
		h["Sec-Fetch-Site"] = "same-origin"
	}
	r := d.do(http.MethodPost, "/live/"+e.ls.Code+"/answer", strings.NewReader(string(b)), h)
	var ok liveAnswerResponse
	var bad apiError
	if r.code == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &ok); err != nil {
			e.t.Fatalf("decode %s: %v", clip(r.body, 300), err)
		}
	} else {
		_ = json.Unmarshal([]byte(r.body), &bad)
	}
	return r, ok, bad
}

func (e *liveEnv) liveAttempts() []store.Attempt {
	e.t.Helper()
	atts, err := e.st.ListAttempts(context.Background(), store.AttemptFilter{AssignmentID: e.a.ID, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return atts
}

// TestLiveAnswerEndpoint: the JSON answer path records the attempt as the
// form path does (session, learner, diagnosis, idempotency key), counts it
// for the instructor, shows no solution, and refuses answers the room does
// not take with a 4xx naming why.
func TestLiveAnswerEndpoint(t *testing.T) {
	e := newLiveEnv(t)
	ann, ben, stranger := e.device(), e.device(), e.device()
	e.join(ann, "Ann")
	e.join(ben, "Ben")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	read(t, staff)
	answer := map[string]any{"question": 0, "key": "live-json-key-0001", "answers": map[string]string{"dims": "3x3", "bottom-right": "22"}}

	// Locked: 409, nothing recorded.
	if r, _, bad := e.liveAnswerJSON(ann, answer, false); r.code != http.StatusConflict || bad.Field != "question" || !strings.Contains(bad.Error, "not unlocked") {
		t.Fatalf("answer to a locked question: %d %s", r.code, clip(r.body, 300))
	}
	e.control("unlock")
	// Another site's page, or a device that never joined: 403.
	if r, _, bad := e.liveAnswerJSON(ann, answer, true); r.code != http.StatusForbidden || bad.Field != "Origin" {
		t.Errorf("cross-site answer: %d %s", r.code, clip(r.body, 300))
	}
	if r, _, bad := e.liveAnswerJSON(stranger, answer, false); r.code != http.StatusForbidden || bad.Field != "learner" {
		t.Errorf("answer without joining: %d %s", r.code, clip(r.body, 300))
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"bad question", map[string]any{"question": 7, "key": "live-json-key-0002", "answers": map[string]string{"dims": "3x3"}}, "question"},
		{"unknown part", map[string]any{"question": 0, "key": "live-json-key-0003", "answers": map[string]string{"nope": "1"}}, "answers.nope"},
		{"short key", map[string]any{"question": 0, "key": "k", "answers": map[string]string{"dims": "3x3"}}, "key"},
		{"unknown field", map[string]any{"question": 0, "key": "live-json-key-0004", "answer": "3x3"}, "answer"},
	} {
		if r, _, bad := e.liveAnswerJSON(ann, tc.body, false); r.code != http.StatusBadRequest || bad.Field != tc.field {
			t.Errorf("%s: %d field %q, want 400 naming %q (%s)", tc.name, r.code, bad.Field, tc.field, clip(r.body, 200))
		}
	}
	if n := len(e.liveAttempts()); n != 0 {
		t.Fatalf("refused answers recorded %d attempts", n)
	}

	r, out, _ := e.liveAnswerJSON(ann, answer, false)
	if r.code != http.StatusOK {
		t.Fatalf("answer: %d %s", r.code, clip(r.body, 300))
	}
	if out.Parts["dims"].Status != "correct" || out.Parts["bottom-right"].Status != "incorrect" || out.Parts["bottom-right"].Mistake != "conv.flipped-kernel" {
		t.Errorf("verdicts %+v", out.Parts)
	}
	if strings.Contains(r.body, "solution_html\":\"<") || out.NextKey == "" || out.NextKey == "live-json-key-0001" {
		t.Errorf("response shows a solution or lacks a fresh key: %s", clip(r.body, 600))
	}
	atts := e.liveAttempts()
	if len(atts) != 2 {
		t.Fatalf("attempts %+v", atts)
	}
	for _, at := range atts {
		if at.Source != store.FromLive || at.LiveSessionID != e.ls.ID || !strings.HasPrefix(at.IdempotencyKey, "live-json-key-0001") {
			t.Errorf("attempt %s: source %s session %d key %q", at.Part, at.Source, at.LiveSessionID, at.IdempotencyKey)
		}
		if at.Part == "bottom-right" && at.DiagnosisCode != "conv.flipped-kernel" {
			t.Errorf("bottom-right diagnosis %q", at.DiagnosisCode)
		}
	}
	m := readUntil(t, staff, "Ann's answer", func(m live.Message) bool { return m.Counts != nil && m.Counts.Answered == 1 })
	if br := partOf(m.Counts, "bottom-right"); len(br.Histogram) != 1 || br.Histogram[0].Key != "conv.flipped-kernel" {
		t.Errorf("counts %+v", br)
	}
	// The same key again is the same attempt (a retried request).
	if r, _, _ := e.liveAnswerJSON(ann, answer, false); r.code != http.StatusOK || len(e.liveAttempts()) != 2 {
		t.Errorf("retry with the same key: %d, %d attempts", r.code, len(e.liveAttempts()))
	}

	// The room is remembered now (live_rooms.go): a device that has not
	// joined is still refused, and nothing is recorded.
	if r, _, bad := e.liveAnswerJSON(e.device(), answer, false); r.code != http.StatusForbidden || bad.Field != "learner" {
		t.Errorf("answer from a device that has not joined: %d %s", r.code, clip(r.body, 300))
	}
	if n := len(e.liveAttempts()); n != 2 {
		t.Errorf("%d attempts after a refused answer, want 2", n)
	}

	// The page's own form, form-encoded, to the same endpoint.
	form := url.Values{"attempt_key": {"live-form-key-0001"}, "a.dims": {"3x3"}}
	fr := ben.do(http.MethodPost, "/live/"+e.ls.Code+"/answer?q=0", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": e.srv.URL})
	if fr.code != http.StatusOK || !strings.Contains(fr.body, `"dims":{"status":"correct"`) {
		t.Errorf("form-encoded answer: %d %s", fr.code, clip(fr.body, 300))
	}
	readUntil(t, staff, "Ben's answer", func(m live.Message) bool { return m.Counts != nil && m.Counts.Answered == 2 })

	// Revealed: still no solution in the answer (the page shows it).
	e.control("reveal")
	answer["key"] = "live-json-key-0005"
	if r, _, _ := e.liveAnswerJSON(ann, answer, false); r.code != http.StatusOK || strings.Contains(r.body, "solution_html\":\"<") {
		t.Errorf("answer after the reveal: %d %s", r.code, clip(r.body, 300))
	}

	for _, tc := range []struct {
		action, undo string
		status       int
		says         string
	}{
		{"pause", "resume", http.StatusConflict, "paused"},
		{"close", "open", http.StatusConflict, "closed"},
		{"end", "", http.StatusGone, "ended"},
	} {
		e.control(tc.action)
		before := len(e.liveAttempts())
		answer["key"] = "live-json-key-" + tc.action + "-1"
		if r, _, bad := e.liveAnswerJSON(ann, answer, false); r.code != tc.status || !strings.Contains(bad.Error, tc.says) {
			t.Errorf("answer after %s: %d %s, want %d saying %q", tc.action, r.code, clip(r.body, 300), tc.status, tc.says)
		}
		if n := len(e.liveAttempts()); n != before {
			t.Errorf("answer after %s recorded %d attempts", tc.action, n-before)
		}
		if tc.undo != "" {
			e.control(tc.undo)
		}
	}
}

// TestLiveStudentPageLoadsAnswerScript: every live student page loads
// live_answer.js and player.js (with JavaScript the page follows the class
// in place, so a locked question's page may become an open one with a
// player), and an open question's form still posts to /live/{code} (no JS).
func TestLiveStudentPageLoadsAnswerScript(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.device()
	e.join(ann, "Ann")
	if page := ann.get("/live/" + e.ls.Code); !strings.Contains(page.body, "/static/live_answer.") || !strings.Contains(page.body, "/static/player.") ||
		strings.Contains(page.body, "exercise-form") {
		t.Errorf("a locked question's page: scripts missing, or a form\n%s", clip(page.body, 3000))
	}
	e.control("unlock")
	page := ann.get("/live/" + e.ls.Code)
	if !strings.Contains(page.body, "/static/live_answer.") || !strings.Contains(page.body, `action="/live/`+e.ls.Code+`?q=0"`) {
		t.Errorf("open question's page: script or form action missing\n%s", clip(page.body, 3000))
	}
}

// newLiveEnvOn is newLiveEnv on the database cfg opens (SQLite or
// PostgreSQL, dashConfigs).
func newLiveEnvOn(t *testing.T, cfg store.Config) *liveEnv {
	t.Helper()
	ctx := context.Background()
	st := dashOpen(t, cfg)
	u, err := st.CreateUser(ctx, store.NewUser{Email: "teacher@example.org", Name: "T", Role: store.RoleInstructor})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateCourse(ctx, store.NewCourse{Title: "Deep learning", TimeZone: "Europe/Berlin", CreatedBy: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	app := newTestHandler(t, Config{Store: st})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	e := &learnEnv{t: t, st: st, app: app, srv: srv, course: c, user: u}
	item := store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedRecitation, Points: 1}
	return startLive(t, e, e.assignment(defaultSettings(), "", item, item))
}

// TestLiveAnswerSeesAssignmentEditAtOnce: the answer endpoint reads the
// assignment through the store's check cache, which this server's own
// edits empty at once; it had its own copy of the assignment, kept for
// 2 s whatever was edited, so an instructor who turned feedback off saw
// the next answers still get it. On both databases.
func TestLiveAnswerSeesAssignmentEditAtOnce(t *testing.T) {
	for name, cfg := range dashConfigs(t) {
		t.Run(name, func(t *testing.T) {
			e := newLiveEnvOn(t, cfg)
			ann := e.device()
			e.join(ann, "Ann")
			e.control("unlock")
			answer := map[string]any{"question": 0, "key": "edit-key-0001", "answers": map[string]string{"bottom-right": "22"}}
			r, out, _ := e.liveAnswerJSON(ann, answer, false)
			if r.code != http.StatusOK || out.Parts["bottom-right"].Mistake != "conv.flipped-kernel" {
				t.Fatalf("first answer: %d %s", r.code, clip(r.body, 300))
			}
			st := e.a.Settings
			st.Feedback = store.ShowNever
			if err := e.st.UpdateAssignment(context.Background(), e.a.ID, e.a.Title, st); err != nil {
				t.Fatal(err)
			}
			answer["key"], answer["answers"] = "edit-key-0002", map[string]string{"bottom-right": "23"}
			r, out, _ = e.liveAnswerJSON(ann, answer, false)
			if br := out.Parts["bottom-right"]; r.code != http.StatusOK || br.Mistake != "" || br.Status != "recorded" {
				t.Errorf("answer after feedback was turned off: %d %s", r.code, clip(r.body, 400))
			}
			if n := len(e.liveAttempts()); n != 2 {
				t.Errorf("%d attempts recorded, want 2", n)
			}
		})
	}
}

package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// TestLiveAnswerReachesDashboardAndLMS (issue 14 §1: "every answer in a
// live session is stored in the attempt record with the session's id, so
// the dashboard and the LMS grade include it"): a student launched from
// an LMS joins a live session of the launched assignment as themselves
// and answers there; the attempts carry the session's id, the dashboard's
// gradebook and attempt export count them, and the score reaches the
// LMS's line item.
func TestLiveAnswerReachesDashboardAndLMS(t *testing.T) {
	e := newAGSEnv(t)
	ctx := context.Background()
	ada := e.launchAs("ada")
	u, err := url.Parse(ada.location)
	if err != nil {
		t.Fatal(err)
	}
	launch := u.Query().Get("lti_launch")
	if launch == "" {
		t.Fatalf("the launched page %q has no launch token", ada.location)
	}

	// The instructor (signed in) starts the session and unlocks question 1.
	tok, _, err := e.st.CreateSession(ctx, e.owner.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	staff := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, e.stride.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, _ := staff(http.MethodPost, fmt.Sprintf("/courses/%d/assignments/%d/live", e.course.ID, e.asg.ID), url.Values{})
	loc := res.Header.Get("Location")
	id, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	if res.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("start: %d to %q", res.StatusCode, loc)
	}
	ls, err := e.st.GetLiveSession(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if res, body := staff(http.MethodPost, loc, url.Values{"action": {"unlock"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock: %d %s", res.StatusCode, clip(body, 300))
	}

	// Ada, inside the LMS frame (no cookies, the launch token), joins and
	// answers every part right.
	j := e.lti().send(t, http.MethodPost, e.stride.URL+"/join?lti_launch="+launch, url.Values{"code": {ls.Code}}, "same-origin")
	if j.code != http.StatusSeeOther {
		t.Fatalf("join: %d %s", j.code, clip(j.body, 300))
	}
	page := e.lti().send(t, http.MethodGet, e.stride.URL+"/live/"+ls.Code+"?q=0&lti_launch="+launch, nil, "")
	ak := attemptKeyRE.FindStringSubmatch(page.body)
	act := formActionRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || ak == nil || act == nil {
		t.Fatalf("live question page: %d, key %v, action %v\n%s", page.code, ak, act, clip(page.body, 400))
	}
	form := url.Values{"attempt_key": {ak[1]}}
	parts := scoredParts(ada.v)
	for _, pid := range parts {
		p, _ := ada.v.Part(pid)
		form.Set("a."+pid, p.Input)
	}
	if post := e.lti().send(t, http.MethodPost, e.stride.URL+html.UnescapeString(act[1]), form, "same-origin"); post.code != http.StatusOK {
		t.Fatalf("answer: %d %s", post.code, clip(post.body, 300))
	}

	// The attempt record: Ada's, with the session's id.
	atts, err := e.st.ListAttempts(ctx, store.AttemptFilter{AssignmentID: e.asg.ID, Limit: 100})
	if err != nil || len(atts) != len(parts) {
		t.Fatalf("attempts %+v, %v; want %d", atts, err, len(parts))
	}
	for _, at := range atts {
		if at.LearnerID != ada.learner.ID || at.Source != store.FromLive || at.LiveSessionID != ls.ID || at.Verdict != "correct" {
			t.Errorf("attempt %+v, want Ada's, correct, live, session %d", at, ls.ID)
		}
	}

	// The dashboard: the gradebook gives Ada the item's points, the export
	// names the session.
	base := fmt.Sprintf("/courses/%d/assignments/%d", e.course.ID, e.asg.ID)
	res, body := staff(http.MethodGet, base+"/gradebook.csv", nil)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if res.StatusCode != http.StatusOK || err != nil || len(recs) < 2 {
		t.Fatalf("gradebook: %d %v\n%s", res.StatusCode, err, clip(body, 400))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var total string
	for _, r := range recs[1:] {
		if r[col["name"]] == ada.learner.Name {
			total = r[col["total"]]
		}
	}
	if got, err := strconv.ParseFloat(total, 64); err != nil || got != e.item.Points {
		t.Errorf("Ada's gradebook total %q, want %g (the live answers)\n%s", total, e.item.Points, body)
	}
	if res, body := staff(http.MethodGet, base+"/attempts.jsonl", nil); res.StatusCode != http.StatusOK ||
		!strings.Contains(body, fmt.Sprintf(`"live_session_id":%d`, ls.ID)) {
		t.Errorf("attempt export: %d, lacks the session id\n%s", res.StatusCode, clip(body, 400))
	}

	// The LMS grade: the score reaches the line item.
	e.clk.Add(ltiCoalesceWindow)
	if r := e.sync(); r.Sent != 1 {
		t.Fatalf("sync %+v, want one score sent", r)
	}
	items := e.plat.LineItems()
	if len(items) != 1 {
		t.Fatalf("line items %+v", items)
	}
	if got, ok := e.plat.Result(items[0].ID, "ada"); !ok || got.ScoreGiven != e.item.Points {
		t.Errorf("the LMS has %+v, %v; want %g points from the live answers", got, ok, e.item.Points)
	}
}

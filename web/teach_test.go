package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// post sends a form as who.
func (e *classEnv) post(who role, path string, form url.Values) *httptest.ResponseRecorder {
	return e.serve(e.as(e.request(http.MethodPost, path, form), who))
}

func (e *classEnv) get(who role, path string) *httptest.ResponseRecorder {
	return e.serve(e.as(e.request(http.MethodGet, path, nil), who))
}

func (e *classEnv) upload(who role, path, field, filename string, content []byte) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return e.serve(e.as(r, who))
}

var linkRE = regexp.MustCompile(`http://example\.com/l/([A-Za-z0-9_-]{43})`)

func TestCreateCourse(t *testing.T) {
	e := newClassEnv(t, Config{})
	w := e.post(roleInstructor, "/courses", url.Values{"title": {"Deep Learning"}, "time_zone": {"Europe/Berlin"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	cs, _ := e.st.ListCoursesOf(context.Background(), e.instA.ID)
	if len(cs) != 2 || cs[0].Title != "Deep Learning" || cs[0].TimeZone != "Europe/Berlin" || w.Header().Get("Location") != "/courses/"+itoa(cs[0].ID) {
		t.Fatalf("courses %+v, location %q", cs, w.Header().Get("Location"))
	}
	if body := e.get(roleInstructor, "/courses").Body.String(); !strings.Contains(body, "Deep Learning") || strings.Contains(body, "Course B") {
		t.Error("my courses lists the wrong courses")
	}
	if body := e.get(roleAdmin, "/courses").Body.String(); !strings.Contains(body, "Course B") || !strings.Contains(body, "Deep Learning") {
		t.Error("an admin does not see every course")
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"title": {""}, "time_zone": {"UTC"}}, "Title: give one"},
		{url.Values{"title": {"X"}, "time_zone": {"Mars/Olympus"}}, "Time zone: &#34;Mars/Olympus&#34; is not a time zone"},
		{url.Values{"title": {"X"}, "time_zone": {"Local"}}, "is not a time zone"},
	} {
		w := e.post(roleInstructor, "/courses", tc.form)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, w.Code, tc.want)
		}
	}
}

func TestRosterUpload(t *testing.T) {
	e := newClassEnv(t, Config{})
	ctx := context.Background()
	path := "/courses/" + itoa(e.course.ID) + "/roster"
	w := e.upload(roleInstructor, path, "roster", "class.csv", []byte("name,id,email\nGrace Hopper,s2,grace@example.edu\nAlan Turing,s3,\nAda L.,s1,ada@example.edu\n"))
	if w.Code != http.StatusOK {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}
	body := w.Body.String()
	if !strings.Contains(body, "2 new students, 1 updated.") {
		t.Errorf("summary missing: %s", body)
	}
	links := linkRE.FindAllStringSubmatch(body, -1)
	// Each link appears as the href and the text.
	if len(links) != 4 {
		t.Fatalf("%d links on the page, want 2 (twice each)", len(links))
	}
	for _, m := range links {
		l, err := e.st.LearnerByLinkToken(ctx, m[1])
		if err != nil || l.CourseID != e.course.ID || (l.RosterID != "s2" && l.RosterID != "s3") {
			t.Errorf("link %s: %+v, %v", m[1], l, err)
		}
	}
	// The learner already there kept their link and got the new name.
	if l, err := e.st.LearnerByLinkToken(ctx, "link-ada"); err != nil || l.Name != "Ada L." || l.Email != "ada@example.edu" {
		t.Errorf("existing learner: %+v, %v", l, err)
	}
	// Pasted text works too; nothing new, so no links.
	w = e.post(roleInstructor, path, url.Values{"roster_text": {"name,id\nAlan M. Turing,s3\n"}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "0 new students, 1 updated.") || linkRE.MatchString(w.Body.String()) {
		t.Errorf("paste: %d", w.Code)
	}
	// Errors name the line and the field, and change nothing.
	w = e.upload(roleInstructor, path, "roster", "bad.csv", []byte("name,id,email\nNew Person,s9,\nBroken,s10,not-an-email\n"))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Roster line 3, email: &#34;not-an-email&#34; has no @.") {
		t.Errorf("bad line: %d %s", w.Code, w.Body.String())
	}
	if ls, _ := e.st.ListLearners(ctx, e.course.ID); len(ls) != 3 {
		t.Errorf("a refused roster changed the course: %d learners", len(ls))
	}
	w = e.upload(roleInstructor, path, "roster", "big.csv", bytes.Repeat([]byte("a"), maxRosterBytes+1))
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "larger than 1048576 bytes") {
		t.Errorf("large file: %d", w.Code)
	}
	w = e.post(roleInstructor, path, url.Values{"roster_text": {""}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "choose a CSV file or paste the roster") {
		t.Errorf("empty: %d", w.Code)
	}
	// The roster shows on the course page, each with a way to a new link.
	page := e.get(roleInstructor, "/courses/"+itoa(e.course.ID)).Body.String()
	for _, want := range []string{"Grace Hopper", "Alan M. Turing", "grace@example.edu", "New link"} {
		if !strings.Contains(page, want) {
			t.Errorf("course page lacks %q", want)
		}
	}
}

func TestPersonalLinks(t *testing.T) {
	e := newClassEnv(t, Config{})
	ctx := context.Background()
	w := e.post(roleInstructor, "/courses/"+itoa(e.course.ID)+"/learners/"+itoa(e.learn.ID)+"/link", url.Values{})
	m := linkRE.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || m == nil {
		t.Fatalf("new link: %d", w.Code)
	}
	if l, err := e.st.LearnerByLinkToken(ctx, m[1]); err != nil || l.ID != e.learn.ID {
		t.Errorf("new link: %v, %v", l.ID, err)
	}
	if _, err := e.st.LearnerByLinkToken(ctx, "link-ada"); err == nil {
		t.Error("the old link still works")
	}
	// Every link as a CSV.
	if _, err := e.st.CreateLearner(ctx, store.NewLearner{CourseID: e.course.ID, Source: store.SourceSelf, Name: "=cmd|' /C calc'!A0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ImportRoster(ctx, e.course.ID, []store.RosterEntry{{RosterID: "s2", Name: "=HYPERLINK(\"x\")", LinkToken: "link-2"}}); err != nil {
		t.Fatal(err)
	}
	w = e.post(roleInstructor, "/courses/"+itoa(e.course.ID)+"/links.csv", url.Values{})
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("links.csv: %d %v", w.Code, w.Header())
	}
	recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("csv: %v %v", recs, err)
	}
	if recs[2][1] != "'=HYPERLINK(\"x\")" {
		t.Errorf("formula not neutralised: %q", recs[2][1])
	}
	for _, rec := range recs[1:] {
		m := linkRE.FindStringSubmatch(rec[3])
		if m == nil {
			t.Fatalf("row %v has no link", rec)
		}
		if l, err := e.st.LearnerByLinkToken(ctx, m[1]); err != nil || l.RosterID != rec[0] {
			t.Errorf("csv link of %s: %+v, %v", rec[0], l, err)
		}
	}
	if _, err := e.st.LearnerByLinkToken(ctx, "link-2"); err == nil {
		t.Error("links.csv left an old link working")
	}
}

func TestAddMember(t *testing.T) {
	e := newClassEnv(t, Config{})
	path := "/courses/" + itoa(e.course.ID) + "/members"
	if w := e.post(roleInstructor, path, url.Values{"email": {"nobody@example.edu"}, "role": {"assistant"}}); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "no account has this e-mail") {
		t.Errorf("unknown account: %d", w.Code)
	}
	if w := e.post(roleInstructor, path, url.Values{"email": {"a@example.edu"}, "role": {"assistant"}}); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "owner already") {
		t.Errorf("demoting the owner: %d", w.Code)
	}
	if w := e.post(roleInstructor, path, url.Values{"email": {"B@example.edu"}, "role": {"assistant"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("add: %d", w.Code)
	}
	// instB now teaches course A and sees it.
	if w := e.get(roleOther, "/courses/"+itoa(e.course.ID)); w.Code != http.StatusOK {
		t.Errorf("new member: %d", w.Code)
	}
}

func asgForm(items ...url.Values) url.Values {
	f := url.Values{"title": {"Week 3"}, "time_zone": {"Europe/Berlin"}, "opens": {"2026-03-02T09:00"}, "due": {"2026-03-09T23:59"},
		"attempts": {"3"}, "feedback": {"after-attempt"}, "solutions": {"after-due"}, "score": {"last"}, "late_counts": {"1"}}
	for _, it := range items {
		for k, v := range it {
			f[k] = v
		}
	}
	return f
}

func TestCreateAssignment(t *testing.T) {
	e := newClassEnv(t, Config{})
	ctx := context.Background()
	if w := e.get(roleInstructor, "/courses/"+itoa(e.course.ID)+"/assignments/new?rows=200"); w.Code != http.StatusOK ||
		!strings.Contains(w.Body.String(), `id="item-100-exercise"`) || strings.Contains(w.Body.String(), `id="item-101-exercise"`) {
		t.Errorf("form rows are not bounded by %d", store.MaxItems)
	}
	path := "/courses/" + itoa(e.course.ID) + "/assignments?rows=6"
	w := e.post(roleInstructor, path, asgForm(url.Values{
		"item-1-exercise": {"conv-by-hand"}, "item-1-parts": {"bottom-right, dims"}, "item-1-seed-policy": {"per-learner"}, "item-1-points": {"2"},
		"item-3-exercise": {"cnn-parameters"}, "item-3-seed-policy": {"shared"}, "item-3-seed": {"42"},
		"item-4-exercise": {"conv-output-size"}, "item-4-seed-policy": {"recitation"},
	}))
	if w.Code != http.StatusOK {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	m := regexp.MustCompile(`value="http://example\.com/a/([A-Za-z0-9_-]{43})"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no shared link on the page")
	}
	a, err := e.st.AssignmentByShareToken(ctx, m[1])
	if err != nil || a.CourseID != e.course.ID || a.Title != "Week 3" {
		t.Fatalf("shared link: %+v, %v", a, err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	st := a.Settings
	if !st.OpensAt.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)) || !st.DueAt.Equal(time.Date(2026, 3, 9, 23, 59, 0, 0, berlin)) ||
		st.AttemptsAllowed != 3 || st.Feedback != store.ShowAfterAttempt || st.Solutions != store.ShowAfterDue || st.Score != store.ScoreLast || !st.LateCounts || st.TimeZone != "Europe/Berlin" {
		t.Errorf("settings %+v", st)
	}
	if len(a.Items) != 3 {
		t.Fatalf("items %+v", a.Items)
	}
	want := []store.Item{
		{ExerciseID: "conv-by-hand", Parts: []string{"dims", "bottom-right"}, SeedPolicy: store.SeedPerLearner, Points: 2},
		{ExerciseID: "cnn-parameters", SeedPolicy: store.SeedShared, Seed: 42, Points: 1},
		{ExerciseID: "conv-output-size", SeedPolicy: store.SeedRecitation, Points: 1},
	}
	for i, it := range a.Items {
		w := want[i]
		if it.ExerciseID != w.ExerciseID || strings.Join(it.Parts, ",") != strings.Join(w.Parts, ",") || it.SeedPolicy != w.SeedPolicy || it.Seed != w.Seed || it.Points != w.Points {
			t.Errorf("item %d = %+v, want %+v", i+1, it, w)
		}
	}
	// Embed snippets carry each item's id.
	for _, it := range a.Items {
		if !strings.Contains(w.Body.String(), "/embed/"+it.ExerciseID+"?item="+itoa(it.ID)) {
			t.Errorf("no embed snippet for item %d", it.ID)
		}
	}
	// The links page later does not show the shared link again; a new
	// one replaces it.
	links := "/courses/" + itoa(e.course.ID) + "/assignments/" + itoa(a.ID) + "/links"
	if body := e.get(roleInstructor, links).Body.String(); strings.Contains(body, m[1]) || !strings.Contains(body, "A shared link exists") {
		t.Error("links page shows the shared link again")
	}
	w = e.post(roleInstructor, "/courses/"+itoa(e.course.ID)+"/assignments/"+itoa(a.ID)+"/share", url.Values{})
	m2 := regexp.MustCompile(`value="http://example\.com/a/([A-Za-z0-9_-]{43})"`).FindStringSubmatch(w.Body.String())
	if m2 == nil || m2[1] == m[1] {
		t.Fatal("no new shared link")
	}
	if _, err := e.st.AssignmentByShareToken(ctx, m[1]); err == nil {
		t.Error("the old shared link still works")
	}
}

func TestCreateAssignmentErrors(t *testing.T) {
	e := newClassEnv(t, Config{})
	path := "/courses/" + itoa(e.course.ID) + "/assignments?rows=6"
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{asgForm(), "Items: choose at least one exercise."},
		{asgForm(url.Values{"item-2-exercise": {"nope"}, "item-2-seed-policy": {"recitation"}}), "Item 2, exercise: &#34;nope&#34; is not in the catalog."},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-parts": {"dims,zzz"}, "item-1-seed-policy": {"recitation"}}), "Item 1, parts: &#34;zzz&#34; is not a part of conv-by-hand; its parts are dims,"},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"shared"}, "item-1-seed": {"-1"}}), "Item 1, seed: &#34;-1&#34; is not a whole number"},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"random"}}), "Item 1, numbers: choose"},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"recitation"}, "item-1-points": {"NaN"}}), "Item 1, points: &#34;NaN&#34; is not a number from 0 to 1000."},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"recitation"}, "due": {"2026-03-01T09:00"}}), "Due: must be after the opening."},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"recitation"}, "opens": {"tomorrow"}}), "Opens: &#34;tomorrow&#34; is not a date and time"},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"recitation"}, "attempts": {"1001"}}), "Attempts allowed: &#34;1001&#34; is not a whole number from 0 (unlimited) to 1000."},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"recitation"}, "feedback": {"sometimes"}}), "Feedback: choose when it shows."},
		{asgForm(url.Values{"item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"recitation"}, "title": {""}}), "Title: give one"},
	} {
		w := e.post(roleInstructor, path, tc.form)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, w.Code, tc.want)
		}
	}
	if as, _ := e.st.ListAssignments(context.Background(), e.course.ID); len(as) != 1 {
		t.Errorf("refused forms created assignments: %d", len(as))
	}
	big := url.Values{"title": {strings.Repeat("x", maxAssignmentForm)}}
	if w := e.post(roleInstructor, path, big); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("over-large form: %d", w.Code)
	}
}

func TestEditAssignment(t *testing.T) {
	e := newClassEnv(t, Config{})
	path := "/courses/" + itoa(e.course.ID) + "/assignments/" + itoa(e.asg.ID) + "/edit"
	if w := e.get(roleInstructor, path); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "conv-by-hand") {
		t.Fatalf("edit page: %d", w.Code)
	}
	w := e.post(roleInstructor, path, asgForm(url.Values{"title": {"HW A, revised"}, "time_zone": {"America/New_York"}, "opens": {""}, "late_counts": nil}))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body.String())
	}
	a, _ := e.st.GetAssignment(context.Background(), e.asg.ID)
	ny, _ := time.LoadLocation("America/New_York")
	if a.Title != "HW A, revised" || a.Settings.OpensAt != nil || !a.Settings.DueAt.Equal(time.Date(2026, 3, 9, 23, 59, 0, 0, ny)) || a.Settings.LateCounts || len(a.Items) != 1 {
		t.Errorf("after edit: %+v", a)
	}
	// The form shows the saved dates in the assignment's zone.
	if body := e.get(roleInstructor, path).Body.String(); !strings.Contains(body, `value="2026-03-09T23:59"`) {
		t.Error("edit form does not show the due date in its zone")
	}
	if w := e.post(roleInstructor, path, asgForm(url.Values{"score": {"median"}})); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad score policy: %d", w.Code)
	}
}

// TestRosterUploadBodyLimit: a request body over the class limit is a 413
// that names the roster's limit, not a vague 400.
func TestRosterUploadBodyLimit(t *testing.T) {
	e := newClassEnv(t, Config{})
	w := e.upload(roleInstructor, "/courses/"+itoa(e.course.ID)+"/roster", "roster", "huge.csv", bytes.Repeat([]byte("a"), maxClassBody+1))
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "larger than 1048576 bytes") {
		t.Errorf("huge upload: %d %s", w.Code, w.Body.String())
	}
}

package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/dashboard"
	"github.com/stride-tutor/stride/internal/store"
)

// The dashboard's routes in the authorization matrix (web/authz_test.go).
func init() {
	for k, v := range map[string]policy{
		"GET /courses/{course}/assignments/{assignment}":                           policyCourseStaff,
		"GET /courses/{course}/assignments/{assignment}/items/{item}/parts/{part}": policyCourseStaff,
		"GET /courses/{course}/assignments/{assignment}/gradebook.csv":             policyCourseStaff,
		"GET /courses/{course}/assignments/{assignment}/attempts.jsonl":            policyCourseStaff,
		"GET /courses/{course}/learners/{learner}":                                 policyCourseStaff,
		"GET /admin/learners/{learner}/export.json":                                policyAdmin,
		"GET /admin/learners/{learner}/delete":                                     policyAdmin,
		"POST /admin/learners/{learner}/delete":                                    policyAdmin,
	} {
		expectedPolicy[k] = v
	}
}

// dashEnv is the authorization matrix's class with a few attempts: Ada
// (e.learn) answers conv-by-hand's parts, once with the flipped kernel.
func dashEnv(t *testing.T) *classEnv {
	t.Helper()
	e := newClassEnv(t, Config{})
	it := e.asg.Items[0]
	dashRecord(t, e.st, e.learn.ID, it, "dims", "3x3", "", 1)
	dashRecord(t, e.st, e.learn.ID, it, "cell", "-4", "conv.flipped-kernel", 0)
	dashRecord(t, e.st, e.learn.ID, it, "cell", "=1+1", "", 0)
	return e
}

// adaScore is Ada's points in dashEnv as the dashboard writes them: one
// part right out of the parts her seed asks (four, or five when her
// variant asks the output matrix; the seed secret is random per store).
func adaScore(t *testing.T, e *classEnv) string {
	t.Helper()
	v, err := e.srv.itemVariant(context.Background(), e.asg.Items[0], e.learn.ID)
	if err != nil {
		t.Fatal(err)
	}
	return dashboard.Points(1 / float64(len(v.Parts)))
}

func TestDashboardOverviewPage(t *testing.T) {
	e := dashEnv(t)
	base := e.srv.assignmentURL(e.course.ID, e.asg.ID)
	w := e.get(roleInstructor, base)
	if w.Code != http.StatusOK {
		t.Fatalf("overview: %d\n%s", w.Code, w.Body)
	}
	page := w.Body.String()
	for _, want := range []string{
		"HW A", "Ada", "conv.flipped-kernel", `<caption>`, `aria-sort="ascending"`, `role="img"`,
		"1 of 1 (100 %)",        // learners who started
		adaScore(t, e) + " / 1", // one of conv-by-hand's parts right, of 1 point
		"Score histogram",       // the chart's title
		"gradebook.csv",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q; a dashboard is never cached", cc)
	}
	// Sorting links work without JavaScript: the header links carry the key.
	if !strings.Contains(page, "?sort=-total#grid") {
		t.Errorf("no link sorting by total")
	}
	w = e.get(roleInstructor, base+"?sort=-total")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `aria-sort="descending"`) {
		t.Errorf("sorted by total, descending: %d", w.Code)
	}
	for _, bad := range []string{"bogus", "item-999999", strings.Repeat("x", 5000)} {
		w = e.get(roleInstructor, base+"?sort="+url.QueryEscape(bad))
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Sort") {
			t.Errorf("sort %.20q: %d, want 400 naming the field", bad, w.Code)
		}
	}
}

func TestDashboardPartPage(t *testing.T) {
	e := dashEnv(t)
	it := e.asg.Items[0]
	w := e.get(roleInstructor, e.srv.dashPartURL(e.course.ID, e.asg.ID, it.ID, "cell"))
	if w.Code != http.StatusOK {
		t.Fatalf("part page: %d\n%s", w.Code, w.Body)
	}
	page := w.Body.String()
	for _, want := range []string{"Mistake table", "conv.flipped-kernel", "The diagnosis conv.flipped-kernel.",
		"Most common wrong answers", "-4", "=1+1", "Right eventually", "0 of 1 (0 %)", "Discrimination"} {
		if !strings.Contains(page, want) {
			t.Errorf("part page lacks %q", want)
		}
	}
	for _, path := range []string{
		e.srv.dashPartURL(e.course.ID, e.asg.ID, it.ID, "no-such-part"),
		e.srv.dashPartURL(e.course.ID, e.asg.ID, e.asgB.Items[0].ID, "dims"), // another assignment's item
		e.srv.assignmentURL(e.course.ID, e.asg.ID) + "/items/x/parts/dims",
	} {
		if w := e.get(roleInstructor, path); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, w.Code)
		}
	}
}

func TestDashboardLearnerPage(t *testing.T) {
	e := dashEnv(t)
	path := e.srv.dashLearnerURL(e.course.ID, e.learn.ID)
	w := e.get(roleInstructor, path)
	if w.Code != http.StatusOK {
		t.Fatalf("learner page: %d\n%s", w.Code, w.Body)
	}
	page := w.Body.String()
	// Every attempt in order.
	i1, i2, i3 := strings.Index(page, "3x3"), strings.Index(page, "-4"), strings.Index(page, "=1+1")
	if i1 < 0 || i2 < i1 || i3 < i2 || !strings.Contains(page, "conv.flipped-kernel") || !strings.Contains(page, "HW A, 1.") {
		t.Errorf("attempts missing or out of order (%d, %d, %d)", i1, i2, i3)
	}
	if strings.Contains(page, "export.json") {
		t.Errorf("an instructor who is not an admin is offered the privacy export")
	}
	if page := e.get(roleAdmin, path).Body.String(); !strings.Contains(page, "export.json") || !strings.Contains(page, "/delete") {
		t.Errorf("an admin is not offered the privacy export and deletion")
	}
	// Another course's learner under this course: 404.
	if w := e.get(roleInstructor, e.srv.dashLearnerURL(e.course.ID, e.learnB.ID)); w.Code != http.StatusNotFound {
		t.Errorf("another course's learner: %d", w.Code)
	}
}

func TestDashboardGradebookCSV(t *testing.T) {
	e := dashEnv(t)
	// A self-declared learner whose name is a formula.
	if _, err := e.st.CreateLearner(context.Background(), store.NewLearner{CourseID: e.course.ID, Source: store.SourceSelf, Name: "=cmd|' /C calc'!A0"}); err != nil {
		t.Fatal(err)
	}
	w := e.get(roleInstructor, e.srv.assignmentURL(e.course.ID, e.asg.ID)+"/gradebook.csv")
	if w.Code != http.StatusOK {
		t.Fatalf("gradebook: %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := w.Header().Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="assignment-%d-gradebook.csv"`, e.asg.ID) {
		t.Errorf("Content-Disposition %q", cd)
	}
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"roster_id", "name", "email", "source", "1. Convolution by hand (1 pts)", "total", "max"},
		{"", "'=cmd|' /C calc'!A0", "", "self", "0", "0", "1"},
		{"s1", "Ada", "", "roster", adaScore(t, e), adaScore(t, e), "1"},
	}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Errorf("gradebook\n%q\nwant\n%q", recs, want)
	}
}

func TestDashboardAttemptsJSONL(t *testing.T) {
	e := dashEnv(t)
	w := e.get(roleInstructor, e.srv.assignmentURL(e.course.ID, e.asg.ID)+"/attempts.jsonl")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/jsonl") ||
		!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("attempts: %d %v", w.Code, w.Header())
	}
	var answers []string
	sc := bufio.NewScanner(w.Body)
	for sc.Scan() {
		var l struct {
			LearnerName string `json:"learner_name"`
			Answer      string `json:"answer"`
			Code        string `json:"diagnosis_code"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if l.LearnerName != "Ada" {
			t.Errorf("line %q names %q", sc.Text(), l.LearnerName)
		}
		answers = append(answers, l.Answer)
	}
	if fmt.Sprint(answers) != "[3x3 -4 =1+1]" {
		t.Errorf("answers %v", answers)
	}
}

// TestStreamAttemptsPages: the export reads its attempts a page at a time
// and still writes each once, in order.
func TestStreamAttemptsPages(t *testing.T) {
	e := dashEnv(t)
	for i := 0; i < 4; i++ {
		dashRecord(t, e.st, e.learn.ID, e.asg.Items[0], "dims-padded", strconv.Itoa(i), "", 0)
	}
	for _, limit := range []int{1, 2, 7, 8} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		e.srv.streamAttempts(w, r, store.AttemptFilter{AssignmentID: e.asg.ID, Limit: limit}, "x.jsonl", "application/jsonl", nil,
			[]byte("["), []byte("]"))
		var got []struct{ ID int64 }
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("page size %d: %v\n%s", limit, err, w.Body)
		}
		if len(got) != 7 {
			t.Fatalf("page size %d: %d attempts, want 7", limit, len(got))
		}
		for i := 1; i < len(got); i++ {
			if got[i].ID <= got[i-1].ID {
				t.Errorf("page size %d: ids %v not increasing", limit, got)
			}
		}
	}
}

func TestAdminLearnerExportAndDelete(t *testing.T) {
	e := dashEnv(t)
	admin := e.srv.adminLearnerURL(e.learn.ID)
	w := e.get(roleAdmin, admin+"/export.json")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("export: %d %v", w.Code, w.Header())
	}
	var doc struct {
		Learner struct {
			ID       int64  `json:"id"`
			Name     string `json:"name"`
			RosterID string `json:"roster_id"`
			Course   string `json:"course"`
		} `json:"learner"`
		Attempts []struct {
			Answer string `json:"answer"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, w.Body)
	}
	if doc.Learner.ID != e.learn.ID || doc.Learner.Name != "Ada" || doc.Learner.RosterID != "s1" || doc.Learner.Course != "Course A" || len(doc.Attempts) != 3 {
		t.Errorf("export %+v", doc)
	}
	// The confirmation page posts confirm=delete.
	w = e.get(roleAdmin, admin+"/delete")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="confirm" value="delete"`) || !strings.Contains(w.Body.String(), "3 attempts") {
		t.Fatalf("confirmation page: %d\n%s", w.Code, w.Body)
	}
	post := func(form url.Values) *httptest.ResponseRecorder { return e.post(roleAdmin, admin+"/delete", form) }
	if w := post(url.Values{}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Confirm") {
		t.Errorf("delete without confirmation: %d", w.Code)
	}
	if _, err := e.st.GetLearner(context.Background(), e.learn.ID); err != nil {
		t.Fatalf("the learner went without confirmation: %v", err)
	}
	if w := post(url.Values{"confirm": {"delete"}}); w.Code != http.StatusOK {
		t.Fatalf("delete: %d\n%s", w.Code, w.Body)
	}
	if _, err := e.st.GetLearner(context.Background(), e.learn.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("learner after deletion: %v", err)
	}
	left, err := e.st.ListAttempts(context.Background(), store.AttemptFilter{AssignmentID: e.asg.ID, Limit: 10})
	if err != nil || len(left) != 0 {
		t.Errorf("attempts after deletion: %v, %v", left, err)
	}
	page := e.get(roleInstructor, e.srv.assignmentURL(e.course.ID, e.asg.ID)).Body.String()
	if strings.Contains(page, "Ada") {
		t.Errorf("the dashboard still shows the deleted learner")
	}
	if w := post(url.Values{"confirm": {"delete"}}); w.Code != http.StatusNotFound {
		t.Errorf("deleting again: %d, want 404", w.Code)
	}
}

// TestDashboardRevealsNotWrongAnswers is a regression test: a "show the
// worked solution" request inside an assignment is recorded with verdict
// solution-shown, and the dashboard counted it as a wrong answer with an
// empty answer. The part page now counts it under "Solutions shown".
func TestDashboardRevealsNotWrongAnswers(t *testing.T) {
	e := dashEnv(t)
	it := e.asg.Items[0]
	if _, _, err := e.st.RecordAttempt(context.Background(), store.NewAttempt{
		LearnerID: e.learn.ID, ItemID: it.ID, ExerciseID: it.ExerciseID, Part: "cell", Verdict: solutionShownVerdict,
		Source: store.FromPage, IdempotencyKey: "reveal-1",
	}); err != nil {
		t.Fatal(err)
	}
	rep, _, err := e.srv.dashReport(context.Background(), e.asg)
	if err != nil {
		t.Fatal(err)
	}
	ps, ok := rep.Part(it.ID, "cell")
	if !ok {
		t.Fatal("no part cell")
	}
	// dashEnv records two wrong answers at the part: -4 and =1+1.
	if ps.WrongAnswers != 2 || ps.SolutionsShown != 1 {
		t.Errorf("wrong answers %d, solutions shown %d; want 2 and 1", ps.WrongAnswers, ps.SolutionsShown)
	}
	for _, m := range ps.Mistakes {
		if m.Code == "" && m.Count > 1 {
			t.Errorf("undiagnosed wrong answers %d, want 1 (the reveal is not one)", m.Count)
		}
	}
	w := e.get(roleInstructor, e.srv.dashPartURL(e.course.ID, e.asg.ID, it.ID, "cell"))
	if !strings.Contains(w.Body.String(), "Solutions shown") {
		t.Errorf("the part page does not show the solutions shown")
	}
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/courses"
)

func body(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	b, err := io.ReadAll(w.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPrintQuestionSheetsHoldNoAnswers: the public question sheets carry
// each variant's numbers, a check link and a QR code, and none of the
// answers or worked solutions; the key (signed in) carries all of them.
func TestPrintQuestionSheetsHoldNoAnswers(t *testing.T) {
	e := newClassEnv(t, Config{})
	query := "ex=conv-by-hand,cnn-parameters&seeds=1-3&paper=letter"
	w := e.serve(e.request(http.MethodGet, "/print?"+query, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("questions: %d %s", w.Code, body(t, w))
	}
	page := body(t, w)
	if got := strings.Count(page, `<article class="sheet"`); got != 3 {
		t.Errorf("%d sheets, want 3", got)
	}
	if !strings.Contains(page, "paper-letter") || strings.Contains(page, "sheet-key") {
		t.Error("questions page: wrong paper class or key content")
	}
	for seed := uint64(1); seed <= 3; seed++ {
		for _, id := range []string{"conv-by-hand", "cnn-parameters"} {
			v, err := e.srv.lookupVariant(id, fmt.Sprint(seed))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range v.Parts {
				for _, step := range p.Solution {
					if strings.Contains(page, string(e.srv.md(step))) {
						t.Errorf("seed %d %s/%s: a worked-solution step is on the question sheet: %q", seed, id, p.ID, step)
					}
				}
			}
		}
		if !strings.Contains(page, fmt.Sprintf("/sheet?i=conv-by-hand:%d&amp;i=cnn-parameters:%d", seed, seed)) {
			t.Errorf("seed %d: no check link", seed)
		}
		if !strings.Contains(page, fmt.Sprintf("Variant %d ·", seed)) {
			t.Errorf("seed %d: sheet not labelled with its variant", seed)
		}
	}
	if strings.Count(page, `class="sheet-qr"`) != 3 {
		t.Error("every sheet needs a QR code")
	}
	if !strings.Contains(page, "/print/key?") {
		t.Error("the questions page does not link the key on a site with accounts")
	}

	// The key: only for a signed-in instructor.
	w = e.serve(e.as(e.request(http.MethodGet, "/print/key?"+query, nil), roleAnonymous))
	if denial(w, http.MethodGet) != http.StatusUnauthorized {
		t.Fatalf("anonymous key: %d, want a sign-in redirect", w.Code)
	}
	w = e.serve(e.as(e.request(http.MethodGet, "/print/key?"+query, nil), roleStudent))
	if w.Code == http.StatusOK {
		t.Fatal("a student got the answer key")
	}
	w = e.serve(e.as(e.request(http.MethodGet, "/print/key?"+query, nil), roleInstructor))
	if w.Code != http.StatusOK {
		t.Fatalf("key: %d", w.Code)
	}
	key := body(t, w)
	for seed := uint64(1); seed <= 3; seed++ {
		v, _ := e.srv.lookupVariant("conv-by-hand", fmt.Sprint(seed))
		for _, p := range v.Parts {
			if !strings.Contains(key, string(e.srv.md(p.Answer))) {
				t.Errorf("key, seed %d, part %s: answer %q missing", seed, p.ID, p.Answer)
			}
			if len(p.Solution) > 0 && !strings.Contains(key, string(e.srv.md(p.Solution[0]))) {
				t.Errorf("key, seed %d, part %s: worked solution missing", seed, p.ID)
			}
		}
	}
}

func TestPrintRefusesBadRequests(t *testing.T) {
	app := newTestHandler(t, Config{})
	for _, tc := range []struct{ query, field string }{
		{"ex=conv-by-hand&seeds=0-500", "seeds"},
		{"ex=conv-by-hand&seeds=5-1", "seeds"},
		{"ex=nope", "ex"},
		{"ex=conv-by-hand&paper=a3", "paper"},
		{"ex=conv-by-hand,rnn-forward,rnn-shapes&seeds=1-200", "seeds"},
	} {
		w := httptest.NewRecorder()
		app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/print?"+tc.query, nil))
		page := body(t, w)
		if w.Code != http.StatusBadRequest || !strings.Contains(page, "cannot be printed: "+tc.field) {
			t.Errorf("%s: %d, want 400 naming %s", tc.query, w.Code, tc.field)
		}
	}
	// Without a database: the chooser and the questions work, the key is
	// neither linked nor served.
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/print", nil))
	if w.Code != http.StatusOK || !strings.Contains(body(t, w), `name="seeds"`) {
		t.Errorf("chooser: %d", w.Code)
	}
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/print?ex=rnn-forward&seeds=4", nil))
	if page := body(t, w); w.Code != http.StatusOK || strings.Contains(page, "/print/key") {
		t.Errorf("questions without a database: %d", w.Code)
	}
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/print/key?ex=rnn-forward&seeds=4", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("key without a database: %d, want 404", w.Code)
	}
}

// TestPrintAssignmentForRoster: one sheet per roster student, titled with
// the name, with that student's own seed; other courses' staff get 404.
func TestPrintAssignmentForRoster(t *testing.T) {
	e := newClassEnv(t, Config{})
	path := fmt.Sprintf("/courses/%d/assignments/%d/print", e.course.ID, e.asg.ID)
	w := e.serve(e.as(e.request(http.MethodGet, path+"?paper=a4", nil), roleInstructor))
	if w.Code != http.StatusOK {
		t.Fatalf("roster print: %d %s", w.Code, body(t, w))
	}
	page := body(t, w)
	secret, err := e.srv.secret(context.Background(), seedSecretName)
	if err != nil {
		t.Fatal(err)
	}
	seed := courses.SeedFor(secret, e.asg.Items[0], e.learn.ID)
	if !strings.Contains(page, "<strong>"+html.EscapeString(e.learn.Name)+"</strong>") {
		t.Error("the sheet does not name its student")
	}
	if !strings.Contains(page, fmt.Sprintf("Variant %d", seed)) || !strings.Contains(page, fmt.Sprintf("conv-by-hand:%d", seed)) {
		t.Errorf("the sheet does not carry the student's seed %d", seed)
	}
	if strings.Count(page, `<article class="sheet"`) != 1 {
		t.Error("want one sheet for the one roster student")
	}
	w = e.serve(e.as(e.request(http.MethodGet, path+"?key=1", nil), roleInstructor))
	v, _ := e.srv.lookupVariant("conv-by-hand", fmt.Sprint(seed))
	if page := body(t, w); w.Code != http.StatusOK || !strings.Contains(page, string(e.srv.md(v.Parts[1].Answer))) {
		t.Errorf("roster key: %d, or the student's answer is missing", w.Code)
	}
	for _, who := range []role{roleOther, roleStudent} {
		w = e.serve(e.as(e.request(http.MethodGet, path, nil), who))
		if w.Code == http.StatusOK {
			t.Errorf("%s printed another course's assignment", who)
		}
	}
	w = e.serve(e.as(e.request(http.MethodGet, path+"?batch=2", nil), roleInstructor))
	if w.Code != http.StatusBadRequest {
		t.Errorf("batch 2 of 1: %d, want 400", w.Code)
	}
}

func TestSheetCheckPage(t *testing.T) {
	app := newTestHandler(t, Config{})
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/sheet?i=conv-by-hand:17:dims,cell&i=rnn-forward:0", nil))
	page := body(t, w)
	if w.Code != http.StatusOK || !strings.Contains(page, `href="/exercises/conv-by-hand?seed=17&amp;parts=dims%2Ccell"`) || !strings.Contains(page, `href="/exercises/rnn-forward?seed=0"`) {
		t.Errorf("check page: %d\n%s", w.Code, page)
	}
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/sheet?i=conv-by-hand:17:bogus", nil))
	if w.Code != http.StatusBadRequest {
		t.Errorf("bad part: %d, want 400", w.Code)
	}
}

// TestPrintedSheetPinsVersion: a sheet printed from an authored exercise
// links to the version printed; after the file changes, the link (the
// check page, the exercise page it opens, that page's form and check API)
// still shows and marks the printed numbers, while the practice page
// moves on. Built-in exercises' links carry no version.
func TestPrintedSheetPinsVersion(t *testing.T) {
	dir := t.TempDir()
	writeExercise(t, dir, "week3.yaml", authoredConv)
	app := newTestHandler(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	printed, _ := app.server.catalog.Lookup("conv-week3")
	ver := printed.Version

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/print?ex=conv-week3&ex=conv-by-hand&seeds=3", nil))
	page := body(t, w)
	const mark = `<span class="sheet-link">example.com`
	i := strings.Index(page, mark)
	if w.Code != http.StatusOK || i < 0 {
		t.Fatalf("print: %d, no check link\n%s", w.Code, page)
	}
	link := page[i+len(mark):]
	link = html.UnescapeString(link[:strings.Index(link, `<`)])
	if want := "/sheet?i=conv-week3@" + ver + ":3&i=conv-by-hand:3"; link != want {
		t.Fatalf("check link %q, want %q", link, want)
	}

	// The file changes: row 2 of the image now ends in 16, so the asked
	// cell (row 1, column 2) is 2·1 + 16·(−1) = −14 instead of −4.
	writeExercise(t, dir, "week3.yaml", strings.Replace(authoredConv, "- [4, 5, 6]", "- [4, 5, 16]", 1))
	app.ReloadExercises(context.Background())
	if now, _ := app.server.catalog.Lookup("conv-week3"); now.Version == ver {
		t.Fatal("the edit made no new version")
	}

	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, link, nil))
	check := body(t, w)
	pinned := "/exercises/conv-week3?seed=3&amp;v=" + ver
	if w.Code != http.StatusOK || !strings.Contains(check, `href="`+pinned+`"`) || !strings.Contains(check, `href="/exercises/conv-by-hand?seed=3"`) {
		t.Fatalf("check page: %d\n%s", w.Code, check)
	}
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, html.UnescapeString(pinned), nil))
	ex := body(t, w)
	if w.Code != http.StatusOK || strings.Contains(ex, ">16<") || !strings.Contains(ex, `data-check-url="/api/v1/exercises/conv-week3/check?v=`+ver+`"`) ||
		!strings.Contains(ex, `action="`+pinned+`"`) {
		t.Fatalf("pinned exercise page: %d\n%s", w.Code, ex)
	}
	// The pinned check API marks the printed numbers; without v, the
	// current ones.
	r := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/conv-week3/check?v="+ver, strings.NewReader(`{"seed":3,"answers":{"cell":"-4"}}`))
	r.Header.Set("Content-Type", "application/json")
	w = httptest.NewRecorder()
	app.ServeHTTP(w, r)
	var out checkResponse
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != http.StatusOK || out.Parts["cell"].Status != "correct" {
		t.Errorf("pinned check of the printed answer: %d %s", w.Code, w.Body.String())
	}
	if out := checkJSON(t, app, "conv-week3", `{"seed":3,"answers":{"cell":"-14"}}`); out.Parts["cell"].Status != "correct" {
		t.Errorf("current check: %+v", out.Parts["cell"])
	}
	// The no-JavaScript form posts to the pinned page and is marked there.
	form := url.Values{"seed": {"3"}, "a.cell": {"-4"}}
	r = httptest.NewRequest(http.MethodPost, html.UnescapeString(pinned), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	app.ServeHTTP(w, r)
	if got := body(t, w); w.Code != http.StatusOK || !strings.Contains(got, "Score: 1 of 2") {
		t.Errorf("pinned form post: %d, the printed answer is not marked right", w.Code)
	}
	r = httptest.NewRequest(http.MethodPost, "/exercises/conv-week3?seed=3", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	app.ServeHTTP(w, r)
	if got := body(t, w); w.Code != http.StatusOK || !strings.Contains(got, "Score: 0 of 2") {
		t.Errorf("unpinned form post: %d, the old answer is marked right on the current version", w.Code)
	}

	// A malformed version is a 400 naming v; one the server lacks a 404.
	for path, code := range map[string]int{
		"/exercises/conv-week3?v=zz":                   http.StatusBadRequest,
		"/exercises/conv-week3?v=0000000000000000":     http.StatusNotFound,
		"/sheet?i=conv-week3@0000000000000000:3":       http.StatusBadRequest,
		"/api/v1/exercises/conv-week3?seed=1&v=ABCDEF": http.StatusBadRequest,
	} {
		w = httptest.NewRecorder()
		app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != code {
			t.Errorf("GET %s: %d, want %d", path, w.Code, code)
		}
	}
}

package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
)

// TestBrowserClassEndToEnd is issue 9 §6's browser test, through the
// pages only: an instructor signs in, creates a course, uploads a roster
// of six students and creates an assignment with a per-student seed; two
// students open their personal links on their own device and answers (one
// with the flipped-kernel mistake, one correctly); the instructor's
// dashboard shows both, the part's mistake table names
// conv.flipped-kernel, and the gradebook CSV fetched with the instructor's
// session gives each student the score the exercise engine gives their
// answer.
// rosterCSV is the test's roster: enough students that one of them, at
// their random per-student seed, can make the flipped-kernel mistake.
const rosterCSV = "name,student id,email\n" +
	"Katherine Johnson,k1,kj@example.edu\nDorothy Vaughan,d2,dv@example.edu\n" +
	"Mary Jackson,m3,mj@example.edu\nChristine Darden,c4,cd@example.edu\n" +
	"Annie Easley,a5,ae@example.edu\nMelba Mouton,m6,mm@example.edu\n"

// rosterSize is the number of students in rosterCSV.
const rosterSize = 6

func TestBrowserClassEndToEnd(t *testing.T) {
	ctx := newBrowser(t)
	e := newClassEnv(t, Config{})
	// newClassEnv stands a test header in for the learner cookie; this
	// test goes through the real one.
	e.srv.classes.findLearner = e.srv.learnerFor
	srv := httptest.NewServer(e.app)
	t.Cleanup(srv.Close)
	ready := waitJS(`document.documentElement.classList.contains("js")`)
	bg := context.Background()

	signIn := func(what string) {
		t.Helper()
		clearCookies(t, ctx)
		step(t, ctx, what,
			chromedp.Navigate(srv.URL+"/signin"),
			ready,
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), "a@example.edu"),
			chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
			chromedp.Click(chromedp.CSS("main form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#new-course")),
			ready,
		)
	}
	signIn("the instructor signs in")
	step(t, ctx, "create a course",
		chromedp.SendKeys(chromedp.CSS("#title"), "Deep learning, recitation 7"),
		chromedp.Click(chromedp.CSS("form[action='/courses'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#roster")),
		ready,
	)
	courseURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	roster := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(roster, []byte(rosterCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "upload the roster",
		chromedp.SetUploadFiles(chromedp.CSS("#roster-file"), []string{roster}),
		chromedp.Click(chromedp.CSS("form[enctype='multipart/form-data'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".links-table")),
		ready,
	)
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".personal-link")].map(a => a.href)`))
	if err != nil || len(links) != rosterSize {
		t.Fatalf("personal links %v, %v", links, err)
	}
	step(t, ctx, "open the assignment form",
		chromedp.Navigate(srv.URL+courseURL),
		chromedp.WaitVisible(chromedp.CSS("#roster")),
		ready,
		chromedp.Click(chromedp.CSS("a.button")),
		chromedp.WaitVisible(chromedp.CSS("#item-1-exercise")),
		ready,
	)
	step(t, ctx, "create an assignment with a per-student seed",
		chromedp.SendKeys(chromedp.CSS("#title"), "Convolution by hand"),
		chromedp.SetValue(chromedp.CSS("#item-1-exercise"), "conv-by-hand"),
		chromedp.SetValue(chromedp.CSS("#item-1-seed-policy"), "per-learner"),
		chromedp.Click(chromedp.CSS("form.assignment-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#share-url")),
		ready,
	)
	share, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#share-url")))
	if err != nil || !strings.Contains(share, "/a/") {
		t.Fatalf("shared link %q, %v", share, err)
	}
	a, err := e.st.AssignmentByShareToken(bg, share[strings.LastIndex(share, "/")+1:])
	if err != nil || len(a.Items) != 1 || a.Items[0].SeedPolicy != store.SeedPerLearner {
		t.Fatalf("assignment %+v, %v", a, err)
	}
	item := a.Items[0]

	// Each student on their own device: one makes the flipped-kernel
	// mistake, the other answers right. The answers come from the engine
	// at that student's seed.
	type student struct {
		l       store.Learner
		link    string
		answer  string
		verdict string
		want    float64 // the item's points the engine gives the answer
	}
	// Per-student seeds come from a random site key, and some variants
	// have no flipped-kernel answer (a symmetric filter cannot be
	// flipped), so the first student whose variant has one makes that
	// mistake and another student answers right.
	var wrong, right *student
	for _, link := range links {
		l, err := e.st.LearnerByLinkToken(bg, link[strings.LastIndex(link, "/")+1:])
		if err != nil {
			t.Fatalf("link %s: %v", link, err)
		}
		v, err := e.srv.itemVariant(bg, item, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		s := &student{l: l, link: link}
		if wrong == nil {
			text, ok := findAnswer(t, v, "cell", exercises.StatusIncorrect, "conv.flipped-kernel", strconv.Itoa)
			if ok {
				s.answer, s.verdict = text, "verdict-incorrect"
				wrong = s
			}
		}
		if s != wrong && right == nil {
			s.answer, s.verdict = answerFor(t, v, "cell", exercises.StatusCorrect, "", strconv.Itoa), "verdict-correct"
			right = s
		}
		if s != wrong && s != right {
			continue
		}
		p, _ := v.Part("cell")
		scored := 0
		for _, q := range v.Parts {
			if q.Kind != exercises.KindSelfCheck {
				scored++
			}
		}
		s.want = p.Check(s.answer).Credit / float64(scored) * item.Points
	}
	if wrong == nil || right == nil {
		t.Fatalf("none of %d students' variants has a flipped-kernel answer to the cell", len(links))
	}
	students := []*student{wrong, right}
	if students[1].want == 0 || students[0].want != 0 {
		t.Fatalf("engine scores %v and %v: the test needs one wrong and one right", students[0].want, students[1].want)
	}
	for _, s := range students {
		clearCookies(t, ctx)
		step(t, ctx, s.l.Name+" opens the personal link and answers",
			chromedp.Navigate(s.link),
			chromedp.WaitVisible(chromedp.CSS(".learn-list a")),
			chromedp.Click(chromedp.CSS(".learn-list a")),
			chromedp.WaitVisible(chromedp.CSS(".learn-items a")),
			chromedp.Click(chromedp.CSS(".learn-items a")),
			chromedp.WaitVisible(chromedp.CSS("#answer-cell")),
			ready,
			chromedp.SendKeys(chromedp.CSS("#answer-cell"), s.answer),
			chromedp.Click(chromedp.CSS("#exercise-form .form-actions button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#verdict-cell."+s.verdict)),
		)
	}

	// The instructor, back on their device, reads the dashboard.
	signIn("the instructor signs in again")
	overview := srv.URL + e.srv.assignmentURL(a.CourseID, a.ID)
	step(t, ctx, "open the dashboard", chromedp.Navigate(overview), chromedp.WaitVisible(chromedp.CSS("table.dash-grid")))
	grid := textOf(t, ctx, "table.dash-grid tbody")
	for _, s := range students {
		if !strings.Contains(grid, s.l.Name) {
			t.Errorf("the grid does not show %s: %q", s.l.Name, grid)
		}
	}
	part := srv.URL + e.srv.dashPartURL(a.CourseID, a.ID, item.ID, "cell")
	step(t, ctx, "open the part", chromedp.Navigate(part), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := textOf(t, ctx, ".mistake-table"); !strings.Contains(got, "conv.flipped-kernel") {
		t.Errorf("part mistake table %q, want conv.flipped-kernel", got)
	}
	if got := textOf(t, ctx, "main"); !strings.Contains(got, students[0].answer) {
		t.Errorf("part page %q, want the wrong answer %q among the common wrong answers", got, students[0].answer)
	}

	// The gradebook, fetched with the browser's session cookie.
	got, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, overview+"/gradebook.csv", nil)
	for _, c := range got.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("gradebook with the instructor's session: %d", res.StatusCode)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if _, ok := col["total"]; !ok || len(recs) != rosterSize+1 {
		t.Fatalf("gradebook %q: want a total column and a row per roster student", recs)
	}
	for _, s := range students {
		var row []string
		for _, r := range recs[1:] {
			if r[col["name"]] == s.l.Name {
				row = r
			}
		}
		if row == nil {
			t.Errorf("no gradebook row for %s: %q", s.l.Name, recs)
			continue
		}
		got, err := strconv.ParseFloat(row[col["total"]], 64)
		if err != nil || fmt.Sprintf("%.4f", got) != fmt.Sprintf("%.4f", s.want) {
			t.Errorf("%s: gradebook total %q, the engine gives %v", s.l.Name, row[col["total"]], s.want)
		}
		if !strings.Contains(grid, row[col["total"]]) {
			t.Errorf("%s: gradebook total %q is not in the grid shown: %q", s.l.Name, row[col["total"]], grid)
		}
	}
}

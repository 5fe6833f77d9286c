package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
)

// findAnswer finds, by trying whole numbers, an answer to a part of v that
// gets the wanted status and mistake code ("" for any).
func findAnswer(t testing.TB, v *exercises.Variant, part string, status exercises.Status, mistake string, format func(int) string) (string, bool) {
	t.Helper()
	p, ok := v.Part(part)
	if !ok {
		t.Fatalf("no part %s", part)
	}
	for n := -2000; n <= 2000; n++ {
		text := format(n)
		vd := p.Check(text)
		if vd.Status == status && (mistake == "" || vd.Mistake == mistake) {
			return text, true
		}
	}
	return "", false
}

// answerFor is findAnswer for a variant known to have such an answer.
func answerFor(t *testing.T, v *exercises.Variant, part string, status exercises.Status, mistake string, format func(int) string) string {
	t.Helper()
	text, ok := findAnswer(t, v, part, status, mistake, format)
	if !ok {
		t.Fatalf("no answer to %s at seed %d is %s %s", part, v.Seed, status, mistake)
	}
	return text
}

// learnerWithAnswer adds roster learners until one's variant of item has an
// answer to part with the wanted status and mistake, and returns that
// learner, their link token and the answer. Per-learner seeds come from a
// random site key, and some variants have no answer with a given mistake
// (a symmetric filter cannot be flipped), so the test may not count on the
// first learner's.
func (e *learnEnv) learnerWithAnswer(name string, item store.Item, part string, status exercises.Status, mistake string) (store.Learner, string, string) {
	e.t.Helper()
	for i := range 50 {
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s-%d", name, i+1)
		}
		l, tok := e.learner(n)
		v, err := e.app.server.itemVariant(context.Background(), item, l.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		if text, ok := findAnswer(e.t, v, part, status, mistake, strconv.Itoa); ok {
			return l, tok, text
		}
	}
	e.t.Fatalf("none of 50 learners' variants has an answer to %s that is %s %s", part, status, mistake)
	return store.Learner{}, "", ""
}

// TestBrowserLearnTwoStudents: two students open their personal links to an
// assignment with a per-student seed and answer (one wrong with a known
// mistake); reopening the link on a fresh browser profile (cookies gone)
// shows each their own answers and verdicts, restored from the server.
func TestBrowserLearnTwoStudents(t *testing.T) {
	ctx := newBrowser(t)
	e := newLearnEnv(t)
	a := e.assignment(defaultSettings(), "", store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedPerLearner, Points: 1})
	item := a.Items[0]
	ada, tokA, adaAnswer := e.learnerWithAnswer("ada", item, "cell", exercises.StatusIncorrect, "conv.flipped-kernel")
	bob, tokB, bobAnswer := e.learnerWithAnswer("bob", item, "cell", exercises.StatusCorrect, "")
	itemURL := fmt.Sprintf("%s/my/%d/%d", e.srv.URL, a.ID, item.ID)
	students := []struct {
		l            store.Learner
		tok          string
		bottomRight  string
		wantVerdict  string
		wantFeedback string
	}{{l: ada, tok: tokA}, {l: bob, tok: tokB}}
	for i := range students {
		s := &students[i]
		if i == 0 {
			s.bottomRight = adaAnswer
			s.wantVerdict, s.wantFeedback = "verdict-incorrect", "flipped the filter"
		} else {
			s.bottomRight = bobAnswer
			s.wantVerdict, s.wantFeedback = "verdict-correct", "Correct"
		}
		clearCookies(t, ctx)
		step(t, ctx, s.l.Name+" opens the personal link and answers",
			chromedp.Navigate(e.srv.URL+"/l/"+s.tok),
			chromedp.WaitVisible(chromedp.CSS(".learn-list a")),
			chromedp.Click(chromedp.CSS(".learn-list a")),
			chromedp.WaitVisible(chromedp.CSS(".learn-items a")),
			chromedp.Click(chromedp.CSS(".learn-items a")),
			chromedp.WaitVisible(chromedp.CSS("#answer-cell")),
			waitJS(`document.documentElement.classList.contains("js")`),
			chromedp.SendKeys(chromedp.CSS("#answer-cell"), s.bottomRight),
			chromedp.Click(chromedp.CSS("#exercise-form .form-actions button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#verdict-cell."+s.wantVerdict)),
		)
	}
	for _, s := range students {
		got := e.attempts(s.l)
		if len(got) != 1 || got[0].Answer != s.bottomRight || got[0].Elapsed == nil {
			t.Fatalf("%s's attempts %+v, want one of %q with the time the script measured", s.l.Name, got, s.bottomRight)
		}
		if s.l.ID == ada.ID && got[0].DiagnosisCode != "conv.flipped-kernel" {
			t.Errorf("ada's diagnosis %q", got[0].DiagnosisCode)
		}
	}
	if e.attempts(ada)[0].Seed == e.attempts(bob)[0].Seed {
		t.Errorf("both students got seed %d", e.attempts(ada)[0].Seed)
	}
	// Each reopens the link with no cookies (another device) and finds
	// the answer and its verdict where they left them.
	for _, s := range students {
		clearCookies(t, ctx)
		step(t, ctx, s.l.Name+" reopens the link on a fresh profile",
			chromedp.Navigate(e.srv.URL+"/l/"+s.tok),
			chromedp.WaitVisible(chromedp.CSS(".learn-list a")),
			chromedp.Navigate(itemURL),
			chromedp.WaitVisible(chromedp.CSS("#verdict-cell."+s.wantVerdict)),
		)
		val, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#answer-cell")))
		if err != nil || val != s.bottomRight {
			t.Errorf("%s: restored answer %q (%v), want %q", s.l.Name, val, err, s.bottomRight)
		}
		if got := textOf(t, ctx, "#verdict-cell"); !strings.Contains(got, s.wantFeedback) {
			t.Errorf("%s: restored verdict %q, want %q in it", s.l.Name, got, s.wantFeedback)
		}
	}
	// The student pages pass axe-core (WCAG 2.2 AA), light and dark.
	for _, page := range []string{"/my", fmt.Sprintf("/my/%d", a.ID), fmt.Sprintf("/my/%d/%d", a.ID, item.ID)} {
		for _, m := range axeModes[:2] {
			setMode(t, ctx, m)
			step(t, ctx, "open "+page, chromedp.Navigate(e.srv.URL+page), chromedp.WaitVisible(chromedp.CSS("main")))
			reportAxe(t, m.name+" "+page, runAxe(t, ctx, m))
		}
	}
}

// clearCookies makes the browser a new device for Stride.
func clearCookies(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatalf("clear cookies: %v", err)
	}
}

// TestBrowserEnterDoesNotReveal is a regression test: pressing Enter in an
// answer field submitted the form with its first submit button, which was
// the first part's "show the worked solution" button, so answering part 2
// with Enter revealed part 1's answer (and, in an assignment, recorded a
// reveal).
func TestBrowserEnterDoesNotReveal(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	step(t, ctx, "answer part 2 with Enter",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		chromedp.WaitVisible(chromedp.CSS("#answer-bottom-right")),
		waitJS(`document.documentElement.classList.contains("js")`),
		chromedp.SendKeys(chromedp.CSS("#answer-bottom-right"), "22\r"),
		chromedp.WaitVisible(chromedp.CSS("#verdict-bottom-right.verdict-incorrect")),
	)
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#part-dims details.solution") || !document.querySelector("#part-dims .solution-locked")`))
	if err != nil || open {
		t.Errorf("part 1's worked solution opened after Enter in part 2 (%v)", err)
	}
}

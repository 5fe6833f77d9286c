package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAuthoredExercise: an instructor drops a file into the
// exercises directory; the home page lists the new exercise and a student
// answers it in the page, with the built-in's diagnoses and replay.
func TestBrowserAuthoredExercise(t *testing.T) {
	ctx := newBrowser(t)
	dir := t.TempDir()
	app := newTestHandler(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { app.Shutdown(context.Background()) })

	writeExercise(t, dir, "week3.yaml", authoredConv)
	app.ReloadExercises(context.Background())
	step(t, ctx, "find the new exercise on the home page",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-exercise-id="conv-week3"] a`)),
	)
	// Follow the link by its address: a click starts a navigation that the
	// next query can race (it failed once in CI with "Could not find node
	// with given id" while the old document was replaced).
	lctx, lcancel := context.WithTimeout(ctx, 20*time.Second)
	href, err := chromedp.Run(lctx, chromedp.Evaluate[string](`document.querySelector('[data-exercise-id="conv-week3"] a').href`))
	lcancel()
	if err != nil || !strings.Contains(href, "/exercises/conv-week3") {
		t.Fatalf("the home page's link to the new exercise: %q, %v", href, err)
	}
	step(t, ctx, "answer the new exercise",
		chromedp.Navigate(href),
		chromedp.WaitVisible(chromedp.CSS("#answer-dims")),
		waitJS(`document.documentElement.classList.contains("js")`),
		chromedp.SendKeys(chromedp.CSS("#answer-dims"), "2x2"),
		chromedp.SendKeys(chromedp.CSS("#answer-cell"), "4"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-dims.verdict-correct")),
	)
	if got := textOf(t, ctx, "#verdict-cell"); !strings.Contains(got, "flipped") {
		t.Errorf("the flipped filter is not diagnosed: %q", got)
	}
	step(t, ctx, "correct the cell",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#answer-cell").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#answer-cell"), "-4"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-cell.verdict-correct")),
	)
	if got := textOf(t, ctx, "#score"); !strings.Contains(got, "2 of 2") {
		t.Errorf("score: %q", got)
	}

	// The instructor edits the file; the page asks the new question.
	writeExercise(t, dir, "week3.yaml", strings.Replace(authoredConv, "cell: [1, 2]", "cell: [2, 1]", 1))
	app.ReloadExercises(context.Background())
	step(t, ctx, "reload the edited exercise",
		chromedp.Navigate(srv.URL+"/exercises/conv-week3"),
		chromedp.WaitVisible(chromedp.CSS("#answer-cell")),
	)
	if got := textOf(t, ctx, "#part-cell"); !strings.Contains(got, "row 2, column 1") {
		t.Errorf("the edited question is not shown: %q", got)
	}
}

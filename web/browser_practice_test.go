package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/exercises"
)

// TestBrowserPracticeLevelsUp: a student answers three fresh variants of
// the output-size exercise right, by typing into the page; the practice
// page then shows the skill mastered with a review scheduled, and "practise
// next" has moved on to another skill.
func TestBrowserPracticeLevelsUp(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	ex, _ := exercises.NewCatalog().Lookup("conv-output-size")
	pendingEmpty := `(JSON.parse(localStorage.getItem("stride.practice.v1") || "{}").pending || []).length === 0`
	step(t, ctx, "the practice page before any practice",
		chromedp.Navigate(srv.URL+"/practice"),
		waitJS(`!document.getElementById("practice-next").hidden`),
		waitJS(`document.querySelector("[data-skill=output-sizes] .practice-level").textContent === "Not started"`),
		waitJS(`document.getElementById("practice-next-link").href.includes("/exercises/conv-output-size?seed=")`),
	)
	if note := textOf(t, ctx, "#practice-next-reason"); !strings.Contains(note, "Output sizes is not started") {
		t.Errorf("reason: %q", note)
	}
	for i, seed := range []uint64{101, 102, 103} {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatal(err)
		}
		actions := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(fmt.Sprintf("%s/exercises/conv-output-size?seed=%d", srv.URL, seed)),
			chromedp.WaitVisible(chromedp.CSS("#answer-" + v.Parts[0].ID)),
			waitJS(`document.documentElement.classList.contains("js")`),
		}
		for _, p := range v.Parts {
			actions = append(actions, chromedp.SendKeys(chromedp.CSS("#answer-"+p.ID), p.Input))
		}
		actions = append(actions, chromedp.Click(chromedp.CSS("button[type=submit]")))
		for _, p := range v.Parts {
			actions = append(actions, chromedp.WaitVisible(chromedp.CSS("#verdict-"+p.ID+".verdict-correct")))
		}
		// The outcome has reached the practice state (the script clears
		// the queue once the server has applied it).
		actions = append(actions, waitJS(pendingEmpty))
		step(t, ctx, fmt.Sprintf("variant %d (seed %d) answered right", i+1, seed), actions...)
	}
	step(t, ctx, "the practice page after three right variants",
		chromedp.Navigate(srv.URL+"/practice"),
		waitJS(`document.querySelector("[data-skill=output-sizes]").getAttribute("data-level") === "4"`),
	)
	if got := textOf(t, ctx, "[data-skill=output-sizes] .practice-level"); !strings.HasPrefix(got, "Mastered · next review") {
		t.Errorf("output sizes: %q", got)
	}
	if got := textOf(t, ctx, "[data-skill=conv-by-hand] .practice-level"); got != "Not started" {
		t.Errorf("convolution by hand: %q", got)
	}
	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("practice-next-link").href`))
	if err != nil || strings.Contains(link, "conv-output-size") || !strings.Contains(link, "/exercises/conv-by-hand?seed=") {
		t.Errorf("practise next after mastering output sizes: %q (%v)", link, err)
	}
}

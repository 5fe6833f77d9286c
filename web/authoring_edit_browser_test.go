package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserAuthorEditor: an instructor signs in, creates a convolution
// exercise through the form, sees the live preview's answers change when
// a value changes (and a problem appear next to its field), saves and
// exports it; a student then answers it on its practice page. Every editor
// page passes axe light and dark, desktop and phone, and fits 360 px.
func TestBrowserAuthorEditor(t *testing.T) {
	ctx := newBrowser(t)
	e := newClassEnv(t, Config{Authoring: AuthoringConfig{Poll: -1}})
	srv := httptest.NewServer(e.app)
	t.Cleanup(srv.Close)
	ready := waitJS(`document.documentElement.classList.contains("js")`)
	live := waitJS(`document.getElementById("author-form") && document.getElementById("author-form").dataset.live === "on"`)

	step(t, ctx, "sign in",
		chromedp.Navigate(srv.URL+"/authoring/exercises"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "a@example.edu"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".author-actions")),
		ready,
	)
	checkPage(t, ctx, "my exercises (none yet)")
	step(t, ctx, "choose a family",
		chromedp.Click(chromedp.CSS(`.author-actions a[href$="/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(".author-families")),
		ready,
	)
	checkPage(t, ctx, "new exercise: families")
	step(t, ctx, "open the convolution form",
		chromedp.Click(chromedp.CSS(`.author-families a[href$="family=conv-by-hand"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-data-image")),
		ready, live,
		chromedp.WaitVisible(chromedp.CSS(`#author-preview [data-ready="true"]`)),
	)
	checkPage(t, ctx, "editor form with preview")

	// The instructor's own numbers: the preview follows as they type.
	step(t, ctx, "write the exercise",
		chromedp.SendKeys(chromedp.CSS("#f-id"), "conv-browser"),
		chromedp.SendKeys(chromedp.CSS("#f-title"), "Browser convolution"),
		setField("#f-data-image", "1 2 3\n4 5 6\n7 8 9"),
		setField("#f-data-filter", "1 0\n0 -1"),
		setField("#f-data-cases-0-cell", "[1, 2]"),
		setField("#f-data-cases-1-padding", ""),
		setField("#f-data-cases-1-name", ""),
		setField("#f-data-cases-1-stride", ""),
		setField("#f-data-cases-1-cell", ""),
		waitJS(`document.querySelector("#author-preview").textContent.includes("row 1, column 2") && document.querySelector("#author-preview").textContent.includes("Browser convolution")`),
	)
	before := jsText(t, ctx, "#author-preview article")
	if !strings.Contains(before, "Answer: -4") {
		t.Errorf("the preview's answers lack the cell's −4: %q", before)
	}
	step(t, ctx, "change a value of the filter",
		setField("#f-data-filter", "2 0\n0 -1"),
		waitJS(`(a => a && !a.textContent.replace(/\s+/g, " ").includes("Answer: -4"))(document.querySelector("#author-preview article"))`),
	)
	if after := jsText(t, ctx, "#author-preview article"); !strings.Contains(after, "Answer: -2") { // 2·2 − 6 = −2
		t.Errorf("after the change the answers are %q, want the cell −2", after)
	}
	step(t, ctx, "a problem appears next to its field",
		chromedp.SendKeys(chromedp.CSS("#f-data-cases-0-stride"), "9"),
		waitJS(`document.getElementById("f-data-cases-0-stride-err").textContent.includes("from 1 to 8")`),
	)
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-data-cases-0-stride").getAttribute("aria-invalid")`)); got != "true" {
		t.Errorf("the invalid field's aria-invalid is %q", got)
	}
	checkPage(t, ctx, "editor form with a problem")
	step(t, ctx, "fix it and save",
		setField("#f-data-cases-0-stride", "1"),
		chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
		ready,
	)
	if got := textOf(t, ctx, ".notice"); !strings.Contains(got, "Saved version") {
		t.Fatalf("after saving: %q", got)
	}
	checkPage(t, ctx, "editor after saving")
	ex, ok := e.app.server.catalog.Lookup("conv-browser")
	if !ok {
		t.Fatal("the saved exercise is not served")
	}

	// Export: the saved file as an attachment.
	disp, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[href$="/export"]').href).then(r => r.headers.get("Content-Disposition") + "\n" + r.status)`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(disp, `attachment; filename="conv-browser.yaml"`) || !strings.HasSuffix(disp, "200") {
		t.Errorf("export: %q, %v", disp, err)
	}
	step(t, ctx, "edit as YAML",
		chromedp.Click(chromedp.CSS(`.author-views a[href$="/yaml"]`)),
		chromedp.WaitVisible(chromedp.CSS("#author-yaml")),
		ready,
	)
	checkPage(t, ctx, "edit as YAML")
	step(t, ctx, "my exercises", chromedp.Navigate(srv.URL+"/authoring/exercises"), chromedp.WaitVisible(chromedp.CSS("table")), ready)
	checkPage(t, ctx, "my exercises")
	step(t, ctx, "import", chromedp.Navigate(srv.URL+"/authoring/exercises/import"), chromedp.WaitVisible(chromedp.CSS("#author-yaml")), ready)
	checkPage(t, ctx, "import")

	// A student (signed out) answers it on its practice page.
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	v, err := ex.Variant(0)
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "a student answers it",
		chromedp.Navigate(srv.URL+"/exercises/conv-browser"),
		ready,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("score").textContent = ""`),
		chromedp.Evaluate[chromedp.Void](fillScript(v, true)),
		waitJS(`(t => t !== "" && t !== "Checking…")(document.getElementById("score").textContent.trim())`),
	)
	if got := textOf(t, ctx, "#score"); !strings.Contains(got, "2 of 2") {
		t.Errorf("the student's score: %q", got)
	}
}

// setField sets a form control's value as typing would: the input event
// the live preview listens to is fired.
func setField(sel, value string) chromedp.Action[chromedp.Void] {
	js, _ := json.Marshal(value)
	q, _ := json.Marshal(sel)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.querySelector(%s); f.value = %s; f.dispatchEvent(new Event("input", {bubbles: true})); })()`, q, js))
}

// jsText is an element's text as the page has it now (the live preview
// replaces its region's nodes).
func jsText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	q, _ := json.Marshal(sel)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(e => e ? e.textContent : "")(document.querySelector(%s))`, q)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

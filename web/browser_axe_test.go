package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/exercises"
)

// axeSource is axe-core 4.14.1 from the npm registry (npm pack
// axe-core@4.14.1, sha256 of the tarball
// e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745),
// vendored with its licence so that CI needs no npm.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeSourceJS is axeSource as a JavaScript string literal, encoded once.
var axeSourceJS = sync.OnceValue(func() string { return jsString(axeSource) })

// axeTags are the rule sets every page must pass: WCAG 2.2 A and AA
// (axe tags each rule with the version that introduced it).
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeBestPractices are the best-practice rules the accessibility review
// named: landmarks and a top-level heading on every page, and focusable
// scrolling regions.
var axeBestPractices = []string{"region", "page-has-heading-one", "landmark-one-main", "scrollable-region-focusable", "heading-order", "landmark-unique", "landmark-no-duplicate-main"}

// viewMode is one way a student sees a page.
type viewMode struct {
	name          string
	width, height int64
	dark          bool
}

// axeModes are the ways every page is checked. Dark mode changes only
// colours, so in the dark modes only the colour rules run again; that
// keeps the run short on a busy CI machine.
var axeModes = []viewMode{
	{"desktop light", 1280, 900, false},
	{"desktop dark", 1280, 900, true},
	{"phone light", 390, 844, false},
	{"phone dark", 390, 844, true},
}

// axeColourRules are the rules whose outcome depends on the colour scheme.
var axeColourRules = []string{"color-contrast", "link-in-text-block"}

// setMode sizes the viewport and emulates the colour scheme.
func setMode(t *testing.T, ctx context.Context, m viewMode) {
	t.Helper()
	scheme := "light"
	if m.dark {
		scheme = "dark"
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		t.Fatalf("emulate %s: %v", scheme, err)
	}
	step(t, ctx, "viewport "+m.name, chromedp.EmulateViewport(m.width, m.height))
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// runAxe injects axe-core into the current page (DevTools evaluation is
// not subject to the page's CSP) and returns its violations.
func runAxe(t *testing.T, ctx context.Context, m viewMode) []axeViolation {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// A page keeps axe once injected: it is sent (half a megabyte, parsed
	// again by each evaluation) only to a document that lacks it, not for
	// every mode of the same page.
	has, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`typeof window.axe !== "undefined"`))
	if err != nil {
		t.Fatalf("look for axe: %v", err)
	}
	if !has {
		if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(0, eval)(`+axeSourceJS()+`) === undefined`)); err != nil {
			t.Fatalf("inject axe: %v", err)
		}
	}
	tags, _ := json.Marshal(axeTags)
	extra, _ := json.Marshal(axeBestPractices)
	only := "null"
	if m.dark {
		b, _ := json.Marshal(axeColourRules)
		only = string(b)
	}
	script := fmt.Sprintf(`(async () => {
		const rules = %s || [...new Set([...axe.getRules(%s).filter(r => !r.tags.includes("experimental")).map(r => r.ruleId), ...%s])];
		const r = await axe.run(document, {resultTypes: ["violations"], runOnly: {type: "rule", values: rules}});
		return JSON.stringify(r.violations.map(v => ({
			id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " ")),
		})));
	})()`, only, tags, extra)
	out, err := chromedp.Run(tctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	return vs
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func reportAxe(t *testing.T, where string, vs []axeViolation) {
	t.Helper()
	for _, v := range vs {
		t.Errorf("%s: axe %s (%s): %s\n\t%s", where, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// axePages lists every kind of page a student or instructor opens.
func axePages() []string {
	pages := []string{"/", "/playground", "/playground?op=maxpool2d&input=1+2+0%0A3+4+5%0A6+7+8&kernel_size=2", "/playground?op=conv2d&input=1+x&stride=0", "/api", "/practice", "/embed/playground", "/no-such-page", "/exercises/no-such-exercise",
		"/print", "/print?ex=conv-by-hand,cnn-shape-table,cnn-concepts,rnn-forward,cnn-diagram&seeds=2", "/print?ex=nope", "/sheet?i=conv-by-hand:3:dims&i=rnn-forward:0"}
	for _, ex := range exercises.NewCatalog().All() {
		pages = append(pages, "/exercises/"+ex.ID, "/embed/"+ex.ID)
	}
	return pages
}

// TestBrowserAxe runs axe-core on every page, light and dark, on a desktop
// and a phone, and asserts WCAG 2.2 AA has no violations. One browser and
// one tab serve every page.
//
// The pages are split between axeTabs tabs of the shared browser, each a
// parallel subtest: the browser's work dominates, and two tabs keep both
// cores busy.
func TestBrowserAxe(t *testing.T) {
	// Two tabs load pages from one address at once: the work limiter lets
	// a page wait for a slot as long as a busy machine needs.
	srv := newTestServer(t, Config{Work: WorkConfig{Limit: 4, PerClient: 4, QueueWait: 10 * time.Minute}})
	pages := axePages()
	for tab := range axeTabs {
		t.Run(fmt.Sprintf("tab%d", tab+1), func(t *testing.T) {
			t.Parallel()
			ctx := newBrowser(t)
			for i := tab; i < len(pages); i += axeTabs {
				p := pages[i]
				setMode(t, ctx, axeModes[0])
				step(t, ctx, "open "+p,
					chromedp.Navigate(srv.URL+p),
					waitJS(`document.documentElement.classList.contains("js")`),
				)
				// The same page is checked in every mode: switching the
				// viewport and colour scheme re-lays it out without a reload.
				for _, m := range axeModes {
					setMode(t, ctx, m)
					reportAxe(t, m.name+" "+p, runAxe(t, ctx, m))
				}
			}
		})
	}
}

// axeTabs is how many tabs TestBrowserAxe and TestBrowserAxeFeedback
// spread their pages over.
const axeTabs = 2

// fillScript fills an exercise form: with each part's accepted answer when
// right is true, and with a plausible wrong answer otherwise.
func fillScript(v *exercises.Variant, right bool) string {
	type part struct {
		ID, Kind, Input string
	}
	var parts []part
	for _, p := range v.Parts {
		in := p.Input
		if !right {
			switch p.Kind {
			case exercises.KindSingleChoice, exercises.KindMultipleChoice, exercises.KindSelfCheck, exercises.KindDiagram:
				// Choose the first option; write a line of text; fill
				// every diagram position with the first block and "1".
				in = ""
			default:
				in = "1"
			}
		}
		parts = append(parts, part{p.ID, string(p.Kind), in})
	}
	b, _ := json.Marshal(parts)
	return fmt.Sprintf(`(() => {
		for (const p of %s) {
			const sec = document.querySelector('[data-part="' + p.ID + '"]');
			if (p.Kind === "matrix") {
				const vals = p.Input.split(/[\s,;\[\]]+/).filter(Boolean);
				sec.querySelectorAll(".cell-input").forEach((c, i) => { c.value = vals[i] !== undefined ? vals[i] : "1"; });
			} else if (p.Kind === "diagram") {
				// Input is "block=shape; block=shape; …", one per position.
				const slots = p.Input ? p.Input.split(";").map(e => e.trim().split("=")) : [];
				sec.querySelectorAll(".diagram-slot").forEach((li, i) => {
					const [block, shape] = slots[i] || [];
					const sel = li.querySelector("select");
					if (block) { sel.value = block; } else { sel.selectedIndex = 1; }
					li.querySelector("input").value = shape || "1";
				});
			} else if (p.Kind === "single-choice" || p.Kind === "multiple-choice") {
				const ids = p.Input ? p.Input.split(",") : [];
				sec.querySelectorAll("input").forEach((c, i) => { c.checked = ids.length ? ids.includes(c.value) : i === 0; });
			} else {
				const f = document.getElementById("answer-" + p.ID);
				f.value = p.Input || "Filters detect local patterns.";
			}
		}
		document.querySelector(".exercise-form button[type=submit]").click();
		return true;
	})()`, b)
}

// TestBrowserAxeFeedback checks every exercise after a wrong and after a
// right check, so verdicts and opened worked solutions are covered too, in
// every mode.
func TestBrowserAxeFeedback(t *testing.T) {
	// Like TestBrowserAxe, spread over axeTabs tabs; the checks go to one
	// server from one address, so the work limiter may hold one a while.
	srv := newTestServer(t, Config{Work: WorkConfig{Limit: 4, PerClient: 4, QueueWait: 10 * time.Minute}})
	all := exercises.NewCatalog().All()
	for tab := range axeTabs {
		t.Run(fmt.Sprintf("tab%d", tab+1), func(t *testing.T) {
			t.Parallel()
			ctx := newBrowser(t)
			for i := tab; i < len(all); i += axeTabs {
				axeFeedback(t, ctx, srv.URL, all[i])
			}
		})
	}
}

// axeFeedback checks exercise ex's page after a wrong and after a right
// check, in every mode.
func axeFeedback(t *testing.T, ctx context.Context, base string, ex *exercises.Exercise) {
	t.Helper()
	v, err := ex.Variant(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, right := range []bool{false, true} {
		what := fmt.Sprintf("%s right=%v", ex.ID, right)
		setMode(t, ctx, axeModes[0])
		step(t, ctx, "check "+what,
			chromedp.Navigate(base+"/exercises/"+ex.ID),
			waitJS(`document.documentElement.classList.contains("js")`),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("score").textContent = ""`),
			chromedp.Evaluate[chromedp.Void](fillScript(v, right)),
			// The score line is filled once the verdicts are shown.
			waitJS(`(t => t !== "" && t !== "Checking…")(document.getElementById("score").textContent.trim()) && !!document.querySelector(".verdict-line")`),
		)
		for _, m := range axeModes {
			setMode(t, ctx, m)
			reportAxe(t, m.name+" "+what, runAxe(t, ctx, m))
		}
	}
}

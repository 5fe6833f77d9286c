package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/exercises"
)

// TestBrowserNoGreyedQuestions compares the colour of every part's text
// with the first part's: a class that matched parts of one answer kind
// once greyed out parts 4–5 of cnn-parameters.
func TestBrowserNoGreyedQuestions(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	for _, id := range []string{"cnn-parameters", "attention-parameters", "conv-by-hand", "rnn-shapes"} {
		step(t, ctx, "open "+id, chromedp.Navigate(srv.URL+"/exercises/"+id), chromedp.WaitVisible(chromedp.CSS(".part")))
		odd, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
			const text = getComputedStyle(document.querySelector("h1")).color;
			const out = [];
			document.querySelectorAll(".part").forEach(p => {
				for (const el of [p, p.querySelector(".part-title"), p.querySelector(".part-prompt")]) {
					if (el && getComputedStyle(el).color !== text) out.push(p.id + " " + el.className + ": " + getComputedStyle(el).color);
				}
			});
			return out;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range odd {
			t.Errorf("%s: part text not in the text colour: %s", id, o)
		}
	}
}

// TestBrowserPlayButtonOneSemantics: the Play button names its action by
// its label only. A label that changes to "Pause" together with
// aria-pressed="true" is read as "Pause, pressed".
func TestBrowserPlayButtonOneSemantics(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	toggle := `document.querySelector("#player-main [data-action=toggle]")`
	// The playground's player: exercise replays may wait for an attempt.
	step(t, ctx, "play",
		chromedp.Navigate(srv.URL+"/playground"),
		chromedp.WaitVisible(chromedp.CSS("#player-main .player-app")),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent.endsWith("of 9")`),
		chromedp.Evaluate[chromedp.Void](toggle+`.textContent === "Play" && `+toggle+`.click()`),
		waitJS(toggle+`.textContent === "Pause"`),
	)
	for _, next := range []string{"Play", "Pause"} {
		has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](toggle+`.hasAttribute("aria-pressed")`))
		if err != nil || has {
			t.Errorf("before %s: the toggle carries aria-pressed as well as a changing label (%v)", next, err)
		}
		step(t, ctx, "toggle to "+next, chromedp.Evaluate[chromedp.Void](toggle+`.click()`), waitJS(toggle+`.textContent === "`+next+`"`))
	}
}

// TestBrowserHomeOutline: on a desktop the home page reads as an outline,
// each exercise a full-width row with its progress, not a grid of cards
// that leaves most of a row empty when a section has one exercise.
func TestBrowserHomeOutline(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	for _, width := range []int64{1280, 390} {
		step(t, ctx, "open home", chromedp.EmulateViewport(width, 900), chromedp.Navigate(srv.URL+"/"),
			waitJS(`document.querySelector("[data-exercise-id] .progress").textContent !== ""`))
		narrow, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-exercise-id]")].filter(c => {
			const sec = c.closest(".home-section").getBoundingClientRect().width;
			return c.getBoundingClientRect().width < 0.9 * sec;
		}).map(c => c.getAttribute("data-exercise-id"))`))
		if err != nil {
			t.Fatal(err)
		}
		if len(narrow) > 0 {
			t.Errorf("width %d: exercises narrower than their section: %v", width, narrow)
		}
		if over := pageOverflow(t, ctx); over != "" {
			t.Errorf("width %d: %s", width, over)
		}
	}
}

// tctx bounds one wait of a test.
func tctx(ctx context.Context) context.Context {
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	_ = cancel // released when the timer fires or the test's browser closes
	return c
}

// pageOverflow reports an element wider than the viewport, which makes the
// whole page scroll sideways.
func pageOverflow(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const w = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= w) return "";
		for (const el of document.querySelectorAll("body *")) {
			const r = el.getBoundingClientRect();
			if (r.right > w + 1 && !el.closest(".table-scroll, pre, .scroll-x")) return "page scrolls sideways: " + el.tagName + "." + el.className + " ends at " + Math.round(r.right) + " > " + w;
		}
		return "page scrolls sideways (" + document.documentElement.scrollWidth + " > " + w + ")";
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBrowserShapeTableOnPhone fills the CNN shape table at phone widths
// and checks that nothing scrolls sideways and every verdict shows right
// by its input, inside the screen.
func TestBrowserShapeTableOnPhone(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	for _, width := range []int64{360, 390} {
		step(t, ctx, "check the table",
			chromedp.EmulateViewport(width, 844),
			chromedp.Navigate(srv.URL+"/exercises/cnn-shape-table"),
			waitJS(`document.documentElement.classList.contains("js")`),
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".shape-table input").forEach(i => i.value = "3@64x64")`),
			chromedp.Click(chromedp.CSS(".exercise-form button[type=submit]")),
			waitJS(`!!document.querySelector(".shape-table .verdict-line")`),
		)
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
			const w = document.documentElement.clientWidth, out = [];
			const scroll = document.querySelector(".shape-table").closest(".table-scroll");
			if (scroll && scroll.scrollWidth > scroll.clientWidth + 1) out.push("table scrolls sideways: " + scroll.scrollWidth + " in " + scroll.clientWidth);
			const cap = document.querySelector(".shape-table caption");
			if (cap.getBoundingClientRect().right > w || cap.scrollWidth > cap.clientWidth + 1) out.push("caption cut off");
			document.querySelectorAll(".shape-table tr[data-part]").forEach(tr => {
				const id = tr.getAttribute("data-part");
				const input = document.getElementById("answer-" + id).getBoundingClientRect();
				const v = document.getElementById("verdict-" + id).getBoundingClientRect();
				if (input.right > w || input.left < 0) out.push(id + ": input outside the screen");
				if (v.width === 0 || v.right > w || v.left < 0) out.push(id + ": verdict outside the screen");
				if (v.top < input.bottom - 1 || v.top - input.bottom > 40) out.push(id + ": verdict not next to the input (" + Math.round(v.top - input.bottom) + " px below)");
			});
			return out;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("width %d: %s", width, p)
		}
		if over := pageOverflow(t, ctx); over != "" {
			t.Errorf("width %d: %s", width, over)
		}
	}
}

// TestBrowserRNNDiagramLabelsFit measures the drawn RNN diagrams: every
// label lies inside its box, arrow labels touch no box and stay in the
// drawing, a subscript sits right by its base, and on a phone the labels
// are still readable.
func TestBrowserRNNDiagramLabelsFit(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	for _, width := range []int64{1280, 390} {
		for _, page := range []string{"/exercises/rnn-shapes", "/exercises/rnn-forward", "/exercises/rnn-shapes?seed=5", "/exercises/rnn-forward?seed=3"} {
			// The diagrams come with the worked solutions, shown once the
			// student has answered: answer every part, then open them all.
			id, seed, _ := strings.Cut(strings.TrimPrefix(page, "/exercises/"), "?seed=")
			ex, _ := exercises.NewCatalog().Lookup(id)
			var n uint64
			fmt.Sscan(seed, &n)
			v, err := ex.Variant(n)
			if err != nil {
				t.Fatal(err)
			}
			step(t, ctx, "open "+page, chromedp.EmulateViewport(width, 900), chromedp.Navigate(srv.URL+page),
				waitJS(`document.documentElement.classList.contains("js")`),
				// The plain post: the server renders the solutions.
				chromedp.Evaluate[chromedp.Void](strings.Replace(fillScript(v, true), `document.querySelector(".exercise-form button[type=submit]").click();`, `setTimeout(() => document.querySelector(".exercise-form").submit(), 0);`, 1)))
			step(t, ctx, "see the solutions of "+page,
				chromedp.WaitReady(chromedp.CSS(".verdict-line")),
				chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`),
				chromedp.WaitVisible(chromedp.CSS(".diagram-svg")))
			problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
				const out = [];
				const inside = (a, b) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
				const meets = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
				document.querySelectorAll(".diagram-svg").forEach(svg => {
					const fig = svg.closest("figure").className;
					const view = svg.viewBox.baseVal;
					const boxes = [...svg.querySelectorAll("rect")].map(r => r.getBBox());
					// Each title and subtitle belongs to the box around its anchor point.
					svg.querySelectorAll(".diagram-title, .diagram-subtitle").forEach(tx => {
						const x = tx.x.baseVal[0].value, y = tx.y.baseVal[0].value;
						const r = boxes.find(b => x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height);
						if (!r) out.push(fig + ": label \"" + tx.textContent + "\" has no box");
						else if (!inside(tx.getBBox(), r)) out.push(fig + ": label \"" + tx.textContent + "\" spills out of its box");
					});
					svg.querySelectorAll(".diagram-label").forEach(tx => {
						const b = tx.getBBox();
						if (boxes.some(r => meets(b, r))) out.push(fig + ": arrow label \"" + tx.textContent + "\" overlaps a box");
						if (!inside(b, {x: view.x, y: view.y, width: view.width, height: view.height})) out.push(fig + ": arrow label \"" + tx.textContent + "\" outside the drawing");
					});
					svg.querySelectorAll("text").forEach(tx => {
						// White space before a subscript draws as a gap: "W  yh".
						if (tx.querySelector("tspan") && /\s/.test(tx.textContent.trim())) out.push(fig + ": subscript of \"" + tx.textContent.trim() + "\" detached");
						const px = parseFloat(getComputedStyle(tx).fontSize) * svg.getBoundingClientRect().width / view.width;
						if (px < 10) out.push(fig + ": \"" + tx.textContent + "\" drawn at " + px.toFixed(1) + " px");
					});
				});
				return out;
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("%s at %d px: %s", page, width, p)
			}
		}
	}
}

// TestBrowserAnswersKeptPerVariant: typed answers and their verdicts come
// back when a student leaves an exercise and returns, per variant.
func TestBrowserAnswersKeptPerVariant(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	step(t, ctx, "answer and check",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		waitJS(`document.documentElement.classList.contains("js")`),
		chromedp.SendKeys(chromedp.CSS("#answer-dims"), "3x3"),
		chromedp.SendKeys(chromedp.CSS("#answer-bottom-right"), "22"),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("[data-part=whole-output] .cell-input, .part[data-kind=matrix] .cell-input").forEach((c, i) => c.value = String(i))`),
		chromedp.Click(chromedp.CSS(".exercise-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-dims.verdict-correct")),
	)
	step(t, ctx, "leave", chromedp.Navigate(srv.URL+"/"))
	step(t, ctx, "come back",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		waitJS(`document.documentElement.classList.contains("js")`),
	)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		document.getElementById("answer-dims").value,
		document.getElementById("answer-bottom-right").value,
		document.getElementById("verdict-dims").className,
		document.getElementById("verdict-bottom-right").className,
		document.getElementById("verdict-bottom-right").textContent,
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "3x3" || got[1] != "22" {
		t.Errorf("typed answers not restored: %q, %q", got[0], got[1])
	}
	if !strings.Contains(got[2], "verdict-correct") || !strings.Contains(got[3], "verdict-incorrect") || !strings.Contains(got[4], "flipped") {
		t.Errorf("verdicts not restored: %q", got[2:])
	}
	// Another variant starts empty.
	step(t, ctx, "open another variant", chromedp.Navigate(srv.URL+"/exercises/conv-by-hand?seed=7"),
		waitJS(`document.documentElement.classList.contains("js")`))
	other, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("answer-dims").value + document.getElementById("verdict-dims").textContent`))
	if err != nil || other != "" {
		t.Errorf("seed 7 shows seed 0's answers: %q %v", other, err)
	}
}

// TestBrowserPlaygroundShowsWhatItPlays submits the playground form and
// checks that the result is in view and focused, with and without
// JavaScript; that every problem with a configuration is listed at once
// with what to write; and that on a phone the output of a multi-channel
// convolution stays beside its input.
func TestBrowserPlaygroundShowsWhatItPlays(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	// In view: at the top of the window, or as high as the page can scroll.
	inView := `(() => {
		const r = document.getElementById("playground-result").getBoundingClientRect();
		const bottom = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
		return r.top >= -1 && (r.top < 40 || bottom && r.top < window.innerHeight - 200);
	})()`
	for _, size := range []struct{ width, height int64 }{{1280, 900}, {390, 844}} {
		width := size.width
		step(t, ctx, "open the form",
			chromedp.EmulateViewport(width, size.height),
			chromedp.Navigate(srv.URL+"/playground"),
			waitJS(`document.documentElement.classList.contains("js")`),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#pg-padding").value = "1"`),
		)
		// A GET form submits to its action with the query replaced and the
		// fragment kept; opening that address directly avoids racing the
		// click's navigation.
		target, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const f = document.querySelector(".playground-form"); const u = new URL(f.action); u.search = new URLSearchParams(new FormData(f)).toString(); return u.href; })()`))
		if err != nil || !strings.HasSuffix(target, "#playground-result") {
			t.Fatalf("width %d: the form submits to %q, want the result fragment (%v)", width, target, err)
		}
		step(t, ctx, "open the result", chromedp.Navigate(target))
		diag := `(() => { const r = document.getElementById("playground-result").getBoundingClientRect(); return [document.activeElement.tagName, document.activeElement.id, "top", r.top, "scrollY", scrollY, "innerHeight", innerHeight, "scrollHeight", document.documentElement.scrollHeight].join(" "); })()`
		// With JavaScript the page changes size after the browser's scroll
		// to the fragment (grid editors above the result, the live player
		// replacing its step tables and building its grids); once the
		// player has built its stage, nothing moves any more, and the
		// result must be focused and in view, also a frame later.
		settled := `document.activeElement && document.activeElement.id === "playground-result" && !!document.querySelector("#player-main.player-live-mode .player-panel-output")`
		if err := chromedp.Do(tctx(ctx), waitJS(settled)); err != nil {
			d, _ := chromedp.Run(ctx, chromedp.Evaluate[string](diag))
			t.Fatalf("width %d: the player did not start with the result focused: %s (%v)", width, d, err)
		}
		ok, err := chromedp.Run(tctx(ctx), chromedp.Evaluate[bool](`new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => resolve(`+settled+` && `+inView+`))))`, chromedp.EvalAwaitPromise))
		if err != nil || !ok {
			d, _ := chromedp.Run(ctx, chromedp.Evaluate[string](diag))
			t.Errorf("width %d, JavaScript on: the result is not focused and in view: %s (%v)", width, d, err)
		}
		// Without JavaScript the fragment alone brings it into view.
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		step(t, ctx, "see the result without JavaScript", chromedp.Navigate(target), waitJS(inView))
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
			t.Fatal(err)
		}
		// Several problems at once, each linked to its field.
		step(t, ctx, "submit a broken configuration",
			chromedp.Navigate(srv.URL+"/playground?op=conv2d&input=1+x&kernel=1&stride=0&padding=y#playground-result"),
			waitJS(`document.activeElement && document.activeElement.id === "playground-result" && !!document.querySelector("[data-problems]")`),
			waitJS(inView),
		)
		items, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-problems] li a")].map(a => a.getAttribute("href") + " " + a.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 3 || !strings.HasPrefix(items[0], "#pg-input ") || !strings.HasPrefix(items[1], "#pg-stride ") || !strings.HasPrefix(items[2], "#pg-padding ") {
			t.Errorf("problems: %q", items)
		}
		if body := textOf(t, ctx, "main"); strings.Contains(body, "cannot be animated yet") {
			t.Error("the page still says only that it cannot be animated")
		}
	}
	// The stride field's placeholder fits its box.
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(srv.URL+"/playground"))
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const i = document.getElementById("pg-stride"); const c = document.createElement("canvas").getContext("2d"); c.font = getComputedStyle(i).font; return c.measureText(i.placeholder).width < i.clientWidth - 8; })()`))
	if err != nil || !fits {
		t.Errorf("the stride placeholder is cut off (%v)", err)
	}
	// Multi-channel: output beside the input on a phone.
	q := "op=conv2d&input=" + strings.ReplaceAll("1 2 3 4\n5 6 7 8\n1 2 3 4\n5 6 7 8\n\n1 0 1 0\n0 1 0 1\n1 0 1 0\n0 1 0 1\n\n2 2 2 2\n1 1 1 1\n2 2 2 2\n1 1 1 1", "\n", "%0A") +
		"&kernel=" + strings.ReplaceAll("1 0\n0 1\n\n1 1\n1 1\n\n0 1\n1 0\n---\n1 1\n0 0\n\n0 0\n1 1\n\n1 0\n1 0", "\n", "%0A")
	step(t, ctx, "multi-channel player", chromedp.Navigate(srv.URL+"/playground?"+strings.ReplaceAll(q, " ", "+")),
		chromedp.WaitVisible(chromedp.CSS("#player-main .player-panel-output")))
	beside, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const i = document.querySelector("#player-main .player-panel-input").getBoundingClientRect();
		const o = document.querySelector("#player-main .player-panel-output").getBoundingClientRect();
		if (Math.abs(i.top - o.top) > 2) return "output starts " + Math.round(o.top - i.top) + " px below the input";
		if (o.right > document.documentElement.clientWidth) return "output off screen";
		return "";
	})()`))
	if err != nil || beside != "" {
		t.Errorf("phone, 3 input channels: %s %v", beside, err)
	}
}

// TestBrowserPlaygroundFilterEditor: the filter editor reads filters
// separated by a line "---" as filters, each with its channels. It once
// split only at blank lines and showed 2 filters of 3 channels as
// "Channels 5", with "---" as a row of cells; editing a cell then wrote the
// filters back as one 5-channel filter.
func TestBrowserPlaygroundFilterEditor(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	input := "1 2 3 4\n5 6 7 8\n1 2 3 4\n5 6 7 8\n\n1 0 1 0\n0 1 0 1\n1 0 1 0\n0 1 0 1\n\n2 2 2 2\n1 1 1 1\n2 2 2 2\n1 1 1 1"
	kernel := "1 0\n0 1\n\n1 1\n1 1\n\n0 1\n1 0\n---\n1 1\n0 0\n\n0 0\n1 1\n\n1 0\n1 0"
	q := url.Values{"op": {"conv2d"}, "input": {input}, "kernel": {kernel}}
	step(t, ctx, "open two filters of three channels",
		chromedp.Navigate(srv.URL+"/playground?"+q.Encode()),
		chromedp.WaitVisible(chromedp.CSS("[data-editor=kernel] .grid-editor input")),
	)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`["o", "c", "h", "w"].map(k => document.getElementById("pg-kernel-" + k).value)
		.concat([document.getElementById("pg-input-c").value,
			String(document.querySelectorAll("[data-editor=kernel] .grid-editor input").length),
			[...document.querySelectorAll("[data-editor=kernel] .grid-editor caption")].map(c => c.textContent).join("|")])`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2", "3", "2", "2", "3", "24",
		"Filter 1, channel 1|Filter 1, channel 2|Filter 1, channel 3|Filter 2, channel 1|Filter 2, channel 2|Filter 2, channel 3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("filter editor shows %q, want %q", got, want)
	}
	// A cell edit writes the filters back with their separator; Resize to
	// the same size changes nothing.
	edited, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const c = document.querySelector("[data-editor=kernel] .grid-editor table:nth-of-type(4) input");
		c.value = "7"; c.dispatchEvent(new Event("input"));
		const afterEdit = document.getElementById("pg-kernel").value;
		[...document.querySelectorAll("[data-editor=kernel] .editor-tools button")].find(b => b.textContent === "Resize").click();
		return [afterEdit, document.getElementById("pg-kernel").value];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	wantText := strings.Replace(kernel, "---\n1 1", "---\n7 1", 1)
	if edited[0] != wantText || edited[1] != wantText {
		t.Errorf("after editing filter 2's first cell the text is\n%s\nand after Resize\n%s\nwant\n%s", edited[0], edited[1], wantText)
	}
}

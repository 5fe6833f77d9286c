package web

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// noMinus22 is true while nothing on the page reads −22, the answer to
// conv-by-hand's part 2 at seed 0.
const noMinus22 = `!/[−-]22(?![0-9])/.test(document.body.innerText) && !/[−-]22(?![0-9])/.test(document.documentElement.innerHTML.replace(/<[^>]*>/g, ""))`

// TestBrowserPlayerPlaysConvByHand: before part 2 is answered nothing on
// the page shows −22: before part 1 the player is locked, paused and
// silent; after it the replay plays every step but the one that answers
// part 2 (the websocket withholds it). Once part 2 is answered the player
// starts again, paused, and plays the recitation's convolution until the
// output is full with −22 in its corner, then is driven by keyboard alone.
func TestBrowserPlayerPlaysConvByHand(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	corner := `document.querySelector("#player-main .player-stage .player-panel:last-child tr:last-child td:last-child")`
	step(t, ctx, "a student cannot see −22 before answering part 2",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		chromedp.WaitVisible(chromedp.CSS("#player-main .player-app")),
		waitJS(`document.querySelector("#player-main [data-role=live]").textContent.includes("opens once you have answered")`),
		waitJS(noMinus22),
		// Part 1 opens the replay, but not the step that answers part 2:
		// played to the end, its cell stays "?" and −22 is nowhere.
		chromedp.SendKeys(chromedp.CSS("#answer-dims"), "3x3"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-dims.verdict-correct")),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "0 of 9"`),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#player-main [data-role=speed]"); s.value = "10"; s.dispatchEvent(new Event("change")); })()`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#player-main [data-action=toggle]").click()`),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "9 of 9"`),
		waitJS(corner+`.textContent === "?"`),
		waitJS(noMinus22),
	)
	if got := textOf(t, ctx, "#player-main [data-role=sum]"); !strings.Contains(got, "Not shown yet") {
		t.Errorf("the withheld step's sum line: %q", got)
	}
	// A student who opens the websocket by hand from the page, with every
	// token the page holds, and seeks to the step gets it withheld too.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise((resolve, reject) => {
		const start = window.StridePlayers[0].currentStart();
		const ws = new WebSocket(document.querySelector("[data-player]").getAttribute("data-ws-url").replace(/^/, (location.protocol === "https:" ? "wss://" : "ws://") + location.host));
		let seen = "";
		ws.onopen = () => { ws.send(JSON.stringify(start)); ws.send(JSON.stringify({type: "seek", index: 8})); };
		ws.onmessage = (ev) => {
			seen += ev.data + "\n";
			const m = JSON.parse(ev.data);
			if (m.type === "step" && m.index === 8) { ws.close(); resolve(seen); }
			if (m.type === "error") { ws.close(); resolve(seen); }
		};
		ws.onerror = () => reject(new Error("websocket failed"));
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("websocket by hand: %v", err)
	}
	if strings.Contains(got, "-22") || !strings.Contains(got, `"withheld":true`) {
		t.Errorf("the websocket gave part 2 away to a hand-made start:\n%s", got)
	}
	step(t, ctx, "answer part 2; the player starts again with its token, paused",
		chromedp.SendKeys(chromedp.CSS("#answer-bottom-right"), "5"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-bottom-right.verdict-incorrect")),
		waitJS(`(() => { const p = window.StridePlayers && window.StridePlayers[0]; return p && p.meta && !p.meta.withheld; })()`),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent.endsWith("of 9")`),
		waitJS(`document.querySelector("#player-main [data-action=toggle]").textContent === "Play"`),
	)
	step(t, ctx, "play to the end",
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#player-main [data-role=speed]"); s.value = "10"; s.dispatchEvent(new Event("change")); })()`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#player-main [data-action=first]").click()`),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "1 of 9"`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#player-main [data-action=toggle]").click()`),
		waitJS(corner+`.textContent === "−22"`),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "9 of 9"`),
	)
	// Every output cell is filled.
	filled, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`[...document.querySelectorAll("#player-main .player-stage .player-panel:last-child td")].filter(td => td.textContent.trim() !== "").length`))
	if err != nil || filled != 9 {
		t.Fatalf("filled output cells: %d, %v", filled, err)
	}
	if sum := textOf(t, ctx, "#player-main [data-role=sum]"); !strings.Contains(sum, "= −22") || !strings.Contains(sum, "−9·1") {
		t.Errorf("sum line: %q", sum)
	}
	if live := textOf(t, ctx, "#player-main [data-role=live]"); !strings.Contains(live, "row 3, column 3") {
		t.Errorf("aria-live line: %q", live)
	}

	// Keyboard: Home, →, ←, End with focus on the player.
	pos := func() string { return textOf(t, ctx, "#player-main [data-role=position]") }
	step(t, ctx, "Home", chromedp.Focus(chromedp.CSS("#player-main [data-action=toggle]")), chromedp.KeyEvent(kb.Home),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "1 of 9"`))
	step(t, ctx, "ArrowRight", chromedp.KeyEvent(kb.ArrowRight),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "2 of 9"`))
	step(t, ctx, "ArrowLeft", chromedp.KeyEvent(kb.ArrowLeft),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "1 of 9"`))
	step(t, ctx, "End", chromedp.KeyEvent(kb.End),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "9 of 9"`))
	if got := pos(); got != "9 of 9" {
		t.Errorf("position %q", got)
	}
	// Only the cells up to the current step are filled after seeking back.
	step(t, ctx, "Home again", chromedp.KeyEvent(kb.Home),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "1 of 9"`),
		waitJS(corner+`.textContent === ""`))
}

// TestBrowserShowMeThisCell answers a cell wrong and replays exactly it.
func TestBrowserShowMeThisCell(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	step(t, ctx, "answer wrong and ask to see the cell",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		chromedp.WaitVisible(chromedp.CSS("#player-main .player-app")),
		waitJS(`document.documentElement.classList.contains("js")`),
		// Both parts the padded replay answers are attempted, so it opens.
		chromedp.SendKeys(chromedp.CSS("#answer-dims-padded"), "5x5"),
		chromedp.SendKeys(chromedp.CSS("#answer-bottom-right-padded"), "5"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-bottom-right-padded .show-cell")),
		chromedp.Click(chromedp.CSS("#verdict-bottom-right-padded .show-cell")),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent === "25 of 25"`),
		chromedp.WaitVisible(chromedp.CSS("#player-main [data-role=compare]")),
	)
	if got := textOf(t, ctx, "#player-main [data-role=compare]"); !strings.Contains(got, "you wrote 5") || !strings.Contains(got, "right value is 7") {
		t.Errorf("compare line: %q", got)
	}
}

// TestBrowserPlayground edits the image in the grid editor, resizes and
// randomly fills the filter, submits, and sees the player run on the
// configuration the URL now carries.
func TestBrowserPlayground(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	step(t, ctx, "edit a cell in the grid editor",
		chromedp.Navigate(srv.URL+"/playground"),
		chromedp.WaitVisible(chromedp.CSS(`[data-editor=input] .grid-editor input`)),
		chromedp.Evaluate[chromedp.Void](`(() => { const c = document.querySelector("[data-editor=input] .grid-editor input"); c.value = "9"; c.dispatchEvent(new Event("input")); })()`),
		waitJS(`document.querySelector("#pg-input").value.startsWith("9 3 -2 4")`),
		// Resize the filter to 3×3 and fill it at random.
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector("#pg-kernel-h").value = "3"; document.querySelector("#pg-kernel-w").value = "3"; })()`),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("[data-editor=kernel] .editor-tools button")].find(b => b.textContent === "Random fill").click()`),
		waitJS(`document.querySelector("#pg-kernel").value.trim().split("\n").length === 3 && document.querySelectorAll("[data-editor=kernel] .grid-editor input").length === 9`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#pg-padding").value = "1"`),
	)
	// The form is a GET form: its query is the address a submit opens.
	// Navigating to it directly avoids racing the click's own navigation.
	query, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new URLSearchParams(new FormData(document.querySelector(".playground-form"))).toString()`))
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "open the configured playground",
		chromedp.Navigate(srv.URL+"/playground?"+query),
		chromedp.WaitVisible(chromedp.CSS("#player-main .player-app")),
		waitJS(`document.querySelector("#player-main [data-role=position]").textContent.endsWith("of 16")`),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "input=9+3") || !strings.Contains(loc, "padding=1") {
		t.Errorf("the URL should carry the configuration: %q %v", loc, err)
	}
}

// TestBrowserRevealSolution: "Show the worked solution" opens one part's
// solution without an answer, in place, and records the reveal; the other
// parts stay closed.
func TestBrowserRevealSolution(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	step(t, ctx, "reveal part 4's solution",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		waitJS(`document.documentElement.classList.contains("js")`),
		waitJS(noMinus22),
		chromedp.Click(chromedp.CSS(`button[data-reveal="bottom-right-padded"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#solution-bottom-right-padded details.solution`)),
	)
	if got := textOf(t, ctx, "#solution-bottom-right-padded"); !strings.Contains(got, "Answer") {
		t.Errorf("revealed solution: %q", got)
	}
	// Part 2's answer is still not on the page.
	step(t, ctx, "part 2 stays closed", waitJS(noMinus22))
}

// TestBrowserScrubberCoalescesSeeks drags the scrubber of a 256-step
// animation (200 input events in one task, as a fast drag gives) and
// presses the arrow key 200 times in one task. One seek for each event
// would exhaust the connection's message budget (docs/PROTOCOL.md,
// "Budgets"): an error, the last seeks refused, the connection closed. The
// player sends at most one seek a frame, always the latest position, so it
// ends on the right step with no error and its connection open.
func TestBrowserScrubberCoalescesSeeks(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	rows := make([]string, 18)
	for i := range rows {
		cells := make([]string, 18)
		for j := range cells {
			cells[j] = strconv.Itoa((i + 2*j) % 7)
		}
		rows[i] = strings.Join(cells, " ")
	}
	q := url.Values{"op": {"conv2d"}, "input": {strings.Join(rows, "\n")}, "kernel": {"1 0 1\n0 1 0\n1 0 1"}}
	const player = `window.StridePlayers.find(p => p.root.id === "player-main")`
	const pos = `document.querySelector("#player-main [data-role=position]").textContent`
	const healthy = `(() => {
		const live = document.querySelector("#player-main [data-role=live]").textContent;
		return document.getElementById("player-main").classList.contains("player-live-mode") &&
			!/too many|could not|closed/.test(live) ? "" : "connection " + (document.getElementById("player-main").classList.contains("player-live-mode") ? "open" : "closed") + ", live region: " + live;
	})()`
	step(t, ctx, "open a 256-step animation and count its seeks",
		chromedp.Navigate(srv.URL+"/playground?"+q.Encode()),
		chromedp.WaitVisible(chromedp.CSS("#player-main .player-app")),
		waitJS(pos+` === "0 of 256"`),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const p = `+player+`;
			const send = p.ws.send.bind(p.ws);
			window.seeks = 0;
			p.ws.send = m => { if (JSON.parse(m).type === "seek") window.seeks++; send(m); };
		})()`),
	)
	for _, c := range []struct {
		what, events, want string
	}{
		{"drag the scrubber", `(() => {
			const s = document.querySelector("#player-main [data-role=scrubber]");
			for (let i = 0; i < 200; i++) { s.value = String(i); s.dispatchEvent(new Event("input", { bubbles: true })); }
			s.value = "37"; s.dispatchEvent(new Event("input", { bubbles: true }));
		})()`, "38 of 256"},
		{"press the right arrow 200 times", `(() => {
			const s = document.querySelector("#player-main [data-role=scrubber]");
			s.focus();
			for (let i = 0; i < 200; i++) s.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true, cancelable: true }));
		})()`, "238 of 256"},
	} {
		step(t, ctx, c.what,
			chromedp.Evaluate[chromedp.Void](`window.seeks = 0`),
			chromedp.Evaluate[chromedp.Void](c.events),
			waitJS(pos+` === "`+c.want+`" || `+healthy+` !== ""`),
		)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[`+pos+`, `+healthy+`, String(window.seeks)]`))
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != c.want || got[1] != "" {
			t.Errorf("%s: at %q, want %q; %s", c.what, got[0], c.want, got[1])
		}
		// The events came in one task, so one frame: one seek.
		if got[2] != "1" {
			t.Errorf("%s: %s seeks sent, want 1", c.what, got[2])
		}
	}
}

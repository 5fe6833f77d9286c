package web

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// emulateReducedMotion makes the tab's pages match
// (prefers-reduced-motion: reduce). The emulation belongs to the tab, so
// it holds across the reloads a live page does by itself.
func emulateReducedMotion(t *testing.T, tab liveTab) {
	t.Helper()
	if _, err := chromedp.Call(tab.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatalf("%s: emulate reduced motion: %v", tab.name, err)
	}
}

// motionJS lists, as text, what could move on the page: any element (or
// its ::before/::after) whose computed transition or animation lasts
// longer than 0.01 ms, any animation the document is running that lasts
// longer (Web Animations: CSS animations and transitions included), and
// smooth scrolling. 0.01 ms is what app.css's reduced-motion rule makes
// of every transition and animation; with it every property change is a
// 0.01 ms transition (the rule gives the default "all" a duration), which
// a page that has not drawn a frame since still lists as running. Empty when
// nothing moves. It fails (throws) if the page does not prefer reduced
// motion, so that a lost emulation cannot pass for a still page.
const motionJS = `(() => {
	if (!matchMedia("(prefers-reduced-motion: reduce)").matches) throw new Error("the page does not prefer reduced motion");
	const secs = v => v.split(",").map(d => { d = d.trim(); return d.endsWith("ms") ? parseFloat(d) / 1000 : parseFloat(d); });
	const long = v => secs(v).some(s => s > 0.00001);
	const out = [];
	const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "");
	for (const el of document.querySelectorAll("*")) {
		for (const pseudo of [null, "::before", "::after"]) {
			const cs = getComputedStyle(el, pseudo);
			if (long(cs.transitionDuration) && cs.transitionProperty !== "none") out.push(name(el) + (pseudo || "") + " transition " + cs.transitionProperty + " " + cs.transitionDuration);
			if (cs.animationName !== "none" && long(cs.animationDuration)) out.push(name(el) + (pseudo || "") + " animation " + cs.animationName + " " + cs.animationDuration);
		}
	}
	for (const a of document.getAnimations()) {
		const ms = a.effect ? a.effect.getComputedTiming().duration : 0;
		if (a.playState === "running" && ms > 0.01) out.push("running animation " + (a.animationName || a.transitionProperty || a.id || "?") + " of " + ms + " ms on " + (a.effect.target ? name(a.effect.target) : "?"));
	}
	for (const el of [document.documentElement, document.body]) {
		if (getComputedStyle(el).scrollBehavior !== "auto") out.push(name(el) + " scroll-behavior " + getComputedStyle(el).scrollBehavior);
	}
	return out.slice(0, 20).join("\n");
})()`

// checkStill fails the test if anything on the tab's page moves (motionJS).
func checkStill(t *testing.T, tab liveTab, when string) {
	t.Helper()
	if moving := evalPage[string](t, tab, motionJS); moving != "" {
		t.Errorf("%s, %s: with prefers-reduced-motion: reduce, these still move:\n%s", tab.name, when, moving)
	}
}

// TestBrowserLiveReducedMotion: with prefers-reduced-motion: reduce, the
// student's live page and the projector show no CSS animation or
// transition (none on the live elements, none on the player's highlighted
// cells), before the reveal, after it, and while the instructor drives
// the players; and no player plays by itself: it waits paused at no step
// after the reveal, and the instructor's moves jump its highlight to the
// step with no transition, still paused.
func TestBrowserLiveReducedMotion(t *testing.T) {
	browser := newBrowser(t)
	e := newLiveEnv(t)
	ready := `document.documentElement.classList.contains("js")`
	e.control("unlock")

	student := newLiveTab(t, browser, "student")
	emulateReducedMotion(t, student)
	liveStep(t, student, "join",
		chromedp.Navigate(e.srv.URL+"/join?code="+e.ls.Code),
		chromedp.WaitVisible(chromedp.CSS("#join-nickname")),
		chromedp.SendKeys(chromedp.CSS("#join-nickname"), "Ann"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
	)
	waitPage(t, student, "the question", ready+` && document.querySelector("#answer-dims") !== null && document.getElementById("live-status") !== null`)
	projector := newLiveTab(t, browser, "projector")
	emulateReducedMotion(t, projector)
	signInTab(t, e, projector)
	liveStep(t, projector, "open the projector", chromedp.Navigate(e.srv.URL+e.teachURL()+"/projector"))
	waitPage(t, projector, "the projector", ready+` && document.querySelector("svg.live-qr") !== null && document.getElementById("live-joined").textContent === "1"`)
	for _, tab := range []liveTab{student, projector} {
		checkStill(t, tab, "before the reveal")
	}

	// The reveal: both pages get the worked solution and a player, which
	// waits, paused at no step, for the instructor.
	e.control("reveal")
	player := `window.StridePlayers && window.StridePlayers[0] && window.StridePlayers[0].meta`
	waitPage(t, student, "revealed", `document.getElementById("live-follow-status") !== null && `+player)
	waitPage(t, projector, "revealed", `document.getElementById("live-solution") !== null && `+player)
	position := `document.querySelector("#player-main [data-role=position]").textContent`
	paused := `!window.StridePlayers[0].playing && document.querySelector("#player-main [data-action=toggle]").textContent === "Play"`
	for _, tab := range []liveTab{student, projector} {
		if !evalPage[bool](t, tab, paused+` && `+position+`.startsWith("0 of ")`) {
			t.Errorf("%s: the player started by itself: %s, playing %v", tab.name,
				evalPage[string](t, tab, position), evalPage[bool](t, tab, `window.StridePlayers[0].playing`))
		}
		checkStill(t, tab, "after the reveal")
	}

	// The instructor steps the class to step 4: both players show it, with
	// the highlighted output cell and input window, and nothing moves.
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	go func() {
		// Drain the instructor's socket (counts, states) so it never falls
		// behind; it ends when the test closes the socket.
		for {
			if _, _, err := staff.ReadMessage(); err != nil {
				return
			}
		}
	}()
	sendJSON(t, staff, drive(3, false))
	cells := `document.querySelector("#player-main .player-panel-output td.current") !== null && document.querySelector("#player-main td.in-window") !== null`
	for _, tab := range []liveTab{student, projector} {
		waitPage(t, tab, "the driven step", position+`.startsWith("4 of ") && `+cells+` && `+paused)
		checkStill(t, tab, "on a driven step")
		// The highlighted cells themselves, by name: a transition added to
		// them later must not hide among the other elements.
		if moving := evalPage[string](t, tab, `[...document.querySelectorAll("#player-main td.current, #player-main td.in-window, #player-main td.window-corner")].map(td => {
			const cs = getComputedStyle(td);
			return cs.transitionDuration.split(",").concat(cs.animationName === "none" ? [] : cs.animationDuration.split(","))
				.some(d => (d.trim().endsWith("ms") ? parseFloat(d) / 1000 : parseFloat(d)) > 0.00001) ? td.className + " " + cs.transitionDuration + " " + cs.animationName : "";
		}).filter(Boolean).join("\n")`); moving != "" {
			t.Errorf("%s: highlighted cells animate:\n%s", tab.name, moving)
		}
	}

	// A second move (a seek, as the scrubber sends): the highlight jumps,
	// nothing moves, and no player plays on by itself.
	sendJSON(t, staff, drive(7, false))
	for _, tab := range []liveTab{student, projector} {
		waitPage(t, tab, "the second move", position+`.startsWith("8 of ") && `+cells+` && `+paused)
		checkStill(t, tab, "after the second move")
	}
}

package web

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// playerAheadProbe wraps the first player's methods to record what it
// does with steps sent ahead of their time: when each was due (arrival +
// due_in_ms), which it showed, in order, and any it showed before its due
// time other than through a state (which shows what the server counts as
// shown already). It changes nothing the player does.
const playerAheadProbe = `(() => {
	const p = window.StridePlayers[0];
	const log = window.__ahead = { due: {}, ahead: 0, shown: [], early: [], states: [] };
	let settling = false;
	const enqueue = p.enqueue, showStep = p.showStep, settle = p.settle, apply = p.apply;
	p.enqueue = function (m) {
		if (m.type === "step") {
			log.due[m.index] = performance.now() + Math.max(0, m.due_in_ms);
			if (m.due_in_ms > 0) log.ahead++;
		}
		return enqueue.call(this, m);
	};
	p.showStep = function (s) {
		const due = log.due[s.index];
		if (!settling && due !== undefined && performance.now() < due - 1) log.early.push(s.index);
		log.shown.push(s.index);
		return showStep.call(this, s);
	};
	p.settle = function (index) {
		settling = true;
		try { return settle.call(this, index); } finally { settling = false; }
	};
	p.apply = function (m) {
		if (m.type === "state") log.states.push({ index: m.index, playing: m.playing });
		return apply.call(this, m);
	};
})()`

// TestBrowserPlayerStepsAhead: the player asks for steps ahead of their
// time (ahead_ms) and shows each at its due time, never before, in order;
// a pause leaves it on the step the server counts as current, with nothing
// still waiting to show; play then goes on from there to the end. The
// checks hold however fast the machine runs the test: they compare the
// player with the server's own answers, not with a clock.
func TestBrowserPlayerStepsAhead(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	const player = `window.StridePlayers[0]`
	const lastState = `window.__ahead.states[window.__ahead.states.length - 1]`
	step(t, ctx, "open the playground's player and play at 4 steps a second",
		chromedp.Navigate(srv.URL+"/playground"),
		chromedp.WaitVisible(chromedp.CSS("#player-main .player-app")),
		waitJS(`window.StridePlayers && window.StridePlayers[0] && !!window.StridePlayers[0].meta`),
		chromedp.Evaluate[chromedp.Void](playerAheadProbe),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#player-main [data-role=speed]"); s.value = "4"; s.dispatchEvent(new Event("change")); })()`),
		waitJS(`window.__ahead.states.length === 1`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#player-main [data-action=toggle]").click()`),
		waitJS(`window.__ahead.shown.length >= 2`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#player-main [data-action=toggle]").click()`),
		waitJS(lastState+`.playing === false && `+player+`.queue.length === 0`),
	)
	check := func(what string) {
		t.Helper()
		type probe struct {
			Ahead, Index, StateIndex int
			Shown, Early             []int
		}
		r, err := chromedp.Run(ctx, chromedp.Evaluate[probe](`({ahead: window.__ahead.ahead, shown: window.__ahead.shown, early: window.__ahead.early,
			index: `+player+`.index, stateIndex: `+lastState+`.index})`))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if r.Ahead == 0 {
			t.Errorf("%s: no step arrived ahead of its time", what)
		}
		if len(r.Early) > 0 {
			t.Errorf("%s: steps %v were shown before their due time", what, r.Early)
		}
		for i := 1; i < len(r.Shown); i++ {
			if r.Shown[i] != r.Shown[i-1]+1 && r.Shown[i] != 0 {
				t.Fatalf("%s: steps shown in the order %v", what, r.Shown)
			}
		}
		if r.Index != r.StateIndex {
			t.Errorf("%s: the player shows step %d, the server's state says %d", what, r.Index, r.StateIndex)
		}
	}
	check("paused")
	step(t, ctx, "play on to the end",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#player-main [data-action=toggle]").click()`),
		waitJS(player+`.index === `+player+`.meta.total_steps - 1 && !`+player+`.playing && `+player+`.queue.length === 0`),
		waitJS(`document.querySelector("#player-main [data-action=toggle]").textContent === "Play"`),
	)
	// After done no state comes; the last one (the play) is where play
	// went on from, so compare the end instead.
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`window.__ahead.shown`))
	if err != nil {
		t.Fatal(err)
	}
	total, err := chromedp.Run(ctx, chromedp.Evaluate[int](player+`.meta.total_steps`))
	if err != nil {
		t.Fatal(err)
	}
	// Every step once, in order, to the last; a pause that came after the
	// end (a very slow machine) makes play start over from step 0.
	if len(shown) == 0 || shown[len(shown)-1] != total-1 {
		t.Errorf("shown %v, want every one of the %d steps in order", shown, total)
	}
	for i := 1; i < len(shown); i++ {
		if shown[i] != shown[i-1]+1 && shown[i] != 0 {
			t.Fatalf("steps shown in the order %v", shown)
		}
	}
	if early, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`window.__ahead.early`)); err != nil || len(early) > 0 {
		t.Errorf("steps %v were shown before their due time (%v)", early, err)
	}
}

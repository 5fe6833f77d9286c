package web

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/exercises"
)

// Live session browser tests (issue 14 §3): an instructor and three
// students, each in a browser context of their own (own cookies, own
// storage), run a two-question session through the pages.

// liveWait bounds every wait of these tests: generous, since four pages
// and a server share a busy 2-core machine; no wait depends on it being
// short.
const liveWait = 90 * time.Second

// liveStep is step with the live tests' bound.
func liveStep(t *testing.T, tab liveTab, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, liveWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %s: %v", tab.name, what, err)
	}
}

// liveTab is one person's browser context.
type liveTab struct {
	name string
	ctx  context.Context
}

// newLiveTab opens a tab in a new browser context of the test's browser.
func newLiveTab(t *testing.T, browser context.Context, name string) liveTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: new browser context: %v", name, err)
	}
	return liveTab{name: name, ctx: ctx}
}

// waitPage waits until expr is truthy in the tab's page, across the
// reloads a live page does by itself when the session's state changes:
// a wait cut short by a reload (its document went away) is started again
// in the new document. Only the deadline ends it.
func waitPage(t *testing.T, tab liveTab, what, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, liveWait)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		last = chromedp.Do(ctx, waitJS(expr))
		if last == nil {
			return
		}
	}
	dctx, dcancel := context.WithTimeout(tab.ctx, 5*time.Second)
	defer dcancel()
	page, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 1500)`))
	t.Fatalf("%s: %s: %v (last error %v)\npage: %s", tab.name, what, ctx.Err(), last, page)
}

// evalPage evaluates expr once the page has it (after waitPage).
func evalPage[T any](t *testing.T, tab liveTab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, liveWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %s: %v", tab.name, expr, err)
	}
	return v
}

// signInTab gives the tab the instructor's session cookie.
func signInTab(t *testing.T, e *liveEnv, tab liveTab) {
	t.Helper()
	u, _ := url.Parse(e.srv.URL)
	tok, _, err := e.st.CreateSession(context.Background(), e.user.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab.ctx, network.SetCookie, network.SetCookieParams{
		Name: sessionCookie, Value: tok, Domain: u.Hostname(), Path: "/",
	}); err != nil {
		t.Fatal(err)
	}
}

// liveJoin makes the student's tab join the session with the code's link
// (the student's name is the tab's) and waits for the live page, enhanced.
func liveJoin(t *testing.T, e *liveEnv, tab liveTab) {
	t.Helper()
	liveStep(t, tab, "join",
		chromedp.Navigate(e.srv.URL+"/join?code="+e.ls.Code),
		chromedp.WaitVisible(chromedp.CSS("#join-nickname")),
		chromedp.SendKeys(chromedp.CSS("#join-nickname"), tab.name),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
	)
	waitPage(t, tab, "the live page", `document.documentElement.classList.contains("js") && document.getElementById("live-status") !== null`)
}

// liveFetchSpyJS records every fetch of the page in window.strideFetches
// (its URL and answer's status). For the reveal fragment (docs/LIVE.md)
// window.strideReveal = {force: 409} makes the page get the fragment's
// "not revealed now" instead of the server's answer (the fallback test);
// with hold: true that answer waits until the test calls
// window.strideRevealGo().
const liveFetchSpyJS = `(() => {
	if (window.strideFetches) return;
	window.strideFetches = [];
	const real = window.fetch;
	const json = (status, body) => new Response(JSON.stringify(body), {status: status, headers: {"Content-Type": "application/json"}});
	window.fetch = function (u) {
		const rec = {url: String(u), status: 0};
		window.strideFetches.push(rec);
		return real.apply(this, arguments).then(r => {
			rec.status = r.status;
			const s = window.strideReveal;
			if (s && rec.url.includes("/reveal?")) {
				if (s.force) {
					const forced = () => { rec.status = s.force; return json(s.force, {field: "q", error: "forced by the test"}); };
					if (s.hold) return new Promise(res => { window.strideRevealGo = () => res(forced()); });
					return forced();
				}
			}
			return r;
		});
	};
})()`

// liveFetch is one entry of window.strideFetches.
type liveFetch struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
}

// answerDimsAndCell types a student's two answers (the output's
// dimensions and its bottom-right cell) and submits them.
func answerDimsAndCell(t *testing.T, s liveTab, what string, a [2]string) {
	t.Helper()
	liveStep(t, s, what,
		chromedp.SendKeys(chromedp.CSS("#answer-dims"), a[0]),
		chromedp.SendKeys(chromedp.CSS("#answer-bottom-right"), a[1]),
		chromedp.Click(chromedp.CSS(`#exercise-form .form-actions button[type=submit]`)),
	)
}

// liveVersion is the page's idea of the session's state version.
const liveVersionJS = `Number((document.getElementById("live") || {dataset: {}}).dataset.liveVersion)`

func TestBrowserLiveSession(t *testing.T) {
	browser := newBrowser(t)
	e := newLiveEnv(t)
	ready := `document.documentElement.classList.contains("js")`

	// The session's variant (recitation seed) and known answers for it,
	// computed by the engine: never assumed of a seed.
	v, err := e.app.server.itemVariant(context.Background(), e.a.Items[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	square := func(n int) string { return fmt.Sprintf("%dx%d", n, n) }
	dimsRight := answerFor(t, v, "dims", exercises.StatusCorrect, "", square)
	dimsPlusOne := answerFor(t, v, "dims", exercises.StatusIncorrect, "conv.forgot-plus-one", square)
	cellRight := answerFor(t, v, "bottom-right", exercises.StatusCorrect, "", strconv.Itoa)
	cellFlipped := answerFor(t, v, "bottom-right", exercises.StatusIncorrect, "conv.flipped-kernel", strconv.Itoa)

	// The instructor: signed in (a session cookie), on the session's page.
	teacher := newLiveTab(t, browser, "instructor")
	signInTab(t, e, teacher)
	liveStep(t, teacher, "the instructor opens the session", chromedp.Navigate(e.srv.URL+e.teachURL()))
	waitPage(t, teacher, "the session page", ready+` && document.querySelector(".live-code-value").textContent === `+jsString(e.ls.Code)+
		` && document.querySelector("svg.live-qr") !== null`)

	// Three students, each in their own context, join with the code.
	students := []liveTab{newLiveTab(t, browser, "Ann"), newLiveTab(t, browser, "Ben"), newLiveTab(t, browser, "Cat")}
	for _, s := range students {
		liveStep(t, s, s.name+" joins",
			chromedp.Navigate(e.srv.URL+"/join"),
			chromedp.WaitVisible(chromedp.CSS("#join-code")),
			chromedp.SendKeys(chromedp.CSS("#join-code"), strings.ToLower(e.ls.Code)),
			chromedp.SendKeys(chromedp.CSS("#join-nickname"), s.name),
			chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		)
		waitPage(t, s, "the waiting page", ready+` && document.getElementById("live-status").textContent.includes("Waiting for your instructor")`)
	}
	waitPage(t, teacher, "three joined", `document.getElementById("live-joined").textContent === "3"`)

	// The instructor unlocks question 1; every student's page follows.
	liveStep(t, teacher, "unlock question 1", chromedp.Click(chromedp.CSS(`button[value="unlock"]`)))
	for _, s := range students {
		waitPage(t, s, "question 1 unlocked", `document.querySelector("#answer-dims") !== null && document.getElementById("live-status").textContent.includes("Answer the question")`)
	}

	// Two known mistakes and one right answer.
	answers := map[string][2]string{"Ann": {dimsRight, cellFlipped}, "Ben": {dimsPlusOne, cellRight}, "Cat": {dimsRight, cellRight}}
	for _, s := range students {
		a := answers[s.name]
		answerDimsAndCell(t, s, s.name+" answers", a)
		waitPage(t, s, "the verdicts", `document.querySelector("#verdict-dims") !== null && document.querySelector("#verdict-dims").textContent.trim() !== ""`)
	}
	waitPage(t, teacher, "the histogram", `(() => {
		const t = document.getElementById("live-parts").textContent;
		return document.getElementById("live-answered").textContent === "3" && document.getElementById("live-correct").textContent === "1" &&
			t.includes("conv.flipped-kernel") && t.includes("conv.forgot-plus-one");
	})()`)
	hist := evalPage[string](t, teacher, `[...document.querySelectorAll(".live-part")].map(p => p.getAttribute("aria-label") + ": " +
		[...p.querySelectorAll(".live-histogram li")].map(li => li.querySelector(".live-bar-label").textContent + "=" + li.querySelector(".live-bar-count").textContent).join(",")).join("; ")`)
	for _, want := range []string{"Part bottom-right: correct=2,conv.flipped-kernel=1", "Part dims: correct=2,conv.forgot-plus-one=1"} {
		if !strings.Contains(hist, want) {
			t.Errorf("instructor's histogram %q lacks %q", hist, want)
		}
	}

	// Who has answered, by name: the instructor's screen lists them, read
	// again after the counts changed (no reload: the state did not change).
	waitPage(t, teacher, "the names of who answered", `document.getElementById("live-roster-answered-n").textContent === "3" &&
		["Ann", "Ben", "Cat"].every(n => document.getElementById("live-roster-answered").textContent.includes(n))`)
	// The projector shows no names until the instructor shows them; the
	// students' pages do not reload for that choice.
	projector := newLiveTab(t, browser, "projector")
	signInTab(t, e, projector)
	liveStep(t, projector, "open the projector", chromedp.Navigate(e.srv.URL+e.teachURL()+"/projector"))
	waitPage(t, projector, "the projector", ready+` && document.querySelector("svg.live-qr") !== null && document.getElementById("live-answered").textContent === "3"`)
	if txt := evalPage[string](t, projector, `document.body.innerText`); strings.Contains(txt, "Ann") || strings.Contains(txt, "Ben") || strings.Contains(txt, "Cat") {
		t.Fatalf("the projector shows a name before the instructor chose to:\n%s", txt)
	}
	// Every student types a new answer and does not check it yet, the
	// caret inside it, the page scrolled a little. From here on the pages
	// follow the class in place (strideStay survives: no reload) and keep
	// what was typed, the focus, the caret and the scroll position, the
	// status line staying the same polite live region.
	typedAnswer := map[string]string{"Ann": "17x17", "Ben": "18x18", "Cat": "19x19"}
	for _, s := range students {
		liveStep(t, s, "type an answer, unchecked",
			chromedp.Evaluate[chromedp.Void](`(() => { window.strideStay = true; window.strideStatus = document.getElementById("live-status"); document.getElementById("answer-dims").value = ""; })()`),
			chromedp.Evaluate[chromedp.Void](liveFetchSpyJS),
			chromedp.SendKeys(chromedp.CSS("#answer-dims"), typedAnswer[s.name]),
			chromedp.Evaluate[chromedp.Void](`(() => { document.getElementById("answer-dims").setSelectionRange(2, 2);
				window.scrollTo(0, Math.min(120, document.documentElement.scrollHeight - innerHeight)); window.strideScroll = scrollY; })()`),
		)
	}
	kept := func(s liveTab) string {
		return `window.strideStay === true && document.getElementById("live-status") === window.strideStatus &&
			document.getElementById("answer-dims") !== null && document.getElementById("answer-dims").value === ` + jsString(typedAnswer[s.name])
	}
	keptFocus := ` && document.activeElement === document.getElementById("answer-dims") && document.activeElement.selectionStart === 2 &&
		Math.abs(scrollY - window.strideScroll) <= 1`
	before := evalPage[int](t, students[0], liveVersionJS)
	liveStep(t, teacher, "show names on the projector", chromedp.Click(chromedp.CSS(`button[value="show_names"]`)))
	waitPage(t, projector, "the names on the projector", `document.getElementById("live-roster") !== null &&
		["Ann", "Ben", "Cat"].every(n => document.getElementById("live-roster-answered").textContent.includes(n))`)
	for _, s := range students {
		waitPage(t, s, "the new version, without a reload", liveVersionJS+` === `+strconv.Itoa(before+1)+` && window.strideStay === true`)
	}
	noFetch := func(s liveTab, what string) {
		t.Helper()
		if got := evalPage[string](t, s, `JSON.stringify(window.strideFetches)`); got != "[]" {
			t.Errorf("%s: %s fetched %s; it applies in place", s.name, what, got)
		}
	}
	liveStep(t, teacher, "hide names again", chromedp.Click(chromedp.CSS(`button[value="hide_names"]`)))
	waitPage(t, projector, "no names on the projector", `document.getElementById("live-roster") === null && document.getElementById("live-answered") !== null &&
		!document.body.innerText.includes("Ann")`)

	// Pause reaches every student; so does the resume.
	liveStep(t, teacher, "pause everyone", chromedp.Click(chromedp.CSS(`button[value="pause"]`)))
	// In place: the form is hidden (kept, with what was typed), the
	// session's heading shows and has the focus the hidden field had.
	for _, s := range students {
		waitPage(t, s, "paused", `document.getElementById("live-status").textContent.includes("eyes on the projector") &&
			document.querySelector("#exercise-form").offsetParent === null && document.getElementById("live-title").offsetParent !== null &&
			document.activeElement === document.getElementById("live-title") && window.strideStay === true`)
	}
	liveStep(t, teacher, "resume", chromedp.Click(chromedp.CSS(`button[value="resume"]`)))
	for _, s := range students {
		waitPage(t, s, "resumed, the unchecked answer, focus and scroll kept", `document.querySelector("#exercise-form") !== null && `+kept(s)+keptFocus)
		noFetch(s, "a projector-only change, the pause and the resume")
	}

	// Before the reveal the projector shows no answer.
	if n := evalPage[int](t, projector, `document.querySelectorAll("#live-solution, details.solution").length`); n != 0 {
		t.Fatalf("the projector shows a solution before the reveal")
	}

	// Reveal reaches every student: the worked solutions open, and their
	// players follow the instructor's.
	liveStep(t, teacher, "reveal", chromedp.Click(chromedp.CSS(`button[value="reveal"]`)))
	waitPage(t, teacher, "the instructor's player ready", `(() => {
		const p = window.StridePlayers && window.StridePlayers[0];
		return document.getElementById("live").hasAttribute("data-live-drive") && p && p.meta && !p.root.querySelector(".player-app").hidden;
	})()`)
	waitPage(t, projector, "the worked solution on the projector", `document.getElementById("live-solution") !== null &&
		document.querySelectorAll("#live-solution .live-solution-part").length >= 2 &&
		document.querySelectorAll("#live-solution .live-solution-answer math, #live-solution .live-solution-steps math").length > 0 &&
		document.getElementById("live-solution").textContent.includes("Correct answer") && !document.body.innerText.includes("Ann")`)
	for _, s := range students {
		waitPage(t, s, "revealed", kept(s)+` && document.querySelectorAll("details.solution[open]").length >= 2 &&
			document.getElementById("live-status").textContent.includes("revealed the answer") &&
			document.getElementById("live-follow-status") !== null && document.getElementById("live-follow-status").textContent.includes("Following the instructor") &&
			window.StridePlayers && window.StridePlayers[0] && window.StridePlayers[0].meta`)
		// The reveal reads this learner's solutions (the reveal fragment)
		// and fetches the page only if that is not a 200 (before branch
		// livereveal's endpoint, a 404).
		fetches := evalPage[[]liveFetch](t, s, `window.strideFetches`)
		reveal := "/live/" + e.ls.Code + "/reveal?q=0"
		switch {
		case len(fetches) == 1 && strings.HasSuffix(fetches[0].URL, reveal) && fetches[0].Status == 200:
		case len(fetches) == 2 && strings.HasSuffix(fetches[0].URL, reveal) && fetches[0].Status != 200 &&
			strings.HasSuffix(fetches[1].URL, "/live/"+e.ls.Code+"?q=0"):
		default:
			t.Errorf("%s: the reveal fetched %+v; want the reveal fragment, then the page only if that was not a 200", s.name, fetches)
		}
	}

	// The driven player: steps and a seek on the instructor's player move
	// the highlighted step on every student's screen.
	position := `document.querySelector("#player-main [data-role=position]").textContent`
	current := `(() => { const c = document.querySelector("#player-main .player-panel-output td.current"); return c ? [...c.closest("tbody").querySelectorAll("td")].indexOf(c) : -1; })()`
	liveStep(t, teacher, "step three times",
		chromedp.Click(chromedp.CSS(`#player-main [data-action=step]`)),
		waitJS(position+` === "1 of " + window.StridePlayers[0].meta.total_steps`),
		chromedp.Click(chromedp.CSS(`#player-main [data-action=step]`)),
		waitJS(position+` === "2 of " + window.StridePlayers[0].meta.total_steps`),
		chromedp.Click(chromedp.CSS(`#player-main [data-action=step]`)),
		waitJS(position+` === "3 of " + window.StridePlayers[0].meta.total_steps`),
	)
	for _, s := range students {
		waitPage(t, s, "followed the steps", position+`.startsWith("3 of ") && `+current+` === 2`)
	}
	// A seek (the scrubber) to step 8.
	liveStep(t, teacher, "seek",
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#player-main [data-role=scrubber]"); s.value = "7"; s.dispatchEvent(new Event("input")); s.dispatchEvent(new Event("change")); })()`),
		waitJS(position+`.startsWith("8 of ")`),
	)
	for _, s := range students {
		waitPage(t, s, "followed the seek", position+`.startsWith("8 of ") && `+current+` === 7 && document.querySelector("#player-main [data-role=sum]").textContent.includes("=")`)
	}
	// The instructor's screen survives a reload: the page is rendered from
	// the session's state, and its player starts where the class's is.
	liveStep(t, teacher, "reload the instructor's page", chromedp.Reload())
	waitPage(t, teacher, "the player restored", `document.getElementById("live").hasAttribute("data-live-drive") && window.StridePlayers[0].meta && `+
		position+`.startsWith("8 of ") && document.getElementById("live-state").textContent.includes("answer revealed")`)

	// A student who takes their own controls stops following; the others
	// still follow; re-following catches up.
	ann := students[0]
	liveStep(t, ann, "Ann steps on her own", chromedp.Click(chromedp.CSS(`#player-main [data-action=first]`)))
	waitPage(t, ann, "detached", `document.getElementById("live-follow-status").textContent.includes("on your own") && `+position+`.startsWith("1 of ")`)
	liveStep(t, teacher, "step again",
		chromedp.Click(chromedp.CSS(`#player-main [data-action=step]`)),
		waitJS(position+`.startsWith("9 of ")`),
	)
	for _, s := range students[1:] {
		waitPage(t, s, "followed the step", position+`.startsWith("9 of ")`)
	}
	if got := evalPage[string](t, ann, position); !strings.HasPrefix(got, "1 of ") {
		t.Errorf("a detached student's player moved: %q", got)
	}
	liveStep(t, ann, "Ann follows again", chromedp.Click(chromedp.CSS(`#live-follow-toggle`)))
	waitPage(t, ann, "following again", `document.getElementById("live-follow-status").textContent.includes("Following") && `+position+`.startsWith("9 of ")`)

	// Question 2: next, then unlock; every student is on it.
	liveStep(t, teacher, "next question", chromedp.Click(chromedp.CSS(`button[value="next"]`)))
	waitPage(t, teacher, "question 2", `document.getElementById("live-question").textContent === "Question 2 of 2" && document.querySelector('button[value="unlock"]') !== null &&
		document.getElementById("live").hasAttribute("data-live-synced")`)
	liveStep(t, teacher, "unlock question 2", chromedp.Click(chromedp.CSS(`button[value="unlock"]`)))
	for _, s := range students {
		waitPage(t, s, "question 2 unlocked", `document.querySelector(".eyebrow").textContent.includes("Question 2 of 2") && document.querySelector("#answer-dims") !== null &&
			document.querySelector("#answer-dims").value === "" && document.getElementById("live-follow-status") === null &&
			window.strideStay === true && location.search === "?q=1"`)
	}

	// The instructor's counts are question 2's: none yet, no bar of
	// question 1's answers.
	waitPage(t, teacher, "question 2's counts, empty", `document.getElementById("live-question").textContent === "Question 2 of 2" &&
		document.getElementById("live").hasAttribute("data-live-synced") && document.getElementById("live-answered").textContent === "0" &&
		document.querySelectorAll(".live-histogram li").length === 0`)
	// Every student answers question 2 (its own variant, answers computed
	// for it), differently from question 1: every dims right, two flipped
	// kernels. The histogram then has question 2's answers alone; question
	// 1's buckets (a forgot-plus-one, two right bottom-right cells) would
	// show in it as extra bars or larger counts.
	v2, err := e.app.server.itemVariant(context.Background(), e.a.Items[1], 0)
	if err != nil {
		t.Fatal(err)
	}
	dims2Right := answerFor(t, v2, "dims", exercises.StatusCorrect, "", square)
	cell2Right := answerFor(t, v2, "bottom-right", exercises.StatusCorrect, "", strconv.Itoa)
	cell2Flipped := answerFor(t, v2, "bottom-right", exercises.StatusIncorrect, "conv.flipped-kernel", strconv.Itoa)
	answers2 := map[string][2]string{"Ann": {dims2Right, cell2Flipped}, "Ben": {dims2Right, cell2Flipped}, "Cat": {dims2Right, cell2Right}}
	for _, s := range students {
		a := answers2[s.name]
		answerDimsAndCell(t, s, s.name+" answers question 2", a)
		waitPage(t, s, "question 2's verdicts", `document.querySelector("#verdict-dims") !== null && document.querySelector("#verdict-dims").textContent.trim() !== "" &&
			location.search === "?q=1"`)
	}
	waitPage(t, teacher, "question 2's histogram", `document.getElementById("live-question").textContent === "Question 2 of 2" &&
		document.getElementById("live-answered").textContent === "3" && document.getElementById("live-correct").textContent === "1" &&
		document.getElementById("live-parts").textContent.includes("conv.flipped-kernel")`)
	bars := evalPage[map[string]map[string]string](t, teacher, `Object.fromEntries([...document.querySelectorAll(".live-part")].map(p => [p.getAttribute("aria-label"),
		Object.fromEntries([...p.querySelectorAll(".live-histogram li")].map(li => [li.querySelector(".live-bar-label").textContent, li.querySelector(".live-bar-count").textContent]))]))`)
	for part, want := range map[string]map[string]string{
		"Part dims":         {"correct": "3"},
		"Part bottom-right": {"correct": "1", "conv.flipped-kernel": "2"},
	} {
		if got := bars[part]; !maps.Equal(got, want) {
			t.Errorf("question 2's histogram, %s: %v, want %v (question 2's answers alone); all parts: %v", part, got, want, bars)
		}
	}
}

// TestBrowserLiveAxe: the instructor's, the projector's and a student's
// live pages pass axe-core (WCAG 2.2 AA and the best practices the other
// pages pass), light and dark, desktop and phone, in the state with the
// most on them: answers counted, the answer revealed, the player driven.
func TestBrowserLiveAxe(t *testing.T) {
	browser := newBrowser(t)
	e := newLiveEnv(t)
	ready := `document.documentElement.classList.contains("js")`
	v, err := e.app.server.itemVariant(context.Background(), e.a.Items[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	flipped := answerFor(t, v, "bottom-right", exercises.StatusIncorrect, "conv.flipped-kernel", strconv.Itoa)
	for i, name := range []string{"Ann", "Ben"} {
		d := e.device()
		e.join(d, name)
		if i == 0 {
			e.control("unlock")
		}
		e.answer(d, 0, map[string]string{"dims": "3x3", "bottom-right": flipped})
	}
	student := newLiveTab(t, browser, "student")
	liveStep(t, student, "join",
		chromedp.Navigate(e.srv.URL+"/join?code="+e.ls.Code),
		chromedp.WaitVisible(chromedp.CSS("#join-nickname")),
		chromedp.SendKeys(chromedp.CSS("#join-nickname"), "Cat"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
	)
	waitPage(t, student, "the question", ready+` && document.querySelector("#answer-dims") !== null`)
	e.control("reveal")
	waitPage(t, student, "revealed", `document.getElementById("live-follow-status") !== null && window.StridePlayers[0].meta`)

	teacher := newLiveTab(t, browser, "instructor")
	signInTab(t, e, teacher)
	pages := []struct {
		tab  liveTab
		path string
		ok   string
	}{
		{teacher, e.teachURL(), `document.querySelector(".live-histogram") !== null && window.StridePlayers[0].meta`},
		{teacher, e.teachURL() + "/projector", `document.querySelector("svg.live-qr") !== null && window.StridePlayers[0].meta && document.getElementById("live-solution") !== null`},
		{student, "/live/" + e.ls.Code, `window.StridePlayers[0].meta`},
	}
	for _, p := range pages {
		liveStep(t, p.tab, "open "+p.path, chromedp.Navigate(e.srv.URL+p.path))
		waitPage(t, p.tab, p.path, ready+" && "+p.ok)
		for _, m := range axeModes {
			setMode(t, p.tab.ctx, m)
			reportAxe(t, m.name+" "+p.path, runAxe(t, p.tab.ctx, m))
		}
		// 360 px, light and dark: axe, and nothing wider than the
		// screen (the revealed worked solution, its math, the player).
		for _, m := range []viewMode{{"360px light", 360, 740, false}, {"360px dark", 360, 740, true}} {
			setMode(t, p.tab.ctx, m)
			reportAxe(t, m.name+" "+p.path, runAxe(t, p.tab.ctx, m))
			if w := evalPage[int](t, p.tab, `document.documentElement.scrollWidth`); w > 360 {
				wide := evalPage[string](t, p.tab, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 361 &&
					![...e.children].some(c => c.getBoundingClientRect().right > 361)).slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join("; ")`)
				t.Errorf("%s %s: the page is %d px wide; widest: %s", m.name, p.path, w, wide)
			}
		}
		setMode(t, p.tab.ctx, axeModes[0])
	}
}

// liveTextContrastJS lists each element under #live with text of its own
// (shown: not a meter's fallback): whether it is in a link, whether its
// colour is the live section's own text colour (full: no muted grey), and
// the contrast ratio (WCAG 2) of its colour against the background it is drawn on (the backgrounds of it and
// its ancestors, composited over the white canvas). A colour in a form it
// cannot read throws: a new colour syntax must not pass for good contrast.
const liveTextContrastJS = `(() => {
	const rgba = c => {
		const m = c.match(/^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/);
		if (!m) throw new Error("colour " + c);
		return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
	};
	const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
	const background = el => {
		const layers = [];
		for (let e = el; e; e = e.parentElement) {
			const c = rgba(getComputedStyle(e).backgroundColor);
			if (c[3] > 0) layers.push(c);
			if (c[3] === 1) break;
		}
		return layers.reduceRight((under, top) => over(top, under), [255, 255, 255, 1]);
	};
	const lum = c => {
		const ch = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
		return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
	};
	const out = [];
	for (const el of document.querySelectorAll("#live *")) {
		if (el.closest("svg") || el.tagName === "METER" || el.getClientRects().length === 0) continue;
		if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== "")) continue;
		const cs = getComputedStyle(el);
		if (cs.visibility !== "visible") continue;
		const bg = background(el);
		const fg = over(rgba(cs.color), bg);
		const a = lum(fg) + 0.05, b = lum(bg) + 0.05;
		out.push({what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : ""),
			text: el.textContent.trim().slice(0, 40), link: el.closest("a") !== null, contrast: Math.max(a, b) / Math.min(a, b),
			full: cs.color === getComputedStyle(document.getElementById("live")).color});
	}
	return out;
})()`

// liveText is one entry of liveTextContrastJS's list.
type liveText struct {
	What     string  `json:"what"`
	Text     string  `json:"text"`
	Link     bool    `json:"link"`
	Contrast float64 `json:"contrast"`
	Full     bool    `json:"full"`
}

// liveSizesJS reads the computed font size (px) of the page's body and of
// the live page's main text: its heading, the counts, the question, the
// state line, the join code and a histogram bar's count (0: not there).
const liveSizesJS = `(() => {
	const px = sel => { const el = document.querySelector(sel); return el ? parseFloat(getComputedStyle(el).fontSize) : 0; };
	return {body: px("body"), heading: px("#live-title"), counts: px(".live-totals"), answered: px("#live-answered"), question: px("#live-question"),
		state: px("#live-state"), code: px(".live-code-value"), bar: px(".live-histogram .live-bar-count")};
})()`

// TestBrowserLiveProjectorLarge (docs/LIVE.md: the projector's "large
// type", its text "full contrast (no muted greys)", light and dark): on a
// desktop screen the projector's heading, counts, question, state line,
// join code and histogram are at least 1.5 times the type of a normal page
// (the instructor's page of the same session: its body, and the same
// element on it), and every text on it is at least 7:1 against what it is
// drawn on (WCAG's enhanced contrast), the join link included; text other
// than a link is in the projector's own text colour (no muted grey, the
// "Scan to join" caption included).
func TestBrowserLiveProjectorLarge(t *testing.T) {
	browser := newBrowser(t)
	e := newLiveEnv(t)
	ready := `document.documentElement.classList.contains("js")`
	// One answer, so that the counts and a histogram show.
	d := e.device()
	e.join(d, "Ann")
	e.control("unlock")
	e.answer(d, 0, map[string]string{"dims": "3x3", "bottom-right": "1"})
	teacher := newLiveTab(t, browser, "instructor")
	signInTab(t, e, teacher)
	liveStep(t, teacher, "open the session", chromedp.Navigate(e.srv.URL+e.teachURL()))
	waitPage(t, teacher, "the session page", ready+` && document.getElementById("live-answered").textContent === "1" && document.querySelector(".live-histogram li") !== null`)
	projector := newLiveTab(t, browser, "projector")
	signInTab(t, e, projector)
	liveStep(t, projector, "open the projector", chromedp.Navigate(e.srv.URL+e.teachURL()+"/projector"))
	waitPage(t, projector, "the projector", ready+` && document.querySelector("svg.live-qr") !== null && document.getElementById("live-answered").textContent === "1" &&
		document.querySelector(".live-histogram li") !== null`)

	for _, m := range axeModes[:2] { // desktop, light and dark
		setMode(t, teacher.ctx, m)
		setMode(t, projector.ctx, m)
		normal := evalPage[map[string]float64](t, teacher, liveSizesJS)
		big := evalPage[map[string]float64](t, projector, liveSizesJS)
		if normal["body"] < 10 {
			t.Fatalf("%s: the instructor's page's body type is %v px", m.name, normal["body"])
		}
		for _, k := range []string{"heading", "counts", "answered", "question", "state", "code", "bar"} {
			if big[k] < 1.5*normal["body"] {
				t.Errorf("%s: the projector's %s is %v px, under 1.5 times a page's body type (%v px)", m.name, k, big[k], normal["body"])
			}
			// The same element, larger than on the instructor's screen (a
			// heading, large there too, by less).
			if k == "heading" {
				if big[k] <= normal[k] {
					t.Errorf("%s: the projector's heading is %v px, no larger than on the instructor's page (%v px)", m.name, big[k], normal[k])
				}
			} else if big[k] < 1.5*normal[k] {
				t.Errorf("%s: the projector's %s is %v px, under 1.5 times the instructor's page's (%v px)", m.name, k, big[k], normal[k])
			}
		}
		texts := evalPage[[]liveText](t, projector, liveTextContrastJS)
		seen := map[string]bool{}
		for _, x := range texts {
			seen[x.What] = true
			floor := 7.0 // the join link too: it is read from the back of the room
			if x.Contrast < floor {
				t.Errorf("%s: projector text %s %q has contrast %.2f:1, under %.1f:1", m.name, x.What, x.Text, x.Contrast, floor)
			}
			if !x.Link && !x.Full {
				t.Errorf("%s: projector text %s %q is not in the projector's text colour (a muted colour)", m.name, x.What, x.Text)
			}
		}
		for _, want := range []string{"h1#live-title", "p.live-totals", "span#live-answered", "strong.live-code-value", "span.live-bar-count", "figcaption.muted"} {
			if !seen[want] {
				t.Errorf("%s: the projector's contrast check did not see %s (it saw %d texts)", m.name, want, len(texts))
			}
		}
	}
}

// TestBrowserLivePlayPause: after the reveal, Play on the instructor's
// player sets every student's player playing, at the instructor's speed
// (steps coming, its button saying Pause); Pause on the instructor's stops
// them, each on the step the instructor's stopped at (before the last, so
// that a player that ran to its end cannot pass for a paused one).
func TestBrowserLivePlayPause(t *testing.T) {
	browser := newBrowser(t)
	e := newLiveEnv(t)
	ready := `document.documentElement.classList.contains("js")`
	e.control("unlock")
	students := []liveTab{newLiveTab(t, browser, "Ann"), newLiveTab(t, browser, "Ben")}
	for _, s := range students {
		liveJoin(t, e, s)
		waitPage(t, s, "the question", `document.querySelector("#answer-dims") !== null`)
	}
	e.control("reveal")
	p := `window.StridePlayers[0]`
	toggle := `document.querySelector("#player-main [data-action=toggle]").textContent`
	paused := `!` + p + `.playing && ` + toggle + ` === "Play"`
	for _, s := range students {
		waitPage(t, s, "revealed, following, paused", `document.getElementById("live-follow-status") !== null &&
			document.getElementById("live-follow-status").textContent.includes("Following the instructor") &&
			window.StridePlayers && `+p+` && `+p+`.meta && `+paused)
	}
	teacher := newLiveTab(t, browser, "instructor")
	signInTab(t, e, teacher)
	liveStep(t, teacher, "open the session", chromedp.Navigate(e.srv.URL+e.teachURL()))
	waitPage(t, teacher, "the instructor's player", ready+` && document.getElementById("live").hasAttribute("data-live-drive") &&
		document.getElementById("live").hasAttribute("data-live-synced") && window.StridePlayers && `+p+` && `+p+`.meta &&
		!`+p+`.root.querySelector(".player-app").hidden && `+paused)
	// The slowest speed (0.5 steps/s): the students' players are seen
	// playing long before the end.
	liveStep(t, teacher, "the slowest speed",
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#player-main [data-role=speed]"); s.value = "0.5"; s.dispatchEvent(new Event("change")); })()`))
	liveStep(t, teacher, "press Play", chromedp.Click(chromedp.CSS(`#player-main [data-action=toggle]`)))
	waitPage(t, teacher, "playing", p+`.playing && `+toggle+` === "Pause"`)
	playing := p + `.playing && ` + toggle + ` === "Pause" && document.querySelector("#player-main [data-role=speed]").value === "0.5"`
	for _, s := range students {
		waitPage(t, s, "playing with the instructor", playing)
		// Steps come: the player moves on by itself while it plays.
		at := evalPage[int](t, s, p+`.index`)
		waitPage(t, s, "moving on", p+`.index > `+strconv.Itoa(at)+` && `+playing)
	}

	liveStep(t, teacher, "press Pause", chromedp.Click(chromedp.CSS(`#player-main [data-action=toggle]`)))
	waitPage(t, teacher, "paused", paused)
	stop := evalPage[[2]int](t, teacher, `[`+p+`.index, `+p+`.meta.total_steps]`)
	if stop[0] < 0 || stop[0] >= stop[1]-1 {
		t.Fatalf("the instructor's player paused at step index %d of %d: want a step shown, before the last", stop[0], stop[1])
	}
	for _, s := range students {
		waitPage(t, s, "paused with the instructor", paused+` && `+p+`.index === `+strconv.Itoa(stop[0])+` &&
			document.querySelector("#player-main [data-role=position]").textContent.startsWith("`+strconv.Itoa(stop[0]+1)+` of ")`)
	}
}

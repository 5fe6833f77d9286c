package web

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserLiveInPlace (issue 14, "Students' pages follow instantly"):
// a student's page applies what it can of the class's state without a
// request (docs/LIVE.md, "A student page follows the class in place"):
// closing and opening answering, a pause and a resume, hiding an answer
// revealed in place, each said in the status line with the server's words,
// keeping what was typed, the focus, the caret and the scroll position;
// the reveal reads the solutions alone (the reveal fragment). It fetches
// the page when it must: the fragment answers anything but a 200, the
// answer is hidden on a page rendered revealed, the page was loaded paused
// and the room resumes, another question. The in-place views (closed,
// paused, revealed) pass axe-core light and dark, desktop, phone and
// 360 px.
func TestBrowserLiveInPlace(t *testing.T) {
	browser := newBrowser(t)
	e := newLiveEnv(t)
	ready := `document.documentElement.classList.contains("js")`

	modes := append(append([]viewMode{}, axeModes...), viewMode{"360px light", 360, 740, false}, viewMode{"360px dark", 360, 740, true})
	stu := newLiveTab(t, browser, "Kim")
	axe := func(what string) {
		t.Helper()
		for _, m := range modes {
			setMode(t, stu.ctx, m)
			reportAxe(t, m.name+" "+what, runAxe(t, stu.ctx, m))
			if m.width == 360 {
				if w := evalPage[int](t, stu, `document.documentElement.scrollWidth`); w > 360 {
					t.Errorf("%s %s: the page is %d px wide", m.name, what, w)
				}
			}
		}
		setMode(t, stu.ctx, axeModes[0])
	}
	fetches := func() []liveFetch { return evalPage[[]liveFetch](t, stu, `window.strideFetches`) }
	noFetch := func(what string) {
		t.Helper()
		if f := fetches(); len(f) != 0 {
			t.Errorf("%s fetched %+v; it applies in place", what, f)
		}
	}
	resetFetches := func() {
		liveStep(t, stu, "forget the fetches", chromedp.Evaluate[chromedp.Void](`window.strideFetches.length = 0`))
	}
	status := func(text string) string {
		return `document.getElementById("live-status").textContent === ` + jsString(text) + ` && window.strideStay === true && ` +
			`document.getElementById("live-status") === window.strideStatus`
	}
	stay := func() {
		liveStep(t, stu, "mark the page", chromedp.Evaluate[chromedp.Void](`(() => { window.strideStay = true; window.strideStatus = document.getElementById("live-status"); })()`),
			chromedp.Evaluate[chromedp.Void](liveFetchSpyJS))
	}

	liveStep(t, stu, "join",
		chromedp.Navigate(e.srv.URL+"/join?code="+e.ls.Code),
		chromedp.WaitVisible(chromedp.CSS("#join-nickname")),
		chromedp.SendKeys(chromedp.CSS("#join-nickname"), "Kim"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
	)
	waitPage(t, stu, "waiting", ready+` && document.getElementById("live-status").textContent === `+jsString(liveMsgWaiting))
	stay()
	e.control("unlock")
	// The page had no form: it fetches the page.
	waitPage(t, stu, "the question", status(liveMsgOpen)+` && document.querySelector("#answer-dims") !== null`)
	if f := fetches(); len(f) != 1 || !strings.HasSuffix(f[0].URL, "/live/"+e.ls.Code+"?q=0") {
		t.Errorf("the unlock fetched %+v; want the page once", f)
	}
	resetFetches()

	// Typed, unchecked; the caret inside; scrolled a little.
	typing := `(() => { const f = document.getElementById("answer-dims"); f.focus(); f.value = "5x5"; f.dispatchEvent(new Event("input", {bubbles: true}));
		f.setSelectionRange(1, 1); window.scrollTo(0, Math.min(150, document.documentElement.scrollHeight - innerHeight)); window.strideScroll = scrollY; })()`
	liveStep(t, stu, "type", chromedp.Evaluate[chromedp.Void](typing))
	kept := `document.getElementById("answer-dims").value === "5x5" && document.activeElement === document.getElementById("answer-dims") &&
		document.activeElement.selectionStart === 1 && Math.abs(scrollY - window.strideScroll) <= 1`

	// Close and open: the class and the server's words, nothing fetched.
	e.control("close")
	waitPage(t, stu, "closed in place", status(liveMsgClosed)+` && document.getElementById("live").classList.contains("live-closed") &&
		!document.getElementById("live").classList.contains("live-open") && document.getElementById("exercise-form").offsetParent !== null && `+kept)
	noFetch("closing")
	axe("closed in place")
	e.control("open")
	waitPage(t, stu, "open in place", status(liveMsgOpen)+` && document.getElementById("live").classList.contains("live-open") &&
		document.getElementById("answer-dims").value === "5x5"`)
	noFetch("opening")

	// Pause and resume: the focus goes to the session's heading and comes
	// back with the caret; the scroll position comes back.
	liveStep(t, stu, "type again", chromedp.Evaluate[chromedp.Void](typing))
	e.control("pause")
	waitPage(t, stu, "paused in place", status(liveMsgPaused)+` && document.getElementById("live").classList.contains("live-paused") &&
		document.getElementById("exercise-form").offsetParent === null && document.getElementById("live-title").offsetParent !== null &&
		document.activeElement === document.getElementById("live-title")`)
	e.control("resume")
	waitPage(t, stu, "resumed in place", status(liveMsgOpen)+` && document.getElementById("live-title").hidden && `+kept)
	noFetch("the pause and the resume")

	// The reveal reads the fragment alone; the solutions go in the slots,
	// the player unlocks and follows.
	e.control("reveal")
	revealed := status(liveMsgOpen+liveMsgRevealedSuffix) + ` && document.querySelectorAll("details.solution[open]").length >= 2 &&
		document.getElementById("live-follow-status") !== null && document.getElementById("answer-dims").value === "5x5"`
	waitPage(t, stu, "revealed in place", revealed+` && document.getElementById("live").hasAttribute("data-live-follow")`)
	if f := fetches(); len(f) != 1 || !strings.HasSuffix(f[0].URL, "/live/"+e.ls.Code+"/reveal?q=0") || f[0].Status != 200 {
		t.Errorf("the reveal fetched %+v; want the reveal fragment alone", f)
	}
	waitPage(t, stu, "the player", `window.StridePlayers && window.StridePlayers[0] && window.StridePlayers[0].meta`)
	axe("revealed in place")
	resetFetches()

	// Hide: the slots get back what they had, the player stops following;
	// the focus on the removed "follow" button goes to the heading.
	liveStep(t, stu, "focus the follow button", chromedp.Focus(chromedp.CSS("#live-follow-toggle")))
	e.control("hide")
	waitPage(t, stu, "hidden in place", status(liveMsgOpen)+` && document.querySelectorAll("details.solution").length === 0 &&
		document.querySelector("#solution-dims .solution-locked") !== null && document.getElementById("live-follow-status") === null &&
		!document.getElementById("live").hasAttribute("data-live-follow") && document.activeElement === document.getElementById("exercise-title")`)
	noFetch("hiding an answer revealed in place")

	// A fragment refused (409) because the answer was hidden again while
	// it was on its way: the page follows the newer state in place and
	// fetches nothing more (static/live.js, afterRefusal).
	liveStep(t, stu, "hold the fragment's 409", chromedp.Evaluate[chromedp.Void](`window.strideReveal = {force: 409, hold: true}`))
	e.control("reveal")
	waitPage(t, stu, "the fragment on its way", `window.strideFetches.length === 1 && typeof window.strideRevealGo === "function"`)
	hub, ok := e.app.server.live.mgr.Lookup(e.ls.ID)
	if !ok {
		t.Fatal("the session's hub is not open")
	}
	hid := hub.State().Version + 1
	e.control("hide")
	waitPage(t, stu, "the hide heard", `document.getElementById("live").dataset.liveLatest === "`+strconv.FormatInt(hid, 10)+`"`)
	liveStep(t, stu, "the fragment answers 409", chromedp.Evaluate[chromedp.Void](`window.strideRevealGo()`))
	waitPage(t, stu, "hidden after the refusal", status(liveMsgOpen)+` && document.getElementById("live").dataset.liveVersion === "`+strconv.FormatInt(hid, 10)+`" &&
		document.querySelectorAll("details.solution").length === 0 && document.getElementById("answer-dims").value === "5x5"`)
	if f := fetches(); len(f) != 1 || f[0].Status != 409 {
		t.Errorf("a 409 the hide explains fetched %+v; want the fragment alone", f)
	}
	resetFetches()

	// A fragment that is not a 200 with no newer state (a replica that has
	// not heard of the reveal yet): after a few seconds the page is
	// fetched instead, and shows the reveal.
	liveStep(t, stu, "the fragment answers 409", chromedp.Evaluate[chromedp.Void](`window.strideReveal = {force: 409}`))
	e.control("reveal")
	waitPage(t, stu, "revealed by the page", revealed+` && document.querySelector("#solution-dims") === null`)
	if f := fetches(); len(f) != 2 || f[0].Status != 409 || !strings.HasSuffix(f[1].URL, "/live/"+e.ls.Code+"?q=0") {
		t.Errorf("after a 409 fragment the page fetched %+v; want the fragment, then the page", f)
	}
	resetFetches()
	// Hidden on a page rendered revealed: the server's
	// template[data-live-unrevealed] markup goes back in each slot, no
	// request; the focus on a solution that goes moves to the heading.
	if n := evalPage[int](t, stu, `document.querySelectorAll("#live template[data-live-unrevealed]").length`); n < 2 {
		t.Errorf("a page rendered revealed has %d template[data-live-unrevealed]; want one per solution", n)
	}
	liveStep(t, stu, "focus a worked solution", chromedp.Focus(chromedp.CSS("details.solution summary")))
	e.control("hide")
	waitPage(t, stu, "hidden in place (rendered reveal)", status(liveMsgOpen)+` && document.querySelectorAll("details.solution").length === 0 &&
		document.querySelector("#solution-dims .solution-locked") !== null && document.querySelectorAll("template[data-live-unrevealed]").length === 0 &&
		!document.getElementById("live").hasAttribute("data-live-revealed") && document.activeElement === document.getElementById("exercise-title")`)
	noFetch("hiding a rendered reveal")
	sameAsFresh(t, stu, "hidden in place (rendered reveal)", "#live-status, [id^=solution-], [id^=model-body-]")

	// Paused in place: axe; then a page loaded paused fetches the page on
	// the resume (it has no form).
	e.control("pause")
	waitPage(t, stu, "paused again", status(liveMsgPaused))
	axe("paused in place")
	liveStep(t, stu, "reload", chromedp.Reload())
	waitPage(t, stu, "loaded paused", ready+` && document.getElementById("live-status").textContent === `+jsString(liveMsgPaused)+
		` && document.querySelector("#exercise-form") === null`)
	stay()
	e.control("resume")
	waitPage(t, stu, "the form after the resume", status(liveMsgOpen)+` && document.querySelector("#answer-dims") !== null`)
	if f := fetches(); len(f) != 1 || !strings.HasSuffix(f[0].URL, "/live/"+e.ls.Code+"?q=0") {
		t.Errorf("the resume of a page loaded paused fetched %+v; want the page once", f)
	}
	resetFetches()

	// Next, to a question still locked: the page draws it in place (what
	// the server renders: heading, "Question 2 of 2", the status line, its
	// URLs, no form, player or solution of the old question), no request;
	// the focus in the old form goes to the heading.
	liveStep(t, stu, "focus the answer", chromedp.Focus(chromedp.CSS("#answer-dims")))
	e.control("next")
	q2 := `document.querySelector(".eyebrow").textContent === "Live session ` + e.ls.Code + ` · Question 2 of 2" && document.getElementById("live").dataset.liveQuestion === "1" && `
	waitPage(t, stu, "question 2 in place", status(liveMsgWaiting)+` && `+q2+`document.querySelector("#exercise-form, article.exercise, details.solution, [data-player]") === null &&
		document.getElementById("live-title").offsetParent !== null && document.activeElement === document.getElementById("live-title") &&
		location.search === "?q=1" && document.querySelector(".live-refresh a").getAttribute("href").endsWith("?q=1") &&
		document.getElementById("live").dataset.liveReveal.endsWith("/reveal?q=1")`)
	noFetch("next to a locked question")
	sameAsFresh(t, stu, "question 2 in place", "#live")
	axe("question 2 in place")

	// Unlock: now the form is needed: one request, the page of question 2.
	e.control("unlock")
	waitPage(t, stu, "question 2's form", status(liveMsgOpen)+` && `+q2+`document.querySelector("#answer-dims") !== null &&
		document.querySelectorAll("nav[aria-label='Unlocked questions'] a").length === 2`)
	if f := fetches(); len(f) != 1 || !strings.HasSuffix(f[0].URL, "/live/"+e.ls.Code+"?q=1") {
		t.Errorf("the unlock after next fetched %+v; want the page once", f)
	}
	resetFetches()

	// Paused, then back to question 1: drawn in place without a form, the
	// nav's current link moved; the resume fetches the form.
	e.control("pause")
	waitPage(t, stu, "question 2 paused", status(liveMsgPaused))
	e.control("prev")
	waitPage(t, stu, "question 1 paused in place", status(liveMsgPaused)+` && document.getElementById("live").dataset.liveQuestion === "0" &&
		document.querySelector("#exercise-form, article.exercise") === null &&
		document.querySelector("nav[aria-label='Unlocked questions'] a[aria-current=page]").textContent === "Question 1"`)
	noFetch("prev while paused")
	sameAsFresh(t, stu, "question 1 paused in place", "#live")
	e.control("resume")
	waitPage(t, stu, "question 1's form", status(liveMsgOpen)+` && document.querySelector("#answer-dims") !== null`)
	if f := fetches(); len(f) != 1 || !strings.HasSuffix(f[0].URL, "/live/"+e.ls.Code+"?q=0") {
		t.Errorf("the resume after prev fetched %+v; want the page once", f)
	}
}

// liveCanonJS describes an element's meaningful content, one line per
// element and text: tag, attributes sorted (classes as a set), text with
// spaces collapsed; whitespace between elements is left out.
const liveCanonJS = `(el) => {
	const out = [];
	const walk = (n, d) => {
		if (n.nodeType === 3) {
			const t = n.textContent.replace(/\s+/g, " ").trim();
			if (t) out.push(d + "text " + t);
			return;
		}
		if (n.nodeType !== 1) return;
		// data-live-latest is the newest state the page heard (live.js), not content.
		const attrs = Array.from(n.attributes).filter(a => a.name !== "data-live-latest").map(a => a.name === "class" ? "class=" + a.value.split(/\s+/).filter(Boolean).sort().join(" ") : a.name + "=" + a.value).sort();
		out.push(d + n.tagName + " " + attrs.join(" "));
		if (n.tagName === "TEMPLATE") n = n.content;
		n.childNodes.forEach(c => walk(c, d + " "));
	};
	walk(el, "");
	return out;
}`

// sameAsFresh compares what the student page shows of sel (a CSS
// selector; every element it matches), as live.js made it in place, with
// the page the server renders for the same state (a fresh load of the
// page's address, read without the fetch spy): their meaningful content
// must be the same. sel "#live" is the whole page but for its layout.
func sameAsFresh(t *testing.T, tab liveTab, what, sel string) {
	t.Helper()
	js := `new Promise((ok, fail) => {
		const one = ` + liveCanonJS + `;
		const sel = ` + jsString(sel) + `;
		const canon = (doc) => Array.from(doc.querySelectorAll(sel)).flatMap(one);
		const x = new XMLHttpRequest();
		x.open("GET", location.href);
		x.onload = () => {
			const a = canon(document), b = canon(new DOMParser().parseFromString(x.responseText, "text/html"));
			if (a.length === 0) {
				ok("nothing matches " + sel);
				return;
			}
			for (let i = 0; i < Math.max(a.length, b.length); i++) {
				if (a[i] !== b[i]) {
					ok("line " + i + ":\n in place: " + a[i] + "\n fresh:    " + b[i]);
					return;
				}
			}
			ok("");
		};
		x.onerror = () => fail(new Error("fresh load failed"));
		x.send();
	})`
	ctx, cancel := context.WithTimeout(tab.ctx, liveWait)
	defer cancel()
	diff, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %s: compare with a fresh load: %v", tab.name, what, err)
	}
	if diff != "" {
		t.Errorf("%s: the page in place differs from a fresh load of the same state at %s", what, diff)
	}
}

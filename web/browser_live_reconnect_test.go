package web

import (
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// liveSocketSpyJS runs before a page's own scripts (addInitScript): it
// lists every live socket the page opens (its /live/<code>/ws socket, not
// the player's) in window.strideLiveSockets, and lets the test take the
// page offline: while window.strideOffline is true, a live socket the page
// opens asks for a path the server has no socket at, so its handshake
// fails (an error, then a close) as one into a dead network does. Chromium's
// network emulation (offline, blocked URLs) leaves WebSockets alone, hence
// this. The page's own code is unchanged: it still sees a WebSocket.
const liveSocketSpyJS = `(() => {
	const Real = window.WebSocket;
	if (!Real || window.strideLiveSockets) return;
	window.strideLiveSockets = [];
	window.strideOffline = false;
	window.WebSocket = class extends Real {
		constructor(url, protocols) {
			const live = /\/live\/[^/]+\/ws$/.test(String(url));
			const offline = live && window.strideOffline;
			super(offline ? String(url) + "-offline" : url, protocols);
			if (live) {
				this.strideOffline = offline;
				window.strideLiveSockets.push(this);
			}
		}
	};
})()`

// liveSocketOpen: the page's newest live socket is a real one, and open.
const liveSocketOpen = `(() => { const s = window.strideLiveSockets; return s.length > 0 && !s[s.length - 1].strideOffline && s[s.length - 1].readyState === 1; })()`

// liveRefusedJS counts the page's reconnects refused while offline.
const liveRefusedJS = `window.strideLiveSockets.filter(s => s.strideOffline && s.readyState === 3).length`

// addInitScript makes script run in every new document of the tab, before
// the page's own scripts.
func addInitScript(t *testing.T, tab liveTab, script string) {
	t.Helper()
	if _, err := chromedp.Call(tab.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script}); err != nil {
		t.Fatalf("%s: add an init script: %v", tab.name, err)
	}
}

// TestBrowserLiveReconnect: a student's page whose live socket drops keeps
// trying to reconnect; what the instructor does while it is away (a pause;
// then a resume, the next question and its unlock) reaches the page once a
// reconnect gets through (the socket's first message is the whole state):
// the page shows the class's current state, the version the server has,
// without a reload of the page; and it follows the class again from then on.
func TestBrowserLiveReconnect(t *testing.T) {
	browser := newBrowser(t)
	e := newLiveEnv(t)
	e.control("unlock")
	stu := newLiveTab(t, browser, "Ann")
	addInitScript(t, stu, liveSocketSpyJS)
	liveJoin(t, e, stu)
	version := func() string { return strconv.FormatInt(e.hubState().Version, 10) }
	// The page shows the server's state, and has an open socket.
	current := func() string {
		return liveSocketOpen + ` && ` + liveVersionJS + ` === ` + version()
	}
	waitPage(t, stu, "question 1, over an open socket", `document.querySelector("#answer-dims") !== null && `+current())
	liveStep(t, stu, "mark the page", chromedp.Evaluate[chromedp.Void](`window.strideStay = true`))
	stayed := ` && window.strideStay === true`

	// away drops the page's socket, and keeps it away: the page's
	// reconnects are refused until online(). It returns once two of them
	// have been, the page retrying.
	away := func() {
		t.Helper()
		refused := evalPage[int](t, stu, liveRefusedJS)
		liveStep(t, stu, "drop the live socket", chromedp.Evaluate[chromedp.Void](`(() => { window.strideOffline = true;
			window.strideLiveSockets.filter(s => s.readyState <= 1).forEach(s => s.close(4000, "dropped by the test")); })()`))
		waitPage(t, stu, "two reconnects refused", liveRefusedJS+` >= `+strconv.Itoa(refused+2)+` && window.strideLiveSockets.every(s => s.readyState === 3)`+stayed)
	}
	// stillBehind checks, after one more refused reconnect (time for a
	// message to have come, had the page a socket), that the page still
	// shows state shown: it missed what the instructor did.
	stillBehind := func(shown int, what string) {
		t.Helper()
		refused := evalPage[int](t, stu, liveRefusedJS)
		waitPage(t, stu, "one more reconnect refused", liveRefusedJS+` > `+strconv.Itoa(refused))
		// data-live-latest is the newest state the page heard (a swap of
		// the page's content drops it until the next message).
		if got := evalPage[string](t, stu, `(document.getElementById("live").dataset.liveLatest || "`+strconv.Itoa(shown)+`") + " " + `+liveVersionJS); got != strconv.Itoa(shown)+" "+strconv.Itoa(shown) {
			t.Fatalf("while offline the page heard of a newer state (latest, shown: %s; want %d): the test's drop did not hold", got, shown)
		}
		if !evalPage[bool](t, stu, what) {
			t.Fatalf("while offline the page changed: %s", evalPage[string](t, stu, `document.getElementById("live-status").textContent`))
		}
	}
	online := func() {
		t.Helper()
		liveStep(t, stu, "back online", chromedp.Evaluate[chromedp.Void](`window.strideOffline = false`))
	}

	// A pause while the page is away.
	before := evalPage[int](t, stu, liveVersionJS)
	open := `document.getElementById("live-status").textContent === ` + jsString(liveMsgOpen) + ` && document.getElementById("exercise-form").offsetParent !== null`
	away()
	e.control("pause")
	stillBehind(before, open)
	online()
	waitPage(t, stu, "caught up: paused", current()+` && document.getElementById("live-status").textContent === `+jsString(liveMsgPaused)+
		` && document.getElementById("live").classList.contains("live-paused") && document.getElementById("exercise-form").offsetParent === null`+stayed)

	// A resume, the next question and its unlock while the page is away:
	// back, it is on question 2, ready to answer.
	before = evalPage[int](t, stu, liveVersionJS)
	away()
	e.control("resume")
	e.control("next")
	e.control("unlock")
	stillBehind(before, `document.getElementById("live-status").textContent === `+jsString(liveMsgPaused)+` && document.querySelector(".eyebrow").textContent.includes("Question 1 of 2")`)
	online()
	waitPage(t, stu, "caught up: question 2 unlocked", current()+` && document.querySelector(".eyebrow").textContent.includes("Question 2 of 2") && location.search === "?q=1" &&
		document.getElementById("live-status").textContent === `+jsString(liveMsgOpen)+` && document.querySelector("#answer-dims") !== null &&
		document.getElementById("exercise-form").offsetParent !== null && document.querySelector("#answer-dims").value === ""`+stayed)

	// The new socket follows the class: a close reaches the page.
	e.control("close")
	waitPage(t, stu, "closed, over the new socket", current()+` && document.getElementById("live-status").textContent === `+jsString(liveMsgClosed)+
		` && document.getElementById("live").classList.contains("live-closed")`+stayed)
}

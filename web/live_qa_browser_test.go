package web

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/stride-tutor/stride/internal/exercises"
)

// TestBrowserLiveQAStudentStates (issue 14 review): the pages a student
// sees during a session besides the open question (the join form, waiting,
// paused, ended) pass axe-core light and dark on a desktop, a phone and at
// 360 px without being wider than the screen; a student joins with the
// keyboard alone and the instructor presses the controls with it; and the
// instructor's histogram says a diagnosis in words ("Flipped kernel"),
// both when the counts change in place and when the page is rendered; the
// instructor's controls sit above the player.
func TestBrowserLiveQAStudentStates(t *testing.T) {
	browser := newBrowser(t)
	e := newLiveEnv(t)
	ready := `document.documentElement.classList.contains("js")`
	v, err := e.app.server.itemVariant(context.Background(), e.a.Items[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	flipped := answerFor(t, v, "bottom-right", exercises.StatusIncorrect, "conv.flipped-kernel", strconv.Itoa)

	modes := append(append([]viewMode{}, axeModes...), viewMode{"360px light", 360, 740, false}, viewMode{"360px dark", 360, 740, true})
	check := func(tab liveTab, what string) {
		t.Helper()
		for _, m := range modes {
			setMode(t, tab.ctx, m)
			reportAxe(t, m.name+" "+what, runAxe(t, tab.ctx, m))
			if m.width == 360 {
				if w := evalPage[int](t, tab, `document.documentElement.scrollWidth`); w > 360 {
					t.Errorf("%s %s: the page is %d px wide", m.name, what, w)
				}
			}
		}
		setMode(t, tab.ctx, axeModes[0])
	}

	teacher := newLiveTab(t, browser, "instructor")
	signInTab(t, e, teacher)
	liveStep(t, teacher, "open the session", chromedp.Navigate(e.srv.URL+e.teachURL()))
	waitPage(t, teacher, "the session page", ready+` && document.getElementById("live-joined") !== null`)

	// The join form, then a join with the keyboard alone: Tab to the code,
	// type it, Tab to the nickname, type it, Enter.
	kim := newLiveTab(t, browser, "Kim")
	liveStep(t, kim, "open /join", chromedp.Navigate(e.srv.URL+"/join"), chromedp.WaitVisible(chromedp.CSS("#join-code")))
	check(kim, "/join")
	for i := 0; evalPage[string](t, kim, `document.activeElement ? document.activeElement.id : ""`) != "join-code"; i++ {
		if i == 20 {
			t.Fatal("Tab never reaches the join code field")
		}
		liveStep(t, kim, "Tab", chromedp.KeyEvent(kb.Tab))
	}
	liveStep(t, kim, "type the code", chromedp.KeyEvent(strings.ToLower(e.ls.Code)), chromedp.KeyEvent(kb.Tab))
	if id := evalPage[string](t, kim, `document.activeElement.id`); id != "join-nickname" {
		t.Fatalf("Tab from the code goes to %q, want the nickname", id)
	}
	liveStep(t, kim, "type the nickname, Enter", chromedp.KeyEvent("Kim"), chromedp.KeyEvent(kb.Enter))
	waitPage(t, kim, "the waiting page", ready+` && document.getElementById("live-status").textContent.includes("Waiting for your instructor") &&
		document.body.innerText.includes("You joined as Kim")`)
	check(kim, "waiting")

	// The instructor's controls work from the keyboard: focus, Enter.
	press := func(action string) {
		t.Helper()
		liveStep(t, teacher, "press "+action, chromedp.Focus(chromedp.CSS(`button[value="`+action+`"]`)), chromedp.KeyEvent(kb.Enter))
	}
	press("unlock")
	waitPage(t, kim, "the question", `document.querySelector("#answer-dims") !== null`)

	// A known mistake, counted in place on the instructor's page and said
	// in words; the page rendered again says it the same way.
	ben := e.device()
	e.join(ben, "Ben")
	e.answer(ben, 0, map[string]string{"dims": "3x3", "bottom-right": flipped})
	named := `[...document.querySelectorAll(".live-histogram li")].some(li => li.querySelector(".live-bar-name") &&
		li.querySelector(".live-bar-name").textContent === "Flipped kernel" && li.querySelector(".live-bar-label").textContent === "conv.flipped-kernel")`
	waitPage(t, teacher, "the mistake in words, in place", `document.getElementById("live-answered").textContent === "1" && `+named)
	liveStep(t, teacher, "reload", chromedp.Reload())
	waitPage(t, teacher, "the mistake in words, rendered", ready+` && `+named)
	// The controls sit above the player, which grows once its steps
	// arrive: a control never moves under the instructor's pointer (it
	// moved 387 px in a real run when they were below it).
	waitPage(t, teacher, "the player loaded", `window.StridePlayers && window.StridePlayers[0] && window.StridePlayers[0].meta`)
	if !evalPage[bool](t, teacher, `(() => { const b = document.querySelector(".live-controls"), pl = document.querySelector(".live-player");
		return b !== null && pl !== null && b.getBoundingClientRect().bottom <= pl.getBoundingClientRect().top; })()`) {
		t.Error("the instructor's controls are not above the player (they move when it loads)")
	}

	press("pause")
	waitPage(t, kim, "paused", `document.getElementById("live-status").textContent.includes("eyes on the projector")`)
	check(kim, "paused")
	press("end")
	waitPage(t, kim, "ended", `document.body.innerText.includes("has ended")`)
	check(kim, "ended")
}

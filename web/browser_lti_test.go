package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/lti/ltitest"
	"github.com/stride-tutor/stride/internal/store"
)

// cookieProbe wraps Stride's handler: every response sets two cookies a
// browser would send back in any context it allows (SameSite=None, Secure;
// localhost counts as secure): an ordinary one and a partitioned one
// (CHIPS, kept per top-level site, which browsers allow even where they
// block third-party cookies). Every request is recorded with which it
// carried. Stride itself sets no cookie on these pages, so the probe
// stands in for "a cookie set by Stride in the iframe", and the
// partitioned one shows that the frame does keep and send cookies where
// allowed: the ordinary one's absence is the third-party blocking.
type cookieProbe struct {
	mu   sync.Mutex
	seen []probeHit
}

type probeHit struct {
	path, dest          string
	cookie, partitioned bool
}

const probeCookie, probePartitioned = "stride_probe", "stride_probe_chips"

func (p *cookieProbe) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := r.Cookie(probeCookie)
		_, errP := r.Cookie(probePartitioned)
		p.mu.Lock()
		p.seen = append(p.seen, probeHit{path: r.URL.Path, dest: r.Header.Get("Sec-Fetch-Dest"), cookie: err == nil, partitioned: errP == nil})
		p.mu.Unlock()
		w.Header().Add("Set-Cookie", probeCookie+"=1; Path=/; SameSite=None; Secure; HttpOnly")
		w.Header().Add("Set-Cookie", probePartitioned+"=1; Path=/; SameSite=None; Secure; HttpOnly; Partitioned")
		next.ServeHTTP(w, r)
	})
}

// hits returns the requests recorded so far and forgets them.
func (p *cookieProbe) hits() []probeHit {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.seen
	p.seen = nil
	return out
}

// TestBrowserLTIThirdPartyCookiesBlocked is issue 12 §4's browser flow: the
// platform simulator's course page (http://127.0.0.1:…) embeds Stride
// (http://localhost:…, another site) in an iframe, in a Chromium that
// blocks third-party cookies. The login stores the state and nonce in the
// LMS's storage frame by postMessage, the launch reads them back, the
// student answers a part wrong and then right inside the frame, and both
// attempts are recorded for the LMS learner, and the score reaches the
// simulator's line item in points (grade passback, web/lti_ags.go); no
// cookie Stride set in the frame ever comes back. Then an instructor's launch lands on the item's
// dashboard in the frame and follows a link to a part's page.
func TestBrowserLTIThirdPartyCookiesBlocked(t *testing.T) {
	ctx := newBrowser(t)
	// Chromium's "block third-party cookies" setting (Network.
	// setCookieControls; it applies to pages loaded after it is set).
	// Debian's Chromium 156 already blocks unpartitioned third-party
	// cookies by default; the call keeps the test meaningful if that
	// default changes, and the probe below checks the effect either way.
	if _, err := chromedp.Call(ctx, network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: true}); err != nil {
		t.Fatalf("block third-party cookies: %v", err)
	}
	e := newLTIEnv(t)
	e.plat.StorageTarget = ltitest.StorageFrame
	// Grade passback (web/lti_ags.go) on a test clock, so the coalescing
	// window passes without waiting; the LMS's graded link has a line item.
	clk := &agsClock{t: time.Now().Truncate(time.Millisecond)}
	e.srv.grades.now = clk.Now
	lineItem := e.plat.AddLineItem("HW A", e.asg.Items[0].Points, "rl-1")
	probe := &cookieProbe{}
	strideSrv := httptest.NewServer(probe.wrap(e.app.Handler))
	t.Cleanup(strideSrv.Close)
	e.plat.SetToolJWKS(strideSrv.URL + "/lti/jwks")
	// localhost and 127.0.0.1 are different sites: Stride's frame is
	// third-party in the course page.
	stride := strings.Replace(strideSrv.URL, "127.0.0.1", "localhost", 1)
	if !strings.HasPrefix(e.plat.Server.URL, "http://127.0.0.1:") || !strings.HasPrefix(stride, "http://localhost:") {
		t.Fatalf("platform %s and Stride %s must be on different sites", e.plat.Server.URL, stride)
	}
	bg := context.Background()
	item := e.asg.Items[0]

	step(t, ctx, "the student opens the course page; the launch stores and checks its state in the LMS's storage",
		chromedp.Navigate(e.plat.CoursePageURL(stride, e.itemTarget(t), "u1")),
		waitJS(`window.capabilityRequests >= 2`))
	frame := frameContext(t, ctx, "/embed/conv-by-hand?item=")
	step(t, frame, "the item page opens in the frame", chromedp.WaitVisible(chromedp.CSS("#exercise-form")))
	// The LMS's storage frame holds this launch's state and nonce, under
	// the keys the spec's guide suggests, for Stride's origin only.
	keys, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(frames["`+ltitest.StorageFrame+`"].ltiStore.keys())`))
	if err != nil || len(keys) != 2 || !strings.HasPrefix(keys[0], stride+" state_") || !strings.HasPrefix(keys[1], stride+" nonce_") {
		t.Errorf("the LMS's storage holds %q (%v), want Stride's state_ and nonce_ keys", keys, err)
	}

	l, err := e.st.LearnerByLTI(bg, e.course.ID, e.plat.Issuer, "student-u1")
	if err != nil {
		t.Fatalf("LMS learner: %v", err)
	}
	v, err := e.srv.itemVariant(bg, item, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The output size: answering it right unlocks its replay, which the
	// player then streams over the websocket.
	const part = "dims"
	p, ok := v.Part(part)
	if !ok {
		t.Fatalf("no part %s at seed %d", part, v.Seed)
	}
	var wrong, right string
	for n := 1; n <= 64 && right == ""; n++ {
		for m := 1; m <= 64 && right == ""; m++ {
			text := strconv.Itoa(n) + "x" + strconv.Itoa(m)
			switch p.Check(text).Status {
			case exercises.StatusCorrect:
				right = text
			case exercises.StatusIncorrect:
				if wrong == "" {
					wrong = text
				}
			}
		}
	}
	if wrong == "" || right == "" {
		t.Fatalf("no wrong or right answer to %s at seed %d", part, v.Seed)
	}
	answer := func(what, text, verdict string) {
		t.Helper()
		// Values and clicks by script: synthesized input into an
		// out-of-process iframe is dropped at random while it has no focus.
		step(t, frame, what,
			chromedp.Evaluate[chromedp.Void](`window.__beforeSubmit = true`),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#answer-`+part+`").value = `+strconv.Quote(text)),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("button[type=submit]").click()`))
		// The form posts: the frame's document is replaced.
		waitNewDocument(t, frame, what+": verdict", `document.querySelector("#verdict-`+part+`.`+verdict+`") !== null`)
	}
	answer("a wrong answer", wrong, "verdict-incorrect")
	answer("the right answer", right, "verdict-correct")
	// The animation player's websocket is live inside the frame (it needs
	// no cookie either), and the page holds the unlock token of the part
	// answered, which the player sends with its replay requests.
	step(t, frame, "the animation websocket is live in the frame",
		waitJS(`window.StridePlayers && window.StridePlayers.length > 0 && window.StridePlayers.every(p => p.ws && p.ws.readyState === 1 && p.root.classList.contains("player-live-mode"))`),
		waitJS(`Array.from(document.querySelectorAll("[data-unlock]")).some(e => e.getAttribute("data-unlock").split(" ").some(tok => tok.startsWith("`+part+`.")))`))
	got, err := e.st.ListAttempts(bg, store.AttemptFilter{LearnerID: l.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, a := range got {
		if a.Part == part {
			parts = append(parts, a.Answer)
		}
	}
	if len(parts) != 2 {
		t.Errorf("attempts at %s of the LMS learner: %q, want the wrong and the right answer", part, parts)
	}
	// The score reaches the LMS's line item, in points: the item's points
	// times the share of its scored parts answered right (the best
	// attempt counts).
	clk.Add(ltiCoalesceWindow + time.Second)
	res, err := e.srv.grades.worker.RunOnce(bg)
	if err != nil || res.Sent != 1 {
		t.Fatalf("grade outbox: %+v, %v; want one score sent", res, err)
	}
	wantPoints := item.Points / float64(len(scoredParts(v)))
	score, ok := e.plat.Result(lineItem, "student-u1")
	if !ok || !near(score.ScoreGiven, wantPoints) || score.ScoreMaximum != item.Points {
		t.Errorf("score at the LMS's line item: %+v (found %v), want %g of %g", score, ok, wantPoints, item.Points)
	}

	// No request in the frame carried the cookie Stride set there.
	frameHits := probe.hits()
	if len(frameHits) < 5 {
		t.Fatalf("only %d requests reached Stride", len(frameHits))
	}
	partitioned := 0
	for _, h := range frameHits {
		if h.cookie {
			t.Errorf("a request in the third-party frame carried Stride's cookie: %s (%s)", h.path, h.dest)
		}
		if h.partitioned {
			partitioned++
		}
	}
	if partitioned == 0 {
		t.Error("no request in the frame carried the partitioned cookie: the frame keeps no cookie at all, so the test proves nothing about third-party blocking")
	}
	// The partitioned cookie is keyed to the course page's site, with a
	// cross-site ancestor: Stride ran as a third party.
	jar, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{stride + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range jar.Cookies {
		switch c.Name {
		case probeCookie:
			t.Errorf("the browser kept the unpartitioned cookie set in the frame: %+v", c)
		case probePartitioned:
			if c.PartitionKey == nil || c.PartitionKey.TopLevelSite != "http://127.0.0.1" || !c.PartitionKey.HasCrossSiteAncestor {
				t.Errorf("partitioned cookie's key %+v, want the course page's site with a cross-site ancestor", c.PartitionKey)
			}
		}
	}
	// The cookie itself is one the browser keeps and sends first-party:
	// so its absence above is the third-party blocking.
	step(t, ctx, "open Stride first-party, twice",
		chromedp.Navigate(stride+"/healthz"),
		chromedp.Navigate(stride+"/readyz"))
	firstParty := probe.hits()
	if n := len(firstParty); n < 2 || !firstParty[n-1].cookie {
		t.Errorf("first-party requests %+v: the second should carry the cookie set by the first", firstParty)
	}

	// An instructor's launch of the same item lands on its dashboard in
	// the frame, with the student's work, and can open a part's page.
	e.instructorClaims()
	step(t, ctx, "the instructor opens the course page",
		chromedp.Navigate(e.plat.CoursePageURL(stride, e.itemTarget(t), "t1")),
		waitJS(`window.capabilityRequests >= 2`))
	dash := frameContext(t, ctx, "/assignments/")
	step(t, dash, "the item's dashboard in the frame",
		waitJS(`document.querySelector("h1") && document.querySelector("h1").textContent.includes("`+e.asg.Title+`")`),
		waitJS(`document.body.textContent.includes("Ada Lovelace")`))
	step(t, dash, "open a part's page from the dashboard",
		chromedp.Evaluate[chromedp.Void](`window.__beforeSubmit = true`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("a[href*='/parts/']").click()`))
	waitNewDocument(t, dash, "the part's page", `location.pathname.includes("/parts/") && location.search.includes("lti_launch=") && document.querySelector("h1") !== null`)
	for _, h := range probe.hits() {
		if h.cookie && h.dest == "iframe" {
			t.Errorf("the instructor's frame carried Stride's cookie: %s", h.path)
		}
	}
}

// waitNewDocument waits until the frame shows a document other than the
// one marked with window.__beforeSubmit and expr is true in it. While the
// frame navigates, evaluations fail (the old document's context is gone,
// the new one not yet announced); those are retried until the deadline.
func waitNewDocument(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ectx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool](`!window.__beforeSubmit && document.readyState !== "loading" && (`+expr+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not shown within 20 s (last error %v)", what, last)
}

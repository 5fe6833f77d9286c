package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserEmbedInForeignPage embeds an exercise in a host page served
// from another loopback origin, answers a part inside the iframe and checks
// that the host receives the result and resize messages.
func TestBrowserEmbedInForeignPage(t *testing.T) {
	ctx := newBrowser(t)
	stride := newTestServer(t, Config{})
	embedURL := stride.URL + "/embed/conv-by-hand?seed=0&parts=dims,bottom-right"
	// The host page is the ten-line example of docs/EMBEDDING.md in spirit:
	// it records every message from Stride.
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Course page</title>
<h1>Week 7</h1>
<iframe id="ex" src="%s" title="Stride exercise" width="100%%" height="300"></iframe>
<script src="%s/static/embed.js"></script>
<script>
window.strideMessages = [];
window.addEventListener("message", (e) => { if (e.data && e.data.source === "stride") window.strideMessages.push(e.data); });
</script>`, embedURL, stride.URL)
	}))
	t.Cleanup(host.Close)
	if strings.Split(host.URL, ":")[2] == strings.Split(stride.URL, ":")[2] {
		t.Fatal("host and Stride must be different origins")
	}

	// "localhost" and "127.0.0.1" are different sites, so Chromium runs the
	// iframe out of process, as it would for a real course site.
	hostURL := strings.Replace(host.URL, "127.0.0.1", "localhost", 1)
	step(t, ctx, "open the host page",
		chromedp.Navigate(hostURL),
		waitJS(`window.strideMessages && window.strideMessages.some(m => m.type === "resize" && m.height > 100)`),
	)
	// The embed.js helper sized the iframe from the resize message.
	height, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("ex").style.height`))
	if err != nil || !strings.HasSuffix(height, "px") {
		t.Errorf("iframe height not set by embed.js: %q %v", height, err)
	}

	// Drive the cross-origin iframe through its own target.
	frameCtx := frameContext(t, ctx, "/embed/conv-by-hand")
	step(t, frameCtx, "wait for the iframe's script",
		waitJS(`document.documentElement.classList.contains("js")`))
	// Values are set by script: synthesized key events into an
	// out-of-process iframe are dropped at random while it has no focus.
	step(t, frameCtx, "fill in the iframe",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#answer-dims").value = "3x3"`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#answer-bottom-right").value = "22"`))
	// A scripted click: synthesized mouse input into an out-of-process
	// iframe depends on where the host page has scrolled it.
	step(t, frameCtx, "check inside the iframe",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("button[type=submit]").click()`))
	wctx, cancel := context.WithTimeout(frameCtx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS("#verdict-dims.verdict-correct"))); err != nil {
		dctx, dcancel := context.WithTimeout(frameCtx, 3*time.Second)
		defer dcancel()
		state, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`document.querySelector("#verdict-dims").outerHTML`))
		t.Fatalf("verdict did not appear: %v; verdict: %s", err, state)
	}
	// The score counts only the parts the embed shows.
	step(t, frameCtx, "score of the shown parts",
		waitJS(`document.querySelector("#score").textContent.includes("1 of 2")`))
	step(t, frameCtx, "only the selected parts are shown",
		waitJS(`document.querySelectorAll("[data-part]").length === 2`))
	step(t, ctx, "host receives results",
		waitJS(`window.strideMessages.some(m => m.type === "result" && m.part === "dims" && m.status === "correct" && m.exercise === "conv-by-hand" && m.seed === 0)`),
		waitJS(`window.strideMessages.some(m => m.type === "result" && m.part === "bottom-right" && m.status === "incorrect")`),
	)
}

// frameContext returns a chromedp context attached to the out-of-process
// iframe whose URL contains urlPart, in ctx's browser context: the shared
// browser lists every parallel test's targets, and another test may frame
// the same page.
func frameContext(t *testing.T, ctx context.Context, urlPart string) context.Context {
	t.Helper()
	own := chromedp.FromContext(ctx).BrowserContextID
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range targets {
			if ti.Type == "iframe" && ti.BrowserContextID == own && strings.Contains(ti.URL, urlPart) {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID))
				t.Cleanup(cancel)
				// The first run attaches to the target; like the browser's
				// first run, it must not carry a timeout.
				if err := chromedp.Do(fctx); err != nil {
					t.Fatalf("attach to the iframe: %v", err)
				}
				return fctx
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no iframe target for %s", urlPart)
	return nil
}

// TestBrowserEmbedFramingPolicy checks that ordinary pages refuse to be
// framed by a foreign origin while /embed/ pages allow it.
func TestBrowserEmbedFramingPolicy(t *testing.T) {
	h := newTestHandler(t, Config{FrameAncestors: []string{"https://lms.example.edu"}})
	rec := do(t, h, http.MethodGet, "/embed/conv-by-hand", "")
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://lms.example.edu") {
		t.Errorf("embed CSP %q", csp)
	}
	rec = do(t, h, http.MethodGet, "/exercises/conv-by-hand", "")
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self'") {
		t.Errorf("page CSP %q", csp)
	}
}

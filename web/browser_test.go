package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's headless Chromium against a real server on
// loopback. They skip when Chromium is absent, unless STRIDE_BROWSER_TESTS
// is "required" (CI sets it), where a missing browser fails the run.

func chromiumPath() string {
	if p := os.Getenv("STRIDE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserOptions are the command-line options of the tests' Chromium.
func browserOptions(path, userDataDir string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1100, 900),
	)
	return append(opts, extra...)
}

// sharedBrowser is the one Chromium process the package's browser tests
// share: starting a browser per test cost seconds each on a busy machine.
// Each test gets a browser context of its own in it (newBrowser), which
// has its own cookies, storage and cache, like a fresh browser profile;
// TestMain stops the process.
var sharedBrowser struct {
	once   sync.Once
	ctx    context.Context // the browser's first tab, never used by a test
	cancel func()
	dir    string
	err    error
}

func startSharedBrowser(path string) {
	dir, err := os.MkdirTemp("", "stride-web-chromium-")
	if err != nil {
		sharedBrowser.err = err
		return
	}
	sharedBrowser.dir = dir
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserOptions(path, dir)...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	sharedBrowser.ctx = ctx
	sharedBrowser.cancel = func() {
		cancelCtx()
		cancelAlloc()
	}
	// The first run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		sharedBrowser.err = fmt.Errorf("start Chromium: %w", err)
	}
}

// stopSharedBrowser ends the shared browser, if one was started.
func stopSharedBrowser() {
	if sharedBrowser.cancel != nil {
		sharedBrowser.cancel()
	}
	if sharedBrowser.dir != "" {
		os.RemoveAll(sharedBrowser.dir)
	}
}

// newBrowser returns a context for the first tab of a new browser context
// (a fresh profile: no cookies, no storage) in the shared browser, closed
// when the test ends. With extra command-line options the test gets a
// browser process of its own instead.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("STRIDE_BROWSER_TESTS") == "required" {
			t.Fatal("Chromium not found, but STRIDE_BROWSER_TESTS=required")
		}
		t.Skip("Chromium not installed; install Debian's chromium to run browser tests")
	}
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	if len(extra) > 0 {
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserOptions(path, t.TempDir(), extra...)...)
		ctx, cancelCtx := chromedp.NewContext(allocCtx)
		t.Cleanup(func() {
			cancelCtx()
			cancelAlloc()
		})
		// The first run starts the browser; it must not carry a timeout.
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("start Chromium: %v", err)
		}
		return ctx
	}
	sharedBrowser.once.Do(func() { startSharedBrowser(path) })
	if sharedBrowser.err != nil {
		t.Fatal(sharedBrowser.err)
	}
	ctx, cancel := chromedp.NewContext(sharedBrowser.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run makes the tab; like a browser's start it must not
	// carry a timeout (the tab would live only as long as it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a browser context: %v", err)
	}
	return ctx
}

// step runs browser actions with a deadline, failing the test with a
// description of what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitJS waits until a JavaScript expression is truthy in the page, as
// chromedp.Poll does, but asks the browser to evaluate it in the top frame's
// current document rather than in the execution context chromedp last
// recorded. chromedp records a new document's context in a goroutine of its
// own, after the listener that ends Navigate has run, so a Poll right after
// a navigation could name the old page's destroyed context and fail with
// "Cannot find context with specified id". An exception in the expression
// fails the wait at once.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`new Promise((resolve, reject) => {
		const test = () => (`+expr+`);
		(function tick() {
			let ok;
			try { ok = test(); } catch (e) { reject(e); return; }
			if (ok) resolve(); else requestAnimationFrame(tick);
		})();
	})`, chromedp.EvalAwaitPromise)
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func newTestServer(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(newTestHandler(t, cfg))
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowserExerciseChecksInPlace(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	step(t, ctx, "open conv-by-hand",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		chromedp.WaitVisible(chromedp.CSS("#answer-dims")),
		// The script marks the page once it has enhanced it.
		waitJS(`document.documentElement.classList.contains("js")`),
		chromedp.SendKeys(chromedp.CSS("#answer-dims"), "3x3"),
		chromedp.SendKeys(chromedp.CSS("#answer-bottom-right"), "22"),
		chromedp.SendKeys(chromedp.CSS("#answer-dims-padded"), "five by five"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-dims.verdict-correct")),
	)
	if got := textOf(t, ctx, "#verdict-dims"); !strings.Contains(got, "Correct") || !strings.Contains(got, "3×3") {
		t.Errorf("dims verdict: %q", got)
	}
	if got := textOf(t, ctx, "#verdict-bottom-right"); !strings.Contains(got, "flipped") {
		t.Errorf("bottom-right should name the flipped kernel: %q", got)
	}
	if got := textOf(t, ctx, "#verdict-dims-padded"); !strings.Contains(got, "Could not read") {
		t.Errorf("unreadable answer: %q", got)
	}
	if got := textOf(t, ctx, "#score"); !strings.Contains(got, "1 of 4") {
		t.Errorf("score: %q", got)
	}
	// The check happened in place: the URL is still the page's, no post.
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(loc, "seed=") && !strings.HasSuffix(loc, "/exercises/conv-by-hand") {
		t.Logf("location %q", loc)
	}
	// Progress is kept in localStorage and shown on the home page.
	step(t, ctx, "fix the answer and see progress",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#answer-bottom-right").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#answer-bottom-right"), "-22"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-bottom-right.verdict-correct")),
		chromedp.Navigate(srv.URL+"/"),
		waitJS(`document.querySelector("[data-exercise-id='conv-by-hand'] .progress").textContent.includes("2 of 4")`),
	)
}

func TestBrowserShapeTableFollowThrough(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	answers := map[string]string{
		"maxpool-1": "3@127x127", "conv": "12@111x111", "maxpool-2": "12@37x37", "flatten": "16428",
		"fc-1": "128", "relu": "128", "fc-2": "10", "softmax": "10",
	}
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(srv.URL + "/exercises/cnn-shape-table"),
		chromedp.WaitVisible(chromedp.CSS("#answer-maxpool-1")),
		waitJS(`document.documentElement.classList.contains("js")`),
	}
	for id, v := range answers {
		actions = append(actions, chromedp.SendKeys(chromedp.CSS("#answer-"+id), v))
	}
	actions = append(actions,
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-conv.verdict-consistent")),
	)
	step(t, ctx, "fill the shape table", actions...)
	if got := textOf(t, ctx, "#verdict-maxpool-1"); !strings.Contains(got, "stride") {
		t.Errorf("maxpool-1 should diagnose stride 1: %q", got)
	}
	// Partial credit: each row that follows from the wrong row above earns
	// its point, and the score says so.
	for _, id := range []string{"conv", "maxpool-2", "flatten"} {
		if got := textOf(t, ctx, "#verdict-"+id); !strings.Contains(got, "Consistent with your earlier answer") ||
			!strings.Contains(got, "1 of 1 point") || !strings.Contains(got, "Full credit") {
			t.Errorf("%s: %q", id, got)
		}
	}
	if got := textOf(t, ctx, "#verdict-maxpool-1"); !strings.Contains(got, "0 of 1 point") {
		t.Errorf("maxpool-1: %q", got)
	}
	if got := textOf(t, ctx, "#score"); got != "Score: 7 of 8 (4 right, 3 credited as right steps from an earlier answer)." {
		t.Errorf("score: %q", got)
	}
	if got := textOf(t, ctx, "#verdict-fc-1"); !strings.Contains(got, "Correct") {
		t.Errorf("fc-1: %q", got)
	}
}

func TestBrowserExerciseWithoutJavaScript(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "post the plain form",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		chromedp.WaitVisible(chromedp.CSS("#answer-dims")),
		chromedp.SendKeys(chromedp.CSS("#answer-dims"), "2x2"),
		chromedp.SendKeys(chromedp.CSS("#answer-bottom-right"), "-22"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#verdict-dims.verdict-incorrect")),
	)
	if got := textOf(t, ctx, "#verdict-dims"); !strings.Contains(got, "+1") {
		t.Errorf("dims should name the missing +1: %q", got)
	}
	if got := textOf(t, ctx, "#verdict-bottom-right"); !strings.Contains(got, "Correct") {
		t.Errorf("bottom-right: %q", got)
	}
	// The server echoed the answers back into the inputs.
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#answer-dims")))
	if err != nil || v != "2x2" {
		t.Errorf("echoed value %q, %v", v, err)
	}
	// The worked solution of the correct part is open.
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#part-bottom-right details.solution").open`))
	if err != nil || !open {
		t.Errorf("solution should open after a correct answer: %v %v", open, err)
	}
}

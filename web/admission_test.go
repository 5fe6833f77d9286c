package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

const checkBody = `{"seed": 0, "answers": {"dims": "3x3"}}`

// holdSlots takes every work slot of the app, as long-running requests
// would, and returns the function that gives them back.
func holdSlots(t *testing.T, app *App) func() {
	t.Helper()
	w := app.server.work
	n := cap(w.slots)
	for range n {
		if !w.acquire(context.Background()) {
			t.Fatal("could not take a free work slot")
		}
	}
	return func() {
		for range n {
			w.release()
		}
	}
}

func TestSaturatedWorkAnswers503ButProbesStayUp(t *testing.T) {
	app := newTestHandler(t, Config{Work: WorkConfig{Limit: 1, Queue: -1}})
	app.SetReady(true)
	// A page served before saturation is in the cache afterwards.
	if rec := do(t, app, http.MethodGet, "/exercises/conv-by-hand?seed=0", ""); rec.Code != http.StatusOK {
		t.Fatalf("warming the cache: %d", rec.Code)
	}
	release := holdSlots(t, app)

	apiRoutes := []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/exercises/conv-by-hand/check", checkBody},
		{http.MethodPost, "/api/v1/compute/conv2d", `{"input": [[1, 2], [3, 4]], "kernel": [[1]]}`},
		{http.MethodGet, "/api/v1/exercises/conv-by-hand?seed=3", ""},
	}
	for _, rt := range apiRoutes {
		rec := do(t, app, rt.method, rt.path, rt.body)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s %s while saturated: %d, Retry-After %q", rt.method, rt.path, rec.Code, rec.Header().Get("Retry-After"))
			continue
		}
		var e apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, "busy") {
			t.Errorf("%s %s: body %q is not the JSON busy error", rt.method, rt.path, rec.Body)
		}
	}
	form := url.Values{"a.dims": {"3x3"}}.Encode()
	pageRoutes := []struct{ method, path, body string }{
		{http.MethodGet, "/exercises/conv-by-hand?seed=7", ""},
		{http.MethodGet, "/playground?op=conv2d&input=1+2%0A3+4&kernel=1", ""},
		{http.MethodPost, "/exercises/conv-by-hand?seed=0", form},
		{http.MethodPost, "/embed/conv-by-hand?seed=0", form},
	}
	for _, rt := range pageRoutes {
		req := httptest.NewRequest(rt.method, rt.path, strings.NewReader(rt.body))
		if rt.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s %s while saturated: %d, Retry-After %q", rt.method, rt.path, rec.Code, rec.Header().Get("Retry-After"))
			continue
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), "busy") {
			t.Errorf("%s %s: want the small HTML busy page, got %q", rt.method, rt.path, rec.Header().Get("Content-Type"))
		}
	}
	// Probes, metrics, static files and cached pages never wait.
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/static/" + app.server.assets.HashedName("app.css"), "/exercises/conv-by-hand?seed=0"} {
		if rec := do(t, app, http.MethodGet, p, ""); rec.Code != http.StatusOK {
			t.Errorf("GET %s while saturated: %d, want 200", p, rec.Code)
		}
	}
	if rec := do(t, app, http.MethodGet, "/metrics", ""); !strings.Contains(rec.Body.String(), "stride_work_rejected_total 7") {
		t.Errorf("metrics do not count the 7 refused requests")
	}

	release()
	if rec := do(t, app, http.MethodPost, "/api/v1/exercises/conv-by-hand/check", checkBody); rec.Code != http.StatusOK {
		t.Errorf("check after the slots are free: %d %s", rec.Code, rec.Body)
	}
}

func TestWorkQueueIsBounded(t *testing.T) {
	app := newTestHandler(t, Config{Work: WorkConfig{Limit: 1, Queue: 1, QueueWait: time.Hour}})
	release := holdSlots(t, app)
	queued := make(chan *httptest.ResponseRecorder)
	go func() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/conv-by-hand/check", strings.NewReader(checkBody))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		queued <- rec
	}()
	// Wait until the request above holds the one queue place.
	for app.server.work.waiting.Load() != 1 {
		runtime.Gosched()
	}
	if rec := do(t, app, http.MethodPost, "/api/v1/exercises/conv-by-hand/check", checkBody); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("with the queue full: %d, want 503 at once", rec.Code)
	}
	release()
	if rec := <-queued; rec.Code != http.StatusOK {
		t.Errorf("queued request after a slot freed: %d %s", rec.Code, rec.Body)
	}
}

func TestWorkQueueWaitIsBounded(t *testing.T) {
	app := newTestHandler(t, Config{Work: WorkConfig{Limit: 1, Queue: 4, QueueWait: 5 * time.Millisecond}})
	release := holdSlots(t, app)
	defer release()
	rec := do(t, app, http.MethodPost, "/api/v1/exercises/conv-by-hand/check", checkBody)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("after waiting out the queue timeout: %d, Retry-After %q; want 503, 1", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// blockingWriter is a client that does not read: its Write blocks until
// unblocked.
type blockingWriter struct {
	header  http.Header
	writing chan struct{}
	unblock chan struct{}
}

func (b *blockingWriter) Header() http.Header { return b.header }
func (b *blockingWriter) WriteHeader(int)     {}
func (b *blockingWriter) Write(p []byte) (int, error) {
	close(b.writing)
	<-b.unblock
	return len(p), nil
}

func TestSlowReaderDoesNotHoldAWorkSlot(t *testing.T) {
	app := newTestHandler(t, Config{Work: WorkConfig{Limit: 1}})
	bw := &blockingWriter{header: http.Header{}, writing: make(chan struct{}), unblock: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/conv-by-hand/check", strings.NewReader(checkBody))
		req.Header.Set("Content-Type", "application/json")
		app.ServeHTTP(bw, req)
		close(done)
	}()
	<-bw.writing
	if n := app.server.work.inFlight(); n != 0 {
		t.Errorf("%d work slots held while the response waits for the client", n)
	}
	if rec := do(t, app, http.MethodPost, "/api/v1/exercises/conv-by-hand/check", checkBody); rec.Code != http.StatusOK {
		t.Errorf("another check while the first client stalls: %d", rec.Code)
	}
	close(bw.unblock)
	<-done
}

func apiRequest(app http.Handler, peer, realIP string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/api/v1/exercises/conv-by-hand?seed=1", nil)
	req.RemoteAddr = peer + ":40000"
	if realIP != "" {
		req.Header.Set("X-Real-IP", realIP)
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	return rec
}

func TestAPIRateLimitPerClient(t *testing.T) {
	app := newTestHandler(t, Config{APIRate: RateConfig{Requests: 3, Window: time.Hour}})
	for i := range 3 {
		if rec := apiRequest(app, "192.0.2.1", ""); rec.Code != http.StatusOK {
			t.Fatalf("request %d within the limit: %d", i+1, rec.Code)
		}
	}
	rec := apiRequest(app, "192.0.2.1", "")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "3600" {
		t.Fatalf("4th request: %d, Retry-After %q; want 429, 3600", rec.Code, rec.Header().Get("Retry-After"))
	}
	var e apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Limit != 3 || !strings.Contains(e.Error, "too many") {
		t.Errorf("429 body %q is not the JSON error with the limit", rec.Body)
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Error("a 429 is not readable by the cross-origin pages the API serves")
	}
	// The limit covers the whole API, checks included, ...
	req := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/conv-by-hand/check", strings.NewReader(checkBody))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "192.0.2.1:1"
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("check over the limit: %d", rec.Code)
	}
	// ... but not pages, and other clients have their own budget.
	req = httptest.NewRequest(http.MethodGet, "/exercises/conv-by-hand", nil)
	req.RemoteAddr = "192.0.2.1:1"
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("page for a rate-limited client: %d", rec.Code)
	}
	if rec := apiRequest(app, "192.0.2.2", ""); rec.Code != http.StatusOK {
		t.Errorf("another client: %d", rec.Code)
	}
	// Without a trusted proxy header, a client cannot pick its own key.
	if rec := apiRequest(app, "192.0.2.1", "198.51.100.9"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("untrusted X-Real-IP escaped the limit: %d", rec.Code)
	}
}

func TestAPIRateLimitHonoursTrustedProxyHeader(t *testing.T) {
	app := newTestHandler(t, Config{APIRate: RateConfig{Requests: 1, Window: time.Hour}, TrustedProxyHeader: "X-Real-IP"})
	// Every request arrives from the proxy at 10.0.0.1.
	if rec := apiRequest(app, "10.0.0.1", "198.51.100.1"); rec.Code != http.StatusOK {
		t.Fatalf("first client: %d", rec.Code)
	}
	if rec := apiRequest(app, "10.0.0.1", "198.51.100.2"); rec.Code != http.StatusOK {
		t.Errorf("second client behind the same proxy: %d", rec.Code)
	}
	if rec := apiRequest(app, "10.0.0.1", "198.51.100.1"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("first client again: %d, want 429", rec.Code)
	}
}

func TestAPIRateLimitResets(t *testing.T) {
	app := newTestHandler(t, Config{APIRate: RateConfig{Requests: 2, Window: time.Second}})
	// Find the limit: at most a few requests, unless the machine is so slow
	// that windows pass between them, which only delays this loop.
	limited := false
	for range 10_000 {
		if rec := apiRequest(app, "192.0.2.7", ""); rec.Code == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("10,000 requests never reached a limit of 2 per second")
	}
	// The sliding window forgets a request after at most two windows.
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec := apiRequest(app, "192.0.2.7", "")
		if rec.Code == http.StatusOK {
			break
		}
		if rec.Code != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("the limit did not reset: %d", rec.Code)
		}
		time.Sleep(100 * time.Millisecond) // polling the clock, not synchronising
	}
}

func TestWorkResponsesCompressOnlyWhenItPays(t *testing.T) {
	app := newTestHandler(t, Config{})
	plain := get(t, app, "/api/v1/exercises", nil)
	zipped := get(t, app, "/api/v1/exercises", map[string]string{"Accept-Encoding": "gzip"})
	if plain.Code != http.StatusOK || plain.Body.Len() < minGzipBytes {
		t.Fatalf("catalog: %d, %d bytes; want a large 200", plain.Code, plain.Body.Len())
	}
	if zipped.Header().Get("Content-Encoding") != "gzip" || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("Content-Encoding %q (gzip asked) and %q (not asked)", zipped.Header().Get("Content-Encoding"), plain.Header().Get("Content-Encoding"))
	}
	if got := gunzip(t, zipped.Body.Bytes()); !bytes.Equal(got, plain.Body.Bytes()) {
		t.Error("gzipped and plain API responses differ")
	}
	if zipped.Header().Get("Content-Length") != strconv.Itoa(zipped.Body.Len()) {
		t.Errorf("Content-Length %q for %d gzipped bytes", zipped.Header().Get("Content-Length"), zipped.Body.Len())
	}
	// A check of one unanswered part is small (an answered one carries
	// its worked solution).
	req := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/conv-by-hand/check",
		strings.NewReader(`{"seed": 0, "answers": {}, "parts": ["dims"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	small := httptest.NewRecorder()
	app.ServeHTTP(small, req)
	if small.Code != http.StatusOK || small.Body.Len() >= minGzipBytes || small.Header().Get("Content-Encoding") != "" {
		t.Errorf("small check response: %d, %d bytes, Content-Encoding %q; want it plain", small.Code, small.Body.Len(), small.Header().Get("Content-Encoding"))
	}
	// A form post's page is large and compressed too.
	req = httptest.NewRequest(http.MethodPost, "/exercises/conv-by-hand?seed=0", strings.NewReader("a.dims=3x3"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Encoding", "gzip")
	page := httptest.NewRecorder()
	app.ServeHTTP(page, req)
	if page.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(string(gunzip(t, page.Body.Bytes())), "3x3") {
		t.Error("the checked page is not gzipped, or lost the answer")
	}
}

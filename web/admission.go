package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/httprate"
	"github.com/prometheus/client_golang/prometheus"
)

// Admission control. A few kinds of request cost real CPU: the compute API,
// checking answers (API, form and embed) and rendering a page that is not in
// the page cache. If every one of them ran as soon as it arrived, a burst of
// them would share the cores and every user's latency would grow without
// bound. Instead at most Limit run at once (by default one per core); up to
// Queue more wait, each for at most QueueWait; beyond that the answer is an
// immediate 503 with Retry-After, which a client or a load balancer can act
// on. Probes, metrics, static files and cached pages never pass through it.
//
// Slots are shared fairly: one client (as ClientIPs resolves it) may hold at
// most PerClient of them, and its further requests wait in a line of their
// own (at most WorkQueuePerClient long) rather than in the shared queue. So
// a client that floods the server with expensive requests gets its share of
// the cores and no more, and everyone else's requests still find a slot.

// WorkConfig sizes the admission control of expensive requests.
type WorkConfig struct {
	// Limit is how many expensive requests run at once; 0 means
	// runtime.GOMAXPROCS(0), one per usable core.
	Limit int
	// Queue is how many more may wait for a slot; 0 means
	// DefaultWorkQueue and a negative value means none wait.
	Queue int
	// QueueWait bounds the wait for a slot; 0 means DefaultQueueWait.
	QueueWait time.Duration
	// PerClient is how many slots one client may hold at once; 0 means
	// half of Limit, at least one.
	PerClient int
}

// Defaults of WorkConfig and RateConfig, also the command line's defaults.
const (
	DefaultWorkQueue = 128
	DefaultQueueWait = 250 * time.Millisecond
	// DefaultAPIRate is how many API requests one client may make per
	// DefaultAPIWindow.
	DefaultAPIRate   = 600
	DefaultAPIWindow = time.Minute
	// WorkQueuePerClient is how many of one client's expensive requests may
	// wait for that client's own slots; more are refused with 503 at once.
	// Waiting costs no CPU, so the line is long enough for a classroom
	// behind one NAT address checking answers at the same moment.
	WorkQueuePerClient = 64
)

// workLimiter is a counting semaphore with a bounded, time-limited queue.
type workLimiter struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
	wait    time.Duration
	// retryAfter is the Retry-After value of a 503, in whole seconds.
	retryAfter string
	// busyPage is the pre-rendered HTML answer to a saturated page request,
	// so that refusing work costs no rendering.
	busyPage []byte
	// rejected counts refused requests, for the metrics.
	rejected atomic.Int64
	bufs     sync.Pool
	gzips    sync.Pool

	// perClient is how many slots one client may hold; clientKey names
	// the client of a request (nil: no per-client shares).
	perClient int
	clientKey func(*http.Request) string
	mu        sync.Mutex
	clients   map[string]*clientShare

	// onRelease, when set (tests only), is called each time a request's
	// slot is given back.
	onRelease func()
}

// clientShare is one client's part of the work slots: held has room for
// perClient tokens; users counts its requests holding or waiting for one.
type clientShare struct {
	held  chan struct{}
	users int
}

func newWorkLimiter(cfg WorkConfig) *workLimiter {
	limit := cfg.Limit
	if limit <= 0 {
		limit = runtime.GOMAXPROCS(0)
	}
	wait := cfg.QueueWait
	if wait <= 0 {
		wait = DefaultQueueWait
	}
	queue := cfg.Queue
	switch {
	case queue == 0:
		queue = DefaultWorkQueue
	case queue < 0:
		queue = 0
	}
	perClient := cfg.PerClient
	if perClient <= 0 {
		perClient = max(limit/2, 1)
	}
	retry := int((wait + time.Second - 1) / time.Second)
	return &workLimiter{
		slots: make(chan struct{}, limit), queue: int64(queue), wait: wait,
		retryAfter: strconv.Itoa(max(retry, 1)),
		bufs:       sync.Pool{New: func() any { return new(bytes.Buffer) }},
		perClient:  min(perClient, limit),
		clients:    map[string]*clientShare{},
	}
}

// admit takes a slot for r within the client's share: first one of the
// client's own tokens, then a shared slot, waiting at most the queue wait
// in all. It returns the function that gives both back.
func (l *workLimiter) admit(r *http.Request) (done func(), ok bool) {
	if l.clientKey == nil {
		if !l.acquireWithin(r.Context(), l.wait) {
			return nil, false
		}
		return l.release, true
	}
	key := l.clientKey(r)
	cs := l.join(key)
	if cs == nil {
		l.rejected.Add(1)
		return nil, false
	}
	start := time.Now()
	select {
	case cs.held <- struct{}{}:
	default:
		t := time.NewTimer(l.wait)
		select {
		case cs.held <- struct{}{}:
			t.Stop()
		case <-t.C:
			l.leave(key, cs)
			l.rejected.Add(1)
			return nil, false
		case <-r.Context().Done():
			t.Stop()
			l.leave(key, cs)
			l.rejected.Add(1)
			return nil, false
		}
	}
	if !l.acquireWithin(r.Context(), l.wait-time.Since(start)) {
		<-cs.held
		l.leave(key, cs)
		return nil, false
	}
	return func() {
		l.release()
		<-cs.held
		l.leave(key, cs)
	}, true
}

// join counts one more request of client key, or returns nil when the
// client already has its slots and its line full.
func (l *workLimiter) join(key string) *clientShare {
	l.mu.Lock()
	defer l.mu.Unlock()
	cs := l.clients[key]
	if cs == nil {
		cs = &clientShare{held: make(chan struct{}, l.perClient)}
		l.clients[key] = cs
	}
	if cs.users >= l.perClient+WorkQueuePerClient {
		return nil
	}
	cs.users++
	return cs
}

// leave uncounts a request of client key, forgetting the client when it
// has none left, so the map holds only clients with work in progress.
func (l *workLimiter) leave(key string, cs *clientShare) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cs.users--; cs.users == 0 {
		delete(l.clients, key)
	}
}

// acquire takes a slot, waiting in the queue if there is room in it, for at
// most the queue wait or until ctx ends. It reports whether a slot was taken;
// the caller must then call release.
func (l *workLimiter) acquire(ctx context.Context) bool {
	return l.acquireWithin(ctx, l.wait)
}

// acquireWithin is acquire with a wait of at most wait.
func (l *workLimiter) acquireWithin(ctx context.Context, wait time.Duration) bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	if l.waiting.Add(1) > l.queue {
		l.waiting.Add(-1)
		l.rejected.Add(1)
		return false
	}
	defer l.waiting.Add(-1)
	if wait <= 0 {
		l.rejected.Add(1)
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	l.rejected.Add(1)
	return false
}

func (l *workLimiter) release() { <-l.slots }

// inFlight is the number of expensive requests running now.
func (l *workLimiter) inFlight() int { return len(l.slots) }

// busyJSON refuses an API request while the server is saturated.
func (l *workLimiter) busyJSON(w http.ResponseWriter) {
	w.Header().Set("Retry-After", l.retryAfter)
	writeJSON(w, http.StatusServiceUnavailable, apiError{
		Error: "the server is busy with other work; retry after " + l.retryAfter + " s"})
}

// busyHTML refuses a page request while the server is saturated.
func (l *workLimiter) busyHTML(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Retry-After", l.retryAfter)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(l.busyPage)))
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(l.busyPage)
}

// limitAPI runs an API handler within a work slot, answering a JSON 503
// when none is free in time.
func (l *workLimiter) limitAPI(next http.Handler) http.Handler {
	return l.limit(next, l.busyJSON)
}

// limitPage runs a page handler (a form post, an uncached page) within a
// work slot, answering a small HTML 503 when none is free in time.
func (l *workLimiter) limitPage(next http.Handler) http.Handler {
	return l.limit(next, l.busyHTML)
}

// limit runs next within a slot. The response is buffered, compressed
// when that pays (still within the slot: it is CPU too), and the slot
// released before it goes to the network: a client that reads slowly (or
// never) must not hold a slot for the whole write timeout. Responses of
// these routes are bounded in size, so the buffer is too. A handler that
// only waits after its CPU work (a recorded check waiting for its durable
// commit) gives the slot back early with releaseWorkSlot; its response is
// still buffered and compressed here, outside the slot.
func (l *workLimiter) limit(next http.Handler, busy func(http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		admitted, ok := l.admit(r)
		if !ok {
			busy(w)
			return
		}
		slot := &heldSlot{done: admitted, after: l.onRelease}
		done := slot.release
		// The request log's per-request record carries the slot when there
		// is one (always, behind NewHandler's root), which saves a copy of
		// the request and a context per expensive request.
		if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
			prev := ri.slot
			ri.slot = slot
			defer func() { ri.slot = prev }()
		} else {
			r = r.WithContext(context.WithValue(r.Context(), heldSlotKey{}, slot))
		}
		buf := l.getBuf()
		bw := &responseBuffer{header: w.Header(), buf: buf}
		var zbuf *bytes.Buffer
		func() {
			// Released even if the handler panics; the recoverer above
			// turns the panic into a 500.
			defer done()
			next.ServeHTTP(bw, r)
			if h := w.Header(); compressible(h, buf.Len()) {
				if _, ok := h["Vary"]; ok {
					h.Add("Vary", "Accept-Encoding")
				} else {
					h["Vary"] = varyAcceptEncoding // shared, capacity-full
				}
				if acceptsGzip(r.Header.Get("Accept-Encoding")) {
					zbuf = l.getBuf()
					l.gzipInto(zbuf, buf.Bytes())
					w.Header().Set("Content-Encoding", "gzip")
					w.Header().Del("Content-Length")
					bw.buf = zbuf
				}
			}
		}()
		bw.writeTo(w, r)
		l.putBuf(buf)
		if zbuf != nil {
			l.putBuf(zbuf)
		}
	})
}

// heldSlot is the work slot a request holds, released once: by the
// handler when its CPU work is done and it only waits (releaseWorkSlot),
// or by the limiter when the handler returns.
type heldSlot struct {
	once  sync.Once
	done  func()
	after func() // workLimiter.onRelease
}

func (h *heldSlot) release() {
	h.once.Do(func() {
		h.done()
		if h.after != nil {
			h.after()
		}
	})
}

type heldSlotKey struct{}

// releaseWorkSlot gives back the work slot the request holds, if any, for
// a handler that has done its CPU work and now only waits, for the durable
// commit of an attempt: a slot is one core's turn, and a request asleep on
// the disk must not keep others from the core. What runs after it (the
// wait, compressing the response) runs outside the admission control.
// Calling it twice, or without a slot, does nothing.
func releaseWorkSlot(ctx context.Context) {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok && ri.slot != nil {
		ri.slot.release()
		return
	}
	if h, ok := ctx.Value(heldSlotKey{}).(*heldSlot); ok {
		h.release()
	}
}

func (l *workLimiter) getBuf() *bytes.Buffer { return l.bufs.Get().(*bytes.Buffer) }

func (l *workLimiter) putBuf(b *bytes.Buffer) {
	// A rare huge response is left to the collector rather than pinned.
	if b.Cap() <= 1<<20 {
		b.Reset()
		l.bufs.Put(b)
	}
}

// minGzipBytes is the smallest response worth compressing: below about one
// packet, gzip saves no round trip and costs more CPU than the response.
const minGzipBytes = 1400

// compressible reports whether a buffered response should be gzipped for
// clients that accept it: large enough, of a text type, not already
// encoded.
func compressible(h http.Header, n int) bool {
	if n < minGzipBytes || h.Get("Content-Encoding") != "" {
		return false
	}
	ct := h.Get("Content-Type")
	return strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/")
}

// gzipInto compresses src into dst with a pooled writer.
func (l *workLimiter) gzipInto(dst *bytes.Buffer, src []byte) {
	zw, _ := l.gzips.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(dst, 5)
	} else {
		zw.Reset(dst)
	}
	_, _ = zw.Write(src)
	_ = zw.Close()
	l.gzips.Put(zw)
}

// responseBuffer holds a response in memory until writeTo. Its headers
// are the real writer's header map, so nothing is copied; nothing is sent
// before writeTo. Work slots use it to free their slot before a slow
// client reads, and the page cache to store what a handler wrote.
type responseBuffer struct {
	header http.Header
	status int
	buf    *bytes.Buffer
}

func (b *responseBuffer) Header() http.Header { return b.header }

func (b *responseBuffer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *responseBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

// writeTo sends the held response, with a Content-Length unless the
// handler set one.
func (b *responseBuffer) writeTo(w http.ResponseWriter, r *http.Request) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if w.Header().Get("Content-Length") == "" {
		w.Header().Set("Content-Length", strconv.Itoa(b.buf.Len()))
	}
	sendHeld(w, r, b.status, b.buf.Bytes()) // one write (web/onewrite.go)
}

// RateConfig is the per-client rate limit of the JSON API.
type RateConfig struct {
	// Requests is how many API requests one client may make per Window;
	// 0 turns the limit off.
	Requests int
	// Window is the sliding window of the limit.
	Window time.Duration
}

// apiRateLimit limits each client (as ClientIPs resolves it) to
// cfg.Requests API requests per cfg.Window, with httprate's sliding-window
// counter, and answers excess with 429, Retry-After and a JSON error.
func apiRateLimit(cfg RateConfig, clientIPs ClientIPs) func(http.Handler) http.Handler {
	if cfg.Requests <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	window := cfg.Window
	if window <= 0 {
		window = DefaultAPIWindow
	}
	retry := strconv.Itoa(max(int((window+time.Second-1)/time.Second), 1))
	limited := func(w http.ResponseWriter, r *http.Request) {
		// httprate sets Retry-After to the window in seconds; keep it at
		// least 1 s for windows below a second.
		w.Header().Set("Retry-After", retry)
		writeJSON(w, http.StatusTooManyRequests, apiError{
			Error: "too many API requests from this client; the limit is " + strconv.Itoa(cfg.Requests) +
				" per " + formatWindow(window) + "; retry after " + retry + " s",
			Limit: int64(cfg.Requests)})
	}
	return httprate.NewRateLimiter(cfg.Requests, window,
		httprate.WithKeyFuncs(func(r *http.Request) (string, error) { return clientIPs.Of(r), nil }),
		httprate.WithLimitHandler(limited),
	).Handler
}

// registerWorkMetrics exports the work limiter and the caches.
func (s *Server) registerWorkMetrics(m *metrics) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "stride_work_in_flight",
			Help: "Expensive requests (compute, checks, uncached pages) running now.",
		}, func() float64 { return float64(s.work.inFlight()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "stride_work_queued",
			Help: "Expensive requests waiting for a work slot.",
		}, func() float64 { return float64(s.work.waiting.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "stride_work_rejected_total",
			Help: "Expensive requests refused with 503 because every work slot stayed busy.",
		}, func() float64 { return float64(s.work.rejected.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "stride_page_cache_bytes",
			Help: "Memory held by the rendered-page cache (plain and gzipped copies).",
		}, func() float64 {
			if s.pages == nil {
				return 0
			}
			_, used := s.pages.size()
			return float64(used)
		}),
	)
}

// formatWindow writes a rate window for people: "1 min", "10 s", "1 h".
func formatWindow(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + " h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	}
	return d.String()
}

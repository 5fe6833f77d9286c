package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// contentSecurityPolicy forbids inline scripts, inline styles, eval and any
// other origin: every script and stylesheet is a hashed file under /static.
// frameAncestors decides who may frame the page: 'self' for ordinary pages,
// the configured embedding hosts for /embed/. It is sent as a header, since
// browsers ignore frame-ancestors in a meta tag, and no X-Frame-Options is
// sent, which would contradict it.
func contentSecurityPolicy(frameAncestors string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; " +
		"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors " + frameAncestors
}

// permissionsPolicy turns off the browser features Stride never uses.
const permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

// Header values every response shares (see securityHeaders).
var (
	nosniffValue     = oneValue("nosniff")
	referrerValue    = oneValue("strict-origin-when-cross-origin")
	permissionsValue = oneValue(permissionsPolicy)
	openerValue      = oneValue("same-origin")
)

// oneValue is a header value to share between responses: its capacity is
// full, so appending to it copies.
func oneValue(v string) []string { return []string{v}[:1:1] }

// securityHeaders sets the headers every response carries.
func securityHeaders(frameAncestors string) func(http.Handler) http.Handler {
	cspValue := oneValue(contentSecurityPolicy(frameAncestors))
	embeddable := frameAncestors != "'self'"
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The values are made once and shared: net/http only reads
			// them, Set replaces a value and Add copies one whose capacity
			// is full, so no response can change another's.
			h := w.Header()
			h["Content-Security-Policy"] = cspValue
			h["X-Content-Type-Options"] = nosniffValue
			h["Referrer-Policy"] = referrerValue
			h["Permissions-Policy"] = permissionsValue
			if !embeddable {
				// An opener policy would break nothing on a top-level page,
				// but embedded pages must stay reachable from their host.
				h["Cross-Origin-Opener-Policy"] = openerValue
			}
			next.ServeHTTP(w, r)
		})
	}
}

// statusRecorder remembers the status and size of a response for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	// writeFailed is set when a write to the client failed: the client
	// closed the connection or stopped reading until the write timeout.
	writeFailed bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	if err != nil {
		s.writeFailed = true
	}
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer, which the
// websocket upgrade needs to hijack the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// StatusClientClosedRequest is the status the request log and metrics
// record for a request whose client went away before the response was
// delivered (nginx's 499). It is never sent: there is no one to send it to.
const StatusClientClosedRequest = 499

// requestInfoKey finds a request's *requestInfo in its context.
type requestInfoKey struct{}

// requestInfo is what handlers tell the request log about a request that
// the response alone does not show. The request's own goroutine writes and
// reads it, so it needs no lock.
type requestInfo struct {
	// unmatched is set by the not-found handlers: no route matched, so the
	// route label is "unmatched" whatever pattern chi was trying.
	unmatched bool
	// slot is the work slot the request holds while the work limiter runs
	// it (web/admission.go), for releaseWorkSlot.
	slot *heldSlot
}

// markUnmatched records that no route matched r.
func markUnmatched(r *http.Request) {
	if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		ri.unmatched = true
	}
}

// unmatched wraps a not-found handler so its requests share one route
// label.
func unmatched(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		markUnmatched(r)
		next(w, r)
	}
}

// requestState is everything the request log keeps for one request, in
// one allocation: the request's context (it is the context: Value answers
// the request log's and chi's keys itself), the record handlers fill in,
// the status recorder and the X-Request-Id header value. Before, the log
// and chi each made their own copy of the request with a context value,
// and the recorder, the record and the header value were allocations of
// their own: on a varied check, a sixth of the request's allocations.
type requestState struct {
	context.Context // the request's context as the server made it
	// rctx is the route context the request log made for the router it
	// wraps (nil when a router outside made one): chi finds it and does
	// not copy the request again.
	rctx *chi.Context
	info requestInfo
	rec  statusRecorder
	id   [1]string
}

// Value answers the keys of the request record and of chi's route
// context, and asks the server's context for any other.
func (s *requestState) Value(key any) any {
	switch key {
	case requestInfoKey{}:
		return &s.info
	case chi.RouteCtxKey:
		if s.rctx != nil {
			return s.rctx
		}
	}
	return s.Context.Value(key)
}

// requestLog writes one structured line per request: id, route pattern,
// status, bytes and duration. It never logs bodies, so student answers stay
// out of the logs.
//
// routes, when not nil, is the chi router requestLog wraps (as the
// outermost handler, NewHandler's case): the log then makes that router's
// route context itself, from a pool as chi does, so that the request is
// copied once (with the log's context) rather than twice. Used as a chi
// middleware (routes nil), it finds chi's route context in the request.
func requestLog(logger *slog.Logger, m *metrics, routes chi.Routes) func(http.Handler) http.Handler {
	// Route contexts go back to the pool when the request ends, as chi's
	// own do (chi.Mux.ServeHTTP).
	rctxs := sync.Pool{New: func() any { return chi.NewRouteContext() }}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			st := &requestState{Context: r.Context()}
			id := r.Header.Get("X-Request-Id")
			if id == "" || len(id) > 64 {
				id = newRequestID()
			}
			st.id[0] = id
			// Capacity-full: Add copies rather than writing into st.
			w.Header()["X-Request-Id"] = st.id[:1:1]
			st.rec.ResponseWriter = w
			if routes != nil && chi.RouteContext(st.Context) == nil {
				st.rctx = rctxs.Get().(*chi.Context)
				st.rctx.Reset()
				st.rctx.Routes = routes
			}
			r = r.WithContext(st)
			next.ServeHTTP(&st.rec, r)
			// The route label is a registered pattern, never the path, so
			// its values are the routes of this file plus "unmatched".
			route := ""
			if rc := chi.RouteContext(r.Context()); rc != nil {
				route = rc.RoutePattern()
			}
			if st.rctx != nil {
				rctxs.Put(st.rctx)
			}
			if route == "" || st.info.unmatched {
				route = "unmatched"
			}
			rec := &st.rec
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			// The server cancels a request's context when its client
			// disconnects (before the handler returned), and a failed
			// write means the client stopped taking the response. Either
			// way the client aborted: whatever the handler answered never
			// arrived, and it is no server error.
			aborted := rec.writeFailed || r.Context().Err() != nil
			if aborted {
				status = StatusClientClosedRequest
			}
			elapsed := time.Since(start)
			if m != nil {
				m.observeRequest(route, r.Method, status, elapsed)
			}
			if !logger.Enabled(r.Context(), slog.LevelInfo) {
				// Above info (-log-level warn) the line would be dropped;
				// skip building its attributes, which escape to the heap.
				return
			}
			attrs := []slog.Attr{
				slog.String("request_id", id),
				// A method may be any token of any length; a made-up one
				// is clipped so it cannot flood the log.
				slog.String("method", clip(r.Method, 16)),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", elapsed),
			}
			if aborted {
				attrs = append(attrs, slog.String("outcome", "client_abort"))
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		})
	}
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recoverJSON turns a panic, which is always a bug, into a logged error and a
// generic answer instead of a dropped connection.
func recoverJSON(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					logger.ErrorContext(r.Context(), "panic in handler", "panic", v, "stack", string(debug.Stack()))
					writeJSON(w, http.StatusInternalServerError, apiError{Error: "internal error; this is a bug in Stride"})
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// limitBody caps request bodies; reading past the cap fails with
// *http.MaxBytesError, which decodeJSON turns into 413.
func limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

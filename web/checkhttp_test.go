package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// TestCheckRouteKeepsEveryLimit sends the check route, at the root and
// under a base path, every request one of its middlewares must stop or
// mark, in the order the chain meets them, so that a middleware left out
// or moved (the request log now wraps the router and makes its route
// context) fails here: content type (415), body size (413, the field
// named), preflight (204 with CORS), method (405), the work limiter (503
// with Retry-After), a good check (200 with every header the route sends
// and the request id echoed), the per-client rate limit (429), and the
// metrics' route label and the log line, which carries no answer.
func TestCheckRouteKeepsEveryLimit(t *testing.T) {
	for _, base := range []string{"", "/tutor"} {
		t.Run("base="+base, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			app := newTestHandler(t, Config{
				BasePath: base,
				Logger:   logger,
				// Eight API requests per minute: the steps below use seven.
				APIRate: RateConfig{Requests: 8, Window: time.Minute},
				Work:    WorkConfig{Limit: 1, Queue: -1},
			})
			path := base + "/api/v1/exercises/conv-by-hand/check"
			send := func(method, ctype, body string, hdr ...string) *httptest.ResponseRecorder {
				t.Helper()
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				rec := httptest.NewRecorder()
				app.ServeHTTP(rec, req)
				return rec
			}
			// The answer is unusual so that the log can be searched for it.
			const secret = "417x4171"
			body := `{"seed": 0, "answers": {"dims": "` + secret + `"}}`

			// 1. No JSON content type: 415 (rate-limited request 1).
			if rec := send(http.MethodPost, "text/plain", body); rec.Code != http.StatusUnsupportedMediaType {
				t.Errorf("text/plain: %d, want 415", rec.Code)
			}
			// 2. A body over the cap: 413 naming the limit (request 2).
			big := `{"seed": 0, "answers": {"dims": "` + strings.Repeat("1", MaxBodyBytes) + `"}}`
			if rec := send(http.MethodPost, "application/json", big); rec.Code != http.StatusRequestEntityTooLarge ||
				!strings.Contains(rec.Body.String(), strconv.Itoa(MaxBodyBytes)) {
				t.Errorf("body over %d bytes: %d %.200s, want 413 naming the limit", MaxBodyBytes, rec.Code, rec.Body)
			}
			// 3. A CORS preflight: 204 with the allowed method, not counted.
			rec := send(http.MethodOptions, "", "", "Origin", "https://other.example", "Access-Control-Request-Method", "POST")
			if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" ||
				!strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "POST") {
				t.Errorf("preflight: %d %v", rec.Code, rec.Header())
			}
			// 4. A method the route does not take: 405 with Allow.
			if rec := send(http.MethodPut, "application/json", body); rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("PUT: %d, want 405", rec.Code)
			}
			// 5. Every work slot taken: 503 with Retry-After (request 3).
			release := holdSlots(t, app)
			rec = send(http.MethodPost, "application/json", body)
			release()
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
				t.Errorf("saturated: %d, Retry-After %q, want 503 with one", rec.Code, rec.Header().Get("Retry-After"))
			}
			// 6. A good check: 200 with the route's headers (request 4).
			rec = send(http.MethodPost, "application/json", body, "X-Request-Id", "req-42")
			if rec.Code != http.StatusOK {
				t.Fatalf("check: %d %s", rec.Code, rec.Body)
			}
			for name, want := range map[string]string{
				"Content-Type":                  "application/json; charset=utf-8",
				"Cache-Control":                 "no-store",
				"Access-Control-Allow-Origin":   "*",
				"Access-Control-Expose-Headers": corsExposeHeaders,
				"X-Content-Type-Options":        "nosniff",
				"Referrer-Policy":               "strict-origin-when-cross-origin",
				"Permissions-Policy":            permissionsPolicy,
				"Vary":                          "Accept-Encoding",
				"X-Request-Id":                  "req-42",
				"Content-Length":                strconv.Itoa(rec.Body.Len()),
			} {
				if got := rec.Header().Values(name); len(got) != 1 || got[0] != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors") {
				t.Errorf("no Content-Security-Policy with frame-ancestors: %q", rec.Header().Get("Content-Security-Policy"))
			}
			// 7. The same body again, and then past the rate limit: the
			// memo answers request 5, requests 6-8 pass, 9 is refused.
			for i := 5; i <= 8; i++ {
				if rec := send(http.MethodPost, "application/json", body); rec.Code != http.StatusOK {
					t.Fatalf("check %d: %d", i, rec.Code)
				}
			}
			if rec := send(http.MethodPost, "application/json", body); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
				t.Errorf("past the rate limit: %d, want 429 with Retry-After", rec.Code)
			}

			// Metrics label the route by its pattern, and an unknown path
			// as "unmatched".
			if rec := do(t, app, http.MethodGet, base+"/no/such/page", ""); rec.Code != http.StatusNotFound {
				t.Errorf("unknown path: %d", rec.Code)
			}
			metrics := do(t, app, http.MethodGet, base+"/metrics", "").Body.String()
			for _, want := range []string{
				`stride_http_requests_total{method="POST",route="` + base + `/api/v1/exercises/{id}/check",status="200"} 5`,
				`stride_http_requests_total{method="POST",route="` + base + `/api/v1/exercises/{id}/check",status="503"} 1`,
				`stride_http_requests_total{method="POST",route="` + base + `/api/v1/exercises/{id}/check",status="429"} 1`,
				`stride_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
			} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			// The log has a line per request with the route and the id,
			// and never the answer.
			if !strings.Contains(logs.String(), `"request_id":"req-42"`) ||
				!strings.Contains(logs.String(), `"route":"`+base+`/api/v1/exercises/{id}/check"`) {
				t.Errorf("log lacks the check's line: %.500s", logs.String())
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log holds the student's answer")
			}
		})
	}
}

// TestRequestLogCopiesRequestOnce: wrapped around a router, the request
// log gives the router its route context, so the route's handler gets the
// request the log made (its context is the log's own, not chi's copy on
// top), with its URL parameters, its pattern for the log, and the
// record handlers reach (a work slot, an unmatched mark).
func TestRequestLogCopiesRequestOnce(t *testing.T) {
	router := chi.NewRouter()
	var sawState, sawInfo bool
	var param string
	router.Get("/x/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, sawState = r.Context().(*requestState)
		_, sawInfo = r.Context().Value(requestInfoKey{}).(*requestInfo)
		param = chi.URLParam(r, "id")
		_, _ = io.WriteString(w, "ok")
	})
	router.NotFound(unmatched(http.NotFound))
	var logs bytes.Buffer
	m := newMetrics(func() int { return 0 })
	h := requestLog(slog.New(slog.NewJSONHandler(&logs, nil)), m, router)(router)
	for range 2 { // the second request reuses the pooled route context
		sawState, sawInfo, param = false, false, ""
		rec := do(t, h, http.MethodGet, "/x/abc", "")
		if rec.Code != http.StatusOK || !sawState || !sawInfo || param != "abc" {
			t.Errorf("status %d, handler saw the log's context %v, its record %v, id %q", rec.Code, sawState, sawInfo, param)
		}
	}
	do(t, h, http.MethodGet, "/nope", "")
	if got := strings.Count(logs.String(), `"route":"/x/{id}"`); got != 2 {
		t.Errorf("%d log lines with the route pattern, want 2: %s", got, logs.String())
	}
	if !strings.Contains(logs.String(), `"route":"unmatched"`) {
		t.Errorf("no unmatched line: %s", logs.String())
	}
}

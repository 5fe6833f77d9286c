package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestHeadersForEveryRouteFamily checks the security headers of each kind
// of response: pages, embeds, the APIs, assets, probes, metrics, errors.
func TestHeadersForEveryRouteFamily(t *testing.T) {
	h := newTestHandler(t, Config{})
	tests := []struct {
		method, path, body string
		ancestors          string
	}{
		{"GET", "/", "", "'self'"},
		{"GET", "/exercises/conv-by-hand", "", "'self'"},
		{"POST", "/exercises/conv-by-hand", "", "'self'"},
		{"GET", "/playground", "", "'self'"},
		{"GET", "/api", "", "'self'"},
		{"GET", "/embed/conv-by-hand?seed=3", "", "https: http://localhost:* http://127.0.0.1:*"},
		{"GET", "/embed/playground", "", "https: http://localhost:* http://127.0.0.1:*"},
		{"POST", "/api/v1/compute/attention", `{"d_model": 8, "num_heads": 2}`, "'self'"},
		{"POST", "/api/v1/exercises/conv-by-hand/check", `{"answers": {}}`, "https: http://localhost:* http://127.0.0.1:*"},
		{"GET", "/api/v1/exercises", "", "'self'"},
		{"GET", "/api/v1/openapi.json", "", "'self'"},
		{"GET", "/static/app.css", "", "https: http://localhost:* http://127.0.0.1:*"},
		{"GET", "/healthz", "", "'self'"},
		{"GET", "/readyz", "", "'self'"},
		{"GET", "/metrics", "", "'self'"},
		{"GET", "/ws/animate", "", "'self'"},
		{"GET", "/no/such/page", "", "'self'"},
		{"GET", "/api/v1/nope", "", "'self'"},
	}
	for _, tc := range tests {
		rec := do(t, h, tc.method, tc.path, tc.body)
		hd := rec.Header()
		csp := hd.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors "+tc.ancestors) {
			t.Errorf("%s %s: CSP %q, want frame-ancestors %s", tc.method, tc.path, csp, tc.ancestors)
		}
		for _, bad := range []string{"unsafe-inline", "unsafe-eval"} {
			if strings.Contains(csp, bad) {
				t.Errorf("%s %s: CSP allows %s", tc.method, tc.path, bad)
			}
		}
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") {
			t.Errorf("%s %s: CSP %q", tc.method, tc.path, csp)
		}
		if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") == "" || hd.Get("Permissions-Policy") == "" {
			t.Errorf("%s %s: missing nosniff, referrer or permissions policy: %v", tc.method, tc.path, hd)
		}
		if hd.Get("X-Frame-Options") != "" {
			t.Errorf("%s %s: X-Frame-Options contradicts frame-ancestors", tc.method, tc.path)
		}
		if hd.Get("Set-Cookie") != "" {
			t.Errorf("%s %s: Stride needs no cookies", tc.method, tc.path)
		}
	}
}

func TestGzipForTextResponses(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, path := range []string{"/", "/static/app.css", "/api/v1/exercises"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not gzipped (%q)", path, rec.Header().Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(zr); err != nil || len(b) == 0 {
			t.Errorf("%s: bad gzip body: %v", path, err)
		}
	}
}

func TestMetrics(t *testing.T) {
	h := newTestHandler(t, Config{})
	do(t, h, "POST", "/api/v1/exercises/conv-by-hand/check", `{"answers": {"dims": "3x3", "bottom-right": "22"}}`)
	do(t, h, "GET", "/exercises/conv-by-hand", "")
	body := do(t, h, "GET", "/metrics", "").Body.String()
	for _, want := range []string{
		`stride_http_requests_total{method="GET",route="/exercises/{id}",status="200"} 1`,
		`stride_http_request_duration_seconds_bucket{method="POST",route="/api/v1/exercises/{id}/check"`,
		`stride_exercise_checks_total{exercise="conv-by-hand",verdict="correct"} 1`,
		`stride_exercise_checks_total{exercise="conv-by-hand",verdict="incorrect"} 1`,
		`stride_animation_streams_active 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestLogsCarryRequestsButNoAnswers(t *testing.T) {
	var buf bytes.Buffer
	h := newTestHandler(t, Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	secret := "9731-unique-student-answer"
	do(t, h, "POST", "/api/v1/exercises/conv-by-hand/check", `{"answers": {"dims": "`+secret+`"}}`)
	doWithType(t, h, "/exercises/conv-by-hand", "a.dims="+secret, "application/x-www-form-urlencoded")
	logs := buf.String()
	if strings.Contains(logs, secret) {
		t.Fatalf("a student's answer reached the logs: %s", logs)
	}
	var line map[string]any
	first := strings.SplitN(logs, "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"request_id", "route", "status", "bytes", "duration"} {
		if _, ok := line[k]; !ok {
			t.Errorf("log line lacks %s: %s", k, first)
		}
	}
	if line["route"] != "/api/v1/exercises/{id}/check" {
		t.Errorf("route %v", line["route"])
	}
}

// TestEverythingWorksUnderABasePath serves Stride under /tutor/ and follows
// every link, asset and form action of the pages, then runs an animation
// over the websocket at /tutor/ws/animate.
func TestEverythingWorksUnderABasePath(t *testing.T) {
	srv := newTestServer(t, Config{BasePath: "/tutor/"})
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	pages := []string{"/tutor/", "/tutor/exercises/conv-by-hand", "/tutor/exercises/cnn-shape-table?seed=4", "/tutor/playground", "/tutor/api", "/tutor/embed/conv-by-hand", "/tutor/embed/playground"}
	seen := map[string]bool{}
	for _, p := range pages {
		code, body := get(p)
		if code != 200 {
			t.Fatalf("%s: %d", p, code)
		}
		for _, attr := range []string{` href="`, ` src="`, ` action="`, ` data-ws-url="`, ` data-check-url="`} {
			for _, part := range strings.Split(body, attr)[1:] {
				link := part[:strings.IndexByte(part, '"')]
				if strings.HasPrefix(link, "#") || strings.HasPrefix(link, "http") {
					continue
				}
				if !strings.HasPrefix(link, "/tutor/") {
					t.Errorf("%s: %s%s is outside the base path", p, attr, link)
					continue
				}
				seen[strings.ReplaceAll(link, "&amp;", "&")] = true
			}
		}
	}
	for link := range seen {
		if strings.Contains(link, "/ws/") || strings.Contains(link, "/check") {
			continue
		}
		if code, _ := get(link); code != 200 {
			t.Errorf("link %s: %d", link, code)
		}
	}
	if !seen["/tutor/ws/animate"] || !seen["/tutor/api/v1/exercises/conv-by-hand/check"] {
		t.Errorf("pages should point the websocket and the check API under the base path: %v", seen)
	}
	// The check API and the websocket work there.
	resp, err := http.Post(srv.URL+"/tutor/api/v1/exercises/conv-by-hand/check", "application/json", strings.NewReader(`{"answers": {"dims": "3x3", "bottom-right": "-22"}}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("check under base path: %v %v", resp, err)
	}
	var checked checkResponse
	err = json.NewDecoder(resp.Body).Decode(&checked)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/tutor/ws/animate", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	// The replay that shows both answers opens with the tokens the check
	// returned for them.
	tokens := []string{checked.Parts["dims"].Unlock, checked.Parts["bottom-right"].Unlock}
	if err := ws.WriteJSON(map[string]any{"type": "start", "exercise": "conv-by-hand", "seed": 0, "part": "dims", "fps": 60, "unlock": tokens}); err != nil {
		t.Fatal(err)
	}
	var last map[string]any
	for {
		var m map[string]any
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		if m["type"] == "done" {
			break
		}
		if m["type"] == "step" {
			last = m
		}
	}
	if last["value"] != -22.0 {
		t.Errorf("last step %v", last)
	}
	// Outside the base path there is nothing but the redirect to it.
	if code, _ := get("/exercises/conv-by-hand"); code != 404 {
		t.Errorf("path outside the base: %d", code)
	}
}

func TestHeadOnGetRoutes(t *testing.T) {
	h := newTestHandler(t, Config{})
	h.SetReady(true)
	for _, p := range []string{"/", "/exercises/conv-by-hand", "/playground", "/embed/conv-by-hand", "/api", "/api/v1/exercises", "/healthz", "/readyz", "/static/app.css"} {
		if rec := do(t, h, http.MethodHead, p, ""); rec.Code != 200 {
			t.Errorf("HEAD %s: %d", p, rec.Code)
		}
	}
	if rec := do(t, h, http.MethodPost, "/static/app.css", ""); rec.Code == 200 {
		t.Errorf("POST to a static asset: %d", rec.Code)
	}
}

// TestPagesHaveUniqueIDs guards labels and aria references: a repeated id
// makes a screen reader read the wrong element.
func TestPagesHaveUniqueIDs(t *testing.T) {
	h := newTestHandler(t, Config{})
	var paths []string
	for _, id := range []string{"attention-parameters", "conv-output-size", "conv-by-hand", "cnn-shape-table", "cnn-parameters", "cnn-concepts", "rnn-shapes", "rnn-concepts", "rnn-forward"} {
		paths = append(paths, "/exercises/"+id, "/exercises/"+id+"?seed=77", "/embed/"+id)
	}
	paths = append(paths, "/", "/playground", "/api")
	for _, p := range paths {
		body := do(t, h, http.MethodGet, p, "").Body.String()
		seen := map[string]bool{}
		for _, part := range strings.Split(body, ` id="`)[1:] {
			id := part[:strings.IndexByte(part, '"')]
			if seen[id] {
				t.Errorf("%s: duplicate id %q", p, id)
			}
			seen[id] = true
		}
	}
}

func TestEmbedPartsMustNameParts(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, q := range []string{"parts=,,,", "parts=nope", "parts=dims,nope"} {
		if rec := do(t, h, http.MethodGet, "/embed/conv-by-hand?"+q, ""); rec.Code != 400 {
			t.Errorf("%s: %d", q, rec.Code)
		}
	}
	rec := do(t, h, http.MethodGet, "/embed/conv-by-hand?parts=dims,+bottom-right", "")
	if rec.Code != 200 {
		t.Errorf("two valid parts: %d", rec.Code)
	}
	// The form posts back to the same selection.
	if !strings.Contains(rec.Body.String(), `action="/embed/conv-by-hand?seed=0&amp;parts=dims%2Cbottom-right"`) {
		t.Error("the embedded form should keep its part selection")
	}
	if !strings.Contains(do(t, h, http.MethodGet, "/embed/conv-by-hand", "").Body.String(), `action="/embed/conv-by-hand?seed=0"`) {
		t.Error("an embed of every part should post without a selection")
	}
}

func TestPlaygroundValidation(t *testing.T) {
	h := newTestHandler(t, Config{})
	base := "/playground?op=conv2d&input=1+2+3%0A4+5+6%0A7+8+9&kernel=1+0%0A0+1"
	tests := []struct {
		query, want string
		status      int
	}{
		{"", "Step by step", 200},
		{"&stride=2&padding=1&dilation=2", "Step by step", 200},
		{"&stride=2x1", "Step by step", 200},
		{"&stride=0", "Stride: each size must be from 1", 400},
		{"&dilation=0", "Dilation: each size must be from 1", 400},
		{"&padding=-1", "Padding: each size must be from 0", 400},
		{"&stride=abc", "Stride: write one whole number", 400},
		{"&dilation=9", "larger than the padded input", 400},
	}
	for _, tc := range tests {
		rec := do(t, h, http.MethodGet, base+tc.query, "")
		body := rec.Body.String()
		if rec.Code != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d with %q", tc.query, rec.Code, tc.status, tc.want)
		}
		if strings.Contains(body, "trace:") || strings.Contains(body, "conv2d:") {
			t.Errorf("%s: internal prefix reaches the page", tc.query)
		}
	}
	if rec := do(t, h, http.MethodGet, "/playground?op=maxpool2d&input=1+2%0A3+4&kernel_size=0", ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), "Kernel size: each size") {
		t.Errorf("kernel_size=0: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/playground?op=bogus", ""); rec.Code != 400 {
		t.Errorf("op=bogus: %d", rec.Code)
	}
}

func TestNonWebsocketAndWrongMethodGetJSONErrors(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, tc := range []struct{ method, path, field string }{
		{"GET", "/ws/animate", "Upgrade"},
		{"DELETE", "/", "method"},
		{"PUT", "/exercises/conv-by-hand", "method"},
		{"GET", "/api/v1/compute/conv2d", "method"},
	} {
		rec := do(t, h, tc.method, tc.path, "")
		var e apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Field != tc.field || e.Error == "" {
			t.Errorf("%s %s: %d %q", tc.method, tc.path, rec.Code, rec.Body)
		}
		if rec.Code < 400 || rec.Code >= 500 {
			t.Errorf("%s %s: status %d", tc.method, tc.path, rec.Code)
		}
	}
}

package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodGet, "/healthz", "")
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "ok" {
		t.Errorf("healthz: %d %q", rec.Code, rec.Body)
	}
	if rec := do(t, h, http.MethodGet, "/readyz", ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz before SetReady: %d", rec.Code)
	}
	h.SetReady(true)
	if rec := do(t, h, http.MethodGet, "/readyz", ""); rec.Code != http.StatusOK {
		t.Errorf("readyz when ready: %d", rec.Code)
	}
	h.SetReady(false)
	if rec := do(t, h, http.MethodGet, "/readyz", ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz while shutting down: %d", rec.Code)
	}
}

func TestPagesRender(t *testing.T) {
	h := newTestHandler(t, Config{})
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{"<h1>", "Compute API", "/api/v1/compute/conv2d", `lang="en"`, `<main id="main"`}},
		{"/api", 200, []string{"curl -s http://example.com/api/v1/compute/network", "405050", "/api/v1/openapi.json"}},
		{"/no/such/page", 404, []string{"Page not found", "/no/such/page"}},
		// Error messages are sentences on a page, not the JSON API's
		// lower-case fragments.
		{"/exercises/no-such-exercise", 404, []string{"<h1>Page not found</h1>", "<p>There is no exercise &#34;no-such-exercise&#34;.</p>"}},
		{"/exercises/conv-by-hand?seed=x", 400, []string{"<p>Seed "}},
	}
	for _, tc := range tests {
		rec := do(t, h, http.MethodGet, tc.path, "")
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, rec.Code, tc.status)
		}
		body := rec.Body.String()
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: missing %q", tc.path, w)
			}
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, ` style="`) || strings.Contains(body, " onclick=") {
			t.Errorf("%s: inline script or style would break the CSP", tc.path)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, p := range []string{"/", "/healthz", "/api/v1/openapi.json", "/nope"} {
		rec := do(t, h, http.MethodGet, p, "")
		csp := rec.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if !strings.Contains(csp, "frame-ancestors 'self'") {
			t.Errorf("%s: CSP lacks frame-ancestors: %q", p, csp)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
		if rec.Header().Get("Referrer-Policy") == "" || rec.Header().Get("Permissions-Policy") == "" {
			t.Errorf("%s: missing referrer or permissions policy", p)
		}
		if rec.Header().Get("X-Frame-Options") != "" {
			t.Errorf("%s: X-Frame-Options would contradict frame-ancestors", p)
		}
	}
	rec := do(t, h, http.MethodPost, "/api/v1/compute/attention", `{"d_model": 8, "num_heads": 2}`)
	if rec.Header().Get("Content-Security-Policy") == "" {
		t.Error("API responses carry the CSP too")
	}
}

func TestStaticAssetsHashedAndImmutable(t *testing.T) {
	h := newTestHandler(t, Config{})
	page := do(t, h, http.MethodGet, "/", "").Body.String()
	i := strings.Index(page, `href="/static/app.`)
	if i < 0 {
		t.Fatal("stylesheet link not found")
	}
	href := page[i+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	rec := do(t, h, http.MethodGet, href, "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("%s: %d %s", href, rec.Code, rec.Header().Get("Content-Type"))
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q", cc)
	}
	req := do(t, h, http.MethodGet, "/static/app.css", "")
	if req.Code != 200 || strings.Contains(req.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("plain name: %d %q", req.Code, req.Header().Get("Cache-Control"))
	}
	if rec := do(t, h, http.MethodGet, "/static/nope.css", ""); rec.Code != 404 {
		t.Errorf("missing asset: %d", rec.Code)
	}
}

func TestBasePath(t *testing.T) {
	h := newTestHandler(t, Config{BasePath: "tutor"})
	rec := do(t, h, http.MethodGet, "/tutor/", "")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, w := range []string{`href="/tutor/static/app.`, `href="/tutor/api"`, `href="/tutor/"`} {
		if !strings.Contains(body, w) {
			t.Errorf("missing %q", w)
		}
	}
	if rec := do(t, h, http.MethodGet, "/tutor/healthz", ""); rec.Code != 200 {
		t.Errorf("healthz under base: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/", ""); rec.Code != http.StatusFound || rec.Header().Get("Location") != "/tutor/" {
		t.Errorf("root redirect: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := do(t, h, http.MethodPost, "/tutor/api/v1/compute/attention", `{"d_model": 8, "num_heads": 2}`); rec.Code != 200 {
		t.Errorf("API under base: %d", rec.Code)
	}
}

func TestNormalizeBasePath(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true}, {"/", "", true}, {"tutor", "/tutor", true}, {"/tutor/", "/tutor", true},
		{"/a/b", "/a/b", true}, {"/a//b", "", false}, {"/../x", "", false}, {"/a b", "", false}, {"/<x>", "", false},
		// Dot segments: browsers resolve them away, so links built on
		// them miss the routes ("/tutor/./static" becomes "/tutor/static"),
		// and "." alone redirects "/" to itself forever.
		{".", "", false}, {"/./", "", false}, {"..", "", false}, {"tutor/.", "", false}, {"./tutor", "", false},
		{"/tutor/..", "", false}, {"/a/./b", "", false}, {"/a/../b", "", false},
		// Dots inside a segment are ordinary characters.
		{"/v1.2", "/v1.2", true}, {"/.well", "/.well", true}, {"/a..b", "/a..b", true}, {"/...", "/...", true},
	}
	for _, tc := range tests {
		got, err := NormalizeBasePath(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizeBasePath(%q) = %q, %v", tc.in, got, err)
		}
	}
}

// TestPlayerScriptOnlyWithPlayer: only pages that show an animation player
// load player.js.
func TestPlayerScriptOnlyWithPlayer(t *testing.T) {
	h := newTestHandler(t, Config{})
	tests := []struct {
		path   string
		player bool
	}{
		{"/", false},
		{"/api", false},
		{"/no/such/page", false},
		{"/exercises/rnn-shapes", false},
		{"/exercises/rnn-forward", false},
		{"/exercises/cnn-concepts", false},
		{"/embed/rnn-shapes", false},
		{"/exercises/conv-by-hand", true},
		{"/embed/conv-by-hand", true},
		{"/exercises/cnn-shape-table", true},
		{"/playground", true},
		{"/embed/playground", true},
	}
	for _, tc := range tests {
		body := do(t, h, http.MethodGet, tc.path, "").Body.String()
		if got := strings.Contains(body, "/static/player."); got != tc.player {
			t.Errorf("%s: loads player.js = %v, want %v", tc.path, got, tc.player)
		}
		if got := strings.Contains(body, `class="player"`) || strings.Contains(body, `class="player `); got != tc.player {
			t.Errorf("%s: shows a player = %v, want %v", tc.path, got, tc.player)
		}
	}
}

// TestAPIReferenceExamples: the curl examples use the address and base path
// the page was reached by, matrices print one row per line, and every code
// block can take keyboard focus (it may scroll sideways).
func TestAPIReferenceExamples(t *testing.T) {
	h := newTestHandler(t, Config{BasePath: "/tutor"})
	req := httptest.NewRequest(http.MethodGet, "/tutor/api", nil)
	req.Host = "stride.example.edu"
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	for _, want := range []string{
		"curl -s https://stride.example.edu/tutor/api/v1/compute/conv2d",
		"[-1, -23, -11],\n    [11, 27, 34],\n    [-3, -18, -22]\n  ],\n  &#34;shape&#34;: [3, 3]",
		"{&#34;type&#34;: &#34;Conv2d&#34;, &#34;output_shape&#34;: [12, 48, 48], &#34;params&#34;: 10416},",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/api lacks %q", want)
		}
	}
	if strings.Contains(body, "localhost:8080") {
		t.Error("/api hard-codes localhost:8080")
	}
	if n, focusable := strings.Count(body, "<pre"), strings.Count(body, `<pre tabindex="0"`); n == 0 || n != focusable {
		t.Errorf("%d of %d code blocks are focusable", focusable, n)
	}
	if lines := strings.Count(body, "\n"); lines > 120 {
		t.Errorf("/api has %d lines; examples should print compactly", lines)
	}
}

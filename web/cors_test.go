package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// apiRoutes are the API routes open to other origins, with the method each
// takes and a valid body for it.
var apiRoutes = []struct{ method, path, body string }{
	{"POST", "/api/v1/compute/conv2d", `{"input": [[1, 2], [3, 4]], "kernel": [[1]]}`},
	{"POST", "/api/v1/compute/pool2d", `{"op": "max", "input": [[1, 2], [3, 4]], "kernel_size": 2}`},
	{"POST", "/api/v1/compute/network", `{"input_shape": [4], "layers": [{"type": "Linear", "out_features": 2}]}`},
	{"POST", "/api/v1/compute/attention", `{"d_model": 8, "num_heads": 2}`},
	{"POST", "/api/v1/compute/rnn", `{"input_size": 2, "hidden_size": 2, "output_size": 1}`},
	{"POST", "/api/v1/exercises/conv-by-hand/check", `{"answers": {"dims": "3x3"}}`},
	{"GET", "/api/v1/exercises", ""},
	{"GET", "/api/v1/exercises/conv-by-hand", ""},
	{"GET", "/api/v1/openapi.json", ""},
}

func TestAPIAnswersCORSPreflight(t *testing.T) {
	for _, base := range []string{"", "/tutor"} {
		h := newTestHandler(t, Config{BasePath: base})
		for _, rt := range apiRoutes {
			req := httptest.NewRequest(http.MethodOptions, base+rt.path, nil)
			req.Header.Set("Origin", "https://course.example.edu")
			req.Header.Set("Access-Control-Request-Method", rt.method)
			req.Header.Set("Access-Control-Request-Headers", "content-type")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			hd := rec.Header()
			if rec.Code != http.StatusNoContent {
				t.Errorf("preflight %s%s: status %d, want 204", base, rt.path, rec.Code)
				continue
			}
			if hd.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("preflight %s: Access-Control-Allow-Origin %q", rt.path, hd.Get("Access-Control-Allow-Origin"))
			}
			if !strings.Contains(hd.Get("Access-Control-Allow-Methods"), rt.method) {
				t.Errorf("preflight %s: Access-Control-Allow-Methods %q lacks %s", rt.path, hd.Get("Access-Control-Allow-Methods"), rt.method)
			}
			if !strings.Contains(strings.ToLower(hd.Get("Access-Control-Allow-Headers")), "content-type") {
				t.Errorf("preflight %s: Access-Control-Allow-Headers %q lacks Content-Type", rt.path, hd.Get("Access-Control-Allow-Headers"))
			}
			if hd.Get("Access-Control-Max-Age") == "" {
				t.Errorf("preflight %s: no Access-Control-Max-Age", rt.path)
			}
			// Never credentials: a page elsewhere must not act with a
			// visitor's cookies.
			if hd.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("preflight %s allows credentials", rt.path)
			}
			if rec.Body.Len() != 0 {
				t.Errorf("preflight %s has a body: %q", rt.path, rec.Body)
			}

			// The request itself, from the other origin: readable there.
			req = httptest.NewRequest(rt.method, base+rt.path, strings.NewReader(rt.body))
			req.Header.Set("Origin", "https://course.example.edu")
			if rt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s %s from another origin: status %d, Access-Control-Allow-Origin %q: %s",
					rt.method, rt.path, rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), rec.Body)
			}
		}
	}
}

func TestPlainOptionsListsMethods(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodOptions, "/api/v1/compute/conv2d", "")
	if rec.Code != http.StatusNoContent || rec.Header().Get("Allow") != "POST, OPTIONS" {
		t.Errorf("OPTIONS: status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	rec = do(t, h, http.MethodOptions, "/api/v1/exercises/conv-by-hand", "")
	if rec.Code != http.StatusNoContent || rec.Header().Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("OPTIONS: status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestOnlyTheAPIIsCrossOrigin checks that pages, forms, the websocket and
// metrics are not opened to other origins along with the API, and that API
// errors are readable cross-origin too.
func TestOnlyTheAPIIsCrossOrigin(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, tc := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/exercises/conv-by-hand"}, {"GET", "/embed/conv-by-hand"}, {"GET", "/playground"},
		{"GET", "/metrics"}, {"GET", "/healthz"}, {"OPTIONS", "/exercises/conv-by-hand"}, {"OPTIONS", "/embed/conv-by-hand"},
		{"GET", "/ws/animate"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.Header.Set("Origin", "https://course.example.edu")
		req.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("%s %s: Access-Control-Allow-Origin %q", tc.method, tc.path, v)
		}
	}
	for _, path := range []string{"/api/v1/compute/conv2d", "/api/v1/exercises/nope/check", "/api/v1/nope"} {
		rec := do(t, h, http.MethodPost, path, `{"input": [[1]]}`)
		if rec.Code < 400 || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("error from %s: status %d, Access-Control-Allow-Origin %q", path, rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
		}
	}
}

// TestJSONAPIRequiresJSONContentType: a POST to the JSON API that is not
// declared application/json is 415 with the usual error body, whatever the
// body holds, so an HTML form or a text/plain "simple" request from another
// site never reaches an endpoint.
func TestJSONAPIRequiresJSONContentType(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, rt := range apiRoutes {
		if rt.method != http.MethodPost {
			continue
		}
		for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "text/json"} {
			req := httptest.NewRequest(http.MethodPost, rt.path, strings.NewReader(rt.body))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnsupportedMediaType {
				t.Errorf("%s with Content-Type %q: status %d, want 415", rt.path, ct, rec.Code)
				continue
			}
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || e.Field != "Content-Type" {
				t.Errorf("%s with Content-Type %q: body %s", rt.path, ct, rec.Body)
			}
			if !strings.Contains(e.Error, "application/json") {
				t.Errorf("%s: the error does not say what to send: %q", rt.path, e.Error)
			}
		}
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
			if rec := doWithType(t, h, rt.path, rt.body, ct); rec.Code != http.StatusOK {
				t.Errorf("%s with Content-Type %q: status %d: %s", rt.path, ct, rec.Code, rec.Body)
			}
		}
	}
}

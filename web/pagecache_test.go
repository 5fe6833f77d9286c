package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestCachedPageETagAnd304(t *testing.T) {
	app := newTestHandler(t, Config{})
	for _, path := range []string{"/", "/api", "/exercises/conv-by-hand?seed=0", "/embed/conv-by-hand?seed=3&parts=dims", "/playground", "/embed/playground"} {
		first := get(t, app, path, nil)
		etag := first.Header().Get("ETag")
		if first.Code != http.StatusOK || etag == "" || strings.HasPrefix(etag, "W/") || !strings.HasPrefix(etag, `"`) {
			t.Errorf("%s: status %d, ETag %q; want 200 and a strong ETag", path, first.Code, etag)
			continue
		}
		if cc := first.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache (revalidate)", path, cc)
		}
		if first.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s: a cached page lost its security headers", path)
		}
		second := get(t, app, path, nil)
		if second.Header().Get("ETag") != etag || second.Body.String() != first.Body.String() {
			t.Errorf("%s: the cached copy differs from the rendered one", path)
		}
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			rec := get(t, app, path, map[string]string{"If-None-Match": inm})
			if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
				t.Errorf("%s with If-None-Match %s: %d, %d bytes; want an empty 304", path, inm, rec.Code, rec.Body.Len())
			}
		}
		if rec := get(t, app, path, map[string]string{"If-None-Match": `"stale"`}); rec.Code != http.StatusOK {
			t.Errorf("%s with a stale ETag: %d, want 200", path, rec.Code)
		}
	}
}

func TestCachedPageGzipAndIdentityAgree(t *testing.T) {
	app := newTestHandler(t, Config{})
	path := "/exercises/attention-parameters?seed=12"
	// The first request renders (a miss), the others are served from the
	// cache; all must be the same page.
	plain := get(t, app, path, nil)
	zipped := get(t, app, path, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	plainAgain := get(t, app, path, map[string]string{"Accept-Encoding": "gzip;q=0, identity"})
	if plain.Header().Get("Content-Encoding") != "" || plainAgain.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip sent to a client that does not accept it")
	}
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip-accepting client got Content-Encoding %q, Vary %q", zipped.Header().Get("Content-Encoding"), zipped.Header().Get("Vary"))
	}
	if got := gunzip(t, zipped.Body.Bytes()); !bytes.Equal(got, plain.Body.Bytes()) || !bytes.Equal(plain.Body.Bytes(), plainAgain.Body.Bytes()) {
		t.Error("gzip and identity bodies differ")
	}
	if zipped.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Error("the two representations share one strong ETag")
	}
	if fmt.Sprint(zipped.Body.Len()) != zipped.Header().Get("Content-Length") {
		t.Errorf("Content-Length %s for %d bytes", zipped.Header().Get("Content-Length"), zipped.Body.Len())
	}
	// HEAD answers from the same entry.
	req := httptest.NewRequest(http.MethodHead, path, nil)
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != plain.Header().Get("ETag") {
		t.Errorf("HEAD: %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
}

func TestPageCacheStaysUnderItsByteCap(t *testing.T) {
	const limit = 1 << 20
	app := newTestHandler(t, Config{PageCacheBytes: limit})
	for seed := range 200 {
		if rec := get(t, app, fmt.Sprintf("/exercises/cnn-shape-table?seed=%d", seed), nil); rec.Code != http.StatusOK {
			t.Fatalf("seed %d: %d", seed, rec.Code)
		}
		if _, used := app.server.pages.size(); used > limit {
			t.Fatalf("after %d pages the cache holds %d bytes, over its cap of %d", seed+1, used, limit)
		}
	}
	n, used := app.server.pages.size()
	if n == 0 || n >= 200 || used == 0 {
		t.Errorf("cache holds %d pages (%d bytes); want some kept and some evicted", n, used)
	}
	// The most recent page is still there; the first was evicted. Keys
	// begin with the catalog generation (0: no exercise files loaded).
	if _, ok := app.server.pages.get("0\x00http://example.com\x00exercise\x00cnn-shape-table?seed=199"); !ok {
		t.Error("the most recently rendered page is not cached")
	}
	if _, ok := app.server.pages.get("0\x00http://example.com\x00exercise\x00cnn-shape-table?seed=0"); ok {
		t.Error("the least recently used page survived 200 newer ones")
	}
}

func TestPostedAnswersAreNeverCached(t *testing.T) {
	app := newTestHandler(t, Config{})
	path := "/exercises/conv-by-hand?seed=0"
	form := url.Values{"a.dims": {"7x7"}, "a.bottom-right": {"-99"}}.Encode()
	for range 2 {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "-99") {
			t.Fatalf("form post: %d, or the page does not show the answer", rec.Code)
		}
		if rec.Header().Get("ETag") != "" {
			t.Error("a page with someone's answers carries a shared ETag")
		}
	}
	if n, _ := app.server.pages.size(); n != 0 {
		t.Fatalf("%d pages cached after form posts", n)
	}
	rec := get(t, app, path, nil)
	if strings.Contains(rec.Body.String(), "-99") || strings.Contains(rec.Body.String(), "7x7") {
		t.Error("the GET page shows answers posted earlier")
	}
}

func TestCachePageOnlyStoresSharedPages(t *testing.T) {
	app := newTestHandler(t, Config{})
	s := app.server
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		wantCalls int
	}{
		{"plain page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, "<p>same for everyone</p>")
		}, 1},
		{"private page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "private")
			_, _ = io.WriteString(w, "<p>yours</p>")
		}, 3},
		{"page setting a cookie", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			http.SetCookie(w, &http.Cookie{Name: "learner", Value: "x"})
			_, _ = io.WriteString(w, "<p>yours</p>")
		}, 3},
		{"error page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "<p>bad</p>")
		}, 3},
	}
	for _, tc := range tests {
		calls := 0
		h := s.cachePage(fixedPageKey("test-"+tc.name), func(w http.ResponseWriter, r *http.Request) {
			calls++
			tc.handler(w, r)
		})
		for range 3 {
			h(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
		}
		if calls != tc.wantCalls {
			t.Errorf("%s: rendered %d times in 3 requests, want %d", tc.name, calls, tc.wantCalls)
		}
	}
	// A non-GET request never reads or fills the cache.
	calls := 0
	h := s.cachePage(fixedPageKey("test-post"), func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	})
	for range 2 {
		h(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/x", nil))
	}
	if calls != 2 {
		t.Errorf("POST through cachePage rendered %d times in 2 requests, want 2", calls)
	}
}

func TestCachedPagesKeepTheirHostAndScheme(t *testing.T) {
	app := newTestHandler(t, Config{})
	a := get(t, app, "/exercises/conv-by-hand?seed=0", map[string]string{"Host": "a.example"})
	req := httptest.NewRequest(http.MethodGet, "/exercises/conv-by-hand?seed=0", nil)
	req.Host = "b.example"
	req.Header.Set("X-Forwarded-Proto", "https")
	b := httptest.NewRecorder()
	app.ServeHTTP(b, req)
	if !strings.Contains(b.Body.String(), "https://b.example/exercises/conv-by-hand?seed=0") {
		t.Error("a page served to b.example over https does not share its own address")
	}
	if strings.Contains(b.Body.String(), "a.example") || a.Header().Get("ETag") == b.Header().Get("ETag") {
		t.Error("a page cached for one host was served to another")
	}
}

func TestNewVariantRedirectsToAFreshSeed(t *testing.T) {
	app := newTestHandler(t, Config{})
	page := get(t, app, "/exercises/conv-by-hand?seed=42", nil)
	if !strings.Contains(page.Body.String(), `href="/exercises/conv-by-hand/new?from=42"`) {
		t.Fatal("the page's New variant link does not point at /new")
	}
	rec := get(t, app, "/exercises/conv-by-hand/new?from=42", nil)
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/exercises/conv-by-hand?seed=") ||
		loc == "/exercises/conv-by-hand?seed=42" || loc == "/exercises/conv-by-hand?seed=0" {
		t.Errorf("new variant: %d to %q", rec.Code, loc)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("the random redirect may be cached")
	}
	if rec := get(t, app, "/exercises/no-such/new", nil); rec.Code != http.StatusNotFound {
		t.Errorf("new variant of an unknown exercise: %d", rec.Code)
	}
}

func TestVariantsAreGeneratedOnce(t *testing.T) {
	app := newTestHandler(t, Config{})
	a, err := app.server.lookupVariant("attention-parameters", "5")
	if err != nil {
		t.Fatal(err)
	}
	b, err := app.server.lookupVariant("attention-parameters", "05")
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("the same variant was generated twice")
	}
	for seed := range maxVariants + 10 {
		if _, err := app.server.lookupVariant("conv-by-hand", fmt.Sprint(seed)); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := app.server.variants.size(); n != maxVariants {
		t.Errorf("variant cache holds %d, want its bound %d", n, maxVariants)
	}
}

func TestLRUEvictsByCost(t *testing.T) {
	c := newLRU[string](10)
	c.add("a", "A", 4)
	c.add("b", "B", 4)
	c.get("a") // a is now the most recently used
	c.add("c", "C", 4)
	if _, ok := c.get("b"); ok {
		t.Error("b, the least recently used, was not evicted")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	c.add("huge", "H", 11)
	if _, ok := c.get("huge"); ok {
		t.Error("an entry larger than the cache was stored")
	}
	c.add("a", "A2", 7) // replacing an entry updates its cost, evicting c
	if n, used := c.size(); used != 7 || n != 1 {
		t.Errorf("after replacing a: %d entries, cost %d; want 1, 7", n, used)
	}
	if v, _ := c.get("a"); v != "A2" {
		t.Errorf("a = %q after replacing it", v)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := map[string]bool{
		"":                       false,
		"gzip":                   true,
		"GZIP":                   true,
		"br, gzip;q=0.5":         true,
		"gzip;q=0":               false,
		"gzip; q=0.000":          false,
		"identity":               false,
		"*":                      true,
		"x-gzip":                 true,
		"deflate, br":            false,
		"gzipfoo":                false,
		"gzip;level=1;q=1":       true,
		"br;q=1, gzip ; Q = 0.1": true,
	}
	for h, want := range tests {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", h, got, want)
		}
	}
}

// TestSharedVariantsUnderConcurrency runs pages, form checks and API checks
// of the same few variants at once; under -race it proves that sharing a
// cached variant (and its compiled checkers) between requests is safe, and
// in any run that concurrent misses store one consistent page.
func TestSharedVariantsUnderConcurrency(t *testing.T) {
	app := newTestHandler(t, Config{Work: WorkConfig{Limit: 2, Queue: 64, QueueWait: time.Minute}})
	want := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 12 {
				seed := (g + i) % 3
				path := fmt.Sprintf("/exercises/attention-parameters?seed=%d", seed)
				switch i % 3 {
				case 0:
					rec := get(t, app, path, nil)
					if rec.Code != http.StatusOK {
						t.Errorf("%s: %d", path, rec.Code)
						continue
					}
					mu.Lock()
					if prev, ok := want[path]; ok && prev != rec.Body.String() {
						t.Errorf("%s: two different pages served", path)
					}
					want[path] = rec.Body.String()
					mu.Unlock()
				case 1:
					body := fmt.Sprintf(`{"seed": %d, "answers": {"params-per-matrix": "d_k (d_model + 1)"}}`, seed)
					if rec := do(t, app, http.MethodPost, "/api/v1/exercises/attention-parameters/check", body); rec.Code != http.StatusOK {
						t.Errorf("check: %d %s", rec.Code, rec.Body)
					}
				case 2:
					req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("a.params-per-matrix=d_model"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					rec := httptest.NewRecorder()
					app.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						t.Errorf("form check: %d", rec.Code)
					}
				}
			}
		})
	}
	wg.Wait()
}

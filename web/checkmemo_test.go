package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// metricValue reads one series' value from a /metrics scrape (0 when
// absent).
func metricValue(t *testing.T, h http.Handler, series string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(do(t, h, http.MethodGet, "/metrics", "").Body.String()))
	for sc.Scan() {
		if name, val, ok := strings.Cut(sc.Text(), " "); ok && name == series {
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	return 0
}

const memoCheckPath = "/api/v1/exercises/conv-by-hand/check"

// TestCheckMemoRepeatsTheAnswer sends one check body several times: the
// first two are checked (the second is kept), the rest are answered from
// the memo with the same status, headers and bytes, and every one of them
// counts its verdicts in the metrics.
func TestCheckMemoRepeatsTheAnswer(t *testing.T) {
	h := newTestHandler(t, Config{})
	body := `{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "5", "dims-padded": "4x4"}}`
	const correct = `stride_exercise_checks_total{exercise="conv-by-hand",verdict="correct"}`
	const incorrect = `stride_exercise_checks_total{exercise="conv-by-hand",verdict="incorrect"}`
	first := do(t, h, http.MethodPost, memoCheckPath, body)
	if first.Code != http.StatusOK {
		t.Fatalf("status %d: %s", first.Code, first.Body)
	}
	c0, i0 := metricValue(t, h, correct), metricValue(t, h, incorrect)
	if c0+i0 == 0 {
		t.Fatal("the first check counted no verdicts")
	}
	if got := metricValue(t, h, "stride_check_memo_bytes"); got != 0 {
		t.Fatalf("a body seen once was kept (memo holds %v bytes)", got)
	}
	for i := 2; i <= 5; i++ {
		rec := do(t, h, http.MethodPost, memoCheckPath, body)
		if rec.Code != http.StatusOK || rec.Body.String() != first.Body.String() {
			t.Fatalf("check %d: status %d, body differs from the first:\n%s\nfirst:\n%s", i, rec.Code, rec.Body, first.Body)
		}
		for _, name := range []string{"Content-Type", "Cache-Control", "Access-Control-Allow-Origin",
			"Access-Control-Expose-Headers", "Content-Security-Policy", "X-Content-Type-Options", "Vary", "Content-Length"} {
			if got, want := rec.Header().Values(name), first.Header().Values(name); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("check %d: %s is %q, the first check's %q", i, name, got, want)
			}
		}
		if rec.Header().Get("X-Request-Id") == first.Header().Get("X-Request-Id") {
			t.Errorf("check %d repeated the first check's request id", i)
		}
		if c, in := metricValue(t, h, correct), metricValue(t, h, incorrect); c != float64(i)*c0 || in != float64(i)*i0 {
			t.Errorf("after %d checks the verdict counters are %v correct, %v incorrect; want %v and %v", i, c, in, float64(i)*c0, float64(i)*i0)
		}
	}
	if hits := metricValue(t, h, "stride_check_memo_hits_total"); hits != 3 {
		t.Errorf("memo hits = %v, want 3 (checks 3 to 5)", hits)
	}
	if got := metricValue(t, h, "stride_check_memo_bytes"); got <= 0 || got > maxCheckMemoBytes {
		t.Errorf("memo holds %v bytes; want one kept answer within %d", got, maxCheckMemoBytes)
	}

	// A different body is checked afresh: another answer, or the same
	// answers with one part revealed.
	for _, other := range []string{
		`{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "6", "dims-padded": "4x4"}}`,
		`{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "5", "dims-padded": "4x4"}, "reveal": ["bottom-right-padded"]}`,
	} {
		rec := do(t, h, http.MethodPost, memoCheckPath, other)
		if rec.Code != http.StatusOK || rec.Body.String() == first.Body.String() {
			t.Errorf("%s: status %d, same body as another check's", other, rec.Code)
		}
	}
}

// TestCheckMemoKeepsTheChecks sends a kept body in ways that must still
// fail as they did before the memo: the content type, the version
// parameter, the body limit and the route's method are checked first.
func TestCheckMemoKeepsTheChecks(t *testing.T) {
	h := newTestHandler(t, Config{})
	body := `{"seed": 0, "answers": {"dims": "3x3"}}`
	for range 3 {
		if rec := do(t, h, http.MethodPost, memoCheckPath, body); rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	if hits := metricValue(t, h, "stride_check_memo_hits_total"); hits != 1 {
		t.Fatalf("memo hits = %v, want 1", hits)
	}
	cases := []struct {
		name, path, body, ctype string
		status                  int
		field                   string
	}{
		{"no content type", memoCheckPath, body, "", http.StatusUnsupportedMediaType, "Content-Type"},
		{"form content type", memoCheckPath, body, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "Content-Type"},
		{"bad version", memoCheckPath + "?v=nothex", body, "application/json", http.StatusBadRequest, "v"},
		{"unknown version", memoCheckPath + "?v=0123456789abcdef", body, "application/json", http.StatusNotFound, "v"},
		{"unknown exercise", "/api/v1/exercises/no-such-exercise/check", body, "application/json", http.StatusNotFound, "id"},
		{"too large", memoCheckPath, body + strings.Repeat(" ", MaxBodyBytes), "application/json", http.StatusRequestEntityTooLarge, "body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := doWithType(t, h, c.path, c.body, c.ctype)
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), `"field":"`+c.field+`"`) {
				t.Errorf("status %d, body %s; want %d naming %s", rec.Code, rec.Body, c.status, c.field)
			}
		})
	}
	if rec := do(t, h, http.MethodGet, memoCheckPath, ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", rec.Code)
	}
	if hits := metricValue(t, h, "stride_check_memo_hits_total"); hits != 1 {
		t.Errorf("memo hits = %v after the refused requests, want still 1", hits)
	}
}

// TestCheckMemoSkipsRecordedChecks: a body that asks to record an attempt
// is never answered from the memo, however often it is sent.
func TestCheckMemoSkipsRecordedChecks(t *testing.T) {
	h := newTestHandler(t, Config{})
	body := `{"seed": 0, "answers": {"dims": "3x3"}, "item": 7, "key": "k", "hints": {}, "shown_ms": 10}`
	for range 4 {
		rec := do(t, h, http.MethodPost, memoCheckPath, body)
		// Without a database the server keeps no records: a 400 naming
		// item, every time.
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field":"item"`) {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	if hits := metricValue(t, h, "stride_check_memo_hits_total"); hits != 0 {
		t.Errorf("memo hits = %v, want 0", hits)
	}
	if got := metricValue(t, h, "stride_check_memo_bytes"); got != 0 {
		t.Errorf("memo holds %v bytes, want 0", got)
	}
}

// TestCheckMemoBounds: bodies over maxCheckMemoBody are never kept, and
// the memo's bytes stay within maxCheckMemoBytes however many distinct
// bodies repeat.
func TestCheckMemoBounds(t *testing.T) {
	h := newTestHandler(t, Config{})
	long := `{"seed": 0, "answers": {"dims": "3x3` + strings.Repeat(" ", maxCheckMemoBody) + `"}}`
	for range 3 {
		if rec := do(t, h, http.MethodPost, memoCheckPath, long); rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	if got := metricValue(t, h, "stride_check_memo_bytes"); got != 0 {
		t.Fatalf("a body of %d bytes was kept (%v bytes)", len(long), got)
	}
	m := newCheckMemo()
	resp := []byte(strings.Repeat("x", 4000))
	for i := range 4000 {
		key := appendCheckMemoKey(nil, "conv-by-hand", "", []byte(strconv.Itoa(i)))
		m.offer(key, "conv-by-hand", nil, resp)
		m.offer(key, "conv-by-hand", nil, resp)
	}
	if n, used := m.entries.size(); used > maxCheckMemoBytes || n == 0 {
		t.Errorf("memo holds %d entries, %d bytes; want some, within %d bytes", n, used, maxCheckMemoBytes)
	}
	big := make([]byte, maxCheckMemoResponse+1)
	key := appendCheckMemoKey(nil, "x", "", []byte("big"))
	m.offer(key, "x", nil, big)
	m.offer(key, "x", nil, big)
	if _, ok := m.get(key); ok {
		t.Errorf("a response of %d bytes was kept", len(big))
	}
}

// TestCheckMemoGzip: a kept answer goes to a client that accepts gzip
// gzipped, with the headers and bytes the work limiter gives a check it
// runs.
func TestCheckMemoGzip(t *testing.T) {
	h := newTestHandler(t, Config{})
	body := `{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "7"}}`
	send := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, memoCheckPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := send() // checked in a work slot, gzipped by the limiter
	for i := 2; i <= 4; i++ {
		rec := send()
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("check %d: status %d, Content-Encoding %q", i, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		if !bytes.Equal(rec.Body.Bytes(), first.Body.Bytes()) {
			t.Errorf("check %d: gzipped body differs from the first check's", i)
		}
		for _, name := range []string{"Content-Type", "Cache-Control", "Vary", "Content-Length", "Content-Encoding"} {
			if got, want := rec.Header().Values(name), first.Header().Values(name); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("check %d: %s is %q, the first check's %q", i, name, got, want)
			}
		}
	}
	if hits := metricValue(t, h, "stride_check_memo_hits_total"); hits != 2 {
		t.Errorf("memo hits = %v, want 2", hits)
	}
	zr, err := gzip.NewReader(bytes.NewReader(first.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(plain, []byte(`"score_text":"Score: 4 of 4."`)) {
		t.Errorf("gunzipped body %q, err %v", plain, err)
	}
}

// TestCheckMemoHitNeedsNoWorkSlot: with every work slot taken and no
// queue, a check answered before is answered from the memo while a new
// one is refused with 503, as before.
func TestCheckMemoHitNeedsNoWorkSlot(t *testing.T) {
	app := newTestHandler(t, Config{Work: WorkConfig{Limit: 1, Queue: -1}})
	body := `{"seed": 0, "answers": {"dims": "3x3"}}`
	want := ""
	for range 2 {
		rec := do(t, app, http.MethodPost, memoCheckPath, body)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		want = rec.Body.String()
	}
	if !app.server.work.acquire(context.Background()) {
		t.Fatal("could not take the only work slot")
	}
	defer app.server.work.release()
	if rec := do(t, app, http.MethodPost, memoCheckPath, body); rec.Code != http.StatusOK || rec.Body.String() != want {
		t.Errorf("kept check with the slots taken: status %d, body %s", rec.Code, rec.Body)
	}
	rec := do(t, app, http.MethodPost, memoCheckPath, `{"seed": 0, "answers": {"dims": "4x4"}}`)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("new check with the slots taken: status %d (Retry-After %q), want 503", rec.Code, rec.Header().Get("Retry-After"))
	}
}

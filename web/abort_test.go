package web

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/templates"
)

// syncBuffer is a bytes.Buffer safe for a logger on the server's goroutines
// and a test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkNoServerError asserts that a client abort left no 5xx in the metrics
// and no ERROR in the logs, and was counted as 499 on route.
func checkNoServerError(t *testing.T, m *metrics, logs, route string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	want := fmt.Sprintf(`route=%q,status="499"}`, route)
	if !strings.Contains(body, want) {
		t.Errorf("metrics lack %s:\n%s", want, body)
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "stride_http_requests_total") && strings.Contains(line, `status="5`) {
			t.Errorf("a client abort was counted as a server error: %s", line)
		}
	}
	if strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("a client abort was logged as an error:\n%s", logs)
	}
	if !strings.Contains(logs, `"status":499`) || !strings.Contains(logs, `"outcome":"client_abort"`) {
		t.Errorf("the request line does not record the abort:\n%s", logs)
	}
}

// waitOrFail waits for ch; the timeout only keeps a broken build from
// hanging the suite, it synchronises nothing.
func waitOrFail(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Minute):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestClientAbortIsNotAServerError has real clients go away in the middle
// of a request: once while the page is being rendered, once while a large
// response is being written. Neither is Stride's fault, so neither may count
// as a 5xx or log at ERROR.
func TestClientAbortIsNotAServerError(t *testing.T) {
	t.Run("mid-render", func(t *testing.T) {
		var logs syncBuffer
		logger := slog.New(slog.NewJSONHandler(&logs, nil))
		m := newMetrics(func() int { return 0 })
		s := &Server{log: logger}
		started, done := make(chan struct{}), make(chan struct{})
		router := chi.NewRouter()
		router.Use(requestLog(logger, m, nil))
		router.Get("/page", func(w http.ResponseWriter, r *http.Request) {
			close(started)
			// The server cancels the context when it sees the client close.
			<-r.Context().Done()
			s.render(w, r, http.StatusOK, templates.NotFound(templates.NotFoundProps{Path: "/page"}))
		})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			router.ServeHTTP(w, r)
		}))
		defer srv.Close()

		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET /page HTTP/1.1\r\nHost: stride.test\r\n\r\n")
		waitOrFail(t, started, "the handler to start")
		conn.Close()
		waitOrFail(t, done, "the handler to finish")
		checkNoServerError(t, m, logs.String(), "/page")
	})

	t.Run("mid-response", func(t *testing.T) {
		var logs syncBuffer
		logger := slog.New(slog.NewJSONHandler(&logs, nil))
		m := newMetrics(func() int { return 0 })
		done := make(chan struct{})
		router := chi.NewRouter()
		router.Use(requestLog(logger, m, nil))
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		router.Get("/big", func(w http.ResponseWriter, r *http.Request) {
			// Up to 4 GiB: far more than any socket buffer holds, so the
			// writes fail once the client has gone.
			for range 1 << 16 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			t.Error("every write succeeded although the client went away")
		})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			router.ServeHTTP(w, r)
		}))
		defer srv.Close()

		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET /big HTTP/1.1\r\nHost: stride.test\r\n\r\n")
		if line, err := bufio.NewReader(conn).ReadString('\n'); err != nil || !strings.Contains(line, "200") {
			t.Fatalf("status line %q, %v", line, err)
		}
		conn.Close()
		waitOrFail(t, done, "the handler to finish")
		checkNoServerError(t, m, logs.String(), "/big")
	})
}

// TestCancelledRequestsOnEveryRouteFamily sends requests whose client has
// already gone (a cancelled context) through the whole application: pages
// stop rendering, and nothing is a 5xx or an ERROR.
func TestCancelledRequestsOnEveryRouteFamily(t *testing.T) {
	var logs syncBuffer
	h := newTestHandler(t, Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/", ""},
		{"GET", "/exercises/conv-by-hand", ""},
		{"GET", "/embed/conv-by-hand", ""},
		{"GET", "/playground", ""},
		{"GET", "/no-such-page", ""},
		{"POST", "/exercises/conv-by-hand", "a.dims=3x3"},
		{"POST", "/api/v1/exercises/conv-by-hand/check", `{"answers": {"dims": "3x3"}}`},
		{"POST", "/api/v1/compute/attention", `{"d_model": 8, "num_heads": 2}`},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)).WithContext(ctx)
		if tc.method == "POST" && strings.HasPrefix(tc.path, "/api/") {
			req.Header.Set("Content-Type", "application/json")
		} else if tc.method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %s with the client gone: %d", tc.method, tc.path, rec.Code)
		}
	}
	metrics := do(t, h, "GET", "/metrics", "").Body.String()
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "stride_http_requests_total") && strings.Contains(line, `status="5`) {
			t.Errorf("a client abort was counted as a server error: %s", line)
		}
	}
	for _, want := range []string{
		`stride_http_requests_total{method="GET",route="/exercises/{id}",status="499"} 1`,
		`stride_http_requests_total{method="POST",route="/exercises/{id}",status="499"} 1`,
		`stride_http_requests_total{method="GET",route="unmatched",status="499"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a client abort was logged as an error:\n%s", logs.String())
	}
}

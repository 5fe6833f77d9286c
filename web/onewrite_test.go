package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// countingListener counts the writes made to its connections, as
// write(2) calls would be.
type countingListener struct {
	net.Listener
	mu     sync.Mutex
	writes []int // bytes of each write, in order
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

func (l *countingListener) take() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.writes
	l.writes = nil
	return w
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.l.mu.Lock()
	c.l.writes = append(c.l.writes, len(p))
	c.l.mu.Unlock()
	return c.Conn.Write(p)
}

// newHoldServer serves h as cmd/server does: on connections from
// WrapListener, with ConnContext.
func newHoldServer(t *testing.T, h http.Handler) (*httptest.Server, *countingListener) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	counting := &countingListener{Listener: srv.Listener}
	srv.Listener = WrapListener(counting)
	srv.Config.ConnContext = ConnContext
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, counting
}

// rawExchange sends one request on conn and reads its response.
func rawExchange(t *testing.T, conn net.Conn, br *bufio.Reader, req string) (*http.Response, []byte) {
	t.Helper()
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp, body
}

func rawCheck(host, body string, headers ...string) string {
	return "POST /api/v1/exercises/conv-by-hand/check HTTP/1.1\r\nHost: " + host + "\r\n" + strings.Join(headers, "") +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// TestCheckOneWrite: over a connection from WrapListener, a check's whole
// answer (5.5 KB with its headers, more than net/http's 4 KiB buffer) goes
// out in one write, whether the handler or the memo answers it, with its
// headers and fields intact, and the connection serves the next request;
// errors and limits answer as before.
func TestCheckOneWrite(t *testing.T) {
	app := newTestHandler(t, Config{})
	srv, counting := newHoldServer(t, app)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	host := srv.Listener.Addr().String()
	const ct = "Content-Type: application/json\r\n"
	for i := range 4 {
		// A new answer each time, then the same one (memo hits from the
		// third on: web/checkmemo.go).
		got := -25 - min(i, 1)
		body := fmt.Sprintf(`{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "%d", "dims-padded": "5x5", "bottom-right-padded": "8"}}`, got)
		counting.take()
		resp, b := rawExchange(t, conn, br, rawCheck(host, body, ct))
		writes := counting.take()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("check %d: status %d: %s", i, resp.StatusCode, b)
		}
		if len(b) < 4096 {
			t.Fatalf("check %d: %d bytes; this test needs an answer larger than net/http's buffer", i, len(b))
		}
		if len(writes) != 1 {
			t.Errorf("check %d: %d writes %v, want the whole response in one", i, len(writes), writes)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy",
			"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Cache-Control", "X-Request-Id", "Date"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("check %d: no %s header", i, h)
			}
		}
		if resp.ContentLength != int64(len(b)) || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("check %d: Content-Length %d for %d bytes, Content-Type %q", i, resp.ContentLength, len(b), resp.Header.Get("Content-Type"))
		}
		var out struct {
			Parts map[string]struct {
				Status       string `json:"status"`
				FeedbackHTML string `json:"feedback_html"`
				ReadAs       string `json:"read_as"`
				ReadAsHTML   string `json:"read_as_html"`
				Got          string `json:"got"`
				SolutionHTML string `json:"solution_html"`
				Unlock       string `json:"unlock"`
			} `json:"parts"`
			ScoreText string `json:"score_text"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("check %d: %v", i, err)
		}
		br := out.Parts["bottom-right"]
		if br.Status != "incorrect" || br.ReadAs != fmt.Sprintf("read as %d", got) || br.ReadAsHTML != br.ReadAs ||
			br.Got != strconv.Itoa(got) || br.FeedbackHTML == "" || br.SolutionHTML == "" || br.Unlock == "" {
			t.Errorf("check %d: bottom-right %+v", i, br)
		}
		if out.Parts["dims"].Status != "correct" || out.ScoreText != "Score: 2 of 4." {
			t.Errorf("check %d: dims %+v, score %q", i, out.Parts["dims"], out.ScoreText)
		}
	}
	// Errors and limits on the same connection.
	for _, tc := range []struct {
		req  string
		code int
	}{
		{rawCheck(host, `{"seed": 0}`), http.StatusUnsupportedMediaType},
		{rawCheck(host, `{"seed": 0, "answers": {"nope": "1"}}`, ct), http.StatusBadRequest},
		{rawCheck(host, `{"seed": 0, "answers": {"dims": "`+strings.Repeat("1", MaxBodyBytes)+`"}}`, ct), http.StatusRequestEntityTooLarge},
	} {
		resp, b := rawExchange(t, conn, br, tc.req)
		if resp.StatusCode != tc.code || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.code, b)
		}
		if resp.Close {
			break // net/http closes after a body it did not read
		}
	}
}

// TestHoldConnPassesThrough: what sendHeld does not hold (a static file,
// a page, a websocket) works over WrapListener's connections as before.
func TestHoldConnPassesThrough(t *testing.T) {
	app := newTestHandler(t, Config{})
	srv, _ := newHoldServer(t, app)
	page := do(t, app, http.MethodGet, "/", "")
	var asset string
	for _, f := range strings.Split(page.Body.String(), `"`) {
		if strings.HasPrefix(f, "/static/app.") && strings.HasSuffix(f, ".css") {
			asset = f
		}
	}
	if asset == "" {
		t.Fatal("no stylesheet link on /")
	}
	for _, path := range []string{asset, "/exercises/conv-by-hand?seed=0", "/exercises/conv-by-hand?seed=0", "/api/v1/openapi.json"} {
		want := do(t, app, http.MethodGet, path, "")
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		same := string(b) == want.Body.String()
		if strings.HasPrefix(path, "/exercises/") {
			// The page names its own host (the share link): compare the
			// page by its end and its size.
			same = strings.HasSuffix(string(b), "</html>") && len(b) > 8<<10
		}
		if err != nil || resp.StatusCode != http.StatusOK || !same {
			t.Errorf("GET %s: status %d, %d bytes (want %d), err %v", path, resp.StatusCode, len(b), want.Body.Len(), err)
		}
	}
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/animate", nil)
	if err != nil {
		t.Fatalf("websocket over a held connection: %v (%v)", err, resp)
	}
	ws.Close()
	app.Shutdown(context.Background())
}

// TestPageOneWrite: a rendered page (a live student's, 14 KB) goes out in
// one write with its Content-Length, its headers and the connection kept
// for the next request; HEAD answers the length with no body.
func TestPageOneWrite(t *testing.T) {
	e := newLiveEnvTB(t)
	d := e.device()
	if r := d.post("/join", url.Values{"code": {e.ls.Code}, "nickname": {"S"}}); r.code != http.StatusSeeOther {
		t.Fatalf("join: %d", r.code)
	}
	if r := e.staff.post(e.teachURL(), url.Values{"action": {"unlock"}}); r.code != http.StatusSeeOther {
		t.Fatalf("unlock: %d", r.code)
	}
	u, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var cookies []string
	for _, c := range d.c.Jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	srv, counting := newHoldServer(t, e.app)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	req := func(method string) string {
		return method + " /live/" + e.ls.Code + "?q=0 HTTP/1.1\r\nHost: " + srv.Listener.Addr().String() +
			"\r\nCookie: " + strings.Join(cookies, "; ") + "\r\n\r\n"
	}
	var size int64
	for i := range 3 {
		counting.take()
		resp, b := rawExchange(t, conn, br, req(http.MethodGet))
		writes := counting.take()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `data-live-role="student"`) {
			t.Fatalf("student page %d: status %d, %d bytes", i, resp.StatusCode, len(b))
		}
		if len(b) < 4096 {
			t.Fatalf("student page: %d bytes; this test needs a page larger than net/http's buffer", len(b))
		}
		if len(writes) != 1 {
			t.Errorf("student page %d: %d writes %v, want the whole response in one", i, len(writes), writes)
		}
		if resp.ContentLength != int64(len(b)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("student page %d: Content-Length %d for %d bytes, Transfer-Encoding %v", i, resp.ContentLength, len(b), resp.TransferEncoding)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Request-Id", "Date"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("student page %d: no %s header", i, h)
			}
		}
		size = resp.ContentLength
	}
	if _, err := io.WriteString(conn, req(http.MethodHead)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodHead})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength < size-64 || resp.ContentLength > size+64 {
		t.Errorf("HEAD: status %d, Content-Length %d; want 200 and about %d", resp.StatusCode, resp.ContentLength, size)
	}
	// The connection still serves: nothing of a body was left on it.
	if resp, b := rawExchange(t, conn, br, req(http.MethodGet)); resp.StatusCode != http.StatusOK || !strings.HasSuffix(string(b), "</html>") {
		t.Errorf("after HEAD: status %d, %d bytes", resp.StatusCode, len(b))
	}
}

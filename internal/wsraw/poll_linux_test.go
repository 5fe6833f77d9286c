//go:build linux

package wsraw

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// recorder is a Handler that reports its calls on a channel.
type recorder struct {
	events chan string
	// onMessage, if set, is called for each message and its error returned.
	onMessage func(c *Conn, data []byte) error
}

func (r *recorder) Message(c *Conn, data []byte, length int64, _ time.Time) error {
	r.events <- fmt.Sprintf("message %d %s", length, data)
	if r.onMessage != nil {
		return r.onMessage(c, data)
	}
	return nil
}

func (r *recorder) Timer(*Conn, time.Time) { r.events <- "timer" }

func (r *recorder) Ended(_ *Conn, err error, _ time.Time) {
	var ce *CloseError
	if errors.As(err, &ce) {
		r.events <- fmt.Sprintf("ended by close %d %s", ce.Code, ce.Reason)
		return
	}
	r.events <- "ended: " + err.Error()
}

// next waits for the recorder's next call (the test's own deadline bounds
// the wait).
func (r *recorder) next(t *testing.T) string {
	t.Helper()
	select {
	case e := <-r.events:
		return e
	case <-time.After(30 * time.Second):
		t.Fatal("no event in 30 s")
		return ""
	}
}

// dialPoller opens a websocket to srv's address with query q and hands
// it to p for h.
func dialPoller(t *testing.T, srv *httptest.Server, q string, p *Poller, h Handler, timer time.Time) *Conn {
	t.Helper()
	u, err := url.Parse("ws" + strings.TrimPrefix(srv.URL, "http") + "/?" + q)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	left, err := Handshake(conn, u, http.Header{"Origin": {srv.URL}}, 10*time.Second)
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	c, err := p.Add(conn, left, h, timer)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPoller runs the poller against gorilla's server side: messages
// (fragmented too) arrive whole and in order, pings are answered with
// pongs, what the client writes arrives, a close frame ends the
// connection, and Stop says goodbye to the connections left.
func TestPoller(t *testing.T) {
	serverSaw := make(chan string, 16)
	up := websocket.Upgrader{WriteBufferSize: 64} // so that long messages go out in fragments
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		pong := make(chan string, 1)
		ws.SetPongHandler(func(s string) error { pong <- s; return nil })
		// The ping first: its pong comes before the client's answer to
		// hello, and reading that answer handles the pong.
		_ = ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(5*time.Second))
		_ = ws.WriteMessage(websocket.TextMessage, []byte("hello"))
		_ = ws.WriteMessage(websocket.BinaryMessage, []byte(strings.Repeat("0123456789", 50)))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			serverSaw <- "read: " + err.Error()
			return
		}
		serverSaw <- "pong " + <-pong
		serverSaw <- "client said " + string(msg)
		if r.URL.Query().Get("close") != "" {
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1013, "try again later"), time.Now().Add(5*time.Second))
			return
		}
		_ = ws.WriteMessage(websocket.TextMessage, []byte("stay"))
		_, _, err = ws.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			serverSaw <- fmt.Sprintf("close %d %s", ce.Code, ce.Text)
		} else {
			serverSaw <- fmt.Sprintf("read: %v", err)
		}
	}))
	defer srv.Close()

	for _, serverCloses := range []bool{true, false} {
		t.Run(fmt.Sprintf("server closes %v", serverCloses), func(t *testing.T) {
			p, err := NewPoller(Options{Loops: 2})
			if err != nil {
				t.Fatal(err)
			}
			stopped := false
			defer func() {
				if !stopped {
					p.Stop(0, "")
				}
			}()
			rec := &recorder{events: make(chan string, 16)}
			rec.onMessage = func(c *Conn, data []byte) error {
				if string(data) == "hello" {
					return c.Write(OpText, []byte("hi"))
				}
				return nil
			}
			q := ""
			if serverCloses {
				q = "close=1"
			}
			dialPoller(t, srv, q, p, rec, time.Time{})
			for _, want := range []string{"message 5 hello", "message 500 " + strings.Repeat("0123456789", 50)} {
				if got := rec.next(t); got != want {
					t.Fatalf("got %.80q, want %.80q", got, want)
				}
			}
			for _, want := range []string{"pong are you there", "client said hi"} {
				if got := <-serverSaw; got != want {
					t.Fatalf("the server saw %q, want %q", got, want)
				}
			}
			if serverCloses {
				if got, want := rec.next(t), "ended by close 1013 try again later"; got != want {
					t.Fatalf("got %q, want %q", got, want)
				}
				return
			}
			if got, want := rec.next(t), "message 4 stay"; got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
			p.Stop(1000, "load test over")
			stopped = true
			if got, want := <-serverSaw, "close 1000 load test over"; got != want {
				t.Fatalf("the server saw %q, want %q", got, want)
			}
			select {
			case e := <-rec.events:
				t.Fatalf("a call after Stop: %s", e)
			default:
			}
		})
	}
}

// TestPollerTimers: Timer is called once a connection's timer has come,
// not before, and for every connection after Wake; a connection its
// Handler closes gets no Ended call.
func TestPollerTimers(t *testing.T) {
	closed := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		_, _, _ = ws.ReadMessage() // until the client closes
		closed <- struct{}{}
	}))
	defer srv.Close()
	p, err := NewPoller(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(0, "")

	rec := &timerRecorder{recorder: recorder{events: make(chan string, 16)}}
	set := time.Now()
	dialPoller(t, srv, "", p, rec, set.Add(50*time.Millisecond))
	if got := rec.next(t); got != "timer" {
		t.Fatalf("got %q, want timer", got)
	}
	if waited := time.Since(set); waited < 50*time.Millisecond {
		t.Fatalf("Timer after %v, before its time", waited)
	}
	// No timer is set now: only Wake calls Timer again, and this call
	// closes the connection.
	p.Wake()
	if got := rec.next(t); got != "timer" {
		t.Fatalf("got %q, want timer", got)
	}
	<-closed // the server saw the close
	select {
	case e := <-rec.events:
		t.Fatalf("a call after the Handler closed its connection: %s", e)
	case <-time.After(50 * time.Millisecond): // several passes of the loop
	}
}

// timerRecorder closes its connection on its second Timer call.
type timerRecorder struct {
	recorder
	calls int // only the loop's goroutine uses it
}

func (r *timerRecorder) Timer(c *Conn, now time.Time) {
	r.calls++
	if r.calls == 2 {
		c.Close(1000, "")
	}
	r.recorder.Timer(c, now)
}

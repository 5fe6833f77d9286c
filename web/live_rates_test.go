package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/store"
)

// newLiveEnvWith is newLiveEnv on a server with the live settings cfg.
func newLiveEnvWith(t *testing.T, cfg LiveConfig) *liveEnv {
	t.Helper()
	e := newLearnEnv(t)
	app := newTestHandler(t, Config{Store: e.st, Live: cfg})
	e.app = app
	e.srv.Config.Handler = app
	le := &liveEnv{learnEnv: e}
	item := store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedRecitation, Points: 1}
	le.a = e.assignment(defaultSettings(), "", item, item)
	tok, _, err := e.st.CreateSession(context.Background(), e.user.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	le.staff = e.device()
	u, _ := url.Parse(e.srv.URL)
	le.staff.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: tok}})
	le.ls = le.start()
	return le
}

// start starts a session of the env's assignment as its instructor.
func (e *liveEnv) start() store.LiveSession {
	e.t.Helper()
	r := e.staff.post(fmt.Sprintf("/courses/%d/assignments/%d/live", e.course.ID, e.a.ID), url.Values{})
	if r.code != http.StatusSeeOther {
		e.t.Fatalf("start: %d %s", r.code, clip(r.body, 300))
	}
	id, _ := strconv.ParseInt(r.loc[strings.LastIndex(r.loc, "/")+1:], 10, 64)
	ls, err := e.st.GetLiveSession(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return ls
}

// closedWith reads until the socket ends and returns its close error.
func closedWith(t *testing.T, ws *websocket.Conn) *websocket.CloseError {
	t.Helper()
	for {
		_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("the socket ended with %v, not a close frame", err)
			}
			return ce
		}
	}
}

// TestLiveStudentMsgRate: a student's page that sends more than
// -live-student-msg-rate allows (a burst of 10 times it) is closed with
// 1008 naming the setting; the room goes on.
func TestLiveStudentMsgRate(t *testing.T) {
	e := newLiveEnvWith(t, LiveConfig{StudentMsgRate: 1})
	d, other := e.device(), e.device()
	e.join(d, "Chatty")
	e.join(other, "Quiet")
	ws := e.dial(d, "/live/"+e.ls.Code+"/ws")
	read(t, ws)
	wo := e.dial(other, "/live/"+e.ls.Code+"/ws")
	read(t, wo)
	// 20 is 10 past the burst: only a 10-second stall between writes
	// would refill enough to let them all through.
	for i := 0; i < 20; i++ {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello"}`)); err != nil {
			break
		}
	}
	ce := closedWith(t, ws)
	if ce.Code != websocket.ClosePolicyViolation || !strings.Contains(ce.Text, "-live-student-msg-rate") || !strings.Contains(ce.Text, "at most 1 a second, bursts of 10") {
		t.Errorf("closed with %d %q, want 1008 naming -live-student-msg-rate", ce.Code, ce.Text)
	}
	e.control("unlock")
	if m := read(t, wo); !m.State.IsUnlocked(0) {
		t.Errorf("the other student got %+v", m.State)
	}
}

// TestLiveInstructorMsgRate: an instructor's page that sends more drives
// than -live-instructor-msg-rate allows (a burst of twice it) is closed
// with 1008 naming the setting.
func TestLiveInstructorMsgRate(t *testing.T) {
	e := newLiveEnvWith(t, LiveConfig{InstructorMsgRate: 1})
	e.control("reveal")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	read(t, staff)
	for i := 0; i < 20; i++ { // 18 past the burst of 2
		if err := staff.WriteJSON(drive(i, false)); err != nil {
			break
		}
	}
	ce := closedWith(t, staff)
	if ce.Code != websocket.ClosePolicyViolation || !strings.Contains(ce.Text, "-live-instructor-msg-rate") || !strings.Contains(ce.Text, "at most 1 a second, bursts of 2") {
		t.Errorf("closed with %d %q, want 1008 naming -live-instructor-msg-rate", ce.Code, ce.Text)
	}
}

// TestLiveControlRateSetting: -live-control-rate sets one session's
// controls (a burst of 4 times it, then it a second); beyond it a 429
// with Retry-After names the setting. Another session has its own.
func TestLiveControlRateSetting(t *testing.T) {
	e := newLiveEnvWith(t, LiveConfig{ControlRate: 1})
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ls := e.app.server.live
	ls.mu.Lock()
	ls.now = func() time.Time { return now }
	ls.mu.Unlock()
	for i := 0; i < 4; i++ {
		e.control([]string{"pause", "resume"}[i%2])
	}
	r := e.staff.post(e.teachURL(), url.Values{"action": {"pause"}})
	if r.code != http.StatusTooManyRequests || r.hdr.Get("Retry-After") != "1" ||
		!strings.Contains(r.body, "at most 1 controls a second (bursts of 4") || !strings.Contains(r.body, "-live-control-rate") {
		t.Fatalf("control beyond the burst: %d %q\n%s", r.code, r.hdr.Get("Retry-After"), clip(r.body, 600))
	}
	// Another session of the course is not limited by this one's.
	first := e.ls
	e.ls = e.start()
	e.control("pause")
	e.ls = first
	ls.mu.Lock()
	now = now.Add(time.Second)
	ls.mu.Unlock()
	e.control("pause")
}

// TestLiveMaxSessions: a server holds at most -live-max-sessions open
// sessions: starting one more is refused with 503 and Retry-After naming
// the setting; once one ends, another may start.
func TestLiveMaxSessions(t *testing.T) {
	e := newLiveEnvWith(t, LiveConfig{MaxSessions: 1})
	r := e.staff.post(fmt.Sprintf("/courses/%d/assignments/%d/live", e.course.ID, e.a.ID), url.Values{})
	if r.code != http.StatusServiceUnavailable || r.hdr.Get("Retry-After") == "" || !strings.Contains(r.body, "-live-max-sessions") ||
		!strings.Contains(r.body, "at most 1 live sessions") {
		t.Fatalf("a second session: %d\n%s", r.code, clip(r.body, 600))
	}
	e.control("end")
	e.ls = e.start()
}

// TestLiveMaxConns: beyond -live-max-conns live websockets on a server, a
// socket is refused with 429 naming the setting.
func TestLiveMaxConns(t *testing.T) {
	e := newLiveEnvWith(t, LiveConfig{MaxConns: 1})
	d := e.device()
	e.join(d, "One")
	ws := e.dial(d, "/live/"+e.ls.Code+"/ws")
	read(t, ws)
	u, _ := url.Parse(e.srv.URL)
	h := http.Header{}
	for _, c := range e.staff.c.Jar.Cookies(u) {
		h.Add("Cookie", c.String())
	}
	_, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+e.teachURL()+"/ws", h)
	if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a second socket: %v %v", err, res)
	}
	body := make([]byte, 512)
	n, _ := res.Body.Read(body)
	if !strings.Contains(string(body[:n]), "-live-max-conns") {
		t.Errorf("refusal %q does not name -live-max-conns", body[:n])
	}
}

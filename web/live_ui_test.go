package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// liveReply is any message of the live sockets, errors included.
type liveReply struct {
	live.Message
	Field string `json:"field"`
	Error string `json:"error"`
}

func readReply(t *testing.T, ws *websocket.Conn) liveReply {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m liveReply
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func readReplyUntil(t *testing.T, ws *websocket.Conn, what string, ok func(liveReply) bool) liveReply {
	t.Helper()
	for i := 0; i < 400; i++ {
		if m := readReply(t, ws); ok(m) {
			return m
		}
	}
	t.Fatalf("no message with %s", what)
	return liveReply{}
}

func sendJSON(t *testing.T, ws *websocket.Conn, v any) {
	t.Helper()
	if err := ws.WriteJSON(v); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func drive(index int, playing bool) map[string]any {
	return map[string]any{"type": "drive", "part": "bottom-right", "index": index, "playing": playing, "fps": 2}
}

// TestLiveDrive: the instructor's player drives the students' players
// over the live sockets, only once the answer is revealed; a late joiner
// and a reconnecting student start at the instructor's position; bad
// drives and students' drives are refused with an error naming the field.
func TestLiveDrive(t *testing.T) {
	e := newLiveEnv(t)
	s1, s2 := e.device(), e.device()
	e.join(s1, "Ann")
	e.join(s2, "Ben")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	read(t, staff)
	w1 := e.dial(s1, "/live/"+e.ls.Code+"/ws")
	read(t, w1)

	// Before the reveal: refused, and the student hears nothing.
	sendJSON(t, staff, drive(3, false))
	if m := readReplyUntil(t, staff, "an error", func(m liveReply) bool { return m.Type == "error" }); m.Field != "drive" || !strings.Contains(m.Error, "reveal") {
		t.Errorf("drive before reveal: %+v", m)
	}
	e.control("unlock")
	e.control("reveal")
	readUntil(t, w1, "revealed", func(m live.Message) bool { return m.State != nil && m.State.Revealed })

	sendJSON(t, staff, drive(3, false))
	m := readUntil(t, w1, "the drive", func(m live.Message) bool { return m.Type == live.MsgPlayer })
	if p := m.Player; p.Index != 3 || p.Part != "bottom-right" || p.Playing || p.Question != 0 || p.FPS != 2 {
		t.Errorf("student got %+v", p)
	}
	sendJSON(t, staff, drive(5, true))
	if m := readUntil(t, w1, "the drive", func(m live.Message) bool { return m.Type == live.MsgPlayer }); m.Player.Index != 5 || !m.Player.Playing {
		t.Errorf("student got %+v", m.Player)
	}

	// A late joiner's socket: the state, then where the player is.
	w2 := e.dial(s2, "/live/"+e.ls.Code+"/ws")
	if m := read(t, w2); m.Type != "state" || !m.State.Revealed {
		t.Fatalf("late joiner's first message %+v", m)
	}
	if m := read(t, w2); m.Type != live.MsgPlayer || m.Player.Index != 5 {
		t.Fatalf("late joiner's second message %+v", m)
	}
	// A reconnect likewise; so does the instructor's reloaded page.
	w1.Close()
	w1 = e.dial(s1, "/live/"+e.ls.Code+"/ws")
	read(t, w1)
	if m := read(t, w1); m.Type != live.MsgPlayer || m.Player.Index != 5 {
		t.Fatalf("reconnect's second message %+v", m)
	}
	staff2 := e.dial(e.staff, e.teachURL()+"/ws")
	read(t, staff2)
	if m := read(t, staff2); m.Type != live.MsgPlayer || m.Player.Index != 5 {
		t.Fatalf("reloaded instructor page's second message %+v", m)
	}

	// Bad drives name their field; a student may not drive.
	for _, tc := range []struct {
		msg   map[string]any
		field string
	}{
		{map[string]any{"type": "drive", "part": "x", "fps": 2}, "index"},
		{map[string]any{"type": "drive", "part": "", "index": 1}, "part"},
		{map[string]any{"type": "drive", "part": "x", "index": -5}, "index"},
		{map[string]any{"type": "drive", "part": "x", "index": 1, "fps": 1000}, "fps"},
		{map[string]any{"type": "drive", "part": "x", "index": 1, "colour": "red"}, "drive"},
	} {
		sendJSON(t, staff, tc.msg)
		if m := readReplyUntil(t, staff, "an error", func(m liveReply) bool { return m.Type == "error" }); m.Field != tc.field {
			t.Errorf("%v: error %+v, want field %s", tc.msg, m, tc.field)
		}
	}
	sendJSON(t, w2, drive(1, false))
	if m := readReplyUntil(t, w2, "an error", func(m liveReply) bool { return m.Type == "error" }); m.Field != "type" {
		t.Errorf("a student's drive: %+v", m)
	}

	// The next question: the old position is not followed.
	e.control("next")
	w3 := e.dial(s2, "/live/"+e.ls.Code+"/ws")
	read(t, w3)
	e.control("pause")
	if m := read(t, w3); m.Type != "state" || !m.State.Paused {
		t.Errorf("after next, a new socket got %+v before the pause", m)
	}
}

// TestLiveDriveScrubCoalesced: an instructor scrubbing sends far more
// positions than the class gets; the class ends at the last one, and
// nothing queues up meanwhile.
func TestLiveDriveScrubCoalesced(t *testing.T) {
	e := newLiveEnv(t)
	s1 := e.device()
	e.join(s1, "Ann")
	e.control("reveal")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	read(t, staff)
	w1 := e.dial(s1, "/live/"+e.ls.Code+"/ws")
	read(t, w1)
	const n = 100 // within the flood bound's burst (120)
	start := time.Now()
	for i := 0; i < n; i++ {
		sendJSON(t, staff, drive(i, false))
	}
	got := 0
	for {
		m := read(t, w1)
		if m.Type != live.MsgPlayer {
			continue
		}
		got++
		if m.Player.Index == n-1 {
			break
		}
	}
	elapsed := time.Since(start)
	// At most the burst, then liveDrivePerSecond, plus the waiting one.
	if bound := liveDriveBurst + 1 + int(elapsed.Seconds()*liveDrivePerSecond) + 1; got > bound {
		t.Errorf("the student got %d positions in %v; the gate allows %d", got, elapsed, bound)
	}
	if got >= n {
		t.Errorf("nothing was coalesced: %d positions for %d drives", got, n)
	}
}

// TestDriveGate: drives beyond the burst wait in one slot, replaced by
// later ones; the slot is applied when the rate allows, and a stopped
// gate applies nothing.
func TestDriveGate(t *testing.T) {
	var mu sync.Mutex
	var applied []int
	done := make(chan struct{}, 100)
	g := newDriveGate(func(p live.Player) {
		mu.Lock()
		applied = append(applied, p.Index)
		mu.Unlock()
		done <- struct{}{}
	})
	now := time.Now()
	for i := 0; i < 50; i++ {
		g.offer(live.Player{Part: "p", Index: i, FPS: 2}, now)
	}
	for i := 0; i < liveDriveBurst+1; i++ {
		<-done
	}
	g.stop()
	g.offer(live.Player{Part: "p", Index: 99, FPS: 2}, time.Now().Add(time.Hour))
	mu.Lock()
	defer mu.Unlock()
	want := []int{0, 1, 2, 3, 4, 49}
	if fmt.Sprint(applied) != fmt.Sprint(want) {
		t.Errorf("applied %v, want %v", applied, want)
	}
}

func TestParseDrive(t *testing.T) {
	cases := []struct {
		in      string
		isDrive bool
		field   string
	}{
		{`{"type":"drive","part":"a","index":0}`, true, ""},
		{`{"type":"drive","part":"a","index":-1,"playing":true,"fps":60}`, true, ""},
		{`{"type":"hello"}`, false, ""},
		{`not json`, false, ""},
		{`{"type":"drive","part":"a"}`, true, "index"},
		{`{"type":"drive","part":"a","index":"3"}`, true, "drive"},
		{`{"type":"drive","part":"a b","index":3}`, true, "part"},
		{`{"type":"drive","part":"a","index":3,"fps":0}`, true, "fps"},
		{`{"type":"drive","part":"a","index":3} {}`, false, ""}, // not one JSON value: ignored like any non-drive
	}
	for _, tc := range cases {
		_, isDrive, err := parseDrive([]byte(tc.in))
		field := ""
		if err != nil {
			field = err.field
		}
		if isDrive != tc.isDrive || field != tc.field {
			t.Errorf("%s: drive %v field %q, want %v %q", tc.in, isDrive, field, tc.isDrive, tc.field)
		}
	}
}

// TestLiveJoinAsThemselves: a device that is already a learner of the
// course (a personal link's cookie) and a student launched from an LMS
// (the launch token, no cookie) join as themselves, whatever nickname
// they type; no learner is created.
func TestLiveJoinAsThemselves(t *testing.T) {
	e := newLiveEnv(t)
	ctx := context.Background()
	roster, link := e.learner("Grace Hopper")
	known := e.device()
	known.open(link)

	p, err := e.st.AddLTIPlatform(ctx, store.NewLTIPlatform{Issuer: "https://lms.example", ClientID: "c1",
		AuthURL: "https://lms.example/auth", TokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks", DeploymentIDs: []string{"d1"}})
	if err != nil {
		t.Fatal(err)
	}
	ada, err := e.st.EnsureLTILearner(ctx, e.course.ID, store.LTIPerson{Issuer: "https://lms.example", Sub: "s1", Name: "Ada Lovelace"})
	if err != nil {
		t.Fatal(err)
	}
	const tok = "launch-token-of-ada-0123456789"
	if err := e.st.CreateLTILaunch(ctx, tok, store.LTILaunch{PlatformID: p.ID, CourseID: e.course.ID, LearnerID: ada.ID,
		Target: "/join", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	before, _ := e.st.ListLearners(ctx, e.course.ID)

	e.join(known, "Someone else")
	if page := known.get("/live/" + e.ls.Code); !strings.Contains(page.body, "You joined as <strong>Grace Hopper</strong>") {
		t.Errorf("the known learner's page does not name them:\n%s", clip(page.body, 600))
	}

	lms := e.device()
	form := lms.get("/join?code=" + e.ls.Code + "&lti_launch=" + tok)
	if !strings.Contains(form.body, `action="/join?lti_launch=`+tok+`"`) {
		t.Fatalf("the join form does not keep the launch token:\n%s", clip(form.body, 800))
	}
	r := lms.post("/join?lti_launch="+tok, url.Values{"code": {e.ls.Code}, "nickname": {"Nick"}})
	want := "/live/" + e.ls.Code + "?lti_launch=" + tok
	if r.code != http.StatusSeeOther || r.loc != want {
		t.Fatalf("LTI join: %d to %q, want %q", r.code, r.loc, want)
	}
	page := lms.get(want)
	if !strings.Contains(page.body, "You joined as <strong>Ada Lovelace</strong>") ||
		!strings.Contains(page.body, `data-live-socket="/live/`+e.ls.Code+`/ws?lti_launch=`+tok+`"`) {
		t.Errorf("the LTI learner's page lacks their name or the token on its socket:\n%s", clip(page.body, 1200))
	}
	// The reveal fragment live.js reads carries the token too.
	if want := `data-live-reveal="/live/` + e.ls.Code + `/reveal?q=0&amp;lti_launch=` + tok + `"`; !strings.Contains(page.body, want) {
		t.Errorf("the LTI learner's page lacks %s", want)
	}
	// Without the token the same browser is nobody: sent to the join form.
	if r := lms.get("/live/" + e.ls.Code); r.code != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/join?code=") {
		t.Errorf("without the token: %d to %q", r.code, r.loc)
	}
	ws := e.dial(lms, "/live/"+e.ls.Code+"/ws?lti_launch="+tok)
	read(t, ws)

	// Their answers are recorded as them.
	e.control("unlock")
	path := "/live/" + e.ls.Code + "?q=0&lti_launch=" + tok
	m := attemptKeyRE.FindStringSubmatch(lms.get(path).body)
	if m == nil {
		t.Fatal("no attempt key on the LTI learner's question page")
	}
	if r := lms.post(path, url.Values{"attempt_key": {m[1]}, "a.dims": {"3x3"}}); r.code != http.StatusOK {
		t.Fatalf("LTI answer: %d", r.code)
	}
	if atts := e.attempts(ada); len(atts) != 1 || atts[0].LiveSessionID != e.ls.ID {
		t.Errorf("Ada's attempts %+v", atts)
	}
	if atts := e.attempts(roster); len(atts) != 0 {
		t.Errorf("Grace has attempts %+v", atts)
	}
	after, _ := e.st.ListLearners(ctx, e.course.ID)
	if len(after) != len(before) {
		t.Errorf("joining created learners: %d before, %d after", len(before), len(after))
	}
	hub, _ := e.app.server.live.mgr.Lookup(e.ls.ID)
	if n := hub.JoinedCount(); n != 2 {
		t.Errorf("joined %d, want 2", n)
	}
}

// TestLiveInstructorReload: the instructor's page, loaded again, shows
// where the session is (it is rendered from the session's state, not
// from the page), and the projector never shows a name.
func TestLiveInstructorReload(t *testing.T) {
	e := newLiveEnv(t)
	s1 := e.device()
	e.join(s1, "Zelda Quux")
	e.control("unlock")
	r := e.answer(s1, 0, map[string]string{"dims": "3x3", "bottom-right": "22"})
	if r.code != http.StatusOK {
		t.Fatal(r.code)
	}
	e.control("next")
	e.control("pause")
	e.control("reveal")
	for i := 0; i < 2; i++ {
		page := e.staff.get(e.teachURL())
		for _, want := range []string{"Question 2 of 2", "paused", "answer revealed", `value="resume"`, `value="hide"`, "data-live-drive", "data-player"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("reload %d: the instructor page lacks %q", i, want)
			}
		}
	}
	proj := e.staff.get(e.teachURL() + "/projector")
	if strings.Contains(proj.body, "Zelda") || strings.Contains(proj.body, "Quux") {
		t.Error("the projector shows a student's name")
	}
	for _, want := range []string{`class="live-qr"`, "/join?code=" + e.ls.Code, "live-projector", "data-live-follow"} {
		if !strings.Contains(proj.body, want) {
			t.Errorf("the projector lacks %q", want)
		}
	}
	if strings.Contains(proj.body, `name="action"`) {
		t.Error("the projector has controls")
	}
}

// TestLiveDriveEnded: a drive after the end is refused, and the sockets
// close normally.
func TestLiveDriveEnded(t *testing.T) {
	e := newLiveEnv(t)
	e.control("reveal")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	read(t, staff)
	e.control("end")
	var err error
	for err == nil {
		_ = staff.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, _, err = staff.ReadMessage()
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Errorf("after the end: %v", err)
	}
	hub, ok := e.app.server.live.mgr.Lookup(e.ls.ID)
	if ok {
		if _, err := hub.Drive(live.Player{Part: "a", FPS: 2}); !errors.Is(err, live.ErrEnded) {
			t.Errorf("drive after the end: %v", err)
		}
	}
}

// FuzzLiveDrive: no message a staff page sends crashes the parser, and
// whatever it accepts is within the drive's bounds.
func FuzzLiveDrive(f *testing.F) {
	for _, s := range []string{
		`{"type":"drive","part":"bottom-right","index":3,"playing":false,"fps":2}`,
		`{"type":"drive","part":"a","index":-1}`,
		`{"type":"drive","part":"a","index":1e9}`,
		`{"type":"drive","part":"a","index":1,"fps":1e400}`,
		`{"type":"drive","part":"\u0000","index":1}`,
		`{"type":"drive"}`, `{"type":"hello"}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, isDrive, err := parseDrive(b)
		if !isDrive || err != nil {
			return
		}
		if cerr := live.CheckDrive(p); cerr != nil {
			t.Fatalf("%q accepted as %+v: %v", b, p, cerr)
		}
	})
}

// TestLiveNeverReadingStudent: a student whose client never reads (and
// whose socket buffers are small, so the server's writes to it soon
// block) is dropped, not waited for: every control keeps reaching a
// reading student, in order, until the hub has dropped the other; the
// dropped one, reconnecting, is resynced at the latest state.
//
// The never-reading student reaches the server through a listener of its
// own whose accepted sockets have a small send buffer, as its client's
// receive buffer is small: otherwise loopback's send buffer grows to
// megabytes, and filling it took thousands of controls (each a durable
// state write), past any budget under the race detector.
func TestLiveNeverReadingStudent(t *testing.T) {
	e := newLiveEnv(t)
	slow, fast := e.device(), e.device()
	e.join(slow, "Slow")
	e.join(fast, "Fast")
	u, _ := url.Parse(e.srv.URL)
	h := http.Header{}
	for _, c := range slow.c.Jar.Cookies(u) {
		h.Add("Cookie", c.String())
	}
	small := httptest.NewUnstartedServer(e.app)
	small.Listener = smallSendBuffers{small.Listener}
	small.Start()
	defer small.Close()
	dialer := websocket.Dialer{
		ReadBufferSize: 256,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(1024)
			}
			return c, err
		},
	}
	ws, _, err := dialer.Dial("ws"+strings.TrimPrefix(small.URL, "http")+"/live/"+e.ls.Code+"/ws", h)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	wf := e.dial(fast, "/live/"+e.ls.Code+"/ws")
	read(t, wf)
	hub, _ := e.app.server.live.mgr.Lookup(e.ls.ID)
	const limit = 200000
	i := 0
	for hub.Dropped() == 0 {
		if i++; i > limit {
			t.Fatalf("%d controls and the never-reading student was not dropped", limit)
		}
		a := live.ActPause
		if i%2 == 0 {
			a = live.ActResume
		}
		if _, err := hub.Control(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if m := read(t, wf); m.State.Version != int64(i) {
			t.Fatalf("the reading student got version %d, want %d", m.State.Version, i)
		}
	}
	// Keep going: the room does not wait for the dropped one either.
	for j := 0; j < 100; j++ {
		i++
		a := live.ActPause
		if i%2 == 0 {
			a = live.ActResume
		}
		if _, err := hub.Control(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if m := read(t, wf); m.State.Version != int64(i) {
			t.Fatalf("after the drop the reading student got version %d, want %d", m.State.Version, i)
		}
	}
	again := e.dial(slow, "/live/"+e.ls.Code+"/ws")
	if m := read(t, again); m.State.Version != int64(i) {
		t.Errorf("the dropped student resynced at version %d, want %d", m.State.Version, i)
	}
	t.Logf("dropped after %d controls", i-100)
}

// smallSendBuffers accepts TCP connections with a 4 KiB send buffer.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// liveStatusRE is a student page's status line.
var liveStatusRE = regexp.MustCompile(`id="live-status" role="status" aria-live="polite">([^<]*)</p>`)

// liveStatusLine is the text of a student page's status line (every page
// also carries every status's words, for live.js: data-live-msg-*, so a
// test of what the page says reads the line, not the whole page).
func liveStatusLine(body string) string {
	if m := liveStatusRE.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// TestLiveStudentStatus: the status a student's page of question q shows
// in each state, and its line from the one table (static/live.js's
// statusOf decides the same way in place).
func TestLiveStudentStatus(t *testing.T) {
	m := liveStudentMessages()
	cases := []struct {
		name   string
		st     live.State
		q      int
		status string
		msg    string
	}{
		{"ended", live.State{Ended: true, Paused: true, Unlocked: []int{0}}, 0, "ended", liveMsgEnded},
		{"paused", live.State{Paused: true, Revealed: true, Unlocked: []int{0}}, 0, "paused", liveMsgPaused},
		{"locked", live.State{Closed: true}, 0, "waiting", liveMsgWaiting},
		{"another question locked", live.State{Unlocked: []int{0}}, 1, "waiting", liveMsgWaiting},
		{"closed", live.State{Closed: true, Unlocked: []int{0}}, 0, "closed", liveMsgClosed},
		{"open", live.State{Unlocked: []int{0}}, 0, "open", liveMsgOpen},
		{"open, revealed", live.State{Revealed: true, Unlocked: []int{0}}, 0, "open", liveMsgOpen + liveMsgRevealedSuffix},
		{"closed, revealed", live.State{Closed: true, Revealed: true, Unlocked: []int{0}}, 0, "closed", liveMsgClosed + liveMsgRevealedSuffix},
		{"revealed, another question", live.State{Question: 1, Revealed: true, Unlocked: []int{0, 1}}, 0, "open", liveMsgOpen},
	}
	for _, tc := range cases {
		status, msg := liveStudentStatus(m, tc.st, tc.q)
		if status != tc.status || msg != tc.msg {
			t.Errorf("%s: %q %q, want %q %q", tc.name, status, msg, tc.status, tc.msg)
		}
	}
}

// TestLiveStudentPageData: a student's page, rendered in each state, says
// its status with the server's words and carries what live.js needs to
// follow the class in place (the words of every status, the page's
// status, unlocked questions and reveal, the reveal fragment's address);
// it keeps a heading (hidden while the exercise, whose title is the
// heading, is there) and, without JavaScript, still works: the answer
// form posts, the Refresh link reloads.
func TestLiveStudentPageData(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.device()
	e.join(ann, "Ann")
	base := "/live/" + e.ls.Code
	table := []string{
		`data-live-msg-paused="` + html.EscapeString(liveMsgPaused) + `"`,
		`data-live-msg-waiting="` + html.EscapeString(liveMsgWaiting) + `"`,
		`data-live-msg-closed="` + html.EscapeString(liveMsgClosed) + `"`,
		`data-live-msg-open="` + html.EscapeString(liveMsgOpen) + `"`,
		`data-live-msg-revealed-suffix="` + html.EscapeString(liveMsgRevealedSuffix) + `"`,
		`data-live-reveal="` + base + `/reveal?q=0"`,
		`<a href="` + base + `?q=0">Refresh</a>`,
	}
	steps := []struct {
		action   string
		status   string
		msg      string
		unlocked string
		form     bool
		revealed bool
	}{
		{"", "waiting", liveMsgWaiting, "", false, false},
		{"unlock", "open", liveMsgOpen, "0", true, false},
		{"close", "closed", liveMsgClosed, "0", true, false},
		{"reveal", "closed", liveMsgClosed + liveMsgRevealedSuffix, "0", true, true},
		{"pause", "paused", liveMsgPaused, "0", false, false},
		{"unlock_all", "paused", liveMsgPaused, "0 1", false, false},
		{"resume", "closed", liveMsgClosed + liveMsgRevealedSuffix, "0 1", true, true},
		{"open", "open", liveMsgOpen + liveMsgRevealedSuffix, "0 1", true, true},
		{"hide", "open", liveMsgOpen, "0 1", true, false},
	}
	for _, s := range steps {
		if s.action != "" {
			e.control(s.action)
		}
		r := ann.get(base)
		if r.code != http.StatusOK {
			t.Fatalf("after %q: %d", s.action, r.code)
		}
		want := append([]string{
			`data-live-status="` + s.status + `"`,
			`data-live-unlocked="` + s.unlocked + `"`,
			`id="live-status" role="status" aria-live="polite">` + html.EscapeString(s.msg) + `</p>`,
		}, table...)
		if s.form {
			want = append(want, `<h1 class="live-student-title" id="live-title" tabindex="-1" hidden>`,
				`method="post" action="`+base+`?q=0"`, `<h1 id="exercise-title">`)
		} else {
			want = append(want, `<h1 class="live-student-title" id="live-title" tabindex="-1">`)
		}
		for _, w := range want {
			if !strings.Contains(r.body, w) {
				t.Errorf("after %q: the page lacks %s", s.action, w)
			}
		}
		if got := strings.Contains(r.body, "data-live-revealed"); got != s.revealed {
			t.Errorf("after %q: data-live-revealed %v, want %v", s.action, got, s.revealed)
		}
		if !s.form && strings.Contains(r.body, `id="exercise-form"`) {
			t.Errorf("after %q: the page has the exercise's form", s.action)
		}
	}
}

package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// liveEnv is a learnEnv with a two-question assignment, a signed-in
// instructor device and a started live session.
type liveEnv struct {
	*learnEnv
	a     store.Assignment
	staff *device
	ls    store.LiveSession
}

func newLiveEnv(t *testing.T) *liveEnv { return newLiveEnvTB(t) }

func newLiveEnvTB(t testing.TB) *liveEnv {
	t.Helper()
	e := newLearnEnvTB(t)
	item := store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedRecitation, Points: 1}
	return startLive(t, e, e.assignment(defaultSettings(), "", item, item))
}

// startLive signs the env's instructor in on a device and starts a live
// session of assignment a.
func startLive(t testing.TB, e *learnEnv, a store.Assignment) *liveEnv {
	t.Helper()
	tok, _, err := e.st.CreateSession(context.Background(), e.user.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	staff := e.device()
	u, _ := url.Parse(e.srv.URL)
	staff.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: tok}})
	r := staff.post(fmt.Sprintf("/courses/%d/assignments/%d/live", e.course.ID, a.ID), url.Values{})
	prefix := fmt.Sprintf("/courses/%d/live/", e.course.ID)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.loc, prefix) {
		t.Fatalf("start live session: %d to %q\n%s", r.code, r.loc, clip(r.body, 300))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.loc, prefix), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := e.st.GetLiveSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return &liveEnv{learnEnv: e, a: a, staff: staff, ls: ls}
}

func (e *liveEnv) teachURL() string { return fmt.Sprintf("/courses/%d/live/%d", e.course.ID, e.ls.ID) }

func (e *liveEnv) control(action string) {
	e.t.Helper()
	if r := e.staff.post(e.teachURL(), url.Values{"action": {action}}); r.code != http.StatusSeeOther {
		e.t.Fatalf("control %s: %d %s", action, r.code, clip(r.body, 300))
	}
}

// join makes d join the session with a nickname.
func (e *liveEnv) join(d *device, nickname string) {
	e.t.Helper()
	r := d.post("/join", url.Values{"code": {strings.ToLower(e.ls.Code[:3]) + " " + e.ls.Code[3:]}, "nickname": {nickname}})
	if r.code != http.StatusSeeOther || r.loc != "/live/"+e.ls.Code {
		e.t.Fatalf("join: %d to %q\n%s", r.code, r.loc, clip(r.body, 400))
	}
}

// dial opens a websocket as device d.
func (e *liveEnv) dial(d *device, path string) *websocket.Conn {
	e.t.Helper()
	u, _ := url.Parse(e.srv.URL)
	h := http.Header{}
	for _, c := range d.c.Jar.Cookies(u) {
		h.Add("Cookie", c.String())
	}
	ws, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+path, h)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		e.t.Fatalf("dial %s: %v (HTTP %d)", path, err, status)
	}
	e.t.Cleanup(func() { ws.Close() })
	return ws
}

// read returns the next message; the deadline only stops a broken test
// from hanging, it is never what a test waits for.
func read(t *testing.T, ws *websocket.Conn) live.Message {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	var m live.Message
	_, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// readUntil reads messages until ok accepts one (at most 50).
func readUntil(t *testing.T, ws *websocket.Conn, what string, ok func(live.Message) bool) live.Message {
	t.Helper()
	for i := 0; i < 50; i++ {
		if m := read(t, ws); ok(m) {
			return m
		}
	}
	t.Fatalf("no message with %s", what)
	return live.Message{}
}

func (e *liveEnv) answer(d *device, q int, answers map[string]string) resp {
	e.t.Helper()
	path := "/live/" + e.ls.Code + "?q=" + strconv.Itoa(q)
	page := d.get(path)
	m := attemptKeyRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || m == nil {
		e.t.Fatalf("live question page: %d, attempt key %v\n%s", page.code, m, clip(page.body, 400))
	}
	form := url.Values{"attempt_key": {m[1]}}
	for k, v := range answers {
		form.Set("a."+k, v)
	}
	return d.post(path, form)
}

func TestLiveJoinForm(t *testing.T) {
	e := newLiveEnv(t)
	d := e.device()
	cases := []struct {
		code, nick string
		status     int
		want       string
	}{
		{"", "", http.StatusBadRequest, "code"},
		{"ABC", "", http.StatusBadRequest, "must have 6 characters"},
		{"ABCDE0", "", http.StatusBadRequest, "which no join code has"},
		{strings.Repeat("A", 40), "", http.StatusBadRequest, "join code has 6 characters"},
		{"ZZZZZZ", "", http.StatusNotFound, "not the code of a session running now"},
		{e.ls.Code, strings.Repeat("n", maxNickname+1), http.StatusBadRequest, "the limit is 40"},
	}
	if e.ls.Code == "ZZZZZZ" {
		t.Skip("the random code is the unknown code of the test")
	}
	for _, tc := range cases {
		r := d.post("/join", url.Values{"code": {tc.code}, "nickname": {tc.nick}})
		if r.code != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("join %q %q: %d, want %d with %q\n%s", clip(tc.code, 20), clip(tc.nick, 20), r.code, tc.status, tc.want, clip(r.body, 200))
		}
	}
	if r := d.get("/live/" + e.ls.Code); r.code != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/join?code=") {
		t.Errorf("session page before joining: %d to %q, want the join form", r.code, r.loc)
	}
	e.join(d, "Grace")
	ls, err := e.st.ListLearners(context.Background(), e.course.ID)
	if err != nil || len(ls) != 1 || ls[0].Name != "Grace" || ls[0].Source != store.SourceLive {
		t.Fatalf("learners after joining: %+v, %v", ls, err)
	}
	// The same device joins again as the same learner; a roster learner
	// of the course joins as themselves.
	e.join(d, "Someone else")
	_, tok := e.learner("ada")
	d2 := e.device()
	d2.open(tok)
	e.join(d2, "")
	if ls, _ := e.st.ListLearners(context.Background(), e.course.ID); len(ls) != 2 {
		t.Errorf("%d learners, want 2 (Grace and the roster's ada)", len(ls))
	}
	// Anonymous: no nickname.
	d3 := e.device()
	e.join(d3, "")
	ls, _ = e.st.ListLearners(context.Background(), e.course.ID)
	if len(ls) != 3 || !strings.HasPrefix(ls[2].Name, "Anonymous ") {
		t.Errorf("anonymous learner %+v", ls)
	}
}

// TestLiveProtocol runs a session with real websocket clients: unlock
// reaches the students, an answer is recorded with the session id and
// updates the instructor's counts, a reconnecting student is resynced, a
// pause and the end reach everyone.
func TestLiveProtocol(t *testing.T) {
	e := newLiveEnv(t)
	s1, s2 := e.device(), e.device()
	e.join(s1, "Ann")
	e.join(s2, "Ben")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	if m := read(t, staff); m.Type != "state" || m.Counts == nil || m.Counts.Joined != 2 || m.State.IsUnlocked(0) {
		t.Fatalf("staff snapshot %+v", m)
	}
	w1, w2 := e.dial(s1, "/live/"+e.ls.Code+"/ws"), e.dial(s2, "/live/"+e.ls.Code+"/ws")
	for _, ws := range []*websocket.Conn{w1, w2} {
		if m := read(t, ws); m.Type != "state" || m.Counts != nil || m.State.Items != 2 {
			t.Fatalf("student snapshot %+v", m)
		}
	}
	if r := s1.get("/live/" + e.ls.Code); !strings.Contains(liveStatusLine(r.body), "Waiting for your instructor") || strings.Contains(r.body, "exercise-form") {
		t.Errorf("locked question page shows the form or no waiting note")
	}

	e.control("unlock")
	for _, ws := range []*websocket.Conn{w1, w2} {
		if m := read(t, ws); !m.State.IsUnlocked(0) || m.State.Version != 1 {
			t.Fatalf("after unlock a student got %+v", m.State)
		}
	}

	r := e.answer(s1, 0, map[string]string{"dims": "3x3", "bottom-right": "22"})
	if r.code != http.StatusOK {
		t.Fatalf("answer: %d %s", r.code, clip(r.body, 300))
	}
	atts, err := e.st.ListAttempts(context.Background(), store.AttemptFilter{AssignmentID: e.a.ID, Limit: 100})
	if err != nil || len(atts) != 2 {
		t.Fatalf("attempts %+v, %v", atts, err)
	}
	for _, at := range atts {
		if at.Source != store.FromLive || at.LiveSessionID != e.ls.ID {
			t.Errorf("attempt %s source %s session %d, want live %d", at.Part, at.Source, at.LiveSessionID, e.ls.ID)
		}
	}
	m := readUntil(t, staff, "one answer", func(m live.Message) bool { return m.Counts != nil && m.Counts.Answered == 1 })
	br := partOf(m.Counts, "bottom-right")
	if len(br.Histogram) != 1 || br.Histogram[0] != (live.Bucket{Key: "conv.flipped-kernel", Count: 1}) ||
		len(br.Wrong) != 1 || br.Wrong[0].Answer != "22" {
		t.Errorf("bottom-right counts %+v", br)
	}
	if d := partOf(m.Counts, "dims"); d.Correct != 1 {
		t.Errorf("dims counts %+v", d)
	}
	if page := e.staff.get(e.teachURL()); !strings.Contains(page.body, "conv.flipped-kernel") || !strings.Contains(page.body, "Answering open") {
		t.Errorf("instructor page lacks the histogram or the state")
	}
	if page := e.staff.get(e.teachURL() + "/projector"); strings.Contains(page.body, "Ann") || !strings.Contains(page.body, e.ls.Code) {
		t.Errorf("projector shows a name or no code")
	}

	// Student 1 drops; the class moves on; the reconnect starts where the
	// class is.
	w1.Close()
	e.control("next")
	if m := read(t, w2); m.State.Question != 1 {
		t.Fatalf("student 2 at question %d", m.State.Question)
	}
	w1 = e.dial(s1, "/live/"+e.ls.Code+"/ws")
	if m := read(t, w1); m.State.Question != 1 || m.State.Version != 2 {
		t.Errorf("reconnected student resynced to %+v", m.State)
	}

	// Pause: the page says so, and an answer is not taken.
	e.control("unlock")
	e.control("pause")
	for _, ws := range []*websocket.Conn{w1, w2} {
		readUntil(t, ws, "paused", func(m live.Message) bool { return m.State != nil && m.State.Paused })
	}
	page := s2.get("/live/" + e.ls.Code)
	if !strings.Contains(liveStatusLine(page.body), "eyes on the projector") || strings.Contains(page.body, "exercise-form") {
		t.Errorf("paused page shows the form or no pause note")
	}
	key := "live-paused-key-1"
	r = s2.post("/live/"+e.ls.Code+"?q=1", url.Values{"attempt_key": {key}, "a.dims": {"3x3"}})
	if all, _ := e.st.ListAttempts(context.Background(), store.AttemptFilter{AssignmentID: e.a.ID, Limit: 100}); len(all) != 2 {
		t.Errorf("an answer while paused was recorded: %d attempts", len(all))
	}

	// End: every page is closed normally, and the code no longer works.
	e.control("end")
	for _, ws := range []*websocket.Conn{w1, w2, staff} {
		var err error
		for err == nil {
			_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, _, err = ws.ReadMessage()
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
			t.Errorf("after the end: %v, want close 1000", err)
		}
	}
	// An ended session's code says it ended, and why (410 Gone).
	if r := s1.get("/live/" + e.ls.Code); r.code != http.StatusGone || !strings.Contains(r.body, "the instructor ended it") {
		t.Errorf("ended session page: %d, want 410 saying the instructor ended it\n%s", r.code, clip(r.body, 400))
	}
	if r := s1.post("/join", url.Values{"code": {e.ls.Code}}); r.code != http.StatusGone || !strings.Contains(r.body, "has ended") {
		t.Errorf("join an ended session: %d, want 410 saying it ended\n%s", r.code, clip(r.body, 400))
	}
	if page := e.staff.get(e.teachURL()); !strings.Contains(page.body, "has ended") {
		t.Errorf("instructor page after the end lacks the note")
	}
}

func partOf(c *live.Counts, id string) live.PartCounts {
	for _, p := range c.Parts {
		if p.Part == id {
			return p
		}
	}
	return live.PartCounts{}
}

// TestLiveSocketRefusals: no learner, another site's origin, a plain GET,
// and the per-learner cap.
func TestLiveSocketRefusals(t *testing.T) {
	e := newLiveEnv(t)
	base := "ws" + strings.TrimPrefix(e.srv.URL, "http")
	if _, res, err := websocket.DefaultDialer.Dial(base+"/live/"+e.ls.Code+"/ws", nil); err == nil || res == nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("socket without a learner: %v", err)
	}
	d := e.device()
	e.join(d, "Eve")
	if r := d.get("/live/" + e.ls.Code + "/ws"); r.code != http.StatusBadRequest || !strings.Contains(r.body, "Upgrade") {
		t.Errorf("plain GET of the socket: %d %s", r.code, r.body)
	}
	u, _ := url.Parse(e.srv.URL)
	h := http.Header{"Origin": {"https://evil.example"}}
	for _, c := range d.c.Jar.Cookies(u) {
		h.Add("Cookie", c.String())
	}
	if _, res, err := websocket.DefaultDialer.Dial(base+"/live/"+e.ls.Code+"/ws", h); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin socket: %v", err)
	}
	for i := 0; i < liveMaxPerLearner; i++ {
		e.dial(d, "/live/"+e.ls.Code+"/ws")
	}
	h.Del("Origin")
	if _, res, err := websocket.DefaultDialer.Dial(base+"/live/"+e.ls.Code+"/ws", h); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("socket beyond the per-learner cap: %v", err)
	}
	if r := e.staff.post(e.teachURL(), url.Values{"action": {"explode"}}); r.code != http.StatusBadRequest || !strings.Contains(r.body, "action") {
		t.Errorf("bad action: %d", r.code)
	}
}

// TestLiveStudentLimit: beyond the per-session limit a new student is
// refused with a clear 409 and no learner is created.
func TestLiveStudentLimit(t *testing.T) {
	e := newLearnEnv(t)
	_ = e
	app := newTestHandler(t, Config{Store: e.st, Live: LiveConfig{MaxStudents: 1}})
	e.app = app
	e.srv.Config.Handler = app
	le := &liveEnv{learnEnv: e}
	item := store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedRecitation, Points: 1}
	le.a = e.assignment(defaultSettings(), "", item)
	tok, _, _ := e.st.CreateSession(context.Background(), e.user.ID, time.Now().Add(time.Hour))
	le.staff = e.device()
	u, _ := url.Parse(e.srv.URL)
	le.staff.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: tok}})
	r := le.staff.post(fmt.Sprintf("/courses/%d/assignments/%d/live", e.course.ID, le.a.ID), url.Values{})
	if r.code != http.StatusSeeOther {
		t.Fatalf("start: %d", r.code)
	}
	id, _ := strconv.ParseInt(r.loc[strings.LastIndex(r.loc, "/")+1:], 10, 64)
	le.ls, _ = e.st.GetLiveSession(context.Background(), id)
	le.join(e.device(), "One")
	r = e.device().post("/join", url.Values{"code": {le.ls.Code}, "nickname": {"Two"}})
	if r.code != http.StatusConflict || !strings.Contains(r.body, "the limit is 1") {
		t.Errorf("second student: %d %s", r.code, clip(r.body, 200))
	}
	if ls, _ := e.st.ListLearners(context.Background(), e.course.ID); len(ls) != 1 {
		t.Errorf("%d learners, want 1", len(ls))
	}
}

func TestNormalizeLiveCode(t *testing.T) {
	for in, want := range map[string]string{"abc def": "ABCDEF", "K7Q-2XY": "K7Q2XY", " k7q2xy ": "K7Q2XY"} {
		if got, err := normalizeLiveCode(in); err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "ABCDE", "ABCDEFG", "ABCDE1", "ABCDEO", "ÄBCDEF"} {
		if _, err := normalizeLiveCode(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	for i := 0; i < 100; i++ {
		if _, err := normalizeLiveCode(newLiveCode()); err != nil {
			t.Fatalf("a new code does not normalize: %v", err)
		}
	}
}

// FuzzLiveJoinInput: the join form's parsers never panic, a normalized
// code is always a code the generator could make, and a nickname stays
// within its bound.
func FuzzLiveJoinInput(f *testing.F) {
	for _, s := range []string{"", "abc def", "K7Q-2XY", "ÄBCDEF", strings.Repeat("A", 20), "A\x00BCDEF", "Grace Hopper", "\u202eevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if code, err := normalizeLiveCode(s); err == nil {
			if len(code) != liveCodeLen || strings.Trim(code, liveCodeAlphabet) != "" {
				t.Fatalf("%q normalized to %q", s, code)
			}
		}
		if n, err := checkNickname(s); err == nil && len([]rune(n)) > maxNickname {
			t.Fatalf("nickname %q over the bound", n)
		}
	})
}

// TestLiveAuthoredExercise: a live session runs an authored exercise like
// a built-in one, on the version its assignment item was made with: after
// the file changes, the room still answers the numbers of that version and
// the attempts record it.
func TestLiveAuthoredExercise(t *testing.T) {
	dir := t.TempDir()
	writeExercise(t, dir, "week3.yaml", authoredConv)
	le := newLearnEnvConfig(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	made, ok := le.app.server.catalog.Lookup("conv-week3")
	if !ok {
		t.Fatal("the authored exercise is not loaded")
	}
	item := store.NewItem{ExerciseID: "conv-week3", ExerciseVersion: made.Version, SeedPolicy: store.SeedRecitation, Points: 1}
	e := startLive(t, le, le.assignment(defaultSettings(), "", item))

	// The file changes: the asked cell would now be 2·1 + 16·(−1) = −14.
	writeExercise(t, dir, "week3.yaml", strings.Replace(authoredConv, "- [4, 5, 6]", "- [4, 5, 16]", 1))
	le.app.ReloadExercises(context.Background())

	s1 := e.device()
	e.join(s1, "Ann")
	e.control("unlock")
	if r := e.answer(s1, 0, map[string]string{"dims": "2x2", "cell": "4"}); r.code != http.StatusOK {
		t.Fatalf("answer: %d %s", r.code, clip(r.body, 300))
	}
	atts, err := e.st.ListAttempts(context.Background(), store.AttemptFilter{AssignmentID: e.a.ID, Limit: 100})
	if err != nil || len(atts) != 2 {
		t.Fatalf("attempts %+v, %v", atts, err)
	}
	for _, at := range atts {
		if at.ExerciseVersion != made.Version || at.Source != store.FromLive || at.LiveSessionID != e.ls.ID {
			t.Errorf("attempt %s: version %q source %s session %d, want %q live %d", at.Part, at.ExerciseVersion, at.Source, at.LiveSessionID, made.Version, e.ls.ID)
		}
		// The flipped filter of the version made: 2·(−1) + 6·1 = 4.
		if at.Part == "cell" && at.DiagnosisCode != "conv.flipped-kernel" {
			t.Errorf("cell attempt %+v, want the flipped-kernel diagnosis", at)
		}
	}
	if r := e.answer(s1, 0, map[string]string{"cell": "-4"}); r.code != http.StatusOK {
		t.Fatalf("second answer: %d", r.code)
	}
	atts, _ = e.st.ListAttempts(context.Background(), store.AttemptFilter{AssignmentID: e.a.ID, Limit: 100})
	right := false
	for _, at := range atts {
		right = right || at.Part == "cell" && at.Answer == "-4" && at.Verdict == "correct"
	}
	if !right {
		t.Errorf("the version's right answer, -4, is not recorded as correct: %+v", atts)
	}
}

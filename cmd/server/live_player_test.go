package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// The driven player across replicas (issue 14 §1 and §2): the
// instructor's animation player on replica A drives a student's on
// replica B. Each command the instructor's page sends (play, pause, step,
// step back, seek, a new speed) reaches the student's socket on B as a
// "player" message with exactly that position, in order, each one
// sequence number after the last; a student who connects to B afterwards
// starts at the last position.

// TestLivePlayerTwoReplicas: two server processes on one PostgreSQL
// database (LISTEN/NOTIFY between them), the instructor on A, the student
// on B.
func TestLivePlayerTwoReplicas(t *testing.T) {
	dbURL, a, b := startReplicaPair(t)
	drivePlayer(t, store.Config{DatabaseURL: dbURL}, a.url, b.url)
}

// TestLivePlayerSQLite: the same on one server process on SQLite (the
// in-process bus), instructor and student on it.
func TestLivePlayerSQLite(t *testing.T) {
	dir := t.TempDir()
	a := startServer(t, "-data-dir", dir)
	drivePlayer(t, store.Config{DataDir: dir}, a.url, a.url)
}

// postForm posts and returns the status and Location.
func postForm(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s %v: %s\n%s", u, form, resp.Status, body)
	}
	return resp.StatusCode, resp.Header.Get("Location")
}

// dialAs opens a websocket with the client's cookies for base.
func dialAs(t *testing.T, c *http.Client, base, path string) *websocket.Conn {
	t.Helper()
	u, _ := url.Parse(base + path)
	h := http.Header{}
	for _, ck := range c.Jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	ws, resp, err := websocket.DefaultDialer.Dial(strings.Replace(base, "http", "ws", 1)+path, h)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("dial %s%s: %v %s", base, path, err, status)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// nextOf reads messages until one of type typ (the deadline only stops a
// broken test from hanging; nothing waits for it).
func nextOf(t *testing.T, ws *websocket.Conn, who, typ string) live.Message {
	t.Helper()
	for i := 0; i < 100; i++ {
		_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second))
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("%s: read: %v", who, err)
		}
		var m live.Message
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: decode %s: %v", who, b, err)
		}
		if m.Type == typ {
			return m
		}
		if m.Type == "error" {
			t.Fatalf("%s: error message %s", who, b)
		}
	}
	t.Fatalf("%s: no %s message in 100", who, typ)
	return live.Message{}
}

func drivePlayer(t *testing.T, cfg store.Config, instructorURL, studentURL string) {
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, store.NewUser{Email: "player@example.invalid", Name: "Ins", Role: store.RoleInstructor, PasswordHash: "-"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := st.CreateSession(ctx, u.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	course, err := st.CreateCourse(ctx, store.NewCourse{Title: "Player", TimeZone: "UTC", CreatedBy: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAssignment(ctx, store.NewAssignment{CourseID: course.ID, Title: "Recitation", CreatedBy: u.ID,
		Items:    []store.NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedRecitation, Points: 1}},
		Settings: store.Settings{TimeZone: "UTC", Feedback: store.ShowImmediately, Solutions: store.ShowNever, Score: store.ScoreBest}})
	if err != nil {
		t.Fatal(err)
	}

	// The instructor, on A, starts the session, unlocks and reveals.
	ins := newBrowser(t).c
	iu, _ := url.Parse(instructorURL)
	ins.Jar.SetCookies(iu, []*http.Cookie{{Name: "stride_session", Value: token}})
	_, loc := postForm(t, ins, fmt.Sprintf("%s/courses/%d/assignments/%d/live", instructorURL, course.ID, a.ID), url.Values{})
	id, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("session location %q", loc)
	}
	ls, err := st.GetLiveSession(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	teach := fmt.Sprintf("/courses/%d/live/%d", course.ID, id)
	staff := dialAs(t, ins, instructorURL, teach+"/ws")
	nextOf(t, staff, "instructor", "state")

	// The student, on B, joins with the code and connects.
	stu := newBrowser(t).c
	if _, loc := postForm(t, stu, studentURL+"/join", url.Values{"code": {ls.Code}, "nickname": {"Ann"}}); loc != "/live/"+ls.Code {
		t.Fatalf("join went to %q", loc)
	}
	ws := dialAs(t, stu, studentURL, "/live/"+ls.Code+"/ws")
	nextOf(t, ws, "student", "state")
	for _, act := range []string{"unlock", "reveal"} {
		postForm(t, ins, instructorURL+teach, url.Values{"action": {act}})
	}
	for {
		if m := nextOf(t, ws, "student", "state"); m.State.Revealed {
			break
		}
	}

	// The instructor's player: each command as static/live.js sends it.
	type cmd struct {
		name    string
		index   int
		playing bool
		fps     float64
	}
	cmds := []cmd{
		{"play from the start", -1, true, 2},
		{"pause", 3, false, 2},
		{"step", 4, false, 2},
		{"step", 5, false, 2},
		{"step back", 4, false, 2},
		{"seek", 7, false, 2},
		{"play faster", 7, true, 4},
		{"pause", 9, false, 4},
		{"seek to the start", 0, false, 4},
	}
	for i, c := range cmds {
		if err := staff.WriteJSON(map[string]any{"type": "drive", "part": "bottom-right", "index": c.index, "playing": c.playing, "fps": c.fps}); err != nil {
			t.Fatal(err)
		}
		want := live.Player{Question: 0, Part: "bottom-right", Index: c.index, Playing: c.playing, FPS: c.fps, Seq: int64(i + 1)}
		if got := nextOf(t, ws, "student", live.MsgPlayer); *got.Player != want {
			t.Fatalf("%s: the student got %+v, want %+v", c.name, *got.Player, want)
		}
		if got := nextOf(t, staff, "instructor", live.MsgPlayer); *got.Player != want {
			t.Fatalf("%s: the instructor's page got %+v, want %+v", c.name, *got.Player, want)
		}
	}

	// A student connecting to B now starts where the instructor's player is.
	late := newBrowser(t).c
	postForm(t, late, studentURL+"/join", url.Values{"code": {ls.Code}, "nickname": {"Ben"}})
	lw := dialAs(t, late, studentURL, "/live/"+ls.Code+"/ws")
	_ = lw.SetReadDeadline(time.Now().Add(60 * time.Second))
	var first, second live.Message
	if err := lw.ReadJSON(&first); err != nil || first.Type != "state" || !first.State.Revealed {
		t.Fatalf("late student's first message %+v, %v", first, err)
	}
	if err := lw.ReadJSON(&second); err != nil || second.Type != live.MsgPlayer || second.Player.Index != 0 || second.Player.Seq != int64(len(cmds)) {
		t.Fatalf("late student's second message %+v, %v", second, err)
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/liveload"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/internal/store/storetest"
)

// childEnv makes this test binary run the server (TestMain) instead of
// the tests: the two-replica test starts real server processes of the
// same code without building the binary again.
const childEnv = "STRIDE_TEST_SERVER_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// serverProc is a server running in a child process.
type serverProc struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

var listeningRE = regexp.MustCompile(`stride is listening.* addr=(\S+)`)

// startServer starts the server with args in a child process and waits
// until it listens. A request may wait for a work slot as long as the
// flag allows (30 s, not 250 ms): on a busy machine the default refused a
// student's join with 503 mid-test, and admission is not what these tests
// are about (web/admission_test.go is).
func startServer(t *testing.T, args ...string) *serverProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-addr", "127.0.0.1:0", "-log-format", "text", "-trusted-proxy-header", "X-Real-IP",
		"-work-queue-timeout", "30s"}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		p.url = "http://" + a
	case err := <-p.done:
		t.Fatalf("server exited before listening: %v", err)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("server did not listen within 60 s")
	}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the server gracefully (SIGTERM) and waits.
func (p *serverProc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Error("server did not stop within 30 s of SIGTERM")
	}
}

// testPostgresURL is a fresh schema of the test database, or "" when none
// is configured (a failure when STRIDE_POSTGRES_TESTS=required). The
// schema is dropped when the test ends.
func testPostgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("STRIDE_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("STRIDE_POSTGRES_TESTS") == "required" {
			t.Fatal("STRIDE_POSTGRES_TESTS=required but STRIDE_TEST_DATABASE_URL is not set")
		}
		return ""
	}
	u, drop, err := storetest.PostgresSchema(context.Background(), base, "stride_test_")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	return u
}

// startReplicaPair starts two server processes (replicas A and B) on one
// fresh PostgreSQL schema, nothing shared but the database, as behind a
// load balancer; it returns the schema's URL too. Without a configured
// database the test is skipped (failed with STRIDE_POSTGRES_TESTS=required).
func startReplicaPair(t *testing.T) (dbURL string, a, b *serverProc) {
	t.Helper()
	dbURL = testPostgresURL(t)
	if dbURL == "" {
		t.Skip("STRIDE_TEST_DATABASE_URL is not set")
	}
	a = startServer(t, "-database-url", dbURL, "-data-dir", t.TempDir())
	b = startServer(t, "-database-url", dbURL, "-data-dir", t.TempDir())
	return dbURL, a, b
}

// TestLiveTwoReplicas: two server processes on one PostgreSQL database,
// nothing shared but the database. The instructor is on A, three students
// on B, over real HTTP and websockets: unlock, reveal, hide, pause and
// resume reach every student on B, whose pages follow each state as
// static/live.js does (in place, the reveal fragment or the whole page,
// fetched from B while the state was changed on A); the students' answers
// on B show in the instructor's counts on A. Then A restarts: the
// session's state and counts are still there. Then B restarts mid-session
// (restartStudentsReplica): its students reconnect and catch up with what
// the instructor did while B was down.
func TestLiveTwoReplicas(t *testing.T) {
	dbURL, a, b := startReplicaPair(t)
	rep := runRoom(t, store.Config{DatabaseURL: dbURL}, []string{a.url}, []string{b.url}, liveload.RawAvailable(), true)
	a.stop(t)
	a2 := startServer(t, "-database-url", dbURL, "-data-dir", t.TempDir())
	checkAfterRestart(t, a2.url, rep)
	restartStudentsReplica(t, dbURL, a2.url, b, rep)
}

// TestLiveRestart: one server on SQLite; after a restart the session's
// state and counts are where the class left them. The students are read
// by liveload's raw client where it is available (cmd/liveload's default
// on Linux), so its measurement is checked end to end too.
func TestLiveRestart(t *testing.T) {
	dir := t.TempDir()
	a := startServer(t, "-data-dir", dir)
	raw := liveload.RawAvailable()
	rep := runRoom(t, store.Config{DataDir: dir}, []string{a.url}, []string{a.url}, raw, raw)
	a.stop(t)
	a2 := startServer(t, "-data-dir", dir)
	checkAfterRestart(t, a2.url, rep)
}

// runRoom runs one session of three students with liveload (their sockets
// read by the raw client if raw; their pages following every state as
// live.js does if refetch) and checks every state reached every student
// (and, with refetch, every student's page) and the counts agree.
func runRoom(t *testing.T, cfg store.Config, instructors, students []string, raw, refetch bool) *liveload.Report {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := liveload.Run(ctx, liveload.Config{Store: st, InstructorURLs: instructors, StudentURLs: students,
		Sessions: 1, Students: 3, Window: 2 * time.Second, ActionEvery: 400 * time.Millisecond, WrongShare: 0.5,
		Settle: 30 * time.Second, RawClient: raw, Refetch: refetch})
	if err != nil {
		t.Fatal(err)
	}
	// Errors counts every error of the run by kind (joins, answers,
	// controls refused even after retries, page and fragment fetches).
	if rep.JoinErrors != 0 || rep.AnswerErrors != 0 || rep.ControlErrors != 0 || rep.FirstErr != "" || len(rep.Errors) != 0 {
		t.Fatalf("%d join errors, %d answer errors, %d control errors, errors %v; first: %s",
			rep.JoinErrors, rep.AnswerErrors, rep.ControlErrors, rep.Errors, rep.FirstErr)
	}
	if len(rep.Rooms) != 1 {
		t.Fatalf("rooms %+v, want one", rep.Rooms)
	}
	// unlock, at least one reveal, pause and resume.
	if rep.Actions < 4 || rep.Missed != 0 || rep.Dropped != 0 || len(rep.Fanout) != rep.Actions {
		t.Errorf("%d actions, %d deliveries missed, %d students dropped, %d fan-outs complete", rep.Actions, rep.Missed, rep.Dropped, len(rep.Fanout))
	}
	// Every student's page ended at the instructor's last state
	// (Rooms[0].Version): every socket got it (CountsAgree, checked
	// below; none dropped, none failed to join), Run returns only once
	// each page applied the newest state its socket had (follow.go), and
	// a step that failed is a RefetchError. Rendered has an entry for each
	// action that every page applied; a version a replica folded into the
	// next (two notices read as one state: Superseded counts the students
	// it skipped) is on no page by itself, so Rendered may lack it.
	if refetch && (rep.RefetchErrors != 0 || len(rep.Rendered) < rep.Actions-rep.Superseded) {
		t.Errorf("refetching pages: %d errors, %d of %d actions reached every student's page (%d deliveries superseded; the last: version %d)",
			rep.RefetchErrors, len(rep.Rendered), rep.Actions, rep.Superseded, rep.Rooms[0].Version)
	}
	// The pages applied the reveals with the reveal fragment, the unlock
	// with the whole page (docs/LIVE.md "A student page follows the class
	// in place", internal/liveload/follow.go).
	if refetch && (rep.Steps[liveload.StepReveal] == 0 || rep.Steps[liveload.StepPage] == 0) {
		t.Errorf("the pages' steps %v: no reveal fragment or no page fetched", rep.Steps)
	}
	if !rep.CountsAgree {
		t.Errorf("the instructor's counts disagree with the answers recorded: %v", rep.CountsOff)
	}
	if rep.Rooms[0].Answered != 3 {
		t.Fatalf("rooms %+v, want 3 answered", rep.Rooms)
	}
	return rep
}

// checkAfterRestart opens the instructor's socket on a restarted server:
// its snapshot has the last state and the counts of every answer.
func checkAfterRestart(t *testing.T, base string, rep *liveload.Report) {
	t.Helper()
	room := rep.Rooms[0]
	h := http.Header{}
	h.Set("Cookie", rep.StaffCookie.Name+"="+rep.StaffCookie.Value)
	u := strings.Replace(base, "http", "ws", 1) + fmt.Sprintf("/courses/%d/live/%d/ws", room.CourseID, room.ID)
	ws, resp, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		t.Fatalf("staff socket after the restart: %v (%v)", err, resp)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	var m live.Message
	_, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil || m.State == nil || m.Counts == nil {
		t.Fatalf("snapshot %s: %v", b, err)
	}
	if m.State.Version != room.Version || !m.State.IsUnlocked(0) || m.State.Paused {
		t.Errorf("state after the restart %+v, want version %d, question 1 unlocked, not paused", *m.State, room.Version)
	}
	if m.Counts.Answered != 3 || m.Counts.Joined != 3 || len(m.Counts.Parts) != 2 {
		t.Errorf("counts after the restart %+v, want 3 joined and answered on two parts", *m.Counts)
	}
}

// restartStudentsReplica restarts the students' replica b mid-session:
// two students join the session of rep on b (its instructor now on
// instructorURL, another replica) and follow it; b stops (their sockets
// end) and, while it is down, the instructor moves on to the next question
// and unlocks it; b starts again. Each student reconnects, as live.js
// does, to the restarted replica (a new port: the cookie jar ignores
// ports, as one site behind a load balancer), whose first message is the
// class's current state, and fetches the page, which shows it; the
// instructor's next control (reveal) reaches the restarted replica's
// sockets and the reveal fragment is served there.
func restartStudentsReplica(t *testing.T, dbURL, instructorURL string, b *serverProc, rep *liveload.Report) {
	room := rep.Rooms[0]
	ins := newBrowser(t).c
	iu, _ := url.Parse(instructorURL)
	ins.Jar.SetCookies(iu, []*http.Cookie{{Name: rep.StaffCookie.Name, Value: rep.StaffCookie.Value}})
	control := func(act live.Action) {
		t.Helper()
		postForm(t, ins, fmt.Sprintf("%s/courses/%d/live/%d", instructorURL, room.CourseID, room.ID), url.Values{"action": {string(act)}})
	}
	wantPage := func(who string, c *http.Client, base string, version int64, q int, status string) {
		t.Helper()
		code, body := getLive(t, c, base+"/live/"+room.Code, "text/html")
		if code != http.StatusOK {
			t.Fatalf("%s: GET the page on %s: %d\n%s", who, base, code, clipText(body, 600))
		}
		if got := readStudentPage(t, body); got != (studentPage{version, q, status}) {
			t.Fatalf("%s: the page on %s shows %+v, want %+v", who, base, got, studentPage{version, q, status})
		}
	}

	// Two students join on B and follow the class (question 1, unlocked).
	v := room.Version
	names := []string{"Ann", "Ben"}
	clients := make([]*http.Client, len(names))
	socks := make([]*websocket.Conn, len(names))
	for i, name := range names {
		clients[i] = newBrowser(t).c
		if _, loc := postForm(t, clients[i], b.url+"/join", url.Values{"code": {room.Code}, "nickname": {name}}); loc != "/live/"+room.Code {
			t.Fatalf("%s: join went to %q", name, loc)
		}
		wantPage(name, clients[i], b.url, v, 0, "open")
		socks[i] = dialAs(t, clients[i], b.url, "/live/"+room.Code+"/ws")
		if m := nextOf(t, socks[i], name, "state"); m.State.Version != v {
			t.Fatalf("%s: snapshot on B %+v, want version %d", name, *m.State, v)
		}
	}

	// B stops: the students' sockets end (not merely go quiet).
	b.stop(t)
	for i, ws := range socks {
		_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		for {
			_, _, err := ws.ReadMessage()
			if err == nil {
				continue
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("%s: the socket stayed open 30 s after B stopped", names[i])
			}
			break
		}
	}

	// While B is down the instructor moves on and unlocks question 2.
	control(live.ActNext)
	control(live.ActUnlock)
	v += 2

	// B starts again; each student reconnects and catches up: the
	// snapshot is the current state, and the page (another question, with
	// its form: live.js fetches the whole page) shows it.
	b2 := startServer(t, "-database-url", dbURL, "-data-dir", t.TempDir())
	for i, name := range names {
		socks[i] = dialAs(t, clients[i], b2.url, "/live/"+room.Code+"/ws")
		m := nextOf(t, socks[i], name, "state")
		if st := *m.State; st.Version != v || st.Question != 1 || !st.Answerable(1) || st.Revealed {
			t.Fatalf("%s: snapshot on the restarted B %+v, want version %d, question 2 answerable, not revealed", name, st, v)
		}
		wantPage(name, clients[i], b2.url, v, 1, "open")
	}

	// The instructor reveals on A: the restarted B hears it, its sockets
	// carry it, and it serves the reveal fragment (what live.js fetches).
	control(live.ActReveal)
	v++
	for i, name := range names {
		m := nextOf(t, socks[i], name, "state")
		if st := *m.State; st.Version != v || st.Question != 1 || !st.Revealed {
			t.Fatalf("%s: state on the restarted B %+v, want version %d, question 2 revealed", name, st, v)
		}
		code, body := getLive(t, clients[i], b2.url+"/live/"+room.Code+"/reveal?q=1", "application/json")
		var frag struct {
			Question int             `json:"question"`
			Version  int64           `json:"version"`
			Parts    json.RawMessage `json:"parts"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &frag) != nil || frag.Question != 1 || frag.Version != v || len(frag.Parts) < 3 {
			t.Fatalf("%s: reveal fragment on the restarted B: %d %s, want 200 for question 2 at version %d", name, code, clipText(body, 300), v)
		}
	}
}

// studentPage is what a student's page says it shows (templates/live.templ,
// the data-live-* attributes live.js reads).
type studentPage struct {
	Version  int64
	Question int
	Status   string
}

var (
	pageVersionRE  = regexp.MustCompile(`data-live-version="(\d+)"`)
	pageQuestionRE = regexp.MustCompile(`data-live-question="(\d+)"`)
	pageStatusRE   = regexp.MustCompile(`data-live-status="([a-z]+)"`)
)

func readStudentPage(t *testing.T, body string) studentPage {
	t.Helper()
	v, _ := strconv.ParseInt(find(t, "page version", pageVersionRE, body)[1], 10, 64)
	q, _ := strconv.Atoi(find(t, "page question", pageQuestionRE, body)[1])
	return studentPage{Version: v, Question: q, Status: find(t, "page status", pageStatusRE, body)[1]}
}

// getLive GETs u with the client's cookies as the student's page does.
func getLive(t *testing.T, c *http.Client, u, accept string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

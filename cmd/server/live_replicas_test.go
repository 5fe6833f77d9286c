package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
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
// resume reach every student on B; the students' answers on B show in
// the instructor's counts on A. Then A restarts: the session's state and
// counts are still there.
func TestLiveTwoReplicas(t *testing.T) {
	dbURL, a, b := startReplicaPair(t)
	rep := runRoom(t, store.Config{DatabaseURL: dbURL}, []string{a.url}, []string{b.url}, false)
	a.stop(t)
	a2 := startServer(t, "-database-url", dbURL, "-data-dir", t.TempDir())
	checkAfterRestart(t, a2.url, rep)
}

// TestLiveRestart: one server on SQLite; after a restart the session's
// state and counts are where the class left them. The students are read
// by liveload's raw client where it is available (cmd/liveload's default
// on Linux), so its measurement is checked end to end too.
func TestLiveRestart(t *testing.T) {
	dir := t.TempDir()
	a := startServer(t, "-data-dir", dir)
	rep := runRoom(t, store.Config{DataDir: dir}, []string{a.url}, []string{a.url}, liveload.RawAvailable())
	a.stop(t)
	a2 := startServer(t, "-data-dir", dir)
	checkAfterRestart(t, a2.url, rep)
}

// runRoom runs one session of three students with liveload (their sockets
// read by the raw client if raw, which then also refetch their pages as
// live.js does) and checks every state reached every
// student and the counts agree.
func runRoom(t *testing.T, cfg store.Config, instructors, students []string, raw bool) *liveload.Report {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := liveload.Run(ctx, liveload.Config{Store: st, InstructorURLs: instructors, StudentURLs: students,
		Sessions: 1, Students: 3, Window: 2 * time.Second, ActionEvery: 400 * time.Millisecond, WrongShare: 0.5,
		Settle: 30 * time.Second, RawClient: raw, Refetch: raw})
	if err != nil {
		t.Fatal(err)
	}
	if rep.JoinErrors != 0 || rep.AnswerErrors != 0 || rep.FirstErr != "" {
		t.Fatalf("%d join errors, %d answer errors; first: %s", rep.JoinErrors, rep.AnswerErrors, rep.FirstErr)
	}
	// unlock, at least one reveal, pause and resume.
	if rep.Actions < 4 || rep.Missed != 0 || rep.Dropped != 0 || len(rep.Fanout) != rep.Actions {
		t.Errorf("%d actions, %d deliveries missed, %d students dropped, %d fan-outs complete", rep.Actions, rep.Missed, rep.Dropped, len(rep.Fanout))
	}
	if raw && (rep.RefetchErrors != 0 || len(rep.Rendered) != rep.Actions) {
		t.Errorf("refetching pages: %d errors, %d of %d actions reached every student's page", rep.RefetchErrors, len(rep.Rendered), rep.Actions)
	}
	// The pages applied the reveals with the reveal fragment, the unlock
	// with the whole page (LIVE_CONTRACT.md, internal/liveload/follow.go).
	if raw && (rep.Steps[liveload.StepReveal] == 0 || rep.Steps[liveload.StepPage] == 0) {
		t.Errorf("the pages' steps %v: no reveal fragment or no page fetched", rep.Steps)
	}
	if !rep.CountsAgree {
		t.Errorf("the instructor's counts disagree with the answers recorded: %v", rep.CountsOff)
	}
	if len(rep.Rooms) != 1 || rep.Rooms[0].Answered != 3 {
		t.Fatalf("rooms %+v", rep.Rooms)
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

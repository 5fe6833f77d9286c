package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The multi-replica proof of issue 9: two stride processes, built from
// this command with `go build`, each with its own connection pool and
// in-memory state, serve one PostgreSQL database like two replicas behind
// a load balancer. Whatever one replica knows only in its memory and the
// other needs shows up here as a failure.
//
// Runs when STRIDE_TEST_DATABASE_URL names a PostgreSQL database the test
// may create a schema in; skipped otherwise, and failed instead with
// STRIDE_POSTGRES_TESTS=required.

const replicaPassword = "instructor password 1"

// replica is one running stride process.
type replica struct {
	name string
	url  string // http://127.0.0.1:port
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
}

func (r *replica) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

// buildStride builds this command into dir and returns the binary's path.
func buildStride(t *testing.T, dir string) string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command to build the server: %v", err)
		}
	}
	bin := filepath.Join(dir, "stride")
	// -trimpath as the Dockerfile and .ci/run's warm-up build: the same
	// flags reuse their compiled packages from the build cache (without
	// it a fresh clone compiled every package of the server again, in
	// 1-3 minutes on a busy machine).
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// strideEnv is the environment of a child process: this one's without any
// STRIDE_ setting, so only the flags the test gives count.
func strideEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STRIDE_") {
			env = append(env, kv)
		}
	}
	return env
}

// startReplica starts the server binary on a free port and waits until it
// listens (it logs its address).
func startReplica(t *testing.T, bin, name, dbURL string) *replica {
	t.Helper()
	r := &replica{name: name}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-log-format", "json", "-database-url", dbURL, "-data-dir", t.TempDir())
	cmd.Env = strideEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	r.cmd = cmd
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.logs.WriteString(line + "\n")
			r.mu.Unlock()
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "stride is listening" {
				addr <- rec.Addr
			}
		}
		close(addr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(shutdownGrace + 10*time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("%s did not stop after SIGTERM", name)
		}
	})
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("%s exited before listening:\n%s", name, r.log())
		}
		r.url = "http://" + a
	case <-time.After(2 * startTimeout):
		t.Fatalf("%s did not start:\n%s", name, r.log())
	}
	return r
}

// browser is one person's browser. Its cookie jar ignores ports, so the
// two replicas on 127.0.0.1 look like one site behind a load balancer: a
// cookie one replica sets is sent to the other.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	code int
	body string
	loc  string
}

func (b *browser) do(r *replica, method, path, ctype string, body io.Reader) reply {
	b.t.Helper()
	req, err := http.NewRequest(method, r.url+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s on %s: %v", method, path, r.name, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return reply{code: res.StatusCode, body: string(out), loc: res.Header.Get("Location")}
}

func (b *browser) get(r *replica, path string) reply {
	b.t.Helper()
	return b.do(r, http.MethodGet, path, "", nil)
}

func (b *browser) post(r *replica, path string, form url.Values) reply {
	b.t.Helper()
	return b.do(r, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// want fails the test unless rep has the status code.
func want(t *testing.T, what string, rep reply, code int) reply {
	t.Helper()
	if rep.code != code {
		t.Fatalf("%s: %d (Location %q), want %d\n%s", what, rep.code, rep.loc, code, clipText(rep.body, 600))
	}
	return rep
}

func find(t *testing.T, what string, re *regexp.Regexp, s string) []string {
	t.Helper()
	m := re.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s: no match for %s", what, re)
	}
	return m
}

func TestReplicasShareOnePostgres(t *testing.T) {
	dbURL := testPostgresURL(t) // a fresh schema (live_replicas_test.go)
	if dbURL == "" {
		t.Skip("STRIDE_TEST_DATABASE_URL is not set: no PostgreSQL for two replicas")
	}
	if testing.Short() {
		t.Skip("builds the server: not in -short")
	}
	bin := buildStride(t, t.TempDir())

	// The instructor account, made by the command line (which migrates).
	create := exec.Command(bin, "user", "create", "-email", "teach@example.edu", "-role", "instructor", "-name", "Teach", "-database-url", dbURL)
	create.Env = strideEnv()
	create.Stdin = strings.NewReader(replicaPassword + "\n")
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("stride user create: %v\n%s", err, out)
	}
	admin := exec.Command(bin, "user", "create", "-email", "root@example.edu", "-role", "admin", "-database-url", dbURL)
	admin.Env = strideEnv()
	admin.Stdin = strings.NewReader(replicaPassword + "\n")
	if out, err := admin.CombinedOutput(); err != nil {
		t.Fatalf("stride user create admin: %v\n%s", err, out)
	}
	// Two replicas start at once on the migrated database.
	var a, b *replica
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b = startReplica(t, bin, "replica B", dbURL) }()
	a = startReplica(t, bin, "replica A", dbURL)
	wg.Wait()
	if b == nil {
		t.FailNow()
	}

	// The instructor signs in on A and sets up the class there.
	teacher := newBrowser(t)
	want(t, "sign in on A", teacher.post(a, "/signin", url.Values{"email": {"teach@example.edu"}, "password": {replicaPassword}}), http.StatusSeeOther)
	rep := want(t, "create course on A", teacher.post(a, "/courses", url.Values{"title": {"Deep learning"}, "time_zone": {"UTC"}}), http.StatusSeeOther)
	coursePath := strings.TrimPrefix(rep.loc, a.url)
	find(t, "course URL", regexp.MustCompile(`^/courses/\d+$`), coursePath)
	rep = want(t, "create assignment on A", teacher.post(a, coursePath+"/assignments", url.Values{
		"title": {"Week 1"}, "time_zone": {"UTC"}, "attempts": {"0"}, "feedback": {"immediately"}, "solutions": {"after-due"}, "score": {"best"},
		"late_counts": {"1"}, "item-1-exercise": {"conv-by-hand"}, "item-1-seed-policy": {"recitation"},
	}), http.StatusOK)
	asgPath := find(t, "assignment URL", regexp.MustCompile(`(/courses/\d+/assignments/(\d+))`), rep.body)
	rep = want(t, "roster on A", teacher.post(a, coursePath+"/roster", url.Values{"roster_text": {"id,name,email\ns1,Ada Lovelace,ada@example.edu\n"}}), http.StatusOK)
	linkToken := find(t, "personal link", regexp.MustCompile(`/l/([A-Za-z0-9_-]{43})`), rep.body)[1]

	// The student opens the personal link on B and answers there: one
	// part right, one wrong with a known mistake (the recitation's numbers).
	student := newBrowser(t)
	rep = want(t, "personal link on B", student.get(b, "/l/"+linkToken), http.StatusSeeOther)
	if rep.loc != "/my" {
		t.Fatalf("personal link redirects to %q", rep.loc)
	}
	rep = want(t, "my assignment on B", student.get(b, "/my/"+asgPath[2]), http.StatusOK)
	itemPath := find(t, "item link", regexp.MustCompile(`(/my/`+asgPath[2]+`/\d+)`), rep.body)[1]
	rep = want(t, "item page on B", student.get(b, itemPath), http.StatusOK)
	key := find(t, "attempt key", regexp.MustCompile(`name="attempt_key" value="([^"]+)"`), rep.body)[1]
	rep = want(t, "answer on B", student.post(b, itemPath, url.Values{"attempt_key": {key}, "a.dims": {"3x3"}, "a.bottom-right": {"22"}}), http.StatusOK)
	if !strings.Contains(rep.body, "verdict-correct") || !strings.Contains(rep.body, "verdict-incorrect") {
		t.Errorf("B's verdicts missing from the answer page")
	}

	// The student's learner cookie, made on B, is accepted on A, with B's
	// answers restored.
	rep = want(t, "item page on A with B's learner cookie", student.get(a, itemPath), http.StatusOK)
	for _, s := range []string{`value="22"`, `value="3x3"`, "verdict-incorrect", "verdict-correct"} {
		if !strings.Contains(rep.body, s) {
			t.Errorf("A does not restore B's attempt: %q missing", s)
		}
	}
	// A retry of B's submission sent to A (same attempt key) records
	// nothing new: idempotency keys are in the database.
	want(t, "retry on A", student.post(a, itemPath, url.Values{"attempt_key": {key}, "a.dims": {"3x3"}, "a.bottom-right": {"22"}}), http.StatusOK)

	// The instructor's session from A works on B.
	rep = want(t, "course page on B with A's session", teacher.get(b, coursePath), http.StatusOK)
	if !strings.Contains(rep.body, "Ada Lovelace") {
		t.Error("B's course page lacks the roster made on A")
	}
	// A's dashboard shows the attempts made on B, with the diagnosis.
	rep = want(t, "dashboard on A", teacher.get(a, asgPath[1]), http.StatusOK)
	if !strings.Contains(rep.body, "Ada Lovelace") {
		t.Error("A's dashboard lacks the student")
	}
	rep = want(t, "attempts on A", teacher.get(a, asgPath[1]+"/attempts.jsonl"), http.StatusOK)
	if n := strings.Count(strings.TrimSpace(rep.body), "\n") + 1; n != 2 || !strings.Contains(rep.body, "conv.flipped-kernel") {
		t.Errorf("A's attempts export: %d lines (want 2: the retry on A recorded nothing), flipped-kernel %v\n%s",
			n, strings.Contains(rep.body, "conv.flipped-kernel"), rep.body)
	}
	rep = want(t, "gradebook on A", teacher.get(a, asgPath[1]+"/gradebook.csv"), http.StatusOK)
	if !strings.Contains(rep.body, "Ada Lovelace") {
		t.Errorf("A's gradebook lacks the student:\n%s", rep.body)
	}

	// Replay unlock tokens are signed with one site secret: the same check
	// on either replica yields the same token.
	check := func(r *replica) string {
		body := `{"seed":0,"answers":{"dims":"3x3"}}`
		rep := want(t, "check API on "+r.name, newBrowser(t).do(r, http.MethodPost, "/api/v1/exercises/conv-by-hand/check", "application/json", strings.NewReader(body)), http.StatusOK)
		return find(t, "unlock token", regexp.MustCompile(`"unlock":"([^"]+)"`), rep.body)[1]
	}
	if ta, tb := check(a), check(b); ta != tb {
		t.Errorf("unlock tokens differ between replicas: %q and %q", ta, tb)
	}

	// Failed sign-ins count against one budget across replicas: half the
	// account's budget on each, then both refuse.
	guesser := newBrowser(t)
	for i := range 10 {
		r := a
		if i%2 == 1 {
			r = b
		}
		want(t, fmt.Sprintf("failed sign-in %d on %s", i+1, r.name), guesser.post(r, "/signin", url.Values{"email": {"ghost@example.edu"}, "password": {"guess"}}), http.StatusUnauthorized)
	}
	for _, r := range []*replica{a, b} {
		want(t, "sign-in over the shared budget on "+r.name, guesser.post(r, "/signin", url.Values{"email": {"ghost@example.edu"}, "password": {"guess"}}), http.StatusTooManyRequests)
	}

	// Signing out on B ends the session on A too.
	want(t, "sign out on B", teacher.post(b, "/signout", nil), http.StatusSeeOther)
	rep = teacher.get(a, coursePath)
	if rep.code != http.StatusSeeOther || !strings.Contains(rep.loc, "/signin") {
		t.Errorf("A after sign-out on B: %d to %q, want a redirect to sign in", rep.code, rep.loc)
	}

	// A reset link printed by the command line works on B, once; the new
	// password then signs in on A.
	reset := exec.Command(bin, "user", "reset-password", "-email", "teach@example.edu", "-origin", a.url, "-database-url", dbURL)
	reset.Env = strideEnv()
	out, err := reset.Output()
	if err != nil {
		t.Fatalf("stride user reset-password: %v\n%s", err, out)
	}
	resetPath := find(t, "reset link", regexp.MustCompile(`(/reset/[A-Za-z0-9_-]{43})\n`), string(out))[1]
	newPW := url.Values{"new_password": {"second password 2"}, "confirm_password": {"second password 2"}}
	want(t, "reset on B", teacher.post(b, resetPath, newPW), http.StatusSeeOther)
	want(t, "reset link reused on A", teacher.post(a, resetPath, newPW), http.StatusNotFound)
	want(t, "course page on B after the reset", teacher.get(b, coursePath), http.StatusOK)
	want(t, "new password on A", newBrowser(t).post(a, "/signin", url.Values{"email": {"teach@example.edu"}, "password": {"second password 2"}}), http.StatusSeeOther)

	// An admin on A disables the instructor: their session from B ends on
	// B too, and neither replica lets them sign in.
	root := newBrowser(t)
	want(t, "admin signs in on A", root.post(a, "/signin", url.Values{"email": {"root@example.edu"}, "password": {replicaPassword}}), http.StatusSeeOther)
	rep = want(t, "accounts on A", root.get(a, "/admin/users"), http.StatusOK)
	disable := find(t, "disable button", regexp.MustCompile(`action="(/admin/users/\d+/disable)" class="inline-form"><button type="submit" class="secondary" aria-label="Disable teach@example\.edu"`), rep.body)[1]
	want(t, "disable on A", root.post(a, disable, nil), http.StatusSeeOther)
	rep = teacher.get(b, coursePath)
	if rep.code != http.StatusSeeOther || !strings.Contains(rep.loc, "/signin") {
		t.Errorf("disabled instructor's session on B: %d to %q, want a redirect to sign in", rep.code, rep.loc)
	}
	for _, r := range []*replica{a, b} {
		want(t, "disabled sign-in on "+r.name, newBrowser(t).post(r, "/signin", url.Values{"email": {"teach@example.edu"}, "password": {"second password 2"}}), http.StatusUnauthorized)
	}
	if t.Failed() {
		t.Logf("replica A log:\n%s\nreplica B log:\n%s", a.log(), b.log())
	}
}

// Command liveload is issue 14's live-session load benchmark: N sessions
// of M students each, against running Stride servers (one, or several
// replicas on one PostgreSQL database). Instructors start their sessions
// and press controls over HTTP; students join with the code, follow the
// session's websocket and each answer once within the window. It reports
// the fan-out latency from an instructor's action (just before its POST)
// to the last student of the session (p50/p99 over every action) and to
// each student, answers' latency, whether every student got every state,
// whether each instructor's counts agree with the answers recorded, and,
// given the servers' PIDs, their memory per connected student.
//
// By default (-refetch) each student's page also follows every state as
// static/live.js does (docs/LIVE.md, internal/liveload/follow.go): in place
// without a request, the reveal fragment on a reveal, the whole page for a
// new question or unlocked set; the fan-out to the pages is reported per
// kind of action. The instructors move on to the next question every
// -next-every reveal/hide pairs. -refetch=false measures the websocket
// fan-out alone.
//
//	stride -addr 127.0.0.1:18081 -data-dir /tmp/live -trusted-proxy-header X-Real-IP &
//	go run ./cmd/liveload -urls http://127.0.0.1:18081 -data-dir /tmp/live -sessions 50 -students 200 -window 30s -pids $!
//
// Two replicas: start two servers on one -database-url, pass both to
// -urls (instructors alternate) and -student-urls (students split), and
// the same -database-url here: the run seeds its instructor, course and
// assignment directly in the database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stride-tutor/stride/internal/liveload"
	"github.com/stride-tutor/stride/internal/loadtest"
	"github.com/stride-tutor/stride/internal/store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("liveload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	urls := fs.String("urls", "http://127.0.0.1:8080", "comma-separated server URLs instructors use (session i on the i-th, round robin)")
	studentURLs := fs.String("student-urls", "", "comma-separated server URLs students use (student j of a session on the j-th); default -urls")
	dataDir := fs.String("data-dir", "", "the servers' SQLite data directory (one server)")
	dbURL := fs.String("database-url", "", "the servers' PostgreSQL URL (replicas)")
	sessions := fs.Int("sessions", 50, "live sessions")
	students := fs.Int("students", 200, "students per session")
	window := fs.Duration("window", 30*time.Second, "every student answers once within this window")
	every := fs.Duration("action-every", 2*time.Second, "each instructor's pace of controls during the window (reveal and hide alternately)")
	nextEvery := fs.Int("next-every", 2, "after every N reveal/hide pairs an instructor moves on to the next question (next, then unlock), and students answer the question current for them; 0 stays on the first question")
	httpConns := fs.Int("http-conns", 1024, "keep-alive connections to each server that the students' requests share (joins, answers, page and fragment fetches); more requests wait for one")
	wrong := fs.Float64("wrong", 0.3, "share of students who answer with the flipped kernel")
	noAnswers := fs.Bool("no-answers", false, "students only follow the sessions and do not answer (the fan-out alone)")
	randomPhase := fs.Bool("random-phase", false, "start each instructor at a random offset within -action-every (default: every instructor presses at the same moment, the worst case)")
	formAnswers := fs.Bool("form-answers", false, "post answers as the page does without JavaScript (POST /live/{code}, a page render each) instead of to the JSON answer endpoint")
	parallel := fs.Int("parallel", 32, "concurrent joins while setting up")
	header := fs.String("client-header", "X-Real-IP", "header carrying each student's own address; start the servers with -trusted-proxy-header set to it")
	defaultClient := "gorilla"
	if liveload.RawAvailable() {
		defaultClient = "raw"
	}
	client := fs.String("client", defaultClient, "how students' sockets are read: raw (one epoll loop per core for every socket, cheapest; Linux only) or gorilla (a goroutine and gorilla connection per student)")
	refetch := fs.Bool("refetch", true, "students' pages follow every new state as the page's script does: in place (no request), the reveal fragment (GET /live/{code}/reveal?q=N) or the whole page (GET /live/{code}); the fan-out to the pages is reported per kind of action. -refetch=false: the websocket fan-out alone")
	pids := fs.String("pids", "", "the servers' PIDs on this machine, in the order of -urls then new -student-urls, for memory per student")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *sessions < 1 || *students < 1 || *window <= 0 || *every <= 0 || *wrong < 0 || *wrong > 1 || (*dataDir == "") == (*dbURL == "") {
		fmt.Fprintln(stderr, "liveload: need -sessions and -students ≥ 1, -window and -action-every > 0, -wrong from 0 to 1, and one of -data-dir and -database-url")
		return 2
	}
	if *nextEvery < 0 || *httpConns < 1 {
		fmt.Fprintf(stderr, "liveload: -next-every is %d and -http-conns %d; they must be ≥ 0 and ≥ 1\n", *nextEvery, *httpConns)
		return 2
	}
	if *client != "raw" && *client != "gorilla" || *client == "raw" && !liveload.RawAvailable() {
		fmt.Fprintf(stderr, "liveload: -client is %q; it must be gorilla, or raw (Linux only)\n", *client)
		return 2
	}
	cfg := liveload.Config{RawClient: *client == "raw", Refetch: *refetch, InstructorURLs: split(*urls), StudentURLs: split(*studentURLs), Sessions: *sessions, Students: *students,
		Window: *window, ActionEvery: *every, NextEvery: *nextEvery, HTTPConns: *httpConns, WrongShare: *wrong, NoAnswers: *noAnswers, FormAnswers: *formAnswers, RandomPhase: *randomPhase, Parallel: *parallel, ClientHeader: *header, Progress: stderr, PIDs: map[string]int{}}
	var order []string
	seen := map[string]bool{}
	for _, u := range append(append([]string{}, cfg.InstructorURLs...), cfg.StudentURLs...) {
		if u = strings.TrimRight(u, "/"); !seen[u] {
			seen[u] = true
			order = append(order, u)
		}
	}
	for i, p := range split(*pids) {
		n, err := strconv.Atoi(p)
		if err != nil || i >= len(order) {
			fmt.Fprintf(stderr, "liveload: -pids: %q is not a PID of one of the %d servers\n", p, len(order))
			return 2
		}
		cfg.PIDs[order[i]] = n
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, store.Config{DataDir: *dataDir, DatabaseURL: *dbURL})
	if err != nil {
		fmt.Fprintf(stderr, "liveload: %v\n", err)
		return 1
	}
	defer st.Close()
	cfg.Store = st
	load := loadAvg()
	rep, err := liveload.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "liveload: %v\n", err)
		return 1
	}
	print(stdout, cfg, rep, load, loadAvg())
	if rep.JoinErrors > 0 || rep.ControlErrors > 0 || rep.AnswerErrors > 0 || rep.RefetchErrors > 0 || rep.Missed > 0 || !rep.CountsAgree {
		return 1
	}
	return 0
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func print(w io.Writer, cfg liveload.Config, r *liveload.Report, before, after string) {
	fmt.Fprintf(w, "sessions %d × students %d; instructors on %s; students on %s\n", r.Sessions, r.Students,
		strings.Join(cfg.InstructorURLs, ","), strings.Join(studentsOn(cfg), ","))
	fmt.Fprintf(w, "load average before %s, after %s; students read by the %s client\n", before, after, map[bool]string{true: "raw", false: "gorilla"}[cfg.RawClient])
	fmt.Fprintf(w, "setup (start sessions, join, connect): %v; join errors %d (busy joins tried again %d); control errors %d\n", r.SetupTime.Round(time.Millisecond), r.JoinErrors, r.JoinRetries, r.ControlErrors)
	fmt.Fprintf(w, "run %v: %d actions; fan-out to the last student p50 %s p99 %s max %s\n", r.Wall.Round(time.Millisecond), r.Actions,
		ms(loadtest.Percentile(r.Fanout, 50)), ms(loadtest.Percentile(r.Fanout, 99)), ms(loadtest.Percentile(r.Fanout, 100)))
	fmt.Fprintf(w, "every delivery (%d): p50 %s p99 %s; superseded %d, missed %d, sockets dropped %d (instructors' %d)\n", len(r.Delivery),
		ms(loadtest.Percentile(r.Delivery, 50)), ms(loadtest.Percentile(r.Delivery, 99)), r.Superseded, r.Missed, r.Dropped, r.StaffDrops)
	path := "JSON endpoint"
	if cfg.FormAnswers {
		path = "form post, page render"
	}
	fmt.Fprintf(w, "answers %d (%s; errors %d; students whose page never showed a form to answer %d): p50 %s p99 %s\n", r.Answers, path, r.AnswerErrors, r.Unanswered,
		ms(loadtest.Percentile(r.AnswerLatency, 50)), ms(loadtest.Percentile(r.AnswerLatency, 99)))
	if cfg.Refetch {
		fmt.Fprintf(w, "pages follow each state as live.js does (errors %d): to the last student's page p50 %s p99 %s max %s over %d actions\n",
			r.RefetchErrors, ms(loadtest.Percentile(r.Rendered, 50)), ms(loadtest.Percentile(r.Rendered, 99)), ms(loadtest.Percentile(r.Rendered, 100)), len(r.Rendered))
		for _, k := range []liveload.Step{liveload.StepInPlace, liveload.StepReveal, liveload.StepPage} {
			d := r.RenderedBy[k]
			fmt.Fprintf(w, "  %-8s actions (%d): p50 %s p99 %s max %s; pages' steps of this kind %d\n", k, len(d),
				ms(loadtest.Percentile(d, 50)), ms(loadtest.Percentile(d, 99)), ms(loadtest.Percentile(d, 100)), r.Steps[k])
		}
		fmt.Fprintf(w, "  reveal fragments refused (409; the page only when no newer state came within %v): %d; whole pages fetched because: %s\n", liveload.RevealRefusalWait, r.RevealRefused, counted(r.PageWhy))
		fmt.Fprintf(w, "  whole pages fetched by the action of the state followed: %s\n", counted(r.PagesBy))
	}
	if r.ClientFiles > 0 {
		fmt.Fprintf(w, "load generator's open files at most %d (%d students, -http-conns %d per server)\n", r.ClientFiles, r.Sessions*r.Students, cfg.HTTPConns)
	}
	fmt.Fprintf(w, "control POST round trip (%d): p50 %s p99 %s max %s\n", len(r.ControlLatency),
		ms(loadtest.Percentile(r.ControlLatency, 50)), ms(loadtest.Percentile(r.ControlLatency, 99)), ms(loadtest.Percentile(r.ControlLatency, 100)))
	fmt.Fprintf(w, "load generator CPU during the run %.1f s (%.2f cores)\n", r.ClientCPU.Seconds(), r.ClientCPU.Seconds()/r.Wall.Seconds())
	if r.CountsAgree {
		fmt.Fprintf(w, "counts agree with the answers on every instructor's screen (%v after the last action)\n", r.CountsWait.Round(time.Millisecond))
	} else {
		fmt.Fprintf(w, "counts DISAGREE: %d sessions, e.g. %s\n", len(r.CountsOff), r.CountsOff[0])
	}
	var cpu time.Duration
	for _, m := range r.Memory {
		cpu += m.CPU
	}
	if cpu > 0 {
		per := "per answer (fan-outs included)"
		n := r.Answers
		if n == 0 {
			per, n = "per action (fan-out to its room)", r.Actions
		}
		if n > 0 {
			fmt.Fprintf(w, "servers' CPU %s: %.2f ms\n", per, cpu.Seconds()*1000/float64(n))
		}
	}
	for _, m := range r.Memory {
		if m.PID > 0 {
			fmt.Fprintf(w, "server %s (pid %d): RSS %.1f → %.1f MiB with %d students: %.1f KiB per student; CPU during the run %.1f s (%.2f cores)\n", m.URL, m.PID,
				float64(m.Before)/(1<<20), float64(m.After)/(1<<20), m.Students, float64(m.PerStudent())/1024,
				m.CPU.Seconds(), m.CPU.Seconds()/r.Wall.Seconds())
		}
	}
	if r.FirstErr != "" {
		fmt.Fprintf(w, "first error: %s\n", clip(r.FirstErr, 300))
		fmt.Fprintf(w, "errors by kind: %s\n", counted(r.Errors))
	}
}

// studentsOn is where students go: -student-urls, else -urls.
func studentsOn(cfg liveload.Config) []string {
	if len(cfg.StudentURLs) > 0 {
		return cfg.StudentURLs
	}
	return cfg.InstructorURLs
}

// counted lists a count per key, largest first.
func counted(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

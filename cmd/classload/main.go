// Command classload is issue 9's class load benchmark: a course with a
// roster of N students and a four-item assignment (18 parts), and every
// student submitting every part within a time window, as a class does when
// an assignment is due. It measures how many attempts a second are stored,
// the latency of each recording (p50/p99), and then counts: every
// acknowledged attempt must be stored, exactly once.
//
//	go run ./cmd/classload -students 2000 -window 60s                       # SQLite in a new temp dir
//	go run ./cmd/classload -students 2000 -window 60s -database-url postgres://…  # a PostgreSQL database
//
// The store mode drives internal/store directly (RecordAttempt, the call
// the check handlers make after checking an answer), shaped like the real
// load: one goroutine per student, its checks spread at random over the
// window, a wrong first try on some parts, some checks re-sent with the same
// idempotency key (a retried POST). Answers and verdicts come from the real
// checker, computed before the run, so the run measures recording alone.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/loadtest"
	"github.com/stride-tutor/stride/internal/store"
)

type config struct {
	mode        string
	cpuProfile  string
	url         string
	ipHeader    string
	dataDir     string
	databaseURL string
	students    int
	window      time.Duration
	wrongShare  float64
	retryShare  float64
	seed        uint64
	timeout     time.Duration
	grace       time.Duration
	writers     int
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("classload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.mode, "mode", "store", "what to load: store (internal/store's RecordAttempt in this process) or http (a running server's check API; -data-dir or -database-url must name its database)")
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "http mode: the server's base URL (with its base path)")
	fs.StringVar(&cfg.ipHeader, "client-header", "X-Real-IP", "http mode: header carrying each student's own client address; start the server with -trusted-proxy-header set to it, as behind a proxy, or every student counts as one client")
	fs.StringVar(&cfg.dataDir, "data-dir", "", "SQLite data directory (default: a new temporary directory, removed afterwards)")
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL URL (postgres://…) instead of SQLite; the run adds its own course to that database")
	fs.IntVar(&cfg.students, "students", 2000, "roster size: simulated students (1 to 100000)")
	fs.DurationVar(&cfg.window, "window", 60*time.Second, "every student submits every part within this time")
	fs.Float64Var(&cfg.wrongShare, "wrong", 0.1, "share of parts answered wrong once before the right answer (0 to 1)")
	fs.Float64Var(&cfg.retryShare, "retry", 0.02, "share of checks sent twice with the same idempotency key (0 to 1)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "random seed of the workload plan")
	fs.DurationVar(&cfg.grace, "grace", 30*time.Second, "the run stops this long after the window even if students still have checks to send (they count as not sent)")
	fs.IntVar(&cfg.writers, "writers", 0, "group-commit writers in the store: 0 the database's default, -1 a transaction per attempt")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "bound of one recording (a call still unanswered then counts as an error)")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write this process's CPU profile (seeding, students, verification) to the file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || (cfg.mode != "store" && cfg.mode != "http") || cfg.students < 1 || cfg.students > 100000 || cfg.window <= 0 ||
		cfg.wrongShare < 0 || cfg.wrongShare > 1 || cfg.retryShare < 0 || cfg.retryShare > 1 || cfg.timeout <= 0 || cfg.grace < 0 || cfg.writers < -1 || cfg.writers > 64 {
		fmt.Fprintln(stderr, "classload: need -mode store or http, -students from 1 to 100000, -window > 0, -wrong and -retry from 0 to 1, -timeout > 0, -grace ≥ 0, -writers from -1 to 64")
		return 2
	}
	if cfg.mode == "http" && cfg.databaseURL == "" && cfg.dataDir == "" {
		fmt.Fprintln(stderr, "classload: -mode http needs the server's database: -data-dir (SQLite) or -database-url")
		return 2
	}
	if cfg.databaseURL != "" && !store.IsPostgresURL(cfg.databaseURL) {
		fmt.Fprintln(stderr, "classload: -database-url must start with postgres:// or postgresql://")
		return 2
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "classload: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "classload: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := runLoad(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "classload: %v\n", err)
		return 1
	}
	rep.print(stdout)
	if !rep.ok() {
		return 1
	}
	return 0
}

// class is what the run seeds: a course, its roster and the assignment.
type class struct {
	learners   []store.Learner
	tokens     []string // personal-link tokens, by learner
	assignment store.Assignment
	itemIDs    []int64
}

// seedClass creates an instructor, a course, a roster of n students and the
// assignment through the store's API, as the instructor pages do.
func seedClass(ctx context.Context, s *store.Store, n int) (class, error) {
	var c class
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	u, err := s.CreateUser(ctx, store.NewUser{Email: "classload-" + tag + "@example.invalid", Name: "Load", Role: store.RoleInstructor, PasswordHash: "-"})
	if err != nil {
		return c, err
	}
	course, err := s.CreateCourse(ctx, store.NewCourse{Title: "Load " + tag, TimeZone: "UTC", CreatedBy: u.ID})
	if err != nil {
		return c, err
	}
	for start := 0; start < n; start += store.MaxRosterSize {
		var entries []store.RosterEntry
		for i := start; i < min(n, start+store.MaxRosterSize); i++ {
			tok, err := store.NewToken()
			if err != nil {
				return c, err
			}
			entries = append(entries, store.RosterEntry{RosterID: "s" + strconv.Itoa(i), Name: "Student " + strconv.Itoa(i), LinkToken: tok})
			c.tokens = append(c.tokens, tok)
		}
		res, err := s.ImportRoster(ctx, course.ID, entries)
		if err != nil {
			return c, err
		}
		for _, r := range res {
			c.learners = append(c.learners, r.Learner)
		}
	}
	var items []store.NewItem
	for _, it := range assignmentItems {
		// The recitation's numbers, so the simulated students know the
		// right answers (a per-learner seed costs the server the same).
		items = append(items, store.NewItem{ExerciseID: it.exercise, Parts: it.parts, SeedPolicy: store.SeedRecitation, Points: float64(len(it.parts))})
	}
	c.assignment, err = s.CreateAssignment(ctx, store.NewAssignment{
		CourseID: course.ID, Title: "Week 1", CreatedBy: u.ID, Items: items,
		Settings: store.Settings{TimeZone: "UTC", Feedback: store.ShowImmediately, Solutions: store.ShowAfterDue, LateCounts: true, Score: store.ScoreBest},
	})
	if err != nil {
		return c, err
	}
	for _, it := range c.assignment.Items {
		c.itemIDs = append(c.itemIDs, it.ID)
	}
	return c, nil
}

// outcome is what one submission got.
type outcome struct {
	sub     submission
	latency time.Duration
	lag     time.Duration // how late the call started against the plan (the student's previous check was slow)
	id      int64
	created bool
	err     error
}

type report struct {
	cfg                 config
	dialect             string
	loadBefore          string
	loadAfter           string
	seedTime            time.Duration
	planned, keys       int
	wall                time.Duration
	outcomes            [][]outcome
	latencies           []time.Duration // sorted
	maxLag              time.Duration
	errors              int
	firstErr            error
	created, deduped    int
	stored              int
	lost, duplicated    int
	storedUnacked       int
	batches, batchItems int64
	cpu                 time.Duration // this process's CPU time during the run
	httpStats           *httpStats    // http mode only
	notSent             int           // checks left when the run stopped (-grace)
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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

// sender records one submission of student i and says what came back.
type sender func(ctx context.Context, i int, sub submission) outcome

func runLoad(ctx context.Context, cfg config, progress io.Writer) (*report, error) {
	rep := &report{cfg: cfg}
	dataDir := cfg.dataDir
	if cfg.databaseURL == "" && dataDir == "" {
		d, err := os.MkdirTemp("", "classload-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dataDir = d
	}
	s, err := store.Open(ctx, store.Config{DataDir: dataDir, DatabaseURL: cfg.databaseURL, AttemptWriters: cfg.writers})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	rep.dialect = s.Dialect()
	vs, err := checkAnswers(exercises.NewCatalog())
	if err != nil {
		return nil, err
	}
	t := time.Now()
	c, err := seedClass(ctx, s, cfg.students)
	if err != nil {
		return nil, fmt.Errorf("seed the class: %w", err)
	}
	rep.seedTime = time.Since(t)
	rng := newRand(cfg.seed)
	plans := make([][]submission, len(c.learners))
	for i := range plans {
		plans[i] = planStudent(rng, cfg.window, cfg.wrongShare, cfg.retryShare)
		rep.planned += len(plans[i])
		for _, sub := range plans[i] {
			if !sub.retry {
				rep.keys++
			}
		}
	}
	fmt.Fprintf(progress, "classload: %s, %d students seeded in %v; %d checks (%d distinct) over %v\n",
		rep.dialect, len(c.learners), rep.seedTime.Round(time.Millisecond), rep.planned, rep.keys, cfg.window)
	send := func(ctx context.Context, i int, sub submission) outcome {
		cctx, cancel := context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
		a, created, err := s.RecordAttempt(cctx, attemptOf(vs, c.itemIDs, c.learners[i], sub))
		return outcome{id: a.ID, created: created, err: err}
	}
	if cfg.mode == "http" {
		hs, err := newHTTPStudents(ctx, cfg, c, vs)
		if err != nil {
			return nil, err
		}
		send = hs.send
		rep.httpStats = &hs.stats
	}
	b0, n0 := s.AttemptBatchStats()
	rep.loadBefore = loadAvg()
	rep.outcomes = make([][]outcome, len(c.learners))
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	start := time.Now()
	runCtx, stopRun := context.WithDeadline(ctx, start.Add(cfg.window+cfg.grace))
	defer stopRun()
	for i := range c.learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]outcome, 0, len(plans[i]))
			defer func() { rep.outcomes[i] = out }()
			timer := time.NewTimer(0)
			<-timer.C
			for _, sub := range plans[i] {
				due := start.Add(sub.at)
				if d := time.Until(due); d > 0 {
					timer.Reset(d)
					select {
					case <-timer.C:
					case <-runCtx.Done():
						return
					}
				}
				if runCtx.Err() != nil {
					return
				}
				t := time.Now()
				o := send(runCtx, i, sub)
				o.sub, o.latency, o.lag = sub, time.Since(t), t.Sub(due)
				out = append(out, o)
			}
		}()
	}
	wg.Wait()
	rep.wall = time.Since(start)
	rep.cpu = cpuTime() - cpu0
	rep.loadAfter = loadAvg()
	b1, n1 := s.AttemptBatchStats()
	rep.batches, rep.batchItems = b1-b0, n1-n0
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	rep.notSent = rep.planned
	for _, outs := range rep.outcomes {
		rep.notSent -= len(outs)
	}
	stored, err := listAll(ctx, s, c.assignment.ID)
	if err != nil {
		return nil, err
	}
	rep.tally(c.learners, stored, cfg.mode == "http")
	return rep, nil
}

// listAll reads every attempt of the assignment, page by page.
func listAll(ctx context.Context, s *store.Store, assignmentID int64) ([]store.Attempt, error) {
	var out []store.Attempt
	var after int64
	for {
		page, err := s.ListAttempts(ctx, store.AttemptFilter{AssignmentID: assignmentID, AfterID: after, Limit: store.MaxListAttempts})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return out, nil
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

// tally compares what each student was told with what the database holds.
//
// In http mode the server records a check of part p under key + ":" + p
// and answers without ids, so acknowledgements are matched by key alone.
func (r *report) tally(learners []store.Learner, stored []store.Attempt, byKeyOnly bool) {
	type key struct {
		learner int64
		key     string
	}
	storedIDs := map[key][]int64{}
	for _, a := range stored {
		k := key{a.LearnerID, a.IdempotencyKey}
		storedIDs[k] = append(storedIDs[k], a.ID)
	}
	r.stored = len(stored)
	acked := map[key]int64{}
	createdBy := map[key]int{}
	for i, outs := range r.outcomes {
		for _, o := range outs {
			r.latencies = append(r.latencies, o.latency)
			r.maxLag = max(r.maxLag, o.lag)
			if o.err != nil {
				r.errors++
				if r.firstErr == nil {
					r.firstErr = o.err
				}
				continue
			}
			k := key{learners[i].ID, o.sub.key}
			if byKeyOnly {
				k.key += ":" + o.sub.part
			}
			if prev, ok := acked[k]; ok && prev != o.id {
				r.duplicated++ // the same check acknowledged as two attempts
			}
			acked[k] = o.id
			if o.created {
				r.created++
				createdBy[k]++
			} else {
				r.deduped++
			}
		}
	}
	slices.Sort(r.latencies)
	for k, id := range acked {
		if ids := storedIDs[k]; len(ids) == 0 || (!byKeyOnly && !slices.Contains(ids, id)) {
			r.lost++
		}
	}
	for k, ids := range storedIDs {
		if len(ids) > 1 || (!byKeyOnly && createdBy[k] > 1) {
			r.duplicated++
		}
		if _, ok := acked[k]; !ok {
			r.storedUnacked++
		}
	}
}

func (r *report) ok() bool {
	return r.errors == 0 && r.notSent == 0 && r.lost == 0 && r.duplicated == 0 && r.stored == r.keys
}

func (r *report) print(w io.Writer) {
	calls := len(r.latencies)
	fmt.Fprintf(w, "mode            %s\n", r.cfg.mode)
	fmt.Fprintf(w, "database        %s\n", r.dialect)
	fmt.Fprintf(w, "writers flag    %d\n", r.cfg.writers)
	fmt.Fprintf(w, "students        %d, window %v, wrong %.2f, retry %.2f, seed %d\n", r.cfg.students, r.cfg.window, r.cfg.wrongShare, r.cfg.retryShare, r.cfg.seed)
	fmt.Fprintf(w, "load average    %s before, %s after\n", r.loadBefore, r.loadAfter)
	if r.httpStats != nil {
		// The API does not say whether a check was a new record or an
		// earlier one found by its key; the tally checks that instead.
		fmt.Fprintf(w, "checks          %d sent in %v (%.0f/s); %d acknowledged, %d errors\n",
			calls, r.wall.Round(time.Millisecond), float64(calls)/r.wall.Seconds(), r.created+r.deduped, r.errors)
		fmt.Fprintf(w, "stored          %d attempts (%d distinct checks planned), %.0f attempts/s over the run\n", r.stored, r.keys, float64(r.stored)/r.wall.Seconds())
	} else {
		fmt.Fprintf(w, "checks          %d sent in %v (%.0f/s); %d created, %d answered by an earlier record of the same key, %d errors\n",
			calls, r.wall.Round(time.Millisecond), float64(calls)/r.wall.Seconds(), r.created, r.deduped, r.errors)
		fmt.Fprintf(w, "stored          %d attempts (%d distinct checks planned), %.0f attempts/s over the run\n", r.stored, r.keys, float64(r.created)/r.wall.Seconds())
	}
	if r.notSent > 0 {
		fmt.Fprintf(w, "not sent        %d checks: the run stopped %v after the window\n", r.notSent, r.cfg.grace)
	}
	fmt.Fprintf(w, "latency         p50 %v  p90 %v  p99 %v  max %v\n",
		loadtest.Percentile(r.latencies, 50).Round(10*time.Microsecond), loadtest.Percentile(r.latencies, 90).Round(10*time.Microsecond),
		loadtest.Percentile(r.latencies, 99).Round(10*time.Microsecond), loadtest.Percentile(r.latencies, 100).Round(10*time.Microsecond))
	fmt.Fprintf(w, "process CPU     %v in the run, %.2f cores on average (the store and the simulated students)\n", r.cpu.Round(time.Millisecond), r.cpu.Seconds()/r.wall.Seconds())
	fmt.Fprintf(w, "start lag       max %v (a student's next check waits for the previous answer)\n", r.maxLag.Round(time.Millisecond))
	if r.httpStats != nil {
		fmt.Fprintf(w, "http            %d requests; %d answered 503 and %d answered 429, each retried with the same key\n",
			r.httpStats.requests.Load(), r.httpStats.busy503.Load(), r.httpStats.busy429.Load())
		fmt.Fprintf(w, "group commit    in the server (this process only seeded and verified)\n")
	} else if r.batches > 0 {
		fmt.Fprintf(w, "group commit    %d transactions, %.1f attempts each on average\n", r.batches, float64(r.batchItems)/float64(r.batches))
	} else {
		fmt.Fprintf(w, "group commit    off (a transaction per attempt)\n")
	}
	fmt.Fprintf(w, "verification    lost %d, duplicated %d, stored without acknowledgement %d\n", r.lost, r.duplicated, r.storedUnacked)
	if r.firstErr != nil {
		fmt.Fprintf(w, "first error     %v\n", r.firstErr)
	}
	if r.ok() {
		fmt.Fprintln(w, "result          OK: every acknowledged attempt stored exactly once")
	} else {
		fmt.Fprintln(w, "result          FAILED")
	}
}

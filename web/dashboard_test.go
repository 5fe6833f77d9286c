package web

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// dashStore opens a migrated SQLite store in dir (a temp dir when "").
func dashStore(tb testing.TB, dir string) *store.Store {
	tb.Helper()
	if dir == "" {
		dir = testDataDir(tb)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return st
}

// dashClass is a seeded course: an owner, learners and one assignment.
type dashClass struct {
	owner      store.User
	course     store.Course
	learners   []store.Learner
	assignment store.Assignment
}

// dashSeedClass creates an instructor, a course with n roster learners and
// an assignment of items, all through the store API.
func dashSeedClass(tb testing.TB, st *store.Store, n int, items []store.NewItem) dashClass {
	tb.Helper()
	ctx := context.Background()
	var c dashClass
	var err error
	if c.owner, err = st.CreateUser(ctx, store.NewUser{Email: "prof@example.edu", Name: "Prof", Role: store.RoleInstructor, PasswordHash: "x"}); err != nil {
		tb.Fatal(err)
	}
	if c.course, err = st.CreateCourse(ctx, store.NewCourse{Title: "Deep Learning", TimeZone: "Europe/Berlin", CreatedBy: c.owner.ID}); err != nil {
		tb.Fatal(err)
	}
	roster := make([]store.RosterEntry, n)
	for i := range roster {
		roster[i] = store.RosterEntry{RosterID: fmt.Sprintf("s%04d", i), Name: fmt.Sprintf("Student %04d", i), LinkToken: fmt.Sprintf("link-%d", i)}
	}
	res, err := st.ImportRoster(ctx, c.course.ID, roster)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range res {
		c.learners = append(c.learners, r.Learner)
	}
	c.assignment, err = st.CreateAssignment(ctx, store.NewAssignment{
		CourseID: c.course.ID, Title: "Week 3: convolutions", CreatedBy: c.owner.ID, Items: items,
		Settings: store.Settings{TimeZone: "Europe/Berlin", Feedback: store.ShowImmediately, Solutions: store.ShowAfterDue,
			LateCounts: true, Score: store.ScoreBest},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// dashRecord records one attempt through the store.
func dashRecord(tb testing.TB, st *store.Store, learner int64, item store.Item, part, answer, code string, score float64) {
	tb.Helper()
	if _, _, err := st.RecordAttempt(context.Background(), dashAttempt(learner, item, part, answer, code, score)); err != nil {
		tb.Fatal(err)
	}
}

// dashAttempt is an attempt answered answer, diagnosed code when wrong.
func dashAttempt(learner int64, item store.Item, part, answer, code string, score float64) store.NewAttempt {
	verdict, msg := "correct", ""
	if score < 1 {
		verdict = "incorrect"
		if code != "" {
			msg = "The diagnosis " + code + "."
		}
	}
	el := 20 * time.Second
	return store.NewAttempt{
		LearnerID: learner, ItemID: item.ID, ExerciseID: item.ExerciseID, Part: part, Answer: answer, ReadAs: answer,
		Verdict: verdict, DiagnosisCode: code, DiagnosisMessage: msg, Score: score, Elapsed: &el,
		Source: store.FromPage, IdempotencyKey: fmt.Sprintf("%d-%d-%s-%d", learner, item.ID, part, rand.Uint64()),
	}
}

// dashItemsConv is one conv-by-hand item asking two parts.
var dashItemsConv = []store.NewItem{{ExerciseID: "conv-by-hand", Parts: []string{"dims", "bottom-right"}, SeedPolicy: store.SeedRecitation, Points: 2}}

// TestDashboardFromStore seeds a class through the store API and checks
// what the overview and the part page show.
func TestDashboardFromStore(t *testing.T) {
	st := dashStore(t, "")
	c := dashSeedClass(t, st, 3, dashItemsConv)
	item := c.assignment.Items[0]
	ada, ben := c.learners[0].ID, c.learners[1].ID
	dashRecord(t, st, ada, item, "dims", "3x3", "", 1)
	dashRecord(t, st, ada, item, "bottom-right", "-4", "conv.flipped-kernel", 0)
	dashRecord(t, st, ada, item, "bottom-right", "4", "", 1)
	dashRecord(t, st, ben, item, "dims", "3x3", "", 1)
	dashRecord(t, st, ben, item, "bottom-right", "-4", "conv.flipped-kernel", 0)

	app := newTestHandler(t, Config{Store: st})
	s := app.server
	rep, _, err := s.dashReport(context.Background(), c.assignment)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Started != 2 || rep.Attempts != 5 || len(rep.Rows) != 3 {
		t.Fatalf("started %d attempts %d rows %d; want 2, 5, 3", rep.Started, rep.Attempts, len(rep.Rows))
	}
	// Ada 2 of 2 points, Ben 1 (dims right, bottom-right wrong).
	if rep.Rows[0].Total != 2 || rep.Rows[1].Total != 1 || rep.Rows[2].Total != 0 {
		t.Errorf("totals %v %v %v; want 2 1 0", rep.Rows[0].Total, rep.Rows[1].Total, rep.Rows[2].Total)
	}
	it, _ := rep.Item(item.ID)
	if len(it.Parts) != 2 || it.Parts[1].Label != "Output value (no padding, stride 1)" {
		t.Errorf("parts %+v (labels come from the exercise)", it.Parts)
	}
	ps, ok := rep.Part(item.ID, "bottom-right")
	if !ok || ps.WrongAnswers != 2 || len(ps.Mistakes) != 1 || ps.Mistakes[0].Code != "conv.flipped-kernel" || ps.Mistakes[0].Share != 1 {
		t.Fatalf("bottom-right stats %+v", ps)
	}
	if len(ps.CommonWrong) != 1 || ps.CommonWrong[0].ReadAs != "-4" || ps.CommonWrong[0].Count != 2 {
		t.Errorf("common wrong answers %+v", ps.CommonWrong)
	}
	// An item with no parts named lists every part of its exercise.
	if got := s.dashItems(store.Assignment{Items: []store.Item{{ID: 1, ExerciseID: "conv-output-size"}}}); len(got[0].Parts) != 2 {
		t.Errorf("every part of conv-output-size: %+v", got[0].Parts)
	}
}

// BenchmarkDashboardOverview measures the assignment overview of a class
// of 2,000 learners with about 40,000 attempts, as an instructor requests
// it: authorization, the report, and rendering the page (about 1.3 MB of
// HTML). "cold" empties the report cache before each request, so every op
// reads and folds every attempt, with the learners' variant outlines known
// (as when the students checked through this server); "restart" empties
// the outline memo too, as the first view after the server started, which
// generates every learner's variant of the two per-student items that name
// no parts; "cached" views an assignment whose attempts did not change
// since the last view. BENCHMARKS.md records them.
func BenchmarkDashboardOverview(b *testing.B) {
	st, c := dashBenchClass(b, 2000)
	app := newTestHandler(b, Config{Store: st})
	tok, _, err := st.CreateSession(context.Background(), c.owner.ID, time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	path := app.server.assignmentURL(c.course.ID, c.assignment.ID)
	get := func(b *testing.B) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
		w := httptest.NewRecorder()
		app.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("overview: %d", w.Code)
		}
		return w.Body.Len()
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, mode := range []string{"restart", "cold", "cached", "class"} {
		b.Run(mode, func(b *testing.B) {
			get(b) // a warm cache for "cached" and "class", known outlines for "cold"
			var size int
			b.ReportAllocs()
			var cpu time.Duration
			n := 0
			for b.Loop() {
				n++
				if mode == "restart" || mode == "cold" {
					app.server.dashReports = newLRU[*dashCached](dashCacheBytes)
				}
				if mode == "restart" {
					app.server.dashOutlines = newOutlineMemo()
				}
				if mode == "class" {
					// A class at work: 60 students each answered a part
					// since the last view (untimed).
					b.StopTimer()
					dashBenchAttempts(b, st, c, rng, 60)
					b.StartTimer()
				}
				cpu0 := processCPU(b)
				size = get(b)
				cpu += processCPU(b) - cpu0
			}
			// The machine is shared: wall time per op grows with everyone's
			// load, CPU time per op (this process's, GC included) much less.
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "cpu-ms/op")
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}

// dashBenchAttempts records n attempts of random learners of c, each at a
// random part, through the group commit, and waits until they are durable.
func dashBenchAttempts(b *testing.B, st *store.Store, c dashClass, rng *rand.Rand, n int) {
	parts := [][]string{{"dims", "cell", "dims-padded", "cell-padded"}, {"output-width", "formula"},
		{"conv-params", "fc-params", "total"}, {"w-hx", "w-yh", "w-hh", "params"}}
	var nas []store.NewAttempt
	for range n {
		i := rng.IntN(len(c.assignment.Items))
		l := c.learners[rng.IntN(len(c.learners))]
		if rng.IntN(3) == 0 {
			nas = append(nas, dashAttempt(l.ID, c.assignment.Items[i], parts[i][rng.IntN(len(parts[i]))], fmt.Sprint(rng.IntN(20)), "conv.flipped-kernel", 0))
		} else {
			nas = append(nas, dashAttempt(l.ID, c.assignment.Items[i], parts[i][rng.IntN(len(parts[i]))], "42", "", 1))
		}
	}
	p, err := st.SubmitAttempts(context.Background(), nas)
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range p.Wait(context.Background()) {
		if o.Err != nil {
			b.Fatal(o.Err)
		}
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dashBenchClass seeds n learners, each answering every part of a
// four-item assignment (13 parts), wrong at first about 40 % of the time
// and retrying up to twice: about 20 attempts per learner. The data
// directory is STRIDE_BENCH_DATA_DIR, else /dev/shm when there is one
// (seeding commits one transaction per attempt, each synced; on a disk
// that takes minutes), else a temp dir; or the PostgreSQL database
// STRIDE_BENCH_DATABASE_URL names.
func dashBenchClass(b *testing.B, n int) (*store.Store, dashClass) {
	b.Helper()
	var st *store.Store
	if u := os.Getenv("STRIDE_BENCH_DATABASE_URL"); u != "" {
		// PostgreSQL: the class is seeded into that database once and
		// found again by later runs.
		ctx := context.Background()
		var err error
		if st, err = store.Open(ctx, store.Config{DatabaseURL: u}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		if err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	} else {
		st = dashStore(b, dashBenchDir(b))
	}
	return st, dashBenchSeed(b, st, n)
}

// dashBenchDir is STRIDE_BENCH_DATA_DIR, else a new directory in /dev/shm
// when there is one, else "" (a temp dir).
func dashBenchDir(b *testing.B) string {
	dir := os.Getenv("STRIDE_BENCH_DATA_DIR")
	if dir == "" {
		if d, err := os.MkdirTemp("/dev/shm", "stride-bench-"); err == nil {
			dir = d
			b.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	return dir
}

// dashBenchSeed seeds the class into st, or finds the one an earlier run
// seeded there.
func dashBenchSeed(b *testing.B, st *store.Store, n int) dashClass {
	if c, ok := dashSeeded(b, st); ok {
		return c // seeded by an earlier run
	}
	items := []store.NewItem{
		{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedPerLearner, Points: 4},
		{ExerciseID: "conv-output-size", SeedPolicy: store.SeedPerLearner, Points: 2},
		{ExerciseID: "cnn-parameters", Parts: []string{"conv-params", "fc-params", "total"}, SeedPolicy: store.SeedPerLearner, Points: 3},
		{ExerciseID: "rnn-shapes", Parts: []string{"w-hx", "w-yh", "w-hh", "params"}, SeedPolicy: store.SeedPerLearner, Points: 4},
	}
	c := dashSeedClass(b, st, n, items)
	parts := [][]string{{"dims", "bottom-right", "dims-padded", "bottom-right-padded"}, {"output-width", "formula"},
		items[2].Parts, items[3].Parts}
	codes := [][]string{{"conv.flipped-kernel", "conv.forgot-padding", "conv.forgot-plus-one"}, {"size.forgot-plus-one", "size.ignored-stride"},
		{"params.forgot-bias", "params.counted-activations"}, {"rnn.transposed", "rnn.forgot-bias"}}
	rng := rand.New(rand.NewPCG(1, 2))
	// Each learner's attempts go to the group commit together, many
	// learners at once, so seeding takes a few syncs per hundred attempts.
	var pending []*store.PendingAttempts
	flush := func() {
		for _, p := range pending {
			for _, o := range p.Wait(context.Background()) {
				if o.Err != nil {
					b.Fatal(o.Err)
				}
			}
		}
		pending = pending[:0]
	}
	for _, l := range c.learners {
		var nas []store.NewAttempt
		for i, it := range c.assignment.Items {
			for _, p := range parts[i] {
				for try := 0; try < 3; try++ {
					if rng.Float64() < 0.6 || try == 2 {
						nas = append(nas, dashAttempt(l.ID, it, p, "42", "", 1))
						break
					}
					code := codes[i][rng.IntN(len(codes[i]))]
					nas = append(nas, dashAttempt(l.ID, it, p, fmt.Sprint(rng.IntN(20)), code, 0))
				}
			}
		}
		p, err := st.SubmitAttempts(context.Background(), nas)
		if err != nil {
			b.Fatal(err)
		}
		if pending = append(pending, p); len(pending) == 32 {
			flush()
		}
	}
	flush()
	return c
}

// dashSeeded finds the class an earlier benchmark run seeded.
func dashSeeded(b *testing.B, st *store.Store) (dashClass, bool) {
	ctx := context.Background()
	courses, err := st.ListCourses(ctx)
	if err != nil || len(courses) == 0 {
		return dashClass{}, false
	}
	c := dashClass{course: courses[0]}
	members, err := st.ListMembers(ctx, c.course.ID)
	if err != nil || len(members) == 0 {
		b.Fatalf("STRIDE_BENCH_DATA_DIR holds a course without members: %v", err)
	}
	c.owner = members[0].User
	as, err := st.ListAssignments(ctx, c.course.ID)
	if err != nil || len(as) == 0 {
		b.Fatalf("STRIDE_BENCH_DATA_DIR holds a course without an assignment: %v", err)
	}
	if c.assignment, err = st.GetAssignment(ctx, as[0].ID); err != nil {
		b.Fatal(err)
	}
	if c.learners, err = st.ListLearners(ctx, c.course.ID); err != nil {
		b.Fatal(err)
	}
	return c, true
}

func TestDashboardPageRenders(t *testing.T) {
	st := dashStore(t, "")
	c := dashSeedClass(t, st, 2, dashItemsConv)
	dashRecord(t, st, c.learners[0].ID, c.assignment.Items[0], "bottom-right", "-4", "conv.flipped-kernel", 0)
	app := newTestHandler(t, Config{Store: st})
	rep, _, err := app.server.dashReport(context.Background(), c.assignment)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := templates.DashboardOverview(app.server.dashOverviewProps(c.course, c.assignment, rep, dashDefaultSort)).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{`<caption>`, `scope="col"`, `scope="row"`, `aria-sort="ascending"`, `role="img"`,
		`<title id="score-chart-title">`, "conv.flipped-kernel", "Student 0000", "gradebook.csv", "attempts.jsonl"} {
		if !strings.Contains(page, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
}

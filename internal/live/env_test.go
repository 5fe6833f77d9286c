package live

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/internal/store/storetest"
)

// testClock is a settable clock for idle expiry.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a migrated database with a course, an assignment of items
// questions and an open live session.
type env struct {
	t       testing.TB
	cfg     store.Config
	st      *store.Store
	clock   *testClock
	course  store.Course
	a       store.Assignment
	ls      store.LiveSession
	itemIDs []int64
	n       int // learners made
}

// sqliteConfig is a new SQLite database, migrated (a copy of one migrated
// once per test process: migrating cost ~0.4 CPU-s per test under -race).
func sqliteConfig(t testing.TB) store.Config {
	return store.Config{DataDir: storetest.MigratedSQLiteDir(t)}
}

// postgresConfig is a new schema in the test PostgreSQL database, or
// false when none is configured (a failure when STRIDE_POSTGRES_TESTS is
// "required").
func postgresConfig(t testing.TB) (store.Config, bool) {
	t.Helper()
	base := os.Getenv("STRIDE_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("STRIDE_POSTGRES_TESTS") == "required" {
			t.Fatal("STRIDE_POSTGRES_TESTS=required but STRIDE_TEST_DATABASE_URL is not set")
		}
		return store.Config{}, false
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "stride_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return store.Config{DatabaseURL: base + sep + "search_path=" + schema}, true
}

// openStore opens (and migrates) the database of cfg with the clock.
func openStore(t testing.TB, cfg store.Config, clock *testClock) *store.Store {
	t.Helper()
	cfg.Now = clock.Now
	st, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func newEnv(t testing.TB, cfg store.Config, items int) *env {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	e := &env{t: t, cfg: cfg, st: openStore(t, cfg, clock), clock: clock}
	u, err := e.st.CreateUser(ctx, store.NewUser{Email: "ins@example.invalid", Name: "Ins", Role: store.RoleInstructor, PasswordHash: "-"})
	if err != nil {
		t.Fatal(err)
	}
	if e.course, err = e.st.CreateCourse(ctx, store.NewCourse{Title: "Live", TimeZone: "UTC", CreatedBy: u.ID}); err != nil {
		t.Fatal(err)
	}
	var its []store.NewItem
	for range items {
		its = append(its, store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedRecitation, Points: 1})
	}
	e.a, err = e.st.CreateAssignment(ctx, store.NewAssignment{CourseID: e.course.ID, Title: "Rec", CreatedBy: u.ID, Items: its,
		Settings: store.Settings{TimeZone: "UTC", Feedback: store.ShowImmediately, Solutions: store.ShowNever, Score: store.ScoreBest}})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range e.a.Items {
		e.itemIDs = append(e.itemIDs, it.ID)
	}
	if e.ls, err = e.st.CreateLiveSession(ctx, e.course.ID, e.a.ID, u.ID, "ABCDEF"); err != nil {
		t.Fatal(err)
	}
	return e
}

// manager starts a manager ("a replica") on st; it is closed at cleanup.
func (e *env) manager(st *store.Store, bus Bus, cfg Config) *Manager {
	cfg.Now = e.clock.Now
	m := NewManager(st, bus, cfg)
	e.t.Cleanup(m.Close)
	return m
}

func (e *env) hub(m *Manager) *Hub {
	e.t.Helper()
	h, err := m.Hub(context.Background(), e.ls.ID, e.itemIDs)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// learner makes a learner of the course.
func (e *env) learner() int64 {
	e.t.Helper()
	e.n++
	l, err := e.st.CreateLearner(context.Background(), store.NewLearner{CourseID: e.course.ID, Source: store.SourceLive, Name: "L" + strconv.Itoa(e.n)})
	if err != nil {
		e.t.Fatal(err)
	}
	return l.ID
}

// answer records an attempt in the session (as the web layer does) and
// returns it as the hub counts it.
func (e *env) answer(learner int64, item int, part, verdict, diagnosis, text string) Answer {
	e.t.Helper()
	e.n++
	_, _, err := e.st.RecordAttempt(context.Background(), store.NewAttempt{LearnerID: learner, ItemID: e.itemIDs[item],
		ExerciseID: "conv-by-hand", Part: part, Answer: text, Verdict: verdict, DiagnosisCode: diagnosis,
		Source: store.FromLive, LiveSessionID: e.ls.ID, IdempotencyKey: "k" + strconv.Itoa(e.n)})
	if err != nil {
		e.t.Fatal(err)
	}
	return Answer{Learner: learner, Item: item, Part: part, Verdict: verdict, Diagnosis: diagnosis, Text: text}
}

func decode(t testing.TB, b []byte) Message {
	t.Helper()
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// next reads a subscriber's next message, failing after a generous
// deadline (a missing message, not a slow one, fails the test).
func next(t testing.TB, s *Subscriber) Message {
	t.Helper()
	select {
	case b, ok := <-s.C:
		if !ok {
			t.Fatal("subscriber closed")
		}
		return decode(t, b.Data)
	case <-time.After(30 * time.Second):
		t.Fatal("no message within 30 s")
	}
	return Message{}
}

// until reads messages until one satisfies ok.
func until(t testing.TB, s *Subscriber, ok func(Message) bool) Message {
	t.Helper()
	for {
		if m := next(t, s); ok(m) {
			return m
		}
	}
}

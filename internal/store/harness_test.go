package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The storage tests run on SQLite always and on PostgreSQL when
// STRIDE_TEST_DATABASE_URL names a database the tests may create schemas in
// (.ci/run starts a throwaway cluster and sets it). Each test gets an empty
// database: a new SQLite file, or a new PostgreSQL schema dropped afterwards.
// With STRIDE_POSTGRES_TESTS=required a missing URL fails instead of skipping.

const pgEnv = "STRIDE_TEST_DATABASE_URL"

// testClock is a settable clock, so tests about expiry and due dates do not
// depend on the machine's speed.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// t0 is the tests' start of time.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// backend opens empty databases of one kind.
type backend struct {
	name string
	// open returns the Config of a new empty database (not yet migrated).
	open func(t *testing.T) Config
}

func sqliteBackend() backend {
	return backend{name: "sqlite", open: func(t *testing.T) Config {
		return Config{DataDir: t.TempDir()}
	}}
}

// postgresBackend returns the PostgreSQL backend, or false when the tests
// are not configured for it.
func postgresBackend(t *testing.T) (backend, bool) {
	base := os.Getenv(pgEnv)
	if base == "" {
		if os.Getenv("STRIDE_POSTGRES_TESTS") == "required" {
			t.Fatalf("STRIDE_POSTGRES_TESTS=required but %s is not set", pgEnv)
		}
		return backend{}, false
	}
	return backend{name: "postgres", open: func(t *testing.T) Config {
		t.Helper()
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Close() })
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		schema := "stride_test_" + hex.EncodeToString(b)
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatalf("create schema on %s: %v", pgEnv, err)
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
		return Config{DatabaseURL: base + sep + "search_path=" + schema}
	}}, true
}

// backends lists the databases to test on.
func backends(t *testing.T) []backend {
	out := []backend{sqliteBackend()}
	if pg, ok := postgresBackend(t); ok {
		out = append(out, pg)
	}
	return out
}

// eachDB runs fn as a subtest per backend with a migrated, empty store and
// a clock at t0.
func eachDB(t *testing.T, fn func(t *testing.T, s *Store, clock *testClock)) {
	t.Helper()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			clock := &testClock{t: t0}
			cfg := b.open(t)
			cfg.Now = clock.Now
			s := openMigrated(t, cfg)
			fn(t, s, clock)
		})
	}
}

// openMigrated opens cfg's database and migrates it. A new SQLite database
// starts as a copy of one migrated once per test binary (sqliteTemplate),
// so its Migrate finds nothing to do; the migrations themselves run from
// an empty file in migrate_test.go.
func openMigrated(t *testing.T, cfg Config) *Store {
	t.Helper()
	ctx := context.Background()
	if cfg.DatabaseURL == "" && cfg.DataDir != "" {
		copyTemplate(t, cfg.DataDir)
	}
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// fixture is a course with an owner, two roster learners and a
// two-item assignment.
type fixture struct {
	owner      User
	course     Course
	learners   []Learner
	assignment Assignment
}

func newFixture(t *testing.T, s *Store, st Settings) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	var err error
	if f.owner, err = s.CreateUser(ctx, NewUser{Email: "owner@example.edu", Name: "Owner", Role: RoleInstructor, PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if f.course, err = s.CreateCourse(ctx, NewCourse{Title: "CS 4xx", TimeZone: "America/New_York", CreatedBy: f.owner.ID}); err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportRoster(ctx, f.course.ID, []RosterEntry{
		{RosterID: "s1", Name: "Ada", Email: "ada@example.edu", LinkToken: "tok-ada"},
		{RosterID: "s2", Name: "Grace", LinkToken: "tok-grace"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		f.learners = append(f.learners, r.Learner)
	}
	if st.TimeZone == "" {
		st = defaultSettings()
	}
	f.assignment, err = s.CreateAssignment(ctx, NewAssignment{
		CourseID: f.course.ID, Title: "Week 1", Settings: st, CreatedBy: f.owner.ID,
		Items: []NewItem{
			{ExerciseID: "conv-by-hand", Parts: []string{"a", "b"}, SeedPolicy: SeedPerLearner, Points: 2},
			{ExerciseID: "cnn-shapes", SeedPolicy: SeedRecitation, Points: 1},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func defaultSettings() Settings {
	return Settings{TimeZone: "Europe/Berlin", Feedback: ShowImmediately, Solutions: ShowAfterDue, LateCounts: true, Score: ScoreBest}
}

// attempt is a valid NewAttempt for tests to adjust.
func attempt(learner, item int64, part, key string, score float64) NewAttempt {
	verdict := "incorrect"
	if score == 1 {
		verdict = "correct"
	}
	return NewAttempt{
		LearnerID: learner, ItemID: item, ExerciseID: "conv-by-hand", Seed: 7, Part: part,
		Answer: "12", ReadAs: "12", Verdict: verdict, Score: score, Source: FromPage, IdempotencyKey: key,
	}
}

// sqliteTemplate is a migrated, otherwise empty SQLite database file.
// Running the migrations costs about 0.4 CPU-s under the race detector
// (modernc.org/sqlite runs with checkptr's checks there), and most tests
// of this package did so on a new file, some several times; a copy of the
// file is the same database.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "stride-store-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	// Closing checkpoints the WAL into the main file, so the file alone
	// is the whole database.
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("close: %w", err)
	}
	return os.ReadFile(filepath.Join(dir, SQLiteFile))
})

// copyTemplate writes the template database into dir unless dir already
// holds a database (a test that made one, e.g. a restored backup) or does
// not exist yet (a test of Open making it).
func copyTemplate(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		return
	}
	path := filepath.Join(dir, SQLiteFile)
	if _, err := os.Stat(path); err == nil {
		return
	}
	b, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("template database: %v", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

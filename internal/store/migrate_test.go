package store

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// migrationFiles lists a dialect's embedded migration files.
func migrationFiles(t *testing.T, dialect string) []string {
	t.Helper()
	entries, err := fs.ReadDir(migrations, "migrations/"+dialect)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestMigrationFilesMatchAcrossDialects(t *testing.T) {
	sq, pg := migrationFiles(t, "sqlite"), migrationFiles(t, "postgres")
	if len(sq) < 2 || !slices.Equal(sq, pg) {
		t.Fatalf("sqlite migrations %v and postgres migrations %v differ (or fewer than 2)", sq, pg)
	}
}

func TestMigrateFromEmpty(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, b.open(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			cur, latest, all, err := s.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			files := migrationFiles(t, s.Dialect())
			// Versions are the files' number prefixes: they ascend but may
			// have gaps while parallel branches each reserve a number.
			version := func(name string) int64 {
				v, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64)
				if err != nil {
					t.Fatalf("migration %s has no number prefix", name)
				}
				return v
			}
			if cur != 0 || latest != version(files[len(files)-1]) || len(all) != len(files) {
				t.Fatalf("empty db: current %d, latest %d, %d migrations; want 0, %d, %d", cur, latest, len(all), version(files[len(files)-1]), len(files))
			}
			for i, m := range all {
				if m.Applied || m.Name != files[i] || m.Version != version(files[i]) {
					t.Errorf("empty db: migration %d = %+v", i, m)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// A second Migrate (the next start-up) is a no-op.
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			cur, latest, all, err = s.MigrationStatus(ctx)
			if err != nil || cur != latest {
				t.Fatalf("after migrate: current %d, latest %d, %v", cur, latest, err)
			}
			for _, m := range all {
				if !m.Applied || m.AppliedAt.IsZero() {
					t.Errorf("after migrate: %+v", m)
				}
			}
		})
	}
}

// TestMigrateFromEachVersion starts from every earlier schema version with
// data in it, migrates to the latest, and checks the data survived and the
// whole API works on the result.
func TestMigrateFromEachVersion(t *testing.T) {
	for _, b := range backends(t) {
		// Each version but the newest, from the files' number prefixes
		// (parallel branches reserve numbers, so there are gaps).
		files := migrationFiles(t, "sqlite")
		for _, f := range files[:len(files)-1] {
			v, err := strconv.ParseInt(strings.SplitN(f, "_", 2)[0], 10, 64)
			if err != nil {
				t.Fatalf("migration %s has no number prefix", f)
			}
			t.Run(b.name+"/from-"+itoa64(v), func(t *testing.T) {
				ctx := context.Background()
				cfg := b.open(t)
				clock := &testClock{t: t0}
				cfg.Now = clock.Now
				s, err := Open(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if err := s.MigrateTo(ctx, v); err != nil {
					t.Fatal(err)
				}
				if cur, _, _, err := s.MigrationStatus(ctx); err != nil || cur != v {
					t.Fatalf("at version %d: current %d, %v", v, cur, err)
				}
				// Version 1 holds people and courses: put some in.
				u, err := s.CreateUser(ctx, NewUser{Email: "old@example.edu", Role: RoleAdmin, PasswordHash: "h"})
				if err != nil {
					t.Fatal(err)
				}
				c, err := s.CreateCourse(ctx, NewCourse{Title: "Old course", TimeZone: "UTC", CreatedBy: u.ID})
				if err != nil {
					t.Fatal(err)
				}
				l, err := s.CreateLearner(ctx, NewLearner{CourseID: c.ID, Source: SourceRoster, RosterID: "r1", Name: "Old", LinkToken: "old-link"})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Migrate(ctx); err != nil {
					t.Fatalf("migrate from %d: %v", v, err)
				}
				if got, err := s.LearnerByLinkToken(ctx, "old-link"); err != nil || got.ID != l.ID {
					t.Errorf("learner after migration = %+v, %v", got, err)
				}
				if r, err := s.MemberRoleOf(ctx, c.ID, u.ID); err != nil || r != MemberOwner {
					t.Errorf("membership after migration = %q, %v", r, err)
				}
				a, err := s.CreateAssignment(ctx, NewAssignment{CourseID: c.ID, Title: "New", Settings: defaultSettings(),
					Items: []NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: SeedRecitation, Points: 1}}})
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := s.RecordAttempt(ctx, attempt(l.ID, a.Items[0].ID, "a", "k", 1)); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

// columns lists every table's columns, for comparing the two dialects.
func columns(t *testing.T, s *Store) map[string][]string {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
	      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`
	if s.Dialect() == "postgres" {
		q = `SELECT table_name, column_name FROM information_schema.columns
		     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	}
	rows, err := s.read.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		out[tbl] = append(out[tbl], col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemasMatch keeps the two dialects' DDL in step: same tables, same
// columns in the same order.
func TestSchemasMatch(t *testing.T) {
	pg, ok := postgresBackend(t)
	if !ok {
		t.Skip(pgEnv + " is not set: no PostgreSQL schema to compare with")
	}
	a := columns(t, openMigrated(t, sqliteBackend().open(t)))
	b := columns(t, openMigrated(t, pg.open(t)))
	if len(a) < 9 {
		t.Fatalf("sqlite schema has only %d tables: %v", len(a), slices.Collect(maps.Keys(a)))
	}
	for tbl, cols := range a {
		if !slices.Equal(cols, b[tbl]) {
			t.Errorf("table %s: sqlite columns %v, postgres %v", tbl, cols, b[tbl])
		}
	}
	for tbl := range b {
		if _, ok := a[tbl]; !ok {
			t.Errorf("table %s exists only in postgres", tbl)
		}
	}
}

// TestConcurrentAttempts checks the guarantees that need the learner lock:
// one record per idempotency key and no more attempts than allowed, with
// many submissions at once.
func TestConcurrentAttempts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		st := defaultSettings()
		st.AttemptsAllowed = 3
		f := newFixture(t, s, st)
		item := f.assignment.Items[0]
		const n = 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids := map[int64]int{}
		created, limited := 0, 0
		var errs []error
		// Half retry one key; the other half each use their own key.
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := "same"
				if i%2 == 1 {
					key = "own-" + itoa64(int64(i%10))
				}
				a, c, err := s.RecordAttempt(ctx, attempt(f.learners[0].ID, item.ID, "a", key, 1))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, ErrAttemptLimit):
					limited++
				case err != nil:
					errs = append(errs, err)
				default:
					ids[a.ID]++
					if c {
						created++
					}
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("errors: %v", errs)
		}
		list, err := s.ListAttempts(ctx, AttemptFilter{LearnerID: f.learners[0].ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || created != 3 || len(ids) != 3 {
			t.Errorf("%d stored, %d created, %d distinct ids returned; want 3 each (limit 3)", len(list), created, len(ids))
		}
		keys := map[string]bool{}
		for _, a := range list {
			if keys[a.IdempotencyKey] {
				t.Errorf("key %s stored twice", a.IdempotencyKey)
			}
			keys[a.IdempotencyKey] = true
		}
		if created+limited > n {
			t.Errorf("created %d + limited %d > %d submissions", created, limited, n)
		}
	})
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	s := openMigrated(t, Config{DataDir: t.TempDir(), Now: clock.Now})
	f := newFixture(t, s, Settings{})
	// Write continuously while the backup runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var written int
	var writeErr error
	started := make(chan struct{})
	go func() {
		defer wg.Done()
		defer func() {
			if written < 20 {
				close(started)
			}
		}()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, _, err := s.RecordAttempt(ctx, attempt(f.learners[i%2].ID, f.assignment.Items[0].ID, "a", "bk-"+strconv.Itoa(i), 1)); err != nil {
				writeErr = err
				return
			}
			written++
			if written == 20 {
				close(started)
			}
		}
	}()
	// Back up once writes are under way (or the writer failed, reported below).
	<-started
	file := filepath.Join(t.TempDir(), "backup.db")
	err := s.Backup(ctx, file)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if writeErr != nil {
		t.Fatalf("writes during the backup failed: %v", writeErr)
	}
	if err := s.Backup(ctx, file); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: err = %v", err)
	}
	// Restore: the backup file becomes a data directory's database.
	dir := t.TempDir()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SQLiteFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := openMigrated(t, Config{DataDir: dir})
	var ok string
	if err := r.read.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
	var fkProblems int
	if err := r.read.QueryRow("SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&fkProblems); err != nil || fkProblems != 0 {
		t.Errorf("foreign_key_check: %d problems, %v", fkProblems, err)
	}
	got, err := r.ListAttempts(ctx, AttemptFilter{AssignmentID: f.assignment.ID, Limit: MaxListAttempts})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 20 || len(got) > written {
		t.Errorf("backup holds %d attempts; want at least the 20 before it started and at most the %d written", len(got), written)
	}
	if got, err := r.LearnerByLinkToken(ctx, "tok-ada"); err != nil || got.ID != f.learners[0].ID {
		t.Errorf("learner in the backup = %+v, %v", got, err)
	}
	// Every attempt in the backup is whole (the snapshot has no torn rows).
	for _, a := range got {
		if a.Verdict != "correct" || a.Answer != "12" {
			t.Errorf("attempt %d in the backup is %+v", a.ID, a)
			break
		}
	}
}

func TestBackupPostgresRefuses(t *testing.T) {
	pg, ok := postgresBackend(t)
	if !ok {
		t.Skip(pgEnv + " is not set")
	}
	s := openMigrated(t, pg.open(t))
	err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("Backup on postgres: err = %v, want one naming pg_dump", err)
	}
}

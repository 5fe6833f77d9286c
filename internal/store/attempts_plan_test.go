package store

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// TestListAttemptsPlans: a learner's attempts at one assignment are found
// through the learner's index, not by walking the whole assignment's
// attempts (every check of a student lists them, so the old plan made each
// check cost as much as the class's attempts). SQLite's plan is fixed by
// the query, not by statistics, so it can be asserted.
func TestListAttemptsPlans(t *testing.T) {
	s := openMigrated(t, Config{DataDir: t.TempDir()})
	plan := func(f AttemptFilter) string {
		q, args := listAttemptsQuery(f)
		rows, err := s.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	for _, tc := range []struct {
		name      string
		f         AttemptFilter
		want, not string
	}{
		{"learner in an assignment", AttemptFilter{AssignmentID: 1, LearnerID: 2, Limit: 10}, "(learner_id=?", "attempts_assignment"},
		{"whole assignment", AttemptFilter{AssignmentID: 1, Limit: 10}, "attempts_assignment (assignment_id=? AND id>?)", "SCAN"},
		{"learner", AttemptFilter{LearnerID: 2, Limit: 10}, "(learner_id=?", "SCAN"},
		{"learner at an item", AttemptFilter{AssignmentID: 1, LearnerID: 2, ItemID: 3, Limit: 10}, "attempts_learner_item_part (learner_id=? AND item_id=?)", "attempts_assignment"},
	} {
		got := plan(tc.f)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.not) {
			t.Errorf("%s: plan %q, want %q and no %q", tc.name, got, tc.want, tc.not)
		}
	}
}

// TestReadPoolPreparesOnce: with SQLite a read query is prepared once and
// reused, stays correct after the schema changes under it (SQLite
// re-prepares), and the cache is bounded; PostgreSQL's pool caches nothing
// (pgx does).
func TestReadPoolPreparesOnce(t *testing.T) {
	ctx := context.Background()
	s := openMigrated(t, Config{DataDir: t.TempDir()})
	u, err := s.CreateUser(ctx, NewUser{Email: "a@example.edu", Name: "A", Role: RoleInstructor, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	before := len(s.read.stmts)
	for range 3 {
		if got, err := s.GetUser(ctx, u.ID); err != nil || got.Email != u.Email {
			t.Fatalf("GetUser = %+v, %v", got, err)
		}
	}
	if n := len(s.read.stmts); n != before+1 {
		t.Errorf("%d statements cached after three reads of one query, want %d", n, before+1)
	}
	if _, err := s.write.ExecContext(ctx, `ALTER TABLE users ADD COLUMN extra TEXT`); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetUser(ctx, u.ID); err != nil || got.Email != u.Email {
		t.Errorf("after a schema change: GetUser = %+v, %v", got, err)
	}
	for i := range maxReadStmts + 10 {
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT `+strconv.Itoa(i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if n := len(s.read.stmts); n > maxReadStmts {
		t.Errorf("%d statements cached, the bound is %d", n, maxReadStmts)
	}
	if pg, ok := postgresBackend(t); ok {
		p := openMigrated(t, pg.open(t))
		if _, err := p.ListUsers(ctx); err != nil {
			t.Fatal(err)
		}
		if len(p.read.stmts) != 0 {
			t.Errorf("the PostgreSQL read pool cached %d statements", len(p.read.stmts))
		}
	}
}

package store

import (
	"context"
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
	} {
		got := plan(tc.f)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.not) {
			t.Errorf("%s: plan %q, want %q and no %q", tc.name, got, tc.want, tc.not)
		}
	}
}

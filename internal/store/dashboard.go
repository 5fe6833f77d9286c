package store

import (
	"context"
	"fmt"
)

// EachAttempt calls fn with every attempt of an assignment in the order
// they were recorded, reading them in one query without holding them all
// in memory. The instructor dashboard folds a whole assignment (thousands
// of learners, tens of thousands of attempts) in one pass this way; paging
// with ListAttempts would repeat the query per page. fn runs while the
// query's rows are open, so it must be quick and must not write to the
// database (with SQLite a long reader delays checkpoints); an error from fn
// stops the iteration and is returned.
func (s *Store) EachAttempt(ctx context.Context, assignmentID int64, fn func(Attempt) error) error {
	rows, err := s.read.QueryContext(ctx,
		`SELECT `+attemptColumns+` FROM attempts WHERE assignment_id = $1 ORDER BY id`, assignmentID)
	if err != nil {
		return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// GetLiveSession returns a live session by id, open or ended.
func (s *Store) GetLiveSession(ctx context.Context, id int64) (LiveSession, error) {
	var ls LiveSession
	var created int64
	var ended sql.NullInt64
	err := s.read.QueryRowContext(ctx,
		`SELECT id, course_id, COALESCE(assignment_id, 0), code, COALESCE(created_by, 0), created_at, ended_at
		 FROM live_sessions WHERE id = $1`, id).
		Scan(&ls.ID, &ls.CourseID, &ls.AssignmentID, &ls.Code, &ls.CreatedBy, &created, &ended)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return LiveSession{}, fmt.Errorf("live session %d: %w", id, ErrNotFound)
		}
		return LiveSession{}, fmt.Errorf("live session %d: %w", id, err)
	}
	ls.CreatedAt = fromMS(created)
	if ended.Valid {
		t := fromMS(ended.Int64)
		ls.EndedAt = &t
	}
	return ls, nil
}

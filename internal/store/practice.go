package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// MaxPracticeStateLen bounds a stored practice state (practice.MaxStateBytes).
const MaxPracticeStateLen = 8 << 10

// GetPracticeState returns the encoded practice state kept for a learner,
// or ErrNotFound when none is kept yet. The store does not interpret it:
// the caller decodes it with practice.Decode.
func (s *Store) GetPracticeState(ctx context.Context, learnerID int64) ([]byte, error) {
	var v []byte
	err := s.read.QueryRowContext(ctx, `SELECT state FROM practice_states WHERE learner_id = $1`, learnerID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("practice state of learner %d: %w", learnerID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("practice state of learner %d: %w", learnerID, classify(err))
	}
	return v, nil
}

// PutPracticeState replaces (or creates) a learner's practice state. A
// state longer than MaxPracticeStateLen is ErrInvalid; an unknown learner
// is ErrNotFound.
func (s *Store) PutPracticeState(ctx context.Context, learnerID int64, state []byte) error {
	if len(state) == 0 || len(state) > MaxPracticeStateLen {
		return fmt.Errorf("save practice state of learner %d: %w: %d bytes, want 1 to %d", learnerID, ErrInvalid, len(state), MaxPracticeStateLen)
	}
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO practice_states (learner_id, state, updated_at) VALUES ($1, $2, $3)
		 ON CONFLICT (learner_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
		learnerID, state, ms(s.now()))
	if err != nil {
		return fmt.Errorf("save practice state of learner %d: %w", learnerID, classify(err))
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Fixed-window rate counters kept in the database (table rate_windows), so
// that every replica of a site spends one budget: counted in each process,
// N replicas would give an attacker N times the sign-in guesses. A window
// opens at a subject's first hit and lasts the caller's window; the first
// hit after it ended opens a new one. The caller decides what a budget is
// (web/auth_limit.go); the store only counts.

// MaxRateScopeLen and MaxRateSubjectLen bound a counter's names.
const (
	MaxRateScopeLen   = 40
	MaxRateSubjectLen = 256
)

func checkRateArgs(scope, subject string, window time.Duration) error {
	if scope == "" || len(scope) > MaxRateScopeLen {
		return fmt.Errorf("%w: rate scope is empty or longer than %d bytes", ErrInvalid, MaxRateScopeLen)
	}
	if len(subject) > MaxRateSubjectLen {
		return fmt.Errorf("%w: rate subject is longer than %d bytes", ErrInvalid, MaxRateSubjectLen)
	}
	if window < time.Second {
		return fmt.Errorf("%w: rate window %v is shorter than a second", ErrInvalid, window)
	}
	return nil
}

// RateHit counts one hit of subject in scope and returns the hits in its
// current window, this one included, and when that window ends. One
// statement does it, so hits from several replicas at once are all
// counted. Opening a new window also deletes the scope's ended windows,
// which keeps the table as small as the subjects seen in one window.
func (s *Store) RateHit(ctx context.Context, scope, subject string, window time.Duration) (int64, time.Time, error) {
	if err := checkRateArgs(scope, subject, window); err != nil {
		return 0, time.Time{}, fmt.Errorf("rate hit: %w", err)
	}
	now := ms(s.now())
	ended := now - window.Milliseconds()
	var hits, start int64
	// In both dialects the SET expressions all read the row as it was
	// before the update, so the two CASEs agree.
	err := s.write.QueryRowContext(ctx,
		`INSERT INTO rate_windows (scope, subject, window_start, hits) VALUES ($1, $2, $3, 1)
		 ON CONFLICT (scope, subject) DO UPDATE SET
		   hits = CASE WHEN rate_windows.window_start <= $4 THEN 1 ELSE rate_windows.hits + 1 END,
		   window_start = CASE WHEN rate_windows.window_start <= $4 THEN $3 ELSE rate_windows.window_start END
		 RETURNING hits, window_start`,
		scope, subject, now, ended).Scan(&hits, &start)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("rate hit %s: %w", scope, classify(err))
	}
	if hits == 1 {
		if _, err := s.write.ExecContext(ctx,
			`DELETE FROM rate_windows WHERE scope = $1 AND window_start <= $2`, scope, ended); err != nil {
			return 0, time.Time{}, fmt.Errorf("rate hit %s: delete ended windows: %w", scope, err)
		}
	}
	return hits, fromMS(start).Add(window), nil
}

// RateHits returns the hits of subject in scope in its current window
// (0 when none is open) and when that window ends, without counting one.
func (s *Store) RateHits(ctx context.Context, scope, subject string, window time.Duration) (int64, time.Time, error) {
	if err := checkRateArgs(scope, subject, window); err != nil {
		return 0, time.Time{}, fmt.Errorf("rate hits: %w", err)
	}
	var hits, start int64
	// Read from the writer: a count another replica just made must be
	// seen, and a SQLite reader's snapshot could be older.
	err := s.write.QueryRowContext(ctx,
		`SELECT hits, window_start FROM rate_windows WHERE scope = $1 AND subject = $2 AND window_start > $3`,
		scope, subject, ms(s.now())-window.Milliseconds()).Scan(&hits, &start)
	if err != nil {
		if err = classify(err); errors.Is(err, ErrNotFound) {
			return 0, time.Time{}, nil
		}
		return 0, time.Time{}, fmt.Errorf("rate hits %s: %w", scope, err)
	}
	return hits, fromMS(start).Add(window), nil
}

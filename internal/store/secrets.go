package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
)

// MaxSecretLen bounds a site secret's length.
const MaxSecretLen = 1024

// SiteSecret returns the site secret called name, creating it with n random
// bytes the first time anyone asks. Every process (and replica) sharing the
// database gets the same bytes: when two create at once, the first insert
// wins and both read it back. A stored secret of another length is an
// error, so a caller never gets a key shorter than it needs.
func (s *Store) SiteSecret(ctx context.Context, name string, n int) ([]byte, error) {
	if name == "" || len(name) > maxKeyLen {
		return nil, fmt.Errorf("site secret: %w: name is empty or longer than %d bytes", ErrInvalid, maxKeyLen)
	}
	if n < 16 || n > MaxSecretLen {
		return nil, fmt.Errorf("site secret %q: %w: length %d is not 16 to %d bytes", name, ErrInvalid, n, MaxSecretLen)
	}
	var v []byte
	err := s.read.QueryRowContext(ctx, `SELECT value FROM site_secrets WHERE name = $1`, name).Scan(&v)
	if err != nil {
		fresh := make([]byte, n)
		if _, err := rand.Read(fresh); err != nil {
			return nil, fmt.Errorf("site secret %q: %w", name, err)
		}
		if _, err := s.write.ExecContext(ctx,
			`INSERT INTO site_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
			name, fresh, ms(s.now())); err != nil {
			return nil, fmt.Errorf("create site secret %q: %w", name, classify(err))
		}
		// Read from the writer: with SQLite a reader may not see the row yet
		// only if it began before the commit, which this new query did not,
		// but reading the writer states the intent plainly.
		if err := s.write.QueryRowContext(ctx, `SELECT value FROM site_secrets WHERE name = $1`, name).Scan(&v); err != nil {
			return nil, fmt.Errorf("read site secret %q: %w", name, classify(err))
		}
	}
	if len(v) != n {
		return nil, fmt.Errorf("site secret %q: %w: stored secret has %d bytes, the caller needs %d", name, ErrInvalid, len(v), n)
	}
	return v, nil
}

// SetAssignmentShareToken replaces the secret of an assignment's shared
// link (the old link stops working). Only its hash is stored, so the new
// link can be shown once, when it is made.
func (s *Store) SetAssignmentShareToken(ctx context.Context, assignmentID int64, token string) error {
	if token == "" {
		return fmt.Errorf("set shared link of assignment %d: %w: empty token", assignmentID, ErrInvalid)
	}
	res, err := s.write.ExecContext(ctx, `UPDATE assignments SET share_token_hash = $1, updated_at = $2 WHERE id = $3`,
		hashToken(token), ms(s.now()), assignmentID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	s.invalidateAssignment(assignmentID)
	if err != nil {
		return fmt.Errorf("set shared link of assignment %d: %w", assignmentID, classify(err))
	}
	return nil
}

// HasShareLink reports whether an assignment has a shared link at all.
func (s *Store) HasShareLink(ctx context.Context, assignmentID int64) (bool, error) {
	var has bool
	err := s.read.QueryRowContext(ctx, `SELECT share_token_hash IS NOT NULL FROM assignments WHERE id = $1`, assignmentID).Scan(&has)
	if err != nil {
		return false, fmt.Errorf("shared link of assignment %d: %w", assignmentID, classify(err))
	}
	return has, nil
}

// SetLearnerLinkTokens replaces the personal links of several learners of
// one course in one transaction (tokens maps learner id to the new
// secret). A learner of another course is ErrNotFound and changes nothing.
func (s *Store) SetLearnerLinkTokens(ctx context.Context, courseID int64, tokens map[int64]string) error {
	if len(tokens) > MaxRosterSize {
		return fmt.Errorf("set links: %w: %d learners, the limit is %d", ErrInvalid, len(tokens), MaxRosterSize)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for id, tok := range tokens {
			if tok == "" {
				return fmt.Errorf("learner %d: %w: empty token", id, ErrInvalid)
			}
			res, err := tx.ExecContext(ctx, `UPDATE learners SET link_token_hash = $1 WHERE id = $2 AND course_id = $3`, hashToken(tok), id, courseID)
			if err != nil {
				return fmt.Errorf("learner %d: %w", id, classify(err))
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return fmt.Errorf("learner %d: %w", id, ErrNotFound)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set links in course %d: %w", courseID, err)
	}
	return nil
}

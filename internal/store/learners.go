package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LearnerSource says how a learner is known, from most to least trusted.
type LearnerSource string

// Learner sources.
const (
	SourceRoster LearnerSource = "roster" // from an uploaded roster, with a personal link
	SourceLTI    LearnerSource = "lti"    // launched from an LMS (issuer + sub)
	SourceSelf   LearnerSource = "self"   // typed their name on the shared link
	SourceLive   LearnerSource = "live"   // joined a live session with a nickname
)

func validSource(s LearnerSource) bool {
	return s == SourceRoster || s == SourceLTI || s == SourceSelf || s == SourceLive
}

// Learner is a student in one course. Learners have no password.
type Learner struct {
	ID        int64
	CourseID  int64
	Source    LearnerSource
	RosterID  string // the school's id from the roster; "" when none
	Name      string
	Email     string
	LTIIssuer string
	LTISub    string
	CreatedAt time.Time
}

// NewLearner is what CreateLearner needs.
type NewLearner struct {
	CourseID int64
	Source   LearnerSource
	RosterID string
	Name     string
	Email    string
	// LinkToken, when set, is the secret of the learner's personal link;
	// only its hash is stored.
	LinkToken string
	LTIIssuer string
	LTISub    string
}

const learnerColumns = "id, course_id, source, COALESCE(roster_id, ''), name, COALESCE(email, ''), COALESCE(lti_issuer, ''), COALESCE(lti_sub, ''), created_at"

func scanLearner(row rowScanner) (Learner, error) {
	var l Learner
	var src string
	var created int64
	if err := row.Scan(&l.ID, &l.CourseID, &src, &l.RosterID, &l.Name, &l.Email, &l.LTIIssuer, &l.LTISub, &created); err != nil {
		return Learner{}, err
	}
	l.Source, l.CreatedAt = LearnerSource(src), fromMS(created)
	return l, nil
}

func (nl *NewLearner) validate() error {
	nl.Name = strings.TrimSpace(nl.Name)
	nl.RosterID = strings.TrimSpace(nl.RosterID)
	nl.Email = strings.TrimSpace(nl.Email)
	if !validSource(nl.Source) {
		return fmt.Errorf("%w: source %q is not roster, lti, self or live", ErrInvalid, nl.Source)
	}
	if nl.Name == "" {
		return fmt.Errorf("%w: name is empty", ErrInvalid)
	}
	for _, f := range []struct{ name, v string }{{"name", nl.Name}, {"roster id", nl.RosterID}, {"e-mail", nl.Email}, {"LTI issuer", nl.LTIIssuer}, {"LTI sub", nl.LTISub}} {
		if err := checkLen(f.name, f.v, maxNameLen); err != nil {
			return err
		}
	}
	if nl.Source == SourceLTI && (nl.LTIIssuer == "" || nl.LTISub == "") {
		return fmt.Errorf("%w: an LTI learner needs an issuer and a sub", ErrInvalid)
	}
	return nil
}

func linkHash(token string) []byte {
	if token == "" {
		return nil
	}
	return hashToken(token)
}

const insertLearner = `INSERT INTO learners (course_id, source, roster_id, name, email, link_token_hash, lti_issuer, lti_sub, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ` + learnerColumns

func (s *Store) insertLearner(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, nl NewLearner) (Learner, error) {
	return scanLearner(q.QueryRowContext(ctx, insertLearner,
		nl.CourseID, string(nl.Source), nullString(nl.RosterID), nl.Name, nullString(nl.Email),
		linkHash(nl.LinkToken), nullString(nl.LTIIssuer), nullString(nl.LTISub), ms(s.now())))
}

// CreateLearner adds a learner to a course. A roster id, an LTI identity
// and a link token are each unique (ErrConflict).
func (s *Store) CreateLearner(ctx context.Context, nl NewLearner) (Learner, error) {
	if err := nl.validate(); err != nil {
		return Learner{}, fmt.Errorf("create learner: %w", err)
	}
	l, err := s.insertLearner(ctx, s.write, nl)
	if err != nil {
		return Learner{}, fmt.Errorf("create learner in course %d: %w", nl.CourseID, classify(err))
	}
	return l, nil
}

// RosterEntry is one line of an uploaded roster.
type RosterEntry struct {
	RosterID string // required: the key that makes re-uploading a roster safe
	Name     string
	Email    string
	// LinkToken is the personal link's secret for a new learner; an
	// existing learner keeps the link it has.
	LinkToken string
}

// RosterResult is what ImportRoster did with one entry.
type RosterResult struct {
	Learner Learner
	Created bool // false: an existing learner with that roster id was updated
}

// MaxRosterSize bounds one roster upload.
const MaxRosterSize = 5000

// ImportRoster adds the roster's learners to a course, or updates the name
// and e-mail of those already there (matched by roster id), in one
// transaction: a bad line leaves the course as it was.
func (s *Store) ImportRoster(ctx context.Context, courseID int64, entries []RosterEntry) ([]RosterResult, error) {
	if len(entries) > MaxRosterSize {
		return nil, fmt.Errorf("import roster: %w: %d entries, the limit is %d", ErrInvalid, len(entries), MaxRosterSize)
	}
	out := make([]RosterResult, 0, len(entries))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i, e := range entries {
			nl := NewLearner{CourseID: courseID, Source: SourceRoster, RosterID: e.RosterID, Name: e.Name, Email: e.Email, LinkToken: e.LinkToken}
			if err := nl.validate(); err != nil {
				return fmt.Errorf("entry %d: %w", i+1, err)
			}
			if nl.RosterID == "" {
				return fmt.Errorf("entry %d: %w: roster id is empty", i+1, ErrInvalid)
			}
			l, err := scanLearner(tx.QueryRowContext(ctx,
				`UPDATE learners SET name = $1, email = $2 WHERE course_id = $3 AND roster_id = $4 RETURNING `+learnerColumns,
				nl.Name, nullString(nl.Email), courseID, nl.RosterID))
			if err == nil {
				out = append(out, RosterResult{Learner: l})
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("entry %d: %w", i+1, classify(err))
			}
			if nl.LinkToken == "" {
				return fmt.Errorf("entry %d: %w: a new learner needs a link token", i+1, ErrInvalid)
			}
			l, err = s.insertLearner(ctx, tx, nl)
			if err != nil {
				return fmt.Errorf("entry %d: %w", i+1, classify(err))
			}
			out = append(out, RosterResult{Learner: l, Created: true})
		}
		return nil
	})
	// Names and e-mails may have changed (or, after a failed transaction,
	// nothing): drop the cached learners either way.
	s.invalidateLearners()
	if err != nil {
		return nil, fmt.Errorf("import roster into course %d: %w", courseID, err)
	}
	return out, nil
}

// GetLearner returns the learner with id.
func (s *Store) GetLearner(ctx context.Context, id int64) (Learner, error) {
	l, err := scanLearner(s.read.QueryRowContext(ctx, `SELECT `+learnerColumns+` FROM learners WHERE id = $1`, id))
	if err != nil {
		return Learner{}, fmt.Errorf("get learner %d: %w", id, classify(err))
	}
	return l, nil
}

// LearnerByLinkToken returns the learner whose personal link has token.
func (s *Store) LearnerByLinkToken(ctx context.Context, token string) (Learner, error) {
	if token == "" {
		return Learner{}, fmt.Errorf("learner by link: %w", ErrNotFound)
	}
	l, err := scanLearner(s.read.QueryRowContext(ctx, `SELECT `+learnerColumns+` FROM learners WHERE link_token_hash = $1`, hashToken(token)))
	if err != nil {
		return Learner{}, fmt.Errorf("learner by link: %w", classify(err))
	}
	return l, nil
}

// LearnerByLTI returns the learner a platform knows as sub in a course.
func (s *Store) LearnerByLTI(ctx context.Context, courseID int64, issuer, sub string) (Learner, error) {
	l, err := scanLearner(s.read.QueryRowContext(ctx,
		`SELECT `+learnerColumns+` FROM learners WHERE course_id = $1 AND lti_issuer = $2 AND lti_sub = $3`, courseID, issuer, sub))
	if err != nil {
		return Learner{}, fmt.Errorf("learner by LTI identity: %w", classify(err))
	}
	return l, nil
}

// SetLearnerLinkToken replaces a learner's personal link (the old link
// stops working).
func (s *Store) SetLearnerLinkToken(ctx context.Context, learnerID int64, token string) error {
	if token == "" {
		return fmt.Errorf("set link of learner %d: %w: empty token", learnerID, ErrInvalid)
	}
	res, err := s.write.ExecContext(ctx, `UPDATE learners SET link_token_hash = $1 WHERE id = $2`, hashToken(token), learnerID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("set link of learner %d: %w", learnerID, classify(err))
	}
	return nil
}

// ListLearners returns a course's learners in the order they were added.
func (s *Store) ListLearners(ctx context.Context, courseID int64) ([]Learner, error) {
	return queryAll(ctx, s.read, fmt.Sprintf("list learners of course %d", courseID), scanLearner,
		`SELECT `+learnerColumns+` FROM learners WHERE course_id = $1 ORDER BY id`, courseID)
}

// DeleteLearner removes a learner and every attempt of theirs (a privacy
// request).
func (s *Store) DeleteLearner(ctx context.Context, learnerID int64) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM learners WHERE id = $1`, learnerID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	s.invalidateLearners(learnerID)
	s.itemCache.forget() // their attempts went with them (ON DELETE CASCADE)
	if err != nil {
		return fmt.Errorf("delete learner %d: %w", learnerID, err)
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ShowPolicy says when feedback or a worked solution is shown.
type ShowPolicy string

// When feedback or worked solutions show.
const (
	ShowImmediately  ShowPolicy = "immediately"
	ShowAfterAttempt ShowPolicy = "after-attempt"
	ShowAfterDue     ShowPolicy = "after-due"
	ShowNever        ShowPolicy = "never"
)

// ScorePolicy picks which of several attempts at a part counts.
type ScorePolicy string

// Score policies.
const (
	ScoreBest  ScorePolicy = "best"
	ScoreLast  ScorePolicy = "last"
	ScoreFirst ScorePolicy = "first"
)

// SeedPolicy says which variant of an exercise an item shows.
type SeedPolicy string

// Seed policies.
const (
	SeedRecitation SeedPolicy = "recitation"  // seed 0: the recitation's own numbers
	SeedShared     SeedPolicy = "shared"      // one seed (Item.Seed) for everyone
	SeedPerLearner SeedPolicy = "per-learner" // derived from the learner and the item
)

// Settings are an assignment's rules.
type Settings struct {
	OpensAt  *time.Time // nil: open now
	DueAt    *time.Time // nil: no due date
	TimeZone string     // IANA zone the dates are shown in
	// AttemptsAllowed per part; 0 means unlimited.
	AttemptsAllowed int
	Feedback        ShowPolicy
	Solutions       ShowPolicy
	LateCounts      bool // attempts after DueAt count toward the score
	Score           ScorePolicy
}

func (st Settings) validate() error {
	if err := validZone(st.TimeZone); err != nil {
		return err
	}
	if st.AttemptsAllowed < 0 || st.AttemptsAllowed > MaxAttemptsAllowed {
		return fmt.Errorf("%w: attempts allowed %d is not 0 (unlimited) to %d", ErrInvalid, st.AttemptsAllowed, MaxAttemptsAllowed)
	}
	for _, p := range []struct {
		name string
		v    ShowPolicy
	}{{"feedback", st.Feedback}, {"solutions", st.Solutions}} {
		switch p.v {
		case ShowImmediately, ShowAfterAttempt, ShowAfterDue, ShowNever:
		default:
			return fmt.Errorf("%w: %s policy %q is not immediately, after-attempt, after-due or never", ErrInvalid, p.name, p.v)
		}
	}
	switch st.Score {
	case ScoreBest, ScoreLast, ScoreFirst:
	default:
		return fmt.Errorf("%w: score policy %q is not best, last or first", ErrInvalid, st.Score)
	}
	if st.OpensAt != nil && st.DueAt != nil && !st.DueAt.After(*st.OpensAt) {
		return fmt.Errorf("%w: due date %v is not after the opening %v", ErrInvalid, st.DueAt, st.OpensAt)
	}
	return nil
}

// Bounds of an assignment.
const (
	MaxAttemptsAllowed = 1000
	MaxItems           = 100
)

// Item is one exercise of an assignment.
type Item struct {
	ID              int64
	AssignmentID    int64
	Position        int // 0-based order in the assignment
	ExerciseID      string
	ExerciseVersion string
	Parts           []string // the parts asked; empty means every part
	SeedPolicy      SeedPolicy
	Seed            int64 // the seed under SeedShared
	Points          float64
}

// NewItem is what an assignment's item needs.
type NewItem struct {
	ExerciseID      string
	ExerciseVersion string
	Parts           []string
	SeedPolicy      SeedPolicy
	Seed            int64
	Points          float64
}

// Assignment is an ordered list of items with its settings.
type Assignment struct {
	ID        int64
	CourseID  int64
	Title     string
	Settings  Settings
	Items     []Item
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewAssignment is what CreateAssignment needs.
type NewAssignment struct {
	CourseID  int64
	Title     string
	Settings  Settings
	Items     []NewItem
	CreatedBy int64
	// ShareToken is the secret of the assignment's shared link; only its
	// hash is stored. Empty: no shared link.
	ShareToken string
}

func (it NewItem) validate() error {
	if it.ExerciseID == "" {
		return fmt.Errorf("%w: exercise id is empty", ErrInvalid)
	}
	if err := checkLen("exercise id", it.ExerciseID, maxKeyLen); err != nil {
		return err
	}
	if err := checkLen("exercise version", it.ExerciseVersion, maxKeyLen); err != nil {
		return err
	}
	for _, p := range it.Parts {
		if p == "" || strings.Contains(p, ",") || len(p) > maxKeyLen {
			return fmt.Errorf("%w: part id %q is empty, too long or has a comma", ErrInvalid, p)
		}
	}
	switch it.SeedPolicy {
	case SeedRecitation, SeedShared, SeedPerLearner:
	default:
		return fmt.Errorf("%w: seed policy %q is not recitation, shared or per-learner", ErrInvalid, it.SeedPolicy)
	}
	if it.SeedPolicy == SeedRecitation && it.Seed != 0 {
		return fmt.Errorf("%w: the recitation seed policy uses seed 0, not %d", ErrInvalid, it.Seed)
	}
	if !(it.Points >= 0 && it.Points <= 1000) {
		return fmt.Errorf("%w: points %v are not from 0 to 1000", ErrInvalid, it.Points)
	}
	return nil
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateAssignment adds an assignment and its items in one transaction.
func (s *Store) CreateAssignment(ctx context.Context, na NewAssignment) (Assignment, error) {
	title := strings.TrimSpace(na.Title)
	if title == "" {
		return Assignment{}, fmt.Errorf("create assignment: %w: title is empty", ErrInvalid)
	}
	if err := checkLen("title", title, maxNameLen); err != nil {
		return Assignment{}, fmt.Errorf("create assignment: %w", err)
	}
	if err := na.Settings.validate(); err != nil {
		return Assignment{}, fmt.Errorf("create assignment: %w", err)
	}
	if len(na.Items) == 0 || len(na.Items) > MaxItems {
		return Assignment{}, fmt.Errorf("create assignment: %w: %d items, want 1 to %d", ErrInvalid, len(na.Items), MaxItems)
	}
	for i, it := range na.Items {
		if err := it.validate(); err != nil {
			return Assignment{}, fmt.Errorf("create assignment: item %d: %w", i+1, err)
		}
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		st := na.Settings
		var share []byte
		if na.ShareToken != "" {
			share = hashToken(na.ShareToken)
		}
		err := tx.QueryRowContext(ctx,
			`INSERT INTO assignments (course_id, title, opens_at, due_at, time_zone, attempts_allowed, feedback_policy,
			   solution_policy, late_counts, score_policy, share_token_hash, created_by, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			na.CourseID, title, nullMS(st.OpensAt), nullMS(st.DueAt), st.TimeZone, st.AttemptsAllowed,
			string(st.Feedback), string(st.Solutions), bit(st.LateCounts), string(st.Score), share,
			sql.NullInt64{Int64: na.CreatedBy, Valid: na.CreatedBy != 0}, now).Scan(&id)
		if err != nil {
			return classify(err)
		}
		for i, it := range na.Items {
			_, err := tx.ExecContext(ctx,
				`INSERT INTO assignment_items (assignment_id, position, exercise_id, exercise_version, parts, seed_policy, seed, points)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				id, i, it.ExerciseID, it.ExerciseVersion, strings.Join(it.Parts, ","), string(it.SeedPolicy), it.Seed, it.Points)
			if err != nil {
				return fmt.Errorf("item %d: %w", i+1, classify(err))
			}
		}
		return nil
	})
	if err != nil {
		return Assignment{}, fmt.Errorf("create assignment %q in course %d: %w", title, na.CourseID, err)
	}
	return s.GetAssignment(ctx, id)
}

const assignmentColumns = `id, course_id, title, opens_at, due_at, time_zone, attempts_allowed, feedback_policy,
	solution_policy, late_counts, score_policy, COALESCE(created_by, 0), created_at, updated_at`

func scanAssignment(row rowScanner) (Assignment, error) {
	var a Assignment
	var opens, due sql.NullInt64
	var feedback, solutions, score string
	var late int
	var created, updated int64
	st := &a.Settings
	if err := row.Scan(&a.ID, &a.CourseID, &a.Title, &opens, &due, &st.TimeZone, &st.AttemptsAllowed,
		&feedback, &solutions, &late, &score, &a.CreatedBy, &created, &updated); err != nil {
		return Assignment{}, err
	}
	st.OpensAt, st.DueAt = fromNullMS(opens), fromNullMS(due)
	st.Feedback, st.Solutions, st.Score, st.LateCounts = ShowPolicy(feedback), ShowPolicy(solutions), ScorePolicy(score), late == 1
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return a, nil
}

// GetAssignment returns an assignment with its items in order.
func (s *Store) GetAssignment(ctx context.Context, id int64) (Assignment, error) {
	a, err := scanAssignment(s.read.QueryRowContext(ctx, `SELECT `+assignmentColumns+` FROM assignments WHERE id = $1`, id))
	if err != nil {
		return Assignment{}, fmt.Errorf("get assignment %d: %w", id, classify(err))
	}
	if a.Items, err = s.items(ctx, id); err != nil {
		return Assignment{}, err
	}
	return a, nil
}

// AssignmentByShareToken returns the assignment whose shared link has token.
func (s *Store) AssignmentByShareToken(ctx context.Context, token string) (Assignment, error) {
	if token == "" {
		return Assignment{}, fmt.Errorf("assignment by shared link: %w", ErrNotFound)
	}
	var id int64
	err := s.read.QueryRowContext(ctx, `SELECT id FROM assignments WHERE share_token_hash = $1`, hashToken(token)).Scan(&id)
	if err != nil {
		return Assignment{}, fmt.Errorf("assignment by shared link: %w", classify(err))
	}
	return s.GetAssignment(ctx, id)
}

func (s *Store) items(ctx context.Context, assignmentID int64) ([]Item, error) {
	scan := func(row rowScanner) (Item, error) {
		it := Item{AssignmentID: assignmentID}
		var parts, policy string
		if err := row.Scan(&it.ID, &it.Position, &it.ExerciseID, &it.ExerciseVersion, &parts, &policy, &it.Seed, &it.Points); err != nil {
			return Item{}, err
		}
		if parts != "" {
			it.Parts = strings.Split(parts, ",")
		}
		it.SeedPolicy = SeedPolicy(policy)
		return it, nil
	}
	return queryAll(ctx, s.read, fmt.Sprintf("items of assignment %d", assignmentID), scan,
		`SELECT id, position, exercise_id, exercise_version, parts, seed_policy, seed, points
		 FROM assignment_items WHERE assignment_id = $1 ORDER BY position`, assignmentID)
}

// ListAssignments returns a course's assignments (without items), newest first.
func (s *Store) ListAssignments(ctx context.Context, courseID int64) ([]Assignment, error) {
	return queryAll(ctx, s.read, fmt.Sprintf("list assignments of course %d", courseID), scanAssignment,
		`SELECT `+assignmentColumns+` FROM assignments WHERE course_id = $1 ORDER BY id DESC`, courseID)
}

// UpdateAssignment changes an assignment's title and settings. Items are
// fixed once created, because attempts refer to them.
func (s *Store) UpdateAssignment(ctx context.Context, id int64, title string, st Settings) error {
	title = strings.TrimSpace(title)
	if title == "" {
		return fmt.Errorf("update assignment %d: %w: title is empty", id, ErrInvalid)
	}
	if err := checkLen("title", title, maxNameLen); err != nil {
		return fmt.Errorf("update assignment %d: %w", id, err)
	}
	if err := st.validate(); err != nil {
		return fmt.Errorf("update assignment %d: %w", id, err)
	}
	res, err := s.write.ExecContext(ctx,
		`UPDATE assignments SET title = $1, opens_at = $2, due_at = $3, time_zone = $4, attempts_allowed = $5,
		   feedback_policy = $6, solution_policy = $7, late_counts = $8, score_policy = $9, updated_at = $10
		 WHERE id = $11`,
		title, nullMS(st.OpensAt), nullMS(st.DueAt), st.TimeZone, st.AttemptsAllowed,
		string(st.Feedback), string(st.Solutions), bit(st.LateCounts), string(st.Score), ms(s.now()), id)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	s.invalidateAssignment(id)
	if err != nil {
		return fmt.Errorf("update assignment %d: %w", id, classify(err))
	}
	return nil
}

// LiveSession is a live class session (issue 14 builds on it).
type LiveSession struct {
	ID           int64
	CourseID     int64
	AssignmentID int64 // 0 when started from a list of exercises
	Code         string
	CreatedBy    int64
	CreatedAt    time.Time
	EndedAt      *time.Time
}

// CreateLiveSession starts a live session with a join code that no other
// open session uses (ErrConflict otherwise).
func (s *Store) CreateLiveSession(ctx context.Context, courseID, assignmentID, createdBy int64, code string) (LiveSession, error) {
	if code == "" || len(code) > maxKeyLen {
		return LiveSession{}, fmt.Errorf("create live session: %w: code is empty or too long", ErrInvalid)
	}
	ls := LiveSession{CourseID: courseID, AssignmentID: assignmentID, Code: code, CreatedBy: createdBy, CreatedAt: fromMS(ms(s.now()))}
	err := s.write.QueryRowContext(ctx,
		`INSERT INTO live_sessions (course_id, assignment_id, code, created_by, created_at, acted_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
		courseID, sql.NullInt64{Int64: assignmentID, Valid: assignmentID != 0}, code,
		sql.NullInt64{Int64: createdBy, Valid: createdBy != 0}, ms(ls.CreatedAt)).Scan(&ls.ID)
	if err != nil {
		return LiveSession{}, fmt.Errorf("create live session in course %d: %w", courseID, classify(err))
	}
	return ls, nil
}

// EndLiveSession ends a live session by its instructor; its code may then
// be reused.
func (s *Store) EndLiveSession(ctx context.Context, id int64) error {
	return s.EndLiveSessionFor(ctx, id, EndedByInstructor)
}

// OpenLiveSessionByCode returns the open live session with a join code.
func (s *Store) OpenLiveSessionByCode(ctx context.Context, code string) (LiveSession, error) {
	// A room arriving at once shares one read (internal/flight): the session's
	// row changes only when it ends, and the callers decide by their hub's
	// state (read from the database on every notice) whether it still runs.
	return s.liveCodeReads.Do(ctx, code, func(ctx context.Context) (LiveSession, error) {
		return s.openLiveSessionByCode(ctx, code)
	})
}

func (s *Store) openLiveSessionByCode(ctx context.Context, code string) (LiveSession, error) {
	var ls LiveSession
	var created int64
	err := s.read.QueryRowContext(ctx,
		`SELECT id, course_id, COALESCE(assignment_id, 0), code, COALESCE(created_by, 0), created_at
		 FROM live_sessions WHERE code = $1 AND ended_at IS NULL`, code).
		Scan(&ls.ID, &ls.CourseID, &ls.AssignmentID, &ls.Code, &ls.CreatedBy, &created)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return LiveSession{}, fmt.Errorf("live session %q: %w", code, ErrNotFound)
		}
		return LiveSession{}, fmt.Errorf("live session %q: %w", code, err)
	}
	ls.CreatedAt = fromMS(created)
	return ls, nil
}

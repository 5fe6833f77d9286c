package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// AttemptSource is where a check came from.
type AttemptSource string

// Attempt sources.
const (
	FromPage  AttemptSource = "page"  // the exercise page's form
	FromAPI   AttemptSource = "api"   // the JSON API
	FromEmbed AttemptSource = "embed" // an embedded exercise
	FromLive  AttemptSource = "live"  // a live session
	FromLTI   AttemptSource = "lti"   // a launch from an LMS
)

// NewAttempt is one check to record.
type NewAttempt struct {
	LearnerID int64
	// ItemID is the assignment item; 0 for practice outside an assignment.
	ItemID           int64
	ExerciseID       string
	ExerciseVersion  string
	Seed             int64
	Part             string
	Answer           string // the raw answer as typed
	ReadAs           string // what the checker read it as
	Verdict          string // correct, incorrect, invalid, ...
	DiagnosisCode    string // stable machine-readable code, e.g. conv.flipped-kernel
	DiagnosisMessage string
	Score            float64 // credit for the part, 0 to 1
	HintsOpened      int
	// Elapsed is the time since the part was shown; nil when unknown.
	Elapsed       *time.Duration
	Source        AttemptSource
	LiveSessionID int64 // 0 when not in a live session
	// IdempotencyKey identifies the check on the client (one per submit);
	// recording the same key again for the learner returns the first record.
	IdempotencyKey string
}

// Attempt is a recorded check.
type Attempt struct {
	ID           int64
	LearnerID    int64
	AssignmentID int64 // 0 for practice
	ItemID       int64 // 0 for practice
	NewAttempt
	Late      bool // recorded after the assignment's due date
	CreatedAt time.Time
}

// MaxListAttempts bounds one page of ListAttempts.
const MaxListAttempts = 10000

func (na NewAttempt) validate() error {
	switch na.Source {
	case FromPage, FromAPI, FromEmbed, FromLive, FromLTI:
	default:
		return fmt.Errorf("%w: source %q is not page, api, embed, live or lti", ErrInvalid, na.Source)
	}
	if na.ExerciseID == "" || na.Part == "" || na.Verdict == "" || na.IdempotencyKey == "" {
		return fmt.Errorf("%w: exercise id, part, verdict and idempotency key are required", ErrInvalid)
	}
	for _, f := range []struct {
		name, v string
		limit   int
	}{
		{"exercise id", na.ExerciseID, maxKeyLen}, {"exercise version", na.ExerciseVersion, maxKeyLen},
		{"part", na.Part, maxKeyLen}, {"verdict", na.Verdict, maxKeyLen}, {"diagnosis code", na.DiagnosisCode, maxKeyLen},
		{"idempotency key", na.IdempotencyKey, maxKeyLen},
		{"answer", na.Answer, maxAnswerLen}, {"read-as", na.ReadAs, maxAnswerLen}, {"diagnosis message", na.DiagnosisMessage, maxAnswerLen},
	} {
		if err := checkLen(f.name, f.v, f.limit); err != nil {
			return err
		}
	}
	if math.IsNaN(na.Score) || na.Score < 0 || na.Score > 1 {
		return fmt.Errorf("%w: score %v is not from 0 to 1", ErrInvalid, na.Score)
	}
	if na.HintsOpened < 0 || na.HintsOpened > 1000 {
		return fmt.Errorf("%w: hints opened %d is not from 0 to 1000", ErrInvalid, na.HintsOpened)
	}
	if na.Elapsed != nil && *na.Elapsed < 0 {
		return fmt.Errorf("%w: elapsed time %v is negative", ErrInvalid, *na.Elapsed)
	}
	return nil
}

// RecordAttempt stores a check and returns it once its transaction has
// committed durably, so the caller may then acknowledge it. created is
// false when the learner already recorded this idempotency key: the first
// record is returned and nothing is added. The attempt's item must belong
// to an assignment of the learner's course (ErrNotFound otherwise). When
// the assignment limits attempts, an attempt beyond the limit for the part
// is refused with ErrAttemptLimit; the check and the insert share one
// transaction, so concurrent submissions cannot exceed it.
//
// Concurrent calls are committed together (see groupcommit.go); each
// caller still gets only its own attempt's outcome. When ctx ends before
// the attempt was taken into a transaction, nothing is recorded and ctx's
// error is returned; after that, the call waits for the commit.
func (s *Store) RecordAttempt(ctx context.Context, na NewAttempt) (a Attempt, created bool, err error) {
	p, err := s.SubmitAttempts(ctx, []NewAttempt{na})
	if err != nil {
		return Attempt{}, false, err
	}
	o := p.Wait(ctx)[0]
	return o.Attempt, o.Created, o.Err
}

// AttemptOutcome is what recording one submitted attempt came to, as
// RecordAttempt would report it: the record (the earlier one when the key
// was recorded before, Created false), or an error (ErrAttemptLimit for an
// attempt beyond the assignment's limit; nothing was recorded then).
type AttemptOutcome struct {
	Attempt Attempt
	Created bool
	Err     error
}

// PendingAttempts are attempts submitted with SubmitAttempts whose
// transactions may not have committed yet.
type PendingAttempts struct {
	learners []int64
	reqs     []*attemptRequest // nil entry: see outs
	outs     []AttemptOutcome  // outcomes known at submission
}

// SubmitAttempts validates nas and hands them to the group-commit writers,
// returning without waiting for the commit, so a caller can do other work
// (and give back what it holds, such as a server's work slot) meanwhile.
// Wait then gives each attempt's outcome once it is durable; an attempt
// must not be acknowledged before. Each attempt is recorded exactly as
// RecordAttempt records it, in order; nothing is recorded when an attempt
// is invalid (the error says which). With group commit off (AttemptWriters
// -1) the attempts are recorded before SubmitAttempts returns.
func (s *Store) SubmitAttempts(ctx context.Context, nas []NewAttempt) (*PendingAttempts, error) {
	for _, na := range nas {
		if err := na.validate(); err != nil {
			return nil, fmt.Errorf("record attempt: %w", err)
		}
	}
	p := &PendingAttempts{learners: make([]int64, len(nas)), reqs: make([]*attemptRequest, len(nas)), outs: make([]AttemptOutcome, len(nas))}
	for i, na := range nas {
		p.learners[i] = na.LearnerID
	}
	if s.attempts != nil && len(nas) > 0 {
		// One group: one writer records them in one batch, in order.
		rs, err := s.attempts.submitGroup(ctx, nas)
		for i := range nas {
			if err != nil {
				p.outs[i].Err = err
				continue
			}
			p.reqs[i] = rs[i]
		}
		return p, nil
	}
	for i, na := range nas {
		var a Attempt
		var created bool
		st, err := s.attemptStatements(ctx)
		if err == nil {
			err = s.inTx(ctx, func(tx *sql.Tx) error {
				a, created, err = s.recordInTx(ctx, tx, st, na)
				return err
			})
		}
		if err == nil && created {
			s.itemCache.noteCommitted([]Attempt{a})
		}
		p.outs[i] = AttemptOutcome{Attempt: a, Created: created, Err: err}
	}
	return p, nil
}

// Wait returns the outcome of every submitted attempt, in submission
// order, once each one's transaction committed or failed. When ctx ends
// while an attempt still waits in the queue, that attempt is withdrawn
// (nothing recorded, ctx's error); one already in a transaction is waited
// for, so an error never hides a recorded attempt and success never
// reports one that was not committed. Wait may be called once.
func (p *PendingAttempts) Wait(ctx context.Context) []AttemptOutcome {
	for i, r := range p.reqs {
		if r != nil {
			res := r.wait(ctx)
			p.outs[i] = AttemptOutcome{Attempt: res.a, Created: res.created, Err: res.err}
			p.reqs[i] = nil
		}
		if err := p.outs[i].Err; err != nil {
			p.outs[i] = AttemptOutcome{Err: fmt.Errorf("record attempt of learner %d: %w", p.learners[i], err)}
		}
	}
	return p.outs
}

// attemptStmts are the statements that record an attempt, prepared once on
// the write pool and reused by every transaction: parsing them again for
// each attempt was most of the SQLite writer's CPU time (modernc.org/sqlite
// keeps no statement cache; pgx does, so this changes little there).
type attemptStmts struct {
	// learner locks the learner's row (PostgreSQL); nil on SQLite, whose
	// lookup reads the learner's course itself.
	learner, lookup, byID, insert *sql.Stmt
	// lockAll, lookupAll and insertAll record a whole group-commit batch
	// on PostgreSQL in three statements (attempts_batch.go); nil on
	// SQLite, whose writer records attempt by attempt: two statements
	// each, in process, and an attempt refused by a check writes nothing
	// while a failed INSERT undoes only itself (a constraint error rolls
	// back the statement, not the transaction).
	lockAll, lookupAll, insertAll *sql.Stmt
}

func (st *attemptStmts) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{st.learner, st.lookup, st.byID, st.insert, st.lockAll, st.lookupAll, st.insertAll} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// attemptStatements prepares the statements on first use (the tables exist
// only after Migrate), then returns the same ones.
func (s *Store) attemptStatements(ctx context.Context) (*attemptStmts, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.stmts != nil {
		return s.stmts, nil
	}
	st := &attemptStmts{}
	type prep struct {
		dst   **sql.Stmt
		query string
	}
	var preps []prep
	if s.dialect.name == "sqlite" {
		// The learner's course joined in: one statement. SQLite's one
		// writer serializes transactions, so no row lock is needed.
		preps = []prep{{&st.lookup, `SELECT l.course_id,
			  (SELECT id FROM attempts WHERE learner_id = $1 AND idempotency_key = $2),
			  a.id, a.attempts_allowed, a.due_at,
			  (SELECT COUNT(*) FROM attempts WHERE learner_id = $1 AND item_id = $3 AND part = $4)
			FROM learners l
			LEFT JOIN assignment_items i ON i.id = $3
			LEFT JOIN assignments a ON a.id = i.assignment_id AND a.course_id = l.course_id
			WHERE l.id = $1`}}
	} else {
		preps = []prep{
			{&st.learner, `SELECT course_id FROM learners WHERE id = $1` + s.dialect.forUpdate},
			{&st.lookup, `SELECT
			  (SELECT id FROM attempts WHERE learner_id = $1 AND idempotency_key = $2),
			  a.id, a.attempts_allowed, a.due_at,
			  (SELECT COUNT(*) FROM attempts WHERE learner_id = $1 AND item_id = $3 AND part = $4)
			FROM (SELECT 1 AS one) AS one
			LEFT JOIN assignment_items i ON i.id = $3
			LEFT JOIN assignments a ON a.id = i.assignment_id AND a.course_id = $5`},
			{&st.lockAll, lockLearnersSQL},
			{&st.lookupAll, lookupBatchSQL},
			{&st.insertAll, insertBatchSQL},
		}
	}
	for _, p := range append(preps, []prep{
		{&st.byID, `SELECT ` + attemptColumns + ` FROM attempts WHERE id = $1`},
		{&st.insert, `INSERT INTO attempts (learner_id, assignment_id, item_id, exercise_id, exercise_version, seed, part, answer,
		   read_as, verdict, diagnosis_code, diagnosis_message, score, hints_opened, elapsed_ms, late, source,
		   live_session_id, idempotency_key, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		 RETURNING id`},
	}...) {
		stmt, err := s.write.PrepareContext(ctx, p.query)
		if err != nil {
			_ = st.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*p.dst = stmt
	}
	s.stmts = st
	return st, nil
}

// recordInTx records a validated attempt inside tx (RecordAttempt's work,
// shared by the group-commit writer and the transaction-per-call path).
func (s *Store) recordInTx(ctx context.Context, tx *sql.Tx, st *attemptStmts, na NewAttempt) (a Attempt, created bool, err error) {
	// Lock the learner's row (PostgreSQL; SQLite's single writer already
	// serializes), so one learner's concurrent checks run one after the
	// other: the idempotency and limit checks below see each other.
	//
	// Then one statement, after the lock (so, in PostgreSQL's read
	// committed, with a snapshot that sees every earlier attempt of this
	// learner): the record of this idempotency key if any, the item's
	// assignment in the learner's course, and the attempts already made at
	// the part. On SQLite the same statement reads the learner's course.
	var courseID int64
	var prevID, assignmentID, due sql.NullInt64
	var allowed sql.NullInt64
	var used int
	if st.learner == nil {
		err := tx.StmtContext(ctx, st.lookup).QueryRowContext(ctx, na.LearnerID, na.IdempotencyKey, na.ItemID, na.Part).
			Scan(&courseID, &prevID, &assignmentID, &allowed, &due, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return Attempt{}, false, fmt.Errorf("learner %d: %w", na.LearnerID, classify(err))
		}
		if err != nil {
			return Attempt{}, false, fmt.Errorf("look up attempt: %w", err)
		}
	} else {
		if err := tx.StmtContext(ctx, st.learner).QueryRowContext(ctx, na.LearnerID).Scan(&courseID); err != nil {
			return Attempt{}, false, fmt.Errorf("learner %d: %w", na.LearnerID, classify(err))
		}
		if err := tx.StmtContext(ctx, st.lookup).QueryRowContext(ctx, na.LearnerID, na.IdempotencyKey, na.ItemID, na.Part, courseID).
			Scan(&prevID, &assignmentID, &allowed, &due, &used); err != nil {
			return Attempt{}, false, fmt.Errorf("look up attempt: %w", err)
		}
	}
	if prevID.Valid {
		prev, err := scanAttempt(tx.StmtContext(ctx, st.byID).QueryRowContext(ctx, prevID.Int64))
		if err != nil {
			return Attempt{}, false, fmt.Errorf("attempt %d: %w", prevID.Int64, err)
		}
		return prev, false, nil
	}
	now := s.now()
	var late bool
	if na.ItemID != 0 {
		if !assignmentID.Valid {
			return Attempt{}, false, fmt.Errorf("item %d in the course of learner %d: %w", na.ItemID, na.LearnerID, ErrNotFound)
		}
		if allowed.Int64 > 0 && int64(used) >= allowed.Int64 {
			return Attempt{}, false, fmt.Errorf("%w: %d of %d attempts used for part %s", ErrAttemptLimit, used, allowed.Int64, na.Part)
		}
		late = due.Valid && ms(now) > due.Int64
	}
	var elapsed sql.NullInt64
	if na.Elapsed != nil {
		elapsed = sql.NullInt64{Int64: na.Elapsed.Milliseconds(), Valid: true}
	}
	var id int64
	err = tx.StmtContext(ctx, st.insert).QueryRowContext(ctx,
		na.LearnerID, assignmentID, sql.NullInt64{Int64: na.ItemID, Valid: na.ItemID != 0},
		na.ExerciseID, na.ExerciseVersion, na.Seed, na.Part, na.Answer, na.ReadAs, na.Verdict,
		na.DiagnosisCode, na.DiagnosisMessage, na.Score, na.HintsOpened, elapsed, bit(late), string(na.Source),
		sql.NullInt64{Int64: na.LiveSessionID, Valid: na.LiveSessionID != 0}, na.IdempotencyKey, ms(now)).Scan(&id)
	if err != nil {
		return Attempt{}, false, classify(err)
	}
	a = Attempt{ID: id, LearnerID: na.LearnerID, AssignmentID: assignmentID.Int64, ItemID: na.ItemID,
		NewAttempt: na, Late: late, CreatedAt: fromMS(ms(now))}
	if na.Elapsed != nil {
		d := time.Duration(elapsed.Int64) * time.Millisecond
		a.Elapsed = &d
	}
	return a, true, nil
}

const attemptColumns = `id, learner_id, COALESCE(assignment_id, 0), COALESCE(item_id, 0), exercise_id, exercise_version,
	seed, part, answer, read_as, verdict, diagnosis_code, diagnosis_message, score, hints_opened, elapsed_ms, late,
	source, COALESCE(live_session_id, 0), idempotency_key, created_at`

func scanAttempt(row rowScanner) (Attempt, error) {
	var a Attempt
	var elapsed sql.NullInt64
	var late int
	var source string
	var created int64
	if err := row.Scan(&a.ID, &a.LearnerID, &a.AssignmentID, &a.ItemID, &a.ExerciseID, &a.ExerciseVersion,
		&a.Seed, &a.Part, &a.Answer, &a.ReadAs, &a.Verdict, &a.DiagnosisCode, &a.DiagnosisMessage, &a.Score,
		&a.HintsOpened, &elapsed, &late, &source, &a.LiveSessionID, &a.IdempotencyKey, &created); err != nil {
		return Attempt{}, err
	}
	a.NewAttempt.LearnerID, a.NewAttempt.ItemID = a.LearnerID, a.ItemID
	if elapsed.Valid {
		d := time.Duration(elapsed.Int64) * time.Millisecond
		a.Elapsed = &d
	}
	a.Late, a.Source, a.CreatedAt = late == 1, AttemptSource(source), fromMS(created)
	return a, nil
}

// AttemptFilter selects attempts for ListAttempts. At least one of
// AssignmentID and LearnerID is required.
type AttemptFilter struct {
	AssignmentID int64
	LearnerID    int64
	// ItemID narrows to one assignment item (0: every item); with a
	// learner, the learner's index on (learner, item, part) finds them.
	ItemID int64
	// AfterID pages: only attempts with a larger id (0: from the start).
	AfterID int64
	// Limit is the most returned, 1 to MaxListAttempts.
	Limit int
}

// ListAttempts returns attempts in the order they were recorded.
func (s *Store) ListAttempts(ctx context.Context, f AttemptFilter) ([]Attempt, error) {
	if f.AssignmentID == 0 && f.LearnerID == 0 {
		return nil, fmt.Errorf("list attempts: %w: give an assignment or a learner", ErrInvalid)
	}
	if f.Limit < 1 || f.Limit > MaxListAttempts {
		return nil, fmt.Errorf("list attempts: %w: limit %d is not 1 to %d", ErrInvalid, f.Limit, MaxListAttempts)
	}
	query, args := listAttemptsQuery(f)
	return queryAll(ctx, s.read, "list attempts", scanAttempt, query, args...)
}

// listAttemptsQuery builds ListAttempts' query. Only the given filters go
// into it, so each can use its index; "x = $1 OR $1 = 0" would not.
func listAttemptsQuery(f AttemptFilter) (string, []any) {
	where, args := "id > $1", []any{f.AfterID}
	if f.AssignmentID != 0 {
		args = append(args, f.AssignmentID)
		// With a learner too, the learner's index must drive the query (a
		// learner has a few dozen attempts, an assignment tens of
		// thousands), but SQLite would rather walk the assignment's index
		// (assignment_id, id), which also gives the order: every check of
		// a student would read the whole class's attempts. The unary plus
		// keeps the assignment's index out, on both databases.
		col := "assignment_id"
		if f.LearnerID != 0 {
			col = "+assignment_id"
		}
		where += fmt.Sprintf(" AND %s = $%d", col, len(args))
	}
	if f.LearnerID != 0 {
		args = append(args, f.LearnerID)
		where += fmt.Sprintf(" AND learner_id = $%d", len(args))
	}
	if f.ItemID != 0 {
		args = append(args, f.ItemID)
		where += fmt.Sprintf(" AND item_id = $%d", len(args))
	}
	args = append(args, f.Limit)
	return `SELECT ` + attemptColumns + ` FROM attempts WHERE ` + where + fmt.Sprintf(" ORDER BY id LIMIT $%d", len(args)), args
}

// PartScore summarizes one learner's attempts at one part of one item.
// Late attempts are left out when the assignment says late work does not
// count.
type PartScore struct {
	LearnerID int64
	ItemID    int64
	Part      string
	Attempts  int
	Best      float64
	First     float64
	Last      float64
	// AttemptsToCorrect is the number of the first attempt with full credit
	// (1 = right the first time); 0 when never.
	AttemptsToCorrect int
	HintsOpened       int // the most hints open at any attempt
	FirstAt, LastAt   time.Time
}

// Score is the part's score under a policy.
func (p PartScore) Score(policy ScorePolicy) float64 {
	switch policy {
	case ScoreFirst:
		return p.First
	case ScoreLast:
		return p.Last
	default:
		return p.Best
	}
}

// PartScores returns, for every learner and part of an assignment that has
// attempts, the best, first and last score. The dashboard builds its grid,
// completion and per-part statistics from these rows.
func (s *Store) PartScores(ctx context.Context, assignmentID int64) ([]PartScore, error) {
	scan := func(row rowScanner) (PartScore, error) {
		var p PartScore
		var first, last int64
		if err := row.Scan(&p.LearnerID, &p.ItemID, &p.Part, &p.Attempts, &p.Best, &p.First, &p.Last,
			&p.AttemptsToCorrect, &p.HintsOpened, &first, &last); err != nil {
			return PartScore{}, err
		}
		p.FirstAt, p.LastAt = fromMS(first), fromMS(last)
		return p, nil
	}
	return queryAll(ctx, s.read, fmt.Sprintf("part scores of assignment %d", assignmentID), scan, `
		WITH ranked AS (
		  SELECT t.learner_id, t.item_id, t.part, t.score, t.hints_opened, t.created_at,
		    ROW_NUMBER() OVER (PARTITION BY t.learner_id, t.item_id, t.part ORDER BY t.id) AS n_first,
		    ROW_NUMBER() OVER (PARTITION BY t.learner_id, t.item_id, t.part ORDER BY t.id DESC) AS n_last
		  FROM attempts t JOIN assignments a ON a.id = t.assignment_id
		  WHERE t.assignment_id = $1 AND (t.late = 0 OR a.late_counts = 1)
		)
		SELECT learner_id, item_id, part, COUNT(*), MAX(score),
		  MAX(CASE WHEN n_first = 1 THEN score END), MAX(CASE WHEN n_last = 1 THEN score END),
		  COALESCE(MIN(CASE WHEN score >= 1 THEN n_first END), 0), MAX(hints_opened), MIN(created_at), MAX(created_at)
		FROM ranked GROUP BY learner_id, item_id, part ORDER BY learner_id, item_id, part`, assignmentID)
}

// ItemScore sums a learner's part scores on one item.
type ItemScore struct {
	LearnerID int64
	ItemID    int64
	// Best, First and Last add up each part's score under that policy
	// (parts not attempted add 0). Divide by the number of parts asked for
	// the share of the item.
	Best, First, Last float64
	PartsAttempted    int
	Attempts          int
	LastAt            time.Time
}

// Score is the item's summed part scores under a policy.
func (i ItemScore) Score(policy ScorePolicy) float64 {
	switch policy {
	case ScoreFirst:
		return i.First
	case ScoreLast:
		return i.Last
	default:
		return i.Best
	}
}

// ItemScores returns, per learner and item of an assignment with attempts,
// the item's score under each policy, in learner then item order.
func (s *Store) ItemScores(ctx context.Context, assignmentID int64) ([]ItemScore, error) {
	parts, err := s.PartScores(ctx, assignmentID)
	if err != nil {
		return nil, err
	}
	var out []ItemScore
	for _, p := range parts { // ordered by learner, item: equal keys are adjacent
		if n := len(out); n == 0 || out[n-1].LearnerID != p.LearnerID || out[n-1].ItemID != p.ItemID {
			out = append(out, ItemScore{LearnerID: p.LearnerID, ItemID: p.ItemID})
		}
		it := &out[len(out)-1]
		it.Best += p.Best
		it.First += p.First
		it.Last += p.Last
		it.PartsAttempted++
		it.Attempts += p.Attempts
		if p.LastAt.After(it.LastAt) {
			it.LastAt = p.LastAt
		}
	}
	return out, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// ReportAttempt is what the instructor dashboard folds of one attempt.
// The texts of a wrong answer (Answer, ReadAs, DiagnosisCode,
// DiagnosisMessage) are empty for a correct one: the dashboard groups
// wrong answers only, and not reading those texts for the majority of
// attempts makes reading a large assignment markedly faster.
type ReportAttempt struct {
	// ID is the attempt's id: unique, and in the order attempts were
	// recorded for one learner (see ReportDelta for other learners).
	ID        int64
	LearnerID int64
	ItemID    int64
	Part      string
	Correct   bool // the verdict was "correct"
	// Revealed: the attempt records a "show the worked solution" request
	// (verdict "solution-shown"), not an answer.
	Revealed bool
	Answer   string
	ReadAs   string
	// DiagnosisCode and DiagnosisMessage name the mistake, when diagnosed.
	DiagnosisCode    string
	DiagnosisMessage string
	Score            float64
	HintsOpened      int
	// Elapsed is the time since the part was shown, when ElapsedKnown.
	Elapsed      time.Duration
	ElapsedKnown bool
	Late         bool
	CreatedAt    time.Time
}

// reportAttemptSelect reads what ReportAttempt holds; a WHERE clause
// follows.
const reportAttemptSelect = `
		SELECT id, learner_id, item_id, part, CASE WHEN verdict = 'correct' THEN 1 ELSE 0 END,
		  CASE WHEN verdict = 'solution-shown' THEN 1 ELSE 0 END,
		  CASE WHEN verdict = 'correct' THEN '' ELSE answer END,
		  CASE WHEN verdict = 'correct' THEN '' ELSE read_as END,
		  CASE WHEN verdict = 'correct' THEN '' ELSE diagnosis_code END,
		  CASE WHEN verdict = 'correct' THEN '' ELSE diagnosis_message END,
		  score, hints_opened, COALESCE(elapsed_ms, -1), late, created_at
		FROM attempts`

func scanReportAttempt(rows rowScanner) (ReportAttempt, error) {
	var a ReportAttempt
	var correct, revealed, late int
	var elapsed, created int64
	if err := rows.Scan(&a.ID, &a.LearnerID, &a.ItemID, &a.Part, &correct, &revealed, &a.Answer, &a.ReadAs, &a.DiagnosisCode,
		&a.DiagnosisMessage, &a.Score, &a.HintsOpened, &elapsed, &late, &created); err != nil {
		return a, err
	}
	a.Correct, a.Revealed, a.Late, a.CreatedAt = correct == 1, revealed == 1, late == 1, fromMS(created)
	if elapsed >= 0 {
		a.Elapsed, a.ElapsedKnown = time.Duration(elapsed)*time.Millisecond, true
	}
	return a, nil
}

// reportReaders is the most queries EachReportAttempt runs at once.
const reportReaders = 4

// reportBatch is how many attempts a reader hands over at a time.
const reportBatch = 512

// EachReportAttempt calls fn with every attempt of an assignment, reading
// them without holding them all in memory: the dashboard folds a whole
// assignment (thousands of learners, tens of thousands of attempts) in one
// pass this way. The attempts of one learner come in the order they were
// recorded; those of different learners may interleave. To use the cores,
// the learners are split into up to reportReaders groups (by id) that are
// read by concurrent queries, and fn is called from the caller's goroutine
// only, one attempt at a time. An error from fn stops the reading and is
// returned.
func (s *Store) EachReportAttempt(ctx context.Context, assignmentID int64, fn func(ReportAttempt) error) error {
	return s.eachReportAttempt(ctx, assignmentID, reportBatch, fn)
}

// eachReportAttempt is EachReportAttempt with readers handing over batches
// of size attempts.
func (s *Store) eachReportAttempt(ctx context.Context, assignmentID int64, size int, fn func(ReportAttempt) error) error {
	n := max(1, min(runtime.GOMAXPROCS(0), reportReaders))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the readers when fn fails
	type batch struct {
		rows []ReportAttempt
		err  error
	}
	ch := make(chan batch, 2*n)
	send := func(b batch) bool {
		select {
		case ch <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var wg sync.WaitGroup
	for j := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.readReportAttempts(ctx, assignmentID, n, j, size, func(rows []ReportAttempt) bool {
				return send(batch{rows: rows})
			}); err != nil {
				send(batch{err: err})
			}
		}()
	}
	go func() {
		wg.Wait()
		close(ch)
	}()
	for b := range ch {
		if b.err != nil {
			return b.err
		}
		for _, a := range b.rows {
			if err := fn(a); err != nil {
				return err
			}
		}
	}
	// A reader stopped by a cancelled context sends nothing; say why.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
	}
	return nil
}

// readReportAttempts reads the attempts of the learners whose id is j
// modulo n, in id order, handing them to emit in batches; emit returns
// false to stop.
func (s *Store) readReportAttempts(ctx context.Context, assignmentID int64, n, j, size int, emit func([]ReportAttempt) bool) error {
	rows, err := s.read.QueryContext(ctx, reportAttemptSelect+`
		WHERE assignment_id = $1 AND learner_id % $2 = $3 ORDER BY id`, assignmentID, n, j)
	if err != nil {
		return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
	}
	defer rows.Close()
	buf := make([]ReportAttempt, 0, size)
	for rows.Next() {
		a, err := scanReportAttempt(rows)
		if err != nil {
			return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
		}
		if buf = append(buf, a); len(buf) == size {
			if !emit(buf) {
				return nil
			}
			buf = make([]ReportAttempt, 0, size)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
	}
	if len(buf) > 0 {
		emit(buf)
	}
	return nil
}

// AttemptStamp identifies the set of an assignment's attempts: it changes
// whenever one is recorded (the count grows) or deleted with its learner
// (the count shrinks). Attempts are never edited. A cached dashboard
// report is current while the stamp is the same.
type AttemptStamp struct {
	Count int64
	MaxID int64
}

// AttemptStampOf returns the assignment's attempt stamp; an index-only
// count, far cheaper than reading the attempts.
func (s *Store) AttemptStampOf(ctx context.Context, assignmentID int64) (AttemptStamp, error) {
	var st AttemptStamp
	err := s.read.QueryRowContext(ctx,
		`SELECT COUNT(*), COALESCE(MAX(id), 0) FROM attempts WHERE assignment_id = $1`, assignmentID).Scan(&st.Count, &st.MaxID)
	if err != nil {
		return AttemptStamp{}, fmt.Errorf("attempt stamp of assignment %d: %w", assignmentID, err)
	}
	return st, nil
}

// ReportDelta is what changed in an assignment's attempt record since a
// dashboard report folded every attempt up to a watermark id; see
// Store.ReportDeltaOf.
type ReportDelta struct {
	// Learners is the course's learners, as ListLearners.
	Learners []Learner
	// AtOrBelow counts the assignment's attempts whose id is at most the
	// watermark.
	AtOrBelow int64
	// Attempts are those with a larger id, in id order.
	Attempts []ReportAttempt
}

// maxDeltaAttempts bounds the attempts one ReportDeltaOf returns; beyond
// it the caller reads everything again (EachReportAttempt).
const maxDeltaAttempts = 50000

// ErrDeltaTooLarge says more attempts were added since the watermark than
// ReportDeltaOf returns at once.
var ErrDeltaTooLarge = errors.New("too many new attempts for an incremental read")

// ReportDeltaOf reads, in one consistent snapshot (a read-only
// transaction, REPEATABLE READ on PostgreSQL), the course's learners, the
// number of the assignment's attempts with an id at most watermark, and
// the attempts with a larger id.
//
// Ids come from a sequence and are not in commit order: on PostgreSQL an
// attempt can commit after one with a larger id (two writers, or two
// replicas), so "id > watermark" alone could miss it forever. The count
// is what makes an incremental dashboard exact: attempts are only ever
// added (or deleted with their learner, which changes the learners), so if
// the count at or below the watermark equals the number the report folded
// there, it has folded exactly those attempts; if not, it must read
// everything again.
func (s *Store) ReportDeltaOf(ctx context.Context, courseID, assignmentID, watermark int64) (ReportDelta, error) {
	var d ReportDelta
	opts := &sql.TxOptions{ReadOnly: true} // SQLite: a plain (deferred) BEGIN, a snapshot from its first read
	if s.dialect.name == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return d, fmt.Errorf("attempts of assignment %d since %d: %w", assignmentID, watermark, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if d.Learners, err = queryAll(ctx, tx, fmt.Sprintf("list learners of course %d", courseID), scanLearner,
		`SELECT `+learnerColumns+` FROM learners WHERE course_id = $1 ORDER BY id`, courseID); err != nil {
		return d, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM attempts WHERE assignment_id = $1 AND id <= $2`,
		assignmentID, watermark).Scan(&d.AtOrBelow); err != nil {
		return d, fmt.Errorf("attempts of assignment %d up to %d: %w", assignmentID, watermark, err)
	}
	rows, err := tx.QueryContext(ctx, reportAttemptSelect+` WHERE assignment_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		assignmentID, watermark, maxDeltaAttempts+1)
	if err != nil {
		return d, fmt.Errorf("attempts of assignment %d since %d: %w", assignmentID, watermark, err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanReportAttempt(rows)
		if err != nil {
			return d, fmt.Errorf("attempts of assignment %d since %d: %w", assignmentID, watermark, err)
		}
		if len(d.Attempts) == maxDeltaAttempts {
			return d, ErrDeltaTooLarge
		}
		d.Attempts = append(d.Attempts, a)
	}
	if err := rows.Err(); err != nil {
		return d, fmt.Errorf("attempts of assignment %d since %d: %w", assignmentID, watermark, err)
	}
	return d, nil
}

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
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

// reportAttemptSelect reads what ReportAttempt holds, packed into few
// columns (each column costs a conversion per row, and a large assignment
// has tens of thousands of rows): the verdict, lateness and hints in one
// integer, and the texts only for answers that were not correct (NULL
// otherwise). A WHERE clause follows.
const reportAttemptSelect = `
		SELECT id, learner_id, item_id, part,
		  CASE verdict WHEN 'correct' THEN 1 WHEN 'solution-shown' THEN 2 ELSE 0 END + 4 * late + 8 * hints_opened,
		  score, COALESCE(elapsed_ms, -1), created_at,
		  CASE WHEN verdict = 'correct' THEN NULL ELSE answer END,
		  CASE WHEN verdict = 'correct' THEN NULL ELSE read_as END,
		  CASE WHEN verdict = 'correct' THEN NULL ELSE diagnosis_code END,
		  CASE WHEN verdict = 'correct' THEN NULL ELSE diagnosis_message END
		FROM attempts`

// reportColumns is the number of columns reportAttemptSelect reads.
const reportColumns = 12

// decodeReportAttempt turns a row of reportAttemptSelect, as the driver
// gives it, into a ReportAttempt.
func decodeReportAttempt(v []driver.Value) (ReportAttempt, error) {
	var a ReportAttempt
	var err error
	num := func(x driver.Value) int64 {
		switch x := x.(type) {
		case int64:
			return x
		case int32:
			return int64(x)
		case float64:
			return int64(x)
		case []byte:
			n, perr := strconv.ParseInt(string(x), 10, 64)
			if perr != nil && err == nil {
				err = perr
			}
			return n
		case string:
			n, perr := strconv.ParseInt(x, 10, 64)
			if perr != nil && err == nil {
				err = perr
			}
			return n
		default:
			if err == nil {
				err = fmt.Errorf("unexpected %T in an attempt row", x)
			}
			return 0
		}
	}
	text := func(x driver.Value) string {
		switch x := x.(type) {
		case string:
			return x
		case []byte:
			return string(x)
		default:
			return ""
		}
	}
	a.ID, a.LearnerID, a.ItemID, a.Part = num(v[0]), num(v[1]), num(v[2]), text(v[3])
	flags := num(v[4])
	a.Correct, a.Revealed, a.Late, a.HintsOpened = flags&3 == 1, flags&3 == 2, flags&4 != 0, int(flags>>3)
	switch x := v[5].(type) {
	case float64:
		a.Score = x
	default:
		a.Score = float64(num(x))
	}
	if elapsed := num(v[6]); elapsed >= 0 {
		a.Elapsed, a.ElapsedKnown = time.Duration(elapsed)*time.Millisecond, true
	}
	a.CreatedAt = fromMS(num(v[7]))
	a.Answer, a.ReadAs, a.DiagnosisCode, a.DiagnosisMessage = text(v[8]), text(v[9]), text(v[10]), text(v[11])
	return a, err
}

// scanReportAttempt reads a row of reportAttemptSelect through
// database/sql (in a transaction; EachReportAttempt reads the driver's
// values directly).
func scanReportAttempt(rows *sql.Rows) (ReportAttempt, error) {
	var vals [reportColumns]any
	var ptrs [reportColumns]any
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs[:]...); err != nil {
		return ReportAttempt{}, err
	}
	dv := make([]driver.Value, reportColumns)
	for i, v := range vals {
		dv[i] = v
	}
	return decodeReportAttempt(dv)
}

// reportReaders is the most queries EachReportAttempt runs at once.
const reportReaders = 4

// reportBatch is how many attempts a reader hands over at a time.
const reportBatch = 512

// reportParallelMax is the most attempts EachReportAttempt reads with
// several queries: all but the first query's attempts wait in memory
// (about 200 bytes each) until the fold reaches them.
const reportParallelMax = 200000

// EachReportAttempt calls fn with every attempt of an assignment, reading
// them without holding them all in memory: the dashboard folds a whole
// assignment (thousands of learners, tens of thousands of attempts) in one
// pass this way. Attempts come in id order (so each learner's in the
// order they were recorded). To use the cores, an assignment of up to
// reportParallelMax attempts is read as up to reportReaders consecutive id
// ranges by concurrent queries; the first range streams to fn while the
// others are held until it is done. fn is called from the caller's
// goroutine only, one attempt at a time. An error from fn stops the
// reading and is returned.
func (s *Store) EachReportAttempt(ctx context.Context, assignmentID int64, fn func(ReportAttempt) error) error {
	return s.eachReportAttempt(ctx, assignmentID, reportBatch, fn)
}

// eachReportAttempt is EachReportAttempt with readers handing over batches
// of size attempts.
func (s *Store) eachReportAttempt(ctx context.Context, assignmentID int64, size int, fn func(ReportAttempt) error) error {
	var count, lo, hi int64
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM attempts WHERE assignment_id = $1`,
		assignmentID).Scan(&count, &lo, &hi); err != nil {
		return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
	}
	n := int64(max(1, min(runtime.GOMAXPROCS(0), reportReaders)))
	if count < 4*int64(size) || count > reportParallelMax {
		n = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the readers when fn fails
	type batch struct {
		rows []ReportAttempt
		err  error
	}
	// Range j is (bound[j], bound[j+1]]; the last is open, so attempts
	// committed since the bounds were read are read too.
	bound := make([]int64, n+1)
	for j := range n {
		bound[j] = lo - 1 + (hi-lo+1)*j/n
	}
	bound[n] = math.MaxInt64
	chans := make([]chan batch, n)
	for j := range n {
		// The first range streams; the others are held whole.
		buf := 2
		if j > 0 {
			buf = int(count/n)/size + 2
		}
		ch := make(chan batch, buf)
		chans[j] = ch
		go func() {
			defer close(ch)
			err := s.readReportAttempts(ctx, assignmentID, bound[j], bound[j+1], size, func(rows []ReportAttempt) bool {
				select {
				case ch <- batch{rows: rows}:
					return true
				case <-ctx.Done():
					return false
				}
			})
			if err != nil {
				select {
				case ch <- batch{err: err}:
				case <-ctx.Done():
				}
			}
		}()
	}
	for _, ch := range chans {
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
	}
	// A reader stopped by a cancelled context sends nothing; say why.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
	}
	return nil
}

// readReportAttempts reads the attempts with ids in (after, upTo], in id
// order, handing them to emit in batches; emit returns false to stop. It
// reads the driver's values directly (sql.Conn.Raw): database/sql's
// conversion of each column into a Scan destination was a sixth of a
// large dashboard's CPU.
func (s *Store) readReportAttempts(ctx context.Context, assignmentID, after, upTo int64, size int, emit func([]ReportAttempt) bool) error {
	wrap := func(err error) error {
		return fmt.Errorf("attempts of assignment %d: %w", assignmentID, err)
	}
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return wrap(err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return wrap(fmt.Errorf("driver %T cannot query", dc))
		}
		rows, err := q.QueryContext(ctx, reportAttemptSelect+` WHERE assignment_id = $1 AND id > $2 AND id <= $3 ORDER BY id`,
			[]driver.NamedValue{{Ordinal: 1, Value: assignmentID}, {Ordinal: 2, Value: after}, {Ordinal: 3, Value: upTo}})
		if err != nil {
			return wrap(err)
		}
		defer rows.Close()
		dest := make([]driver.Value, len(rows.Columns()))
		if len(dest) != reportColumns {
			return wrap(fmt.Errorf("%d columns, want %d", len(dest), reportColumns))
		}
		buf := make([]ReportAttempt, 0, size)
		for {
			if err := rows.Next(dest); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return wrap(err)
			}
			a, err := decodeReportAttempt(dest)
			if err != nil {
				return wrap(err)
			}
			if buf = append(buf, a); len(buf) == size {
				if !emit(buf) {
					return nil
				}
				buf = make([]ReportAttempt, 0, size)
			}
		}
		if len(buf) > 0 {
			emit(buf)
		}
		return nil
	})
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
	// Not bound to ctx (its queries are): the deferred Rollback, not a
	// goroutine of database/sql's, ends it before this returns (see inTx).
	tx, err := s.read.BeginTx(context.WithoutCancel(ctx), opts)
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

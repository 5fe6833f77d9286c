package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// A group-commit batch on PostgreSQL in three statements, whatever its
// size (issue 14 §3).
//
// Recording attempt by attempt took five round trips each: a savepoint
// (a failed statement aborts a PostgreSQL transaction, so each attempt
// had to be undoable alone), the learner's row lock, the lookup, the
// insert and the release; at a room's 333 answers a second that was most
// of the ~3 ms of PostgreSQL CPU per answer that saturated two cores
// (BENCHMARKS.md, "Live sessions on two PostgreSQL replicas"). Now a batch
// is:
//
//  1. one statement locking every learner of the batch (FOR UPDATE, in id
//     order, so concurrent batches here or on another replica cannot
//     deadlock), which also reads their courses;
//  2. one lookup, after the locks (so, in read committed, with a snapshot
//     that sees every earlier attempt of these learners): per attempt, the
//     earlier record of its idempotency key, the item's assignment in the
//     learner's course, its limit and due date, and the attempts already
//     made at the part;
//  3. the decisions in Go, in submission order, exactly as recordInTx
//     makes them one at a time (a key twice in the batch is recorded once;
//     an attempt counts towards the limit of the later ones), and one
//     multi-row INSERT of every accepted attempt.
//
// Refusals (the limit, an unknown learner or item) are decided before
// anything is written, so they need no savepoint. The insert can still
// fail on its own constraints (a live session or assignment deleted
// meanwhile: a foreign key); that aborts the transaction, and then each
// attempt of the batch is recorded again in its own transaction
// (attemptWriter.run), so one bad attempt fails alone, as before, at the
// price of a slow path that a consistent database rarely takes. Nothing
// is acknowledged before its transaction committed.

// Batch statements (PostgreSQL), prepared by attemptStatements.
const (
	lockLearnersSQL = `SELECT id, course_id FROM learners WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`

	lookupBatchSQL = `SELECT
	  (SELECT t.id FROM attempts t WHERE t.learner_id = x.l AND t.idempotency_key = x.k),
	  a.id, a.attempts_allowed, a.due_at,
	  (SELECT COUNT(*) FROM attempts t WHERE t.learner_id = x.l AND t.item_id = x.i AND t.part = x.p)
	FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bigint[]) WITH ORDINALITY AS x(l, k, i, p, c, n)
	LEFT JOIN assignment_items it ON it.id = x.i
	LEFT JOIN assignments a ON a.id = it.assignment_id AND a.course_id = x.c
	ORDER BY x.n`

	// 0 stands for NULL in the id columns (no id is 0) and -1 in
	// elapsed_ms (validate refuses a negative elapsed time).
	insertBatchSQL = `INSERT INTO attempts (learner_id, assignment_id, item_id, exercise_id, exercise_version, seed, part, answer,
	   read_as, verdict, diagnosis_code, diagnosis_message, score, hints_opened, elapsed_ms, late, source,
	   live_session_id, idempotency_key, created_at)
	 SELECT l, NULLIF(asg, 0), NULLIF(it, 0), ex, ver, seed, part, ans, ra, vd, dc, dm, sc, hi, NULLIF(el, -1), late, src,
	   NULLIF(ls, 0), k, $20
	 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],
	   $9::text[], $10::text[], $11::text[], $12::text[], $13::float8[], $14::bigint[], $15::bigint[], $16::bigint[], $17::text[],
	   $18::bigint[], $19::text[]) WITH ORDINALITY
	   AS u(l, asg, it, ex, ver, seed, part, ans, ra, vd, dc, dm, sc, hi, el, late, src, ls, k, n)
	 ORDER BY n
	 RETURNING id, learner_id, idempotency_key`
)

// recordBatch records a validated batch inside tx on PostgreSQL (see the
// comment above) and returns each attempt's outcome, in order. An error
// means the transaction is unusable and nothing of the batch may commit.
func (s *Store) recordBatch(ctx context.Context, tx *sql.Tx, st *attemptStmts, nas []NewAttempt) ([]attemptResult, error) {
	n := len(nas)
	learnerIDs := make([]int64, 0, n)
	for _, na := range nas {
		learnerIDs = append(learnerIDs, na.LearnerID)
	}
	courses := make(map[int64]int64, n)
	rows, err := tx.StmtContext(ctx, st.lockAll).QueryContext(ctx, learnerIDs)
	if err != nil {
		return nil, fmt.Errorf("lock learners: %w", err)
	}
	for rows.Next() {
		var id, course int64
		if err := rows.Scan(&id, &course); err != nil {
			rows.Close()
			return nil, fmt.Errorf("lock learners: %w", err)
		}
		courses[id] = course
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock learners: %w", err)
	}

	keys, items, parts, courseIDs := make([]string, n), make([]int64, n), make([]string, n), make([]int64, n)
	for i, na := range nas {
		keys[i], items[i], parts[i], courseIDs[i] = na.IdempotencyKey, na.ItemID, na.Part, courses[na.LearnerID]
	}
	type found struct {
		prevID, assignmentID, allowed, due sql.NullInt64
		used                               int64
	}
	look := make([]found, 0, n)
	rows, err = tx.StmtContext(ctx, st.lookupAll).QueryContext(ctx, learnerIDs, keys, items, parts, courseIDs)
	if err != nil {
		return nil, fmt.Errorf("look up attempts: %w", err)
	}
	for rows.Next() {
		var f found
		if err := rows.Scan(&f.prevID, &f.assignmentID, &f.allowed, &f.due, &f.used); err != nil {
			rows.Close()
			return nil, fmt.Errorf("look up attempts: %w", err)
		}
		look = append(look, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up attempts: %w", err)
	}
	if len(look) != n {
		return nil, fmt.Errorf("look up attempts: %d rows for %d attempts", len(look), n)
	}

	// The decisions, in order, as recordInTx makes them one at a time.
	type learnerKey struct {
		learner int64
		key     string
	}
	type partKey struct {
		learner, item int64
		part          string
	}
	now := s.now()
	results := make([]attemptResult, n)
	inserted := make([]int, 0, n)   // indexes of the attempts to insert
	firstOf := map[learnerKey]int{} // a key's first accepted attempt in the batch
	sameAs := make([]int, n)        // for a repeated key: that attempt's index, else -1
	madeHere := map[partKey]int64{} // attempts accepted in this batch per part
	var prevIDs []int64             // earlier records to read
	prevOf := make(map[int64][]int) // earlier record id -> attempts that repeat its key
	for i, na := range nas {
		sameAs[i] = -1
		f := look[i]
		if _, ok := courses[na.LearnerID]; !ok {
			results[i].err = fmt.Errorf("learner %d: %w", na.LearnerID, ErrNotFound)
			continue
		}
		if f.prevID.Valid {
			if len(prevOf[f.prevID.Int64]) == 0 {
				prevIDs = append(prevIDs, f.prevID.Int64)
			}
			prevOf[f.prevID.Int64] = append(prevOf[f.prevID.Int64], i)
			continue
		}
		lk := learnerKey{na.LearnerID, na.IdempotencyKey}
		if j, ok := firstOf[lk]; ok {
			sameAs[i] = j
			continue
		}
		var late bool
		if na.ItemID != 0 {
			if !f.assignmentID.Valid {
				results[i].err = fmt.Errorf("item %d in the course of learner %d: %w", na.ItemID, na.LearnerID, ErrNotFound)
				continue
			}
			pk := partKey{na.LearnerID, na.ItemID, na.Part}
			if used := f.used + madeHere[pk]; f.allowed.Int64 > 0 && used >= f.allowed.Int64 {
				results[i].err = fmt.Errorf("%w: %d of %d attempts used for part %s", ErrAttemptLimit, used, f.allowed.Int64, na.Part)
				continue
			}
			madeHere[pk]++
			late = f.due.Valid && ms(now) > f.due.Int64
		}
		a := Attempt{LearnerID: na.LearnerID, AssignmentID: f.assignmentID.Int64, ItemID: na.ItemID,
			NewAttempt: na, Late: late, CreatedAt: fromMS(ms(now))}
		if na.Elapsed != nil {
			d := time.Duration(na.Elapsed.Milliseconds()) * time.Millisecond // stored in whole milliseconds
			a.Elapsed = &d
		}
		results[i] = attemptResult{a: a, created: true}
		firstOf[lk] = i
		inserted = append(inserted, i)
	}

	if len(inserted) > 0 {
		if err := s.insertBatch(ctx, tx, st, nas, results, inserted, ms(now)); err != nil {
			return nil, err
		}
	}
	for i, j := range sameAs {
		if j >= 0 {
			results[i] = attemptResult{a: results[j].a} // recorded earlier in this batch
		}
	}
	for _, id := range prevIDs {
		prev, err := scanAttempt(tx.StmtContext(ctx, st.byID).QueryRowContext(ctx, id))
		if err != nil {
			return nil, fmt.Errorf("attempt %d: %w", id, err)
		}
		for _, i := range prevOf[id] {
			results[i] = attemptResult{a: prev}
		}
	}
	return results, nil
}

// insertBatch inserts the attempts nas[i] for i in idx in one statement and
// sets their ids in results.
func (s *Store) insertBatch(ctx context.Context, tx *sql.Tx, st *attemptStmts, nas []NewAttempt, results []attemptResult, idx []int, now int64) error {
	m := len(idx)
	var (
		learners, asgs, items, seeds, hints, elapsed, late, lives            = make([]int64, m), make([]int64, m), make([]int64, m), make([]int64, m), make([]int64, m), make([]int64, m), make([]int64, m), make([]int64, m)
		exs, vers, parts, answers, readAs, verdicts, codes, msgs, srcs, keys = make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]string, m)
		scores                                                               = make([]float64, m)
	)
	for j, i := range idx {
		na, a := nas[i], results[i].a
		learners[j], asgs[j], items[j], seeds[j], hints[j], late[j], lives[j] =
			na.LearnerID, a.AssignmentID, na.ItemID, na.Seed, int64(na.HintsOpened), int64(bit(a.Late)), na.LiveSessionID
		elapsed[j] = -1
		if na.Elapsed != nil {
			elapsed[j] = na.Elapsed.Milliseconds()
		}
		exs[j], vers[j], parts[j], answers[j], readAs[j] = na.ExerciseID, na.ExerciseVersion, na.Part, na.Answer, na.ReadAs
		verdicts[j], codes[j], msgs[j], srcs[j], keys[j] = na.Verdict, na.DiagnosisCode, na.DiagnosisMessage, string(na.Source), na.IdempotencyKey
		scores[j] = na.Score
	}
	rows, err := tx.StmtContext(ctx, st.insertAll).QueryContext(ctx, learners, asgs, items, exs, vers, seeds, parts, answers,
		readAs, verdicts, codes, msgs, scores, hints, elapsed, late, srcs, lives, keys, now)
	if err != nil {
		return fmt.Errorf("insert attempts: %w", classify(err))
	}
	// Matched by (learner, key), unique among the inserted attempts, so
	// the order of RETURNING does not matter.
	type learnerKey struct {
		learner int64
		key     string
	}
	at := make(map[learnerKey]int, m)
	for _, i := range idx {
		at[learnerKey{nas[i].LearnerID, nas[i].IdempotencyKey}] = i
	}
	got := 0
	for rows.Next() {
		var id, learner int64
		var key string
		if err := rows.Scan(&id, &learner, &key); err != nil {
			rows.Close()
			return fmt.Errorf("insert attempts: %w", err)
		}
		i, ok := at[learnerKey{learner, key}]
		if !ok {
			rows.Close()
			return fmt.Errorf("insert attempts: returned learner %d's key that was not inserted", learner)
		}
		results[i].a.ID = id
		got++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert attempts: %w", classify(err))
	}
	if got != m {
		return fmt.Errorf("insert attempts: %d ids for %d attempts", got, m)
	}
	return nil
}

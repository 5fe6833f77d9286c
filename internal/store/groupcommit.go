package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Group commit for RecordAttempt.
//
// A durable commit costs one fsync of the WAL (about 3.5 ms with SQLite's
// synchronous=FULL on the development machine), so one transaction per
// attempt caps a SQLite server near 300 attempts a second however many
// students submit. Instead, RecordAttempt hands its attempt to a writer
// goroutine, which takes every attempt waiting in the queue (up to
// maxBatch), records them in one transaction (a refused attempt writes
// nothing; on PostgreSQL the batch is three statements, attempts_batch.go)
// and commits once: one fsync
// acknowledges the whole batch. When the queue is empty the writer starts
// at once with the one attempt it has; there is no artificial delay, so an
// idle server answers as fast as before and a busy one batches by itself.
//
// Each caller gets its own result only after the batch committed. A caller
// whose context ends while its attempt still waits in the queue withdraws
// it and gets the context's error (nothing is recorded); once the writer
// has taken the attempt, the caller waits for the commit and reports what
// really happened, so an error never hides a recorded attempt and success
// never reports one that was not committed.

// Batch bounds. maxBatch bounds a transaction's length (and so the wait of
// the first attempt in it); queueLen bounds the memory of waiting attempts:
// beyond it callers block in RecordAttempt until the writer catches up (or
// their context ends).
const (
	maxBatch = 64
	queueLen = 1024
	// batchTimeout bounds one batch transaction, so a stuck database
	// connection cannot hold callers forever.
	batchTimeout = 30 * time.Second
)

// errClosed is returned by RecordAttempt after Close.
var errClosed = errors.New("the store is closed")

// Request states: a queued request is either taken by a writer or
// withdrawn by its caller, never both.
const (
	reqQueued int32 = iota
	reqTaken
	reqWithdrawn
)

type attemptRequest struct {
	ctx   context.Context
	na    NewAttempt
	state atomic.Int32
	done  chan attemptResult // buffered (1): a writer never blocks on it
	// more are the other attempts submitted in the same call (one check's
	// parts): they travel with this one, so one writer records them in
	// one batch. Apart, two writers took one learner's parts and the
	// second waited for the first's commit on the learner's row lock
	// (PostgreSQL), holding its own batch (BENCHMARKS.md, "Live sessions
	// on two PostgreSQL replicas").
	more []*attemptRequest
}

type attemptResult struct {
	a       Attempt
	created bool
	err     error
}

// attemptWriter batches RecordAttempt calls into shared transactions.
type attemptWriter struct {
	s    *Store
	reqs chan *attemptRequest
	// mu guards closed and the closing of reqs against concurrent sends.
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
	// batches and taken count committed-or-failed batches and the attempts
	// in them (AttemptBatchStats).
	batches, taken atomic.Int64
}

// AttemptBatchStats reports how many group-commit transactions recorded
// attempts so far and how many attempts they carried (refused ones
// included); attempts/batches is the mean batch size. Both are 0 when the
// store records each attempt in its own transaction.
func (s *Store) AttemptBatchStats() (batches, attempts int64) {
	if s.attempts == nil {
		return 0, 0
	}
	return s.attempts.batches.Load(), s.attempts.taken.Load()
}

// startAttemptWriter starts n writer goroutines. SQLite has one writer
// connection, so one goroutine; with PostgreSQL several writers each batch
// what they find and commit in parallel on the pool's connections.
func startAttemptWriter(s *Store, n int) *attemptWriter {
	w := &attemptWriter{s: s, reqs: make(chan *attemptRequest, queueLen)}
	w.wg.Add(n)
	for range n {
		go w.loop()
	}
	return w
}

// record queues na and waits for its batch's outcome.
func (w *attemptWriter) record(ctx context.Context, na NewAttempt) (Attempt, bool, error) {
	r, err := w.submit(ctx, na)
	if err != nil {
		return Attempt{}, false, err
	}
	res := r.wait(ctx)
	return res.a, res.created, res.err
}

// submit queues na for a batch and returns without waiting for it; the
// caller then waits with the request's wait. It blocks only while the
// queue is full (the writers are behind), until ctx ends.
func (w *attemptWriter) submit(ctx context.Context, na NewAttempt) (*attemptRequest, error) {
	rs, err := w.submitGroup(ctx, []NewAttempt{na})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// submitGroup queues nas (at least one) to be recorded in order in one
// batch, as submit does for one.
func (w *attemptWriter) submitGroup(ctx context.Context, nas []NewAttempt) ([]*attemptRequest, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rs := make([]*attemptRequest, len(nas))
	for i, na := range nas {
		rs[i] = &attemptRequest{ctx: ctx, na: na, done: make(chan attemptResult, 1)}
	}
	r := rs[0]
	r.more = rs[1:]
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, errClosed
	}
	// Close waits for this read lock; the writers keep draining reqs until
	// it is closed, so this send cannot block Close forever.
	select {
	case w.reqs <- r:
		return rs, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// wait returns the outcome of a submitted request once its batch committed
// or failed. When ctx ends while the request is still queued, it is
// withdrawn (nothing is recorded) and ctx's error returned; once a writer
// has taken it, wait reports what the transaction did, whatever ctx says.
func (r *attemptRequest) wait(ctx context.Context) attemptResult {
	select {
	case res := <-r.done:
		return res
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqWithdrawn) {
			return attemptResult{err: ctx.Err()}
		}
		// A writer has it: its transaction decides, and we report that.
		return <-r.done
	}
}

// close stops accepting attempts, lets the writers finish every queued one
// and waits for them.
func (w *attemptWriter) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.reqs)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

func (w *attemptWriter) loop() {
	defer w.wg.Done()
	batch := make([]*attemptRequest, 0, maxBatch)
	for {
		r, ok := <-w.reqs
		if !ok {
			return
		}
		batch = append(append(batch[:0], r), r.more...)
	fill:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break fill
				}
				batch = append(append(batch, r), r.more...)
			default:
				break fill
			}
		}
		w.run(batch)
		clear(batch) // drop references to finished requests
	}
}

// refusedAttempt reports whether recordInTx's error refused the attempt
// alone: the attempt limit, a learner or item not found, a constraint of
// the schema. On SQLite these leave the transaction as it was.
func refusedAttempt(err error) bool {
	return errors.Is(err, ErrAttemptLimit) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalid)
}

// commitBatch records taken in one transaction and returns each one's outcome;
// an error means nothing of the batch was committed.
func (w *attemptWriter) commitBatch(taken []*attemptRequest) ([]attemptResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	st, err := w.s.attemptStatements(ctx)
	if err != nil {
		return nil, err
	}
	var results []attemptResult
	w.s.writeGate.acquire(false) // after any waiting live update (writegate.go)
	defer w.s.writeGate.release()
	err = w.s.inTx(ctx, func(tx *sql.Tx) error {
		if st.insertAll != nil {
			// PostgreSQL: the whole batch in three statements.
			nas := make([]NewAttempt, len(taken))
			for i, r := range taken {
				nas[i] = r.na
			}
			var err error
			if results, err = w.s.recordBatch(ctx, tx, st, nas); err != nil {
				return err
			}
		} else {
			// SQLite (attemptStmts): a refused attempt wrote nothing
			// and a constraint error undid its own statement, so the
			// batch goes on; any other error may have ended the
			// transaction: fail the batch.
			results = make([]attemptResult, len(taken))
			for i, r := range taken {
				a, created, err := w.s.recordInTx(ctx, tx, st, r.na)
				if err != nil && !refusedAttempt(err) {
					return err
				}
				results[i] = attemptResult{a: a, created: created, err: err}
			}
		}
		if w.s.beforeCommit != nil {
			w.s.beforeCommit()
		}
		if w.s.batchHook != nil {
			return w.s.batchHook(tx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// attemptsOwnFault reports whether a batch's error may be one attempt's
// fault: a refusal (refusedAttempt) or a statement PostgreSQL rejected for
// its data (SQLSTATE class 22) or a constraint (class 23).
func attemptsOwnFault(err error) bool {
	var pe *pgconn.PgError
	return refusedAttempt(err) || errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23"))
}

// run records one batch in one transaction and answers every request in it.
func (w *attemptWriter) run(batch []*attemptRequest) {
	taken := batch[:0]
	for _, r := range batch {
		if !r.state.CompareAndSwap(reqQueued, reqTaken) {
			continue // withdrawn by its caller
		}
		if err := r.ctx.Err(); err != nil {
			r.done <- attemptResult{err: err}
			continue
		}
		taken = append(taken, r)
	}
	if len(taken) == 0 {
		return
	}
	w.batches.Add(1)
	w.taken.Add(int64(len(taken)))
	// One learner's attempts keep their order (the sort is stable); across
	// learners, ascending learner ids mean every batch locks learner rows
	// (PostgreSQL's FOR UPDATE) in the same order, so concurrent batches,
	// here or on another replica, cannot deadlock.
	slices.SortStableFunc(taken, func(a, b *attemptRequest) int { return cmp.Compare(a.na.LearnerID, b.na.LearnerID) })
	results, err := w.commitBatch(taken)
	if err != nil && len(taken) > 1 && attemptsOwnFault(err) {
		// PostgreSQL: an attempt's insert failed on a constraint (a live
		// session or assignment deleted meanwhile) or its data (a NUL
		// byte in a text), which aborts the transaction, and the batch's
		// one INSERT does not say whose it was. Nothing was committed:
		// record each attempt alone, so only the failing one fails
		// (attempts_batch.go). Other errors (the connection, the
		// timeout) fail the whole batch.
		results = make([]attemptResult, len(taken))
		for i := range taken {
			res, err := w.commitBatch(taken[i : i+1])
			if err != nil {
				results[i] = attemptResult{err: err}
				continue
			}
			results[i] = res[0]
		}
		err = nil
	}
	if err == nil {
		// Before anyone is answered, so a learner's next check reads
		// what this one recorded.
		var created []Attempt
		for _, res := range results {
			if res.err == nil && res.created {
				created = append(created, res.a)
			}
		}
		w.s.itemCache.noteCommitted(created)
	}
	for i, r := range taken {
		if err != nil {
			// Nothing of the batch was committed.
			r.done <- attemptResult{err: err}
			continue
		}
		r.done <- results[i]
	}
}

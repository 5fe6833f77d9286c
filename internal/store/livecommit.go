package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Group commit for live sessions' state (issue 14, the instructor's
// controls and drives).
//
// Every control is a transaction on its session's row, and a durable
// commit costs an fsync: on SQLite, with one writer connection, 50
// instructors pressing at once (cmd/liveload's rooms keep a common pace)
// wait for 50 fsyncs in a row, and the last room's students hear of it
// 100–450 ms later although the server is nearly idle (BENCHMARKS.md, "Live
// fan-out, second pass"). So, as for attempts (groupcommit.go), a writer
// goroutine takes every update waiting (up to maxBatch), runs each inside
// a savepoint of one transaction, in ascending session order (PostgreSQL
// row locks: concurrent batches, here or on another replica, cannot
// deadlock; one session's updates keep their order), and commits once.
// There is no artificial delay: an idle server commits a lone update at
// once.
//
// On PostgreSQL an update may carry its NOTIFY payload (UpdateLiveStateNotify):
// the notification is then sent in the same transaction, so it costs no
// second round trip and no second commit (a NOTIFY needs a transaction id,
// hence a commit record and an fsync of its own), and it is delivered
// exactly when the change commits (never a change without its notice).

// liveUpdateWriters is the number of writer goroutines: SQLite has one
// writer connection; PostgreSQL two, each batching on its own connection.
func liveUpdateWriters(d dialect) int {
	if d.name == "postgres" {
		return 2
	}
	return 1
}

type liveUpdateRequest struct {
	ctx    context.Context
	id     int64
	fn     func(*LiveState) bool
	notify func(LiveState) string
	state  atomic.Int32
	done   chan liveUpdateResult // buffered (1)
}

type liveUpdateResult struct {
	st      LiveState
	changed bool
	err     error
}

// liveWriter batches UpdateLiveState calls into shared transactions.
type liveWriter struct {
	s      *Store
	reqs   chan *liveUpdateRequest
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
	// batches and taken count transactions and the updates in them
	// (LiveUpdateBatchStats).
	batches, taken atomic.Int64
}

// LiveUpdateBatchStats reports how many transactions applied live state
// updates so far and how many updates they carried.
func (s *Store) LiveUpdateBatchStats() (batches, updates int64) {
	w := s.liveWriterOnce()
	return w.batches.Load(), w.taken.Load()
}

// liveWriterOnce starts the writer on first use (a store that never runs
// a live session starts no goroutine).
func (s *Store) liveWriterOnce() *liveWriter {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	if s.liveW == nil {
		w := &liveWriter{s: s, reqs: make(chan *liveUpdateRequest, queueLen)}
		n := liveUpdateWriters(s.dialect)
		w.wg.Add(n)
		for range n {
			go w.loop()
		}
		s.liveW = w
	}
	return s.liveW
}

// closeLiveWriter stops the writer (Close), after every queued update.
func (s *Store) closeLiveWriter() {
	s.liveMu.Lock()
	w := s.liveW
	s.liveMu.Unlock()
	if w == nil {
		return
	}
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.reqs)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// update queues one update and waits for its batch's outcome. A caller
// whose ctx ends while the update still waits withdraws it (nothing is
// changed); once taken, it reports what the transaction did.
func (w *liveWriter) update(ctx context.Context, id int64, fn func(*LiveState) bool, notify func(LiveState) string) (LiveState, bool, error) {
	if err := ctx.Err(); err != nil {
		return LiveState{}, false, err
	}
	r := &liveUpdateRequest{ctx: ctx, id: id, fn: fn, notify: notify, done: make(chan liveUpdateResult, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return LiveState{}, false, errClosed
	}
	select {
	case w.reqs <- r:
	case <-ctx.Done():
		w.mu.RUnlock()
		return LiveState{}, false, ctx.Err()
	}
	w.mu.RUnlock()
	var res liveUpdateResult
	select {
	case res = <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqWithdrawn) {
			return LiveState{}, false, ctx.Err()
		}
		res = <-r.done
	}
	return res.st, res.changed, res.err
}

func (w *liveWriter) loop() {
	defer w.wg.Done()
	batch := make([]*liveUpdateRequest, 0, maxBatch)
	for {
		r, ok := <-w.reqs
		if !ok {
			return
		}
		batch = append(batch[:0], r)
	fill:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		w.run(batch)
		clear(batch)
	}
}

// run applies one batch in one transaction and answers every request.
func (w *liveWriter) run(batch []*liveUpdateRequest) {
	taken := batch[:0]
	for _, r := range batch {
		if !r.state.CompareAndSwap(reqQueued, reqTaken) {
			continue
		}
		if err := r.ctx.Err(); err != nil {
			r.done <- liveUpdateResult{err: err}
			continue
		}
		taken = append(taken, r)
	}
	if len(taken) == 0 {
		return
	}
	w.batches.Add(1)
	w.taken.Add(int64(len(taken)))
	slices.SortStableFunc(taken, func(a, b *liveUpdateRequest) int { return cmp.Compare(a.id, b.id) })
	results := make([]liveUpdateResult, len(taken))
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	w.s.writeGate.acquire(true) // before the attempt writer (writegate.go)
	defer w.s.writeGate.release()
	err := w.s.inTx(ctx, func(tx *sql.Tx) error {
		for i, r := range taken {
			if len(taken) == 1 {
				// A lone update needs no savepoint: its failure is the
				// transaction's.
				st, changed, err := w.s.updateLiveStateTx(ctx, tx, r.id, r.fn, r.notify)
				results[i] = liveUpdateResult{st: st, changed: changed, err: err}
				if err != nil {
					return errLoneFailed
				}
				return nil
			}
			if _, err := tx.ExecContext(ctx, `SAVEPOINT live_update`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			st, changed, err := w.s.updateLiveStateTx(ctx, tx, r.id, r.fn, r.notify)
			if err != nil {
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT live_update`); rerr != nil {
					return fmt.Errorf("roll back live update after %v: %w", err, rerr)
				}
			}
			if _, rerr := tx.ExecContext(ctx, `RELEASE SAVEPOINT live_update`); rerr != nil {
				return fmt.Errorf("release savepoint: %w", rerr)
			}
			results[i] = liveUpdateResult{st: st, changed: changed, err: err}
		}
		return nil
	})
	for i, r := range taken {
		switch {
		case errors.Is(err, errLoneFailed):
			// results[i] holds the update's own error.
		case err != nil:
			results[i] = liveUpdateResult{err: err}
		}
		if results[i].err != nil {
			results[i] = liveUpdateResult{err: fmt.Errorf("update live session %d: %w", r.id, results[i].err)}
		}
		r.done <- results[i]
	}
}

// errLoneFailed rolls back a batch of one whose update failed.
var errLoneFailed = errors.New("live update failed")

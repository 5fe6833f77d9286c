package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Batched per-learner reads, for PostgreSQL (issue 14, two replicas):
// pagereads.go's "has this learner attempted the question?" of every
// student page, answerreads.go's "this learner's attempts at the question"
// of every live answer, and the learner row itself when the check cache
// misses (checkcache.go: a room that joined together expires together).
//
// A room of 200 fetches its pages, or answers, at nearly the same moment,
// and one query per student held one connection each of a pool of 8:
// database/sql hands a freed connection to a random waiter, so commits and
// notice reloads waited among thousands of identical reads (BENCHMARKS.md
// "livepg": pages p99 16 s, answers p50 6 s). Here concurrent callers
// asking about the same item share one query (learner_id = ANY), and at
// most a quarter of the pool runs batched queries at once (every kind
// together), leaving the rest to commits and notices. There is no added
// delay: a lone caller's query runs at once; callers arriving while
// queries run join the next batch (group commit's pattern, groupcommit.go). A caller
// only ever joins a batch whose query has not started, so it sees every
// write committed before it asked. SQLite keeps exact lists in memory
// (attemptcache.go) and answers from them.

// maxItemBatch bounds the learners of one batched query (its ANY array); a
// fuller batch is closed and the next caller starts another.
const maxItemBatch = 1000

// itemBatchTimeout bounds one batched query: its callers may have gone
// (each waits on its own context), so it does not run on theirs.
const itemBatchTimeout = 30 * time.Second

// itemBatchKey is what the learners of one batch share (the learner
// reads' batches share nothing: their key is the zero key).
type itemBatchKey struct{ assignment, item int64 }

// itemBatches collects callers into batches per key and runs their
// queries, at most cap(slots) at once (slots may be shared between
// kinds). R is what a learner gets.
type itemBatches[R any] struct {
	what   string // names the read in errors
	slots  chan struct{}
	closed <-chan struct{}
	// query reads the results of learners ids; a learner it leaves out
	// gets R's zero value.
	query func(ctx context.Context, k itemBatchKey, ids []int64) (map[int64]R, error)

	mu      sync.Mutex
	pending map[itemBatchKey]*itemBatch[R]
	queries int64 // batched queries run (tests and benchmarks)
}

// itemBatch is one batched query: its learners and, once done is closed,
// the results or the error.
type itemBatch[R any] struct {
	learners map[int64]struct{}
	done     chan struct{}
	res      map[int64]R
	err      error
}

func newItemBatches[R any](what string, slots chan struct{}, closed <-chan struct{}, query func(context.Context, itemBatchKey, []int64) (map[int64]R, error)) *itemBatches[R] {
	return &itemBatches[R]{what: what, slots: slots, closed: closed, query: query, pending: map[itemBatchKey]*itemBatch[R]{}}
}

// itemBatchConns is how many batched queries may hold a connection at
// once: a quarter of the pool, at least one.
func itemBatchConns(maxConns int) int {
	return max(1, maxConns/4)
}

// get returns learner's result for k, from the next batched query.
func (bs *itemBatches[R]) get(ctx context.Context, k itemBatchKey, learner int64) (R, error) {
	bs.mu.Lock()
	b := bs.pending[k]
	if b == nil {
		b = &itemBatch[R]{learners: map[int64]struct{}{}, done: make(chan struct{})}
		bs.pending[k] = b
		go bs.run(k, b)
	}
	b.learners[learner] = struct{}{}
	if len(b.learners) >= maxItemBatch {
		delete(bs.pending, k)
	}
	bs.mu.Unlock()
	var zero R
	select {
	case <-b.done:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	if b.err != nil {
		return zero, b.err
	}
	return b.res[learner], nil // written before done was closed
}

// run waits for a slot, closes the batch to new callers and runs its
// query.
func (bs *itemBatches[R]) run(k itemBatchKey, b *itemBatch[R]) {
	defer close(b.done)
	select {
	case bs.slots <- struct{}{}:
	case <-bs.closed:
		b.err = fmt.Errorf("%s: the store is closed", bs.what)
		return
	}
	defer func() { <-bs.slots }()
	bs.mu.Lock()
	if bs.pending[k] == b {
		delete(bs.pending, k)
	}
	ids := make([]int64, 0, len(b.learners))
	for id := range b.learners {
		ids = append(ids, id)
	}
	bs.queries++
	bs.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), itemBatchTimeout)
	defer cancel()
	if b.res, b.err = bs.query(ctx, k, ids); b.err != nil {
		b.err = fmt.Errorf("%s: %w", bs.what, b.err)
	}
}

// waiting is how many learners wait in k's batch that has not started
// (tests).
func (bs *itemBatches[R]) waiting(k itemBatchKey) int {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if b := bs.pending[k]; b != nil {
		return len(b.learners)
	}
	return 0
}

// ran is how many batched queries ran (tests and benchmarks).
func (bs *itemBatches[R]) ran() int64 {
	if bs == nil {
		return 0
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.queries
}

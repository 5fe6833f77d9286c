package store

import (
	"context"
	"fmt"
	"time"
)

// Batched "has this learner any attempt at this item?" reads, for the live
// student page on PostgreSQL (issue 14, two replicas).
//
// On "next" or "unlock" every student of a room fetches their page at
// once, and each page first asks whether its learner has attempted the
// question (a learner who has not gets the room's cached page). Those
// fetches take no work slot (the page is cached), so 200 students × 10
// rooms were 2,000 concurrent reads, one connection each, on a pool of 8:
// database/sql hands a freed connection to a random waiter, so every
// answer's read, every group commit and every notice reload waited among
// thousands of page reads (BENCHMARKS.md "livepg": pages p99 16 s, answers
// p50 6 s). Here concurrent callers asking about the same item share one
// query (learner_id = ANY), and at most pageReadConns such queries run at
// once per store, leaving the rest of the pool to answers, commits and
// notices. There is no added delay: a lone caller's query runs at once;
// callers arriving while queries run join the next batch (group commit's
// pattern, groupcommit.go). SQLite keeps exact lists in memory
// (attemptcache.go) and answers from them.

// maxPageReadBatch bounds the learners of one batched query (its ANY
// array); a fuller batch is closed and the next caller starts another.
const maxPageReadBatch = 1000

// pageReadTimeout bounds one batched query: its callers may have gone
// (each waits on its own context), so it does not run on theirs.
const pageReadTimeout = 30 * time.Second

type pageReadKey struct{ assignment, item int64 }

// pageReadBatch is one batched query: the learners asked about and, once
// done is closed, the answer for each or the error.
type pageReadBatch struct {
	learners map[int64]bool // learner -> has an attempt (filled when done)
	done     chan struct{}
	err      error
}

// pageReads holds the batches collecting callers and the bound on the
// batched queries running.
type pageReads struct {
	slots   chan struct{}
	pending map[pageReadKey]*pageReadBatch
	// queries counts the batched queries run (tests and benchmarks).
	queries int64
}

// pageReadConns is how many batched page reads may hold a connection at
// once: a quarter of the pool, at least one.
func pageReadConns(maxConns int) int {
	return max(1, maxConns/4)
}

// HasItemAttempts reports whether the learner has any attempt at the
// assignment's item. Concurrent calls for the same item on PostgreSQL share
// one query, and these queries use at most a quarter of the pool (see
// above); on SQLite the answer comes from the item cache.
func (s *Store) HasItemAttempts(ctx context.Context, assignmentID, learnerID, itemID int64) (bool, error) {
	if s.itemCache != nil || s.pageReads == nil {
		atts, err := s.ItemAttempts(ctx, assignmentID, learnerID, itemID, maxCachedItemList)
		return len(atts) > 0, err
	}
	pr := s.pageReads
	k := pageReadKey{assignmentID, itemID}
	s.pageMu.Lock()
	b := pr.pending[k]
	if b == nil {
		b = &pageReadBatch{learners: map[int64]bool{}, done: make(chan struct{})}
		pr.pending[k] = b
		go s.runPageRead(k, b)
	}
	b.learners[learnerID] = false
	if len(b.learners) >= maxPageReadBatch {
		delete(pr.pending, k)
	}
	s.pageMu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if b.err != nil {
		return false, b.err
	}
	return b.learners[learnerID], nil // written before done was closed
}

// runPageRead waits for a slot, closes the batch to new callers and runs
// its query.
func (s *Store) runPageRead(k pageReadKey, b *pageReadBatch) {
	pr := s.pageReads
	defer close(b.done)
	select {
	case pr.slots <- struct{}{}:
	case <-s.closed:
		b.err = fmt.Errorf("attempts of item %d: the store is closed", k.item)
		return
	}
	defer func() { <-pr.slots }()
	s.pageMu.Lock()
	if pr.pending[k] == b {
		delete(pr.pending, k)
	}
	ids := make([]int64, 0, len(b.learners))
	for id := range b.learners {
		ids = append(ids, id)
	}
	pr.queries++
	s.pageMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), pageReadTimeout)
	defer cancel()
	// learner_id first: attempts_learner_item_part serves it; the unary
	// plus keeps the assignment's index out (as ListAttempts does).
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT learner_id FROM attempts
		WHERE learner_id = ANY($1) AND item_id = $2 AND +assignment_id = $3`, ids, k.item, k.assignment)
	if err != nil {
		b.err = fmt.Errorf("attempts of item %d: %w", k.item, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.err = fmt.Errorf("attempts of item %d: %w", k.item, err)
			return
		}
		b.learners[id] = true
	}
	if err := rows.Err(); err != nil {
		b.err = fmt.Errorf("attempts of item %d: %w", k.item, err)
	}
}

// PageReadQueries is how many batched page-read queries ran (tests and
// benchmarks: fewer than the callers means batching happened).
func (s *Store) PageReadQueries() int64 {
	if s.pageReads == nil {
		return 0
	}
	s.pageMu.Lock()
	defer s.pageMu.Unlock()
	return s.pageReads.queries
}

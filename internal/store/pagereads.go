package store

import (
	"context"
)

// Batched "has this learner any attempt at this item?" reads, for the live
// student page on PostgreSQL (itembatch.go). On "next" or "unlock" every
// student of a room fetches their page at once, and each page first asks
// whether its learner has attempted the question (a learner who has not
// gets the room's cached page); those fetches take no work slot.

func newPageReads(s *Store, slots chan struct{}) *itemBatches[bool] {
	return newItemBatches("has attempts", slots, s.closed, func(ctx context.Context, k itemBatchKey, ids []int64) (map[int64]bool, error) {
		// learner_id first: attempts_learner_item_part serves it; the
		// unary plus keeps the assignment's index out (as ListAttempts
		// does).
		rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT learner_id FROM attempts
			WHERE learner_id = ANY($1) AND item_id = $2 AND +assignment_id = $3`, ids, k.item, k.assignment)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		has := make(map[int64]bool, len(ids))
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			has[id] = true
		}
		return has, rows.Err()
	})
}

// HasItemAttempts reports whether the learner has any attempt at the
// assignment's item. Concurrent calls for the same item on PostgreSQL share
// one query (itembatch.go); on SQLite the answer comes from the item's
// set of learners who answered it (answered.go).
func (s *Store) HasItemAttempts(ctx context.Context, assignmentID, learnerID, itemID int64) (bool, error) {
	if s.itemCache != nil && itemID != 0 {
		return s.hasAnswered(ctx, assignmentID, learnerID, itemID)
	}
	if s.itemCache != nil || s.pageReads == nil {
		atts, err := s.ItemAttempts(ctx, assignmentID, learnerID, itemID, maxCachedItemList)
		return len(atts) > 0, err
	}
	return s.pageReads.get(ctx, itemBatchKey{assignmentID, itemID}, learnerID)
}

// PageReadQueries is how many batched page-read queries ran (tests and
// benchmarks: fewer than the callers means batching happened).
func (s *Store) PageReadQueries() int64 { return s.pageReads.ran() }

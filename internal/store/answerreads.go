package store

import (
	"context"
	"slices"
)

// Batched reads of a learner's attempts at one item, for every live answer
// and learner check on PostgreSQL (itembatch.go): a room answering within
// seconds read its attempts one query per student before recording. The
// query returns every attempt of the batch's learners at the item, so it
// is bounded: a batch with more than maxAnswerReadRows rows (a learner
// with hundreds of attempts) is read learner by learner instead.

// maxAnswerReadRows bounds the rows of one batched attempts query (the
// store's answerReadRows; tests lower it).
const maxAnswerReadRows = 4000

// batchedAttempts is a learner's attempts at the item, in id order; whole
// says they are all there (false: read them alone).
type batchedAttempts struct {
	list  []Attempt
	whole bool
}

func newAnswerReads(s *Store, slots chan struct{}) *itemBatches[batchedAttempts] {
	return newItemBatches("item attempts", slots, s.closed, func(ctx context.Context, k itemBatchKey, ids []int64) (map[int64]batchedAttempts, error) {
		// As ListAttempts: the learner's index drives the query, the
		// unary plus keeps the assignment's out.
		all, err := queryAll(ctx, s.read, "list attempts", scanAttempt, `SELECT `+attemptColumns+` FROM attempts
			WHERE learner_id = ANY($1) AND item_id = $2 AND +assignment_id = $3 ORDER BY id LIMIT $4`,
			ids, k.item, k.assignment, s.answerReadRows+1)
		if err != nil {
			return nil, err
		}
		if len(all) > s.answerReadRows {
			return nil, nil // every learner reads alone
		}
		res := make(map[int64]batchedAttempts, len(ids))
		for _, id := range ids {
			res[id] = batchedAttempts{whole: true}
		}
		for _, a := range all {
			r := res[a.LearnerID]
			r.list = append(r.list, a)
			res[a.LearnerID] = r
		}
		return res, nil
	})
}

// batchedItemAttempts is ItemAttempts from a batched query; ok false when
// the batch was too big and the caller must read alone.
func (s *Store) batchedItemAttempts(ctx context.Context, assignmentID, learnerID, itemID int64, max int) (list []Attempt, ok bool, err error) {
	r, err := s.answerReads.get(ctx, itemBatchKey{assignmentID, itemID}, learnerID)
	if err != nil || !r.whole {
		return nil, false, err
	}
	// A clone: two requests of one learner in a batch share the list.
	return slices.Clone(r.list[:min(len(r.list), max)]), true, nil
}

// AnswerReadQueries is how many batched attempts queries ran (tests and
// benchmarks).
func (s *Store) AnswerReadQueries() int64 { return s.answerReads.ran() }

package store

import (
	"context"
	"fmt"
)

// Who has answered an item, for SQLite: one set of learners per
// assignment item, kept beside the attempt lists (attemptcache.go).
//
// On "unlock" every student of a live room fetches their page at once,
// and each page first asks whether its learner has answered the question
// (HasItemAttempts). For a question just opened every learner's list
// misses, so a room made 200 reads at the same moment, queued on SQLite's
// few read connections: the pages' largest wait (BENCHMARKS.md, eleventh
// session). The set answers a whole room after one read of the item.
//
// It stays exact as the lists do: this store's writer is the only writer of
// attempts to its file, and after each commit it adds the learners it
// recorded to the sets it holds (noteCommitted), filled or being filled. A
// set is a union, so a learner both read by a fill and added by a commit
// during it is simply in it once: the read sees every commit before it
// started (it registers first), noteCommitted adds every commit after.
// Deleting a learner (the only way attempts disappear) empties the sets.

// maxAnsweredSets bounds the sets held; maxAnsweredLearners the learners
// in all of them (about 40 bytes each: 8 MiB). Past either bound every set
// is dropped and refills from a read.
const (
	maxAnsweredSets     = 20000
	maxAnsweredLearners = 200000
)

type itemOfAssignment struct{ item, assignment int64 }

type answeredSet struct {
	learners map[int64]struct{}
	// filled says a read of the item completed into the set; pending
	// counts the reads under way.
	filled  bool
	pending int
}

// hasAnswered reports whether the learner has an attempt at the
// assignment's item (not 0), from the item's set, filling it with one read
// shared by the callers that arrive meanwhile. A learner without one also
// gets an empty, filled attempt list (their next check then reads nothing).
func (s *Store) hasAnswered(ctx context.Context, assignmentID, learnerID, itemID int64) (bool, error) {
	c := s.itemCache
	k := itemOfAssignment{itemID, assignmentID}
	for try := 0; ; try++ {
		c.mu.Lock()
		if set := c.answered[k]; set != nil && set.filled {
			_, has := set.learners[learnerID]
			if !has {
				c.noteNoAttemptsLocked(itemKey{learnerID, itemID, assignmentID})
			}
			c.answeredHits++
			c.mu.Unlock()
			return has, nil
		}
		c.mu.Unlock()
		if try > 0 {
			// The fill was dropped as it ended (the sets were emptied):
			// the learner's own list answers.
			atts, err := s.ItemAttempts(ctx, assignmentID, learnerID, itemID, maxCachedItemList)
			return len(atts) > 0, err
		}
		if _, err := c.fills.Do(ctx, k, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, s.fillAnswered(ctx, k)
		}); err != nil {
			return false, err
		}
	}
}

// fillAnswered reads who has answered k into its set.
func (s *Store) fillAnswered(ctx context.Context, k itemOfAssignment) error {
	c := s.itemCache
	c.mu.Lock()
	set := c.answered[k]
	if set != nil && set.filled {
		c.mu.Unlock()
		return nil
	}
	if set == nil {
		if len(c.answered) >= maxAnsweredSets {
			c.emptyAnsweredLocked()
		}
		set = &answeredSet{learners: map[int64]struct{}{}}
		c.answered[k] = set
	}
	set.pending++
	c.answeredReads++
	c.mu.Unlock()

	ids, err := s.readAnswered(ctx, k)
	if c.afterRead != nil {
		c.afterRead()
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	set.pending--
	if c.answered[k] != set {
		return err // emptied meanwhile: the caller reads its own list
	}
	if err != nil {
		if set.pending == 0 && !set.filled {
			c.answeredSize -= len(set.learners)
			delete(c.answered, k)
		}
		return err
	}
	for _, id := range ids {
		c.addAnsweredLocked(set, id)
	}
	set.filled = true
	if c.answeredSize > maxAnsweredLearners {
		c.emptyAnsweredLocked()
	}
	return nil
}

// readAnswered lists the learners with an attempt at k.
func (s *Store) readAnswered(ctx context.Context, k itemOfAssignment) ([]int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT learner_id FROM attempts
		WHERE assignment_id = $1 AND item_id = $2`, k.assignment, k.item)
	if err != nil {
		return nil, fmt.Errorf("learners who answered item %d: %w", k.item, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("learners who answered item %d: %w", k.item, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("learners who answered item %d: %w", k.item, err)
	}
	return ids, nil
}

func (c *attemptCache) addAnsweredLocked(set *answeredSet, learnerID int64) {
	if _, ok := set.learners[learnerID]; !ok {
		set.learners[learnerID] = struct{}{}
		c.answeredSize++
	}
}

// noteAnsweredLocked adds a committed attempt's learner to its item's set,
// if one is held (filled or being filled).
func (c *attemptCache) noteAnsweredLocked(a *Attempt) {
	if set := c.answered[itemOfAssignment{a.ItemID, a.AssignmentID}]; set != nil {
		c.addAnsweredLocked(set, a.LearnerID)
	}
}

// noteNoAttemptsLocked records that k's learner has no attempt at the
// item (their item's set, exact, says so): an empty filled list, unless a
// list is held or being filled.
func (c *attemptCache) noteNoAttemptsLocked(k itemKey) {
	if _, ok := c.lists[k]; ok {
		return
	}
	if len(c.lists) >= maxCachedItemLists {
		c.emptyLocked()
	}
	c.lists[k] = &itemList{filled: true}
}

// emptyAnsweredLocked drops every set; fills under way keep nothing.
func (c *attemptCache) emptyAnsweredLocked() {
	c.answered = map[itemOfAssignment]*answeredSet{}
	c.answeredSize = 0
}

// AnsweredStats reports how often HasItemAttempts was answered from a set
// and how many reads filled one (tests and benchmarks; 0 on PostgreSQL).
func (s *Store) AnsweredStats() (hits, reads int64) {
	c := s.itemCache
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answeredHits, c.answeredReads
}

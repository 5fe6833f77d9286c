package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/stride-tutor/stride/internal/flight"
)

// A cache of each learner's attempts at an assignment item, for SQLite.
//
// Every recorded check first reads the learner's attempts at the item (to
// skip an unchanged answer and to predict the outcome, web/learn_record.go).
// On SQLite that read was a fifth of a check's CPU: each commit of the
// group-commit writer changes the database, so every read transaction
// starts with an emptied page cache and fetches its pages again. On SQLite
// this store's writer is the only writer of attempts to its file (one
// server per SQLite database, as deployed), so it can keep the lists exact:
// after each commit it appends the attempts it created to the lists it
// holds. Deleting a learner (the only way attempts disappear: ON DELETE
// CASCADE) empties the cache. On PostgreSQL other replicas record too, so
// there is no cache and every call reads the database.
//
// A list is filled from a database read. A commit that lands while such a
// read runs might be missing from it, so the fill registers first (pending)
// and a commit touching a pending key marks it dirty; a dirty read is
// returned but not kept.

// maxCachedItemLists bounds the cache (learner × item lists); when full it
// is emptied, and refills from reads. maxCachedItemList bounds one list: a
// learner with more attempts at an item is read from the database.
// maxCachedAttemptBytes bounds the memory of the attempts held (answers
// and messages may be long): beyond it the cache is emptied.
const (
	maxCachedItemLists    = 20000
	maxCachedItemList     = 200
	maxCachedAttemptBytes = 32 << 20
)

// attemptSize approximates an attempt's memory: the struct and its strings.
func attemptSize(a *Attempt) int {
	return 256 + len(a.ExerciseID) + len(a.ExerciseVersion) + len(a.Part) + len(a.Answer) + len(a.ReadAs) +
		len(a.Verdict) + len(a.DiagnosisCode) + len(a.DiagnosisMessage) + len(a.IdempotencyKey)
}

type itemKey struct{ learner, item, assignment int64 }

type itemList struct {
	attempts []Attempt
	filled   bool
	// pending counts reads filling this key; dirty says a commit touched
	// the key while one ran.
	pending int
	dirty   bool
	// bytes is attemptSize summed over attempts.
	bytes int
}

type attemptCache struct {
	mu    sync.Mutex
	lists map[itemKey]*itemList
	// bytes is the lists' bytes summed (maxCachedAttemptBytes).
	bytes int
	// hits and misses are for tests and benchmarks.
	hits, misses int64
	// afterRead, when set, runs between a miss's database read and the
	// fill (tests: a commit in that gap).
	afterRead func()

	// answered holds who has answered each item (answered.go), with the
	// learners in all sets, the fills in flight and, for tests, the sets'
	// hits and reads.
	answered                    map[itemOfAssignment]*answeredSet
	answeredSize                int
	fills                       flight.Group[itemOfAssignment, struct{}]
	answeredHits, answeredReads int64
}

// ItemAttempts returns up to max of a learner's attempts at an assignment
// item (itemID not 0), in recorded order: ListAttempts with those filters,
// paged. On SQLite it is served from memory after the first read (see
// attemptcache.go); on PostgreSQL concurrent calls for one item share a
// query (answerreads.go). The caller owns the returned slice.
func (s *Store) ItemAttempts(ctx context.Context, assignmentID, learnerID, itemID int64, max int) ([]Attempt, error) {
	c := s.itemCache
	if c == nil || itemID == 0 {
		if s.answerReads != nil && itemID != 0 && max > 0 {
			list, ok, err := s.batchedItemAttempts(ctx, assignmentID, learnerID, itemID, max)
			if err != nil || ok {
				return list, err
			}
		}
		return s.listItemAttempts(ctx, assignmentID, learnerID, itemID, max)
	}
	k := itemKey{learnerID, itemID, assignmentID}
	c.mu.Lock()
	l := c.lists[k]
	if l != nil && l.filled && len(l.attempts) < max {
		c.hits++
		out := slices.Clone(l.attempts)
		c.mu.Unlock()
		return out, nil
	}
	c.misses++
	if l == nil {
		if len(c.lists) >= maxCachedItemLists {
			c.emptyLocked()
		}
		l = &itemList{}
		c.lists[k] = l
	}
	l.pending++
	c.mu.Unlock()
	out, err := s.listItemAttempts(ctx, assignmentID, learnerID, itemID, max)
	if c.afterRead != nil {
		c.afterRead()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l.pending--
	// l may have left the map meanwhile (the cache was emptied): then it
	// is simply forgotten.
	if err == nil && !l.dirty && !l.filled && len(out) < min(max, maxCachedItemList) && c.lists[k] == l {
		l.attempts, l.filled = slices.Clone(out), true
		for i := range out {
			l.bytes += attemptSize(&out[i])
		}
		c.bytes += l.bytes
		if c.bytes > maxCachedAttemptBytes {
			c.emptyLocked()
		}
	}
	if l.pending == 0 {
		l.dirty = false
		if !l.filled && c.lists[k] == l {
			delete(c.lists, k)
		}
	}
	return out, err
}

// listItemAttempts pages ListAttempts for ItemAttempts.
func (s *Store) listItemAttempts(ctx context.Context, assignmentID, learnerID, itemID int64, max int) ([]Attempt, error) {
	var out []Attempt
	f := AttemptFilter{AssignmentID: assignmentID, LearnerID: learnerID, ItemID: itemID}
	for len(out) < max {
		f.Limit = min(MaxListAttempts, max-len(out))
		page, err := s.ListAttempts(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("attempts of learner %d at item %d: %w", learnerID, itemID, err)
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			break
		}
		f.AfterID = page[len(page)-1].ID
	}
	return out, nil
}

// noteCommitted adds attempts a transaction created, once it committed, to
// the lists the cache holds, and marks keys being filled as dirty.
func (c *attemptCache) noteCommitted(created []Attempt) {
	if c == nil || len(created) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range created {
		if a.ItemID == 0 {
			continue
		}
		c.noteAnsweredLocked(&a)
		k := itemKey{a.LearnerID, a.ItemID, a.AssignmentID}
		l := c.lists[k]
		if l == nil {
			continue
		}
		if l.pending > 0 {
			l.dirty = true
		}
		if l.filled {
			l.attempts = append(l.attempts, a)
			n := attemptSize(&a)
			l.bytes += n
			c.bytes += n
			if len(l.attempts) >= maxCachedItemList {
				c.bytes -= l.bytes
				l.attempts, l.filled, l.bytes = nil, false, 0
				if l.pending == 0 {
					delete(c.lists, k)
				}
			}
		}
	}
	if c.bytes > maxCachedAttemptBytes {
		c.emptyLocked()
	}
}

// forget empties the cache (a learner and their attempts were deleted).
func (c *attemptCache) forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emptyLocked()
	c.emptyAnsweredLocked()
}

// emptyLocked drops every list; reads under way fill nothing (their list
// is no longer in the map).
func (c *attemptCache) emptyLocked() {
	c.lists = map[itemKey]*itemList{}
	c.bytes = 0
}

// stats reports the cache's hits and misses so far.
func (c *attemptCache) stats() (hits, misses int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

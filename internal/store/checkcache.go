package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// A read-through cache of the rows every recorded check reads before it
// records anything: the item's assignment (with its items) and the learner.
// Reading them was three statements per check (a tenth of a check's CPU on
// SQLite, BENCHMARKS.md), while they change a few times a term.
//
// Freshness: this store's own writes (UpdateAssignment, SetAssignmentShareToken,
// DeleteLearner, ImportRoster, the LTI learner refresh) drop the entries
// they change at once, so on SQLite (one server) and on the replica that
// made the change the next check sees it. Another replica sharing a
// PostgreSQL database sees a change within AssignmentCacheTTL (settings) or
// LearnerCacheTTL (a learner's name). What a stale entry can do is bounded
// by the store itself: the attempt limit, the lateness of an attempt and
// the learner's existence are decided again inside the recording
// transaction (recordInTx), from the database, whatever the cache says. So
// staleness can only show, for at most the TTL, a policy the instructor
// just changed (feedback or solutions shown one check more), or let a
// learner deleted on another replica get a check refused at commit
// (ErrNotFound) instead of before it. Items never change once created.
const (
	AssignmentCacheTTL = 2 * time.Second
	LearnerCacheTTL    = 30 * time.Second
)

// Bounds of the cache: when a map is full it is emptied (the next reads
// fill it again), so memory stays bounded whatever the number of courses.
const (
	maxCachedAssignments = 1024
	maxCachedLearners    = 50000
)

type cachedAssignment struct {
	a  Assignment
	at time.Time
}

type cachedLearner struct {
	l  Learner
	at time.Time
}

type checkCache struct {
	mu sync.Mutex
	// gen counts invalidations: a read that started before one does not
	// store what it read (it may be the old row).
	gen         uint64
	assignments map[int64]cachedAssignment
	learners    map[int64]cachedLearner
	// hits and misses are for tests and benchmarks.
	hits, misses int64
	// now is the clock entries age by: time.Now, or a test's.
	now func() time.Time
	// afterRead, when set, runs between a miss's database read and the
	// fill (tests: an edit in that gap), in the caller that reads (the
	// others share its read).
	afterRead func()
}

func (c *checkCache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// CachedAssignment is GetAssignment served from a cache: this store's own
// changes are seen at once, another replica's within AssignmentCacheTTL
// (see checkcache.go for why that is safe on the check path). The
// returned assignment is the caller's (its items are a copy).
func (s *Store) CachedAssignment(ctx context.Context, id int64) (Assignment, error) {
	c := &s.cache
	c.mu.Lock()
	e, ok := c.assignments[id]
	if ok && c.clock().Sub(e.at) < AssignmentCacheTTL {
		c.hits++
		c.mu.Unlock()
		return cloneAssignment(e.a), nil
	}
	c.misses++
	gen := c.gen
	c.mu.Unlock()
	start := c.clock()
	// Concurrent misses of one assignment at one generation share a read
	// (internal/flight): a read that started before an invalidation is joined
	// only by callers that also started before it.
	a, err := s.assignmentReads.Do(ctx, assignmentRead{id, gen}, func(ctx context.Context) (Assignment, error) {
		a, err := s.GetAssignment(ctx, id)
		if err == nil && c.afterRead != nil {
			c.afterRead()
		}
		return a, err
	})
	if err != nil {
		return Assignment{}, err
	}
	a = cloneAssignment(a) // shared with the other waiters
	c.mu.Lock()
	if c.gen == gen {
		if c.assignments == nil || len(c.assignments) >= maxCachedAssignments {
			c.assignments = map[int64]cachedAssignment{}
		}
		// Aged from before the read, so an entry never outlives the TTL
		// counted from the moment the database was read.
		c.assignments[id] = cachedAssignment{a: cloneAssignment(a), at: start}
	}
	c.mu.Unlock()
	return a, nil
}

// CachedLearner is GetLearner served from a cache: this store's own
// changes are seen at once, another replica's within LearnerCacheTTL. A
// learner deleted on another replica may still be returned for that long;
// recording an attempt for them then fails with ErrNotFound.
func (s *Store) CachedLearner(ctx context.Context, id int64) (Learner, error) {
	c := &s.cache
	c.mu.Lock()
	e, ok := c.learners[id]
	if ok && c.clock().Sub(e.at) < LearnerCacheTTL {
		c.hits++
		c.mu.Unlock()
		return e.l, nil
	}
	c.misses++
	gen := c.gen
	c.mu.Unlock()
	start := c.clock()
	l, err := s.readLearner(ctx, id)
	if err != nil {
		return Learner{}, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.learners == nil || len(c.learners) >= maxCachedLearners {
			c.learners = map[int64]cachedLearner{}
		}
		c.learners[id] = cachedLearner{l: l, at: start}
	}
	c.mu.Unlock()
	return l, nil
}

// CacheStats reports the cache's hits and misses so far.
func (s *Store) CacheStats() (hits, misses int64) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.hits, s.cache.misses
}

// invalidateAssignment drops an assignment from the cache. It is called
// after the change committed, so a read that starts later sees it; the
// generation keeps a read that started earlier from storing the old row.
func (s *Store) invalidateAssignment(id int64) {
	c := &s.cache
	c.mu.Lock()
	c.gen++
	delete(c.assignments, id)
	c.mu.Unlock()
}

// invalidateLearners drops learners from the cache (all of them when ids
// is nil).
func (s *Store) invalidateLearners(ids ...int64) {
	c := &s.cache
	c.mu.Lock()
	c.gen++
	if ids == nil {
		c.learners = nil
	}
	for _, id := range ids {
		delete(c.learners, id)
	}
	c.mu.Unlock()
}

// assignmentRead keys CachedAssignment's shared reads.
type assignmentRead struct {
	id  int64
	gen uint64
}

func cloneAssignment(a Assignment) Assignment {
	a.Items = slices.Clone(a.Items)
	return a
}

// readLearner is GetLearner, batched with concurrent reads on PostgreSQL:
// a room's students joined together, so their cache entries expire
// together and the room's next requests would read 200 rows one by one
// (itembatch.go).
func (s *Store) readLearner(ctx context.Context, id int64) (Learner, error) {
	if s.learnerReads == nil {
		return s.GetLearner(ctx, id)
	}
	l, err := s.learnerReads.get(ctx, itemBatchKey{}, id)
	if err != nil {
		return Learner{}, fmt.Errorf("get learner %d: %w", id, err)
	}
	if l.ID != id {
		return Learner{}, fmt.Errorf("get learner %d: %w", id, ErrNotFound)
	}
	return l, nil
}

func newLearnerReads(s *Store, slots chan struct{}) *itemBatches[Learner] {
	return newItemBatches("learners", slots, s.closed, func(ctx context.Context, _ itemBatchKey, ids []int64) (map[int64]Learner, error) {
		all, err := queryAll(ctx, s.read, "get learners", scanLearner, `SELECT `+learnerColumns+` FROM learners WHERE id = ANY($1)`, ids)
		if err != nil {
			return nil, err
		}
		res := make(map[int64]Learner, len(all))
		for _, l := range all {
			res[l.ID] = l
		}
		return res, nil
	})
}

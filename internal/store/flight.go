package store

import (
	"context"
	"errors"
	"sync"
)

// flights coalesces identical reads running at the same moment: the first
// caller of a key reads, callers arriving meanwhile wait for its result.
// On PostgreSQL a room of 200 arriving at once on "next" found the session
// (by code) and the assignment expired from their short-lived caches
// together (liveRoomTTL, AssignmentCacheTTL: 2 s) and read them 200 times
// each, three quarters of the database's statements in cmd/liveload
// (BENCHMARKS.md "livepg"). A waiter joins only a read that started after
// anything it must see: the key carries what must match (the cache's
// generation for CachedAssignment). The map holds only reads in flight
// (at most one per caller), so it needs no other bound.
type flights[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*flight[V]
}

type flight[V any] struct {
	done chan struct{}
	// waiters counts the callers sharing this read (tests).
	waiters int
	v       V
	err     error
}

// do returns read's result for key, sharing a read in flight. A waiter
// whose leader's context ended (the leader's request went away) reads
// again itself.
func (f *flights[K, V]) do(ctx context.Context, key K, read func(context.Context) (V, error)) (V, error) {
	for {
		f.mu.Lock()
		if c, ok := f.m[key]; ok {
			c.waiters++
			f.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				var zero V
				return zero, ctx.Err()
			}
			if c.err != nil && (errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded)) && ctx.Err() == nil {
				continue
			}
			return c.v, c.err
		}
		c := &flight[V]{done: make(chan struct{})}
		if f.m == nil {
			f.m = map[K]*flight[V]{}
		}
		f.m[key] = c
		f.mu.Unlock()
		c.v, c.err = read(ctx)
		f.mu.Lock()
		delete(f.m, key)
		f.mu.Unlock()
		close(c.done)
		return c.v, c.err
	}
}

// waiting is how many callers wait for key's read in flight (tests).
func (f *flights[K, V]) waiting(key K) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.m[key]; ok {
		return c.waiters
	}
	return 0
}

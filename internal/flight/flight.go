// Package flight coalesces identical work running at the same moment: the
// first caller of a key does it, callers arriving meanwhile wait for its
// result. A room of 200 students arriving at once on "next" otherwise makes
// 200 identical database reads (internal/store) or 200 identical page
// renders (web's live page cache).
package flight

import (
	"context"
	"errors"
	"sync"
)

// Group shares work in flight by key. A waiter joins only work that
// started before it asked, so the key must carry whatever the result must
// reflect (a cache generation, say). The map holds only work in flight (at
// most one entry per caller), so it needs no other bound. The zero Group
// is ready to use.
type Group[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*call[V]
}

type call[V any] struct {
	done    chan struct{}
	waiters int // callers sharing this call, beside its leader
	v       V
	err     error
}

// Do returns work's result for key, sharing a call in flight. The leader
// runs work with its own context; a waiter whose leader's context ended
// (the leader's request went away) while its own did not runs it again
// itself, so one client leaving never fails another.
func (g *Group[K, V]) Do(ctx context.Context, key K, work func(context.Context) (V, error)) (V, error) {
	for {
		g.mu.Lock()
		if c, ok := g.m[key]; ok {
			c.waiters++
			g.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				var zero V
				return zero, ctx.Err()
			}
			if ctx.Err() == nil && (errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded)) {
				continue
			}
			return c.v, c.err
		}
		c := &call[V]{done: make(chan struct{})}
		if g.m == nil {
			g.m = map[K]*call[V]{}
		}
		g.m[key] = c
		g.mu.Unlock()
		return g.run(ctx, key, c, work)
	}
}

// run calls work as c's leader and always releases c's waiters, even if
// work panics (the panic goes on to the leader's caller; the waiters get
// errPanicked).
func (g *Group[K, V]) run(ctx context.Context, key K, c *call[V], work func(context.Context) (V, error)) (v V, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.err = errPanicked
			g.finish(key, c)
			panic(r)
		}
		c.v, c.err = v, err
		g.finish(key, c)
	}()
	return work(ctx)
}

func (g *Group[K, V]) finish(key K, c *call[V]) {
	g.mu.Lock()
	delete(g.m, key)
	g.mu.Unlock()
	close(c.done)
}

var errPanicked = errors.New("flight: the shared call panicked")

// Waiting is how many callers wait for key's call in flight (tests).
func (g *Group[K, V]) Waiting(key K) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.m[key]; ok {
		return c.waiters
	}
	return 0
}

// WaitingAll is how many callers wait for any call in flight (tests).
func (g *Group[K, V]) WaitingAll() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.m {
		n += c.waiters
	}
	return n
}

package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestFlightsShare: callers arriving while a key's read runs share it (one
// read for all, each gets its result); another key reads on its own; a
// waiter whose leader's context ended reads again itself.
func TestFlightsShare(t *testing.T) {
	var f flights[string, int]
	var reads atomic.Int64
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	read := func(ctx context.Context) (int, error) {
		reads.Add(1)
		entered <- struct{}{}
		select {
		case <-release:
			return 42, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	ctx := context.Background()
	const n = 20
	got := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); got[0], errs[0] = f.do(ctx, "a", read) }()
	<-entered
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], errs[i] = f.do(ctx, "a", read) }()
	}
	waitFor(t, "the callers to join the read", func() bool { return f.waiting("a") == n-1 })
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i] != 42 {
			t.Fatalf("caller %d: %d, %v", i, got[i], errs[i])
		}
	}
	if r := reads.Load(); r != 1 {
		t.Errorf("%d callers at once made %d reads, want 1", n, r)
	}
	if _, err := f.do(ctx, "b", read); err != nil || reads.Load() != 2 {
		t.Errorf("another key: %v, %d reads", err, reads.Load())
	}
	<-entered

	// The leader goes away: its waiter reads again.
	release2 := make(chan struct{})
	read2 := func(ctx context.Context) (int, error) {
		entered <- struct{}{}
		select {
		case <-release2:
			return 7, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	lctx, cancel := context.WithCancel(ctx)
	lerr := make(chan error, 1)
	go func() { _, err := f.do(lctx, "c", read2); lerr <- err }()
	<-entered
	werr := make(chan error, 1)
	wv := make(chan int, 1)
	go func() { v, err := f.do(ctx, "c", read2); wv <- v; werr <- err }()
	waitFor(t, "the waiter to join", func() bool { return f.waiting("c") == 1 })
	cancel()
	if err := <-lerr; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: %v", err)
	}
	<-entered // the waiter's own read
	close(release2)
	if v, err := <-wv, <-werr; v != 7 || err != nil {
		t.Errorf("waiter after its leader left: %d, %v; want 7, nil", v, err)
	}
}

// TestCachedAssignmentSharedRead: callers missing the cache together
// share one read, but a caller arriving after this store changed the
// assignment does not join a read that began before the change: it reads
// the new row (this store's own edits are seen at once), and the old read
// is not kept.
func TestCachedAssignmentSharedRead(t *testing.T) {
	s := openMigrated(t, Config{DataDir: t.TempDir()})
	ctx := context.Background()
	a := newFixture(t, s, Settings{}).assignment
	entered, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	s.cache.afterRead = func() {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	}
	type res struct {
		title string
		err   error
	}
	get := func() chan res {
		ch := make(chan res, 1)
		go func() { got, err := s.CachedAssignment(ctx, a.ID); ch <- res{got.Title, err} }()
		return ch
	}
	leader := get()
	<-entered // the leader read the old row and holds its read open
	waiter := get()
	waitFor(t, "a second caller to share the read", func() bool {
		f := &s.assignmentReads
		f.mu.Lock()
		defer f.mu.Unlock()
		n := 0
		for _, c := range f.m {
			n += c.waiters
		}
		return n == 1
	})
	if err := s.UpdateAssignment(ctx, a.ID, "New title", defaultSettings()); err != nil {
		t.Fatal(err)
	}
	// Read while the old read is still held: it must not wait for it.
	after := get()
	var got res
	waitFor(t, "the caller after the edit to read on its own", func() bool {
		select {
		case got = <-after:
			return true
		default:
			return false
		}
	})
	if got.err != nil || got.title != "New title" {
		t.Errorf("after the edit: %q, %v; want the new title", got.title, got.err)
	}
	close(release)
	for _, ch := range []chan res{leader, waiter} {
		if r := <-ch; r.err != nil || r.title != a.Title {
			t.Errorf("a caller from before the edit: %q, %v; want the old title %q", r.title, r.err, a.Title)
		}
	}
	if got, err := s.CachedAssignment(ctx, a.ID); err != nil || got.Title != "New title" {
		t.Errorf("cached after the held read ended: %q, %v; want the new title", got.Title, err)
	}
}

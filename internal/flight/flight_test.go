package flight

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGroupShares: callers arriving while a key's read runs share it (one
// read for all, each gets its result); another key reads on its own; a
// waiter whose leader's context ended reads again itself.
func TestGroupShares(t *testing.T) {
	var f Group[string, int]
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
	go func() { defer wg.Done(); got[0], errs[0] = f.Do(ctx, "a", read) }()
	<-entered
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], errs[i] = f.Do(ctx, "a", read) }()
	}
	waitFor(t, "the callers to join the read", func() bool { return f.Waiting("a") == n-1 })
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
	if _, err := f.Do(ctx, "b", read); err != nil || reads.Load() != 2 {
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
	go func() { _, err := f.Do(lctx, "c", read2); lerr <- err }()
	<-entered
	werr := make(chan error, 1)
	wv := make(chan int, 1)
	go func() { v, err := f.Do(ctx, "c", read2); wv <- v; werr <- err }()
	waitFor(t, "the waiter to join", func() bool { return f.Waiting("c") == 1 })
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

// TestGroupPanicReleasesWaiters: a leader whose work panics passes the
// panic to its own caller and releases its waiters with an error, rather
// than leaving them waiting until their requests time out.
func TestGroupPanicReleasesWaiters(t *testing.T) {
	var g Group[string, int]
	entered, release := make(chan struct{}), make(chan struct{})
	work := func(context.Context) (int, error) {
		close(entered)
		<-release
		panic("render failed")
	}
	leader := make(chan any, 1)
	go func() {
		defer func() { leader <- recover() }()
		_, _ = g.Do(context.Background(), "k", work)
	}()
	<-entered
	werr := make(chan error, 1)
	go func() {
		_, err := g.Do(context.Background(), "k", func(context.Context) (int, error) { return 1, nil })
		werr <- err
	}()
	waitFor(t, "the waiter to join", func() bool { return g.Waiting("k") == 1 })
	close(release)
	if r := <-leader; r != "render failed" {
		t.Errorf("leader recovered %v, want the panic", r)
	}
	if err := <-werr; !errors.Is(err, errPanicked) {
		t.Errorf("waiter: %v, want errPanicked", err)
	}
	if n := g.WaitingAll(); n != 0 {
		t.Errorf("%d still waiting", n)
	}
	// The key is free again.
	if v, err := g.Do(context.Background(), "k", func(context.Context) (int, error) { return 3, nil }); v != 3 || err != nil {
		t.Errorf("after the panic: %d, %v", v, err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

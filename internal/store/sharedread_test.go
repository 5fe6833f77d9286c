package store

import (
	"context"
	"sync/atomic"
	"testing"
)

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
	waitFor(t, "a second caller to share the read", func() bool { return s.assignmentReads.WaitingAll() == 1 })
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

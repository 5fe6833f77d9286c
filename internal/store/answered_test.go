package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestAnsweredSets (SQLite): a room asking at once whether each learner
// answered a question makes one read; the sets follow every commit (one
// during the read included) and a learner's deletion; a learner the set
// says has not answered gets their empty attempt list without a read.
func TestAnsweredSets(t *testing.T) {
	s := openMigrated(t, Config{DataDir: t.TempDir()})
	ctx := context.Background()
	f := newFixture(t, s, defaultSettings())
	f.addLearners(t, s, 38)
	item0, item1 := f.assignment.Items[0], f.assignment.Items[1]
	want := map[int64]bool{}
	for i, l := range f.learners {
		if i%4 == 1 {
			if _, _, err := s.RecordAttempt(ctx, attempt(l.ID, item0.ID, "a", fmt.Sprintf("k%d", i), 1)); err != nil {
				t.Fatal(err)
			}
			want[l.ID] = true
		}
	}
	has := func(l Learner, it Item) bool {
		t.Helper()
		got, err := s.HasItemAttempts(ctx, f.assignment.ID, l.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// The room at once: every answer right, one read.
	var wg sync.WaitGroup
	for _, l := range f.learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.HasItemAttempts(ctx, f.assignment.ID, l.ID, item0.ID)
			if err != nil || got != want[l.ID] {
				t.Errorf("learner %d: has answered %v (%v), want %v", l.ID, got, err, want[l.ID])
			}
		}()
	}
	wg.Wait()
	if hits, reads := s.AnsweredStats(); reads != 1 || hits != int64(len(f.learners)) {
		t.Errorf("%d learners asked: %d reads, %d hits; want 1 read", len(f.learners), reads, hits)
	}

	// A learner the set says has not answered reads no list either.
	bea := f.learners[0]
	_, misses0 := s.itemCache.stats()
	if got, err := s.ItemAttempts(ctx, f.assignment.ID, bea.ID, item0.ID, 1000); err != nil || len(got) != 0 {
		t.Fatalf("bea's attempts: %d, %v", len(got), err)
	}
	if _, misses := s.itemCache.stats(); misses != misses0 {
		t.Errorf("bea's empty list was read from the database (%d misses, was %d)", misses, misses0)
	}

	// A commit after the fill: the set and the list have it, no read.
	if _, _, err := s.RecordAttempt(ctx, attempt(bea.ID, item0.ID, "a", "k-bea", 0)); err != nil {
		t.Fatal(err)
	}
	if !has(bea, item0) {
		t.Error("bea answered: the set does not say so")
	}
	if got, err := s.ItemAttempts(ctx, f.assignment.ID, bea.ID, item0.ID, 1000); err != nil || len(got) != 1 {
		t.Errorf("bea's attempts after answering: %d, %v; want 1", len(got), err)
	}
	if _, reads := s.AnsweredStats(); reads != 1 {
		t.Errorf("%d reads after a commit; want still 1", reads)
	}

	// A commit while item 1's set is being read: in the set after it,
	// whether the read saw it or not.
	cy := f.learners[2]
	once := false
	s.itemCache.afterRead = func() {
		if !once {
			once = true
			if _, _, err := s.RecordAttempt(ctx, attempt(cy.ID, item1.ID, "a", "k-cy", 1)); err != nil {
				t.Error(err)
			}
		}
	}
	has(bea, item1)
	s.itemCache.afterRead = nil
	if !once {
		t.Fatal("the hook did not run: item 1's set was not read")
	}
	if !has(cy, item1) {
		t.Error("cy answered item 1 while its set was read: the set does not say so")
	}
	if has(bea, item1) {
		t.Error("bea never answered item 1")
	}

	// Deleting a learner empties the sets: the next question reads again,
	// and the deleted learner's answers are gone.
	_, reads0 := s.AnsweredStats()
	if err := s.DeleteLearner(ctx, cy.ID); err != nil {
		t.Fatal(err)
	}
	if has(cy, item1) {
		t.Error("a deleted learner still has answered")
	}
	if _, reads := s.AnsweredStats(); reads != reads0+1 {
		t.Errorf("after a deletion: %d reads, want %d", reads, reads0+1)
	}
	for _, l := range f.learners[3:] {
		if got := has(l, item0); got != want[l.ID] {
			t.Errorf("learner %d after the deletion: %v, want %v", l.ID, got, want[l.ID])
		}
	}
}

// TestAnsweredSetsBound: past maxAnsweredSets the sets are dropped and
// refill, and every answer stays right.
func TestAnsweredSetsBound(t *testing.T) {
	s := openMigrated(t, Config{DataDir: t.TempDir()})
	ctx := context.Background()
	f := newFixture(t, s, defaultSettings())
	ada, item := f.learners[0], f.assignment.Items[0]
	if _, _, err := s.RecordAttempt(ctx, attempt(ada.ID, item.ID, "a", "k", 1)); err != nil {
		t.Fatal(err)
	}
	c := s.itemCache
	c.mu.Lock()
	for i := range maxAnsweredSets {
		c.answered[itemOfAssignment{int64(-1 - i), f.assignment.ID}] = &answeredSet{learners: map[int64]struct{}{}, filled: true}
	}
	c.mu.Unlock()
	if got, err := s.HasItemAttempts(ctx, f.assignment.ID, ada.ID, item.ID); err != nil || !got {
		t.Fatalf("ada answered: %v, %v", got, err)
	}
	c.mu.Lock()
	n := len(c.answered)
	c.mu.Unlock()
	if n != 1 {
		t.Errorf("%d sets held after the bound was passed; want the new one only", n)
	}
}

package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestHasItemAttempts: the answer is right for learners with and without
// attempts, per item, on both databases; on PostgreSQL the callers that
// arrive while the batched reads' connections are all taken share one
// query, and no more than itemBatchConns such queries hold a connection.
func TestHasItemAttempts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, defaultSettings())
		f.addLearners(t, s, 30)
		item0, item1 := f.assignment.Items[0], f.assignment.Items[1]
		// Every third learner answered item 0; learner 1 answered item 1 only.
		want := map[int64]bool{}
		for i, l := range f.learners {
			if i%3 == 0 {
				a := attempt(l.ID, item0.ID, "a", fmt.Sprintf("k%d", i), 1)
				if _, _, err := s.RecordAttempt(ctx, a); err != nil {
					t.Fatal(err)
				}
				want[l.ID] = true
			}
		}
		if _, _, err := s.RecordAttempt(ctx, attempt(f.learners[1].ID, item1.ID, "a", "k-item1", 1)); err != nil {
			t.Fatal(err)
		}
		check := func(it Item, l Learner, want bool) {
			t.Helper()
			got, err := s.HasItemAttempts(ctx, f.assignment.ID, l.ID, it.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("learner %d item %d: has attempts %v, want %v", l.ID, it.ID, got, want)
			}
		}
		for _, l := range f.learners { // one at a time
			check(item0, l, want[l.ID])
			check(item1, l, l.ID == f.learners[1].ID)
		}
		if s.pageReads == nil {
			return // SQLite: answered from the item cache
		}
		pr := s.pageReads
		q0 := s.PageReadQueries()
		type out struct {
			l   Learner
			has bool
			err error
		}
		outs := make(chan out, len(f.learners))
		k := itemBatchKey{f.assignment.ID, item0.ID}
		allInOneBatch(t, pr.slots, func() int { return pr.waiting(k) }, len(f.learners), func(i int) {
			l := f.learners[i]
			has, err := s.HasItemAttempts(ctx, f.assignment.ID, l.ID, item0.ID)
			outs <- out{l, has, err}
		})
		close(outs)
		for o := range outs {
			if o.err != nil {
				t.Fatal(o.err)
			}
			if o.has != want[o.l.ID] {
				t.Errorf("batched: learner %d has attempts %v, want %v", o.l.ID, o.has, want[o.l.ID])
			}
		}
		if n := s.PageReadQueries() - q0; n != 1 {
			t.Errorf("%d callers at once ran %d queries, want 1", len(f.learners), n)
		}
	})
}

// TestItemBatchConns: each kind of batched read may take a quarter of the
// pool, at least one connection, so commits and notices always find the
// rest.
func TestItemBatchConns(t *testing.T) {
	for _, c := range []struct{ pool, want int }{{4, 1}, {8, 2}, {9, 2}, {20, 5}, {1000, 250}} {
		if got := itemBatchConns(c.pool); got != c.want {
			t.Errorf("itemBatchConns(%d) = %d, want %d", c.pool, got, c.want)
		}
	}
}

// addLearners adds n learners to the fixture's course.
func (f *fixture) addLearners(t *testing.T, s *Store, n int) {
	t.Helper()
	var entries []RosterEntry
	for i := range n {
		entries = append(entries, RosterEntry{RosterID: fmt.Sprintf("x%d", i), Name: fmt.Sprintf("L%d", i), LinkToken: fmt.Sprintf("tok-x%d", i)})
	}
	res, err := s.ImportRoster(context.Background(), f.course.ID, entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		f.learners = append(f.learners, r.Learner)
	}
}

// TestItemAttemptsBatched: ItemAttempts gives each learner exactly their
// attempts at the item, in order and cut at max, on both databases; on
// PostgreSQL callers arriving while the batched reads' connections are
// taken share one query, and a batch with more rows than its bound is
// read learner by learner, with the same answers.
func TestItemAttemptsBatched(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, defaultSettings())
		f.addLearners(t, s, 30)
		item0, item1 := f.assignment.Items[0], f.assignment.Items[1]
		// Learner i has i%4 attempts at item 0 and one at item 1 if i is odd.
		for i, l := range f.learners {
			for j := range i % 4 {
				if _, _, err := s.RecordAttempt(ctx, attempt(l.ID, item0.ID, "a", fmt.Sprintf("k%d-%d", i, j), float64(j%2))); err != nil {
					t.Fatal(err)
				}
			}
			if i%2 == 1 {
				if _, _, err := s.RecordAttempt(ctx, attempt(l.ID, item1.ID, "a", fmt.Sprintf("k%d-item1", i), 1)); err != nil {
					t.Fatal(err)
				}
			}
		}
		// What each learner must get: their attempts at item 0, in id order.
		want := map[int64][]int64{}
		all, err := s.ListAttempts(ctx, AttemptFilter{AssignmentID: f.assignment.ID, ItemID: item0.ID, Limit: MaxListAttempts})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range all {
			want[a.LearnerID] = append(want[a.LearnerID], a.ID)
		}
		same := func(l Learner, got []Attempt, max int) {
			t.Helper()
			w := want[l.ID][:min(len(want[l.ID]), max)]
			var ids []int64
			for _, a := range got {
				if a.ItemID != item0.ID || a.LearnerID != l.ID {
					t.Errorf("learner %d got attempt %d of learner %d at item %d", l.ID, a.ID, a.LearnerID, a.ItemID)
				}
				ids = append(ids, a.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(w) {
				t.Errorf("learner %d (max %d): attempts %v, want %v", l.ID, max, ids, w)
			}
		}
		for _, l := range f.learners { // one at a time
			for _, max := range []int{1, 2, 100} {
				got, err := s.ItemAttempts(ctx, f.assignment.ID, l.ID, item0.ID, max)
				if err != nil {
					t.Fatal(err)
				}
				same(l, got, max)
			}
		}
		if s.answerReads == nil {
			return // SQLite: answered from the item cache
		}
		// All at once, with every slot held so they gather in one batch.
		atOnce := func(wantQueries int64) {
			t.Helper()
			ar := s.answerReads
			q0 := s.AnswerReadQueries()
			got := make([][]Attempt, len(f.learners))
			errs := make([]error, len(f.learners))
			k := itemBatchKey{f.assignment.ID, item0.ID}
			allInOneBatch(t, ar.slots, func() int { return ar.waiting(k) }, len(f.learners), func(i int) {
				got[i], errs[i] = s.ItemAttempts(ctx, f.assignment.ID, f.learners[i].ID, item0.ID, 100)
			})
			for i, l := range f.learners {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				same(l, got[i], 100)
			}
			if n := s.AnswerReadQueries() - q0; n != wantQueries {
				t.Errorf("%d callers at once ran %d batched queries, want %d", len(f.learners), n, wantQueries)
			}
		}
		atOnce(1)
		// A bound below the batch's rows: the batch's query runs, finds too
		// many, and every learner reads alone (still right).
		s.answerReadRows = 5
		atOnce(1)
	})
}

// TestCachedLearnerBatched: learners missing from the check cache are read
// right on both databases, an unknown id is ErrNotFound; on PostgreSQL a
// room's misses at once share one query, on the same connections as the
// other batched reads (one quarter of the pool for all of them).
func TestCachedLearnerBatched(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, defaultSettings())
		f.addLearners(t, s, 30)
		if _, err := s.CachedLearner(ctx, 1<<40); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown learner: %v, want ErrNotFound", err)
		}
		if s.learnerReads == nil {
			for _, l := range f.learners {
				got, err := s.CachedLearner(ctx, l.ID)
				if err != nil || got.ID != l.ID || got.Name != l.Name || got.CourseID != l.CourseID {
					t.Errorf("learner %d: %+v, %v", l.ID, got, err)
				}
			}
			return // SQLite reads one row at a time
		}
		lr := s.learnerReads
		if lr.slots != s.pageReads.slots || lr.slots != s.answerReads.slots {
			t.Fatal("the batched reads do not share their connections")
		}
		q0 := lr.ran()
		got := make([]Learner, len(f.learners))
		errs := make([]error, len(f.learners))
		allInOneBatch(t, lr.slots, func() int { return lr.waiting(itemBatchKey{}) }, len(f.learners), func(i int) {
			got[i], errs[i] = s.CachedLearner(ctx, f.learners[i].ID)
		})
		for i, l := range f.learners {
			if errs[i] != nil || got[i].ID != l.ID || got[i].Name != l.Name || got[i].CourseID != l.CourseID {
				t.Errorf("learner %d: %+v, %v", l.ID, got[i], errs[i])
			}
		}
		if n := lr.ran() - q0; n != 1 {
			t.Errorf("%d misses at once ran %d queries, want 1", len(f.learners), n)
		}
	})
}

// allInOneBatch runs call(0) … call(n-1) at once while every batched-read
// slot is held, waits until waiting() says all n joined the one pending
// batch, then frees the slots and waits for the calls to return.
func allInOneBatch(t *testing.T, slots chan struct{}, waiting func() int, n int, call func(i int)) {
	t.Helper()
	for range cap(slots) {
		slots <- struct{}{}
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); call(i) }()
	}
	waitFor(t, "every caller to join the batch", func() bool { return waiting() == n })
	for range cap(slots) {
		<-slots
	}
	wg.Wait()
}

package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestHasItemAttempts: the answer is right for learners with and without
// attempts, per item, on both databases; on PostgreSQL the callers that
// arrive while the batched reads' connections are all taken share one
// query, and no more than pageReadConns such queries hold a connection.
func TestHasItemAttempts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, defaultSettings())
		// More learners than the fixture's two.
		var entries []RosterEntry
		for i := range 30 {
			entries = append(entries, RosterEntry{RosterID: fmt.Sprintf("x%d", i), Name: fmt.Sprintf("L%d", i), LinkToken: fmt.Sprintf("tok-x%d", i)})
		}
		res, err := s.ImportRoster(ctx, f.course.ID, entries)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			f.learners = append(f.learners, r.Learner)
		}
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
		// Hold every batched-read slot, so the callers below queue on one
		// batch; then let them go.
		pr := s.pageReads
		for range cap(pr.slots) {
			pr.slots <- struct{}{}
		}
		q0 := s.PageReadQueries()
		type out struct {
			l   Learner
			has bool
			err error
		}
		outs := make(chan out, len(f.learners))
		var wg sync.WaitGroup
		for _, l := range f.learners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				has, err := s.HasItemAttempts(ctx, f.assignment.ID, l.ID, item0.ID)
				outs <- out{l, has, err}
			}()
		}
		k := pageReadKey{f.assignment.ID, item0.ID}
		for deadline := time.Now().Add(30 * time.Second); ; {
			s.pageMu.Lock()
			n := 0
			if b := pr.pending[k]; b != nil {
				n = len(b.learners)
			}
			s.pageMu.Unlock()
			if n == len(f.learners) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d callers joined the batch", n, len(f.learners))
			}
			time.Sleep(time.Millisecond)
		}
		for range cap(pr.slots) {
			<-pr.slots
		}
		wg.Wait()
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

// TestPageReadConns: the batched page reads may take a quarter of the
// pool, at least one connection, so answers, commits and notices always
// find the rest.
func TestPageReadConns(t *testing.T) {
	for _, c := range []struct{ pool, want int }{{4, 1}, {8, 2}, {9, 2}, {20, 5}, {1000, 250}} {
		if got := pageReadConns(c.pool); got != c.want {
			t.Errorf("pageReadConns(%d) = %d, want %d", c.pool, got, c.want)
		}
	}
}

package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// itemAttemptsAgree checks ItemAttempts (the cache on SQLite) against a
// database read for every learner and item of f.
func itemAttemptsAgree(t *testing.T, s *Store, f fixture) {
	t.Helper()
	if c := s.itemCache; c != nil { // its memory accounting adds up
		c.mu.Lock()
		sum := 0
		for _, l := range c.lists {
			n := 0
			for i := range l.attempts {
				n += attemptSize(&l.attempts[i])
			}
			if n != l.bytes {
				t.Errorf("a list counts %d bytes, its attempts %d", l.bytes, n)
			}
			sum += l.bytes
		}
		if sum != c.bytes {
			t.Errorf("the cache counts %d bytes, its lists %d", c.bytes, sum)
		}
		c.mu.Unlock()
	}
	ctx := context.Background()
	for _, l := range f.learners {
		for _, it := range f.assignment.Items {
			got, err := s.ItemAttempts(ctx, f.assignment.ID, l.ID, it.ID, 1000)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.ListAttempts(ctx, AttemptFilter{AssignmentID: f.assignment.ID, LearnerID: l.ID, ItemID: it.ID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("learner %d item %d: ItemAttempts\n%+v\nListAttempts\n%+v", l.ID, it.ID, got, want)
			}
		}
	}
}

// TestItemAttemptsCache: after every kind of recording (new attempts from
// many goroutines, a retried key, a refused one) the learner's list per
// item equals the database's, on both databases (PostgreSQL has no cache:
// the same calls read the database).
func TestItemAttemptsCache(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		st := defaultSettings()
		st.AttemptsAllowed = 5
		f := newFixture(t, s, st)
		itemAttemptsAgree(t, s, f) // fills the cache with empty lists
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 6 {
					l := f.learners[(g+i)%len(f.learners)]
					it := f.assignment.Items[i%2]
					_, _, err := s.RecordAttempt(ctx, attempt(l.ID, it.ID, fmt.Sprintf("p%d", i%3), fmt.Sprintf("k-%d-%d", g, i), 0.5))
					if err != nil && !errors.Is(err, ErrAttemptLimit) {
						t.Error(err)
					}
					if g%4 == 0 { // reads between the writes
						if _, err := s.ItemAttempts(ctx, f.assignment.ID, l.ID, it.ID, 1000); err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
		wg.Wait()
		itemAttemptsAgree(t, s, f)
		// A retried key adds nothing; the cache must not add it either.
		ada := f.learners[0]
		if _, created, err := s.RecordAttempt(ctx, attempt(ada.ID, f.assignment.Items[0].ID, "p0", "k-0-0", 1)); err != nil || created {
			t.Errorf("retry: created %v, %v", created, err)
		}
		itemAttemptsAgree(t, s, f)
		if err := s.DeleteLearner(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ItemAttempts(ctx, f.assignment.ID, ada.ID, f.assignment.Items[0].ID, 1000); err != nil || len(got) != 0 {
			t.Errorf("a deleted learner's attempts: %d, %v", len(got), err)
		}
		if h, m := s.itemCache.stats(); s.Dialect() == "sqlite" && h == 0 {
			t.Errorf("cache hits %d misses %d: the cache served nothing", h, m)
		}
	})
}

// TestItemAttemptsCacheCommitDuringRead: an attempt committed while a
// miss reads the database may be missing from that read; the read must
// not be kept, so the next call has it.
func TestItemAttemptsCacheCommitDuringRead(t *testing.T) {
	s := openMigrated(t, Config{DataDir: t.TempDir()})
	ctx := context.Background()
	f := newFixture(t, s, Settings{})
	ada, item := f.learners[0], f.assignment.Items[0]
	if _, _, err := s.RecordAttempt(ctx, attempt(ada.ID, item.ID, "a", "k1", 0)); err != nil {
		t.Fatal(err)
	}
	once := false
	s.itemCache.afterRead = func() {
		if !once {
			once = true
			if _, _, err := s.RecordAttempt(ctx, attempt(ada.ID, item.ID, "a", "k2", 1)); err != nil {
				t.Error(err)
			}
		}
	}
	if got, err := s.ItemAttempts(ctx, f.assignment.ID, ada.ID, item.ID, 1000); err != nil || len(got) != 1 || !once {
		t.Fatalf("the read before the commit: %d attempts, %v (hook ran %v)", len(got), err, once)
	}
	if got, err := s.ItemAttempts(ctx, f.assignment.ID, ada.ID, item.ID, 1000); err != nil || len(got) != 2 {
		t.Errorf("after the commit: %d attempts, %v; want 2", len(got), err)
	}
}

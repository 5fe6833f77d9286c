package store

import (
	"context"
	"errors"
	"testing"
)

// TestCheckCacheSameStore: an edit made through a store is seen by that
// store's next cached read at once (the server on SQLite, or the replica
// that made the edit), and the cache does serve repeated reads.
func TestCheckCacheSameStore(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		a := f.assignment
		got, err := s.CachedAssignment(ctx, a.ID)
		if err != nil || got.Title != "Week 1" || len(got.Items) != 2 {
			t.Fatalf("CachedAssignment = %+v, %v", got, err)
		}
		h0, _ := s.CacheStats()
		got.Items[0].ExerciseID = "changed by the caller" // must not reach the cache
		if got, _ := s.CachedAssignment(ctx, a.ID); got.Items[0].ExerciseID != "conv-by-hand" {
			t.Errorf("a caller's change reached the cache: %+v", got.Items[0])
		}
		if h1, _ := s.CacheStats(); h1 != h0+1 {
			t.Errorf("hits %d → %d, want one more (served from the cache)", h0, h1)
		}

		st := defaultSettings()
		st.Feedback, st.AttemptsAllowed = ShowNever, 2
		if err := s.UpdateAssignment(ctx, a.ID, "Week 1, revised", st); err != nil {
			t.Fatal(err)
		}
		got, err = s.CachedAssignment(ctx, a.ID)
		if err != nil || got.Title != "Week 1, revised" || got.Settings.Feedback != ShowNever || got.Settings.AttemptsAllowed != 2 {
			t.Errorf("after UpdateAssignment: %+v, %v", got, err)
		}

		ada := f.learners[0]
		if l, err := s.CachedLearner(ctx, ada.ID); err != nil || l.Name != "Ada" {
			t.Fatalf("CachedLearner = %+v, %v", l, err)
		}
		if _, err := s.ImportRoster(ctx, f.course.ID, []RosterEntry{{RosterID: "s1", Name: "Ada L."}}); err != nil {
			t.Fatal(err)
		}
		if l, err := s.CachedLearner(ctx, ada.ID); err != nil || l.Name != "Ada L." {
			t.Errorf("after a roster rename: %+v, %v", l, err)
		}
		if err := s.DeleteLearner(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		if l, err := s.CachedLearner(ctx, ada.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("after DeleteLearner: %+v, %v; want ErrNotFound", l, err)
		}
	})
}

// TestCheckCacheOtherReplica: a change made through another store (another
// replica on PostgreSQL; on SQLite, a second store on the same file) is
// seen once the documented bound has passed, and a deleted learner whose
// stale entry is still served cannot record: the commit refuses them.
func TestCheckCacheOtherReplica(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := b.open(t)
			clock := &testClock{t: t0}
			cfg.Now = clock.Now
			s1 := openMigrated(t, cfg)
			s2 := openMigrated(t, cfg)
			cacheClock := &testClock{t: t0}
			s1.cache.now = cacheClock.Now
			f := newFixture(t, s2, Settings{})
			a, ada := f.assignment, f.learners[0]
			if got, err := s1.CachedAssignment(ctx, a.ID); err != nil || got.Settings.Feedback != ShowImmediately {
				t.Fatalf("CachedAssignment = %+v, %v", got, err)
			}
			if _, err := s1.CachedLearner(ctx, ada.ID); err != nil {
				t.Fatal(err)
			}

			st := defaultSettings()
			st.Feedback = ShowNever
			if err := s2.UpdateAssignment(ctx, a.ID, "Week 1", st); err != nil {
				t.Fatal(err)
			}
			// Within the bound s1 may still serve the old settings; past
			// it, it must not.
			cacheClock.Add(AssignmentCacheTTL)
			if got, err := s1.CachedAssignment(ctx, a.ID); err != nil || got.Settings.Feedback != ShowNever {
				t.Errorf("%v after another replica's edit: feedback %q, %v; want never", AssignmentCacheTTL, got.Settings.Feedback, err)
			}

			if err := s2.DeleteLearner(ctx, ada.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s1.CachedLearner(ctx, ada.ID); err != nil {
				t.Logf("the deleted learner is already gone from s1's cache: %v", err)
			}
			// Whatever the cache says, the store refuses the attempt.
			if _, _, err := s1.RecordAttempt(ctx, attempt(ada.ID, a.Items[0].ID, "a", "k1", 1)); !errors.Is(err, ErrNotFound) {
				t.Errorf("RecordAttempt for a deleted learner: %v, want ErrNotFound", err)
			}
			cacheClock.Add(LearnerCacheTTL)
			if l, err := s1.CachedLearner(ctx, ada.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("%v after another replica deleted the learner: %+v, %v; want ErrNotFound", LearnerCacheTTL, l, err)
			}
		})
	}
}

// TestCheckCacheStaleFill: a read that began before an edit does not put
// the old row into the cache after the edit dropped it.
func TestCheckCacheStaleFill(t *testing.T) {
	s := openMigrated(t, Config{DataDir: t.TempDir()})
	ctx := context.Background()
	a := newFixture(t, s, Settings{}).assignment
	edited := false
	s.cache.afterRead = func() {
		if !edited {
			edited = true
			if err := s.UpdateAssignment(ctx, a.ID, "New title", defaultSettings()); err != nil {
				t.Error(err)
			}
		}
	}
	// This read began before the edit: it may return the old title...
	if _, err := s.CachedAssignment(ctx, a.ID); err != nil || !edited {
		t.Fatalf("CachedAssignment: %v (edited %v)", err, edited)
	}
	// ...but must not have cached it.
	if got, err := s.CachedAssignment(ctx, a.ID); err != nil || got.Title != "New title" {
		t.Errorf("CachedAssignment after the edit = %q, %v; want the new title", got.Title, err)
	}
}

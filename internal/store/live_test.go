package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestGetLiveSession(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		ls, err := s.CreateLiveSession(ctx, f.course.ID, f.assignment.ID, f.owner.ID, "AB12CD")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetLiveSession(ctx, ls.ID)
		if err != nil || got.Code != "AB12CD" || got.CourseID != f.course.ID || got.AssignmentID != f.assignment.ID || got.EndedAt != nil {
			t.Fatalf("GetLiveSession = %+v, %v", got, err)
		}
		if err := s.EndLiveSession(ctx, ls.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetLiveSession(ctx, ls.ID); err != nil || got.EndedAt == nil {
			t.Errorf("ended session = %+v, %v", got, err)
		}
		if _, err := s.GetLiveSession(ctx, ls.ID+1000); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing session: %v", err)
		}
	})
}

// TestLiveAnswersOf: the answers of several learners in one query are
// what LiveAnswers gives for each (correct and incorrect only, this
// session's only, oldest first).
func TestLiveAnswersOf(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		ls, err := s.CreateLiveSession(ctx, f.course.ID, f.assignment.ID, f.owner.ID, "AB12CD")
		if err != nil {
			t.Fatal(err)
		}
		item := f.assignment.Items[0].ID
		ada, grace := f.learners[0].ID, f.learners[1].ID
		for i, na := range []NewAttempt{
			attempt(ada, item, "a", "k1", 0), attempt(grace, item, "a", "k2", 1), attempt(ada, item, "a", "k3", 1),
			attempt(ada, item, "b", "k4", 0.5), attempt(grace, item, "b", "k5", 0),
		} {
			na.Source, na.LiveSessionID = FromLive, ls.ID
			if i == 3 {
				na.Verdict = "invalid" // not counted
			}
			if _, _, err := s.RecordAttempt(ctx, na); err != nil {
				t.Fatal(err)
			}
		}
		// Outside the session: not returned.
		if _, _, err := s.RecordAttempt(ctx, attempt(ada, item, "b", "k6", 1)); err != nil {
			t.Fatal(err)
		}
		var want []LiveAnswer
		for _, l := range []int64{ada, grace} {
			as, err := s.LiveAnswers(ctx, ls.ID, l)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, as...)
		}
		slices.SortFunc(want, func(a, b LiveAnswer) int { return cmp.Compare(a.ID, b.ID) })
		got, err := s.LiveAnswersOf(ctx, ls.ID, []int64{grace, ada, 999999})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 || !slices.Equal(got, want) {
			t.Errorf("LiveAnswersOf = %+v, want %+v", got, want)
		}
		if got, err := s.LiveAnswersOf(ctx, ls.ID, []int64{grace}); err != nil || len(got) != 2 || got[0].LearnerID != grace {
			t.Errorf("one learner: %+v, %v", got, err)
		}
		if got, err := s.LiveAnswersOf(ctx, ls.ID, nil); err != nil || len(got) != 0 {
			t.Errorf("no learners: %+v, %v", got, err)
		}
	})
}

// TestLiveUpdateBesideAttempt: a live state update does not wait for an
// open transaction that recorded an attempt in the session (its foreign
// key check holds a key-share lock on the session's row). Regression: the
// update locked the row FOR UPDATE, which conflicts with that lock, so on
// PostgreSQL every control waited for the attempt batches in flight.
func TestLiveUpdateBesideAttempt(t *testing.T) {
	b, ok := postgresBackend(t)
	if !ok {
		t.Skip("STRIDE_TEST_DATABASE_URL is not set")
	}
	s := openMigrated(t, b.open(t))
	ctx := context.Background()
	f := newFixture(t, s, Settings{})
	ls, err := s.CreateLiveSession(ctx, f.course.ID, f.assignment.ID, f.owner.ID, "AB12CD")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// What an attempt batch does to the session's row: its foreign key
	// check's lock, held until the batch commits.
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM live_sessions WHERE id = $1 FOR KEY SHARE`, ls.ID); err != nil {
		t.Fatal(err)
	}
	// The update must not wait for it; a lock timeout makes a wait fail.
	uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := s.UpdateLiveState(uctx, ls.ID, func(st *LiveState) bool { st.Paused = true; st.Version++; return true })
		done <- err
	}()
	if _, err := s.JoinLiveSession(uctx, ls.ID, f.learners[0].ID, 0); err != nil {
		t.Errorf("join beside an attempt's lock: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("update beside an attempt's lock: %v", err)
	}
}

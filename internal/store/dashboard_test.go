package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestEachReportAttempt(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		other := newFixture2(t, s, f)
		// Per learner, the keys in the order recorded. The reads below hand
		// over batches of 2, so several batches per reader.
		const total, batch = 11, 2
		want := map[int64][]string{}
		for i := 0; i < total; i++ {
			l := f.learners[i%2]
			key := fmt.Sprint("k", i)
			na := attempt(l.ID, f.assignment.Items[i%2].ID, "a", key, float64(i%2))
			na.Answer, na.ReadAs = key, key
			el := 1500 * time.Millisecond
			na.Elapsed = &el
			if _, _, err := s.RecordAttempt(ctx, na); err != nil {
				t.Fatal(err)
			}
			want[l.ID] = append(want[l.ID], key)
			if i < 3 {
				// An attempt at another assignment is not listed.
				if _, _, err := s.RecordAttempt(ctx, attempt(l.ID, other.Items[0].ID, "a", fmt.Sprint("o", i), 0)); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A worked solution shown, with hints open.
		shown := attempt(f.learners[0].ID, f.assignment.Items[0].ID, "b", "shown", 0)
		shown.Verdict, shown.HintsOpened = "solution-shown", 5
		if _, _, err := s.RecordAttempt(ctx, shown); err != nil {
			t.Fatal(err)
		}
		got := map[int64][]string{}
		n := 0
		var lastID int64
		err := s.eachReportAttempt(ctx, f.assignment.ID, batch, func(a ReportAttempt) error {
			// Every attempt in id order, whichever reader read it.
			if a.ID <= lastID {
				t.Errorf("attempt %d after %d", a.ID, lastID)
			}
			lastID = a.ID
			if a.Part == "b" {
				if !a.Revealed || a.Correct || a.HintsOpened != 5 || a.Part != "b" || a.ElapsedKnown {
					t.Errorf("the worked solution shown read as %+v", a)
				}
				return nil
			}
			n++
			i := len(got[a.LearnerID])
			key := want[a.LearnerID][min(i, len(want[a.LearnerID])-1)]
			var k int
			fmt.Sscanf(key, "k%d", &k)
			if a.ItemID != f.assignment.Items[k%2].ID || a.Part != "a" || a.Score != float64(k%2) || a.Correct != (k%2 == 1) {
				t.Errorf("attempt %s = %+v", key, a)
			}
			if !a.ElapsedKnown || a.Elapsed != 1500*time.Millisecond || !a.CreatedAt.Equal(t0) {
				t.Errorf("attempt %s: elapsed %v (%v) at %v", key, a.Elapsed, a.ElapsedKnown, a.CreatedAt)
			}
			// The texts of wrong answers are read; those of right ones are not.
			if a.Correct {
				if a.Answer != "" || a.ReadAs != "" {
					t.Errorf("right attempt %s carries its answer %q", key, a.Answer)
				}
				got[a.LearnerID] = append(got[a.LearnerID], key)
			} else {
				got[a.LearnerID] = append(got[a.LearnerID], a.Answer)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != total || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d attempts, per learner %v; want %d, %v in the order recorded", n, got, total, want)
		}
		stop := errors.New("stop")
		calls := 0
		err = s.eachReportAttempt(ctx, f.assignment.ID, batch, func(ReportAttempt) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("an error from fn: %v after %d calls; want it returned after 1", err, calls)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.EachReportAttempt(cctx, f.assignment.ID, func(ReportAttempt) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled read returned %v", err)
		}
		if err := s.EachReportAttempt(ctx, 999999, func(ReportAttempt) error { t.Error("called"); return nil }); err != nil {
			t.Errorf("no such assignment: %v", err)
		}
	})
}

// newFixture2 adds a second assignment to the fixture's course.
func newFixture2(t *testing.T, s *Store, f fixture) Assignment {
	t.Helper()
	a, err := s.CreateAssignment(context.Background(), NewAssignment{
		CourseID: f.course.ID, Title: "Week 2", Settings: defaultSettings(), CreatedBy: f.owner.ID,
		Items: []NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: SeedRecitation, Points: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestReportDeltaOf: the learners, the count at or below a watermark and
// the attempts above it, in id order.
func TestReportDeltaOf(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		delta := func(w int64) ReportDelta {
			t.Helper()
			d, err := s.ReportDeltaOf(ctx, f.course.ID, f.assignment.ID, w)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		if d := delta(0); d.AtOrBelow != 0 || len(d.Attempts) != 0 || len(d.Learners) != len(f.learners) {
			t.Errorf("no attempts: %+v", d)
		}
		var ids []int64
		for i := range 3 {
			l := f.learners[i%2]
			a, _, err := s.RecordAttempt(ctx, attempt(l.ID, f.assignment.Items[0].ID, "a", fmt.Sprint("k", i), float64(i%2)))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		d := delta(ids[0])
		if d.AtOrBelow != 1 || len(d.Attempts) != 2 || d.Attempts[0].ID != ids[1] || d.Attempts[1].ID != ids[2] {
			t.Errorf("since the first: %d at or below, %+v", d.AtOrBelow, d.Attempts)
		}
		if err := s.DeleteLearner(ctx, f.learners[0].ID); err != nil {
			t.Fatal(err)
		}
		// Learner 0 made attempts 0 and 2.
		if d := delta(ids[1]); d.AtOrBelow != 1 || len(d.Attempts) != 0 || len(d.Learners) != len(f.learners)-1 {
			t.Errorf("after deleting a learner: %+v", d)
		}
	})
}

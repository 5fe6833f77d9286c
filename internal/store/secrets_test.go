package store

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
)

func TestSiteSecret(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		a, err := s.SiteSecret(ctx, "learner-cookie", 32)
		if err != nil || len(a) != 32 {
			t.Fatalf("first SiteSecret = %x, %v", a, err)
		}
		if bytes.Equal(a, make([]byte, 32)) {
			t.Fatal("secret is all zeros")
		}
		b, err := s.SiteSecret(ctx, "learner-cookie", 32)
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("second SiteSecret = %x, %v; want the first %x", b, err, a)
		}
		other, err := s.SiteSecret(ctx, "other", 32)
		if err != nil || bytes.Equal(a, other) {
			t.Fatalf("another name gave %x, %v", other, err)
		}
		if _, err := s.SiteSecret(ctx, "learner-cookie", 64); !errors.Is(err, ErrInvalid) {
			t.Errorf("asking for another length: %v, want ErrInvalid", err)
		}
		for _, bad := range []struct {
			name string
			n    int
		}{{"", 32}, {"x", 8}, {"x", MaxSecretLen + 1}, {string(make([]byte, maxKeyLen+1)), 32}} {
			if _, err := s.SiteSecret(ctx, bad.name, bad.n); !errors.Is(err, ErrInvalid) {
				t.Errorf("SiteSecret(%q, %d) = %v, want ErrInvalid", bad.name, bad.n, err)
			}
		}
		// Many callers creating one secret at once all get the same bytes.
		var wg sync.WaitGroup
		got := make([][]byte, 8)
		errs := make([]error, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = s.SiteSecret(ctx, "race", 32)
			}()
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil || !bytes.Equal(got[i], got[0]) {
				t.Errorf("concurrent caller %d: %x, %v; want %x", i, got[i], errs[i], got[0])
			}
		}
	})
}

func TestSetAssignmentShareToken(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		if has, err := s.HasShareLink(ctx, f.assignment.ID); err != nil || has {
			t.Fatalf("fixture has a shared link: %v, %v", has, err)
		}
		if err := s.SetAssignmentShareToken(ctx, f.assignment.ID, "share-1"); err != nil {
			t.Fatal(err)
		}
		if a, err := s.AssignmentByShareToken(ctx, "share-1"); err != nil || a.ID != f.assignment.ID {
			t.Fatalf("by share-1: %+v, %v", a, err)
		}
		if err := s.SetAssignmentShareToken(ctx, f.assignment.ID, "share-2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssignmentByShareToken(ctx, "share-1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the replaced link still works: %v", err)
		}
		if has, err := s.HasShareLink(ctx, f.assignment.ID); err != nil || !has {
			t.Errorf("HasShareLink = %v, %v", has, err)
		}
		if err := s.SetAssignmentShareToken(ctx, f.assignment.ID+100, "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown assignment: %v", err)
		}
		if err := s.SetAssignmentShareToken(ctx, f.assignment.ID, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("empty token: %v", err)
		}
	})
}

func TestSetLearnerLinkTokens(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		other, err := s.CreateCourse(ctx, NewCourse{Title: "Other", TimeZone: "UTC", CreatedBy: f.owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		stranger, err := s.CreateLearner(ctx, NewLearner{CourseID: other.ID, Source: SourceRoster, RosterID: "x", Name: "X", LinkToken: "tok-x"})
		if err != nil {
			t.Fatal(err)
		}
		// A learner of another course in the batch: nothing changes.
		err = s.SetLearnerLinkTokens(ctx, f.course.ID, map[int64]string{f.learners[0].ID: "new-ada", stranger.ID: "new-x"})
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("batch with a stranger: %v", err)
		}
		if _, err := s.LearnerByLinkToken(ctx, "tok-ada"); err != nil {
			t.Errorf("a failed batch changed a link: %v", err)
		}
		if err := s.SetLearnerLinkTokens(ctx, f.course.ID, map[int64]string{f.learners[0].ID: "new-ada", f.learners[1].ID: "new-grace"}); err != nil {
			t.Fatal(err)
		}
		for tok, want := range map[string]int64{"new-ada": f.learners[0].ID, "new-grace": f.learners[1].ID} {
			if l, err := s.LearnerByLinkToken(ctx, tok); err != nil || l.ID != want {
				t.Errorf("%s: %v, %v", tok, l.ID, err)
			}
		}
		if _, err := s.LearnerByLinkToken(ctx, "tok-ada"); !errors.Is(err, ErrNotFound) {
			t.Errorf("old link still works: %v", err)
		}
	})
}

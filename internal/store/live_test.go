package store

import (
	"context"
	"errors"
	"testing"
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

package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPracticeState(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		ada, grace := f.learners[0].ID, f.learners[1].ID
		if _, err := s.GetPracticeState(ctx, ada); !errors.Is(err, ErrNotFound) {
			t.Fatalf("nothing stored: %v, want ErrNotFound", err)
		}
		if err := s.PutPracticeState(ctx, ada, []byte(`{"version":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.PutPracticeState(ctx, ada, []byte(`{"version":1,"skills":{}}`)); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetPracticeState(ctx, ada)
		if err != nil || string(got) != `{"version":1,"skills":{}}` {
			t.Fatalf("after two puts: %q, %v", got, err)
		}
		if _, err := s.GetPracticeState(ctx, grace); !errors.Is(err, ErrNotFound) {
			t.Errorf("another learner's state: %v, want ErrNotFound", err)
		}
		if err := s.PutPracticeState(ctx, ada, []byte(strings.Repeat("x", MaxPracticeStateLen+1))); !errors.Is(err, ErrInvalid) {
			t.Errorf("oversized state: %v, want ErrInvalid", err)
		}
		if err := s.PutPracticeState(ctx, ada, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("empty state: %v, want ErrInvalid", err)
		}
		if err := s.PutPracticeState(ctx, 999999, []byte(`{}`)); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown learner: %v, want ErrNotFound", err)
		}
		if err := s.DeleteLearner(ctx, ada); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPracticeState(ctx, ada); !errors.Is(err, ErrNotFound) {
			t.Errorf("after deleting the learner: %v, want ErrNotFound", err)
		}
	})
}

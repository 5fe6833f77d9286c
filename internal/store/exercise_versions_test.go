package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestExerciseVersions(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		if _, err := s.GetExerciseVersion(ctx, "conv-week3", "abc"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing version: %v, want ErrNotFound", err)
		}
		v := ExerciseVersion{ExerciseID: "conv-week3", Version: "abc", File: "conv.yaml", Source: []byte("id: conv-week3\n")}
		if err := s.SaveExerciseVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
		// Saving again is harmless, and never replaces the source.
		again := v
		again.Source = []byte("changed")
		if err := s.SaveExerciseVersion(ctx, again); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetExerciseVersion(ctx, "conv-week3", "abc")
		if err != nil || got.File != "conv.yaml" || !bytes.Equal(got.Source, v.Source) {
			t.Fatalf("got %+v, %v; want %+v", got, err, v)
		}
		for _, bad := range []ExerciseVersion{{Version: "a", File: "f"}, {ExerciseID: "x", File: "f"},
			{ExerciseID: "x", Version: "a", File: "f", Source: make([]byte, MaxExerciseSourceBytes+1)}} {
			if err := s.SaveExerciseVersion(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s/%s: %v, want ErrInvalid", bad.ExerciseID, bad.Version, err)
			}
		}
	})
}

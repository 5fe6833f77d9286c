package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

func TestAuthoredExercises(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		ada, err := s.CreateUser(ctx, NewUser{Email: "ada@example.edu", Role: RoleInstructor, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		bob, err := s.CreateUser(ctx, NewUser{Email: "bob@example.edu", Role: RoleInstructor, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		v1 := AuthoredExercise{ID: "conv-week3", OwnerID: ada.ID, Family: "conv-by-hand", Title: "Week 3", Source: []byte("id: conv-week3\n"), Version: "v1"}
		if _, err := s.CreateAuthoredExercise(ctx, v1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAuthoredExercise(ctx, v1); !errors.Is(err, ErrConflict) {
			t.Fatalf("second create with the same ID: %v, want ErrConflict", err)
		}
		if _, err := s.CreateAuthoredExercise(ctx, AuthoredExercise{ID: "pool-b", OwnerID: bob.ID, Family: "pooling", Title: "Pool", Source: []byte("x"), Version: "p1"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAuthoredExercise(ctx, "conv-week3")
		if err != nil || got.OwnerID != ada.ID || !bytes.Equal(got.Source, v1.Source) || got.Version != "v1" || !got.CreatedAt.Equal(t0) {
			t.Fatalf("get: %+v, %v", got, err)
		}
		// The first version is recorded like a file's.
		if ev, err := s.GetExerciseVersion(ctx, "conv-week3", "v1"); err != nil || ev.File != "conv-week3.yaml" || !bytes.Equal(ev.Source, v1.Source) {
			t.Fatalf("version v1: %+v, %v", ev, err)
		}
		// A change makes a new version; the old one stays resolvable.
		clock.Add(time.Minute)
		v2 := v1
		v2.OwnerID, v2.Source, v2.Version, v2.Title = bob.ID, []byte("id: conv-week3\ntitle: new\n"), "v2", "New"
		up, err := s.UpdateAuthoredExercise(ctx, v2)
		if err != nil {
			t.Fatal(err)
		}
		if up.OwnerID != ada.ID || up.Title != "New" || up.Version != "v2" || !up.CreatedAt.Equal(t0) || !up.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("updated: %+v (the owner and creation time are kept)", up)
		}
		for v, src := range map[string][]byte{"v1": v1.Source, "v2": v2.Source} {
			if ev, err := s.GetExerciseVersion(ctx, "conv-week3", v); err != nil || !bytes.Equal(ev.Source, src) {
				t.Fatalf("version %s: %+v, %v", v, ev, err)
			}
		}
		stamps, err := s.AuthoredStamps(ctx)
		if err != nil || len(stamps) != 2 || stamps[0] != (AuthoredStamp{"conv-week3", "v2"}) || stamps[1] != (AuthoredStamp{"pool-b", "p1"}) {
			t.Fatalf("stamps: %v, %v", stamps, err)
		}
		mine, err := s.ListAuthoredExercises(ctx, ada.ID)
		if err != nil || len(mine) != 1 || mine[0].ID != "conv-week3" || mine[0].Source != nil {
			t.Fatalf("ada's: %+v, %v", mine, err)
		}
		all, err := s.ListAuthoredExercises(ctx, 0)
		if err != nil || len(all) != 2 {
			t.Fatalf("all: %+v, %v", all, err)
		}
		if _, err := s.UpdateAuthoredExercise(ctx, AuthoredExercise{ID: "nope", Family: "f", Title: "t", Source: []byte("x"), Version: "v"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("update missing: %v, want ErrNotFound", err)
		}
		for _, bad := range []AuthoredExercise{{Family: "f", Title: "t", Source: []byte("x"), Version: "v"},
			{ID: "a", Family: "f", Title: "t", Version: "v"},
			{ID: "a", Family: "f", Title: "t", Version: "v", Source: make([]byte, MaxExerciseSourceBytes+1)}} {
			if _, err := s.CreateAuthoredExercise(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("create %q: %v, want ErrInvalid", bad.ID, err)
			}
		}
		if err := s.DeleteAuthoredExercise(ctx, "conv-week3"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAuthoredExercise(ctx, "conv-week3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: %v, want ErrNotFound", err)
		}
		if _, err := s.GetAuthoredExercise(ctx, "conv-week3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get deleted: %v", err)
		}
		// Its versions outlive it: assignment items made on it keep working.
		if _, err := s.GetExerciseVersion(ctx, "conv-week3", "v1"); err != nil {
			t.Fatalf("version after delete: %v", err)
		}
	})
}

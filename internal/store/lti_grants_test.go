package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestLTIGrants: a grant is read any number of times, used once (of two
// concurrent uses exactly one wins), is bound to its kind, and expires.
func TestLTIGrants(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			clock := &testClock{t: t0}
			cfg := b.open(t)
			cfg.Now = clock.Now
			s := openMigrated(t, cfg)
			if err := s.CreateLTIGrant(ctx, GrantDeepLink, "tok", []byte(`{"a":1}`), t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if p, err := s.LTIGrant(ctx, GrantDeepLink, "tok"); err != nil || string(p) != `{"a":1}` {
					t.Fatalf("read: %q %v", p, err)
				}
			}
			if _, err := s.LTIGrant(ctx, GrantRegister, "tok"); !errors.Is(err, ErrNotFound) {
				t.Errorf("read as another kind: %v", err)
			}
			var wg sync.WaitGroup
			wins := make(chan bool, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.UseLTIGrant(ctx, GrantDeepLink, "tok")
					if err != nil && !errors.Is(err, ErrNotFound) {
						t.Errorf("use: %v", err)
					}
					wins <- err == nil
				}()
			}
			wg.Wait()
			close(wins)
			n := 0
			for w := range wins {
				if w {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d concurrent uses won, want 1", n)
			}
			if _, err := s.LTIGrant(ctx, GrantDeepLink, "tok"); !errors.Is(err, ErrNotFound) {
				t.Errorf("read after use: %v", err)
			}
			if err := s.CreateLTIGrant(ctx, GrantRegister, "reg", []byte(`{}`), t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			clock.Add(time.Hour + time.Millisecond)
			if _, err := s.UseLTIGrant(ctx, GrantRegister, "reg"); !errors.Is(err, ErrNotFound) {
				t.Errorf("use after expiry: %v", err)
			}
			for _, bad := range []struct {
				kind LTIGrantKind
				tok  string
				n    int
			}{{"other", "t", 1}, {GrantDeepLink, "", 1}, {GrantDeepLink, "t", MaxLTIGrantPayload + 1}} {
				if err := s.CreateLTIGrant(ctx, bad.kind, bad.tok, make([]byte, bad.n), t0.Add(2*time.Hour)); !errors.Is(err, ErrInvalid) {
					t.Errorf("create %+v: %v, want ErrInvalid", bad, err)
				}
			}
		})
	}
}

// TestRotateLTIKey: the new key signs first; the old one stays published
// until its retirement, then a later rotation deletes it.
func TestRotateLTIKey(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			clock := &testClock{t: t0}
			cfg := b.open(t)
			cfg.Now = clock.Now
			s := openMigrated(t, cfg)
			if err := s.AddLTIKey(ctx, "k1", []byte{1}); err != nil {
				t.Fatal(err)
			}
			if err := s.RotateLTIKey(ctx, "k2", []byte{2}, t0.Add(48*time.Hour)); err != nil {
				t.Fatal(err)
			}
			ks, err := s.LTIKeys(ctx)
			if err != nil || len(ks) != 2 || ks[0].KID != "k2" || !ks[0].RetiresAt.IsZero() || ks[1].KID != "k1" || !ks[1].RetiresAt.Equal(t0.Add(48*time.Hour)) {
				t.Fatalf("after rotation: %+v %v", ks, err)
			}
			clock.Add(48 * time.Hour)
			if ks, _ := s.LTIKeys(ctx); len(ks) != 1 || ks[0].KID != "k2" {
				t.Fatalf("after retirement: %+v", ks)
			}
			if err := s.RotateLTIKey(ctx, "k3", []byte{3}, clock.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM lti_keys`).Scan(&n); err != nil || n != 2 {
				t.Errorf("rows after the second rotation: %d %v, want 2 (k1 deleted)", n, err)
			}
		})
	}
}

package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRateWindowSharedByTwoStores: two stores opened on one database (two
// replicas) count into the same window, so together they get one budget,
// not two; the window ends on time; concurrent hits are all counted.
func TestRateWindowSharedByTwoStores(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			clock := &testClock{t: t0}
			cfg := b.open(t)
			cfg.Now = clock.Now
			a := openMigrated(t, cfg)
			c := openMigrated(t, cfg)
			const window = 15 * time.Minute
			for i := 1; i <= 6; i++ {
				s := a
				if i%2 == 0 {
					s = c
				}
				n, ends, err := s.RateHit(ctx, "signin-account", "ada@example.edu", window)
				if err != nil || n != int64(i) || !ends.Equal(t0.Add(window)) {
					t.Fatalf("hit %d: %d, ends %v, %v; want %d ending %v", i, n, ends, err, i, t0.Add(window))
				}
			}
			for _, s := range []*Store{a, c} {
				if n, ends, err := s.RateHits(ctx, "signin-account", "ada@example.edu", window); err != nil || n != 6 || !ends.Equal(t0.Add(window)) {
					t.Errorf("hits seen: %d, %v, %v", n, ends, err)
				}
			}
			// Scopes and subjects are counted apart.
			if n, _, _ := c.RateHits(ctx, "signin-client", "ada@example.edu", window); n != 0 {
				t.Errorf("another scope: %d hits", n)
			}
			if n, _, _ := c.RateHit(ctx, "signin-account", "bob@example.edu", window); n != 1 {
				t.Errorf("another subject: %d hits", n)
			}
			// A window ends exactly `window` after its first hit.
			clock.Add(window - time.Millisecond)
			if n, _, _ := a.RateHits(ctx, "signin-account", "ada@example.edu", window); n != 6 {
				t.Errorf("just before the end: %d hits", n)
			}
			clock.Add(time.Millisecond)
			if n, _, _ := a.RateHits(ctx, "signin-account", "ada@example.edu", window); n != 0 {
				t.Errorf("at the end: %d hits, want 0", n)
			}
			n, ends, err := c.RateHit(ctx, "signin-account", "ada@example.edu", window)
			if err != nil || n != 1 || !ends.Equal(t0.Add(2*window)) {
				t.Errorf("first hit of a new window: %d, ends %v, %v", n, ends, err)
			}
			// Opening that window deleted bob's ended one.
			if n, _, _ := c.RateHits(ctx, "signin-account", "bob@example.edu", 100*window); n != 0 {
				t.Errorf("ended window of another subject kept: %d hits", n)
			}
			// Hits from both stores at once are all counted.
			var wg sync.WaitGroup
			for i := range 20 {
				s := a
				if i%2 == 0 {
					s = c
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, _, err := s.RateHit(ctx, "share", "192.0.2.1", window); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if n, _, _ := a.RateHits(ctx, "share", "192.0.2.1", window); n != 20 {
				t.Errorf("concurrent hits: %d counted, want 20", n)
			}
		})
	}
}

func TestRateArgsBounded(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		for _, tc := range []struct {
			scope, subject string
			window         time.Duration
		}{
			{"", "x", time.Minute},
			{strings.Repeat("s", MaxRateScopeLen+1), "x", time.Minute},
			{"s", strings.Repeat("x", MaxRateSubjectLen+1), time.Minute},
			{"s", "x", time.Millisecond},
		} {
			if _, _, err := s.RateHit(ctx, tc.scope, tc.subject, tc.window); !errors.Is(err, ErrInvalid) {
				t.Errorf("RateHit(%d-byte scope, %d-byte subject, %v): %v, want ErrInvalid", len(tc.scope), len(tc.subject), tc.window, err)
			}
		}
	})
}

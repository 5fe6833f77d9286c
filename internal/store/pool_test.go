package store

import (
	"context"
	"errors"
	"testing"
)

// TestPostgresPoolSize: Config.MaxConns sizes the PostgreSQL pool (0: the
// default, four per core and at least 8), the priority lane included (its
// connections come out of the pool), out-of-range sizes are refused
// naming the bound, and SQLite ignores it (one writer connection).
func TestPostgresPoolSize(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			for _, tc := range []struct {
				maxConns, want int
			}{{0, DefaultMaxConns()}, {MinMaxConns, MinMaxConns}, {12, 12}} {
				cfg := b.open(t)
				cfg.MaxConns = tc.maxConns
				s, err := Open(ctx, cfg)
				if err != nil {
					t.Fatalf("MaxConns %d: %v", tc.maxConns, err)
				}
				got := s.write.Stats().MaxOpenConnections
				if b.name == "postgres" {
					got += s.PriorityReads().MaxOpenConnections
				}
				if lane := s.PriorityReads().MaxOpenConnections; lane != priorityConns {
					t.Errorf("MaxConns %d: priority lane of %d, want %d", tc.maxConns, lane, priorityConns)
				}
				s.Close()
				if b.name == "sqlite" {
					tc.want = 1
				}
				if got != tc.want {
					t.Errorf("MaxConns %d: pool of %d, want %d", tc.maxConns, got, tc.want)
				}
			}
			if b.name != "postgres" {
				return
			}
			for _, n := range []int{MinMaxConns - 1, -1, MaxMaxConns + 1} {
				cfg := b.open(t)
				cfg.MaxConns = n
				if s, err := Open(ctx, cfg); !errors.Is(err, ErrInvalid) {
					if err == nil {
						s.Close()
					}
					t.Errorf("MaxConns %d: err %v, want ErrInvalid", n, err)
				}
			}
			if DefaultMaxConns() < 8 {
				t.Errorf("default pool %d is below 8", DefaultMaxConns())
			}
		})
	}
}

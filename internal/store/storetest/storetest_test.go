package storetest

import (
	"context"
	"testing"

	"github.com/stride-tutor/stride/internal/store"
)

func TestMarkMigrated(t *testing.T) {
	ctx := context.Background()
	cfg := store.Config{DataDir: t.TempDir()}
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, latest, _, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := MarkMigrated(ctx, cfg, latest+1); err != nil {
		t.Fatal(err)
	}
	if err := MarkMigrated(ctx, cfg, latest+1); err == nil {
		t.Error("marking the same version twice succeeded")
	}
	s, err = store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	current, known, _, err := s.MigrationStatus(ctx)
	if err != nil || current != latest+1 || known != latest {
		t.Errorf("after marking %d: current %d, latest known %d, err %v", latest+1, current, known, err)
	}
}

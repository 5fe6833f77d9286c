package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/store"
)

// TestLTIRotateKeyCommand: each rotation adds a signing key; the previous
// ones stay published with a retirement time; bad flags exit 2.
func TestLTIRotateKeyCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for i := range 2 {
		code, out, errOut := runLTI(t, "rotate-key", "--retire-after", "1h", "-data-dir", dir)
		if code != 0 || !strings.Contains(out, "new LTI signing key") {
			t.Fatalf("rotation %d: exit %d\n%s%s", i, code, out, errOut)
		}
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ks, err := db.LTIKeys(ctx)
	if err != nil || len(ks) != 2 || !ks[0].RetiresAt.IsZero() || ks[1].RetiresAt.IsZero() {
		t.Fatalf("keys after two rotations: %d %v", len(ks), err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rotate-key", "--retire-after", "soon", "-data-dir", dir}, "not a duration"},
		{[]string{"rotate-key", "--retire-after", "-1h", "-data-dir", dir}, "not a duration"},
		{[]string{"rotate-key", "--retire-after", "10000h", "-data-dir", dir}, "not a duration"},
		{[]string{"rotate-key", "extra", "-data-dir", dir}, "unexpected argument"},
	} {
		if code, _, errOut := runLTI(t, tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %s", tc.args, code, errOut)
		}
	}
}

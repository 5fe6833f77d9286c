package web

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/store"
)

// Most tests of this package need an empty, migrated SQLite database.
// Running the migrations costs about half a second of CPU under the race
// detector, and the first start of a server on a new database generates
// the LTI tool's 2048-bit RSA key (another 0.1-1 s); together they were a
// large share of the package's run time. So one template database is
// migrated and given its LTI key once per test binary, and each test gets a
// copy of the file. What the tests see is the same as before: a database
// that has been migrated and started once. The migrations themselves are
// tested in internal/store, and the key's generation in internal/lti and
// cmd/server.

var templateDB struct {
	once sync.Once
	dir  string
	err  error
}

// buildTemplateDB makes the template database in a directory of its own
// (removed by TestMain).
func buildTemplateDB() (string, error) {
	dir, err := os.MkdirTemp("", "stride-web-template-")
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return dir, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return dir, fmt.Errorf("migrate: %w", err)
	}
	if _, err := lti.New(ctx, lti.Config{Store: st}); err != nil {
		st.Close()
		return dir, fmt.Errorf("LTI key: %w", err)
	}
	// Closing checkpoints the WAL into the main file, so the file alone
	// is the whole database.
	if err := st.Close(); err != nil {
		return dir, fmt.Errorf("close: %w", err)
	}
	return dir, nil
}

// removeTemplateDB deletes the template, if one was made.
func removeTemplateDB() {
	if templateDB.dir != "" {
		os.RemoveAll(templateDB.dir)
	}
}

// testDataDir returns a new data directory holding a copy of the template
// database: migrated, with an LTI key, and otherwise empty. store.Open on it
// opens that database; a Migrate on it finds nothing to do.
func testDataDir(tb testing.TB) string {
	tb.Helper()
	templateDB.once.Do(func() { templateDB.dir, templateDB.err = buildTemplateDB() })
	if templateDB.err != nil {
		tb.Fatalf("template database: %v", templateDB.err)
	}
	dir := tb.TempDir()
	src, err := os.Open(filepath.Join(templateDB.dir, store.SQLiteFile))
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, store.SQLiteFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		tb.Fatalf("copy the template database: %v", err)
	}
	if err := dst.Close(); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Package storetest puts a database into states that the store's API never
// creates, for tests of other packages, so that they need not write SQL
// themselves (only internal/store talks to the database).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/stride-tutor/stride/internal/store"
)

// MarkMigrated records schema version as applied in the database cfg
// names, without running anything, exactly as a newer release's migration
// would leave the version table: the state a rolling update produces when a
// newer replica migrated first. The store must be migrated already and
// closed (SQLite) or idle.
func MarkMigrated(ctx context.Context, cfg store.Config, version int64) error {
	driver, dsn, dialect := "pgx", cfg.DatabaseURL, goose.DialectPostgres
	if cfg.DatabaseURL == "" {
		path, err := filepath.Abs(filepath.Join(cfg.DataDir, store.SQLiteFile))
		if err != nil {
			return fmt.Errorf("mark migrated: %w", err)
		}
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		driver, dsn, dialect = "sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode(), goose.DialectSQLite3
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return fmt.Errorf("mark migrated: %w", err)
	}
	defer db.Close()
	// A Go migration with no functions: goose records the version and runs
	// nothing.
	p, err := goose.NewProvider(dialect, db, nil,
		goose.WithGoMigrations(goose.NewGoMigration(version, nil, nil)),
		goose.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		return fmt.Errorf("mark migrated: %w", err)
	}
	if _, err := p.ApplyVersion(ctx, version, true); err != nil {
		return fmt.Errorf("mark version %d migrated: %w", version, err)
	}
	return nil
}

// PostgresSchema creates an empty schema named after prefix plus random
// hex in the PostgreSQL database base names and returns a URL that uses
// it (search_path) and a function that drops it. Several processes opened
// on that URL share one database, as replicas of a site do.
func PostgresSchema(ctx context.Context, base, prefix string) (string, func() error, error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("postgres schema: %w", err)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("postgres schema: %w", err)
	}
	schema := prefix + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() error {
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, drop, nil
}

// migratedSQLite is a migrated, otherwise empty SQLite database file, made
// once per test process: running the migrations costs about 0.4 CPU-s
// under the race detector (modernc.org/sqlite runs with checkptr's checks
// there), which tests that each open a new database paid every time.
var migratedSQLite = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "stride-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	// Closing checkpoints the WAL into the main file, so the file alone
	// is the whole database.
	if err := st.Close(); err != nil {
		return nil, fmt.Errorf("close: %w", err)
	}
	return os.ReadFile(filepath.Join(dir, store.SQLiteFile))
})

// MigratedSQLiteDir returns a new data directory (under tb.TempDir) whose
// SQLite database is migrated and otherwise empty: the same database a
// store.Open and Migrate on an empty directory make, copied from one made
// once per test process. A Migrate on it finds nothing to do. The
// migrations themselves are tested in internal/store.
func MigratedSQLiteDir(tb testing.TB) string {
	tb.Helper()
	b, err := migratedSQLite()
	if err != nil {
		tb.Fatalf("migrated SQLite template: %v", err)
	}
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, store.SQLiteFile), b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return dir
}

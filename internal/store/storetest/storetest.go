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
	"path/filepath"
	"strings"

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

// Package storetest puts a database into states that the store's API never
// creates, for tests of other packages, so that they need not write SQL
// themselves (only internal/store talks to the database).
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/url"
	"path/filepath"

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

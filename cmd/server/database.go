package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// dbTimeout bounds opening and migrating the database at start-up and in
// the subcommands, so an unreachable PostgreSQL fails start-up with a clear
// error instead of hanging.
const dbTimeout = 60 * time.Second

// openDatabase opens the configured database and applies pending
// migrations: a new binary brings its schema with it.
func openDatabase(ctx context.Context, cfg config, logger *slog.Logger) (*store.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	db, err := store.Open(ctx, store.Config{DataDir: cfg.dataDir, DatabaseURL: cfg.databaseURL, MaxConns: cfg.databaseMaxConns})
	if err != nil {
		return nil, fmt.Errorf("database (%s): %w", describeDatabase(cfg), err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database (%s): %w", describeDatabase(cfg), err)
	}
	version, latest, _, err := db.MigrationStatus(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database (%s): %w", describeDatabase(cfg), err)
	}
	if version > latest {
		// A newer replica migrated it (a rolling update) or this binary is a
		// rollback. Serving on is what keeps a rolling update available, so
		// migrations must stay readable by the previous release; say so.
		logger.Warn("database schema is newer than this binary; run the newer Stride",
			"schema_version", version, "binary_knows", latest)
	}
	logger.Info("database ready", "database", describeDatabase(cfg), "schema_version", version)
	return db, nil
}

// describeDatabase names the database for logs and messages, without a
// password.
func describeDatabase(cfg config) string {
	if cfg.databaseURL == "" {
		return "sqlite " + filepath.Join(cfg.dataDir, store.SQLiteFile)
	}
	u, err := url.Parse(cfg.databaseURL)
	if err != nil {
		return "postgres (unparsable URL)"
	}
	// The query may carry a password too (?password=...).
	if u.RawQuery != "" {
		u.RawQuery = "..."
	}
	return "postgres " + u.Redacted()
}

// migrateCommand is `stride migrate status|up [flags]`.
func migrateCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "status" && args[0] != "up") {
		fmt.Fprintf(stderr, "stride migrate: say status or up, e.g. stride migrate status -data-dir ./stride-data\n")
		return 2
	}
	sub := args[0]
	cfg, err := parseConfig(args[1:], getenv, stdout)
	if err != nil {
		if isHelp(err) {
			return 0
		}
		fmt.Fprintf(stderr, "stride migrate %s: invalid configuration: %v\n", sub, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if cfg.databaseURL == "" && sub == "status" {
		// Reporting must not create a database where there is none.
		if _, err := os.Stat(filepath.Join(cfg.dataDir, store.SQLiteFile)); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stdout, "database: %s\nno database yet: schema version 0; the server creates and migrates it on first start\n", describeDatabase(cfg))
			return 0
		}
	}
	db, err := store.Open(ctx, store.Config{DataDir: cfg.dataDir, DatabaseURL: cfg.databaseURL})
	if err != nil {
		fmt.Fprintf(stderr, "stride migrate %s: %v\n", sub, err)
		return 1
	}
	defer db.Close()
	if sub == "up" {
		if err := db.Migrate(ctx); err != nil {
			fmt.Fprintf(stderr, "stride migrate up: %v\n", err)
			return 1
		}
	}
	current, latest, all, err := db.MigrationStatus(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "stride migrate %s: %v\n", sub, err)
		return 1
	}
	fmt.Fprintf(stdout, "database: %s\nschema version: %d (this binary knows up to %d)\n", describeDatabase(cfg), current, latest)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	for _, m := range all {
		state := "pending"
		if m.Applied {
			state = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\n", m.Version, m.Name, state)
	}
	_ = tw.Flush()
	if current > latest {
		fmt.Fprintf(stdout, "the database is newer than this binary: run the newer Stride\n")
	}
	return 0
}

// backupCommand is `stride backup [flags] FILE`: a consistent copy of the
// SQLite database, safe while the server runs.
func backupCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, rest, err := parseConfigArgs(args, getenv, stdout)
	if err != nil {
		if isHelp(err) {
			return 0
		}
		fmt.Fprintf(stderr, "stride backup: invalid configuration: %v\n", err)
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintf(stderr, "stride backup: give one FILE after the flags, e.g. stride backup -data-dir ./stride-data stride-2026-03-02.db\n")
		return 2
	}
	if cfg.databaseURL != "" {
		fmt.Fprintf(stderr, "stride backup: the database is PostgreSQL (%s); back it up with PostgreSQL's own tool:\n"+
			"  pg_dump --format=custom --file=stride.dump \"$STRIDE_DATABASE_URL\"\n"+
			"and restore with pg_restore (see the README's Backup and restore section)\n", describeDatabase(cfg))
		return 1
	}
	if _, err := os.Stat(filepath.Join(cfg.dataDir, store.SQLiteFile)); err != nil {
		fmt.Fprintf(stderr, "stride backup: no database at %s: %v\n", describeDatabase(cfg), err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	db, err := store.Open(ctx, store.Config{DataDir: cfg.dataDir})
	if err != nil {
		fmt.Fprintf(stderr, "stride backup: %v\n", err)
		return 1
	}
	defer db.Close()
	start := time.Now()
	if err := db.Backup(ctx, rest[0]); err != nil {
		fmt.Fprintf(stderr, "stride backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backed up %s to %s in %v\n", describeDatabase(cfg), rest[0], time.Since(start).Round(time.Millisecond))
	return 0
}

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/internal/store/storetest"
)

// startTimeout bounds how long the tests wait for serve to listen. Start-up
// now opens and migrates a database (fsyncs on a shared, busy disk), so
// this is generous: it only turns a hang into a failure.
const startTimeout = 2 * time.Minute

// runCmd runs the binary's entry point with args and environment.
func runCmd(t *testing.T, envm map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, env(envm), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestMigrateStatusCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := map[string]string{"STRIDE_DATA_DIR": dir}
	code, out, errOut := runCmd(t, e, "migrate", "status")
	if code != 0 || !strings.Contains(out, "schema version 0") {
		t.Fatalf("status of no database: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("migrate status created %s (%v); it must only report", dir, err)
	}
	// The server's start-up creates and migrates it.
	db, err := openDatabase(context.Background(), config{dataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, latest, _, err := db.MigrationStatus(context.Background())
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, nil, "migrate", "status", "-data-dir", dir)
	want := "schema version: " + itoa(latest) + " (this binary knows up to " + itoa(latest) + ")"
	if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "00001_people.sql") || strings.Contains(out, "pending") {
		t.Fatalf("status after migration: exit %d, want %q\n%s%s", code, want, out, errOut)
	}
	// migrate up on a new directory applies everything.
	dir2 := filepath.Join(t.TempDir(), "d2")
	code, out, errOut = runCmd(t, nil, "migrate", "up", "-data-dir", dir2)
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("migrate up: exit %d\n%s%s", code, out, errOut)
	}
	for _, args := range [][]string{{"migrate"}, {"migrate", "down"}} {
		if code, _, errOut := runCmd(t, e, args...); code != 2 || !strings.Contains(errOut, "status or up") {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestBackupCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := openDatabase(ctx, config{dataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// The server keeps its database open while the backup runs.
	defer db.Close()
	if _, err := db.CreateUser(ctx, store.NewUser{Email: "admin@example.edu", Role: store.RoleAdmin, PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	code, out, errOut := runCmd(t, map[string]string{"STRIDE_DATA_DIR": dir}, "backup", file)
	if code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	// Restore: the copy is a data directory's database.
	restored := t.TempDir()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, store.SQLiteFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := openDatabase(ctx, config{dataDir: restored}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.GetUserByEmail(ctx, "admin@example.edu"); err != nil {
		t.Errorf("restored database lacks the account: %v", err)
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"existing file", map[string]string{"STRIDE_DATA_DIR": dir}, []string{"backup", file}, 1, "already exists"},
		{"no file", map[string]string{"STRIDE_DATA_DIR": dir}, []string{"backup"}, 2, "give one FILE"},
		{"no database", map[string]string{"STRIDE_DATA_DIR": filepath.Join(dir, "none")}, []string{"backup", file + "2"}, 1, "no database"},
		{"postgres", map[string]string{"STRIDE_DATABASE_URL": "postgres://u:s3cret@db.invalid/stride"}, []string{"backup", file + "3"}, 1, "pg_dump"},
	} {
		code, out, errOut := runCmd(t, tc.env, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, want %d with %q\n%s%s", tc.name, code, tc.code, tc.want, out, errOut)
		}
		if strings.Contains(out+errOut, "s3cret") {
			t.Errorf("%s: output shows the database password:\n%s%s", tc.name, out, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup of a missing database created its directory")
	}
}

func TestDescribeDatabaseHidesPasswords(t *testing.T) {
	for _, u := range []string{"postgres://stride:s3cret@db:5432/stride", "postgres://db/stride?user=stride&password=s3cret"} {
		got := describeDatabase(config{databaseURL: u})
		if strings.Contains(got, "s3cret") || !strings.Contains(got, "db") {
			t.Errorf("describeDatabase(%s) = %q", u, got)
		}
	}
}

func TestInvalidDatabaseURLIsNotEchoed(t *testing.T) {
	code, _, errOut := runCmd(t, map[string]string{"STRIDE_DATABASE_URL": "mysql://u:s3cret@db/x"})
	if code != 2 || !strings.Contains(errOut, "STRIDE_DATABASE_URL") || strings.Contains(errOut, "s3cret") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestServeOpensAndClosesTheDatabase: start-up creates the data directory
// and a migrated database; shutdown closes it (SQLite then folds its
// write-ahead log into the database file and removes it).
func TestServeOpensAndClosesTheDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stride-data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	cfg := config{addr: "127.0.0.1:0", logFormat: "text", maxStreams: 10, dataDir: dir}
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(startTimeout):
		t.Fatal("server did not start")
	}
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); err != nil {
		t.Errorf("while serving, the database is not open in WAL mode: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after shutdown the WAL file remains (%v): the database was not closed", err)
	}
	code, out, _ := runCmd(t, map[string]string{"STRIDE_DATA_DIR": dir}, "migrate", "status")
	if code != 0 || strings.Contains(out, "pending") || !strings.Contains(out, "applied") {
		t.Errorf("after start-up: %s", out)
	}
}

func TestServeFailsOnUnusableDataDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	code := run([]string{"-addr", "127.0.0.1:0"}, env(map[string]string{"STRIDE_DATA_DIR": filepath.Join(file, "sub")}), io.Discard, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "data directory") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
}

// TestNewerSchemaWarns: a database migrated by a newer release (a rolling
// update) is served, with a warning naming both versions.
func TestNewerSchemaWarns(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := openDatabase(ctx, config{dataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, latest, _, err := db.MigrationStatus(ctx)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// A later release's migration, recorded as goose records it.
	if err := storetest.MarkMigrated(ctx, store.Config{DataDir: dir}, latest+1); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	db, err = openDatabase(ctx, config{dataDir: dir}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("a newer schema stopped start-up: %v", err)
	}
	db.Close()
	want := "schema_version=" + itoa(latest+1) + " binary_knows=" + itoa(latest)
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), want) {
		t.Errorf("no warning with %q:\n%s", want, logs.String())
	}
}

// Package store is Stride's persistence: instructor accounts and sessions,
// courses, learners, assignments and the attempt record. It is the only
// package that writes SQL.
//
// Two databases are supported with one schema and one behaviour: an embedded
// SQLite file (modernc.org/sqlite, pure Go, so the binary stays static) by
// default, and PostgreSQL (pgx) when several replicas share one database.
// Every query here runs unchanged on both ($n placeholders, ON CONFLICT,
// RETURNING, window functions); the few differences (DDL types, row locks)
// sit behind the dialect type. Times are stored as Unix milliseconds.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/stride-tutor/stride/internal/flight"

	// Time zones are validated with time.LoadLocation; the zone database is
	// embedded so that works in an image with no /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Errors callers can test with errors.Is.
var (
	// ErrNotFound: no such row (or it belongs to another course).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the row would duplicate a unique value (an e-mail, a roster id, ...).
	ErrConflict = errors.New("already exists")
	// ErrInvalid: a value breaks a rule of the schema (an unknown role, an empty title, ...).
	ErrInvalid = errors.New("invalid value")
	// ErrAttemptLimit: the learner has used every attempt the assignment allows for the part.
	ErrAttemptLimit = errors.New("no attempts left")
)

// SQLiteFile is the database's file name inside the data directory.
const SQLiteFile = "stride.db"

//go:embed migrations
var migrations embed.FS

// Config says which database to open.
type Config struct {
	// DatabaseURL selects PostgreSQL (postgres:// or postgresql://). When
	// empty, the SQLite database in DataDir is used.
	DatabaseURL string
	// DataDir holds the SQLite database; created (0700) when missing.
	DataDir string
	// Now is the clock; time.Now when nil. Tests set it.
	Now func() time.Time
	// AttemptWriters is how many group-commit writers record attempts
	// (groupcommit.go): 0 means the database's default, -1 one transaction
	// per RecordAttempt call. The server leaves it 0; tests and
	// cmd/classload set it to compare the modes.
	AttemptWriters int
	// BeforeAttemptCommit, when set, is called by a group-commit writer
	// after recording a batch and before committing it; it may block,
	// holding the batch uncommitted. Tests use it to hold a commit and
	// check that nothing is acknowledged before it (and that a waiting
	// check holds no work slot). The server leaves it nil.
	BeforeAttemptCommit func()
	// MaxConns bounds the PostgreSQL connection pool (each connection is
	// a PostgreSQL server process); 0 means DefaultMaxConns. SQLite
	// ignores it.
	MaxConns int
}

// DefaultMaxConns is the PostgreSQL pool size when Config.MaxConns is 0:
// four connections per core of this machine, at least 8. A connection
// beyond what the database's cores can run adds no throughput: with 20
// per replica on 2 cores, 40 server processes competed for the cores and
// the group-commit writers' batches stayed small (BENCHMARKS.md, branch
// livepg2). Set it to the database host's cores × 4 divided by the
// number of replicas when PostgreSQL runs elsewhere.
func DefaultMaxConns() int {
	return max(8, 4*runtime.GOMAXPROCS(0))
}

// MinMaxConns and MaxMaxConns bound Config.MaxConns: the group-commit and
// live writers, the notice listener's sends and the reads must all get a
// connection (PostgreSQL's own default max_connections is 100).
const (
	MinMaxConns = 4
	MaxMaxConns = 1000
)

// dialect holds what differs between the two databases.
type dialect struct {
	name  string        // "sqlite" or "postgres": the migrations directory
	goose goose.Dialect // the goose dialect of that directory
	// forUpdate is appended to a SELECT to lock the row until the end of the
	// transaction. SQLite has one writer and BEGIN IMMEDIATE, so it needs none.
	forUpdate string
	// forNoKeyUpdate locks a row that the transaction will update without
	// changing a key column (PostgreSQL's FOR NO KEY UPDATE). Unlike FOR
	// UPDATE it does not conflict with the FOR KEY SHARE lock a foreign
	// key check takes on the parent row: every live answer inserts an
	// attempt referencing its live_sessions row, and a control that locked
	// the row FOR UPDATE waited for every attempt batch holding such a lock
	// while new batches queued behind the control (BENCHMARKS.md, "Live
	// sessions on two PostgreSQL replicas").
	forNoKeyUpdate string
	// attemptWriters is the number of group-commit writer goroutines for
	// RecordAttempt (groupcommit.go). SQLite: one, as it has one writer
	// connection; batching is what lets one fsync acknowledge many
	// attempts. PostgreSQL: four, each batching on its own connection. At
	// 64 concurrent callers batching and a transaction per call were equal
	// there, but with 2,000 students submitting (cmd/classload) a
	// transaction per call had a p99 six times longer (BENCHMARKS.md,
	// "Group commit"): fewer, larger transactions mean fewer commits and
	// fewer busy server processes.
	attemptWriters int
}

var (
	sqliteDialect   = dialect{name: "sqlite", goose: goose.DialectSQLite3, attemptWriters: 1}
	postgresDialect = dialect{name: "postgres", goose: goose.DialectPostgres, forUpdate: " FOR UPDATE", forNoKeyUpdate: " FOR NO KEY UPDATE", attemptWriters: 4}
)

// Store is the database. It is safe for concurrent use.
type Store struct {
	// write runs every transaction that writes. For SQLite it is a pool of
	// one connection (SQLite allows one writer; queueing in Go is cheaper
	// than SQLITE_BUSY retries); for PostgreSQL it is the same pool as read.
	write *sql.DB
	// read serves queries that only read (readpool.go).
	read    *readPool
	dialect dialect
	now     func() time.Time
	// path is the SQLite file; "" for PostgreSQL.
	path string
	// dsn is the PostgreSQL URL, for the listening connection (notify.go).
	dsn string
	// closed is closed by Close: listeners stop.
	closed chan struct{}
	// channel is the live notification channel (notify.go), set once.
	channelMu sync.Mutex
	channel   string
	// attempts batches RecordAttempt calls into shared transactions; nil
	// when each call has its own.
	attempts *attemptWriter
	// liveW batches live state updates (livecommit.go), started on first use.
	liveMu sync.Mutex
	liveW  *liveWriter
	// writeGate lets live updates use SQLite's one writer connection
	// before the attempt writer (writegate.go); nil on PostgreSQL.
	writeGate *writeGate
	// beforeCommit is Config.BeforeAttemptCommit.
	beforeCommit func()
	// batchHook, set by tests only, runs in each group-commit batch's
	// transaction before its commit; an error fails the batch.
	batchHook func(*sql.Tx) error
	// stmts are RecordAttempt's prepared statements (attemptStatements).
	stmtMu sync.Mutex
	stmts  *attemptStmts
	// cache holds the assignments and learners checks read (checkcache.go).
	cache checkCache
	// itemCache holds learners' attempts per item (attemptcache.go);
	// SQLite only, nil on PostgreSQL.
	itemCache *attemptCache
	// pageReads, answerReads and learnerReads batch HasItemAttempts,
	// ItemAttempts and CachedLearner's reads on PostgreSQL (itembatch.go);
	// nil on SQLite.
	pageReads    *itemBatches[bool]
	answerReads  *itemBatches[batchedAttempts]
	learnerReads *itemBatches[Learner]
	// answerReadRows bounds a batched attempts query (answerreads.go).
	answerReadRows int
	// assignmentReads and liveCodeReads share concurrent identical reads
	// (internal/flight): a room arriving at once reads once.
	assignmentReads flight.Group[assignmentRead, Assignment]
	liveCodeReads   flight.Group[string, LiveSession]
	closeOnce       sync.Once
	closeErr        error
}

// Open opens the database that cfg names, creating the data directory and
// the SQLite file when missing. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	var s *Store
	var err error
	if cfg.DatabaseURL != "" {
		if cfg.MaxConns != 0 && (cfg.MaxConns < MinMaxConns || cfg.MaxConns > MaxMaxConns) {
			return nil, fmt.Errorf("%w: the pool size %d is not from %d to %d", ErrInvalid, cfg.MaxConns, MinMaxConns, MaxMaxConns)
		}
		n := cfg.MaxConns
		if n == 0 {
			n = DefaultMaxConns()
		}
		s, err = openPostgres(ctx, cfg.DatabaseURL, now, n)
	} else {
		s, err = openSQLite(ctx, cfg.DataDir, now)
	}
	if err != nil {
		return nil, err
	}
	s.beforeCommit = cfg.BeforeAttemptCommit
	n := cfg.AttemptWriters
	if n == 0 {
		n = s.dialect.attemptWriters
	}
	if n > 0 {
		s.attempts = startAttemptWriter(s, n)
	}
	return s, nil
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func openPostgres(ctx context.Context, dsn string, now func() time.Time, maxConns int) (*Store, error) {
	if !IsPostgresURL(dsn) {
		return nil, fmt.Errorf("database URL must start with postgres:// or postgresql://")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// The priority lane's connections (priority.go) come out of maxConns.
	db.SetMaxOpenConns(maxConns - priorityConns)
	db.SetMaxIdleConns(maxConns - priorityConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", redactErr(err, dsn))
	}
	read := newReadPool(db, false)
	if err := read.openPriorityLane(func() (*sql.DB, error) { return sql.Open("pgx", dsn) }); err != nil {
		db.Close()
		return nil, err
	}
	read.prio.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{write: db, read: read, dialect: postgresDialect, now: now, dsn: dsn, closed: make(chan struct{}),
		answerReadRows: maxAnswerReadRows}
	slots := make(chan struct{}, itemBatchConns(maxConns-priorityConns))
	s.pageReads, s.answerReads, s.learnerReads = newPageReads(s, slots), newAnswerReads(s, slots), newLearnerReads(s, slots)
	return s, nil
}

// redactErr keeps a password in the URL out of error messages (and so logs).
func redactErr(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" && strings.Contains(err.Error(), p) {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

// sqliteDSN builds the connection string. Every connection gets:
// busy_timeout, so a reader never fails at once while a checkpoint runs;
// foreign_keys, which SQLite leaves off by default; WAL, so readers do not
// block the writer; synchronous=FULL, so a commit is on disk (WAL fsynced)
// before it returns: an acknowledged attempt survives SIGKILL and power loss.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Take the write lock at BEGIN, so a transaction that reads and then
		// writes cannot fail halfway with SQLITE_BUSY.
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func openSQLite(ctx context.Context, dir string, now func() time.Time) (*Store, error) {
	if dir == "" {
		return nil, fmt.Errorf("no data directory for the SQLite database")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, SQLiteFile))
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	write, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The first connection creates the file and switches it to WAL, before
	// any reader opens it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	var mode string
	if err := write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		write.Close()
		return nil, fmt.Errorf("sqlite %s: journal mode is %q, want wal: %v", path, mode, err)
	}
	read, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	reads := newReadPool(read, true)
	if err := reads.openPriorityLane(func() (*sql.DB, error) { return sql.Open("sqlite", sqliteDSN(path, true)) }); err != nil {
		read.Close()
		write.Close()
		return nil, err
	}
	return &Store{write: write, read: reads, writeGate: newWriteGate(), dialect: sqliteDialect, now: now, path: path, closed: make(chan struct{}),
		itemCache: &attemptCache{lists: map[itemKey]*itemList{}, answered: map[itemOfAssignment]*answeredSet{}}}, nil
}

// Close closes the database. Attempts already handed to RecordAttempt are
// recorded first (and their callers answered); later calls fail. With
// SQLite the last close checkpoints the WAL into the main file. Calling
// Close again returns the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.attempts != nil {
			s.attempts.close()
		}
		s.closeLiveWriter()
		var errs []error
		s.stmtMu.Lock()
		if s.stmts != nil {
			errs = append(errs, s.stmts.close())
		}
		s.stmtMu.Unlock()
		if s.read.DB != s.write {
			errs = append(errs, s.read.Close()) // with its priority lane
		} else if s.read.prio != nil {
			errs = append(errs, s.read.prio.Close())
		}
		errs = append(errs, s.write.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("close database: %w", err)
		}
	})
	return s.closeErr
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name }

// Path is the SQLite database file, or "" for PostgreSQL.
func (s *Store) Path() string { return s.path }

// Ping checks the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// provider is goose over this store's embedded migrations. With PostgreSQL a
// session advisory lock makes replicas that start together migrate one at a
// time.
func (s *Store) provider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+s.dialect.name)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var opts []goose.ProviderOption
	if s.dialect.name == "postgres" {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(s.dialect.goose, s.write, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every migration not yet applied.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s database: %w", s.dialect.name, err)
	}
	return nil
}

// MigrateTo applies migrations up to and including version (tests use it to
// start from an earlier schema).
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("migrate %s database to version %d: %w", s.dialect.name, version, err)
	}
	return nil
}

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Version   int64
	Name      string // the file name, e.g. 00001_people.sql
	Applied   bool
	AppliedAt time.Time // zero when not applied
}

// MigrationStatus reports the database's schema version (0 for an empty
// database), the newest version this binary knows, and every migration.
func (s *Store) MigrationStatus(ctx context.Context) (current, latest int64, all []MigrationState, err error) {
	p, err := s.provider()
	if err != nil {
		return 0, 0, nil, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("read schema version: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("read migration status: %w", err)
	}
	for _, m := range st {
		all = append(all, MigrationState{
			Version: m.Source.Version, Name: filepath.Base(m.Source.Path),
			Applied: m.State == goose.StateApplied, AppliedAt: m.AppliedAt,
		})
		latest = max(latest, m.Source.Version)
	}
	return current, latest, all, nil
}

// Backup writes a consistent copy of the SQLite database to file with VACUUM
// INTO, which reads one snapshot and so may run while the server writes.
// The file must not exist. PostgreSQL is backed up with pg_dump instead.
func (s *Store) Backup(ctx context.Context, file string) error {
	if s.dialect.name != "sqlite" {
		return fmt.Errorf("backup: this is a PostgreSQL database; back it up with pg_dump (see the README)")
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", abs)
	}
	// A connection of its own: VACUUM INTO only reads this database, so it
	// neither waits for nor blocks the server's writer.
	db, err := sql.Open("sqlite", sqliteDSN(s.path, false))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO $1", abs); err != nil {
		return fmt.Errorf("backup to %s: %w", abs, err)
	}
	// VACUUM INTO does not sync the new file; a backup must be on disk.
	f, err := os.Open(abs)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", abs, err)
	}
	return nil
}

// inTx runs fn in a write transaction and commits it; any error rolls back.
//
// The transaction itself is not bound to ctx (fn's statements are, so a
// cancelled ctx still stops the work): database/sql rolls back a
// transaction whose context ends in a goroutine of its own, releasing the
// connection after inTx returned. At shutdown that let Close run while a
// background worker's abandoned transaction still held a connection (the
// LTI outbox's claim, cancelled as the server stopped), and SQLite's WAL
// outlived the closed store. Here every end of the transaction, commit or
// rollback, happens before inTx returns.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// classify maps a driver's constraint errors to ErrConflict (unique),
// ErrNotFound (a foreign key names a missing row) and ErrInvalid (a CHECK),
// keeping the driver's message.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case "23503":
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		case "23514", "23502":
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return err
}

// NewToken returns a random token (256 bits, URL-safe) for a session
// cookie or a personal link. The store keeps only its hash.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken is what the database keeps of a token. Tokens are 256 random
// bits, so a fast hash suffices: there is nothing to brute-force.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ms converts a time to the stored Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored Unix milliseconds back to a time in UTC.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nullMS stores an optional time.
func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil || t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(*t), Valid: true}
}

// fromNullMS reads an optional time.
func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// nullString stores "" as NULL (for columns where NULL means absent and
// uniqueness must not apply).
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// validZone checks an IANA time zone name.
func validZone(name string) error {
	if name == "" {
		return fmt.Errorf("%w: time zone is empty", ErrInvalid)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return fmt.Errorf("%w: time zone %q is not an IANA zone like Europe/Berlin", ErrInvalid, name)
	}
	return nil
}

// text limits: the store refuses longer values, so a bug or an attacker
// upstream cannot grow rows without bound. Documented in the README's Bounds.
const (
	maxNameLen   = 200   // names, titles, e-mails, roster ids
	maxAnswerLen = 10000 // a raw answer, what it was read as, a diagnosis message
	maxKeyLen    = 200   // idempotency keys, exercise ids, part ids, codes
)

func checkLen(field, v string, limit int) error {
	if len(v) > limit {
		return fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrInvalid, field, len(v), limit)
	}
	return nil
}

// rowScanner is what a scan function reads one row from: *sql.Row or
// *sql.Rows.
type rowScanner interface{ Scan(...any) error }

// querier runs a query: a *sql.DB, a *sql.Tx or the read pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs a read query and turns every row into a T with scan. what
// names the query in errors, like "list users".
func queryAll[T any](ctx context.Context, db querier, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// readPool is the pool that serves reads. With SQLite it prepares each
// query text once and reuses the statement: modernc.org/sqlite keeps no
// statement cache, and parsing the same few queries again took about a
// quarter of a busy server's CPU (BENCHMARKS.md, class load through HTTP).
// The queries are constants of this package, so the cache is small; it is
// bounded anyway. With PostgreSQL it passes everything through: pgx keeps
// its own statement cache, which also copes with schema changes made by
// another replica's migration.
type readPool struct {
	*sql.DB
	cache bool
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	// prio is the priority lane (priority.go); nil in the lane itself.
	prio *readPool
}

// maxReadStmts bounds the statement cache; queries beyond it run unprepared.
const maxReadStmts = 256

func newReadPool(db *sql.DB, cache bool) *readPool {
	return &readPool{DB: db, cache: cache, stmts: map[string]*sql.Stmt{}}
}

// stmt returns query's prepared statement, or nil when it is not cached.
func (p *readPool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if !p.cache {
		return nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.stmts[query]; ok {
		return st, nil
	}
	if len(p.stmts) >= maxReadStmts {
		return nil, nil
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = st
	return st, nil
}

// QueryContext runs query through its prepared statement.
func (p *readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	p = p.lane(ctx)
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.DB.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs query through its prepared statement.
func (p *readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	p = p.lane(ctx)
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		// Unprepared: a query that fails to prepare reports the same error
		// through the Row.
		return p.DB.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes the cached statements, then the pool and its priority lane.
func (p *readPool) Close() error {
	var errs []error
	if p.prio != nil {
		errs = append(errs, p.prio.Close())
	}
	p.mu.Lock()
	for q, st := range p.stmts {
		errs = append(errs, st.Close())
		delete(p.stmts, q)
	}
	p.mu.Unlock()
	errs = append(errs, p.DB.Close())
	return errors.Join(errs...)
}

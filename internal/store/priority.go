package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The priority lane (issue 14): a live class's instructor presses a
// control while 200 students per room fetch pages, and each of those page
// fetches reads the database too. Every read waits for one of the read
// pool's few connections, and database/sql hands a freed connection to a
// random waiter, so under a room's burst an instructor's four small reads
// (the session cookie, the course, the membership, the live session) each
// waited behind hundreds of students' reads: the control's round trip, and
// so the fan-out every student waits for, grew to seconds although each
// read takes well under a millisecond (BENCHMARKS.md, "Tenth session").
//
// A request whose context carries WithPriority reads through a connection
// of its own, kept for such requests. It is one connection: priority
// requests are rare (an instructor's controls, bounded per session by the
// control rate) and their reads are single indexed rows. On PostgreSQL it
// is carved out of the configured pool size, so Config.MaxConns still
// bounds what a server opens; on SQLite it is one more read-only
// connection to the file.

// priorityConns is the size of the priority lane.
const priorityConns = 1

type priorityKey struct{}

// WithPriority marks ctx's reads for the priority lane. Only a handful of
// routes may use it (web: an instructor's live controls); a route an
// anonymous client can call at will must not, or the lane is theirs.
func WithPriority(ctx context.Context) context.Context {
	return context.WithValue(ctx, priorityKey{}, true)
}

// hasPriority reports whether ctx was marked by WithPriority.
func hasPriority(ctx context.Context) bool {
	v, _ := ctx.Value(priorityKey{}).(bool)
	return v
}

// lane returns the pool that serves ctx's reads: the priority lane when
// ctx has priority and the pool has one, else p itself.
func (p *readPool) lane(ctx context.Context) *readPool {
	if p.prio != nil && hasPriority(ctx) {
		return p.prio
	}
	return p
}

// openPriorityLane gives the read pool its priority lane: a pool of
// priorityConns connections opened by open (the same database).
func (p *readPool) openPriorityLane(open func() (*sql.DB, error)) error {
	db, err := open()
	if err != nil {
		return fmt.Errorf("open the priority lane: %w", err)
	}
	db.SetMaxOpenConns(priorityConns)
	db.SetMaxIdleConns(priorityConns)
	p.prio = newReadPool(db, p.cache)
	return nil
}

// PriorityReads reports how many connections the priority lane has open
// and how many reads waited for one (tests).
func (s *Store) PriorityReads() sql.DBStats {
	if s.read.prio == nil {
		return sql.DBStats{}
	}
	return s.read.prio.Stats()
}

// HoldReads takes every connection of the read pool (not the priority
// lane) until release is called: what a flood of page fetches does to the
// pool, for tests of the priority lane through HTTP.
func (s *Store) HoldReads(ctx context.Context) (release func(), err error) {
	var held []*sql.Conn
	release = func() {
		for _, c := range held {
			c.Close()
		}
		held = nil
	}
	for range s.read.Stats().MaxOpenConnections {
		c, err := s.read.Conn(ctx)
		if err != nil {
			release()
			return nil, fmt.Errorf("hold the read pool: %w", err)
		}
		held = append(held, c)
	}
	return release, nil
}

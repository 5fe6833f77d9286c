package store

import "sync"

// writeGate orders SQLite's one writer connection between the two
// goroutines that batch writes: the live writer (an instructor's control,
// which the whole room waits for) goes before the attempt writer (answers,
// whose callers already wait for a batch). database/sql hands a freed
// connection to a random waiter, so without it a control waited behind an
// attempt batch half the time it met one (BENCHMARKS.md, "Tenth session").
//
// It does not preempt: a control that arrives while an attempt batch is in
// its transaction still waits for that commit. Answers cannot starve: live
// updates arrive at the controls' rate (bounded per session), each batch
// takes every update queued, and the attempt writer is let through between
// two live batches whenever no live update waits.
type writeGate struct {
	mu   sync.Mutex
	cond *sync.Cond
	held bool
	// urgent counts urgent callers waiting for the connection.
	urgent int
	// waiting counts every caller waiting (tests).
	waiting int
}

func newWriteGate() *writeGate {
	g := &writeGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// acquire waits for the connection's turn: urgent callers before the
// others. A nil gate (PostgreSQL: writers have connections of their own)
// never waits.
func (g *writeGate) acquire(urgent bool) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.waiting++
	if urgent {
		g.urgent++
	}
	for g.held || (!urgent && g.urgent > 0) {
		g.cond.Wait()
	}
	if urgent {
		g.urgent--
	}
	g.waiting--
	g.held = true
}

// release gives the turn back.
func (g *writeGate) release() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.held = false
	g.mu.Unlock()
	g.cond.Broadcast()
}

// waiters reports how many callers wait (tests).
func (g *writeGate) waiters() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting
}

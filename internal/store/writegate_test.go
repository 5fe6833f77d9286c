package store

import (
	"testing"
	"time"
)

// TestWriteGate: when the connection is given back, a waiting live update
// (urgent) goes before an attempt batch that was waiting longer, and the
// attempt batch goes next; a nil gate (PostgreSQL) never waits.
func TestWriteGate(t *testing.T) {
	g := newWriteGate()
	g.acquire(false) // an attempt batch in its transaction
	waitWaiters := func(n int) {
		t.Helper()
		deadline := time.Now().Add(time.Minute) // only a broken gate gets there
		for g.waiters() != n {
			if time.Now().After(deadline) {
				t.Fatalf("waiters = %d, want %d", g.waiters(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// Twenty times, with an attempt batch waiting before the live update
	// and one after it: a gate that let any waiter go first would not
	// pick the live update every time.
	for range 20 {
		order := make(chan string, 3)
		turn := func(urgent bool, name string) { g.acquire(urgent); order <- name; g.release() }
		go turn(false, "attempts")
		waitWaiters(1)
		go turn(true, "live")
		waitWaiters(2)
		go turn(false, "attempts")
		waitWaiters(3)
		g.release()
		if first, second, third := <-order, <-order, <-order; first != "live" || second != "attempts" || third != "attempts" {
			t.Fatalf("turns went %s, %s, %s; want live first", first, second, third)
		}
		g.acquire(false)
	}
	g.release()
	// Free again: anyone goes at once.
	g.acquire(false)
	g.release()
	g.acquire(true)
	g.release()

	var none *writeGate
	none.acquire(false)
	none.acquire(true)
	none.release()
}

package web

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"
)

// recordingConn records the write calls and deadlines that reach the
// socket under an animNetConn.
type recordingConn struct {
	net.Conn  // nil: only the methods below are called
	writes    [][]byte
	deadlines []time.Time
}

func (r *recordingConn) Write(b []byte) (int, error) {
	r.writes = append(r.writes, append([]byte(nil), b...))
	return len(b), nil
}

func (r *recordingConn) SetWriteDeadline(t time.Time) error {
	r.deadlines = append(r.deadlines, t)
	return nil
}

// TestAnimNetConnCork: writes between cork and uncork reach the socket in
// one write call, in order; uncorked writes go straight through; a batch
// past maxCorkedBytes is written out before it grows further.
func TestAnimNetConnCork(t *testing.T) {
	rec := &recordingConn{}
	c := &animNetConn{Conn: rec, bufs: &sync.Pool{}}
	c.Write([]byte("a"))
	c.cork()
	c.Write([]byte("bb"))
	c.Write([]byte("ccc"))
	if len(rec.writes) != 1 {
		t.Fatalf("%d writes reached the socket while corked, want only the one before", len(rec.writes))
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("d"))
	if err := c.uncork(); err != nil { // nothing held: no write
		t.Fatal(err)
	}
	want := []string{"a", "bbccc", "d"}
	if len(rec.writes) != len(want) {
		t.Fatalf("writes %q, want %q", rec.writes, want)
	}
	for i, w := range want {
		if string(rec.writes[i]) != w {
			t.Fatalf("writes %q, want %q", rec.writes, want)
		}
	}

	rec.writes = nil
	c.cork()
	big := bytes.Repeat([]byte("x"), maxCorkedBytes/2+1)
	c.Write(big)
	c.Write(big) // would pass maxCorkedBytes: the first goes out now
	if len(rec.writes) != 1 || len(rec.writes[0]) != len(big) {
		t.Fatalf("after two large corked writes: %d writes reached the socket, want 1", len(rec.writes))
	}
	c.uncork()
	if len(rec.writes) != 2 || len(rec.writes[1]) != len(big) {
		t.Fatalf("after uncork: %d writes, want 2", len(rec.writes))
	}

	var none *animNetConn // a connection that is not an animation's
	none.cork()
	if err := none.uncork(); err != nil {
		t.Fatal(err)
	}
}

// TestAnimNetConnLazyDeadline: a deadline at most slack later than the one
// in force is skipped (the earlier one stays); a later one, an earlier one
// and clearing reach the socket.
func TestAnimNetConnLazyDeadline(t *testing.T) {
	rec := &recordingConn{}
	c := &animNetConn{Conn: rec, slack: time.Second, bufs: &sync.Pool{}}
	t0 := time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)
	for _, d := range []time.Time{
		t0,                              // set
		t0.Add(500 * time.Millisecond),  // skipped
		t0.Add(time.Second),             // skipped: exactly slack
		t0.Add(1500 * time.Millisecond), // set
		t0.Add(time.Second),             // earlier: set
		{},                              // cleared: set
		t0,                              // set (none in force)
	} {
		c.SetWriteDeadline(d)
	}
	want := []time.Time{t0, t0.Add(1500 * time.Millisecond), t0.Add(time.Second), {}, t0}
	if len(rec.deadlines) != len(want) {
		t.Fatalf("deadlines set %v, want %v", rec.deadlines, want)
	}
	for i := range want {
		if !rec.deadlines[i].Equal(want[i]) {
			t.Fatalf("deadlines set %v, want %v", rec.deadlines, want)
		}
	}
}

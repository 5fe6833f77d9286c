package web

// The network connection under an animation websocket. gorilla writes
// through it; it makes two things cheaper that gorilla does per frame.

import (
	"net"
	"sync"
	"time"
)

// maxCorkedBytes bounds what a corked connection holds before writing it
// anyway: a catch-up of small steps fits many times over, and a connection
// never holds more than this beyond the frame being written.
const maxCorkedBytes = 64 << 10

// animNetConn wraps the hijacked connection of an animation websocket.
//
// Write deadlines: gorilla sets the deadline before every frame it writes,
// and on a socket each setting re-arms a runtime timer: at 50,000 frames a
// second that was about 5 % of the server's CPU. SetWriteDeadline skips a
// new deadline that is at most slack later than the one in force, which
// then stays: a write may time out up to slack sooner than asked, never
// later, so a client that stops reading is still dropped, after between
// writeWait − slack and writeWait. gorilla calls SetWriteDeadline only
// while holding its write lock (Conn.write, Conn.WriteControl), so set
// needs no lock of its own.
//
// Corking: between cork and uncork, writes are gathered and sent by
// uncork in one write call. The writer corks around everything it sends
// on one wake-up, so a step and its done, a seek's step and state, or the
// steps of a catch-up (animMaxCatchUp) cost one system call, not one each.
// Every message stays a websocket message of its own; only the TCP writes
// are fewer. A control frame gorilla writes from the reader goroutine (a
// pong, a close reply) meanwhile joins the batch in order.
type animNetConn struct {
	net.Conn
	slack time.Duration
	set   time.Time // the write deadline in force; zero: none
	// bufs recycles the buffers of corked writes (the animator's), so an
	// idle stream holds none.
	bufs *sync.Pool

	mu     sync.Mutex
	corked bool
	held   *[]byte // the gathered writes while corked; nil when none
}

func (c *animNetConn) SetWriteDeadline(t time.Time) error {
	if !t.IsZero() && !c.set.IsZero() && !t.Before(c.set) && t.Sub(c.set) <= c.slack {
		return nil
	}
	c.set = t
	return c.Conn.SetWriteDeadline(t)
}

// Write writes b, or adds it to the batch while corked (first writing the
// batch out if b would take it past maxCorkedBytes).
func (c *animNetConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if !c.corked {
		c.mu.Unlock()
		return c.Conn.Write(b)
	}
	defer c.mu.Unlock()
	if c.held != nil && len(*c.held)+len(b) > maxCorkedBytes {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	if c.held == nil {
		if p, ok := c.bufs.Get().(*[]byte); ok {
			c.held = p
		} else {
			c.held = new([]byte)
		}
	}
	*c.held = append(*c.held, b...)
	return len(b), nil
}

// cork starts gathering writes. A nil connection (not an animation's)
// ignores cork and uncork.
func (c *animNetConn) cork() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was gathered, in one call, and stops gathering.
func (c *animNetConn) uncork() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	return c.flushLocked()
}

// flushLocked writes the batch and gives its buffer back. It holds mu
// while writing, so a write from the other goroutine cannot overtake it.
func (c *animNetConn) flushLocked() error {
	if c.held == nil {
		return nil
	}
	p := c.held
	c.held = nil
	_, err := c.Conn.Write(*p)
	if cap(*p) <= maxCorkedBytes+animWriteBuffer {
		*p = (*p)[:0]
		c.bufs.Put(p)
	}
	return err
}

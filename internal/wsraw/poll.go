package wsraw

import (
	"errors"
	"time"
)

// Handler receives one connection's events. Every call is made on the
// goroutine of the loop that reads the connection (except Message for the
// bytes handed to Poller.Add, made by Add's caller before the poller takes
// the connection over), so a Handler needs no lock for its own state and
// may call c's methods. A call must not block: it holds up every other
// socket of its loop.
type Handler interface {
	// Message is a complete data message: data is its start (at most
	// Options.Keep bytes, the whole message when Keep is 0), valid only
	// during the call; length is its whole length; at is when the read
	// that completed it returned (taken right after the read, so it
	// includes the network and the poller's own delay). An error ends the
	// connection (Ended follows).
	Message(c *Conn, data []byte, length int64, at time.Time) error
	// Timer is called once the time set by c.SetTimer has come (no
	// earlier, and up to ScanInterval later), and for every connection
	// after Poller.Wake. The timer is cleared first: set it again for
	// another call.
	Timer(c *Conn, now time.Time)
	// Ended says the poller ended c: the server closed it (a *CloseError),
	// the socket failed or reached EOF (io.EOF), a frame was refused, or
	// Message or answering a ping failed. c's socket is closed already.
	// It is not called for a connection its Handler closed (c.Close).
	Ended(c *Conn, err error, at time.Time)
}

// Options configure a Poller.
type Options struct {
	// Loops is how many epoll loops (goroutines) share the sockets; 0
	// means one.
	Loops int
	// Keep and MaxMessage are every connection's Reader's (see Reader).
	Keep       int
	MaxMessage int64
}

// BatchWait is the pause after a pass that found fewer sockets ready than
// it can take: messages that arrive meanwhile are read in the next pass,
// so a loop wakes once per batch, not once per message (without it a load
// client's loop woke for nearly every frame and spent half its CPU in
// epoll_wait, and the server's write also pays for waking a sleeping
// reader). It adds at most this much to a measured latency.
const BatchWait = time.Millisecond

// ScanInterval is the longest wait for sockets in one pass, and so how
// late a Timer call can be; timers are also looked at no more often than
// this, so that many timers cost one scan of the sockets per interval.
const ScanInterval = 10 * time.Millisecond

// errClosedByHandler stops parsing a connection its Handler closed.
var errClosedByHandler = errors.New("wsraw: closed by its handler")

//go:build !linux

package wsraw

import (
	"errors"
	"net"
	"time"
)

// Available says Poller works here: it needs epoll, which only Linux has.
const Available = false

var errNoEpoll = errors.New("wsraw: the raw client needs Linux (epoll)")

// Poller reads many websocket connections with epoll loops; here, where
// there is no epoll, NewPoller fails.
type Poller struct{}

// Conn is one websocket read by a Poller.
type Conn struct{}

// NewPoller fails: there is no epoll here.
func NewPoller(Options) (*Poller, error) { return nil, errNoEpoll }

// Add fails: there is no epoll here.
func (*Poller) Add(conn net.Conn, _ []byte, _ Handler, _ time.Time) (*Conn, error) {
	conn.Close()
	return nil, errNoEpoll
}

// Wake does nothing here.
func (*Poller) Wake() {}

// Stop does nothing here.
func (*Poller) Stop(int, string) {}

// Write fails: there is no epoll here.
func (*Conn) Write(byte, []byte) error { return errNoEpoll }

// SetTimer does nothing here.
func (*Conn) SetTimer(time.Time) {}

// Close does nothing here.
func (*Conn) Close(int, string) {}

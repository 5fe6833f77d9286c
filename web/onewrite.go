package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
)

// One write per buffered response.
//
// net/http writes a response through a 4 KiB buffer on the connection, so
// a response whose status line, headers and body pass 4 KiB (a check
// answer with its worked solutions is about 5.5 KiB) costs two write(2)
// calls: one when that buffer fills and one when the request finishes.
// On loopback a write is the single largest cost of a check (a quarter of
// its CPU under load, BENCHMARKS.md), and the second one carries a few
// hundred bytes. The work limiter and the check memo hold the whole
// response before they send it, so they can say where it ends: the
// connection keeps what net/http writes between holdWrites and the
// flush that follows, and sends it with one write.
//
// WrapListener and ConnContext install this on an http.Server; without
// them (httptest, another server) sendHeld writes as net/http always does.

// WrapListener returns ln whose connections can hold a response's writes
// and send them at once (see ConnContext).
func WrapListener(ln net.Listener) net.Listener { return holdListener{ln} }

// ConnContext is the http.Server ConnContext that lets handlers reach the
// connection WrapListener made; it leaves other connections' contexts as
// they are.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if hc, ok := c.(*holdConn); ok {
		return context.WithValue(ctx, holdConnKey{}, hc)
	}
	return ctx
}

type holdConnKey struct{}

type holdListener struct{ net.Listener }

func (l holdListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &holdConn{Conn: c}, nil
}

// maxHeldBytes bounds what a connection holds: a larger response is
// written as it comes (a 4 KiB write more or less does not matter then).
const maxHeldBytes = 32 << 10

var heldBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// holdConn is a connection that, between hold and release, collects what
// is written to it. Only the goroutine serving the connection's current
// HTTP/1 request writes to it (net/http's connection writer), and only
// that goroutine calls hold and release, so it needs no lock.
type holdConn struct {
	net.Conn
	held *[]byte // non-nil while holding
}

func (c *holdConn) hold() {
	if c.held == nil {
		c.held = heldBufs.Get().(*[]byte)
	}
}

func (c *holdConn) Write(p []byte) (int, error) {
	if c.held == nil {
		return c.Conn.Write(p)
	}
	if len(*c.held)+len(p) > maxHeldBytes {
		// Too large to hold: send what is held and write through from
		// here on.
		if err := c.release(); err != nil {
			return 0, err
		}
		return c.Conn.Write(p)
	}
	*c.held = append(*c.held, p...)
	return len(p), nil
}

// release sends what is held with one write and stops holding.
func (c *holdConn) release() error {
	bp := c.held
	if bp == nil {
		return nil
	}
	c.held = nil
	var err error
	if len(*bp) > 0 {
		_, err = c.Conn.Write(*bp)
	}
	*bp = (*bp)[:0]
	heldBufs.Put(bp)
	return err
}

// ReadFrom keeps net/http's sendfile path for files (a *net.TCPConn is an
// io.ReaderFrom); nothing is held then.
func (c *holdConn) ReadFrom(r io.Reader) (int64, error) {
	if err := c.release(); err != nil {
		return 0, err
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}

// CloseWrite keeps net/http's graceful close (it half-closes a TCP
// connection before closing it).
func (c *holdConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Unwrap returns the accepted connection.
func (c *holdConn) Unwrap() net.Conn { return c.Conn }

// sendHeld writes a whole response held in memory: status, headers (with
// its Content-Length, which the caller has set) and body reach the client
// in one write when r came over a connection WrapListener made. It reports
// whether the body was written without error.
func sendHeld(w http.ResponseWriter, r *http.Request, status int, body []byte) bool {
	hc, _ := r.Context().Value(holdConnKey{}).(*holdConn)
	if hc == nil || r.ProtoMajor != 1 {
		w.WriteHeader(status)
		_, err := w.Write(body)
		return err == nil
	}
	hc.hold()
	w.WriteHeader(status)
	_, err := w.Write(body)
	if err == nil {
		// Flush pushes the headers and body out of net/http's buffers into
		// the held bytes; the request's end then finds nothing to write.
		err = http.NewResponseController(w).Flush()
	}
	if rerr := hc.release(); rerr != nil {
		// As net/http does when a write fails: the connection is done
		// (its next read fails too), and the request log counts a
		// client abort.
		_ = hc.Conn.Close()
		if sr, ok := w.(*statusRecorder); ok {
			sr.writeFailed = true
		}
		if err == nil {
			err = rerr
		}
	}
	return err == nil
}

//go:build linux

package wsraw

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Available says Poller works here: it needs epoll, which only Linux has.
const Available = true

// Poller reads many websocket connections with a few epoll loops.
type Poller struct {
	opts  Options
	loops []*loop
}

// loop is one epoll set and the goroutine that waits on it.
type loop struct {
	epfd int
	mu   sync.Mutex
	// conns maps a socket to its connection; guarded by mu.
	conns map[int]*Conn
	// next is the earliest timer set on a connection of conns (zero:
	// none); guarded by mu.
	next time.Time
	// wake asks the loop to call every connection's Timer (Poller.Wake).
	wake atomic.Bool
	quit chan struct{}
	done chan struct{}
}

// Conn is one websocket read by a Poller. Its methods may be called only
// from its Handler's calls.
type Conn struct {
	fd     int
	l      *loop
	h      Handler
	r      Reader
	out    []byte // the frames this client writes (pongs, a few messages)
	closed bool
	// timer is when to call h.Timer (zero: not set); guarded by l.mu.
	timer time.Time
}

// NewPoller starts the loops.
func NewPoller(opts Options) (*Poller, error) {
	p := &Poller{opts: opts}
	for range max(1, opts.Loops) {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			p.Stop(0, "")
			return nil, fmt.Errorf("wsraw: epoll_create1: %w", err)
		}
		l := &loop{epfd: epfd, conns: map[int]*Conn{}, quit: make(chan struct{}), done: make(chan struct{})}
		p.loops = append(p.loops, l)
		go l.run()
	}
	return p, nil
}

// Add hands conn, a TCP connection whose handshake is done (Handshake),
// to a loop, which from then on reads it for h; left are the bytes read
// after the handshake, parsed first (on the calling goroutine); timer is
// when to call h.Timer first (zero: not until SetTimer asks). conn
// itself is closed: the poller reads a duplicate of its socket. On an
// error the socket is closed and h is not called again (Ended is not
// called either: the error is Add's).
func (p *Poller) Add(conn net.Conn, left []byte, h Handler, timer time.Time) (*Conn, error) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		conn.Close()
		return nil, errors.New("wsraw: not a TCP connection")
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("wsraw: %w", err)
	}
	// Closing the Go connection leaves the socket open through the
	// duplicate, which the Go runtime's netpoller does not watch.
	fd := -1
	cerr := rc.Control(func(orig uintptr) { fd, err = syscall.Dup(int(orig)) })
	conn.Close()
	if err = errors.Join(err, cerr); err != nil {
		return nil, fmt.Errorf("wsraw: dup: %w", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("wsraw: nonblock: %w", err)
	}
	l := p.loops[fd%len(p.loops)]
	c := &Conn{fd: fd, l: l, h: h, r: Reader{Keep: p.opts.Keep, MaxMessage: p.opts.MaxMessage}}
	if len(left) > 0 {
		err := c.feed(left, time.Now())
		if c.closed {
			return c, nil // its Handler is done with it already
		}
		if err != nil {
			syscall.Close(fd)
			return nil, err
		}
	}
	l.mu.Lock()
	l.conns[fd] = c
	if !timer.IsZero() && (c.timer.IsZero() || timer.Before(c.timer)) {
		c.timer = timer // the earlier, if a message in left set one
	}
	if !c.timer.IsZero() && (l.next.IsZero() || c.timer.Before(l.next)) {
		l.next = c.timer
	}
	l.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		l.mu.Lock()
		delete(l.conns, fd)
		l.mu.Unlock()
		syscall.Close(fd)
		return nil, fmt.Errorf("wsraw: epoll_ctl: %w", err)
	}
	return c, nil
}

// Wake makes every loop call Timer for each of its connections at its
// next pass (within ScanInterval), as when a run is interrupted. It may be
// called from any goroutine.
func (p *Poller) Wake() {
	for _, l := range p.loops {
		l.wake.Store(true)
	}
}

// Stop ends the loops and closes the connections left, sending each a
// close frame with code and reason first unless code is 0. No Handler is
// called after it returns.
func (p *Poller) Stop(code int, reason string) {
	for _, l := range p.loops {
		close(l.quit)
		<-l.done
		l.mu.Lock()
		for _, c := range l.conns {
			c.closeSocket(code, reason)
		}
		clear(l.conns)
		l.mu.Unlock()
		_ = syscall.Close(l.epfd)
	}
}

func (l *loop) run() {
	defer close(l.done)
	events := make([]syscall.EpollEvent, 512)
	buf := make([]byte, 64<<10)
	var ready, fired []*Conn
	nextScan := time.Now()
	for {
		n, err := syscall.EpollWait(l.epfd, events, int(ScanInterval/time.Millisecond))
		if err != nil && !errors.Is(err, syscall.EINTR) {
			panic(fmt.Sprintf("wsraw: epoll_wait: %v", err)) // a bug: the set is ours
		}
		// One lock a pass, not one a socket.
		l.mu.Lock()
		for _, ev := range events[:max(n, 0)] {
			if c := l.conns[int(ev.Fd)]; c != nil {
				ready = append(ready, c)
			}
		}
		l.mu.Unlock()
		for _, c := range ready {
			if !c.closed { // a Handler may have closed it in this pass
				l.read(c, buf)
			}
		}
		clear(ready)
		ready = ready[:0]
		select {
		case <-l.quit:
			return
		default:
		}
		if n > 0 && n < len(events) {
			time.Sleep(BatchWait)
		}
		now := time.Now()
		if now.Before(nextScan) && !l.wake.Load() {
			continue
		}
		fired = l.due(now, fired[:0])
		for _, c := range fired {
			if !c.closed {
				c.h.Timer(c, now)
			}
		}
		clear(fired)
		nextScan = now.Add(ScanInterval)
	}
}

// due appends the connections whose timer has come (every connection
// after Wake) to fired, clearing their timers.
func (l *loop) due(now time.Time, fired []*Conn) []*Conn {
	all := l.wake.Swap(false)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !all && (l.next.IsZero() || now.Before(l.next)) {
		return fired
	}
	l.next = time.Time{}
	for _, c := range l.conns {
		switch {
		case all || !c.timer.IsZero() && !now.Before(c.timer):
			c.timer = time.Time{}
			fired = append(fired, c)
		case !c.timer.IsZero() && (l.next.IsZero() || c.timer.Before(l.next)):
			l.next = c.timer
		}
	}
	return fired
}

// read reads what c's socket holds, once, and acts on every frame in it.
func (l *loop) read(c *Conn, buf []byte) {
	n, err := syscall.Read(c.fd, buf)
	at := time.Now()
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
		return
	}
	if err == nil && n == 0 {
		err = io.EOF
	}
	if err == nil {
		err = c.feed(buf[:n], at)
	}
	if c.closed || err == nil {
		return
	}
	c.Close(0, "")
	c.h.Ended(c, err, at)
}

// feed acts on the frames in data, read at at: pings are answered, a
// close frame ends the connection, messages go to the Handler.
func (c *Conn) feed(data []byte, at time.Time) error {
	return c.r.Feed(data, func(ev Event) error {
		switch ev.Op {
		case OpPing:
			if err := c.Write(OpPong, ev.Data); err != nil {
				return fmt.Errorf("send pong: %w", err)
			}
			return nil
		case OpPong:
			return nil
		case OpClose:
			return ParseClose(ev.Data)
		}
		if err := c.h.Message(c, ev.Data, ev.Len, at); err != nil {
			return err
		}
		if c.closed {
			return errClosedByHandler
		}
		return nil
	})
}

// Write sends one final frame with opcode op and the payload. The socket
// is non-blocking and a load client's frames are small and rare, so a
// send buffer too full to take one means a stuck server: an error.
func (c *Conn) Write(op byte, payload []byte) error {
	if c.closed {
		return errors.New("wsraw: write on a closed connection")
	}
	c.out = AppendClientFrame(c.out[:0], op, payload)
	n, err := syscall.Write(c.fd, c.out)
	if err == nil && n < len(c.out) {
		err = errors.New("short write")
	}
	return err
}

// SetTimer asks for a Timer call at t (the zero time: none), replacing the
// one set before.
func (c *Conn) SetTimer(t time.Time) {
	l := c.l
	l.mu.Lock()
	c.timer = t
	if !t.IsZero() && (l.next.IsZero() || t.Before(l.next)) {
		l.next = t
	}
	l.mu.Unlock()
}

// Close closes the connection, first sending a close frame with code and
// reason unless code is 0. Ended is not called for it.
func (c *Conn) Close(code int, reason string) {
	if c.closed {
		return
	}
	l := c.l
	l.mu.Lock()
	delete(l.conns, c.fd)
	l.mu.Unlock()
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	c.closeSocket(code, reason)
}

// closeSocket says goodbye if asked and closes the socket.
func (c *Conn) closeSocket(code int, reason string) {
	if code != 0 {
		payload := append([]byte{byte(code >> 8), byte(code)}, reason...)
		_ = c.Write(OpClose, payload)
	}
	_ = syscall.Close(c.fd)
	c.closed = true
}

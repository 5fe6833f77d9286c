//go:build linux

package liveload

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// rawAvailable says students can be read by epoll (Linux).
const rawAvailable = true

// rawBatchWait is the pause after a pass that found fewer sockets ready
// than it can take: messages that arrive meanwhile are read in the next
// pass, so the readers wake once per batch, not once per message (the
// server's write also pays for waking a sleeping reader). It adds at most
// this much to a measured latency, against a 250 ms target.
const rawBatchWait = time.Millisecond

// rawPollers are the epoll loops reading the students' sockets, one per
// core this process may use.
type rawPollers []*rawPoller

func newRawPollers() (rawPollers, error) {
	var ps rawPollers
	for range max(1, runtime.GOMAXPROCS(0)) {
		p, err := newRawPoller()
		if err != nil {
			ps.stop()
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// add hands conn (its handshake done, left the bytes read after it) to a
// poller, which from then on reads it for st.
func (ps rawPollers) add(conn net.Conn, left []byte, st *student) error {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return errors.New("raw client: not a TCP connection")
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	// The poller reads a duplicate of the socket; closing the Go
	// connection leaves the socket open through it.
	fd := -1
	cerr := rc.Control(func(orig uintptr) { fd, err = syscall.Dup(int(orig)) })
	conn.Close()
	if err = errors.Join(err, cerr); err != nil {
		return fmt.Errorf("raw client: dup: %w", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return fmt.Errorf("raw client: nonblock: %w", err)
	}
	c := &rawConn{fd: fd, st: st}
	if len(left) > 0 {
		if err := c.feed(left, time.Now()); err != nil {
			syscall.Close(fd)
			return err
		}
	}
	return ps[fd%len(ps)].register(c)
}

// stop closes every socket still open and the pollers.
func (ps rawPollers) stop() {
	for _, p := range ps {
		p.stop()
	}
}

// rawPoller reads its sockets in one goroutine.
type rawPoller struct {
	epfd  int
	mu    sync.Mutex
	conns map[int]*rawConn // guarded by mu
	quit  chan struct{}
	done  chan struct{}
}

// rawConn is one student's socket.
type rawConn struct {
	fd  int
	st  *student
	fr  rawFrames
	out []byte
}

func newRawPoller() (*rawPoller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	p := &rawPoller{epfd: epfd, conns: map[int]*rawConn{}, quit: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p, nil
}

func (p *rawPoller) register(c *rawConn) error {
	p.mu.Lock()
	p.conns[c.fd] = c
	p.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(c.fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		p.mu.Lock()
		delete(p.conns, c.fd)
		p.mu.Unlock()
		syscall.Close(c.fd)
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	return nil
}

func (p *rawPoller) run() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 512)
	buf := make([]byte, 64<<10)
	var ready []*rawConn
	for {
		n, err := syscall.EpollWait(p.epfd, events, 10)
		if err != nil && !errors.Is(err, syscall.EINTR) {
			panic(fmt.Sprintf("liveload: epoll_wait: %v", err)) // a bug: the set is ours
		}
		p.mu.Lock()
		for _, ev := range events[:max(n, 0)] {
			if c := p.conns[int(ev.Fd)]; c != nil {
				ready = append(ready, c)
			}
		}
		p.mu.Unlock()
		for _, c := range ready {
			p.read(c, buf)
		}
		clear(ready)
		ready = ready[:0]
		select {
		case <-p.quit:
			return
		default:
		}
		if n > 0 && n < len(events) {
			time.Sleep(rawBatchWait)
		}
	}
}

// read reads what c's socket holds, once, and acts on every frame in it.
func (p *rawPoller) read(c *rawConn, buf []byte) {
	n, err := syscall.Read(c.fd, buf)
	at := time.Now()
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
		return
	}
	if err == nil && n == 0 {
		err = errors.New("EOF")
	}
	if err == nil {
		err = c.feed(buf[:n], at)
	}
	if err != nil {
		p.drop(c)
	}
}

// feed acts on the frames in data, read at at.
func (c *rawConn) feed(data []byte, at time.Time) error {
	return c.fr.feed(data, func(ev rawEvent) error {
		switch {
		case ev.closed:
			return errors.New("closed by the server")
		case ev.ping != nil:
			c.out = appendClientFrame(c.out[:0], opPong, ev.ping)
			_, _ = syscall.Write(c.fd, c.out) // a few bytes; a full buffer would mean a stuck server
		case ev.text != nil:
			c.st.received(ev.text, at)
		}
		return nil
	})
}

// drop forgets a socket the server closed (or broke): its student is
// closed, as the gorilla reader marks it.
func (p *rawPoller) drop(c *rawConn) {
	p.mu.Lock()
	delete(p.conns, c.fd)
	p.mu.Unlock()
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	_ = syscall.Close(c.fd)
	c.st.markClosed()
}

// stop ends the loop and closes the sockets left, saying goodbye.
func (p *rawPoller) stop() {
	close(p.quit)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	bye := append([]byte{0x03, 0xe8}, "load test over"...) // 1000
	for fd, c := range p.conns {
		c.out = appendClientFrame(c.out[:0], opClose, bye)
		_, _ = syscall.Write(fd, c.out)
		_ = syscall.Close(fd)
	}
	clear(p.conns)
	_ = syscall.Close(p.epfd)
}

//go:build linux

package main

// The raw client (-client raw, the default on Linux). The load client
// shares the cores with the server it measures, so its cost per frame is
// taken from the server's budget. With a goroutine and gorilla connection
// per stream, each frame cost a netpoller wake-up, a goroutine switch and
// two read calls (the data, then EAGAIN before parking). Here one
// goroutine waits on one epoll set for every stream's socket and reads
// each ready socket once, so a frame costs one read call and a share of
// one epoll_wait, and nothing is allocated per frame.
//
// After each pass over the ready sockets the poller waits rawBatchWait
// before asking epoll again, so frames that arrive meanwhile are read in
// one pass: without it the poller woke for nearly every frame, and half of
// its CPU went to epoll_wait; the server's write also pays for waking a
// sleeping reader, which now happens at most once per pass.
//
// What is measured is unchanged: a frame's arrival is the time of the read
// that returned it (taken per read, after it), so lateness still includes
// the network and this client's own delay (now up to rawBatchWait more),
// and stays an upper bound on the server's.

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"
)

const rawClientAvailable = true

// rawPoller reads every raw stream's socket.
type rawPoller struct {
	epfd int
	mu   sync.Mutex
	// streams maps a socket to its stream; guarded by mu.
	streams map[int]*rawStream
	// firstEnd is the earliest end of a stream in streams (zero: none
	// known), so the poller scans the streams only when one may be over;
	// guarded by mu.
	firstEnd time.Time
	// waiting counts the streams with a restart waiting (restartAt); only
	// the poller's goroutine uses it.
	waiting int
	// quit ends run; runLoad closes it once every stream has finished.
	quit chan struct{}
	done chan struct{}
}

// rawStream is one stream's state; only the poller touches it once the
// stream is registered.
type rawStream struct {
	fd    int
	end   time.Time
	res   streamResult
	fr    frameReader
	clock frameClock
	pace  paceClock
	// out is the buffer of frames this client writes (pongs, restarts).
	out []byte
	// restartAt is when to restart after a done sent ahead of its time (a
	// player shows the last step first); zero when none is waiting.
	restartAt time.Time
	// finished is closed when the stream has ended and res is final.
	finished chan struct{}
}

func newRawPoller(ctx context.Context) (*rawPoller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	p := &rawPoller{epfd: epfd, streams: make(map[int]*rawStream), quit: make(chan struct{}), done: make(chan struct{})}
	go p.run(ctx)
	return p, nil
}

// stop ends the poller once every stream has finished.
func (p *rawPoller) stop() {
	close(p.quit)
	<-p.done
	_ = syscall.Close(p.epfd)
}

// rawBatchWait is the pause between passes: 1 ms, against the 50 ms that
// separates on time from late.
const rawBatchWait = time.Millisecond

// rawScanInterval is how often the poller ends streams whose duration is
// over; it is also the longest epoll_wait.
const rawScanInterval = 10 * time.Millisecond

func (p *rawPoller) run(ctx context.Context) {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 512)
	buf := make([]byte, 64<<10)
	nextScan := time.Now()
	var expired, restarts, ready []*rawStream
	for {
		n, err := syscall.EpollWait(p.epfd, events, int(rawScanInterval/time.Millisecond))
		if err != nil && !errors.Is(err, syscall.EINTR) {
			panic(fmt.Sprintf("wsload: epoll_wait: %v", err)) // a bug: the set is ours
		}
		// One lock a pass, not one a socket; reading may finish a stream,
		// which takes the lock itself.
		p.mu.Lock()
		for _, ev := range events[:max(n, 0)] {
			if s := p.streams[int(ev.Fd)]; s != nil {
				ready = append(ready, s)
			}
		}
		p.mu.Unlock()
		for _, s := range ready {
			p.read(s, buf)
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
		now := time.Now()
		stopping := ctx.Err() != nil
		p.mu.Lock()
		due := p.waiting > 0 || (!p.firstEnd.IsZero() && !now.Before(p.firstEnd))
		p.mu.Unlock()
		if due && !now.Before(nextScan) || stopping {
			p.mu.Lock()
			p.firstEnd = time.Time{}
			for _, s := range p.streams {
				switch {
				case stopping || !now.Before(s.end):
					expired = append(expired, s)
					continue
				case !s.restartAt.IsZero() && !now.Before(s.restartAt):
					restarts = append(restarts, s)
				}
				if p.firstEnd.IsZero() || s.end.Before(p.firstEnd) {
					p.firstEnd = s.end
				}
			}
			p.mu.Unlock()
			for _, s := range restarts {
				p.waiting--
				if err := s.restart(); err != nil {
					p.fail(s, err.Error())
				}
			}
			clear(restarts)
			restarts = restarts[:0]
			for _, s := range expired {
				p.finish(s, "", false)
			}
			clear(expired)
			expired = expired[:0]
			nextScan = now.Add(rawScanInterval)
		}
	}
}

// read reads what s's socket holds, once, and acts on every frame in it.
func (p *rawPoller) read(s *rawStream, buf []byte) {
	n, err := syscall.Read(s.fd, buf)
	at := time.Now()
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
		return
	}
	if !at.Before(s.end) {
		p.finish(s, "", false) // the run is over; later frames do not count
		return
	}
	if err != nil {
		p.fail(s, err.Error())
		return
	}
	if n == 0 {
		p.fail(s, "EOF")
		return
	}
	waited := !s.restartAt.IsZero()
	err = s.fr.feed(buf[:n], func(ev frameEvent) error { return s.handle(ev, at) })
	if !waited && !s.restartAt.IsZero() {
		p.waiting++
	}
	if err != nil {
		var closed *serverClosed
		if errors.As(err, &closed) {
			p.fail(s, fmt.Sprintf("close %d %s", closed.code, closed.reason))
			return
		}
		p.fail(s, err.Error())
	}
}

// serverClosed ends a stream whose server sent a close frame.
type serverClosed struct {
	code   int
	reason string
}

func (e *serverClosed) Error() string { return fmt.Sprintf("close %d %s", e.code, e.reason) }

// handle acts on one frame event, as runStream does for the gorilla client.
func (s *rawStream) handle(ev frameEvent, at time.Time) error {
	switch {
	case ev.ping != nil:
		return s.send(opPong, ev.ping, "send pong")
	case ev.closed:
		return &serverClosed{code: ev.code, reason: ev.reason}
	}
	switch ev.kind {
	case msgMeta:
		s.res.connected = true
	case msgStep:
		s.res.countStep(ev.index, at, ev.dueIn, &s.clock, &s.pace)
	case msgDone:
		s.res.restarts++
		s.clock.reset()
		s.pace.reset()
		if ev.dueIn > 0 {
			s.restartAt = at.Add(ev.dueIn) // the poller's scan sends it
			return nil
		}
		return s.restart()
	case msgError:
		s.res.errors++
	}
	return nil
}

// restart asks the server to play the animation again.
func (s *rawStream) restart() error {
	s.restartAt = time.Time{}
	return s.send(opText, []byte(`{"type":"restart"}`), "send restart")
}

// send writes one frame. The socket is non-blocking; these frames are a
// few bytes, sent rarely, so a full send buffer means a stuck server.
func (s *rawStream) send(op byte, payload []byte, what string) error {
	s.out = appendClientFrame(s.out[:0], op, payload)
	n, err := syscall.Write(s.fd, s.out)
	if err == nil && n < len(s.out) {
		err = errors.New("short write")
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// fail ends s with a failure: before its meta, or early.
func (p *rawPoller) fail(s *rawStream, why string) {
	if !s.res.connected {
		p.finish(s, "before meta: "+why, false)
		return
	}
	p.finish(s, "ended early: "+why, true)
}

// finish ends s: it leaves the epoll set, says goodbye if the run simply
// ended, and closes its socket.
func (p *rawPoller) finish(s *rawStream, failure string, early bool) {
	if !s.restartAt.IsZero() {
		p.waiting--
		s.restartAt = time.Time{}
	}
	p.mu.Lock()
	delete(p.streams, s.fd)
	p.mu.Unlock()
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, s.fd, nil)
	if failure == "" {
		if !s.res.connected {
			failure = "no meta before the run ended"
		}
		// Close politely, as the gorilla client does.
		payload := append([]byte{0x03, 0xe8}, "load test over"...) // 1000
		_ = s.send(opClose, payload, "send close")
	}
	_ = syscall.Close(s.fd)
	s.res.failure, s.res.early = failure, early
	close(s.finished)
}

// runStreamRaw opens one stream after delay, hands its socket to the
// poller and waits until the poller has finished it.
func runStreamRaw(ctx context.Context, cfg config, delay time.Duration, start []byte, p *rawPoller) streamResult {
	var res streamResult
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		res.failure = "interrupted before connecting"
		return res
	}
	u, err := url.Parse(cfg.url)
	if err != nil {
		res.failure = "url: " + err.Error()
		return res
	}
	dialer := net.Dialer{Timeout: 10 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		res.failure = "dial: " + simplify(err)
		return res
	}
	leftover, why := rawHandshake(conn, u, cfg.origin)
	if why != "" {
		conn.Close()
		res.failure = why
		return res
	}
	if _, err := conn.Write(appendClientFrame(nil, opText, start)); err != nil {
		conn.Close()
		res.failure = "send start: " + simplify(err)
		return res
	}
	// The poller reads a duplicate of the socket; closing the Go
	// connection leaves the socket open through it.
	fd := -1
	rc, err := conn.(*net.TCPConn).SyscallConn()
	if err == nil {
		cerr := rc.Control(func(orig uintptr) { fd, err = syscall.Dup(int(orig)) })
		err = errors.Join(err, cerr)
	}
	conn.Close()
	if err != nil {
		res.failure = "dup: " + err.Error()
		return res
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		res.failure = "nonblock: " + err.Error()
		return res
	}
	s := &rawStream{fd: fd, end: time.Now().Add(cfg.duration), clock: frameClock{fps: cfg.fps},
		pace: paceClock{fps: cfg.fps}, finished: make(chan struct{})}
	s.res.lateness = make([]time.Duration, 0, int(cfg.duration.Seconds()*cfg.fps)+16)
	s.res.pace = make([]time.Duration, 0, int(cfg.duration.Seconds()*cfg.fps)+16)
	if len(leftover) > 0 {
		// Frames that came with the handshake's response (none, in
		// practice): act on them before the poller takes over.
		if err := s.fr.feed(leftover, func(ev frameEvent) error { return s.handle(ev, time.Now()) }); err != nil {
			syscall.Close(fd)
			res.failure = "before meta: " + err.Error()
			return res
		}
	}
	p.mu.Lock()
	p.streams[fd] = s
	if p.firstEnd.IsZero() || s.end.Before(p.firstEnd) {
		p.firstEnd = s.end
	}
	p.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.mu.Lock()
		delete(p.streams, fd)
		p.mu.Unlock()
		syscall.Close(fd)
		res.failure = "epoll_ctl: " + err.Error()
		return res
	}
	<-s.finished
	return s.res
}

// rawHandshake performs the websocket opening handshake on conn (RFC 6455
// §4.1) within the 10 s the gorilla client allows. It returns any bytes
// the server sent after its response, or why the handshake failed.
func rawHandshake(conn net.Conn, u *url.URL, origin string) (leftover []byte, failure string) {
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetDeadline(time.Time{})
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
		"\r\nSec-WebSocket-Version: 13\r\n"
	if origin != "" {
		req += "Origin: " + origin + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		return nil, "dial: " + simplify(err)
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, "dial: " + simplify(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Sprintf("handshake: HTTP %d", resp.StatusCode)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, "handshake: wrong Sec-WebSocket-Accept"
	}
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		leftover = append([]byte(nil), b...)
	}
	return leftover, ""
}

// startRawClient starts the poller and returns how to run one stream with
// it and how to stop it once every stream has returned.
func startRawClient(ctx context.Context) (func(context.Context, config, time.Duration, []byte) streamResult, func(), error) {
	p, err := newRawPoller(ctx)
	if err != nil {
		return nil, nil, err
	}
	run := func(ctx context.Context, cfg config, delay time.Duration, start []byte) streamResult {
		return runStreamRaw(ctx, cfg, delay, start, p)
	}
	return run, p.stop, nil
}

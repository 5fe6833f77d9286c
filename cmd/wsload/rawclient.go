package main

// The raw client (-client raw, the default on Linux). The load client
// shares the cores with the server it measures, so its cost per frame is
// taken from the server's budget. With a goroutine and gorilla connection
// per stream, each frame cost a netpoller wake-up, a goroutine switch and
// two read calls (the data, then EAGAIN before parking). Here one epoll
// loop reads every stream's socket (internal/wsraw, shared with
// internal/liveload), so a frame costs one read call and a share of one
// epoll_wait, and nothing is allocated per frame. The reader keeps only
// the first peekLen bytes of each message: peekMessage and peekDueIn need
// no more, and the rest is counted off without a copy.
//
// What is measured is unchanged: a frame's arrival is the time of the read
// that returned it (taken per read, after it), so lateness still includes
// the network and this client's own delay (up to wsraw.BatchWait more),
// and stays an upper bound on the server's.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/stride-tutor/stride/internal/wsraw"
)

// rawClientAvailable says -client raw works here (Linux: epoll).
const rawClientAvailable = wsraw.Available

// peekLen is how much of a data message's start peekMessage and
// peekDueIn need: `{"type":"step","index":`, the index's digits and
// `,"due_in_ms":` with its digits.
const peekLen = 64

// rawStream is one stream's state. Once its socket is the poller's, only
// the poller's goroutine touches it, through the wsraw.Handler methods.
type rawStream struct {
	ctx   context.Context
	end   time.Time
	res   streamResult
	clock frameClock
	pace  paceClock
	// restartAt is when to restart after a done sent ahead of its time (a
	// player shows the last step first); zero when none is waiting.
	restartAt time.Time
	// finished is closed when the stream has ended and res is final.
	finished chan struct{}
}

// Message acts on one message, as runStream does for the gorilla client.
func (s *rawStream) Message(c *wsraw.Conn, data []byte, _ int64, at time.Time) error {
	if !at.Before(s.end) {
		s.finish(c) // the run is over; later frames do not count
		return nil
	}
	kind, index := peekMessage(data)
	switch kind {
	case msgMeta:
		s.res.connected = true
	case msgStep:
		s.res.countStep(index, at, peekDueIn(data), &s.clock, &s.pace)
	case msgDone:
		s.res.restarts++
		s.clock.reset()
		s.pace.reset()
		if dueIn := peekDueIn(data); dueIn > 0 {
			s.restartAt = at.Add(dueIn) // Timer sends it
			s.setTimer(c)
			return nil
		}
		return s.restart(c)
	case msgError:
		s.res.errors++
	}
	return nil
}

// Timer ends the stream when its run is over (or interrupted) and sends a
// restart that has waited for its time.
func (s *rawStream) Timer(c *wsraw.Conn, now time.Time) {
	if s.ctx.Err() != nil || !now.Before(s.end) {
		s.finish(c)
		return
	}
	if !s.restartAt.IsZero() && !now.Before(s.restartAt) {
		if err := s.restart(c); err != nil {
			c.Close(0, "")
			s.fail(err.Error())
			return
		}
	}
	s.setTimer(c)
}

// Ended: the server closed the socket, or it broke.
func (s *rawStream) Ended(c *wsraw.Conn, err error, at time.Time) {
	if !at.Before(s.end) {
		s.finish(c) // the run was over anyway
		return
	}
	s.fail(err.Error())
}

// setTimer asks for a Timer call at the run's end or the waiting restart,
// whichever comes first.
func (s *rawStream) setTimer(c *wsraw.Conn) {
	t := s.end
	if !s.restartAt.IsZero() && s.restartAt.Before(t) {
		t = s.restartAt
	}
	c.SetTimer(t)
}

// restart asks the server to play the animation again.
func (s *rawStream) restart(c *wsraw.Conn) error {
	s.restartAt = time.Time{}
	if err := c.Write(wsraw.OpText, []byte(`{"type":"restart"}`)); err != nil {
		return fmt.Errorf("send restart: %w", err)
	}
	return nil
}

// fail ends the stream with a failure (its socket closed already): before
// its meta, or early.
func (s *rawStream) fail(why string) {
	if !s.res.connected {
		s.res.failure = "before meta: " + why
	} else {
		s.res.failure, s.res.early = "ended early: "+why, true
	}
	close(s.finished)
}

// finish ends a stream whose run is over, closing politely as the gorilla
// client does.
func (s *rawStream) finish(c *wsraw.Conn) {
	c.Close(1000, "load test over")
	if !s.res.connected {
		s.res.failure = "no meta before the run ended"
	}
	close(s.finished)
}

// runStreamRaw opens one stream after delay, hands its socket to the
// poller and waits until the stream has finished.
func runStreamRaw(ctx context.Context, cfg config, delay time.Duration, start []byte, p *wsraw.Poller) streamResult {
	var res streamResult
	if !waitToStart(ctx, delay) {
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
	h := http.Header{}
	if cfg.origin != "" {
		h.Set("Origin", cfg.origin)
	}
	// 10 s, as the gorilla client allows.
	leftover, err := wsraw.Handshake(conn, u, h, 10*time.Second)
	if err != nil {
		conn.Close()
		var se *wsraw.StatusError
		if errors.As(err, &se) {
			res.failure = fmt.Sprintf("handshake: HTTP %d", se.Code)
		} else {
			res.failure = "dial: " + simplify(err)
		}
		return res
	}
	if _, err := conn.Write(wsraw.AppendClientFrame(nil, wsraw.OpText, start)); err != nil {
		conn.Close()
		res.failure = "send start: " + simplify(err)
		return res
	}
	s := &rawStream{ctx: ctx, end: time.Now().Add(cfg.duration), clock: frameClock{fps: cfg.fps},
		pace: paceClock{fps: cfg.fps}, finished: make(chan struct{})}
	s.res.lateness = make([]time.Duration, 0, int(cfg.duration.Seconds()*cfg.fps)+16)
	s.res.pace = make([]time.Duration, 0, int(cfg.duration.Seconds()*cfg.fps)+16)
	if _, err := p.Add(conn, leftover, s, s.end); err != nil {
		res.failure = "before meta: " + err.Error()
		return res
	}
	<-s.finished
	return s.res
}

// startRawClient starts the poller and returns how to run one stream with
// it and how to stop it once every stream has returned.
func startRawClient(ctx context.Context) (func(context.Context, config, time.Duration, []byte) streamResult, func(), error) {
	if !wsraw.Available {
		return nil, nil, errors.New("-client raw needs Linux (epoll); use -client gorilla")
	}
	p, err := wsraw.NewPoller(wsraw.Options{Loops: 1, Keep: peekLen})
	if err != nil {
		return nil, nil, err
	}
	// An interrupted run ends every stream at once (Timer sees ctx done).
	stopWaking := context.AfterFunc(ctx, p.Wake)
	run := func(ctx context.Context, cfg config, delay time.Duration, start []byte) streamResult {
		return runStreamRaw(ctx, cfg, delay, start, p)
	}
	stop := func() {
		stopWaking()
		p.Stop(0, "")
	}
	return run, stop, nil
}

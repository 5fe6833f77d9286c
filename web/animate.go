package web

// The animation websocket (GET /ws/animate) replays a conv2d or pooling one
// output cell at a time, at a pace the student controls. docs/PROTOCOL.md
// documents the messages; this file holds the connection plumbing and
// animate_msg.go the message parsing and encoding.
//
// Each connection has exactly two goroutines, as in gorilla's chat example:
// a reader that parses client messages and hands them to the writer through
// a small bounded channel, and a writer that owns the player state, its
// ping timer and every data write; the animator's one clock
// (animate_clock.go) tells writers when a step is due. Neither can
// outlive the other: the reader ending wakes the writer, and the writer
// ending closes the socket, which ends the reader.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
)

const (
	// defaultAnimMaxStreams is AnimatorConfig.MaxStreams when it is 0.
	defaultAnimMaxStreams = 5000
	// defaultAnimMaxStreamsPerClient is AnimatorConfig.MaxStreamsPerClient
	// when it is 0: a student has a few players open, not fifty, while a
	// classroom behind one NAT address may need the operator to raise it.
	defaultAnimMaxStreamsPerClient = 50
	// defaultAnimReadLimit is AnimatorConfig.ReadLimit when it is 0: a start
	// message with a human-sized example is a few hundred bytes.
	defaultAnimReadLimit = 16 << 10

	// maxAnimationCells bounds the padded input (C·Hp·Wp) and the kernel of
	// an animation, which keeps the meta message small (tens of KiB) and
	// every step at most 4096 terms. Animations are for examples a person
	// follows cell by cell; compute's own limits are far larger.
	maxAnimationCells = 4096

	defaultAnimFPS = 2
	minAnimFPS     = 0.5
	maxAnimFPS     = 60

	// maxAnimAheadMS bounds ahead_ms, how far ahead of their due time a
	// client may take steps while playing: a second of steps is at most 60
	// small ones (or as much as the output budget allows of large ones),
	// and what a pause takes back is never more than that.
	maxAnimAheadMS = 1000

	// animCtrlQueue bounds the messages the reader may queue for the writer.
	// When the writer is stuck on a slow client, the reader blocks and stops
	// reading, so TCP flow control pushes back on the client instead of
	// memory growing. A queued start holds its parsed tensors (bounded by
	// ReadLimit and maxAnimationCells), so the queue is short.
	animCtrlQueue = 4

	// animReadBuffer is gorilla's per-connection read buffer; messages larger
	// than it are still read, just in several calls. It stays small because
	// every idle stream holds one.
	animReadBuffer = 1024
	// animWriteBuffer is the size of the pooled write buffers. A connection
	// holds one only while writing a message, so idle streams hold none.
	animWriteBuffer = 4096
	// maxPooledAnimBuffer is the largest step-encoding buffer returned to
	// the pool; rare huge steps must not pin their buffers forever.
	maxPooledAnimBuffer = 64 << 10
)

// animTiming holds the connection timeouts. They are fields rather than
// constants so that tests can shorten them.
type animTiming struct {
	// ping is how often the writer pings; it must be well below pongWait.
	ping time.Duration
	// pongWait is how long the reader waits for any message or pong before
	// it decides the client has vanished.
	pongWait time.Duration
	// writeWait bounds every write; a client that does not read for this
	// long is dropped.
	writeWait time.Duration
	// closeGrace is how long the server waits for the client's close reply
	// after sending a close frame, before it closes the TCP connection.
	closeGrace time.Duration
}

var defaultAnimTiming = animTiming{
	ping:       20 * time.Second,
	pongWait:   45 * time.Second,
	writeWait:  5 * time.Second,
	closeGrace: time.Second,
}

// AnimatorConfig bounds the animation websocket.
type AnimatorConfig struct {
	// MaxStreams bounds concurrent animation connections; extra ones are
	// closed with 1013 (try again later). 0 means 5000.
	MaxStreams int
	// MaxStreamsPerClient bounds the concurrent connections of one client
	// address, so one client cannot hold every slot; extra ones are closed
	// with 1013 too. 0 means 50.
	MaxStreamsPerClient int
	// ClientKey names the client a request comes from for
	// MaxStreamsPerClient (Server passes ClientIPs.Of). Nil keys on the TCP
	// peer's address.
	ClientKey func(*http.Request) string
	// AllowedOrigins are origins allowed besides the request's own host,
	// written scheme://host[:port] like "https://lms.example.edu"; "*"
	// allows any origin.
	AllowedOrigins []string
	// ReadLimit bounds one client message in bytes; a larger message closes
	// the connection with 1009. 0 means 16 KiB.
	ReadLimit int64
	// Logger receives connection problems. Nil discards them.
	Logger *slog.Logger
}

// animator serves GET /ws/animate. It is safe for concurrent use; its only
// mutable state is the set of open connections.
type animator struct {
	log     *slog.Logger
	catalog *exercises.Catalog
	// unlock checks the tokens that open gated exercise replays; nil opens
	// nothing, so every gated step stays withheld.
	unlock       *unlocker
	maxStreams   int
	maxPerClient int
	clientKey    func(*http.Request) string
	readLimit    int64
	allowAny     bool
	allowed      map[string]bool // normalized "scheme://host[:port]"
	timing       animTiming
	budget       animBudget
	upgrader     websocket.Upgrader
	// now is the writers' clock for the players' schedules (time.Now);
	// tests stop it to make what is due, and what a pause takes back,
	// independent of the machine's speed.
	now func() time.Time

	// encodeBufs recycles step-encoding buffers across connections, so an
	// idle stream holds no encoding buffer.
	encodeBufs sync.Pool
	// corkBufs recycles the buffers of corked writes (animNetConn).
	corkBufs sync.Pool
	// refused counts client messages refused for lack of budget.
	refused atomic.Int64
	// frames shares encoded steps between streams of the same animation.
	frames *frameCache
	// clock paces every playing stream.
	clock animClock

	mu sync.Mutex
	// active counts connections that hold a slot: upgrading or open.
	active int
	// perClient counts the slots held per client key; keys at 0 are
	// deleted, so the map is bounded by active.
	perClient map[string]int
	conns     map[*animConn]struct{}
	// closing is set by Shutdown; later connections are refused.
	closing bool
	// wg counts every goroutine (and handshake) that Shutdown waits for.
	wg sync.WaitGroup
}

// newAnimator builds the websocket handler. catalog resolves the
// {"exercise": …} form of start messages.
func newAnimator(cfg AnimatorConfig, catalog *exercises.Catalog) *animator {
	a := &animator{
		log:          cfg.Logger,
		catalog:      catalog,
		maxStreams:   cfg.MaxStreams,
		maxPerClient: cfg.MaxStreamsPerClient,
		clientKey:    cfg.ClientKey,
		readLimit:    cfg.ReadLimit,
		allowed:      make(map[string]bool),
		timing:       defaultAnimTiming,
		budget:       defaultAnimBudget,
		perClient:    make(map[string]int),
		conns:        make(map[*animConn]struct{}),
		frames:       newFrameCache(defaultFrameCacheBytes),
		now:          time.Now,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.maxStreams <= 0 {
		a.maxStreams = defaultAnimMaxStreams
	}
	if a.maxPerClient <= 0 {
		a.maxPerClient = defaultAnimMaxStreamsPerClient
	}
	if a.clientKey == nil {
		a.clientKey = ClientIPs{}.Of
	}
	if a.readLimit <= 0 {
		a.readLimit = defaultAnimReadLimit
	}
	for _, o := range cfg.AllowedOrigins {
		o = strings.TrimSpace(o)
		if o == "*" {
			a.allowAny = true
			continue
		}
		if o = normalizeOrigin(o); o != "" {
			a.allowed[o] = true
		}
	}
	a.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   animReadBuffer,
		WriteBufferSize:  animWriteBuffer,
		WriteBufferPool:  &sync.Pool{},
		// ServeHTTP has already checked the origin with a clearer answer.
		CheckOrigin: func(*http.Request) bool { return true },
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			http.Error(w, reason.Error(), status)
		},
	}
	return a
}

// normalizeOrigin lowercases scheme and host and drops a trailing slash, so
// "https://LMS.example.edu/" matches the browser's "https://lms.example.edu".
// It returns "" for something that is not scheme://host[:port].
func normalizeOrigin(o string) string {
	u, err := url.Parse(strings.TrimSuffix(o, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

// originAllowed implements the origin policy. Browsers always send Origin on
// websocket handshakes, so checking it stops other sites from opening
// streams with a student's cookies; non-browser clients send none.
func (a *animator) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || a.allowAny {
		return true
	}
	// Scheme, host and port must all match: http://host is not https://host.
	if sameOrigin(origin, r) {
		return true
	}
	return a.allowed[normalizeOrigin(origin)]
}

// Active reports the open animation connections (including those in the
// middle of their handshake), for metrics.
func (a *animator) Active() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.active
}

// ServeHTTP upgrades GET /ws/animate to a websocket and starts the
// connection's reader and writer. It returns at once, like gorilla's chat
// example, so the HTTP server's goroutine and buffers are freed.
func (a *animator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		writeJSON(w, http.StatusBadRequest, apiError{Field: "Upgrade",
			Error: "this endpoint speaks the websocket protocol (docs/PROTOCOL.md); open it with a websocket client"})
		return
	}
	if !a.originAllowed(r) {
		writeJSON(w, http.StatusForbidden, apiError{Field: "Origin",
			Error: fmt.Sprintf("websocket origin %q is not allowed to open animation streams; see STRIDE_ALLOWED_ORIGINS", clip(r.Header.Get("Origin"), 100))})
		return
	}
	// Middleware such as the request logger wraps the writer without
	// implementing Hijacker; gorilla needs one, so the hijack reaches
	// through Unwrap. The hijacked connection is wrapped in an
	// animNetConn (animate_conn.go).
	w = animHijacker{ResponseWriter: w, slack: a.timing.writeWait / 4, bufs: &a.corkBufs}

	client := a.clientKey(r)
	a.mu.Lock()
	var refuseCode int
	var refuseReason string
	switch {
	case a.closing:
		refuseCode, refuseReason = websocket.CloseGoingAway, "server shutting down"
	case a.active >= a.maxStreams:
		refuseCode = websocket.CloseTryAgainLater
		refuseReason = fmt.Sprintf("server busy: %d animation streams are open; try again shortly", a.active)
		a.wg.Add(1)
	case a.perClient[client] >= a.maxPerClient:
		refuseCode = websocket.CloseTryAgainLater
		refuseReason = fmt.Sprintf("too many animation streams from your address: %d are open, the limit is %d; close one first",
			a.perClient[client], a.maxPerClient)
		a.wg.Add(1)
	default:
		a.active++
		a.perClient[client]++
		a.wg.Add(1) // the handshake; handed on to the reader below
	}
	a.mu.Unlock()

	if refuseCode != 0 {
		if refuseCode == websocket.CloseTryAgainLater {
			defer a.wg.Done()
			a.log.Warn("animation stream refused", "reason", refuseReason, "client", client)
		}
		a.refuse(w, r, refuseCode, refuseReason)
		return
	}

	ws, err := a.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has answered with an HTTP error already.
		a.release(client)
		a.wg.Done()
		return
	}
	nc, _ := ws.NetConn().(*animNetConn)
	c := &animConn{
		a:          a,
		ws:         ws,
		nc:         nc,
		client:     client,
		ctrl:       make(chan animControl, animCtrlQueue),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
		goingAway:  make(chan struct{}),
		wake:       make(chan struct{}, 1),
	}
	c.left.Store(2)
	a.mu.Lock()
	a.conns[c] = struct{}{}
	if a.closing {
		// Shutdown began during the handshake and could not see c.
		close(c.goingAway)
		c.signal()
	}
	a.wg.Add(1) // the writer; the reader inherits the handshake's count
	a.mu.Unlock()

	go c.writeLoop()
	go c.readLoop()
}

// refuse completes the handshake only to close at once with code and
// reason: a browser cannot read an HTTP error on a failed handshake, but it
// does see a close code and reason.
func (a *animator) refuse(w http.ResponseWriter, r *http.Request, code int, reason string) {
	ws, err := a.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	deadline := time.Now().Add(a.timing.closeGrace)
	if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline); err != nil {
		return
	}
	// Wait for the client's close reply, discarding anything it sent first,
	// so that closing the socket does not reset it before the client has
	// read the close frame.
	ws.SetReadLimit(a.readLimit)
	_ = ws.SetReadDeadline(deadline)
	for {
		if _, _, err := ws.NextReader(); err != nil {
			return
		}
	}
}

// Shutdown closes every animation socket with 1001 (going away) and waits
// for their goroutines, or until ctx ends; then it closes whatever is left
// without waiting further. Connections that arrive afterwards are refused
// with 1001.
func (a *animator) Shutdown(ctx context.Context) {
	a.mu.Lock()
	if !a.closing {
		a.closing = true
		for c := range a.conns {
			close(c.goingAway)
			c.signal()
		}
	}
	a.mu.Unlock()

	done := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		a.mu.Lock()
		for c := range a.conns {
			_ = c.ws.NetConn().Close()
		}
		a.mu.Unlock()
	}
}

// remove forgets a connection once both of its goroutines have ended.
func (a *animator) remove(c *animConn) {
	a.mu.Lock()
	delete(a.conns, c)
	a.mu.Unlock()
	a.release(c.client)
}

// release frees the slot a connection of client held.
func (a *animator) release(client string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.active--
	if n := a.perClient[client] - 1; n > 0 {
		a.perClient[client] = n
	} else {
		delete(a.perClient, client)
	}
}

// getEncodeBuffer and putEncodeBuffer manage the shared encoding buffers.
func (a *animator) getEncodeBuffer() *[]byte {
	if p, ok := a.encodeBufs.Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 0, 2048)
	return &b
}

func (a *animator) putEncodeBuffer(p *[]byte, used []byte) {
	if cap(used) > maxPooledAnimBuffer {
		return
	}
	*p = used[:0]
	a.encodeBufs.Put(p)
}

// unwrappingHijacker lets gorilla hijack a ResponseWriter that wraps a
// Hijacker behind Unwrap (http.ResponseController's convention) without
// implementing Hijack itself. The live class's websocket uses it too.
type unwrappingHijacker struct{ http.ResponseWriter }

func (h unwrappingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(h.ResponseWriter).Hijack()
}

// animHijacker lets gorilla hijack a ResponseWriter that may wrap a
// Hijacker behind Unwrap (http.ResponseController's convention) without
// implementing Hijack itself, and hands gorilla the connection wrapped in
// an animNetConn.
type animHijacker struct {
	http.ResponseWriter
	slack time.Duration
	bufs  *sync.Pool
}

func (h animHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &animNetConn{Conn: nc, slack: h.slack, bufs: h.bufs}, rw, nil
}

// animConn is one animation websocket.
type animConn struct {
	a  *animator
	ws *websocket.Conn
	// nc is ws's network connection, which the writer corks around what
	// it sends on each wake-up.
	nc *animNetConn
	// client is the key of the per-client stream cap.
	client string
	// ctrl carries parsed client messages from the reader to the writer.
	ctrl chan animControl
	// readerDone is closed when the reader returns; readErr is set before.
	readerDone chan struct{}
	readErr    error
	// writerDone is closed when the writer returns, so a reader blocked on
	// a full ctrl does not wait forever.
	writerDone chan struct{}
	// goingAway is closed (under animator.mu) by Shutdown.
	goingAway chan struct{}
	// wake is the one channel the writer waits on: the animator's clock
	// signals it when a step may be due, the reader when it has queued a
	// message or ended, the ping timer when a ping is due, and Shutdown.
	// One channel rather than a select over five keeps the wake-up of each
	// frame cheap. It has a buffer of one, and every signaller sets its
	// condition before signalling, so no wake-up is lost.
	wake chan struct{}
	// pingDue is set by the ping timer.
	pingDue atomic.Bool
	// left counts the goroutines still running; the last one out removes
	// the connection from the animator.
	left atomic.Int32
}

// signal wakes the writer without blocking; a wake-up already pending
// covers this one.
func (c *animConn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// finishGoroutine is deferred by both goroutines.
func (c *animConn) finishGoroutine() {
	if c.left.Add(-1) == 0 {
		c.a.remove(c)
	}
	c.a.wg.Done()
}

// readLoop reads client messages until the connection fails or closes. It
// owns every read and the read deadline.
func (c *animConn) readLoop() {
	defer c.finishGoroutine()
	defer c.signal() // after readerDone is closed (defers run last first)
	defer close(c.readerDone)
	t := c.a.timing
	c.ws.SetReadLimit(c.a.readLimit)
	_ = c.ws.SetReadDeadline(time.Now().Add(t.pongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(t.pongWait))
	})
	budget := newReaderBudget(c.a.budget, time.Now())
	// stepUnits is what a step of the current animation costs beyond the
	// base unit; the reader sees every valid start, in the writer's order.
	stepUnits := 0.0
	// refusing is set while a run of refused messages goes on, so that the
	// run is answered with one error, not one per message.
	refusing := false
	for {
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readErr = err
			if websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway,
				websocket.CloseNoStatusReceived) && !errors.Is(err, websocket.ErrReadLimit) {
				c.a.log.Debug("animation stream read ended", "err", err)
			}
			return
		}
		now := time.Now()
		_ = c.ws.SetReadDeadline(now.Add(t.pongWait))
		var msg animControl
		accepted := false
		if budget.admit(len(data), now) {
			msg = c.a.parseMessage(kind, data)
			units := 1.0
			switch {
			case msg.err != nil:
			case msg.kind == ctlStart:
				units += msg.start.anim.metaUnits()
			case msg.kind == ctlSeek || msg.kind == ctlStep || msg.kind == ctlBack:
				units += stepUnits
			}
			if accepted = budget.take(units); accepted && msg.kind == ctlStart {
				stepUnits = msg.start.anim.stepUnits()
			}
		}
		if !accepted {
			c.a.refused.Add(1)
			if !budget.refuse(now) {
				c.readErr = errOverBudget
				return
			}
			if !refusing {
				// Never block for the notice: a flood must keep being read
				// (and counted) even while the writer is busy.
				select {
				case c.ctrl <- animControl{err: c.a.budget.overBudgetError()}:
					refusing = true
					c.signal()
				default:
				}
			}
			continue
		}
		refusing = false
		select {
		case c.ctrl <- msg:
			c.signal()
		case <-c.writerDone:
			return
		}
	}
}

// writeLoop owns the player and every data write. It returns when the
// reader ends, a write fails, or Shutdown asks it to go away; on return the
// socket is closed, which also ends the reader.
func (c *animConn) writeLoop() {
	defer c.finishGoroutine()
	defer func() {
		close(c.writerDone)
		_ = c.ws.Close()
	}()
	t := c.a.timing
	var p animPlayer
	defer func() { c.a.frames.release(p.frames) }()
	// Pings have their own timer, which fires every t.ping; steps are
	// paced by the animator's clock. filed is the due time last filed with
	// the clock and not yet passed (zero: none), so each is filed once.
	ping := time.AfterFunc(t.ping, func() {
		c.pingDue.Store(true)
		c.signal()
	})
	defer ping.Stop()
	var filed time.Time
	for range c.wake {
		select {
		case <-c.readerDone:
			if errors.Is(c.readErr, errOverBudget) {
				_ = c.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.ClosePolicyViolation, animOverBudgetReason),
					time.Now().Add(t.writeWait))
			}
			if errors.Is(c.readErr, websocket.ErrReadLimit) || errors.Is(c.readErr, errOverBudget) {
				// The close frame is sent but the client may still be
				// sending; closing now could reset the connection before
				// the client reads the close frame.
				c.linger()
			}
			return
		case <-c.goingAway:
			c.closeAndWait(websocket.CloseGoingAway, "server shutting down")
			return
		default:
		}
		// Everything sent on this wake-up goes out in one write call.
		c.nc.cork()
		err := c.serve(&p, ping)
		if uerr := c.nc.uncork(); err == nil {
			err = uerr
		}
		if err != nil {
			return
		}
		now := c.a.now()
		if !now.Before(filed) {
			filed = time.Time{}
		}
		if p.playing && !p.nextAt.Equal(filed) {
			c.a.clock.at(p.nextAt, c.wake)
			filed = p.nextAt
		}
	}
}

// serve does what one wake-up of the writer found to do: the queued client
// messages, a due ping, a due step. It returns an error only when a write
// failed, which ends the connection.
func (c *animConn) serve(p *animPlayer, ping *time.Timer) error {
	// Queued messages first, at most a queue's worth per wake-up so that a
	// client sending without pause cannot hold off its pings or steps; if
	// more are queued, the writer wakes itself again.
	for n := 0; n < animCtrlQueue && len(c.ctrl) > 0; n++ {
		// Only the writer receives from ctrl, so this does not block.
		if err := c.handleRun(<-c.ctrl, func(m animControl) error { return c.handle(p, m) }); err != nil {
			return err
		}
	}
	if len(c.ctrl) > 0 {
		c.signal()
	}
	now := c.a.now()
	if c.pingDue.Swap(false) {
		if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.a.timing.writeWait)); err != nil {
			return err
		}
		ping.Reset(c.a.timing.ping)
	}
	if p.playing && !now.Before(p.nextAt) {
		return c.advance(p, now)
	}
	return nil
}

// handleRun handles msg and, through coalesceSeeks, the seeks queued
// right behind it (only the last of them) and the first other message it
// had to take, in order.
func (c *animConn) handleRun(msg animControl, handle func(animControl) error) error {
	for {
		// cur, not msg: a "msg, next :=" here declared a msg of the loop's
		// body, so the taken message was dropped and the seek handled twice
		// (a follower's seek then play left its player paused).
		cur, next := c.coalesceSeeks(msg)
		if err := handle(cur); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		msg = *next
	}
}

// coalesceSeeks replaces a seek by the last of the seeks queued right
// behind it: only the latest position matters, and each seek answers with
// a whole step. It returns the first queued message that is not a seek, if
// it had to take one, to be handled right after, so the order of effects is
// kept. Only the writer receives from ctrl, so len(ctrl) > 0 means a
// receive does not block.
func (c *animConn) coalesceSeeks(msg animControl) (animControl, *animControl) {
	for msg.kind == ctlSeek && msg.err == nil && len(c.ctrl) > 0 {
		next := <-c.ctrl
		if next.kind != ctlSeek || next.err != nil {
			return msg, &next
		}
		msg = next
	}
	return msg, nil
}

// closeAndWait sends a close frame and waits, at most closeGrace, for the
// reader to see the client's reply.
func (c *animConn) closeAndWait(code int, reason string) {
	t := c.a.timing
	err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(t.writeWait))
	if err != nil {
		return
	}
	grace := time.NewTimer(t.closeGrace)
	defer grace.Stop()
	select {
	case <-c.readerDone:
	case <-grace.C:
	}
}

// linger discards what the client still sends, for at most closeGrace,
// after the reader has stopped. Only the writer calls it, after the reader
// has returned, so it is the only one reading.
func (c *animConn) linger() {
	nc := c.ws.NetConn()
	_ = nc.SetReadDeadline(time.Now().Add(c.a.timing.closeGrace))
	_, _ = io.Copy(io.Discard, io.LimitReader(nc, 4*c.a.readLimit))
}

// write sends one text message under the write deadline.
func (c *animConn) write(b []byte) error {
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.a.timing.writeWait))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// animPlayer is the writer's view of the animation in progress.
type animPlayer struct {
	trace *compute.Trace // nil until the first valid start
	total int
	// index is the step most recently sent; -1 before step 0.
	index    int
	playing  bool
	fps      float64
	interval time.Duration
	// nextAt is when the next step is due while playing. Steps are paced
	// from their schedule, not from when the last one was written, so the
	// pace does not drift.
	nextAt time.Time
	// frames are the animation's steps shared with other streams playing
	// it; nil when it is too long to share.
	frames *sharedFrames
	// sentBytes is the size of the step sent last, for the output budget.
	sentBytes int
	// withheld are the steps sent without terms and value (a gated
	// exercise replay).
	withheld map[int]bool
	// ahead is how far ahead of its due time a step may be sent while
	// playing (the start's ahead_ms); 0 sends each step when it is due.
	// Steps sent ahead carry their due time (due_in_ms) and the client
	// shows each at that time.
	ahead time.Duration
	// dueAt is the due time of step index when it was sent while playing;
	// after it, steps sent ahead are spaced by interval (scheduleNext), so
	// rewind can tell which are not due yet.
	dueAt time.Time
}

func (p *animPlayer) setFPS(fps float64) {
	p.fps = fps
	p.interval = time.Duration(float64(time.Second) / fps)
}

// handle applies one client message. It returns an error only when a write
// failed, which ends the connection.
func (c *animConn) handle(p *animPlayer, msg animControl) error {
	if msg.err != nil {
		return c.sendError(msg.err)
	}
	now := c.a.now()
	if msg.kind == ctlStart {
		st := msg.start
		meta, err := marshalAnimMessage(st.anim.meta(st.fps, st.paused))
		if err != nil {
			return c.sendError(&wsError{Message: "the animation could not be encoded: " + err.Error()})
		}
		c.a.frames.release(p.frames)
		*p = animPlayer{trace: st.anim.trace, total: st.anim.trace.Len(), index: -1, playing: !st.paused,
			withheld: st.anim.withheld, ahead: st.ahead}
		p.frames = c.a.frames.acquire(animFrameKeyOf(meta), p.total)
		p.setFPS(st.fps)
		p.nextAt = now // the first step follows the meta at once
		return c.write(meta)
	}
	if p.trace == nil {
		return c.sendError(&wsError{Field: "type", Message: `there is no animation yet; send {"type":"start", …} first`})
	}
	// Every control acts on the step the client shows now, not on steps
	// sent ahead of their time, which the client drops on the state (or
	// step) that answers this message. A control answered with an error
	// (no state) changes nothing, so the client keeps what it holds and
	// the steps taken back are put back (before).
	before := *p
	p.rewind(now)
	switch msg.kind {
	case ctlPause:
		p.playing = false
	case ctlPlay:
		if !p.playing {
			if p.index >= p.total-1 {
				p.index = -1 // play after the end starts over
			}
			p.playing, p.nextAt = true, now
		}
	case ctlRestart:
		p.index, p.playing, p.nextAt = -1, true, now
	case ctlSpeed:
		old := p.interval
		p.setFPS(msg.fps)
		if p.playing {
			// Keep the time since the last step; apply the new interval.
			p.nextAt = p.nextAt.Add(p.interval - old)
			if p.nextAt.Before(now) {
				p.nextAt = now
			}
		}
	case ctlStep, ctlBack, ctlSeek:
		target := p.index + 1
		switch msg.kind {
		case ctlStep:
			if target >= p.total {
				*p = before
				return c.sendError(&wsError{Field: "type", Message: fmt.Sprintf(
					"already at the last step (%d); send back, seek or restart", p.total-1)})
			}
		case ctlBack:
			target = p.index - 1
			if target < 0 {
				*p = before
				return c.sendError(&wsError{Field: "type", Message: "already at the first step; there is no step before it"})
			}
		case ctlSeek:
			target = msg.index
			if target >= p.total {
				*p = before
				return c.sendError(&wsError{Field: "index", Message: fmt.Sprintf(
					"is %d, but this animation has %d steps, numbered 0 to %d", target, p.total, p.total-1)})
			}
		}
		p.playing = false
		if err := c.sendStep(p, target); err != nil {
			return err
		}
	}
	return c.sendState(p)
}

// animMaxCatchUp is how far behind its schedule a playing stream may fall
// (its writer woken late, a slow write) and still catch up: the steps that
// came due meanwhile are sent at once, one after another, and the stream
// is back on its schedule. Further behind, the server re-anchors the
// schedule instead, so a long stall never ends in a long burst. A second
// is at most 60 steps at the fastest pace, and the output budget (outRate)
// still spaces large steps.
const animMaxCatchUp = time.Second

// advance sends the step that is due while playing, and any that came due
// while the writer was late, and done after the last one.
func (c *animConn) advance(p *animPlayer, now time.Time) error {
	for {
		due := p.nextAt
		if err := c.sendPlayStep(p, p.index+1, due.Sub(now)); err != nil {
			return err
		}
		p.dueAt = due
		if p.index >= p.total-1 {
			p.playing = false
			if p.ahead > 0 {
				return c.writeDueIn([]byte(animDoneMessage), len(`{"type":"done"`), due.Sub(now))
			}
			return c.write([]byte(animDoneMessage))
		}
		// The gap to the next step is the interval, or longer if the step
		// just sent used up more than the interval's share of the output
		// budget.
		gap := p.interval
		if rate := c.a.budget.outRate; rate > 0 {
			gap = max(gap, time.Duration(float64(p.sentBytes)/rate*float64(time.Second)))
		}
		if !p.scheduleNext(gap, now) {
			return nil
		}
	}
}

// scheduleNext moves nextAt on by gap after a step was sent at now, and
// reports whether the next step should follow at once: true while the
// stream is behind its schedule by at most animMaxCatchUp, or when the
// client takes steps ahead (p.ahead) and the next one is due within that
// window, one interval after the step before it. Further behind, it
// re-anchors the schedule at now (the next step is sent at the clock's
// next slot) and reports false.
//
// Sending ahead only steps one interval apart (a large step stretches its
// gap under the output budget, and ends the batch) lets rewind count the
// steps not due yet from the last one's due time alone.
func (p *animPlayer) scheduleNext(gap time.Duration, now time.Time) bool {
	p.nextAt = p.nextAt.Add(gap)
	switch behind := now.Sub(p.nextAt); {
	case behind > animMaxCatchUp:
		p.nextAt = now
		return false
	case behind >= 0:
		return true
	default:
		return p.ahead > 0 && gap == p.interval && -behind < p.ahead
	}
}

// rewind takes back the steps sent ahead of their time that are not due
// yet at now: the client has not shown them and drops them when it gets
// the answer to the control being handled (docs/PROTOCOL.md, "Steps sent
// ahead"). index becomes the step the client shows now and nextAt the due
// time of the step after it, as if the stream had sent each step when it
// was due. A stream that sent done ahead is playing again until its last
// step is due.
func (p *animPlayer) rewind(now time.Time) {
	if p.ahead <= 0 || !p.dueAt.After(now) || p.interval <= 0 {
		return
	}
	// Steps index−k+1 … index are due after now, one interval apart.
	k := int((p.dueAt.Sub(now) + p.interval - 1) / p.interval)
	k = min(k, p.index+1)
	p.index -= k
	p.nextAt = p.dueAt.Add(-time.Duration(k-1) * p.interval)
	p.dueAt = p.dueAt.Add(-time.Duration(k) * p.interval)
	if p.dueAt.After(now) {
		p.dueAt = now // rewound to before step 0 (k was clamped)
	}
	p.playing = true
}

// sendStep sends step i: the copy shared with other streams of the same
// animation when there is one, or else computed from the trace (lazily:
// nothing is precomputed), encoded in a pooled buffer and offered to the
// shared copy.
func (c *animConn) sendStep(p *animPlayer, i int) error {
	if p.withheld[i] {
		// Never from or into the shared copy: that holds the full step.
		st, err := p.trace.Step(i)
		if err != nil {
			return c.sendError(&wsError{Field: "index", Message: err.Error()})
		}
		p.index = i
		bp := c.a.getEncodeBuffer()
		b := appendWithheldStep((*bp)[:0], &st)
		p.sentBytes = len(b)
		err = c.write(b)
		c.a.putEncodeBuffer(bp, b)
		return err
	}
	if b := p.frames.step(i); b != nil {
		p.index, p.sentBytes = i, len(b)
		return c.write(b)
	}
	st, err := p.trace.Step(i)
	if err != nil {
		// i is checked by the callers; this is a bug, reported, not fatal.
		return c.sendError(&wsError{Field: "index", Message: err.Error()})
	}
	p.index = i
	bp := c.a.getEncodeBuffer()
	b := appendAnimStep((*bp)[:0], &st)
	p.sentBytes = len(b)
	if p.frames != nil {
		c.a.frames.store(p.frames, i, b)
	}
	err = c.write(b)
	c.a.putEncodeBuffer(bp, b)
	return err
}

// sendPlayStep sends step i while playing, due dueIn from now. To a client
// that takes steps ahead it adds "due_in_ms" after the index (0 for a step
// due already), which tells it when to show the step and that the step
// is part of the play, not the answer to a control; the shared encoding
// is written around the field, not copied.
func (c *animConn) sendPlayStep(p *animPlayer, i int, dueIn time.Duration) error {
	if p.ahead <= 0 || p.withheld[i] {
		if p.ahead > 0 {
			// A withheld step is encoded per stream anyway.
			return c.sendStepDueIn(p, i, dueIn)
		}
		return c.sendStep(p, i)
	}
	if b := p.frames.step(i); b != nil {
		p.index, p.sentBytes = i, len(b)
		return c.writeDueIn(b, animStepFieldEnd(b), dueIn)
	}
	return c.sendStepDueIn(p, i, dueIn)
}

// sendStepDueIn is sendStep with a due time: it encodes step i (storing
// it in the shared copy as sendStep does) and writes it with due_in_ms.
func (c *animConn) sendStepDueIn(p *animPlayer, i int, dueIn time.Duration) error {
	st, err := p.trace.Step(i)
	if err != nil {
		return c.sendError(&wsError{Field: "index", Message: err.Error()})
	}
	p.index = i
	bp := c.a.getEncodeBuffer()
	var b []byte
	if p.withheld[i] {
		b = appendWithheldStep((*bp)[:0], &st)
	} else {
		b = appendAnimStep((*bp)[:0], &st)
		if p.frames != nil {
			c.a.frames.store(p.frames, i, b)
		}
	}
	p.sentBytes = len(b)
	err = c.writeDueIn(b, animStepFieldEnd(b), dueIn)
	c.a.putEncodeBuffer(bp, b)
	return err
}

// animStepFieldEnd returns where the index of an encoded step ends, where
// "due_in_ms" goes: after `{"type":"step","index":` and its digits.
func animStepFieldEnd(b []byte) int {
	i := len(animStepPrefix)
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// animStepPrefix begins every encoded step (appendAnimStep,
// appendWithheldStep).
const animStepPrefix = `{"type":"step","index":`

// writeDueIn writes message b with `,"due_in_ms":n` inserted at byte at
// (the end of a field), as one websocket message under the write
// deadline. n is dueIn rounded to the millisecond, 0 when it is past. The
// message is put together in a pooled buffer: gorilla's NextWriter, which
// could write it in pieces, allocates a writer per message.
func (c *animConn) writeDueIn(b []byte, at int, dueIn time.Duration) error {
	bp := c.a.getEncodeBuffer()
	m := append((*bp)[:0], b[:at]...)
	m = append(m, `,"due_in_ms":`...)
	m = strconv.AppendInt(m, int64(max(dueIn, 0)+time.Millisecond/2)/int64(time.Millisecond), 10)
	m = append(m, b[at:]...)
	err := c.write(m)
	c.a.putEncodeBuffer(bp, m)
	return err
}

func (c *animConn) sendState(p *animPlayer) error {
	bp := c.a.getEncodeBuffer()
	b := appendAnimState((*bp)[:0], p)
	err := c.write(b)
	c.a.putEncodeBuffer(bp, b)
	return err
}

func (c *animConn) sendError(e *wsError) error {
	b, err := marshalAnimMessage(animErrorMessage{Type: "error", Message: e.Message, Field: e.Field})
	if err != nil {
		return err
	}
	return c.write(b)
}

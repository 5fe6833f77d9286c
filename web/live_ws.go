package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// The live sessions' websockets follow gorilla's chat example: one reader
// and one writer goroutine per connection, the hub never writing to a
// socket itself. The hub queues encoded messages on a bounded channel per
// connection and drops a connection whose queue is full; its writer then
// closes the socket with 1013 and the page reconnects, getting the whole
// state again as its first message. Pages send nothing but control frames
// (answers and controls are HTTP forms), so the reader only enforces the
// read limit, the message rate and the pong deadline.

// Limits of the live websockets (docs/LIVE.md).
const (
	// DefaultLiveMaxConns bounds the live websockets of the server.
	DefaultLiveMaxConns = 20000
	// liveMaxPerLearner bounds one learner's connections to one session
	// (tabs); staff pages count under learner 0 of their user.
	liveMaxPerLearner = 4
	// liveReadLimit bounds a message a page may send (they need none).
	liveReadLimit = 512
	// liveMsgBurst and liveMsgPerSecond bound the data messages a page may
	// send before it is closed with 1008 (policy violation).
	liveMsgBurst     = 10
	liveMsgPerSecond = 1
	liveWriteBuffer  = 4096
	// liveControlBurst and liveControlPerSecond bound one session's
	// instructor controls (every replica's staff together count per
	// replica): each is a database transaction and a fan-out to the room.
	liveControlBurst     = 20
	liveControlPerSecond = 5
)

// liveTiming are the websocket deadlines; tests shorten them.
type liveTiming struct {
	writeWait  time.Duration // a write's deadline
	pongWait   time.Duration // silence after which a page is gone
	pingPeriod time.Duration // pings keep proxies and the deadline alive
	closeGrace time.Duration
}

var defaultLiveTiming = liveTiming{writeWait: 10 * time.Second, pongWait: 60 * time.Second, pingPeriod: 50 * time.Second, closeGrace: time.Second}

// liveServer is the live sessions' state on this server.
type liveServer struct {
	cfg      live.Config
	maxConns int
	mgr      *live.Manager
	timing   liveTiming
	upgrader websocket.Upgrader

	mu      sync.Mutex
	closing bool
	conns   int
	per     map[string]int // "session/learner" -> open connections
	wg      sync.WaitGroup
	// controls are the sessions' control token buckets.
	controls map[int64]*controlBucket
	// rates are the message and control rates (live_rates.go).
	rates liveRates
	now   func() time.Time
	// rooms are the answer endpoint's recently loaded rooms (live_rooms.go).
	rooms liveRooms
	// reveals is the reveal fragment's render cache (live_reveal.go).
	reveals *liveReveals
	// pages is the student page's exercise cache (live_page.go).
	pages *livePages
}

// controlBucket is a token bucket of one session's controls.
type controlBucket struct {
	tokens float64
	last   time.Time
}

// controlAllowed takes a token of the session's control bucket. Buckets
// that have refilled are forgotten once there are many, so the map stays
// bounded by the sessions controlled in the last few seconds.
func (ls *liveServer) controlAllowed(session int64) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	now := ls.now()
	if len(ls.controls) > 4*ls.cfg.MaxSessions {
		for id, b := range ls.controls {
			if now.Sub(b.last).Seconds()*float64(ls.rates.control) >= float64(ls.rates.controlBurst) {
				delete(ls.controls, id)
			}
		}
	}
	b, ok := ls.controls[session]
	if !ok {
		b = &controlBucket{tokens: float64(ls.rates.controlBurst), last: now}
		ls.controls[session] = b
	}
	b.tokens = min(float64(ls.rates.controlBurst), b.tokens+now.Sub(b.last).Seconds()*float64(ls.rates.control))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// newLiveServer starts the sessions' manager: its bus is PostgreSQL's
// LISTEN/NOTIFY when the store is PostgreSQL (replicas), else in-process.
func newLiveServer(st *store.Store, log *slog.Logger, cfg live.Config, maxConns int) *liveServer {
	if maxConns <= 0 {
		maxConns = DefaultLiveMaxConns
	}
	cfg.Log = log
	var bus live.Bus = live.NewLocalBus()
	if st.CanNotify() {
		bus = live.NewPGBus(st, log)
	}
	mgr := live.NewManager(st, bus, cfg)
	cfg = mgr.Config()
	return &liveServer{cfg: cfg, maxConns: maxConns, mgr: mgr, timing: defaultLiveTiming, per: map[string]int{},
		controls: map[int64]*controlBucket{}, now: time.Now, rates: liveRatesOf(LiveConfig{}),
		upgrader: websocket.Upgrader{
			HandshakeTimeout: 10 * time.Second,
			ReadBufferSize:   liveReadLimit,
			WriteBufferSize:  liveWriteBuffer,
			WriteBufferPool:  &sync.Pool{},
			// serveSocket checks the origin itself, with a clearer answer.
			CheckOrigin: func(*http.Request) bool { return true },
		}}
}

// shutdown closes every live socket with 1001 and waits for their
// goroutines, or until ctx ends.
func (ls *liveServer) shutdown(ctx context.Context) {
	ls.mu.Lock()
	ls.closing = true
	ls.mu.Unlock()
	ls.mgr.Close()
	done := make(chan struct{})
	go func() { ls.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// liveStudentSocket is GET /live/{code}/ws: a student's page follows the
// session's state.
func (s *Server) liveStudentSocket(w http.ResponseWriter, r *http.Request) {
	room, l, _, ok := s.liveStudentCtxSocket(w, r)
	if !ok {
		return
	}
	s.serveLiveSocket(w, r, room.hub, live.RoleStudent, l)
}

// liveStudentCtxSocket is liveStudentCtx without the redirect a page
// gets: a socket without a learner is refused with 404.
func (s *Server) liveStudentCtxSocket(w http.ResponseWriter, r *http.Request) (liveRoom, int64, int, bool) {
	code, err := normalizeLiveCode(chi.URLParam(r, "code"))
	if err != nil {
		s.classNotFound(w, r)
		return liveRoom{}, 0, 0, false
	}
	ls, err := s.store.OpenLiveSessionByCode(r.Context(), code)
	if err != nil {
		s.liveError(w, r, "live session by code", err)
		return liveRoom{}, 0, 0, false
	}
	l, ok := s.classes.findLearner(r, ls.CourseID)
	if !ok {
		s.classNotFound(w, r)
		return liveRoom{}, 0, 0, false
	}
	room, err := s.roomOf(r.Context(), ls)
	if err != nil {
		s.liveError(w, r, "live room", err)
		return liveRoom{}, 0, 0, false
	}
	return room, l.ID, 0, true
}

// liveStaffSocket is GET /courses/{course}/live/{session}/ws: state and
// counts for the instructor's and the projector's pages.
func (s *Server) liveStaffSocket(w http.ResponseWriter, r *http.Request) {
	room, ok := s.staffRoom(w, r)
	if !ok {
		return
	}
	if room.hub == nil {
		s.classError(w, r, http.StatusGone, "Session over", "This live session has ended.")
		return
	}
	s.serveLiveSocket(w, r, room.hub, live.RoleStaff, -principalFrom(r.Context()).User.ID)
}

// serveLiveSocket upgrades and starts the connection's reader and writer;
// it returns at once. who keys the per-learner cap (staff: minus the user
// id).
func (s *Server) serveLiveSocket(w http.ResponseWriter, r *http.Request, hub *live.Hub, role live.Role, who int64) {
	ls := s.live
	if !websocket.IsWebSocketUpgrade(r) {
		writeJSON(w, http.StatusBadRequest, apiError{Field: "Upgrade",
			Error: "this endpoint speaks the websocket protocol (docs/LIVE.md); open it with a websocket client"})
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r) {
		writeJSON(w, http.StatusForbidden, apiError{Field: "Origin",
			Error: fmt.Sprintf("websocket origin %q may not open live sessions: only this site's pages may", clip(o, 100))})
		return
	}
	key := strconv.FormatInt(hub.ID, 10) + "/" + strconv.FormatInt(who, 10)
	ls.mu.Lock()
	var refuse string
	switch {
	case ls.closing:
		refuse = "the server is shutting down"
	case ls.conns >= ls.maxConns:
		refuse = fmt.Sprintf("the server has %d live connections open, the limit is %d (-live-max-conns)", ls.conns, ls.maxConns)
	case ls.per[key] >= liveMaxPerLearner:
		refuse = fmt.Sprintf("you have %d connections to this session open, the limit is %d; close a tab", ls.per[key], liveMaxPerLearner)
	default:
		ls.conns++
		ls.per[key]++
		ls.wg.Add(2) // reader and writer
	}
	ls.mu.Unlock()
	if refuse != "" {
		writeJSON(w, http.StatusTooManyRequests, apiError{Field: "connections", Error: refuse})
		return
	}
	release := func() {
		ls.mu.Lock()
		ls.conns--
		if ls.per[key]--; ls.per[key] <= 0 {
			delete(ls.per, key)
		}
		ls.mu.Unlock()
	}
	learner := who
	if role != live.RoleStudent {
		learner = 0
	}
	sub, err := hub.Subscribe(r.Context(), role, learner)
	if err != nil {
		release()
		ls.wg.Add(-2)
		writeJSON(w, http.StatusConflict, apiError{Field: "session", Error: err.Error()})
		return
	}
	if _, ok := w.(http.Hijacker); !ok {
		w = unwrappingHijacker{w}
	}
	ws, err := ls.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has answered with an HTTP error already.
		hub.Unsubscribe(sub)
		release()
		ls.wg.Add(-2)
		return
	}
	c := &liveConn{ls: ls, ws: ws, hub: hub, sub: sub, role: role, readerDone: make(chan struct{}), reply: make(chan []byte, 1)}
	c.drive = newDriveGate(c.applyDrive)
	var once sync.Once
	c.cleanup = func() {
		once.Do(func() {
			hub.Unsubscribe(sub)
			release()
		})
	}
	go c.writeLoop()
	go c.readLoop()
}

// liveConn is one page's websocket.
type liveConn struct {
	ls         *liveServer
	ws         *websocket.Conn
	hub        *live.Hub
	sub        *live.Subscriber
	role       live.Role
	readerDone chan struct{}
	cleanup    func()
	// reply carries the connection's own answers (errors about what it
	// sent) to the writer; one slot, further ones are dropped.
	reply chan []byte
	// drive coalesces a staff page's drives (live_drive.go).
	drive *driveGate
}

// readLoop reads what the page sends, within the read limit and the
// message rates, and notices when it is gone (close, error, or no pong).
// Student pages send nothing but control frames; staff pages may send
// drives of the instructor's player (live_drive.go), which go to the
// hub through the connection's coalescing gate.
func (c *liveConn) readLoop() {
	defer c.ls.wg.Done()
	defer close(c.readerDone)
	defer c.drive.stop()
	t := c.ls.timing
	c.ws.SetReadLimit(liveReadLimit)
	_ = c.ws.SetReadDeadline(time.Now().Add(t.pongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(t.pongWait))
	})
	rates := c.ls.rates
	other := newTokenBucket(float64(rates.student), float64(rates.studentBurst), time.Now())
	drives := newTokenBucket(float64(rates.instructor), float64(rates.instructorBurst), time.Now())
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		_ = c.ws.SetReadDeadline(now.Add(t.pongWait))
		p, isDrive, perr := parseDrive(data)
		bucket, reason := &other, rates.studentReason()
		if isDrive && c.role != live.RoleStudent {
			bucket, reason = &drives, rates.instructorReason()
		}
		if !bucket.take(now) {
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.ClosePolicyViolation, reason),
				time.Now().Add(t.writeWait))
			return
		}
		switch {
		case !isDrive:
			// Students' pages send nothing; anything is ignored.
		case c.role == live.RoleStudent:
			c.replyError("type", "only the instructor's page drives the player")
		case perr != nil:
			c.replyError(perr.field, perr.msg)
		default:
			c.drive.offer(p, now)
		}
	}
}

// writeLoop sends the hub's messages and pings; it owns every write.
func (c *liveConn) writeLoop() {
	defer c.ls.wg.Done()
	t := c.ls.timing
	ping := time.NewTicker(t.pingPeriod)
	defer func() {
		ping.Stop()
		c.cleanup()
		_ = c.ws.Close()
	}()
	for {
		select {
		case f, ok := <-c.sub.C:
			if !ok {
				c.closeWith()
				return
			}
			if err := writeFrame(c.ws, f, t.writeWait); err != nil {
				return
			}
		case b := <-c.reply:
			_ = c.ws.SetWriteDeadline(time.Now().Add(t.writeWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(t.writeWait)); err != nil {
				return
			}
		case <-c.readerDone:
			return
		}
	}
}

// writeFrame writes one of the hub's messages. A broadcast's frame is
// framed once for the whole room (a prepared message, built by the first
// of its writers) and written as is by every connection: no per-connection
// encoding, copy or write buffer; the bytes on the wire are the same.
func writeFrame(ws *websocket.Conn, f *live.Frame, wait time.Duration) error {
	_ = ws.SetWriteDeadline(time.Now().Add(wait))
	if !f.Shared {
		return ws.WriteMessage(websocket.TextMessage, f.Data)
	}
	if pm, ok := f.Prepared(prepareText).(*websocket.PreparedMessage); ok {
		return ws.WritePreparedMessage(pm)
	}
	return ws.WriteMessage(websocket.TextMessage, f.Data)
}

// prepareText is Frame.Prepared's websocket text frame (nil if gorilla
// refuses it, then each connection frames the data itself).
func prepareText(b []byte) any {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
	if err != nil {
		return nil
	}
	return pm
}

// closeWith tells a dropped page why: the session ended (1000), the
// server is going away (1001), or the page fell behind (1013: reconnect
// and resync), then waits briefly for the page's close reply.
func (c *liveConn) closeWith() {
	code, reason := websocket.CloseTryAgainLater, "too slow: reconnect to resync"
	c.ls.mu.Lock()
	closing := c.ls.closing
	c.ls.mu.Unlock()
	switch {
	case closing:
		code, reason = websocket.CloseGoingAway, "server shutting down"
	case c.hub.State().Ended:
		code, reason = websocket.CloseNormalClosure, "session ended"
	}
	t := c.ls.timing
	if err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(t.writeWait)); err != nil {
		return
	}
	select {
	case <-c.readerDone:
	case <-time.After(t.closeGrace):
	}
}

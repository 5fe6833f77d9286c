package live

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// DB is what the hubs keep in the database (*store.Store has it).
type DB interface {
	GetLiveState(ctx context.Context, id int64) (store.LiveState, error)
	UpdateLiveState(ctx context.Context, id int64, fn func(*store.LiveState) bool) (store.LiveState, bool, error)
	EndLiveSessionFor(ctx context.Context, id int64, reason string) error
	EndIdleLiveSessions(ctx context.Context, cutoff time.Time) ([]int64, error)
	JoinLiveSession(ctx context.Context, session, learner int64, max int) (bool, error)
	LiveParticipants(ctx context.Context, session int64) ([]int64, error)
	LiveAnswers(ctx context.Context, session, learner int64) ([]store.LiveAnswer, error)
	LiveAnswersOf(ctx context.Context, session int64, learners []int64) ([]store.LiveAnswer, error)
}

// Config bounds a Manager; zero fields take the defaults.
type Config struct {
	MaxSessions int
	MaxStudents int
	Queue       int
	// IdleTimeout ends a session with no instructor action for this long.
	IdleTimeout time.Duration
	// Now is the clock of idle expiry (time.Now when nil).
	Now func() time.Time
	// Log hears failures of the bus and of background reloads.
	Log *slog.Logger
}

// retryDelay is how long a hub waits before retrying a failed reload.
const retryDelay = time.Second

// Manager holds the sessions this process serves. It runs the bus (one
// goroutine), the idle reaper (one) and one goroutine per hub that reloads
// what notices say changed.
type Manager struct {
	cfg    Config
	db     DB
	bus    Bus
	origin string
	log    *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	hubs map[int64]*Hub

	// txNotify, when set, sends a control's notice inside the control's
	// transaction (bus_tx.go).
	txNotify txNoticeDB
	// out holds the answers and joins to tell the others (publish.go).
	out *outbox
}

// NewManager returns a manager over db and bus and starts its bus and its
// idle reaper; Close stops them.
func NewManager(db DB, bus Bus, cfg Config) *Manager {
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxStudents <= 0 {
		cfg.MaxStudents = DefaultMaxStudents
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	m := &Manager{cfg: cfg, db: db, bus: bus, origin: hex.EncodeToString(b), log: cfg.Log, hubs: map[int64]*Hub{}, out: newOutbox()}
	m.txNotify = txNotifierOf(db, bus)
	m.ctx, m.cancel = context.WithCancel(context.Background())
	if d, ok := db.(interface{ Done() <-chan struct{} }); ok {
		// A closed database ends the manager's goroutines too (servers
		// in tests are often dropped without a shutdown).
		go func() {
			select {
			case <-d.Done():
				m.cancel()
			case <-m.ctx.Done():
			}
		}()
	}
	m.wg.Add(3)
	go func() {
		defer m.wg.Done()
		bus.Run(m.ctx, m.deliver, m.resync)
	}()
	go func() {
		defer m.wg.Done()
		m.publishLoop()
	}()
	go func() {
		defer m.wg.Done()
		m.reapLoop()
	}()
	return m
}

// Config returns the manager's settings with the defaults filled in.
func (m *Manager) Config() Config { return m.cfg }

// Hub returns the session's hub, loading its state, participants and
// counts from the database on first use. itemIDs are the assignment's item
// ids in order (attempts name items by id, the room by index). An ended
// session has no hub (ErrEnded).
func (m *Manager) Hub(ctx context.Context, id int64, itemIDs []int64) (*Hub, error) {
	m.mu.Lock()
	h, ok := m.hubs[id]
	n := len(m.hubs)
	m.mu.Unlock()
	if ok {
		return h, nil
	}
	if n >= m.cfg.MaxSessions {
		return nil, fmt.Errorf("%w: %d are open, the limit is %d", ErrTooManySessions, n, m.cfg.MaxSessions)
	}
	h = &Hub{ID: id, m: m, items: map[int64]int{}, nItems: len(itemIDs), subs: map[*Subscriber]struct{}{},
		pendLearners: map[int64]bool{}, kick: make(chan struct{}, 1), done: make(chan struct{})}
	for i, it := range itemIDs {
		h.items[it] = i
	}
	l, err := h.read(ctx)
	if err != nil {
		return nil, err
	}
	if l.st.Ended {
		return nil, fmt.Errorf("live session %d: %w", id, ErrEnded)
	}
	h.install(l)
	m.mu.Lock()
	defer m.mu.Unlock()
	if other, ok := m.hubs[id]; ok {
		return other, nil
	}
	if len(m.hubs) >= m.cfg.MaxSessions {
		return nil, fmt.Errorf("%w: %d are open, the limit is %d", ErrTooManySessions, len(m.hubs), m.cfg.MaxSessions)
	}
	if m.ctx.Err() != nil {
		return nil, fmt.Errorf("live session %d: %w", id, ErrEnded)
	}
	m.hubs[id] = h
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		h.run(m.ctx)
	}()
	// A control committed on another replica between h.read and the line
	// above had its notice dropped (deliver ignores sessions this process
	// does not hold yet): read the state once more now that notices reach
	// the hub, so its students do not wait for the next control.
	h.mu.Lock()
	h.pendState = true
	h.mu.Unlock()
	h.wake()
	return h, nil
}

// Lookup returns the session's hub if this process holds it.
func (m *Manager) Lookup(id int64) (*Hub, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.hubs[id]
	return h, ok
}

// Open reports the number of sessions this process holds.
func (m *Manager) Open() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.hubs)
}

// forget drops h from the open hubs (it ended).
func (m *Manager) forget(h *Hub) {
	m.mu.Lock()
	if m.hubs[h.ID] == h {
		delete(m.hubs, h.ID)
	}
	m.mu.Unlock()
}

// publish sends a notice of this manager, logging a failure: the change
// is in the database already, and other processes catch up on their next
// resync.
func (m *Manager) publish(ctx context.Context, kind NoticeKind, session, seq int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := m.bus.Publish(ctx, Notice{Origin: m.origin, Kind: kind, Session: session, Seq: seq}); err != nil {
		m.log.Warn("live: publish a notice", "session", session, "kind", kind, "err", err)
	}
}

// deliver takes a notice from the bus: it only marks what the session's
// hub must reload (never blocking the bus) and wakes the hub.
func (m *Manager) deliver(n Notice) {
	if n.Origin == m.origin {
		return
	}
	h, ok := m.Lookup(n.Session)
	if !ok {
		return
	}
	h.mu.Lock()
	switch n.Kind {
	case KindState, KindPlayer:
		h.pendState = true
	case KindAnswer:
		for _, l := range n.Learners {
			h.pendLearners[l] = true
		}
	case KindJoin:
		for _, l := range n.Learners {
			if !h.joined[l] {
				h.joined[l] = true
				h.countsDirty = true
			}
		}
		dirty := h.countsDirty
		h.mu.Unlock()
		if dirty {
			h.wake()
		}
		return
	}
	h.mu.Unlock()
	h.wake()
}

// resync reloads every hub (the bus may have lost notices).
func (m *Manager) resync() {
	m.mu.Lock()
	hubs := make([]*Hub, 0, len(m.hubs))
	for _, h := range m.hubs {
		hubs = append(hubs, h)
	}
	m.mu.Unlock()
	for _, h := range hubs {
		h.mu.Lock()
		h.pendAll = true
		h.mu.Unlock()
		h.wake()
	}
}

// End ends a session (the instructor's "end"): in the database if it is
// still open, then on every process: each page gets the final state and
// is closed, and the hub is forgotten.
func (m *Manager) End(ctx context.Context, id int64) error {
	if err := m.db.EndLiveSessionFor(ctx, id, store.EndedByInstructor); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return m.ended(ctx, id)
}

// ended syncs this process with a session ended in the database and tells
// the others.
func (m *Manager) ended(ctx context.Context, id int64) error {
	st, err := m.db.GetLiveState(ctx, id)
	if err != nil {
		return err
	}
	if h, ok := m.Lookup(id); ok {
		h.setState(st)
	}
	m.publish(ctx, KindState, id, st.Version)
	return nil
}

// Reap ends every session idle for longer than the idle timeout and
// returns their ids. Every process runs it (reapLoop); the database makes
// sure each session is ended once.
func (m *Manager) Reap(ctx context.Context) ([]int64, error) {
	ids, err := m.db.EndIdleLiveSessions(ctx, m.cfg.Now().Add(-m.cfg.IdleTimeout))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := m.ended(ctx, id); err != nil {
			m.log.Warn("live: end an idle session", "session", id, "err", err)
		}
	}
	return ids, nil
}

// reapPeriod is how often the reaper looks for idle sessions: a tenth of
// the timeout, from 1 s to 1 min.
func (m *Manager) reapPeriod() time.Duration {
	return min(max(m.cfg.IdleTimeout/10, time.Second), time.Minute)
}

func (m *Manager) reapLoop() {
	t := time.NewTicker(m.reapPeriod())
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
			if _, err := m.Reap(m.ctx); err != nil && m.ctx.Err() == nil {
				m.log.Warn("live: look for idle sessions", "err", err)
			}
		}
	}
}

// Close stops the bus, the reaper and the hubs' goroutines and closes
// every page (server shutdown). Sessions stay open in the database.
func (m *Manager) Close() {
	m.cancel()
	m.mu.Lock()
	hubs := m.hubs
	m.hubs = map[int64]*Hub{}
	m.mu.Unlock()
	for _, h := range hubs {
		h.closeAll()
	}
	m.wg.Wait()
}

// Hub is one session on this process: a cache of its state, its counts
// and its subscribers.
type Hub struct {
	ID     int64
	m      *Manager
	items  map[int64]int // assignment item id -> question index
	nItems int

	mu    sync.Mutex
	state State
	// player is the last drive of the instructor's player (player.go);
	// playerSeq its sequence (the database's player_seq).
	player    *Player
	playerSeq int64
	// counts per item index, then part.
	parts    map[int]map[string]*partCounts
	joined   map[int64]bool
	subs     map[*Subscriber]struct{}
	students int
	dropped  int64
	// What notices said changed, for run to reload.
	pendAll      bool
	pendState    bool
	pendLearners map[int64]bool
	kick         chan struct{}
	// countsDirty: answers or joins changed the counts since staff pages
	// last got them; run sends them (countsChangedLocked).
	countsDirty bool
	done        chan struct{} // closed once the session ended here
	gone        bool
}

// loaded is a hub's content read from the database.
type loaded struct {
	st      store.LiveState
	joined  []int64
	answers []store.LiveAnswer
}

func (h *Hub) read(ctx context.Context) (loaded, error) {
	var l loaded
	var err error
	if l.st, err = h.m.db.GetLiveState(ctx, h.ID); err != nil {
		return l, err
	}
	if l.joined, err = h.m.db.LiveParticipants(ctx, h.ID); err != nil {
		return l, err
	}
	if l.answers, err = h.m.db.LiveAnswers(ctx, h.ID, 0); err != nil {
		return l, err
	}
	return l, nil
}

// install replaces the hub's content by l (a new hub, or a resync).
func (h *Hub) install(l loaded) {
	h.mu.Lock()
	h.parts = map[int]map[string]*partCounts{}
	h.joined = map[int64]bool{}
	for _, id := range l.joined {
		h.joined[id] = true
	}
	for _, a := range l.answers {
		if ans, ok := h.answerOf(a); ok {
			h.recordLocked(ans)
		}
	}
	if h.state.Items == 0 {
		h.state = h.stateOf(l.st)
		h.player, h.playerSeq = playerOf(l.st), l.st.PlayerSeq
	}
	h.broadcastCountsLocked()
	h.mu.Unlock()
	h.setState(l.st)
}

func (h *Hub) stateOf(ls store.LiveState) State {
	return State{Question: ls.Question, Items: h.nItems, Unlocked: append([]int{}, ls.Unlocked...),
		Paused: ls.Paused, Closed: ls.Closed, Revealed: ls.Revealed, Ended: ls.Ended, Version: ls.Version,
		Projector: projectorOf(ls.Projector)}
}

// playerOf decodes the stored player position (nil: none, or one this
// release cannot read).
func playerOf(ls store.LiveState) *Player {
	if ls.Player == "" {
		return nil
	}
	var p Player
	if json.Unmarshal([]byte(ls.Player), &p) != nil {
		return nil
	}
	return &p
}

func (h *Hub) answerOf(a store.LiveAnswer) (Answer, bool) {
	i, ok := h.items[a.ItemID]
	if !ok {
		return Answer{}, false
	}
	return Answer{Learner: a.LearnerID, Item: i, Part: a.Part, Verdict: a.Verdict, Diagnosis: a.Diagnosis, Text: a.Answer}, true
}

// wake tells run there is something to reload.
func (h *Hub) wake() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// run reloads what notices marked, coalescing: many notices that arrive
// during one reload cost one more reload.
func (h *Hub) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.done:
			return
		case <-h.kick:
			h.refresh(ctx)
		}
	}
}

func (h *Hub) refresh(ctx context.Context) {
	h.mu.Lock()
	if h.countsDirty {
		h.countsDirty = false
		h.broadcastCountsLocked()
	}
	all, st, learners := h.pendAll, h.pendState, h.pendLearners
	h.pendAll, h.pendState, h.pendLearners = false, false, map[int64]bool{}
	h.mu.Unlock()
	var err error
	switch {
	case all:
		var l loaded
		if l, err = h.read(ctx); err == nil {
			h.install(l)
		}
	default:
		if st {
			var ls store.LiveState
			if ls, err = h.m.db.GetLiveState(ctx, h.ID); err == nil {
				h.setState(ls)
			}
		}
		if len(learners) > 0 && err == nil {
			err = h.reloadLearners(ctx, learners)
		}
	}
	if err != nil && ctx.Err() == nil {
		h.m.log.Warn("live: reload a session; retrying", "session", h.ID, "err", err)
		h.mu.Lock()
		h.pendAll = true
		h.mu.Unlock()
		time.AfterFunc(retryDelay, h.wake)
	}
}

// reloadLearners replaces the counted answers of each learner by their
// answers in the database, read in one query, then sends the counts once.
func (h *Hub) reloadLearners(ctx context.Context, learners map[int64]bool) error {
	ids := make([]int64, 0, len(learners))
	for l := range learners {
		ids = append(ids, l)
	}
	slices.Sort(ids)
	rows, err := h.m.db.LiveAnswersOf(ctx, h.ID, ids)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range ids {
		h.forgetLearnerLocked(l)
	}
	for _, a := range rows { // oldest first: a learner's last answer counts
		if ans, ok := h.answerOf(a); ok {
			h.recordLocked(ans)
		}
	}
	h.broadcastCountsLocked()
	return nil
}

// forgetLearnerLocked removes a learner's answers from the counts.
func (h *Hub) forgetLearnerLocked(l int64) {
	for _, byPart := range h.parts {
		for _, pc := range byPart {
			old, ok := pc.last[l]
			if !ok {
				continue
			}
			if old.bucket != "correct" { // counted in wrong, even with an empty text
				if pc.wrong[old.text]--; pc.wrong[old.text] <= 0 {
					delete(pc.wrong, old.text)
				}
			}
			delete(pc.last, l)
		}
	}
}

// setState takes a state read from the database: a newer version is fanned
// out, a newer player too; an ended session closes every page and leaves
// this process.
func (h *Hub) setState(ls store.LiveState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gone {
		return
	}
	if ls.Version > h.state.Version || (ls.Ended && !h.state.Ended) {
		h.state = h.stateOf(ls)
		h.broadcastStateLocked()
	}
	if ls.PlayerSeq > h.playerSeq {
		h.player, h.playerSeq = playerOf(ls), ls.PlayerSeq
		if p := h.playerLocked(); p != nil {
			b := encodeShared(Message{Type: MsgPlayer, Player: p})
			for s := range h.subs {
				h.sendLocked(s, b)
			}
		}
	}
	if h.state.Ended {
		h.gone = true
		for s := range h.subs {
			h.dropLocked(s)
		}
		close(h.done)
		h.m.forget(h) // the manager never holds its lock while taking a hub's
	}
}

// State returns a copy of the session's state.
func (h *Hub) State() State {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stateLocked()
}

func (h *Hub) stateLocked() State {
	st := h.state
	st.Unlocked = append(make([]int, 0, len(h.state.Unlocked)), h.state.Unlocked...)
	return st
}

// Dropped reports how many subscribers were dropped for being slow.
func (h *Hub) Dropped() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropped
}

// Join records a learner as a participant (idempotent), in the database so
// every process counts them and the per-session limit holds across
// processes: a new learner beyond it gets ErrSessionFull, an ended session
// ErrEnded.
func (h *Hub) Join(ctx context.Context, learner int64) error {
	h.mu.Lock()
	known := h.joined[learner]
	h.mu.Unlock()
	if known {
		return nil
	}
	newly, err := h.m.db.JoinLiveSession(ctx, h.ID, learner, h.m.cfg.MaxStudents)
	switch {
	case errors.Is(err, store.ErrLiveFull):
		return fmt.Errorf("%w: %w", ErrSessionFull, err)
	case errors.Is(err, store.ErrLiveEnded):
		return fmt.Errorf("%w: %w", ErrEnded, err)
	case err != nil:
		return err
	}
	h.mu.Lock()
	if !h.joined[learner] {
		h.joined[learner] = true
		h.countsChangedLocked()
	}
	h.mu.Unlock()
	if newly {
		h.m.out.mark(KindJoin, h.ID, learner)
	}
	return nil
}

// CanJoin reports whether a new learner may still join (as this process
// knows; Join has the last word).
func (h *Hub) CanJoin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.joined) < h.m.cfg.MaxStudents && !h.state.Ended
}

// JoinedCount reports the learners who joined.
func (h *Hub) JoinedCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.joined)
}

// Subscribe adds a page. The first message queued is a full snapshot
// (state, and counts for staff), then the player's position if pages
// follow one, so a reconnecting page is resynced. A student who has not joined joins (Join); a student
// connection beyond the per-session limit of this process fails with
// ErrSessionFull, and any after the end with ErrEnded.
func (h *Hub) Subscribe(ctx context.Context, role Role, learner int64) (*Subscriber, error) {
	if role == RoleStudent && learner != 0 {
		if err := h.Join(ctx, learner); err != nil {
			return nil, err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state.Ended || h.gone {
		return nil, ErrEnded
	}
	if role == RoleStudent {
		if h.students >= h.m.cfg.MaxStudents {
			return nil, fmt.Errorf("%w: %d students are connected, the limit is %d", ErrSessionFull, h.students, h.m.cfg.MaxStudents)
		}
		h.students++
	}
	c := make(chan *Frame, h.m.cfg.Queue)
	s := &Subscriber{C: c, c: c, role: role, learner: learner}
	h.subs[s] = struct{}{}
	st := h.stateLocked()
	m := Message{Type: "state", State: &st}
	if role != RoleStudent {
		cn := h.countsLocked()
		m.Counts = &cn
		s.counts = encode(Message{Type: "counts", Counts: &cn}).Data
	}
	c <- encode(m)
	h.queuePlayerLocked(s)
	return s, nil
}

// Unsubscribe removes a page (its connection closed).
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(s)
}

func (h *Hub) dropLocked(s *Subscriber) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if s.role == RoleStudent {
		h.students--
	}
	if !s.closed {
		s.closed = true
		close(s.c)
	}
}

func (h *Hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.dropLocked(s)
	}
}

// sendLocked queues b for s without blocking; a full queue drops s.
func (h *Hub) sendLocked(s *Subscriber, b *Frame) {
	select {
	case s.c <- b:
	default:
		h.dropped++
		h.dropLocked(s)
	}
}

func (h *Hub) broadcastStateLocked() {
	st := h.stateLocked()
	sb := encodeShared(Message{Type: "state", State: &st})
	var staff *Frame
	for s := range h.subs {
		if s.role == RoleStudent {
			h.sendLocked(s, sb)
			continue
		}
		if staff == nil {
			cn := h.countsLocked()
			staff = encodeShared(Message{Type: "state", State: &st, Counts: &cn})
		}
		h.sendLocked(s, staff)
	}
}

// Control applies an instructor's action: in the database first (the row
// locked, so two instructors on two replicas cannot lose a change), then
// to this process's pages, then a notice to the others. It reports whether
// the state changed. "end" ends the session (End).
func (h *Hub) Control(ctx context.Context, a Action) (bool, error) {
	if a == ActEnd {
		if h.State().Ended {
			return false, nil
		}
		return true, h.m.End(ctx, h.ID)
	}
	fn := func(ls *store.LiveState) bool {
		st := h.stateOf(*ls)
		if !st.apply(a) {
			return false
		}
		ls.Question, ls.Unlocked, ls.Paused, ls.Closed, ls.Revealed = st.Question, st.Unlocked, st.Paused, st.Closed, st.Revealed
		ls.Projector = st.Projector.bits()
		ls.Version++
		return true
	}
	var ls store.LiveState
	var changed bool
	var err error
	if h.m.txNotify != nil {
		// The notice goes out in the change's own transaction (bus_tx.go).
		ls, changed, err = h.m.txNotify.UpdateLiveStateNotify(ctx, h.ID, fn, h.m.stateNotice(h.ID))
	} else {
		ls, changed, err = h.m.db.UpdateLiveState(ctx, h.ID, fn)
	}
	if errors.Is(err, store.ErrLiveEnded) {
		return false, h.m.ended(ctx, h.ID)
	}
	if err != nil || !changed {
		return false, err
	}
	h.setState(ls)
	if h.m.txNotify == nil {
		h.m.publish(ctx, KindState, h.ID, ls.Version)
	}
	return true, nil
}

// Record counts checked parts of one student's answer (already recorded
// as attempts with the session's id), sends the new counts to staff and
// projector pages, and marks the learner for the next notice to the
// other processes, which reread the learner's answers (publish.go). It
// does not wait for the notice.
func (h *Hub) Record(_ context.Context, answers []Answer) {
	var learners []int64
	h.mu.Lock()
	for _, a := range answers {
		if h.recordLocked(a) && !slices.Contains(learners, a.Learner) {
			learners = append(learners, a.Learner)
		}
	}
	if len(learners) > 0 {
		h.countsChangedLocked()
	}
	h.mu.Unlock()
	h.m.out.mark(KindAnswer, h.ID, learners...)
}

// recordLocked counts one answer; it reports whether it was counted
// (correct and incorrect answers only).
func (h *Hub) recordLocked(a Answer) bool {
	if a.Verdict != "correct" && a.Verdict != "incorrect" {
		return false
	}
	byPart := h.parts[a.Item]
	if byPart == nil {
		byPart = map[string]*partCounts{}
		h.parts[a.Item] = byPart
	}
	pc := byPart[a.Part]
	if pc == nil {
		pc = &partCounts{last: map[int64]answerKey{}, wrong: map[string]int{}}
		byPart[a.Part] = pc
	}
	h.joined[a.Learner] = true
	// A wrong answer was counted under its text, even an empty one; a
	// correct answer was not counted there.
	if old, ok := pc.last[a.Learner]; ok && old.bucket != "correct" {
		if pc.wrong[old.text]--; pc.wrong[old.text] <= 0 {
			delete(pc.wrong, old.text)
		}
	}
	k := answerKey{bucket: bucketOf(a)}
	if k.bucket != "correct" {
		k.text = a.Text
		if len(k.text) > maxAnswerKey {
			k.text = k.text[:maxAnswerKey] + "…"
		}
		if _, seen := pc.wrong[k.text]; !seen && len(pc.wrong) >= maxWrongAnswers {
			k.text = "(" + BucketOther + ")"
		}
		pc.wrong[k.text]++
	}
	pc.last[a.Learner] = k
	return true
}

// countsChangedLocked notes that the counts changed and wakes run to send
// them. A room answering at once changes the counts hundreds of times a
// second; each send encodes the whole histogram and queues it on every
// staff page, whose bounded queue a burst would overflow (the page is then
// dropped and resyncs). Sent by run, the changes that arrive while it is
// busy go out once, with no added delay when the room is quiet.
func (h *Hub) countsChangedLocked() {
	h.countsDirty = true
	h.wake()
}

func (h *Hub) broadcastCountsLocked() {
	var b *Frame
	for s := range h.subs {
		if s.role != RoleStudent {
			if b == nil {
				cn := h.countsLocked()
				b = encodeShared(Message{Type: "counts", Counts: &cn})
			}
			// A page that has these counts already (its snapshot carried
			// them: it subscribed after they changed, before run sent them)
			// gets nothing new.
			if bytes.Equal(s.counts, b.Data) {
				continue
			}
			s.counts = b.Data
			h.sendLocked(s, b)
		}
	}
}

// Counts returns the counts of the current question.
func (h *Hub) Counts() Counts {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.countsLocked()
}
func (h *Hub) countsLocked() Counts {
	c := Counts{Joined: len(h.joined), Parts: []PartCounts{}}
	byPart := h.parts[h.state.Question]
	ids := make([]string, 0, len(byPart))
	for id := range byPart {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	answered := map[int64]bool{}
	wrongSomewhere := map[int64]bool{}
	for _, id := range ids {
		pc := byPart[id]
		p := PartCounts{Part: id, Answered: len(pc.last), Histogram: []Bucket{}, Wrong: []WrongAnswer{}}
		hist := map[string]int{}
		for l, k := range pc.last {
			answered[l] = true
			hist[k.bucket]++
			if k.bucket == "correct" {
				p.Correct++
			} else {
				wrongSomewhere[l] = true
			}
		}
		for k, n := range hist {
			p.Histogram = append(p.Histogram, Bucket{Key: k, Count: n})
		}
		sort.Slice(p.Histogram, func(i, j int) bool {
			a, b := p.Histogram[i], p.Histogram[j]
			if (a.Key == "correct") != (b.Key == "correct") {
				return a.Key == "correct"
			}
			if (a.Key == BucketOther) != (b.Key == BucketOther) {
				return b.Key == BucketOther
			}
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.Key < b.Key
		})
		for t, n := range pc.wrong {
			p.Wrong = append(p.Wrong, WrongAnswer{Answer: t, Count: n})
		}
		sort.Slice(p.Wrong, func(i, j int) bool {
			if p.Wrong[i].Count != p.Wrong[j].Count {
				return p.Wrong[i].Count > p.Wrong[j].Count
			}
			return p.Wrong[i].Answer < p.Wrong[j].Answer
		})
		if len(p.Wrong) > topWrong {
			p.Wrong = p.Wrong[:topWrong]
		}
		c.Parts = append(c.Parts, p)
	}
	c.Answered = len(answered)
	c.Correct = len(answered) - len(wrongSomewhere)
	return c
}

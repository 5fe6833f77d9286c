// Package live holds the state of live class sessions (issue 14): which
// question the room is on, what is unlocked, paused, closed or revealed,
// the live counts of answers, and a hub per session that fans every change
// out to the connected pages through bounded queues.
//
// The package knows nothing of HTTP or websockets: web/live*.go owns the
// sockets (one reader and one writer goroutine per connection) and reads
// from a Subscriber's channel. A subscriber whose queue is full is dropped
// (its channel closed) rather than waited for, so one slow page never
// delays the room; the page reconnects and is resynced from the state.
package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Limits of live sessions. They are documented in docs/LIVE.md.
const (
	// DefaultMaxSessions bounds the open sessions one server holds.
	DefaultMaxSessions = 200
	// DefaultMaxStudents bounds the students (connections) of one session.
	DefaultMaxStudents = 400
	// DefaultQueue is each subscriber's send queue, in messages; a
	// subscriber that falls this far behind is dropped and resyncs.
	DefaultQueue = 16
	// maxWrongAnswers is how many distinct wrong answers are kept per
	// part; further distinct ones are counted under "other".
	maxWrongAnswers = 200
	// topWrong is how many of the most common wrong answers are shown.
	topWrong = 5
	// maxAnswerKey bounds the text of a wrong answer kept for the counts.
	maxAnswerKey = 80
)

// Errors of the manager and hubs.
var (
	ErrTooManySessions = errors.New("live: too many open sessions on this server")
	ErrSessionFull     = errors.New("live: the session is full")
	ErrEnded           = errors.New("live: the session has ended")
)

// State is what every page of a session follows. Question is the index
// of the current item; Unlocked lists the indexes students may answer.
type State struct {
	Question int   `json:"question"`
	Items    int   `json:"items"`
	Unlocked []int `json:"unlocked"`
	Paused   bool  `json:"paused"`
	Closed   bool  `json:"closed"`
	Revealed bool  `json:"revealed"`
	Ended    bool  `json:"ended"`
	// Version increases with every change, so a page can tell whether it
	// is behind.
	Version int64 `json:"version"`
}

// IsUnlocked reports whether item index i may be answered now (unlocked,
// not paused, not closed, not ended).
func (st State) IsUnlocked(i int) bool {
	for _, u := range st.Unlocked {
		if u == i {
			return true
		}
	}
	return false
}

// Answerable reports whether item index i takes answers now.
func (st State) Answerable(i int) bool {
	return st.IsUnlocked(i) && !st.Paused && !st.Closed && !st.Ended
}

// Action is an instructor's control.
type Action string

// The instructor's controls.
const (
	ActUnlock    Action = "unlock"     // unlock the current question
	ActUnlockAll Action = "unlock_all" // unlock every question
	ActPause     Action = "pause"      // eyes on the projector
	ActResume    Action = "resume"
	ActClose     Action = "close" // close answering
	ActOpen      Action = "open"  // reopen answering
	ActNext      Action = "next"  // move on to the next question
	ActPrev      Action = "prev"
	ActReveal    Action = "reveal" // show the answer and worked solution to everyone
	ActHide      Action = "hide"
	ActEnd       Action = "end"
)

// ParseAction validates an action name.
func ParseAction(s string) (Action, error) {
	switch a := Action(s); a {
	case ActUnlock, ActUnlockAll, ActPause, ActResume, ActClose, ActOpen, ActNext, ActPrev, ActReveal, ActHide, ActEnd:
		return a, nil
	}
	if len(s) > 32 {
		s = s[:32]
	}
	return "", fmt.Errorf("action %q is not one of unlock, unlock_all, pause, resume, close, open, next, prev, reveal, hide, end", s)
}

// apply changes st by a; it reports whether anything changed.
func (st *State) apply(a Action) bool {
	before := fmt.Sprint(*st)
	switch a {
	case ActUnlock:
		if !st.IsUnlocked(st.Question) {
			st.Unlocked = append(st.Unlocked, st.Question)
			sort.Ints(st.Unlocked)
		}
	case ActUnlockAll:
		st.Unlocked = st.Unlocked[:0]
		for i := 0; i < st.Items; i++ {
			st.Unlocked = append(st.Unlocked, i)
		}
	case ActPause:
		st.Paused = true
	case ActResume:
		st.Paused = false
	case ActClose:
		st.Closed = true
	case ActOpen:
		st.Closed = false
	case ActNext, ActPrev:
		q := st.Question + 1
		if a == ActPrev {
			q = st.Question - 1
		}
		if q >= 0 && q < st.Items {
			// A new question starts open and unrevealed.
			st.Question, st.Closed, st.Revealed = q, false, false
		}
	case ActReveal:
		st.Revealed = true
	case ActHide:
		st.Revealed = false
	case ActEnd:
		st.Ended = true
	}
	return fmt.Sprint(*st) != before
}

// Answer is one checked part of a student's answer, as the counts see it.
type Answer struct {
	Learner   int64
	Item      int // item index
	Part      string
	Verdict   string // correct, incorrect
	Diagnosis string // the checker's mistake code, "" when none
	Text      string // the raw answer
}

// partCounts are the live counts of one part of one item.
type partCounts struct {
	// last is each learner's latest verdict key and answer.
	last  map[int64]answerKey
	wrong map[string]int // wrong answer text -> learners whose latest it is
}

type answerKey struct{ bucket, text string }

// Bucket is one bar of the histogram.
type Bucket struct {
	Key   string `json:"key"` // "correct", a diagnosis code, or "other"
	Count int    `json:"count"`
}

// WrongAnswer is one of the most common wrong answers.
type WrongAnswer struct {
	Answer string `json:"answer"`
	Count  int    `json:"count"`
}

// PartCounts are the counts of one part of the current question.
type PartCounts struct {
	Part      string        `json:"part"`
	Answered  int           `json:"answered"`
	Correct   int           `json:"correct"`
	Histogram []Bucket      `json:"histogram"`
	Wrong     []WrongAnswer `json:"wrong"`
}

// Counts are the live counts of the current question.
type Counts struct {
	Joined   int          `json:"joined"`
	Answered int          `json:"answered"` // learners with any answer to the question
	Correct  int          `json:"correct"`  // learners with every answered part correct
	Parts    []PartCounts `json:"parts"`
}

// BucketOther is the histogram bar of wrong answers with no diagnosis.
const BucketOther = "other"

func bucketOf(a Answer) string {
	if a.Verdict == "correct" {
		return "correct"
	}
	if a.Diagnosis != "" {
		return a.Diagnosis
	}
	return BucketOther
}

// Message is what a page receives. Kind is "state" for everyone; "counts"
// only reaches staff and projector subscribers.
type Message struct {
	Type   string  `json:"type"`
	State  *State  `json:"state,omitempty"`
	Counts *Counts `json:"counts,omitempty"`
	// Player is the instructor player's position (type "player",
	// player.go).
	Player *Player `json:"player,omitempty"`
}

// Role is who a subscriber is.
type Role int

// Subscriber roles: students get state only; staff and the projector also
// get counts.
const (
	RoleStudent Role = iota
	RoleStaff
	RoleProjector
)

// Subscriber is one connected page. C carries encoded messages; it is
// closed when the subscriber is dropped (too slow, or the session ended),
// after which the page must reconnect to resync.
type Subscriber struct {
	C       <-chan []byte
	c       chan []byte
	role    Role
	learner int64
	closed  bool
}

// Dropped is closed C; the reason is for logs and close frames.
func (s *Subscriber) String() string { return fmt.Sprintf("subscriber(role %d)", s.role) }

func encode(m Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		// Only plain values are marshalled: this cannot fail.
		panic(fmt.Sprintf("live: encode %s: %v", m.Type, err))
	}
	return b
}

// Hub is one session: its state, counts and subscribers.
type Hub struct {
	ID    int64
	mu    sync.Mutex
	state State
	// counts per item index, then part.
	parts       map[int]map[string]*partCounts
	joined      map[int64]bool
	subs        map[*Subscriber]struct{}
	students    int
	maxStudents int
	queue       int
	dropped     int64
	// player is the last drive of the instructor's player (player.go).
	player *Player
}

// Config bounds a Manager; zero fields take the defaults.
type Config struct {
	MaxSessions int
	MaxStudents int
	Queue       int
}

// Manager holds the open sessions of this server.
type Manager struct {
	cfg  Config
	mu   sync.Mutex
	hubs map[int64]*Hub
}

// NewManager returns an empty manager.
func NewManager(cfg Config) *Manager {
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxStudents <= 0 {
		cfg.MaxStudents = DefaultMaxStudents
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	return &Manager{cfg: cfg, hubs: map[int64]*Hub{}}
}

// Hub returns the session's hub, creating it (with items questions, the
// first current and nothing unlocked) on first use.
func (m *Manager) Hub(id int64, items int) (*Hub, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, ok := m.hubs[id]; ok {
		return h, nil
	}
	if len(m.hubs) >= m.cfg.MaxSessions {
		return nil, fmt.Errorf("%w: %d are open, the limit is %d", ErrTooManySessions, len(m.hubs), m.cfg.MaxSessions)
	}
	h := &Hub{ID: id, state: State{Items: items, Unlocked: []int{}}, parts: map[int]map[string]*partCounts{},
		joined: map[int64]bool{}, subs: map[*Subscriber]struct{}{}, maxStudents: m.cfg.MaxStudents, queue: m.cfg.Queue}
	m.hubs[id] = h
	return h, nil
}

// Lookup returns the session's hub if this server holds it.
func (m *Manager) Lookup(id int64) (*Hub, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.hubs[id]
	return h, ok
}

// Open reports the number of open sessions.
func (m *Manager) Open() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.hubs)
}

// End ends a session: every subscriber gets the final state and is
// closed, and the hub is forgotten.
func (m *Manager) End(id int64) {
	m.mu.Lock()
	h, ok := m.hubs[id]
	delete(m.hubs, id)
	m.mu.Unlock()
	if ok {
		h.Control(ActEnd)
		h.closeAll()
	}
}

// Close ends every session (server shutdown).
func (m *Manager) Close() {
	m.mu.Lock()
	hubs := m.hubs
	m.hubs = map[int64]*Hub{}
	m.mu.Unlock()
	for _, h := range hubs {
		h.closeAll()
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

// Join counts a learner as joined (idempotent). A new learner beyond the
// per-session limit is not counted; CanJoin says beforehand.
func (h *Hub) Join(learner int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.joined[learner] && len(h.joined) < h.maxStudents {
		h.joined[learner] = true
		h.broadcastCountsLocked()
	}
}

// CanJoin reports whether a new learner may still join.
func (h *Hub) CanJoin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.joined) < h.maxStudents && !h.state.Ended
}

// JoinedCount reports the learners who joined.
func (h *Hub) JoinedCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.joined)
}

// Subscribe adds a page. The first message queued is a full snapshot
// (state, and counts for staff), so a reconnecting page is resynced. A
// student subscription fails with ErrSessionFull beyond the per-session
// limit and ErrEnded after the end.
func (h *Hub) Subscribe(role Role, learner int64) (*Subscriber, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state.Ended {
		return nil, ErrEnded
	}
	newlyJoined := false
	if role == RoleStudent {
		if h.students >= h.maxStudents {
			return nil, fmt.Errorf("%w: %d students are connected, the limit is %d", ErrSessionFull, h.students, h.maxStudents)
		}
		h.students++
		if learner != 0 && !h.joined[learner] && len(h.joined) < h.maxStudents {
			h.joined[learner] = true
			newlyJoined = true
		}
	}
	c := make(chan []byte, h.queue)
	s := &Subscriber{C: c, c: c, role: role, learner: learner}
	h.subs[s] = struct{}{}
	st := h.stateLocked()
	m := Message{Type: "state", State: &st}
	if role != RoleStudent {
		cn := h.countsLocked()
		m.Counts = &cn
	}
	c <- encode(m)
	h.queuePlayerLocked(s)
	if newlyJoined {
		// The joined count changed: tell staff.
		h.broadcastCountsLocked()
	}
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
func (h *Hub) sendLocked(s *Subscriber, b []byte) {
	select {
	case s.c <- b:
	default:
		h.dropped++
		h.dropLocked(s)
	}
}

// Control applies an instructor's action and fans the new state out. It
// reports whether the state changed.
func (h *Hub) Control(a Action) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state.Ended || !h.state.apply(a) {
		return false
	}
	h.state.Version++
	st := h.stateLocked()
	sb := encode(Message{Type: "state", State: &st})
	cn := h.countsLocked()
	staff := encode(Message{Type: "state", State: &st, Counts: &cn})
	for s := range h.subs {
		if s.role == RoleStudent {
			h.sendLocked(s, sb)
		} else {
			h.sendLocked(s, staff)
		}
	}
	return true
}

// Record counts checked parts of a student's answer and sends the new
// counts to staff and projector pages.
func (h *Hub) Record(answers []Answer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range answers {
		if a.Verdict != "correct" && a.Verdict != "incorrect" {
			continue
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
		if old, ok := pc.last[a.Learner]; ok && old.text != "" {
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
	}
	h.broadcastCountsLocked()
}

func (h *Hub) broadcastCountsLocked() {
	cn := h.countsLocked()
	b := encode(Message{Type: "counts", Counts: &cn})
	for s := range h.subs {
		if s.role != RoleStudent {
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

// Package live holds the state of live class sessions (issue 14): which
// question the room is on, what is unlocked, paused, closed or revealed,
// the live counts of answers, and a hub per session that fans every change
// out to the connected pages through bounded queues.
//
// The state lives in the database (internal/store): a hub caches it, and
// after a change it publishes a Notice (ids only) on a Bus. Every other
// process holding the session's hub reads the state, or the answers of the
// learner named, from the database and fans it out to its own pages. With
// PostgreSQL the bus is LISTEN/NOTIFY (bus_pg.go), so the instructor and
// the students may be on different replicas; with SQLite (one process) it
// is in-process (bus.go). Counts are rebuilt from the attempt record when
// a hub is loaded, so they survive a restart.
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
	"time"
)

// Limits of live sessions. They are documented in docs/LIVE.md.
const (
	// DefaultIdleTimeout ends a session with no instructor action for
	// this long.
	DefaultIdleTimeout = 3 * time.Hour
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
	// Projector is what the projector view shows (projector.go); left
	// out of the JSON while it is the default view.
	Projector ProjectorView `json:"projector,omitzero"`
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
	if a := Action(s); isProjectorAction(a) {
		return a, nil
	}
	if len(s) > 32 {
		s = s[:32]
	}
	return "", fmt.Errorf("action %q is not one of unlock, unlock_all, pause, resume, close, open, next, prev, reveal, hide, end, "+projectorActions, s)
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
	default:
		st.Projector.apply(a)
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

// Message is what a page receives. Type is "state" for everyone;
// "counts" only reaches staff and projector subscribers; "player" (the
// driven animation player, player.go) reaches everyone.
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

// Frame is one encoded message queued for pages. A broadcast queues the
// same Frame on every subscriber (Shared), so the transport can frame it
// once for the whole room (Prepared) instead of once per connection: with
// 50 rooms of 200 pages changing at once, the per-connection work is what
// the burst costs.
type Frame struct {
	// Data is the message's JSON (docs/LIVE.md).
	Data []byte
	// Shared: the frame goes to more than one page.
	Shared bool

	once sync.Once
	prep any
}

// Prepared returns prepare(f.Data), computed once for every page the
// frame reaches (the first caller computes it, the others wait for it).
// The package knows nothing of the transport: web/live_ws.go prepares a
// websocket frame.
func (f *Frame) Prepared(prepare func([]byte) any) any {
	f.once.Do(func() { f.prep = prepare(f.Data) })
	return f.prep
}

// Subscriber is one connected page. C carries encoded messages; it is
// closed when the subscriber is dropped (too slow, or the session ended),
// after which the page must reconnect to resync.
type Subscriber struct {
	C       <-chan *Frame
	c       chan *Frame
	role    Role
	learner int64
	closed  bool
	// counts is the last counts message this (staff) page has, as
	// encoded, or their encoding when its snapshot carried them.
	counts []byte
}

// Dropped is closed C; the reason is for logs and close frames.
func (s *Subscriber) String() string { return fmt.Sprintf("subscriber(role %d)", s.role) }

// encode encodes m for one page; encodeShared for a broadcast.
func encode(m Message) *Frame {
	b, err := json.Marshal(m)
	if err != nil {
		// Only plain values are marshalled: this cannot fail.
		panic(fmt.Sprintf("live: encode %s: %v", m.Type, err))
	}
	return &Frame{Data: b}
}

func encodeShared(m Message) *Frame {
	f := encode(m)
	f.Shared = true
	return f
}

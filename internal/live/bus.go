package live

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// NoticeKind is what changed in a session.
type NoticeKind string

// Notice kinds.
const (
	// KindState: the room's state changed (Seq is the new version); the
	// end of a session is a state change too.
	KindState NoticeKind = "state"
	// KindPlayer: the driven player moved (Seq is its sequence).
	KindPlayer NoticeKind = "player"
	// KindAnswer: the answers in the session of each of Learners changed;
	// read them.
	KindAnswer NoticeKind = "answer"
	// KindJoin: each of Learners joined the session.
	KindJoin NoticeKind = "join"
)

// Notice is what one process tells the others about a session: ids only,
// never state; a receiver reads the state from the database.
type Notice struct {
	// Origin is the publishing Manager (random per process), so a
	// manager skips its own notices.
	Origin  string
	Kind    NoticeKind
	Session int64
	// Seq is the new version (KindState) or player sequence (KindPlayer).
	Seq int64
	// Learners are the learners who answered (KindAnswer) or joined
	// (KindJoin): a manager sends one notice for every learner of a
	// session whose answers it recorded since its previous notice
	// (publish.go), not one per answer.
	Learners []int64
}

// noticeVersion prefixes the encoding, so a newer release's replicas can
// tell old notices apart during a rolling update.
const noticeVersion = "n1"

// listKind reports whether notices of kind k carry learners, not a
// sequence.
func listKind(k NoticeKind) bool { return k == KindAnswer || k == KindJoin }

// String encodes n as "n1 ORIGIN KIND SESSION SEQ", where SEQ is, for
// answers and joins, the learners' ids separated by commas (a single
// learner encodes as the sequence did before lists existed).
func (n Notice) String() string {
	b := make([]byte, 0, 48+8*len(n.Learners))
	b = append(b, noticeVersion+" "+n.Origin+" "+string(n.Kind)+" "...)
	b = strconv.AppendInt(b, n.Session, 10)
	b = append(b, ' ')
	if !listKind(n.Kind) {
		return string(strconv.AppendInt(b, n.Seq, 10))
	}
	for i, l := range n.Learners {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, l, 10)
	}
	return string(b)
}

// Equal reports whether two notices say the same.
func (n Notice) Equal(o Notice) bool {
	return n.Origin == o.Origin && n.Kind == o.Kind && n.Session == o.Session && n.Seq == o.Seq && slices.Equal(n.Learners, o.Learners)
}

// ParseNotice decodes Notice.String's form.
func ParseNotice(s string) (Notice, error) {
	f := strings.Fields(s)
	if len(f) != 5 || f[0] != noticeVersion {
		return Notice{}, fmt.Errorf("notice %.80q: not %s ORIGIN KIND SESSION SEQ", s, noticeVersion)
	}
	n := Notice{Origin: f[1], Kind: NoticeKind(f[2])}
	switch n.Kind {
	case KindState, KindPlayer, KindAnswer, KindJoin:
	default:
		return Notice{}, fmt.Errorf("notice %.80q: unknown kind %q", s, f[2])
	}
	var err error
	if n.Session, err = strconv.ParseInt(f[3], 10, 64); err != nil || n.Session <= 0 {
		return Notice{}, fmt.Errorf("notice %.80q: bad session id", s)
	}
	if listKind(n.Kind) {
		ids := strings.Split(f[4], ",")
		n.Learners = make([]int64, len(ids))
		for i, id := range ids {
			if n.Learners[i], err = strconv.ParseInt(id, 10, 64); err != nil || n.Learners[i] < 0 {
				return Notice{}, fmt.Errorf("notice %.80q: bad learner id %.20q", s, id)
			}
		}
		return n, nil
	}
	if n.Seq, err = strconv.ParseInt(f[4], 10, 64); err != nil || n.Seq < 0 {
		return Notice{}, fmt.Errorf("notice %.80q: bad sequence", s)
	}
	return n, nil
}

// Bus carries notices between the processes that hold a session's hubs.
type Bus interface {
	// Publish sends n to every process's Run, this one's included.
	Publish(ctx context.Context, n Notice) error
	// Run delivers notices to deliver, one at a time, until ctx ends.
	// resync is called whenever notices may have been lost (after the
	// bus (re)connects): the receiver then reloads every session it
	// holds from the database.
	Run(ctx context.Context, deliver func(Notice), resync func())
}

// LocalBus is the bus of one process (SQLite): Publish hands the notice
// to every Run of the same LocalBus directly. Several managers may share
// one, which is how tests run two "replicas" in one process.
type LocalBus struct {
	mu   sync.RWMutex
	subs map[*localSub]struct{}
}

type localSub struct{ deliver func(Notice) }

// NewLocalBus returns an in-process bus.
func NewLocalBus() *LocalBus { return &LocalBus{subs: map[*localSub]struct{}{}} }

// PublishAll delivers each notice in order (publish.go).
func (b *LocalBus) PublishAll(ctx context.Context, ns []Notice) error {
	for _, n := range ns {
		if err := b.Publish(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Publish delivers n to every running subscriber, synchronously.
func (b *LocalBus) Publish(_ context.Context, n Notice) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		s.deliver(n)
	}
	return nil
}

// Run registers deliver until ctx ends. Nothing is ever lost in process,
// so resync is called once, at the start.
func (b *LocalBus) Run(ctx context.Context, deliver func(Notice), resync func()) {
	s := &localSub{deliver: deliver}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	resync()
	<-ctx.Done()
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

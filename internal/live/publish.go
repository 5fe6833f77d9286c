package live

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// Coalesced notices of answers and joins (issue 14 §3).
//
// A room answering at once records hundreds of answers a second on each
// replica. One notice per answer was one NOTIFY transaction per answer,
// and on PostgreSQL every notifying transaction takes one database-wide
// lock until its commit is flushed: they commit one at a time, an fsync
// each, so 333 answers a second queued for seconds, the answer's response
// waited for its notice, and an instructor's control (whose notice rides
// in its own transaction) waited behind the queue (BENCHMARKS.md, "Live
// sessions on two PostgreSQL replicas").
//
// Instead a hub only marks the learner, and one goroutine per manager
// sends what was marked: one notice per session and kind listing every
// learner marked since its previous send, all of them in one transaction.
// While a send is in flight new marks gather for the next one, so the
// rate of NOTIFY transactions adapts to the database (one in flight per
// replica) with no added delay when the room is quiet. Receivers reread
// the listed learners' answers from the database in one query
// (Hub.reloadLearners): notices still carry ids only.
//
// The answer is acknowledged once its attempt is durable, not once its
// notice is sent; the notice, as before, follows the commit (a process
// that dies in between leaves the other replicas' counts stale until
// their next resync, as a lost notice always did).

// batchPublisher is a bus that sends several notices at once.
type batchPublisher interface {
	PublishAll(ctx context.Context, ns []Notice) error
}

// pendKey is one session's marks of one kind.
type pendKey struct {
	session int64
	kind    NoticeKind
}

// outbox holds the marks waiting for the publisher.
type outbox struct {
	mu      sync.Mutex
	pending map[pendKey]map[int64]struct{}
	kick    chan struct{}
}

func newOutbox() *outbox {
	return &outbox{pending: map[pendKey]map[int64]struct{}{}, kick: make(chan struct{}, 1)}
}

// mark notes that learner answered or joined (kind) in session.
func (o *outbox) mark(kind NoticeKind, session int64, learners ...int64) {
	if len(learners) == 0 {
		return
	}
	o.mu.Lock()
	k := pendKey{session, kind}
	set := o.pending[k]
	if set == nil {
		set = map[int64]struct{}{}
		o.pending[k] = set
	}
	for _, l := range learners {
		set[l] = struct{}{}
	}
	o.mu.Unlock()
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// take returns the marks and empties the outbox.
func (o *outbox) take() map[pendKey]map[int64]struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) == 0 {
		return nil
	}
	p := o.pending
	o.pending = map[pendKey]map[int64]struct{}{}
	return p
}

// putBack returns marks whose send failed (they are retried).
func (o *outbox) putBack(p map[pendKey]map[int64]struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k, set := range p {
		dst := o.pending[k]
		if dst == nil {
			o.pending[k] = set
			continue
		}
		for l := range set {
			dst[l] = struct{}{}
		}
	}
}

// maxNoticeBytes bounds one encoded notice: PostgreSQL's payload limit.
const maxNoticeBytes = store.MaxNotifyPayload

// notices encodes marks as notices of origin: sessions and learners in
// ascending order, one notice per session and kind unless its learners
// would make it longer than maxNoticeBytes.
func notices(origin string, p map[pendKey]map[int64]struct{}) []Notice {
	keys := make([]pendKey, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b pendKey) int {
		return cmp.Or(cmp.Compare(a.session, b.session), cmp.Compare(a.kind, b.kind))
	})
	var out []Notice
	for _, k := range keys {
		ls := make([]int64, 0, len(p[k]))
		for l := range p[k] {
			ls = append(ls, l)
		}
		slices.Sort(ls)
		base := len(Notice{Origin: origin, Kind: k.kind, Session: k.session}.String())
		n := Notice{Origin: origin, Kind: k.kind, Session: k.session}
		size := base
		for _, l := range ls {
			w := len(strconv.FormatInt(l, 10)) + 1
			if len(n.Learners) > 0 && size+w > maxNoticeBytes {
				out = append(out, n)
				n = Notice{Origin: origin, Kind: k.kind, Session: k.session}
				size = base
			}
			n.Learners = append(n.Learners, l)
			size += w
		}
		out = append(out, n)
	}
	return out
}

// publishLoop sends the outbox's marks until the manager closes, then
// sends what is left once.
func (m *Manager) publishLoop() {
	for {
		select {
		case <-m.ctx.Done():
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			m.flush(ctx)
			cancel()
			return
		case <-m.out.kick:
			ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
			if !m.flush(ctx) && m.ctx.Err() == nil {
				// Retry later, not in a tight loop; a new mark sooner
				// retries then.
				time.AfterFunc(retryDelay, func() {
					select {
					case m.out.kick <- struct{}{}:
					default:
					}
				})
			}
			cancel()
		}
	}
}

// flush sends every mark in one call of the bus; a failure puts the marks
// back and reports false.
func (m *Manager) flush(ctx context.Context) bool {
	p := m.out.take()
	if p == nil {
		return true
	}
	ns := notices(m.origin, p)
	var err error
	if bp, ok := m.bus.(batchPublisher); ok {
		err = bp.PublishAll(ctx, ns)
	} else {
		for _, n := range ns {
			if err = m.bus.Publish(ctx, n); err != nil {
				break
			}
		}
	}
	if err != nil {
		m.log.Warn("live: publish answers and joins; retrying", "notices", len(ns), "err", err)
		m.out.putBack(p)
		return false
	}
	return true
}

package live

import (
	"context"

	"github.com/stride-tutor/stride/internal/store"
)

// txNoticeDB is a database whose state updates can carry their notice in
// the same transaction (*store.Store on PostgreSQL: NOTIFY is
// transactional). A control then costs one transaction instead of two
// (the second, a lone NOTIFY, needs a commit record of its own, hence an
// fsync), and the other replicas hear of the change exactly when it
// commits: a crash can no longer leave a change without its notice.
type txNoticeDB interface {
	UpdateLiveStateNotify(ctx context.Context, id int64, fn func(*store.LiveState) bool, notice func(store.LiveState) string) (store.LiveState, bool, error)
}

// txNotifierOf returns db as a txNoticeDB when the bus is PostgreSQL's
// LISTEN/NOTIFY over that same database, else nil (the in-process bus is
// a function call; publishing after the commit costs nothing there).
func txNotifierOf(db DB, bus Bus) txNoticeDB {
	pb, ok := bus.(*PGBus)
	if !ok {
		return nil
	}
	tn, ok := db.(txNoticeDB)
	if !ok || any(pb.db) != any(db) {
		return nil
	}
	return tn
}

// stateNotice encodes the notice of a session's new state version.
func (m *Manager) stateNotice(session int64) func(store.LiveState) string {
	return func(ls store.LiveState) string {
		return Notice{Origin: m.origin, Kind: KindState, Session: session, Seq: ls.Version}.String()
	}
}

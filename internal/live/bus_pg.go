package live

import (
	"context"
	"log/slog"
)

// Notifier is the database's LISTEN/NOTIFY, as internal/store has it
// (store.Store.Notify and Listen): the listening connection is the
// store's, one per process, reconnecting with backoff.
type Notifier interface {
	Notify(ctx context.Context, payload string) error
	// NotifyAll sends several payloads in one transaction.
	NotifyAll(ctx context.Context, payloads []string) error
	Listen(ctx context.Context, onConnect func(), onNotify func(payload string), onError func(error)) error
}

// PGBus is the bus of several replicas on one PostgreSQL database:
// notices travel as NOTIFY payloads (Notice.String) on the store's live
// channel. PostgreSQL delivers a notification to every listening
// connection, the sender's included, in commit order.
type PGBus struct {
	db  Notifier
	log *slog.Logger
}

// NewPGBus returns a bus over db's LISTEN/NOTIFY; log hears lost
// connections and malformed payloads (nil: discarded).
func NewPGBus(db Notifier, log *slog.Logger) *PGBus {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PGBus{db: db, log: log}
}

// Publish sends n with NOTIFY.
func (b *PGBus) Publish(ctx context.Context, n Notice) error {
	return b.db.Notify(ctx, n.String())
}

// PublishAll sends every notice in one transaction (publish.go): on
// PostgreSQL notifying transactions commit one at a time, so one per
// burst instead of one per notice.
func (b *PGBus) PublishAll(ctx context.Context, ns []Notice) error {
	payloads := make([]string, len(ns))
	for i, n := range ns {
		payloads[i] = n.String()
	}
	return b.db.NotifyAll(ctx, payloads)
}

// Run listens until ctx ends; resync follows every (re)connection.
func (b *PGBus) Run(ctx context.Context, deliver func(Notice), resync func()) {
	_ = b.db.Listen(ctx, resync, func(payload string) {
		n, err := ParseNotice(payload)
		if err != nil {
			b.log.Warn("live: ignoring a notification", "err", err)
			return
		}
		deliver(n)
	}, func(err error) {
		b.log.Warn("live: listening connection lost; reconnecting", "err", err)
	})
}

package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgreSQL LISTEN/NOTIFY for live sessions on several replicas (issue 14
// §2). A notification carries only ids (internal/live encodes them); the
// state is read from the tables. Channels are database-wide, not per
// schema, so the channel is named after the schema the store uses: two
// Stride databases in one PostgreSQL database (tests use a schema each)
// do not hear each other.

// maxNotifyPayload is PostgreSQL's limit on a payload, in bytes (less one).
const maxNotifyPayload = 7999

// Listen backoff: the first retry after a lost connection, and the most.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 5 * time.Second
)

// ErrNoNotify: the database has no notifications (SQLite: one process).
var ErrNoNotify = errors.New("this database has no LISTEN/NOTIFY (SQLite: one process, use an in-process bus)")

// Done is closed once the store is closed (background users of the store,
// such as the live sessions' manager, stop then).
func (s *Store) Done() <-chan struct{} { return s.closed }

// CanNotify reports whether the store has LISTEN/NOTIFY (PostgreSQL).
func (s *Store) CanNotify() bool { return s.dialect.name == "postgres" }

// liveChannel is the notification channel of this store's schema, read
// once (a failure is retried next time).
func (s *Store) liveChannel(ctx context.Context) (string, error) {
	s.channelMu.Lock()
	defer s.channelMu.Unlock()
	if s.channel != "" {
		return s.channel, nil
	}
	var schema string
	if err := s.read.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", fmt.Errorf("current schema: %w", err)
	}
	ch := "stride_live"
	if schema != "public" {
		ch += "_" + schema
	}
	if len(ch) > 63 { // PostgreSQL's identifier limit
		h := sha256.Sum256([]byte(schema))
		ch = "stride_live_" + hex.EncodeToString(h[:16])
	}
	s.channel = ch
	return ch, nil
}

// Notify sends payload to every listener of the live channel (on every
// replica, this one included) once the statement commits.
func (s *Store) Notify(ctx context.Context, payload string) error {
	if !s.CanNotify() {
		return ErrNoNotify
	}
	if len(payload) > maxNotifyPayload {
		return fmt.Errorf("notify: %w: payload is %d bytes, the limit is %d", ErrInvalid, len(payload), maxNotifyPayload)
	}
	ch, err := s.liveChannel(ctx)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if _, err := s.write.ExecContext(ctx, `SELECT pg_notify($1, $2)`, ch, payload); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// NotifyAll sends every payload on the live channel in one statement and
// one transaction. On PostgreSQL every committing transaction that
// notified takes one database-wide lock until its commit record is
// flushed, so notifying transactions commit one at a time, an fsync each:
// a NOTIFY per live answer (333 a second in cmd/liveload) queued answers
// and controls behind each other for seconds. Callers gather what changed
// while the previous NotifyAll was in flight and send it in the next one.
func (s *Store) NotifyAll(ctx context.Context, payloads []string) error {
	if !s.CanNotify() {
		return ErrNoNotify
	}
	if len(payloads) == 0 {
		return nil
	}
	for _, p := range payloads {
		if len(p) > maxNotifyPayload {
			return fmt.Errorf("notify: %w: payload is %d bytes, the limit is %d", ErrInvalid, len(p), maxNotifyPayload)
		}
	}
	ch, err := s.liveChannel(ctx)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if _, err := s.write.ExecContext(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n`, ch, payloads); err != nil {
		return fmt.Errorf("notify %d payloads: %w", len(payloads), err)
	}
	return nil
}

// MaxNotifyPayload is the longest payload Notify and NotifyAll take, in
// bytes.
const MaxNotifyPayload = maxNotifyPayload

// Listen holds one dedicated connection listening on the live channel and
// calls onNotify with each payload, in order, from one goroutine. After
// every (re)connection, once LISTEN is in place, it calls onConnect:
// notifications sent while no connection listened are lost, so the caller
// resyncs from the tables. A lost connection is retried with exponential
// backoff (100 ms doubling to 5 s, with jitter); onError hears each
// failure. Listen returns when ctx ends or the store is closed.
func (s *Store) Listen(ctx context.Context, onConnect func(), onNotify func(payload string), onError func(error)) error {
	if !s.CanNotify() {
		return ErrNoNotify
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	backoff := listenBackoffMin
	for {
		err := s.listenOnce(ctx, func() {
			backoff = listenBackoffMin
			onConnect()
		}, onNotify)
		if ctx.Err() != nil {
			return nil
		}
		if onError != nil {
			onError(redactErr(err, s.dsn))
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

func (s *Store) listenOnce(ctx context.Context, onConnect func(), onNotify func(string)) error {
	ch, err := s.liveChannel(ctx)
	if err != nil {
		return err
	}
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(connectCtx, s.dsn)
	cancel()
	if err != nil {
		return fmt.Errorf("listen: connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
		return fmt.Errorf("listen on %s: %w", ch, err)
	}
	onConnect()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		onNotify(n.Payload)
	}
}

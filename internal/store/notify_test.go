package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestListenReconnects: notifications reach the listener; when its
// connection is killed (pg_terminate_backend) it reconnects, calls
// onConnect again (so the caller resyncs) and hears later notifications.
func TestListenReconnects(t *testing.T) {
	b, ok := postgresBackend(t)
	if !ok {
		t.Skip("STRIDE_TEST_DATABASE_URL is not set")
	}
	s := openMigrated(t, b.open(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	connected := make(chan struct{}, 10)
	got := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		done <- s.Listen(ctx, func() { connected <- struct{}{} }, func(p string) { got <- p }, nil)
	}()
	wait := func(what string, c <-chan struct{}) {
		t.Helper()
		select {
		case <-c:
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s within 30 s", what)
		}
	}
	hear := func(want string) {
		t.Helper()
		select {
		case p := <-got:
			if p != want {
				t.Fatalf("heard %q, want %q", p, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("did not hear %q within 30 s", want)
		}
	}
	wait("connection", connected)
	if err := s.Notify(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	hear("one")
	ch, err := s.liveChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var killed int
	if err := s.write.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE query = 'LISTEN "' || $1 || '"'`, ch).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate the listening backend: %d killed, %v", killed, err)
	}
	wait("reconnection", connected)
	if err := s.Notify(ctx, "two"); err != nil {
		t.Fatal(err)
	}
	hear("two")
	if err := s.Notify(ctx, string(make([]byte, maxNotifyPayload+1))); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized payload: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("listen: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Listen did not return after cancel")
	}
}

// TestNotifyAll: several payloads in one call reach the listener in
// order; an oversized one refuses the call (nothing is sent).
func TestNotifyAll(t *testing.T) {
	b, ok := postgresBackend(t)
	if !ok {
		t.Skip("STRIDE_TEST_DATABASE_URL is not set")
	}
	s := openMigrated(t, b.open(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	connected := make(chan struct{}, 10)
	got := make(chan string, 10)
	go func() { _ = s.Listen(ctx, func() { connected <- struct{}{} }, func(p string) { got <- p }, nil) }()
	select {
	case <-connected:
	case <-time.After(30 * time.Second):
		t.Fatal("no connection within 30 s")
	}
	if err := s.NotifyAll(ctx, []string{string(make([]byte, maxNotifyPayload+1))}); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized payload: %v", err)
	}
	want := []string{"b", "a", "c"}
	if err := s.NotifyAll(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.NotifyAll(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		select {
		case p := <-got:
			if p != w {
				t.Fatalf("heard %q, want %q (in order)", p, w)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("did not hear %q within 30 s", w)
		}
	}
}

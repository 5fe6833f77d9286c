package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestLiveUpdateBatch: live state updates waiting together are applied in
// one transaction (SQLite: one writer, so exactly one batch after the
// first), each as if alone: an ended session's update fails without
// undoing its neighbours', and one session's updates all apply.
func TestLiveUpdateBatch(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		var ids []int64
		for i := range 12 {
			ls, err := s.CreateLiveSession(ctx, f.course.ID, f.assignment.ID, f.owner.ID, fmt.Sprintf("BT%04d", i))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ls.ID)
		}
		if err := s.EndLiveSessionFor(ctx, ids[3], EndedByInstructor); err != nil {
			t.Fatal(err)
		}
		bump := func(ls *LiveState) bool { ls.Version++; ls.Paused = !ls.Paused; return true }
		// The first update holds the writer until every other one waits.
		w := s.liveWriterOnce()
		b0, n0 := s.LiveUpdateBatchStats()
		hold, entered := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			_, _, err := s.UpdateLiveState(ctx, ids[0], func(ls *LiveState) bool { close(entered); <-hold; return bump(ls) })
			first <- err
		}()
		<-entered
		// Sessions 1..11, and session 5 twice.
		targets := append(append([]int64{}, ids[1:]...), ids[5])
		errs := make([]error, len(targets))
		var wg sync.WaitGroup
		for i, id := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = s.UpdateLiveState(ctx, id, bump)
			}()
		}
		if s.dialect.name == "sqlite" {
			for deadline := time.Now().Add(30 * time.Second); len(w.reqs) < len(targets); {
				if time.Now().After(deadline) {
					close(hold)
					t.Fatalf("%d of %d updates queued", len(w.reqs), len(targets))
				}
				time.Sleep(time.Millisecond)
			}
		}
		close(hold)
		wg.Wait()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		for i, id := range targets {
			switch {
			case id == ids[3]:
				if !errors.Is(errs[i], ErrLiveEnded) {
					t.Errorf("update of the ended session: %v, want ErrLiveEnded", errs[i])
				}
			case errs[i] != nil:
				t.Errorf("update of session %d: %v", id, errs[i])
			}
		}
		for i, id := range ids {
			st, err := s.GetLiveState(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := int64(1)
			switch i {
			case 3:
				want = 1 // ended: the end bumped it, nothing else
			case 5:
				want = 2
			}
			if st.Version != want {
				t.Errorf("session %d version %d, want %d", i, st.Version, want)
			}
		}
		b1, n1 := s.LiveUpdateBatchStats()
		if n1-n0 != int64(len(targets)+1) {
			t.Errorf("%d updates taken, want %d", n1-n0, len(targets)+1)
		}
		if s.dialect.name == "sqlite" && b1-b0 != 2 {
			t.Errorf("%d transactions for %d updates, want 2 (the held one, then the rest together)", b1-b0, n1-n0)
		}
	})
}

// TestLiveUpdateNotify: on PostgreSQL a changing update's notice is sent
// in its transaction; an update that changes nothing sends none.
func TestLiveUpdateNotify(t *testing.T) {
	b, ok := postgresBackend(t)
	if !ok {
		t.Skip("STRIDE_TEST_DATABASE_URL is not set")
	}
	s := openMigrated(t, b.open(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture(t, s, Settings{})
	ls, err := s.CreateLiveSession(ctx, f.course.ID, f.assignment.ID, f.owner.ID, "NT0001")
	if err != nil {
		t.Fatal(err)
	}
	connected := make(chan struct{}, 10)
	got := make(chan string, 10)
	go func() { _ = s.Listen(ctx, func() { connected <- struct{}{} }, func(p string) { got <- p }, nil) }()
	select {
	case <-connected:
	case <-time.After(30 * time.Second):
		t.Fatal("no listening connection within 30 s")
	}
	notice := func(st LiveState) string { return fmt.Sprintf("v%d", st.Version) }
	if _, changed, err := s.UpdateLiveStateNotify(ctx, ls.ID, func(*LiveState) bool { return false }, notice); err != nil || changed {
		t.Fatalf("no-change update: %v %v", changed, err)
	}
	if _, _, err := s.UpdateLiveStateNotify(ctx, ls.ID, func(st *LiveState) bool { st.Version++; return true }, notice); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "v1" {
			t.Fatalf("heard %q, want v1 (and nothing for the update that changed nothing)", p)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no notice within 30 s")
	}
}

package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPriorityLane: with every connection of the read pool taken (a room's
// page fetches), an instructor's control reads (the session cookie, the
// course, the membership, the live session) still answer through the
// priority lane, while the same reads without priority wait for the pool.
func TestPriorityLane(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		token, _, err := s.CreateSession(ctx, f.owner.ID, clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ls, err := s.CreateLiveSession(ctx, f.course.ID, f.assignment.ID, f.owner.ID, "PR10RT")
		if err != nil {
			t.Fatal(err)
		}
		reads := []struct {
			name string
			read func(context.Context) error
		}{
			{"LookupSession", func(ctx context.Context) error { _, _, err := s.LookupSession(ctx, token); return err }},
			{"GetCourse", func(ctx context.Context) error { _, err := s.GetCourse(ctx, f.course.ID); return err }},
			{"MemberRoleOf", func(ctx context.Context) error { _, err := s.MemberRoleOf(ctx, f.course.ID, f.owner.ID); return err }},
			{"GetLiveSession", func(ctx context.Context) error { _, err := s.GetLiveSession(ctx, ls.ID); return err }},
		}

		// Take every connection of the read pool.
		release, err := s.HoldReads(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()

		for _, r := range reads {
			// Without priority the read waits for a connection: it is still
			// waiting when its (short) deadline ends.
			wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			err := r.read(wctx)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s without priority, pool taken: err %v, want it to wait (deadline exceeded)", r.name, err)
			}
			// With priority it answers (the generous deadline only keeps a
			// broken lane from hanging the test).
			pctx, cancel := context.WithTimeout(WithPriority(ctx), time.Minute)
			err = r.read(pctx)
			cancel()
			if err != nil {
				t.Errorf("%s with priority, pool taken: %v", r.name, err)
			}
		}
		if st := s.PriorityReads(); st.MaxOpenConnections != priorityConns || st.OpenConnections == 0 {
			t.Errorf("priority lane stats %+v: want %d connection(s), used", st, priorityConns)
		}
	})
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// request builds a queued group-commit request, as RecordAttempt would.
func request(ctx context.Context, na NewAttempt) *attemptRequest {
	return &attemptRequest{ctx: ctx, na: na, done: make(chan attemptResult, 1)}
}

// eachBatchingDB is eachDB with the group-commit writers set explicitly
// (one for SQLite, four for PostgreSQL: concurrent batches), so these tests
// keep testing batching whatever the defaults become.
func eachBatchingDB(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.open(t)
			if b.name == "postgres" {
				cfg.AttemptWriters = 4
			}
			fn(t, openMigrated(t, cfg))
		})
	}
}

// storedAttempts returns every attempt of the assignment.
func storedAttempts(t *testing.T, s *Store, assignmentID int64) []Attempt {
	t.Helper()
	var out []Attempt
	var after int64
	for {
		page, err := s.ListAttempts(context.Background(), AttemptFilter{AssignmentID: assignmentID, AfterID: after, Limit: MaxListAttempts})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

// TestGroupCommitBatch runs one batch directly, so what shares the
// transaction is known: refused attempts (limit, unknown learner, item of
// another course, unknown live session, cancelled caller) fail alone and
// the rest commit; a key twice in the batch is recorded once.
func TestGroupCommitBatch(t *testing.T) {
	eachBatchingDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		st := defaultSettings()
		st.AttemptsAllowed = 2
		f := newFixture(t, s, st)
		other, err := s.CreateCourse(ctx, NewCourse{Title: "Other", TimeZone: "UTC", CreatedBy: f.owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		otherA, err := s.CreateAssignment(ctx, NewAssignment{CourseID: other.ID, Title: "Other", Settings: defaultSettings(), CreatedBy: f.owner.ID,
			Items: []NewItem{{ExerciseID: "cnn-shapes", SeedPolicy: SeedRecitation, Points: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		ada, grace := f.learners[0].ID, f.learners[1].ID
		item := f.assignment.Items[0].ID
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		badLive := attempt(grace, item, "b", "g-live", 1)
		badLive.LiveSessionID = 999999
		cases := []struct {
			name    string
			ctx     context.Context
			na      NewAttempt
			created bool
			err     error
		}{
			{"first", ctx, attempt(ada, item, "a", "k1", 0), true, nil},
			{"same key again in the batch", ctx, attempt(ada, item, "a", "k1", 0), false, nil},
			{"second of two allowed", ctx, attempt(ada, item, "a", "k2", 1), true, nil},
			{"third: over the limit", ctx, attempt(ada, item, "a", "k3", 1), false, ErrAttemptLimit},
			{"unknown learner", ctx, attempt(987654, item, "a", "x1", 1), false, ErrNotFound},
			{"item of another course", ctx, attempt(ada, otherA.Items[0].ID, "a", "x2", 1), false, ErrNotFound},
			{"unknown live session (fails at the insert)", ctx, badLive, false, ErrNotFound},
			{"cancelled caller", cancelled, attempt(grace, item, "a", "g-cancelled", 1), false, context.Canceled},
			{"other learner after the failures", ctx, attempt(grace, item, "a", "g1", 1), true, nil},
			{"same key as another learner's", ctx, attempt(grace, item, "b", "k1", 1), true, nil},
		}
		batch := make([]*attemptRequest, len(cases))
		for i, c := range cases {
			batch[i] = request(c.ctx, c.na)
		}
		withdrawn := request(ctx, attempt(grace, item, "b", "g-withdrawn", 1))
		withdrawn.state.Store(reqWithdrawn)
		s.attempts.run(append(append([]*attemptRequest{}, batch...), withdrawn))
		select {
		case res := <-withdrawn.done:
			t.Errorf("a withdrawn request was answered: %+v", res)
		default:
		}
		ids := map[string]int64{}
		for i, c := range cases {
			res := <-batch[i].done
			if c.err != nil {
				if !errors.Is(res.err, c.err) {
					t.Errorf("%s: err = %v, want %v", c.name, res.err, c.err)
				}
				continue
			}
			if res.err != nil || res.created != c.created {
				t.Errorf("%s: created %v, err %v; want created %v", c.name, res.created, res.err, c.created)
				continue
			}
			key := fmt.Sprint(c.na.LearnerID, "/", c.na.IdempotencyKey)
			if prev, ok := ids[key]; ok && prev != res.a.ID {
				t.Errorf("%s: id %d, but the same key got %d", c.name, res.a.ID, prev)
			}
			ids[key] = res.a.ID
		}
		got := storedAttempts(t, s, f.assignment.ID)
		stored := map[string]int64{}
		for _, a := range got {
			stored[fmt.Sprint(a.LearnerID, "/", a.IdempotencyKey)] = a.ID
		}
		if len(got) != 4 || len(stored) != 4 {
			t.Errorf("stored %d attempts (%v), want the 4 accepted ones", len(got), stored)
		}
		for key, id := range ids {
			if stored[key] != id {
				t.Errorf("attempt %s acknowledged as %d, stored as %d", key, id, stored[key])
			}
		}
	})
}

// TestGroupCommitConcurrent: many callers at once, with retried keys and
// a limit, through RecordAttempt. Every acknowledged attempt is stored
// exactly once, with the id its caller got; the limit holds.
func TestGroupCommitConcurrent(t *testing.T) {
	eachBatchingDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		st := defaultSettings()
		st.AttemptsAllowed = 3
		f := newFixture(t, s, st)
		item := f.assignment.Items[0].ID
		const perLearner = 60 // parts p0..p9, 6 submissions each, every key sent twice
		type outcome struct {
			key     string
			learner int64
			a       Attempt
			created bool
			err     error
		}
		out := make(chan outcome, 2*perLearner*len(f.learners))
		var wg sync.WaitGroup
		for _, l := range f.learners {
			for i := range perLearner {
				for range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						key := "c-" + strconv.Itoa(i)
						a, created, err := s.RecordAttempt(ctx, attempt(l.ID, item, "p"+strconv.Itoa(i%10), key, 0))
						out <- outcome{key, l.ID, a, created, err}
					}()
				}
			}
		}
		wg.Wait()
		close(out)
		acked := map[string]int64{}
		createdN := map[string]int{}
		for o := range out {
			if o.err != nil {
				if !errors.Is(o.err, ErrAttemptLimit) {
					t.Errorf("%d/%s: %v", o.learner, o.key, o.err)
				}
				continue
			}
			k := fmt.Sprint(o.learner, "/", o.key)
			if prev, ok := acked[k]; ok && prev != o.a.ID {
				t.Errorf("%s acknowledged as %d and %d", k, prev, o.a.ID)
			}
			acked[k] = o.a.ID
			if o.created {
				createdN[k]++
			}
		}
		for k, n := range createdN {
			if n != 1 {
				t.Errorf("%s created %d times", k, n)
			}
		}
		got := storedAttempts(t, s, f.assignment.ID)
		stored := map[string]int64{}
		perPart := map[string]int{}
		for _, a := range got {
			k := fmt.Sprint(a.LearnerID, "/", a.IdempotencyKey)
			if _, dup := stored[k]; dup {
				t.Errorf("%s stored twice", k)
			}
			stored[k] = a.ID
			perPart[fmt.Sprint(a.LearnerID, "/", a.Part)]++
		}
		for k, id := range acked {
			if stored[k] != id {
				t.Errorf("%s acknowledged as %d, stored as %d", k, id, stored[k])
			}
		}
		if len(stored) != len(acked) {
			t.Errorf("%d stored, %d acknowledged", len(stored), len(acked))
		}
		for k, n := range perPart {
			if n != 3 {
				t.Errorf("part %s has %d attempts, want exactly the 3 allowed", k, n)
			}
		}
		batches, taken := s.AttemptBatchStats()
		t.Logf("%d attempts in %d transactions", taken, batches)
		if len(perPart) != 10*len(f.learners) {
			t.Errorf("%d learner parts have attempts, want %d", len(perPart), 10*len(f.learners))
		}
	})
}

// waitFor polls cond; it is how a test learns the writer reached a state
// it cannot announce, and it fails rather than hangs.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitCancellation holds SQLite's only write connection, so the
// writer stops where the test wants it. A caller cancelled after the
// writer took its attempt waits for the commit and reports success (the
// attempt is stored); a caller cancelled while its attempt still waits in
// the queue gets the context's error at once and nothing is stored.
func TestGroupCommitCancellation(t *testing.T) {
	ctx := context.Background()
	s := openMigrated(t, Config{DataDir: t.TempDir()})
	f := newFixture(t, s, Settings{})
	ada, item := f.learners[0].ID, f.assignment.Items[0].ID
	type result struct {
		a   Attempt
		err error
	}
	submit := func(ctx context.Context, key string) chan result {
		ch := make(chan result, 1)
		go func() {
			a, _, err := s.RecordAttempt(ctx, attempt(ada, item, "a", key, 1))
			ch <- result{a, err}
		}()
		return ch
	}

	conn, err := s.write.Conn(ctx) // the writer's BeginTx now waits
	if err != nil {
		t.Fatal(err)
	}
	takenCtx, cancelTaken := context.WithCancel(ctx)
	taken := submit(takenCtx, "taken")
	waitFor(t, "the writer took the first attempt", func() bool { _, n := s.AttemptBatchStats(); return n == 1 })
	// Its batch is now waiting for the connection; this one waits in the queue.
	queuedCtx, cancelQueued := context.WithCancel(ctx)
	queued := submit(queuedCtx, "queued")
	waitFor(t, "the second attempt is queued", func() bool { return len(s.attempts.reqs) == 1 })
	cancelQueued()
	if r := <-queued; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("queued attempt cancelled: err = %v, want context.Canceled", r.err)
	}
	cancelTaken()
	conn.Close() // the writer proceeds
	r := <-taken
	if r.err != nil {
		t.Fatalf("attempt taken before its caller cancelled: err = %v, want the committed record", r.err)
	}
	got := storedAttempts(t, s, f.assignment.ID)
	if len(got) != 1 || got[0].ID != r.a.ID || got[0].IdempotencyKey != "taken" {
		t.Fatalf("stored %+v, want only the taken attempt %d", got, r.a.ID)
	}
	// The writer skips the withdrawn request and goes on serving.
	if _, created, err := s.RecordAttempt(ctx, attempt(ada, item, "a", "queued", 1)); err != nil || !created {
		t.Fatalf("the withdrawn key sent again: created %v, err %v", created, err)
	}
	if _, _, err := s.RecordAttempt(queuedCtx, attempt(ada, item, "a", "late", 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("with a cancelled context: err = %v", err)
	}
}

// TestGroupCommitCancelTruth: callers cancelled at every moment. Whatever
// each caller was told is what the database holds.
func TestGroupCommitCancelTruth(t *testing.T) {
	eachBatchingDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		item := f.assignment.Items[0].ID
		const n = 300
		type outcome struct {
			i   int
			key string
			id  int64
			err error
		}
		out := make(chan outcome, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cctx, cancel := context.WithCancel(ctx)
				key := "t-" + strconv.Itoa(i)
				if i%3 == 0 {
					cancel() // before the call
				} else if i%3 == 1 {
					go cancel() // during the call
				}
				defer cancel()
				a, _, err := s.RecordAttempt(cctx, attempt(f.learners[i%2].ID, item, "a", key, 1))
				out <- outcome{i, key, a.ID, err}
			}()
		}
		wg.Wait()
		close(out)
		stored := map[string]int64{}
		for _, a := range storedAttempts(t, s, f.assignment.ID) {
			stored[a.IdempotencyKey] = a.ID
		}
		var ok, refused int
		for o := range out {
			id, isStored := stored[o.key]
			switch {
			case o.err == nil && (!isStored || id != o.id):
				t.Errorf("%s acknowledged as %d but stored %v (%d)", o.key, o.id, isStored, id)
			case o.err != nil && !errors.Is(o.err, context.Canceled):
				t.Errorf("%s: %v", o.key, o.err)
			case o.err != nil && isStored:
				t.Errorf("%s refused (%v) but stored as %d", o.key, o.err, id)
			case o.i%3 == 0 && o.err == nil:
				t.Errorf("%s: cancelled before the call, yet recorded", o.key)
			case o.i%3 == 2 && o.err != nil:
				t.Errorf("%s: never cancelled, yet refused: %v", o.key, o.err)
			case o.err == nil:
				ok++
			default:
				refused++
			}
		}
		t.Logf("%d recorded, %d refused as cancelled", ok, refused)
	})
}

// TestGroupCommitCloseDrains: Close while callers submit. Every caller that
// was told its attempt is recorded finds it after reopening; the rest were
// refused as closed and left nothing.
func TestGroupCommitCloseDrains(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := b.open(t)
			if b.name == "postgres" {
				cfg.AttemptWriters = 4
			}
			s := openMigrated(t, cfg)
			f := newFixture(t, s, Settings{})
			item := f.assignment.Items[0].ID
			const n = 400
			type outcome struct {
				key string
				id  int64
				err error
			}
			out := make(chan outcome, n)
			var wg sync.WaitGroup
			started := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i == n/4 {
						close(started)
					}
					key := "cl-" + strconv.Itoa(i)
					a, _, err := s.RecordAttempt(ctx, attempt(f.learners[i%2].ID, item, "a", key, 1))
					out <- outcome{key, a.ID, err}
				}()
			}
			<-started
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			close(out)
			r, err := Open(ctx, Config{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			stored := map[string]int64{}
			for _, a := range storedAttempts(t, r, f.assignment.ID) {
				stored[a.IdempotencyKey] = a.ID
			}
			var ok int
			for o := range out {
				id, isStored := stored[o.key]
				switch {
				case o.err == nil && id != o.id:
					t.Errorf("%s acknowledged as %d, stored %v (%d)", o.key, o.id, isStored, id)
				case o.err != nil && !errors.Is(o.err, errClosed):
					t.Errorf("%s: %v", o.key, o.err)
				case o.err != nil && isStored:
					t.Errorf("%s refused (%v) but stored", o.key, o.err)
				case o.err == nil:
					ok++
				}
			}
			if len(stored) != ok {
				t.Errorf("%d stored, %d acknowledged", len(stored), ok)
			}
			t.Logf("%d of %d recorded before Close", ok, n)
		})
	}
}

// TestRecordAttemptPerCallMode keeps the transaction-per-call path (used
// when the group-commit writer is off) correct on every backend.
func TestRecordAttemptPerCallMode(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.open(t)
			cfg.AttemptWriters = -1
			s := openMigrated(t, cfg)
			if s.attempts != nil {
				t.Fatal("writer started with attemptWriters = -1")
			}
			st := defaultSettings()
			st.AttemptsAllowed = 1
			f := newFixture(t, s, st)
			ctx := context.Background()
			item := f.assignment.Items[0].ID
			a, created, err := s.RecordAttempt(ctx, attempt(f.learners[0].ID, item, "a", "k", 1))
			if err != nil || !created {
				t.Fatalf("created %v, err %v", created, err)
			}
			if b, created, err := s.RecordAttempt(ctx, attempt(f.learners[0].ID, item, "a", "k", 1)); err != nil || created || b.ID != a.ID {
				t.Errorf("same key: %d created %v err %v, want %d", b.ID, created, err, a.ID)
			}
			if _, _, err := s.RecordAttempt(ctx, attempt(f.learners[0].ID, item, "a", "k2", 1)); !errors.Is(err, ErrAttemptLimit) {
				t.Errorf("over the limit: err = %v", err)
			}
		})
	}
}

// TestSubmitAttemptsOneBatch: the attempts of one call (a check's parts)
// are recorded in one batch by one writer, in order: on PostgreSQL, two
// writers taking one learner's parts made the second wait for the
// first's commit on the learner's row lock.
func TestSubmitAttemptsOneBatch(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		item := f.assignment.Items[0].ID
		for round := range 5 {
			b0, n0 := s.AttemptBatchStats()
			key := fmt.Sprintf("r%d", round)
			p, err := s.SubmitAttempts(ctx, []NewAttempt{
				attempt(f.learners[0].ID, item, "a", key+"a", 1), attempt(f.learners[0].ID, item, "b", key+"b", 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			outs := p.Wait(ctx)
			for _, o := range outs {
				if o.Err != nil || !o.Created {
					t.Fatalf("outcome %+v", o)
				}
			}
			if outs[0].Attempt.ID >= outs[1].Attempt.ID {
				t.Errorf("recorded out of order: %d, %d", outs[0].Attempt.ID, outs[1].Attempt.ID)
			}
			if b, n := s.AttemptBatchStats(); b-b0 != 1 || n-n0 != 2 {
				t.Errorf("round %d: %d batches carried %d attempts, want one batch of 2", round, b-b0, n-n0)
			}
		}
	})
}

// TestGroupCommitBatchFailure: an error that is no attempt's own (the
// connection, the commit) fails the whole batch: every waiter gets an
// error, the batch is not retried attempt by attempt, and nothing of it
// is stored. On PostgreSQL the batch is one INSERT (attempts_batch.go),
// so this is what keeps "acknowledged only after commit" true there.
func TestGroupCommitBatchFailure(t *testing.T) {
	eachBatchingDB(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s, defaultSettings())
		item := f.assignment.Items[0].ID
		lost := errors.New("the connection was lost")
		tries := 0
		s.batchHook = func(*sql.Tx) error { tries++; return lost }
		batch := []*attemptRequest{
			request(context.Background(), attempt(f.learners[0].ID, item, "a", "f1", 1)),
			request(context.Background(), attempt(f.learners[1].ID, item, "a", "f2", 0)),
			request(context.Background(), attempt(f.learners[1].ID, item, "b", "f3", 1)),
		}
		s.attempts.run(batch)
		for i, r := range batch {
			if res := <-r.done; !errors.Is(res.err, lost) || res.created {
				t.Errorf("attempt %d: created %v, err %v; want the batch's error", i, res.created, res.err)
			}
		}
		if tries != 1 {
			t.Errorf("the failing batch was tried %d times, want once", tries)
		}
		s.batchHook = nil
		if got := storedAttempts(t, s, f.assignment.ID); len(got) != 0 {
			t.Errorf("stored %d attempts of a failed batch", len(got))
		}
	})
}

// TestGroupCommitBadDataFailsAlone: an attempt the database rejects for
// its data (PostgreSQL refuses a NUL byte in a text) fails alone; the
// other attempts of its batch are recorded and acknowledged. With one
// INSERT per batch on PostgreSQL, the whole batch failed for everyone
// until the writer retried its attempts one by one.
func TestGroupCommitBadDataFailsAlone(t *testing.T) {
	eachBatchingDB(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s, defaultSettings())
		item := f.assignment.Items[0].ID
		bad := attempt(f.learners[1].ID, item, "a", "nul", 0)
		bad.Answer = "3\x004"
		batch := []*attemptRequest{
			request(context.Background(), attempt(f.learners[0].ID, item, "a", "ok1", 1)),
			request(context.Background(), bad),
			request(context.Background(), attempt(f.learners[1].ID, item, "b", "ok2", 1)),
		}
		s.attempts.run(batch)
		want := 3
		for i, r := range batch {
			res := <-r.done
			if i == 1 && s.dialect.name == "postgres" {
				want = 2
				if res.err == nil || res.created {
					t.Errorf("NUL byte on PostgreSQL: created %v, err %v; want an error", res.created, res.err)
				}
				continue
			}
			if res.err != nil || !res.created || res.a.ID == 0 {
				t.Errorf("attempt %d: created %v id %d err %v; want recorded", i, res.created, res.a.ID, res.err)
			}
		}
		if got := storedAttempts(t, s, f.assignment.ID); len(got) != want {
			t.Errorf("stored %d attempts, want %d", len(got), want)
		}
	})
}

package live

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// heldBus is a bus whose PublishAll hands each call's notices to the
// test and waits for the test's release.
type heldBus struct {
	calls   chan []Notice
	release chan struct{}
}

func (b *heldBus) Publish(ctx context.Context, n Notice) error {
	return b.PublishAll(ctx, []Notice{n})
}

func (b *heldBus) PublishAll(ctx context.Context, ns []Notice) error {
	b.calls <- ns
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return nil
}

func (b *heldBus) Run(ctx context.Context, _ func(Notice), resync func()) {
	resync()
	<-ctx.Done()
}

func (b *heldBus) call(t *testing.T) []Notice {
	t.Helper()
	select {
	case ns := <-b.calls:
		return ns
	case <-time.After(30 * time.Second):
		t.Fatal("no publish within 30 s")
	}
	return nil
}

// TestAnswerNoticesCoalesce: answers recorded while a notice is being
// sent go out together in the next send, one notice listing every
// learner, instead of one notice (one NOTIFY transaction) per answer;
// joins likewise. Record does not wait for the send.
func TestAnswerNoticesCoalesce(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 1)
	bus := &heldBus{calls: make(chan []Notice, 4), release: make(chan struct{})}
	m := e.manager(e.st, bus, Config{MaxStudents: 100})
	h := e.hub(m)
	first := e.learner()
	h.Record(bg, []Answer{e.answer(first, 0, "out", "correct", "", "4")})
	ns := bus.call(t) // the first send is under way, held
	if len(ns) != 1 || ns[0].Kind != KindAnswer || !slices.Equal(ns[0].Learners, []int64{first}) {
		t.Fatalf("first send %+v", ns)
	}
	var want []int64
	for i := range 30 {
		l := e.learner()
		want = append(want, l)
		h.Record(bg, []Answer{e.answer(l, 0, "out", "incorrect", "", strconv.Itoa(i))})
		// A second part of the same answer: the learner is listed once.
		h.Record(bg, []Answer{e.answer(l, 0, "out", "correct", "", "4")})
	}
	if err := h.Join(bg, e.learner()); err != nil {
		t.Fatal(err)
	}
	bus.release <- struct{}{}
	ns = bus.call(t)
	bus.release <- struct{}{}
	if len(ns) != 2 || ns[0].Kind != KindAnswer || ns[1].Kind != KindJoin || len(ns[1].Learners) != 1 {
		t.Fatalf("second send: %d notices %+v, want one answer notice and one join notice", len(ns), ns)
	}
	if !slices.Equal(ns[0].Learners, want) || ns[0].Session != e.ls.ID {
		t.Errorf("answer notice lists %v of session %d, want %v of %d", ns[0].Learners, ns[0].Session, want, e.ls.ID)
	}
}

// TestNoticesSplit: a session's learners that do not fit one payload are
// split over several notices, each within the limit, none lost.
func TestNoticesSplit(t *testing.T) {
	p := map[pendKey]map[int64]struct{}{{7, KindAnswer}: {}, {3, KindJoin}: {5: {}}}
	var want []int64
	for l := int64(1_000_000_000_000); len(want) < 2000; l += 7 {
		p[pendKey{7, KindAnswer}][l] = struct{}{}
		want = append(want, l)
	}
	ns := notices("origin", p)
	if len(ns) < 3 || ns[0].Session != 3 || ns[0].Kind != KindJoin {
		t.Fatalf("%d notices, first %+v", len(ns), ns[0])
	}
	var got []int64
	for _, n := range ns[1:] {
		s := n.String()
		if len(s) > maxNoticeBytes {
			t.Errorf("notice of %d bytes, the limit is %d", len(s), maxNoticeBytes)
		}
		back, err := ParseNotice(s)
		if err != nil || !back.Equal(n) {
			t.Fatalf("notice %.60q: %v", s, err)
		}
		got = append(got, n.Learners...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("split notices list %d learners, want %d in order", len(got), len(want))
	}
}

// TestReplicasAnswerBurst: many students on replica B answer at once
// (two parts each, as the answer endpoint records them) while the
// instructor on A acts. Every answer is stored exactly once with the
// session's id; A's counts match the database after the burst; the
// controls reach B's students meanwhile.
func TestReplicasAnswerBurst(t *testing.T) {
	t.Run("sqlite-local-bus", func(t *testing.T) {
		e := newEnv(t, sqliteConfig(t), 1)
		bus := NewLocalBus()
		cfg := Config{MaxStudents: 200, Queue: 1024}
		testAnswerBurst(t, e, e.st, e.manager(e.st, bus, cfg), e.manager(e.st, bus, cfg))
	})
	t.Run("postgres-listen-notify", func(t *testing.T) {
		pc, ok := postgresConfig(t)
		if !ok {
			t.Skip("STRIDE_TEST_DATABASE_URL is not set")
		}
		e := newEnv(t, pc, 1)
		other := openStore(t, pc, e.clock)
		cfg := Config{MaxStudents: 200, Queue: 1024}
		testAnswerBurst(t, e, other, e.manager(e.st, NewPGBus(e.st, nil), cfg), e.manager(other, NewPGBus(other, nil), cfg))
	})
}

func testAnswerBurst(t *testing.T, e *env, stB *store.Store, a, b *Manager) {
	const n = 60
	ha, hb := e.hub(a), e.hub(b)
	staff, err := ha.Subscribe(bg, RoleStaff, 0)
	if err != nil {
		t.Fatal(err)
	}
	next(t, staff)
	learners := make([]int64, n)
	for i := range learners {
		learners[i] = e.learner()
	}
	student, err := hb.Subscribe(bg, RoleStudent, learners[0])
	if err != nil {
		t.Fatal(err)
	}
	next(t, student)
	if _, err := ha.Control(bg, ActUnlock); err != nil {
		t.Fatal(err)
	}
	// Learner i answers part "a" wrong ("w<i mod 3>") when i is odd, then
	// part "b" right; all at once, on B's store and hub.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, l := range learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			verdict, text := "correct", "4"
			if i%2 == 1 {
				verdict, text = "incorrect", "w"+strconv.Itoa(i%3)
			}
			p, err := stB.SubmitAttempts(bg, []store.NewAttempt{
				{LearnerID: l, ItemID: e.itemIDs[0], ExerciseID: "conv-by-hand", Part: "a", Answer: text, Verdict: verdict,
					Source: store.FromLive, LiveSessionID: e.ls.ID, IdempotencyKey: "a" + strconv.Itoa(i)},
				{LearnerID: l, ItemID: e.itemIDs[0], ExerciseID: "conv-by-hand", Part: "b", Answer: "4", Verdict: "correct",
					Source: store.FromLive, LiveSessionID: e.ls.ID, IdempotencyKey: "b" + strconv.Itoa(i)},
			})
			if err != nil {
				errs <- err
				return
			}
			for _, o := range p.Wait(bg) {
				if o.Err != nil {
					errs <- o.Err
					return
				}
			}
			hb.Record(bg, []Answer{{Learner: l, Item: 0, Part: "a", Verdict: verdict, Text: text}, {Learner: l, Item: 0, Part: "b", Verdict: "correct", Text: "4"}})
		}()
	}
	// Meanwhile the instructor on A pauses: B's student hears it.
	if _, err := ha.Control(bg, ActPause); err != nil {
		t.Fatal(err)
	}
	want := ha.State().Version
	until(t, student, func(m Message) bool { return m.State != nil && m.State.Version >= want && m.State.Paused })
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Stored exactly once each, with the session's id.
	rows, err := e.st.LiveAnswers(bg, e.ls.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[strconv.FormatInt(r.LearnerID, 10)+"/"+r.Part]++
	}
	if len(rows) != 2*n || len(seen) != 2*n {
		t.Errorf("%d attempts stored for %d learner parts, want %d once each", len(rows), len(seen), 2*n)
	}
	// A's counts match: every learner answered, the odd ones wrong on a.
	m := until(t, staff, func(m Message) bool { return m.Counts != nil && m.Counts.Answered == n })
	c := m.Counts
	if c.Correct != n/2 || len(c.Parts) != 2 {
		t.Fatalf("counts on A after the burst: %+v", c)
	}
	var wrong []string
	for _, w := range c.Parts[0].Wrong {
		wrong = append(wrong, w.Answer+"="+strconv.Itoa(w.Count))
	}
	slices.Sort(wrong)
	if got := strings.Join(wrong, " "); got != "w0=10 w1=10 w2=10" || c.Parts[1].Correct != n {
		t.Errorf("wrong answers on A %q, part b correct %d; want w0=10 w1=10 w2=10 and %d", got, c.Parts[1].Correct, n)
	}
	if cb := hb.Counts(); cb.Answered != c.Answered || cb.Correct != c.Correct {
		t.Errorf("counts differ: A %+v, B %+v", c, cb)
	}
}

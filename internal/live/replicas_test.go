package live

import "testing"

// replicas are two managers on one database with nothing shared in Go
// but the database (and, for the in-process bus, the bus).
type replicas struct {
	e    *env
	a, b *Manager
}

// twoOnSQLite runs two managers on one SQLite store and one in-process
// bus (the bus logic without PostgreSQL).
func twoOnSQLite(t *testing.T) replicas {
	e := newEnv(t, sqliteConfig(t), 2)
	bus := NewLocalBus()
	return replicas{e: e, a: e.manager(e.st, bus, Config{MaxStudents: 3}), b: e.manager(e.st, bus, Config{MaxStudents: 3})}
}

// twoOnPostgres runs two managers, each with its own *store.Store (its own
// pools and listening connection) on one PostgreSQL schema.
func twoOnPostgres(t *testing.T) (replicas, bool) {
	cfg, ok := postgresConfig(t)
	if !ok {
		return replicas{}, false
	}
	e := newEnv(t, cfg, 2)
	other := openStore(t, cfg, e.clock)
	return replicas{e: e, a: e.manager(e.st, NewPGBus(e.st, nil), Config{MaxStudents: 3}),
		b: e.manager(other, NewPGBus(other, nil), Config{MaxStudents: 3})}, true
}

func TestReplicas(t *testing.T) {
	t.Run("sqlite-local-bus", func(t *testing.T) { testReplicas(t, twoOnSQLite(t)) })
	t.Run("postgres-listen-notify", func(t *testing.T) {
		r, ok := twoOnPostgres(t)
		if !ok {
			t.Skip("STRIDE_TEST_DATABASE_URL is not set")
		}
		testReplicas(t, r)
	})
}

// testReplicas: the instructor on A, students on B. Controls on A reach
// the students on B; answers and joins on B reach the counts on A; the
// student limit holds across both; the end closes B's pages.
func testReplicas(t *testing.T, r replicas) {
	e := r.e
	ha, hb := e.hub(r.a), e.hub(r.b)
	staff, err := ha.Subscribe(bg, RoleStaff, 0)
	if err != nil {
		t.Fatal(err)
	}
	next(t, staff)
	l1, l2, l3 := e.learner(), e.learner(), e.learner()
	var students []*Subscriber
	for _, l := range []int64{l1, l2} {
		s, err := hb.Subscribe(bg, RoleStudent, l)
		if err != nil {
			t.Fatal(err)
		}
		next(t, s)
		students = append(students, s)
	}
	// The joins on B are counted on A.
	until(t, staff, func(m Message) bool { return m.Counts != nil && m.Counts.Joined == 2 })

	for _, act := range []Action{ActUnlock, ActPause, ActResume, ActReveal} {
		if _, err := ha.Control(bg, act); err != nil {
			t.Fatal(err)
		}
		want := ha.State()
		for i, s := range students {
			m := until(t, s, func(m Message) bool { return m.State != nil && m.State.Version >= want.Version })
			if m.State.Version != want.Version || m.State.Paused != want.Paused || m.State.Revealed != want.Revealed || !m.State.IsUnlocked(0) {
				t.Errorf("%s: student %d on B got %+v, want %+v", act, i, *m.State, want)
			}
		}
	}

	// Answers recorded on B update the counts on A.
	hb.Record(bg, []Answer{e.answer(l1, 0, "out", "incorrect", "conv.flipped-kernel", "22")})
	hb.Record(bg, []Answer{e.answer(l2, 0, "out", "correct", "", "4")})
	m := until(t, staff, func(m Message) bool { return m.Counts != nil && m.Counts.Answered == 2 })
	if m.Counts.Correct != 1 || len(m.Counts.Parts) != 1 || len(m.Counts.Parts[0].Histogram) != 2 ||
		m.Counts.Parts[0].Histogram[1] != (Bucket{"conv.flipped-kernel", 1}) {
		t.Errorf("counts on A %+v", m.Counts)
	}
	// A changed answer replaces the learner's earlier one on A too.
	hb.Record(bg, []Answer{e.answer(l1, 0, "out", "correct", "", "4")})
	until(t, staff, func(m Message) bool { return m.Counts != nil && m.Counts.Correct == 2 })
	if ca, cb := ha.Counts(), hb.Counts(); ca.Correct != cb.Correct || ca.Answered != cb.Answered || ca.Joined != cb.Joined {
		t.Errorf("counts differ: A %+v, B %+v", ca, cb)
	}

	// The per-session limit (3) holds across replicas: one more on A,
	// then a fourth on B is refused.
	if err := ha.Join(bg, l3); err != nil {
		t.Fatal(err)
	}
	if err := hb.Join(bg, e.learner()); err == nil {
		t.Error("a fourth student joined on B")
	}

	// The instructor ends the session on A: B's pages get the end and
	// are closed.
	if _, err := ha.Control(bg, ActEnd); err != nil {
		t.Fatal(err)
	}
	for _, s := range students {
		until(t, s, func(m Message) bool { return m.State != nil && m.State.Ended })
		for range s.C { // closed after the final state
		}
	}
	if _, err := hb.Subscribe(bg, RoleStudent, l1); err == nil {
		t.Error("subscribed to an ended session on B")
	}
}

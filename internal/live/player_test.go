package live

import (
	"errors"
	"testing"
)

func TestCheckDrive(t *testing.T) {
	ok := Player{Part: "bottom-right", Index: 3, FPS: 2}
	cases := []struct {
		name string
		p    Player
		ok   bool
	}{
		{"valid", ok, true},
		{"before the first step", Player{Part: "a", Index: -1, FPS: 0.5}, true},
		{"no part", Player{Index: 1, FPS: 2}, false},
		{"long part", Player{Part: string(make([]byte, MaxPlayerPart+1)), FPS: 2}, false},
		{"odd part", Player{Part: "a<b", FPS: 2}, false},
		{"index below -1", Player{Part: "a", Index: -2, FPS: 2}, false},
		{"index too large", Player{Part: "a", Index: MaxPlayerIndex + 1, FPS: 2}, false},
		{"slow", Player{Part: "a", FPS: 0.1}, false},
		{"fast", Player{Part: "a", FPS: 61}, false},
	}
	for _, tc := range cases {
		err := CheckDrive(tc.p)
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrBadDrive) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// drain returns the messages queued for s.
func drain(t *testing.T, s *Subscriber) []Message {
	t.Helper()
	var out []Message
	for {
		select {
		case b, ok := <-s.C:
			if !ok {
				return out
			}
			out = append(out, decode(t, b.Data))
		default:
			return out
		}
	}
}

func control(t *testing.T, h *Hub, a Action) {
	t.Helper()
	if _, err := h.Control(bg, a); err != nil {
		t.Fatal(err)
	}
}

func TestDriveGateAndFanOut(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 2)
	m := e.manager(e.st, NewLocalBus(), Config{})
	h := e.hub(m)
	student, _ := h.Subscribe(bg, RoleStudent, e.learner())
	staff, _ := h.Subscribe(bg, RoleStaff, 0)
	drain(t, student)
	drain(t, staff)
	pos := Player{Part: "bottom-right", Index: 4, FPS: 2}

	// Before the reveal the replay would show the answers: refused.
	if _, err := h.Drive(pos); !errors.Is(err, ErrNotRevealed) {
		t.Fatalf("drive before reveal: %v", err)
	}
	if got := drain(t, student); len(got) != 0 {
		t.Fatalf("student got %+v before the reveal", got)
	}

	control(t, h, ActReveal)
	drain(t, student)
	drain(t, staff)
	if changed, err := h.Drive(pos); err != nil || !changed {
		t.Fatalf("drive after reveal: %v %v", changed, err)
	}
	for _, s := range []*Subscriber{student, staff} {
		got := drain(t, s)
		if len(got) != 1 || got[0].Type != MsgPlayer || got[0].Player == nil || got[0].Player.Index != 4 ||
			got[0].Player.Seq != 1 || got[0].Player.Question != 0 {
			t.Fatalf("after a drive: %+v", got)
		}
	}
	// The same position again sends nothing.
	if changed, _ := h.Drive(pos); changed {
		t.Error("a repeated drive changed something")
	}
	if got := drain(t, student); len(got) != 0 {
		t.Errorf("a repeated drive sent %+v", got)
	}

	// A late joiner gets the state, then the position.
	late, _ := h.Subscribe(bg, RoleStudent, e.learner())
	got := drain(t, late)
	if len(got) != 2 || got[0].Type != "state" || got[1].Type != MsgPlayer || got[1].Player.Index != 4 {
		t.Fatalf("late joiner got %+v", got)
	}

	// After a restart the position is still there (it is stored).
	m.Close()
	m = e.manager(e.st, NewLocalBus(), Config{})
	h = e.hub(m)
	if p, ok := h.Player(); !ok || p.Index != 4 || p.Seq != 1 {
		t.Errorf("Player after a restart: %+v %v", p, ok)
	}

	// Hidden again, or moved on: the old position is not followed.
	control(t, h, ActHide)
	if again, _ := h.Subscribe(bg, RoleStudent, e.learner()); len(drain(t, again)) != 1 {
		t.Error("a page joining after hide got the position")
	}
	if _, ok := h.Player(); ok {
		t.Error("Player after hide")
	}
	control(t, h, ActReveal)
	if p, ok := h.Player(); !ok || p.Index != 4 {
		t.Errorf("Player after reveal again: %+v %v", p, ok)
	}
	control(t, h, ActNext)
	control(t, h, ActReveal)
	if _, ok := h.Player(); ok {
		t.Error("the first question's position is followed on the second")
	}
	control(t, h, ActEnd)
	if _, err := h.Drive(pos); !errors.Is(err, ErrEnded) {
		t.Errorf("drive after the end: %v", err)
	}
}

// TestDriveAcrossReplicas: a drive on A reaches a student on B.
func TestDriveAcrossReplicas(t *testing.T) {
	run := func(t *testing.T, r replicas) {
		ha, hb := r.e.hub(r.a), r.e.hub(r.b)
		s, err := hb.Subscribe(bg, RoleStudent, r.e.learner())
		if err != nil {
			t.Fatal(err)
		}
		control(t, ha, ActReveal)
		if _, err := ha.Drive(Player{Part: "bottom-right", Index: 2, Playing: true, FPS: 4}); err != nil {
			t.Fatal(err)
		}
		m := until(t, s, func(m Message) bool { return m.Type == MsgPlayer })
		if m.Player.Index != 2 || !m.Player.Playing || m.Player.Seq != 1 {
			t.Errorf("student on B got %+v", *m.Player)
		}
	}
	t.Run("sqlite-local-bus", func(t *testing.T) { run(t, twoOnSQLite(t)) })
	t.Run("postgres-listen-notify", func(t *testing.T) {
		r, ok := twoOnPostgres(t)
		if !ok {
			t.Skip("STRIDE_TEST_DATABASE_URL is not set")
		}
		run(t, r)
	})
}

// TestDriveNeverBlocks: a student who never reads is dropped, not waited
// for, however many drives come.
func TestDriveNeverBlocks(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 1)
	h := e.hub(e.manager(e.st, NewLocalBus(), Config{Queue: 4}))
	control(t, h, ActReveal)
	slow, _ := h.Subscribe(bg, RoleStudent, e.learner())
	for i := 0; i < 100; i++ {
		if _, err := h.Drive(Player{Part: "p", Index: i, FPS: 2}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for range slow.C {
		n++
	}
	if n > 4 || h.Dropped() != 1 {
		t.Errorf("slow subscriber got %d messages, dropped %d", n, h.Dropped())
	}
}

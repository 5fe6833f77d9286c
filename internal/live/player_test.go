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
			out = append(out, decode(t, b))
		default:
			return out
		}
	}
}

func TestDriveGateAndFanOut(t *testing.T) {
	h, _ := NewManager(Config{}).Hub(1, 2)
	student, _ := h.Subscribe(RoleStudent, 7)
	staff, _ := h.Subscribe(RoleStaff, 0)
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

	h.Control(ActReveal)
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
	late, _ := h.Subscribe(RoleStudent, 8)
	got := drain(t, late)
	if len(got) != 2 || got[0].Type != "state" || got[1].Type != MsgPlayer || got[1].Player.Index != 4 {
		t.Fatalf("late joiner got %+v", got)
	}

	// Hidden again, or moved on: the old position is not followed.
	h.Control(ActHide)
	if again, _ := h.Subscribe(RoleStudent, 9); len(drain(t, again)) != 1 {
		t.Error("a page joining after hide got the position")
	}
	if _, ok := h.Player(); ok {
		t.Error("Player after hide")
	}
	h.Control(ActReveal)
	if p, ok := h.Player(); !ok || p.Index != 4 {
		t.Errorf("Player after reveal again: %+v %v", p, ok)
	}
	h.Control(ActNext)
	h.Control(ActReveal)
	if _, ok := h.Player(); ok {
		t.Error("the first question's position is followed on the second")
	}
	h.Control(ActEnd)
	if _, err := h.Drive(pos); !errors.Is(err, ErrEnded) {
		t.Errorf("drive after the end: %v", err)
	}
}

// TestDriveNeverBlocks: a student who never reads is dropped, not waited
// for, however many drives come.
func TestDriveNeverBlocks(t *testing.T) {
	h, _ := NewManager(Config{Queue: 4}).Hub(1, 1)
	h.Control(ActReveal)
	slow, _ := h.Subscribe(RoleStudent, 1)
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

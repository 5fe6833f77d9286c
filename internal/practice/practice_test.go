package practice

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)

// rnn builds a check of an rnn-shapes variant (four checked parts).
func rnn(seed uint64, outcomes ...Outcome) Check {
	parts := []string{"w-hx", "w-yh", "w-hh", "params"}
	c := Check{Exercise: "rnn-shapes", Seed: seed, Parts: map[string]Outcome{}, Checked: parts}
	for i, o := range outcomes {
		c.Parts[parts[i]] = o
	}
	return c
}

func all(o Outcome) []Outcome { return []Outcome{o, o, o, o} }

func TestApplyLevels(t *testing.T) {
	c, x := Correct, Incorrect
	tests := []struct {
		name   string
		checks []Check
		want   Level
	}{
		{"nothing yet", nil, NotStarted},
		{"blank answers are no evidence", []Check{rnn(1, "blank", "invalid")}, NotStarted},
		{"one part answered", []Check{rnn(1, c)}, Attempted},
		{"one right variant", []Check{rnn(1, all(c)...)}, Familiar},
		{"right over two checks", []Check{rnn(1, c, c), rnn(1, c, c, c, c)}, Familiar},
		{"two right variants", []Check{rnn(1, all(c)...), rnn(2, all(c)...)}, Proficient},
		{"three right variants master", []Check{rnn(1, all(c)...), rnn(2, all(c)...), rnn(3, all(c)...)}, Mastered},
		{"the same variant again never raises", []Check{rnn(1, all(c)...), rnn(1, all(c)...), rnn(1, all(c)...)}, Familiar},
		{"a right retry after a miss does not raise", []Check{rnn(1, all(c)...), rnn(2, x, c, c, c), rnn(2, all(c)...)}, Attempted},
		{"a miss lowers one level", []Check{rnn(1, all(c)...), rnn(2, all(c)...), rnn(3, x)}, Familiar},
		{"one miss per variant", []Check{rnn(1, all(c)...), rnn(2, all(c)...), rnn(3, x, x), rnn(3, x, x, x, x)}, Familiar},
		{"never below attempted", []Check{rnn(1, all(x)...), rnn(2, all(x)...)}, Attempted},
		{"a reveal is a miss", []Check{rnn(1, all(c)...), rnn(2, Revealed)}, Attempted},
		{"mastered drops to proficient", []Check{rnn(1, all(c)...), rnn(2, all(c)...), rnn(3, all(c)...), rnn(4, x)}, Proficient},
		{"other exercises are no evidence", []Check{{Exercise: "cnn-concepts", Parts: map[string]Outcome{"filters": c}, Checked: []string{"filters"}}}, NotStarted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := State{Version: 1}
			for i, ch := range tt.checks {
				st = Apply(st, ch, t0.Add(time.Duration(i)*time.Minute))
			}
			got := Summary(st, t0.Add(time.Hour))[5] // rnn-shapes
			if got.Skill.ID != "rnn-shapes" {
				t.Fatalf("skill 5 is %s", got.Skill.ID)
			}
			if got.Level != tt.want {
				t.Errorf("level = %s, want %s", got.Level, tt.want)
			}
		})
	}
}

func TestApplyDoesNotModifyItsArgument(t *testing.T) {
	st := Apply(State{Version: 1}, rnn(1, Correct), t0)
	before, _ := st.Encode()
	_ = Apply(st, rnn(1, Correct, Correct, Correct, Correct), t0)
	after, _ := st.Encode()
	if string(before) != string(after) {
		t.Errorf("Apply changed its argument:\n%s\n%s", before, after)
	}
}

func TestSkillsByPart(t *testing.T) {
	// conv-by-hand's size parts are output-size evidence, its cells are
	// convolution by hand.
	c := Check{Exercise: "conv-by-hand", Seed: 5, Checked: []string{"dims", "cell", "dims-padded", "cell-padded"},
		Parts: map[string]Outcome{"dims": Correct, "dims-padded": Correct, "cell": Incorrect, "cell-padded": Correct}}
	st := Apply(State{Version: 1}, c, t0)
	if l := st.Skills["output-sizes"].Level; l != Familiar {
		t.Errorf("output sizes = %s, want familiar", l)
	}
	if l := st.Skills["conv-by-hand"].Level; l != Attempted {
		t.Errorf("conv by hand = %s, want attempted", l)
	}
}

func TestReviewSchedule(t *testing.T) {
	st := State{Version: 1}
	for i := uint64(1); i <= 3; i++ {
		st = Apply(st, rnn(i, all(Correct)...), t0)
	}
	v := Summary(st, t0)[5]
	if v.Level != Mastered || v.Due.IsZero() {
		t.Fatalf("after three right variants: %s, due %v", v.Level, v.Due)
	}
	if !v.Due.After(t0.Add(24 * time.Hour)) {
		t.Errorf("first review due %v, want at least a day after mastery", v.Due)
	}
	if v.ReviewDue {
		t.Error("review due at the moment of mastery")
	}
	first := v.Due
	later := Summary(st, first)[5]
	if !later.ReviewDue {
		t.Error("review not due at its due time")
	}
	if n := Next(st, first); n.Skill.ID != "rnn-shapes" || !strings.Contains(n.Reason, "due for review") {
		t.Errorf("next at the due time = %s (%s), want the rnn-shapes review", n.Skill.ID, n.Reason)
	}
	// A right review pushes the next one further out than the first gap.
	st = Apply(st, rnn(9, all(Correct)...), first)
	second := Summary(st, first)[5].Due
	if second.Sub(first) <= first.Sub(t0) {
		t.Errorf("second interval %v is not longer than the first %v", second.Sub(first), first.Sub(t0))
	}
	// A lapse drops the skill to proficient and records the lapse.
	st = Apply(st, rnn(10, Incorrect), second)
	if s := st.Skills["rnn-shapes"]; s.Level != Proficient || s.Review.Lapses != 1 {
		t.Errorf("after a missed review: %s with %d lapses", s.Level, s.Review.Lapses)
	}
}

func TestNext(t *testing.T) {
	empty := State{Version: 1}
	if n := Next(empty, t0); n.Skill.ID != "output-sizes" || n.Exercise != "conv-output-size" || n.Seed == 0 {
		t.Errorf("next for a new student = %+v", n)
	}
	if a, b := Next(empty, t0), Next(empty, t0); a.Seed != b.Seed {
		t.Error("Next is not deterministic given the clock")
	}
	// The lowest level in progress comes before a skill not started.
	st := Apply(empty, rnn(1, all(Correct)...), t0)
	st = Apply(st, Check{Exercise: "attention-parameters", Seed: 3, Checked: []string{"weight-shape"},
		Parts: map[string]Outcome{"weight-shape": Incorrect}}, t0)
	if n := Next(st, t0); n.Skill.ID != "attention" {
		t.Errorf("next = %s, want attention (attempted, below rnn-shapes' familiar)", n.Skill.ID)
	}
	// A seed already counted is never served again.
	st = State{Version: 1, Skills: map[string]*SkillState{"rnn-shapes": {Level: Familiar}}}
	for i := 0; i < 200; i++ {
		n := Next(st, t0.Add(time.Duration(i)*time.Second))
		if n.Skill.ID != "rnn-shapes" {
			t.Fatalf("next = %s", n.Skill.ID)
		}
		key := variantKey(n.Exercise, n.Seed)
		for _, d := range st.Skills["rnn-shapes"].Done {
			if d == key {
				t.Fatalf("served %s again", key)
			}
		}
		st.Skills["rnn-shapes"].Done = append(st.Skills["rnn-shapes"].Done, key)
		if len(st.Skills["rnn-shapes"].Done) > MaxDone {
			st.Skills["rnn-shapes"].Done = st.Skills["rnn-shapes"].Done[1:]
		}
	}
}

func TestDecode(t *testing.T) {
	good := Apply(State{Version: 1}, rnn(1, all(Correct)...), t0)
	enc, err := good.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(enc)
	if err != nil {
		t.Fatalf("decode own encoding: %v", err)
	}
	if again, _ := back.Encode(); string(again) != string(enc) {
		t.Errorf("round trip changed the state:\n%s\n%s", enc, again)
	}
	tests := []struct {
		in, field string
	}{
		{``, ""},
		{`null`, ""},
		{`{"v":1}`, ""},
		{`{"v":2}`, "state.v"},
		{`[]`, "state"},
		{`{"v":1,"extra":1}`, "state"},
		{`{"v":1}{}`, "state"},
		{`{"v":1,"skills":{"juggling":{"level":1}}}`, "state.skills.juggling"},
		{`{"v":1,"skills":{"attention":null}}`, "state.skills.attention"},
		{`{"v":1,"skills":{"attention":{"level":5}}}`, "state.skills.attention.level"},
		{`{"v":1,"skills":{"attention":{"level":1,"open":{"exercise":"","seed":1}}}}`, "state.skills.attention.open.exercise"},
		{`{"v":1,"skills":{"attention":{"level":1,"open":{"exercise":"a","seed":9007199254740992}}}}`, "state.skills.attention.open.seed"},
		{`{"v":1,"skills":{"attention":{"level":4,"review":{"due":1,"last_review":1,"s":-1,"d":5,"reps":1,"state":2}}}}`, "state.skills.attention.review.s"},
		{`{"v":1,"skills":{"attention":{"level":1,"last":-5}}}`, "state.skills.attention.last"},
		{`{"v":1,"skills":{"attention":{"level":1,"done":[` + strings.Repeat(`"a:1",`, MaxDone) + `"a:2"]}}}`, "state.skills.attention.done"},
		{`"` + strings.Repeat("x", MaxStateBytes) + `"`, "state"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.in))
		if tt.field == "" {
			if err != nil {
				t.Errorf("Decode(%.60s) = %v, want no error", tt.in, err)
			}
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("Decode(%.60s) = %v, want an error on %s", tt.in, err, tt.field)
		}
	}
}

func TestLevelNames(t *testing.T) {
	for l, want := range map[Level]string{NotStarted: "not started", Attempted: "attempted", Familiar: "familiar",
		Proficient: "proficient", Mastered: "mastered", 7: "level 7"} {
		if l.String() != want {
			t.Errorf("%d: %q, want %q", int(l), l.String(), want)
		}
	}
}

// FuzzDecode: any input either decodes to a State that re-encodes and
// decodes to itself, or is an error naming a field; Apply and Next never
// panic on a decoded State.
func FuzzDecode(f *testing.F) {
	good, _ := Apply(State{Version: 1}, rnn(1, all(Correct)...), t0).Encode()
	f.Add(good)
	f.Add([]byte(`{"v":1,"skills":{"attention":{"level":4,"review":{"due":1,"last_review":1,"s":1,"d":5,"reps":1,"state":2}}}}`))
	f.Add([]byte(`{"v":1,"skills":{"rnn-shapes":{"level":2,"open":{"exercise":"rnn-shapes","seed":4,"answered":["w-hx"],"missed":true}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Decode(data)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		enc, err := st.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(enc); err != nil && len(enc) <= MaxStateBytes {
			t.Fatalf("own encoding rejected: %v\n%s", err, enc)
		}
		st = Apply(st, rnn(7, Correct, Incorrect, Correct, Correct), t0)
		n := Next(st, t0)
		if n.Seed == 0 || n.Seed > maxSeed {
			t.Fatalf("seed %d", n.Seed)
		}
		if _, err := json.Marshal(Summary(st, t0)); err != nil {
			t.Fatal(err)
		}
	})
}

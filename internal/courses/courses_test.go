package courses

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

func TestLearnerSeedStableAndSpread(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	seen := map[uint64]bool{}
	for learner := int64(1); learner <= 200; learner++ {
		for item := int64(1); item <= 5; item++ {
			s := LearnerSeed(secret, learner, item)
			if s == 0 || s > MaxLearnerSeed || s > exercises.MaxSeed {
				t.Fatalf("seed %d of learner %d item %d is outside 1..%d", s, learner, item, MaxLearnerSeed)
			}
			if again := LearnerSeed(secret, learner, item); again != s {
				t.Fatalf("seed of learner %d item %d changed: %d then %d", learner, item, s, again)
			}
			seen[s] = true
		}
	}
	if len(seen) < 995 { // 1000 draws from 1e9: a collision or two at most
		t.Errorf("only %d distinct seeds for 1000 learner-item pairs", len(seen))
	}
	if LearnerSeed([]byte("another secret"), 1, 1) == LearnerSeed(secret, 1, 1) {
		t.Error("the seed does not depend on the secret")
	}
	// "1"+"23" and "12"+"3" must not collide through concatenation.
	if LearnerSeed(secret, 1, 23) == LearnerSeed(secret, 12, 3) {
		t.Error("learner and item ids are not separated")
	}
}

func TestSeedFor(t *testing.T) {
	secret := []byte("k")
	tests := []struct {
		name string
		item store.Item
		want uint64
	}{
		{"recitation", store.Item{ID: 7, SeedPolicy: store.SeedRecitation}, 0},
		{"shared", store.Item{ID: 7, SeedPolicy: store.SeedShared, Seed: 4242}, 4242},
		{"per learner", store.Item{ID: 7, SeedPolicy: store.SeedPerLearner, Seed: 4242}, LearnerSeed(secret, 3, 7)},
	}
	for _, tt := range tests {
		if got := SeedFor(secret, tt.item, 3); got != tt.want {
			t.Errorf("%s: seed %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestPhaseAt(t *testing.T) {
	tests := []struct {
		name       string
		opens, due *time.Time
		now        time.Time
		want       Phase
	}{
		{"no dates", nil, nil, t0, PhaseOpen},
		{"before opening", at(time.Hour), nil, t0, PhaseUpcoming},
		{"at opening", at(0), nil, t0, PhaseOpen},
		{"before due", nil, at(time.Hour), t0, PhaseOpen},
		{"at due", nil, at(0), t0, PhaseOpen},
		{"after due", nil, at(-time.Minute), t0, PhasePastDue},
		{"between", at(-time.Hour), at(time.Hour), t0, PhaseOpen},
	}
	for _, tt := range tests {
		if got := PhaseAt(store.Settings{OpensAt: tt.opens, DueAt: tt.due}, tt.now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestFeedbackShown(t *testing.T) {
	tests := []struct {
		policy store.ShowPolicy
		due    *time.Time
		want   bool
	}{
		{store.ShowImmediately, nil, true},
		{store.ShowAfterAttempt, at(time.Hour), true},
		{store.ShowAfterDue, at(time.Hour), false},
		{store.ShowAfterDue, at(-time.Hour), true},
		{store.ShowAfterDue, nil, false},
		{store.ShowNever, at(-time.Hour), false},
	}
	for _, tt := range tests {
		if got := FeedbackShown(store.Settings{Feedback: tt.policy, DueAt: tt.due}, t0); got != tt.want {
			t.Errorf("feedback %s, due %v: %v, want %v", tt.policy, tt.due, got, tt.want)
		}
	}
}

func TestSolutionShown(t *testing.T) {
	none := PartProgress{AttemptsLeft: -1}
	wrongOnce := PartProgress{Attempts: 1, AttemptsLeft: -1}
	wrongLeft := PartProgress{Attempts: 1, AttemptsLeft: 2}
	wrongOut := PartProgress{Attempts: 3, AttemptsLeft: 0}
	solved := PartProgress{Attempts: 1, AttemptsLeft: 2, Solved: true}
	tests := []struct {
		name   string
		st     store.Settings
		p      PartProgress
		reveal bool
		want   bool
	}{
		{"immediately, nothing yet", store.Settings{Solutions: store.ShowImmediately}, none, false, false},
		{"immediately, asked for", store.Settings{Solutions: store.ShowImmediately}, none, true, true},
		{"immediately, attempted", store.Settings{Solutions: store.ShowImmediately}, wrongOnce, false, true},
		{"after attempt, nothing yet, asked", store.Settings{Solutions: store.ShowAfterAttempt}, none, true, false},
		{"after attempt, unlimited, wrong once", store.Settings{Solutions: store.ShowAfterAttempt}, wrongOnce, false, true},
		{"after attempt, attempts left", store.Settings{Solutions: store.ShowAfterAttempt, AttemptsAllowed: 3}, wrongLeft, false, false},
		{"after attempt, out of attempts", store.Settings{Solutions: store.ShowAfterAttempt, AttemptsAllowed: 3}, wrongOut, false, true},
		{"after attempt, solved", store.Settings{Solutions: store.ShowAfterAttempt, AttemptsAllowed: 3}, solved, false, true},
		{"after due, before", store.Settings{Solutions: store.ShowAfterDue, DueAt: at(time.Hour)}, solved, true, false},
		{"after due, after", store.Settings{Solutions: store.ShowAfterDue, DueAt: at(-time.Hour)}, none, false, true},
		{"after due, no due date", store.Settings{Solutions: store.ShowAfterDue}, solved, false, false},
		{"never", store.Settings{Solutions: store.ShowNever, DueAt: at(-time.Hour)}, solved, true, false},
	}
	for _, tt := range tests {
		if got := SolutionShown(tt.st, t0, tt.p, tt.reveal); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func attempt(item int64, part string, score float64, late bool) store.Attempt {
	return store.Attempt{ItemID: item, NewAttempt: store.NewAttempt{ItemID: item, Part: part, Score: score}, Late: late}
}

func TestSummarize(t *testing.T) {
	items := []store.Item{{ID: 1, Points: 2}, {ID: 2, Points: 1}, {ID: 3, Points: 1}}
	parts := map[int64][]PartInfo{
		1: {{ID: "a", Scored: true}, {ID: "b", Scored: true}},
		2: {{ID: "x", Scored: true}, {ID: "why", Scored: false}},
		3: {{ID: "z", Scored: true}},
	}
	attempts := []store.Attempt{
		attempt(1, "a", 0, false), attempt(1, "a", 1, false), attempt(1, "a", 0, false),
		attempt(1, "b", 1, false),
		attempt(2, "x", 1, true), attempt(2, "why", 0, true),
	}
	tests := []struct {
		name       string
		st         store.Settings
		now        time.Time
		wantItem1  float64
		wantItem2  float64
		wantStatus [3]Status
	}{
		{"best", store.Settings{Score: store.ScoreBest, LateCounts: true}, t0, 2, 1,
			[3]Status{StatusDone, StatusDone, StatusNotStarted}},
		// Part a was right once: done under every policy, though "first"
		// and "last" score it 0.
		{"first", store.Settings{Score: store.ScoreFirst, LateCounts: true}, t0, 1, 1,
			[3]Status{StatusDone, StatusDone, StatusNotStarted}},
		{"last", store.Settings{Score: store.ScoreLast, LateCounts: true}, t0, 1, 1,
			[3]Status{StatusDone, StatusDone, StatusNotStarted}},
		{"late does not count", store.Settings{Score: store.ScoreBest, LateCounts: false, DueAt: at(-time.Hour)}, t0, 2, 0,
			[3]Status{StatusDone, StatusLate, StatusLate}},
		{"one attempt allowed", store.Settings{Score: store.ScoreFirst, LateCounts: true, AttemptsAllowed: 1}, t0, 1, 1,
			[3]Status{StatusDone, StatusDone, StatusNotStarted}},
	}
	for _, tt := range tests {
		a := store.Assignment{Settings: tt.st, Items: items}
		p := Summarize(a, parts, attempts, tt.now)
		if got := p.Items[0].Score; got != tt.wantItem1 {
			t.Errorf("%s: item 1 score %v, want %v", tt.name, got, tt.wantItem1)
		}
		if got := p.Items[1].Score; got != tt.wantItem2 {
			t.Errorf("%s: item 2 score %v, want %v", tt.name, got, tt.wantItem2)
		}
		if p.Max != 4 || p.Score != tt.wantItem1+tt.wantItem2 {
			t.Errorf("%s: total %v of %v, want %v of 4", tt.name, p.Score, p.Max, tt.wantItem1+tt.wantItem2)
		}
		for i, want := range tt.wantStatus {
			if got := p.Items[i].Status; got != want {
				t.Errorf("%s: item %d status %s, want %s", tt.name, i+1, got, want)
			}
		}
		pa, _ := p.Items[0].Part("a")
		if pa.Attempts != 3 || pa.Last == nil || pa.Last.Score != 0 || !pa.Solved {
			t.Errorf("%s: part a = %+v, want 3 attempts, last scored 0, solved", tt.name, pa)
		}
		if n := tt.st.AttemptsAllowed; n > 0 && pa.AttemptsLeft != 0 {
			t.Errorf("%s: part a has %d attempts left, want 0", tt.name, pa.AttemptsLeft)
		}
	}
}

// TestSummarizeAgreesWithStore checks the page's score against the
// dashboard's: Summarize and store.PartScores give every part the same
// score under each policy, late work in and out.
func TestSummarizeAgreesWithStore(t *testing.T) {
	ctx := context.Background()
	now := t0
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "i@example.org", Name: "I", Role: store.RoleInstructor})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateCourse(ctx, store.NewCourse{Title: "C", TimeZone: "UTC", CreatedBy: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, late := range []bool{true, false} {
		settings := store.Settings{TimeZone: "UTC", Feedback: store.ShowImmediately, Solutions: store.ShowImmediately,
			Score: store.ScoreBest, LateCounts: late, DueAt: at(time.Hour)}
		a, err := st.CreateAssignment(ctx, store.NewAssignment{CourseID: c.ID, Title: "A", Settings: settings, CreatedBy: u.ID,
			Items: []store.NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedRecitation, Points: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		l, err := st.CreateLearner(ctx, store.NewLearner{CourseID: c.ID, Source: store.SourceSelf, Name: fmt.Sprint("L", late)})
		if err != nil {
			t.Fatal(err)
		}
		now = t0
		for i, sc := range []float64{0, 1, 0.5, 0, 1} {
			if i == 3 {
				now = t0.Add(2 * time.Hour) // the last two are late
			}
			_, _, err := st.RecordAttempt(ctx, store.NewAttempt{LearnerID: l.ID, ItemID: a.Items[0].ID, ExerciseID: "conv-by-hand",
				Part: "p", Answer: "x", Verdict: "incorrect", Score: sc, Source: store.FromPage, IdempotencyKey: fmt.Sprint("k", i)})
			if err != nil {
				t.Fatal(err)
			}
		}
		rows, err := st.PartScores(ctx, a.ID)
		if err != nil || len(rows) != 1 {
			t.Fatalf("part scores: %v, %v", rows, err)
		}
		attempts, err := LearnerAttempts(ctx, st, l.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, pol := range []store.ScorePolicy{store.ScoreBest, store.ScoreFirst, store.ScoreLast} {
			a.Settings.Score = pol
			p := Summarize(a, map[int64][]PartInfo{a.Items[0].ID: {{ID: "p", Scored: true}}}, attempts, now)
			if got, want := p.Items[0].Parts[0].Score, rows[0].Score(pol); got != want {
				t.Errorf("late counts %v, policy %s: page score %v, store %v", late, pol, got, want)
			}
		}
	}
}

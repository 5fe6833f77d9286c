package dashboard

import (
	"math"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want float64
		ok   bool
	}{
		{"empty", nil, 0, false},
		{"one", []float64{7}, 7, true},
		{"odd unsorted", []float64{9, 1, 4}, 4, true},
		{"even: mean of the middle two", []float64{4, 1, 3, 10}, 3.5, true},
		{"ties", []float64{2, 5, 2, 2}, 2, true},
		{"ties across the middle", []float64{1, 3, 3, 8}, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := append([]float64(nil), tc.in...)
			got, ok := Median(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Median(%v) = %v, %v; want %v, %v", orig, got, ok, tc.want, tc.ok)
			}
			for i := range orig {
				if tc.in[i] != orig[i] {
					t.Fatalf("Median reordered its input: %v", tc.in)
				}
			}
		})
	}
}

func TestPointBiserial(t *testing.T) {
	for _, tc := range []struct {
		name    string
		correct []bool
		total   []float64
		want    float64
		ok      bool
	}{
		{"no learners", nil, nil, 0, false},
		{"one learner", []bool{true}, []float64{3}, 0, false},
		{"everyone correct", []bool{true, true, true}, []float64{1, 2, 3}, 0, false},
		{"no one correct", []bool{false, false}, []float64{1, 2}, 0, false},
		{"every total equal", []bool{true, false}, []float64{2, 2}, 0, false},
		{"perfect", []bool{true, false}, []float64{3, 0}, 1, true},
		{"inverse", []bool{true, false}, []float64{0, 3}, -1, true},
		// M1 = 2, M0 = 0, s = √(42/27), p = 2/3: r = 2/√7.
		{"hand computed", []bool{true, true, false}, []float64{3, 1, 0}, 2 / math.Sqrt(7), true},
		// M1 = 3, M0 = 0.5, p = 1/3: r = √(25/28).
		{"hand computed, one correct", []bool{true, false, false}, []float64{3, 1, 0}, math.Sqrt(25.0 / 28), true},
		{"length mismatch", []bool{true, false}, []float64{1}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := PointBiserial(tc.correct, tc.total)
			if ok != tc.ok || math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("PointBiserial = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// The fixture: two items (conv-by-hand parts a and b, 2 points; cnn-shapes
// part x, 1 point) and four learners, the last of whom never started.
var (
	fixItems = []ItemInfo{
		{ID: 10, Position: 0, ExerciseID: "conv-by-hand", Title: "Convolution by hand", Points: 2,
			Parts: []PartRef{{ID: "a", Label: "Cell (1,1)"}, {ID: "b"}}},
		{ID: 20, Position: 1, ExerciseID: "cnn-shapes", Title: "CNN shapes", Points: 1, Parts: []PartRef{{ID: "x"}}},
	}
	fixLearners = []store.Learner{
		{ID: 1, Name: "Ada", RosterID: "s1", Source: store.SourceRoster},
		{ID: 2, Name: "ben", RosterID: "s2", Source: store.SourceRoster},
		{ID: 3, Name: "Cy", Source: store.SourceSelf},
		{ID: 4, Name: "Dee", RosterID: "s4", Source: store.SourceRoster},
	}
	fixT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

type att struct {
	learner, item      int64
	part, verdict      string
	code, read, answer string
	score              float64
	hints              int
	elapsed            time.Duration // 0: unknown
	late               bool
}

func fixAttempts() []att {
	return []att{
		{learner: 1, item: 10, part: "a", verdict: "correct", score: 1, elapsed: 10 * time.Second},
		{learner: 1, item: 10, part: "b", verdict: "incorrect", code: "conv.flipped-kernel", read: "[[1,2],[3,4]]", answer: "1 2; 3 4", elapsed: 20 * time.Second},
		{learner: 1, item: 10, part: "b", verdict: "correct", score: 1},
		{learner: 1, item: 20, part: "x", verdict: "correct", score: 1, elapsed: 30 * time.Second},
		{learner: 2, item: 10, part: "a", verdict: "incorrect", code: "conv.flipped-kernel", read: "5", answer: "5.0", hints: 1, elapsed: 40 * time.Second},
		{learner: 2, item: 10, part: "a", verdict: "incorrect", code: "conv.no-padding", read: "7", answer: "7", hints: 2},
		{learner: 2, item: 10, part: "a", verdict: "correct", score: 1, hints: 2},
		{learner: 3, item: 10, part: "a", verdict: "incorrect", read: "5", answer: "05", elapsed: 5 * time.Second},
		{learner: 3, item: 20, part: "x", verdict: "incorrect", code: "shapes.flatten", read: "12", answer: "12"},
		// At a part the item does not ask: ignored.
		{learner: 3, item: 20, part: "zz", verdict: "incorrect", read: "1", answer: "1"},
		// At an item of another assignment: ignored.
		{learner: 3, item: 99, part: "a", verdict: "incorrect", read: "1", answer: "1"},
	}
}

func toStore(as []att) []store.ReportAttempt {
	out := make([]store.ReportAttempt, len(as))
	for i, a := range as {
		ra := store.ReportAttempt{LearnerID: a.learner, ItemID: a.item, Part: a.part,
			Correct: a.verdict == "correct", Revealed: a.verdict == "solution-shown", Score: a.score, HintsOpened: a.hints, Late: a.late,
			Elapsed: a.elapsed, ElapsedKnown: a.elapsed > 0, CreatedAt: fixT0.Add(time.Duration(i) * time.Minute)}
		if !ra.Correct {
			ra.Answer, ra.ReadAs, ra.DiagnosisCode = a.answer, a.read, a.code
			if a.code != "" {
				ra.DiagnosisMessage = "message of " + a.code
			}
		}
		out[i] = ra
	}
	return out
}

// toAttempts turns the fixture into full attempt records, for the exports.
func toAttempts(as []att) []store.Attempt {
	out := make([]store.Attempt, len(as))
	for i, a := range as {
		sa := store.Attempt{ID: int64(i + 1), LearnerID: a.learner, ItemID: a.item, Late: a.late,
			CreatedAt: fixT0.Add(time.Duration(i) * time.Minute)}
		sa.NewAttempt = store.NewAttempt{LearnerID: a.learner, ItemID: a.item, ExerciseID: "ex", Part: a.part,
			Answer: a.answer, ReadAs: a.read, Verdict: a.verdict, DiagnosisCode: a.code, Score: a.score,
			HintsOpened: a.hints, Source: store.FromPage, IdempotencyKey: "k"}
		if a.code != "" {
			sa.DiagnosisMessage = "message of " + a.code
		}
		if a.elapsed > 0 {
			d := a.elapsed
			sa.Elapsed = &d
		}
		out[i] = sa
	}
	return out
}

func build(t *testing.T, policy store.ScorePolicy, lateCounts bool, as []att) *Report {
	t.Helper()
	b := NewBuilder(Input{Policy: policy, LateCounts: lateCounts, Items: fixItems, Learners: fixLearners})
	for _, a := range toStore(as) {
		b.Add(a)
	}
	return b.Finish()
}

func rowOf(t *testing.T, r *Report, learner int64) Row {
	t.Helper()
	for _, row := range r.Rows {
		if row.Learner.ID == learner {
			return row
		}
	}
	t.Fatalf("no row for learner %d", learner)
	return Row{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestGrid(t *testing.T) {
	for _, tc := range []struct {
		policy store.ScorePolicy
		totals map[int64]float64
		item10 map[int64]float64
	}{
		// Ada: a 1, b best 1 → item 10 = 2, item 20 = 1. Ben: a best 1, b
		// unanswered → 1. Cy: 0.
		{store.ScoreBest, map[int64]float64{1: 3, 2: 1, 3: 0, 4: 0}, map[int64]float64{1: 2, 2: 1, 3: 0, 4: 0}},
		// First: Ada's b was first wrong → (1+0)/2·2 = 1; Ben's a first wrong.
		{store.ScoreFirst, map[int64]float64{1: 2, 2: 0, 3: 0, 4: 0}, map[int64]float64{1: 1, 2: 0, 3: 0, 4: 0}},
		{store.ScoreLast, map[int64]float64{1: 3, 2: 1, 3: 0, 4: 0}, map[int64]float64{1: 2, 2: 1, 3: 0, 4: 0}},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			r := build(t, tc.policy, true, fixAttempts())
			if r.MaxPoints != 3 || r.Started != 3 || len(r.Rows) != 4 {
				t.Fatalf("max %v started %d rows %d; want 3, 3, 4", r.MaxPoints, r.Started, len(r.Rows))
			}
			for id, want := range tc.totals {
				row := rowOf(t, r, id)
				if !near(row.Total, want) || !near(row.Cells[0].Score, tc.item10[id]) {
					t.Errorf("learner %d: total %v item 10 %v; want %v, %v", id, row.Total, row.Cells[0].Score, want, tc.item10[id])
				}
			}
		})
	}
	r := build(t, store.ScoreBest, true, fixAttempts())
	for _, tc := range []struct {
		learner  int64
		item     int
		status   Status
		attempts int
	}{
		{1, 0, Done, 3}, {1, 1, Done, 1},
		{2, 0, Started, 3}, {2, 1, NotStarted, 0},
		// Cy answered item 20 wrong: answered is not finished (the
		// student's own page says "in progress" too).
		{3, 0, Started, 1}, {3, 1, Started, 1},
		{4, 0, NotStarted, 0}, {4, 1, NotStarted, 0},
	} {
		c := rowOf(t, r, tc.learner).Cells[tc.item]
		if c.Status != tc.status || c.Attempts != tc.attempts {
			t.Errorf("learner %d item %d: %v with %d attempts; want %v with %d", tc.learner, tc.item, c.Status, c.Attempts, tc.status, tc.attempts)
		}
	}
	if got := rowOf(t, r, 1).LastAt; !got.Equal(fixT0.Add(3 * time.Minute)) {
		t.Errorf("Ada's last activity %v", got)
	}
	if !rowOf(t, r, 4).LastAt.IsZero() {
		t.Errorf("Dee never started but has a last activity")
	}
	// Columns: completion and median time.
	it10, _ := r.Item(10)
	it20, _ := r.Item(20)
	if it10.Done != 1 || it10.Started != 3 || !near(it10.Completion, 0.25) {
		t.Errorf("item 10: done %d started %d completion %v; want 1, 3, 0.25", it10.Done, it10.Started, it10.Completion)
	}
	if it20.Done != 1 || !near(it20.Completion, 0.25) {
		t.Errorf("item 20: done %d completion %v; want 1, 0.25", it20.Done, it20.Completion)
	}
	// Item 10 times: Ada 10+20 s, Ben 40 s, Cy 5 s → median 30 s.
	if !it10.TimeKnown || it10.MedianTime != 30*time.Second {
		t.Errorf("item 10 median time %v (%v); want 30s", it10.MedianTime, it10.TimeKnown)
	}
	if !it20.TimeKnown || it20.MedianTime != 30*time.Second {
		t.Errorf("item 20 median time %v; want 30s (only Ada's is known)", it20.MedianTime)
	}
	// Histogram: Ada 100 % (last bin), Ben 33 % (30–40), Cy 0 %. Dee did
	// not start and is not in it.
	h := r.Histogram
	if h.Learners != 3 || h.Bins[9].Count != 1 || h.Bins[3].Count != 1 || h.Bins[0].Count != 1 {
		t.Errorf("histogram %+v", h)
	}
}

func TestPartStats(t *testing.T) {
	r := build(t, store.ScoreBest, true, fixAttempts())
	a, ok := r.Part(10, "a")
	if !ok {
		t.Fatal("no stats for part a")
	}
	if a.Learners != 3 || a.FirstCorrect != 1 || a.EventualCorrect != 2 {
		t.Errorf("part a: learners %d first %d eventual %d; want 3, 1, 2", a.Learners, a.FirstCorrect, a.EventualCorrect)
	}
	if !near(a.FirstCorrectShare, 1.0/3) || !near(a.EventualShare, 2.0/3) {
		t.Errorf("part a shares %v %v", a.FirstCorrectShare, a.EventualShare)
	}
	// Ada right at 1, Ben at 3: median and mean 2.
	if a.AttemptsToCorrectMedian != 2 || a.AttemptsToCorrectMean != 2 {
		t.Errorf("attempts to correct median %v mean %v; want 2, 2", a.AttemptsToCorrectMedian, a.AttemptsToCorrectMean)
	}
	// First-answer times 10, 40, 5 s.
	if !a.TimeKnown || a.MedianTime != 10*time.Second {
		t.Errorf("median time %v", a.MedianTime)
	}
	// Hints: 0, 2, 0.
	if !near(a.HintsMean, 2.0/3) || a.HintsAny != 1 {
		t.Errorf("hints mean %v any %d", a.HintsMean, a.HintsAny)
	}
	// Correct: Ada, Ben; totals 3, 1, 0 (Dee did not start) → 2/√7.
	if !a.DiscriminationOK || !near(a.Discrimination, 2/math.Sqrt(7)) {
		t.Errorf("discrimination %v (%v); want %v", a.Discrimination, a.DiscriminationOK, 2/math.Sqrt(7))
	}
	if a.Attempts != 5 || a.WrongAnswers != 3 {
		t.Errorf("attempts %d wrong %d; want 5, 3", a.Attempts, a.WrongAnswers)
	}
	wantM := []Mistake{
		{Code: "conv.flipped-kernel", Message: "message of conv.flipped-kernel", Count: 1, Share: 1.0 / 3},
		{Code: "conv.no-padding", Message: "message of conv.no-padding", Count: 1, Share: 1.0 / 3},
		{Code: "", Count: 1, Share: 1.0 / 3}, // undiagnosed last among ties
	}
	if len(a.Mistakes) != len(wantM) {
		t.Fatalf("mistakes %+v", a.Mistakes)
	}
	for i, m := range a.Mistakes {
		w := wantM[i]
		if m.Code != w.Code || m.Message != w.Message || m.Count != w.Count || !near(m.Share, w.Share) {
			t.Errorf("mistake %d = %+v; want %+v", i, m, w)
		}
	}
	// "5.0" and "05" were both read as 5.
	if len(a.CommonWrong) != 2 || a.CommonWrong[0].ReadAs != "5" || a.CommonWrong[0].Count != 2 ||
		a.CommonWrong[0].Example != "5.0" || a.CommonWrong[0].Code != "conv.flipped-kernel" ||
		a.CommonWrong[1].ReadAs != "7" || a.CommonWrong[1].Count != 1 || a.DistinctWrong != 2 {
		t.Errorf("common wrong answers %+v", a.CommonWrong)
	}
	b, _ := r.Part(10, "b")
	// Only Ada, right at her second attempt; correct: Ada → √(25/28).
	if b.Learners != 1 || b.FirstCorrect != 0 || b.EventualCorrect != 1 || b.AttemptsToCorrectMedian != 2 {
		t.Errorf("part b %+v", b)
	}
	if !b.DiscriminationOK || !near(b.Discrimination, math.Sqrt(25.0/28)) {
		t.Errorf("part b discrimination %v", b.Discrimination)
	}
	if b.Part.Label != "b" {
		t.Errorf("a part without a label is labelled %q, want its id", b.Part.Label)
	}
	if _, ok := r.Part(20, "zz"); ok {
		t.Errorf("a part the item does not ask has statistics")
	}
	// Assignment-wide: 5 wrong answers, flipped kernel twice.
	if r.WrongAnswers != 5 || r.Mistakes[0].Code != "conv.flipped-kernel" || r.Mistakes[0].Count != 2 || !near(r.Mistakes[0].Share, 0.4) {
		t.Errorf("assignment mistakes %d %+v", r.WrongAnswers, r.Mistakes)
	}
}

func TestNoAttempts(t *testing.T) {
	r := build(t, store.ScoreBest, true, nil)
	if r.Started != 0 || r.Attempts != 0 || r.WrongAnswers != 0 || len(r.Mistakes) != 0 || r.Histogram.Learners != 0 {
		t.Errorf("empty report %+v", r)
	}
	a, ok := r.Part(10, "a")
	if !ok || a.Learners != 0 || a.FirstCorrectShare != 0 || a.TimeKnown || a.DiscriminationOK || len(a.CommonWrong) != 0 {
		t.Errorf("part a with no attempts %+v", a)
	}
	it, _ := r.Item(10)
	if it.Completion != 0 || it.TimeKnown {
		t.Errorf("item with no attempts %+v", it)
	}
	// Charts of nothing still lay out (no division by zero).
	c := HistogramChart(r.Histogram)
	for _, bar := range c.Bars {
		if bar.H != 0 || math.IsNaN(bar.Y) {
			t.Errorf("bar %+v", bar)
		}
	}
	if mc := MistakeChart(nil, 0); len(mc.Bars) != 0 || mc.Height <= 0 {
		t.Errorf("empty mistake chart %+v", mc)
	}
}

func TestLateWork(t *testing.T) {
	as := []att{
		{learner: 1, item: 20, part: "x", verdict: "incorrect", read: "1", answer: "1"},
		{learner: 1, item: 20, part: "x", verdict: "correct", score: 1, late: true},
		{learner: 2, item: 20, part: "x", verdict: "correct", score: 1, late: true},
	}
	for _, tc := range []struct {
		lateCounts bool
		ada, ben   float64
		learners   int
	}{{true, 1, 1, 2}, {false, 0, 0, 1}} {
		r := build(t, store.ScoreBest, tc.lateCounts, as)
		ada, ben := rowOf(t, r, 1), rowOf(t, r, 2)
		if ada.Total != tc.ada || ben.Total != tc.ben {
			t.Errorf("late counts %v: totals %v %v; want %v %v", tc.lateCounts, ada.Total, ben.Total, tc.ada, tc.ben)
		}
		// Late or not, the attempts are there; a late right answer
		// finishes the part only when late work counts.
		wantStatus := Started
		if tc.lateCounts {
			wantStatus = Done
		}
		if ben.Cells[1].Attempts != 1 || ben.Cells[1].Status != wantStatus || !ben.Cells[1].Late || ada.Cells[1].Late {
			t.Errorf("late counts %v: cells %+v %+v", tc.lateCounts, ada.Cells[1], ben.Cells[1])
		}
		if p, _ := r.Part(20, "x"); p.Learners != tc.learners {
			t.Errorf("late counts %v: %d learners in the part's statistics, want %d", tc.lateCounts, p.Learners, tc.learners)
		}
	}
}

func TestUndeclaredParts(t *testing.T) {
	// An item whose exercise is unknown lists the parts its attempts name.
	b := NewBuilder(Input{Policy: store.ScoreBest, Items: []ItemInfo{{ID: 5, ExerciseID: "gone", Points: 1}},
		Learners: fixLearners[:1]})
	for _, a := range toStore([]att{
		{learner: 1, item: 5, part: "q2", verdict: "correct", score: 1},
		{learner: 1, item: 5, part: "q1", verdict: "incorrect"},
		{learner: 7, item: 5, part: "q1", verdict: "correct", score: 1},
	}) {
		b.Add(a)
	}
	r := b.Finish()
	it, _ := r.Item(5)
	if len(it.Parts) != 2 || it.Parts[0].ID != "q2" || it.Parts[1].ID != "q1" {
		t.Errorf("parts %+v", it.Parts)
	}
	if row := rowOf(t, r, 1); !near(row.Total, 0.5) || row.Cells[0].Status != Started {
		t.Errorf("row %+v", row)
	}
	// A learner who is not in the list (joined after it was read) gets a row.
	if row := rowOf(t, r, 7); row.Learner.Name != "Learner 7" || !near(row.Total, 0.5) {
		t.Errorf("unlisted learner row %+v", row)
	}
}

func TestSort(t *testing.T) {
	r := build(t, store.ScoreBest, true, fixAttempts())
	names := func() []string {
		var out []string
		for _, row := range r.Rows {
			out = append(out, row.Learner.Name)
		}
		return out
	}
	for _, tc := range []struct {
		param string
		want  []string
	}{
		{"", []string{"Ada", "ben", "Cy", "Dee"}}, // case-insensitive
		{"-name", []string{"Dee", "Cy", "ben", "Ada"}},
		{"-total", []string{"Ada", "ben", "Cy", "Dee"}},
		// Cy and Dee tie at 0: by name whatever the direction.
		{"total", []string{"Cy", "Dee", "ben", "Ada"}},
		{"attempts", []string{"Dee", "Cy", "ben", "Ada"}}, // 0, 2, 3, 4
		{"-last", []string{"Cy", "ben", "Ada", "Dee"}},
		// Item 20: Ada 1, then Cy (0, done) before Ben and Dee (0, not started).
		{"-item-20", []string{"Ada", "Cy", "ben", "Dee"}},
	} {
		t.Run(tc.param, func(t *testing.T) {
			k, err := ParseSort(tc.param, r.Items)
			if err != nil {
				t.Fatal(err)
			}
			r.Sort(k)
			if got := names(); !equal(got, tc.want) {
				t.Errorf("sort %q: %v; want %v", tc.param, got, tc.want)
			}
			if tc.param != "" && k.String() != tc.param {
				t.Errorf("key %q prints as %q", tc.param, k.String())
			}
		})
	}
	for _, bad := range []string{"item-7", "item-x", "score", "--name", "item-", "-", "item-+10", "item-010", " name"} {
		if _, err := ParseSort(bad, r.Items); err == nil {
			t.Errorf("sort %q accepted", bad)
		}
	}
	k := SortKey{Column: SortTotal, Desc: true}
	if got := k.Toggle(SortTotal, 0); got.Desc {
		t.Errorf("toggling the current column keeps its direction")
	}
	if got := k.Toggle(SortName, 0); got.Desc || got.Column != SortName {
		t.Errorf("a new name column sorts %+v", got)
	}
	if got := k.Toggle(SortItem, 20); !got.Desc || got.ItemID != 20 {
		t.Errorf("a new item column sorts %+v", got)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCharts(t *testing.T) {
	h := Histogram{Learners: 3, Bins: make([]Bin, 10)}
	h.Bins[0].Count, h.Bins[9].Count = 1, 2
	c := HistogramChart(h)
	if len(c.Bars) != 10 {
		t.Fatalf("%d bars", len(c.Bars))
	}
	full := c.Bars[9].H
	if full <= 0 || !near(c.Bars[0].H, full/2) || c.Bars[5].H != 0 || !near(c.Bars[9].Y+full, c.Baseline) {
		t.Errorf("bars %+v", c.Bars)
	}
	if c.Bars[9].Value != "2" {
		t.Errorf("value %q", c.Bars[9].Value)
	}
	ms := make([]Mistake, 12)
	for i := range ms {
		ms[i] = Mistake{Code: "c", Count: 12 - i, Share: float64(12-i) / 78}
	}
	ms[11].Code = ""
	mc := MistakeChart(ms, 78)
	if len(mc.Bars) != MaxChartBars || mc.Bars[0].W <= mc.Bars[1].W || mc.Bars[0].Value != "12 (15%)" {
		t.Errorf("mistake chart %+v", mc.Bars[:2])
	}
}

// TestRevealsAreNotWrongAnswers is a regression test: a "show the worked
// solution" request is recorded with verdict solution-shown, and the fold
// counted it as a wrong answer, so reveals filled the mistake table with
// empty answers.
func TestRevealsAreNotWrongAnswers(t *testing.T) {
	b := NewBuilder(Input{Policy: store.ScoreBest, Items: []ItemInfo{{ID: 5, ExerciseID: "x", Points: 1, Parts: []PartRef{{ID: "q"}}}},
		Learners: fixLearners[:2]})
	for _, a := range toStore([]att{
		{learner: 1, item: 5, part: "q", verdict: "incorrect", answer: "7", read: "7", code: "conv.flipped-kernel"},
		{learner: 1, item: 5, part: "q", verdict: "solution-shown"},
		{learner: 2, item: 5, part: "q", verdict: "solution-shown"},
	}) {
		b.Add(a)
	}
	r := b.Finish()
	ps, ok := r.Part(5, "q")
	if !ok {
		t.Fatal("no part q")
	}
	if ps.WrongAnswers != 1 || ps.SolutionsShown != 2 {
		t.Errorf("wrong answers %d, solutions shown %d; want 1 and 2", ps.WrongAnswers, ps.SolutionsShown)
	}
	if len(ps.Mistakes) != 1 || ps.Mistakes[0].Code != "conv.flipped-kernel" || ps.Mistakes[0].Count != 1 {
		t.Errorf("mistakes %+v", ps.Mistakes)
	}
	if len(ps.CommonWrong) != 1 || ps.CommonWrong[0].ReadAs != "7" {
		t.Errorf("common wrong answers %+v, want only the answer 7", ps.CommonWrong)
	}
}

package live

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// bareHub is a hub with no manager or database: enough for recordLocked
// and countsLocked (the current question is item 0).
func bareHub() *Hub {
	return &Hub{parts: map[int]map[string]*partCounts{}, joined: map[int64]bool{}}
}

// wrongAns is an incorrect answer of item 0, part "out".
func wrongAns(learner int64, diagnosis, text string) Answer {
	return Answer{Learner: learner, Part: "out", Verdict: "incorrect", Diagnosis: diagnosis, Text: text}
}

// checkPart asserts that c has exactly one part, equal to want.
func checkPart(t *testing.T, what string, c Counts, want PartCounts) {
	t.Helper()
	if len(c.Parts) != 1 {
		t.Fatalf("%s: %d parts, want 1: %+v", what, len(c.Parts), c)
	}
	gb, _ := json.Marshal(c.Parts[0])
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("%s: part\n got  %s\n want %s", what, gb, wb)
	}
}

// issueExample is the issue's room: 12 correct, 9 flipped the kernel, 4
// forgot the padding, 3 other (a wrong answer with no diagnosis code).
type issueAnswer struct {
	n                       int
	verdict, diagnosis, txt string
}

var issueExample = []issueAnswer{
	{12, "correct", "", "3 3"},
	{6, "incorrect", "flipped-kernel", "1 2"},
	{3, "incorrect", "flipped-kernel", "2 1"},
	{4, "incorrect", "forgot-padding", "3"},
	{2, "incorrect", "", "9"},
	{1, "incorrect", "", "x"},
}

var issueExamplePart = PartCounts{Part: "out", Answered: 28, Correct: 12,
	Histogram: []Bucket{{"correct", 12}, {"flipped-kernel", 9}, {"forgot-padding", 4}, {BucketOther, 3}},
	Wrong:     []WrongAnswer{{"1 2", 6}, {"3", 4}, {"2 1", 3}, {"9", 2}, {"x", 1}}}

// TestCountsHistogramIssueExample: the issue's room, answered through
// Record and rebuilt from the attempt record after a restart. Wrong
// answers with no diagnosis code are the "other" bar.
func TestCountsHistogramIssueExample(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 1)
	m := e.manager(e.st, NewLocalBus(), Config{})
	h := e.hub(m)
	var answers []Answer
	for _, a := range issueExample {
		for range a.n {
			answers = append(answers, e.answer(e.learner(), 0, "out", a.verdict, a.diagnosis, a.txt))
		}
	}
	h.Record(bg, answers)
	check := func(what string, c Counts) {
		t.Helper()
		if c.Joined != 28 || c.Answered != 28 || c.Correct != 12 {
			t.Errorf("%s: joined %d answered %d correct %d, want 28 28 12", what, c.Joined, c.Answered, c.Correct)
		}
		checkPart(t, what, c, issueExamplePart)
	}
	check("live", h.Counts())
	m.Close()
	check("after a restart", e.hub(e.manager(e.st, NewLocalBus(), Config{})).Counts())
}

// TestHistogramBuckets: the bars and their order — correct first, then
// diagnosis codes by count (ties by code), "other" last whatever its
// count.
func TestHistogramBuckets(t *testing.T) {
	type ans struct {
		n                  int
		verdict, diagnosis string
	}
	cases := []struct {
		name    string
		answers []ans
		want    []Bucket
	}{
		{"issue example", []ans{{3, "incorrect", ""}, {4, "incorrect", "forgot-padding"}, {12, "correct", ""}, {9, "incorrect", "flipped-kernel"}},
			[]Bucket{{"correct", 12}, {"flipped-kernel", 9}, {"forgot-padding", 4}, {"other", 3}}},
		{"no diagnosis is other", []ans{{2, "incorrect", ""}},
			[]Bucket{{"other", 2}}},
		{"other last even when largest", []ans{{5, "incorrect", ""}, {1, "correct", ""}, {2, "incorrect", "flipped-kernel"}},
			[]Bucket{{"correct", 1}, {"flipped-kernel", 2}, {"other", 5}}},
		{"other last, before codes that sort after it", []ans{{1, "incorrect", "wrong-sign"}, {2, "incorrect", ""}},
			[]Bucket{{"wrong-sign", 1}, {"other", 2}}},
		{"correct first even when smallest; ties by code", []ans{{2, "incorrect", "zeta"}, {2, "incorrect", "alpha"}, {1, "correct", ""}, {3, "incorrect", "mid"}},
			[]Bucket{{"correct", 1}, {"mid", 3}, {"alpha", 2}, {"zeta", 2}}},
		{"a correct answer's diagnosis is ignored", []ans{{2, "correct", "flipped-kernel"}},
			[]Bucket{{"correct", 2}}},
		{"other verdicts are not counted", []ans{{1, "invalid", ""}, {1, "unchecked", "x"}, {1, "incorrect", "x"}},
			[]Bucket{{"x", 1}}},
	}
	for _, tc := range cases {
		h := bareHub()
		var l int64
		for _, a := range tc.answers {
			for range a.n {
				l++
				h.recordLocked(Answer{Learner: l, Part: "out", Verdict: a.verdict, Diagnosis: a.diagnosis, Text: "t"})
			}
		}
		c := h.countsLocked()
		if len(c.Parts) != 1 {
			t.Errorf("%s: parts %+v", tc.name, c.Parts)
			continue
		}
		gb, _ := json.Marshal(c.Parts[0].Histogram)
		wb, _ := json.Marshal(tc.want)
		if string(gb) != string(wb) {
			t.Errorf("%s: histogram %s, want %s", tc.name, gb, wb)
		}
	}
}

// TestWrongAnswersTop: the most common wrong answers are cut to topWrong
// (5, docs/LIVE.md), by count, ties by text; their text is clipped to
// maxAnswerKey (80) bytes.
func TestWrongAnswersTop(t *testing.T) {
	if topWrong != 5 || maxAnswerKey != 80 {
		t.Fatalf("topWrong %d, maxAnswerKey %d: docs/LIVE.md says 5 and 80", topWrong, maxAnswerKey)
	}
	h := bareHub()
	var l int64
	// Recorded so neither insertion order nor reverse order is the
	// answer; c, d, e and f tie across the cut.
	for _, w := range []struct {
		text string
		n    int
	}{{"g", 1}, {"f", 2}, {"b", 3}, {"e", 2}, {"a", 3}, {"d", 2}, {"c", 2}} {
		for range w.n {
			l++
			h.recordLocked(wrongAns(l, "", w.text))
		}
	}
	want := []WrongAnswer{{"a", 3}, {"b", 3}, {"c", 2}, {"d", 2}, {"e", 2}}
	checkPart(t, "top 5", h.countsLocked(), PartCounts{Part: "out", Answered: 15,
		Histogram: []Bucket{{"other", 15}}, Wrong: want})

	// Wrong answers with a diagnosis are listed too; long ones clipped,
	// and two that differ after 80 bytes are one.
	h = bareHub()
	long := strings.Repeat("7", 80)
	h.recordLocked(wrongAns(1, "flipped-kernel", long+"0 tail one"))
	h.recordLocked(wrongAns(2, "flipped-kernel", long+"1 tail two"))
	h.recordLocked(wrongAns(3, "flipped-kernel", long))
	checkPart(t, "clipped", h.countsLocked(), PartCounts{Part: "out", Answered: 3,
		Histogram: []Bucket{{"flipped-kernel", 3}}, Wrong: []WrongAnswer{{long + "…", 2}, {long, 1}}})
}

// TestWrongAnswersDistinctCap: at most maxWrongAnswers (200) distinct
// wrong texts are kept per part; further distinct ones count as
// "(other)", so the map stops growing. Texts already kept still count.
func TestWrongAnswersDistinctCap(t *testing.T) {
	if maxWrongAnswers != 200 {
		t.Fatalf("maxWrongAnswers %d: docs/LIVE.md says 200", maxWrongAnswers)
	}
	h := bareHub()
	pc := func() *partCounts { return h.parts[0]["out"] }
	var l int64
	for i := range 200 {
		l++
		h.recordLocked(wrongAns(l, "", fmt.Sprintf("w%03d", i)))
	}
	if n := len(pc().wrong); n != 200 || pc().wrong["(other)"] != 0 {
		t.Fatalf("200 distinct: %d kept, (other) %d; want 200, 0", n, pc().wrong["(other)"])
	}
	l++
	h.recordLocked(wrongAns(l, "", "w000")) // kept already: counted as itself
	for i := range 300 {
		l++
		h.recordLocked(wrongAns(l, "flipped-kernel", fmt.Sprintf("n%03d", i)))
	}
	if n := len(pc().wrong); n != 201 {
		t.Errorf("after 500 distinct: %d texts kept, want 201 (200 and (other))", n)
	}
	if pc().wrong["w000"] != 2 || pc().wrong["(other)"] != 300 || pc().wrong["n000"] != 0 {
		t.Errorf("w000 %d, (other) %d, n000 %d; want 2, 300, 0", pc().wrong["w000"], pc().wrong["(other)"], pc().wrong["n000"])
	}
	checkPart(t, "capped", h.countsLocked(), PartCounts{Part: "out", Answered: 501,
		Histogram: []Bucket{{"flipped-kernel", 300}, {"other", 201}},
		Wrong:     []WrongAnswer{{"(other)", 300}, {"w000", 2}, {"w001", 1}, {"w002", 1}, {"w003", 1}}})

	// A learner counted as "(other)" who answers again leaves it; one
	// whose text was kept and who now gives a new text joins "(other)"
	// (the cap still holds).
	h.recordLocked(Answer{Learner: 202, Part: "out", Verdict: "correct", Text: "3 3"})
	h.recordLocked(wrongAns(1, "", "brand new")) // was w000
	if n := len(pc().wrong); n != 201 {
		t.Errorf("after answering again: %d texts kept, want 201", n)
	}
	if pc().wrong["(other)"] != 300 || pc().wrong["w000"] != 1 || pc().wrong["brand new"] != 0 {
		t.Errorf("after answering again: (other) %d, w000 %d, brand new %d; want 300, 1, 0",
			pc().wrong["(other)"], pc().wrong["w000"], pc().wrong["brand new"])
	}
}

// TestReanswerReplaces: a learner's new answer replaces their earlier one
// in the counts (the old wrong text's count goes down, and it leaves the
// list at zero), live and when rebuilt from the attempt record.
func TestReanswerReplaces(t *testing.T) {
	e := newEnv(t, sqliteConfig(t), 1)
	m := e.manager(e.st, NewLocalBus(), Config{})
	h := e.hub(m)
	l1, l2, l3 := e.learner(), e.learner(), e.learner()
	steps := []struct {
		what    string
		answers []Answer
		want    PartCounts
	}{
		{"three flipped", []Answer{
			e.answer(l1, 0, "out", "incorrect", "flipped-kernel", "1 2"),
			e.answer(l2, 0, "out", "incorrect", "flipped-kernel", "1 2"),
			e.answer(l3, 0, "out", "incorrect", "flipped-kernel", "1 2")},
			PartCounts{Part: "out", Answered: 3, Histogram: []Bucket{{"flipped-kernel", 3}}, Wrong: []WrongAnswer{{"1 2", 3}}}},
		{"l1 to another wrong answer", []Answer{e.answer(l1, 0, "out", "incorrect", "", "2 1")},
			PartCounts{Part: "out", Answered: 3, Histogram: []Bucket{{"flipped-kernel", 2}, {"other", 1}},
				Wrong: []WrongAnswer{{"1 2", 2}, {"2 1", 1}}}},
		{"l2 correct", []Answer{e.answer(l2, 0, "out", "correct", "", "3 3")},
			PartCounts{Part: "out", Answered: 3, Correct: 1, Histogram: []Bucket{{"correct", 1}, {"flipped-kernel", 1}, {"other", 1}},
				Wrong: []WrongAnswer{{"1 2", 1}, {"2 1", 1}}}},
		{"l3 the same again", []Answer{e.answer(l3, 0, "out", "incorrect", "flipped-kernel", "1 2")},
			PartCounts{Part: "out", Answered: 3, Correct: 1, Histogram: []Bucket{{"correct", 1}, {"flipped-kernel", 1}, {"other", 1}},
				Wrong: []WrongAnswer{{"1 2", 1}, {"2 1", 1}}}},
		{"l1 invalid: not an attempt, keeps their last", []Answer{{Learner: l1, Part: "out", Verdict: "invalid", Text: "?"}},
			PartCounts{Part: "out", Answered: 3, Correct: 1, Histogram: []Bucket{{"correct", 1}, {"flipped-kernel", 1}, {"other", 1}},
				Wrong: []WrongAnswer{{"1 2", 1}, {"2 1", 1}}}},
		{"l3 correct: 1 2 leaves the list", []Answer{e.answer(l3, 0, "out", "correct", "", "3 3")},
			PartCounts{Part: "out", Answered: 3, Correct: 2, Histogram: []Bucket{{"correct", 2}, {"other", 1}},
				Wrong: []WrongAnswer{{"2 1", 1}}}},
		{"l2 wrong with an empty text", []Answer{e.answer(l2, 0, "out", "incorrect", "", "")},
			PartCounts{Part: "out", Answered: 3, Correct: 1, Histogram: []Bucket{{"correct", 1}, {"other", 2}},
				Wrong: []WrongAnswer{{"", 1}, {"2 1", 1}}}},
		{"l2 correct again: the empty text leaves the list", []Answer{e.answer(l2, 0, "out", "correct", "", "3 3")},
			PartCounts{Part: "out", Answered: 3, Correct: 2, Histogram: []Bucket{{"correct", 2}, {"other", 1}},
				Wrong: []WrongAnswer{{"2 1", 1}}}},
	}
	var last PartCounts
	for _, s := range steps {
		h.Record(bg, s.answers)
		checkPart(t, s.what, h.Counts(), s.want)
		last = s.want
	}
	m.Close()
	checkPart(t, "after a restart", e.hub(e.manager(e.st, NewLocalBus(), Config{})).Counts(), last)
}

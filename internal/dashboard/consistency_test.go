package dashboard

import (
	"fmt"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/store"
)

// TestSameRuleAsStudentProgress: the dashboard's grid and the student's own
// progress (courses.Summarize, behind "my assignments") agree on every
// learner's item score and on whether the item is done, for an item with a
// scored part and a self-check part, with and without an attempt limit.
// A self-check part is done once answered and never scored.
func TestSameRuleAsStudentProgress(t *testing.T) {
	type try struct {
		part  string
		score float64
	}
	learners := map[int64][]try{
		1: {{"calc", 1}, {"explain", 0}},              // everything
		2: {{"calc", 1}},                              // the scored part only
		3: {{"explain", 0}},                           // the self-check only
		4: {{"calc", 0}, {"calc", 0}, {"explain", 0}}, // out of attempts at a limit of 2
		5: {{"calc", 0}},                              // one wrong answer
		6: {{"calc", 0.5}, {"calc", 1}, {"explain", 0}},
		7: nil,
	}
	for _, limit := range []int{0, 2} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			settings := store.Settings{TimeZone: "UTC", Score: store.ScoreBest, LateCounts: true, AttemptsAllowed: limit}
			item := store.Item{ID: 1, ExerciseID: "concept", Points: 2}
			a := store.Assignment{ID: 9, Settings: settings, Items: []store.Item{item}}
			var ls []store.Learner
			for id := range int64(len(learners)) {
				ls = append(ls, store.Learner{ID: id + 1, Name: fmt.Sprint("L", id+1)})
			}
			b := NewBuilder(Input{Policy: settings.Score, LateCounts: true, AttemptsAllowed: limit, Learners: ls,
				Items: []ItemInfo{{ID: 1, ExerciseID: "concept", Points: 2,
					Parts: []PartRef{{ID: "calc"}, {ID: "explain", SelfCheck: true}}}}})
			perLearner := map[int64][]store.Attempt{}
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			for id := int64(1); id <= int64(len(learners)); id++ {
				for _, tr := range learners[id] {
					at = at.Add(time.Minute)
					verdict := "incorrect"
					switch {
					case tr.part == "explain":
						verdict = "revealed"
					case tr.score >= 1:
						verdict = "correct"
					}
					b.Add(store.ReportAttempt{LearnerID: id, ItemID: 1, Part: tr.part, Correct: verdict == "correct", Score: tr.score, CreatedAt: at})
					perLearner[id] = append(perLearner[id], store.Attempt{LearnerID: id, ItemID: 1, CreatedAt: at,
						NewAttempt: store.NewAttempt{LearnerID: id, ItemID: 1, Part: tr.part, Verdict: verdict, Score: tr.score}})
				}
			}
			r := b.Finish()
			parts := map[int64][]courses.PartInfo{1: {{ID: "calc", Scored: true}, {ID: "explain", Scored: false}}}
			for id := int64(1); id <= int64(len(learners)); id++ {
				mine := courses.Summarize(a, parts, perLearner[id], at)
				cell := rowOf(t, r, id).Cells[0]
				ip := mine.Items[0]
				if !near(cell.Score, ip.Score) {
					t.Errorf("learner %d: dashboard score %v, the student's page %v", id, cell.Score, ip.Score)
				}
				if (cell.Status == Done) != (ip.Status == courses.StatusDone) {
					t.Errorf("learner %d: dashboard %v, the student's page %v", id, cell.Status, ip.Status)
				}
			}
			// The rule itself, spelled out for two learners.
			if c := rowOf(t, r, 2).Cells[0]; !near(c.Score, 2) || c.Status != Started {
				t.Errorf("the scored part right, the self-check unanswered: %+v; want 2 points, started", c)
			}
			if c := rowOf(t, r, 4).Cells[0]; (c.Status == Done) != (limit == 2) {
				t.Errorf("two wrong answers at limit %d: %v", limit, c.Status)
			}
		})
	}
}

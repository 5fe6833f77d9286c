package exercises

import (
	"strings"
	"testing"
)

// checkAll checks answers at seed 0 of an exercise.
func checkAll(t *testing.T, id string, answers map[string]string) Result {
	t.Helper()
	ex, _ := NewCatalog().Lookup(id)
	v, err := ex.Variant(0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Check(answers)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCarriedForwardCredit(t *testing.T) {
	cases := []struct {
		name     string
		exercise string
		answers  map[string]string
		part     string
		carried  bool
		score    float64
		phrase   string
	}{
		{
			// 10404 forgets the conv biases; 405038 adds it to the right fc count.
			name: "total from a wrong conv count", exercise: "cnn-parameters",
			answers: map[string]string{"conv-params": "10404", "fc-params": "394634", "total": "405038"},
			part:    "total", carried: true, score: 2, phrase: "10404 + 394634 = 405038",
		},
		{
			name: "a wrong total that is not the sum", exercise: "cnn-parameters",
			answers: map[string]string{"conv-params": "10404", "fc-params": "394634", "total": "405039"},
			part:    "total", carried: false, score: 1,
		},
		{
			// Nothing to carry from: both counts right, the total wrong.
			name: "right counts, wrong total", exercise: "cnn-parameters",
			answers: map[string]string{"conv-params": "10416", "fc-params": "394634", "total": "405038"},
			part:    "total", carried: false, score: 2,
		},
		{
			// 10404 / 405038 = 2.5686 %.
			name: "share from wrong counts", exercise: "cnn-parameters",
			answers: map[string]string{"conv-params": "10404", "fc-params": "394634", "total": "405038", "conv-share": "2.57%"},
			part:    "conv-share", carried: false, score: 3, // 2.57 % is also right for the true share
		},
		{
			// 1 bias: 10405; share 10405 / 405039 = 2.5689 %, right anyway;
			// fc share from the student's numbers: 394634 / 405039 = 97.43 %.
			name: "fc share from the student's total", exercise: "cnn-parameters",
			answers: map[string]string{"fc-params": "300000", "total": "310416", "fc-share": "96.64%"},
			part:    "fc-share", carried: true, score: 1, phrase: "300000 / 310416",
		},
		{
			// Shape table: max-pool wrong (3@63×63), conv from it: 63 − 17 + 1 = 47.
			name: "shape row from a wrong row above", exercise: "cnn-shape-table",
			answers: map[string]string{"maxpool-1": "3@63x63", "conv": "12@47x47"},
			part:    "conv", carried: true, score: 1, phrase: "from your row above, 3@63×63",
		},
		{
			// Symbolic attention: one projection without bias, block 3 h times it.
			name: "block from a wrong projection count", exercise: "attention-parameters",
			answers: map[string]string{"params-per-matrix": "d_k d_model", "block-params": "3 h d_k d_model"},
			part:    "block-params", carried: true, score: 1, phrase: "Full credit",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := checkAll(t, tc.exercise, tc.answers)
			vd := res.Parts[tc.part]
			if vd.Consistent != tc.carried || (tc.carried && vd.Credit != 1) {
				t.Errorf("%s: consistent %v credit %v (%s), want carried %v", tc.part, vd.Consistent, vd.Credit, vd.Feedback, tc.carried)
			}
			if tc.carried && (!strings.Contains(vd.Feedback, tc.phrase) || !strings.Contains(vd.Feedback, "Full credit")) {
				t.Errorf("feedback %q lacks %q", vd.Feedback, tc.phrase)
			}
			if res.Score != tc.score {
				t.Errorf("score %v, want %v", res.Score, tc.score)
			}
		})
	}
}

// TestCarriedFeedbackNamesNoAnswer: the follow-through message says what was
// credited and where the slip is, never the right value of the row.
func TestCarriedFeedbackNamesNoAnswer(t *testing.T) {
	res := checkAll(t, "cnn-shape-table", map[string]string{"maxpool-1": "3@63x63", "conv": "12@47x47"})
	fb := res.Parts["conv"].Feedback
	if strings.Contains(fb, "48") || strings.Contains(fb, "should be") {
		t.Errorf("follow-through gives the conv row away: %q", fb)
	}
	if res.Carried != 1 || res.Correct != 0 {
		t.Errorf("correct %d carried %d", res.Correct, res.Carried)
	}
}

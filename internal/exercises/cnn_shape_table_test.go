package exercises

import (
	"testing"
)

func TestCNNShapeTableRecitation(t *testing.T) {
	v := variant(t, "cnn-shape-table", 0)
	want := map[string]string{
		"maxpool-1": "3@64x64", "conv": "12@48×48", "maxpool-2": "12@16x16", "flatten": "3072",
		"fc-1": "128", "relu": "128", "fc-2": "10", "softmax": "10",
	}
	answers := map[string]string{}
	for id, text := range want {
		answers[id] = text
	}
	res, err := v.Check(answers)
	if err != nil {
		t.Fatal(err)
	}
	if res.Score != 8 || res.Max != 8 {
		t.Fatalf("score %v/%d: %+v", res.Score, res.Max, res.Parts)
	}
	for _, alt := range []string{"12 x 48 x 48", "(12, 48, 48)", "[12, 48, 48]"} {
		if vd := checkPart(t, v, "conv", alt); vd.Status != StatusCorrect {
			t.Errorf("%q: %s", alt, vd.Status)
		}
	}
}

func TestCNNShapeTableDiagnoses(t *testing.T) {
	v := variant(t, "cnn-shape-table", 0)
	tests := []struct{ part, text, mistake string }{
		{"maxpool-1", "3@127x127", "pool-stride-one"},
		{"maxpool-1", "3@63x63", "forgot-plus-one"},
		{"conv", "48x48x12", "channels-last"},
		{"conv", "12@47x47", "forgot-plus-one"},
		{"conv", "3@48x48", "kept-input-channels"},
		{"maxpool-2", "12@46x46", "pool-stride-one"},
		{"flatten", "44", "flatten-sum"},
		{"flatten", "256", "flatten-forgot-channels"},
		{"fc-1", "3072", "linear-kept-input"},
	}
	for _, tc := range tests {
		vd := checkPart(t, v, tc.part, tc.text)
		if vd.Status != StatusIncorrect || !diagnosedAs(vd, tc.mistake) {
			t.Errorf("%s %q: %s/%q, want %q (%s)", tc.part, tc.text, vd.Status, vd.Mistake, tc.mistake, vd.Feedback)
		}
	}
	// Channels-last is only a note when the numbers are right.
	if vd := checkPart(t, v, "conv", "12@48x48"); vd.Mistake != "" {
		t.Errorf("correct answer diagnosed as %s", vd.Mistake)
	}
}

func TestCNNShapeTableFollowThrough(t *testing.T) {
	v := variant(t, "cnn-shape-table", 0)
	// maxpool-1 taken with stride 1 (3@127x127); then the conv row follows
	// from it (127 - 17 + 1 = 111), and maxpool-2 from that (111 / 3 = 37),
	// flatten from that (12 * 37 * 37 = 16428). fc-1 is right regardless.
	res, err := v.Check(map[string]string{
		"maxpool-1": "3@127x127", "conv": "12@111x111", "maxpool-2": "12@37x37", "flatten": "16428",
		"fc-1": "128", "relu": "100",
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Parts["maxpool-1"]; p.Status != StatusIncorrect || p.Consistent {
		t.Errorf("maxpool-1: %+v", p)
	}
	for _, id := range []string{"conv", "maxpool-2", "flatten"} {
		if p := res.Parts[id]; p.Status != StatusIncorrect || !p.Consistent || !contains(p.Feedback, "Full credit for this step") {
			t.Errorf("%s should be consistent with the row above: %+v", id, p)
		}
	}
	if p := res.Parts["fc-1"]; p.Status != StatusCorrect {
		t.Errorf("fc-1: %+v", p)
	}
	if p := res.Parts["relu"]; p.Status != StatusIncorrect || p.Consistent {
		t.Errorf("relu 100 after a right fc-1 is plainly wrong: %+v", p)
	}
	// A wrong row that does not follow from the one above is plain wrong.
	res, _ = v.Check(map[string]string{"maxpool-1": "3@127x127", "conv": "12@50x50"})
	if p := res.Parts["conv"]; p.Consistent {
		t.Errorf("conv 12@50x50 does not follow from 3@127x127: %+v", p)
	}
}

func TestCNNShapeTableVariantsStayValid(t *testing.T) {
	for seed := uint64(1); seed < 300; seed++ {
		v := variant(t, "cnn-shape-table", seed)
		d := v.Data.(CNNData)
		if len(d.Layers) != 8 {
			t.Fatalf("seed %d: %d layers", seed, len(d.Layers))
		}
		for _, p := range v.Parts[:3] {
			s := p.Input
			if s == "" {
				t.Fatalf("seed %d: empty answer for %s", seed, p.ID)
			}
		}
		last := v.Parts[len(v.Parts)-1]
		if last.Diagram == nil || len(last.Diagram.Stages) != 9 {
			t.Fatalf("seed %d: the solution diagram needs 9 stages", seed)
		}
	}
}

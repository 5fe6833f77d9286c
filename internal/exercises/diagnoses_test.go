package exercises

import (
	"github.com/stride-tutor/stride/internal/exercises/answer"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// diagnosisCodes is every diagnosis code, per exercise. A code is public
// and stable: clients and the attempt record store it. Each one must fire
// on its mistake at some seed, and no other code may exist.
var diagnosisCodes = map[string][]string{
	"attention-parameters": {"attention.added-bias", "attention.added-out-proj", "attention.all-heads", "attention.bias-per-input", "attention.d-model-for-d-k", "attention.forgot-bias",
		"attention.forgot-heads", "attention.forgot-out-proj", "attention.forgot-three", "attention.growth-too-fast", "attention.growth-too-slow", "attention.transposed"},
	"conv-output-size": {"size.forgot-plus-one", "size.ignored-dilation", "size.ignored-stride", "size.no-floor", "size.padding-one-side"},
	"conv-by-hand": {"conv.flipped-kernel", "conv.forgot-padding", "conv.forgot-plus-one", "conv.ignored-stride", "conv.input-size",
		"conv.padding-one-side"},
	"cnn-shape-table": {"shape.channels-last", "shape.channels-multiplied", "shape.flatten-forgot-channels", "shape.flatten-sum",
		"shape.forgot-channels", "shape.forgot-plus-one", "shape.kept-input-channels", "shape.linear-kept-input", "shape.padding-one-side",
		"shape.pool-stride-one", "shape.unchanged"},
	"cnn-diagram": {"diagram.channels-last", "diagram.channels-multiplied", "diagram.flatten-forgot-channels", "diagram.flatten-sum",
		"diagram.forgot-channels", "diagram.forgot-plus-one", "diagram.kept-input-channels", "diagram.linear-kept-input",
		"diagram.missing-block", "diagram.padding-one-side", "diagram.pool-stride-one", "diagram.unchanged", "diagram.wrong-order"},
	"cnn-parameters": {"params.bias-per-input", "params.bias-per-layer", "params.divided-by-other", "params.forgot-bias",
		"params.forgot-input-channels", "params.fraction-as-percent", "params.missed-fc-layer", "params.percent-without-sign",
		"params.share-precision", "params.swapped-shares"},
	"cnn-concepts": nil,
	"rnn-shapes": {"rnn-shapes.added-dimensions", "rnn-shapes.copied-w-hx", "rnn-shapes.counted-biases", "rnn-shapes.counted-per-step",
		"rnn-shapes.forgot-recurrent", "rnn-shapes.gave-count", "rnn-shapes.transposed", "rnn-shapes.used-hidden-size",
		"rnn-shapes.used-input-size"},
	"rnn-forward": {"rnn.forgot-activation", "rnn.forgot-recurrence", "rnn.swapped-entries", "rnn.transposed-weights", "rnn.used-z1",
		"rnn.wrong-step"},
	"rnn-concepts": nil,
}

// diagnosesFire checks at variant v that each diagnosis fires on an answer
// with its mistake and that no correct answer draws a diagnosis; it records
// the codes that fired (TestEverySeed compares them with diagnosisCodes).
func diagnosesFire(t *testing.T, seed uint64, v *Variant, fired map[string]bool) {
	t.Helper()
	for _, p := range v.Parts {
		if p.Kind == KindSelfCheck {
			continue
		}
		if vd := p.Check(p.Input); vd.Status != StatusCorrect || vd.Mistake != "" || len(vd.Mistakes) != 0 {
			t.Fatalf("seed %d %s: correct answer %q drew %s/%q", seed, p.ID, p.Input, vd.Status, vd.Mistake)
		}
		for _, e := range p.check.examples {
			code := p.code(e.code)
			vd := p.Check(e.input)
			if vd.Status == StatusCorrect {
				// A mistake that leads to the right answer is no
				// mistake at this seed.
				continue
			}
			if !slices.Contains(vd.Mistakes, code) || vd.Mistake == "" {
				t.Errorf("seed %d %s: %q should draw %s, got %s/%v: %s", seed, p.ID, e.input, code, vd.Status, vd.Mistakes, vd.Feedback)
				continue
			}
			fired[code] = true
		}
	}
}

// checkFired requires that exactly the exercise's diagnosis codes fired.
func checkFired(t *testing.T, id string, fired map[string]bool) {
	t.Helper()
	var got []string
	for c := range fired {
		got = append(got, c)
	}
	sort.Strings(got)
	want := slices.Clone(diagnosisCodes[id])
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("codes that fired:\n%q\nwant\n%q", got, want)
	}
}

// diagnosedAs reports whether vd carries the diagnosis id, written as the
// full code ("conv.flipped-kernel") or as the mistake alone
// ("flipped-kernel"); an empty id means no diagnosis.
func diagnosedAs(vd Verdict, id string) bool {
	if id == "" {
		return vd.Mistake == "" && len(vd.Mistakes) == 0
	}
	for _, c := range vd.Mistakes {
		if c == id || strings.HasSuffix(c, "."+id) {
			return true
		}
	}
	return false
}

// TestIssueDiagnoses holds the answers the teaching review found with only
// generic or wrong feedback, at seed 0, with the verdict each must get now.
// The numbers are worked out by hand from the recitation.
func TestIssueDiagnoses(t *testing.T) {
	type tc struct {
		exercise, part, text string
		status               Status
		code                 string
		feedback             string // a phrase the feedback must hold
	}
	cases := []tc{
		// attention: counting all heads is named as such, not as d_model on both sides.
		{"attention-parameters", "params-per-matrix", "d_k (d_model + 1) h", StatusIncorrect, "attention.all-heads", "all $h$ heads"},
		{"attention-parameters", "params-per-matrix", "d_model (d_model + 1)", StatusIncorrect, "attention.d-model-for-d-k", "both sides"},
		// O(d_k d_model) is O(d_model^2), since d_k = d_model/h grows with d_model.
		{"attention-parameters", "big-o", "O(d_k d_model)", StatusCorrect, "", "O(d_{model}^2)"},
		{"attention-parameters", "big-o", "O(d_k)", StatusIncorrect, "attention.growth-too-slow", "too slowly"},
		// conv-by-hand: the padding forgotten (padded case at seed 0: 5×5, corner 7; unpadded 3×3, corner −22).
		{"conv-by-hand", "dims-padded", "3x3", StatusIncorrect, "conv.forgot-padding", "without padding"},
		{"conv-by-hand", "bottom-right-padded", "-22", StatusIncorrect, "conv.forgot-padding", "without padding"},
		{"conv-by-hand", "dims", "4x4", StatusIncorrect, "conv.input-size", "size of the image"},
		// cnn-parameters: conv 3·12·17·17 + 12 = 10416; fc 3072·128 + 128 + 128·10 + 10 = 394634.
		{"cnn-parameters", "conv-params", "10405", StatusIncorrect, "params.bias-per-layer", "12 filters"},
		{"cnn-parameters", "fc-params", "394498", StatusIncorrect, "params.bias-per-layer", "single bias"},
		{"cnn-parameters", "fc-params", "393344", StatusIncorrect, "params.missed-fc-layer", "second one"},
		{"cnn-parameters", "conv-share", "2.6%", StatusInvalid, "params.share-precision", "two decimal places"},
		{"cnn-parameters", "fc-share", "97.4 %", StatusInvalid, "params.share-precision", "two decimal places"},
		{"cnn-parameters", "conv-share", "2.57", StatusInvalid, "params.percent-without-sign", "2.57 %"},
		{"cnn-parameters", "conv-share", "2.571", StatusInvalid, "params.percent-without-sign", "It does not count"},
		{"cnn-parameters", "conv-share", "2.5715%", StatusCorrect, "", ""},
		{"cnn-parameters", "conv-share", "0.0257", StatusCorrect, "", ""},
		// cnn-shape-table: after max-pool 2, 3@64×64; the conv gives 12@48×48.
		{"cnn-shape-table", "conv", "36@48x48", StatusIncorrect, "shape.channels-multiplied", "one channel per filter"},
		{"cnn-shape-table", "conv", "48x48", StatusIncorrect, "shape.forgot-channels", "channels"},
		{"cnn-shape-table", "maxpool-1", "3@128x128", StatusIncorrect, "shape.unchanged", "before this layer"},
	}
	c := NewCatalog()
	for _, tc := range cases {
		ex, _ := c.Lookup(tc.exercise)
		v, err := ex.Variant(0)
		if err != nil {
			t.Fatal(err)
		}
		vd := partVerdict(t, v, tc.part, tc.text)
		if vd.Status != tc.status || vd.Mistake != tc.code || !strings.Contains(vd.Feedback, tc.feedback) {
			t.Errorf("%s %s %q: %s/%q %q, want %s/%q with %q", tc.exercise, tc.part, tc.text, vd.Status, vd.Mistake, vd.Feedback, tc.status, tc.code, tc.feedback)
		}
	}
}

// TestSwappedEntries: an RNN vector with two entries exchanged is named.
func TestSwappedEntries(t *testing.T) {
	v := exerciseVariant(t, rnnForward, 0)
	p, _ := v.Part("h-1")
	want := p.Input
	m, err := answerMatrix(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) < 2 || m[0] == m[1] {
		t.Skipf("seed 0's h_1 %v has no two different entries", m)
	}
	m[0], m[1] = m[1], m[0]
	vd := p.Check(rnnVecText(m))
	if !diagnosedAs(vd, "rnn.swapped-entries") || !strings.Contains(vd.Feedback, "Entries 1 and 2") {
		t.Errorf("%v: %s/%v %s", m, vd.Status, vd.Mistakes, vd.Feedback)
	}
}

// answerMatrix reads a one-row answer into its entries.
func answerMatrix(text string) ([]float64, error) {
	m, err := answer.ParseMatrix(text)
	if err != nil {
		return nil, err
	}
	return m.Rows[0], nil
}

// TestDiagnosisCodesDocumented keeps docs/API.md's table of codes complete.
func TestDiagnosisCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	for ex, codes := range diagnosisCodes {
		for _, c := range codes {
			if !strings.Contains(string(doc), "`"+c+"`") {
				t.Errorf("%s: code %s is not in docs/API.md", ex, c)
			}
		}
	}
}

// TestAnswersReadAsStudentsWriteThem covers the readings of section 6.
func TestAnswersReadAsStudentsWriteThem(t *testing.T) {
	v := exerciseVariant(t, attentionParameters, 0)
	for _, tc := range []struct {
		text   string
		status Status
	}{
		{"d_model*d_k", StatusCorrect},
		{"d_model * d_k", StatusCorrect},
		{"d_k*d_model", StatusIncorrect},
		{"(2*d_k)*d_model", StatusIncorrect},
	} {
		if vd := partVerdict(t, v, "weight-shape", tc.text); vd.Status != tc.status {
			t.Errorf("weight-shape %q: %s (%s), want %s", tc.text, vd.Status, vd.Feedback, tc.status)
		}
	}
}

package exercises

import (
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// exerciseVariant generates seed of the exercise made by build.
func exerciseVariant(t *testing.T, build func() *Exercise, seed uint64) *Variant {
	t.Helper()
	v, err := build().Variant(seed)
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	return v
}

// partVerdict checks one answer to one part.
func partVerdict(t *testing.T, v *Variant, id, text string) Verdict {
	t.Helper()
	p, ok := v.Part(id)
	if !ok {
		t.Fatalf("no part %q", id)
	}
	return p.Check(text)
}

// answerCase is an answer and the verdict it must get: mistake "" with
// correct true for an accepted answer, or the diagnosed mistake.
type answerCase struct {
	part, text string
	correct    bool
	mistake    string
}

func runAnswerCases(t *testing.T, v *Variant, cases []answerCase) {
	t.Helper()
	for _, tc := range cases {
		vd := partVerdict(t, v, tc.part, tc.text)
		if tc.correct {
			if vd.Status != StatusCorrect || vd.Mistake != "" {
				t.Errorf("%s %q: %s/%q, want correct (%s; %s)", tc.part, tc.text, vd.Status, vd.Mistake, vd.ReadAs, vd.Feedback)
			}
			continue
		}
		if vd.Status != StatusIncorrect || !diagnosedAs(vd, tc.mistake) {
			t.Errorf("%s %q: %s/%q, want incorrect/%q (%s; %s)", tc.part, tc.text, vd.Status, vd.Mistake, tc.mistake, vd.ReadAs, vd.Feedback)
		}
	}
}

// checkPartBasics requires what every part of these exercises must have,
// and that its Input is accepted without a diagnosis.
func checkPartBasics(t *testing.T, seed uint64, p *Part) {
	t.Helper()
	if p.ID == "" || p.Label == "" || p.Prompt == "" || p.Format == "" || p.Answer == "" || p.Input == "" {
		t.Errorf("seed %d part %q: ID, label, prompt, format, answer and input are required", seed, p.ID)
	}
	if p.Placeholder == "" && p.Kind != KindMultipleChoice && p.Kind != KindSingleChoice {
		t.Errorf("seed %d part %s: no placeholder", seed, p.ID)
	}
	if n := len(p.Hints); n < 2 || n > 3 {
		t.Errorf("seed %d part %s: %d hints, want 2 or 3", seed, p.ID, n)
	}
	if len(p.Solution) == 0 {
		t.Errorf("seed %d part %s: no worked solution", seed, p.ID)
	}
	if p.Animation != -1 {
		t.Errorf("seed %d part %s: animation %d, want -1", seed, p.ID, p.Animation)
	}
	for _, s := range append(append([]string{p.Prompt, p.Answer}, p.Hints...), p.Solution...) {
		if strings.Count(s, "$")%2 != 0 {
			t.Errorf("seed %d part %s: unbalanced math in %q", seed, p.ID, s)
		}
	}
	if vd := p.Check(p.Input); vd.Status != StatusCorrect || vd.Mistake != "" {
		t.Fatalf("seed %d part %s: Input %q got %s/%q: %s", seed, p.ID, p.Input, vd.Status, vd.Mistake, vd.Feedback)
	}
}

func partIDs(v *Variant) []string {
	var ids []string
	for _, p := range v.Parts {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestAttentionParametersRecitation(t *testing.T) {
	v := exerciseVariant(t, attentionParameters, 0)
	if d, ok := v.Data.(AttentionData); !ok || !d.Symbolic {
		t.Fatalf("seed 0 data %#v, want the symbolic variant", v.Data)
	}
	want := []string{"weight-shape", "params-per-matrix", "block-params", "other-params", "big-o"}
	if got := partIDs(v); !slices.Equal(got, want) {
		t.Fatalf("parts %v, want %v", got, want)
	}
	for _, p := range v.Parts {
		checkPartBasics(t, 0, p)
	}
	runAnswerCases(t, v, []answerCase{
		// The recitation's own answers, as written there.
		{part: "weight-shape", text: "d_model x d_k", correct: true},
		{part: "weight-shape", text: "(d_model, d_k)", correct: true},
		{part: "weight-shape", text: "d_{model} × d_k", correct: true},
		{part: "weight-shape", text: "dmodel by dk", correct: true},
		{part: "params-per-matrix", text: "d_k (d_model + 1)", correct: true},
		{part: "params-per-matrix", text: "d_k * (d_model + 1)", correct: true},
		{part: "params-per-matrix", text: "d_k d_model + d_k", correct: true},
		{part: "block-params", text: "3 d_k (d_model + 1) h", correct: true},
		{part: "block-params", text: "3 * d_k * (d_model + 1) * h", correct: true},
		{part: "block-params", text: "3 d_model (d_model + 1)", correct: true},
		{part: "block-params", text: "3 d_model^2 + 3 d_model", correct: true},
		{part: "big-o", text: "O(d_model^2)", correct: true},
		{part: "big-o", text: "O(d_model²)", correct: true},
		{part: "big-o", text: "O(3 d_model^2 + 3 d_model)", correct: true},
		{part: "other-params", text: "feed-forward,embedding,normalization,positional", correct: true},
		{part: "other-params", text: "positional; normalization embedding, feed-forward", correct: true},
	})
}

func TestAttentionParametersSymbolicDiagnoses(t *testing.T) {
	v := exerciseVariant(t, attentionParameters, 0)
	runAnswerCases(t, v, []answerCase{
		{part: "weight-shape", text: "d_model x d_model", mistake: "d-model-for-d-k"},
		{part: "weight-shape", text: "d_k x d_model", mistake: "transposed"},
		{part: "weight-shape", text: "d_model x h", mistake: ""},
		{part: "params-per-matrix", text: "d_k d_model", mistake: "forgot-bias"},
		{part: "params-per-matrix", text: "d_model (d_k + 1)", mistake: "bias-per-input"},
		{part: "params-per-matrix", text: "d_model^2 + d_model", mistake: "d-model-for-d-k"},
		{part: "params-per-matrix", text: "d_k (d_model + 2)", mistake: ""},
		{part: "block-params", text: "3 d_k (d_model + 1)", mistake: "forgot-heads"},
		{part: "block-params", text: "d_k (d_model + 1) h", mistake: "forgot-three"},
		// d_k·h is d_model, so this is the same slip written differently.
		{part: "block-params", text: "d_model (d_model + 1)", mistake: "forgot-three"},
		{part: "block-params", text: "3 d_k d_model h", mistake: "forgot-bias"},
		{part: "block-params", text: "3 d_model (d_model + 1) h", mistake: "d-model-for-d-k"},
		{part: "block-params", text: "4 d_model (d_model + 1)", mistake: ""},
		{part: "big-o", text: "O(d_model)", mistake: "growth-too-slow"},
		{part: "big-o", text: "O(d_model^3)", mistake: "growth-too-fast"},
		{part: "other-params", text: "feed-forward,embedding,normalization", mistake: ""},
		{part: "other-params", text: "feed-forward,embedding,normalization,positional,softmax", mistake: ""},
	})
	// A wrong option gets its own explanation.
	vd := partVerdict(t, v, "other-params", "feed-forward,embedding,normalization,positional,attention-weights")
	if !strings.Contains(vd.Feedback, "activations, not parameters") {
		t.Errorf("attention-weights feedback: %q", vd.Feedback)
	}
}

// attn512 is the concrete variant with d_model = 512 and 8 heads.
func attn512(t *testing.T) *Variant {
	t.Helper()
	v, err := buildAttentionVariant(AttentionData{DModel: 512, Heads: 8, DK: 64}, rand.New(rand.NewPCG(1, 2)), false)
	if err != nil {
		t.Fatal(err)
	}
	v.Seed = 1
	v.setExamples()
	return v
}

func TestAttentionParametersConcrete(t *testing.T) {
	v := attn512(t)
	for _, p := range v.Parts {
		checkPartBasics(t, 1, p)
	}
	// The mistaken counts are worked out by hand here, independently of
	// compute: d_model = 512, d_k = 64, h = 8.
	runAnswerCases(t, v, []answerCase{
		{part: "weight-shape", text: "512x64", correct: true},
		{part: "weight-shape", text: "(512, 64)", correct: true},
		{part: "weight-shape", text: "512 × 64", correct: true},
		{part: "weight-shape", text: "512x512", mistake: "d-model-for-d-k"},
		{part: "weight-shape", text: "64x512", mistake: "transposed"},
		{part: "params-per-matrix", text: "32832", correct: true},
		{part: "params-per-matrix", text: "32,832", correct: true},
		{part: "params-per-matrix", text: strconv.Itoa(64 * 512), mistake: "forgot-bias"},
		{part: "params-per-matrix", text: strconv.Itoa(65 * 512), mistake: "bias-per-input"},
		{part: "params-per-matrix", text: strconv.Itoa(512 * 513), mistake: "d-model-for-d-k"},
		{part: "params-per-matrix", text: "32833", mistake: ""},
		{part: "block-params", text: "787968", correct: true},
		{part: "block-params", text: "787,968", correct: true},
		{part: "block-params", text: strconv.Itoa(3 * 64 * 513), mistake: "forgot-heads"},
		{part: "block-params", text: strconv.Itoa(64 * 513 * 8), mistake: "forgot-three"},
		{part: "block-params", text: strconv.Itoa(3 * 64 * 512 * 8), mistake: "forgot-bias"},
		{part: "block-params", text: strconv.Itoa(3 * 512 * 513 * 8), mistake: "d-model-for-d-k"},
		{part: "block-params", text: "787969", mistake: ""},
		{part: "big-o", text: "O(d_model^2)", correct: true},
	})
}

// TestAttentionParametersSeedWith512 finds the drawn variant with
// d_model = 512 and 8 heads and checks the recitation-sized numbers.
func TestAttentionParametersSeedWith512(t *testing.T) {
	ex := attentionParameters()
	for seed := uint64(1); seed < 1000; seed += 2 {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatal(err)
		}
		if d := v.Data.(AttentionData); d.DModel != 512 || d.Heads != 8 {
			continue
		}
		runAnswerCases(t, v, []answerCase{
			{part: "weight-shape", text: "512x64", correct: true},
			{part: "params-per-matrix", text: "32832", correct: true},
			{part: "block-params", text: "787968", correct: true},
		})
		return
	}
	t.Fatal("no seed below 1000 draws d_model = 512 with 8 heads")
}

// TestAttentionFormulasMatchCompute evaluates every formula of the symbolic
// variant, right and mistaken, against compute.Attention at many sizes.
func TestAttentionFormulasMatchCompute(t *testing.T) {
	vars := attentionVars()
	eval := func(f string, dk, h int) int64 {
		t.Helper()
		env := map[string]*big.Rat{
			"d_model": big.NewRat(int64(dk*h), 1), "d_k": big.NewRat(int64(dk), 1), "h": big.NewRat(int64(h), 1),
		}
		r, err := mustFormula(f, vars).Eval(env)
		if err != nil || !r.IsInt() {
			t.Fatalf("%s at d_k=%d, h=%d: %v %v", f, dk, h, r, err)
		}
		return r.Num().Int64()
	}
	for dk := 1; dk <= 20; dk++ {
		for h := 1; h <= 16; h++ {
			dModel := dk * h
			p, err := compute.Attention(compute.AttentionSpec{DModel: dModel, NumHeads: h, Bias: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]int64{eval(attnWeightRows, dk, h), eval(attnWeightCols, dk, h)}; got != [2]int64{int64(p.WeightShape[0]), int64(p.WeightShape[1])} {
				t.Errorf("d_k=%d h=%d: shape %v, compute %v", dk, h, got, p.WeightShape)
			}
			if got := eval(attnPerMatrixCount, dk, h); got != p.PerMatrixParams {
				t.Errorf("d_k=%d h=%d: per matrix %d, compute %d", dk, h, got, p.PerMatrixParams)
			}
			if got := eval(attnBlockCount, dk, h); got != p.TotalParams {
				t.Errorf("d_k=%d h=%d: block %d, compute %d", dk, h, got, p.TotalParams)
			}
			if got := eval("3 d_model (d_model + 1)", dk, h); got != p.TotalParams {
				t.Errorf("d_k=%d h=%d: simplified block %d, compute %d", dk, h, got, p.TotalParams)
			}
			c, err := countAttention(dModel, h)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range append(attnPerMatrixMistakes(c), attnBlockMistakes(c)...) {
				if got := eval(m.formula, dk, h); got != m.value {
					t.Errorf("d_k=%d h=%d: mistake %s: formula gives %d, compute %d", dk, h, m.id, got, m.value)
				}
			}
		}
	}
}

// attnPerturb returns an answer that must be wrong.
func attnPerturb(t *testing.T, p *Part) string {
	t.Helper()
	switch {
	case p.ID == "big-o":
		return "O(d_model^3)"
	case p.Kind == KindInteger:
		n, err := strconv.ParseInt(p.Input, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(n+1, 10)
	case p.Kind == KindFormula:
		return "(" + p.Input + ") + 1"
	case p.Kind == KindShape:
		if s, err := answer.ParseShape(p.Input); err == nil {
			return strconv.Itoa(s.Dims[0]) + "x" + strconv.Itoa(s.Dims[1]+1)
		}
		return "d_model x (d_k + 1)"
	case p.Kind == KindMultipleChoice:
		return strings.Join(strings.Split(p.Input, ",")[1:], ",")
	}
	t.Fatalf("part %s: no perturbation for kind %s", p.ID, p.Kind)
	return ""
}

func TestAttentionParametersSeeds(t *testing.T) {
	ex := attentionParameters()
	wantIDs := []string{"weight-shape", "params-per-matrix", "block-params", "other-params", "big-o"}
	concrete := 0
	for seed := range uint64(1000) {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		d, ok := v.Data.(AttentionData)
		if !ok {
			t.Fatalf("seed %d: data %T", seed, v.Data)
		}
		if d.Symbolic != (seed == 0) {
			t.Errorf("seed %d: symbolic %v", seed, d.Symbolic)
		}
		if !d.Symbolic {
			concrete++
			if d.Heads < 2 || d.DK < 1 || d.DK*d.Heads != d.DModel || d.DModel > 1024 {
				t.Errorf("seed %d: bad sizes %+v", seed, d)
			}
		}
		if got := partIDs(v); !slices.Equal(got, wantIDs) {
			t.Fatalf("seed %d: parts %v", seed, got)
		}
		data, _ := json.Marshal(v.Data)
		for _, p := range v.Parts {
			checkPartBasics(t, seed, p)
			bad := attnPerturb(t, p)
			if vd := p.Check(bad); vd.Status != StatusIncorrect {
				t.Fatalf("seed %d part %s: perturbed %q (right %q) got %s: %s", seed, p.ID, bad, p.Input, vd.Status, vd.Feedback)
			}
			if p.Kind == KindInteger && strings.Contains(string(data), p.Input) {
				t.Errorf("seed %d: data %s holds the answer %s", seed, data, p.Input)
			}
		}
		if d.Symbolic {
			continue
		}
		// Every mistake of a concrete variant is named by its number.
		c, err := countAttention(d.DModel, d.Heads)
		if err != nil {
			t.Fatal(err)
		}
		for part, ms := range map[string][]attnMistake{"params-per-matrix": attnPerMatrixMistakes(c), "block-params": attnBlockMistakes(c)} {
			for _, m := range ms {
				vd := partVerdict(t, v, part, strconv.FormatInt(m.value, 10))
				if vd.Status != StatusIncorrect || !diagnosedAs(vd, m.id) {
					t.Errorf("seed %d %s: %d got %s/%q, want %s", seed, part, m.value, vd.Status, vd.Mistake, m.id)
				}
			}
		}
	}
	if concrete != 999 {
		t.Errorf("%d concrete variants, want 999: every seed but the recitation's draws its sizes", concrete)
	}
}

// issue 8: a formula answer padded with "+ 0·((d_model^64)^5 + …)" to the
// token limit cost a quarter of a CPU-second to check. It is now refused
// before any evaluation, as an invalid answer (not an attempt) that names
// the limit, in every part that takes a formula, while the same padding
// within the bounds still gets its ordinary verdict.
func TestAttentionParametersRefuseCostlyFormulas(t *testing.T) {
	v := exerciseVariant(t, attentionParameters, 0)
	pad := func(right, piece string, n int) string {
		s := right + " + 0*(" + piece
		for range n - 1 {
			s += " + " + piece
		}
		return s + ")"
	}
	refused := []struct{ part, text, limit string }{
		{"block-params", pad("3 d_k (d_model + 1) h", "(d_model^64)^5", 62), "and the limit is 64"},
		{"block-params", "3 d_k (d_model + 1) h + 0*(d_model^64)^5", "its degree is 320, and the limit is 8"},
		{"params-per-matrix", pad("d_k (d_model + 1)", "d_model^9", 2), "its degree is 9, and the limit is 8"},
		{"weight-shape", "d_model × d_k + 0*(2^64 · 2^64 · 2^64)", "bits, and the limit is 256"},
		{"big-o", pad("d_model^2", "d_model^2", 40), "and the limit is 64"},
	}
	for _, tc := range refused {
		vd := partVerdict(t, v, tc.part, tc.text)
		if vd.Status != StatusInvalid || !strings.Contains(vd.Feedback, "too complex to check") ||
			!strings.Contains(vd.Feedback, tc.limit) || !strings.Contains(vd.Feedback, "does not count as an attempt") {
			t.Errorf("%s %.40q…: %s %q", tc.part, tc.text, vd.Status, vd.Feedback)
		}
	}
	for _, tc := range []struct {
		part, text string
		want       Status
	}{
		{"block-params", pad("3 d_k (d_model + 1) h", "d_model^8", 12), StatusCorrect},
		{"block-params", pad("3 d_k d_model h", "d_model^8", 12), StatusIncorrect},
		{"params-per-matrix", pad("d_k (d_model + 1)", "d_model d_k h", 9), StatusCorrect},
	} {
		if vd := partVerdict(t, v, tc.part, tc.text); vd.Status != tc.want {
			t.Errorf("%s %.40q…: %s %q, want %s", tc.part, tc.text, vd.Status, vd.Feedback, tc.want)
		}
	}
}

package exercises

import (
	"slices"
	"strings"
	"testing"
)

// TestRNNForwardSeedZero checks seed 0 against values worked out by hand:
// W_hx = [2 −1; −2 2], W_hh = [1 0; 1 1], W_yh = [1 2; −2 −2],
// x_1 = (−1, −3), x_2 = (−3, −2), ψ = ReLU, σ = identity.
//
//	z_1 = (−2+3, 2−6) = (1, −4)             h_1 = (1, 0)
//	z_2 = W_hh h_1 + W_hx x_2 = (1, 1) + (−4, 2) = (−3, 3)   h_2 = (0, 3)
//	o_2 = (0+6, 0−6) = (6, −6)
func TestRNNForwardSeedZero(t *testing.T) {
	v := variant(t, "rnn-forward", 0)
	tests := []struct {
		part, text string
		status     Status
		mistake    string
	}{
		{"h-1", "1 0", StatusCorrect, ""},
		{"h-1", "[1, 0]", StatusCorrect, ""},
		{"h-1", "1, 0", StatusCorrect, ""},
		{"h-1", "1\n0", StatusCorrect, ""}, // a column is fine too
		{"h-1", "1 -4", StatusIncorrect, "forgot-activation"},
		{"h-1", "4 0", StatusIncorrect, "transposed-weights"}, // W_hx^T x_1 = (4, −5)
		{"h-1", "1 1", StatusIncorrect, ""},
		{"h-1", "1 0 0", StatusIncorrect, ""},
		{"h-1", "one, zero", StatusInvalid, ""},
		{"h-2", "0 3", StatusCorrect, ""},
		{"h-2", "[0, 3]", StatusCorrect, ""},
		{"h-2", "-3 -1", StatusIncorrect, "forgot-activation"}, // no ReLU at either step
		{"h-2", "−3 3", StatusIncorrect, "forgot-activation"},  // no ReLU at step 2
		{"h-2", "0 2", StatusIncorrect, "forgot-recurrence"},   // ReLU(W_hx x_2)
		{"h-2", "0 0", StatusIncorrect, "used-z1"},             // ReLU(W_hh z_1 + W_hx x_2) = ReLU(−3, −1)
		{"h-2", "2 0", StatusIncorrect, "transposed-weights"},  // ReLU((4, 0) + (−2, −1))
		{"o-2", "6 -6", StatusCorrect, ""},
		{"o-2", "[6, −6]", StatusCorrect, ""},
		{"o-2", "-5 8", StatusIncorrect, "forgot-activation"},
		{"o-2", "3 0", StatusIncorrect, "forgot-activation"},
		{"o-2", "4 -4", StatusIncorrect, "forgot-recurrence"},
		{"o-2", "2 4", StatusIncorrect, "transposed-weights"},
		{"o-2", "1 -2", StatusIncorrect, "wrong-step"},
		{"o-2", "6 6", StatusIncorrect, ""},
	}
	for _, tc := range tests {
		vd := checkPart(t, v, tc.part, tc.text)
		if vd.Status != tc.status || !diagnosedAs(vd, tc.mistake) {
			t.Errorf("%s %q: %s/%q, want %s/%q (%s)", tc.part, tc.text, vd.Status, vd.Mistake, tc.status, tc.mistake, vd.Feedback)
		}
	}
	d := v.Data.(RNNForwardData)
	if d.HiddenActivation != "relu" || d.OutputActivation != "identity" {
		t.Errorf("seed 0 activations %q, %q", d.HiddenActivation, d.OutputActivation)
	}
	p, _ := v.Part("h-1")
	if p.Rows != 1 || p.Cols != 2 || p.Kind != KindMatrix {
		t.Errorf("h-1 is %s %d×%d", p.Kind, p.Rows, p.Cols)
	}
	// The worked solution shows every product.
	if got := strings.Join(p.Solution, " "); !strings.Contains(got, `2 \cdot (-1) + (-1) \cdot (-3)`) {
		t.Errorf("h-1 solution does not write out the products: %s", got)
	}
	if ex, _ := NewCatalog().Lookup("rnn-forward"); !ex.Beyond || ex.Section != "4.1" {
		t.Errorf("rnn-forward: beyond %v, section %s", ex.Beyond, ex.Section)
	}
	if last := v.Parts[len(v.Parts)-1]; last.RNNDiagram == nil || last.RNNDiagram.Steps != 2 {
		t.Errorf("last part has no two-step RNN diagram")
	}
}

// naiveForward runs the forward pass directly, as a check on compute and
// on how the exercise feeds it.
func naiveForward(d RNNForwardData) (h1, h2, o2 []float64) {
	mv := func(w [][]float64, v []float64) []float64 {
		out := make([]float64, len(w))
		for i := range w {
			for j := range v {
				out[i] += w[i][j] * v[j]
			}
		}
		return out
	}
	psi := func(z []float64) []float64 {
		out := slices.Clone(z)
		for i := range out {
			if d.HiddenActivation == "relu" && out[i] < 0 {
				out[i] = 0
			}
		}
		return out
	}
	h := d.H0
	var hs [][]float64
	for _, x := range d.X {
		z := mv(d.WHx, x)
		for i, r := range mv(d.WHh, h) {
			z[i] += r
		}
		h = psi(z)
		hs = append(hs, h)
	}
	return hs[0], hs[1], mv(d.WYh, hs[1])
}

// TestRNNForwardVariants checks 1,000 seeds: small whole-number givens,
// answers that agree with a direct computation, perturbed answers
// rejected, and every diagnosis firing on its own mistake only.
func TestRNNForwardVariants(t *testing.T) {
	ex, _ := NewCatalog().Lookup("rnn-forward")
	inRange := func(m [][]float64, lo, hi float64) bool {
		for _, r := range m {
			for _, x := range r {
				if x < lo || x > hi || x != float64(int(x)) {
					return false
				}
			}
		}
		return true
	}
	relu, identity, clipped := 0, 0, 0
	for seed := range uint64(1000) {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		d := v.Data.(RNNForwardData)
		if d.InputSize != 2 || d.HiddenSize != 2 || d.OutputSize < 1 || d.OutputSize > 2 || len(d.X) != 2 {
			t.Fatalf("seed %d: sizes %d, %d, %d over %d steps", seed, d.InputSize, d.HiddenSize, d.OutputSize, len(d.X))
		}
		if !inRange(d.WHx, -2, 2) || !inRange(d.WHh, -2, 2) || !inRange(d.WYh, -2, 2) || !inRange(d.X, -3, 3) || !rnnAllZero(d.H0) {
			t.Fatalf("seed %d: givens out of range: %+v", seed, d)
		}
		switch d.HiddenActivation {
		case "relu":
			relu++
		case "identity":
			identity++
		default:
			t.Fatalf("seed %d: activation %q", seed, d.HiddenActivation)
		}
		h1, h2, o2 := naiveForward(d)
		noRec := d
		noRec.WHh = rnnZeros(2, 2)
		if _, h2NoRec, _ := naiveForward(noRec); slices.Equal(h2NoRec, h2) {
			t.Fatalf("seed %d: h_2 does not depend on the recurrence", seed)
		}
		if rnnAllZero(h1) || rnnAllZero(h2) || rnnAllZero(o2) {
			t.Fatalf("seed %d: an all-zero answer", seed)
		}
		want := map[string][]float64{"h-1": h1, "h-2": h2, "o-2": o2}
		for _, p := range v.Parts {
			if p.Input != rnnVecText(want[p.ID]) {
				t.Fatalf("seed %d %s: Input %q, computed directly %s", seed, p.ID, p.Input, rnnVecText(want[p.ID]))
			}
			if vd := p.Check(p.Input); vd.Status != StatusCorrect || vd.Mistake != "" {
				t.Fatalf("seed %d %s: Input %q is %s/%q", seed, p.ID, p.Input, vd.Status, vd.Mistake)
			}
			if bad := perturb(t, p); p.Check(bad).Status != StatusIncorrect {
				t.Fatalf("seed %d %s: perturbed %q accepted", seed, p.ID, bad)
			}
			if len(p.Hints) < 1 || len(p.Hints) > 3 || len(p.Solution) < 2 || p.Animation != -1 || p.Cols != len(want[p.ID]) || p.Rows != 1 {
				t.Fatalf("seed %d %s: hints, solution, size or animation wrong", seed, p.ID)
			}
		}
		if d.HiddenActivation == "relu" {
			steps, err := d.run()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(steps[0].Z, h1) || !slices.Equal(steps[1].Z, h2) {
				clipped++
			}
		}

		ms, err := forwardMistakes(d)
		if err != nil {
			t.Fatal(err)
		}
		for part, list := range ms {
			p, _ := v.Part(part)
			for k, m := range list {
				text := matrixText(m.value)
				first := slices.IndexFunc(list, func(o mistake[[][]float64]) bool { return matrixText(o.value) == text })
				if text == p.Input || first < k {
					continue
				}
				if vd := p.Check(text); vd.Status != StatusIncorrect || !diagnosedAs(vd, m.id) {
					t.Fatalf("seed %d %s %q: %s/%q, want %s", seed, part, text, vd.Status, vd.Mistake, m.id)
				}
			}
		}
	}
	if relu < 2*identity || identity == 0 || clipped != relu {
		t.Errorf("%d ReLU variants (%d clip something), %d identity variants", relu, clipped, identity)
	}
}

package compute

import (
	"math"
	"strings"
	"testing"
)

func TestRNNShapesAndParams(t *testing.T) {
	for _, bias := range []bool{false, true} {
		res, err := RNN(RNNSpec{InputSize: 3, HiddenSize: 4, OutputSize: 2, Bias: bias})
		if err != nil {
			t.Fatal(err)
		}
		want := RNNShapes{WHx: [2]int{4, 3}, WHh: [2]int{4, 4}, WYh: [2]int{2, 4}}
		if res.Shapes != want {
			t.Errorf("shapes = %+v, want %+v", res.Shapes, want)
		}
		wantParams := int64(4*3 + 4*4 + 2*4) // 36
		if bias {
			wantParams += 4 + 2
		}
		if res.TotalParams != wantParams {
			t.Errorf("bias %v: params = %d, want %d", bias, res.TotalParams, wantParams)
		}
		if res.Steps != nil {
			t.Errorf("steps without x: %v", res.Steps)
		}
	}
}

// recitationRNN is I=3, H=4, O=2 with weights chosen so that every
// pre-activation can be worked out by hand.
func recitationRNN() RNNSpec {
	return RNNSpec{
		InputSize: 3, HiddenSize: 4, OutputSize: 2, Bias: true,
		WHx: [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}},
		WHh: [][]float64{{0.5, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 0.5, 0}, {0, 0, 0, 0.5}},
		WYh: [][]float64{{1, -1, 0, 0}, {0, 0, 1, 1}},
		BH:  []float64{0.5, 0, 0, -0.5},
		BY:  []float64{0, 0.25},
		X:   [][]float64{{1, 2, -1}, {0, 0, 0}},
	}
}

func closeVec(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

func TestRNNForwardByHand(t *testing.T) {
	res, err := RNN(recitationRNN())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 2 {
		t.Fatalf("%d steps, want 2", len(res.Steps))
	}
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	// Step 1 from h0 = 0: z = W_hx x + b_h = [1, 2, −1, 2] + [0.5, 0, 0, −0.5].
	z1 := []float64{1.5, 2, -1, 1.5}
	h1 := []float64{math.Tanh(1.5), math.Tanh(2), math.Tanh(-1), math.Tanh(1.5)}
	o1 := []float64{h1[0] - h1[1], h1[2] + h1[3] + 0.25}
	y1 := []float64{sig(o1[0]), sig(o1[1])}
	// Step 2 with x = 0: z = 0.5·h1 + b_h.
	z2 := []float64{0.5*h1[0] + 0.5, 0.5 * h1[1], 0.5 * h1[2], 0.5*h1[3] - 0.5}
	h2 := []float64{math.Tanh(z2[0]), math.Tanh(z2[1]), math.Tanh(z2[2]), math.Tanh(z2[3])}
	o2 := []float64{h2[0] - h2[1], h2[2] + h2[3] + 0.25}
	y2 := []float64{sig(o2[0]), sig(o2[1])}

	for i, want := range []RNNStep{{z1, h1, o1, y1}, {z2, h2, o2, y2}} {
		got := res.Steps[i]
		if !closeVec(got.Z, want.Z) || !closeVec(got.H, want.H) || !closeVec(got.O, want.O) || !closeVec(got.YHat, want.YHat) {
			t.Errorf("step %d = %+v\nwant %+v", i+1, got, want)
		}
	}
	// Numeric anchor for step 1, so the test does not only restate the
	// code's formulas: o = [tanh 1.5 − tanh 2, tanh(−1) + tanh 1.5 + 0.25].
	if math.Abs(res.Steps[0].O[0]-(-0.0588793264309505)) > 1e-12 || math.Abs(res.Steps[0].O[1]-0.3935540976891015) > 1e-12 {
		t.Errorf("step 1 o = %v", res.Steps[0].O)
	}
}

func TestRNNActivations(t *testing.T) {
	// Identity matrices, h0 = [1, −1] and W_hh swapping the two units:
	// z = [−1, 1] + x = [−2, 1]; ReLU → [0, 1]; o = h; softmax([0, 1]).
	spec := RNNSpec{
		InputSize: 2, HiddenSize: 2, OutputSize: 2,
		HiddenActivation: "relu", OutputActivation: "softmax",
		WHx: [][]float64{{1, 0}, {0, 1}},
		WHh: [][]float64{{0, 1}, {1, 0}},
		WYh: [][]float64{{1, 0}, {0, 1}},
		H0:  []float64{1, -1},
		X:   [][]float64{{-1, 0}},
	}
	res, err := RNN(spec)
	if err != nil {
		t.Fatal(err)
	}
	e := math.E
	want := RNNStep{Z: []float64{-2, 1}, H: []float64{0, 1}, O: []float64{0, 1}, YHat: []float64{1 / (1 + e), e / (1 + e)}}
	got := res.Steps[0]
	if !closeVec(got.Z, want.Z) || !closeVec(got.H, want.H) || !closeVec(got.O, want.O) || !closeVec(got.YHat, want.YHat) {
		t.Fatalf("step = %+v, want %+v", got, want)
	}
	if spec.H0[0] != 1 {
		t.Fatal("RNN modified h0")
	}

	// Identity hidden and output, sigmoid hidden.
	spec.HiddenActivation, spec.OutputActivation = "identity", "identity"
	if res, err = RNN(spec); err != nil || !closeVec(res.Steps[0].YHat, []float64{-2, 1}) {
		t.Fatalf("identity: %v, %v", res.Steps, err)
	}
	spec.HiddenActivation = "sigmoid"
	if res, err = RNN(spec); err != nil || !closeVec(res.Steps[0].H, []float64{1 / (1 + math.Exp(2)), 1 / (1 + math.Exp(-1))}) {
		t.Fatalf("sigmoid: %v, %v", res.Steps, err)
	}
}

func TestRNNNumericallyStable(t *testing.T) {
	spec := RNNSpec{
		InputSize: 1, HiddenSize: 1, OutputSize: 2,
		HiddenActivation: "identity", OutputActivation: "softmax",
		WHx: [][]float64{{1000}}, WHh: [][]float64{{0}}, WYh: [][]float64{{1}, {1}},
		X: [][]float64{{1}},
	}
	res, err := RNN(spec)
	if err != nil {
		t.Fatal(err)
	}
	if y := res.Steps[0].YHat; y[0] != 0.5 || y[1] != 0.5 {
		t.Fatalf("softmax([1000, 1000]) = %v, want [0.5 0.5]", y)
	}
	spec.OutputActivation = "sigmoid"
	spec.WYh = [][]float64{{-1}, {1}}
	res, err = RNN(spec)
	if err != nil {
		t.Fatal(err)
	}
	if y := res.Steps[0].YHat; y[0] != 0 || y[1] != 1 {
		t.Fatalf("sigmoid([−1000, 1000]) = %v, want [0 1]", y)
	}
}

func matrix(rows, cols int, v float64) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = v
		}
	}
	return m
}

func TestRNNErrors(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*RNNSpec)
		field   string
		message string
	}{
		{"zero input size", func(s *RNNSpec) { s.InputSize = 0 }, "input_size", "between 1"},
		{"hidden size over the bound", func(s *RNNSpec) { s.HiddenSize = MaxRNNSize + 1 }, "hidden_size", "between 1"},
		{"negative output size", func(s *RNNSpec) { s.OutputSize = -1 }, "output_size", "between 1"},
		{"unknown hidden activation", func(s *RNNSpec) { s.HiddenActivation = "gelu" }, "hidden_activation", "tanh, relu"},
		{"tanh is not an output activation", func(s *RNNSpec) { s.OutputActivation = "tanh" }, "output_activation", "sigmoid, softmax"},
		{"W_hx transposed", func(s *RNNSpec) { s.WHx = matrix(3, 4, 1) }, "weights.W_hx", "needs 4 (hidden_size)"},
		{"W_hh ragged", func(s *RNNSpec) { s.WHh[2] = []float64{1} }, "weights.W_hh[2]", "needs 4"},
		{"W_yh NaN", func(s *RNNSpec) { s.WYh[1][0] = math.NaN() }, "weights.W_yh[1][0]", "NaN"},
		{"only some weights", func(s *RNNSpec) { s.WHh = nil }, "weights.W_hh", "all three"},
		{"biases with bias off", func(s *RNNSpec) { s.Bias = false }, "bias", "turn bias on"},
		{"b_h wrong length", func(s *RNNSpec) { s.BH = []float64{1} }, "weights.b_h", "needs 4"},
		{"b_y Inf", func(s *RNNSpec) { s.BY[1] = math.Inf(1) }, "weights.b_y[1]", "+Inf"},
		{"h0 wrong length", func(s *RNNSpec) { s.H0 = []float64{0, 0} }, "h0", "needs 4"},
		{"h0 NaN", func(s *RNNSpec) { s.H0 = []float64{0, 0, math.NaN(), 0} }, "h0[2]", "NaN"},
		{"x without weights", func(s *RNNSpec) { s.WHx, s.WHh, s.WYh, s.BH, s.BY = nil, nil, nil, nil, nil }, "weights", "required"},
		{"empty x", func(s *RNNSpec) { s.X = [][]float64{} }, "x", "empty"},
		{"ragged x", func(s *RNNSpec) { s.X[1] = []float64{1, 2} }, "x[1]", "needs 3 (input_size)"},
		{"Inf in x", func(s *RNNSpec) { s.X[0][2] = math.Inf(-1) }, "x[0][2]", "-Inf"},
		{"too many steps", func(s *RNNSpec) { s.X = matrix(MaxRNNSteps+1, 3, 0) }, "x", "time steps"},
		{"weight matrix too large", func(s *RNNSpec) {
			*s = RNNSpec{InputSize: 1, HiddenSize: 600, OutputSize: 1, WHx: matrix(600, 1, 0), WHh: matrix(600, 600, 0), WYh: matrix(1, 600, 0)}
		}, "weights.W_hh", "limit"},
		{"forward output too large", func(s *RNNSpec) {
			*s = RNNSpec{InputSize: 1, HiddenSize: 100, OutputSize: 100, WHx: matrix(100, 1, 0), WHh: matrix(100, 100, 0), WYh: matrix(100, 100, 0), X: matrix(1000, 1, 0)}
		}, "x", "would produce"},
		{"forward pass too much work", func(s *RNNSpec) {
			*s = RNNSpec{InputSize: 510, HiddenSize: 510, OutputSize: 10, WHx: matrix(510, 510, 0), WHh: matrix(510, 510, 0), WYh: matrix(10, 510, 0), X: matrix(60, 510, 0)}
		}, "x", "multiply-adds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := recitationRNN()
			tt.mutate(&s)
			_, err := RNN(s)
			if f := fieldOf(t, err); f != tt.field {
				t.Errorf("field = %q, want %q (error %q)", f, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}

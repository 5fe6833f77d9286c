package compute

import (
	"fmt"
	"math"
	"strings"
)

// RNNSpec describes the recitation's Elman RNN:
//
//	z_t = W_hh h_{t−1} + W_hx x_t (+ b_h)
//	h_t = ψ(z_t)
//	o_t = W_yh h_t (+ b_y)
//	ŷ_t = σ(o_t)
//
// With only the sizes it yields the weight shapes and parameter count; with
// the weights and X it also runs the forward pass.
type RNNSpec struct {
	InputSize, HiddenSize, OutputSize int
	Bias                              bool
	HiddenActivation                  string      // ψ: "tanh" (default when ""), "relu", "sigmoid", "identity"
	OutputActivation                  string      // σ: "sigmoid" (default when ""), "softmax", "identity"
	WHx, WHh, WYh                     [][]float64 // H×I, H×H, O×H; all nil for shapes and parameters only
	BH, BY                            []float64   // biases when Bias (nil means zeros)
	H0                                []float64   // initial hidden state; nil means zeros
	X                                 [][]float64 // T×I inputs, one row per time step; nil means no forward pass
}

// RNNShapes holds the [rows, cols] shape of each weight matrix.
type RNNShapes struct{ WHx, WHh, WYh [2]int }

// RNNStep is one time step of the forward pass: the pre-activation Z, the
// hidden state H = ψ(Z), the output pre-activation O and YHat = σ(O).
type RNNStep struct{ Z, H, O, YHat []float64 }

// RNNResult is the outcome of RNN.
type RNNResult struct {
	Shapes      RNNShapes
	TotalParams int64
	Steps       []RNNStep // nil unless X and the weights were given
}

// Activation names accepted by RNNSpec. The empty string selects the
// recitation's default.
const (
	actTanh     = "tanh"
	actReLU     = "relu"
	actSigmoid  = "sigmoid"
	actSoftmax  = "softmax"
	actIdentity = "identity"
)

// resolveActivation maps name (case-insensitive, "" for the default) to its
// canonical form if it is one of allowed.
func resolveActivation(field, name, def string, allowed ...string) (string, *Error) {
	if name == "" {
		return def, nil
	}
	for _, a := range allowed {
		if strings.EqualFold(name, a) {
			return a, nil
		}
	}
	return "", errorf(field, "unknown activation %q; choose one of %s", name, strings.Join(allowed, ", "))
}

// RNN validates s, reports the weight shapes and the parameter count
// H·I + H·H + O·H (+ H + O with Bias) and, when X and the weights are
// given, runs the forward pass from H0.
//
// Errors are *Error naming "input_size", "hidden_size", "output_size",
// "hidden_activation", "output_activation", "weights" (X without weights),
// "weights.W_hx", "weights.W_hh", "weights.W_yh", "weights.b_h",
// "weights.b_y", "bias" (biases given with Bias off), "h0", "x" or an
// element such as "x[3]" or "weights.W_hh[1][2]". Sizes are at most
// MaxRNNSize, X has at most MaxRNNSteps rows, every given matrix at most
// MaxTensorElements numbers, the forward pass's output at most
// MaxOutputElements, and the
// forward pass at most MaxMultiplyAdds multiply-adds.
func RNN(s RNNSpec) (RNNResult, error) {
	r, err := rnn(s)
	if err != nil {
		return RNNResult{}, fmt.Errorf("rnn: %w", err)
	}
	return r, nil
}

// rnn is RNN with a concrete error type.
func rnn(s RNNSpec) (RNNResult, *Error) {
	for _, a := range [...]struct {
		field string
		v     int
	}{{"input_size", s.InputSize}, {"hidden_size", s.HiddenSize}, {"output_size", s.OutputSize}} {
		if a.v < 1 || a.v > MaxRNNSize {
			return RNNResult{}, errorf(a.field, "is %d; it must be between 1 and %d", a.v, MaxRNNSize)
		}
	}
	in, hid, out := s.InputSize, s.HiddenSize, s.OutputSize
	hiddenAct, err := resolveActivation("hidden_activation", s.HiddenActivation, actTanh, actTanh, actReLU, actSigmoid, actIdentity)
	if err != nil {
		return RNNResult{}, err
	}
	outputAct, err := resolveActivation("output_activation", s.OutputActivation, actSigmoid, actSigmoid, actSoftmax, actIdentity)
	if err != nil {
		return RNNResult{}, err
	}
	hasWeights, err := s.checkWeights()
	if err != nil {
		return RNNResult{}, err
	}
	if s.H0 != nil {
		if err := checkVector("h0", s.H0, hid, "hidden_size"); err != nil {
			return RNNResult{}, err
		}
	}
	if s.X != nil {
		if err := s.checkX(hasWeights); err != nil {
			return RNNResult{}, err
		}
	}

	// Sizes are at most 1024, so these products cannot overflow.
	params := int64(hid*in + hid*hid + out*hid)
	if s.Bias {
		params += int64(hid + out)
	}
	res := RNNResult{
		Shapes:      RNNShapes{WHx: [2]int{hid, in}, WHh: [2]int{hid, hid}, WYh: [2]int{out, hid}},
		TotalParams: params,
	}
	if s.X != nil {
		res.Steps = s.forward(hiddenAct, outputAct)
	}
	return res, nil
}

// checkWeights validates the weight matrices and biases and reports whether
// the weights are present. The three matrices come together or not at all:
// a forward pass needs every one of them.
func (s RNNSpec) checkWeights() (bool, *Error) {
	in, hid, out := s.InputSize, s.HiddenSize, s.OutputSize
	mats := [...]struct {
		field      string
		m          [][]float64
		rows, cols int
		rowsWhat   string
		colsWhat   string
	}{
		{"weights.W_hx", s.WHx, hid, in, "hidden_size", "input_size"},
		{"weights.W_hh", s.WHh, hid, hid, "hidden_size", "hidden_size"},
		{"weights.W_yh", s.WYh, out, hid, "output_size", "hidden_size"},
	}
	given := 0
	for _, m := range mats {
		if m.m != nil {
			given++
		}
	}
	if given > 0 && given < len(mats) {
		for _, m := range mats {
			if m.m == nil {
				return false, errorf(m.field, "is missing; give all three weight matrices (W_hx, W_hh, W_yh) or none")
			}
		}
	}
	for _, m := range mats {
		if m.m == nil {
			continue
		}
		if n := m.rows * m.cols; n > MaxTensorElements {
			return false, errorf(m.field, "would be %d×%d = %d numbers; the limit is %d", m.rows, m.cols, n, MaxTensorElements)
		}
		if err := checkMatrix(m.field, m.m, m.rows, m.cols, m.rowsWhat, m.colsWhat); err != nil {
			return false, err
		}
	}
	if !s.Bias && (s.BH != nil || s.BY != nil) {
		return false, errorf("bias", "is off, but weights.b_h or weights.b_y was given; turn bias on to use them")
	}
	if s.BH != nil {
		if err := checkVector("weights.b_h", s.BH, hid, "hidden_size"); err != nil {
			return false, err
		}
	}
	if s.BY != nil {
		if err := checkVector("weights.b_y", s.BY, out, "output_size"); err != nil {
			return false, err
		}
	}
	return given == len(mats), nil
}

// checkX validates the input sequence and the bounds on the forward pass.
func (s RNNSpec) checkX(hasWeights bool) *Error {
	in, hid, out := s.InputSize, s.HiddenSize, s.OutputSize
	steps := len(s.X)
	switch {
	case steps == 0:
		return errorf("x", "is empty; give at least one time step, or leave x out for shapes only")
	case steps > MaxRNNSteps:
		return errorf("x", "has %d time steps; the limit is %d", steps, MaxRNNSteps)
	case !hasWeights:
		return errorf("weights", "are required for a forward pass over x: give W_hx, W_hh and W_yh")
	}
	if n := steps * in; n > MaxTensorElements {
		return errorf("x", "has %d×%d = %d numbers; the limit is %d", steps, in, n, MaxTensorElements)
	}
	if err := checkMatrix("x", s.X, steps, in, "time steps", "input_size"); err != nil {
		return err
	}
	if n := steps * 2 * (hid + out); n > MaxOutputElements {
		return limitErrorf("x", MaxOutputElements, "the forward pass would produce %d numbers (%d steps × (2·hidden_size + 2·output_size)); the limit is %d; use fewer time steps",
			n, steps, MaxOutputElements)
	}
	if work := steps * hid * (in + hid + out); work > MaxMultiplyAdds {
		return limitErrorf("x", MaxMultiplyAdds, "the forward pass would take %d multiply-adds; the limit is %d; use fewer time steps", work, MaxMultiplyAdds)
	}
	return nil
}

// forward runs the validated forward pass. Every step's vectors share one
// allocation, and each step owns its slices.
func (s RNNSpec) forward(hiddenAct, outputAct string) []RNNStep {
	hid, out := s.HiddenSize, s.OutputSize
	h := make([]float64, hid)
	if s.H0 != nil {
		copy(h, s.H0)
	}
	steps := make([]RNNStep, len(s.X))
	for t, x := range s.X {
		buf := make([]float64, 2*hid+2*out)
		st := RNNStep{
			Z:    buf[:hid:hid],
			H:    buf[hid : 2*hid : 2*hid],
			O:    buf[2*hid : 2*hid+out : 2*hid+out],
			YHat: buf[2*hid+out:],
		}
		for i := range hid {
			// The recurrent term first, then the input term, then the bias,
			// in the order the recitation writes z_t.
			z := dot(s.WHh[i], h) + dot(s.WHx[i], x)
			if s.BH != nil {
				z += s.BH[i]
			}
			st.Z[i] = z
		}
		activate(hiddenAct, st.H, st.Z)
		for i := range out {
			o := dot(s.WYh[i], st.H)
			if s.BY != nil {
				o += s.BY[i]
			}
			st.O[i] = o
		}
		activate(outputAct, st.YHat, st.O)
		steps[t] = st
		h = st.H
	}
	return steps
}

// dot is the inner product of equal-length vectors, summed left to right.
func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		// Explicit rounding: no fused multiply-add, so results are the same
		// on every platform and match hand computation.
		s += float64(v * b[i])
	}
	return s
}

// activate writes act(src) into dst (same length).
func activate(act string, dst, src []float64) {
	switch act {
	case actTanh:
		for i, v := range src {
			dst[i] = math.Tanh(v)
		}
	case actReLU:
		for i, v := range src {
			dst[i] = 0
			if v > 0 {
				dst[i] = v
			}
		}
	case actSigmoid:
		for i, v := range src {
			dst[i] = sigmoid(v)
		}
	case actSoftmax:
		softmax(dst, src)
	default: // identity
		copy(dst, src)
	}
}

// sigmoid is 1/(1+e^−v), written so that e^x is only taken of x ≤ 0 and
// never overflows.
func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// softmax writes the softmax of src into dst. Subtracting the maximum first
// keeps every exponent ≤ 0, so large inputs cannot overflow to Inf/Inf.
func softmax(dst, src []float64) {
	m := math.Inf(-1)
	for _, v := range src {
		m = max(m, v)
	}
	var sum float64
	for i, v := range src {
		dst[i] = math.Exp(v - m)
		sum += dst[i]
	}
	for i := range dst {
		dst[i] /= sum
	}
}

package exercises

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// RNNForwardData holds the givens of an rnn-forward variant: the sizes, the
// activations (in compute's names), the weights, the initial state and the
// inputs, one row per time step.
type RNNForwardData struct {
	InputSize        int         `json:"input_size"`
	HiddenSize       int         `json:"hidden_size"`
	OutputSize       int         `json:"output_size"`
	HiddenActivation string      `json:"hidden_activation"`
	OutputActivation string      `json:"output_activation"`
	WHx              [][]float64 `json:"W_hx"`
	WHh              [][]float64 `json:"W_hh"`
	WYh              [][]float64 `json:"W_yh"`
	H0               []float64   `json:"h0"`
	X                [][]float64 `json:"x"`
}

// forwardSeedZero is the fixed example of seed 0. The recitation has no
// numbers for its RNN, so this one is chosen to be worth doing: ReLU clips
// an entry at both steps, and every diagnosed mistake gives a different
// answer.
func forwardSeedZero() RNNForwardData {
	return RNNForwardData{
		InputSize: 2, HiddenSize: 2, OutputSize: 2,
		HiddenActivation: "relu", OutputActivation: "identity",
		WHx: [][]float64{{2, -1}, {-2, 2}},
		WHh: [][]float64{{1, 0}, {1, 1}},
		WYh: [][]float64{{1, 2}, {-2, -2}},
		H0:  []float64{0, 0},
		X:   [][]float64{{-1, -3}, {-3, -2}},
	}
}

func (d RNNForwardData) spec() compute.RNNSpec {
	return compute.RNNSpec{
		InputSize: d.InputSize, HiddenSize: d.HiddenSize, OutputSize: d.OutputSize,
		HiddenActivation: d.HiddenActivation, OutputActivation: d.OutputActivation,
		WHx: d.WHx, WHh: d.WHh, WYh: d.WYh, H0: d.H0, X: d.X,
	}
}

func (d RNNForwardData) relu() bool { return d.HiddenActivation == "relu" }

// run is the forward pass of d through compute.
func (d RNNForwardData) run() ([]compute.RNNStep, error) {
	res, err := compute.RNN(d.spec())
	if err != nil {
		return nil, err
	}
	return res.Steps, nil
}

// drawForward draws a variant with small whole numbers whose forward pass
// shows what it is about: the recurrence changes h_2, ReLU (when used)
// clips something, and no answer is all zeros or large.
func drawForward(rng *rand.Rand) RNNForwardData {
	// The activation is drawn once, outside the loop, so that rejections
	// (which hit ReLU variants more often) do not tilt the mix: about three
	// variants in four use ReLU.
	psi := "relu"
	if rng.IntN(4) == 0 {
		psi = "identity"
	}
	for range 10000 {
		d := RNNForwardData{
			InputSize: 2, HiddenSize: 2, OutputSize: 1 + rng.IntN(2),
			HiddenActivation: psi, OutputActivation: "identity",
			H0: []float64{0, 0},
		}
		d.WHx = randomMatrix(rng, d.HiddenSize, d.InputSize, -2, 2)
		d.WHh = randomMatrix(rng, d.HiddenSize, d.HiddenSize, -2, 2)
		d.WYh = randomMatrix(rng, d.OutputSize, d.HiddenSize, -2, 2)
		d.X = randomMatrix(rng, 2, d.InputSize, -3, 3)
		if d.worthDoing() {
			return d
		}
	}
	// Practically unreachable: most draws are accepted.
	return forwardSeedZero()
}

// worthDoing reports whether a drawn variant makes a good exercise.
func (d RNNForwardData) worthDoing() bool {
	steps, err := d.run()
	if err != nil {
		return false
	}
	noRec := d
	noRec.WHh = rnnZeros(d.HiddenSize, d.HiddenSize)
	without, err := noRec.run()
	if err != nil {
		return false
	}
	h1, h2, o2 := steps[0].H, steps[1].H, steps[1].O
	switch {
	case rnnAllZero(h1) || rnnAllZero(h2) || rnnAllZero(o2):
		return false
	case slices.Equal(h2, without[1].H):
		return false // the recurrence would make no difference
	case d.relu() && slices.Equal(steps[0].Z, h1) && slices.Equal(steps[1].Z, h2):
		return false // ReLU would clip nothing
	}
	for _, v := range [][]float64{steps[0].Z, steps[1].Z, o2} {
		for _, x := range v {
			if math.Abs(x) > 20 {
				return false
			}
		}
	}
	// No dead hidden unit: one that is 0 at both steps hides slips.
	for i := range h1 {
		if h1[i] == 0 && h2[i] == 0 {
			return false
		}
	}
	// Every slip must be told apart: its answer differs from the right
	// one and from every other slip's.
	ms, err := forwardMistakes(d)
	if err != nil {
		return false
	}
	want := map[string][]float64{"h-1": h1, "h-2": h2, "o-2": o2}
	for part, list := range ms {
		seen := [][]float64{want[part]}
		w := want[part]
		for i := range w {
			for j := i + 1; j < len(w); j++ {
				if w[i] != w[j] {
					// Two entries swapped is a slip of its own.
					sw := slices.Clone(w)
					sw[i], sw[j] = sw[j], sw[i]
					seen = append(seen, sw)
				}
			}
		}
		for _, m := range list {
			for _, s := range seen {
				if slices.Equal(m.value[0], s) {
					return false
				}
			}
			seen = append(seen, m.value[0])
		}
	}
	return true
}

func rnnAllZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func rnnZeros(rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
	}
	return m
}

func rnnTransposed(m [][]float64) [][]float64 {
	if len(m) == 0 {
		return nil
	}
	out := make([][]float64, len(m[0]))
	for j := range out {
		out[j] = make([]float64, len(m))
		for i := range m {
			out[j][i] = m[i][j]
		}
	}
	return out
}

func rnnIsSquare(m [][]float64) bool { return len(m) > 0 && len(m) == len(m[0]) }

// rnnMatVec is W·v, computed by compute.RNN with identity activations and no
// recurrence, so every number in a worked solution comes from the engine.
func rnnMatVec(w [][]float64, v []float64) ([]float64, error) {
	hid := len(w)
	res, err := compute.RNN(compute.RNNSpec{
		InputSize: len(v), HiddenSize: hid, OutputSize: 1,
		HiddenActivation: "identity", OutputActivation: "identity",
		WHx: w, WHh: rnnZeros(hid, hid), WYh: rnnZeros(1, hid),
		X: [][]float64{v},
	})
	if err != nil {
		return nil, err
	}
	return res.Steps[0].Z, nil
}

// rnnVecText writes a vector as "[1, -2]".
func rnnVecText(v []float64) string { return matrixText([][]float64{v}) }

// rnnMatVecArithmetic writes W·v entry by entry with every product shown:
// "[2 \cdot (-1) + (-1) \cdot (-3), ...] = [1, -4]".
func rnnMatVecArithmetic(w [][]float64, v []float64) (string, error) {
	out, err := rnnMatVec(w, v)
	if err != nil {
		return "", err
	}
	rows := make([]string, len(w))
	for i, row := range w {
		terms := make([]string, len(row))
		for j, x := range row {
			first := num(x)
			if j > 0 {
				first = signedTerm(x)
			}
			terms[j] = first + ` \cdot ` + signedTerm(v[j])
		}
		rows[i] = strings.Join(terms, " + ")
	}
	return "[" + strings.Join(rows, ", ") + "] = " + rnnVecText(out), nil
}

func rnnForward() *Exercise {
	return &Exercise{
		ID:           "rnn-forward",
		Domain:       "rnn",
		Title:        "RNN forward pass by hand",
		Section:      "4.1",
		SectionTitle: "Sample RNN",
		Summary:      "Run a tiny Elman RNN for two time steps by hand: hidden states and output from small whole-number weights.",
		Beyond:       true,
		generate:     generateRNNForward,
	}
}

func generateRNNForward(seed uint64, rng *rand.Rand) (*Variant, error) {
	d := forwardSeedZero()
	if seed != 0 {
		d = drawForward(rng)
	}
	return BuildRNNForward(d)
}

// BuildRNNForward builds the variant for d: h_1, h_2 and o_2 of a two-step
// forward pass, as the built-in rnn-forward asks them. d must have two
// time steps, a ReLU or identity hidden activation and an identity output.
func BuildRNNForward(d RNNForwardData) (*Variant, error) {
	if len(d.X) != 2 {
		return nil, fmt.Errorf("rnn-forward: the input needs 2 time steps, has %d", len(d.X))
	}
	if (d.HiddenActivation != "relu" && d.HiddenActivation != "identity") || d.OutputActivation != "identity" {
		return nil, fmt.Errorf("rnn-forward: the hidden activation must be relu or identity and the output's identity")
	}
	steps, err := d.run()
	if err != nil {
		return nil, fmt.Errorf("forward pass: %w", err)
	}
	ms, err := forwardMistakes(d)
	if err != nil {
		return nil, err
	}
	v := &Variant{Data: d}
	v.Intro = forwardIntro(d)
	h1, err := forwardHiddenPart(d, steps, 0, ms["h-1"])
	if err != nil {
		return nil, err
	}
	h2, err := forwardHiddenPart(d, steps, 1, ms["h-2"])
	if err != nil {
		return nil, err
	}
	o2, err := forwardOutputPart(d, steps, ms["o-2"])
	if err != nil {
		return nil, err
	}
	o2.RNNDiagram = d.diagram("The network rolled up, and unrolled: the same three matrices act at every step")
	v.Parts = []*Part{h1, h2, o2}
	return v, nil
}

// psiWords names the hidden activation for prose.
func (d RNNForwardData) psiWords() string {
	if d.relu() {
		return "ReLU (negative entries become 0, the others stay)"
	}
	return "the identity (it changes nothing)"
}

func (d RNNForwardData) diagram(caption string) *RNNDiagram {
	psi := "ψ = identity"
	if d.relu() {
		psi = "ψ = ReLU"
	}
	return &RNNDiagram{
		Caption:   caption,
		InputSize: d.InputSize, HiddenSize: d.HiddenSize, OutSize: d.OutputSize,
		Steps:            len(d.X),
		HiddenActivation: psi, OutActivation: "σ = identity",
	}
}

func forwardIntro(d RNNForwardData) []Block {
	column := func(v []float64) [][]float64 {
		out := make([][]float64, len(v))
		for i, x := range v {
			out[i] = []float64{x}
		}
		return out
	}
	return []Block{
		{Text: fmt.Sprintf("A small Elman RNN has inputs $\\mathbf{x}_t \\in \\mathbb{R}^{%d}$, hidden states $\\mathbf{h}_t \\in \\mathbb{R}^{%d}$ "+
			"and outputs $\\mathbf{o}_t \\in \\mathbb{R}^{%d}$. It computes $\\mathbf{z}_t = W_{hh} \\mathbf{h}_{t-1} + W_{hx} \\mathbf{x}_t$, "+
			"$\\mathbf{h}_t = \\psi(\\mathbf{z}_t)$, $\\mathbf{o}_t = W_{yh} \\mathbf{h}_t$ and $\\hat{\\mathbf{y}}_t = \\sigma(\\mathbf{o}_t)$, with no biases.",
			d.InputSize, d.HiddenSize, d.OutputSize)},
		{Text: fmt.Sprintf("Here $\\psi$ is %s, $\\sigma$ is the identity, and the hidden state starts at $\\mathbf{h}_0 = %s$. "+
			"Run the network for two time steps on the inputs below. Vectors are columns in the products; "+
			"to save space they are written in a row, like $\\mathbf{x}_1 = %s$.", d.psiWords(), rnnVecText(d.H0), rnnVecText(d.X[0]))},
		{Grid: &Grid{Label: "$W_{hx}$", Cells: d.WHx}},
		{Grid: &Grid{Label: "$W_{hh}$", Cells: d.WHh}},
		{Grid: &Grid{Label: "$W_{yh}$", Cells: d.WYh}},
		{Grid: &Grid{Label: "$\\mathbf{x}_1$", Cells: column(d.X[0])}},
		{Grid: &Grid{Label: "$\\mathbf{x}_2$", Cells: column(d.X[1])}},
		// The diagram comes with the worked solution (see o-2): drawing
		// the rolled network is a task of its own.
	}
}

// forwardMistakes runs compute on each mistaken setting and returns, per
// part ID, the answers those mistakes lead to (vectors as 1×n rows).
func forwardMistakes(d RNNForwardData) (map[string][]mistake[[][]float64], error) {
	row := func(v []float64) [][]float64 { return [][]float64{slices.Clone(v)} }
	out := map[string][]mistake[[][]float64]{}
	add := func(part, id, feedback string, v []float64) {
		out[part] = append(out[part], mistake[[][]float64]{id: id, feedback: feedback, value: row(v)})
	}
	steps, err := d.run()
	if err != nil {
		return nil, err
	}

	if d.relu() {
		noAct := d
		noAct.HiddenActivation = "identity"
		s, err := noAct.run()
		if err != nil {
			return nil, err
		}
		fb := "You left out the activation: $\\psi$ is ReLU, so every negative entry of $\\mathbf{z}_t$ becomes 0 before it is used as $\\mathbf{h}_t$."
		add("h-1", "forgot-activation", fb, s[0].H)
		add("h-2", "forgot-activation", fb, s[1].H)
		add("o-2", "forgot-activation", fb, s[1].O)
		// Step 2 alone without ReLU, from the right h_1.
		late := d
		late.HiddenActivation = "identity"
		late.H0 = steps[0].H
		late.X = d.X[1:]
		s, err = late.run()
		if err != nil {
			return nil, err
		}
		add("h-2", "forgot-activation", fb, s[0].H)
		add("o-2", "forgot-activation", fb, s[0].O)
		// The recurrence fed with z_1 instead of h_1 = ψ(z_1).
		pre := d
		pre.H0 = steps[0].Z
		pre.X = d.X[1:]
		s, err = pre.run()
		if err != nil {
			return nil, err
		}
		add("h-2", "used-z1", "You fed $\\mathbf{z}_1$ into the recurrence. The next step uses the hidden state $\\mathbf{h}_1 = \\psi(\\mathbf{z}_1)$, after ReLU.", s[0].H)
	}

	noRec := d
	noRec.WHh = rnnZeros(d.HiddenSize, d.HiddenSize)
	s, err := noRec.run()
	if err != nil {
		return nil, err
	}
	fb := "You left out the recurrence: $\\mathbf{z}_2 = W_{hh} \\mathbf{h}_1 + W_{hx} \\mathbf{x}_2$, and the term $W_{hh} \\mathbf{h}_1$ is how the network remembers step 1."
	add("h-2", "forgot-recurrence", fb, s[1].H)
	add("o-2", "forgot-recurrence", fb, s[1].O)

	// Every square weight matrix used transposed: each row of W should be
	// multiplied with the vector, not each column.
	tr := d
	changed := false
	for _, w := range []*[][]float64{&tr.WHx, &tr.WHh, &tr.WYh} {
		if rnnIsSquare(*w) {
			*w = rnnTransposed(*w)
			changed = true
		}
	}
	if changed {
		s, err = tr.run()
		if err != nil {
			return nil, err
		}
		fb := "You multiplied with the transposed matrix, pairing the vector with the columns of $W$. " +
			"Entry $i$ of $W \\mathbf{v}$ pairs row $i$ of $W$ with $\\mathbf{v}$, entry by entry."
		add("h-1", "transposed-weights", fb, s[0].H)
		add("h-2", "transposed-weights", fb, s[1].H)
		add("o-2", "transposed-weights", fb, s[1].O)
	}

	add("o-2", "wrong-step", "That is $\\mathbf{o}_1 = W_{yh} \\mathbf{h}_1$, the output at step 1. The question asks for step 2, computed from $\\mathbf{h}_2$.", steps[0].O)
	return out, nil
}

// rnnVectorCheck checks a vector answered as a row; a column of the right
// length is accepted too, since vectors are columns in the math.
//
// Entries in the wrong places are diagnosed too: two entries swapped is
// "swapped-entries", usually a row of W paired with the wrong entry.
func rnnVectorCheck(expected []float64, mistakes []mistake[[][]float64], generic string) checker {
	inner := matrixCheck([][]float64{expected}, mistakes, generic)
	judge := func(vec []float64, text string) Verdict {
		vd := inner.check(text)
		if vd.Status != StatusIncorrect || len(vec) != len(expected) {
			return vd
		}
		if i, j, ok := swappedPair(vec, expected); ok {
			fb := fmt.Sprintf("Entries %d and %d are the right numbers in each other's places. Entry $i$ of $W \\mathbf{v}$ "+
				"comes from row $i$ of $W$: keep each row's result in its own place.", i+1, j+1)
			if vd.Mistake == "" {
				vd.Mistake, vd.Feedback = "swapped-entries", fb
			} else {
				vd.Feedback += " Or: " + fb
			}
			vd.Mistakes = append(vd.Mistakes, "swapped-entries")
		}
		return vd
	}
	examples := inner.examples
	for i := range expected {
		for j := i + 1; j < len(expected); j++ {
			if expected[i] != expected[j] && len(examples) == len(inner.examples) {
				sw := slices.Clone(expected)
				sw[i], sw[j] = sw[j], sw[i]
				examples = append(examples, example{code: "swapped-entries", input: rnnVecText(sw)})
			}
		}
	}
	return checker{examples: examples, fn: func(text string) Verdict {
		m, err := answer.ParseMatrix(text)
		if err != nil {
			return inner.check(text)
		}
		if len(expected) > 1 && len(m.Rows) == len(expected) && len(m.Rows[0]) == 1 {
			col := make([]float64, len(m.Rows))
			for i, r := range m.Rows {
				col[i] = r[0]
			}
			vd := judge(col, rnnVecText(col))
			vd.ReadAs = "read as the column vector " + rnnVecText(col)
			return vd
		}
		if len(m.Rows) == 1 {
			vd := judge(m.Rows[0], text)
			if vd.ReadAs != "" {
				vd.ReadAs = "read as the vector " + rnnVecText(m.Rows[0])
			}
			return vd
		}
		return inner.check(text)
	}}
}

// swappedPair reports whether got is want with exactly two different
// entries exchanged, and which.
func swappedPair(got, want []float64) (i, j int, ok bool) {
	var diff []int
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-9*math.Max(1, math.Abs(want[k])) {
			diff = append(diff, k)
		}
	}
	if len(diff) != 2 {
		return 0, 0, false
	}
	a, b := diff[0], diff[1]
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y)) }
	return a, b, near(got[a], want[b]) && near(got[b], want[a])
}

func forwardActivationStep(d RNNForwardData, t int, z, h []float64) string {
	if d.relu() && slices.Equal(z, h) {
		return fmt.Sprintf("$\\psi$ is ReLU, and no entry of $\\mathbf{z}_%d$ is negative, so $\\mathbf{h}_%d = \\mathbf{z}_%d = %s$.", t, t, t, rnnVecText(h))
	}
	if d.relu() {
		return fmt.Sprintf("$\\psi$ is ReLU: negative entries become 0, so $\\mathbf{h}_%d = \\psi(%s) = %s$.", t, rnnVecText(z), rnnVecText(h))
	}
	return fmt.Sprintf("$\\psi$ is the identity, so $\\mathbf{h}_%d = \\mathbf{z}_%d = %s$.", t, t, rnnVecText(h))
}

func forwardHiddenPart(d RNNForwardData, steps []compute.RNNStep, t int, mistakes []mistake[[][]float64]) (*Part, error) {
	st := steps[t]
	n := t + 1
	x := d.X[t]
	inTerm, err := rnnMatVecArithmetic(d.WHx, x)
	if err != nil {
		return nil, err
	}
	var hints, solution []string
	if t == 0 {
		hints = []string{
			"$\\mathbf{z}_1 = W_{hh} \\mathbf{h}_0 + W_{hx} \\mathbf{x}_1$, and $\\mathbf{h}_0$ is all zeros, so only $W_{hx} \\mathbf{x}_1$ is left.",
			"Entry $i$ of $W_{hx} \\mathbf{x}_1$ is row $i$ of $W_{hx}$ times $\\mathbf{x}_1$, entry by entry, added up.",
			"Then apply $\\psi$ to every entry.",
		}
		solution = []string{
			"$\\mathbf{h}_0 = \\mathbf{0}$, so $W_{hh} \\mathbf{h}_0 = \\mathbf{0}$ and $\\mathbf{z}_1 = W_{hx} \\mathbf{x}_1$.",
			"$W_{hx} \\mathbf{x}_1 = " + inTerm + "$, so $\\mathbf{z}_1 = " + rnnVecText(st.Z) + "$.",
			forwardActivationStep(d, n, st.Z, st.H),
		}
	} else {
		prev := steps[t-1].H
		recTerm, err := rnnMatVecArithmetic(d.WHh, prev)
		if err != nil {
			return nil, err
		}
		rec, err := rnnMatVec(d.WHh, prev)
		if err != nil {
			return nil, err
		}
		in, err := rnnMatVec(d.WHx, x)
		if err != nil {
			return nil, err
		}
		hints = []string{
			fmt.Sprintf("$\\mathbf{z}_%d = W_{hh} \\mathbf{h}_%d + W_{hx} \\mathbf{x}_%d$: use your $\\mathbf{h}_%d$ from the previous part.", n, t, n, t),
			"Compute the two matrix–vector products separately, add them, then apply $\\psi$.",
		}
		solution = []string{
			fmt.Sprintf("$\\mathbf{z}_%d = W_{hh} \\mathbf{h}_%d + W_{hx} \\mathbf{x}_%d$ with $\\mathbf{h}_%d = %s$.", n, t, n, t, rnnVecText(prev)),
			fmt.Sprintf("$W_{hh} \\mathbf{h}_%d = %s$.", t, recTerm),
			fmt.Sprintf("$W_{hx} \\mathbf{x}_%d = %s$.", n, inTerm),
			fmt.Sprintf("$\\mathbf{z}_%d = %s + %s = %s$.", n, rnnVecText(rec), rnnVecText(in), rnnVecText(st.Z)),
			forwardActivationStep(d, n, st.Z, st.H),
		}
	}
	return &Part{
		ID:     fmt.Sprintf("h-%d", n),
		Label:  fmt.Sprintf("Hidden state $\\mathbf{h}_%d$", n),
		Prompt: fmt.Sprintf("What is the hidden state $\\mathbf{h}_%d$? (Vectors are columns, multiplied from the left: $W \\mathbf{v}$.)", n),
		Kind:   KindMatrix,
		Format: "Write the entries in order, separated by spaces or commas, like {example} or {example2}.",
		Rows:   1, Cols: len(st.H),
		Hints:     hints,
		Solution:  solution,
		Answer:    fmt.Sprintf("$\\mathbf{h}_%d = %s$", n, rnnVecText(st.H)),
		Input:     rnnVecText(st.H),
		Animation: -1,
		check:     rnnVectorCheck(st.H, mistakes, fmt.Sprintf("Recompute $\\mathbf{z}_%d$ one entry at a time, then apply $\\psi$.", n)),
	}, nil
}

func forwardOutputPart(d RNNForwardData, steps []compute.RNNStep, mistakes []mistake[[][]float64]) (*Part, error) {
	st := steps[1]
	outTerm, err := rnnMatVecArithmetic(d.WYh, st.H)
	if err != nil {
		return nil, err
	}
	return &Part{
		ID:     "o-2",
		Label:  "Output $\\mathbf{o}_2$",
		Prompt: "What is the output $\\mathbf{o}_2$ (which here equals $\\hat{\\mathbf{y}}_2$)?",
		Kind:   KindMatrix,
		Format: "Write the entries in order, separated by spaces or commas, like {example} or {example2}.",
		Rows:   1, Cols: len(st.O),
		Hints: []string{
			"$\\mathbf{o}_2 = W_{yh} \\mathbf{h}_2$, with the $\\mathbf{h}_2$ of the previous part.",
			"Entry $i$ is row $i$ of $W_{yh}$ times $\\mathbf{h}_2$, entry by entry, added up.",
		},
		Solution: []string{
			fmt.Sprintf("$\\mathbf{o}_2 = W_{yh} \\mathbf{h}_2$ with $\\mathbf{h}_2 = %s$.", rnnVecText(st.H)),
			"$W_{yh} \\mathbf{h}_2 = " + outTerm + "$.",
			fmt.Sprintf("$\\sigma$ is the identity, so $\\hat{\\mathbf{y}}_2 = \\mathbf{o}_2 = %s$.", rnnVecText(st.O)),
		},
		Answer:    "$\\mathbf{o}_2 = " + rnnVecText(st.O) + "$",
		Input:     rnnVecText(st.O),
		Animation: -1,
		check:     rnnVectorCheck(st.O, mistakes, "Recompute $\\mathbf{h}_2$ first, then multiply it by $W_{yh}$ one row at a time."),
	}, nil
}

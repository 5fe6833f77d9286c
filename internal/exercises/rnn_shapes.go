package exercises

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
)

// RNNShapesData gives the sizes of the section 4.1 Elman RNN of a variant.
type RNNShapesData struct {
	InputSize  int  `json:"input_size"`
	HiddenSize int  `json:"hidden_size"`
	OutputSize int  `json:"output_size"`
	Bias       bool `json:"bias"`
	// Steps is how many time steps the unrolled diagram shows.
	Steps int `json:"steps"`
}

// recitationRNN is section 4.1's network: x_t ∈ ℝ³, h_t ∈ ℝ⁴, y_t ∈ ℝ²,
// no biases, drawn over three time steps.
func recitationRNN() RNNShapesData {
	return RNNShapesData{InputSize: 3, HiddenSize: 4, OutputSize: 2, Steps: 3}
}

// drawRNNShapes draws sizes whose matrices can all be told apart from their
// transposes and from one another: the input and output sizes both differ
// from the hidden size.
func drawRNNShapes(rng *rand.Rand) RNNShapesData {
	for {
		d := RNNShapesData{InputSize: 2 + rng.IntN(7), HiddenSize: 2 + rng.IntN(7), OutputSize: 1 + rng.IntN(6), Steps: 3}
		if d.InputSize != d.HiddenSize && d.OutputSize != d.HiddenSize {
			return d
		}
	}
}

func (d RNNShapesData) spec() compute.RNNSpec {
	return compute.RNNSpec{InputSize: d.InputSize, HiddenSize: d.HiddenSize, OutputSize: d.OutputSize, Bias: d.Bias}
}

func rnnShapes() *Exercise {
	return &Exercise{
		ID:           "rnn-shapes",
		Domain:       "rnn-shapes",
		Title:        "RNN weight shapes",
		Section:      "4.1",
		SectionTitle: "Sample RNN",
		Summary:      "Work out the shapes of an Elman RNN's three weight matrices from the sizes of its vectors, and count its weights.",
		generate:     generateRNNShapes,
	}
}

func (d RNNShapesData) diagram(caption string) *RNNDiagram {
	return &RNNDiagram{
		Caption:   caption,
		InputSize: d.InputSize, HiddenSize: d.HiddenSize, OutSize: d.OutputSize,
		Steps:            d.Steps,
		HiddenActivation: "ψ", OutActivation: "σ",
	}
}

func generateRNNShapes(seed uint64, rng *rand.Rand) (*Variant, error) {
	d := recitationRNN()
	if seed != 0 {
		d = drawRNNShapes(rng)
	}
	return BuildRNNShapes(d, rng, seed != 0)
}

// BuildRNNShapes builds the variant for d: the three weight shapes, the
// weight count and the compact drawing, as the built-in rnn-shapes asks
// them; shuffle mixes the drawing's options (every seed but 0). Authored
// files build their variants here too.
func BuildRNNShapes(d RNNShapesData, rng *rand.Rand, shuffle bool) (*Variant, error) {
	res, err := compute.RNN(d.spec())
	if err != nil {
		return nil, err
	}
	ms, err := rnnShapeMistakes(d)
	if err != nil {
		return nil, err
	}
	pms, err := rnnParamMistakes(d, res)
	if err != nil {
		return nil, err
	}
	i, h, o := d.InputSize, d.HiddenSize, d.OutputSize
	v := &Variant{Data: d}
	v.Intro = []Block{
		{Text: fmt.Sprintf("An Elman RNN reads a sequence one vector at a time. At time step $t$ it takes an input "+
			"$\\mathbf{x}_t \\in \\mathbb{R}^{%d}$, updates its hidden state $\\mathbf{h}_t \\in \\mathbb{R}^{%d}$ and "+
			"predicts $\\hat{\\mathbf{y}}_t \\in \\mathbb{R}^{%d}$:", i, h, o)},
		{Text: "$\\mathbf{z}_t = W_{hh} \\mathbf{h}_{t-1} + W_{hx} \\mathbf{x}_t$, $\\mathbf{h}_t = \\psi(\\mathbf{z}_t)$, " +
			"$\\mathbf{o}_t = W_{yh} \\mathbf{h}_t$, $\\hat{\\mathbf{y}}_t = \\sigma(\\mathbf{o}_t)$."},
		{Text: "$\\psi$ and $\\sigma$ are activation functions applied to each entry, and the network has no bias terms. " +
			"Vectors are columns, so a matrix times a vector is written with the matrix on the left."},
		// No diagram here: drawing the rolled network is the student's
		// task (section 4.1.1); it comes with the worked solution.
	}
	whx, whh, wyh := res.Shapes.WHx, res.Shapes.WHh, res.Shapes.WYh
	v.Parts = []*Part{
		rnnShapePart("w-hx", "W_{hx}", "W_hx", whx, ms["w-hx"],
			[]string{
				"$W_{hx} \\mathbf{x}_t$ is a matrix times a vector: the matrix needs one column for each entry of the vector.",
				"The product is added into $\\mathbf{z}_t$, which is as long as $\\mathbf{h}_t$; that fixes the number of rows.",
			},
			[]string{
				fmt.Sprintf("$W_{hx}$ multiplies $\\mathbf{x}_t \\in \\mathbb{R}^{%d}$, so it has %d columns.", i, whx[1]),
				fmt.Sprintf("$W_{hx} \\mathbf{x}_t$ is added to $W_{hh} \\mathbf{h}_{t-1}$ to make $\\mathbf{z}_t \\in \\mathbb{R}^{%d}$, so it has %d rows.", h, whx[0]),
				fmt.Sprintf("Check: $(%d \\times %d) \\cdot (%d \\times 1)$ gives $%d \\times 1$, the size of $\\mathbf{z}_t$.", whx[0], whx[1], i, whx[0]),
			}),
		rnnShapePart("w-yh", "W_{yh}", "W_yh", wyh, ms["w-yh"],
			[]string{
				"$W_{yh}$ turns the hidden state into the output: which vector does it multiply?",
				"Columns match the vector it multiplies; rows match the vector it produces, $\\mathbf{o}_t$.",
			},
			[]string{
				fmt.Sprintf("$W_{yh}$ multiplies $\\mathbf{h}_t \\in \\mathbb{R}^{%d}$, so it has %d columns.", h, wyh[1]),
				fmt.Sprintf("It produces $\\mathbf{o}_t$, which has as many entries as $\\hat{\\mathbf{y}}_t \\in \\mathbb{R}^{%d}$, so it has %d %s.", o, wyh[0], plural(wyh[0], "row", "rows")),
				fmt.Sprintf("Check: $(%d \\times %d) \\cdot (%d \\times 1)$ gives $%d \\times 1$.", wyh[0], wyh[1], h, wyh[0]),
			}),
		rnnShapePart("w-hh", "W_{hh}", "W_hh", whh, ms["w-hh"],
			[]string{
				"$W_{hh}$ multiplies the previous hidden state, and its product joins $\\mathbf{z}_t$.",
				"Both the vector it reads and the vector it helps produce are hidden states.",
			},
			[]string{
				fmt.Sprintf("$W_{hh}$ multiplies $\\mathbf{h}_{t-1} \\in \\mathbb{R}^{%d}$, so it has %d columns.", h, whh[1]),
				fmt.Sprintf("Its product is part of $\\mathbf{z}_t \\in \\mathbb{R}^{%d}$, so it has %d rows: the matrix is square.", h, whh[0]),
				fmt.Sprintf("Check: $(%d \\times %d) \\cdot (%d \\times 1)$ gives $%d \\times 1$.", whh[0], whh[1], h, whh[0]),
			}),
	}
	// The rolled diagram answers the drawing task, so it comes only with
	// that task's solution, not with the parameter count's.
	v.Parts = append(v.Parts, rnnParamsPart(res, pms))
	compact := rnnCompactPart(rng, shuffle)
	compact.RNNDiagram = d.diagram("The compact drawing: one cell with its loop (left), and the same cell unrolled (right)")
	v.Parts = append(v.Parts, compact)
	return v, nil
}

// rnnCompactPart asks section 4.1.1's task, "redraw the network in a
// compact form that needs no unrolling", as a choice of the arrows of the
// compact drawing and their labels: a form that works with keyboard,
// screen reader and no JavaScript. The drawing itself comes with the
// solution, after an attempt.
func rnnCompactPart(rng *rand.Rand, shuffle bool) *Part {
	opts := []Option{
		{ID: "x-to-h", Text: "An arrow from $\\mathbf{x}_t$ to $\\mathbf{h}_t$, labelled $W_{hx}$"},
		{ID: "h-loop", Text: "A loop from $\\mathbf{h}_t$ back to itself, labelled $W_{hh}$: it carries $\\mathbf{h}_{t-1}$ into the next step"},
		{ID: "h-to-y", Text: "An arrow from $\\mathbf{h}_t$ to $\\hat{\\mathbf{y}}_t$, labelled $W_{yh}$"},
		{ID: "y-to-h", Text: "An arrow from $\\hat{\\mathbf{y}}_t$ back to $\\mathbf{h}_t$, labelled $W_{hh}$"},
		{ID: "x-to-y", Text: "An arrow straight from $\\mathbf{x}_t$ to $\\hat{\\mathbf{y}}_t$, labelled $W_{yh}$"},
		{ID: "copies", Text: "One cell per time step, each with its own $W_{hx}$, $W_{hh}$ and $W_{yh}$"},
	}
	right := []string{"x-to-h", "h-loop", "h-to-y"}
	why := map[string]string{
		"y-to-h": "What is fed back is the hidden state, not the prediction: $\\mathbf{z}_t = W_{hh} \\mathbf{h}_{t-1} + W_{hx} \\mathbf{x}_t$ has no $\\hat{\\mathbf{y}}$ in it.",
		"x-to-y": "The input reaches the output only through the hidden state: $\\mathbf{o}_t = W_{yh} \\mathbf{h}_t$.",
		"copies": "That is the unrolled drawing, which the compact form replaces; and every copy shares the same three matrices.",
	}
	if shuffle {
		rng.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	}
	var input []string
	for _, o := range opts {
		if slices.Contains(right, o.ID) {
			input = append(input, o.ID)
		}
	}
	return &Part{
		ID:    "compact-drawing",
		Label: "The compact drawing",
		Prompt: "Section 4.1 asks you to redraw the network in a compact form that needs no unrolling across time steps. " +
			"Sketch it, then select every arrow your drawing has.",
		Kind:        KindMultipleChoice,
		Placeholder: "select every arrow of the compact drawing",
		Format:      "Select every option that applies; it counts as right only when exactly the right ones are selected.",
		Options:     opts,
		Hints: []string{
			"Read the equations: each weight matrix multiplies one vector to help make another. Each such product is one arrow.",
			"$W_{hh}$ multiplies the previous hidden state to make the next one: in a drawing without time steps, where does that arrow go?",
		},
		Solution: []string{
			"$W_{hx}$ turns the input into part of $\\mathbf{z}_t$: an arrow $\\mathbf{x}_t \\to \\mathbf{h}_t$.",
			"$W_{hh}$ turns the previous hidden state into the other part of $\\mathbf{z}_t$: without time steps, an arrow from $\\mathbf{h}$ back into itself, a loop (drawn with a delay of one step).",
			"$W_{yh}$ turns the hidden state into the output: an arrow $\\mathbf{h}_t \\to \\hat{\\mathbf{y}}_t$.",
		},
		Answer:    "The arrows $\\mathbf{x}_t \\to \\mathbf{h}_t$ ($W_{hx}$), the loop on $\\mathbf{h}_t$ ($W_{hh}$) and $\\mathbf{h}_t \\to \\hat{\\mathbf{y}}_t$ ($W_{yh}$)",
		Input:     strings.Join(input, ","),
		Animation: -1,
		check:     multipleChoiceCheck(opts, right, why),
	}
}

// rnnShapeMistakes computes the shapes and counts the usual mistakes lead
// to, by running compute on the mistaken setting. The keys are part IDs;
// the "params" mistakes are shapes of one dimension holding the count.
func rnnShapeMistakes(d RNNShapesData) (map[string][]mistake[[]int], error) {
	i, h, o := d.InputSize, d.HiddenSize, d.OutputSize
	run := func(in, hid, out int) (compute.RNNShapes, error) {
		r, err := compute.RNN(compute.RNNSpec{InputSize: in, HiddenSize: hid, OutputSize: out})
		return r.Shapes, err
	}
	right, err := run(i, h, o)
	if err != nil {
		return nil, err
	}
	// Input and hidden sizes swapped: W_hx comes out transposed.
	swapIH, err := run(h, i, o)
	if err != nil {
		return nil, err
	}
	// Hidden and output sizes swapped: W_yh comes out transposed.
	swapHO, err := run(i, o, h)
	if err != nil {
		return nil, err
	}
	// Input size taken for the hidden size.
	hidAsIn, err := run(i, i, o)
	if err != nil {
		return nil, err
	}
	// Hidden size taken for the input size.
	inAsHid, err := run(h, h, o)
	if err != nil {
		return nil, err
	}
	count := func(s [2]int) []int { return []int{s[0] * s[1]} }
	return map[string][]mistake[[]int]{
		"w-hx": {
			{id: "transposed", value: swapIH.WHx[:],
				feedback: fmt.Sprintf("Rows and columns are swapped. $W_{hx}$ multiplies $\\mathbf{x}_t$, so it has one column per entry of $\\mathbf{x}_t$ (%d) "+
					"and one row per entry of $\\mathbf{h}_t$ (%d): rows × columns = %d×%d.", i, h, right.WHx[0], right.WHx[1])},
			{id: "used-hidden-size", value: inAsHid.WHx[:],
				feedback: fmt.Sprintf("That is the shape of $W_{hh}$. $W_{hx}$ reads the input $\\mathbf{x}_t$, which has %d entries, so it needs %d columns.", i, i)},
			{id: "gave-count", value: count(right.WHx),
				feedback: "That is the number of entries in the matrix. The question asks for its shape: rows × columns."},
		},
		"w-yh": {
			{id: "transposed", value: swapHO.WYh[:],
				feedback: fmt.Sprintf("Rows and columns are swapped. $W_{yh}$ multiplies $\\mathbf{h}_t$, so it has one column per hidden unit (%d) "+
					"and one row per output (%d): rows × columns = %d×%d.", h, o, right.WYh[0], right.WYh[1])},
			{id: "used-input-size", value: hidAsIn.WYh[:],
				feedback: fmt.Sprintf("$W_{yh}$ reads the hidden state $\\mathbf{h}_t$, not the input $\\mathbf{x}_t$: it needs %d columns, one per hidden unit.", h)},
			{id: "gave-count", value: count(right.WYh),
				feedback: "That is the number of entries in the matrix. The question asks for its shape: rows × columns."},
		},
		"w-hh": {
			{id: "copied-w-hx", value: right.WHx[:],
				feedback: fmt.Sprintf("That is the shape of $W_{hx}$. $W_{hh}$ multiplies the previous hidden state $\\mathbf{h}_{t-1}$, which has %d entries, not $\\mathbf{x}_t$.", h)},
			{id: "used-input-size", value: hidAsIn.WHh[:],
				feedback: fmt.Sprintf("$W_{hh}$ is square, but its size is that of the hidden state, %d, not that of the input, %d.", h, i)},
			{id: "gave-count", value: count(right.WHh),
				feedback: "That is the number of entries in the matrix. The question asks for its shape: rows × columns."},
		},
	}, nil
}

// rnnParamMistakes computes the counts the usual counting mistakes lead to.
func rnnParamMistakes(d RNNShapesData, res compute.RNNResult) ([]mistake[int64], error) {
	withBias := d.spec()
	withBias.Bias = true
	biased, err := compute.RNN(withBias)
	if err != nil {
		return nil, err
	}
	s := res.Shapes
	area := func(m [2]int) int64 { return int64(m[0] * m[1]) }
	sum := func(m [2]int) int64 { return int64(m[0] + m[1]) }
	return []mistake[int64]{
		{id: "counted-biases", value: biased.TotalParams,
			feedback: fmt.Sprintf("You added bias terms ($%d + %d$). This network has none: $\\mathbf{z}_t$ and $\\mathbf{o}_t$ are pure matrix products, so count only the entries of the three matrices.",
				d.HiddenSize, d.OutputSize)},
		{id: "counted-per-step", value: res.TotalParams * int64(d.Steps),
			feedback: fmt.Sprintf("You counted the weights once per time step. The unrolled picture shows %d copies of the cell, but they all use the same three matrices, so each weight counts once.", d.Steps)},
		{id: "forgot-recurrent", value: res.TotalParams - area(s.WHh),
			feedback: "You left out $W_{hh}$, the recurrent weights that carry the hidden state from one step to the next. They are parameters too."},
		{id: "added-dimensions", value: sum(s.WHx) + sum(s.WHh) + sum(s.WYh),
			feedback: "You added rows and columns. A matrix with $r$ rows and $c$ columns holds $r \\times c$ weights; add those products."},
	}, nil
}

func rnnShapePart(id, name, plain string, expected [2]int, mistakes []mistake[[]int], hints, solution []string) *Part {
	want := expected[:]
	return &Part{
		ID:    id,
		Label: "Shape of $" + name + "$",
		Prompt: fmt.Sprintf("What is the shape of $%s$ (rows × columns)? Vectors are columns and matrices multiply them "+
			"from the left, as in $W_{hx} \\mathbf{x}_t$.", name),
		Kind:      KindShape,
		Format:    "Write rows × columns, like {example} or {example2}.",
		Hints:     hints,
		Solution:  append(solution, fmt.Sprintf("So $%s \\in \\mathbb{R}^{%d \\times %d}$.", name, expected[0], expected[1])),
		Answer:    fmt.Sprintf("$%d \\times %d$", expected[0], expected[1]),
		Input:     fmt.Sprintf("%dx%d", expected[0], expected[1]),
		Animation: -1,
		check: shapeCheck(want, mistakes, "Find the vector this matrix multiplies (that gives the columns) "+
			"and the vector its product belongs to (that gives the rows)."),
	}
}

func rnnParamsPart(res compute.RNNResult, mistakes []mistake[int64]) *Part {
	s := res.Shapes
	return &Part{
		ID:     "params",
		Label:  "Number of weights",
		Prompt: "How many weights does the network have in total? (It has no biases.)",
		Kind:   KindInteger,
		Format: "A whole number, like {example}.",
		Hints: []string{
			"A matrix with $r$ rows and $c$ columns holds $r \\times c$ weights.",
			"Add up the three matrices. The unrolled copies share their weights, so count each matrix once.",
		},
		Solution: []string{
			fmt.Sprintf("$W_{hx}$: $%d \\times %d = %d$; $W_{yh}$: $%d \\times %d = %d$; $W_{hh}$: $%d \\times %d = %d$.",
				s.WHx[0], s.WHx[1], s.WHx[0]*s.WHx[1], s.WYh[0], s.WYh[1], s.WYh[0]*s.WYh[1], s.WHh[0], s.WHh[1], s.WHh[0]*s.WHh[1]),
			fmt.Sprintf("Total: $%d + %d + %d = %d$.", s.WHx[0]*s.WHx[1], s.WYh[0]*s.WYh[1], s.WHh[0]*s.WHh[1], res.TotalParams),
			"The same three matrices are used at every time step, so this count does not depend on the length of the sequence.",
		},
		Answer:    fmt.Sprint(res.TotalParams),
		Input:     fmt.Sprint(res.TotalParams),
		Animation: -1,
		check:     integerCheck(res.TotalParams, mistakes, "Work out each matrix's shape, multiply rows by columns, and add the three products."),
	}
}

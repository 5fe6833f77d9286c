package exercises

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// cnnDiagram asks section 3.3.2's task, "draw a diagram that illustrates
// the table", as a diagram the server can check: the student puts the
// network's layer blocks in order and labels each with the shape of its
// output. On the page every position is a select box of blocks and a text
// box for the shape, so it works with a keyboard, a screen reader and no
// JavaScript; the drawn network comes with the solution, after an attempt.
func cnnDiagram() *Exercise {
	return &Exercise{
		ID:           "cnn-diagram",
		Domain:       "diagram",
		Title:        "Draw the CNN",
		Section:      "3.3",
		SectionTitle: "Parameters",
		Summary:      "Draw the section 3.3 network as a diagram: put its layer blocks in order and label each with its output shape.",
		generate:     generateCNNDiagram,
	}
}

// diagramSep separates the positions of a diagram answer; each position is
// "block=shape".
const diagramSep = ";"

// diagramBlock is one layer block of the diagram: its option ID and its
// position in the network.
type diagramBlock struct {
	id    string
	layer CNNLayer
}

// blockID names a layer block by what it does, not by where it sits, so the
// IDs on the page do not give the order away. Two identical layers share an
// ID, and either may stand in either place.
func blockID(l CNNLayer) string {
	if l.full != nil {
		return fullBlockID(*l.full)
	}
	switch l.Type {
	case "MaxPool2d":
		return fmt.Sprintf("maxpool-%dx%d-s%d", l.KernelSize, l.KernelSize, l.Stride)
	case "Conv2d":
		return fmt.Sprintf("conv-%dx%d-%d", l.KernelSize, l.KernelSize, l.OutChannels)
	case "Linear":
		return fmt.Sprintf("linear-%d", l.OutFeatures)
	}
	return strings.ToLower(l.Type)
}

// diagramTask is the last paragraph of the built-in diagram's statement.
const diagramTask = "Section 3.3.2 asks for a diagram of this network: one block per layer, in the order the image " +
	"passes through them, each labelled with the shape of the tensor it outputs. Build it below: choose the block for each position " +
	"and write its output shape."

func generateCNNDiagram(seed uint64, rng *rand.Rand) (*Variant, error) {
	d := recitationCNN()
	if seed != 0 {
		d = drawCNN(rng)
	}
	return buildDiagram(d, append(cnnIntro(d), Block{Text: diagramTask}), rng)
}

// BuildDiagram builds a diagram variant of an authored network, like the
// built-in cnn-diagram: the layer blocks in order, each with its output
// shape. Without an intro the statement lists the layers and says what to
// draw. The block options are shuffled by rng, except at seed 0, where
// they take the order the built-in exercise's seed 0 takes (the
// generator the built-in draws them with), so the same network lists its
// blocks the same way whatever the file's ID.
func BuildDiagram(in NetworkInput, seed uint64, rng *rand.Rand) (*Variant, error) {
	intro := in.intro()
	if in.Intro == nil {
		intro = append(intro, Block{Text: "Draw this network as a diagram: one block per layer, in the order the input passes through them, " +
			"each labelled with the shape of the tensor it outputs. Build it below: choose the block for each position and write its output shape."})
	}
	if seed == 0 {
		rng = rand.New(rand.NewPCG(0, idStream("cnn-diagram")))
	}
	return buildDiagram(in.Data, intro, rng)
}

// idStream is the stream half of Exercise.Variant's generator for an ID.
func idStream(id string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	return h
}

// buildDiagram builds the diagram part of network d under intro; rng
// orders the block options.
func buildDiagram(d CNNData, intro []Block, rng *rand.Rand) (*Variant, error) {
	if len(d.Layers) < 2 {
		return nil, fmt.Errorf("a diagram needs at least two layers")
	}
	layers := d.computeLayers()
	res, err := compute.PropagateNetwork(d.InputShape, layers)
	if err != nil {
		return nil, fmt.Errorf("propagate: %w", err)
	}
	v := &Variant{Data: d}
	v.Intro = intro

	blocks := make([]diagramBlock, len(d.Layers))
	rows := make([]*Part, len(d.Layers))
	var wantIDs, wantShapes []string
	prev := d.InputShape
	stages := []NetworkStage{{Op: "input", Shape: d.InputShape}}
	for i, l := range d.Layers {
		out := res.Layers[i].OutputShape
		blocks[i] = diagramBlock{id: blockID(l), layer: l}
		rows[i] = cnnRowPart(l, layers[i], prev, out)
		wantIDs = append(wantIDs, blocks[i].id)
		wantShapes = append(wantShapes, shapeText(out))
		stages = append(stages, NetworkStage{Op: cnnOperation(l), Shape: out})
		prev = out
	}
	// The options: each distinct block once, in an order drawn by seed
	// (seed 0 too: the recitation's order would be the answer).
	var opts []Option
	for _, b := range blocks {
		if !slices.ContainsFunc(opts, func(o Option) bool { return o.ID == b.id }) {
			opts = append(opts, Option{ID: b.id, Text: blockText(b.layer)})
		}
	}
	if len(opts) < 2 {
		// One kind of block cannot be put in a wrong order.
		return nil, fmt.Errorf("a diagram needs at least two different layers")
	}
	for slices.EqualFunc(opts, uniqueIDs(wantIDs), func(o Option, id string) bool { return o.ID == id }) {
		rng.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	}
	input := make([]string, len(blocks))
	solution := []string{fmt.Sprintf("The image enters as %s.", shapeText(d.InputShape))}
	for i := range blocks {
		input[i] = wantIDs[i] + "=" + wantShapes[i]
		solution = append(solution, fmt.Sprintf("Block %d, %s: outputs %s.", i+1, cnnOperation(blocks[i].layer), wantShapes[i]))
	}
	solution = append(solution, "Every layer's shape follows from the one before it, exactly as in the shape table; the drawing puts them side by side.")
	n := len(blocks)
	p := &Part{
		ID:          "diagram",
		Label:       "The network diagram",
		Prompt:      fmt.Sprintf("Build the diagram: for each of the %d positions, from the input onwards, choose the layer block and write the shape it outputs.", n),
		Kind:        KindDiagram,
		Placeholder: "choose a block and write its output shape",
		Format: "For each position choose a block and write its output shape as C@H×W (like {shape3}) or, for a flat vector, one number (like {flat}). " +
			"As text (in the check API): block=shape for each position, separated by semicolons.",
		Options: opts,
		Slots:   n,
		Hints: []string{
			"The question lists the layers in the order the image passes through them; the softmax comes last.",
			"Each block's output shape is the next block's input: start from the input shape and apply one layer at a time.",
			"Pooling and activations keep the channels; a conv layer outputs one channel per filter; flatten multiplies C, H and W.",
		},
		Solution:  solution,
		Answer:    strings.Join(wantShapes, " → "),
		Input:     strings.Join(input, diagramSep+" "),
		Animation: -1,
		Diagram:   &NetworkDiagram{Caption: "The network: one block per layer, labelled with its output shape", Stages: stages},
		check:     diagramCheck(blocks, rows, opts, wantShapes),
	}
	v.Parts = []*Part{p}
	return v, nil
}

// uniqueIDs is ids with repeats left out, in first-seen order.
func uniqueIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// diagramEntry is one position of a diagram answer.
type diagramEntry struct {
	block string
	shape answer.Shape
	text  string
}

// parseDiagram reads "block=shape; block=shape; …" with exactly n
// positions, each naming a block of opts.
func parseDiagram(text string, n int, opts []Option) ([]diagramEntry, error) {
	parts := strings.Split(strings.TrimSpace(text), diagramSep)
	if len(parts) > 0 && strings.TrimSpace(parts[len(parts)-1]) == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != n {
		return nil, fmt.Errorf("the diagram has %d positions; give one block=shape for each of them, separated by semicolons (found %d)", n, min(len(parts), 1000))
	}
	out := make([]diagramEntry, n)
	for i, s := range parts {
		id, shape, ok := strings.Cut(s, "=")
		id = strings.TrimSpace(id)
		if !ok || id == "" || strings.TrimSpace(shape) == "" {
			return nil, fmt.Errorf("position %d needs a block and a shape, written block=shape", i+1)
		}
		if !slices.ContainsFunc(opts, func(o Option) bool { return o.ID == id }) {
			return nil, fmt.Errorf("position %d names no block of this network; the blocks are %s", i+1, blockIDs(opts))
		}
		sh, err := answer.ParseShape(shape)
		if err != nil {
			return nil, fmt.Errorf("position %d's shape: %w", i+1, err)
		}
		out[i] = diagramEntry{block: id, shape: sh, text: strings.TrimSpace(shape)}
	}
	return out, nil
}

func blockIDs(opts []Option) string {
	ids := make([]string, len(opts))
	for i, o := range opts {
		ids[i] = o.ID
	}
	return strings.Join(ids, ", ")
}

// diagramCheck checks the order of the blocks first, then each position's
// shape; a wrong shape gets the shape table's diagnosis for that layer.
func diagramCheck(blocks []diagramBlock, rows []*Part, opts []Option, wantShapes []string) checker {
	n := len(blocks)
	want := make([]string, n)
	for i, b := range blocks {
		want[i] = b.id
	}
	right := func(i int) string { return want[i] + "=" + wantShapes[i] }
	var examples []example
	// Two neighbouring blocks swapped, with the right shapes.
	for i := 0; i+1 < n; i++ {
		if want[i] != want[i+1] {
			ex := make([]string, n)
			for j := range ex {
				ex[j] = right(j)
			}
			ex[i], ex[i+1] = want[i+1]+"="+wantShapes[i], want[i]+"="+wantShapes[i+1]
			examples = append(examples, example{code: "wrong-order", input: strings.Join(ex, "; ")})
			break
		}
	}
	// A block left out and another drawn twice.
	for i := 0; i+1 < n; i++ {
		if want[i] != want[i+1] {
			ex := make([]string, n)
			for j := range ex {
				ex[j] = right(j)
			}
			ex[i+1] = want[i] + "=" + wantShapes[i+1]
			examples = append(examples, example{code: "missing-block", input: strings.Join(ex, "; ")})
			break
		}
	}
	// Each layer's shape mistakes, at its position.
	for i, r := range rows {
		for _, e := range r.check.examples {
			ex := make([]string, n)
			for j := range ex {
				ex[j] = right(j)
			}
			ex[i] = want[i] + "=" + e.input
			examples = append(examples, example{code: e.code, input: strings.Join(ex, "; ")})
		}
	}
	return checker{examples: examples, fn: func(text string) Verdict {
		got, err := parseDiagram(text, n, opts)
		if err != nil {
			return Verdict{Status: StatusInvalid, unreadable: err.Error()}
		}
		readAs := diagramReadAs(got)
		ids := make([]string, n)
		for i, e := range got {
			ids[i] = e.block
		}
		// Partial credit: a position earns its share when it holds the
		// right block with the right output shape.
		shapes := make([]Verdict, n)
		var wrongAt []int
		for i, e := range got {
			shapes[i] = rows[i].check.check(e.text)
			if ids[i] != want[i] || shapes[i].Status != StatusCorrect {
				wrongAt = append(wrongAt, i)
			}
		}
		if len(wrongAt) == 0 {
			return correct(readAs, "Correct: every block is in its place with its output shape.")
		}
		credit := func(vd Verdict) Verdict {
			vd.Credit = math.Round(float64(n-len(wrongAt))/float64(n)*100) / 100
			vd.Feedback = positionsText(wrongAt, n) + " " + vd.Feedback
			return vd
		}
		if !slices.Equal(ids, want) {
			if a, b := slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(want)); !slices.Equal(a, b) {
				return credit(diagnosed(readAs, "missing-block", "Every layer of the network is one block of the diagram, each used once "+
					"(a layer the network has twice appears twice). Check which block you used twice and which one is missing."))
			}
			for i := range ids {
				if ids[i] != want[i] {
					return credit(diagnosed(readAs, "wrong-order", fmt.Sprintf("All the blocks are there, but not in the order the image passes through them: "+
						"position %d is the first out of place. Read the layer list in the question again, from the input onwards.", i+1)))
				}
			}
		}
		i := wrongAt[0]
		vd := shapes[i]
		fb := fmt.Sprintf("The blocks are in the right order. Position %d, %s: ", i+1, cnnOperation(blocks[i].layer))
		if vd.Mistake != "" {
			return credit(diagnosedAll(readAs, vd.Mistakes, fb+vd.Feedback))
		}
		return credit(wrong(readAs, fb+"the shape is not what this layer outputs. "+vd.Feedback))
	}}
}

// positionsText names the diagram positions that are not right yet and the
// credit the others earn: "Positions 2 and 5 are not right yet; the other
// 6 of 8 earn their share of the point."
func positionsText(wrongAt []int, n int) string {
	names := make([]string, len(wrongAt))
	for i, p := range wrongAt {
		names[i] = strconv.Itoa(p + 1)
	}
	var which string
	switch len(names) {
	case 1:
		which = "Position " + names[0] + " is"
	default:
		which = "Positions " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are"
	}
	right := n - len(wrongAt)
	switch right {
	case 0:
		return which + " not right yet (a block and its shape both right earn a position's share of the point)."
	case 1:
		return fmt.Sprintf("%s not right yet; the other one of %d, a right block with its right shape, earns its share of the point.", which, n)
	}
	return fmt.Sprintf("%s not right yet; the other %d of %d, each a right block with its right shape, earn their share of the point.", which, right, n)
}

// diagramReadAs says how a diagram answer was read: the blocks in order,
// each with its shape.
func diagramReadAs(got []diagramEntry) string {
	parts := make([]string, len(got))
	for i, e := range got {
		parts[i] = e.block + " " + shapeText(e.shape.Dims)
	}
	return "read as " + strings.Join(parts, " → ")
}

// fullBlockID names an authored layer's block by everything that changes
// what it does, so two different layers never share a block. A layer the
// built-in network also has (square window, default stride, no padding)
// keeps the built-in's ID.
func fullBlockID(l compute.Layer) string {
	pair := func(p compute.Pair) string {
		if p.H == p.W {
			return strconv.Itoa(p.H)
		}
		return fmt.Sprintf("%dx%d", p.H, p.W)
	}
	// suffix is what a window's arguments add to its ID.
	suffix := func(defaultStride compute.Pair) string {
		var b strings.Builder
		if st := orPair(l.Stride, defaultStride); l.Type != "Conv2d" || st != compute.Square(1) {
			b.WriteString("-s" + pair(st))
		}
		if l.PaddingMode != "" {
			b.WriteString("-p" + l.PaddingMode)
		} else if l.Padding != (compute.Pair{}) {
			b.WriteString("-p" + pair(l.Padding))
		}
		if d := orPair(l.Dilation, compute.Square(1)); d != compute.Square(1) {
			b.WriteString("-d" + pair(d))
		}
		if l.CeilMode {
			b.WriteString("-ceil")
		}
		return b.String()
	}
	switch l.Type {
	case "Conv2d":
		id := fmt.Sprintf("conv-%dx%d-%d", l.KernelSize.H, l.KernelSize.W, l.OutChannels) + suffix(compute.Square(1))
		if l.Groups > 1 {
			id += fmt.Sprintf("-g%d", l.Groups)
		}
		if l.Bias != nil && !*l.Bias {
			id += "-nobias"
		}
		return id
	case "MaxPool2d", "AvgPool2d":
		return fmt.Sprintf("%s-%dx%d", strings.ToLower(strings.TrimSuffix(l.Type, "2d")), l.KernelSize.H, l.KernelSize.W) + suffix(l.KernelSize)
	case "AdaptiveAvgPool2d", "AdaptiveMaxPool2d":
		return fmt.Sprintf("%s-%dx%d", strings.ToLower(strings.TrimSuffix(l.Type, "2d")), l.OutputSize.H, l.OutputSize.W)
	case "Linear":
		id := "linear-" + strconv.Itoa(l.OutFeatures)
		if l.Bias != nil && !*l.Bias {
			id += "-nobias"
		}
		return id
	case "Flatten":
		id := "flatten"
		if l.StartDim != nil || l.EndDim != nil {
			id += fmt.Sprintf("-%d-%d", intOr(l.StartDim, 1), intOr(l.EndDim, -1))
		}
		return id
	}
	return strings.ToLower(l.Type)
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// blockText is what a block option says: the layer in words, with the
// arguments the words leave out for an authored layer whose window is not
// square and plain.
func blockText(l CNNLayer) string {
	text := cnnOperation(l)
	if l.full == nil {
		return text
	}
	f := *l.full
	var extra []string
	switch f.Type {
	case "Conv2d", "MaxPool2d", "AvgPool2d":
		if f.KernelSize.H != f.KernelSize.W {
			extra = append(extra, fmt.Sprintf("kernel %d×%d", f.KernelSize.H, f.KernelSize.W))
		}
		if f.Stride.H != f.Stride.W {
			extra = append(extra, fmt.Sprintf("stride %d×%d", f.Stride.H, f.Stride.W))
		}
		switch {
		case f.PaddingMode != "":
			extra = append(extra, "padding "+f.PaddingMode)
		case f.Padding.H != f.Padding.W:
			extra = append(extra, fmt.Sprintf("padding %d×%d", f.Padding.H, f.Padding.W))
		case f.Padding.H > 0 && f.Type != "Conv2d":
			extra = append(extra, fmt.Sprintf("padding %d", f.Padding.H))
		}
		if d := orPair(f.Dilation, compute.Square(1)); d == compute.Square(d.H) && d.H > 1 {
			extra = append(extra, fmt.Sprintf("dilation %d", d.H))
		} else if d.H != d.W {
			extra = append(extra, fmt.Sprintf("dilation %d×%d", d.H, d.W))
		}
		if f.CeilMode {
			extra = append(extra, "ceil mode")
		}
		if f.Groups > 1 {
			extra = append(extra, fmt.Sprintf("%d groups", f.Groups))
		}
	case "AdaptiveAvgPool2d", "AdaptiveMaxPool2d":
		extra = append(extra, fmt.Sprintf("output %d×%d", f.OutputSize.H, f.OutputSize.W))
	}
	if f.Bias != nil && !*f.Bias {
		extra = append(extra, "no bias")
	}
	if len(extra) > 0 {
		text += " (" + strings.Join(extra, ", ") + ")"
	}
	return text
}

// orPair is p, or def for the zero Pair (PyTorch's default).
func orPair(p, def compute.Pair) compute.Pair {
	if p == (compute.Pair{}) {
		return def
	}
	return p
}

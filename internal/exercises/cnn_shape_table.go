package exercises

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// CNNData describes the section 3.3 network of a variant: its input and its
// layers, in the compute API's layer form.
type CNNData struct {
	InputShape []int      `json:"input_shape"`
	Layers     []CNNLayer `json:"layers"`
	Classes    int        `json:"classes"`
}

// CNNLayer is one layer of CNNData, shaped like a compute API layer.
type CNNLayer struct {
	Row         string `json:"row"`
	Type        string `json:"type"`
	OutChannels int    `json:"out_channels,omitempty"`
	KernelSize  int    `json:"kernel_size,omitempty"`
	Stride      int    `json:"stride,omitempty"`
	Padding     int    `json:"padding,omitempty"`
	OutFeatures int    `json:"out_features,omitempty"`
	// full, when set, is the layer with every PyTorch argument (an
	// authored network's layer); compute returns it as it is.
	full *compute.Layer
}

// NetworkLayer makes a layer of an authored network: row is its row ID in
// the table, l its PyTorch form. Square kernel sizes, strides and paddings
// are described in words; anything else by the layer's type.
func NetworkLayer(row string, l compute.Layer) CNNLayer {
	full := l
	c := CNNLayer{Row: row, Type: l.Type, OutChannels: l.OutChannels, OutFeatures: l.OutFeatures, full: &full}
	if l.KernelSize.H > 0 {
		c.KernelSize = l.KernelSize.H
		c.Stride = l.Stride.H
		if c.Stride == 0 {
			c.Stride = 1
			if l.Type != "Conv2d" {
				c.Stride = c.KernelSize
			}
		}
		c.Padding = l.Padding.H
	}
	return c
}

// cnnRows are the shape table's public row IDs, in order.
var cnnRows = [...]string{"maxpool-1", "conv", "maxpool-2", "flatten", "fc-1", "relu", "fc-2", "softmax"}

// recitationCNN is section 3.3's network: 3@128×128 in, max-pool 2/2,
// conv 17×17 to 12 channels, max-pool 3/3, flatten, 128 ReLU units, 10
// softmax units.
func recitationCNN() CNNData {
	return buildCNN(3, 128, 2, 12, 17, 0, 3, 128, 10)
}

func buildCNN(channels, size, pool1, outChannels, kernel, padding, pool2, hidden, classes int) CNNData {
	return CNNData{
		InputShape: []int{channels, size, size},
		Classes:    classes,
		Layers: []CNNLayer{
			{Row: "maxpool-1", Type: "MaxPool2d", KernelSize: pool1, Stride: pool1},
			{Row: "conv", Type: "Conv2d", OutChannels: outChannels, KernelSize: kernel, Stride: 1, Padding: padding},
			{Row: "maxpool-2", Type: "MaxPool2d", KernelSize: pool2, Stride: pool2},
			{Row: "flatten", Type: "Flatten"},
			{Row: "fc-1", Type: "Linear", OutFeatures: hidden},
			{Row: "relu", Type: "ReLU"},
			{Row: "fc-2", Type: "Linear", OutFeatures: classes},
			{Row: "softmax", Type: "Softmax"},
		},
	}
}

// drawCNN draws a variant whose every division is exact, whose shapes stay
// small enough to reason about, and whose conv layer leaves a real image.
func drawCNN(rng *rand.Rand) CNNData {
	for {
		channels := []int{1, 3}[rng.IntN(2)]
		size := []int{32, 48, 64, 96, 128, 224}[rng.IntN(6)]
		pool1 := 2
		kernel := []int{3, 5, 7, 9, 11, 13, 17}[rng.IntN(7)]
		padding := 0
		if rng.IntN(3) == 0 {
			padding = (kernel - 1) / 2
		}
		pool2 := 2 + rng.IntN(2)
		outChannels := []int{4, 6, 8, 12, 16, 32}[rng.IntN(6)]
		hidden := []int{32, 64, 100, 128, 256}[rng.IntN(5)]
		classes := []int{2, 5, 10, 20, 100}[rng.IntN(5)]
		afterPool1 := size / pool1
		conv := afterPool1 - kernel + 2*padding + 1
		if conv < 4 || conv%pool2 != 0 || conv/pool2 < 2 {
			continue
		}
		if outChannels*(conv/pool2)*(conv/pool2) > 100000 {
			continue
		}
		return buildCNN(channels, size, pool1, outChannels, kernel, padding, pool2, hidden, classes)
	}
}

func (l CNNLayer) compute() compute.Layer {
	if l.full != nil {
		return *l.full
	}
	cl := compute.Layer{Type: l.Type, OutChannels: l.OutChannels, OutFeatures: l.OutFeatures}
	if l.KernelSize > 0 {
		cl.KernelSize = compute.Square(l.KernelSize)
		cl.Stride = compute.Square(l.Stride)
		cl.Padding = compute.Square(l.Padding)
		if l.Padding == 0 {
			cl.Padding = compute.Pair{}
		}
	}
	return cl
}

func (d CNNData) computeLayers() []compute.Layer {
	out := make([]compute.Layer, len(d.Layers))
	for i, l := range d.Layers {
		out[i] = l.compute()
	}
	return out
}

// applyLayer runs one layer on a shape; ok is false when the layer cannot
// take that shape (a conv on a flat vector).
func applyLayer(in []int, l compute.Layer) ([]int, bool) {
	res, err := compute.PropagateNetwork(in, []compute.Layer{l})
	if err != nil {
		return nil, false
	}
	return res.Layers[0].OutputShape, true
}

func describeLayer(l CNNLayer) string {
	switch l.Type {
	case "MaxPool2d":
		return fmt.Sprintf("max-pool %d×%d, stride %d", l.KernelSize, l.KernelSize, l.Stride)
	case "Conv2d":
		s := fmt.Sprintf("conv %d×%d, %d filters, stride %d", l.KernelSize, l.KernelSize, l.OutChannels, l.Stride)
		if l.Padding > 0 {
			s += fmt.Sprintf(", padding %d", l.Padding)
		}
		return s
	case "Flatten":
		return "flatten"
	case "Linear":
		return fmt.Sprintf("fully connected, %d units", l.OutFeatures)
	}
	return l.Type
}

// shapeText writes a shape in the C@H×W convention.
func shapeText(s []int) string {
	if len(s) == 3 {
		return fmt.Sprintf("%d@%d×%d", s[0], s[1], s[2])
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}

func cnnShapeTable() *Exercise {
	return &Exercise{
		ID:           "cnn-shape-table",
		Domain:       "shape",
		Title:        "CNN shape table",
		Section:      "3.3",
		SectionTitle: "Parameters",
		Summary:      "Follow an image through a small CNN and write the shape after every layer.",
		generate:     generateCNNShapeTable,
	}
}

func cnnIntro(d CNNData) []Block {
	in := d.InputShape
	var steps []string
	for _, l := range d.Layers[:5] {
		steps = append(steps, describeLayer(l))
	}
	colour := "RGB images (one channel per colour)"
	if in[0] == 1 {
		colour = "greyscale images (one channel)"
	}
	return []Block{
		{Text: fmt.Sprintf("A network classifies %s of %d×%d pixels into %d classes. "+
			"Shapes are written C@H×W (channels first), without a batch dimension.", colour, in[1], in[2], d.Classes)},
		{Text: fmt.Sprintf("The layers, in order: %s; then a ReLU, a fully connected layer with %d units, and a softmax over them. "+
			"Every layer has a bias unless stated otherwise.", strings.Join(steps, "; "), d.Classes)},
	}
}

func generateCNNShapeTable(seed uint64, rng *rand.Rand) (*Variant, error) {
	d := recitationCNN()
	if seed != 0 {
		d = drawCNN(rng)
	}
	return buildShapeTable(d, cnnIntro(d), seed, rng)
}

// NetworkInput is the data of an authored network exercise: the network
// and, optionally, the problem statement's paragraphs (nil: a description
// of the layers, generated).
type NetworkInput struct {
	Data  CNNData
	Intro []string
}

func (in NetworkInput) intro() []Block {
	if in.Intro == nil {
		return networkIntro(in.Data)
	}
	out := make([]Block, len(in.Intro))
	for i, t := range in.Intro {
		out[i] = Block{Text: t}
	}
	return out
}

// networkIntro describes any network layer by layer.
func networkIntro(d CNNData) []Block {
	var steps []string
	for _, l := range d.Layers {
		steps = append(steps, cnnOperation(l))
	}
	what := "images of " + shapeText(d.InputShape)
	if len(d.InputShape) != 3 {
		what = "vectors of length " + shapeText(d.InputShape)
	}
	return []Block{
		{Text: fmt.Sprintf("A network takes %s. Shapes are written C@H×W (channels first), without a batch dimension.", what)},
		{Text: "The layers, in order: " + strings.Join(steps, "; ") + ". Every layer has a bias unless stated otherwise."},
	}
}

// BuildShapeTable builds a shape-table variant of an authored network:
// one row per layer, with the built-in table's diagnoses, hints, worked
// solutions, follow-through marking and pooling animations.
func BuildShapeTable(in NetworkInput, seed uint64, rng *rand.Rand) (*Variant, error) {
	return buildShapeTable(in.Data, in.intro(), seed, rng)
}

// BuildParameterCounts builds a parameter-count variant of an authored
// network (its Conv2d and Linear layers), like the built-in
// cnn-parameters.
func BuildParameterCounts(in NetworkInput) (*Variant, error) {
	v, err := buildCNNParamsVariant(in.Data)
	if err != nil {
		return nil, err
	}
	v.Intro = in.intro()
	return v, nil
}

func buildShapeTable(d CNNData, intro []Block, seed uint64, rng *rand.Rand) (*Variant, error) {
	layers := d.computeLayers()
	res, err := compute.PropagateNetwork(d.InputShape, layers)
	if err != nil {
		return nil, fmt.Errorf("propagate: %w", err)
	}
	v := &Variant{Data: d, TableLayout: true, TableInput: shapeText(d.InputShape)}
	v.Intro = intro
	prev := d.InputShape
	for i, l := range d.Layers {
		expected := res.Layers[i].OutputShape
		p := cnnRowPart(l, layers[i], prev, expected)
		if l.Type == "MaxPool2d" && len(prev) == 3 && l.KernelSize > 0 && l.full == nil || l.full != nil && poolAnimatable(*l.full) {
			p.Animation = len(v.Animations)
			v.Animations = append(v.Animations, poolingPatch(rng, l, seed))
		}
		if i == len(d.Layers)-1 {
			stages := []NetworkStage{{Op: "input", Shape: d.InputShape}}
			for j, ll := range d.Layers {
				stages = append(stages, NetworkStage{Op: ll.Row, Shape: res.Layers[j].OutputShape})
			}
			p.Diagram = &NetworkDiagram{Caption: "The network, drawn from the same layer list", Stages: stages}
		}
		v.Parts = append(v.Parts, p)
		prev = expected
	}
	v.crossCheck = func(answers map[string]string, verdicts map[string]*Verdict) {
		followThrough(d, layers, res, answers, verdicts)
	}
	return v, nil
}

// simpleWindow reports whether an authored layer's window is what the
// table's formulas assume: square, the same stride and padding on both
// axes, no dilation, numeric padding, floor mode and no groups (and, for
// max-pooling, no padding).
func simpleWindow(l compute.Layer) bool {
	sq := func(p compute.Pair) bool { return p.H == p.W }
	ok := sq(l.KernelSize) && sq(l.Stride) && sq(l.Padding) && (l.Dilation == compute.Pair{} || l.Dilation == compute.Square(1)) &&
		l.PaddingMode == "" && !l.CeilMode && l.Groups <= 1
	if l.Type == "MaxPool2d" {
		ok = ok && l.Padding == compute.Pair{}
	}
	return ok
}

// poolAnimatable reports whether an authored layer is a max-pool the
// illustrative patch replays faithfully: square, unpadded, undilated,
// without ceil mode, and small enough that its patch (three windows
// across) is a few dozen cells.
func poolAnimatable(l compute.Layer) bool {
	return l.Type == "MaxPool2d" && l.KernelSize.H > 0 && l.KernelSize.H <= 8 && l.KernelSize.H == l.KernelSize.W &&
		l.Stride.H == l.Stride.W && l.Padding == (compute.Pair{}) && !l.CeilMode &&
		(l.Dilation == compute.Pair{} || l.Dilation == compute.Square(1))
}

// poolingPatch is a small patch of one channel, pooled as layer l pools,
// so the player can show what the pooling row does to every window. The
// image itself is not given, so the patch's numbers are illustrative; its
// size is three windows across, which divides evenly by the stride.
func poolingPatch(rng *rand.Rand, l CNNLayer, seed uint64) Animation {
	n := 3 * l.KernelSize
	patch := randomMatrix(rng, n, n, 0, 9)
	if seed == 0 {
		// Keep the recitation's page stable regardless of draw order.
		patch = randomMatrix(rand.New(rand.NewPCG(uint64(l.KernelSize), 7)), n, n, 0, 9)
	}
	return Animation{
		Label:      fmt.Sprintf("%s on a %d×%d patch of one channel", describeLayer(l), n, n),
		Op:         "maxpool2d",
		Input:      [][][]float64{patch},
		KernelSize: [2]int{l.KernelSize, l.KernelSize},
		Stride:     [2]int{l.Stride, l.Stride},
		Padding:    [2]int{0, 0},
		Dilation:   [2]int{1, 1},
		// The patch is not the network's image: it answers no row.
		Illustrative: true,
	}
}

// cnnOperation names a layer's operation for its row of the table.
func cnnOperation(l CNNLayer) string {
	switch l.Type {
	case "ReLU":
		return "ReLU activation"
	case "Softmax":
		return "softmax activation"
	}
	return describeLayer(l)
}

// cnnRowPart is one row of the table: the shape after layer l given the
// shape before it.
func cnnRowPart(l CNNLayer, cl compute.Layer, prev, expected []int) *Part {
	var mistakes []mistake[[]int]
	add := func(id, feedback string, shape []int, ok bool) {
		if ok && !slices.Equal(shape, expected) {
			mistakes = append(mistakes, mistake[[]int]{id: id, feedback: feedback, value: shape})
		}
	}
	var hints, solution []string
	windowed := l.Type == "MaxPool2d" || l.Type == "Conv2d" || l.Type == "AvgPool2d"
	switch {
	case windowed && l.full != nil && !simpleWindow(*l.full):
		// Rectangular, dilated, "same"-padded or ceil-mode windows: the
		// general formula, and the engine's result.
		hints = []string{
			"Apply the output-size formula to height and width separately, with this layer's kernel size K, padding P, stride S and dilation D: " +
				"$\\lfloor (W + 2P - D(K - 1) - 1)/S \\rfloor + 1$ (rounded up instead with ceil_mode; padding='same' keeps the size).",
		}
		solution = []string{fmt.Sprintf("The layer turns %s into %s.", shapeText(prev), shapeText(expected))}
		if l.Type == "Conv2d" {
			hints = append(hints, "A conv layer outputs one channel per filter.")
		}
	case l.Type == "AvgPool2d" && len(prev) == 3:
		p := l.Padding
		hints = []string{
			"Pooling keeps the number of channels; only height and width change.",
			fmt.Sprintf("Use $\\lfloor (W - K + 2P)/S \\rfloor + 1$ with $K = %d$, $P = %d$ and $S = %d$.", l.KernelSize, p, l.Stride),
		}
		solution = []string{
			"Pooling works on each channel separately, so the channels stay " + fmt.Sprint(prev[0]) + ".",
			outputSizeSteps("Height", prev[1], l.KernelSize, p, l.Stride),
			outputSizeSteps("Width", prev[2], l.KernelSize, p, l.Stride),
		}
		add("unchanged", "That is the shape before this layer. Pooling shrinks height and width by the output-size formula.", prev, true)
	case l.Type == "AdaptiveAvgPool2d" || l.Type == "AdaptiveMaxPool2d":
		hints = []string{"An adaptive pooling produces the output_size it is given, whatever the input's size; the channels stay."}
		solution = []string{fmt.Sprintf("The output size is the layer's own: %s.", shapeText(expected))}
	case l.Type == "BatchNorm2d" || l.Type == "Dropout" || l.Type == "Dropout2d" || l.Type == "Tanh" || l.Type == "Sigmoid" ||
		l.Type == "LeakyReLU" || l.Type == "GELU":
		hints = []string{"This layer acts on each number (or channel) without moving any: it does not change the shape."}
		solution = []string{"The shape stays " + shapeText(expected) + "."}
	}
	switch l.Type {
	case "MaxPool2d":
		if l.full != nil && !simpleWindow(*l.full) {
			break
		}
		s1 := cl
		s1.Stride = compute.Square(1)
		shape, ok := applyLayer(prev, s1)
		add("pool-stride-one", fmt.Sprintf("That is the size with stride 1. This pooling moves its %d×%d window %d pixels at a time, so divide by the stride %d.", l.KernelSize, l.KernelSize, l.Stride, l.Stride), shape, ok)
		if len(prev) == 3 {
			add("forgot-plus-one", "You left out the +1 of the output-size formula: $\\lfloor (W - K)/S \\rfloor + 1$.",
				[]int{prev[0], (prev[1]-l.KernelSize)/l.Stride + 0, (prev[2]-l.KernelSize)/l.Stride + 0}, true)
			hints = []string{
				"Pooling keeps the number of channels; only height and width change.",
				fmt.Sprintf("Use $\\lfloor (W - K)/S \\rfloor + 1$ with $K = %d$ and $S = %d$.", l.KernelSize, l.Stride),
			}
			solution = []string{
				"Pooling works on each channel separately, so the channels stay " + fmt.Sprint(prev[0]) + ".",
				outputSizeSteps("Height", prev[1], l.KernelSize, 0, l.Stride),
				outputSizeSteps("Width", prev[2], l.KernelSize, 0, l.Stride),
			}
		}
	case "Conv2d":
		if len(prev) == 3 && (l.full == nil || simpleWindow(*l.full)) {
			k, p := l.KernelSize, l.Padding
			add("forgot-plus-one", "You left out the +1 of the output-size formula: $\\lfloor (W - K + 2P)/S \\rfloor + 1$.",
				[]int{l.OutChannels, prev[1] - k + 2*p, prev[2] - k + 2*p}, true)
			add("kept-input-channels", fmt.Sprintf("The height and width are right, but a conv layer outputs one channel per filter: %d, not the %d channels it reads.", l.OutChannels, prev[0]),
				[]int{prev[0], expected[1], expected[2]}, true)
			add("channels-multiplied", fmt.Sprintf("You multiplied the channels, %d × %d. Each filter reaches through all %d input channels "+
				"and adds them up into one output channel, so the output has one channel per filter: %d.", prev[0], l.OutChannels, prev[0], l.OutChannels),
				[]int{prev[0] * l.OutChannels, expected[1], expected[2]}, true)
			if p > 0 {
				add("padding-one-side", "You added the padding once; it goes on both sides, so the formula has $2P$.",
					[]int{l.OutChannels, prev[1] - k + p + 1, prev[2] - k + p + 1}, true)
			}
			hints = []string{
				"A conv layer outputs one channel per filter.",
				fmt.Sprintf("Use $\\lfloor (W - K + 2P)/S \\rfloor + 1$ with $K = %d$, $P = %d$, $S = %d$.", k, p, l.Stride),
			}
			solution = []string{
				fmt.Sprintf("There are %d filters, so %d output channels.", l.OutChannels, l.OutChannels),
				outputSizeSteps("Height", prev[1], k, p, l.Stride),
				outputSizeSteps("Width", prev[2], k, p, l.Stride),
			}
		}
	case "Flatten":
		if len(prev) == 3 {
			add("flatten-sum", "You added the dimensions. Flattening lines up every number of every channel, so the length is the product $C \\cdot H \\cdot W$.",
				[]int{prev[0] + prev[1] + prev[2]}, true)
			add("flatten-forgot-channels", "That is one channel's worth. Flattening keeps every channel, so multiply by C as well.",
				[]int{prev[1] * prev[2]}, true)
			hints = []string{"Flattening keeps every number and lines them up in one vector."}
			solution = []string{fmt.Sprintf("$%d \\cdot %d \\cdot %d = %d$ numbers in one vector.", prev[0], prev[1], prev[2], expected[0])}
		}
	case "Linear":
		add("linear-kept-input", "That is the input's length. A fully connected layer outputs one number per unit.", prev, len(prev) == 1)
		hints = []string{"A fully connected layer outputs one number per unit (hidden unit or class)."}
		solution = []string{fmt.Sprintf("The layer has %d units, so its output has %d numbers.", l.OutFeatures, l.OutFeatures)}
	case "ReLU", "Softmax":
		hints = []string{"Activations act on each number separately (softmax normalises across them); neither changes the shape."}
		solution = []string{"An activation keeps the shape: " + shapeText(expected) + "."}
	}
	if len(expected) == 3 {
		add("forgot-channels", fmt.Sprintf("Height and width are right, but the shape has channels too: write C@H×W, with the %d channels first.", expected[0]),
			[]int{expected[1], expected[2]}, true)
	}
	if l.Type == "MaxPool2d" || l.Type == "Conv2d" {
		add("unchanged", "That is the shape before this layer. Work out what the layer does to it: "+
			"the output-size formula for height and width, and the layer's own channel count.", prev, true)
	}
	format := "Write C@H×W (like {shape3}) for images, or one number (like {flat}) for a flat vector."
	return &Part{
		ID:        l.Row,
		Label:     l.Row,
		Prompt:    cnnOperation(l),
		Kind:      KindShape,
		Format:    format,
		Hints:     hints,
		Solution:  solution,
		Answer:    shapeText(expected),
		Input:     shapeText(expected),
		Animation: -1,
		check:     shapeCheck(expected, mistakes, "Check this layer's effect on the shape above it; the hints give the formula."),
	}
}

// followThrough re-marks a wrong row as consistent when it is exactly what
// the layer would produce from the student's own (wrong) row above, so one
// early slip does not cost every later row.
func followThrough(d CNNData, layers []compute.Layer, res compute.NetworkResult, answers map[string]string, verdicts map[string]*Verdict) {
	prevStudent := d.InputShape
	prevRight := true
	for i, l := range d.Layers {
		vd, asked := verdicts[l.Row]
		if !asked {
			// An embed may show only some rows; carry on from the right shape.
			prevStudent, prevRight = res.Layers[i].OutputShape, true
			continue
		}
		text := answers[l.Row]
		shape, err := answer.ParseShape(text)
		var student []int
		if err == nil {
			student = shape.Dims
		}
		if vd.Status == StatusIncorrect && !prevRight && student != nil {
			if own, ok := applyLayer(prevStudent, layers[i]); ok && slices.Equal(own, student) {
				carryForward(vd, fmt.Sprintf("from your row above, %s, this layer gives %s, as you wrote.", shapeText(prevStudent), shapeText(own)),
					"a row above")
			}
		}
		switch {
		case vd.Status == StatusCorrect:
			prevStudent, prevRight = res.Layers[i].OutputShape, true
		case student != nil:
			prevStudent, prevRight = student, false
		default:
			// Blank or unreadable: carry on from the right shape.
			prevStudent, prevRight = res.Layers[i].OutputShape, true
		}
	}
}

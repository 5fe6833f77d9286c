package exercises

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// ConvByHandData is what a client needs to work a conv-by-hand variant.
type ConvByHandData struct {
	Image  [][]float64   `json:"image"`
	Filter [][]float64   `json:"filter"`
	Cases  []ConvSetting `json:"cases"`
}

// ConvSetting is one stride-and-padding setting the variant asks about.
type ConvSetting struct {
	Stride  int `json:"stride"`
	Padding int `json:"padding"`
	// Dilation spaces the filter's taps (PyTorch's dilation); 0 means 1.
	// The recitation's settings have none, and their data stays as it was.
	Dilation int `json:"dilation,omitempty"`
	// Cell is the output cell asked for, [row, col] from 0.
	Cell [2]int `json:"cell"`
}

// dil is the setting's dilation, at least 1.
func (c ConvSetting) dil() int { return max(1, c.Dilation) }

// span is how many input cells a k-wide filter covers at this dilation.
func (c ConvSetting) span(k int) int { return c.dil()*(k-1) + 1 }

func convByHand() *Exercise {
	return &Exercise{
		ID:           "conv-by-hand",
		Domain:       "conv",
		Title:        "Convolution by hand",
		Section:      "3.2",
		SectionTitle: "Dance Dance Convolution",
		Summary:      "Slide a filter over a small image: output sizes with and without padding, and single output cells worked out by hand.",
		generate:     generateConvByHand,
	}
}

func generateConvByHand(seed uint64, rng *rand.Rand) (*Variant, error) {
	in := ConvByHandInput{
		Image: recitationImage(), Filter: recitationFilter(),
		Cases: []ConvCase{
			{Setting: ConvSetting{Stride: 1, Padding: 0, Cell: [2]int{2, 2}}, AskCell: true, Corner: true},
			{Name: "padded", Setting: ConvSetting{Stride: 1, Padding: 1, Cell: [2]int{4, 4}}, AskCell: true, Corner: true},
		},
	}
	if seed != 0 {
		image, filter, first, second, askMatrix := drawConvByHand(rng)
		in = ConvByHandInput{Image: image, Filter: filter, Cases: []ConvCase{
			{Setting: first, AskCell: true, AskWhole: askMatrix},
			{Name: "padded", Setting: second, AskCell: true},
		}}
	}
	return BuildConvByHand(in)
}

// ConvByHandInput is the data of one conv-by-hand variant: a one-channel
// image, a filter, and the settings to ask about. The built-in exercise and
// authored files (internal/authoring) both build their variants from it.
type ConvByHandInput struct {
	Image, Filter [][]float64
	Cases         []ConvCase
	// Channels (C×H×W), Filters (O×C×k×k) and Bias (O, or nil) replace
	// Image and Filter for an input of several channels, several filters
	// or biases (authored files); Cases then name an output channel.
	Channels [][][]float64
	Filters  [][][][]float64
	Bias     []float64
}

// ConvCase is one setting of a ConvByHandInput and what to ask about it:
// always the output size; the value of Setting.Cell when AskCell; the
// whole output when AskWhole.
type ConvCase struct {
	// Name suffixes the case's part IDs ("dims-padded"); the first case
	// of the recitation has none.
	Name    string
	Setting ConvSetting
	AskCell bool
	// Corner words the cell as "the bottom-right corner" (and names its
	// part "bottom-right"); Setting.Cell must then be that corner.
	Corner   bool
	AskWhole bool
	// OutChannel is the output channel of the cell and whole output asked,
	// with Channels and Filters.
	OutChannel int
}

// BuildConvByHand builds the variant for in, with every answer, diagnosis,
// hint, worked solution and animation computed by internal/compute.
func BuildConvByHand(in ConvByHandInput) (*Variant, error) {
	if in.isMulti() {
		return buildConvMulti(in)
	}
	image, filter := in.Image, in.Filter
	if len(image) == 0 || len(image[0]) == 0 || len(filter) == 0 || len(filter[0]) == 0 {
		return nil, fmt.Errorf("conv-by-hand: the image and the filter need at least one cell")
	}
	data := ConvByHandData{Image: image, Filter: filter}
	for _, c := range in.Cases {
		data.Cases = append(data.Cases, c.Setting)
	}
	v := &Variant{Data: data}
	h, w, k := len(image), len(image[0]), len(filter)
	v.Intro = []Block{
		{Text: fmt.Sprintf("Here is a %d×%d image and a %d×%d filter. The layer slides the filter over the image "+
			"and, at each position, multiplies the overlapping numbers and adds the products up "+
			"(cross-correlation: the filter is not flipped).", h, w, k, len(filter[0]))},
		{Grid: &Grid{Label: "Image", Cells: image}},
		{Grid: &Grid{Label: "Filter", Cells: filter}},
	}
	for i, cc := range in.Cases {
		c := cc.Setting
		v.Animations = append(v.Animations, Animation{
			Label:  settingWords(c),
			Op:     "conv2d",
			Input:  [][][]float64{image},
			Kernel: [][][][]float64{{filter}},
			Stride: [2]int{c.Stride, c.Stride}, Padding: [2]int{c.Padding, c.Padding},
			Dilation: [2]int{c.dil(), c.dil()},
		})
		suffix := ""
		if cc.Name != "" {
			suffix = "-" + cc.Name
		}
		dims, err := convDimsPart("dims"+suffix, image, filter, c, i)
		if err != nil {
			return nil, err
		}
		v.Parts = append(v.Parts, dims)
		if cc.AskCell {
			cellID := "cell" + suffix
			if cc.Corner {
				cellID = "bottom-right" + suffix
			}
			cell, err := convCellPart(cellID, image, filter, c, i, cc.Corner)
			if err != nil {
				return nil, err
			}
			v.Parts = append(v.Parts, cell)
		}
		if cc.AskWhole {
			m, err := convMatrixPart("output"+suffix, image, filter, c, i)
			if err != nil {
				return nil, err
			}
			v.Parts = append(v.Parts, m)
		}
	}
	return v, nil
}

// drawConvByHand draws a variant worth doing by hand: small whole numbers, a
// filter that changes under flipping (so that mistake can be told apart),
// strides that divide cleanly, and a second case with padding.
func drawConvByHand(rng *rand.Rand) (image, filter [][]float64, first, second ConvSetting, askMatrix bool) {
	k := 2 + rng.IntN(2)
	h := k + 2 + rng.IntN(3)
	w := k + 2 + rng.IntN(3)
	image = randomMatrix(rng, h, w, -5, 9)
	for {
		filter = randomMatrix(rng, k, k, -2, 2)
		// A filter of mostly zeros makes a dull product; at most one zero
		// in a 2×2 filter, three in a 3×3.
		zeros := 0
		for _, row := range filter {
			for _, x := range row {
				if x == 0 {
					zeros++
				}
			}
		}
		if zeros <= (k*k-1)/2-boolInt(k == 3) && !slices.EqualFunc(filter, flipped(filter), slices.Equal) {
			break
		}
	}
	pickStride := func(p int) int {
		if rng.IntN(2) == 0 && (h+2*p-k)%2 == 0 && (w+2*p-k)%2 == 0 {
			return 2
		}
		return 1
	}
	first = ConvSetting{Padding: 0}
	first.Stride = pickStride(0)
	second = ConvSetting{Padding: 1}
	if k == 3 && rng.IntN(2) == 0 {
		second.Padding = 2
	}
	second.Stride = pickStride(second.Padding)
	outH := (h-k)/first.Stride + 1
	outW := (w-k)/first.Stride + 1
	first.Cell = [2]int{rng.IntN(outH), rng.IntN(outW)}
	// The padded case asks for a border cell, where padding matters.
	pOutH := (h+2*second.Padding-k)/second.Stride + 1
	pOutW := (w+2*second.Padding-k)/second.Stride + 1
	switch rng.IntN(4) {
	case 0:
		second.Cell = [2]int{0, rng.IntN(pOutW)}
	case 1:
		second.Cell = [2]int{pOutH - 1, rng.IntN(pOutW)}
	case 2:
		second.Cell = [2]int{rng.IntN(pOutH), 0}
	default:
		second.Cell = [2]int{rng.IntN(pOutH), pOutW - 1}
	}
	askMatrix = outH*outW <= 16 && rng.IntN(2) == 0
	return image, filter, first, second, askMatrix
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func settingWords(c ConvSetting) string {
	pad := "no padding"
	if c.Padding > 0 {
		pad = fmt.Sprintf("padding %d", c.Padding)
	}
	if c.dil() > 1 {
		return fmt.Sprintf("%s, stride %d, dilation %d", pad, c.Stride, c.dil())
	}
	return fmt.Sprintf("%s, stride %d", pad, c.Stride)
}

// sizeFormulaHint is the output-size formula with this setting's numbers,
// in the dilated form when the setting has a dilation.
func sizeFormulaHint(c ConvSetting, k int) string {
	if c.dil() > 1 {
		return fmt.Sprintf("Use $\\lfloor (W_{in} + 2P - D(K - 1) - 1) / S \\rfloor + 1$ on each axis with $K = %d$, $P = %d$, $S = %d$ and dilation $D = %d$: "+
			"the filter's %d taps are spread over $D(K - 1) + 1 = %d$ cells.", k, c.Padding, c.Stride, c.dil(), k, c.span(k))
	}
	return fmt.Sprintf("Use $\\lfloor (W_{in} - K + 2P) / S \\rfloor + 1$ on each axis with $K = %d$, $P = %d$, $S = %d$.", k, c.Padding, c.Stride)
}

// dilationMistakeSize is the output size with the dilation ignored.
func dilationMistakeSize(n, k int, c ConvSetting) int { return (n+2*c.Padding-k)/c.Stride + 1 }

func convDimsPart(id string, image, filter [][]float64, c ConvSetting, anim int) (*Part, error) {
	h, w, k := len(image), len(image[0]), len(filter)
	out, err := conv2D(image, filter, c.Stride, c.Padding, c.dil())
	if err != nil {
		return nil, err
	}
	expected := []int{len(out), len(out[0])}
	span := c.span(k)
	size := func(in, p, s, plus int) int { return (in+p-span)/s + plus }
	mistakes := []mistake[[]int]{{
		id:       "forgot-plus-one",
		feedback: "You left out the +1 in the output-size formula. The first position of the filter counts too: $\\lfloor (W - K + 2P)/S \\rfloor + 1$.",
		value:    []int{size(h, 2*c.Padding, c.Stride, 0), size(w, 2*c.Padding, c.Stride, 0)},
	}}
	mistakes = append(mistakes, mistake[[]int]{
		id: "input-size",
		feedback: fmt.Sprintf("That is the size of the image, %d×%d. The output has one cell per position the filter can take, "+
			"which the output-size formula counts.", h, w),
		value: []int{h, w},
	})
	if c.Padding > 0 {
		mistakes = append(mistakes, mistake[[]int]{
			id: "forgot-padding",
			feedback: fmt.Sprintf("That is the size without padding. Padding %d adds %d rows of zeros at the top and bottom and %d columns "+
				"at the left and right, so the filter has more positions: use $P = %d$ in the formula.", c.Padding, c.Padding, c.Padding, c.Padding),
			value: []int{size(h, 0, c.Stride, 1), size(w, 0, c.Stride, 1)},
		})
		mistakes = append(mistakes, mistake[[]int]{
			id: "padding-one-side",
			feedback: fmt.Sprintf("You added the padding once. Padding %d puts %d rows of zeros on the top and %d on the bottom "+
				"(and the same on the left and right), so the formula has $2P$.", c.Padding, c.Padding, c.Padding),
			value: []int{size(h, c.Padding, c.Stride, 1), size(w, c.Padding, c.Stride, 1)},
		})
	}
	if c.Stride > 1 {
		mistakes = append(mistakes, mistake[[]int]{
			id:       "ignored-stride",
			feedback: fmt.Sprintf("That is the size for stride 1. With stride %d the filter jumps %d cells at a time, so divide by $S = %d$ before adding 1.", c.Stride, c.Stride, c.Stride),
			value:    []int{size(h, 2*c.Padding, 1, 1), size(w, 2*c.Padding, 1, 1)},
		})
	}
	if c.dil() > 1 {
		mistakes = append(mistakes, mistake[[]int]{
			id: "ignored-dilation",
			feedback: fmt.Sprintf("That is the size without dilation. With dilation %d the filter's taps are %d cells apart, so a %d-wide filter spans "+
				"$D(K - 1) + 1 = %d$ cells: use $\\lfloor (W + 2P - D(K - 1) - 1)/S \\rfloor + 1$.", c.dil(), c.dil(), k, span),
			value: []int{dilationMistakeSize(h, k, c), dilationMistakeSize(w, k, c)},
		})
	}
	hints := []string{
		"Use the output-size formula on each axis: $W_{out} = \\lfloor (W_{in} - K + 2P) / S \\rfloor + 1$.",
		fmt.Sprintf("Here $W_{in} = %d$ (height %d), $K = %d$, $P = %d$, $S = %d$.", w, h, k, c.Padding, c.Stride),
	}
	formula := "Apply $\\lfloor (W_{in} - K + 2P) / S \\rfloor + 1$ to each axis."
	if c.dil() > 1 {
		hints = []string{
			"Use the output-size formula with dilation on each axis: $W_{out} = \\lfloor (W_{in} + 2P - D(K - 1) - 1) / S \\rfloor + 1$.",
			fmt.Sprintf("Here $W_{in} = %d$ (height %d), $K = %d$, $P = %d$, $S = %d$, $D = %d$: the filter spans $D(K - 1) + 1 = %d$ cells.", w, h, k, c.Padding, c.Stride, c.dil(), span),
		}
		formula = "Apply $\\lfloor (W_{in} + 2P - D(K - 1) - 1) / S \\rfloor + 1$ to each axis."
	}
	return &Part{
		ID:     id,
		Label:  "Output size (" + settingWords(c) + ")",
		Prompt: fmt.Sprintf("With %s, what are the dimensions of the output?", settingWords(c)),
		Kind:   KindShape,
		Format: "Write height × width, like {example} or {example2}.",
		Hints:  hints,
		Solution: []string{
			formula,
			outputSizeStepsDilated("Height", h, k, c.Padding, c.Stride, c.dil()),
			outputSizeStepsDilated("Width", w, k, c.Padding, c.Stride, c.dil()),
			fmt.Sprintf("The output is $%d \\times %d$.", expected[0], expected[1]),
		},
		Answer:    fmt.Sprintf("%d×%d", expected[0], expected[1]),
		Input:     fmt.Sprintf("%dx%d", expected[0], expected[1]),
		Animation: anim,
		check: shapeCheck(expected, mistakes, "Count how many positions the filter can take down and across: "+
			"use the output-size formula on each axis."),
	}, nil
}

func convCellPart(id string, image, filter [][]float64, c ConvSetting, anim int, recitation bool) (*Part, error) {
	st, err := convStep(image, filter, c.Stride, c.Padding, c.dil(), c.Cell[0], c.Cell[1])
	if err != nil {
		return nil, err
	}
	flip, err := convStep(image, flipped(filter), c.Stride, c.Padding, c.dil(), c.Cell[0], c.Cell[1])
	if err != nil {
		return nil, err
	}
	where := "in " + ordinalCell(c.Cell[0], c.Cell[1]) + " of the output (counting from 1 at the top left)"
	if recitation {
		where = "in the bottom-right corner of the output"
	}
	win := st.Window
	window := make([][]float64, len(filter))
	for i := range window {
		window[i] = make([]float64, len(filter[0]))
		for j := range window[i] {
			t := st.Terms[0][i*len(filter[0])+j]
			if !t.IsPadding {
				window[i][j] = t.Input
			}
		}
	}
	padNote := ""
	if c.Padding > 0 {
		padNote = fmt.Sprintf("In the image padded with %d %s of zeros, the window", c.Padding, plural(c.Padding, "ring", "rings"))
	} else {
		padNote = "The window"
	}
	reads := "holds"
	if c.dil() > 1 {
		reads = fmt.Sprintf("with dilation %d reads every %s row and column of it:", c.dil(), ordinal(c.dil()))
	}
	mistakes := []mistake[int64]{{
		id: "flipped-kernel",
		feedback: "You flipped the filter, as a textbook convolution does. Deep-learning layers compute cross-correlation: " +
			"multiply each image value by the filter value in the same position, without rotating the filter.",
		value: int64(flip.Value),
	}}
	if c.Padding > 0 {
		// Forgetting the padding puts the window at the same edge of the
		// unpadded output: the corner cell becomes the unpadded corner.
		span := c.span(len(filter))
		outH := (len(image)-span)/c.Stride + 1
		outW := (len(image[0])-span)/c.Stride + 1
		pOutH := (len(image)+2*c.Padding-span)/c.Stride + 1
		pOutW := (len(image[0])+2*c.Padding-span)/c.Stride + 1
		edge := func(i, n, m int) int {
			if i == n-1 {
				return m - 1
			}
			return min(i, m-1)
		}
		if len(image) >= span && len(image[0]) >= span {
			unpadded, err := convStep(image, filter, c.Stride, 0, c.dil(), edge(c.Cell[0], pOutH, outH), edge(c.Cell[1], pOutW, outW))
			if err != nil {
				return nil, err
			}
			mistakes = append(mistakes, mistake[int64]{
				id: "forgot-padding",
				feedback: fmt.Sprintf("That is the value at the same edge of the output without padding. With padding %d the image is "+
					"surrounded by zeros first, so this cell's window hangs over the border and covers some of those zeros.", c.Padding),
				value: int64(unpadded.Value),
			})
		}
	}
	if c.dil() > 1 {
		// Ignoring the dilation puts the filter's taps side by side at
		// the same window start.
		if near, err := convStep(image, filter, c.Stride, c.Padding, 1, c.Cell[0], c.Cell[1]); err == nil {
			mistakes = append(mistakes, mistake[int64]{
				id: "ignored-dilation",
				feedback: fmt.Sprintf("That multiplies the filter with neighbouring cells. With dilation %d the filter's taps are %d cells apart: "+
					"read every %s row and column of the window.", c.dil(), c.dil(), ordinal(c.dil())),
				value: int64(near.Value),
			})
		}
	}
	return &Part{
		ID:     id,
		Label:  "Output value (" + settingWords(c) + ")",
		Prompt: fmt.Sprintf("With %s, what is the value %s?", settingWords(c), where),
		Kind:   KindInteger,
		Format: "A whole number; a minus sign is fine, like {example}.",
		Hints: []string{
			fmt.Sprintf("Find the window first: the output cell in row %d, column %d starts at row %d, column %d of the %s image "+
				"(counting from 1 at the top left, as in the question), because each step moves the filter by the stride.",
				c.Cell[0]+1, c.Cell[1]+1, win.Row+1, win.Col+1, map[bool]string{true: "padded", false: "input"}[c.Padding > 0]),
			"Do not flip the filter: pair each image value with the filter value in the same position.",
			fmt.Sprintf("The window holds $%s$; multiply it element-wise with the filter and add the products.", matrixText(window)),
		},
		Solution: []string{
			fmt.Sprintf("%s covers rows %d–%d and columns %d–%d (counting from 1) and %s $%s$.",
				padNote, win.Row+1, win.Row+win.Height, win.Col+1, win.Col+win.Width, reads, matrixText(window)),
			"Multiply element-wise with the filter and add: $" + traceArithmetic(st) + "$.",
		},
		Answer:    num(st.Value),
		Input:     num(st.Value),
		Animation: anim,
		FocusStep: &st.Index,
		check:     integerCheck(int64(st.Value), mistakes, "Recheck the window's position and each product; the step-by-step player shows every cell."),
	}, nil
}

func convMatrixPart(id string, image, filter [][]float64, c ConvSetting, anim int) (*Part, error) {
	out, err := conv2D(image, filter, c.Stride, c.Padding, c.dil())
	if err != nil {
		return nil, err
	}
	flip, err := conv2D(image, flipped(filter), c.Stride, c.Padding, c.dil())
	if err != nil {
		return nil, err
	}
	return &Part{
		ID:          id,
		Label:       "Whole output (" + settingWords(c) + ")",
		Prompt:      fmt.Sprintf("With %s, write out the whole output.", settingWords(c)),
		Kind:        KindMatrix,
		Placeholder: "one row per line, e.g. {example}",
		Format:      "One row per line (or rows separated by semicolons), numbers separated by spaces or commas.",
		Rows:        len(out), Cols: len(out[0]),
		Hints: []string{
			"Work out the output size first; then fill it row by row, moving the filter by the stride each time.",
			"Each cell is the sum of the element-wise products of the filter and the window under it.",
		},
		Solution: []string{
			fmt.Sprintf("The output is $%d \\times %d$; each cell is the sum of products of the filter with its window.", len(out), len(out[0])),
			"The output is $" + matrixText(out) + "$.",
		},
		Answer:    "$" + matrixText(out) + "$",
		Input:     matrixText(out),
		Animation: anim,
		check: matrixCheck(out, []mistake[[][]float64]{{
			id: "flipped-kernel",
			feedback: "You flipped the filter, as a textbook convolution does. Deep-learning layers compute cross-correlation: " +
				"multiply each image value by the filter value in the same position.",
			value: flip,
		}}, "Use “show me this cell” to watch how a marked cell is computed."),
	}, nil
}

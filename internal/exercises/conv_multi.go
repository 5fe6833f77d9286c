package exercises

import (
	"fmt"
	"slices"

	"github.com/stride-tutor/stride/internal/compute"
)

// ConvMultiData is what a client needs to work a conv-by-hand variant with
// several channels, several filters or biases (an authored file's).
type ConvMultiData struct {
	Input  [][][]float64   `json:"input"`
	Kernel [][][][]float64 `json:"kernel"`
	Bias   []float64       `json:"bias,omitempty"`
	Cases  []ConvSetting   `json:"cases"`
}

// isMulti reports whether in needs the general form: more than one input
// channel or filter, or biases. The one-channel form (the recitation's)
// keeps its own wording.
func (in ConvByHandInput) isMulti() bool {
	return in.Channels != nil
}

func (in ConvByHandInput) spec(c ConvSetting) compute.ConvSpec {
	return compute.ConvSpec{Input: in.Channels, Kernel: in.Filters, Bias: in.Bias,
		Stride: compute.Square(c.Stride), Padding: compute.Square(c.Padding), Dilation: compute.Square(c.dil())}
}

func buildConvMulti(in ConvByHandInput) (*Variant, error) {
	x, w := in.Channels, in.Filters
	if len(x) == 0 || len(w) == 0 || len(x[0]) == 0 || len(x[0][0]) == 0 {
		return nil, fmt.Errorf("conv-by-hand: the input and the filters need at least one cell")
	}
	c, h, wd, o, k := len(x), len(x[0]), len(x[0][0]), len(w), len(w[0][0])
	data := ConvMultiData{Input: x, Kernel: w, Bias: in.Bias}
	for _, cc := range in.Cases {
		data.Cases = append(data.Cases, cc.Setting)
	}
	v := &Variant{Data: data}
	biasText := "There is no bias."
	if in.Bias != nil {
		biasText = "Each filter adds its bias to every output of its channel."
	}
	v.Intro = []Block{{Text: fmt.Sprintf("Here is an input of %d %s of %d×%d and %d %s of %d×%d×%d (as deep as the input). "+
		"Each filter slides over the input and, at each position, multiplies the overlapping numbers of every channel and adds all the products up "+
		"(cross-correlation: the filter is not flipped), giving one output channel per filter. %s",
		c, plural(c, "channel", "channels"), h, wd, o, plural(o, "filter", "filters"), c, k, k, biasText)}}
	for i, ch := range x {
		v.Intro = append(v.Intro, Block{Grid: &Grid{Label: fmt.Sprintf("Input, channel %d", i+1), Cells: ch}})
	}
	for f, filt := range w {
		for i, ch := range filt {
			label := fmt.Sprintf("Filter %d, channel %d", f+1, i+1)
			if c == 1 {
				label = fmt.Sprintf("Filter %d", f+1)
			}
			v.Intro = append(v.Intro, Block{Grid: &Grid{Label: label, Cells: ch}})
		}
	}
	if in.Bias != nil {
		row := make([]string, len(in.Bias))
		for i, b := range in.Bias {
			row[i] = num(b)
		}
		v.Intro = append(v.Intro, Block{Table: &Table{Caption: "Biases", Header: filterHeaders(o), Rows: [][]string{row}}})
	}
	for i, cc := range in.Cases {
		st := cc.Setting
		v.Animations = append(v.Animations, Animation{
			Label: settingWords(st), Op: "conv2d", Input: x, Kernel: w, Bias: in.Bias,
			Stride: [2]int{st.Stride, st.Stride}, Padding: [2]int{st.Padding, st.Padding}, Dilation: [2]int{st.dil(), st.dil()},
		})
		suffix := ""
		if cc.Name != "" {
			suffix = "-" + cc.Name
		}
		dims, err := convMultiDimsPart("dims"+suffix, in, st, i)
		if err != nil {
			return nil, err
		}
		v.Parts = append(v.Parts, dims)
		if cc.AskCell {
			id := "cell" + suffix
			if cc.Corner {
				id = "bottom-right" + suffix
			}
			p, err := convMultiCellPart(id, in, cc, i)
			if err != nil {
				return nil, err
			}
			v.Parts = append(v.Parts, p)
		}
		if cc.AskWhole {
			p, err := convMultiMatrixPart("output"+suffix, in, cc, i)
			if err != nil {
				return nil, err
			}
			v.Parts = append(v.Parts, p)
		}
	}
	return v, nil
}

func filterHeaders(o int) []string {
	out := make([]string, o)
	for i := range out {
		out[i] = fmt.Sprintf("Filter %d", i+1)
	}
	return out
}

func convMultiDimsPart(id string, in ConvByHandInput, st ConvSetting, anim int) (*Part, error) {
	out, err := compute.Conv2D(in.spec(st))
	if err != nil {
		return nil, err
	}
	c, h, w, o, k := len(in.Channels), len(in.Channels[0]), len(in.Channels[0][0]), len(in.Filters), len(in.Filters[0][0])
	expected := []int{o, len(out[0]), len(out[0][0])}
	span := st.span(k)
	size := func(n, p, s, plus int) int { return (n+p-span)/s + plus }
	var mistakes []mistake[[]int]
	add := func(id, fb string, v []int) {
		if !slices.Equal(v, expected) {
			mistakes = append(mistakes, mistake[[]int]{id: id, feedback: fb, value: v})
		}
	}
	add("forgot-plus-one", "You left out the +1 in the output-size formula. The first position of the filter counts too: $\\lfloor (W - K + 2P)/S \\rfloor + 1$.",
		[]int{o, size(h, 2*st.Padding, st.Stride, 0), size(w, 2*st.Padding, st.Stride, 0)})
	add("kept-input-channels", fmt.Sprintf("The height and width are right, but the output has one channel per filter: %d, not the %d channels of the input.", o, c),
		[]int{c, expected[1], expected[2]})
	add("forgot-channels", fmt.Sprintf("Height and width are right, but the output has channels too: write C@H×W, with the %d channels first.", o),
		[]int{expected[1], expected[2]})
	if st.Padding > 0 {
		add("forgot-padding", fmt.Sprintf("That is the size without padding. Use $P = %d$ in the formula.", st.Padding),
			[]int{o, size(h, 0, st.Stride, 1), size(w, 0, st.Stride, 1)})
		add("padding-one-side", "You added the padding once; it goes on both sides, so the formula has $2P$.",
			[]int{o, size(h, st.Padding, st.Stride, 1), size(w, st.Padding, st.Stride, 1)})
	}
	if st.Stride > 1 {
		add("ignored-stride", fmt.Sprintf("That is the size for stride 1. Divide by $S = %d$ before adding 1.", st.Stride),
			[]int{o, size(h, 2*st.Padding, 1, 1), size(w, 2*st.Padding, 1, 1)})
	}
	if st.dil() > 1 {
		add("ignored-dilation", fmt.Sprintf("That is the size without dilation. With dilation %d a %d-wide filter spans $D(K - 1) + 1 = %d$ cells: "+
			"use $\\lfloor (W + 2P - D(K - 1) - 1)/S \\rfloor + 1$.", st.dil(), k, span),
			[]int{o, dilationMistakeSize(h, k, st), dilationMistakeSize(w, k, st)})
	}
	return &Part{
		ID:     id,
		Label:  "Output shape (" + settingWords(st) + ")",
		Prompt: fmt.Sprintf("With %s, what is the shape of the output?", settingWords(st)),
		Kind:   KindShape,
		Format: "Write C@H×W, like {shape3}.",
		Hints: []string{
			"A conv layer outputs one channel per filter.",
			sizeFormulaHint(st, k),
		},
		Solution: []string{
			fmt.Sprintf("There are %d %s, so %d output %s.", o, plural(o, "filter", "filters"), o, plural(o, "channel", "channels")),
			outputSizeStepsDilated("Height", h, k, st.Padding, st.Stride, st.dil()),
			outputSizeStepsDilated("Width", w, k, st.Padding, st.Stride, st.dil()),
		},
		Answer:    shapeText(expected),
		Input:     shapeText(expected),
		Animation: anim,
		check:     shapeCheck(expected, mistakes, "Channels come from the filters; height and width from the output-size formula."),
	}, nil
}

// convMultiStep is the trace step of cell (o, row, col).
func convMultiStep(spec compute.ConvSpec, o, row, col int) (compute.Step, error) {
	tr, err := compute.NewConvTrace(spec)
	if err != nil {
		return compute.Step{}, err
	}
	sh := tr.OutputShape()
	return tr.Step((o*sh[1]+row)*sh[2] + col)
}

func flippedAll(w [][][][]float64) [][][][]float64 {
	out := make([][][][]float64, len(w))
	for i, f := range w {
		out[i] = make([][][]float64, len(f))
		for j, ch := range f {
			out[i][j] = flipped(ch)
		}
	}
	return out
}

func convMultiCellPart(id string, in ConvByHandInput, cc ConvCase, anim int) (*Part, error) {
	st := cc.Setting
	spec := in.spec(st)
	oc := cc.OutChannel
	step, err := convMultiStep(spec, oc, st.Cell[0], st.Cell[1])
	if err != nil {
		return nil, err
	}
	var mistakes []mistake[int64]
	flip := spec
	flip.Kernel = flippedAll(in.Filters)
	if fs, err := convMultiStep(flip, oc, st.Cell[0], st.Cell[1]); err == nil {
		mistakes = append(mistakes, mistake[int64]{id: "flipped-kernel", value: int64(fs.Value),
			feedback: "You flipped the filter, as a textbook convolution does. Deep-learning layers compute cross-correlation: " +
				"multiply each input value by the filter value in the same position, without rotating the filter."})
	}
	if in.Bias != nil && in.Bias[oc] != 0 {
		mistakes = append(mistakes, mistake[int64]{id: "forgot-bias", value: int64(step.Value - in.Bias[oc]),
			feedback: fmt.Sprintf("That is the sum of the products without the bias. Filter %d adds its bias, %s, to every output.", oc+1, num(in.Bias[oc]))})
	}
	if len(in.Channels) > 1 {
		one := 0.0
		for _, t := range step.Terms[0] {
			if !t.IsPadding {
				one += t.Input * t.Weight
			}
		}
		if step.HasBias {
			one += step.Bias
		}
		mistakes = append(mistakes, mistake[int64]{id: "one-channel", value: int64(one),
			feedback: fmt.Sprintf("That uses the first channel only. The filter is %d channels deep: add the products of every channel.", len(in.Channels))})
	}
	if st.dil() > 1 {
		near := spec
		near.Dilation = compute.Square(1)
		if ns, err := convMultiStep(near, oc, st.Cell[0], st.Cell[1]); err == nil {
			mistakes = append(mistakes, mistake[int64]{id: "ignored-dilation", value: int64(ns.Value),
				feedback: fmt.Sprintf("That multiplies the filter with neighbouring cells. With dilation %d the filter's taps are %d cells apart: "+
					"read every %s row and column of the window.", st.dil(), st.dil(), ordinal(st.dil()))})
		}
	}
	where := fmt.Sprintf("in %s of output channel %d (counting from 1 at the top left)", ordinalCell(st.Cell[0], st.Cell[1]), oc+1)
	if cc.Corner {
		where = fmt.Sprintf("in the bottom-right corner of output channel %d", oc+1)
	}
	win := step.Window
	return &Part{
		ID:     id,
		Label:  "Output value (" + settingWords(st) + ")",
		Prompt: fmt.Sprintf("With %s, what is the value %s?", settingWords(st), where),
		Kind:   KindInteger,
		Format: "A whole number; a minus sign is fine, like {example}.",
		Hints: []string{
			fmt.Sprintf("The window starts at row %d, column %d of the %s input (counting from 1) in every channel.",
				win.Row+1, win.Col+1, map[bool]string{true: "padded", false: "unpadded"}[st.Padding > 0]),
			fmt.Sprintf("Use filter %d only: multiply each channel's window with that channel of the filter, add everything%s.", oc+1,
				map[bool]string{true: ", then the bias", false: ""}[in.Bias != nil]),
		},
		Solution: []string{
			fmt.Sprintf("The window covers rows %d–%d and columns %d–%d of every channel%s.", win.Row+1, win.Row+win.Height, win.Col+1, win.Col+win.Width,
				map[bool]string{true: fmt.Sprintf(", of which the filter reads every %s row and column (dilation %d)", ordinal(st.dil()), st.dil()), false: ""}[st.dil() > 1]),
			"Multiply element-wise with filter " + fmt.Sprint(oc+1) + " and add: $" + traceArithmetic(step) + "$.",
		},
		Answer:    num(step.Value),
		Input:     num(step.Value),
		Animation: anim,
		FocusStep: &step.Index,
		check:     integerCheck(int64(step.Value), mistakes, "Recheck the window's position and each product; the step-by-step player shows every cell."),
	}, nil
}

func convMultiMatrixPart(id string, in ConvByHandInput, cc ConvCase, anim int) (*Part, error) {
	spec := in.spec(cc.Setting)
	out, err := compute.Conv2D(spec)
	if err != nil {
		return nil, err
	}
	flip := spec
	flip.Kernel = flippedAll(in.Filters)
	fo, err := compute.Conv2D(flip)
	if err != nil {
		return nil, err
	}
	oc := cc.OutChannel
	m := out[oc]
	return &Part{
		ID:          id,
		Label:       fmt.Sprintf("Output channel %d (%s)", oc+1, settingWords(cc.Setting)),
		Prompt:      fmt.Sprintf("With %s, write out output channel %d.", settingWords(cc.Setting), oc+1),
		Kind:        KindMatrix,
		Placeholder: "one row per line, e.g. {example}",
		Format:      "One row per line (or rows separated by semicolons), numbers separated by spaces or commas.",
		Rows:        len(m), Cols: len(m[0]),
		Hints:     []string{"Each cell adds the products of filter " + fmt.Sprint(oc+1) + " with its window over every channel."},
		Solution:  []string{"Output channel " + fmt.Sprint(oc+1) + " is $" + matrixText(m) + "$."},
		Answer:    "$" + matrixText(m) + "$",
		Input:     matrixText(m),
		Animation: anim,
		check: matrixCheck(m, []mistake[[][]float64]{{id: "flipped-kernel", value: fo[oc],
			feedback: "You flipped the filter, as a textbook convolution does. Deep-learning layers compute cross-correlation."}},
			"Use “show me this cell” to watch how a marked cell is computed."),
	}, nil
}

package exercises

import (
	"fmt"
	"math"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
)

// PoolByHandInput is the data of a pooling-by-hand variant, an authored
// family (internal/authoring): a one-channel image, max or average
// pooling, and the window settings to ask about, each like a
// conv-by-hand case (output size, one cell, the whole output).
type PoolByHandInput struct {
	Image [][]float64
	// Op is "max" or "avg".
	Op    string
	Cases []PoolCase
}

// PoolCase is one window setting of a PoolByHandInput. Pooling here has no
// dilation; padding follows PyTorch: at most half the window, −∞ for max
// pooling, zeros that count in the mean for average pooling unless
// ExcludePadding (count_include_pad=False).
type PoolCase struct {
	Name                    string
	Kernel, Stride, Padding int
	ExcludePadding          bool
	// Cell is the output cell asked for, [row, col] from 0, when AskCell.
	Cell     [2]int
	AskCell  bool
	Corner   bool
	AskWhole bool
}

// PoolByHandData is what a client needs to work a pooling variant.
type PoolByHandData struct {
	Image [][]float64   `json:"image"`
	Op    string        `json:"op"`
	Cases []PoolSetting `json:"cases"`
}

// PoolSetting is one window setting of PoolByHandData.
type PoolSetting struct {
	Kernel  int    `json:"kernel"`
	Stride  int    `json:"stride"`
	Padding int    `json:"padding,omitempty"`
	Cell    [2]int `json:"cell"`
	// ExcludePadding is average pooling's count_include_pad=False.
	ExcludePadding bool `json:"exclude_padding,omitempty"`
}

func poolOp(op string) (compute.PoolOp, string, error) {
	switch op {
	case "max":
		return compute.MaxPool, "max-pooling", nil
	case "avg":
		return compute.AvgPool, "average pooling", nil
	}
	return 0, "", fmt.Errorf("pooling: op must be max or avg, is %q", op)
}

func poolSpec(op compute.PoolOp, image [][]float64, c PoolCase) compute.PoolSpec {
	return compute.PoolSpec{Op: op, Input: [][][]float64{image}, KernelSize: compute.Square(c.Kernel), Stride: compute.Square(c.Stride),
		Padding: compute.Square(c.Padding), ExcludePadding: op == compute.AvgPool && c.ExcludePadding}
}

func poolWords(c PoolCase) string {
	if c.Padding > 0 {
		return fmt.Sprintf("a %d×%d window, stride %d, padding %d", c.Kernel, c.Kernel, c.Stride, c.Padding)
	}
	return fmt.Sprintf("a %d×%d window, stride %d", c.Kernel, c.Kernel, c.Stride)
}

// poolOpWords is poolWords with the average's treatment of the padding.
func poolOpWords(op compute.PoolOp, c PoolCase) string {
	if op == compute.AvgPool && c.Padding > 0 {
		if c.ExcludePadding {
			return poolWords(c) + " (the padding left out of the mean)"
		}
		return poolWords(c) + " (the padding counted in the mean)"
	}
	return poolWords(c)
}

// BuildPoolByHand builds the variant for in, every answer, diagnosis, hint
// and worked solution computed by internal/compute, with a replay per
// setting.
func BuildPoolByHand(in PoolByHandInput) (*Variant, error) {
	op, opWords, err := poolOp(in.Op)
	if err != nil {
		return nil, err
	}
	if len(in.Image) == 0 || len(in.Image[0]) == 0 {
		return nil, fmt.Errorf("pooling: the image needs at least one cell")
	}
	data := PoolByHandData{Image: in.Image, Op: in.Op}
	for _, c := range in.Cases {
		data.Cases = append(data.Cases, PoolSetting{Kernel: c.Kernel, Stride: c.Stride, Padding: c.Padding, Cell: c.Cell,
			ExcludePadding: op == compute.AvgPool && c.Padding > 0 && c.ExcludePadding})
	}
	padded := false
	for _, c := range in.Cases {
		padded = padded || c.Padding > 0
	}
	padText := "There is no padding."
	if padded {
		padText = "Where a setting has padding, the image is surrounded by that many rings of cells of $-\\infty$ first, as PyTorch pads for max-pooling, so the padding never wins."
		if op == compute.AvgPool {
			padText = "Where a setting has padding, the image is surrounded by that many rings of zeros first. PyTorch counts them in the mean by default " +
				"(count_include_pad=True: every window divides by $K \\times K$); a setting that says the padding is left out divides by the image cells in the window only."
		}
	}
	h, w := len(in.Image), len(in.Image[0])
	what := "the largest number in the window"
	if op == compute.AvgPool {
		what = "the mean of the numbers in the window"
	}
	v := &Variant{Data: data}
	v.Intro = []Block{
		{Text: fmt.Sprintf("Here is a %d×%d image. A %s layer slides a window over it and, at each position, keeps %s. "+
			"%s", h, w, opWords, what, padText)},
		{Grid: &Grid{Label: "Image", Cells: in.Image}},
	}
	for i, c := range in.Cases {
		spec := poolSpec(op, in.Image, c)
		out, err := compute.Pool2D(spec)
		if err != nil {
			return nil, err
		}
		v.Animations = append(v.Animations, Animation{
			Label: poolOpWords(op, c), Op: map[compute.PoolOp]string{compute.MaxPool: "maxpool2d", compute.AvgPool: "avgpool2d"}[op],
			Input: [][][]float64{in.Image}, KernelSize: [2]int{c.Kernel, c.Kernel}, Stride: [2]int{c.Stride, c.Stride},
			Padding: [2]int{c.Padding, c.Padding}, Dilation: [2]int{1, 1}, ExcludePadding: spec.ExcludePadding,
		})
		suffix := ""
		if c.Name != "" {
			suffix = "-" + c.Name
		}
		v.Parts = append(v.Parts, poolDimsPart("dims"+suffix, h, w, c, out[0], i))
		if c.AskCell {
			id := "cell" + suffix
			if c.Corner {
				id = "bottom-right" + suffix
			}
			p, err := poolCellPart(id, op, in.Image, c, i)
			if err != nil {
				return nil, err
			}
			v.Parts = append(v.Parts, p)
		}
		if c.AskWhole {
			p, err := poolMatrixPart("output"+suffix, op, in.Image, c, out[0], i)
			if err != nil {
				return nil, err
			}
			v.Parts = append(v.Parts, p)
		}
	}
	return v, nil
}

func poolDimsPart(id string, h, w int, c PoolCase, out [][]float64, anim int) *Part {
	k, s, p := c.Kernel, c.Stride, c.Padding
	expected := []int{len(out), len(out[0])}
	size := func(in, st, plus int) int { return (in+2*p-k)/st + plus }
	var mistakes []mistake[[]int]
	add := func(id, fb string, v []int) {
		if v[0] != expected[0] || v[1] != expected[1] {
			mistakes = append(mistakes, mistake[[]int]{id: id, feedback: fb, value: v})
		}
	}
	add("forgot-plus-one", "You left out the +1 of the output-size formula: the window's first position counts too, $\\lfloor (W - K)/S \\rfloor + 1$.",
		[]int{size(h, s, 0), size(w, s, 0)})
	add("input-size", fmt.Sprintf("That is the size of the image, %d×%d. The output has one cell per position of the window.", h, w), []int{h, w})
	if s > 1 {
		add("ignored-stride", fmt.Sprintf("That is the size for stride 1. The window jumps %d cells at a time, so divide by $S = %d$ before adding 1.", s, s),
			[]int{size(h, 1, 1), size(w, 1, 1)})
	}
	hints := []string{
		"Pooling uses the output-size formula without padding on each axis: $\\lfloor (W_{in} - K) / S \\rfloor + 1$.",
		fmt.Sprintf("Here the image is %d×%d, $K = %d$ and $S = %d$.", h, w, k, s),
	}
	if p > 0 {
		if n := []int{(h-k)/s + 1, (w-k)/s + 1}; h >= k && w >= k {
			add("forgot-padding", fmt.Sprintf("That is the size without padding. Padding %d adds %d rings around the image, so use $P = %d$ in the formula.", p, p, p), n)
		}
		add("padding-one-side", "You added the padding once. It goes on both sides, so the formula has $2P$.",
			[]int{(h+p-k)/s + 1, (w+p-k)/s + 1})
		hints = []string{
			"Pooling uses the same output-size formula as a convolution on each axis: $\\lfloor (W_{in} - K + 2P) / S \\rfloor + 1$.",
			fmt.Sprintf("Here the image is %d×%d, $K = %d$, $P = %d$ and $S = %d$.", h, w, k, p, s),
		}
	}
	return &Part{
		ID:     id,
		Label:  "Output size (" + poolWords(c) + ")",
		Prompt: fmt.Sprintf("With %s, what are the dimensions of the output?", poolWords(c)),
		Kind:   KindShape,
		Format: "Write height × width, like {example} or {example2}.",
		Hints:  hints,
		Solution: []string{
			outputSizeSteps("Height", h, k, p, s),
			outputSizeSteps("Width", w, k, p, s),
			fmt.Sprintf("The output is $%d \\times %d$.", expected[0], expected[1]),
		},
		Answer:    fmt.Sprintf("%d×%d", expected[0], expected[1]),
		Input:     fmt.Sprintf("%dx%d", expected[0], expected[1]),
		Animation: anim,
		check:     shapeCheck(expected, mistakes, "Count the positions of the window down and across with the output-size formula."),
	}
}

// poolStep is the trace step of one output cell.
func poolStep(op compute.PoolOp, image [][]float64, c PoolCase, row, col int) (compute.Step, error) {
	tr, err := compute.NewPoolTrace(poolSpec(op, image, c))
	if err != nil {
		return compute.Step{}, err
	}
	return tr.Step(row*tr.OutputShape()[2] + col)
}

// whole reports whether v is a whole number, so an integer answer fits.
func whole(v float64) bool { return v == math.Trunc(v) && math.Abs(v) < 1<<53 }

func poolCellPart(id string, op compute.PoolOp, image [][]float64, c PoolCase, anim int) (*Part, error) {
	st, err := poolStep(op, image, c, c.Cell[0], c.Cell[1])
	if err != nil {
		return nil, err
	}
	if !whole(st.Value) {
		return nil, fmt.Errorf("pooling: the cell's mean is %s, not a whole number; ask the whole output or choose numbers whose windows average to whole numbers", num(st.Value))
	}
	other := compute.AvgPool
	otherID, otherFB := "used-average", "That is the mean of the window. Max-pooling keeps only the largest number."
	if op == compute.AvgPool {
		other, otherID, otherFB = compute.MaxPool, "used-max", "That is the largest number of the window. Average pooling keeps the mean of all of them."
	}
	var mistakes []mistake[int64]
	if o, err := poolStep(other, image, c, c.Cell[0], c.Cell[1]); err == nil && whole(o.Value) {
		mistakes = append(mistakes, mistake[int64]{id: otherID, feedback: otherFB, value: int64(o.Value)})
	}
	mistakes = append(mistakes, poolPaddingMistakes(op, image, c, st)...)
	if c.Stride > 1 {
		// The window placed at stride 1: row r starts at r, not r·S.
		one := c
		one.Stride = 1
		if o, err := poolStep(op, image, one, c.Cell[0], c.Cell[1]); err == nil && whole(o.Value) {
			mistakes = append(mistakes, mistake[int64]{id: "ignored-stride", value: int64(o.Value),
				feedback: fmt.Sprintf("That window starts %d cells from the corner, as at stride 1. With stride %d the window of output row %d starts at row %d.",
					c.Cell[0], c.Stride, c.Cell[0]+1, c.Cell[0]*c.Stride+1)})
		}
	}
	where := "in " + ordinalCell(c.Cell[0], c.Cell[1]) + " of the output (counting from 1 at the top left)"
	if c.Corner {
		where = "in the bottom-right corner of the output"
	}
	win := st.Window
	vals := make([]string, 0, len(st.Terms[0]))
	for _, t := range st.Terms[0] {
		switch {
		case t.IsPadding && op == compute.MaxPool:
			vals = append(vals, "-\\infty")
		case t.IsPadding && c.ExcludePadding:
			// Left out of the mean.
		default:
			vals = append(vals, num(t.Input))
		}
	}
	var how string
	if op == compute.MaxPool {
		how = fmt.Sprintf("The largest of $%s$ is $%s$.", strings.Join(vals, ", "), num(st.Value))
	} else {
		how = fmt.Sprintf("The mean: $(%s) / %d = %s$.", strings.Join(vals, " + "), len(vals), num(st.Value))
	}
	imageWords, coverNote := "image", ""
	if c.Padding > 0 {
		imageWords = "padded image"
		coverNote = fmt.Sprintf(" of the image padded with %d %s", c.Padding, plural(c.Padding, "ring", "rings"))
	}
	return &Part{
		ID:     id,
		Label:  "Output value (" + poolWords(c) + ")",
		Prompt: fmt.Sprintf("With %s, what is the value %s?", poolOpWords(op, c), where),
		Kind:   KindInteger,
		Format: "A whole number; a minus sign is fine, like {example}.",
		Hints: []string{
			fmt.Sprintf("Find the window first: output row %d, column %d starts at row %d, column %d of the %s (counting from 1), because each step moves the window by the stride.",
				c.Cell[0]+1, c.Cell[1]+1, win.Row+1, win.Col+1, imageWords),
			map[compute.PoolOp]string{compute.MaxPool: "Keep the largest number in the window.", compute.AvgPool: "Add the numbers in the window and divide by how many there are."}[op],
		},
		Solution: []string{
			fmt.Sprintf("The window covers rows %d–%d and columns %d–%d%s (counting from 1).", win.Row+1, win.Row+win.Height, win.Col+1, win.Col+win.Width, coverNote),
			how,
		},
		Answer:    num(st.Value),
		Input:     num(st.Value),
		Animation: anim,
		FocusStep: &st.Index,
		check:     integerCheck(int64(st.Value), mistakes, "Recheck the window's position and its numbers; the step-by-step player shows every cell."),
	}, nil
}

func poolMatrixPart(id string, op compute.PoolOp, image [][]float64, c PoolCase, out [][]float64, anim int) (*Part, error) {
	other := compute.AvgPool
	otherID, otherFB := "used-average", "You took the mean of each window. Max-pooling keeps only the largest number."
	if op == compute.AvgPool {
		other, otherID, otherFB = compute.MaxPool, "used-max", "You kept the largest number of each window. Average pooling keeps the mean."
	}
	var mistakes []mistake[[][]float64]
	if o, err := compute.Pool2D(poolSpec(other, image, c)); err == nil {
		mistakes = append(mistakes, mistake[[][]float64]{id: otherID, feedback: otherFB, value: o[0]})
	}
	return &Part{
		ID:          id,
		Label:       "Whole output (" + poolWords(c) + ")",
		Prompt:      fmt.Sprintf("With %s, write out the whole output.", poolOpWords(op, c)),
		Kind:        KindMatrix,
		Placeholder: "one row per line, e.g. {example}",
		Format:      "One row per line (or rows separated by semicolons), numbers separated by spaces or commas.",
		Rows:        len(out), Cols: len(out[0]),
		Hints: []string{
			"Work out the output size first; then fill it row by row, moving the window by the stride each time.",
		},
		Solution: []string{
			fmt.Sprintf("The output is $%d \\times %d$; each cell pools its window.", len(out), len(out[0])),
			"The output is $" + matrixText(out) + "$.",
		},
		Answer:    "$" + matrixText(out) + "$",
		Input:     matrixText(out),
		Animation: anim,
		check:     matrixCheck(out, mistakes, "Use “show me this cell” to watch how a marked cell is computed."),
	}, nil
}

// poolPaddingMistakes are the slips padding invites in one cell: for max
// pooling, padding with zeros (which wins over an all-negative window);
// for average pooling, the other count_include_pad convention.
func poolPaddingMistakes(op compute.PoolOp, image [][]float64, c PoolCase, st compute.Step) []mistake[int64] {
	if c.Padding == 0 {
		return nil
	}
	var out []mistake[int64]
	if op == compute.MaxPool {
		best, touches := math.Inf(-1), false
		for _, t := range st.Terms[0] {
			if t.IsPadding {
				touches = true
				best = math.Max(best, 0)
			} else {
				best = math.Max(best, t.Input)
			}
		}
		if touches && best != st.Value && whole(best) {
			out = append(out, mistake[int64]{id: "zero-padding", value: int64(best),
				feedback: "You padded with zeros, and a zero won. Max-pooling pads with $-\\infty$, so the padding never wins: take the largest number of the image inside the window."})
		}
		return out
	}
	other := c
	other.ExcludePadding = !c.ExcludePadding
	if o, err := poolStep(op, image, other, c.Cell[0], c.Cell[1]); err == nil && whole(o.Value) {
		if c.ExcludePadding {
			out = append(out, mistake[int64]{id: "counted-padding", value: int64(o.Value),
				feedback: "You counted the padding in the mean. This setting leaves it out (count_include_pad=False): divide by the image cells in the window only."})
		} else {
			out = append(out, mistake[int64]{id: "excluded-padding", value: int64(o.Value),
				feedback: fmt.Sprintf("You left the padding out of the mean. PyTorch counts the padding zeros by default (count_include_pad=True): divide by all %d cells of the window.", c.Kernel*c.Kernel)})
		}
	}
	return out
}

package exercises

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// ConvOutputSizeData holds the givens of a conv-output-size variant: one
// axis of a convolution. Dilation 1 means an ordinary, undilated filter.
type ConvOutputSizeData struct {
	InputWidth int `json:"input_width"`
	Kernel     int `json:"kernel"`
	Padding    int `json:"padding"`
	Stride     int `json:"stride"`
	Dilation   int `json:"dilation"`
}

func convOutputSize() *Exercise {
	return &Exercise{
		ID:           "conv-output-size",
		Domain:       "size",
		Title:        "Output size of a convolution",
		Section:      "3.1",
		SectionTitle: "Concepts",
		Summary:      "Work out how wide a convolution's output is from the input width, kernel, padding and stride, and write the general formula.",
		generate:     generateConvOutputSize,
	}
}

// The expected formulas. Tests evaluate them against compute.OutputSize.
const (
	convWidthFormula        = "floor((W_in - K + 2P)/S) + 1"
	convDilatedWidthFormula = "floor((W_in + 2P - D(K - 1) - 1)/S) + 1"
)

// convVars are the names a formula may use; D only when the variant has
// dilation.
func convVars(dilated bool) []answer.Variable {
	vars := []answer.Variable{
		{Name: "W_in", Display: "W_{in}", Aliases: []string{"Win", "W_{in}", "w_in", "W"}},
		{Name: "K", Aliases: []string{"K_w", "k_w"}},
		{Name: "P"},
		{Name: "S"},
	}
	if dilated {
		vars = append(vars, answer.Variable{Name: "D"})
	}
	return vars
}

// convDomain samples W_in in 8..64, K in 1..7, P in 0..3, S in 1..4 and D in
// 1..3, keeping only points where the dilated filter fits the padded input.
// S varies, so a formula without the floor is told apart.
func convDomain() answer.Domain {
	return answer.Domain{Lo: 1, Hi: 64, Constrain: func(env map[string]*big.Rat) bool {
		pick := func(name string, lo, n int64) int64 {
			r, ok := env[name]
			if !ok {
				return lo
			}
			v := lo + (r.Num().Int64()-1)%n
			env[name] = new(big.Rat).SetInt64(v)
			return v
		}
		w := pick("W_in", 8, 57)
		k := pick("K", 1, 7)
		p := pick("P", 0, 4)
		pick("S", 1, 4)
		d := pick("D", 1, 3)
		return w+2*p >= d*(k-1)+1
	}}
}

// convWidthMistakes lists the mistakes that apply to d, their values
// computed by compute.OutputSize with the mistaken settings. A mistake that
// cannot happen here (padding on one side when there is no padding, or a
// setting under which the filter would not fit at all) is left out, and so
// is one that happens to give the right width.
func convWidthMistakes(d ConvOutputSizeData, expected int) []mistake[int64] {
	w, k, p, s, dil := d.InputWidth, d.Kernel, d.Padding, d.Stride, d.Dilation
	var out []mistake[int64]
	add := func(id, feedback string, value int, err error) {
		if err == nil && value != expected {
			out = append(out, mistake[int64]{id: id, feedback: feedback, value: int64(value)})
		}
	}
	// Whole strides without the first position: the width minus one.
	add("forgot-plus-one",
		"You left out the +1. The division counts how many strides the filter can take after its first position; "+
			"the first position gives an output too, so add 1.",
		expected-1, nil)
	if p > 0 {
		// Padding on one side only: the input grows by P instead of 2P.
		v, err := compute.OutputSize(w+p, k, 0, s, dil)
		add("padding-one-side",
			fmt.Sprintf("You padded one side only, or took $P$ as the total padding. Padding $P = %d$ puts %d zeros on the left "+
				"and %d on the right, so the padded input is $W_{in} + 2P = %d$ wide.", p, p, p, w+2*p),
			v, err)
	}
	if (w+2*p-(dil*(k-1)+1))%s != 0 {
		// Rounding up: an input S − 1 wider turns the floor into a ceiling.
		v, err := compute.OutputSize(w+s-1, k, p, s, dil)
		add("no-floor",
			fmt.Sprintf("You rounded up. Here $%s$ is not a whole number of strides: the last step would take the filter past the edge "+
				"of the padded input, so it does not count. Round down (take the floor) before adding 1.", convRoomText(d)),
			v, err)
	}
	if s > 1 {
		v, err := compute.OutputSize(w, k, p, 1, dil)
		add("ignored-stride",
			fmt.Sprintf("That is the width for stride 1. With stride %d the filter moves %d columns at a time, "+
				"so divide the distance it can move by $S = %d$ before adding 1.", s, s, s),
			v, err)
	}
	if dil > 1 {
		v, err := compute.OutputSize(w, k, p, s, 1)
		add("ignored-dilation",
			fmt.Sprintf("You treated the filter as %d columns wide. With dilation %d its %d taps are %d columns apart, "+
				"so it spans $D(K - 1) + 1 = %d \\cdot (%d - 1) + 1 = %d$ columns.", k, dil, k, dil, dil, k, dil*(k-1)+1),
			v, err)
	}
	return out
}

// convRoomText writes (W − K + 2P)/S (or its dilated form) with the numbers
// in, as math.
func convRoomText(d ConvOutputSizeData) string {
	if d.Dilation > 1 {
		return fmt.Sprintf("(%d + 2 \\cdot %d - %d \\cdot (%d - 1) - 1) / %d", d.InputWidth, d.Padding, d.Dilation, d.Kernel, d.Stride)
	}
	return fmt.Sprintf("(%d - %d + 2 \\cdot %d) / %d", d.InputWidth, d.Kernel, d.Padding, d.Stride)
}

func generateConvOutputSize(seed uint64, rng *rand.Rand) (*Variant, error) {
	// Seed 0 is the conv layer of the section 3.3 network: after the first
	// max-pool its input is 64 wide, and the filter is 17 wide.
	d := ConvOutputSizeData{InputWidth: 64, Kernel: 17, Padding: 0, Stride: 1, Dilation: 1}
	if seed != 0 {
		var err error
		if d, err = drawConvOutputSize(rng, seed%10 == 9); err != nil {
			return nil, err
		}
	}
	note := ""
	if seed == 0 {
		note = recitationConvSizeNote
	}
	return BuildConvOutputSize(d, note)
}

// recitationConvSizeNote says where seed 0's numbers come from.
const recitationConvSizeNote = "The numbers come from the convolutional layer of the section 3.3 network, " +
	"whose input is 64 pixels wide once the first max-pool has halved the 128-pixel image."

// drawConvOutputSize draws one of three kinds of variant: one whose stride
// divides evenly, one that needs the floor, and, when beyond is set, one
// with dilation, which the recitation does not cover (one seed in ten; the
// page says it goes beyond). A 1-wide filter is never drawn: it has no
// "+1" to forget. Every mistake that applies must lead to its own number,
// so each can be named.
func drawConvOutputSize(rng *rand.Rand, beyond bool) (ConvOutputSizeData, error) {
	kind := rng.IntN(2)
	if beyond {
		kind = 2
	}
	for attempt := 0; attempt < 10000; attempt++ {
		d := ConvOutputSizeData{
			InputWidth: []int{7, 8, 10, 12, 15, 16, 20, 28, 32, 37, 50, 64, 100, 128, 224}[rng.IntN(15)],
			Kernel:     []int{2, 3, 4, 5, 7, 9, 11}[rng.IntN(7)],
			Stride:     1 + rng.IntN(4),
			Dilation:   1,
		}
		d.Padding = rng.IntN(min(d.Kernel/2, 3) + 1)
		if kind == 2 {
			d.Kernel = []int{2, 3, 5}[rng.IntN(3)]
			d.Dilation = 2 + rng.IntN(2)
			d.Padding = rng.IntN(d.Dilation*(d.Kernel-1)/2 + 1)
			d.Stride = 1 + rng.IntN(2)
		}
		out, err := compute.OutputSize(d.InputWidth, d.Kernel, d.Padding, d.Stride, d.Dilation)
		if err != nil || out < 2 {
			continue
		}
		room := d.InputWidth + 2*d.Padding - (d.Dilation*(d.Kernel-1) + 1)
		divides := room%d.Stride == 0
		switch kind {
		case 0:
			// Something beyond the plain formula: padding or a stride.
			if !divides || (d.Padding == 0 && d.Stride == 1) {
				continue
			}
		case 1:
			if divides || d.Stride < 2 {
				continue
			}
		case 2:
			if !divides {
				continue
			}
		}
		if !convMistakesDistinct(d, convWidthMistakes(d, out)) {
			continue
		}
		return d, nil
	}
	return ConvOutputSizeData{}, fmt.Errorf("conv-output-size: no variant found")
}

// convMistakesDistinct reports whether every mistake that applies to d is
// present and leads to its own number.
func convMistakesDistinct(d ConvOutputSizeData, ms []mistake[int64]) bool {
	want := 1 // forgot-plus-one
	room := d.InputWidth + 2*d.Padding - (d.Dilation*(d.Kernel-1) + 1)
	if d.Padding > 0 {
		want++
	}
	if room%d.Stride != 0 {
		want++
	}
	if d.Stride > 1 {
		want++
	}
	if d.Dilation > 1 {
		want++
	}
	if len(ms) != want {
		return false
	}
	seen := map[int64]bool{}
	for _, m := range ms {
		if seen[m.value] || m.value < 1 {
			return false
		}
		seen[m.value] = true
	}
	return true
}

// BuildConvOutputSize builds the variant for d: the output width and the
// general formula. note, when set, is a last paragraph of the problem
// statement (where the numbers come from). The built-in exercise and
// authored files both build their variants here.
func BuildConvOutputSize(d ConvOutputSizeData, note string) (*Variant, error) {
	if d.Dilation < 1 {
		return nil, fmt.Errorf("conv-output-size: dilation must be at least 1, is %d", d.Dilation)
	}
	out, err := compute.OutputSize(d.InputWidth, d.Kernel, d.Padding, d.Stride, d.Dilation)
	if err != nil {
		return nil, err
	}
	ms := convWidthMistakes(d, out)
	dilated := d.Dilation > 1
	v := &Variant{Data: d}
	v.Intro = []Block{{Text: "A convolution slides its filter along the input one stride at a time, and produces one output " +
		"for every position where the filter fits entirely inside the (zero-padded) input. " +
		"The width of the output follows from four numbers: the input width $W_{in}$, the filter width $K$, " +
		"the padding $P$ added to each side, and the stride $S$."}}
	if dilated {
		v.Intro = append(v.Intro, Block{Text: "Beyond the recitation: this variant adds dilation, which section 3 does not cover. " +
			"This filter is dilated: with dilation $D$ its $K$ taps are spaced $D$ columns apart " +
			"instead of sitting next to each other, so it reaches further without more weights."})
	}
	if note != "" {
		v.Intro = append(v.Intro, Block{Text: note})
	}
	v.Parts = []*Part{
		convWidthPart(d, out, ms),
		convFormulaPart(d, out),
	}
	return v, nil
}

// convGivens writes the variant's numbers for a prompt.
func convGivens(d ConvOutputSizeData) string {
	dil := ""
	if d.Dilation > 1 {
		dil = fmt.Sprintf(", dilation $D = %d$", d.Dilation)
	}
	return fmt.Sprintf("filter width $K = %d$, padding $P = %d$%s and stride $S = %d$", d.Kernel, d.Padding, dil, d.Stride)
}

// stepsText says how many whole strides fit in room, as math.
func stepsText(room, stride int) string {
	if stride == 1 {
		return fmt.Sprintf("%d steps of one column", room)
	}
	return fmt.Sprintf("$\\lfloor %d / %d \\rfloor = %d$ whole steps of %d columns", room, stride, room/stride, stride)
}

func convWidthPart(d ConvOutputSizeData, out int, ms []mistake[int64]) *Part {
	w, k, p, s, dil := d.InputWidth, d.Kernel, d.Padding, d.Stride, d.Dilation
	padded := w + 2*p
	spanCols := dil*(k-1) + 1
	room := padded - spanCols
	prompt := fmt.Sprintf("A convolution with %s is applied to an input of width $W_{in} = %d$. How wide is its output?", convGivens(d), w)
	if room%s != 0 {
		prompt += " (The filter only produces an output where it fits entirely inside the padded input.)"
	}
	covers := "$K$ columns"
	if dil > 1 {
		covers = "$D(K - 1) + 1$ columns"
	}
	hints := []string{
		"Count the positions where the filter fits. After padding the input is $W_{in} + 2P$ wide, and the filter covers " + covers + ".",
		"The first position is at the left edge; every further position is $S$ columns to the right and must still fit. " +
			"Count only whole strides, then add the first position.",
	}
	var solution []string
	solution = append(solution, fmt.Sprintf("Padded width: $W_{in} + 2P = %d + 2 \\cdot %d = %d$.", w, p, padded))
	if dil > 1 {
		hints = append(hints, fmt.Sprintf("Use $\\lfloor (W_{in} + 2P - D(K - 1) - 1) / S \\rfloor + 1$ with $W_{in} = %d$, %s.", w, convGivens(d)))
		solution = append(solution,
			fmt.Sprintf("The dilated filter spans $D(K - 1) + 1 = %d \\cdot (%d - 1) + 1 = %d$ columns.", dil, k, spanCols),
			fmt.Sprintf("Its left edge can move $%d - %d = %d$ columns: %s.", padded, spanCols, room, stepsText(room, s)),
			fmt.Sprintf("Adding the first position: $%d + 1 = %d$. In one line: $\\lfloor (%d + 2 \\cdot %d - %d \\cdot (%d - 1) - 1) / %d \\rfloor + 1 = %d$.",
				room/s, out, w, p, dil, k, s, out))
	} else {
		hints = append(hints, fmt.Sprintf("Use $\\lfloor (W_{in} - K + 2P) / S \\rfloor + 1$ with $W_{in} = %d$, %s.", w, convGivens(d)))
		solution = append(solution,
			fmt.Sprintf("The filter covers %d %s, so its left edge can move $%d - %d = %d$ columns: %s.",
				k, plural(k, "column", "columns"), padded, k, room, stepsText(room, s)),
			fmt.Sprintf("Adding the first position: $%d + 1 = %d$. In one line: $\\lfloor (%d - %d + 2 \\cdot %d) / %d \\rfloor + 1 = %d$.",
				room/s, out, w, k, p, s, out))
	}
	if room%s != 0 {
		short := s - room%s
		solution = append(solution, fmt.Sprintf("The floor matters here: after %d steps the filter is %d %s short of a further position, "+
			"and a filter that sticks out past the padding produces no output.", room/s, short, plural(short, "column", "columns")))
	}
	return &Part{
		ID:        "output-width",
		Label:     "Output width",
		Prompt:    prompt,
		Kind:      KindInteger,
		Format:    "A whole number, exact, like {example}.",
		Hints:     hints,
		Solution:  solution,
		Answer:    fmt.Sprint(out),
		Input:     fmt.Sprint(out),
		Animation: -1,
		check: integerCheck(int64(out), ms,
			"Count the positions where the filter fits entirely in the padded input; the hints give the formula."),
	}
}

func convFormulaPart(d ConvOutputSizeData, out int) *Part {
	dilated := d.Dilation > 1
	vars := convVars(dilated)
	fm := convFormulaMistakes(dilated)
	p := &Part{
		ID:          "formula",
		Label:       "The formula",
		Kind:        KindFormula,
		Placeholder: "e.g. floor((W_in + P)/S)",
		Animation:   -1,
	}
	check := fmt.Sprintf("With this variant's numbers it gives %d, the width from the first part.", out)
	if dilated {
		p.Prompt = "Write the output width $W_{out}$ as a formula in $W_{in}$, $K$, $P$, $S$ and the dilation $D$ that works for any sizes."
		p.Format = "A formula in `W_in`, `K`, `P`, `S` and `D`. Write `floor(…)` or `⌊…⌋` to round down. It is checked at many sizes, so any equivalent form is accepted."
		p.Hints = []string{
			"First find how many columns a dilated filter spans: $K$ taps, $D$ columns apart.",
			"The filter can move by the padded width minus its span; count whole strides in that, then the first position.",
		}
		p.Solution = []string{
			"The $K$ taps are $D$ apart, so the filter spans $D(K - 1) + 1$ columns.",
			"Its left edge can move $W_{in} + 2P - D(K - 1) - 1$ columns, which is $\\lfloor (W_{in} + 2P - D(K - 1) - 1)/S \\rfloor$ whole strides.",
			"Counting the first position too: $W_{out} = \\lfloor \\frac{W_{in} + 2P - D(K - 1) - 1}{S} \\rfloor + 1$. With $D = 1$ it is the usual formula.",
			check,
		}
		p.Answer = "$W_{out} = \\lfloor \\frac{W_{in} + 2P - D(K - 1) - 1}{S} \\rfloor + 1$"
		p.Input = convDilatedWidthFormula
		p.check = formulaCheck(convDilatedWidthFormula, vars, convDomain(), fm,
			"Build it from the padded width, the span of the dilated filter and the stride; the hints walk through it.")
		return p
	}
	p.Prompt = "Write the output width $W_{out}$ as a formula in $W_{in}$, $K$, $P$ and $S$ that works for any sizes."
	p.Format = "A formula in `W_in`, `K`, `P` and `S`. Write `floor(…)` or `⌊…⌋` to round down. It is checked at many sizes, so any equivalent form is accepted."
	p.Hints = []string{
		"The filter's left edge starts at the left of the padded input; how far can it move before its right edge reaches the other side?",
		"Count the whole strides in that distance (round down), then add the first position.",
	}
	p.Solution = []string{
		"The padded input is $W_{in} + 2P$ wide and the filter covers $K$ columns, so its left edge can move $W_{in} - K + 2P$ columns.",
		"In strides of $S$ that is $\\lfloor (W_{in} - K + 2P)/S \\rfloor$ whole steps; a step that would leave the input does not count.",
		"Counting the first position too: $W_{out} = \\lfloor \\frac{W_{in} - K + 2P}{S} \\rfloor + 1$. The height works the same way.",
		check,
	}
	p.Answer = "$W_{out} = \\lfloor \\frac{W_{in} - K + 2P}{S} \\rfloor + 1$"
	p.Input = convWidthFormula
	p.check = formulaCheck(convWidthFormula, vars, convDomain(), fm,
		"Build it from the padded width, the filter width and the stride; the hints walk through it.")
	return p
}

// convFormulaMistakes are the mistaken formulas; tests check each against
// compute.OutputSize run with the mistaken settings.
func convFormulaMistakes(dilated bool) []mistake[string] {
	pick := func(plain, dil string) string {
		if dilated {
			return dil
		}
		return plain
	}
	ms := []mistake[string]{
		{
			id:       "forgot-plus-one",
			feedback: "That counts the strides after the first position but not the first position itself; add 1.",
			value:    pick("floor((W_in - K + 2P)/S)", "floor((W_in + 2P - D(K - 1) - 1)/S)"),
		},
		{
			id:       "padding-one-side",
			feedback: "The padding goes on both sides: $P$ zeros on the left and $P$ on the right, so the padded width is $W_{in} + 2P$.",
			value:    pick("floor((W_in - K + P)/S) + 1", "floor((W_in + P - D(K - 1) - 1)/S) + 1"),
		},
		{
			id: "no-floor",
			feedback: "Without rounding down, the formula gives fractions whenever the stride does not divide the distance evenly. " +
				"Only whole strides count, so take the floor before adding 1.",
			value: pick("(W_in - K + 2P)/S + 1", "(W_in + 2P - D(K - 1) - 1)/S + 1"),
		},
	}
	if dilated {
		ms = append(ms, mistake[string]{
			id:       "ignored-dilation",
			feedback: "That is the formula for an undilated filter. With dilation the filter spans $D(K - 1) + 1$ columns, not $K$.",
			value:    "floor((W_in - K + 2P)/S) + 1",
		})
	}
	return ms
}

package compute

import (
	"fmt"
	"iter"
	"math"
)

// Window is where one output cell's (dilated) kernel sits. Row and Col are
// its top-left corner in PADDED input coordinates; Height and Width are the
// dilated extent D·(K−1)+1, so the window covers rows Row..Row+Height−1 (of
// which every D-th is read).
type Window struct{ Row, Col, Height, Width int }

// Term is one input cell read while computing an output cell.
type Term struct {
	Channel   int     // input channel
	Row, Col  int     // position in the padded input
	Input     float64 // value read (for a padding cell: 0 for conv/avg, −Inf for max)
	Weight    float64 // kernel weight (conv); 1 for pooling terms
	IsPadding bool    // the cell lies in the padding
}

// Step is one output cell of a trace, with everything needed to show how it
// was computed.
type Step struct {
	Index  int    // position in the trace, 0 ≤ Index < Len()
	Out    [3]int // output channel, row, col
	Window Window
	// Terms holds, for conv2d, one slice per input channel (C slices of kH·kW
	// terms each, in row-major kernel order); for pooling, a single slice
	// for the pooled channel.
	Terms   [][]Term
	HasBias bool
	Bias    float64
	// Value is exactly equal (bit for bit) to the matching cell of the
	// Conv2D or Pool2D output.
	Value float64
}

// traceKind says what a Trace replays.
type traceKind int

const (
	traceConv traceKind = iota
	traceMaxPool
	traceAvgPool
)

// Trace lazily replays a conv2d or pool2d one output cell at a time, in
// order of output channel, then row, then column. Creating one costs only
// validation: nothing is computed until a step is asked for, so the tutor can
// page through a large convolution cheaply.
//
// A Trace keeps references to the slices of the spec it was made from
// instead of copying them; do not modify them while the Trace is in use.
// A Trace has no mutable state, so it is safe for concurrent use.
type Trace struct {
	kind   traceKind
	input  [][][]float64
	kernel [][][][]float64 // conv2d only
	bias   []float64       // conv2d only; nil for no bias
	g      geometry
}

// NewConvTrace validates s (see ConvSpec.Validate) and returns a trace of
// Conv2D(s). It neither computes the output nor builds the padded input.
func NewConvTrace(s ConvSpec) (*Trace, error) {
	g, err := s.geometry()
	if err != nil {
		return nil, fmt.Errorf("conv2d trace: %w", err)
	}
	return &Trace{kind: traceConv, input: s.Input, kernel: s.Kernel, bias: s.Bias, g: g}, nil
}

// NewPoolTrace validates s (see PoolSpec.Validate) and returns a trace of
// Pool2D(s). It neither computes the output nor builds the padded input.
func NewPoolTrace(s PoolSpec) (*Trace, error) {
	g, err := s.geometry()
	if err != nil {
		return nil, fmt.Errorf("%s trace: %w", s.Op.opName(), err)
	}
	kind := traceMaxPool
	if s.Op == AvgPool {
		kind = traceAvgPool
	}
	return &Trace{kind: kind, input: s.Input, g: g}, nil
}

// Op names the traced operation: "conv2d", "maxpool2d" or "avgpool2d".
func (t *Trace) Op() string {
	switch t.kind {
	case traceMaxPool:
		return MaxPool.opName()
	case traceAvgPool:
		return AvgPool.opName()
	}
	return "conv2d"
}

// Len is the number of steps: output channels × Hout × Wout.
func (t *Trace) Len() int { return t.g.cells() }

// OutputShape is the shape of the output, [channels, Hout, Wout].
func (t *Trace) OutputShape() [3]int { return [3]int{t.g.outC, t.g.out.H, t.g.out.W} }

// InputShape is the shape of the input, [C, H, W].
func (t *Trace) InputShape() [3]int { return [3]int{t.g.c, t.g.h, t.g.w} }

// PaddedShape is the shape of the padded input, [C, H+2·padH, W+2·padW].
func (t *Trace) PaddedShape() [3]int {
	p := t.g.padded()
	return [3]int{t.g.c, p.H, p.W}
}

// padValue is what a padding cell holds: −∞ for max pooling (so it never
// wins), 0 otherwise.
func (t *Trace) padValue() float64 {
	if t.kind == traceMaxPool {
		return math.Inf(-1)
	}
	return 0
}

// PaddedInput builds the padded input (padding cells 0, or −Inf for max
// pooling). It allocates a new tensor on every call, so the caller may keep
// or modify it; validation bounded its size by MaxTensorElements.
func (t *Trace) PaddedInput() [][][]float64 {
	p := t.g.padded()
	out := newTensor3(t.g.c, p.H, p.W)
	pad := t.padValue()
	for c, plane := range out {
		for r, row := range plane {
			for col := range row {
				if t.IsPaddingCell(r, col) {
					row[col] = pad
				} else {
					row[col] = t.input[c][r-t.g.padding.H][col-t.g.padding.W]
				}
			}
		}
	}
	return out
}

// IsPaddingCell reports whether (row, col), in padded coordinates, lies in
// the padding. Cells outside the padded input are not padding: it returns
// false for them.
func (t *Trace) IsPaddingCell(row, col int) bool {
	p := t.g.padded()
	if row < 0 || row >= p.H || col < 0 || col >= p.W {
		return false
	}
	r, c := row-t.g.padding.H, col-t.g.padding.W
	return r < 0 || r >= t.g.h || c < 0 || c >= t.g.w
}

// Step returns step i (random access). Its cost is O(C·kH·kW) for conv2d and
// O(kH·kW) for pooling, with two allocations: the terms share one backing
// slice. Each call returns fresh slices, which the caller may keep. An
// out-of-range i is an *Error with Field "step".
func (t *Trace) Step(i int) (Step, error) {
	n := t.Len()
	if i < 0 || i >= n {
		return Step{}, errorf("step", "%d is out of range; the trace has %d steps, numbered 0 to %d", i, n, n-1)
	}
	g := &t.g
	plane := g.out.H * g.out.W
	o, rem := i/plane, i%plane
	oy, ox := rem/g.out.W, rem%g.out.W
	ext := g.extent()
	st := Step{
		Index:  i,
		Out:    [3]int{o, oy, ox},
		Window: Window{Row: oy * g.stride.H, Col: ox * g.stride.W, Height: ext.H, Width: ext.W},
	}
	if t.kind == traceConv {
		t.convStep(&st)
	} else {
		t.poolStep(&st)
	}
	return st, nil
}

// fillTerms writes the kH·kW terms of input channel c under window win
// into terms, in row-major kernel order, with Weight 1. It writes in place
// rather than returning Terms by value: Term is 48 bytes and the trace
// builds millions of them.
func (t *Trace) fillTerms(terms []Term, c int, win Window) {
	g := &t.g
	pad := t.padValue()
	k := 0
	for ki := range g.kernel.H {
		row := win.Row + ki*g.dilation.H
		r := row - g.padding.H // row in the unpadded input
		var inRow []float64    // nil when the whole kernel row is padding
		if r >= 0 && r < g.h {
			inRow = t.input[c][r]
		}
		for kj := range g.kernel.W {
			col := win.Col + kj*g.dilation.W
			tm := &terms[k]
			k++
			tm.Channel, tm.Row, tm.Col, tm.Weight = c, row, col, 1
			if cc := col - g.padding.W; inRow != nil && cc >= 0 && cc < g.w {
				tm.Input = inRow[cc]
			} else {
				tm.Input, tm.IsPadding = pad, true
			}
		}
	}
}

// convStep fills the terms and value of a conv2d step. It visits channels,
// kernel rows and kernel columns in the order convSum does and skips the
// same padding taps, so Value is bit-identical to Conv2D's cell.
func (t *Trace) convStep(st *Step) {
	g := &t.g
	per := g.kernel.H * g.kernel.W
	backing := make([]Term, g.c*per)
	st.Terms = make([][]Term, g.c)
	filter := t.kernel[st.Out[0]]
	var sum float64
	for c := range g.c {
		// The three-index slice caps each channel's terms, so an append by
		// the caller cannot overwrite the next channel.
		terms := backing[c*per : (c+1)*per : (c+1)*per]
		t.fillTerms(terms, c, st.Window)
		for k := range terms {
			tm := &terms[k]
			tm.Weight = filter[c][k/g.kernel.W][k%g.kernel.W]
			if !tm.IsPadding {
				// Same explicit rounding as convSum (no FMA).
				sum += float64(tm.Input * tm.Weight)
			}
		}
		st.Terms[c] = terms
	}
	if t.bias != nil {
		st.HasBias = true
		st.Bias = t.bias[st.Out[0]]
		sum += st.Bias
	}
	st.Value = sum
}

// poolStep fills the terms and value of a pooling step, accumulating in the
// same order and with the same helpers as poolCell.
func (t *Trace) poolStep(st *Step) {
	op := MaxPool
	if t.kind == traceAvgPool {
		op = AvgPool
	}
	terms := make([]Term, t.g.kernel.H*t.g.kernel.W)
	t.fillTerms(terms, st.Out[0], st.Window)
	acc := 0.0
	if op == MaxPool {
		acc = math.Inf(-1)
	}
	inputs := 0
	for _, tm := range terms {
		if !tm.IsPadding {
			acc = poolAccumulate(op, acc, tm.Input)
			inputs++
		}
	}
	st.Terms = [][]Term{terms}
	st.Value = poolFinish(op, acc, &t.g, inputs)
}

// Output computes the whole output of the traced operation, as Conv2D or
// Pool2D would, without building any step's terms: the same arithmetic in
// the same order, so each cell is bit-identical to its step's Value. It
// costs one allocation per output row (and two per channel) instead of two
// per step.
func (t *Trace) Output() [][][]float64 {
	g := &t.g
	out := newTensor3(g.outC, g.out.H, g.out.W)
	if t.kind == traceConv {
		for o, filter := range t.kernel {
			for oy, row := range out[o] {
				for ox := range row {
					v := convSum(t.input, filter, g, oy, ox)
					if t.bias != nil {
						v += t.bias[o]
					}
					row[ox] = v
				}
			}
		}
		return out
	}
	op := MaxPool
	if t.kind == traceAvgPool {
		op = AvgPool
	}
	for c, plane := range t.input {
		for oy, row := range out[c] {
			for ox := range row {
				row[ox] = poolCell(op, plane, g, oy, ox)
			}
		}
	}
	return out
}

// All iterates over every step in order. Stopping the loop early stops the
// replay, so reading the first few steps of a large trace is cheap.
func (t *Trace) All() iter.Seq[Step] {
	return func(yield func(Step) bool) {
		for i := range t.Len() {
			// i is always in range, so Step cannot fail here.
			st, _ := t.Step(i)
			if !yield(st) {
				return
			}
		}
	}
}

package compute

import (
	"math"
	"math/rand/v2"
	"testing"
)

// checkTrace verifies every property of a trace against the full result
// out and the oracle's padded input: step order, bit-identical values,
// window placement, terms and padding flags.
func checkTrace(t *testing.T, tr *Trace, out [][][]float64, padded [][][]float64, conv *ConvSpec) {
	t.Helper()
	if got, want := tr.OutputShape(), shape3(out); got != want {
		t.Fatalf("OutputShape = %v, want %v", got, want)
	}
	if got, want := tr.PaddedShape(), shape3(padded); got != want {
		t.Fatalf("PaddedShape = %v, want %v", got, want)
	}
	if !equal3(tr.PaddedInput(), padded) {
		t.Fatalf("PaddedInput differs from the oracle")
	}
	sh := tr.OutputShape()
	if tr.Len() != sh[0]*sh[1]*sh[2] {
		t.Fatalf("Len = %d, want %d", tr.Len(), sh[0]*sh[1]*sh[2])
	}
	i := 0
	for st := range tr.All() {
		// Steps come in channel, row, column order.
		want := [3]int{i / (sh[1] * sh[2]), i / sh[2] % sh[1], i % sh[2]}
		if st.Index != i || st.Out != want {
			t.Fatalf("step %d: Index %d Out %v, want Out %v", i, st.Index, st.Out, want)
		}
		o, oy, ox := st.Out[0], st.Out[1], st.Out[2]
		// Exact equality, bit for bit (this also tells +0 from −0).
		if math.Float64bits(st.Value) != math.Float64bits(out[o][oy][ox]) {
			t.Fatalf("step %d: Value %v (%x), output %v (%x)", i, st.Value, math.Float64bits(st.Value),
				out[o][oy][ox], math.Float64bits(out[o][oy][ox]))
		}
		checkTerms(t, tr, st, padded, conv)
		i++
	}
	if i != tr.Len() {
		t.Fatalf("All yielded %d steps, Len is %d", i, tr.Len())
	}
	// Output is every step's Value at once, bit for bit.
	whole := tr.Output()
	if shape3(whole) != sh {
		t.Fatalf("Output shape %v, want %v", shape3(whole), sh)
	}
	for o := range whole {
		for oy := range whole[o] {
			for ox, v := range whole[o][oy] {
				if math.Float64bits(v) != math.Float64bits(out[o][oy][ox]) {
					t.Fatalf("Output[%d][%d][%d] = %v (%x), want %v (%x)", o, oy, ox, v, math.Float64bits(v),
						out[o][oy][ox], math.Float64bits(out[o][oy][ox]))
				}
			}
		}
	}
}

// checkTerms verifies one step's terms against the padded input and
// recomputes Value from them in the documented order.
func checkTerms(t *testing.T, tr *Trace, st Step, padded [][][]float64, conv *ConvSpec) {
	t.Helper()
	o := st.Out[0]
	var kh, kw int
	if conv != nil {
		kh, kw = len(conv.Kernel[0][0]), len(conv.Kernel[0][0][0])
		if len(st.Terms) != len(conv.Input) {
			t.Fatalf("step %d: %d term slices, want one per input channel (%d)", st.Index, len(st.Terms), len(conv.Input))
		}
	} else if len(st.Terms) != 1 {
		t.Fatalf("step %d: %d term slices, want 1 for pooling", st.Index, len(st.Terms))
	}
	sum, m := 0.0, math.Inf(-1)
	for ci, terms := range st.Terms {
		// The first and last taps pin the window's corners and its dilated
		// extent.
		first, last := terms[0], terms[len(terms)-1]
		if first.Row != st.Window.Row || first.Col != st.Window.Col ||
			last.Row != st.Window.Row+st.Window.Height-1 || last.Col != st.Window.Col+st.Window.Width-1 {
			t.Fatalf("step %d: taps from (%d,%d) to (%d,%d) do not span window %+v",
				st.Index, first.Row, first.Col, last.Row, last.Col, st.Window)
		}
		for _, tm := range terms {
			wantC := ci
			if conv == nil {
				wantC = o
			}
			if tm.Channel != wantC {
				t.Fatalf("step %d: term channel %d, want %d", st.Index, tm.Channel, wantC)
			}
			if tm.Row < st.Window.Row || tm.Row >= st.Window.Row+st.Window.Height ||
				tm.Col < st.Window.Col || tm.Col >= st.Window.Col+st.Window.Width {
				t.Fatalf("step %d: term at (%d,%d) outside window %+v", st.Index, tm.Row, tm.Col, st.Window)
			}
			if tm.Input != padded[tm.Channel][tm.Row][tm.Col] {
				t.Fatalf("step %d: term input %v, padded input has %v", st.Index, tm.Input, padded[tm.Channel][tm.Row][tm.Col])
			}
			if tm.IsPadding != tr.IsPaddingCell(tm.Row, tm.Col) {
				t.Fatalf("step %d: term (%d,%d) IsPadding %v disagrees with IsPaddingCell", st.Index, tm.Row, tm.Col, tm.IsPadding)
			}
			if !tm.IsPadding {
				sum += float64(tm.Input * tm.Weight)
				m = math.Max(m, tm.Input)
			}
		}
	}
	if conv != nil {
		stride := conv.Stride
		if stride.isZero() {
			stride = Square(1)
		}
		if st.Window.Row != st.Out[1]*stride.H || st.Window.Col != st.Out[2]*stride.W {
			t.Fatalf("step %d: window %+v for output %v with stride %v", st.Index, st.Window, st.Out, stride)
		}
		// Terms are in row-major kernel order with the kernel's weights.
		for c, terms := range st.Terms {
			if len(terms) != kh*kw {
				t.Fatalf("step %d: %d terms for channel %d, want %d", st.Index, len(terms), c, kh*kw)
			}
			for k, tm := range terms {
				if w := conv.Kernel[o][c][k/kw][k%kw]; tm.Weight != w {
					t.Fatalf("step %d: term %d weight %v, kernel has %v", st.Index, k, tm.Weight, w)
				}
			}
		}
		if st.HasBias != (conv.Bias != nil) {
			t.Fatalf("step %d: HasBias %v", st.Index, st.HasBias)
		}
		if st.HasBias {
			if st.Bias != conv.Bias[o] {
				t.Fatalf("step %d: Bias %v, want %v", st.Index, st.Bias, conv.Bias[o])
			}
			sum += st.Bias
		}
		if sum != st.Value {
			t.Fatalf("step %d: the terms sum to %v, Value is %v", st.Index, sum, st.Value)
		}
		return
	}
	for _, tm := range st.Terms[0] {
		if tm.Weight != 1 {
			t.Fatalf("step %d: pooling term weight %v, want 1", st.Index, tm.Weight)
		}
	}
	if st.HasBias {
		t.Fatalf("step %d: pooling step has a bias", st.Index)
	}
	if tr.Op() == "maxpool2d" && m != st.Value {
		t.Fatalf("step %d: max of terms %v, Value %v", st.Index, m, st.Value)
	}
}

func TestConvTraceProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	checked := 0
	for i := 0; checked < 300; i++ {
		s := randomConvSpec(r, reals(r))
		out, err := Conv2D(s)
		if err != nil {
			continue // invalid output size; covered by TestConv2DMatchesNaive
		}
		tr, err := NewConvTrace(s)
		if err != nil {
			t.Fatalf("case %d: NewConvTrace: %v", i, err)
		}
		if tr.Op() != "conv2d" {
			t.Fatalf("Op = %q", tr.Op())
		}
		if tr.InputShape() != shape3(s.Input) {
			t.Fatalf("InputShape = %v", tr.InputShape())
		}
		checkTrace(t, tr, out, naivePad(s.Input, s.Padding, 0), &s)
		checked++
	}
}

func TestPoolTraceProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	checked := 0
	for i := 0; checked < 300; i++ {
		s := randomPoolSpec(r, reals(r))
		out, err := Pool2D(s)
		if err != nil {
			continue
		}
		tr, err := NewPoolTrace(s)
		if err != nil {
			t.Fatalf("case %d: NewPoolTrace: %v", i, err)
		}
		fill, op := 0.0, "avgpool2d"
		if s.Op == MaxPool {
			fill, op = math.Inf(-1), "maxpool2d"
		}
		if tr.Op() != op {
			t.Fatalf("Op = %q, want %q", tr.Op(), op)
		}
		checkTrace(t, tr, out, naivePad(s.Input, s.Padding, fill), nil)
		checked++
	}
}

func TestTraceRecitationStep(t *testing.T) {
	tr, err := NewConvTrace(ConvSpec{Input: img2(recImage), Kernel: ker2(recFilter), Padding: Square(1)})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 25 || tr.PaddedShape() != [3]int{1, 6, 6} || tr.InputShape() != [3]int{1, 4, 4} {
		t.Fatalf("Len %d PaddedShape %v InputShape %v", tr.Len(), tr.PaddedShape(), tr.InputShape())
	}
	st, err := tr.Step(24) // bottom-right: only the top-left term is real
	if err != nil {
		t.Fatal(err)
	}
	wantTerms := []Term{
		{Channel: 0, Row: 4, Col: 4, Input: 7, Weight: 1},
		{Channel: 0, Row: 4, Col: 5, Input: 0, Weight: 2, IsPadding: true},
		{Channel: 0, Row: 5, Col: 4, Input: 0, Weight: -2, IsPadding: true},
		{Channel: 0, Row: 5, Col: 5, Input: 0, Weight: -1, IsPadding: true},
	}
	if st.Out != [3]int{0, 4, 4} || st.Window != (Window{4, 4, 2, 2}) || st.Value != 7 || st.HasBias {
		t.Fatalf("step 24 = %+v", st)
	}
	if len(st.Terms) != 1 || len(st.Terms[0]) != 4 {
		t.Fatalf("terms %v", st.Terms)
	}
	for k, tm := range st.Terms[0] {
		if tm != wantTerms[k] {
			t.Errorf("term %d = %+v, want %+v", k, tm, wantTerms[k])
		}
	}
	for _, cell := range []struct {
		r, c int
		pad  bool
	}{{0, 0, true}, {0, 3, true}, {1, 1, false}, {4, 4, false}, {5, 2, true}, {3, 5, true}, {-1, 2, false}, {6, 6, false}} {
		if got := tr.IsPaddingCell(cell.r, cell.c); got != cell.pad {
			t.Errorf("IsPaddingCell(%d, %d) = %v, want %v", cell.r, cell.c, got, cell.pad)
		}
	}
}

func TestTraceStepOutOfRange(t *testing.T) {
	tr, err := NewPoolTrace(PoolSpec{Op: MaxPool, Input: img2(recImage), KernelSize: Square(2)})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{-1, tr.Len(), tr.Len() + 100} {
		if _, err := tr.Step(i); fieldOf(t, err) != "step" {
			t.Errorf("Step(%d): %v", i, err)
		}
	}
}

func TestTraceAllStopsEarly(t *testing.T) {
	tr, err := NewConvTrace(ConvSpec{Input: img2(recImage), Kernel: ker2(recFilter)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range tr.All() {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("visited %d steps", n)
	}
}

// TestTraceStepsAreIndependent: a step's slices are fresh, so changing one
// step cannot corrupt another or the trace.
func TestTraceStepsAreIndependent(t *testing.T) {
	tr, err := NewConvTrace(ConvSpec{Input: [][][]float64{recImage, recImage}, Kernel: [][][][]float64{{recFilter, recFilter}}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tr.Step(0)
	a.Terms[0][0].Input = 1000
	a.Terms[0] = append(a.Terms[0], Term{Input: -1}) // must not spill into channel 1
	if a.Terms[1][0].Input != recImage[0][0] {
		t.Fatalf("append overwrote the next channel's terms")
	}
	b, _ := tr.Step(0)
	if b.Terms[0][0].Input != recImage[0][0] {
		t.Fatalf("steps share memory")
	}
}

// TestNewTraceIsLazy: creating a trace must not compute the output or the
// padded input, which would cost allocations proportional to their size.
func TestNewTraceIsLazy(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	conv := ConvSpec{
		Input:   randTensor3(3, 64, 64, reals(r)),
		Kernel:  randTensor4(16, 3, 3, 3, reals(r)),
		Padding: Square(1),
	}
	pool := PoolSpec{Op: MaxPool, Input: conv.Input, KernelSize: Square(2)}
	if n := testing.AllocsPerRun(10, func() { _, _ = NewConvTrace(conv) }); n > 1 {
		t.Errorf("NewConvTrace made %v allocations, want at most 1 (the Trace)", n)
	}
	if n := testing.AllocsPerRun(10, func() { _, _ = NewPoolTrace(pool) }); n > 1 {
		t.Errorf("NewPoolTrace made %v allocations, want at most 1 (the Trace)", n)
	}
}

package compute

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestPoolOpString(t *testing.T) {
	for op, want := range map[PoolOp]string{MaxPool: "max", AvgPool: "avg", 0: "PoolOp(0)", 7: "PoolOp(7)"} {
		if got := op.String(); got != want {
			t.Errorf("PoolOp(%d).String() = %q, want %q", int(op), got, want)
		}
	}
}

func TestPool2DHandChecked(t *testing.T) {
	negInf := math.Inf(-1)
	grid := [][]float64{ // x[r][c] = 4r + c + 1
		{1, 2, 3, 4},
		{5, 6, 7, 8},
		{9, 10, 11, 12},
		{13, 14, 15, 16},
	}
	tests := []struct {
		name string
		spec PoolSpec
		want [][][]float64
	}{
		{
			name: "max, stride defaults to the kernel size",
			spec: PoolSpec{Op: MaxPool, Input: img2(grid), KernelSize: Square(2)},
			want: img2([][]float64{{6, 8}, {14, 16}}),
		},
		{
			name: "avg, stride defaults to the kernel size",
			spec: PoolSpec{Op: AvgPool, Input: img2(grid), KernelSize: Square(2)},
			want: img2([][]float64{{3.5, 5.5}, {11.5, 13.5}}),
		},
		{
			name: "floor mode drops the partial window",
			spec: PoolSpec{Op: MaxPool, Input: img2(grid), KernelSize: Square(3)},
			want: img2([][]float64{{11}}),
		},
		{
			name: "explicit stride 1 overlaps",
			spec: PoolSpec{Op: MaxPool, Input: img2(grid), KernelSize: Square(3), Stride: Square(1)},
			want: img2([][]float64{{11, 12}, {15, 16}}),
		},
		{
			// Padding zeros count in the average (count_include_pad=True):
			// each corner window holds one real value and three zeros.
			name: "avg with padding divides by the full kernel",
			spec: PoolSpec{Op: AvgPool, Input: img2([][]float64{{1, 2}, {3, 4}}), KernelSize: Square(2), Padding: Square(1)},
			want: img2([][]float64{{0.25, 0.5}, {0.75, 1}}),
		},
		{
			// Max pooling pads with −∞, so an all-negative image is not
			// overruled by a zero from the padding.
			name: "max with padding never picks the padding",
			spec: PoolSpec{Op: MaxPool, Input: img2([][]float64{{-1, -2}, {-3, -4}}), KernelSize: Square(2), Padding: Square(1)},
			want: img2([][]float64{{-1, -2}, {-3, -4}}),
		},
		{
			// ... unless dilation makes a window read only padding: width 1
			// padded to 3, kernel width 2 dilated by 2 reads columns 0 and
			// 2, both padding. PyTorch gives −∞ too.
			name: "max window entirely in the padding",
			spec: PoolSpec{Op: MaxPool, Input: img2([][]float64{{5}}), KernelSize: Pair{1, 2}, Padding: Pair{0, 1}, Dilation: Pair{1, 2}},
			want: img2([][]float64{{negInf}}),
		},
		{
			name: "max with dilation reads every other cell",
			spec: PoolSpec{Op: MaxPool, Input: img2([][]float64{{1, 9, 2}, {9, 9, 9}, {3, 9, 4}}), KernelSize: Square(2), Dilation: Square(2)},
			want: img2([][]float64{{4}}),
		},
		{
			name: "pools every channel separately",
			spec: PoolSpec{Op: AvgPool, Input: [][][]float64{{{1, 3}}, {{-2, 6}}}, KernelSize: Pair{1, 2}},
			want: [][][]float64{{{2}}, {{2}}},
		},
		{
			name: "per-axis kernel and stride",
			spec: PoolSpec{Op: MaxPool, Input: img2(grid), KernelSize: Pair{1, 4}, Stride: Pair{2, 1}},
			want: img2([][]float64{{4}, {12}}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Pool2D(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !equal3(out, tt.want) {
				t.Fatalf("Pool2D = %v, want %v", out, tt.want)
			}
		})
	}
}

// randomPoolSpec draws a pooling configuration within PyTorch's padding
// rule; dilation only for max pooling.
func randomPoolSpec(r *rand.Rand, gen func() float64) PoolSpec {
	s := PoolSpec{
		Op:         MaxPool,
		Input:      randTensor3(1+r.IntN(3), 1+r.IntN(8), 1+r.IntN(8), gen),
		KernelSize: Pair{1 + r.IntN(4), 1 + r.IntN(4)},
	}
	if r.IntN(2) == 0 {
		s.Op = AvgPool
	}
	if r.IntN(3) > 0 { // else keep the default stride
		s.Stride = Pair{1 + r.IntN(3), 1 + r.IntN(3)}
	}
	s.Padding = Pair{r.IntN(s.KernelSize.H/2 + 1), r.IntN(s.KernelSize.W/2 + 1)}
	if s.Op == MaxPool {
		s.Dilation = Pair{1 + r.IntN(2), 1 + r.IntN(2)}
	}
	return s
}

func TestPool2DMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	valid := 0
	for i := range 500 {
		s := randomPoolSpec(r, reals(r))
		stride := s.Stride
		if stride.isZero() {
			stride = s.KernelSize
		}
		dil := s.Dilation
		if dil.isZero() {
			dil = Square(1)
		}
		want, ok := naivePool(s.Op, s.Input, s.KernelSize, stride, s.Padding, dil)
		got, err := Pool2D(s)
		if !ok {
			if f := fieldOf(t, err); f != "kernel_size" {
				t.Fatalf("case %d: field %q, want kernel_size", i, f)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		valid++
		// The oracle sums in the same row-major order, so even the
		// average is exact.
		if !equal3(got, want) {
			t.Fatalf("case %d (%+v): Pool2D =\n%v\nwant\n%v", i, s, got, want)
		}
		in := shape3(s.Input)
		oh, _ := OutputSize(in[1], s.KernelSize.H, s.Padding.H, stride.H, dil.H)
		ow, _ := OutputSize(in[2], s.KernelSize.W, s.Padding.W, stride.W, dil.W)
		if sh := shape3(got); sh != [3]int{in[0], oh, ow} {
			t.Fatalf("case %d: shape %v, formula says %v", i, sh, [3]int{in[0], oh, ow})
		}
	}
	if valid < 200 {
		t.Fatalf("only %d of 500 random configurations were valid", valid)
	}
}

// TestPool2DIdentity: a 1×1 window with stride 1 copies the input, for both
// operations.
func TestPool2DIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 200 {
		in := randTensor3(1+r.IntN(4), 1+r.IntN(10), 1+r.IntN(10), reals(r))
		for _, op := range []PoolOp{MaxPool, AvgPool} {
			out, err := Pool2D(PoolSpec{Op: op, Input: in, KernelSize: Square(1), Stride: Square(1)})
			if err != nil {
				t.Fatalf("case %d %v: %v", i, op, err)
			}
			if !equal3(out, in) {
				t.Fatalf("case %d %v: kernel 1 is not the identity", i, op)
			}
		}
	}
}

func validPool() PoolSpec {
	return PoolSpec{Op: MaxPool, Input: img2([][]float64{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}), KernelSize: Square(2), Stride: Square(1)}
}

func TestPoolValidate(t *testing.T) {
	if err := validPool().Validate(); err != nil {
		t.Fatalf("valid spec rejected: %v", err)
	}
	tests := []struct {
		name    string
		mutate  func(*PoolSpec)
		field   string
		message string
	}{
		{"missing op", func(s *PoolSpec) { s.Op = 0 }, "op", "max or avg"},
		{"unknown op", func(s *PoolSpec) { s.Op = 9 }, "op", "PoolOp(9)"},
		{"nil input", func(s *PoolSpec) { s.Input = nil }, "input", "empty"},
		{"ragged input", func(s *PoolSpec) { s.Input[0][1] = []float64{1} }, "input[0][1]", "has 1 values"},
		{"Inf in input", func(s *PoolSpec) { s.Input[0][2][2] = math.Inf(1) }, "input[0][2][2]", "+Inf"},
		{"missing kernel size", func(s *PoolSpec) { s.KernelSize = Pair{} }, "kernel_size", "required"},
		{"zero kernel axis", func(s *PoolSpec) { s.KernelSize = Pair{2, 0} }, "kernel_size", "width"},
		{"zero stride on one axis", func(s *PoolSpec) { s.Stride = Pair{0, 1} }, "stride", "at least 1"},
		{"negative padding", func(s *PoolSpec) { s.Padding = Pair{0, -1} }, "padding", "negative"},
		{"padding over half the kernel", func(s *PoolSpec) { s.KernelSize = Square(3); s.Padding = Pair{1, 2} }, "padding",
			"width: padding (2) must be at most half the kernel size (3/2 = 1)"},
		{"kernel 1 allows no padding", func(s *PoolSpec) { s.KernelSize = Square(1); s.Padding = Square(1) }, "padding", "at most half"},
		{"padding limit ignores dilation", func(s *PoolSpec) { s.Padding = Square(2); s.Dilation = Square(3) }, "padding", "at most half"},
		{"avg has no dilation", func(s *PoolSpec) { s.Op = AvgPool; s.Dilation = Square(2) }, "dilation", "no dilation"},
		{"zero dilation axis", func(s *PoolSpec) { s.Dilation = Pair{0, 1} }, "dilation", "at least 1"},
		{"kernel larger than input", func(s *PoolSpec) { s.KernelSize = Pair{2, 4} }, "kernel_size",
			"width: the dilated kernel (4) is larger than the padded input (3)"},
		{"dilated kernel larger than input", func(s *PoolSpec) { s.Dilation = Pair{3, 1} }, "kernel_size",
			"height: the dilated kernel (4) is larger than the padded input (3)"},
		{"input too large", func(s *PoolSpec) { s.Input = randTensor3(1, 600, 600, func() float64 { return 0 }) }, "input", "elements"},
		{"too much work", func(s *PoolSpec) {
			// 69×69 output cells of 60×60 terms: 17 M comparisons.
			s.Input = randTensor3(1, 128, 128, func() float64 { return 0 })
			s.KernelSize = Square(60)
		}, "kernel_size", "multiply-adds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validPool()
			tt.mutate(&s)
			err := s.Validate()
			if f := fieldOf(t, err); f != tt.field {
				t.Errorf("field = %q, want %q (error %q)", f, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
			if _, perr := Pool2D(s); fieldOf(t, perr) != tt.field {
				t.Errorf("Pool2D error %q has another field", perr)
			}
			if _, terr := NewPoolTrace(s); fieldOf(t, terr) != tt.field {
				t.Errorf("NewPoolTrace error %q has another field", terr)
			}
		})
	}
}

// TestPool2DExcludePadding: count_include_pad=False divides each window's
// sum by the input cells under it. Hand-checked against
// F.avg_pool2d(x, 2, 2, padding=1, count_include_pad=False) for x = 1..9
// as 3×3, which PyTorch gives as [[1, 2.5], [5.5, 7]] (with the default
// count_include_pad=True: [[0.25, 1.25], [2.75, 7]]).
func TestPool2DExcludePadding(t *testing.T) {
	x := img2([][]float64{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}})
	for _, tt := range []struct {
		exclude bool
		want    [][][]float64
	}{
		{true, img2([][]float64{{1, 2.5}, {5.5, 7}})},
		{false, img2([][]float64{{0.25, 1.25}, {2.75, 7}})},
	} {
		s := PoolSpec{Op: AvgPool, Input: x, KernelSize: Square(2), Padding: Square(1), ExcludePadding: tt.exclude}
		out, err := Pool2D(s)
		if err != nil {
			t.Fatal(err)
		}
		if !equal3(out, tt.want) {
			t.Errorf("exclude %v: Pool2D = %v, want %v", tt.exclude, out, tt.want)
		}
		tr, err := NewPoolTrace(s)
		if err != nil {
			t.Fatal(err)
		}
		if o := tr.Output(); !equal3(o, tt.want) {
			t.Errorf("exclude %v: trace output %v", tt.exclude, o)
		}
		for st := range tr.All() {
			if want := tt.want[st.Out[0]][st.Out[1]][st.Out[2]]; st.Value != want {
				t.Errorf("exclude %v: step %d = %v, want %v", tt.exclude, st.Index, st.Value, want)
			}
		}
	}
	// An oracle over random configurations: the mean of the cells of the
	// unpadded input that the window covers.
	r := rand.New(rand.NewPCG(11, 12))
	checked := 0
	for i := range 400 {
		s := randomPoolSpec(r, reals(r))
		s.Op, s.Dilation, s.ExcludePadding = AvgPool, Pair{}, true
		out, err := Pool2D(s)
		if err != nil {
			continue
		}
		stride := s.Stride
		if stride.isZero() {
			stride = s.KernelSize
		}
		for c, plane := range out {
			for oy, row := range plane {
				for ox, got := range row {
					sum, n := 0.0, 0
					for ki := range s.KernelSize.H {
						for kj := range s.KernelSize.W {
							y, x := oy*stride.H-s.Padding.H+ki, ox*stride.W-s.Padding.W+kj
							if y >= 0 && y < len(s.Input[c]) && x >= 0 && x < len(s.Input[c][0]) {
								sum += s.Input[c][y][x]
								n++
							}
						}
					}
					if want := sum / float64(n); got != want {
						t.Fatalf("case %d (%+v) cell %d,%d,%d: %v, oracle %v", i, s, c, oy, ox, got, want)
					}
				}
			}
		}
		checked++
	}
	if checked < 150 {
		t.Fatalf("only %d valid configurations", checked)
	}
	// Max pooling has no count_include_pad.
	s := PoolSpec{Op: MaxPool, Input: x, KernelSize: Square(2), ExcludePadding: true}
	if _, err := Pool2D(s); fieldOf(t, err) != "count_include_pad" {
		t.Errorf("max pooling with ExcludePadding: %v", err)
	}
}

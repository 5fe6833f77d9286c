package compute

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The recitation's image and filter.
var (
	recImage = [][]float64{
		{1, 3, -2, 4},
		{0, 8, 6, 5},
		{2, 1, -9, 0},
		{4, -1, 3, 7},
	}
	recFilter = [][]float64{
		{1, 2},
		{-2, -1},
	}
)

func TestConv2DRecitation(t *testing.T) {
	tests := []struct {
		name    string
		padding Pair
		want    [][]float64
	}{
		{
			name: "no padding, stride 1",
			want: [][]float64{
				{-1, -23, -11},
				{11, 27, 34},
				{-3, -18, -22},
			},
		},
		{
			// The border cells read padding; the inner 3×3 is the
			// unpadded result shifted by one.
			name:    "padding 1, stride 1",
			padding: Square(1),
			want: [][]float64{
				{-1, -5, -4, 0, -8},
				{2, -1, -23, -11, -6},
				{-2, 11, 27, 34, 5},
				{0, -3, -18, -22, -14},
				{8, 2, 5, 17, 7},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Conv2D(ConvSpec{Input: img2(recImage), Kernel: ker2(recFilter), Padding: tt.padding})
			if err != nil {
				t.Fatal(err)
			}
			if !equal3(out, img2(tt.want)) {
				t.Fatalf("Conv2D =\n%v\nwant\n%v", out, tt.want)
			}
			n := len(tt.want)
			if got := out[0][n-1][n-1]; got != tt.want[n-1][n-1] {
				t.Errorf("bottom-right = %v, want %v", got, tt.want[n-1][n-1])
			}
		})
	}
}

func TestConv2DHandChecked(t *testing.T) {
	ramp := make([][]float64, 5) // x[r][c] = 5r + c
	for r := range ramp {
		ramp[r] = make([]float64, 5)
		for c := range ramp[r] {
			ramp[r][c] = float64(5*r + c)
		}
	}
	tests := []struct {
		name string
		spec ConvSpec
		want [][][]float64
	}{
		{
			// o0 = (1·1 + 4·1) + (2·−1 + −1·1) + 0.5 = 2.5
			// o1 = (2 + 3) + (−1 + 0 + 2 + 1) − 1 = 6
			name: "two channels, two filters, bias",
			spec: ConvSpec{
				Input: [][][]float64{
					{{1, 2}, {3, 4}},
					{{-1, 0}, {2, 1}},
				},
				Kernel: [][][][]float64{
					{{{1, 0}, {0, 1}}, {{2, 0}, {0, -1}}},
					{{{0, 1}, {1, 0}}, {{1, 1}, {1, 1}}},
				},
				Bias: []float64{0.5, -1},
			},
			want: [][][]float64{{{2.5}}, {{6}}},
		},
		{
			// A 2×2 kernel of ones with dilation 2 reads the corners of a
			// 3×3 block; stride 2 moves it by two.
			name: "dilation 2, stride 2",
			spec: ConvSpec{
				Input:    img2(ramp),
				Kernel:   ker2([][]float64{{1, 1}, {1, 1}}),
				Stride:   Square(2),
				Dilation: Square(2),
			},
			want: [][][]float64{{{0 + 2 + 10 + 12, 2 + 4 + 12 + 14}, {10 + 12 + 20 + 22, 12 + 14 + 22 + 24}}},
		},
		{
			// Per-axis arguments: stride (1, 3), padding (0, 1) over a
			// 1×3 kernel [1, 0, -1] (a horizontal difference).
			name: "per-axis stride and padding",
			spec: ConvSpec{
				Input:   img2([][]float64{{1, 2, 3, 4}, {5, 6, 7, 8}}),
				Kernel:  ker2([][]float64{{1, 0, -1}}),
				Stride:  Pair{1, 3},
				Padding: Pair{0, 1},
			},
			// padded row [0 1 2 3 4 0]: windows at cols 0, 3 → 0−2, 3−0
			want: [][][]float64{{{-2, 3}, {-6, 7}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Conv2D(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !equal3(out, tt.want) {
				t.Fatalf("Conv2D = %v, want %v", out, tt.want)
			}
		})
	}
}

// randomConvSpec draws a small conv2d configuration that may or may not
// have a valid output size.
func randomConvSpec(r *rand.Rand, gen func() float64) ConvSpec {
	c, o := 1+r.IntN(3), 1+r.IntN(3)
	s := ConvSpec{
		Input:    randTensor3(c, 1+r.IntN(8), 1+r.IntN(8), gen),
		Kernel:   randTensor4(o, c, 1+r.IntN(4), 1+r.IntN(4), gen),
		Stride:   Pair{1 + r.IntN(3), 1 + r.IntN(3)},
		Padding:  Pair{r.IntN(3), r.IntN(3)},
		Dilation: Pair{1 + r.IntN(2), 1 + r.IntN(2)},
	}
	if r.IntN(2) == 0 {
		s.Bias = make([]float64, o)
		for i := range s.Bias {
			s.Bias[i] = gen()
		}
	}
	return s
}

// TestConv2DMatchesNaive cross-checks random configurations against the
// oracle: exactly with small integers (order-independent sums) and within a
// tolerance with real values. The output shape must match the formula, and
// a configuration the oracle cannot slide over must be rejected naming an
// axis.
func TestConv2DMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	valid := 0
	for i := range 500 {
		exact := i%2 == 0
		gen := smallInts(r)
		if !exact {
			gen = reals(r)
		}
		s := randomConvSpec(r, gen)
		want, ok := naiveConv(s.Input, s.Kernel, s.Bias, s.Stride, s.Padding, s.Dilation)
		got, err := Conv2D(s)
		if !ok {
			if f := fieldOf(t, err); f != "kernel" {
				t.Fatalf("case %d: field %q, want kernel", i, f)
			}
			if msg := err.Error(); !strings.Contains(msg, "height: ") && !strings.Contains(msg, "width: ") {
				t.Fatalf("case %d: error %q names no axis", i, msg)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		valid++
		if (exact && !equal3(got, want)) || (!exact && !close3(got, want, 1e-12)) {
			t.Fatalf("case %d (%+v): Conv2D =\n%v\nwant\n%v", i, s, got, want)
		}
		in := shape3(s.Input)
		oh, _ := OutputSize(in[1], len(s.Kernel[0][0]), s.Padding.H, s.Stride.H, s.Dilation.H)
		ow, _ := OutputSize(in[2], len(s.Kernel[0][0][0]), s.Padding.W, s.Stride.W, s.Dilation.W)
		if sh := shape3(got); sh != [3]int{len(s.Kernel), oh, ow} {
			t.Fatalf("case %d: shape %v, formula says %v", i, sh, [3]int{len(s.Kernel), oh, ow})
		}
	}
	if valid < 200 {
		t.Fatalf("only %d of 500 random configurations were valid; the generator is too harsh", valid)
	}
}

func TestConv2DDefaults(t *testing.T) {
	// The zero Pair means stride 1, padding 0, dilation 1.
	base := ConvSpec{Input: img2(recImage), Kernel: ker2(recFilter)}
	explicit := base
	explicit.Stride, explicit.Dilation = Square(1), Square(1)
	a, err := Conv2D(base)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Conv2D(explicit)
	if err != nil {
		t.Fatal(err)
	}
	if !equal3(a, b) {
		t.Fatalf("defaults %v differ from explicit %v", a, b)
	}
}

// validConv is a small valid spec that the validation cases break one
// thing at a time.
func validConv() ConvSpec {
	return ConvSpec{
		Input: [][][]float64{
			{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}},
			{{1, 0, 1}, {0, 1, 0}, {1, 0, 1}},
		},
		Kernel: [][][][]float64{{{{1, 0}, {0, 1}}, {{1, 1}, {1, 1}}}},
		Bias:   []float64{0.5},
	}
}

func TestConvValidate(t *testing.T) {
	if err := validConv().Validate(); err != nil {
		t.Fatalf("valid spec rejected: %v", err)
	}
	tests := []struct {
		name    string
		mutate  func(*ConvSpec)
		field   string
		message string // substring of the message
	}{
		{"nil input", func(s *ConvSpec) { s.Input = nil }, "input", "empty"},
		{"empty channel", func(s *ConvSpec) { s.Input[0] = nil }, "input[0]", "empty"},
		{"empty row", func(s *ConvSpec) { s.Input[0][0] = []float64{} }, "input[0][0]", "empty"},
		{"ragged row", func(s *ConvSpec) { s.Input[1][2] = []float64{1, 2} }, "input[1][2]", "has 2 values"},
		{"ragged channel", func(s *ConvSpec) { s.Input[1] = s.Input[1][:2] }, "input[1]", "has 2 rows"},
		{"NaN in input", func(s *ConvSpec) { s.Input[1][2][0] = math.NaN() }, "input[1][2][0]", "NaN"},
		{"+Inf in input", func(s *ConvSpec) { s.Input[0][1][1] = math.Inf(1) }, "input[0][1][1]", "+Inf"},
		{"-Inf in kernel", func(s *ConvSpec) { s.Kernel[0][1][0][1] = math.Inf(-1) }, "kernel[0][1][0][1]", "-Inf"},
		{"NaN in bias", func(s *ConvSpec) { s.Bias[0] = math.NaN() }, "bias[0]", "NaN"},
		{"nil kernel", func(s *ConvSpec) { s.Kernel = nil }, "kernel", "empty"},
		{"ragged kernel row", func(s *ConvSpec) { s.Kernel[0][1][1] = []float64{1} }, "kernel[0][1][1]", "has 1 values"},
		{"filters of different shapes", func(s *ConvSpec) {
			s.Kernel = append(s.Kernel, [][][]float64{{{1, 0}, {0, 1}}})
			s.Bias = nil
		}, "kernel[1]", "has 1 channels"},
		{"channel mismatch", func(s *ConvSpec) { s.Kernel[0] = s.Kernel[0][:1] }, "kernel", "the input has 2"},
		{"bias too long", func(s *ConvSpec) { s.Bias = []float64{1, 2} }, "bias", "needs 1"},
		{"empty bias", func(s *ConvSpec) { s.Bias = []float64{} }, "bias", "needs 1"},
		{"negative padding", func(s *ConvSpec) { s.Padding = Pair{-1, 0} }, "padding", "negative"},
		{"zero stride on one axis", func(s *ConvSpec) { s.Stride = Pair{0, 1} }, "stride", "at least 1"},
		{"negative stride", func(s *ConvSpec) { s.Stride = Square(-1) }, "stride", "at least 1"},
		{"zero dilation on one axis", func(s *ConvSpec) { s.Dilation = Pair{1, 0} }, "dilation", "at least 1"},
		{"stride over the bound", func(s *ConvSpec) { s.Stride = Square(MaxSpatial + 1) }, "stride", "limit"},
		{"padding over the bound", func(s *ConvSpec) { s.Padding = Pair{0, MaxSpatial + 1} }, "padding", "limit"},
		{"kernel wider than the input", func(s *ConvSpec) { s.Dilation = Pair{1, 3} }, "kernel",
			"width: the dilated kernel (4) is larger than the padded input (3)"},
		{"kernel taller than the input", func(s *ConvSpec) {
			s.Kernel[0][0] = [][]float64{{1, 1}, {1, 1}, {1, 1}, {1, 1}}
			s.Kernel[0][1] = s.Kernel[0][0]
		}, "kernel",
			"height: the dilated kernel (4) is larger than the padded input (3)"},
		{"too many channels", func(s *ConvSpec) { s.Input = randTensor3(MaxChannels+1, 1, 1, func() float64 { return 1 }) }, "input", "channels"},
		{"input too wide", func(s *ConvSpec) { s.Input = randTensor3(1, 1, MaxSpatial+1, func() float64 { return 1 }) }, "input", "width"},
		{"input too many elements", func(s *ConvSpec) { s.Input = randTensor3(2, 400, 400, func() float64 { return 1 }) }, "input", "elements"},
		{"kernel too many elements", func(s *ConvSpec) {
			s.Kernel = randTensor4(9, 2, 128, 128, func() float64 { return 1 })
			s.Bias = nil
		}, "kernel", "elements"},
		{"padded input too large", func(s *ConvSpec) {
			s.Input = randTensor3(1, 512, 512, func() float64 { return 1 })
			s.Kernel = randTensor4(1, 1, 3, 3, func() float64 { return 1 })
			s.Padding = Square(1)
		}, "padding", "padded input"},
		{"output too large", func(s *ConvSpec) {
			s.Input = randTensor3(1, 512, 512, func() float64 { return 1 })
			s.Kernel = randTensor4(2, 1, 1, 1, func() float64 { return 1 })
			s.Bias = nil
		}, "output", "output"},
		{"padding makes the output too large", func(s *ConvSpec) {
			// issue 8: an 81-byte request answered 5.5 MB of JSON.
			s.Input = randTensor3(1, 1, 1, func() float64 { return 1 })
			s.Kernel = randTensor4(1, 1, 1, 1, func() float64 { return 1 })
			s.Bias = nil
			s.Padding = Square(255)
		}, "output", "511×511 = 261121 elements; the limit is 65536"},
		{"too much work", func(s *ConvSpec) {
			s.Input = randTensor3(64, 64, 64, func() float64 { return 1 })
			s.Kernel = randTensor4(16, 64, 15, 15, func() float64 { return 1 })
			s.Bias = nil
		}, "kernel", "multiply-adds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validConv()
			tt.mutate(&s)
			err := s.Validate()
			if f := fieldOf(t, err); f != tt.field {
				t.Errorf("field = %q, want %q (error %q)", f, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
			// Conv2D and the trace reject the same spec, wrapped with
			// context but still an *Error with the same field.
			_, cerr := Conv2D(s)
			if f := fieldOf(t, cerr); f != tt.field || !strings.HasPrefix(cerr.Error(), "conv2d: ") {
				t.Errorf("Conv2D error %q: field %q", cerr, f)
			}
			_, terr := NewConvTrace(s)
			if f := fieldOf(t, terr); f != tt.field {
				t.Errorf("NewConvTrace error %q: field %q", terr, f)
			}
		})
	}
}

// TestKernelRange compares the closed form with a brute-force scan over
// window starts in and around the input.
func TestKernelRange(t *testing.T) {
	for n := 1; n <= 6; n++ {
		for size := 1; size <= 4; size++ {
			for d := 1; d <= 3; d++ {
				for start := -8; start <= n+2; start++ {
					lo, hi := kernelRange(start, n, size, d)
					for k := range size {
						inside := start+k*d >= 0 && start+k*d < n
						if inside != (k >= lo && k < hi) {
							t.Fatalf("kernelRange(%d, %d, %d, %d) = [%d, %d): tap %d inside=%v", start, n, size, d, lo, hi, k, inside)
						}
					}
					if lo > hi {
						t.Fatalf("kernelRange(%d, %d, %d, %d) = [%d, %d): inverted", start, n, size, d, lo, hi)
					}
				}
			}
		}
	}
}

// The work and output bounds carry their limit, which the API reports,
// and a computation just inside them is accepted.
func TestConvBoundsCarryTheirLimit(t *testing.T) {
	one := func() float64 { return 1 }
	tests := []struct {
		name  string
		spec  ConvSpec
		limit int64 // 0: accepted
	}{
		{"output at the bound", ConvSpec{Input: randTensor3(1, 1, 1, one), Kernel: randTensor4(1, 1, 1, 1, one), Padding: Square(127)}, 0},
		{"output over the bound", ConvSpec{Input: randTensor3(1, 1, 1, one), Kernel: randTensor4(1, 1, 1, 1, one), Padding: Square(128)}, MaxOutputElements},
		// 16×64×64 cells of 16·3·3 = 144 terms: 9.4 M multiply-adds.
		{"work at the bound", ConvSpec{Input: randTensor3(16, 64, 64, one), Kernel: randTensor4(16, 16, 3, 3, one), Padding: Square(1)}, 0},
		// docs/API.md's example: 64×32×32 cells of 3·7·7 terms, 9.6 M.
		{"documented example", ConvSpec{Input: randTensor3(3, 64, 64, one), Kernel: randTensor4(64, 3, 7, 7, one), Stride: Square(2), Padding: Square(3)}, 0},
		{"work over the bound", ConvSpec{Input: randTensor3(16, 64, 64, one), Kernel: randTensor4(16, 16, 5, 5, one), Padding: Square(2)}, MaxMultiplyAdds},
	}
	for _, tt := range tests {
		err := tt.spec.Validate()
		var ce *Error
		switch {
		case tt.limit == 0 && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.limit != 0 && (!errors.As(err, &ce) || ce.Limit != tt.limit):
			t.Errorf("%s: error %v, want one with limit %d", tt.name, err, tt.limit)
		}
	}
}

package compute

import (
	"math/rand/v2"
	"testing"
)

// benchConv is the benchmark workload: a 3×64×64 input, 16 filters of
// 3×3×3, stride 1, padding 1 (65536 output cells, 1.77M multiply-adds).
func benchConv() ConvSpec {
	r := rand.New(rand.NewPCG(42, 42))
	return ConvSpec{
		Input:   randTensor3(3, 64, 64, reals(r)),
		Kernel:  randTensor4(16, 3, 3, 3, reals(r)),
		Bias:    make([]float64, 16),
		Padding: Square(1),
	}
}

func BenchmarkConv2D(b *testing.B) {
	s := benchConv()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Conv2D(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTraceAll reads the whole step trace of the same convolution,
// which is the worst case of paging through it.
func BenchmarkTraceAll(b *testing.B) {
	s := benchConv()
	b.ReportAllocs()
	for b.Loop() {
		tr, err := NewConvTrace(s)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for st := range tr.All() {
			n += len(st.Terms)
		}
		if n != 3*tr.Len() {
			b.Fatalf("read %d term slices", n)
		}
	}
}

// BenchmarkConv2DAtBound is a convolution just inside MaxMultiplyAdds:
// 16×64×64 through 16 filters of 16×3×3 with padding 1 (9.44 M
// multiply-adds), the most work one request may ask for.
func BenchmarkConv2DAtBound(b *testing.B) {
	r := rand.New(rand.NewPCG(42, 43))
	s := ConvSpec{Input: randTensor3(16, 64, 64, reals(r)), Kernel: randTensor4(16, 16, 3, 3, reals(r)), Padding: Square(1)}
	if err := s.Validate(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Conv2D(s); err != nil {
			b.Fatal(err)
		}
	}
}

package compute

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// This file holds the test oracle: a deliberately naive conv2d and pool2d
// that materialise the padded input and slide the window until it no longer
// fits, sharing no code with the implementation, so that a shared mistake in
// the output-size formula or the indexing cannot hide.

// naivePad returns the input surrounded by p cells of fill on each side.
func naivePad(in [][][]float64, p Pair, fill float64) [][][]float64 {
	out := make([][][]float64, len(in))
	for c := range in {
		h, w := len(in[c]), len(in[c][0])
		out[c] = make([][]float64, h+2*p.H)
		for r := range out[c] {
			out[c][r] = make([]float64, w+2*p.W)
			for col := range out[c][r] {
				ir, ic := r-p.H, col-p.W
				if ir >= 0 && ir < h && ic >= 0 && ic < w {
					out[c][r][col] = in[c][ir][ic]
				} else {
					out[c][r][col] = fill
				}
			}
		}
	}
	return out
}

// naivePositions lists the window starts along one axis by sliding until the
// dilated kernel would stick out of the padded input.
func naivePositions(padded, kernel, stride, dilation int) []int {
	var pos []int
	for start := 0; start+dilation*(kernel-1) < padded; start += stride {
		pos = append(pos, start)
	}
	return pos
}

// naiveConv is conv2d straight from the definition. ok is false when the
// output would be empty.
func naiveConv(in [][][]float64, k [][][][]float64, bias []float64, s, p, d Pair) ([][][]float64, bool) {
	padded := naivePad(in, p, 0)
	rows := naivePositions(len(padded[0]), len(k[0][0]), s.H, d.H)
	cols := naivePositions(len(padded[0][0]), len(k[0][0][0]), s.W, d.W)
	if len(rows) == 0 || len(cols) == 0 {
		return nil, false
	}
	out := make([][][]float64, len(k))
	for o := range k {
		out[o] = make([][]float64, len(rows))
		for i, r0 := range rows {
			out[o][i] = make([]float64, len(cols))
			for j, c0 := range cols {
				sum := 0.0
				for c := range padded {
					for ki := range k[o][c] {
						for kj := range k[o][c][ki] {
							sum += padded[c][r0+ki*d.H][c0+kj*d.W] * k[o][c][ki][kj]
						}
					}
				}
				if bias != nil {
					sum += bias[o]
				}
				out[o][i][j] = sum
			}
		}
	}
	return out, true
}

// naivePool is max or average pooling straight from the definition.
func naivePool(op PoolOp, in [][][]float64, k, s, p, d Pair) ([][][]float64, bool) {
	fill := 0.0
	if op == MaxPool {
		fill = math.Inf(-1)
	}
	padded := naivePad(in, p, fill)
	rows := naivePositions(len(padded[0]), k.H, s.H, d.H)
	cols := naivePositions(len(padded[0][0]), k.W, s.W, d.W)
	if len(rows) == 0 || len(cols) == 0 {
		return nil, false
	}
	out := make([][][]float64, len(in))
	for c := range padded {
		out[c] = make([][]float64, len(rows))
		for i, r0 := range rows {
			out[c][i] = make([]float64, len(cols))
			for j, c0 := range cols {
				var vals []float64
				for ki := range k.H {
					for kj := range k.W {
						vals = append(vals, padded[c][r0+ki*d.H][c0+kj*d.W])
					}
				}
				if op == MaxPool {
					m := math.Inf(-1)
					for _, v := range vals {
						m = math.Max(m, v)
					}
					out[c][i][j] = m
				} else {
					sum := 0.0
					for _, v := range vals {
						sum += v
					}
					out[c][i][j] = sum / float64(len(vals))
				}
			}
		}
	}
	return out, true
}

// randTensor3 fills a c×h×w tensor from gen.
func randTensor3(c, h, w int, gen func() float64) [][][]float64 {
	t := make([][][]float64, c)
	for i := range t {
		t[i] = make([][]float64, h)
		for j := range t[i] {
			t[i][j] = make([]float64, w)
			for k := range t[i][j] {
				t[i][j][k] = gen()
			}
		}
	}
	return t
}

// randTensor4 fills an o×c×h×w tensor from gen.
func randTensor4(o, c, h, w int, gen func() float64) [][][][]float64 {
	t := make([][][][]float64, o)
	for i := range t {
		t[i] = randTensor3(c, h, w, gen)
	}
	return t
}

// smallInts draws integers in [-5, 5]: every sum of their products is exact
// in float64, so results can be compared with == whatever the summation
// order.
func smallInts(r *rand.Rand) func() float64 {
	return func() float64 { return float64(r.IntN(11) - 5) }
}

// reals draws arbitrary floats, whose sums do depend on order.
func reals(r *rand.Rand) func() float64 {
	return func() float64 { return r.NormFloat64() * 3 }
}

// shape3 reports a tensor's shape.
func shape3(t [][][]float64) [3]int {
	return [3]int{len(t), len(t[0]), len(t[0][0])}
}

// equal3 compares tensors exactly (NaN-free; −Inf == −Inf).
func equal3(a, b [][][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for c := range a {
		if len(a[c]) != len(b[c]) {
			return false
		}
		for r := range a[c] {
			if len(a[c][r]) != len(b[c][r]) {
				return false
			}
			for k := range a[c][r] {
				if a[c][r][k] != b[c][r][k] {
					return false
				}
			}
		}
	}
	return true
}

// close3 compares tensors with a relative tolerance, for real-valued inputs
// whose summation order differs between the oracle and the implementation.
func close3(a, b [][][]float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for c := range a {
		if len(a[c]) != len(b[c]) {
			return false
		}
		for r := range a[c] {
			if len(a[c][r]) != len(b[c][r]) {
				return false
			}
			for k := range a[c][r] {
				x, y := a[c][r][k], b[c][r][k]
				if x != y && math.Abs(x-y) > tol*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) {
					return false
				}
			}
		}
	}
	return true
}

// fieldOf extracts the *Error's Field, failing the test when err is nil or
// not an *Error.
func fieldOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %q (%T) is not a *compute.Error", err, err)
	}
	return e.Field
}

// img2 wraps a 2-D image as a 1-channel C×H×W tensor.
func img2(m [][]float64) [][][]float64 { return [][][]float64{m} }

// ker2 wraps a 2-D kernel as a 1×1×kH×kW kernel.
func ker2(m [][]float64) [][][][]float64 { return [][][][]float64{{m}} }

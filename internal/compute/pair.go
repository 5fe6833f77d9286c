package compute

import "fmt"

// Pair is a per-axis (height, width) size: kernel size, stride, padding or
// dilation.
//
// In specs and layers the zero Pair means "the PyTorch default" (stride 1 for
// a convolution, stride = kernel size for pooling, padding 0, dilation 1).
// A Pair with only one axis zero is not a default: it is validated as given,
// so a stride of {0, 2} is rejected rather than silently read as {1, 2}.
type Pair struct{ H, W int }

// Square returns Pair{n, n}, the per-axis form of PyTorch's single-int
// arguments (kernel_size=3 means 3×3).
func Square(n int) Pair { return Pair{n, n} }

// String formats p as "H×W", the way the tutor writes kernel sizes.
func (p Pair) String() string { return fmt.Sprintf("%d×%d", p.H, p.W) }

// isZero reports whether p is the zero Pair, which stands for a default.
func (p Pair) isZero() bool { return p == Pair{} }

// orDefault returns def when p is the zero Pair and p otherwise.
func (p Pair) orDefault(def Pair) Pair {
	if p.isZero() {
		return def
	}
	return p
}

// checkPair checks that both axes of p lie in [lo, hi]. what describes the
// argument in the message ("a stride", "padding"). The field is named alone
// (e.g. "stride") and the axis goes into the message, matching how the
// output-size errors name axes.
func checkPair(field, what string, p Pair, lo, hi int) *Error {
	for _, ax := range [2]struct {
		name string
		v    int
	}{{"height", p.H}, {"width", p.W}} {
		switch {
		case ax.v < lo && lo == 0:
			return errorf(field, "%s: %s cannot be negative (got %d)", ax.name, what, ax.v)
		case ax.v < lo:
			return errorf(field, "%s: %s must be at least %d (got %d)", ax.name, what, lo, ax.v)
		case ax.v > hi:
			return errorf(field, "%s: %s is %d; the limit is %d", ax.name, what, ax.v, hi)
		}
	}
	return nil
}

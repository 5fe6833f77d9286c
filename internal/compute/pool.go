package compute

import (
	"fmt"
	"math"
)

// PoolOp selects the pooling operation.
type PoolOp int

// The pooling operations. The zero PoolOp is deliberately invalid, so a spec
// that forgot to set Op is rejected instead of silently max-pooling.
const (
	// MaxPool takes the largest value in each window (PyTorch MaxPool2d).
	MaxPool PoolOp = iota + 1
	// AvgPool takes the mean of each window, padding included
	// (PyTorch AvgPool2d with count_include_pad=True).
	AvgPool
)

// String returns "max" or "avg", or "PoolOp(n)" for an invalid value.
func (op PoolOp) String() string {
	switch op {
	case MaxPool:
		return "max"
	case AvgPool:
		return "avg"
	}
	return fmt.Sprintf("PoolOp(%d)", int(op))
}

// opName is the PyTorch functional name of the operation, used as error
// context and by Trace.Op.
func (op PoolOp) opName() string {
	switch op {
	case MaxPool:
		return "maxpool2d"
	case AvgPool:
		return "avgpool2d"
	}
	return "pool2d"
}

// PoolSpec describes one PyTorch-style 2-D pooling over a single image (no
// batch dimension), in floor mode (ceil_mode=False).
type PoolSpec struct {
	Op         PoolOp
	Input      [][][]float64 // C×H×W
	KernelSize Pair          // required
	Stride     Pair          // zero value means "same as KernelSize" (PyTorch default)
	Padding    Pair          // zero value means 0; at most half the kernel size per axis
	Dilation   Pair          // zero value means 1; only MaxPool may use >1
	// ExcludePadding is AvgPool2d's count_include_pad=False: each window's
	// mean divides by the input cells under it, leaving the padding out.
	// The zero value is PyTorch's default, count_include_pad=True. Max
	// pooling has no such argument.
	ExcludePadding bool
}

// Validate checks s before any work is done and returns an *Error naming
// the input at fault: "op" (neither MaxPool nor AvgPool); the input as for
// ConvSpec.Validate; "kernel_size" (missing, below 1 or above MaxSpatial);
// "stride" and "dilation" (below 1 or above MaxSpatial); "padding"
// (negative, or more than half the kernel size on an axis, PyTorch's "pad
// should be at most half of kernel size", which uses the undilated kernel
// size kernel_size/2 even when MaxPool is dilated); "dilation" (other than 1
// for AvgPool); "kernel_size" when an axis of the output would be smaller
// than 1 (the message names the axis); and the bounds on the padded input
// ("padding"), the output ("output") and the work ("kernel_size").
func (s PoolSpec) Validate() error {
	if _, err := s.geometry(); err != nil {
		return err
	}
	return nil
}

// geometry validates s and returns its geometry with defaults applied.
func (s PoolSpec) geometry() (geometry, *Error) {
	if s.Op != MaxPool && s.Op != AvgPool {
		return geometry{}, errorf("op", "must be max or avg pooling (got %v)", s.Op)
	}
	in, err := checkTensor3("input", s.Input, MaxChannels)
	if err != nil {
		return geometry{}, err
	}
	if s.KernelSize.isZero() {
		return geometry{}, errorf("kernel_size", "is required: the height and width of the pooling window")
	}
	g := geometry{
		c: in[0], h: in[1], w: in[2],
		outC:     in[0],
		kernel:   s.KernelSize,
		stride:   s.Stride.orDefault(s.KernelSize),
		padding:  s.Padding,
		dilation: s.Dilation.orDefault(Square(1)),
	}
	if err := checkPair("kernel_size", "the kernel size", g.kernel, 1, MaxSpatial); err != nil {
		return geometry{}, err
	}
	if err := checkPair("stride", "the stride", g.stride, 1, MaxSpatial); err != nil {
		return geometry{}, err
	}
	if err := checkPair("padding", "padding", g.padding, 0, MaxSpatial); err != nil {
		return geometry{}, err
	}
	if err := checkPoolPadding("padding", g.kernel, g.padding); err != nil {
		return geometry{}, err
	}
	if err := checkPair("dilation", "the dilation", g.dilation, 1, MaxSpatial); err != nil {
		return geometry{}, err
	}
	if s.Op == MaxPool && s.ExcludePadding {
		return geometry{}, errorf("count_include_pad", "is an argument of average pooling only (max pooling pads with −∞, which never counts)")
	}
	g.excludePad = s.ExcludePadding
	if s.Op == AvgPool && g.dilation != Square(1) {
		return geometry{}, errorf("dilation", "average pooling has no dilation (PyTorch's AvgPool2d takes none); leave it at 1")
	}
	if err := g.finish("kernel_size", g.kernel.H*g.kernel.W); err != nil {
		return geometry{}, err
	}
	return g, nil
}

// checkPoolPadding applies PyTorch's rule that pooling padding is at most
// half the kernel size (integer division, undilated kernel), which keeps
// every window from being mostly padding.
func checkPoolPadding(field string, kernel, padding Pair) *Error {
	for _, ax := range [2]struct {
		name string
		k, p int
	}{{"height", kernel.H, padding.H}, {"width", kernel.W, padding.W}} {
		if ax.p > ax.k/2 {
			return errorf(field, "%s: padding (%d) must be at most half the kernel size (%d/2 = %d), as PyTorch requires for pooling",
				ax.name, ax.p, ax.k, ax.k/2)
		}
	}
	return nil
}

// Pool2D computes PyTorch's max_pool2d or avg_pool2d of s.Input; the output
// is C×Hout×Wout with Hout and Wout given by OutputSize. Max pooling pads
// with −∞, so padding never wins unless a (dilated) window lies entirely in
// the padding, in which case that cell is −∞ as in PyTorch. Average pooling
// pads with zeros that count: every window is divided by kH·kW. It validates
// s first (see Validate).
func Pool2D(s PoolSpec) ([][][]float64, error) {
	g, err := s.geometry()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Op.opName(), err)
	}
	out := newTensor3(g.outC, g.out.H, g.out.W)
	for c, plane := range s.Input {
		for oy := range g.out.H {
			row := out[c][oy]
			for ox := range row {
				row[ox] = poolCell(s.Op, plane, &g, oy, ox)
			}
		}
	}
	return out, nil
}

// poolCell is the value of output cell (oy, ox) of one channel. It visits the
// window in row-major order and skips padding cells: a −∞ never beats the
// running maximum (which starts at −∞), and a zero added to a sum that
// starts at +0 changes nothing. Trace.Step does exactly the same.
func poolCell(op PoolOp, plane [][]float64, g *geometry, oy, ox int) float64 {
	top := oy*g.stride.H - g.padding.H
	left := ox*g.stride.W - g.padding.W
	kiLo, kiHi := kernelRange(top, g.h, g.kernel.H, g.dilation.H)
	kjLo, kjHi := kernelRange(left, g.w, g.kernel.W, g.dilation.W)
	acc := 0.0
	if op == MaxPool {
		acc = math.Inf(-1)
	}
	for ki := kiLo; ki < kiHi; ki++ {
		inRow := plane[top+ki*g.dilation.H]
		for kj := kjLo; kj < kjHi; kj++ {
			acc = poolAccumulate(op, acc, inRow[left+kj*g.dilation.W])
		}
	}
	return poolFinish(op, acc, g, (kiHi-kiLo)*(kjHi-kjLo))
}

// poolAccumulate folds one value into the running maximum or sum; sharing it
// with the trace keeps the two bit-identical.
func poolAccumulate(op PoolOp, acc, v float64) float64 {
	if op == MaxPool {
		if v > acc {
			return v
		}
		return acc
	}
	return acc + v
}

// poolFinish turns the accumulator into the cell's value. With
// count_include_pad=True (the default) the average divides by kH·kW
// whatever the padding: in floor mode a window never reaches past the
// padded input, so PyTorch's divisor is always the full kernel area. With
// count_include_pad=False it divides by inputs, the number of input cells
// (not padding) under the window, which padding at most half the kernel
// keeps at least 1.
func poolFinish(op PoolOp, acc float64, g *geometry, inputs int) float64 {
	if op == AvgPool {
		if g.excludePad {
			return acc / float64(inputs)
		}
		return acc / float64(g.kernel.H*g.kernel.W)
	}
	return acc
}

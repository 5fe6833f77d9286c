package compute

import "fmt"

// ConvSpec describes one PyTorch-style conv2d over a single image (no batch
// dimension).
type ConvSpec struct {
	Input    [][][]float64   // C×H×W
	Kernel   [][][][]float64 // O×C×kH×kW
	Bias     []float64       // nil for no bias, else length O
	Stride   Pair            // zero value means 1
	Padding  Pair            // zero value means 0
	Dilation Pair            // zero value means 1
}

// Validate checks s before any work is done and returns an *Error naming
// the input at fault:
//
//   - empty or ragged arrays, and NaN or ±Inf anywhere: the element or row,
//     as in "input[1][2][3]", "kernel[0][1]" or "bias[2]";
//   - a kernel whose channel count differs from the input's: "kernel";
//   - a bias whose length is not O: "bias";
//   - stride or dilation below 1, negative padding, or any of them above
//     MaxSpatial: "stride", "padding", "dilation" (the message names the
//     axis); the zero Pair is the default, not an error;
//   - an output smaller than 1 on an axis: "kernel", with a message such as
//     "width: the dilated kernel (5) is larger than the padded input (4)";
//   - the bounds: more than MaxChannels channels or MaxSpatial rows or
//     columns, or more than MaxTensorElements elements, in "input" or
//     "kernel"; a padded input ("padding") over MaxTensorElements; an
//     output ("output") over MaxOutputElements; more than MaxMultiplyAdds
//     multiply-adds ("kernel").
func (s ConvSpec) Validate() error {
	if _, err := s.geometry(); err != nil {
		return err
	}
	return nil
}

// geometry validates s and returns its geometry with defaults applied.
func (s ConvSpec) geometry() (geometry, *Error) {
	in, err := checkTensor3("input", s.Input, MaxChannels)
	if err != nil {
		return geometry{}, err
	}
	k, err := checkTensor4("kernel", s.Kernel)
	if err != nil {
		return geometry{}, err
	}
	if k[1] != in[0] {
		return geometry{}, errorf("kernel", "each filter has %d channels, but the input has %d; a conv2d filter spans every input channel (kernel is O×C×kH×kW)", k[1], in[0])
	}
	if s.Bias != nil {
		if err := checkVector("bias", s.Bias, k[0], "one per filter, i.e. per output channel"); err != nil {
			return geometry{}, err
		}
	}
	g := geometry{
		c: in[0], h: in[1], w: in[2],
		outC:     k[0],
		kernel:   Pair{k[2], k[3]},
		stride:   s.Stride.orDefault(Square(1)),
		padding:  s.Padding,
		dilation: s.Dilation.orDefault(Square(1)),
	}
	if err := checkPair("stride", "the stride", g.stride, 1, MaxSpatial); err != nil {
		return geometry{}, err
	}
	if err := checkPair("padding", "padding", g.padding, 0, MaxSpatial); err != nil {
		return geometry{}, err
	}
	if err := checkPair("dilation", "the dilation", g.dilation, 1, MaxSpatial); err != nil {
		return geometry{}, err
	}
	if err := g.finish("kernel", g.c*g.kernel.H*g.kernel.W); err != nil {
		return geometry{}, err
	}
	return g, nil
}

// Conv2D computes PyTorch's conv2d of s.Input with s.Kernel: a
// cross-correlation (the kernel is not flipped) with zero padding, stride
// and dilation per axis, plus the bias. The output is O×Hout×Wout with Hout
// and Wout given by OutputSize. It validates s first (see Validate).
//
// Each output cell is the sum over input channels, then kernel rows, then
// kernel columns, with the bias added last; Trace.Step sums in the same
// order, so its Value is bit-for-bit equal to the matching cell here.
// Values that overflow float64 come out as ±Inf (or NaN), as in PyTorch.
func Conv2D(s ConvSpec) ([][][]float64, error) {
	g, err := s.geometry()
	if err != nil {
		return nil, fmt.Errorf("conv2d: %w", err)
	}
	out := newTensor3(g.outC, g.out.H, g.out.W)
	for o, filter := range s.Kernel {
		for oy := range g.out.H {
			row := out[o][oy]
			for ox := range row {
				v := convSum(s.Input, filter, &g, oy, ox)
				if s.Bias != nil {
					v += s.Bias[o]
				}
				row[ox] = v
			}
		}
	}
	return out, nil
}

// convSum is the bias-free value of output cell (oy, ox) for one filter.
// It sums over input channels, then kernel rows, then kernel columns,
// skipping the taps that fall in the padding: those read zero, and since the
// running sum starts at +0 and so can never be −0, adding a zero product
// would not change it. Trace.Step sums the same products in the same order.
func convSum(in [][][]float64, filter [][][]float64, g *geometry, oy, ox int) float64 {
	// Top-left of the window in unpadded input coordinates (negative when
	// the window starts in the padding).
	top := oy*g.stride.H - g.padding.H
	left := ox*g.stride.W - g.padding.W
	// Restricting the loops to the taps inside the input avoids a bounds
	// test per multiply-add.
	kiLo, kiHi := kernelRange(top, g.h, g.kernel.H, g.dilation.H)
	kjLo, kjHi := kernelRange(left, g.w, g.kernel.W, g.dilation.W)
	var sum float64
	for c, plane := range in {
		fc := filter[c]
		for ki := kiLo; ki < kiHi; ki++ {
			inRow := plane[top+ki*g.dilation.H]
			krow := fc[ki]
			col := left + kjLo*g.dilation.W
			for kj := kjLo; kj < kjHi; kj++ {
				// The explicit conversion rounds the product before the
				// addition. Without it Go may fuse the two into one FMA
				// (it does on arm64, for one), and Conv2D and the trace
				// could then disagree in the last bit.
				sum += float64(inRow[col] * krow[kj])
				col += g.dilation.W
			}
		}
	}
	return sum
}

// kernelRange returns the kernel offsets k in [lo, hi) ⊆ [0, size) whose
// input index start + k·dilation lies in [0, n), i.e. the taps that do not
// read padding. The range is empty (lo == hi) when every tap is padding.
func kernelRange(start, n, size, dilation int) (lo, hi int) {
	if start < 0 {
		lo = (-start + dilation - 1) / dilation // ceil(−start / dilation)
	}
	hi = size
	// last is the largest offset (in cells) that still lands in the input.
	if last := n - 1 - start; last < 0 {
		hi = 0
	} else if last < (size-1)*dilation {
		hi = last/dilation + 1
	}
	return lo, max(lo, hi)
}

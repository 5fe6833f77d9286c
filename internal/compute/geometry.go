package compute

// geometry is the validated, defaults-applied shape of one conv2d or pool2d
// computation. Conv2D, Pool2D and Trace all read it, so the three agree on
// every index by construction.
type geometry struct {
	c, h, w  int  // input channels, height and width
	outC     int  // output channels: O for conv2d, C for pooling
	kernel   Pair // kernel size (kH, kW)
	stride   Pair
	padding  Pair
	dilation Pair
	out      Pair // output height and width
	// excludePad is average pooling's count_include_pad=False: a window's
	// mean divides by the input cells it covers, not by kH·kW.
	excludePad bool
}

// extent is the dilated kernel's span, D·(K−1)+1 per axis.
func (g *geometry) extent() Pair {
	return Pair{g.dilation.H*(g.kernel.H-1) + 1, g.dilation.W*(g.kernel.W-1) + 1}
}

// padded is the size of the zero-padded input plane.
func (g *geometry) padded() Pair {
	return Pair{g.h + 2*g.padding.H, g.w + 2*g.padding.W}
}

// cells is the number of output cells, which is also the number of trace
// steps.
func (g *geometry) cells() int { return g.outC * g.out.H * g.out.W }

// finish computes the output size and applies the bounds that depend on the
// whole configuration rather than on one input. kernelField names the
// kernel argument ("kernel" or "kernel_size") that an output-size error is
// reported against, since a smaller kernel is the usual fix; termsPerCell
// is the number of multiply-adds (or comparisons) behind one output cell.
func (g *geometry) finish(kernelField string, termsPerCell int) *Error {
	out, err := outputSize2D(Pair{g.h, g.w}, g.kernel, g.padding, g.stride, g.dilation)
	if err != nil {
		// err.Error() is "height: ..." or "width: ...", which keeps the axis
		// in the message under the kernel's field name.
		return errorf(kernelField, "%s", err.Error())
	}
	g.out = out
	// All sizes are at most MaxSpatial (padding included) and counts are
	// checked in order, so none of these products can overflow an int.
	p := g.padded()
	if n := g.c * p.H * p.W; n > MaxTensorElements {
		return errorf("padding", "the padded input would be %d×%d×%d = %d elements; the limit is %d",
			g.c, p.H, p.W, n, MaxTensorElements)
	}
	n := g.cells()
	if n > MaxOutputElements {
		return limitErrorf("output", MaxOutputElements, "the output would be %d×%d×%d = %d elements; the limit is %d",
			g.outC, out.H, out.W, n, MaxOutputElements)
	}
	if work := n * termsPerCell; work > MaxMultiplyAdds {
		return limitErrorf(kernelField, MaxMultiplyAdds, "the computation would take %d multiply-adds (%d output cells × %d terms each); the limit is %d",
			work, n, termsPerCell, MaxMultiplyAdds)
	}
	return nil
}

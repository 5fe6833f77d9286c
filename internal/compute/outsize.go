package compute

// OutputSize returns the size of one axis of a conv2d or pool2d output,
// PyTorch's floor((in + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1.
//
// It requires in, kernel, stride and dilation to be at least 1 and padding to
// be at least 0, each at most MaxDimension (which keeps the arithmetic far
// from overflow). When the dilated kernel does not fit in the padded input
// the output would be empty, and the error says so. Errors are *Error values
// with an empty Field, because one axis has no name; OutputSize2D adds it.
func OutputSize(in, kernel, padding, stride, dilation int) (int, error) {
	n, err := outputSize(in, kernel, padding, stride, dilation)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// outputSize is OutputSize with a concrete error type, for composition.
func outputSize(in, kernel, padding, stride, dilation int) (int, *Error) {
	args := [...]struct {
		name string
		v    int
		min  int
	}{
		{"input size", in, 1},
		{"kernel size", kernel, 1},
		{"padding", padding, 0},
		{"stride", stride, 1},
		{"dilation", dilation, 1},
	}
	for _, a := range args {
		switch {
		case a.v < a.min && a.min == 0:
			return 0, errorf("", "%s cannot be negative (got %d)", a.name, a.v)
		case a.v < a.min:
			return 0, errorf("", "%s must be at least %d (got %d)", a.name, a.min, a.v)
		case a.v > MaxDimension:
			return 0, errorf("", "%s is %d; the limit is %d", a.name, a.v, MaxDimension)
		}
	}
	padded := in + 2*padding
	// The dilated kernel spans D·(K−1)+1 cells; it must fit at least once.
	extent := dilation*(kernel-1) + 1
	if extent > padded {
		return 0, errorf("", "the dilated kernel (%d) is larger than the padded input (%d)", extent, padded)
	}
	// padded−extent is non-negative here, so Go's truncating division is
	// the floor the formula asks for.
	return (padded-extent)/stride + 1, nil
}

// OutputSize2D applies OutputSize to the height and the width. Its errors are
// *Error values whose Field is the axis, so they read "height: ..." or
// "width: ...".
func OutputSize2D(in, kernel, padding, stride, dilation Pair) (Pair, error) {
	p, err := outputSize2D(in, kernel, padding, stride, dilation)
	if err != nil {
		return Pair{}, err
	}
	return p, nil
}

// outputSize2D is OutputSize2D with a concrete error type.
func outputSize2D(in, kernel, padding, stride, dilation Pair) (Pair, *Error) {
	h, err := outputSize(in.H, kernel.H, padding.H, stride.H, dilation.H)
	if err != nil {
		return Pair{}, &Error{Field: "height", Message: err.Message}
	}
	w, err := outputSize(in.W, kernel.W, padding.W, stride.W, dilation.W)
	if err != nil {
		return Pair{}, &Error{Field: "width", Message: err.Message}
	}
	return Pair{h, w}, nil
}

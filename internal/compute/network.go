package compute

import (
	"fmt"
	"math"
	"strings"
)

// Layer is one PyTorch layer of a sequential network, with PyTorch's class
// name, arguments and defaults. Arguments PyTorch infers (in_channels,
// in_features, num_features) are taken from the previous layer's output, so
// they are not part of Layer; arguments a type does not use are ignored.
type Layer struct {
	// Type is the PyTorch class name: "Conv2d", "MaxPool2d", "AvgPool2d",
	// "Flatten", "Linear", "ReLU", "Sigmoid", "Tanh", "Softmax", "Dropout"
	// or "BatchNorm2d". Case is ignored ("relu" is ReLU); results carry the
	// canonical spelling.
	Type        string
	OutChannels int  // Conv2d; in_channels is inferred from the previous shape
	KernelSize  Pair // Conv2d, MaxPool2d, AvgPool2d
	// Stride, Padding and Dilation: the zero Pair means the PyTorch
	// default (stride 1 for Conv2d and kernel size for pools; padding 0;
	// dilation 1). AvgPool2d has no dilation.
	Stride, Padding, Dilation Pair
	OutFeatures               int   // Linear; in_features is the last dimension of the previous shape
	Bias                      *bool // Conv2d, Linear; nil means true (PyTorch's default)
}

// LayerResult is one layer's output shape (without the batch dimension) and
// its number of learnable parameters.
type LayerResult struct {
	Type        string // canonical PyTorch class name
	OutputShape []int
	Params      int64
}

// NetworkResult is the outcome of PropagateNetwork: one LayerResult per
// layer and the sum of their parameters.
type NetworkResult struct {
	Layers      []LayerResult
	TotalParams int64
}

// layerTypes lists the supported layers in the order error messages offer
// them. It is a function returning an array (a value) rather than a package
// variable, so that no caller can change the list for everyone.
func layerTypes() [11]string {
	return [...]string{
		"Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Linear",
		"ReLU", "Sigmoid", "Tanh", "Softmax", "Dropout", "BatchNorm2d",
	}
}

// LayerTypes returns the names of the supported layer types, in a stable
// order, for menus and error messages. The slice is a fresh copy.
func LayerTypes() []string {
	t := layerTypes()
	return t[:]
}

// knownLayerTypes is the list for error messages.
func knownLayerTypes() string {
	t := layerTypes()
	return strings.Join(t[:], ", ")
}

// canonicalLayerType maps a case-insensitive type name to its PyTorch
// spelling.
func canonicalLayerType(name string) (string, bool) {
	for _, t := range layerTypes() {
		if strings.EqualFold(t, name) {
			return t, true
		}
	}
	return "", false
}

// PropagateNetwork pushes inputShape through layers the way PyTorch would
// and reports every layer's output shape and parameter count.
//
// Shapes EXCLUDE the batch dimension: the input is [C, H, W] for an image or
// [N] for a vector. Consequently Flatten flattens everything into [C·H·W]
// (PyTorch's nn.Flatten keeps dimension 0 because there it is the batch).
// The rules:
//
//   - Conv2d, MaxPool2d, AvgPool2d and BatchNorm2d need a 3-D shape.
//   - Conv2d: [O, Hout, Wout], O·C·kH·kW (+ O with bias) parameters.
//   - MaxPool2d, AvgPool2d: [C, Hout, Wout], no parameters; the rules of
//     Pool2D apply (stride defaults to the kernel size, padding at most half
//     the kernel size, no dilation for AvgPool2d).
//   - BatchNorm2d: same shape, 2·C parameters (the affine weight and bias).
//   - Flatten: [product of all dimensions].
//   - Linear: acts on the last dimension, like PyTorch; in·out (+ out with
//     bias) parameters.
//   - ReLU, Sigmoid, Tanh, Softmax, Dropout: same shape, no parameters.
//
// Errors are *Error naming "input_shape[i]", "layers", "layers[i].type",
// "layers[i].out_channels" (and the other arguments) or "layers[i]" for a
// layer that does not fit its input; the message names the layer's index
// and type and, for a shrinking layer, the axis. Bounds: MaxLayers layers,
// dimensions and arguments at most MaxDimension, parameter counts and
// flattened sizes at most MaxParams.
func PropagateNetwork(inputShape []int, layers []Layer) (NetworkResult, error) {
	res, err := propagate(inputShape, layers)
	if err != nil {
		return NetworkResult{}, fmt.Errorf("network: %w", err)
	}
	return res, nil
}

// propagate is PropagateNetwork with a concrete error type: internal steps
// return *Error so a nil result never becomes a non-nil error interface.
func propagate(inputShape []int, layers []Layer) (NetworkResult, *Error) {
	if n := len(inputShape); n != 1 && n != 3 {
		return NetworkResult{}, errorf("input_shape", "must be [C, H, W] or [N] (leave out the batch dimension), but it has %d dimensions", n)
	}
	for i, d := range inputShape {
		if d < 1 || d > MaxDimension {
			return NetworkResult{}, errorf(fmt.Sprintf("input_shape[%d]", i), "is %d; every dimension must be between 1 and %d", d, MaxDimension)
		}
	}
	if len(layers) > MaxLayers {
		return NetworkResult{}, errorf("layers", "has %d layers; the limit is %d", len(layers), MaxLayers)
	}
	res := NetworkResult{Layers: make([]LayerResult, 0, len(layers))}
	shape := append([]int(nil), inputShape...)
	for i, l := range layers {
		lr, err := propagateLayer(i, l, shape)
		if err != nil {
			return NetworkResult{}, err
		}
		total, ok := addBounded(res.TotalParams, lr.Params)
		if !ok {
			return NetworkResult{}, errorf("layers", "the network would have more than %d parameters", MaxParams)
		}
		res.TotalParams = total
		res.Layers = append(res.Layers, lr)
		shape = lr.OutputShape
	}
	return res, nil
}

// propagateLayer computes one layer's result from its input shape. The
// returned OutputShape is always a fresh slice.
func propagateLayer(i int, l Layer, in []int) (LayerResult, *Error) {
	field := fmt.Sprintf("layers[%d]", i)
	if l.Type == "" {
		return LayerResult{}, errorf(field+".type", "is required; known types: %s", knownLayerTypes())
	}
	name, ok := canonicalLayerType(l.Type)
	if !ok {
		return LayerResult{}, errorf(field+".type", "unknown layer type %q; known types: %s", l.Type, knownLayerTypes())
	}
	lc := layerCtx{index: i, name: name, field: field}
	res := LayerResult{Type: name}
	var err *Error
	switch name {
	case "Conv2d":
		res.OutputShape, res.Params, err = lc.conv(l, in)
	case "MaxPool2d", "AvgPool2d":
		res.OutputShape, err = lc.pool(l, in)
	case "BatchNorm2d":
		if err = lc.need3D(in); err == nil {
			res.OutputShape = append([]int(nil), in...)
			res.Params = 2 * int64(in[0])
		}
	case "Flatten":
		res.OutputShape, err = lc.flatten(in)
	case "Linear":
		res.OutputShape, res.Params, err = lc.linear(l, in)
	default: // ReLU, Sigmoid, Tanh, Softmax, Dropout: element-wise.
		res.OutputShape = append([]int(nil), in...)
	}
	if err != nil {
		return LayerResult{}, err
	}
	return res, nil
}

// layerCtx carries what every layer error message mentions.
type layerCtx struct {
	index int
	name  string
	field string
}

// need3D rejects a spatial layer whose input is not [C, H, W].
func (lc layerCtx) need3D(in []int) *Error {
	if len(in) == 3 {
		return nil
	}
	hint := ""
	if len(in) == 1 {
		hint = "; spatial layers must come before Flatten"
	}
	return errorf(lc.field, "layer %d (%s) needs a 3-D input [C, H, W], but its input has shape %s%s", lc.index, lc.name, formatShape(in), hint)
}

// required checks a count argument that must be given (1..MaxDimension).
func (lc layerCtx) required(arg string, v int) *Error {
	switch {
	case v < 1:
		return errorf(lc.field+"."+arg, "is required: %s needs %s of at least 1 (got %d)", lc.name, arg, v)
	case v > MaxDimension:
		return errorf(lc.field+"."+arg, "is %d; the limit is %d", v, MaxDimension)
	}
	return nil
}

// window resolves and checks the kernel, stride, padding and dilation of a
// Conv2d or pooling layer. defStride is the stride the zero Pair stands for.
func (lc layerCtx) window(l Layer, defStride func(k Pair) Pair) (k, s, p, d Pair, err *Error) {
	k = l.KernelSize
	if k.isZero() {
		return k, s, p, d, errorf(lc.field+".kernel_size", "is required: %s needs the height and width of its window", lc.name)
	}
	if err = checkPair(lc.field+".kernel_size", "the kernel size", k, 1, MaxDimension); err != nil {
		return
	}
	s, p, d = l.Stride.orDefault(defStride(k)), l.Padding, l.Dilation.orDefault(Square(1))
	if err = checkPair(lc.field+".stride", "the stride", s, 1, MaxDimension); err != nil {
		return
	}
	if err = checkPair(lc.field+".padding", "padding", p, 0, MaxDimension); err != nil {
		return
	}
	err = checkPair(lc.field+".dilation", "the dilation", d, 1, MaxDimension)
	return
}

// spatial computes the [C, Hout, Wout] output of a windowed layer, naming
// the layer and the axis when an axis would shrink below 1.
func (lc layerCtx) spatial(c int, in []int, k, s, p, d Pair) ([]int, *Error) {
	out, err := outputSize2D(Pair{in[1], in[2]}, k, p, s, d)
	if err != nil {
		return nil, errorf(lc.field, "layer %d (%s) shrinks the %s below 1: %s", lc.index, lc.name, err.Field, err.Message)
	}
	for _, ax := range [2]struct {
		name string
		v    int
	}{{"height", out.H}, {"width", out.W}} {
		if ax.v > MaxDimension {
			return nil, errorf(lc.field, "layer %d (%s) makes the %s %d; the limit is %d", lc.index, lc.name, ax.name, ax.v, MaxDimension)
		}
	}
	return []int{c, out.H, out.W}, nil
}

// conv propagates a Conv2d layer: [O, Hout, Wout] and O·C·kH·kW (+O)
// parameters, with in_channels C taken from the input shape.
func (lc layerCtx) conv(l Layer, in []int) ([]int, int64, *Error) {
	if err := lc.need3D(in); err != nil {
		return nil, 0, err
	}
	if err := lc.required("out_channels", l.OutChannels); err != nil {
		return nil, 0, err
	}
	k, s, p, d, err := lc.window(l, func(Pair) Pair { return Square(1) })
	if err != nil {
		return nil, 0, err
	}
	out, err := lc.spatial(l.OutChannels, in, k, s, p, d)
	if err != nil {
		return nil, 0, err
	}
	params, ok := mulBounded(int64(l.OutChannels), int64(in[0]), int64(k.H), int64(k.W))
	if ok && hasBias(l) {
		params, ok = addBounded(params, int64(l.OutChannels))
	}
	if !ok {
		return nil, 0, lc.tooManyParams()
	}
	return out, params, nil
}

// pool propagates MaxPool2d and AvgPool2d with Pool2D's rules; pooling has
// no parameters and keeps the channel count.
func (lc layerCtx) pool(l Layer, in []int) ([]int, *Error) {
	if err := lc.need3D(in); err != nil {
		return nil, err
	}
	k, s, p, d, err := lc.window(l, func(k Pair) Pair { return k })
	if err != nil {
		return nil, err
	}
	if err := checkPoolPadding(lc.field+".padding", k, p); err != nil {
		return nil, err
	}
	if lc.name == "AvgPool2d" && d != Square(1) {
		return nil, errorf(lc.field+".dilation", "AvgPool2d has no dilation in PyTorch; leave it at 1")
	}
	return lc.spatial(in[0], in, k, s, p, d)
}

// flatten multiplies every dimension together. Shapes carry no batch
// dimension, so unlike nn.Flatten nothing is kept.
func (lc layerCtx) flatten(in []int) ([]int, *Error) {
	factors := make([]int64, len(in))
	for i, d := range in {
		factors[i] = int64(d)
	}
	n, ok := mulBounded(factors...)
	// The shape is []int, which may be 32 bits wide.
	if !ok || n > int64(math.MaxInt) {
		return nil, errorf(lc.field, "layer %d (Flatten) would produce more features than the limit of %d", lc.index, min(MaxParams, int64(math.MaxInt)))
	}
	return []int{int(n)}, nil
}

// linear propagates a Linear layer, which like PyTorch's acts on the last
// dimension only: in·out (+out) parameters.
func (lc layerCtx) linear(l Layer, in []int) ([]int, int64, *Error) {
	if err := lc.required("out_features", l.OutFeatures); err != nil {
		return nil, 0, err
	}
	inF := int64(in[len(in)-1])
	params, ok := mulBounded(inF, int64(l.OutFeatures))
	if ok && hasBias(l) {
		params, ok = addBounded(params, int64(l.OutFeatures))
	}
	if !ok {
		return nil, 0, lc.tooManyParams()
	}
	out := append([]int(nil), in...)
	out[len(out)-1] = l.OutFeatures
	return out, params, nil
}

// tooManyParams reports a layer whose parameter count passed MaxParams.
func (lc layerCtx) tooManyParams() *Error {
	return errorf(lc.field, "layer %d (%s) would have more than %d parameters", lc.index, lc.name, MaxParams)
}

// hasBias applies PyTorch's default bias=True.
func hasBias(l Layer) bool { return l.Bias == nil || *l.Bias }

// mulBounded multiplies non-negative factors, reporting false when the
// product would exceed MaxParams, which also rules out int64 overflow.
func mulBounded(factors ...int64) (int64, bool) {
	p := int64(1)
	for _, f := range factors {
		if f == 0 {
			return 0, true
		}
		if p > MaxParams/f {
			return 0, false
		}
		p *= f
	}
	return p, true
}

// addBounded adds non-negative terms, reporting false past MaxParams.
func addBounded(a, b int64) (int64, bool) {
	if a > MaxParams-b {
		return 0, false
	}
	return a + b, true
}

// formatShape writes a shape as "[3, 64, 64]".
func formatShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

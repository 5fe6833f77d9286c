package compute

import (
	"fmt"
	"math"
	"strings"
)

// Layer is one PyTorch layer of a sequential network, with PyTorch's class
// name, arguments and defaults. Arguments PyTorch infers (in_channels,
// in_features, num_features) are taken from the previous layer's output;
// when one is given (non-zero) it is checked against that output, the way
// PyTorch would fail at run time. Arguments a type does not use are ignored.
//
// Arguments that index dimensions (Flatten's StartDim and EndDim, Softmax's
// Dim) count the batch dimension, as they do in PyTorch code, even though
// shapes here leave it out: Flatten(start_dim=1) keeps the batch only.
type Layer struct {
	// Type is the PyTorch class name: "Conv2d", "MaxPool2d", "AvgPool2d",
	// "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Flatten", "Linear",
	// "ReLU", "LeakyReLU", "GELU", "Sigmoid", "Tanh", "Softmax",
	// "Dropout", "Dropout2d" or "BatchNorm2d". Case is ignored ("relu" is
	// ReLU); results carry the canonical spelling.
	Type        string
	OutChannels int  // Conv2d; in_channels is inferred from the previous shape
	KernelSize  Pair // Conv2d, MaxPool2d, AvgPool2d
	// Stride, Padding and Dilation: the zero Pair means the PyTorch
	// default (stride 1 for Conv2d and kernel size for pools; padding 0;
	// dilation 1). AvgPool2d has no dilation.
	Stride, Padding, Dilation Pair
	OutFeatures               int   // Linear; in_features is the last dimension of the previous shape
	Bias                      *bool // Conv2d, Linear; nil means true (PyTorch's default)

	// InChannels (Conv2d), InFeatures (Linear) and NumFeatures
	// (BatchNorm2d): 0 means "infer from the input"; otherwise the value
	// must match the input, or the error says how PyTorch would fail.
	InChannels, InFeatures, NumFeatures int
	// Groups is Conv2d's groups; 0 means 1. Both the input channels and
	// OutChannels must be divisible by it.
	Groups int
	// PaddingMode is Conv2d's string padding: "" (use Padding), "valid"
	// (no padding) or "same" (output as large as the input; stride 1 only,
	// as in PyTorch).
	PaddingMode string
	// CeilMode is MaxPool2d's and AvgPool2d's ceil_mode.
	CeilMode bool
	// OutputSize is the output_size of AdaptiveAvgPool2d and
	// AdaptiveMaxPool2d; an axis of 0 stands for PyTorch's None (keep the
	// input's size on that axis).
	OutputSize Pair
	// Affine is BatchNorm2d's affine; nil means true. Only the affine
	// weight and bias are parameters; the running mean and variance are
	// buffers and never counted.
	Affine *bool
	// StartDim and EndDim are Flatten's start_dim and end_dim, counting
	// the batch dimension; nil means PyTorch's defaults 1 and -1, which
	// flatten every dimension of the shape.
	StartDim, EndDim *int
	// Dim is Softmax's dim, counting the batch dimension; nil (PyTorch's
	// dim=None) is not checked. Softmax never changes the shape.
	Dim *int
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
func layerTypes() [16]string {
	return [...]string{
		"Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Linear",
		"ReLU", "Sigmoid", "Tanh", "Softmax", "Dropout", "BatchNorm2d",
		"AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Dropout2d", "LeakyReLU", "GELU",
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
//   - Conv2d, the pools and BatchNorm2d need a 3-D shape.
//   - Conv2d: [O, Hout, Wout], O·(C/groups)·kH·kW (+ O with bias)
//     parameters; C and O must be divisible by groups. padding "same"
//     keeps H and W (stride 1 only), "valid" is padding 0.
//   - MaxPool2d, AvgPool2d: [C, Hout, Wout], no parameters; the rules of
//     Pool2D apply (stride defaults to the kernel size, padding at most half
//     the kernel size, no dilation for AvgPool2d). With CeilMode the size
//     is PyTorch's ceil((H + 2p − d·(k−1) − 1)/s) + 1, less one when the
//     last window would start past the input and its left padding.
//   - AdaptiveAvgPool2d, AdaptiveMaxPool2d: [C, oH, oW], no parameters.
//   - BatchNorm2d: same shape, 2·C parameters (the affine weight and bias;
//     none without affine; the running statistics are buffers).
//   - Flatten: [product of all dimensions], or of those from StartDim to
//     EndDim.
//   - Linear: acts on the last dimension, like PyTorch; in·out (+ out with
//     bias) parameters.
//   - ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, Dropout, Dropout2d:
//     same shape, no parameters.
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
	case "AdaptiveAvgPool2d", "AdaptiveMaxPool2d":
		res.OutputShape, err = lc.adaptivePool(l, in)
	case "BatchNorm2d":
		res.OutputShape, res.Params, err = lc.batchNorm(l, in)
	case "Flatten":
		res.OutputShape, err = lc.flatten(l, in)
	case "Linear":
		res.OutputShape, res.Params, err = lc.linear(l, in)
	case "Softmax":
		if l.Dim != nil {
			err = lc.checkDim(lc.field+".dim", "dim", *l.Dim, in)
		}
		res.OutputShape = append([]int(nil), in...)
	default: // ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Dropout, Dropout2d: element-wise.
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

// conv propagates a Conv2d layer: [O, Hout, Wout] and O·(C/g)·kH·kW (+O)
// parameters, with in_channels C taken from the input shape.
func (lc layerCtx) conv(l Layer, in []int) ([]int, int64, *Error) {
	if err := lc.need3D(in); err != nil {
		return nil, 0, err
	}
	if err := lc.required("out_channels", l.OutChannels); err != nil {
		return nil, 0, err
	}
	groups := l.Groups
	if groups == 0 {
		groups = 1
	}
	if groups < 1 || groups > MaxDimension {
		return nil, 0, errorf(lc.field+".groups", "is %d; it must be from 1 to %d", groups, MaxDimension)
	}
	inC := in[0]
	if l.InChannels != 0 {
		inC = l.InChannels
	}
	// PyTorch checks divisibility when the layer is constructed, before it
	// ever sees an input, so these come first.
	if inC%groups != 0 {
		return nil, 0, errorf(lc.field+".groups", "layer %d (Conv2d): in_channels (%d) is not divisible by groups (%d); PyTorch refuses it with \"in_channels must be divisible by groups\"", lc.index, inC, groups)
	}
	if l.OutChannels%groups != 0 {
		return nil, 0, errorf(lc.field+".groups", "layer %d (Conv2d): out_channels (%d) is not divisible by groups (%d); PyTorch refuses it with \"out_channels must be divisible by groups\"", lc.index, l.OutChannels, groups)
	}
	k, s, p, d, err := lc.window(l, func(Pair) Pair { return Square(1) })
	if err != nil {
		return nil, 0, err
	}
	switch l.PaddingMode {
	case "":
	case "valid":
		if !p.isZero() {
			return nil, 0, errorf(lc.field+".padding", "layer %d (Conv2d) has padding \"valid\" and a padding size; give one or the other", lc.index)
		}
	case "same":
		if !p.isZero() {
			return nil, 0, errorf(lc.field+".padding", "layer %d (Conv2d) has padding \"same\" and a padding size; give one or the other", lc.index)
		}
		if s != Square(1) {
			return nil, 0, errorf(lc.field+".padding", "layer %d (Conv2d): padding='same' is not supported for strided convolutions (stride %s), as in PyTorch", lc.index, s)
		}
	default:
		return nil, 0, errorf(lc.field+".padding", "layer %d (Conv2d): padding %q is not a number, \"same\" or \"valid\"", lc.index, l.PaddingMode)
	}
	if l.InChannels != 0 && l.InChannels != in[0] {
		return nil, 0, errorf(lc.field+".in_channels", "layer %d (Conv2d) has in_channels=%d, but its input %s has %d channels; PyTorch fails with \"Given groups=%d, weight of size [%d, %d, %d, %d], expected input[N, %d, %d, %d] to have %d channels, but got %d channels instead\"",
			lc.index, l.InChannels, formatShape(in), in[0], groups, l.OutChannels, l.InChannels/groups, k.H, k.W, in[0], in[1], in[2], l.InChannels, in[0])
	}
	var out []int
	if l.PaddingMode == "same" {
		// PyTorch pads d·(k−1) in total per axis (the odd cell on the
		// right), so the output is exactly as large as the input.
		out = []int{l.OutChannels, in[1], in[2]}
	} else {
		if out, err = lc.spatial(l.OutChannels, in, k, s, p, d); err != nil {
			return nil, 0, err
		}
	}
	params, ok := mulBounded(int64(l.OutChannels), int64(in[0]/groups), int64(k.H), int64(k.W))
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
	if !l.CeilMode {
		return lc.spatial(in[0], in, k, s, p, d)
	}
	h, err := lc.ceilAxis("height", in[1], k.H, p.H, s.H, d.H)
	if err != nil {
		return nil, err
	}
	w, err := lc.ceilAxis("width", in[2], k.W, p.W, s.W, d.W)
	if err != nil {
		return nil, err
	}
	return []int{in[0], h, w}, nil
}

// ceilAxis is PyTorch's pooling_output_shape with ceil_mode=True:
// ceil((in + 2p − d·(k−1) − 1)/s) + 1, less one when the last window would
// start at or past in + p (past the input and its left padding, so only
// right padding would be pooled). All arguments are validated and at most
// MaxDimension, so nothing overflows.
func (lc layerCtx) ceilAxis(axis string, in, k, p, s, d int) (int, *Error) {
	num := in + 2*p - d*(k-1) - 1 + (s - 1)
	out := floorDiv(num, s) + 1
	if (out-1)*s >= in+p {
		out--
	}
	if out < 1 {
		return 0, errorf(lc.field, "layer %d (%s) shrinks the %s below 1: the dilated kernel (%d) is larger than the padded input (%d) even with ceil_mode",
			lc.index, lc.name, axis, d*(k-1)+1, in+2*p)
	}
	if out > MaxDimension {
		return 0, errorf(lc.field, "layer %d (%s) makes the %s %d; the limit is %d", lc.index, lc.name, axis, out, MaxDimension)
	}
	return out, nil
}

// floorDiv divides rounding toward negative infinity (PyTorch's div_rtn);
// b is positive.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// adaptivePool propagates AdaptiveAvgPool2d and AdaptiveMaxPool2d: the
// output is output_size whatever the input (an axis of 0, PyTorch's None,
// keeps the input's size), with no parameters.
func (lc layerCtx) adaptivePool(l Layer, in []int) ([]int, *Error) {
	if err := lc.need3D(in); err != nil {
		return nil, err
	}
	if err := checkPair(lc.field+".output_size", "the output size", l.OutputSize, 0, MaxDimension); err != nil {
		return nil, err
	}
	return []int{in[0], sizeOr(l.OutputSize.H, in[1]), sizeOr(l.OutputSize.W, in[2])}, nil
}

// sizeOr returns the adaptive output size o, or the input size in for 0
// (PyTorch's None).
func sizeOr(o, in int) int {
	if o == 0 {
		return in
	}
	return o
}

// batchNorm propagates BatchNorm2d: the shape is kept and the affine weight
// and bias are the only parameters (2·C); running_mean and running_var are
// buffers, not parameters, as model.parameters() shows.
func (lc layerCtx) batchNorm(l Layer, in []int) ([]int, int64, *Error) {
	if err := lc.need3D(in); err != nil {
		return nil, 0, err
	}
	if l.NumFeatures != 0 && l.NumFeatures != in[0] {
		return nil, 0, errorf(lc.field+".num_features", "layer %d (BatchNorm2d) has num_features=%d, but its input %s has %d channels; PyTorch fails with \"running_mean should contain %d elements not %d\"",
			lc.index, l.NumFeatures, formatShape(in), in[0], in[0], l.NumFeatures)
	}
	var params int64
	if l.Affine == nil || *l.Affine {
		params = 2 * int64(in[0])
	}
	return append([]int(nil), in...), params, nil
}

// checkDim checks a dimension index that counts the batch dimension, with
// PyTorch's IndexError message.
func (lc layerCtx) checkDim(field, arg string, dim int, in []int) *Error {
	n := len(in) + 1
	if dim < -n || dim >= n {
		return errorf(field, "layer %d (%s) has %s=%d, but its input [N, %s] has %d dimensions (the batch counts); PyTorch fails with \"Dimension out of range (expected to be in range of [%d, %d], but got %d)\"",
			lc.index, lc.name, arg, dim, strings.Trim(formatShape(in), "[]"), n, -n, n-1, dim)
	}
	return nil
}

// flatten multiplies dimensions StartDim to EndDim together. Shapes carry
// no batch dimension, so the defaults (1 and -1, which keep only PyTorch's
// batch) flatten everything; dimension indices count the batch.
func (lc layerCtx) flatten(l Layer, in []int) ([]int, *Error) {
	n := len(in) + 1 // with the batch
	start, end := 1, -1
	if l.StartDim != nil {
		start = *l.StartDim
		if err := lc.checkDim(lc.field+".start_dim", "start_dim", start, in); err != nil {
			return nil, err
		}
	}
	if l.EndDim != nil {
		end = *l.EndDim
		if err := lc.checkDim(lc.field+".end_dim", "end_dim", end, in); err != nil {
			return nil, err
		}
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start > end {
		return nil, errorf(lc.field+".start_dim", "layer %d (Flatten) has start_dim %d after end_dim %d; PyTorch fails with \"flatten() has invalid args: start_dim cannot come after end_dim\"", lc.index, start, end)
	}
	if start == end {
		return append([]int(nil), in...), nil
	}
	if start == 0 {
		return nil, errorf(lc.field+".start_dim", "layer %d (Flatten) with start_dim=0 would merge the batch dimension into the features; shapes here leave the batch out, so use start_dim=1", lc.index)
	}
	// Batched dimensions start..end are in[start-1 .. end-1].
	factors := make([]int64, 0, end-start+1)
	for _, d := range in[start-1 : end] {
		factors = append(factors, int64(d))
	}
	prod, ok := mulBounded(factors...)
	// The shape is []int, which may be 32 bits wide.
	if !ok || prod > int64(math.MaxInt) {
		return nil, errorf(lc.field, "layer %d (Flatten) would produce more features than the limit of %d", lc.index, min(MaxParams, int64(math.MaxInt)))
	}
	out := append([]int(nil), in[:start-1]...)
	out = append(out, int(prod))
	return append(out, in[end:]...), nil
}

// linear propagates a Linear layer, which like PyTorch's acts on the last
// dimension only: in·out (+out) parameters.
func (lc layerCtx) linear(l Layer, in []int) ([]int, int64, *Error) {
	if err := lc.required("out_features", l.OutFeatures); err != nil {
		return nil, 0, err
	}
	inF := int64(in[len(in)-1])
	if l.InFeatures != 0 && int64(l.InFeatures) != inF {
		return nil, 0, lc.linearMismatch(l, in)
	}
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

// linearMismatch reports a Linear whose in_features is not the last
// dimension of its input, with the error PyTorch raises and, when the input
// was not flattened but would fit once flattened, the likely cause.
func (lc layerCtx) linearMismatch(l Layer, in []int) *Error {
	last := in[len(in)-1]
	// PyTorch multiplies the input viewed as (all but the last dimension)
	// × last; shapes have at most 3 dimensions of at most MaxDimension, so
	// the products below cannot overflow.
	rows, all := "N", int64(last)
	if len(in) > 1 {
		r := int64(1)
		for _, d := range in[:len(in)-1] {
			r *= int64(d)
		}
		rows, all = fmt.Sprintf("%d·N", r), r*int64(last)
	}
	msg := fmt.Sprintf("layer %d (Linear) has in_features=%d, but its input %s has %d features in its last dimension; PyTorch fails with \"mat1 and mat2 shapes cannot be multiplied (%sx%d and %dx%d)\"",
		lc.index, l.InFeatures, formatShape(in), last, rows, last, l.InFeatures, l.OutFeatures)
	if len(in) > 1 && all == int64(l.InFeatures) {
		msg += fmt.Sprintf("; the input holds %d values in all, so the model's forward() probably flattens it (torch.flatten(x, 1)), which print(model) does not show: add Flatten() before this layer", all)
	}
	return errorf(lc.field+".in_features", "%s", msg)
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

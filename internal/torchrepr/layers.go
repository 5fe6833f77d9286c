package torchrepr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
)

// signature returns a supported layer's constructor parameters in
// PyTorch's positional order and how many of the first ones are required.
// It is a function rather than a map variable so no caller can change it.
func signature(class string) (params []string, required int, ok bool) {
	switch class {
	case "Conv2d":
		return []string{"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode", "device", "dtype"}, 3, true
	case "MaxPool2d":
		return []string{"kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"}, 1, true
	case "AvgPool2d":
		return []string{"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"}, 1, true
	case "AdaptiveAvgPool2d":
		return []string{"output_size"}, 1, true
	case "AdaptiveMaxPool2d":
		return []string{"output_size", "return_indices"}, 1, true
	case "BatchNorm2d":
		return []string{"num_features", "eps", "momentum", "affine", "track_running_stats", "device", "dtype"}, 1, true
	case "Linear":
		return []string{"in_features", "out_features", "bias", "device", "dtype"}, 2, true
	case "Flatten":
		return []string{"start_dim", "end_dim"}, 0, true
	case "ReLU", "Sigmoid", "Tanh":
		if class == "ReLU" {
			return []string{"inplace"}, 0, true
		}
		return nil, 0, true
	case "LeakyReLU":
		return []string{"negative_slope", "inplace"}, 0, true
	case "GELU":
		return []string{"approximate"}, 0, true
	case "Softmax":
		return []string{"dim"}, 0, true
	case "Dropout", "Dropout2d":
		return []string{"p", "inplace"}, 0, true
	}
	return nil, 0, false
}

// supportedLayers is the list for the message about an unsupported layer.
const supportedLayers = "Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, BatchNorm2d, Linear, Flatten, ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, Dropout, Dropout2d"

func isLayerClass(class string) bool {
	_, _, ok := signature(class)
	return ok
}

func unsupported(n *node, path string) error {
	return &Error{Line: n.line, Layer: Source{n.line, path, n.class}.label(),
		Message: fmt.Sprintf("%s is not a layer Stride supports; it supports %s and the containers Sequential and ModuleList", n.class, supportedLayers)}
}

// layerBuilder converts one leaf node's arguments, reporting errors against
// the node's line and label.
type layerBuilder struct {
	n     *node
	label string
	args  map[string]value
}

func (b *layerBuilder) errorf(argName string, line int, format string, a ...any) *Error {
	if line == 0 {
		line = b.n.line
	}
	return &Error{Line: line, Layer: b.label, Arg: argName, Message: fmt.Sprintf(format, a...)}
}

// bind matches the node's arguments to the class's parameters the way
// Python binds a call, with Python's TypeError wording.
func (b *layerBuilder) bind(params []string, required int) error {
	b.args = map[string]value{}
	positional := 0
	for _, a := range b.n.args {
		name := a.name
		if name == "" {
			if positional >= len(params) {
				return b.errorf("", a.val.line, "%s() takes at most %d arguments, but %d positional arguments were given", b.n.class, len(params), countPositional(b.n.args))
			}
			name = params[positional]
			positional++
		} else if !contains(params, name) {
			return b.errorf(name, a.val.line, "%s.__init__() got an unexpected keyword argument '%s'", b.n.class, name)
		}
		if _, dup := b.args[name]; dup {
			return b.errorf(name, a.val.line, "%s.__init__() got multiple values for argument '%s'", b.n.class, name)
		}
		b.args[name] = a.val
	}
	var missing []string
	for _, p := range params[:required] {
		if _, ok := b.args[p]; !ok {
			missing = append(missing, "'"+p+"'")
		}
	}
	if len(missing) > 0 {
		return b.errorf("", 0, "%s.__init__() missing %d required positional argument(s): %s", b.n.class, len(missing), strings.Join(missing, ", "))
	}
	return nil
}

func countPositional(args []arg) int {
	n := 0
	for _, a := range args {
		if a.name == "" {
			n++
		}
	}
	return n
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// has reports whether the argument was given and is not None.
func (b *layerBuilder) has(name string) bool {
	v, ok := b.args[name]
	return ok && !(v.kind == valWord && v.text == "None")
}

// integer parses a whole number argument within [lo, hi].
func (b *layerBuilder) integer(name string, v value, lo, hi int) (int, error) {
	if v.kind != valNumber {
		return 0, b.errorf(name, v.line, "%s must be a whole number, not %s", name, v)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v.text, "+"))
	if err != nil {
		return 0, b.errorf(name, v.line, "%s must be a whole number, not %s", name, v)
	}
	if n < lo || n > hi {
		return 0, b.errorf(name, v.line, "%s is %d; it must be from %d to %d", name, n, lo, hi)
	}
	return n, nil
}

// intArg reads an optional whole-number argument, def when absent or None.
func (b *layerBuilder) intArg(name string, def, lo, hi int) (int, error) {
	if !b.has(name) {
		return def, nil
	}
	return b.integer(name, b.args[name], lo, hi)
}

// pair reads an int or a 2-tuple of ints, each within [lo, MaxDimension].
// With allowNone a tuple item may be None, read as 0 (adaptive pooling's
// "keep this axis").
func (b *layerBuilder) pair(name string, v value, lo int, allowNone bool) (compute.Pair, error) {
	if v.kind != valTuple {
		n, err := b.integer(name, v, lo, compute.MaxDimension)
		return compute.Square(n), err
	}
	if len(v.items) != 2 {
		return compute.Pair{}, b.errorf(name, v.line, "%s must be one number or a pair (height, width), not %s", name, v)
	}
	var hw [2]int
	for i, it := range v.items {
		if allowNone && it.kind == valWord && it.text == "None" {
			continue
		}
		n, err := b.integer(name, it, lo, compute.MaxDimension)
		if err != nil {
			return compute.Pair{}, err
		}
		hw[i] = n
	}
	return compute.Pair{H: hw[0], W: hw[1]}, nil
}

// pairArg reads an optional size argument; absent or None gives the zero
// Pair, which the engine reads as PyTorch's default.
func (b *layerBuilder) pairArg(name string, lo int) (compute.Pair, error) {
	if !b.has(name) {
		return compute.Pair{}, nil
	}
	return b.pair(name, b.args[name], lo, false)
}

// boolArg reads True or False; absent gives def.
func (b *layerBuilder) boolArg(name string, def bool) (bool, error) {
	v, ok := b.args[name]
	if !ok {
		return def, nil
	}
	if v.kind == valWord && (v.text == "True" || v.text == "False") {
		return v.text == "True", nil
	}
	return false, b.errorf(name, v.line, "%s must be True or False, not %s", name, v)
}

// number reads a real number argument (None allowed when absent).
func (b *layerBuilder) number(name string) (float64, bool, error) {
	if !b.has(name) {
		return 0, false, nil
	}
	v := b.args[name]
	if v.kind == valNumber {
		if f, err := strconv.ParseFloat(v.text, 64); err == nil {
			return f, true, nil
		}
	}
	return 0, false, b.errorf(name, v.line, "%s must be a number, not %s", name, v)
}

// word reads a string argument, printed bare (padding=same) or quoted
// (approximate='none').
func (b *layerBuilder) word(name string, allowed ...string) (string, error) {
	v, ok := b.args[name]
	if !ok {
		return "", nil
	}
	if (v.kind == valWord || v.kind == valString) && contains(allowed, v.text) {
		return v.text, nil
	}
	return "", b.errorf(name, v.line, "%s must be one of %s, not %s", name, strings.Join(allowed, ", "), v)
}

// buildLayer converts a leaf node into the engine's layer spec. Checks
// PyTorch makes when the module is constructed (a positive size, groups
// dividing the channels, p in [0, 1]) are made here or by the engine;
// checks it makes when data flows (in_features against the input) are the
// engine's, which receives the given in_channels, in_features and
// num_features.
func buildLayer(n *node, path string) (compute.Layer, error) {
	params, required, _ := signature(n.class)
	b := &layerBuilder{n: n, label: Source{n.line, path, n.class}.label()}
	if err := b.bind(params, required); err != nil {
		return compute.Layer{}, err
	}
	l := compute.Layer{Type: n.class}
	var err error
	switch n.class {
	case "Conv2d":
		err = b.conv(&l)
	case "MaxPool2d", "AvgPool2d":
		err = b.pool(&l)
	case "AdaptiveAvgPool2d", "AdaptiveMaxPool2d":
		l.OutputSize, err = b.pair("output_size", b.args["output_size"], 1, true)
		if err == nil {
			_, err = b.boolArg("return_indices", false)
		}
	case "BatchNorm2d":
		err = b.batchNorm(&l)
	case "Linear":
		err = b.linear(&l)
	case "Flatten":
		var start, end int
		if start, err = b.intArg("start_dim", 1, -compute.MaxDimension, compute.MaxDimension); err == nil {
			end, err = b.intArg("end_dim", -1, -compute.MaxDimension, compute.MaxDimension)
		}
		l.StartDim, l.EndDim = &start, &end
	case "Softmax":
		if b.has("dim") {
			var d int
			d, err = b.integer("dim", b.args["dim"], -compute.MaxDimension, compute.MaxDimension)
			l.Dim = &d
		}
	case "Dropout", "Dropout2d":
		var p float64
		var given bool
		if p, given, err = b.number("p"); err == nil && given && (p < 0 || p > 1) {
			err = b.errorf("p", b.args["p"].line, "dropout probability has to be between 0 and 1, but got %s", b.args["p"])
		}
		if err == nil {
			_, err = b.boolArg("inplace", false)
		}
	case "ReLU":
		_, err = b.boolArg("inplace", false)
	case "LeakyReLU":
		if _, _, err = b.number("negative_slope"); err == nil {
			_, err = b.boolArg("inplace", false)
		}
	case "GELU":
		_, err = b.word("approximate", "none", "tanh")
	}
	if err != nil {
		return compute.Layer{}, err
	}
	return l, nil
}

func (b *layerBuilder) conv(l *compute.Layer) error {
	var err error
	if l.InChannels, err = b.integer("in_channels", b.args["in_channels"], 1, compute.MaxDimension); err != nil {
		return err
	}
	if l.OutChannels, err = b.integer("out_channels", b.args["out_channels"], 1, compute.MaxDimension); err != nil {
		return err
	}
	if l.KernelSize, err = b.pair("kernel_size", b.args["kernel_size"], 1, false); err != nil {
		return err
	}
	if l.Stride, err = b.pairArg("stride", 1); err != nil {
		return err
	}
	if v, ok := b.args["padding"]; ok && (v.kind == valWord || v.kind == valString) {
		if l.PaddingMode, err = b.word("padding", "same", "valid"); err != nil {
			return err
		}
	} else if l.Padding, err = b.pairArg("padding", 0); err != nil {
		return err
	}
	if l.Dilation, err = b.pairArg("dilation", 1); err != nil {
		return err
	}
	if l.Groups, err = b.intArg("groups", 1, 1, compute.MaxDimension); err != nil {
		return err
	}
	bias, err := b.boolArg("bias", true)
	if err != nil {
		return err
	}
	l.Bias = &bias
	if _, err = b.word("padding_mode", "zeros", "reflect", "replicate", "circular"); err != nil {
		return err
	}
	// PyTorch refuses these when the module is constructed, before any
	// input reaches an earlier layer, so they are reported here rather
	// than in shape order (the engine checks them again for JSON layers).
	switch {
	case l.InChannels%l.Groups != 0:
		return b.errorf("groups", b.args["groups"].line, "in_channels must be divisible by groups (%d is not divisible by %d)", l.InChannels, l.Groups)
	case l.OutChannels%l.Groups != 0:
		return b.errorf("groups", b.args["groups"].line, "out_channels must be divisible by groups (%d is not divisible by %d)", l.OutChannels, l.Groups)
	case l.PaddingMode == "same" && !(l.Stride == compute.Pair{} || l.Stride == compute.Square(1)):
		return b.errorf("padding", b.args["padding"].line, "padding='same' is not supported for strided convolutions")
	}
	return nil
}

func (b *layerBuilder) pool(l *compute.Layer) error {
	var err error
	if l.KernelSize, err = b.pair("kernel_size", b.args["kernel_size"], 1, false); err != nil {
		return err
	}
	if l.Stride, err = b.pairArg("stride", 1); err != nil {
		return err
	}
	if l.Padding, err = b.pairArg("padding", 0); err != nil {
		return err
	}
	if l.Type == "MaxPool2d" {
		if l.Dilation, err = b.pairArg("dilation", 1); err != nil {
			return err
		}
		if _, err = b.boolArg("return_indices", false); err != nil {
			return err
		}
	} else {
		// count_include_pad and divisor_override change the values, never
		// the shape.
		if _, err = b.boolArg("count_include_pad", true); err != nil {
			return err
		}
		if _, err = b.intArg("divisor_override", 0, 1, compute.MaxDimension); err != nil {
			return err
		}
	}
	l.CeilMode, err = b.boolArg("ceil_mode", false)
	return err
}

func (b *layerBuilder) batchNorm(l *compute.Layer) error {
	var err error
	if l.NumFeatures, err = b.integer("num_features", b.args["num_features"], 1, compute.MaxDimension); err != nil {
		return err
	}
	if _, _, err = b.number("eps"); err != nil {
		return err
	}
	if _, _, err = b.number("momentum"); err != nil {
		return err
	}
	affine, err := b.boolArg("affine", true)
	if err != nil {
		return err
	}
	l.Affine = &affine
	_, err = b.boolArg("track_running_stats", true)
	return err
}

func (b *layerBuilder) linear(l *compute.Layer) error {
	var err error
	if l.InFeatures, err = b.integer("in_features", b.args["in_features"], 1, compute.MaxDimension); err != nil {
		return err
	}
	if l.OutFeatures, err = b.integer("out_features", b.args["out_features"], 1, compute.MaxDimension); err != nil {
		return err
	}
	bias, err := b.boolArg("bias", true)
	l.Bias = &bias
	return err
}

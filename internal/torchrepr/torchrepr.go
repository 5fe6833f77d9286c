// Package torchrepr reads the text PyTorch prints for a model
// (print(model)) and turns it into the compute engine's layer specs.
//
// It understands nn.Sequential, nested Sequentials, ModuleList (including
// PyTorch's compressed "(0-2): 3 x Linear(...)" form) and custom modules,
// whose named children such as "(conv1): Conv2d(...)" are taken to run in
// the order they are printed, which is their registration order. That is
// what a Sequential does; for a custom module it is an assumption, since
// print(model) does not show forward(): a forward() that calls
// torch.flatten or skips, reorders or branches (residual blocks) is not in
// the text. Containers are flattened, so one layer spec comes out per leaf
// layer, in execution order.
//
// The layers understood, with PyTorch's constructor arguments and defaults,
// are Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d,
// BatchNorm2d, Linear, Flatten, ReLU, LeakyReLU, GELU, Sigmoid, Tanh,
// Softmax, Dropout and Dropout2d. Any other leaf module is refused with its
// line. Note that AvgPool2d's repr leaves out ceil_mode and
// count_include_pad; written into the text (ceil_mode=True) they are read.
//
// The package does no I/O and keeps no state. Bounds (documented in the
// README): MaxTextBytes of text, maxTokens tokens, MaxDepth levels of nesting, MaxLayers leaf
// layers after repeats are expanded, maxArgs arguments per layer and
// maxTokenBytes per word or number.
package torchrepr

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/stride-tutor/stride/internal/compute"
)

// Bounds on a printed model.
const (
	// MaxTextBytes bounds the text (64 KiB; VGG-16's whole print(model) is
	// under 3 KiB).
	MaxTextBytes = 64 << 10
	// MaxDepth bounds how deeply modules nest (the top-level module is
	// depth 0).
	MaxDepth = 16
	// MaxLayers bounds the leaf layers after repeats are expanded; it is
	// the engine's network bound.
	MaxLayers = compute.MaxLayers

	maxArgs       = 16 // arguments of one module
	maxTupleItems = 8  // items of one tuple argument
	maxKeyTokens  = 8  // tokens of a child's key, "(0-2)" is 3
)

// Error is a problem with a printed model. Line is the 1-based line of the
// text it concerns (0 when it concerns the whole text); Layer names the
// layer, as its path in the model and its class ("features.3 (Conv2d)"),
// when there is one; Arg is the argument at fault, when there is one.
type Error struct {
	Line    int
	Layer   string
	Arg     string
	Message string
	// Limit is the documented bound the text exceeds, when that is the
	// problem; 0 otherwise.
	Limit int64
}

// Error reads "line 7, features.3 (Conv2d): message".
func (e *Error) Error() string {
	s := ""
	if e.Line > 0 {
		s = fmt.Sprintf("line %d", e.Line)
	}
	if e.Layer != "" {
		if s != "" {
			s += ", "
		}
		s += e.Layer
	}
	if e.Arg != "" {
		s += ", " + e.Arg
	}
	if s == "" {
		return e.Message
	}
	return s + ": " + e.Message
}

// Source says where a layer of a Model came from.
type Source struct {
	Line  int    // 1-based line of its repr
	Path  string // dotted path of child keys, "features.3"; "" for a lone layer
	Class string // its PyTorch class name, "Conv2d"
}

// label is "features.3 (Conv2d)", or "Conv2d" without a path.
func (s Source) label() string {
	if s.Path == "" {
		return s.Class
	}
	return s.Path + " (" + s.Class + ")"
}

// Model is a parsed print(model): the leaf layers in execution order and,
// index for index, where each came from.
type Model struct {
	Layers  []compute.Layer
	Sources []Source
}

// Parse reads the text print(model) writes for a model. Errors are *Error
// values naming the line and, where there is one, the layer.
func Parse(text string) (Model, error) {
	if len(text) > MaxTextBytes {
		return Model{}, &Error{Message: fmt.Sprintf("the text has %d bytes; the limit is %d", len(text), MaxTextBytes), Limit: MaxTextBytes}
	}
	toks, err := lex(text)
	if err != nil {
		return Model{}, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tokEOF {
		return Model{}, &Error{Message: "the text is empty; paste what print(model) writes, such as Sequential( (0): Conv2d(3, 12, kernel_size=(17, 17), stride=(1, 1)) ... )"}
	}
	root, err := p.module(0)
	if err != nil {
		return Model{}, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return Model{}, &Error{Line: t.line, Message: fmt.Sprintf("unexpected %s after the model that ends on line %d; paste one model", describe(t), p.toks[p.pos-1].line)}
	}
	var m Model
	if err := flatten(root, "", &m); err != nil {
		return Model{}, err
	}
	return m, nil
}

// keyRange matches a compressed ModuleList key such as "0-2".
var keyRange = regexp.MustCompile(`^(\d+)-(\d+)$`)

// flatten appends n's leaf layers to m in execution order.
func flatten(n *node, path string, m *Model) error {
	// A module without children is a leaf layer, which must be one Stride
	// knows; an empty container (Sequential()) contributes nothing.
	if len(n.children) == 0 {
		if !isLayerClass(n.class) {
			if len(n.args) == 0 && isContainerClass(n.class) {
				return nil
			}
			return unsupported(n, path)
		}
		if len(m.Layers) >= MaxLayers {
			return &Error{Line: n.line, Layer: Source{n.line, path, n.class}.label(), Message: fmt.Sprintf("the model has more than %d layers; the limit is %d", MaxLayers, MaxLayers), Limit: MaxLayers}
		}
		l, err := buildLayer(n, path)
		if err != nil {
			return err
		}
		m.Layers = append(m.Layers, l)
		m.Sources = append(m.Sources, Source{Line: n.line, Path: path, Class: n.class})
		return nil
	}
	if len(n.args) > 0 {
		return &Error{Line: n.line, Layer: Source{n.line, path, n.class}.label(), Message: fmt.Sprintf("%s has both arguments and children; Stride reads containers (Sequential, ModuleList, your own modules) and the layers listed in the docs", n.class)}
	}
	for _, c := range n.children {
		first, last := 0, -1
		if c.repeat > 1 {
			if r := keyRange.FindStringSubmatch(c.key); r != nil {
				first, _ = strconv.Atoi(r[1])
				last, _ = strconv.Atoi(r[2])
			}
		}
		for i := range c.repeat {
			key := c.key
			if c.repeat > 1 {
				key = fmt.Sprintf("%s#%d", c.key, i+1)
				if last-first+1 == c.repeat {
					key = strconv.Itoa(first + i)
				}
			}
			p := key
			if path != "" {
				p = path + "." + key
			}
			if err := flatten(c.mod, p, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// isContainerClass reports the containers PyTorch prints as "Name()" when
// empty.
func isContainerClass(c string) bool {
	return c == "Sequential" || c == "ModuleList" || c == "ModuleDict"
}

// Propagate pushes inputShape ([C, H, W] or [N], no batch dimension)
// through m with the compute engine. An error about a layer is an *Error
// naming its line and layer; other engine errors (the input shape, the
// total parameter bound) are returned as the engine gives them.
func Propagate(inputShape []int, m Model) (compute.NetworkResult, error) {
	res, err := compute.PropagateNetwork(inputShape, m.Layers)
	if err == nil {
		return res, nil
	}
	var ce *compute.Error
	if !errors.As(err, &ce) {
		return compute.NetworkResult{}, err
	}
	r := layerField.FindStringSubmatch(ce.Field)
	if r == nil {
		if ce.Field == "layers" {
			return compute.NetworkResult{}, &Error{Message: ce.Message, Limit: ce.Limit}
		}
		return compute.NetworkResult{}, err
	}
	i, _ := strconv.Atoi(r[1])
	if i >= len(m.Sources) {
		return compute.NetworkResult{}, err
	}
	s := m.Sources[i]
	return compute.NetworkResult{}, &Error{Line: s.Line, Layer: s.label(), Arg: r[2], Message: ce.Message, Limit: ce.Limit}
}

// layerField matches the engine's "layers[3]" and "layers[3].kernel_size".
var layerField = regexp.MustCompile(`^layers\[(\d+)\](?:\.(\w+))?$`)

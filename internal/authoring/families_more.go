package authoring

import (
	"fmt"
	"math/rand/v2"

	"go.yaml.in/yaml/v3"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
)

// ---- attention ----

type attentionSpec struct {
	node                   *yaml.Node
	symbolic               bool
	dModel, heads          intSpec
	bias, outProj, dkGiven bool
}

func (r *reader) attention(n *yaml.Node) family {
	o := r.object(n, "data")
	s := &attentionSpec{node: n, bias: true}
	s.symbolic = r.boolean(o.get("symbolic"), "data.symbolic")
	dm, hd := o.get("d_model"), o.get("heads")
	if s.symbolic {
		if dm != nil || hd != nil {
			r.fail(n, "data.symbolic", "a symbolic question has no sizes; remove d_model and heads or set symbolic: false")
		}
	} else {
		s.dModel = r.intValue(o.require("d_model", "the model width d_model"), "data.d_model", 1, 4096)
		s.heads = r.intValue(o.require("heads", "the number of heads h"), "data.heads", 1, 128)
	}
	if b := o.get("bias"); b != nil {
		s.bias = r.boolean(b, "data.bias")
	}
	s.outProj = r.boolean(o.get("out_proj"), "data.out_proj")
	s.dkGiven = r.boolean(o.get("d_k_given"), "data.d_k_given")
	o.done()
	return s
}

func (s *attentionSpec) randomized() bool { return s.dModel.random() || s.heads.random() }

func (s *attentionSpec) draw(seed uint64, rng *rand.Rand) (any, error) {
	d := exercises.AttentionData{Symbolic: s.symbolic, Bias: s.bias, OutProj: s.outProj, DKGiven: s.dkGiven}
	if !s.symbolic {
		d.DModel, d.Heads = s.dModel.draw(seed, rng), s.heads.draw(seed, rng)
		if d.DModel%d.Heads != 0 {
			return nil, &drawError{node: s.node, field: "data.heads", msg: fmt.Sprintf("%d heads do not split d_model = %d evenly; d_k = d_model/h must be whole", d.Heads, d.DModel)}
		}
		d.DK = d.DModel / d.Heads
	}
	return d, nil
}

func (s *attentionSpec) build(in any, seed uint64, rng *rand.Rand) (*exercises.Variant, error) {
	return exercises.BuildAttention(in.(exercises.AttentionData), rng, seed != 0)
}

// ---- rnn-shapes ----

type rnnShapesSpec struct {
	in, hidden, out intSpec
}

func (r *reader) rnnShapes(n *yaml.Node) family {
	o := r.object(n, "data")
	s := &rnnShapesSpec{}
	s.in = r.intValue(o.require("input_size", "the length of x_t"), "data.input_size", 1, compute.MaxRNNSize)
	s.hidden = r.intValue(o.require("hidden_size", "the length of h_t"), "data.hidden_size", 1, compute.MaxRNNSize)
	s.out = r.intValue(o.require("output_size", "the length of y_t"), "data.output_size", 1, compute.MaxRNNSize)
	o.done()
	return s
}

func (s *rnnShapesSpec) randomized() bool {
	return s.in.random() || s.hidden.random() || s.out.random()
}

func (s *rnnShapesSpec) draw(seed uint64, rng *rand.Rand) (any, error) {
	return exercises.RNNShapesData{InputSize: s.in.draw(seed, rng), HiddenSize: s.hidden.draw(seed, rng), OutputSize: s.out.draw(seed, rng), Steps: 3}, nil
}

func (s *rnnShapesSpec) build(in any, seed uint64, rng *rand.Rand) (*exercises.Variant, error) {
	return exercises.BuildRNNShapes(in.(exercises.RNNShapesData), rng, seed != 0)
}

// ---- rnn-forward ----

// maxForwardSize bounds the vectors of a forward pass done by hand.
const maxForwardSize = 4

// shapedGrid is a matrix whose size the exercise's sizes fix: written
// out, or {min, max} for whole numbers drawn per variant.
type shapedGrid struct {
	node   *yaml.Node
	field  string
	cells  [][]float64
	lo, hi int
}

func (r *reader) shapedGrid(n *yaml.Node, field string) shapedGrid {
	g := shapedGrid{node: n, field: field}
	if n == nil || r.err != nil {
		return g
	}
	if n.Kind == yaml.MappingNode {
		o := r.object(n, field)
		g.lo = r.integer(o.require("min", "the smallest number drawn"), field+".min", -maxCell, maxCell)
		hiNode := o.require("max", "the largest number drawn")
		g.hi = r.integer(hiNode, field+".max", -maxCell, maxCell)
		if r.err == nil && g.lo > g.hi {
			r.fail(hiNode, field+".max", "is %d, smaller than min %d", g.hi, g.lo)
		}
		o.done()
		return g
	}
	m := r.matrix(n, field, false)
	g.cells = m.cells
	return g
}

func (g shapedGrid) draw(rng *rand.Rand, rows, cols int, what string) ([][]float64, error) {
	if g.cells == nil {
		out := make([][]float64, rows)
		for i := range out {
			out[i] = make([]float64, cols)
			for j := range out[i] {
				out[i][j] = float64(g.lo + rng.IntN(g.hi-g.lo+1))
			}
		}
		return out, nil
	}
	if len(g.cells) != rows || len(g.cells[0]) != cols {
		return nil, &drawError{node: g.node, field: g.field, msg: fmt.Sprintf("is %d×%d; %s must be %d×%d", len(g.cells), len(g.cells[0]), what, rows, cols)}
	}
	return g.cells, nil
}

type rnnForwardSpec struct {
	in, hidden, out    intSpec
	relu               bool
	wHx, wHh, wYh, x   shapedGrid
	h0                 shapedGrid
	h0Given, anyRandom bool
}

func (r *reader) rnnForward(n *yaml.Node) family {
	o := r.object(n, "data")
	s := &rnnForwardSpec{}
	s.in = r.intValue(o.require("input_size", "the length of x_t"), "data.input_size", 1, maxForwardSize)
	s.hidden = r.intValue(o.require("hidden_size", "the length of h_t"), "data.hidden_size", 1, maxForwardSize)
	s.out = r.intValue(o.require("output_size", "the length of o_t"), "data.output_size", 1, maxForwardSize)
	actNode := o.get("hidden_activation")
	switch act := r.str(actNode, "data.hidden_activation", 20); act {
	case "", "relu":
		s.relu = true
	case "identity":
	default:
		r.fail(actNode, "data.hidden_activation", "%q: use relu or identity (the output's activation is the identity)", clip(act))
	}
	s.wHx = r.shapedGrid(o.require("w_hx", "W_hx, hidden_size × input_size"), "data.w_hx")
	s.wHh = r.shapedGrid(o.require("w_hh", "W_hh, hidden_size × hidden_size"), "data.w_hh")
	s.wYh = r.shapedGrid(o.require("w_yh", "W_yh, output_size × hidden_size"), "data.w_yh")
	s.x = r.shapedGrid(o.require("x", "the inputs x_1 and x_2, one row per time step"), "data.x")
	if h0 := o.get("h0"); h0 != nil {
		s.h0Given = true
		if h0.Kind == yaml.SequenceNode {
			// A vector is written as one row.
			h0 = &yaml.Node{Kind: yaml.SequenceNode, Line: h0.Line, Content: []*yaml.Node{h0}}
		}
		s.h0 = r.shapedGrid(h0, "data.h0")
	}
	o.done()
	for _, g := range []shapedGrid{s.wHx, s.wHh, s.wYh, s.x, s.h0} {
		s.anyRandom = s.anyRandom || g.cells == nil && g.node != nil
	}
	return s
}

func (s *rnnForwardSpec) randomized() bool {
	return s.anyRandom || s.in.random() || s.hidden.random() || s.out.random()
}

func (s *rnnForwardSpec) draw(seed uint64, rng *rand.Rand) (any, error) {
	i, h, o := s.in.draw(seed, rng), s.hidden.draw(seed, rng), s.out.draw(seed, rng)
	d := exercises.RNNForwardData{InputSize: i, HiddenSize: h, OutputSize: o, HiddenActivation: "identity", OutputActivation: "identity"}
	if s.relu {
		d.HiddenActivation = "relu"
	}
	var err error
	if d.WHx, err = s.wHx.draw(rng, h, i, "W_hx (hidden_size × input_size)"); err != nil {
		return nil, err
	}
	if d.WHh, err = s.wHh.draw(rng, h, h, "W_hh (hidden_size × hidden_size)"); err != nil {
		return nil, err
	}
	if d.WYh, err = s.wYh.draw(rng, o, h, "W_yh (output_size × hidden_size)"); err != nil {
		return nil, err
	}
	if d.X, err = s.x.draw(rng, 2, i, "x (2 time steps × input_size)"); err != nil {
		return nil, err
	}
	d.H0 = make([]float64, h)
	if s.h0Given {
		h0, err := s.h0.draw(rng, 1, h, "h0 (hidden_size numbers)")
		if err != nil {
			return nil, err
		}
		d.H0 = h0[0]
	}
	return d, nil
}

func (s *rnnForwardSpec) build(in any, _ uint64, _ *rand.Rand) (*exercises.Variant, error) {
	return exercises.BuildRNNForward(in.(exercises.RNNForwardData))
}

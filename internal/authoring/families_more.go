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

// ---- pooling ----

type poolCaseSpec struct {
	node                    *yaml.Node
	field                   string
	name                    string
	kernel, stride, padding intSpec
	strideGiven             bool
	excludePadding          bool
	paddingNode             *yaml.Node
	cell                    cellSpec
	whole                   bool
}

type poolingSpec struct {
	op    string
	image matrixSpec
	cases []poolCaseSpec
}

func (r *reader) pooling(n *yaml.Node) family {
	o := r.object(n, "data")
	s := &poolingSpec{}
	opNode := o.get("op")
	switch s.op = r.str(opNode, "data.op", 10); s.op {
	case "":
		s.op = "max"
	case "max", "avg":
	default:
		r.fail(opNode, "data.op", "%q: use max or avg", clip(s.op))
	}
	s.image = r.matrix(o.require("image", "the image, a grid of numbers"), "data.image", false)
	cases := o.require("cases", "a list of window settings (kernel, stride, cell) to ask about")
	o.done()
	if r.err != nil {
		return nil
	}
	if cases.Kind != yaml.SequenceNode || len(cases.Content) == 0 || len(cases.Content) > maxCases {
		r.fail(cases, "data.cases", "must be a list of 1 to %d settings, each like {kernel: 2, stride: 2, cell: bottom-right}", maxCases)
		return nil
	}
	names := map[string]bool{}
	for i, cn := range cases.Content {
		field := fmt.Sprintf("data.cases[%d]", i)
		co := r.object(cn, field)
		c := poolCaseSpec{node: cn, field: field}
		nameNode := co.get("name")
		c.name = r.str(nameNode, field+".name", 32)
		if nameNode == nil && i > 0 {
			c.name = fmt.Sprint(i + 1)
		}
		if r.err == nil && c.name != "" && !namePattern.MatchString(c.name) {
			r.fail(nameNode, field+".name", "%q: use lower-case letters, digits and hyphens (it ends the part IDs)", clip(c.name))
		}
		if r.err == nil && names[c.name] {
			r.fail(cn, field+".name", "%q is the name of an earlier case; give each case its own name", c.name)
		}
		names[c.name] = true
		c.kernel = r.intValue(co.require("kernel", "the window's height and width"), field+".kernel", 1, maxGrid)
		if sn := co.get("stride"); sn != nil {
			c.stride, c.strideGiven = r.intValue(sn, field+".stride", 1, maxGrid), true
		}
		c.padding = fixed(0)
		if pn := co.get("padding"); pn != nil {
			c.padding, c.paddingNode = r.intValue(pn, field+".padding", 0, maxGrid/2), pn
		}
		if cn := co.get("count_include_pad"); cn != nil {
			if s.op != "avg" {
				r.fail(cn, field+".count_include_pad", "is an argument of average pooling (op: avg); max-pooling pads with -inf, which never counts")
			}
			c.excludePadding = !r.boolean(cn, field+".count_include_pad")
		}
		c.cell = r.cell(co.get("cell"), field+".cell")
		c.whole = r.boolean(co.get("whole_output"), field+".whole_output")
		co.done()
		if r.err == nil && c.cell.kind == "" && !c.whole {
			c.cell.kind = "bottom-right"
		}
		s.cases = append(s.cases, c)
	}
	return s
}

func (s *poolingSpec) randomized() bool {
	r := s.image.random()
	for _, c := range s.cases {
		r = r || c.kernel.random() || c.stride.random() || c.padding.random() || c.cell.kind == "random" || c.cell.kind == "border"
	}
	return r
}

func (s *poolingSpec) draw(seed uint64, rng *rand.Rand) (any, error) {
	in := exercises.PoolByHandInput{Image: s.image.draw(seed, rng), Op: s.op}
	h, w := len(in.Image), len(in.Image[0])
	for _, c := range s.cases {
		pc := exercises.PoolCase{Name: c.name, Kernel: c.kernel.draw(seed, rng), AskWhole: c.whole, ExcludePadding: c.excludePadding}
		pc.Stride = pc.Kernel
		if c.strideGiven {
			pc.Stride = c.stride.draw(seed, rng)
		}
		pc.Padding = c.padding.draw(seed, rng)
		if pc.Padding > pc.Kernel/2 {
			return nil, &drawError{node: c.paddingNode, field: c.field + ".padding", msg: fmt.Sprintf("padding %d is more than half the %d×%d window; PyTorch allows pooling padding of at most kernel/2 = %d", pc.Padding, pc.Kernel, pc.Kernel, pc.Kernel/2)}
		}
		if pc.Kernel > h+2*pc.Padding || pc.Kernel > w+2*pc.Padding {
			return nil, &drawError{node: c.node, field: c.field + ".kernel", msg: fmt.Sprintf("a %d×%d window does not fit the %d×%d image", pc.Kernel, pc.Kernel, h, w)}
		}
		outH, outW := (h+2*pc.Padding-pc.Kernel)/pc.Stride+1, (w+2*pc.Padding-pc.Kernel)/pc.Stride+1
		cell, ask, corner, err := c.cell.pick(rng, outH, outW)
		if err != nil {
			return nil, err
		}
		pc.Cell, pc.AskCell, pc.Corner = cell, ask, corner
		if c.whole && outH*outW > 64 {
			return nil, &drawError{node: c.node, field: c.field + ".whole_output", msg: fmt.Sprintf("the output is %d×%d; asking for a whole output is limited to 64 cells", outH, outW)}
		}
		in.Cases = append(in.Cases, pc)
	}
	return in, nil
}

func (s *poolingSpec) build(in any, _ uint64, _ *rand.Rand) (*exercises.Variant, error) {
	return exercises.BuildPoolByHand(in.(exercises.PoolByHandInput))
}

// cell reads which output cell to ask: bottom-right, random, border or
// [row, column] counting from 1.
func (r *reader) cell(n *yaml.Node, field string) cellSpec {
	c := cellSpec{node: n, field: field}
	if n == nil || r.err != nil {
		return c
	}
	switch {
	case n.Kind == yaml.ScalarNode && (n.Value == "bottom-right" || n.Value == "random" || n.Value == "border"):
		c.kind = n.Value
	case n.Kind == yaml.SequenceNode && len(n.Content) == 2:
		c.kind = "at"
		c.at = [2]int{r.integer(n.Content[0], field+"[0]", 1, 64), r.integer(n.Content[1], field+"[1]", 1, 64)}
	default:
		r.fail(n, field, "must be bottom-right, random, border or [row, column] counting from 1, like [2, 3]")
	}
	return c
}

// pick chooses the cell in an outH×outW output: the cell (from 0), whether
// one is asked, and whether it is worded as the bottom-right corner.
func (c cellSpec) pick(rng *rand.Rand, outH, outW int) ([2]int, bool, bool, error) {
	switch c.kind {
	case "bottom-right":
		return [2]int{outH - 1, outW - 1}, true, true, nil
	case "random":
		return [2]int{rng.IntN(outH), rng.IntN(outW)}, true, false, nil
	case "border":
		switch rng.IntN(4) {
		case 0:
			return [2]int{0, rng.IntN(outW)}, true, false, nil
		case 1:
			return [2]int{outH - 1, rng.IntN(outW)}, true, false, nil
		case 2:
			return [2]int{rng.IntN(outH), 0}, true, false, nil
		}
		return [2]int{rng.IntN(outH), outW - 1}, true, false, nil
	case "at":
		if c.at[0] > outH || c.at[1] > outW {
			return [2]int{}, false, false, &drawError{node: c.node, field: c.field, msg: fmt.Sprintf("row %d, column %d is outside the %d×%d output of this setting", c.at[0], c.at[1], outH, outW)}
		}
		return [2]int{c.at[0] - 1, c.at[1] - 1}, true, false, nil
	}
	return [2]int{}, false, false, nil
}

// maxChannels bounds the input channels and the filters of a
// conv-by-hand file.
const maxChannels = 8

// multiSpec is the multi-channel form of conv-by-hand: the input (a list
// of channels), the filters (each a list of channels) and the biases,
// each written out or drawn per variant.
type multiSpec struct {
	inNode, filtNode, biasNode *yaml.Node

	channels              [][][]float64 // written, or nil when drawn
	chanCount, rows, cols intSpec
	inLo, inHi            int
	filters               [][][][]float64 // written, or nil when drawn
	filtCount, size       intSpec
	fLo, fHi              int
	bias                  []float64 // written
	biasDrawn             bool
	bLo, bHi              int
	maxFilters            int
}

func (m *multiSpec) randomized() bool {
	return m.channels == nil || m.filters == nil || m.biasDrawn
}

// draw picks one variant's input, filters and biases.
func (m *multiSpec) draw(seed uint64, rng *rand.Rand) ([][][]float64, [][][][]float64, []float64, error) {
	x := m.channels
	if x == nil {
		c, h, w := m.chanCount.draw(seed, rng), m.rows.draw(seed, rng), m.cols.draw(seed, rng)
		x = make([][][]float64, c)
		for i := range x {
			x[i] = randomGrid(rng, h, w, m.inLo, m.inHi)
		}
	}
	f := m.filters
	if f == nil {
		o, k := m.filtCount.draw(seed, rng), m.size.draw(seed, rng)
		f = make([][][][]float64, o)
		for i := range f {
			f[i] = make([][][]float64, len(x))
			for j := range f[i] {
				f[i][j] = randomGrid(rng, k, k, m.fLo, m.fHi)
			}
		}
	} else if len(f[0]) != len(x) {
		return nil, nil, nil, &drawError{node: m.filtNode, field: "data.filters", msg: fmt.Sprintf("the filters have %d channels but the input has %d; every filter needs one grid per input channel", len(f[0]), len(x))}
	}
	b := m.bias
	switch {
	case m.biasDrawn:
		b = make([]float64, len(f))
		for i := range b {
			b[i] = float64(m.bLo + rng.IntN(m.bHi-m.bLo+1))
		}
	case b != nil && len(b) != len(f):
		return nil, nil, nil, &drawError{node: m.biasNode, field: "data.bias", msg: fmt.Sprintf("has %d numbers but there are %d filters; give one bias per filter", len(b), len(f))}
	}
	return x, f, b, nil
}

func randomGrid(rng *rand.Rand, rows, cols, lo, hi int) [][]float64 {
	g := make([][]float64, rows)
	for i := range g {
		g[i] = make([]float64, cols)
		for j := range g[i] {
			g[i][j] = float64(lo + rng.IntN(hi-lo+1))
		}
	}
	return g
}

// drawnRange reads the min and max of a drawn grid's numbers.
func (r *reader) drawnRange(o *object, field string) (int, int) {
	lo := r.integer(o.require("min", "the smallest number drawn"), field+".min", -maxCell, maxCell)
	hiNode := o.require("max", "the largest number drawn")
	hi := r.integer(hiNode, field+".max", -maxCell, maxCell)
	if r.err == nil && lo > hi {
		r.fail(hiNode, field+".max", "is %d, smaller than min %d", hi, lo)
	}
	return lo, hi
}

// convMulti reads the multi-channel form of conv-by-hand: input (a list
// of channels, or {channels, rows, cols, min, max} drawn per variant),
// filters (a list of filters, each a list of channels, or {count, size,
// min, max}) and bias (one per filter, or {min, max}).
func (r *reader) convMulti(o *object, in *yaml.Node, s *convByHandSpec) {
	if img := o.get("image"); img != nil {
		r.fail(img, "data.image", "give either image and filter (one channel) or input and filters, not both")
		return
	}
	if f := o.get("filter"); f != nil {
		r.fail(f, "data.filter", "with input: (a list of channels) give filters: (a list of filters, each a list of channels)")
		return
	}
	m := &multiSpec{inNode: in}
	s.multi = m
	if in.Kind == yaml.MappingNode {
		io := r.object(in, "data.input")
		m.chanCount = r.intValue(io.require("channels", "the number of input channels"), "data.input.channels", 1, maxChannels)
		m.rows = r.intValue(io.require("rows", "the number of rows"), "data.input.rows", 1, maxGrid)
		m.cols = r.intValue(io.require("cols", "the number of columns"), "data.input.cols", 1, maxGrid)
		m.inLo, m.inHi = r.drawnRange(io, "data.input")
		io.done()
	} else {
		m.channels = r.grids(in, "data.input", false)
	}
	fn := o.require("filters", "a list of filters, each a list of one square grid per input channel, or {count, size, min, max}")
	if r.err != nil {
		return
	}
	m.filtNode = fn
	switch {
	case fn.Kind == yaml.MappingNode:
		fo := r.object(fn, "data.filters")
		m.filtCount = r.intValue(fo.require("count", "the number of filters (output channels)"), "data.filters.count", 1, maxChannels)
		m.size = r.intValue(fo.require("size", "the filters' height and width"), "data.filters.size", 1, maxGrid)
		m.fLo, m.fHi = r.drawnRange(fo, "data.filters")
		fo.done()
		m.maxFilters = m.filtCount.max
	case fn.Kind != yaml.SequenceNode || len(fn.Content) == 0 || len(fn.Content) > maxChannels:
		r.fail(fn, "data.filters", "must be a list of 1 to %d filters, each a list of one grid per input channel, or {count, size, min, max} drawn per variant", maxChannels)
		return
	default:
		for i, f := range fn.Content {
			field := fmt.Sprintf("data.filters[%d]", i)
			g := r.grids(f, field, true)
			if r.err != nil {
				return
			}
			if m.channels != nil && len(g) != len(m.channels) {
				r.fail(f, field, "has %d channels; every filter needs one grid per input channel (%d)", len(g), len(m.channels))
				return
			}
			if len(m.filters) > 0 && (len(g) != len(m.filters[0]) || len(g[0]) != len(m.filters[0][0])) {
				r.fail(f, field, "is %d×%d×%d; every filter needs the shape of the first, %d×%d×%d", len(g), len(g[0]), len(g[0]), len(m.filters[0]), len(m.filters[0][0]), len(m.filters[0][0]))
				return
			}
			m.filters = append(m.filters, g)
		}
		m.maxFilters = len(m.filters)
	}
	if m.filters != nil && m.channels == nil && m.chanCount.random() {
		r.fail(in, "data.input.channels", "must be one number when the filters are written out: each filter has %d channels", len(m.filters[0]))
		return
	}
	if bn := o.get("bias"); bn != nil {
		m.biasNode = bn
		if bn.Kind == yaml.SequenceNode && m.filters == nil && m.filtCount.random() {
			r.fail(bn, "data.bias", "a written list of biases needs a fixed number of filters; draw the biases too ({min, max}) or fix filters.count")
			return
		}
		switch {
		case bn.Kind == yaml.MappingNode:
			bo := r.object(bn, "data.bias")
			m.bLo, m.bHi = r.drawnRange(bo, "data.bias")
			bo.done()
			m.biasDrawn = true
		case bn.Kind != yaml.SequenceNode || m.filters != nil && len(bn.Content) != len(m.filters) || len(bn.Content) == 0 || len(bn.Content) > maxChannels:
			want := "one per filter"
			if m.filters != nil {
				want = fmt.Sprintf("%d numbers, one per filter", len(m.filters))
			}
			r.fail(bn, "data.bias", "must be a list of %s, or {min, max} drawn per variant", want)
			return
		default:
			for i, b := range bn.Content {
				m.bias = append(m.bias, r.number(b, fmt.Sprintf("data.bias[%d]", i), maxCell))
			}
		}
	}
}

// grids reads a list of 1 to 8 grids of the same size (square ones when
// square), written out.
func (r *reader) grids(n *yaml.Node, field string, square bool) [][][]float64 {
	if r.err != nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 || len(n.Content) > 8 {
		r.fail(n, field, "must be a list of 1 to 8 grids, one per channel, like [[[1, 2], [3, 4]], [[0, 1], [1, 0]]]")
		return nil
	}
	var out [][][]float64
	for i, g := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		if g.Kind != yaml.SequenceNode {
			r.fail(g, f, "must be a grid of numbers, written out")
			return nil
		}
		m := r.matrix(g, f, square)
		if r.err != nil {
			return nil
		}
		if i > 0 && (len(m.cells) != len(out[0]) || len(m.cells[0]) != len(out[0][0])) {
			r.fail(g, f, "is %d×%d; every channel needs the size of the first, %d×%d", len(m.cells), len(m.cells[0]), len(out[0]), len(out[0][0]))
			return nil
		}
		out = append(out, m.cells)
	}
	return out
}

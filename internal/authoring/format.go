// Package authoring reads exercises that instructors write as YAML files
// (docs/AUTHORING.md): it parses and validates a file with the compute
// engine, turns it into an exercises.Exercise built by the same generic
// machinery as the built-in exercises (parsers, diagnoses, hints, worked
// solutions, animations), and watches a directory, reloading files as they
// change while the last valid version of each keeps serving.
//
// The package does no HTTP and no SQL; the web layer serves its status and
// the store keeps its versions.
package authoring

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/torchrepr"
)

// Bounds on one file (docs/AUTHORING.md, README "Bounds").
const (
	// MaxFileBytes bounds one exercise file.
	MaxFileBytes = 256 << 10
	// maxText bounds one text field; maxItems one list of texts.
	maxText  = 4000
	maxItems = 32
	// maxGrid bounds an image's or filter's rows and columns; maxCell the
	// magnitude of its numbers.
	maxGrid = 16
	maxCell = 1000
	// maxCases bounds the settings of a conv-by-hand file; maxQuestions
	// the questions of a concepts file; maxOptions one question's options.
	maxCases     = 8
	maxQuestions = 32
	maxOptions   = 12
	// checkSeeds is how many seeds a file with random values is tried at
	// before it is served.
	checkSeeds = 24
	// maxDrawAttempts bounds the redraws of one variant whose random
	// values do not fit (a filter larger than its padded image); after
	// them the variant uses the seed-0 values, which were checked.
	maxDrawAttempts = 50
)

// Families are the kinds of exercise a file may describe.
var Families = []string{"conv-by-hand", "output-size", "network", "concepts", "attention", "rnn-shapes", "rnn-forward", "pooling"}

var idPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)

// Version is the version of a file's content: the first 16 hex digits of
// its SHA-256.
func Version(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:8])
}

// Parse reads one exercise file. name is its file name, used in errors;
// builtin reports IDs that are taken by built-in exercises. Every error
// is an *Error naming the file, line and field.
func Parse(name string, src []byte, builtin func(id string) bool) (*exercises.Exercise, error) {
	if len(src) > MaxFileBytes {
		return nil, &Error{File: name, Message: fmt.Sprintf("the file has %d bytes; the limit is %d", len(src), MaxFileBytes)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Message: "the file is empty; start with id:, title:, family: and data:"}
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: name, Line: extra.Line, Message: "the file holds more than one YAML document (---); put one exercise per file"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &Error{File: name, Message: "the file is empty; start with id:, title:, family: and data:"}
	}
	r := &reader{file: name}
	top := r.object(doc.Content[0], "")
	m := exercises.Meta{Source: name, Version: Version(src)}
	idNode := top.require("id", "a stable ID of lower-case letters, digits and hyphens, like conv-week3")
	m.ID = r.str(idNode, "id", 64)
	if r.err == nil && !idPattern.MatchString(m.ID) {
		r.fail(idNode, "id", "%q is not an ID: use 1 to 64 lower-case letters, digits and hyphens, starting and ending with a letter or digit", clip(m.ID))
	}
	if r.err == nil && builtin != nil && builtin(m.ID) {
		r.fail(idNode, "id", "%q is the ID of a built-in exercise; choose another, like %s-2", m.ID, m.ID)
	}
	m.Title = r.str(top.require("title", "the exercise's title, shown in the catalog"), "title", 200)
	m.Summary = r.str(top.get("summary"), "summary", 500)
	m.Section = r.str(top.get("section"), "section", 40)
	m.SectionTitle = r.str(top.get("section_title"), "section_title", 200)
	if m.Section == "" {
		m.Section = "Course"
	}
	if m.SectionTitle == "" {
		m.SectionTitle = "Course exercises"
	}
	if m.Summary == "" {
		m.Summary = m.Title
	}
	famNode := top.require("family", "one of "+strings.Join(Families, ", "))
	famName := r.str(famNode, "family", 40)
	data := top.require("data", "the exercise's numbers or questions; see docs/AUTHORING.md for each family")
	top.done()
	if r.err != nil {
		return nil, r.err
	}
	var f family
	switch famName {
	case "conv-by-hand":
		m.Domain = "conv"
		f = r.convByHand(data)
	case "output-size":
		m.Domain = "size"
		f = r.outputSize(data)
	case "network":
		f = r.network(data, &m)
	case "concepts":
		m.Domain = "concept"
		f = r.concepts(data)
	case "attention":
		m.Domain = "attention"
		f = r.attention(data)
	case "rnn-shapes":
		m.Domain = "rnn-shapes"
		f = r.rnnShapes(data)
	case "rnn-forward":
		m.Domain = "rnn"
		f = r.rnnForward(data)
	case "pooling":
		m.Domain = "pool"
		f = r.pooling(data)
	default:
		r.fail(famNode, "family", "%q is not a family; use one of %s", clip(famName), strings.Join(Families, ", "))
	}
	if r.err != nil {
		return nil, r.err
	}
	return build(r, m, f, data)
}

// family is a parsed file's data: it draws a variant's input for a seed
// and builds the variant from it.
type family interface {
	// draw picks the values of one variant; a *drawError says which
	// field's values do not fit.
	draw(seed uint64, rng *rand.Rand) (any, error)
	// randomized reports whether draw depends on the seed.
	randomized() bool
	build(input any, seed uint64, rng *rand.Rand) (*exercises.Variant, error)
}

// drawError is a drawn value that does not fit, with the field to blame.
type drawError struct {
	node  *yaml.Node
	field string
	msg   string
}

func (e *drawError) Error() string { return e.field + ": " + e.msg }

// build checks the file at seed 0 (and, when it draws values, at more
// seeds) and makes the exercise. A variant whose draw or build fails falls
// back to the seed-0 input, which is known good, so every seed works.
func build(r *reader, m exercises.Meta, f family, data *yaml.Node) (*exercises.Exercise, error) {
	fail := func(err error) error {
		var de *drawError
		if errors.As(err, &de) {
			return &Error{File: r.file, Line: de.node.Line, Field: de.field, Message: de.msg}
		}
		var ce *compute.Error
		if errors.As(err, &ce) {
			return &Error{File: r.file, Line: data.Line, Field: "data", Message: "the compute engine refuses these values: " + ce.Error()}
		}
		return &Error{File: r.file, Line: data.Line, Field: "data", Message: err.Error()}
	}
	rng0 := rand.New(rand.NewPCG(0, idHash(m.ID)))
	in0, err := f.draw(0, rng0)
	if err != nil {
		return nil, fail(err)
	}
	if _, err := f.build(in0, 0, rng0); err != nil {
		return nil, fail(err)
	}
	gen := func(seed uint64, rng *rand.Rand) (*exercises.Variant, error) {
		for range maxDrawAttempts {
			in, err := f.draw(seed, rng)
			if err != nil {
				continue
			}
			if v, err := f.build(in, seed, rng); err == nil {
				return v, nil
			}
		}
		return f.build(in0, 0, rand.New(rand.NewPCG(0, idHash(m.ID))))
	}
	ex, err := exercises.NewAuthored(m, gen)
	if err != nil {
		return nil, &Error{File: r.file, Message: err.Error()}
	}
	last := uint64(1)
	if f.randomized() {
		last = checkSeeds
	}
	for seed := uint64(0); seed < last; seed++ {
		if _, err := ex.Variant(seed); err != nil {
			return nil, fail(err)
		}
	}
	return ex, nil
}

// idHash is the stream half of exercises.Exercise.Variant's generator
// seed (FNV-1a of the ID), so seed 0's input drawn here is the one the
// exercise draws.
func idHash(id string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	return h
}

// yamlError turns a YAML syntax error into an *Error with its line.
func yamlError(name string, err error) *Error {
	msg := err.Error()
	line := 0
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			fmt.Sscanf(rest[:i], "%d", &line)
			msg = strings.TrimSpace(rest[i+1:])
		}
	}
	return &Error{File: name, Line: line, Message: "this is not valid YAML: " + msg}
}

// ---- conv-by-hand ----

type matrixSpec struct {
	node       *yaml.Node
	field      string
	cells      [][]float64
	rows, cols intSpec
	lo, hi     int
}

func (m matrixSpec) draw(seed uint64, rng *rand.Rand) [][]float64 {
	if m.cells != nil {
		return m.cells
	}
	rows, cols := m.rows.draw(seed, rng), m.cols.draw(seed, rng)
	out := make([][]float64, rows)
	for i := range out {
		out[i] = make([]float64, cols)
		for j := range out[i] {
			out[i][j] = float64(m.lo + rng.IntN(m.hi-m.lo+1))
		}
	}
	return out
}

// matrix reads a grid of numbers, or {rows, cols, min, max} for a grid of
// whole numbers drawn per variant. square asks for size instead of rows
// and cols.
func (r *reader) matrix(n *yaml.Node, field string, square bool) matrixSpec {
	m := matrixSpec{node: n, field: field}
	if n == nil || r.err != nil {
		return m
	}
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) == 0 || len(n.Content) > maxGrid {
			r.fail(n, field, "must have 1 to %d rows", maxGrid)
			return m
		}
		for i, row := range n.Content {
			f := fmt.Sprintf("%s[%d]", field, i)
			if row.Kind != yaml.SequenceNode || len(row.Content) == 0 || len(row.Content) > maxGrid {
				r.fail(row, f, "must be a row of 1 to %d numbers, like [1, 3, -2]", maxGrid)
				return m
			}
			if i > 0 && len(row.Content) != len(n.Content[0].Content) {
				r.fail(row, f, "has %d numbers but the first row has %d; every row needs the same length", len(row.Content), len(n.Content[0].Content))
				return m
			}
			cells := make([]float64, len(row.Content))
			for j, c := range row.Content {
				cells[j] = r.number(c, fmt.Sprintf("%s[%d]", f, j), maxCell)
			}
			m.cells = append(m.cells, cells)
		}
		if square && r.err == nil && len(m.cells) != len(m.cells[0]) {
			r.fail(n, field, "is %d×%d; filters must be square", len(m.cells), len(m.cells[0]))
		}
	case yaml.MappingNode:
		o := r.object(n, field)
		if square {
			m.rows = r.intValue(o.require("size", "the filter's height and width"), field+".size", 1, maxGrid)
			m.cols = m.rows
		} else {
			m.rows = r.intValue(o.require("rows", "the number of rows"), field+".rows", 1, maxGrid)
			m.cols = r.intValue(o.require("cols", "the number of columns"), field+".cols", 1, maxGrid)
		}
		m.lo = r.integer(o.require("min", "the smallest number drawn"), field+".min", -maxCell, maxCell)
		hiNode := o.require("max", "the largest number drawn")
		m.hi = r.integer(hiNode, field+".max", -maxCell, maxCell)
		if r.err == nil && m.lo > m.hi {
			r.fail(hiNode, field+".max", "is %d, smaller than min %d", m.hi, m.lo)
		}
		o.done()
	default:
		r.fail(n, field, "must be a grid of numbers ([[1, 2], [3, 4]]) or a random grid {rows: 4, cols: 4, min: -5, max: 9}")
	}
	return m
}

type cellSpec struct {
	node  *yaml.Node
	field string
	kind  string // "bottom-right", "random", "border", "at", "" (not asked)
	at    [2]int // from 1
}

type convCaseSpec struct {
	node                      *yaml.Node
	field                     string
	name                      string
	stride, padding, dilation intSpec
	cell                      cellSpec
	whole                     bool
	outChannel                int
	outChannelNode            *yaml.Node
}

type convByHandSpec struct {
	image, filter matrixSpec
	cases         []convCaseSpec
	// multi is the multi-channel form (input:, filters:, bias:), or nil.
	multi *multiSpec
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,30}$`)

func (r *reader) convByHand(n *yaml.Node) family {
	o := r.object(n, "data")
	s := &convByHandSpec{}
	if in := o.get("input"); in != nil {
		r.convMulti(o, in, s)
	} else {
		s.image = r.matrix(o.require("image", "the image, a grid of numbers (or input: a list of channels)"), "data.image", false)
		s.filter = r.matrix(o.require("filter", "the filter, a square grid of numbers"), "data.filter", true)
	}
	cases := o.require("cases", "a list of settings (stride, padding, cell) to ask about")
	o.done()
	if r.err != nil {
		return nil
	}
	if cases.Kind != yaml.SequenceNode || len(cases.Content) == 0 || len(cases.Content) > maxCases {
		r.fail(cases, "data.cases", "must be a list of 1 to %d settings, each like {stride: 1, padding: 0, cell: bottom-right}", maxCases)
		return nil
	}
	names := map[string]bool{}
	for i, cn := range cases.Content {
		field := fmt.Sprintf("data.cases[%d]", i)
		co := r.object(cn, field)
		c := convCaseSpec{node: cn, field: field}
		nameNode := co.get("name")
		c.name = r.str(nameNode, field+".name", 32)
		if nameNode == nil && i > 0 {
			c.name = fmt.Sprint(i + 1)
		}
		if r.err == nil && c.name != "" && !namePattern.MatchString(c.name) {
			r.fail(nameNode, field+".name", "%q: use lower-case letters, digits and hyphens (it ends the part IDs, like dims-%s)", clip(c.name), "padded")
		}
		if r.err == nil && names[c.name] {
			r.fail(cn, field+".name", "%q is the name of an earlier case; give each case its own name", c.name)
		}
		names[c.name] = true
		c.stride = fixed(1)
		if sn := co.get("stride"); sn != nil {
			c.stride = r.intValue(sn, field+".stride", 1, 8)
		}
		c.padding = fixed(0)
		if pn := co.get("padding"); pn != nil {
			c.padding = r.intValue(pn, field+".padding", 0, 8)
		}
		c.dilation = fixed(1)
		if dn := co.get("dilation"); dn != nil {
			c.dilation = r.intValue(dn, field+".dilation", 1, 8)
		}
		c.cell = cellSpec{field: field + ".cell"}
		if cell := co.get("cell"); cell != nil {
			c.cell.node = cell
			switch {
			case cell.Kind == yaml.ScalarNode && (cell.Value == "bottom-right" || cell.Value == "random" || cell.Value == "border"):
				c.cell.kind = cell.Value
			case cell.Kind == yaml.SequenceNode && len(cell.Content) == 2:
				c.cell.kind = "at"
				c.cell.at = [2]int{r.integer(cell.Content[0], field+".cell[0]", 1, 64), r.integer(cell.Content[1], field+".cell[1]", 1, 64)}
			default:
				r.fail(cell, field+".cell", "must be bottom-right, random, border or [row, column] counting from 1, like [2, 3]")
			}
		}
		c.whole = r.boolean(co.get("whole_output"), field+".whole_output")
		if oc := co.get("out_channel"); oc != nil {
			if s.multi == nil {
				r.fail(oc, field+".out_channel", "only an input with filters: (several channels or filters) has output channels")
			} else {
				c.outChannel = r.integer(oc, field+".out_channel", 1, max(1, s.multi.maxFilters)) - 1
				c.outChannelNode = oc
			}
		}
		co.done()
		if r.err == nil && c.cell.kind == "" && !c.whole {
			c.cell.kind = "bottom-right"
		}
		s.cases = append(s.cases, c)
	}
	return s
}

func (s *convByHandSpec) draw(seed uint64, rng *rand.Rand) (any, error) {
	var in exercises.ConvByHandInput
	var h, w, k int
	if s.multi != nil {
		x, f, b, err := s.multi.draw(seed, rng)
		if err != nil {
			return nil, err
		}
		in = exercises.ConvByHandInput{Channels: x, Filters: f, Bias: b}
		h, w, k = len(x[0]), len(x[0][0]), len(f[0][0])
	} else {
		in = exercises.ConvByHandInput{Image: s.image.draw(seed, rng), Filter: s.filter.draw(seed, rng)}
		h, w, k = len(in.Image), len(in.Image[0]), len(in.Filter)
	}
	for _, c := range s.cases {
		st := exercises.ConvSetting{Stride: c.stride.draw(seed, rng), Padding: c.padding.draw(seed, rng)}
		d := c.dilation.draw(seed, rng)
		if d > 1 {
			st.Dilation = d
		}
		span := d*(k-1) + 1
		outH, errH := compute.OutputSize(h, k, st.Padding, st.Stride, d)
		outW, errW := compute.OutputSize(w, k, st.Padding, st.Stride, d)
		if errH != nil || errW != nil || outH < 1 || outW < 1 {
			if d > 1 {
				return nil, &drawError{node: c.node, field: c.field, msg: fmt.Sprintf("a %d×%d filter with dilation %d spans %d×%d cells and with padding %d does not fit the %d×%d image; make the image larger, the filter smaller or the dilation less", k, k, d, span, span, st.Padding, h, w)}
			}
			return nil, &drawError{node: c.node, field: c.field, msg: fmt.Sprintf("a %d×%d filter with padding %d does not fit the %d×%d image; make the image larger or the filter smaller", k, k, st.Padding, h, w)}
		}
		if st.Padding >= span {
			return nil, &drawError{node: c.node, field: c.field + ".padding", msg: fmt.Sprintf("padding %d is as wide as the %d cells the filter spans: the border cells would see only zeros; use at most %d", st.Padding, span, span-1)}
		}
		if s.multi != nil && c.outChannel >= len(in.Filters) {
			return nil, &drawError{node: c.outChannelNode, field: c.field + ".out_channel", msg: fmt.Sprintf("is %d, but this variant has %d filters", c.outChannel+1, len(in.Filters))}
		}
		cc := exercises.ConvCase{Name: c.name, AskWhole: c.whole, OutChannel: c.outChannel}
		switch c.cell.kind {
		case "bottom-right":
			st.Cell, cc.AskCell, cc.Corner = [2]int{outH - 1, outW - 1}, true, true
		case "random":
			st.Cell, cc.AskCell = [2]int{rng.IntN(outH), rng.IntN(outW)}, true
		case "border":
			cc.AskCell = true
			switch rng.IntN(4) {
			case 0:
				st.Cell = [2]int{0, rng.IntN(outW)}
			case 1:
				st.Cell = [2]int{outH - 1, rng.IntN(outW)}
			case 2:
				st.Cell = [2]int{rng.IntN(outH), 0}
			default:
				st.Cell = [2]int{rng.IntN(outH), outW - 1}
			}
		case "at":
			if c.cell.at[0] > outH || c.cell.at[1] > outW {
				return nil, &drawError{node: c.cell.node, field: c.cell.field, msg: fmt.Sprintf("row %d, column %d is outside the %d×%d output of this setting", c.cell.at[0], c.cell.at[1], outH, outW)}
			}
			st.Cell, cc.AskCell = [2]int{c.cell.at[0] - 1, c.cell.at[1] - 1}, true
		}
		if c.whole && outH*outW > 64 {
			return nil, &drawError{node: c.node, field: c.field + ".whole_output", msg: fmt.Sprintf("the output is %d×%d; asking for a whole output is limited to 64 cells", outH, outW)}
		}
		cc.Setting = st
		in.Cases = append(in.Cases, cc)
	}
	return in, nil
}

func (m matrixSpec) random() bool { return m.cells == nil && m.node != nil }

func (s *convByHandSpec) randomized() bool {
	r := s.image.random() || s.filter.random() || s.multi != nil && s.multi.randomized()
	for _, c := range s.cases {
		r = r || c.stride.random() || c.padding.random() || c.dilation.random() || c.cell.kind == "random" || c.cell.kind == "border"
	}
	return r
}

func (s *convByHandSpec) build(in any, _ uint64, _ *rand.Rand) (*exercises.Variant, error) {
	return exercises.BuildConvByHand(in.(exercises.ConvByHandInput))
}

// ---- output-size ----

type outputSizeSpec struct {
	node                                *yaml.Node
	width, kernel, padding, stride, dil intSpec
	note                                string
}

func (r *reader) outputSize(n *yaml.Node) family {
	o := r.object(n, "data")
	s := &outputSizeSpec{node: n, padding: fixed(0), stride: fixed(1), dil: fixed(1)}
	s.width = r.intValue(o.require("input_width", "the input width W_in"), "data.input_width", 1, 4096)
	s.kernel = r.intValue(o.require("kernel", "the filter width K"), "data.kernel", 1, 64)
	if v := o.get("padding"); v != nil {
		s.padding = r.intValue(v, "data.padding", 0, 64)
	}
	if v := o.get("stride"); v != nil {
		s.stride = r.intValue(v, "data.stride", 1, 64)
	}
	if v := o.get("dilation"); v != nil {
		s.dil = r.intValue(v, "data.dilation", 1, 16)
	}
	s.note = r.str(o.get("note"), "data.note", maxText)
	o.done()
	return s
}

func (s *outputSizeSpec) draw(seed uint64, rng *rand.Rand) (any, error) {
	d := exercises.ConvOutputSizeData{InputWidth: s.width.draw(seed, rng), Kernel: s.kernel.draw(seed, rng),
		Padding: s.padding.draw(seed, rng), Stride: s.stride.draw(seed, rng), Dilation: s.dil.draw(seed, rng)}
	if out, err := compute.OutputSize(d.InputWidth, d.Kernel, d.Padding, d.Stride, d.Dilation); err != nil || out < 1 {
		return nil, &drawError{node: s.node, field: "data", msg: fmt.Sprintf("a filter of width %d (dilation %d) does not fit an input of width %d with padding %d; make the input wider or the filter narrower",
			d.Kernel, d.Dilation, d.InputWidth, d.Padding)}
	}
	return d, nil
}

func (s *outputSizeSpec) randomized() bool {
	return s.width.random() || s.kernel.random() || s.padding.random() || s.stride.random() || s.dil.random()
}

func (s *outputSizeSpec) build(in any, _ uint64, _ *rand.Rand) (*exercises.Variant, error) {
	return exercises.BuildConvOutputSize(in.(exercises.ConvOutputSizeData), s.note)
}

// ---- network ----

type layerSpec struct {
	node  *yaml.Node
	field string
	row   string
	base  compute.Layer
	ints  map[string]intSpec // out_channels, out_features, kernel_size, stride, padding, dilation: square values drawn per variant
	line  int
}

type networkSpec struct {
	node       *yaml.Node
	inputShape []intSpec
	layers     []layerSpec
	params     bool
	diagram    bool
	intro      []string
}

// layerArgs lists which arguments each layer type takes, as the compute
// API does (web/api_compute.go), so a misplaced one is reported.
var layerArgs = map[string][]string{
	"Conv2d":            {"out_channels", "in_channels", "kernel_size", "stride", "padding", "dilation", "bias", "groups"},
	"MaxPool2d":         {"kernel_size", "stride", "padding", "dilation", "ceil_mode"},
	"AvgPool2d":         {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"},
	"AdaptiveAvgPool2d": {"output_size"},
	"AdaptiveMaxPool2d": {"output_size"},
	"Flatten":           {"start_dim", "end_dim"},
	"Linear":            {"out_features", "in_features", "bias"},
	"ReLU":              {"inplace"},
	"LeakyReLU":         {"negative_slope", "inplace"},
	"GELU":              {"approximate"},
	"Sigmoid":           {},
	"Tanh":              {},
	"Softmax":           {"dim"},
	"Dropout":           {"p", "inplace"},
	"Dropout2d":         {"p", "inplace"},
	"BatchNorm2d":       {"num_features", "affine"},
}

func (r *reader) network(n *yaml.Node, m *exercises.Meta) family {
	o := r.object(n, "data")
	s := &networkSpec{node: n}
	shape := o.require("input_shape", "the input's shape without the batch dimension, [C, H, W] or [N]")
	if r.err == nil {
		if shape.Kind != yaml.SequenceNode || (len(shape.Content) != 3 && len(shape.Content) != 1) {
			r.fail(shape, "data.input_shape", "must be [C, H, W] or [N], like [3, 32, 32]")
		} else {
			for i, c := range shape.Content {
				s.inputShape = append(s.inputShape, r.intValue(c, fmt.Sprintf("data.input_shape[%d]", i), 1, compute.MaxDimension))
			}
		}
	}
	layers, pytorch := o.get("layers"), o.get("pytorch")
	switch {
	case layers != nil && pytorch != nil:
		r.fail(pytorch, "data.pytorch", "give either layers or pytorch, not both")
	case layers != nil:
		r.layers(layers, s)
	case pytorch != nil:
		r.pytorch(pytorch, s)
	default:
		r.fail(n, "data.layers", "is required: the layers in PyTorch's names and arguments (or pytorch: with the text print(model) writes)")
	}
	askNode := o.get("ask")
	switch ask := r.str(askNode, "data.ask", 20); ask {
	case "", "shapes":
		m.Domain = "shape"
	case "parameters":
		m.Domain = "params"
		s.params = true
	case "diagram":
		m.Domain = "diagram"
		s.diagram = true
	default:
		r.fail(askNode, "data.ask", "%q: ask shapes (a shape table), parameters (parameter counts) or diagram (the network drawn as blocks)", clip(ask))
	}
	if in := o.get("intro"); in != nil {
		s.intro = r.strs(in, "data.intro", maxItems, maxText)
	}
	o.done()
	if r.err == nil && s.params {
		r.checkParamsNetwork(s)
	}
	if r.err == nil && s.diagram {
		r.checkDiagramNetwork(s)
	}
	return s
}

func (r *reader) layers(n *yaml.Node, s *networkSpec) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 || len(n.Content) > compute.MaxLayers {
		r.fail(n, "data.layers", "must be a list of 1 to %d layers, each like {type: Conv2d, out_channels: 12, kernel_size: 5}", compute.MaxLayers)
		return
	}
	counts := map[string]int{}
	rows := map[string]bool{}
	for i, ln := range n.Content {
		field := fmt.Sprintf("data.layers[%d]", i)
		lo := r.object(ln, field)
		ls := layerSpec{node: ln, field: field, ints: map[string]intSpec{}}
		typeNode := lo.require("type", "the PyTorch class name, like Conv2d or ReLU")
		typ := r.str(typeNode, field+".type", 40)
		canon := ""
		for _, t := range compute.LayerTypes() {
			if strings.EqualFold(t, typ) {
				canon = t
			}
		}
		if r.err == nil && canon == "" {
			r.fail(typeNode, field+".type", "%q is not a supported layer; use one of %s", clip(typ), strings.Join(compute.LayerTypes(), ", "))
			return
		}
		ls.base.Type = canon
		rowNode := lo.get("row")
		ls.row = r.str(rowNode, field+".row", 32)
		counts[canon]++
		if ls.row == "" {
			ls.row = fmt.Sprintf("%s-%d", strings.ToLower(canon), counts[canon])
		}
		if r.err == nil && !namePattern.MatchString(ls.row) {
			r.fail(rowNode, field+".row", "%q: use lower-case letters, digits and hyphens (it is the row's part ID)", clip(ls.row))
		}
		if r.err == nil && rows[ls.row] {
			r.fail(ln, field+".row", "%q is the row of an earlier layer; rows need distinct names", ls.row)
		}
		rows[ls.row] = true
		allowed := map[string]bool{"type": true, "row": true}
		for _, a := range layerArgs[canon] {
			allowed[a] = true
		}
		if ln.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(ln.Content); j += 2 {
				if k := ln.Content[j].Value; !allowed[k] && r.err == nil {
					r.fail(ln.Content[j], field+"."+k, "%s takes no argument %s; its arguments are %s", canon, k, strings.Join(layerArgs[canon], ", "))
				}
			}
		}
		l := &ls.base
		for _, key := range []string{"out_channels", "out_features"} {
			if v := lo.get(key); v != nil {
				ls.ints[key] = r.intValue(v, field+"."+key, 1, compute.MaxDimension)
			}
		}
		for _, key := range []string{"kernel_size", "stride", "padding", "dilation", "output_size"} {
			v := lo.get(key)
			if v == nil {
				continue
			}
			min := 1
			if key == "padding" || key == "output_size" {
				min = 0
			}
			switch {
			case key == "padding" && v.Kind == yaml.ScalarNode && (v.Value == "same" || v.Value == "valid"):
				l.PaddingMode = v.Value
			case v.Kind == yaml.SequenceNode:
				if len(v.Content) != 2 {
					r.fail(v, field+"."+key, "must be one number or [height, width]")
					continue
				}
				p := compute.Pair{H: r.integer(v.Content[0], field+"."+key+"[0]", min, compute.MaxSpatial), W: r.integer(v.Content[1], field+"."+key+"[1]", min, compute.MaxSpatial)}
				setPair(l, key, p)
			default:
				ls.ints[key] = r.intValue(v, field+"."+key, min, compute.MaxSpatial)
			}
		}
		for key, dst := range map[string]*int{"in_channels": &l.InChannels, "in_features": &l.InFeatures, "num_features": &l.NumFeatures, "groups": &l.Groups} {
			if v := lo.get(key); v != nil {
				*dst = r.integer(v, field+"."+key, 1, compute.MaxDimension)
			}
		}
		if v := lo.get("bias"); v != nil {
			b := r.boolean(v, field+".bias")
			l.Bias = &b
		}
		if v := lo.get("affine"); v != nil {
			b := r.boolean(v, field+".affine")
			l.Affine = &b
		}
		l.CeilMode = r.boolean(lo.get("ceil_mode"), field+".ceil_mode")
		for key, dst := range map[string]**int{"start_dim": &l.StartDim, "end_dim": &l.EndDim, "dim": &l.Dim} {
			if v := lo.get(key); v != nil {
				d := r.integer(v, field+"."+key, -4, 4)
				*dst = &d
			}
		}
		// Arguments that do not change shapes or counts are read and checked.
		if v := lo.get("p"); v != nil {
			if p := r.number(v, field+".p", 1); r.err == nil && p < 0 {
				r.fail(v, field+".p", "is %v; a dropout probability is from 0 to 1", p)
			}
		}
		r.boolean(lo.get("inplace"), field+".inplace")
		r.boolean(lo.get("count_include_pad"), field+".count_include_pad")
		r.number(lo.get("negative_slope"), field+".negative_slope", 1e6)
		r.str(lo.get("approximate"), field+".approximate", 10)
		lo.done()
		s.layers = append(s.layers, ls)
	}
}

func setPair(l *compute.Layer, key string, p compute.Pair) {
	switch key {
	case "kernel_size":
		l.KernelSize = p
	case "stride":
		l.Stride = p
	case "padding":
		l.Padding = p
	case "dilation":
		l.Dilation = p
	case "output_size":
		l.OutputSize = p
	}
}

// pytorch reads the text print(model) writes; a problem in it is reported
// at its line in the file.
func (r *reader) pytorch(n *yaml.Node, s *networkSpec) {
	text := r.str(n, "data.pytorch", torchrepr.MaxTextBytes)
	if r.err != nil {
		return
	}
	model, err := torchrepr.Parse(text)
	if err != nil {
		line := n.Line
		var te *torchrepr.Error
		msg := err.Error()
		if errors.As(err, &te) {
			if te.Line > 0 {
				line = textLine(n, te.Line)
			}
			msg = te.Error()
		}
		r.err = &Error{File: r.file, Line: line, Field: "data.pytorch", Message: "the printed model cannot be read: " + msg}
		return
	}
	counts := map[string]int{}
	for i, l := range model.Layers {
		counts[l.Type]++
		ls := layerSpec{node: n, field: "data.pytorch", base: l, ints: map[string]intSpec{},
			row:  fmt.Sprintf("%s-%d", strings.ToLower(l.Type), counts[l.Type]),
			line: textLine(n, model.Sources[i].Line)}
		s.layers = append(s.layers, ls)
	}
}

// textLine maps a line of a block scalar's text to the file's line: a
// literal block (|) starts on the line after its key.
func textLine(n *yaml.Node, line int) int {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line + line
	}
	return n.Line + line - 1
}

// checkParamsNetwork refuses networks the parameter-count questions cannot
// explain: every layer with parameters must be a Conv2d or Linear with a
// bias and no groups, and there must be one of each.
func (r *reader) checkParamsNetwork(s *networkSpec) {
	var conv, lin bool
	for _, l := range s.layers {
		switch l.base.Type {
		case "Conv2d":
			conv = true
			if l.base.Groups > 1 || l.base.Bias != nil && !*l.base.Bias {
				r.fail(l.node, l.field, "parameter questions need Conv2d layers with a bias and groups 1")
				return
			}
			if l.base.KernelSize != (compute.Pair{}) && l.base.KernelSize.H != l.base.KernelSize.W {
				r.fail(l.node, l.field+".kernel_size", "parameter questions need square kernels")
				return
			}
		case "Linear":
			lin = true
			if l.base.Bias != nil && !*l.base.Bias {
				r.fail(l.node, l.field, "parameter questions need Linear layers with a bias")
				return
			}
		case "BatchNorm2d":
			r.fail(l.node, l.field, "parameter questions count Conv2d and Linear layers only; leave BatchNorm2d out or ask shapes")
			return
		}
	}
	if !conv || !lin {
		r.fail(s.node, "data.layers", "parameter questions need at least one Conv2d and one Linear layer")
	}
}

// maxDiagramLayers bounds the positions of a diagram question, which the
// student fills one by one.
const maxDiagramLayers = 24

// checkDiagramNetwork refuses networks a diagram cannot ask: it needs
// blocks to put in order, at least two different ones, and few enough to
// place by hand.
func (r *reader) checkDiagramNetwork(s *networkSpec) {
	if len(s.layers) < 2 || len(s.layers) > maxDiagramLayers {
		r.fail(s.node, "data.layers", "a diagram question needs 2 to %d layers; this network has %d", maxDiagramLayers, len(s.layers))
		return
	}
	for _, l := range s.layers[1:] {
		if !reflect.DeepEqual(l.base, s.layers[0].base) || len(l.ints) > 0 || len(s.layers[0].ints) > 0 {
			return
		}
	}
	r.fail(s.node, "data.layers", "a diagram question needs at least two different layers: with one kind of block there is no order to find")
}

func (s *networkSpec) draw(seed uint64, rng *rand.Rand) (any, error) {
	d := exercises.CNNData{}
	for _, is := range s.inputShape {
		d.InputShape = append(d.InputShape, is.draw(seed, rng))
	}
	var layers []compute.Layer
	for _, ls := range s.layers {
		l := ls.base
		for _, key := range []string{"out_channels", "out_features", "kernel_size", "stride", "padding", "dilation", "output_size"} {
			is, ok := ls.ints[key]
			if !ok {
				continue
			}
			v := is.draw(seed, rng)
			switch key {
			case "out_channels":
				l.OutChannels = v
			case "out_features":
				l.OutFeatures = v
			default:
				setPair(&l, key, compute.Square(v))
			}
		}
		if l.Type == "Linear" {
			d.Classes = l.OutFeatures
		}
		layers = append(layers, l)
		d.Layers = append(d.Layers, exercises.NetworkLayer(ls.row, l))
	}
	if _, err := compute.PropagateNetwork(d.InputShape, layers); err != nil {
		var ce *compute.Error
		if errors.As(err, &ce) {
			return nil, s.blame(ce)
		}
		return nil, &drawError{node: s.node, field: "data", msg: err.Error()}
	}
	return d, nil
}

// blame maps a compute error on "layers[i]…" to the layer's line.
func (s *networkSpec) blame(ce *compute.Error) *drawError {
	var i int
	var rest string
	if n, _ := fmt.Sscanf(ce.Field, "layers[%d]%s", &i, &rest); n >= 1 && i >= 0 && i < len(s.layers) {
		ls := s.layers[i]
		node := ls.node
		if ls.line > 0 {
			node = &yaml.Node{Line: ls.line}
		}
		return &drawError{node: node, field: ls.field + rest, msg: fmt.Sprintf("%s (%s): %s", ls.row, ls.base.Type, ce.Message)}
	}
	return &drawError{node: s.node, field: "data." + ce.Field, msg: ce.Message}
}

func (s *networkSpec) randomized() bool {
	for _, is := range s.inputShape {
		if is.random() {
			return true
		}
	}
	for _, l := range s.layers {
		for _, is := range l.ints {
			if is.random() {
				return true
			}
		}
	}
	return false
}

func (s *networkSpec) build(in any, seed uint64, rng *rand.Rand) (*exercises.Variant, error) {
	ni := exercises.NetworkInput{Data: in.(exercises.CNNData), Intro: s.intro}
	if s.params {
		return exercises.BuildParameterCounts(ni)
	}
	if s.diagram {
		return exercises.BuildDiagram(ni, seed, rng)
	}
	return exercises.BuildShapeTable(ni, seed, rng)
}

// ---- concepts ----

type conceptsSpec struct {
	intro   []string
	items   []exercises.ConceptItem
	drawing *exercises.RNNDiagram
}

func (r *reader) concepts(n *yaml.Node) family {
	o := r.object(n, "data")
	s := &conceptsSpec{}
	s.intro = r.strs(o.get("intro"), "data.intro", maxItems, maxText)
	if dn := o.get("rnn_drawing"); dn != nil {
		s.drawing = r.rnnDrawing(dn)
	}
	qs := o.require("questions", "a list of questions, each with id, prompt, kind and options")
	o.done()
	if r.err != nil {
		return nil
	}
	if qs.Kind != yaml.SequenceNode || len(qs.Content) == 0 || len(qs.Content) > maxQuestions {
		r.fail(qs, "data.questions", "must be a list of 1 to %d questions", maxQuestions)
		return nil
	}
	ids := map[string]bool{}
	for i, qn := range qs.Content {
		field := fmt.Sprintf("data.questions[%d]", i)
		it := r.question(qn, field, true)
		if r.err == nil && ids[it.ID] {
			r.fail(qn, field+".id", "%q is the ID of an earlier question; IDs must be distinct", it.ID)
		}
		ids[it.ID] = true
		s.items = append(s.items, it)
	}
	return s
}

func (r *reader) question(n *yaml.Node, field string, top bool) exercises.ConceptItem {
	o := r.object(n, field)
	var it exercises.ConceptItem
	if top {
		idNode := o.require("id", "the question's part ID, like stride-meaning")
		it.ID = r.str(idNode, field+".id", 32)
		if r.err == nil && !namePattern.MatchString(it.ID) {
			r.fail(idNode, field+".id", "%q: use lower-case letters, digits and hyphens", clip(it.ID))
		}
	}
	it.Label = r.str(o.get("label"), field+".label", 200)
	it.Prompt = r.str(o.require("prompt", "the question"), field+".prompt", maxText)
	if it.Label == "" && r.err == nil {
		it.Label = fmt.Sprintf("Question %s", it.ID)
	}
	kindNode := o.require("kind", "single-choice, multiple-choice or self-check")
	switch k := r.str(kindNode, field+".kind", 20); k {
	case "single-choice", "multiple-choice", "self-check":
		it.Kind = exercises.Kind(k)
	default:
		r.fail(kindNode, field+".kind", "%q: use single-choice, multiple-choice or self-check", clip(k))
	}
	it.Hints = r.strs(o.get("hints"), field+".hints", maxItems, maxText)
	it.Solution = r.strs(o.get("solution"), field+".solution", maxItems, maxText)
	if r.err == nil && len(it.Solution) == 0 {
		r.fail(n, field+".solution", "is required: the worked solution, one step per item, shown once the student has tried")
	}
	optsNode := o.get("options")
	if it.Kind == exercises.KindSelfCheck {
		it.ModelAnswer = r.str(o.require("model_answer", "the answer the student compares theirs with"), field+".model_answer", maxText)
		it.Checklist = r.strs(o.get("checklist"), field+".checklist", maxItems, maxText)
		if optsNode != nil {
			r.fail(optsNode, field+".options", "a self-check question has no options; remove them or make it single-choice")
		}
	} else if r.err == nil {
		if o.get("model_answer") != nil {
			r.fail(o.get("model_answer"), field+".model_answer", "only self-check questions have a model answer")
		}
		r.options(optsNode, n, field, &it)
	}
	if alts := o.get("alternatives"); alts != nil && r.err == nil {
		if !top {
			r.fail(alts, field+".alternatives", "an alternative cannot have alternatives of its own")
		} else if alts.Kind != yaml.SequenceNode || len(alts.Content) > maxItems {
			r.fail(alts, field+".alternatives", "must be a list of at most %d questions", maxItems)
		} else {
			for j, an := range alts.Content {
				it.Alternatives = append(it.Alternatives, r.question(an, fmt.Sprintf("%s.alternatives[%d]", field, j), false))
			}
		}
	}
	o.done()
	return it
}

func (r *reader) options(n, q *yaml.Node, field string, it *exercises.ConceptItem) {
	if n == nil {
		r.fail(q, field+".options", "is required for a choice question: a list of {id, text, correct, why}")
		return
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) < 2 || len(n.Content) > maxOptions {
		r.fail(n, field+".options", "must be a list of 2 to %d options", maxOptions)
		return
	}
	ids := map[string]bool{}
	right := 0
	for j, on := range n.Content {
		f := fmt.Sprintf("%s.options[%d]", field, j)
		oo := r.object(on, f)
		var opt exercises.ConceptOption
		idNode := oo.require("id", "the option's ID, like learned-weights")
		opt.ID = r.str(idNode, f+".id", 40)
		if r.err == nil && !namePattern.MatchString(opt.ID) {
			r.fail(idNode, f+".id", "%q: use lower-case letters, digits and hyphens", clip(opt.ID))
		}
		if r.err == nil && ids[opt.ID] {
			r.fail(idNode, f+".id", "%q is the ID of an earlier option", opt.ID)
		}
		ids[opt.ID] = true
		opt.Text = r.str(oo.require("text", "what the option says"), f+".text", maxText)
		opt.Correct = r.boolean(oo.get("correct"), f+".correct")
		whyNode := oo.get("why")
		opt.Why = r.str(whyNode, f+".why", maxText)
		if r.err == nil && !opt.Correct && opt.Why == "" {
			r.fail(on, f+".why", "is required for a wrong option: the explanation a student who picks it reads")
		}
		oo.done()
		if opt.Correct {
			right++
		}
		it.Options = append(it.Options, opt)
	}
	if r.err != nil {
		return
	}
	switch {
	case it.Kind == exercises.KindSingleChoice && right != 1:
		r.fail(n, field+".options", "a single-choice question needs exactly one option with correct: true; it has %d", right)
	case it.Kind == exercises.KindMultipleChoice && right == 0:
		r.fail(n, field+".options", "a multiple-choice question needs at least one option with correct: true")
	}
}

// randomized: seeds shuffle options and draw alternatives, which cannot
// fail once seed 0 builds.
func (s *conceptsSpec) randomized() bool { return false }

func (s *conceptsSpec) draw(uint64, *rand.Rand) (any, error) { return nil, nil }

func (s *conceptsSpec) build(_ any, seed uint64, rng *rand.Rand) (*exercises.Variant, error) {
	if s.drawing != nil {
		return exercises.BuildConceptsDrawn(seed, rng, s.items, s.intro, s.drawing)
	}
	return exercises.BuildConcepts(seed, rng, s.items, s.intro)
}

// maxDrawnSteps bounds the time steps an unrolled RNN drawing shows.
const maxDrawnSteps = 6

// rnnDrawing reads the Elman RNN a concepts file draws with its first
// question's worked solution: its vector sizes, the steps unrolled and a
// caption.
func (r *reader) rnnDrawing(n *yaml.Node) *exercises.RNNDiagram {
	o := r.object(n, "data.rnn_drawing")
	in := r.integer(o.require("input_size", "the length of x_t"), "data.rnn_drawing.input_size", 1, compute.MaxRNNSize)
	hid := r.integer(o.require("hidden_size", "the length of h_t"), "data.rnn_drawing.hidden_size", 1, compute.MaxRNNSize)
	out := r.integer(o.require("output_size", "the length of y_t"), "data.rnn_drawing.output_size", 1, compute.MaxRNNSize)
	steps := 3
	if sn := o.get("steps"); sn != nil {
		steps = r.integer(sn, "data.rnn_drawing.steps", 1, maxDrawnSteps)
	}
	caption := r.str(o.get("caption"), "data.rnn_drawing.caption", 200)
	o.done()
	if r.err != nil {
		return nil
	}
	if caption == "" {
		caption = fmt.Sprintf("The RNN rolled up, and unrolled over %d time steps", steps)
	}
	return exercises.RNNDrawing(in, hid, out, steps, caption)
}

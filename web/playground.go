package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
	"github.com/stride-tutor/stride/templates"
)

// The playground animates any small convolution or pooling a teacher types
// in. Its whole configuration travels in the query string (the form is a
// GET form), so a configured playground is a link to share.

// maxPlaygroundCells bounds the padded input the playground will animate,
// the same bound the websocket applies.
const maxPlaygroundCells = 4096

// playgroundDefaults is the recitation's image and filter.
func playgroundDefaults() url.Values {
	return url.Values{
		"op":     {"conv2d"},
		"input":  {"1 3 -2 4\n0 8 6 5\n2 1 -9 0\n4 -1 3 7"},
		"kernel": {"1 2\n-2 -1"},
	}
}

// playgroundConfig is a parsed playground query.
type playgroundConfig struct {
	op                                    string
	input                                 [][][]float64
	kernel                                [][][][]float64
	bias                                  []float64
	kernelSize, stride, padding, dilation compute.Pair
}

// embedPlayground is the player alone, configured by the same query as
// the playground, for an iframe.
func (s *Server) embedPlayground(w http.ResponseWriter, r *http.Request) {
	q := playgroundQuery(r)
	props := templates.EmbedPlayerProps{Links: s.links(), Title: "Convolution step by step",
		OpenURL: absoluteURL(r, s.base+"/playground?"+q.Encode())}
	cfg, err := parsePlayground(q)
	var tr *compute.Trace
	var start string
	if err == nil {
		tr, start, err = cfg.trace()
	}
	var pg stepPaging
	if err == nil {
		pg, err = parseStepPaging(r.URL.Query(), playgroundParams...)
	}
	if err == nil {
		err = pg.check([]*compute.Trace{tr})
	}
	if err != nil {
		props.Error = "This configuration cannot be animated: " + err.Error()
		s.render(w, r, http.StatusBadRequest, templates.EmbedPlayer(props))
		return
	}
	label := describePlayground(cfg, tr)
	props.Player = playgroundPlayer(s.base, label, start, tr, pg)
	props.Links = s.playerLinks(true)
	s.render(w, r, http.StatusOK, templates.EmbedPlayer(props))
}

// playgroundParams are the query parameters that configure a playground.
var playgroundParams = []string{"op", "input", "kernel", "bias", "kernel_size", "stride", "padding", "dilation"}

// playgroundQuery is the playground configuration of a request: the
// parameters it reads (not the step-table paging, nor anything unknown, so
// that links built from it stay as long as the configuration), or the
// recitation's example when the query configures nothing.
func playgroundQuery(r *http.Request) url.Values {
	q := onlyParams(r.URL.Query(), playgroundParams)
	if len(q) == 0 {
		q = playgroundDefaults()
	}
	return q
}

// playgroundPlayer is the player of one playground configuration.
func playgroundPlayer(base, label, start string, tr *compute.Trace, pg stepPaging) *templates.PlayerProps {
	p := &templates.PlayerProps{ID: "main", WSURL: base + "/ws/animate", Heading: "Step by step"}
	p.Animations = []templates.PlayerAnimation{{Label: label, Start: start, Table: stepTable(label, p.ID, 0, tr, pg, nil)}}
	return p
}

func (s *Server) playground(w http.ResponseWriter, r *http.Request) {
	q := playgroundQuery(r)
	form := templates.PlaygroundForm{
		Op: q.Get("op"), Input: q.Get("input"), Kernel: q.Get("kernel"), Bias: q.Get("bias"),
		KernelSize: q.Get("kernel_size"), Stride: q.Get("stride"), Padding: q.Get("padding"), Dilation: q.Get("dilation"),
	}
	if form.Op == "" {
		form.Op = "conv2d"
	}
	props := templates.PlaygroundProps{
		// The fragment brings the result into view after a submit, with or
		// without JavaScript: a GET form keeps its action's fragment.
		Links: s.links(), Form: form, Action: s.base + "/playground#playground-result",
		ShareURL: absoluteURL(r, s.base+"/playground?"+q.Encode()),
		EmbedSnippet: embedSnippet(absoluteURL(r, s.base+"/embed/playground?"+q.Encode()),
			absoluteURL(r, s.base+"/static/embed.js"), "Stride: convolution step by step", 900),
	}
	// An invalid configuration still gets the whole page, with the form to
	// fix it, but as a 400 so that scripts and link checkers see the error.
	cfg, err := parsePlayground(q)
	var tr *compute.Trace
	var start string
	if err == nil {
		tr, start, err = cfg.trace()
	}
	if err != nil {
		props.Problems = problemViews(err)
		s.render(w, r, http.StatusBadRequest, templates.Playground(props))
		return
	}
	pg, err := parseStepPaging(r.URL.Query(), playgroundParams...)
	if err == nil {
		err = pg.check([]*compute.Trace{tr})
	}
	if err != nil {
		props.Problems = problemViews(err)
		s.render(w, r, http.StatusBadRequest, templates.Playground(props))
		return
	}
	label := describePlayground(cfg, tr)
	props.Player = playgroundPlayer(s.base, label, start, tr, pg)
	props.Links = s.playerLinks(true)
	s.render(w, r, http.StatusOK, templates.Playground(props))
}

// problemViews turns a parse or engine error into the list the page shows,
// each naming its field (or none, for the configuration as a whole).
func problemViews(err error) []templates.PlaygroundProblem {
	var ps playgroundProblems
	if errors.As(err, &ps) {
		out := make([]templates.PlaygroundProblem, len(ps))
		for i, p := range ps {
			out[i] = templates.PlaygroundProblem{Field: p.field, Message: sentence(p.err.Error())}
		}
		return out
	}
	return []templates.PlaygroundProblem{{Message: sentence(err.Error())}}
}

func describePlayground(c playgroundConfig, tr *compute.Trace) string {
	in, out := tr.InputShape(), tr.OutputShape()
	return fmt.Sprintf("%s of a %d×%d×%d input: stride %s, padding %s, dilation %s → %d×%d×%d output",
		c.op, in[0], in[1], in[2], c.stride, c.padding, c.dilation, out[0], out[1], out[2])
}

// playgroundProblem is one thing wrong with a playground query: the form
// field to fix and what to write there.
type playgroundProblem struct {
	field string
	err   error
}

// playgroundProblems lists everything wrong with a query, so a teacher
// fixes all of it in one go rather than one field per submit.
type playgroundProblems []playgroundProblem

func (ps playgroundProblems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.err.Error()
	}
	return strings.Join(msgs, "; ")
}

// parsePlayground reads the query. Its error, when not nil, is a
// playgroundProblems naming every field to fix.
func parsePlayground(q url.Values) (playgroundConfig, error) {
	var c playgroundConfig
	var problems playgroundProblems
	fail := func(field string, err error) { problems = append(problems, playgroundProblem{field, err}) }
	c.op = q.Get("op")
	if c.op == "" {
		c.op = "conv2d"
	}
	if c.op != "conv2d" && c.op != "maxpool2d" && c.op != "avgpool2d" {
		fail("op", fmt.Errorf("the operation must be conv2d, maxpool2d or avgpool2d"))
		return c, problems
	}
	var err error
	if c.input, err = parseChannels(q.Get("input")); err != nil {
		fail("input", fmt.Errorf("input: %w", err))
	}
	pair := func(name string, def compute.Pair, min int) (compute.Pair, error) {
		text := strings.TrimSpace(q.Get(name))
		words := strings.ReplaceAll(name, "_", " ")
		if text == "" {
			return def, nil
		}
		var dims []int
		for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
			return r == 'x' || r == '×' || r == '*' || r == ',' || r == ' '
		}) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return def, fmt.Errorf("%s: write one whole number or height×width, like 2 or 2x1", words)
			}
			dims = append(dims, n)
		}
		if len(dims) == 0 || len(dims) > 2 {
			return def, fmt.Errorf("%s: write one whole number or height×width, like 2 or 2x1", words)
		}
		if len(dims) == 1 {
			dims = append(dims, dims[0])
		}
		for _, n := range dims {
			if n < min || n > compute.MaxSpatial {
				return def, fmt.Errorf("%s: each size must be from %d to %d", words, min, compute.MaxSpatial)
			}
		}
		return compute.Pair{H: dims[0], W: dims[1]}, nil
	}
	for _, f := range []struct {
		name string
		dst  *compute.Pair
		def  compute.Pair
		min  int
	}{
		{"stride", &c.stride, compute.Square(1), 1},
		{"padding", &c.padding, compute.Pair{}, 0},
		{"dilation", &c.dilation, compute.Square(1), 1},
	} {
		if *f.dst, err = pair(f.name, f.def, f.min); err != nil {
			fail(f.name, err)
		}
	}
	if c.op == "conv2d" {
		filters, err := parseFilters(q.Get("kernel"))
		if err != nil {
			fail("kernel", fmt.Errorf("kernel: %w", err))
		}
		c.kernel = filters
		if b := strings.TrimSpace(q.Get("bias")); b != "" {
			m, err := answer.ParseMatrix(b)
			if err != nil || len(m.Rows) != 1 {
				fail("bias", fmt.Errorf("bias: write one number per filter, separated by spaces or commas"))
			} else {
				c.bias = m.Rows[0]
			}
		}
	} else {
		if c.kernelSize, err = pair("kernel_size", compute.Square(2), 1); err != nil {
			fail("kernel_size", err)
		}
		if c.stride == compute.Square(1) && strings.TrimSpace(q.Get("stride")) == "" {
			c.stride = compute.Pair{} // PyTorch's default: the kernel size
		}
	}
	if len(problems) > 0 {
		return c, problems
	}
	return c, nil
}

// trace validates the configuration with the compute engine and returns
// the trace and the websocket start message replaying it.
func (c playgroundConfig) trace() (*compute.Trace, string, error) {
	start := map[string]any{"op": c.op, "input": c.input, "padding": []int{c.padding.H, c.padding.W},
		"dilation": []int{c.dilation.H, c.dilation.W}}
	if c.stride != (compute.Pair{}) {
		start["stride"] = []int{c.stride.H, c.stride.W}
	}
	var tr *compute.Trace
	var err error
	if c.op == "conv2d" {
		spec := compute.ConvSpec{Input: c.input, Kernel: c.kernel, Bias: c.bias, Stride: c.stride, Padding: c.padding, Dilation: c.dilation}
		tr, err = compute.NewConvTrace(spec)
		start["kernel"] = c.kernel
		if c.bias != nil {
			start["bias"] = c.bias
		}
	} else {
		op := compute.MaxPool
		if c.op == "avgpool2d" {
			op = compute.AvgPool
		}
		spec := compute.PoolSpec{Op: op, Input: c.input, KernelSize: c.kernelSize, Stride: c.stride, Padding: c.padding, Dilation: c.dilation}
		tr, err = compute.NewPoolTrace(spec)
		start["kernel_size"] = []int{c.kernelSize.H, c.kernelSize.W}
	}
	if err != nil {
		return nil, "", studentError(err)
	}
	ps := tr.PaddedShape()
	if ps[0]*ps[1]*ps[2] > maxPlaygroundCells {
		return nil, "", fmt.Errorf("the padded input has %d cells; the player animates at most %d", ps[0]*ps[1]*ps[2], maxPlaygroundCells)
	}
	b, err := json.Marshal(start)
	if err != nil {
		return nil, "", err
	}
	return tr, string(b), nil
}

// parseChannels reads a C×H×W tensor written as matrices separated by
// blank lines.
func parseChannels(text string) ([][][]float64, error) {
	var out [][][]float64
	for i, block := range splitBlocks(text, isBlankLine) {
		m, err := answer.ParseMatrix(block)
		if err != nil {
			return nil, fmt.Errorf("channel %d: %v", i+1, err)
		}
		out = append(out, m.Rows)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("type at least one row of numbers")
	}
	return out, nil
}

// parseFilters reads O×C×kH×kW: filters separated by a line "---", each
// with channels separated by blank lines.
func parseFilters(text string) ([][][][]float64, error) {
	var out [][][][]float64
	for i, block := range splitBlocks(text, func(l string) bool { return strings.Trim(l, " \t\r-") == "" && strings.Contains(l, "---") }) {
		ch, err := parseChannels(block)
		if err != nil {
			return nil, fmt.Errorf("filter %d: %v", i+1, err)
		}
		out = append(out, ch)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("type at least one row of numbers")
	}
	return out, nil
}

func isBlankLine(l string) bool { return strings.TrimSpace(l) == "" }

// splitBlocks splits text at separator lines, dropping empty blocks.
func splitBlocks(text string, sep func(string) bool) []string {
	var blocks []string
	var cur []string
	flush := func() {
		if b := strings.TrimSpace(strings.Join(cur, "\n")); b != "" {
			blocks = append(blocks, b)
		}
		cur = nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if sep(line) {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return blocks
}

// studentError rewords a compute error for a person: the field and the
// message, without the engine's internal prefixes.
func studentError(err error) error {
	var ce *compute.Error
	if errors.As(err, &ce) {
		field := strings.ReplaceAll(ce.Field, "_", " ")
		if field == "" {
			return errors.New(ce.Message)
		}
		return fmt.Errorf("%s: %s", field, ce.Message)
	}
	return err
}

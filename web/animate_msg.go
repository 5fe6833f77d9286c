package web

// Messages of the animation websocket: parsing what the client sends (the
// reader goroutine does this, so the writer only writes) and encoding what
// the server sends. docs/PROTOCOL.md is the reference for both.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
)

// animCtlKind is the type of a client message, once parsed.
type animCtlKind int

const (
	ctlStart animCtlKind = iota + 1
	ctlPause
	ctlPlay
	ctlStep
	ctlBack
	ctlSeek
	ctlSpeed
	ctlRestart
)

// animMessageKinds maps the "type" of a client message to its kind and to the
// other fields it may carry; any other field is reported, not ignored, as
// the HTTP API does with unknown fields.
var animMessageKinds = map[string]struct {
	kind   animCtlKind
	fields []string
}{
	"start": {ctlStart, []string{"op", "input", "kernel", "kernel_size", "bias", "stride", "padding", "dilation",
		"fps", "paused", "ahead_ms", "exercise", "seed", "version", "part", "unlock"}},
	"pause":   {ctlPause, nil},
	"play":    {ctlPlay, nil},
	"step":    {ctlStep, nil},
	"back":    {ctlBack, nil},
	"seek":    {ctlSeek, []string{"index"}},
	"speed":   {ctlSpeed, []string{"fps"}},
	"restart": {ctlRestart, nil},
}

const animMessageTypes = `"start", "pause", "play", "step", "back", "seek", "speed" or "restart"`

// animControl is one parsed client message, handed from the reader to the
// writer. Exactly one of err and kind is meaningful.
type animControl struct {
	kind  animCtlKind
	err   *wsError
	start *animStart // ctlStart
	index int        // ctlSeek
	fps   float64    // ctlSpeed
}

// animStart is a validated start. The writer encodes its meta message when
// it sends it, so that starts waiting in the queue hold only their parsed
// numbers (at most a few tens of KiB), not their encoded meta as well.
type animStart struct {
	anim   *animSpec
	fps    float64
	paused bool
	// ahead is how far ahead of their due time the client takes steps
	// while playing (ahead_ms); 0: each step when it is due.
	ahead time.Duration
}

// wsError is an error message for the client; Field names the field of the
// client's message at fault, in the HTTP API's JSON-path form.
type wsError struct {
	Field   string
	Message string
}

func animErrorControl(field, format string, args ...any) animControl {
	return animControl{err: &wsError{Field: field, Message: fmt.Sprintf(format, args...)}}
}

// toWSError converts a validation error from the HTTP API's helpers.
func toWSError(err error) *wsError {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &wsError{Field: fe.field, Message: fe.msg}
	}
	return &wsError{Message: err.Error()}
}

// animClientMessage is the union of every client message's fields. The tensor
// fields stay raw so the HTTP API's parsers can name the element at fault.
type animClientMessage struct {
	Type       string          `json:"type"`
	Op         string          `json:"op"`
	Input      json.RawMessage `json:"input"`
	Kernel     json.RawMessage `json:"kernel"`
	KernelSize json.RawMessage `json:"kernel_size"`
	Bias       json.RawMessage `json:"bias"`
	Stride     json.RawMessage `json:"stride"`
	Padding    json.RawMessage `json:"padding"`
	Dilation   json.RawMessage `json:"dilation"`
	FPS        *float64        `json:"fps"`
	Paused     *bool           `json:"paused"`
	AheadMS    *int            `json:"ahead_ms"`
	Exercise   *string         `json:"exercise"`
	Seed       *uint64         `json:"seed"`
	// Version pins an authored exercise's version (an assignment item's);
	// absent means the current one.
	Version *string  `json:"version"`
	Part    *string  `json:"part"`
	Unlock  []string `json:"unlock"`
	Index   *int     `json:"index"`
}

// given lists the fields present in m, other than type, in a fixed order.
func (m *animClientMessage) given() []string {
	var g []string
	add := func(ok bool, name string) {
		if ok {
			g = append(g, name)
		}
	}
	add(m.Op != "", "op")
	add(present(m.Input), "input")
	add(present(m.Kernel), "kernel")
	add(present(m.KernelSize), "kernel_size")
	add(present(m.Bias), "bias")
	add(present(m.Stride), "stride")
	add(present(m.Padding), "padding")
	add(present(m.Dilation), "dilation")
	add(m.FPS != nil, "fps")
	add(m.Paused != nil, "paused")
	add(m.AheadMS != nil, "ahead_ms")
	add(m.Exercise != nil, "exercise")
	add(m.Seed != nil, "seed")
	add(m.Version != nil, "version")
	add(m.Part != nil, "part")
	add(m.Unlock != nil, "unlock")
	add(m.Index != nil, "index")
	return g
}

// parseMessage turns one websocket message into a control. It never fails:
// a bad message becomes an error control, which the writer sends back, and
// the connection stays usable.
func (a *animator) parseMessage(kind int, data []byte) animControl {
	if kind != websocket.TextMessage {
		return animErrorControl("body", "send JSON text messages, not binary ones")
	}
	var m animClientMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return animControl{err: toWSError(describeDecodeError(err))}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return animErrorControl("body", "a message must hold exactly one JSON object, but more data follows it")
	}
	if m.Type == "" {
		return animErrorControl("type", "is required: %s", animMessageTypes)
	}
	spec, ok := animMessageKinds[m.Type]
	if !ok {
		return animErrorControl("type", "unknown message type %q; known types are %s", m.Type, animMessageTypes)
	}
	for _, f := range m.given() {
		if !slices.Contains(spec.fields, f) {
			return animErrorControl(f, "a %q message takes no %q field", m.Type, f)
		}
	}
	switch spec.kind {
	case ctlStart:
		start, werr := a.parseStart(&m)
		if werr != nil {
			return animControl{err: werr}
		}
		return animControl{kind: ctlStart, start: start}
	case ctlSeek:
		if m.Index == nil {
			return animErrorControl("index", "is required: the step to show, counting from 0")
		}
		if *m.Index < 0 {
			return animErrorControl("index", "must be at least 0, got %d", *m.Index)
		}
		return animControl{kind: ctlSeek, index: *m.Index}
	case ctlSpeed:
		if m.FPS == nil {
			return animErrorControl("fps", "is required: steps per second, from %v to %v", minAnimFPS, maxAnimFPS)
		}
		if werr := checkAnimFPS(*m.FPS); werr != nil {
			return animControl{err: werr}
		}
		return animControl{kind: ctlSpeed, fps: *m.FPS}
	}
	return animControl{kind: spec.kind}
}

func checkAnimFPS(fps float64) *wsError {
	if fps < minAnimFPS || fps > maxAnimFPS {
		return &wsError{Field: "fps", Message: fmt.Sprintf("must be from %v to %v steps per second, got %v",
			minAnimFPS, maxAnimFPS, compute.FormatNumber(fps))}
	}
	return nil
}

// animSpec is a validated animation with the geometry the meta message
// shows, defaults applied.
type animSpec struct {
	op     string
	label  string
	trace  *compute.Trace
	kernel [][][][]float64 // conv2d only
	bias   []float64       // conv2d only
	// kernelSize, stride, padding and dilation are [height, width].
	kernelSize, stride, padding, dilation [2]int
	// withheld are the steps of a gated exercise replay sent without their
	// terms and value (see gateReplay); nil for every other animation.
	withheld map[int]bool
}

// parseStart validates a start message and prepares the trace and meta.
func (a *animator) parseStart(m *animClientMessage) (*animStart, *wsError) {
	fps := float64(defaultAnimFPS)
	if m.FPS != nil {
		if werr := checkAnimFPS(*m.FPS); werr != nil {
			return nil, werr
		}
		fps = *m.FPS
	}
	var ahead time.Duration
	if m.AheadMS != nil {
		if *m.AheadMS < 0 || *m.AheadMS > maxAnimAheadMS {
			return nil, &wsError{Field: "ahead_ms", Message: fmt.Sprintf(
				"must be from 0 to %d milliseconds, got %d", maxAnimAheadMS, *m.AheadMS)}
		}
		ahead = time.Duration(*m.AheadMS) * time.Millisecond
	}
	var (
		an   *animSpec
		werr *wsError
	)
	if m.Exercise != nil {
		an, werr = a.exerciseAnimation(m)
	} else {
		an, werr = requestAnimation(m)
	}
	if werr != nil {
		return nil, werr
	}
	return &animStart{anim: an, fps: fps, paused: m.Paused != nil && *m.Paused, ahead: ahead}, nil
}

// requestAnimation builds an animation from an inline spec, with exactly
// the compute API's parsing, defaults and validation.
func requestAnimation(m *animClientMessage) (*animSpec, *wsError) {
	for _, f := range []struct {
		given bool
		name  string
	}{{m.Seed != nil, "seed"}, {m.Version != nil, "version"}, {m.Part != nil, "part"}, {m.Unlock != nil, "unlock"}} {
		if f.given {
			return nil, &wsError{Field: f.name, Message: `is only used with "exercise"`}
		}
	}
	switch m.Op {
	case "conv2d":
		if present(m.KernelSize) {
			return nil, &wsError{Field: "kernel_size", Message: `conv2d takes the kernel's values in "kernel"; kernel_size is for pooling`}
		}
		spec, _, err := convSpecFromRequest(conv2dRequest{Input: m.Input, Kernel: m.Kernel, Bias: m.Bias,
			Stride: m.Stride, Padding: m.Padding, Dilation: m.Dilation})
		if err != nil {
			return nil, toWSError(err)
		}
		return newConvAnimation(spec, "")
	case "maxpool2d", "avgpool2d":
		if present(m.Kernel) {
			return nil, &wsError{Field: "kernel", Message: `pooling has no kernel values; give the window size in "kernel_size"`}
		}
		if present(m.Bias) {
			return nil, &wsError{Field: "bias", Message: "pooling has no bias"}
		}
		op := "max"
		if m.Op == "avgpool2d" {
			op = "avg"
		}
		spec, _, err := poolSpecFromRequest(pool2dRequest{Op: op, Input: m.Input, KernelSize: m.KernelSize,
			Stride: m.Stride, Padding: m.Padding, Dilation: m.Dilation})
		if err != nil {
			return nil, toWSError(err)
		}
		return newPoolAnimation(spec, "")
	case "":
		return nil, &wsError{Field: "op", Message: `is required: "conv2d", "maxpool2d" or "avgpool2d" (or give "exercise" to animate an exercise)`}
	}
	return nil, &wsError{Field: "op", Message: fmt.Sprintf(`must be "conv2d", "maxpool2d" or "avgpool2d", got %q`, m.Op)}
}

// exerciseAnimation resolves {"exercise", "seed", "part"} to one of the
// variant's own animations.
func (a *animator) exerciseAnimation(m *animClientMessage) (*animSpec, *wsError) {
	for _, f := range m.given() {
		switch f {
		case "exercise", "seed", "version", "part", "unlock", "fps", "paused", "ahead_ms":
		default:
			return nil, &wsError{Field: f, Message: `give either "exercise" or "op" with its data, not both`}
		}
	}
	var ex *exercises.Exercise
	ok := false
	if a.catalog != nil {
		version := ""
		if m.Version != nil {
			version = *m.Version
		}
		ex, ok = a.catalog.LookupVersion(*m.Exercise, version)
	}
	if !ok {
		return nil, &wsError{Field: "exercise", Message: fmt.Sprintf("unknown exercise %q; see GET /api/v1/exercises for the catalog", *m.Exercise)}
	}
	var seed uint64
	if m.Seed != nil {
		seed = *m.Seed
	}
	if seed > exercises.MaxSeed {
		return nil, &wsError{Field: "seed", Message: fmt.Sprintf("is %d; the largest seed is %d", seed, uint64(exercises.MaxSeed))}
	}
	v, err := ex.Variant(seed)
	if err != nil {
		return nil, &wsError{Field: "seed", Message: err.Error()}
	}
	idx := 0
	if m.Part != nil {
		part, ok := v.Part(*m.Part)
		if !ok {
			ids := make([]string, len(v.Parts))
			for i, p := range v.Parts {
				ids[i] = p.ID
			}
			return nil, &wsError{Field: "part", Message: fmt.Sprintf("unknown part %q; this variant has parts %s",
				*m.Part, strings.Join(ids, ", "))}
		}
		if part.Animation < 0 || part.Animation >= len(v.Animations) {
			var with []string
			for _, p := range v.Parts {
				if p.Animation >= 0 && p.Animation < len(v.Animations) {
					with = append(with, p.ID)
				}
			}
			msg := fmt.Sprintf("part %q has no animation", part.ID)
			if len(with) > 0 {
				msg += "; parts with one: " + strings.Join(with, ", ")
			}
			return nil, &wsError{Field: "part", Message: msg}
		}
		idx = part.Animation
	} else if len(v.Animations) == 0 {
		return nil, &wsError{Field: "exercise", Message: fmt.Sprintf("exercise %q has nothing to animate", ex.ID)}
	}
	if len(m.Unlock) > maxUnlockTokens {
		return nil, &wsError{Field: "unlock", Message: fmt.Sprintf("has %d tokens; the limit is %d", len(m.Unlock), maxUnlockTokens)}
	}
	for i, t := range m.Unlock {
		if len(t) > maxUnlockTokenLen {
			return nil, &wsError{Field: fmt.Sprintf("unlock[%d]", i), Message: fmt.Sprintf("is %d characters; a token has at most %d", len(t), maxUnlockTokenLen)}
		}
	}
	conv, pool, err := animationSpec(v.Animations[idx])
	var (
		an   *animSpec
		werr *wsError
	)
	switch {
	case err != nil:
		return nil, &wsError{Field: "exercise", Message: fmt.Sprintf("exercise %q: %v", ex.ID, err)}
	case conv != nil:
		an, werr = newConvAnimation(*conv, v.Animations[idx].Label)
	default:
		an, werr = newPoolAnimation(*pool, v.Animations[idx].Label)
	}
	if werr != nil {
		return nil, werr
	}
	// The replay is gated like the page's: only what the unlock tokens
	// have earned is sent.
	open := map[string]bool{}
	if a.unlock != nil {
		open = a.unlock.open(ex.ID, seed, m.Unlock)
	}
	gate, err := gateReplay(v, idx, an.trace, open)
	if err != nil {
		return nil, &wsError{Field: "exercise", Message: fmt.Sprintf("exercise %q: %v", ex.ID, err)}
	}
	if len(gate.whole) > 0 {
		return nil, &wsError{Field: "unlock", Message: "this replay shows the answer to " + partLabels(gate.whole) +
			": answer it (or reveal it) first, then start again with the unlock token its check returns"}
	}
	if len(gate.withheld) > 0 {
		an.withheld = make(map[int]bool, len(gate.withheld))
		for i := range gate.withheld {
			an.withheld[i] = true
		}
	}
	return an, nil
}

// animPairOrDefault mirrors compute's reading of the zero Pair as "the default".
func animPairOrDefault(p, def compute.Pair) [2]int {
	if p == (compute.Pair{}) {
		p = def
	}
	return [2]int{p.H, p.W}
}

func newConvAnimation(spec compute.ConvSpec, label string) (*animSpec, *wsError) {
	tr, err := compute.NewConvTrace(spec)
	if err != nil {
		return nil, toWSError(computeError(err, ""))
	}
	k := spec.Kernel
	an := &animSpec{
		op: tr.Op(), label: label, trace: tr, kernel: k, bias: spec.Bias,
		kernelSize: [2]int{len(k[0][0]), len(k[0][0][0])},
		stride:     animPairOrDefault(spec.Stride, compute.Square(1)),
		padding:    animPairOrDefault(spec.Padding, compute.Square(0)),
		dilation:   animPairOrDefault(spec.Dilation, compute.Square(1)),
	}
	if werr := an.checkSize(); werr != nil {
		return nil, werr
	}
	if n := len(k) * len(k[0]) * an.kernelSize[0] * an.kernelSize[1]; n > maxAnimationCells {
		return nil, &wsError{Field: "kernel", Message: fmt.Sprintf(
			"too large to animate; the limit is %d kernel values, and this kernel has %d", maxAnimationCells, n)}
	}
	return an, nil
}

func newPoolAnimation(spec compute.PoolSpec, label string) (*animSpec, *wsError) {
	tr, err := compute.NewPoolTrace(spec)
	if err != nil {
		return nil, toWSError(computeError(err, ""))
	}
	an := &animSpec{
		op: tr.Op(), label: label, trace: tr,
		kernelSize: [2]int{spec.KernelSize.H, spec.KernelSize.W},
		stride:     animPairOrDefault(spec.Stride, spec.KernelSize),
		padding:    animPairOrDefault(spec.Padding, compute.Square(0)),
		dilation:   animPairOrDefault(spec.Dilation, compute.Square(1)),
	}
	if werr := an.checkSize(); werr != nil {
		return nil, werr
	}
	return an, nil
}

// stepTerms is the number of terms in every step: C·kH·kW for conv2d, kH·kW
// for pooling (one channel per step).
func (an *animSpec) stepTerms() int {
	n := an.kernelSize[0] * an.kernelSize[1]
	if an.kernel != nil {
		n *= an.trace.PaddedShape()[0]
	}
	return n
}

// stepUnits and metaUnits are what sending a step or the meta costs in the
// connection's budget beyond a message's base unit (animate_budget.go).
func (an *animSpec) stepUnits() float64 {
	return float64(an.stepTerms()) / animCostTerms
}

func (an *animSpec) metaUnits() float64 {
	s := an.trace.PaddedShape()
	n := s[0] * s[1] * s[2]
	for _, o := range an.kernel {
		for _, ch := range o {
			n += len(ch) * len(ch[0])
		}
	}
	return float64(n) / animCostTerms
}

// checkSize applies the animation bound on the padded input, which the meta
// message carries in full.
func (an *animSpec) checkSize() *wsError {
	s := an.trace.PaddedShape()
	if n := s[0] * s[1] * s[2]; n > maxAnimationCells {
		return &wsError{Field: "input", Message: fmt.Sprintf(
			"too large to animate; the limit is %d cells of padded input, and this one has %d×%d×%d = %d",
			maxAnimationCells, s[0], s[1], s[2], n)}
	}
	return nil
}

// animMetaMessage describes the animation once, before its steps.
type animMetaMessage struct {
	Type        string `json:"type"`
	TotalSteps  int    `json:"total_steps"`
	Op          string `json:"op"`
	Label       string `json:"label,omitempty"`
	InputShape  [3]int `json:"input_shape"`
	PaddedShape [3]int `json:"padded_shape"`
	// PaddedInput is pre-encoded because max pooling's −∞ padding must be
	// null, which encoding/json cannot produce from a float64.
	PaddedInput json.RawMessage `json:"padded_input"`
	Padding     [2]int          `json:"padding"`
	Kernel      [][][][]float64 `json:"kernel,omitempty"`
	Bias        []float64       `json:"bias,omitempty"`
	KernelSize  [2]int          `json:"kernel_size"`
	Stride      [2]int          `json:"stride"`
	Dilation    [2]int          `json:"dilation"`
	OutputShape [3]int          `json:"output_shape"`
	// Output is the whole result, so a player that seeks can show every
	// cell up to the current step; omitted above maxAnimationCells cells.
	Output json.RawMessage `json:"output,omitempty"`
	// Withheld lists the steps sent without terms and value, whose output
	// cells are null in Output: they give away an unanswered part.
	Withheld []int   `json:"withheld,omitempty"`
	FPS      float64 `json:"fps"`
	Paused   bool    `json:"paused"`
}

func (an *animSpec) meta(fps float64, paused bool) animMetaMessage {
	return animMetaMessage{
		Type: "meta", TotalSteps: an.trace.Len(), Op: an.op, Label: an.label,
		InputShape: an.trace.InputShape(), PaddedShape: an.trace.PaddedShape(),
		PaddedInput: appendJSONTensor3(nil, an.trace.PaddedInput()),
		Padding:     an.padding, Kernel: an.kernel, Bias: an.bias,
		KernelSize: an.kernelSize, Stride: an.stride, Dilation: an.dilation,
		OutputShape: an.trace.OutputShape(), Output: an.output(), Withheld: an.withheldList(), FPS: fps, Paused: paused,
	}
}

func (an *animSpec) withheldList() []int {
	if len(an.withheld) == 0 {
		return nil
	}
	out := make([]int, 0, len(an.withheld))
	for i := range an.withheld {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// output is the trace's whole output, pre-encoded like the padded input (a
// non-finite cell becomes null), with every withheld step's cell null too.
// Small outputs only: the player falls back to the values it has been sent.
// Every stream's start computes it, so it is computed directly rather than
// by replaying every step with its terms, which made the start of a stream
// cost as much as a few hundred frames.
func (an *animSpec) output() json.RawMessage {
	shape := an.trace.OutputShape()
	if shape[0]*shape[1]*shape[2] > maxAnimationCells {
		return nil
	}
	out := an.trace.Output()
	for i := range an.withheld {
		st, err := an.trace.Step(i)
		if err != nil {
			continue // not a step of this trace: nothing to hide
		}
		out[st.Out[0]][st.Out[1]][st.Out[2]] = math.NaN() // encoded as null, like a non-finite cell
	}
	return appendJSONTensor3(nil, out)
}

// animErrorMessage reports an invalid message; the connection stays usable.
type animErrorMessage struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// animDoneMessage follows the last step when playing reaches the end.
const animDoneMessage = `{"type":"done"}`

func marshalAnimMessage(v any) ([]byte, error) {
	return json.Marshal(v)
}

// appendJSONFloat appends f as encoding/json would, and null for ±Inf and
// NaN (max pooling's padding, or an overflowing sum), which JSON lacks.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Like encoding/json: 1e-07 becomes 1e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func appendJSONInt(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }

func appendJSONTensor3(b []byte, t [][][]float64) []byte {
	b = append(b, '[')
	for i, m := range t {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, row := range m {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for k, v := range row {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendJSONFloat(b, v)
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendAnimStep encodes a step by hand: it is the one message sent many
// times a second, and this way it costs no allocation beyond the buffer.
func appendAnimStep(b []byte, st *compute.Step) []byte {
	b = append(b, `{"type":"step","index":`...)
	b = appendJSONInt(b, st.Index)
	b = append(b, `,"out":[`...)
	b = appendJSONInt(b, st.Out[0])
	b = append(b, ',')
	b = appendJSONInt(b, st.Out[1])
	b = append(b, ',')
	b = appendJSONInt(b, st.Out[2])
	b = append(b, `],"window":{"row":`...)
	b = appendJSONInt(b, st.Window.Row)
	b = append(b, `,"col":`...)
	b = appendJSONInt(b, st.Window.Col)
	b = append(b, `,"height":`...)
	b = appendJSONInt(b, st.Window.Height)
	b = append(b, `,"width":`...)
	b = appendJSONInt(b, st.Window.Width)
	b = append(b, `},"terms":[`...)
	for i, terms := range st.Terms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j := range terms {
			tm := &terms[j]
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"channel":`...)
			b = appendJSONInt(b, tm.Channel)
			b = append(b, `,"row":`...)
			b = appendJSONInt(b, tm.Row)
			b = append(b, `,"col":`...)
			b = appendJSONInt(b, tm.Col)
			b = append(b, `,"input":`...)
			b = appendJSONFloat(b, tm.Input)
			b = append(b, `,"weight":`...)
			b = appendJSONFloat(b, tm.Weight)
			b = append(b, `,"padding":`...)
			b = strconv.AppendBool(b, tm.IsPadding)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, ']')
	if st.HasBias {
		b = append(b, `,"bias":`...)
		b = appendJSONFloat(b, st.Bias)
	}
	b = append(b, `,"value":`...)
	b = appendJSONFloat(b, st.Value)
	return append(b, '}')
}

// appendWithheldStep encodes a withheld step: where the window is, but
// neither the terms nor the value.
func appendWithheldStep(b []byte, st *compute.Step) []byte {
	b = append(b, `{"type":"step","index":`...)
	b = appendJSONInt(b, st.Index)
	b = append(b, `,"out":[`...)
	b = appendJSONInt(b, st.Out[0])
	b = append(b, ',')
	b = appendJSONInt(b, st.Out[1])
	b = append(b, ',')
	b = appendJSONInt(b, st.Out[2])
	b = append(b, `],"window":{"row":`...)
	b = appendJSONInt(b, st.Window.Row)
	b = append(b, `,"col":`...)
	b = appendJSONInt(b, st.Window.Col)
	b = append(b, `,"height":`...)
	b = appendJSONInt(b, st.Window.Height)
	b = append(b, `,"width":`...)
	b = appendJSONInt(b, st.Window.Width)
	return append(b, `},"withheld":true}`...)
}

// appendAnimState encodes the player state sent after every control.
func appendAnimState(b []byte, p *animPlayer) []byte {
	b = append(b, `{"type":"state","playing":`...)
	b = strconv.AppendBool(b, p.playing)
	b = append(b, `,"index":`...)
	b = appendJSONInt(b, p.index)
	b = append(b, `,"fps":`...)
	b = appendJSONFloat(b, p.fps)
	return append(b, '}')
}

package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/torchrepr"
)

// conv2dRequest is the body of POST /api/v1/compute/conv2d. The union-typed
// fields stay raw until their field names are known, so errors can name them.
type conv2dRequest struct {
	Input    json.RawMessage `json:"input"`
	Kernel   json.RawMessage `json:"kernel"`
	Bias     json.RawMessage `json:"bias"`
	Stride   json.RawMessage `json:"stride"`
	Padding  json.RawMessage `json:"padding"`
	Dilation json.RawMessage `json:"dilation"`
}

// maxAPIResponseBytes is the documented cap on a compute API answer
// (docs/API.md "Bounds"): compute.MaxOutputElements numbers of at most 24
// characters each in JSON, with their separators and brackets. It is a
// property of the bounds, which the tests hold the worst cases to, not a
// check made at run time.
const maxAPIResponseBytes = 2 << 20

// tensorResponse is the answer of conv2d and pool2d.
type tensorResponse struct {
	Output any   `json:"output"`
	Shape  []int `json:"shape"`
}

// ConvSpecFromJSON validates a conv2d request body's fields and builds the
// compute spec. It reports whether the answer should be 2-D (a 2-D input
// with a 2-D kernel). The websocket reuses it so both agree on validation.
func convSpecFromRequest(req conv2dRequest) (compute.ConvSpec, bool, error) {
	var spec compute.ConvSpec
	input, inRank, err := parseImage(req.Input, "input")
	if err != nil {
		return spec, false, err
	}
	kernel, kRank, err := parseKernel(req.Kernel, "kernel")
	if err != nil {
		return spec, false, err
	}
	spec.Input, spec.Kernel = input, kernel
	if present(req.Bias) {
		v, err := decodeAny(req.Bias, "bias")
		if err != nil {
			return spec, false, err
		}
		if spec.Bias, err = toVector(v, "bias"); err != nil {
			return spec, false, err
		}
	}
	if spec.Stride, err = parsePair(req.Stride, "stride", 1); err != nil {
		return spec, false, err
	}
	if spec.Padding, err = parsePair(req.Padding, "padding", 0); err != nil {
		return spec, false, err
	}
	if spec.Dilation, err = parsePair(req.Dilation, "dilation", 1); err != nil {
		return spec, false, err
	}
	if err := spec.Validate(); err != nil {
		return spec, false, computeError(err, "")
	}
	return spec, inRank == 2 && kRank == 2, nil
}

func (s *Server) computeConv2D(w http.ResponseWriter, r *http.Request) {
	serveTensor(w, r, convSpecFromRequest, compute.Conv2D, errOverflow)
}

// serveTensor is the shared shape of the conv2d and pool2d handlers:
// decode, validate into a compute spec, run, and answer the tensor (2-D
// when the request was 2-D). nonFinite answers a result JSON cannot carry.
func serveTensor[Req, Spec any](w http.ResponseWriter, r *http.Request,
	build func(Req) (Spec, bool, error), run func(Spec) ([][][]float64, error), nonFinite error) {
	var req Req
	if err := decodeJSON(r, &req); err != nil {
		writeClientError(w, err)
		return
	}
	spec, flat, err := build(req)
	if err != nil {
		writeClientError(w, err)
		return
	}
	out, err := run(spec)
	if err != nil {
		writeClientError(w, computeError(err, ""))
		return
	}
	if !finite3(out) {
		writeClientError(w, nonFinite)
		return
	}
	writeJSON(w, http.StatusOK, tensorAnswer(out, flat))
}

func tensorAnswer(out [][][]float64, flat bool) tensorResponse {
	if flat && len(out) == 1 {
		return tensorResponse{Output: out[0], Shape: []int{len(out[0]), len(out[0][0])}}
	}
	return tensorResponse{Output: out, Shape: []int{len(out), len(out[0]), len(out[0][0])}}
}

// pool2dRequest is the body of POST /api/v1/compute/pool2d.
type pool2dRequest struct {
	Op         string          `json:"op"`
	Input      json.RawMessage `json:"input"`
	KernelSize json.RawMessage `json:"kernel_size"`
	Stride     json.RawMessage `json:"stride"`
	Padding    json.RawMessage `json:"padding"`
	Dilation   json.RawMessage `json:"dilation"`
}

func poolSpecFromRequest(req pool2dRequest) (compute.PoolSpec, bool, error) {
	var spec compute.PoolSpec
	switch strings.ToLower(req.Op) {
	case "max":
		spec.Op = compute.MaxPool
	case "avg", "average", "mean":
		spec.Op = compute.AvgPool
	case "":
		return spec, false, badRequest("op", `is required: "max" or "avg"`)
	default:
		return spec, false, badRequest("op", `must be "max" or "avg", got %q`, req.Op)
	}
	input, inRank, err := parseImage(req.Input, "input")
	if err != nil {
		return spec, false, err
	}
	spec.Input = input
	if !present(req.KernelSize) {
		return spec, false, badRequest("kernel_size", "is required: one whole number or [height, width]")
	}
	if spec.KernelSize, err = parsePair(req.KernelSize, "kernel_size", 1); err != nil {
		return spec, false, err
	}
	if spec.Stride, err = parsePair(req.Stride, "stride", 1); err != nil {
		return spec, false, err
	}
	if spec.Padding, err = parsePair(req.Padding, "padding", 0); err != nil {
		return spec, false, err
	}
	if spec.Dilation, err = parsePair(req.Dilation, "dilation", 1); err != nil {
		return spec, false, err
	}
	if spec.Op == compute.AvgPool && present(req.Dilation) && (spec.Dilation != compute.Pair{H: 1, W: 1}) {
		return spec, false, badRequest("dilation", "average pooling has no dilation (PyTorch's AvgPool2d takes none)")
	}
	if err := spec.Validate(); err != nil {
		return spec, false, computeError(err, "")
	}
	return spec, inRank == 2, nil
}

func (s *Server) computePool2D(w http.ResponseWriter, r *http.Request) {
	// Only a dilated max-pool window lying wholly in the padding yields a
	// non-finite value; PyTorch answers −∞ there, which JSON cannot carry.
	serveTensor(w, r, poolSpecFromRequest, compute.Pool2D, badRequest("padding",
		"with this padding and dilation some windows lie entirely in the padding, "+
			"where max pooling gives −∞ (as PyTorch does); JSON cannot carry −∞, so use less padding or dilation"))
}

// networkRequest is the body of POST /api/v1/compute/network.
type networkRequest struct {
	InputShape []json.RawMessage `json:"input_shape"`
	// Layers stay raw until each is decoded on its own, so an error inside
	// one names its index ("layers[3].kernel_size").
	Layers []json.RawMessage `json:"layers"`
	// Pytorch is the text print(model) writes, the alternative to Layers
	// (exactly one of the two is given); internal/torchrepr reads it.
	Pytorch *string `json:"pytorch"`
}

// networkLayer mirrors a PyTorch layer's constructor arguments. Arguments
// PyTorch infers (in_channels, in_features, num_features) may be given; they
// are checked against what the previous layer produces.
type networkLayer struct {
	Type        string          `json:"type"`
	OutChannels *wholeNum       `json:"out_channels"`
	InChannels  *wholeNum       `json:"in_channels"`
	KernelSize  json.RawMessage `json:"kernel_size"`
	Stride      json.RawMessage `json:"stride"`
	Padding     json.RawMessage `json:"padding"`
	Dilation    json.RawMessage `json:"dilation"`
	OutFeatures *wholeNum       `json:"out_features"`
	InFeatures  *wholeNum       `json:"in_features"`
	NumFeatures *wholeNum       `json:"num_features"`
	Bias        *bool           `json:"bias"`
	P           *float64        `json:"p"`
	Dim         *wholeNum       `json:"dim"`
	Inplace     *bool           `json:"inplace"`
	// The arguments of the layers added for pasted PyTorch models; they
	// mean what they mean in PyTorch (see compute.Layer).
	Groups          *wholeNum       `json:"groups"`
	CeilMode        *bool           `json:"ceil_mode"`
	CountIncludePad *bool           `json:"count_include_pad"`
	OutputSize      json.RawMessage `json:"output_size"`
	StartDim        *wholeNum       `json:"start_dim"`
	EndDim          *wholeNum       `json:"end_dim"`
	NegativeSlope   *float64        `json:"negative_slope"`
	Approximate     *string         `json:"approximate"`
}

type networkLayerResult struct {
	Type        string `json:"type"`
	OutputShape []int  `json:"output_shape"`
	Params      int64  `json:"params"`
	// Name and Line say where a layer of a pasted model (pytorch) was
	// printed: its path of child keys ("features.3") and its line.
	Name string `json:"name,omitempty"`
	Line int    `json:"line,omitempty"`
}

type networkResponse struct {
	Layers      []networkLayerResult `json:"layers"`
	TotalParams int64                `json:"total_params"`
}

// layerArgs lists which optional arguments each layer type takes, so that a
// misplaced argument ("out_channels" on a ReLU) is reported, not ignored.
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
	"BatchNorm2d":       {"num_features"},
}

func (l networkLayer) given() []string {
	var g []string
	add := func(ok bool, name string) {
		if ok {
			g = append(g, name)
		}
	}
	add(l.OutChannels != nil, "out_channels")
	add(l.InChannels != nil, "in_channels")
	add(present(l.KernelSize), "kernel_size")
	add(present(l.Stride), "stride")
	add(present(l.Padding), "padding")
	add(present(l.Dilation), "dilation")
	add(l.OutFeatures != nil, "out_features")
	add(l.InFeatures != nil, "in_features")
	add(l.NumFeatures != nil, "num_features")
	add(l.Bias != nil, "bias")
	add(l.P != nil, "p")
	add(l.Dim != nil, "dim")
	add(l.Inplace != nil, "inplace")
	add(l.Groups != nil, "groups")
	add(l.CeilMode != nil, "ceil_mode")
	add(l.CountIncludePad != nil, "count_include_pad")
	add(present(l.OutputSize), "output_size")
	add(l.StartDim != nil, "start_dim")
	add(l.EndDim != nil, "end_dim")
	add(l.NegativeSlope != nil, "negative_slope")
	add(l.Approximate != nil, "approximate")
	return g
}

func (s *Server) computeNetwork(w http.ResponseWriter, r *http.Request) {
	var req networkRequest
	if err := decodeJSON(r, &req); err != nil {
		writeClientError(w, err)
		return
	}
	res, err := runNetwork(req)
	if err != nil {
		writeClientError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func runNetwork(req networkRequest) (networkResponse, error) {
	if len(req.InputShape) == 0 {
		return networkResponse{}, badRequest("input_shape", "is required: [C, H, W] or [N] (no batch dimension)")
	}
	if len(req.InputShape) > 3 {
		return networkResponse{}, badRequest("input_shape", "must be [C, H, W] or [N] (no batch dimension), got %d dimensions", len(req.InputShape))
	}
	inputShape := make([]int, len(req.InputShape))
	for i, raw := range req.InputShape {
		var n wholeNum
		if err := decodeStrict(raw, &n, fmt.Sprintf("input_shape[%d]", i)); err != nil {
			return networkResponse{}, err
		}
		if n < 1 || n > compute.MaxDimension {
			return networkResponse{}, &fieldError{status: http.StatusBadRequest, field: fmt.Sprintf("input_shape[%d]", i), limit: compute.MaxDimension,
				msg: fmt.Sprintf("must be from 1 to %d, got %d", compute.MaxDimension, n)}
		}
		inputShape[i] = int(n)
	}
	switch {
	case req.Pytorch != nil && req.Layers != nil:
		return networkResponse{}, badRequest("pytorch", "give either layers or pytorch (the text print(model) writes), not both")
	case req.Pytorch != nil:
		return runPytorchNetwork(inputShape, *req.Pytorch)
	case req.Layers == nil:
		return networkResponse{}, badRequest("layers", "is required: a list of layers, or give pytorch, the text print(model) writes, instead")
	}
	if len(req.Layers) > compute.MaxLayers {
		return networkResponse{}, &fieldError{status: 400, field: "layers", limit: compute.MaxLayers,
			msg: fmt.Sprintf("has %d layers; the limit is %d", len(req.Layers), compute.MaxLayers)}
	}
	decoded := make([]networkLayer, len(req.Layers))
	for i, raw := range req.Layers {
		if err := decodeStrict(raw, &decoded[i], fmt.Sprintf("layers[%d]", i)); err != nil {
			return networkResponse{}, err
		}
	}
	layers := make([]compute.Layer, len(decoded))
	for i, l := range decoded {
		field := fmt.Sprintf("layers[%d]", i)
		allowed, known := layerArgs[l.Type]
		if !known {
			return networkResponse{}, badRequest(field+".type", "unknown layer type %q; known types: %s", l.Type, knownLayerTypes())
		}
		for _, arg := range l.given() {
			if !contains(allowed, arg) {
				return networkResponse{}, badRequest(field+"."+arg, "%s takes no %s argument", l.Type, arg)
			}
		}
		cl := compute.Layer{Type: l.Type, Bias: l.Bias}
		var err error
		if cl.KernelSize, err = parsePair(l.KernelSize, field+".kernel_size", 1); err != nil {
			return networkResponse{}, err
		}
		if cl.Stride, err = parsePair(l.Stride, field+".stride", 1); err != nil {
			return networkResponse{}, err
		}
		if mode, ok := paddingString(l.Padding); ok && l.Type == "Conv2d" {
			cl.PaddingMode = mode // "same" or "valid"; the engine names others
		} else if cl.Padding, err = parsePair(l.Padding, field+".padding", 0); err != nil {
			return networkResponse{}, err
		}
		if cl.Dilation, err = parsePair(l.Dilation, field+".dilation", 1); err != nil {
			return networkResponse{}, err
		}
		if l.OutChannels != nil {
			if cl.OutChannels, err = l.OutChannels.within(field+".out_channels", 1, compute.MaxDimension); err != nil {
				return networkResponse{}, err
			}
		}
		if l.OutFeatures != nil {
			if cl.OutFeatures, err = l.OutFeatures.within(field+".out_features", 1, compute.MaxDimension); err != nil {
				return networkResponse{}, err
			}
		}
		if l.P != nil && (*l.P < 0 || *l.P > 1) {
			return networkResponse{}, badRequest(field+".p", "is a probability and must be between 0 and 1")
		}
		if err := newLayerArgs(l, field, &cl); err != nil {
			return networkResponse{}, err
		}
		layers[i] = cl
	}
	res, err := compute.PropagateNetwork(inputShape, layers)
	if err != nil {
		return networkResponse{}, computeError(err, "")
	}
	// Check the arguments PyTorch would infer against what was inferred.
	prev := inputShape
	for i, l := range decoded {
		field := fmt.Sprintf("layers[%d]", i)
		check := func(given *wholeNum, name string, want int) error {
			if given != nil && int(*given) != want {
				return badRequest(field+"."+name, "is %d, but the previous layer gives %d (Stride infers it; you may leave it out)", *given, want)
			}
			return nil
		}
		var err error
		switch l.Type {
		case "Conv2d":
			err = check(l.InChannels, "in_channels", prev[0])
		case "BatchNorm2d":
			err = check(l.NumFeatures, "num_features", prev[0])
		case "Linear":
			err = check(l.InFeatures, "in_features", prev[len(prev)-1])
		case "Softmax":
			if l.Dim != nil && (int(*l.Dim) < -len(prev) || int(*l.Dim) >= len(prev)) {
				err = badRequest(field+".dim", "is %d, but the input has only %d dimensions", *l.Dim, len(prev))
			}
		}
		if err != nil {
			return networkResponse{}, err
		}
		prev = res.Layers[i].OutputShape
	}
	out := networkResponse{Layers: make([]networkLayerResult, len(res.Layers)), TotalParams: res.TotalParams}
	for i, l := range res.Layers {
		out.Layers[i] = networkLayerResult{Type: l.Type, OutputShape: l.OutputShape, Params: l.Params}
	}
	return out, nil
}

// newLayerArgs reads the arguments of the layers and options added for
// pasted PyTorch models into cl.
func newLayerArgs(l networkLayer, field string, cl *compute.Layer) error {
	var err error
	if l.Groups != nil {
		if cl.Groups, err = l.Groups.within(field+".groups", 1, compute.MaxDimension); err != nil {
			return err
		}
	}
	if l.CeilMode != nil {
		cl.CeilMode = *l.CeilMode
	}
	for _, d := range []struct {
		name string
		v    *wholeNum
		dst  **int
	}{{"start_dim", l.StartDim, &cl.StartDim}, {"end_dim", l.EndDim, &cl.EndDim}} {
		if d.v != nil {
			n, err := d.v.within(field+"."+d.name, -compute.MaxDimension, compute.MaxDimension)
			if err != nil {
				return err
			}
			*d.dst = &n
		}
	}
	if l.Approximate != nil && *l.Approximate != "none" && *l.Approximate != "tanh" {
		return badRequest(field+".approximate", "must be \"none\" or \"tanh\", as in PyTorch")
	}
	if strings.HasPrefix(l.Type, "Adaptive") {
		if !present(l.OutputSize) {
			return badRequest(field+".output_size", "is required: one number or [height, width], where null keeps that axis")
		}
		cl.OutputSize, err = parseOutputSize(l.OutputSize, field+".output_size")
	}
	return err
}

// paddingString reports whether raw is a JSON string ("same", "valid").
func paddingString(raw json.RawMessage) (string, bool) {
	var s string
	if !present(raw) || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// parseOutputSize reads an adaptive pool's output_size: one number or
// [height, width], where null (PyTorch's None) keeps the input's size.
func parseOutputSize(raw json.RawMessage, field string) (compute.Pair, error) {
	var a []json.RawMessage
	if json.Unmarshal(raw, &a) != nil {
		return parsePair(raw, field, 1)
	}
	if len(a) != 2 {
		return compute.Pair{}, badRequest(field, "must be one number or [height, width], got an array of %d", len(a))
	}
	var hw [2]int
	for i, e := range a {
		if !present(e) {
			continue
		}
		if t := bytes.TrimSpace(e); len(t) > 0 && t[0] == '[' {
			return compute.Pair{}, badRequest(fmt.Sprintf("%s[%d]", field, i), "expected a whole number or null, got an array")
		}
		p, err := parsePair(e, fmt.Sprintf("%s[%d]", field, i), 1)
		if err != nil {
			return compute.Pair{}, err
		}
		hw[i] = p.H
	}
	return compute.Pair{H: hw[0], W: hw[1]}, nil
}

// runPytorchNetwork answers a network request that gives the model as the
// text print(model) writes. Every error names the field "pytorch"; the
// message starts with the line and the layer.
func runPytorchNetwork(inputShape []int, text string) (networkResponse, error) {
	m, err := torchrepr.Parse(text)
	if err == nil {
		var res compute.NetworkResult
		if res, err = torchrepr.Propagate(inputShape, m); err == nil {
			out := networkResponse{Layers: make([]networkLayerResult, len(res.Layers)), TotalParams: res.TotalParams}
			for i, l := range res.Layers {
				src := m.Sources[i]
				out.Layers[i] = networkLayerResult{Type: l.Type, OutputShape: l.OutputShape, Params: l.Params, Name: src.Path, Line: src.Line}
			}
			return out, nil
		}
	}
	var te *torchrepr.Error
	if errors.As(err, &te) {
		fe := badRequest("pytorch", "%s", te.Error())
		fe.limit = te.Limit
		return networkResponse{}, fe
	}
	// The engine's own errors about the input shape.
	return networkResponse{}, computeError(err, "")
}

func knownLayerTypes() string {
	return "Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Flatten, Linear, ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, Dropout, Dropout2d, BatchNorm2d"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// attentionRequest is the body of POST /api/v1/compute/attention.
type attentionRequest struct {
	DModel   *wholeNum `json:"d_model"`
	NumHeads *wholeNum `json:"num_heads"`
	DK       *wholeNum `json:"d_k"`
	Bias     *bool     `json:"bias"`
	OutProj  *bool     `json:"out_proj"`
}

type attentionResponse struct {
	WeightShape     [2]int `json:"weight_shape"`
	PerMatrixParams int64  `json:"per_matrix_params"`
	PerHeadParams   int64  `json:"per_head_params"`
	TotalParams     int64  `json:"total_params"`
}

func (s *Server) computeAttention(w http.ResponseWriter, r *http.Request) {
	var req attentionRequest
	if err := decodeJSON(r, &req); err != nil {
		writeClientError(w, err)
		return
	}
	if req.DModel == nil {
		writeClientError(w, badRequest("d_model", "is required: the size of each input vector"))
		return
	}
	if req.NumHeads == nil {
		writeClientError(w, badRequest("num_heads", "is required: the number of attention heads"))
		return
	}
	spec := compute.AttentionSpec{Bias: true}
	var err error
	if spec.DModel, err = req.DModel.within("d_model", 1, compute.MaxDimension); err == nil {
		spec.NumHeads, err = req.NumHeads.within("num_heads", 1, compute.MaxDimension)
	}
	if err == nil && req.DK != nil {
		spec.DK, err = req.DK.within("d_k", 1, compute.MaxDimension)
	}
	if err != nil {
		writeClientError(w, err)
		return
	}
	if req.Bias != nil {
		spec.Bias = *req.Bias
	}
	if req.OutProj != nil {
		spec.OutProj = *req.OutProj
	}
	res, err := compute.Attention(spec)
	if err != nil {
		writeClientError(w, computeError(err, ""))
		return
	}
	writeJSON(w, http.StatusOK, attentionResponse{
		WeightShape: res.WeightShape, PerMatrixParams: res.PerMatrixParams,
		PerHeadParams: res.PerHeadParams, TotalParams: res.TotalParams,
	})
}

// rnnRequest is the body of POST /api/v1/compute/rnn.
type rnnRequest struct {
	InputSize        *wholeNum       `json:"input_size"`
	HiddenSize       *wholeNum       `json:"hidden_size"`
	OutputSize       *wholeNum       `json:"output_size"`
	Bias             *bool           `json:"bias"`
	HiddenActivation string          `json:"hidden_activation"`
	OutputActivation string          `json:"output_activation"`
	Weights          json.RawMessage `json:"weights"`
	H0               json.RawMessage `json:"h0"`
	X                json.RawMessage `json:"x"`
}

type rnnWeights struct {
	WHx json.RawMessage `json:"W_hx"`
	WHh json.RawMessage `json:"W_hh"`
	WYh json.RawMessage `json:"W_yh"`
	BH  json.RawMessage `json:"b_h"`
	BY  json.RawMessage `json:"b_y"`
}

type rnnStepJSON struct {
	Z    []float64 `json:"z"`
	H    []float64 `json:"h"`
	O    []float64 `json:"o"`
	YHat []float64 `json:"y_hat"`
}

type rnnResponse struct {
	Shapes      map[string][2]int `json:"shapes"`
	TotalParams int64             `json:"total_params"`
	Steps       []rnnStepJSON     `json:"steps,omitempty"`
}

func (s *Server) computeRNN(w http.ResponseWriter, r *http.Request) {
	var req rnnRequest
	if err := decodeJSON(r, &req); err != nil {
		writeClientError(w, err)
		return
	}
	spec, err := rnnSpecFromRequest(req)
	if err != nil {
		writeClientError(w, err)
		return
	}
	res, err := compute.RNN(spec)
	if err != nil {
		writeClientError(w, computeError(err, ""))
		return
	}
	out := rnnResponse{
		Shapes: map[string][2]int{
			"W_hx": res.Shapes.WHx, "W_hh": res.Shapes.WHh, "W_yh": res.Shapes.WYh,
		},
		TotalParams: res.TotalParams,
	}
	for _, st := range res.Steps {
		if !finite(st.Z...) || !finite(st.H...) || !finite(st.O...) || !finite(st.YHat...) {
			writeClientError(w, badRequest("weights", "the forward pass overflows a 64-bit float; use smaller values"))
			return
		}
		out.Steps = append(out.Steps, rnnStepJSON{Z: st.Z, H: st.H, O: st.O, YHat: st.YHat})
	}
	writeJSON(w, http.StatusOK, out)
}

func rnnSpecFromRequest(req rnnRequest) (compute.RNNSpec, error) {
	var spec compute.RNNSpec
	for _, f := range []struct {
		v    *wholeNum
		name string
		dst  *int
	}{{req.InputSize, "input_size", &spec.InputSize}, {req.HiddenSize, "hidden_size", &spec.HiddenSize}, {req.OutputSize, "output_size", &spec.OutputSize}} {
		if f.v == nil {
			return spec, badRequest(f.name, "is required: a whole number of at least 1")
		}
		n, err := f.v.within(f.name, 1, compute.MaxRNNSize)
		if err != nil {
			return spec, err
		}
		*f.dst = n
	}
	if req.Bias != nil {
		spec.Bias = *req.Bias
	}
	spec.HiddenActivation, spec.OutputActivation = req.HiddenActivation, req.OutputActivation
	matrix := func(raw json.RawMessage, field string) ([][]float64, error) {
		if !present(raw) {
			return nil, nil
		}
		v, err := decodeAny(raw, field)
		if err != nil {
			return nil, err
		}
		return toMatrix(v, field)
	}
	vector := func(raw json.RawMessage, field string) ([]float64, error) {
		if !present(raw) {
			return nil, nil
		}
		v, err := decodeAny(raw, field)
		if err != nil {
			return nil, err
		}
		return toVector(v, field)
	}
	var err error
	if present(req.Weights) {
		var weights rnnWeights
		if err := decodeStrict(req.Weights, &weights, "weights"); err != nil {
			return spec, err
		}
		if spec.WHx, err = matrix(weights.WHx, "weights.W_hx"); err != nil {
			return spec, err
		}
		if spec.WHh, err = matrix(weights.WHh, "weights.W_hh"); err != nil {
			return spec, err
		}
		if spec.WYh, err = matrix(weights.WYh, "weights.W_yh"); err != nil {
			return spec, err
		}
		if spec.BH, err = vector(weights.BH, "weights.b_h"); err != nil {
			return spec, err
		}
		if spec.BY, err = vector(weights.BY, "weights.b_y"); err != nil {
			return spec, err
		}
		if (spec.BH != nil || spec.BY != nil) && !spec.Bias {
			return spec, badRequest("bias", `is false, but weights.b_h or weights.b_y was given; set "bias": true to use them`)
		}
	}
	if spec.H0, err = vector(req.H0, "h0"); err != nil {
		return spec, err
	}
	if present(req.X) {
		v, err := decodeAny(req.X, "x")
		if err != nil {
			return spec, err
		}
		if a, ok := v.([]any); ok && len(a) > compute.MaxRNNSteps {
			return spec, &fieldError{status: 400, field: "x", limit: compute.MaxRNNSteps,
				msg: fmt.Sprintf("has %d time steps; the limit is %d", len(a), compute.MaxRNNSteps)}
		}
		if spec.X, err = toMatrix(v, "x"); err != nil {
			return spec, err
		}
	}
	return spec, nil
}

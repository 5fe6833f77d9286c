package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/stride-tutor/stride/internal/mathml"
	"github.com/stride-tutor/stride/templates"
)

// endpointExample is one documented call of a compute endpoint. The tests
// send every example to the real handler and require the documented response,
// so the API page cannot drift from the API.
type endpointExample struct {
	// summary may hold inline math ($…$).
	id, title, path, summary string
	request, response        string
}

var computeExamples = []endpointExample{
	{
		id: "conv2d", title: "Convolution (conv2d)", path: "/api/v1/compute/conv2d",
		summary: "Cross-correlation as deep-learning frameworks define it: input H×W or C×H×W, kernel kH×kW or O×C×kH×kW, " +
			"optional bias per output channel, stride, zero padding and dilation (one number or [height, width]).",
		request:  `{"input": [[1, 3, -2, 4], [0, 8, 6, 5], [2, 1, -9, 0], [4, -1, 3, 7]], "kernel": [[1, 2], [-2, -1]]}`,
		response: `{"output": [[-1, -23, -11], [11, 27, 34], [-3, -18, -22]], "shape": [3, 3]}`,
	},
	{
		id: "pool2d", title: "Pooling (pool2d)", path: "/api/v1/compute/pool2d",
		summary: "Max or average pooling with PyTorch's defaults: the stride is the kernel size unless given; " +
			"max pooling pads with −∞, average pooling with zeros that count in the mean.",
		request:  `{"op": "max", "input": [[1, 3, -2, 4], [0, 8, 6, 5], [2, 1, -9, 0], [4, -1, 3, 7]], "kernel_size": 2}`,
		response: `{"output": [[8, 6], [4, 7]], "shape": [2, 2]}`,
	},
	{
		id: "network", title: "Network shapes and parameters", path: "/api/v1/compute/network",
		summary: "Propagates a shape through PyTorch-style layers (Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, " +
			"AdaptiveMaxPool2d, Flatten, Linear, ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, Dropout, Dropout2d, BatchNorm2d) " +
			"and counts each layer's parameters.",
		request: `{"input_shape": [3, 128, 128], "layers": [` +
			`{"type": "MaxPool2d", "kernel_size": 2, "stride": 2}, {"type": "Conv2d", "out_channels": 12, "kernel_size": 17}, ` +
			`{"type": "MaxPool2d", "kernel_size": 3, "stride": 3}, {"type": "Flatten"}, {"type": "Linear", "out_features": 128}, ` +
			`{"type": "ReLU"}, {"type": "Linear", "out_features": 10}, {"type": "Softmax"}]}`,
		response: `{"layers": [` +
			`{"type": "MaxPool2d", "output_shape": [3, 64, 64], "params": 0}, {"type": "Conv2d", "output_shape": [12, 48, 48], "params": 10416}, ` +
			`{"type": "MaxPool2d", "output_shape": [12, 16, 16], "params": 0}, {"type": "Flatten", "output_shape": [3072], "params": 0}, ` +
			`{"type": "Linear", "output_shape": [128], "params": 393344}, {"type": "ReLU", "output_shape": [128], "params": 0}, ` +
			`{"type": "Linear", "output_shape": [10], "params": 1290}, {"type": "Softmax", "output_shape": [10], "params": 0}], ` +
			`"total_params": 405050}`,
	},
	{
		id: "network-pytorch", title: "Network from print(model)", path: "/api/v1/compute/network",
		summary: "The same answer for a model given as the text PyTorch prints for it (`pytorch` instead of `layers`): " +
			"nested Sequentials and named children are flattened in execution order, and each layer carries its `name` and `line`.",
		request: `{"input_shape": [3, 128, 128], "pytorch": "Sequential(\n  (0): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n` +
			`  (1): Conv2d(3, 12, kernel_size=(17, 17), stride=(1, 1))\n  (2): MaxPool2d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)\n` +
			`  (3): Flatten(start_dim=1, end_dim=-1)\n  (4): Linear(in_features=3072, out_features=128, bias=True)\n  (5): ReLU()\n` +
			`  (6): Linear(in_features=128, out_features=10, bias=True)\n  (7): Softmax(dim=1)\n)"}`,
		response: `{"layers": [` +
			`{"type": "MaxPool2d", "output_shape": [3, 64, 64], "params": 0, "name": "0", "line": 2}, {"type": "Conv2d", "output_shape": [12, 48, 48], "params": 10416, "name": "1", "line": 3}, ` +
			`{"type": "MaxPool2d", "output_shape": [12, 16, 16], "params": 0, "name": "2", "line": 4}, {"type": "Flatten", "output_shape": [3072], "params": 0, "name": "3", "line": 5}, ` +
			`{"type": "Linear", "output_shape": [128], "params": 393344, "name": "4", "line": 6}, {"type": "ReLU", "output_shape": [128], "params": 0, "name": "5", "line": 7}, ` +
			`{"type": "Linear", "output_shape": [10], "params": 1290, "name": "6", "line": 8}, {"type": "Softmax", "output_shape": [10], "params": 0, "name": "7", "line": 9}], ` +
			`"total_params": 405050}`,
	},
	{
		id: "attention", title: "Multi-head attention parameters", path: "/api/v1/compute/attention",
		summary: "Shapes and parameter counts of $W_q$, $W_k$ and $W_v$ per head, per head and for the whole block; " +
			"with `out_proj` the total matches PyTorch's `nn.MultiheadAttention`.",
		request:  `{"d_model": 512, "num_heads": 8}`,
		response: `{"weight_shape": [512, 64], "per_matrix_params": 32832, "per_head_params": 98496, "total_params": 787968}`,
	},
	{
		id: "rnn", title: "Elman RNN shapes and forward pass", path: "/api/v1/compute/rnn",
		summary: "Weight shapes and parameter count of $z_t = W_{hh} h_{t-1} + W_{hx} x_t$, $h_t = \\psi(z_t)$, $o_t = W_{yh} h_t$, $\\hat{y}_t = \\sigma(o_t)$; " +
			"with weights and a sequence x it also runs the forward pass step by step.",
		request: `{"input_size": 2, "hidden_size": 2, "output_size": 1, "hidden_activation": "relu", "output_activation": "identity", ` +
			`"weights": {"W_hx": [[1, 0], [0, 1]], "W_hh": [[1, 1], [0, 1]], "W_yh": [[1, -1]]}, "x": [[1, 2], [3, -1]]}`,
		response: `{"shapes": {"W_hx": [2, 2], "W_hh": [2, 2], "W_yh": [1, 2]}, "total_params": 10, "steps": [` +
			`{"z": [1, 2], "h": [1, 2], "o": [-1], "y_hat": [-1]}, {"z": [6, 1], "h": [6, 1], "o": [5], "y_hat": [5]}]}`,
	},
}

// endpointDocs renders the examples for the home and API pages, with curl
// commands that point at the address and base path the reader reached this
// server by.
func (s *Server) endpointDocs(r *http.Request) []templates.EndpointDoc {
	docs := make([]templates.EndpointDoc, 0, len(computeExamples))
	for _, e := range computeExamples {
		docs = append(docs, templates.EndpointDoc{
			ID: e.id, Method: "POST", Path: e.path, Title: e.title, Summary: mathml.MustRender(e.summary),
			Curl: "curl -s " + absoluteURL(r, s.base+e.path) + " \\\n" +
				"  -H 'Content-Type: application/json' \\\n" +
				"  -d '" + e.request + "'",
			Response: prettyJSON(e.response),
		})
	}
	return docs
}

// prettyJSON indents a JSON document for reading: an array of numbers or
// strings stays on one line (so a matrix prints one row per line), and so
// does a small object of such values (one network layer per line).
func prettyJSON(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := readJSONValue(dec)
	if err != nil {
		return s
	}
	var b strings.Builder
	writeJSONValue(&b, v, "")
	return b.String()
}

// jsonValue keeps an object's keys in their written order.
type jsonValue struct {
	scalar string // encoded scalar, when not a container
	array  []jsonValue
	keys   []string
	values []jsonValue
	object bool
	isArr  bool
}

func readJSONValue(dec *json.Decoder) (jsonValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return jsonValue{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			v := jsonValue{isArr: true}
			for dec.More() {
				e, err := readJSONValue(dec)
				if err != nil {
					return v, err
				}
				v.array = append(v.array, e)
			}
			_, err := dec.Token()
			return v, err
		case '{':
			v := jsonValue{object: true}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return v, err
				}
				e, err := readJSONValue(dec)
				if err != nil {
					return v, err
				}
				v.keys = append(v.keys, k.(string))
				v.values = append(v.values, e)
			}
			_, err := dec.Token()
			return v, err
		}
		return jsonValue{}, fmt.Errorf("unexpected %v", t)
	default:
		b, err := json.Marshal(t)
		return jsonValue{scalar: string(b)}, err
	}
}

// inline is the one-line form of v, or "" when v should span lines.
func (v jsonValue) inline() string {
	switch {
	case v.isArr:
		parts := make([]string, len(v.array))
		for i, e := range v.array {
			if e.isArr || e.object {
				return ""
			}
			parts[i] = e.scalar
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case v.object:
		parts := make([]string, len(v.keys))
		for i, k := range v.keys {
			in := v.values[i].inline()
			if in == "" || v.values[i].object {
				return ""
			}
			kb, _ := json.Marshal(k)
			parts[i] = string(kb) + ": " + in
		}
		out := "{" + strings.Join(parts, ", ") + "}"
		if len(out) > 72 {
			return ""
		}
		return out
	default:
		return v.scalar
	}
}

func writeJSONValue(b *strings.Builder, v jsonValue, indent string) {
	if in := v.inline(); in != "" {
		b.WriteString(in)
		return
	}
	inner := indent + "  "
	if v.isArr {
		b.WriteString("[\n")
		for i, e := range v.array {
			b.WriteString(inner)
			writeJSONValue(b, e, inner)
			if i < len(v.array)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
		return
	}
	b.WriteString("{\n")
	for i, k := range v.keys {
		kb, _ := json.Marshal(k)
		b.WriteString(inner + string(kb) + ": ")
		writeJSONValue(b, v.values[i], inner)
		if i < len(v.keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(indent + "}")
}

package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
)

func TestComputeExamplesMatchDocumentedResponses(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, ex := range computeExamples {
		t.Run(ex.id, func(t *testing.T) {
			rec := do(t, h, http.MethodPost, ex.path, ex.request)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if !jsonEqual(t, rec.Body.String(), ex.response) {
				t.Errorf("got  %s\nwant %s", rec.Body, ex.response)
			}
		})
	}
}

func TestDocsShowEveryExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range computeExamples {
		if !strings.Contains(string(doc), ex.request) {
			t.Errorf("docs/API.md lacks the %s example request %s", ex.id, ex.request)
		}
		if !strings.Contains(string(doc), ex.path) {
			t.Errorf("docs/API.md does not mention %s", ex.path)
		}
	}
}

func TestComputeResults(t *testing.T) {
	h := newTestHandler(t, Config{})
	image := `[[1, 3, -2, 4], [0, 8, 6, 5], [2, 1, -9, 0], [4, -1, 3, 7]]`
	tests := []struct {
		name, path, body, want string
	}{
		{"recitation padded", "/api/v1/compute/conv2d",
			`{"input": ` + image + `, "kernel": [[1, 2], [-2, -1]], "padding": 1}`,
			`{"output": [[-1,-5,-4,0,-8],[2,-1,-23,-11,-6],[-2,11,27,34,5],[0,-3,-18,-22,-14],[8,2,5,17,7]], "shape": [5, 5]}`},
		{"stride 2", "/api/v1/compute/conv2d",
			`{"input": ` + image + `, "kernel": [[1, 2], [-2, -1]], "stride": 2}`,
			`{"output": [[-1,-11],[-3,-22]], "shape": [2, 2]}`},
		{"dilation 2", "/api/v1/compute/conv2d",
			`{"input": ` + image + `, "kernel": [[1, 2], [-2, -1]], "dilation": 2}`,
			`{"output": [[2,9],[1,13]], "shape": [2, 2]}`},
		{"rectangular stride", "/api/v1/compute/conv2d",
			`{"input": ` + image + `, "kernel": [[1]], "stride": [2, 3]}`,
			`{"output": [[1,4],[2,0]], "shape": [2, 2]}`},
		{"3-D input, 2 filters, bias", "/api/v1/compute/conv2d",
			`{"input": [[[1,2],[3,4]],[[0,1],[1,0]]], "kernel": [[[[1]],[[2]]],[[[0]],[[-1]]]], "bias": [1, 0.5]}`,
			`{"output": [[[2,5],[6,5]],[[0.5,-0.5],[-0.5,0.5]]], "shape": [2,2,2]}`},
		{"2-D input, 4-D kernel gives 3-D", "/api/v1/compute/conv2d",
			`{"input": [[1,2],[3,4]], "kernel": [[[[1]]]]}`,
			`{"output": [[[1,2],[3,4]]], "shape": [1,2,2]}`},
		{"avg pool counts padding", "/api/v1/compute/pool2d",
			`{"op": "avg", "input": [[4, 8], [12, 16]], "kernel_size": 2, "padding": 1}`,
			`{"output": [[1, 2], [3, 4]], "shape": [2, 2]}`},
		{"max pool padding is -inf", "/api/v1/compute/pool2d",
			`{"op": "max", "input": [[-4, -8], [-12, -16]], "kernel_size": 2, "padding": 1}`,
			`{"output": [[-4, -8], [-12, -16]], "shape": [2, 2]}`},
		{"avg pool stride 1", "/api/v1/compute/pool2d",
			`{"op": "avg", "input": ` + image + `, "kernel_size": 2, "stride": 1}`,
			`{"output": [[3,3.75,3.25],[2.75,1.5,0.5],[1.5,-1.5,0.25]], "shape": [3, 3]}`},
		{"attention with out_proj equals nn.MultiheadAttention", "/api/v1/compute/attention",
			`{"d_model": 512, "num_heads": 8, "out_proj": true}`,
			`{"weight_shape": [512, 64], "per_matrix_params": 32832, "per_head_params": 98496, "total_params": 1050624}`},
		{"attention without bias", "/api/v1/compute/attention",
			`{"d_model": 512, "num_heads": 8, "bias": false, "out_proj": true}`,
			`{"weight_shape": [512, 64], "per_matrix_params": 32768, "per_head_params": 98304, "total_params": 1048576}`},
		{"whole numbers written as decimals", "/api/v1/compute/attention",
			`{"d_model": 512.0, "num_heads": 8e0}`,
			`{"weight_shape": [512, 64], "per_matrix_params": 32832, "per_head_params": 98496, "total_params": 787968}`},
		{"attention explicit d_k", "/api/v1/compute/attention",
			`{"d_model": 10, "num_heads": 3, "d_k": 4}`,
			`{"weight_shape": [10, 4], "per_matrix_params": 44, "per_head_params": 132, "total_params": 396}`},
		{"recitation rnn shapes", "/api/v1/compute/rnn",
			`{"input_size": 3, "hidden_size": 4, "output_size": 2}`,
			`{"shapes": {"W_hx": [4, 3], "W_hh": [4, 4], "W_yh": [2, 4]}, "total_params": 36}`},
		{"rnn with bias", "/api/v1/compute/rnn",
			`{"input_size": 3, "hidden_size": 4, "output_size": 2, "bias": true}`,
			`{"shapes": {"W_hx": [4, 3], "W_hh": [4, 4], "W_yh": [2, 4]}, "total_params": 42}`},
		{"network with batchnorm and dropout", "/api/v1/compute/network",
			`{"input_shape": [3, 32, 32], "layers": [{"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}, {"type": "BatchNorm2d"}, {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"}, {"type": "Dropout", "p": 0.5}, {"type": "Linear", "out_features": 10, "bias": false}]}`,
			`{"layers": [{"type":"Conv2d","output_shape":[8,32,32],"params":224},{"type":"BatchNorm2d","output_shape":[8,32,32],"params":16},{"type":"ReLU","output_shape":[8,32,32],"params":0},{"type":"MaxPool2d","output_shape":[8,16,16],"params":0},{"type":"Flatten","output_shape":[2048],"params":0},{"type":"Dropout","output_shape":[2048],"params":0},{"type":"Linear","output_shape":[10],"params":20480}], "total_params": 20720}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, http.MethodPost, tc.path, tc.body)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if !jsonEqual(t, rec.Body.String(), tc.want) {
				t.Errorf("got  %s\nwant %s", rec.Body, tc.want)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	h := newTestHandler(t, Config{})
	image := `[[1, 3, -2, 4], [0, 8, 6, 5], [2, 1, -9, 0], [4, -1, 3, 7]]`
	tests := []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"malformed JSON", "/api/v1/compute/conv2d", `{"input": [[1, 2]`, 400, "body"},
		{"syntax error", "/api/v1/compute/conv2d", `{"input": [[1, 2]]]}`, 400, "body"},
		{"empty body", "/api/v1/compute/conv2d", ``, 400, "body"},
		{"not an object", "/api/v1/compute/conv2d", `[1, 2]`, 400, "body"},
		{"trailing data", "/api/v1/compute/attention", `{"d_model": 8, "num_heads": 2} {}`, 400, "body"},
		{"unknown field", "/api/v1/compute/conv2d", `{"input": ` + image + `, "kernel": [[1]], "strides": 2}`, 400, "strides"},
		{"missing input", "/api/v1/compute/conv2d", `{"kernel": [[1]]}`, 400, "input"},
		{"missing kernel", "/api/v1/compute/conv2d", `{"input": [[1]]}`, 400, "kernel"},
		{"ragged input", "/api/v1/compute/conv2d", `{"input": [[1, 2], [3]], "kernel": [[1]]}`, 400, "input[1]"},
		{"empty input", "/api/v1/compute/conv2d", `{"input": [], "kernel": [[1]]}`, 400, "input"},
		{"empty row", "/api/v1/compute/conv2d", `{"input": [[]], "kernel": [[1]]}`, 400, "input[0]"},
		{"null element", "/api/v1/compute/conv2d", `{"input": [[1, null]], "kernel": [[1]]}`, 400, "input[0][1]"},
		{"string element", "/api/v1/compute/conv2d", `{"input": [[1, "2"]], "kernel": [[1]]}`, 400, "input[0][1]"},
		{"rank 1 input", "/api/v1/compute/conv2d", `{"input": [1, 2, 3], "kernel": [[1]]}`, 400, "input"},
		{"rank 4 input", "/api/v1/compute/conv2d", `{"input": [[[[1]]]], "kernel": [[1]]}`, 400, "input"},
		{"rank 3 kernel", "/api/v1/compute/conv2d", `{"input": [[1]], "kernel": [[[1]]]}`, 400, "kernel"},
		{"huge number", "/api/v1/compute/conv2d", `{"input": [[1e999]], "kernel": [[1]]}`, 400, "input"},
		{"overflowing result", "/api/v1/compute/conv2d", `{"input": [[1e308, 1e308]], "kernel": [[1e308, 1e308]]}`, 400, "input"},
		{"channel mismatch", "/api/v1/compute/conv2d", `{"input": [[[1,2],[3,4]],[[1,2],[3,4]]], "kernel": [[[[1]]]]}`, 400, "kernel"},
		{"bias length", "/api/v1/compute/conv2d", `{"input": [[1]], "kernel": [[1]], "bias": [1, 2]}`, 400, "bias"},
		{"zero stride", "/api/v1/compute/conv2d", `{"input": ` + image + `, "kernel": [[1]], "stride": 0}`, 400, "stride"},
		{"negative padding", "/api/v1/compute/conv2d", `{"input": ` + image + `, "kernel": [[1]], "padding": -1}`, 400, "padding"},
		{"fractional stride", "/api/v1/compute/conv2d", `{"input": ` + image + `, "kernel": [[1]], "stride": 1.5}`, 400, "stride"},
		{"stride triple", "/api/v1/compute/conv2d", `{"input": ` + image + `, "kernel": [[1]], "stride": [1, 1, 1]}`, 400, "stride"},
		{"kernel too big", "/api/v1/compute/conv2d", `{"input": [[1, 2]], "kernel": [[1, 2, 3]]}`, 400, "kernel"},
		{"huge padding", "/api/v1/compute/conv2d", `{"input": [[1]], "kernel": [[1]], "padding": 100000}`, 400, "padding"},
		{"pool missing op", "/api/v1/compute/pool2d", `{"input": [[1]], "kernel_size": 1}`, 400, "op"},
		{"pool bad op", "/api/v1/compute/pool2d", `{"op": "min", "input": [[1]], "kernel_size": 1}`, 400, "op"},
		{"pool missing kernel", "/api/v1/compute/pool2d", `{"op": "max", "input": [[1]]}`, 400, "kernel_size"},
		{"pool padding over half", "/api/v1/compute/pool2d", `{"op": "max", "input": ` + image + `, "kernel_size": 2, "padding": 2}`, 400, "padding"},
		{"avg pool dilation", "/api/v1/compute/pool2d", `{"op": "avg", "input": ` + image + `, "kernel_size": 2, "dilation": 2}`, 400, "dilation"},
		{"network unknown type", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [{"type": "Conv3d"}]}`, 400, "layers[0].type"},
		{"network misplaced arg", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [{"type": "ReLU", "out_channels": 3}]}`, 400, "layers[0].out_channels"},
		{"network shrinks below 1", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 5}, {"type": "Conv2d", "out_channels": 4, "kernel_size": 5}]}`, 400, "layers[1]"},
		{"network missing input shape", "/api/v1/compute/network", `{"layers": []}`, 400, "input_shape"},
		{"network zero dim", "/api/v1/compute/network", `{"input_shape": [3, 0, 8], "layers": []}`, 400, "input_shape"},
		{"network in_channels mismatch", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [{"type": "Conv2d", "in_channels": 4, "out_channels": 4, "kernel_size": 3}]}`, 400, "layers[0].in_channels"},
		{"network conv on vector", "/api/v1/compute/network", `{"input_shape": [30], "layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3}]}`, 400, "layers[0]"},
		{"network missing out_features", "/api/v1/compute/network", `{"input_shape": [30], "layers": [{"type": "Linear"}]}`, 400, "layers[0].out_features"},
		{"network bad type for kernel", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [{"type": "MaxPool2d", "kernel_size": "2"}]}`, 400, "layers[0].kernel_size"},
		{"network without layers or pytorch", "/api/v1/compute/network", `{"input_shape": [3, 8, 8]}`, 400, "layers"},
		{"network with layers and pytorch", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [], "pytorch": "ReLU()"}`, 400, "pytorch"},
		{"pytorch not a string", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "pytorch": ["ReLU()"]}`, 400, "pytorch"},
		{"pytorch unsupported layer", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "pytorch": "Sequential(\n  (0): Upsample(scale_factor=2.0)\n)"}`, 400, "pytorch"},
		{"pytorch bad input shape", "/api/v1/compute/network", `{"input_shape": [3, 8], "pytorch": "ReLU()"}`, 400, "input_shape"},
		{"network too many layers", "/api/v1/compute/network", `{"input_shape": [30], "layers": [` + strings.Repeat(`{"type": "ReLU"},`, 64) + `{"type": "ReLU"}]}`, 400, "layers"},
		{"attention heads do not divide", "/api/v1/compute/attention", `{"d_model": 10, "num_heads": 3}`, 400, "num_heads"},
		{"attention missing d_model", "/api/v1/compute/attention", `{"num_heads": 3}`, 400, "d_model"},
		{"attention negative", "/api/v1/compute/attention", `{"d_model": -8, "num_heads": 2}`, 400, "d_model"},
		{"attention fractional", "/api/v1/compute/attention", `{"d_model": 8.5, "num_heads": 2}`, 400, "d_model"},
		{"rnn missing size", "/api/v1/compute/rnn", `{"input_size": 3, "hidden_size": 4}`, 400, "output_size"},
		{"rnn bad activation", "/api/v1/compute/rnn", `{"input_size": 1, "hidden_size": 1, "output_size": 1, "hidden_activation": "gelu"}`, 400, "hidden_activation"},
		{"rnn x without weights", "/api/v1/compute/rnn", `{"input_size": 1, "hidden_size": 1, "output_size": 1, "x": [[1]]}`, 400, "weights"},
		{"rnn wrong W_hh shape", "/api/v1/compute/rnn", `{"input_size": 1, "hidden_size": 2, "output_size": 1, "weights": {"W_hx": [[1],[1]], "W_hh": [[1]], "W_yh": [[1, 1]]}, "x": [[1]]}`, 400, "weights.W_hh"},
		{"rnn x wrong width", "/api/v1/compute/rnn", `{"input_size": 1, "hidden_size": 1, "output_size": 1, "weights": {"W_hx": [[1]], "W_hh": [[1]], "W_yh": [[1]]}, "x": [[1, 2]]}`, 400, "x"},
		{"layer field type names the index", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [{"type": "ReLU"}, {"type": "Conv2d", "out_channels": "four", "kernel_size": 3}]}`, 400, "layers[1].out_channels"},
		{"unknown key in a layer names the index", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "foo": 1}]}`, 400, "layers[0].foo"},
		{"layer that is not an object", "/api/v1/compute/network", `{"input_shape": [3, 8, 8], "layers": [7]}`, 400, "layers[0]"},
		{"bad input_shape element", "/api/v1/compute/network", `{"input_shape": [3, 8.5, 8], "layers": []}`, 400, "input_shape[1]"},
		{"input_shape element too big", "/api/v1/compute/network", `{"input_shape": [3, 8, 2000000], "layers": []}`, 400, "input_shape[2]"},
		{"fractional out_features", "/api/v1/compute/network", `{"input_shape": [30], "layers": [{"type": "Linear", "out_features": 2.5}]}`, 400, "layers[0].out_features"},
		{"unknown key in weights", "/api/v1/compute/rnn", `{"input_size": 1, "hidden_size": 1, "output_size": 1, "weights": {"bogus": 1}}`, 400, "weights.bogus"},
		{"bad type in weights", "/api/v1/compute/rnn", `{"input_size": 1, "hidden_size": 1, "output_size": 1, "weights": {"W_hx": "x"}}`, 400, "weights.W_hx"},
		{"rnn size over the limit", "/api/v1/compute/rnn", `{"input_size": 2000, "hidden_size": 1, "output_size": 1}`, 400, "input_size"},
		{"attention d_model over the limit", "/api/v1/compute/attention", `{"d_model": 1e15, "num_heads": 1}`, 400, "d_model"},
		{"rnn bias vectors without bias", "/api/v1/compute/rnn", `{"input_size": 1, "hidden_size": 1, "output_size": 1, "weights": {"b_h": [1]}}`, 400, "bias"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, http.MethodPost, tc.path, tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if e.Error == "" {
				t.Errorf("empty error message")
			}
			if !strings.HasPrefix(e.Field, tc.field) {
				t.Errorf("field %q, want %q (error: %s)", e.Field, tc.field, e.Error)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	h := newTestHandler(t, Config{})
	big := `{"input": [[` + strings.Repeat("1,", MaxBodyBytes/2) + `1]], "kernel": [[1]]}`
	rec := do(t, h, http.MethodPost, "/api/v1/compute/conv2d", big)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", rec.Code, rec.Body)
	}
	var e apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Field != "body" || e.Limit != MaxBodyBytes {
		t.Errorf("body %s", rec.Body)
	}
}

func TestTensorElementLimit(t *testing.T) {
	h := newTestHandler(t, Config{})
	// 300,000 zeros fit in 1 MiB but exceed the element bound.
	row := "[" + strings.Repeat("0,", 599) + "0]"
	body := `{"input": [` + strings.Repeat(row+",", 499) + row + `], "kernel": [[1]]}`
	rec := do(t, h, http.MethodPost, "/api/v1/compute/conv2d", body)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"field":"input"`) {
		t.Errorf("error should name input: %s", rec.Body)
	}
}

func TestWrongContentTypeAndMethod(t *testing.T) {
	h := newTestHandler(t, Config{})
	req := `{"d_model": 8, "num_heads": 2}`
	r := do(t, h, http.MethodGet, "/api/v1/compute/attention", "")
	if r.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", r.Code)
	}
	if r := do(t, h, http.MethodPost, "/api/v1/compute/nope", req); r.Code != http.StatusNotFound || !strings.Contains(r.Header().Get("Content-Type"), "json") {
		t.Errorf("unknown endpoint: status %d %s", r.Code, r.Header().Get("Content-Type"))
	}
	rec := doWithType(t, h, "/api/v1/compute/attention", req, "text/plain")
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: status %d", rec.Code)
	}
}

// issue 8: an 81-byte conv2d request with padding 255 answered 4.6 MB.
// Outputs are now bounded, and the largest answers within the bounds,
// every number as long as JSON writes one, stay under the documented cap.
func TestComputeResponsesUnderDocumentedCap(t *testing.T) {
	h := newTestHandler(t, Config{})
	const long = "-1.2345678901234567e-300" // 24 characters, JSON's longest float64
	rec := do(t, h, http.MethodPost, "/api/v1/compute/conv2d",
		`{"input": [[1]], "kernel": [[1]], "bias": [`+long+`], "padding": 255}`)
	var e apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest ||
		e.Field != "output" || e.Limit != compute.MaxOutputElements || !strings.Contains(e.Error, "the limit is 65536") {
		t.Errorf("padding 255: %d %s", rec.Code, rec.Body)
	}
	rnnX := make([]string, 1000)
	for i := range rnnX {
		rnnX[i] = "[0.7]"
	}
	rnnW := func(rows, cols int) string {
		r := make([]string, rows)
		for i := range r {
			r[i] = "[" + strings.TrimSuffix(strings.Repeat("0.3183098861837907,", cols), ",") + "]"
		}
		return "[" + strings.Join(r, ",") + "]"
	}
	worst := []struct{ name, path, body string }{
		{"conv2d 255×255, every number long", "/api/v1/compute/conv2d",
			`{"input": [[1]], "kernel": [[1]], "bias": [` + long + `], "padding": 127}`},
		{"conv2d 16×4095×1, a row per number", "/api/v1/compute/conv2d",
			`{"input": [[[1]]], "kernel": [` + strings.TrimSuffix(strings.Repeat(`[[[1]]],`, 16), ",") + `], "bias": [` +
				strings.TrimSuffix(strings.Repeat(long+",", 16), ",") + `], "padding": [2047, 0]}`},
		{"rnn 1000 steps of 16+16", "/api/v1/compute/rnn",
			`{"input_size": 1, "hidden_size": 16, "output_size": 16, "x": [` + strings.Join(rnnX, ",") + `],` +
				`"weights": {"W_hx": ` + rnnW(16, 1) + `, "W_hh": ` + rnnW(16, 16) + `, "W_yh": ` + rnnW(16, 16) + `}}`},
	}
	for _, tc := range worst {
		rec := do(t, h, http.MethodPost, tc.path, tc.body)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", tc.name, rec.Code, clip(rec.Body.String(), 200))
			continue
		}
		if n := rec.Body.Len(); n > maxAPIResponseBytes {
			t.Errorf("%s: %d bytes; the cap is %d", tc.name, n, maxAPIResponseBytes)
		} else {
			t.Logf("%s: %d bytes", tc.name, n)
		}
	}
}

// The bounds the documents state are the bounds the code applies.
func TestDocumentsStateTheComputeBounds(t *testing.T) {
	h := newTestHandler(t, Config{})
	spec := do(t, h, http.MethodGet, "/api/v1/openapi.json", "").Body.String()
	api, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ doc, text, want string }{
		{"openapi.json", spec, fmt.Sprintf("at most %d multiply-adds", compute.MaxMultiplyAdds)},
		{"openapi.json", spec, fmt.Sprintf("at most %d numbers", compute.MaxOutputElements)},
		{"openapi.json", spec, fmt.Sprintf("at most %d bytes", maxAPIResponseBytes)},
		{"docs/API.md", string(api), "| 10,000,000 multiply-adds |"},
		{"docs/API.md", string(api), "| 65,536 |"},
		{"docs/API.md", string(api), "2 MiB (2,097,152 bytes)"},
		{"README.md", string(readme), "10 M multiply-adds"},
		{"README.md", string(readme), "outputs of 65,536 numbers"},
	} {
		if !strings.Contains(tc.text, tc.want) {
			t.Errorf("%s does not say %q", tc.doc, tc.want)
		}
	}
	if compute.MaxMultiplyAdds != 10_000_000 || compute.MaxOutputElements != 65536 || maxAPIResponseBytes != 2<<20 {
		t.Error("a bound changed: update docs/API.md, README.md and this test")
	}
}

// TestNetworkNewLayers: the layers and options added for pasted models
// are accepted as JSON layers too. Expectations from PyTorch's formulas:
// grouped conv 16·(8/4)·9 + 16 = 304; ceil((16 − 3)/2) + 1 = 8 (floor
// mode: 7); 'same' keeps 8×8; BatchNorm2d 2·16.
func TestNetworkNewLayers(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodPost, "/api/v1/compute/network", `{"input_shape": [8, 16, 16], "layers": [`+
		`{"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1, "groups": 4}, `+
		`{"type": "MaxPool2d", "kernel_size": 3, "stride": 2, "ceil_mode": true}, `+
		`{"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": "same", "bias": false}, `+
		`{"type": "BatchNorm2d"}, {"type": "LeakyReLU", "negative_slope": 0.1}, `+
		`{"type": "AdaptiveAvgPool2d", "output_size": [null, 2]}, {"type": "Dropout2d", "p": 0.2}, `+
		`{"type": "AdaptiveMaxPool2d", "output_size": 1}, {"type": "Flatten", "start_dim": 1, "end_dim": -1}, {"type": "GELU", "approximate": "tanh"}]}`)
	want := `{"layers": [` +
		`{"type": "Conv2d", "output_shape": [16, 16, 16], "params": 304}, {"type": "MaxPool2d", "output_shape": [16, 8, 8], "params": 0}, ` +
		`{"type": "Conv2d", "output_shape": [16, 8, 8], "params": 2304}, {"type": "BatchNorm2d", "output_shape": [16, 8, 8], "params": 32}, ` +
		`{"type": "LeakyReLU", "output_shape": [16, 8, 8], "params": 0}, {"type": "AdaptiveAvgPool2d", "output_shape": [16, 8, 2], "params": 0}, ` +
		`{"type": "Dropout2d", "output_shape": [16, 8, 2], "params": 0}, {"type": "AdaptiveMaxPool2d", "output_shape": [16, 1, 1], "params": 0}, ` +
		`{"type": "Flatten", "output_shape": [16], "params": 0}, {"type": "GELU", "output_shape": [16], "params": 0}], "total_params": 2640}`
	if rec.Code != http.StatusOK || !jsonEqual(t, rec.Body.String(), want) {
		t.Fatalf("status %d\ngot  %s\nwant %s", rec.Code, rec.Body, want)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "AdaptiveAvgPool2d"}]}`, "layers[0].output_size"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "AdaptiveAvgPool2d", "output_size": [1, [2]]}]}`, "layers[0].output_size[1]"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "AdaptiveAvgPool2d", "output_size": [1, 2, 3]}]}`, "layers[0].output_size"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "groups": 2}]}`, "layers[0].groups"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "same"}]}`, "layers[0].padding"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": "full"}]}`, "layers[0].padding"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "MaxPool2d", "kernel_size": 2, "padding": "same"}]}`, "layers[0].padding"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "Flatten", "start_dim": 0}]}`, "layers[0].start_dim"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "GELU", "approximate": "erf"}]}`, "layers[0].approximate"},
		{`{"input_shape": [3, 8, 8], "layers": [{"type": "ReLU", "ceil_mode": true}]}`, "layers[0].ceil_mode"},
	} {
		rec := do(t, h, http.MethodPost, "/api/v1/compute/network", tc.body)
		var e apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest || e.Field != tc.field {
			t.Errorf("%s: status %d, body %s; want 400 naming %s", tc.body, rec.Code, rec.Body, tc.field)
		}
	}
}

// TestNetworkPytorch posts print(model) texts: the answer equals the one for
// the same layers given as JSON, and errors name the field, the line and
// the layer.
func TestNetworkPytorch(t *testing.T) {
	h := newTestHandler(t, Config{})
	post := func(body any) (int, map[string]any) {
		t.Helper()
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rec := do(t, h, http.MethodPost, "/api/v1/compute/network", string(b))
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("body %s: %v", rec.Body, err)
		}
		return rec.Code, v
	}
	lenet := "LeNet5(\n  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n  (pool1): AvgPool2d(kernel_size=2, stride=2, padding=0)\n" +
		"  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))\n  (pool2): AvgPool2d(kernel_size=2, stride=2, padding=0)\n" +
		"  (head): Sequential(\n    (0): Flatten(start_dim=1, end_dim=-1)\n    (1): Linear(in_features=400, out_features=120, bias=True)\n" +
		"    (2): ReLU(inplace=True)\n    (3): Linear(in_features=120, out_features=84, bias=True)\n    (4): ReLU(inplace=True)\n" +
		"    (5): Linear(in_features=84, out_features=10, bias=True)\n  )\n)"
	code, v := post(map[string]any{"input_shape": []int{1, 32, 32}, "pytorch": lenet})
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, v)
	}
	// 156 + 2416 + 48120 + 10164 + 850 = 61706, LeNet-5's count.
	if v["total_params"] != float64(61706) {
		t.Fatalf("total_params %v, want 61706", v["total_params"])
	}
	layers := v["layers"].([]any)
	if len(layers) != 10 {
		t.Fatalf("%d layers, want 10 (nested Sequential flattened)", len(layers))
	}
	last := layers[9].(map[string]any)
	if last["name"] != "head.5" || last["line"] != float64(12) || last["type"] != "Linear" || last["params"] != float64(850) {
		t.Fatalf("last layer %v", last)
	}
	if relu := layers[6].(map[string]any); relu["params"] != float64(0) || relu["type"] != "ReLU" {
		t.Fatalf("parameter-free layer %v", relu)
	}

	// The same network as JSON layers gives the same shapes and counts.
	code, j := post(map[string]any{"input_shape": []int{1, 32, 32}, "layers": []map[string]any{
		{"type": "Conv2d", "out_channels": 6, "kernel_size": 5}, {"type": "AvgPool2d", "kernel_size": 2},
		{"type": "Conv2d", "out_channels": 16, "kernel_size": 5}, {"type": "AvgPool2d", "kernel_size": 2},
		{"type": "Flatten"}, {"type": "Linear", "out_features": 120}, {"type": "ReLU"},
		{"type": "Linear", "out_features": 84}, {"type": "ReLU"}, {"type": "Linear", "out_features": 10},
	}})
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, j)
	}
	for i, l := range j["layers"].([]any) {
		a, b := l.(map[string]any), layers[i].(map[string]any)
		if fmt.Sprint(a["output_shape"], a["params"], a["type"]) != fmt.Sprint(b["output_shape"], b["params"], b["type"]) {
			t.Errorf("layer %d: layers gives %v, pytorch %v", i, a, b)
		}
		if _, ok := a["name"]; ok {
			t.Errorf("layer %d of a JSON network has a name: %v", i, a)
		}
	}

	// A Linear whose in_features contradicts its input, as PyTorch would fail.
	bad := strings.Replace(lenet, "in_features=400", "in_features=256", 1)
	code, e := post(map[string]any{"input_shape": []int{1, 32, 32}, "pytorch": bad})
	msg, _ := e["error"].(string)
	if code != http.StatusBadRequest || e["field"] != "pytorch" ||
		!strings.HasPrefix(msg, "line 8, head.1 (Linear), in_features: ") ||
		!strings.Contains(msg, "mat1 and mat2 shapes cannot be multiplied (Nx400 and 256x120)") {
		t.Fatalf("status %d, body %v", code, e)
	}
	// Over the text bound: 400 naming the field and the limit.
	code, e = post(map[string]any{"input_shape": []int{4}, "pytorch": strings.Repeat(" ", 64<<10+1)})
	if code != http.StatusBadRequest || e["field"] != "pytorch" || e["limit"] != float64(64<<10) {
		t.Fatalf("status %d, body %v", code, e)
	}
}

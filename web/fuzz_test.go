package web

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/exercises"
)

// fuzzEndpoint feeds arbitrary bodies to one compute endpoint and requires
// that the server never fails: every answer is 200 or a 4xx with a JSON
// error naming what to fix.
func fuzzEndpoint(f *testing.F, path string, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	h := newTestHandler(f, Config{})
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(t, h, http.MethodPost, path, body)
		switch rec.Code {
		case http.StatusOK:
			var v map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatalf("200 with invalid JSON: %v", err)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("%d without a JSON error: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}

func FuzzConv2DRequest(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/compute/conv2d",
		`{"input": [[1, 3, -2, 4], [0, 8, 6, 5], [2, 1, -9, 0], [4, -1, 3, 7]], "kernel": [[1, 2], [-2, -1]]}`,
		`{"input": [[1, 3], [0, 8]], "kernel": [[1]], "padding": [1, 0], "stride": [2, 1], "dilation": 1}`,
		`{"input": [[[1,2],[3,4]],[[0,1],[1,0]]], "kernel": [[[[1]],[[2]]]], "bias": [1]}`,
		`{"input": [[1e308]], "kernel": [[1e308]]}`,
		`{"input": [[1, null]], "kernel": [[[1]]]}`,
		`{"input": [], "kernel": {}}`,
	)
}

func FuzzPool2DRequest(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/compute/pool2d",
		`{"op": "max", "input": [[1, 3, -2, 4], [0, 8, 6, 5], [2, 1, -9, 0], [4, -1, 3, 7]], "kernel_size": 2}`,
		`{"op": "avg", "input": [[[4, 8], [12, 16]]], "kernel_size": [2, 1], "padding": [1, 0], "stride": 1}`,
		`{"op": "max", "input": [[1]], "kernel_size": 1, "dilation": 2}`,
		`{"op": "min"}`,
	)
}

func FuzzNetworkRequest(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/compute/network",
		`{"input_shape": [3, 128, 128], "layers": [{"type": "MaxPool2d", "kernel_size": 2, "stride": 2}, {"type": "Conv2d", "out_channels": 12, "kernel_size": 17}, {"type": "MaxPool2d", "kernel_size": 3, "stride": 3}, {"type": "Flatten"}, {"type": "Linear", "out_features": 128}, {"type": "ReLU"}, {"type": "Linear", "out_features": 10}, {"type": "Softmax"}]}`,
		`{"input_shape": [3, 32, 32], "layers": [{"type": "Conv2d", "out_channels": 8, "kernel_size": [3, 5], "padding": 1, "dilation": 2}, {"type": "BatchNorm2d", "num_features": 8}, {"type": "AvgPool2d", "kernel_size": 2}, {"type": "Dropout", "p": 0.1}]}`,
		`{"input_shape": [1048576], "layers": [{"type": "Linear", "out_features": 1048576}]}`,
		`{"input_shape": [5], "layers": [{"type": "Softmax", "dim": -1}, {"type": "Tanh"}, {"type": "Sigmoid"}]}`,
		`{"input_shape": [3, 224, 224], "pytorch": "Sequential(\n  (0): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)\n  (1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n  (2): ReLU(inplace=True)\n  (3): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)\n  (4): AdaptiveAvgPool2d(output_size=(1, 1))\n)"}`,
		`{"input_shape": [10], "pytorch": "ModuleList(\n  (0-2): 3 x Linear(in_features=10, out_features=10, bias=True)\n)"}`,
	)
}

func FuzzAttentionRequest(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/compute/attention",
		`{"d_model": 512, "num_heads": 8}`,
		`{"d_model": 10, "num_heads": 3, "d_k": 4, "bias": false, "out_proj": true}`,
		`{"d_model": 9223372036854775807, "num_heads": 1}`,
		`{"d_model": 0, "num_heads": 0}`,
	)
}

func FuzzRNNRequest(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/compute/rnn",
		`{"input_size": 3, "hidden_size": 4, "output_size": 2}`,
		`{"input_size": 2, "hidden_size": 2, "output_size": 1, "hidden_activation": "relu", "output_activation": "identity", "weights": {"W_hx": [[1, 0], [0, 1]], "W_hh": [[1, 1], [0, 1]], "W_yh": [[1, -1]]}, "x": [[1, 2], [3, -1]]}`,
		`{"input_size": 1, "hidden_size": 1, "output_size": 2, "bias": true, "output_activation": "softmax", "weights": {"W_hx": [[1]], "W_hh": [[2]], "W_yh": [[1], [2]], "b_h": [1], "b_y": [0, 1]}, "h0": [0.5], "x": [[1], [2], [3]]}`,
		`{"input_size": 1, "hidden_size": 1, "output_size": 1, "hidden_activation": "identity", "output_activation": "identity", "weights": {"W_hx": [[1e300]], "W_hh": [[1e300]], "W_yh": [[1e300]]}, "x": [[1e300], [1e300]]}`,
	)
}

func FuzzExerciseCheckRequest(f *testing.F) {
	for _, s := range []string{
		`{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22"}}`,
		`{"seed": 7, "answers": {"maxpool-1": "3@64x64"}, "parts": ["maxpool-1"]}`,
		`{"answers": {"block-params": "3 d_k (d_model + 1) h", "big-o": "O(d_model^2)"}}`,
		`{"seed": 12, "answers": {"output": "[[1, 2], [3, 4]]"}}`,
	} {
		f.Add(s)
	}
	h := newTestHandler(f, Config{})
	ids := []string{"conv-by-hand", "cnn-shape-table", "attention-parameters", "conv-output-size", "cnn-parameters", "rnn-forward"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, id := range ids {
			rec := do(t, h, http.MethodPost, "/api/v1/exercises/"+id+"/check", body)
			if rec.Code >= 500 {
				t.Fatalf("%s: status %d for %q: %s", id, rec.Code, body, rec.Body)
			}
		}
	})
}

func FuzzExerciseForm(f *testing.F) {
	for _, s := range []string{
		"a.dims=3x3&a.bottom-right=-22",
		"a.output.0.0=1&a.output.0.1=2&seed=12",
		"a.other-params=ffn,embedding&a.big-o=O(d_model%5E2)",
		"a.explain-filter=a+small+matrix&self.explain-filter=got-it",
	} {
		f.Add(s)
	}
	h := newTestHandler(f, Config{})
	f.Fuzz(func(t *testing.T, form string) {
		for _, id := range []string{"conv-by-hand", "attention-parameters", "cnn-concepts", "cnn-shape-table"} {
			rec := doWithType(t, h, "/exercises/"+id+"?seed=12", form, "application/x-www-form-urlencoded")
			if rec.Code >= 500 {
				t.Fatalf("%s: status %d for %q", id, rec.Code, form)
			}
		}
	})
}

func FuzzPlaygroundQuery(f *testing.F) {
	for _, s := range []string{
		"op=conv2d&input=1+2%0A3+4&kernel=1",
		"op=maxpool2d&input=1+2+3%0A4+5+6%0A7+8+9&kernel_size=2&stride=1&padding=1",
		"op=avgpool2d&input=1+2%0A3+4%0A%0A5+6%0A7+8&kernel_size=2x1",
		"op=conv2d&input=1+2%0A3+4%0A%0A5+6%0A7+8&kernel=1%0A%0A2%0A---%0A3%0A%0A4&bias=1+2&dilation=2&padding=2",
		"op=conv2d&input=7&padding=31&kernel=9+9+9%0A9+9+9&page=2",
		"op=maxpool2d&input=1+2%0A3+4&kernel_size=1&page=5&table=1",
	} {
		f.Add(s)
	}
	h := newTestHandler(f, Config{})
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range []string{"/playground", "/embed/playground"} {
			rec := getRawQuery(h, path, query)
			if rec.Code >= 500 {
				t.Fatalf("%s?%s: status %d", path, query, rec.Code)
			}
			if rec.Body.Len() > maxPageBytes {
				t.Fatalf("%s?%s: %d bytes; the cap is %d", path, query, rec.Body.Len(), maxPageBytes)
			}
		}
	})
}

func FuzzAnimateMessage(f *testing.F) {
	for _, s := range []string{
		`{"type": "start", "op": "conv2d", "input": [[1, 2], [3, 4]], "kernel": [[1]], "fps": 10}`,
		`{"type": "start", "op": "maxpool2d", "input": [[1, 2], [3, 4]], "kernel_size": 2, "padding": 1}`,
		`{"type": "start", "exercise": "conv-by-hand", "seed": 0, "part": "dims-padded", "paused": true}`,
		`{"type": "seek", "index": 3}`,
		`{"type": "speed", "fps": 0.5}`,
		`{"type": "pause"}`,
	} {
		f.Add(s)
	}
	a := newAnimator(AnimatorConfig{}, exercises.NewCatalog())
	f.Fuzz(func(t *testing.T, msg string) {
		c := a.parseMessage(websocket.TextMessage, []byte(msg))
		if c.err != nil && c.err.Message == "" {
			t.Fatalf("error without a message for %q", msg)
		}
		if c.start != nil && c.start.anim != nil {
			// A valid start must produce an encodable meta message.
			if _, err := json.Marshal(c.start.anim.meta(c.start.fps, c.start.paused)); err != nil {
				t.Fatalf("meta for %q: %v", msg, err)
			}
		}
	})
}

func FuzzExerciseQuery(f *testing.F) {
	for _, s := range []string{"seed=0", "seed=12&parts=dims,bottom-right", "parts=,,,", "seed=9007199254740991&parts=cell", "seed=5&table=2&page=1"} {
		f.Add(s)
	}
	h := newTestHandler(f, Config{})
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range []string{"/exercises/conv-by-hand", "/embed/conv-by-hand", "/embed/cnn-shape-table", "/api/v1/exercises/rnn-forward"} {
			rec := getRawQuery(h, path, query)
			if rec.Code != 200 && rec.Code != 400 {
				t.Fatalf("%s?%s: status %d", path, query, rec.Code)
			}
			if rec.Body.Len() > maxPageBytes {
				t.Fatalf("%s?%s: %d bytes; the cap is %d", path, query, rec.Body.Len(), maxPageBytes)
			}
		}
	})
}

func FuzzPracticeRequest(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/practice",
		`{"state": null, "checks": [{"exercise": "rnn-shapes", "seed": 3, "parts": {"w-hx": "correct", "w-yh": "incorrect"}}]}`,
		`{"state": {"v": 1, "skills": {"rnn-shapes": {"level": 4, "done": ["rnn-shapes:1"], "review": {"due": 1796000000, "last_review": 1795000000, "s": 3.2, "d": 5.1, "reps": 1, "state": 2}}}}}`,
		`{"state": {"v": 1, "skills": {"conv-by-hand": {"level": 2, "open": {"exercise": "conv-by-hand", "seed": 5, "answered": ["cell"], "missed": true}}}}, "checks": []}`,
		`{"checks": [{"exercise": "conv-by-hand", "seed": 0, "parts": {"bottom-right": "revealed", "dims": "blank"}}]}`,
		`{"state": "x"}`,
	)
}

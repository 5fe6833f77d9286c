package authoring

import (
	"errors"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

const validConv = `id: conv-week3
title: Week 3 convolution
family: conv-by-hand
data:
  image:
    - [1, 2, 3]
    - [4, 5, 6]
    - [7, 8, 9]
  filter: [[1, 0], [0, -1]]
  cases:
    - stride: 1
      padding: 0
      cell: [1, 2]
    - name: padded
      padding: 1
      whole_output: true
`

func TestParseValid(t *testing.T) {
	cat := exercises.NewCatalog()
	ex, err := Parse("conv.yaml", []byte(validConv), cat.IsBuiltin)
	if err != nil {
		t.Fatal(err)
	}
	if ex.ID != "conv-week3" || ex.Domain != "conv" || ex.Version != Version([]byte(validConv)) || ex.Source != "conv.yaml" {
		t.Fatalf("exercise %+v", ex)
	}
	v, err := ex.Variant(0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range v.Parts {
		ids = append(ids, p.ID)
	}
	if got := strings.Join(ids, ","); got != "dims,cell,dims-padded,output-padded" {
		t.Fatalf("parts %s", got)
	}
	// Row 1, column 2 of the unpadded output: 2·1 + 6·(−1) = −4.
	cell, _ := v.Part("cell")
	if cell.Input != "-4" {
		t.Errorf("cell answer %q, want -4", cell.Input)
	}
	// The same mistake is diagnosed as in the built-in: the flipped filter
	// gives 2·(−1) + 6·1 = 4.
	if vd := cell.Check("4"); vd.Mistake != "conv.flipped-kernel" {
		t.Errorf("flipped filter: %+v", vd)
	}
}

// TestParseErrors: every class of error names the file, the line and the
// field, with a message saying what to do.
func TestParseErrors(t *testing.T) {
	cat := exercises.NewCatalog()
	cases := []struct {
		name, src string
		line      int
		field     string
		msg       string
	}{
		{"yaml syntax", "id: a\ntitle: T\n  bad: indent\n", 3, "", "not valid YAML"},
		{"empty", "", 0, "", "empty"},
		{"two documents", "id: a\n---\nid: b\n", 2, "", "more than one YAML document"},
		{"not a mapping", "- a\n- b\n", 1, "", "mapping"},
		{"missing id", "title: T\nfamily: concepts\ndata: {}\n", 1, "id", "required"},
		{"bad id", "id: Conv_3\ntitle: T\nfamily: concepts\ndata: {}\n", 1, "id", "lower-case"},
		{"builtin id", "id: conv-by-hand\ntitle: T\nfamily: concepts\ndata: {}\n", 1, "id", "built-in"},
		{"unknown field", "id: a\ntitle: T\ncolour: red\nfamily: concepts\ndata: {}\n", 3, "colour", "unknown field"},
		{"duplicate key", "id: a\nid: b\ntitle: T\nfamily: concepts\ndata: {}\n", 2, "id", "twice"},
		{"unknown family", "id: a\ntitle: T\nfamily: gan\ndata: {}\n", 3, "family", "not a family"},
		{"ragged image", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  image:\n    - [1, 2]\n    - [1]\n  filter: [[1]]\n  cases: [{stride: 1}]\n", 7, "data.image[1]", "same length"},
		{"not a number", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  image: [[1, x]]\n  filter: [[1]]\n  cases: [{stride: 1}]\n", 5, "data.image[0][1]", "number"},
		{"non-square filter", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  image: [[1, 2], [3, 4]]\n  filter: [[1, 2]]\n  cases: [{stride: 1}]\n", 6, "data.filter", "square"},
		{"filter too large", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  image: [[1, 2], [3, 4]]\n  filter: [[1, 2, 3], [1, 2, 3], [1, 2, 3]]\n  cases:\n    - stride: 1\n", 8, "data.cases[0]", "does not fit"},
		{"cell outside", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  image: [[1, 2], [3, 4]]\n  filter: [[1]]\n  cases:\n    - cell: [3, 1]\n", 8, "data.cases[0].cell", "outside"},
		{"range reversed", "id: a\ntitle: T\nfamily: output-size\ndata:\n  input_width: {min: 9, max: 3}\n  kernel: 3\n", 5, "data.input_width.max", "smaller than min"},
		{"out of bounds", "id: a\ntitle: T\nfamily: output-size\ndata:\n  input_width: 10\n  kernel: 3\n  stride: 0\n", 7, "data.stride", "from 1"},
		{"kernel wider than input", "id: a\ntitle: T\nfamily: output-size\ndata:\n  input_width: 3\n  kernel: 7\n", 5, "data", "does not fit"},
		{"unknown layer", "id: a\ntitle: T\nfamily: network\ndata:\n  input_shape: [1, 8, 8]\n  layers:\n    - type: Conv3d\n", 7, "data.layers[0].type", "not a supported layer"},
		{"misplaced argument", "id: a\ntitle: T\nfamily: network\ndata:\n  input_shape: [1, 8, 8]\n  layers:\n    - type: ReLU\n      out_channels: 3\n", 8, "data.layers[0].out_channels", "takes no argument"},
		{"shape contradiction", "id: a\ntitle: T\nfamily: network\ndata:\n  input_shape: [1, 8, 8]\n  layers:\n    - type: Flatten\n    - type: Linear\n      in_features: 10\n      out_features: 2\n", 8, "data.layers[1].in_features", "Linear"},
		{"pytorch line", "id: a\ntitle: T\nfamily: network\ndata:\n  input_shape: [1, 8, 8]\n  pytorch: |\n    Sequential(\n      (0): Conv9d(1, 2, kernel_size=(3, 3))\n    )\n", 8, "data.pytorch", "line 2"},
		{"params without linear", "id: a\ntitle: T\nfamily: network\ndata:\n  input_shape: [1, 8, 8]\n  ask: parameters\n  layers:\n    - type: Conv2d\n      out_channels: 2\n      kernel_size: 3\n", 5, "data.layers", "one Conv2d and one Linear"},
		{"two right options", "id: a\ntitle: T\nfamily: concepts\ndata:\n  questions:\n    - id: q\n      prompt: P?\n      kind: single-choice\n      solution: S\n      options:\n        - {id: a, text: A, correct: true}\n        - {id: b, text: B, correct: true}\n", 11, "data.questions[0].options", "exactly one"},
		{"wrong option without why", "id: a\ntitle: T\nfamily: concepts\ndata:\n  questions:\n    - id: q\n      prompt: P?\n      kind: single-choice\n      solution: S\n      options:\n        - {id: a, text: A, correct: true}\n        - {id: b, text: B}\n", 12, "data.questions[0].options[1].why", "required"},
		{"heads do not split d_model", "id: a\ntitle: T\nfamily: attention\ndata:\n  d_model: 10\n  heads: 3\n", 5, "data.heads", "evenly"},
		{"symbolic with sizes", "id: a\ntitle: T\nfamily: attention\ndata:\n  symbolic: true\n  heads: 3\n", 5, "data.symbolic", "no sizes"},
		{"rnn sizes", "id: a\ntitle: T\nfamily: rnn-shapes\ndata:\n  input_size: 0\n  hidden_size: 2\n  output_size: 2\n", 5, "data.input_size", "from 1"},
		{"rnn weight shape", "id: a\ntitle: T\nfamily: rnn-forward\ndata:\n  input_size: 2\n  hidden_size: 2\n  output_size: 1\n  w_hx: [[1, 2]]\n  w_hh: [[1, 0], [0, 1]]\n  w_yh: [[1, 1]]\n  x: [[1, 2], [3, 4]]\n", 8, "data.w_hx", "must be 2×2"},
		{"rnn activation", "id: a\ntitle: T\nfamily: rnn-forward\ndata:\n  input_size: 1\n  hidden_size: 1\n  output_size: 1\n  hidden_activation: tanh\n  w_hx: [[1]]\n  w_hh: [[1]]\n  w_yh: [[1]]\n  x: [[1], [2]]\n", 8, "data.hidden_activation", "relu or identity"},
		{"pool window too large", "id: a\ntitle: T\nfamily: pooling\ndata:\n  image: [[1, 2], [3, 4]]\n  cases:\n    - kernel: 3\n", 7, "data.cases[0].kernel", "does not fit"},
		{"pool op", "id: a\ntitle: T\nfamily: pooling\ndata:\n  op: min\n  image: [[1]]\n  cases: [{kernel: 1}]\n", 5, "data.op", "max or avg"},
		{"avg cell not whole", "id: a\ntitle: T\nfamily: pooling\ndata:\n  op: avg\n  image: [[1, 2], [3, 5]]\n  cases: [{kernel: 2}]\n", 5, "data", "not a whole number"},
		{"alias", "id: a\ntitle: &t T\nsummary: *t\nfamily: concepts\ndata: {}\n", 3, "summary", "aliases"},
		// Diagrams, drawings, dilation, drawn channels, pooling padding.
		{"diagram of one kind of block", "id: a\ntitle: T\nfamily: network\ndata:\n  input_shape: [4]\n  ask: diagram\n  layers:\n    - type: ReLU\n    - type: ReLU\n", 5, "data.layers", "two different layers"},
		{"diagram of one layer", "id: a\ntitle: T\nfamily: network\ndata:\n  input_shape: [4]\n  ask: diagram\n  layers:\n    - type: ReLU\n", 5, "data.layers", "2 to 24 layers"},
		{"unknown ask", "id: a\ntitle: T\nfamily: network\ndata:\n  input_shape: [4]\n  ask: drawing\n  layers:\n    - type: ReLU\n", 6, "data.ask", "diagram"},
		{"rnn drawing steps", "id: a\ntitle: T\nfamily: concepts\ndata:\n  rnn_drawing:\n    input_size: 3\n    hidden_size: 4\n    output_size: 2\n    steps: 9\n  questions: []\n", 9, "data.rnn_drawing.steps", "from 1 to 6"},
		{"rnn drawing field", "id: a\ntitle: T\nfamily: concepts\ndata:\n  rnn_drawing: {input_size: 3, hidden_size: 4, output_size: 2, bias: true}\n  questions: []\n", 5, "data.rnn_drawing.bias", "unknown field"},
		{"dilation bounds", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  image: [[1, 2], [3, 4]]\n  filter: [[1]]\n  cases:\n    - dilation: 0\n", 8, "data.cases[0].dilation", "from 1 to 8"},
		{"dilated filter too wide", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  image: [[1, 2, 3], [3, 4, 5], [1, 1, 1]]\n  filter: [[1, 2], [3, 4]]\n  cases:\n    - dilation: 3\n", 8, "data.cases[0]", "spans 4×4"},
		{"drawn filters without count", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  input: {channels: 2, rows: 3, cols: 3, min: 0, max: 4}\n  filters: {size: 2, min: -1, max: 1}\n  cases: [{cell: [1, 1]}]\n", 6, "data.filters.count", "required"},
		{"written filters, drawn channels", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  input: {channels: {min: 1, max: 2}, rows: 3, cols: 3, min: 0, max: 4}\n  filters: [[[[1]]]]\n  cases: [{cell: [1, 1]}]\n", 5, "data.input.channels", "one number"},
		{"written filters, other channels", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  input: {channels: 2, rows: 3, cols: 3, min: 0, max: 4}\n  filters: [[[[1]]]]\n  cases: [{cell: [1, 1]}]\n", 6, "data.filters", "the input has 2"},
		{"written biases, drawn filter count", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  input: [[[1, 2], [3, 4]]]\n  filters: {count: {min: 1, max: 3}, size: 1, min: 0, max: 2}\n  bias: [1, 2]\n  cases: [{cell: [1, 1]}]\n", 7, "data.bias", "fixed number of filters"},
		{"drawn range reversed", "id: a\ntitle: T\nfamily: conv-by-hand\ndata:\n  input: [[[1, 2], [3, 4]]]\n  filters: [[[[1]]]]\n  bias: {min: 3, max: 1}\n  cases: [{cell: [1, 1]}]\n", 7, "data.bias.max", "smaller than min"},
		{"pool padding over half the window", "id: a\ntitle: T\nfamily: pooling\ndata:\n  image: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\n  cases:\n    - kernel: 3\n      padding: 2\n", 8, "data.cases[0].padding", "at most kernel/2 = 1"},
		{"count_include_pad with max", "id: a\ntitle: T\nfamily: pooling\ndata:\n  image: [[1, 2], [3, 4]]\n  cases:\n    - kernel: 2\n      padding: 1\n      count_include_pad: false\n", 9, "data.cases[0].count_include_pad", "average pooling"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("week3.yaml", []byte(c.src), cat.IsBuiltin)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if fe.File != "week3.yaml" || fe.Line != c.line || fe.Field != c.field || !strings.Contains(fe.Message, c.msg) {
				t.Errorf("got %q (line %d, field %q), want line %d, field %q, message with %q", fe.Error(), fe.Line, fe.Field, c.line, c.field, c.msg)
			}
			if !strings.HasPrefix(fe.Error(), "week3.yaml") {
				t.Errorf("message %q does not start with the file name", fe.Error())
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse("big.yaml", make([]byte, MaxFileBytes+1), nil)
	var fe *Error
	if !errors.As(err, &fe) || fe.File != "big.yaml" || !strings.Contains(fe.Message, "limit") {
		t.Fatalf("error %v", err)
	}
}

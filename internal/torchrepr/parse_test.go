package torchrepr

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
)

func TestParseLayerArguments(t *testing.T) {
	f, tr := false, true
	one, minus1, two := 1, -1, 2
	tests := []struct {
		text string
		want compute.Layer
	}{
		{"Conv2d(3, 12, kernel_size=(17, 17), stride=(1, 1))",
			compute.Layer{Type: "Conv2d", InChannels: 3, OutChannels: 12, KernelSize: compute.Square(17), Stride: compute.Square(1), Groups: 1, Bias: &tr}},
		{"Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)",
			compute.Layer{Type: "Conv2d", InChannels: 3, OutChannels: 8, KernelSize: compute.Square(3), Stride: compute.Square(1), PaddingMode: "same", Groups: 1, Bias: &tr}},
		{"Conv2d(3, 8, 3, padding='valid', bias=False)",
			compute.Layer{Type: "Conv2d", InChannels: 3, OutChannels: 8, KernelSize: compute.Square(3), PaddingMode: "valid", Groups: 1, Bias: &f}},
		{"Conv2d(32, 64, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(2, 2), groups=4, bias=False, padding_mode=reflect)",
			compute.Layer{Type: "Conv2d", InChannels: 32, OutChannels: 64, KernelSize: compute.Pair{H: 3, W: 5}, Stride: compute.Pair{H: 2, W: 1}, Padding: compute.Pair{H: 1, W: 2}, Dilation: compute.Square(2), Groups: 4, Bias: &f}},
		{"MaxPool2d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)",
			compute.Layer{Type: "MaxPool2d", KernelSize: compute.Square(3), Stride: compute.Square(3), Dilation: compute.Square(1)}},
		{"MaxPool2d(3, 2, ceil_mode=True)",
			compute.Layer{Type: "MaxPool2d", KernelSize: compute.Square(3), Stride: compute.Square(2), CeilMode: true}},
		{"AvgPool2d(kernel_size=2, stride=None, padding=0, ceil_mode=True, count_include_pad=False)",
			compute.Layer{Type: "AvgPool2d", KernelSize: compute.Square(2), CeilMode: true}},
		{"AdaptiveAvgPool2d(output_size=(1, 1))", compute.Layer{Type: "AdaptiveAvgPool2d", OutputSize: compute.Square(1)}},
		{"AdaptiveAvgPool2d(output_size=7)", compute.Layer{Type: "AdaptiveAvgPool2d", OutputSize: compute.Square(7)}},
		{"AdaptiveMaxPool2d(output_size=(None, 3))", compute.Layer{Type: "AdaptiveMaxPool2d", OutputSize: compute.Pair{W: 3}}},
		{"Linear(in_features=3072, out_features=128, bias=True)", compute.Layer{Type: "Linear", InFeatures: 3072, OutFeatures: 128, Bias: &tr}},
		{"BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", compute.Layer{Type: "BatchNorm2d", NumFeatures: 64, Affine: &tr}},
		{"BatchNorm2d(8, eps=0.001, momentum=None, affine=False, track_running_stats=False)", compute.Layer{Type: "BatchNorm2d", NumFeatures: 8, Affine: &f}},
		{"Flatten(start_dim=1, end_dim=-1)", compute.Layer{Type: "Flatten", StartDim: &one, EndDim: &minus1}},
		{"Flatten(2)", compute.Layer{Type: "Flatten", StartDim: &two, EndDim: &minus1}},
		{"Softmax(dim=1)", compute.Layer{Type: "Softmax", Dim: &one}},
		{"Softmax(dim=None)", compute.Layer{Type: "Softmax"}},
		{"Dropout(p=0.5, inplace=False)", compute.Layer{Type: "Dropout"}},
		{"Dropout2d(p=0.2, inplace=False)", compute.Layer{Type: "Dropout2d"}},
		{"ReLU()", compute.Layer{Type: "ReLU"}},
		{"ReLU(inplace=True)", compute.Layer{Type: "ReLU"}},
		{"LeakyReLU(negative_slope=0.01)", compute.Layer{Type: "LeakyReLU"}},
		{"LeakyReLU(negative_slope=0.2, inplace=True)", compute.Layer{Type: "LeakyReLU"}},
		{"GELU(approximate='none')", compute.Layer{Type: "GELU"}},
		{"Sigmoid()", compute.Layer{Type: "Sigmoid"}},
		{"Tanh()", compute.Layer{Type: "Tanh"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			m, err := Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Layers) != 1 || !reflect.DeepEqual(m.Layers[0], tt.want) {
				t.Fatalf("layers = %+v\nwant %+v", m.Layers, tt.want)
			}
			if s := m.Sources[0]; s.Line != 1 || s.Path != "" || s.Class != tt.want.Type {
				t.Fatalf("source %+v", s)
			}
		})
	}
}

func TestParseStructure(t *testing.T) {
	// Windows line endings, tabs, a custom module holding nested
	// Sequentials, an empty Sequential, and a module printed on one line.
	text := "Net(\r\n  (features): Sequential(\r\n\t(0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))\r\n    (1): Sequential((0): ReLU())\r\n    (2): Sequential()\r\n  )\r\n  (head): Sequential(\r\n    (0): Flatten(start_dim=1, end_dim=-1)\r\n    (1): Linear(in_features=144, out_features=2, bias=True)\r\n  )\r\n)\r\n"
	m, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Source{{3, "features.0", "Conv2d"}, {4, "features.1.0", "ReLU"}, {8, "head.0", "Flatten"}, {9, "head.1", "Linear"}}
	if !reflect.DeepEqual(m.Sources, want) {
		t.Fatalf("sources %+v, want %+v", m.Sources, want)
	}
	res, err := Propagate([]int{1, 8, 8}, m)
	if err != nil {
		t.Fatal(err)
	}
	// 4·1·9 + 4 = 40; 6·6·4 = 144 features; 144·2 + 2 = 290.
	if res.TotalParams != 330 {
		t.Fatalf("total %d, want 330", res.TotalParams)
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("Sequential(\n(0): ", MaxDepth+1) + "ReLU()" + strings.Repeat(")", MaxDepth+1)
	okDeep := strings.Repeat("Sequential(\n(0): ", MaxDepth) + "ReLU()" + strings.Repeat(")", MaxDepth)
	if _, err := Parse(okDeep); err != nil {
		t.Fatalf("nesting at the limit refused: %v", err)
	}
	many := "Sequential(\n" + strings.Repeat("  (0): ReLU()\n", MaxLayers+1) + ")"
	manyRepeat := "ModuleList(\n  (0-64): 65 x ReLU()\n)"
	tests := []struct {
		name  string
		text  string
		line  int
		layer string
		msg   string
	}{
		{"empty", "  \n ", 0, "", "empty"},
		{"too long", strings.Repeat(" ", MaxTextBytes+1), 0, "", "limit is 65536"},
		{"unsupported layer", "Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))\n  (1): Upsample(scale_factor=2.0, mode='nearest')\n)", 3, "1 (Upsample)", "Upsample is not a layer Stride supports"},
		{"unsupported empty module", "Sequential(\n  (0): Identity()\n)", 2, "0 (Identity)", "not a layer Stride supports"},
		{"unknown lone module", "Net()", 1, "Net", "not a layer"},
		{"unclosed", "Sequential(\n  (0): ReLU()\n", 1, "", "never closed"},
		{"unexpected character", "Sequential(\n  (0): ReLU[]\n)", 2, "", "unexpected character '['"},
		{"text after the model", "ReLU()\nTanh()", 2, "", "after the model"},
		{"unterminated string", "GELU(approximate='none)", 1, "", "not closed"},
		{"missing argument", "Sequential(\n  (fc): Linear(in_features=3)\n)", 2, "fc (Linear)", "missing 1 required positional argument(s): 'out_features'"},
		{"unexpected keyword", "Linear(3, 4, bias=True, foo=1)", 1, "Linear", "unexpected keyword argument 'foo'"},
		{"twice", "Linear(3, 4, in_features=3)", 1, "Linear", "multiple values for argument 'in_features'"},
		{"too many positional", "ReLU(True, 3)", 1, "ReLU", "takes at most 1 arguments"},
		{"bad bool", "Linear(3, 4, bias=yes)", 1, "Linear", "bias must be True or False"},
		{"fractional size", "Conv2d(3, 4, kernel_size=2.5)", 1, "Conv2d", "kernel_size must be a whole number"},
		{"zero stride", "MaxPool2d(kernel_size=2, stride=0)", 1, "MaxPool2d", "stride is 0; it must be from 1"},
		{"three-axis kernel", "Conv2d(3, 4, kernel_size=(3, 3, 3))", 1, "Conv2d", "one number or a pair"},
		{"dropout p", "Dropout(p=1.5, inplace=False)", 1, "Dropout", "dropout probability has to be between 0 and 1, but got 1.5"},
		{"bad padding word", "Conv2d(3, 4, 3, padding=full)", 1, "Conv2d", "padding must be one of same, valid"},
		{"bad approximate", "GELU(approximate='erf')", 1, "GELU", "approximate must be one of none, tanh"},
		{"huge number", "Linear(3, 99999999999999999999)", 1, "Linear", "whole number"},
		{"nested too deep", deep, MaxDepth + 2, "", "nested more than 16 deep"},
		{"too many layers", many, MaxLayers + 2, "0 (ReLU)", "more than 64 layers"},
		{"repeat too many", manyRepeat, 2, "", "must be from 1 to 64"},
		{"children after arguments", "Net(3,\n  (0): ReLU()\n)", 1, "Net", "both arguments and children"},
		{"argument after children", "Sequential(\n  (0): ReLU()\n  5\n)", 3, "", "expected a child"},
		{"nested tuple", "Conv2d(3, 4, kernel_size=((3, 3), 3))", 1, "", "tuple inside a tuple"},
		// Construction errors come before shape errors of earlier layers,
		// as in PyTorch: layer 0 would shrink the input below 1, but
		// nn.Sequential(...) never gets built.
		{"groups at construction", "Sequential(\n  (0): Conv2d(3, 8, kernel_size=(99, 99), stride=(1, 1))\n  (1): Conv2d(8, 6, kernel_size=(3, 3), stride=(1, 1), groups=4)\n)", 3, "1 (Conv2d)", "out_channels must be divisible by groups (6 is not divisible by 4)"},
		{"same with stride at construction", "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=same)", 1, "Conv2d", "padding='same' is not supported for strided convolutions"},
		{"too many tokens", "Sequential(" + strings.Repeat("\n(", maxTokens), maxTokens - 1, "", "more than 16384 words"},
		{"long word", "Conv2d(" + strings.Repeat("9", 65) + ")", 1, "", "limit is 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.text)
			e := asError(t, err)
			if e.Line != tt.line || e.Layer != tt.layer || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("got line %d layer %q message %q; want line %d layer %q message containing %q", e.Line, e.Layer, e.Message, tt.line, tt.layer, tt.msg)
			}
			if tt.line > 0 && !strings.HasPrefix(e.Error(), "line ") {
				t.Fatalf("Error() = %q does not start with the line", e.Error())
			}
		})
	}
}

// TestPropagateErrorsNameTheLayer: shape errors found by the engine come
// back with the pasted line and layer, and the argument at fault.
func TestPropagateErrorsNameTheLayer(t *testing.T) {
	tests := []struct {
		name, text string
		input      []int
		line       int
		layer, arg string
		msg        string
	}{
		{"in_features mismatch", "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  (1): Linear(in_features=256, out_features=120, bias=True)\n)", []int{16, 5, 5}, 3, "1 (Linear)", "in_features",
			"mat1 and mat2 shapes cannot be multiplied (Nx400 and 256x120)"},
		{"in_channels mismatch", "Sequential(\n  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n)", []int{3, 32, 32}, 2, "0 (Conv2d)", "in_channels",
			"expected input[N, 3, 32, 32] to have 1 channels, but got 3 channels instead"},
		{"num_features mismatch", "Net(\n  (conv): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))\n  (bn): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n)", []int{3, 8, 8}, 3, "bn (BatchNorm2d)", "num_features",
			"running_mean should contain 8 elements not 16"},
		{"shrinks below 1", "Sequential(\n  (0): Conv2d(3, 8, kernel_size=(5, 5), stride=(1, 1))\n  (1): MaxPool2d(kernel_size=5, stride=5, padding=0, dilation=1, ceil_mode=False)\n)", []int{3, 8, 8}, 3, "1 (MaxPool2d)", "",
			"shrinks the height below 1"},
		{"same padding keeps the size, so a later layer fails", "Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)\n  (1): MaxPool2d(kernel_size=9, stride=9, padding=0, dilation=1, ceil_mode=False)\n)", []int{3, 8, 8}, 3, "1 (MaxPool2d)", "", "the dilated kernel (9) is larger than the padded input (8)"},
		{"softmax dim", "Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n  (1): Softmax(dim=2)\n)", []int{4}, 3, "1 (Softmax)", "dim", "expected to be in range of [-2, 1], but got 2"},
		{"conv after flatten", "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  (1): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))\n)", []int{3, 8, 8}, 3, "1 (Conv2d)", "", "needs a 3-D input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Propagate(tt.input, m)
			e := asError(t, err)
			if e.Line != tt.line || e.Layer != tt.layer || e.Arg != tt.arg || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("got line %d layer %q arg %q message %q; want line %d layer %q arg %q message containing %q", e.Line, e.Layer, e.Arg, e.Message, tt.line, tt.layer, tt.arg, tt.msg)
			}
		})
	}
	// An input-shape error is the engine's, not a layer's.
	_, err := Propagate([]int{3, 4}, Model{})
	var ce *compute.Error
	if !errors.As(err, &ce) || ce.Field != "input_shape" {
		t.Fatalf("input shape error %v", err)
	}
}

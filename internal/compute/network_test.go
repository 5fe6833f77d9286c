package compute

import (
	"reflect"
	"strings"
	"testing"
)

func boolPtr(b bool) *bool { return &b }

func TestPropagateNetworkRecitation(t *testing.T) {
	layers := []Layer{
		{Type: "MaxPool2d", KernelSize: Square(2), Stride: Square(2)},
		{Type: "Conv2d", OutChannels: 12, KernelSize: Square(17)},
		{Type: "MaxPool2d", KernelSize: Square(3), Stride: Square(3)},
		{Type: "Flatten"},
		{Type: "Linear", OutFeatures: 128},
		{Type: "ReLU"},
		{Type: "Linear", OutFeatures: 10},
		{Type: "Softmax"},
	}
	want := []LayerResult{
		{"MaxPool2d", []int{3, 64, 64}, 0},
		{"Conv2d", []int{12, 48, 48}, 10416},
		{"MaxPool2d", []int{12, 16, 16}, 0},
		{"Flatten", []int{3072}, 0},
		{"Linear", []int{128}, 393344},
		{"ReLU", []int{128}, 0},
		{"Linear", []int{10}, 1290},
		{"Softmax", []int{10}, 0},
	}
	res, err := PropagateNetwork([]int{3, 128, 128}, layers)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Layers, want) {
		t.Fatalf("layers =\n%v\nwant\n%v", res.Layers, want)
	}
	if fc := res.Layers[4].Params + res.Layers[6].Params; fc != 394634 {
		t.Errorf("fully connected params = %d, want 394634", fc)
	}
	if res.TotalParams != 405050 {
		t.Errorf("total = %d, want 405050", res.TotalParams)
	}
}

func TestPropagateNetworkLayers(t *testing.T) {
	tests := []struct {
		name   string
		input  []int
		layer  Layer
		shape  []int
		params int64
	}{
		{"conv without bias", []int{3, 32, 32}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(3), Bias: boolPtr(false)}, []int{8, 30, 30}, 8 * 3 * 9},
		{"conv with explicit bias", []int{3, 32, 32}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(3), Bias: boolPtr(true)}, []int{8, 30, 30}, 8*3*9 + 8},
		{"conv same padding", []int{1, 28, 28}, Layer{Type: "Conv2d", OutChannels: 4, KernelSize: Square(5), Padding: Square(2)}, []int{4, 28, 28}, 4*25 + 4},
		{"conv stride and dilation", []int{2, 20, 21}, Layer{Type: "Conv2d", OutChannels: 1, KernelSize: Pair{3, 2}, Stride: Pair{2, 3}, Dilation: Square(2)}, []int{1, 8, 7}, 2*3*2 + 1},
		{"avg pool default stride", []int{6, 9, 9}, Layer{Type: "AvgPool2d", KernelSize: Square(2)}, []int{6, 4, 4}, 0},
		{"max pool with padding and dilation", []int{1, 7, 7}, Layer{Type: "MaxPool2d", KernelSize: Square(3), Padding: Square(1), Dilation: Square(2), Stride: Square(1)}, []int{1, 5, 5}, 0},
		{"batch norm", []int{16, 5, 5}, Layer{Type: "BatchNorm2d"}, []int{16, 5, 5}, 32},
		{"flatten a vector", []int{7}, Layer{Type: "Flatten"}, []int{7}, 0},
		{"linear on a vector", []int{10}, Layer{Type: "Linear", OutFeatures: 3, Bias: boolPtr(false)}, []int{3}, 30},
		{"linear acts on the last dimension", []int{3, 4, 5}, Layer{Type: "Linear", OutFeatures: 2}, []int{3, 4, 2}, 12},
		{"dropout keeps the shape", []int{3, 4, 5}, Layer{Type: "Dropout"}, []int{3, 4, 5}, 0},
		{"sigmoid", []int{9}, Layer{Type: "Sigmoid"}, []int{9}, 0},
		{"tanh", []int{9}, Layer{Type: "Tanh"}, []int{9}, 0},
		{"case-insensitive type", []int{9}, Layer{Type: "relu"}, []int{9}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := PropagateNetwork(tt.input, []Layer{tt.layer})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Layers[0]
			if !reflect.DeepEqual(got.OutputShape, tt.shape) || got.Params != tt.params || res.TotalParams != tt.params {
				t.Fatalf("got %+v (total %d), want shape %v params %d", got, res.TotalParams, tt.shape, tt.params)
			}
		})
	}
}

func TestPropagateNetworkDoesNotAlias(t *testing.T) {
	in := []int{4}
	res, err := PropagateNetwork(in, []Layer{{Type: "ReLU"}, {Type: "Tanh"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Layers[0].OutputShape[0] = 99
	if in[0] != 4 || res.Layers[1].OutputShape[0] != 4 {
		t.Fatal("output shapes share memory with the input or each other")
	}
	if res, err := PropagateNetwork([]int{4}, nil); err != nil || len(res.Layers) != 0 || res.TotalParams != 0 {
		t.Fatalf("empty network: %+v, %v", res, err)
	}
}

func TestPropagateNetworkErrors(t *testing.T) {
	conv := Layer{Type: "Conv2d", OutChannels: 4, KernelSize: Square(3)}
	tests := []struct {
		name    string
		input   []int
		layers  []Layer
		field   string
		message string
	}{
		{"rank 2 input", []int{3, 4}, nil, "input_shape", "2 dimensions"},
		{"zero dimension", []int{3, 0, 4}, nil, "input_shape[1]", "between 1"},
		{"huge dimension", []int{MaxDimension + 1}, nil, "input_shape[0]", "between 1"},
		{"too many layers", []int{4}, make([]Layer, MaxLayers+1), "layers", "limit"},
		{"unknown type", []int{4}, []Layer{{Type: "ReLU"}, {Type: "Conv3d"}}, "layers[1].type", "Conv2d, MaxPool2d"},
		{"missing type", []int{4}, []Layer{{}}, "layers[0].type", "required"},
		{"conv after flatten", []int{3, 8, 8}, []Layer{{Type: "Flatten"}, conv}, "layers[1]", "layer 1 (Conv2d) needs a 3-D input [C, H, W], but its input has shape [192]"},
		{"pool on a vector", []int{10}, []Layer{{Type: "MaxPool2d", KernelSize: Square(2)}}, "layers[0]", "3-D"},
		{"batch norm on a vector", []int{10}, []Layer{{Type: "BatchNorm2d"}}, "layers[0]", "3-D"},
		{"missing out_channels", []int{3, 8, 8}, []Layer{{Type: "Conv2d", KernelSize: Square(3)}}, "layers[0].out_channels", "required"},
		{"missing kernel_size", []int{3, 8, 8}, []Layer{{Type: "Conv2d", OutChannels: 2}}, "layers[0].kernel_size", "required"},
		{"missing pool kernel_size", []int{3, 8, 8}, []Layer{{Type: "AvgPool2d"}}, "layers[0].kernel_size", "required"},
		{"missing out_features", []int{8}, []Layer{{Type: "Linear"}}, "layers[0].out_features", "required"},
		{"zero stride axis", []int{3, 8, 8}, []Layer{{Type: "Conv2d", OutChannels: 2, KernelSize: Square(3), Stride: Pair{1, 0}}}, "layers[0].stride", "width"},
		{"negative padding", []int{3, 8, 8}, []Layer{{Type: "Conv2d", OutChannels: 2, KernelSize: Square(3), Padding: Pair{-1, 0}}}, "layers[0].padding", "negative"},
		{"pool padding over half the kernel", []int{3, 8, 8}, []Layer{{Type: "MaxPool2d", KernelSize: Square(2), Padding: Square(2)}}, "layers[0].padding", "at most half"},
		{"avg pool dilation", []int{3, 8, 8}, []Layer{{Type: "AvgPool2d", KernelSize: Square(2), Dilation: Square(2)}}, "layers[0].dilation", "no dilation"},
		{"conv shrinks the width below 1", []int{3, 20, 4}, []Layer{{Type: "ReLU"}, {Type: "Conv2d", OutChannels: 2, KernelSize: Square(5)}}, "layers[1]",
			"layer 1 (Conv2d) shrinks the width below 1: the dilated kernel (5) is larger than the padded input (4)"},
		{"pool shrinks the height below 1", []int{3, 2, 8}, []Layer{{Type: "MaxPool2d", KernelSize: Square(3)}}, "layers[0]", "layer 0 (MaxPool2d) shrinks the height below 1"},
		{"stack shrinks to nothing", []int{1, 8, 8}, []Layer{conv, conv, conv, conv}, "layers[3]", "layer 3 (Conv2d) shrinks the height"},
		{"conv grows a dimension past the bound", []int{1, MaxDimension, 1}, []Layer{{Type: "Conv2d", OutChannels: 1, KernelSize: Square(1), Padding: Square(1)}}, "layers[0]", "makes the height"},
		{"too many parameters", []int{MaxDimension, MaxDimension, 4}, []Layer{{Type: "Flatten"}, {Type: "Linear", OutFeatures: MaxDimension}}, "layers[1]", "more than"},
		{"flatten too large", []int{MaxDimension, MaxDimension, MaxDimension}, []Layer{{Type: "Flatten"}}, "layers[0]", "Flatten"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PropagateNetwork(tt.input, tt.layers)
			if f := fieldOf(t, err); f != tt.field {
				t.Errorf("field = %q, want %q (error %q)", f, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}

func TestPropagateNetworkTotalBound(t *testing.T) {
	// Every layer stays under MaxParams; with nine square layers the sum
	// does too, with ten it does not.
	build := func(square int) []Layer {
		layers := []Layer{
			{Type: "Flatten"}, // 2^40 features
			{Type: "Linear", OutFeatures: 900, Bias: boolPtr(false)},     // 2^40·900 ≈ 9.9e14
			{Type: "Linear", OutFeatures: 1 << 20, Bias: boolPtr(false)}, // 900·2^20
		}
		for range square {
			layers = append(layers, Layer{Type: "Linear", OutFeatures: 1 << 20, Bias: boolPtr(false)}) // 2^40 each
		}
		return layers
	}
	input := []int{1 << 20, 1 << 20, 1}
	res, err := PropagateNetwork(input, build(9))
	if err != nil {
		t.Fatalf("large legal network rejected: %v", err)
	}
	if want := int64(1<<40)*900 + 900<<20 + 9<<40; res.TotalParams != want {
		t.Fatalf("total %d, want %d", res.TotalParams, want)
	}
	_, err = PropagateNetwork(input, build(10))
	if f := fieldOf(t, err); f != "layers" {
		t.Fatalf("field %q, want layers (error %v)", f, err)
	}
}

func TestLayerTypes(t *testing.T) {
	a := LayerTypes()
	a[0] = "changed"
	if b := LayerTypes(); b[0] != "Conv2d" || len(b) != 16 {
		t.Fatalf("LayerTypes = %v", b)
	}
}

package compute

import (
	"reflect"
	"strings"
	"testing"
)

func intPtr(n int) *int { return &n }

// The expectations below are computed by hand from PyTorch's documented
// formulas, quoted per group:
//
//   - pooling (torch.nn.MaxPool2d / AvgPool2d docs, and
//     aten/src/ATen/native/Pool.h pooling_output_shape):
//     out = floor_or_ceil((in + 2p − d·(k−1) − 1) / s) + 1, and with
//     ceil_mode the last window must start inside the input or the left
//     padding: if (out−1)·s ≥ in + p then out −= 1;
//   - Conv2d (torch.nn.Conv2d docs): weight [out, in/groups, kH, kW],
//     bias [out]; padding='same' keeps H and W and is refused for stride > 1;
//   - AdaptiveAvgPool2d / AdaptiveMaxPool2d: the output is output_size,
//     None keeps the input size;
//   - BatchNorm2d: weight and bias [C] when affine (running_mean and
//     running_var are buffers, not in model.parameters());
//   - Flatten(start_dim, end_dim) on the batched input [N, C, H, W].
func TestPropagateNetworkPyTorchSemantics(t *testing.T) {
	tests := []struct {
		name   string
		input  []int
		layer  Layer
		shape  []int
		params int64
	}{
		// (5 − 2 + 1)/2 + 1 = 3; floor mode gives (5 − 2)/2 + 1 = 2.
		{"max pool ceil_mode rounds up", []int{2, 5, 5}, Layer{Type: "MaxPool2d", KernelSize: Square(2), Stride: Square(2), CeilMode: true}, []int{2, 3, 3}, 0},
		{"max pool floor mode for contrast", []int{2, 5, 5}, Layer{Type: "MaxPool2d", KernelSize: Square(2), Stride: Square(2)}, []int{2, 2, 2}, 0},
		// ceil((6 + 2 − 2 − 1)/2) + 1 = 4; (4−1)·2 = 6 < 6 + 1, so it stays.
		{"ceil with padding", []int{1, 6, 6}, Layer{Type: "MaxPool2d", KernelSize: Square(3), Stride: Square(2), Padding: Square(1), CeilMode: true}, []int{1, 4, 4}, 0},
		// ceil((5 + 2 − 1 − 1)/2) + 1 = 4, but (4−1)·2 = 6 ≥ 5 + 1: the last
		// window would start in the right padding, so PyTorch drops it: 3.
		{"ceil drops a window starting in the right padding", []int{1, 5, 5}, Layer{Type: "MaxPool2d", KernelSize: Square(2), Stride: Square(2), Padding: Square(1), CeilMode: true}, []int{1, 3, 3}, 0},
		// GoogLeNet's maxpool1 on 112: ceil((112 − 3)/2) + 1 = 56 (floor: 55).
		{"googlenet maxpool", []int{64, 112, 112}, Layer{Type: "MaxPool2d", KernelSize: Square(3), Stride: Square(2), CeilMode: true}, []int{64, 56, 56}, 0},
		// ceil((2 − 3)/2) + 1 = ceil(−0.5) + 1 = 1: a window larger than the
		// input is allowed in ceil mode (floor mode refuses it, below).
		{"ceil admits a window past the input", []int{1, 2, 2}, Layer{Type: "MaxPool2d", KernelSize: Square(3), Stride: Square(2), CeilMode: true}, []int{1, 1, 1}, 0},
		// ceil((7 − 2)/2) + 1 = 4; (4−1)·2 = 6 < 7.
		{"avg pool ceil_mode", []int{3, 7, 7}, Layer{Type: "AvgPool2d", KernelSize: Square(2), CeilMode: true}, []int{3, 4, 4}, 0},
		{"ceil per axis", []int{1, 5, 4}, Layer{Type: "AvgPool2d", KernelSize: Pair{2, 3}, Stride: Pair{2, 2}, CeilMode: true}, []int{1, 3, 2}, 0},

		// 64·(32/4)·3·3 + 64 = 4672.
		{"grouped conv", []int{32, 10, 10}, Layer{Type: "Conv2d", OutChannels: 64, KernelSize: Square(3), Groups: 4}, []int{64, 8, 8}, 4672},
		// Depthwise: 32·1·9 + 32 = 320.
		{"depthwise conv", []int{32, 10, 10}, Layer{Type: "Conv2d", OutChannels: 32, KernelSize: Square(3), Padding: Square(1), Groups: 32}, []int{32, 10, 10}, 320},
		{"groups 1 is the default", []int{4, 6, 6}, Layer{Type: "Conv2d", OutChannels: 2, KernelSize: Square(3), Groups: 1, InChannels: 4}, []int{2, 4, 4}, 2*4*9 + 2},
		// 8·3·25 + 8 = 608; 'same' keeps 7×9.
		{"padding same", []int{3, 7, 9}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(5), PaddingMode: "same"}, []int{8, 7, 9}, 608},
		{"padding same with an even dilated kernel", []int{3, 7, 9}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Pair{4, 2}, Dilation: Square(3), PaddingMode: "same", Bias: boolPtr(false)}, []int{8, 7, 9}, 8 * 3 * 8},
		{"padding valid", []int{3, 7, 9}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(3), PaddingMode: "valid"}, []int{8, 5, 7}, 8*3*9 + 8},
		// floor((20 − 2·(5−1) − 1)/1) + 1 = 12.
		{"dilated conv", []int{1, 20, 20}, Layer{Type: "Conv2d", OutChannels: 1, KernelSize: Square(5), Dilation: Square(2)}, []int{1, 12, 12}, 26},

		{"adaptive avg pool to 1×1", []int{512, 7, 7}, Layer{Type: "AdaptiveAvgPool2d", OutputSize: Square(1)}, []int{512, 1, 1}, 0},
		{"adaptive avg pool can enlarge", []int{256, 1, 1}, Layer{Type: "AdaptiveAvgPool2d", OutputSize: Square(6)}, []int{256, 6, 6}, 0},
		{"adaptive max pool with None", []int{4, 10, 12}, Layer{Type: "AdaptiveMaxPool2d", OutputSize: Pair{0, 3}}, []int{4, 10, 3}, 0},

		{"batch norm counts weight and bias only", []int{64, 56, 56}, Layer{Type: "BatchNorm2d", NumFeatures: 64}, []int{64, 56, 56}, 128},
		{"batch norm without affine", []int{64, 56, 56}, Layer{Type: "BatchNorm2d", Affine: boolPtr(false)}, []int{64, 56, 56}, 0},

		{"flatten defaults", []int{4, 5, 6}, Layer{Type: "Flatten", StartDim: intPtr(1), EndDim: intPtr(-1)}, []int{120}, 0},
		{"flatten from dim 2", []int{4, 5, 6}, Layer{Type: "Flatten", StartDim: intPtr(2)}, []int{4, 30}, 0},
		{"flatten dims 1 to 2", []int{4, 5, 6}, Layer{Type: "Flatten", StartDim: intPtr(1), EndDim: intPtr(2)}, []int{20, 6}, 0},
		{"flatten negative dims", []int{4, 5, 6}, Layer{Type: "Flatten", StartDim: intPtr(-2), EndDim: intPtr(-1)}, []int{4, 30}, 0},
		{"flatten one dim is a no-op", []int{4, 5, 6}, Layer{Type: "Flatten", StartDim: intPtr(3), EndDim: intPtr(3)}, []int{4, 5, 6}, 0},

		{"linear with matching in_features", []int{400}, Layer{Type: "Linear", InFeatures: 400, OutFeatures: 120}, []int{120}, 48120},
		{"softmax dim 1 on a vector", []int{10}, Layer{Type: "Softmax", Dim: intPtr(1)}, []int{10}, 0},
		{"softmax dim -1", []int{10}, Layer{Type: "Softmax", Dim: intPtr(-1)}, []int{10}, 0},
		{"leaky relu", []int{3, 4, 4}, Layer{Type: "LeakyReLU"}, []int{3, 4, 4}, 0},
		{"gelu", []int{7}, Layer{Type: "GELU"}, []int{7}, 0},
		{"dropout2d", []int{3, 4, 4}, Layer{Type: "Dropout2d"}, []int{3, 4, 4}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := PropagateNetwork(tt.input, []Layer{tt.layer})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Layers[0]
			if !reflect.DeepEqual(got.OutputShape, tt.shape) || got.Params != tt.params {
				t.Fatalf("got %+v, want shape %v params %d", got, tt.shape, tt.params)
			}
		})
	}
}

func TestPropagateNetworkPyTorchErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   []int
		layer   Layer
		field   string
		message string
	}{
		{"floor mode refuses a window past the input", []int{1, 2, 2}, Layer{Type: "MaxPool2d", KernelSize: Square(3), Stride: Square(2)}, "layers[0]", "shrinks the height below 1"},
		// ceil((2 − 5)/3) + 1 = −1 + 1 = 0: PyTorch's div_rtn rounds −1/3
		// toward −∞; truncation would wrongly give 1.
		{"ceil mode rounds negative numerators down", []int{1, 2, 2}, Layer{Type: "MaxPool2d", KernelSize: Square(5), Stride: Square(3), Padding: Square(0), CeilMode: true}, "layers[0]", "even with ceil_mode"},
		{"ceil keeps the half-kernel padding rule", []int{1, 8, 8}, Layer{Type: "MaxPool2d", KernelSize: Square(2), Padding: Square(2), CeilMode: true}, "layers[0].padding", "at most half"},
		{"in_channels not divisible by groups", []int{30, 8, 8}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(3), Groups: 4}, "layers[0].groups", "in_channels must be divisible by groups"},
		{"out_channels not divisible by groups", []int{8, 8, 8}, Layer{Type: "Conv2d", OutChannels: 6, KernelSize: Square(3), Groups: 4}, "layers[0].groups", "out_channels must be divisible by groups"},
		{"negative groups", []int{8, 8, 8}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(3), Groups: -1}, "layers[0].groups", "from 1"},
		{"same padding with a stride", []int{3, 8, 8}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(3), Stride: Square(2), PaddingMode: "same"}, "layers[0].padding", "not supported for strided convolutions"},
		{"same padding and a size", []int{3, 8, 8}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(3), Padding: Square(1), PaddingMode: "same"}, "layers[0].padding", "one or the other"},
		{"unknown padding string", []int{3, 8, 8}, Layer{Type: "Conv2d", OutChannels: 8, KernelSize: Square(3), PaddingMode: "full"}, "layers[0].padding", `"full"`},
		{"in_channels mismatch", []int{3, 128, 128}, Layer{Type: "Conv2d", InChannels: 4, OutChannels: 12, KernelSize: Square(17)}, "layers[0].in_channels",
			`Given groups=1, weight of size [12, 4, 17, 17], expected input[N, 3, 128, 128] to have 4 channels, but got 3 channels instead`},
		{"num_features mismatch", []int{3, 8, 8}, Layer{Type: "BatchNorm2d", NumFeatures: 64}, "layers[0].num_features", "running_mean should contain 3 elements not 64"},
		{"adaptive pool on a vector", []int{10}, Layer{Type: "AdaptiveAvgPool2d", OutputSize: Square(1)}, "layers[0]", "3-D"},
		{"adaptive pool negative size", []int{3, 8, 8}, Layer{Type: "AdaptiveAvgPool2d", OutputSize: Pair{-1, 2}}, "layers[0].output_size", "negative"},
		{"linear in_features mismatch", []int{400}, Layer{Type: "Linear", InFeatures: 256, OutFeatures: 120}, "layers[0].in_features",
			"mat1 and mat2 shapes cannot be multiplied (Nx400 and 256x120)"},
		{"linear on an unflattened input", []int{16, 5, 5}, Layer{Type: "Linear", InFeatures: 400, OutFeatures: 120}, "layers[0].in_features",
			`(80·Nx5 and 400x120)"; the input holds 400 values in all, so the model's forward() probably flattens it`},
		{"flatten start_dim out of range", []int{4, 5, 6}, Layer{Type: "Flatten", StartDim: intPtr(4)}, "layers[0].start_dim", "expected to be in range of [-4, 3], but got 4"},
		{"flatten end_dim out of range", []int{4}, Layer{Type: "Flatten", EndDim: intPtr(-3)}, "layers[0].end_dim", "expected to be in range of [-2, 1], but got -3"},
		{"flatten start after end", []int{4, 5, 6}, Layer{Type: "Flatten", StartDim: intPtr(3), EndDim: intPtr(1)}, "layers[0].start_dim", "start_dim cannot come after end_dim"},
		{"flatten the batch", []int{4, 5, 6}, Layer{Type: "Flatten", StartDim: intPtr(0)}, "layers[0].start_dim", "batch"},
		{"softmax dim out of range", []int{10}, Layer{Type: "Softmax", Dim: intPtr(2)}, "layers[0].dim", "expected to be in range of [-2, 1], but got 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PropagateNetwork(tt.input, []Layer{tt.layer})
			if f := fieldOf(t, err); f != tt.field {
				t.Errorf("field = %q, want %q (error %q)", f, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
		})
	}
}

// TestFloorDiv pins div_rtn, which the ceil-mode size depends on for
// negative numerators.
func TestFloorDiv(t *testing.T) {
	for _, c := range []struct{ a, b, want int }{{7, 2, 3}, {6, 2, 3}, {0, 3, 0}, {-1, 3, -1}, {-3, 3, -1}, {-4, 3, -2}} {
		if got := floorDiv(c.a, c.b); got != c.want {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

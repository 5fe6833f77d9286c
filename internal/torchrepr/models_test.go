package torchrepr

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readModel loads a print(model) text from testdata/models. The texts are
// what PyTorch 2.x prints for these models (torchvision's AlexNet and
// VGG-11 for alexnet*.txt and vgg11_features.txt: print(models.alexnet())
// and print(models.vgg11().features)).
func readModel(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "models", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type wantLayer struct {
	path   string
	class  string
	shape  []int
	params int64
}

// The expected shapes and counts are computed by hand below each case from
// PyTorch's formulas (out = floor((in + 2p − d(k−1) − 1)/s) + 1; Conv2d
// O·C·kH·kW + O; Linear in·out + out; BatchNorm2d 2·C), and the totals
// match what sum(p.numel() for p in m.parameters()) reports for these
// models: LeNet-5 61,706; the recitation's CNN 405,050 (its §3.3 gives
// 10,416 for the convolution and 394,634 for the dense layers); torchvision
// AlexNet features 2,469,696; VGG-11 features 9,220,480; ResNet-18's
// conv1 + bn1 9,408 + 128.
func TestRealModels(t *testing.T) {
	tests := []struct {
		file  string
		input []int
		want  []wantLayer
		total int64
	}{
		{"lenet5.txt", []int{1, 32, 32}, []wantLayer{
			{"0", "Conv2d", []int{6, 28, 28}, 156}, // 1·6·25 + 6; 32 − 5 + 1 = 28
			{"1", "Tanh", []int{6, 28, 28}, 0},
			{"2", "AvgPool2d", []int{6, 14, 14}, 0},
			{"3", "Conv2d", []int{16, 10, 10}, 2416}, // 6·16·25 + 16
			{"4", "Tanh", []int{16, 10, 10}, 0},
			{"5", "AvgPool2d", []int{16, 5, 5}, 0},
			{"6", "Flatten", []int{400}, 0},
			{"7", "Linear", []int{120}, 48120}, // 400·120 + 120
			{"8", "Tanh", []int{120}, 0},
			{"9", "Linear", []int{84}, 10164}, // 120·84 + 84
			{"10", "Tanh", []int{84}, 0},
			{"11", "Linear", []int{10}, 850}, // 84·10 + 10
		}, 61706},
		{"lenet5_module.txt", []int{1, 32, 32}, []wantLayer{
			{"conv1", "Conv2d", []int{6, 28, 28}, 156},
			{"relu1", "ReLU", []int{6, 28, 28}, 0},
			{"pool1", "MaxPool2d", []int{6, 14, 14}, 0},
			{"conv2", "Conv2d", []int{16, 10, 10}, 2416},
			{"relu2", "ReLU", []int{16, 10, 10}, 0},
			{"pool2", "MaxPool2d", []int{16, 5, 5}, 0},
			{"flatten", "Flatten", []int{400}, 0},
			{"fc1", "Linear", []int{120}, 48120},
			{"relu3", "ReLU", []int{120}, 0},
			{"fc2", "Linear", []int{84}, 10164},
			{"relu4", "ReLU", []int{84}, 0},
			{"fc3", "Linear", []int{10}, 850},
		}, 61706},
		{"recitation_cnn.txt", []int{3, 128, 128}, []wantLayer{
			{"0", "MaxPool2d", []int{3, 64, 64}, 0},
			{"1", "Conv2d", []int{12, 48, 48}, 10416}, // 3·12·17·17 + 12; 64 − 17 + 1 = 48
			{"2", "MaxPool2d", []int{12, 16, 16}, 0},
			{"3", "Flatten", []int{3072}, 0},
			{"4", "Linear", []int{128}, 393344}, // 3072·128 + 128
			{"5", "ReLU", []int{128}, 0},
			{"6", "Linear", []int{10}, 1290}, // 128·10 + 10
			{"7", "Softmax", []int{10}, 0},
		}, 405050},
		{"alexnet_features.txt", []int{3, 224, 224}, []wantLayer{
			{"0", "Conv2d", []int{64, 55, 55}, 23296}, // 3·64·121 + 64; (224 + 4 − 11)/4 + 1 = 55
			{"1", "ReLU", []int{64, 55, 55}, 0},
			{"2", "MaxPool2d", []int{64, 27, 27}, 0},    // (55 − 3)/2 + 1
			{"3", "Conv2d", []int{192, 27, 27}, 307392}, // 64·192·25 + 192
			{"4", "ReLU", []int{192, 27, 27}, 0},
			{"5", "MaxPool2d", []int{192, 13, 13}, 0},
			{"6", "Conv2d", []int{384, 13, 13}, 663936}, // 192·384·9 + 384
			{"7", "ReLU", []int{384, 13, 13}, 0},
			{"8", "Conv2d", []int{256, 13, 13}, 884992}, // 384·256·9 + 256
			{"9", "ReLU", []int{256, 13, 13}, 0},
			{"10", "Conv2d", []int{256, 13, 13}, 590080}, // 256·256·9 + 256
			{"11", "ReLU", []int{256, 13, 13}, 0},
			{"12", "MaxPool2d", []int{256, 6, 6}, 0},
		}, 2469696},
		{"vgg11_features.txt", []int{3, 224, 224}, []wantLayer{
			{"0", "Conv2d", []int{64, 224, 224}, 1792}, // 3·64·9 + 64
			{"1", "ReLU", []int{64, 224, 224}, 0},
			{"2", "MaxPool2d", []int{64, 112, 112}, 0},
			{"3", "Conv2d", []int{128, 112, 112}, 73856}, // 64·128·9 + 128
			{"4", "ReLU", []int{128, 112, 112}, 0},
			{"5", "MaxPool2d", []int{128, 56, 56}, 0},
			{"6", "Conv2d", []int{256, 56, 56}, 295168}, // 128·256·9 + 256
			{"7", "ReLU", []int{256, 56, 56}, 0},
			{"8", "Conv2d", []int{256, 56, 56}, 590080}, // 256·256·9 + 256
			{"9", "ReLU", []int{256, 56, 56}, 0},
			{"10", "MaxPool2d", []int{256, 28, 28}, 0},
			{"11", "Conv2d", []int{512, 28, 28}, 1180160}, // 256·512·9 + 512
			{"12", "ReLU", []int{512, 28, 28}, 0},
			{"13", "Conv2d", []int{512, 28, 28}, 2359808}, // 512·512·9 + 512
			{"14", "ReLU", []int{512, 28, 28}, 0},
			{"15", "MaxPool2d", []int{512, 14, 14}, 0},
			{"16", "Conv2d", []int{512, 14, 14}, 2359808},
			{"17", "ReLU", []int{512, 14, 14}, 0},
			{"18", "Conv2d", []int{512, 14, 14}, 2359808},
			{"19", "ReLU", []int{512, 14, 14}, 0},
			{"20", "MaxPool2d", []int{512, 7, 7}, 0},
		}, 9220480},
		{"resnet_stem.txt", []int{3, 224, 224}, []wantLayer{
			{"0", "Conv2d", []int{64, 112, 112}, 9408},     // 3·64·49, no bias; (224 + 6 − 7)/2 + 1 = 112
			{"1", "BatchNorm2d", []int{64, 112, 112}, 128}, // weight and bias; running stats are buffers
			{"2", "ReLU", []int{64, 112, 112}, 0},
			{"3", "MaxPool2d", []int{64, 56, 56}, 0}, // (112 + 2 − 3)/2 + 1 = 56
			{"4", "AdaptiveAvgPool2d", []int{64, 1, 1}, 0},
		}, 9536},
		{"resnet_stem_module.txt", []int{3, 224, 224}, []wantLayer{
			{"conv1", "Conv2d", []int{64, 112, 112}, 9408},
			{"bn1", "BatchNorm2d", []int{64, 112, 112}, 128},
			{"relu", "ReLU", []int{64, 112, 112}, 0},
			{"maxpool", "MaxPool2d", []int{64, 56, 56}, 0},
			{"avgpool", "AdaptiveAvgPool2d", []int{64, 1, 1}, 0},
		}, 9536},
		{"repeated.txt", []int{3, 4, 4}, []wantLayer{
			{"inp", "Flatten", []int{48}, 0},
			{"blocks.0.0", "Linear", []int{48}, 2352}, // 48·48 + 48
			{"blocks.0.1", "GELU", []int{48}, 0},
			{"blocks.1.0", "Linear", []int{48}, 2352},
			{"blocks.1.1", "GELU", []int{48}, 0},
			{"blocks.2", "Linear", []int{10}, 480}, // 48·10, no bias
		}, 5184},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Parse(readModel(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Propagate(tt.input, m)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Layers) != len(tt.want) {
				t.Fatalf("%d layers, want %d: %+v", len(res.Layers), len(tt.want), res.Layers)
			}
			var sum int64
			for i, w := range tt.want {
				got, src := res.Layers[i], m.Sources[i]
				if src.Path != w.path || src.Class != w.class || got.Type != w.class ||
					!reflect.DeepEqual(got.OutputShape, w.shape) || got.Params != w.params {
					t.Errorf("layer %d = %s %s %v %d, want %s %s %v %d", i, src.Path, got.Type, got.OutputShape, got.Params, w.path, w.class, w.shape, w.params)
				}
				sum += w.params
			}
			// The per-layer expectations must add up to the published
			// total, so a typo in either is caught.
			if sum != tt.total || res.TotalParams != tt.total {
				t.Errorf("total = %d (expectations sum to %d), want %d", res.TotalParams, sum, tt.total)
			}
		})
	}
}

// TestRecitationSplit checks the recitation's own split of the parameters
// (§3.3): 10,416 in the convolution, 394,634 in the dense layers.
func TestRecitationSplit(t *testing.T) {
	m, err := Parse(readModel(t, "recitation_cnn.txt"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Propagate([]int{3, 128, 128}, m)
	if err != nil {
		t.Fatal(err)
	}
	var conv, fc int64
	for _, l := range res.Layers {
		switch l.Type {
		case "Conv2d":
			conv += l.Params
		case "Linear":
			fc += l.Params
		}
	}
	if conv != 10416 || fc != 394634 {
		t.Fatalf("conv %d, fc %d; want 10416 and 394634", conv, fc)
	}
}

// TestFullAlexNetNeedsItsFlatten: torchvision's AlexNet.forward calls
// torch.flatten(x, 1) between avgpool and the classifier, which print(model)
// does not show. Run as printed, PyTorch would fail at classifier.1; so
// does Stride, naming the line and the layer, and suggesting the fix.
func TestFullAlexNetNeedsItsFlatten(t *testing.T) {
	text := readModel(t, "alexnet.txt")
	m, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Propagate([]int{3, 224, 224}, m)
	e := asError(t, err)
	if e.Line != 20 || e.Layer != "classifier.1 (Linear)" || e.Arg != "in_features" {
		t.Fatalf("error at line %d, layer %q, arg %q: %v", e.Line, e.Layer, e.Arg, err)
	}
	for _, s := range []string{"mat1 and mat2 shapes cannot be multiplied (1536·Nx6 and 9216x4096)", "add Flatten() before this layer"} {
		if !strings.Contains(e.Message, s) {
			t.Errorf("message %q lacks %q", e.Message, s)
		}
	}
	// With the Flatten the forward() performs written in, it works: 6·6·256
	// = 9216 features, and torchvision's AlexNet has 61,100,840 parameters.
	fixed := strings.Replace(text, "  (classifier): Sequential(\n", "  (flatten): Flatten(start_dim=1, end_dim=-1)\n  (classifier): Sequential(\n", 1)
	m, err = Parse(fixed)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Propagate([]int{3, 224, 224}, m)
	if err != nil {
		t.Fatal(err)
	}
	// features 2,469,696 + 9216·4096 + 4096 + 4096·4096 + 4096 + 4096·1000 + 1000.
	if want := int64(2469696 + 9216*4096 + 4096 + 4096*4096 + 4096 + 4096*1000 + 1000); res.TotalParams != want || want != 61100840 {
		t.Fatalf("total %d, want %d (= 61100840)", res.TotalParams, want)
	}
	if got := res.Layers[len(res.Layers)-1].OutputShape; !reflect.DeepEqual(got, []int{1000}) {
		t.Fatalf("output shape %v", got)
	}
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %v (%T) is not a *torchrepr.Error", err, err)
	}
	return e
}

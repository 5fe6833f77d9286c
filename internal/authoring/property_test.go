package authoring

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
)

func yamlGrid(m [][]float64) string {
	rows := make([]string, len(m))
	for i, r := range m {
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		rows[i] = "[" + strings.Join(cells, ", ") + "]"
	}
	return "[" + strings.Join(rows, ", ") + "]"
}

func shapeAnswer(s []int) string {
	if len(s) == 3 {
		return fmt.Sprintf("%d@%d×%d", s[0], s[1], s[2])
	}
	return fmt.Sprint(s[0])
}

// TestPropertyConvByHand: files with random valid data give variants whose
// expected answers are what the compute engine computes.
func TestPropertyConvByHand(t *testing.T) {
	cat := exercises.NewCatalog()
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 150 {
		h, w, k := 2+rng.IntN(6), 2+rng.IntN(6), 1+rng.IntN(3)
		if k > h || k > w {
			continue
		}
		image := make([][]float64, h)
		for i := range image {
			image[i] = make([]float64, w)
			for j := range image[i] {
				image[i][j] = float64(rng.IntN(21) - 10)
			}
		}
		filter := make([][]float64, k)
		for i := range filter {
			filter[i] = make([]float64, k)
			for j := range filter[i] {
				filter[i][j] = float64(rng.IntN(7) - 3)
			}
		}
		stride, padding := 1+rng.IntN(2), rng.IntN(k)
		out, err := compute.Conv2D(compute.ConvSpec{Input: [][][]float64{image}, Kernel: [][][][]float64{{filter}},
			Stride: compute.Square(stride), Padding: compute.Square(padding)})
		if err != nil {
			t.Fatal(err)
		}
		oh, ow := len(out[0]), len(out[0][0])
		r, c := rng.IntN(oh), rng.IntN(ow)
		src := fmt.Sprintf("id: p\ntitle: P\nfamily: conv-by-hand\ndata:\n  image: %s\n  filter: %s\n  cases:\n    - stride: %d\n      padding: %d\n      cell: [%d, %d]\n      whole_output: %v\n",
			yamlGrid(image), yamlGrid(filter), stride, padding, r+1, c+1, oh*ow <= 64)
		ex, err := Parse("p.yaml", []byte(src), cat.IsBuiltin)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", n, err, src)
		}
		v, err := ex.Variant(0)
		if err != nil {
			t.Fatal(err)
		}
		dims, _ := v.Part("dims")
		cell, _ := v.Part("cell")
		if dims.Input != fmt.Sprintf("%dx%d", oh, ow) || cell.Input != strconv.FormatFloat(out[0][r][c], 'f', -1, 64) {
			t.Fatalf("case %d: dims %q cell %q, engine %dx%d and %v\n%s", n, dims.Input, cell.Input, oh, ow, out[0][r][c], src)
		}
		if whole, ok := v.Part("output"); ok {
			rows := make([]string, oh)
			for i, row := range out[0] {
				cells := make([]string, ow)
				for j, x := range row {
					cells[j] = strconv.FormatFloat(x, 'f', -1, 64)
				}
				rows[i] = strings.Join(cells, ", ")
			}
			if want := "[" + strings.Join(rows, "; ") + "]"; whole.Input != want {
				t.Fatalf("case %d: whole output %q, engine %q", n, whole.Input, want)
			}
		} else if oh*ow <= 64 {
			t.Fatalf("case %d: the whole output is not asked", n)
		}
		if vd := cell.Check(cell.Input); vd.Status != exercises.StatusCorrect {
			t.Fatalf("case %d: the expected answer is marked %s", n, vd.Status)
		}
	}
}

func TestPropertyOutputSize(t *testing.T) {
	cat := exercises.NewCatalog()
	rng := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for range 400 {
		w, k, p, s, d := 1+rng.IntN(200), 1+rng.IntN(11), rng.IntN(5), 1+rng.IntN(5), 1+rng.IntN(3)
		want, err := compute.OutputSize(w, k, p, s, d)
		src := fmt.Sprintf("id: p\ntitle: P\nfamily: output-size\ndata:\n  input_width: %d\n  kernel: %d\n  padding: %d\n  stride: %d\n  dilation: %d\n", w, k, p, s, d)
		ex, perr := Parse("p.yaml", []byte(src), cat.IsBuiltin)
		if (err != nil || want < 1) != (perr != nil) {
			t.Fatalf("engine %d, %v; file %v\n%s", want, err, perr, src)
		}
		if perr != nil {
			continue
		}
		v, _ := ex.Variant(0)
		if got := v.Parts[0].Input; got != strconv.Itoa(want) {
			t.Fatalf("width %s, engine %d\n%s", got, want, src)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d valid cases", checked)
	}
}

func TestPropertyNetwork(t *testing.T) {
	cat := exercises.NewCatalog()
	rng := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for range 150 {
		size := 8 + rng.IntN(40)
		var lines []string
		var layers []compute.Layer
		for range 1 + rng.IntN(4) {
			switch rng.IntN(3) {
			case 0:
				o, k := 1+rng.IntN(16), 1+rng.IntN(5)
				lines = append(lines, fmt.Sprintf("    - {type: Conv2d, out_channels: %d, kernel_size: %d}", o, k))
				layers = append(layers, compute.Layer{Type: "Conv2d", OutChannels: o, KernelSize: compute.Square(k)})
			case 1:
				k := 2 + rng.IntN(2)
				lines = append(lines, fmt.Sprintf("    - {type: MaxPool2d, kernel_size: %d}", k))
				layers = append(layers, compute.Layer{Type: "MaxPool2d", KernelSize: compute.Square(k)})
			default:
				lines = append(lines, "    - {type: ReLU}")
				layers = append(layers, compute.Layer{Type: "ReLU"})
			}
		}
		f := 1 + rng.IntN(50)
		lines = append(lines, "    - {type: Flatten}", fmt.Sprintf("    - {type: Linear, out_features: %d}", f))
		layers = append(layers, compute.Layer{Type: "Flatten"}, compute.Layer{Type: "Linear", OutFeatures: f})
		in := []int{1 + rng.IntN(3), size, size}
		res, err := compute.PropagateNetwork(in, layers)
		src := fmt.Sprintf("id: p\ntitle: P\nfamily: network\ndata:\n  input_shape: [%d, %d, %d]\n  layers:\n%s\n", in[0], in[1], in[2], strings.Join(lines, "\n"))
		ex, perr := Parse("p.yaml", []byte(src), cat.IsBuiltin)
		if (err != nil) != (perr != nil) {
			t.Fatalf("engine %v; file %v\n%s", err, perr, src)
		}
		if perr != nil {
			continue
		}
		v, _ := ex.Variant(0)
		for i, p := range v.Parts {
			if want := shapeAnswer(res.Layers[i].OutputShape); p.Input != want {
				t.Fatalf("row %s: %q, engine %q\n%s", p.ID, p.Input, want, src)
			}
		}
		checked++
	}
	if checked < 50 {
		t.Fatalf("only %d valid networks", checked)
	}
}

func TestPropertyPooling(t *testing.T) {
	cat := exercises.NewCatalog()
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 150 {
		h, w, k := 2+rng.IntN(7), 2+rng.IntN(7), 1+rng.IntN(3)
		if k > h || k > w {
			continue
		}
		s := 1 + rng.IntN(k)
		image := make([][]float64, h)
		for i := range image {
			image[i] = make([]float64, w)
			for j := range image[i] {
				image[i][j] = float64(rng.IntN(19) - 9)
			}
		}
		out, err := compute.Pool2D(compute.PoolSpec{Op: compute.MaxPool, Input: [][][]float64{image}, KernelSize: compute.Square(k), Stride: compute.Square(s)})
		if err != nil {
			t.Fatal(err)
		}
		oh, ow := len(out[0]), len(out[0][0])
		r, c := rng.IntN(oh), rng.IntN(ow)
		src := fmt.Sprintf("id: p\ntitle: P\nfamily: pooling\ndata:\n  image: %s\n  cases:\n    - kernel: %d\n      stride: %d\n      cell: [%d, %d]\n",
			yamlGrid(image), k, s, r+1, c+1)
		ex, err := Parse("p.yaml", []byte(src), cat.IsBuiltin)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", n, err, src)
		}
		v, _ := ex.Variant(0)
		dims, _ := v.Part("dims")
		cell, _ := v.Part("cell")
		if dims.Input != fmt.Sprintf("%dx%d", oh, ow) || cell.Input != strconv.FormatFloat(out[0][r][c], 'f', -1, 64) {
			t.Fatalf("case %d: dims %q cell %q, engine %dx%d and %v\n%s", n, dims.Input, cell.Input, oh, ow, out[0][r][c], src)
		}
	}
}

// TestPropertyConvChannels: several channels, filters and biases; the cell
// and the output shape agree with the engine, and the usual slips are
// named.
func TestPropertyConvChannels(t *testing.T) {
	cat := exercises.NewCatalog()
	rng := rand.New(rand.NewPCG(9, 10))
	grid := func(h, w int) [][]float64 {
		m := make([][]float64, h)
		for i := range m {
			m[i] = make([]float64, w)
			for j := range m[i] {
				m[i][j] = float64(rng.IntN(9) - 4)
			}
		}
		return m
	}
	for n := range 80 {
		c, o, k := 1+rng.IntN(3), 1+rng.IntN(3), 1+rng.IntN(2)
		h, w := k+rng.IntN(4), k+rng.IntN(4)
		var input [][][]float64
		var chans []string
		for range c {
			g := grid(h, w)
			input = append(input, g)
			chans = append(chans, yamlGrid(g))
		}
		var kernel [][][][]float64
		var filts []string
		bias := make([]float64, o)
		var biasText []string
		for f := range o {
			var fk [][][]float64
			var fc []string
			for range c {
				g := grid(k, k)
				fk = append(fk, g)
				fc = append(fc, yamlGrid(g))
			}
			kernel = append(kernel, fk)
			filts = append(filts, "["+strings.Join(fc, ", ")+"]")
			bias[f] = float64(rng.IntN(7) - 3)
			biasText = append(biasText, strconv.FormatFloat(bias[f], 'f', -1, 64))
		}
		out, err := compute.Conv2D(compute.ConvSpec{Input: input, Kernel: kernel, Bias: bias})
		if err != nil {
			t.Fatal(err)
		}
		oc, r, col := rng.IntN(o), rng.IntN(len(out[0])), rng.IntN(len(out[0][0]))
		src := fmt.Sprintf("id: p\ntitle: P\nfamily: conv-by-hand\ndata:\n  input: [%s]\n  filters: [%s]\n  bias: [%s]\n  cases:\n    - cell: [%d, %d]\n      out_channel: %d\n",
			strings.Join(chans, ", "), strings.Join(filts, ", "), strings.Join(biasText, ", "), r+1, col+1, oc+1)
		ex, err := Parse("p.yaml", []byte(src), cat.IsBuiltin)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", n, err, src)
		}
		v, _ := ex.Variant(0)
		dims, _ := v.Part("dims")
		cell, _ := v.Part("cell")
		want := out[oc][r][col]
		if dims.Input != fmt.Sprintf("%d@%d×%d", o, len(out[0]), len(out[0][0])) || cell.Input != strconv.FormatFloat(want, 'f', -1, 64) {
			t.Fatalf("case %d: dims %q cell %q, engine %d@%d×%d and %v\n%s", n, dims.Input, cell.Input, o, len(out[0]), len(out[0][0]), want, src)
		}
		if bias[oc] != 0 {
			noBias := strconv.FormatFloat(want-bias[oc], 'f', -1, 64)
			if vd := cell.Check(noBias); vd.Status != exercises.StatusIncorrect || !strings.Contains(strings.Join(vd.Mistakes, ","), "conv.forgot-bias") {
				t.Fatalf("case %d: without the bias %s: %+v", n, noBias, vd)
			}
		}
	}
}

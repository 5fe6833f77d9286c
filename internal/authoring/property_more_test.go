package authoring

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
)

func randGrid(rng *rand.Rand, h, w, lo, hi int) [][]float64 {
	g := make([][]float64, h)
	for i := range g {
		g[i] = make([]float64, w)
		for j := range g[i] {
			g[i][j] = float64(lo + rng.IntN(hi-lo+1))
		}
	}
	return g
}

// matrixAnswer writes m as the variants write a whole output.
func matrixAnswer(m [][]float64) string {
	rows := make([]string, len(m))
	for i, r := range m {
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = compute.FormatNumber(v)
		}
		rows[i] = strings.Join(cells, ", ")
	}
	return "[" + strings.Join(rows, "; ") + "]"
}

// animationStep replays the variant's animation a with the compute
// engine and returns the value of its step i.
func animationStep(t *testing.T, a exercises.Animation, i int) float64 {
	t.Helper()
	pair := func(p [2]int) compute.Pair { return compute.Pair{H: p[0], W: p[1]} }
	var tr *compute.Trace
	var err error
	if a.Op == "conv2d" {
		tr, err = compute.NewConvTrace(compute.ConvSpec{Input: a.Input, Kernel: a.Kernel, Bias: a.Bias, Stride: pair(a.Stride), Padding: pair(a.Padding), Dilation: pair(a.Dilation)})
	} else {
		op := compute.MaxPool
		if a.Op == "avgpool2d" {
			op = compute.AvgPool
		}
		tr, err = compute.NewPoolTrace(compute.PoolSpec{Op: op, Input: a.Input, KernelSize: pair(a.KernelSize), Stride: pair(a.Stride), Padding: pair(a.Padding), Dilation: pair(a.Dilation), ExcludePadding: a.ExcludePadding})
	}
	if err != nil {
		t.Fatal(err)
	}
	st, err := tr.Step(i)
	if err != nil {
		t.Fatal(err)
	}
	return st.Value
}

// TestPropertyConvDilation: dilated settings give the engine's sizes,
// cells and outputs; the replay's focused step is the asked cell; the
// value without the dilation is diagnosed.
func TestPropertyConvDilation(t *testing.T) {
	cat := exercises.NewCatalog()
	rng := rand.New(rand.NewPCG(21, 22))
	checked := 0
	for n := range 300 {
		h, w, k, d := 3+rng.IntN(6), 3+rng.IntN(6), 2+rng.IntN(2), 2+rng.IntN(2)
		span := d*(k-1) + 1
		stride, padding := 1+rng.IntN(2), rng.IntN(span)
		image, filter := randGrid(rng, h, w, -9, 9), randGrid(rng, k, k, -3, 3)
		out, err := compute.Conv2D(compute.ConvSpec{Input: [][][]float64{image}, Kernel: [][][][]float64{{filter}},
			Stride: compute.Square(stride), Padding: compute.Square(padding), Dilation: compute.Square(d)})
		if err != nil {
			continue // does not fit: the file would be refused
		}
		oh, ow := len(out[0]), len(out[0][0])
		r, c := rng.IntN(oh), rng.IntN(ow)
		src := fmt.Sprintf("id: p\ntitle: P\nfamily: conv-by-hand\ndata:\n  image: %s\n  filter: %s\n  cases:\n    - stride: %d\n      padding: %d\n      dilation: %d\n      cell: [%d, %d]\n      whole_output: %v\n",
			yamlGrid(image), yamlGrid(filter), stride, padding, d, r+1, c+1, oh*ow <= 64)
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
		if dims.Input != fmt.Sprintf("%dx%d", oh, ow) || cell.Input != compute.FormatNumber(out[0][r][c]) {
			t.Fatalf("case %d: dims %q cell %q, engine %dx%d and %v\n%s", n, dims.Input, cell.Input, oh, ow, out[0][r][c], src)
		}
		if got := animationStep(t, v.Animations[cell.Animation], *cell.FocusStep); got != out[0][r][c] {
			t.Fatalf("case %d: the replay's step %d is %v, the cell %v", n, *cell.FocusStep, got, out[0][r][c])
		}
		if whole, ok := v.Part("output"); ok && whole.Input != matrixAnswer(out[0]) {
			t.Fatalf("case %d: whole output %q, engine %q", n, whole.Input, matrixAnswer(out[0]))
		}
		// Without the dilation: the size and (where it differs) the cell.
		near, _ := compute.Conv2D(compute.ConvSpec{Input: [][][]float64{image}, Kernel: [][][][]float64{{filter}},
			Stride: compute.Square(stride), Padding: compute.Square(padding)})
		if len(near[0]) == oh && len(near[0][0]) == ow {
			// The same size either way (the stride's floor hides it).
		} else if vd := dims.Check(fmt.Sprintf("%dx%d", len(near[0]), len(near[0][0]))); !strings.Contains(strings.Join(vd.Mistakes, ","), "conv.ignored-dilation") {
			t.Fatalf("case %d: the undilated size %dx%d: %+v", n, len(near[0]), len(near[0][0]), vd)
		}
		if nv := near[0][r][c]; nv != out[0][r][c] {
			if vd := cell.Check(compute.FormatNumber(nv)); vd.Status != exercises.StatusIncorrect || !strings.Contains(strings.Join(vd.Mistakes, ","), "conv.ignored-dilation") {
				t.Fatalf("case %d: the undilated cell %v: %+v", n, nv, vd)
			}
		}
		if vd := cell.Check(cell.Input); vd.Status != exercises.StatusCorrect {
			t.Fatalf("case %d: the expected answer is marked %s", n, vd.Status)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d valid cases", checked)
	}
}

// TestPropertyConvDrawnChannels: a multi-channel file whose input,
// filters and biases are drawn per variant serves, at every seed, the
// engine's answers for that variant's own numbers.
func TestPropertyConvDrawnChannels(t *testing.T) {
	cat := exercises.NewCatalog()
	src := `id: p
title: P
family: conv-by-hand
data:
  input: {channels: {min: 1, max: 3}, rows: {min: 3, max: 5}, cols: 4, min: -4, max: 6}
  filters: {count: {one_of: [1, 2, 3]}, size: 2, min: -2, max: 2}
  bias: {min: -3, max: 3}
  cases:
    - cell: random
      whole_output: true
    - name: padded
      padding: 1
      dilation: {min: 1, max: 2}
      cell: border
`
	ex, err := Parse("p.yaml", []byte(src), cat.IsBuiltin)
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]bool{}
	for seed := uint64(0); seed < 40; seed++ {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatal(err)
		}
		d := v.Data.(exercises.ConvMultiData)
		shapes[fmt.Sprintf("%d@%dx%d/%d", len(d.Input), len(d.Input[0]), len(d.Input[0][0]), len(d.Kernel))] = true
		if len(d.Bias) != len(d.Kernel) {
			t.Fatalf("seed %d: %d biases for %d filters", seed, len(d.Bias), len(d.Kernel))
		}
		for i, st := range d.Cases {
			out, err := compute.Conv2D(compute.ConvSpec{Input: d.Input, Kernel: d.Kernel, Bias: d.Bias,
				Stride: compute.Square(st.Stride), Padding: compute.Square(st.Padding), Dilation: compute.Square(max(1, st.Dilation))})
			if err != nil {
				t.Fatalf("seed %d case %d: %v", seed, i, err)
			}
			suffix := map[int]string{0: "", 1: "-padded"}[i]
			dims, _ := v.Part("dims" + suffix)
			cell, _ := v.Part("cell" + suffix)
			if want := fmt.Sprintf("%d@%d×%d", len(out), len(out[0]), len(out[0][0])); dims.Input != want {
				t.Fatalf("seed %d case %d: dims %q, engine %q", seed, i, dims.Input, want)
			}
			if want := compute.FormatNumber(out[0][st.Cell[0]][st.Cell[1]]); cell.Input != want {
				t.Fatalf("seed %d case %d: cell %q, engine %q", seed, i, cell.Input, want)
			}
			if i == 0 {
				whole, _ := v.Part("output")
				if whole.Input != matrixAnswer(out[0]) {
					t.Fatalf("seed %d: whole output %q, engine %q", seed, whole.Input, matrixAnswer(out[0]))
				}
			}
		}
	}
	if len(shapes) < 4 {
		t.Errorf("40 seeds drew only the shapes %v", shapes)
	}
}

// TestPropertyPoolingPadding: padded max and average pooling (counting the
// padding or not) agree with the engine in size, cells and the whole
// output, and the replay's focused step is the asked cell.
func TestPropertyPoolingPadding(t *testing.T) {
	cat := exercises.NewCatalog()
	rng := rand.New(rand.NewPCG(31, 32))
	checked := map[string]int{}
	for n := range 400 {
		h, w, k := 2+rng.IntN(6), 2+rng.IntN(6), 2+rng.IntN(3)
		p, s := 1+rng.IntN(k/2), 1+rng.IntN(k)
		op, opName := compute.MaxPool, "max"
		exclude := false
		extra := ""
		if rng.IntN(2) == 0 {
			op, opName = compute.AvgPool, "avg"
			exclude = rng.IntN(2) == 0
			extra = fmt.Sprintf("      count_include_pad: %v\n", !exclude)
		}
		image := randGrid(rng, h, w, -9, 9)
		out, err := compute.Pool2D(compute.PoolSpec{Op: op, Input: [][][]float64{image}, KernelSize: compute.Square(k), Stride: compute.Square(s), Padding: compute.Square(p), ExcludePadding: exclude})
		if err != nil {
			continue
		}
		oh, ow := len(out[0]), len(out[0][0])
		r, c := rng.IntN(oh), rng.IntN(ow)
		v := out[0][r][c]
		ask := ""
		if v == float64(int64(v)) {
			ask = fmt.Sprintf("      cell: [%d, %d]\n", r+1, c+1)
		}
		src := fmt.Sprintf("id: p\ntitle: P\nfamily: pooling\ndata:\n  op: %s\n  image: %s\n  cases:\n    - kernel: %d\n      stride: %d\n      padding: %d\n%s%s      whole_output: %v\n",
			opName, yamlGrid(image), k, s, p, extra, ask, oh*ow <= 64)
		ex, err := Parse("p.yaml", []byte(src), cat.IsBuiltin)
		if err != nil {
			if ask == "" && oh*ow > 64 {
				continue // nothing to ask
			}
			t.Fatalf("case %d: %v\n%s", n, err, src)
		}
		vr, err := ex.Variant(0)
		if err != nil {
			t.Fatal(err)
		}
		dims, _ := vr.Part("dims")
		if dims.Input != fmt.Sprintf("%dx%d", oh, ow) {
			t.Fatalf("case %d: dims %q, engine %dx%d\n%s", n, dims.Input, oh, ow, src)
		}
		if ask != "" {
			cell, _ := vr.Part("cell")
			if cell.Input != compute.FormatNumber(v) {
				t.Fatalf("case %d: cell %q, engine %v\n%s", n, cell.Input, v, src)
			}
			if got := animationStep(t, vr.Animations[cell.Animation], *cell.FocusStep); got != v {
				t.Fatalf("case %d: the replay's step is %v, the cell %v", n, got, v)
			}
			if vd := cell.Check(cell.Input); vd.Status != exercises.StatusCorrect {
				t.Fatalf("case %d: the expected answer is marked %s", n, vd.Status)
			}
		}
		if whole, ok := vr.Part("output"); ok && whole.Input != matrixAnswer(out[0]) {
			t.Fatalf("case %d: whole output %q, engine %q", n, whole.Input, matrixAnswer(out[0]))
		}
		checked[fmt.Sprintf("%s/%v", opName, exclude)]++
	}
	for _, key := range []string{"max/false", "avg/false", "avg/true"} {
		if checked[key] < 30 {
			t.Errorf("only %d cases of %s", checked[key], key)
		}
	}
}

// TestDiagramFile: a network file asked as a diagram names its blocks by
// what they do (two convolutions that differ only in padding are two
// blocks), takes its own answer, and diagnoses a wrong order and a wrong
// shape as the built-in does.
func TestDiagramFile(t *testing.T) {
	src := `id: lenet-diagram
title: Draw LeNet
family: network
data:
  input_shape: [1, 28, 28]
  ask: diagram
  layers:
    - {type: Conv2d, out_channels: 6, kernel_size: 5, padding: 2}
    - {type: ReLU}
    - {type: MaxPool2d, kernel_size: 2}
    - {type: Conv2d, out_channels: 6, kernel_size: 5}
    - {type: ReLU}
    - {type: MaxPool2d, kernel_size: 2}
    - {type: Flatten}
    - {type: Linear, out_features: 10}
`
	ex, err := Parse("d.yaml", []byte(src), exercises.NewCatalog().IsBuiltin)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Domain != "diagram" {
		t.Errorf("domain %q", ex.Domain)
	}
	for seed := uint64(0); seed < 3; seed++ {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := v.Part("diagram")
		if !ok || len(v.Parts) != 1 || p.Slots != 8 {
			t.Fatalf("parts %+v", v.Parts)
		}
		var ids []string
		for _, o := range p.Options {
			ids = append(ids, o.ID)
		}
		for _, want := range []string{"conv-5x5-6-p2", "conv-5x5-6", "maxpool-2x2-s2", "relu", "flatten", "linear-10"} {
			if !strings.Contains(","+strings.Join(ids, ",")+",", ","+want+",") {
				t.Errorf("seed %d: no block %s among %v", seed, want, ids)
			}
		}
		if len(ids) != 6 {
			t.Errorf("seed %d: blocks %v, want 6 distinct", seed, ids)
		}
		if vd := p.Check(p.Input); vd.Status != exercises.StatusCorrect {
			t.Fatalf("seed %d: own answer %q: %+v", seed, p.Input, vd)
		}
		pos := strings.Split(p.Input, "; ")
		if pos[0] != "conv-5x5-6-p2=6@28×28" || pos[3] != "conv-5x5-6=6@10×10" {
			t.Fatalf("seed %d: answer %q", seed, p.Input)
		}
		swapped := append([]string(nil), pos...)
		swapped[0], swapped[3] = pos[3], pos[0]
		if vd := p.Check(strings.Join(swapped, "; ")); vd.Mistake != "diagram.wrong-order" {
			t.Errorf("seed %d: swapped convolutions: %+v", seed, vd)
		}
		wrongShape := append([]string(nil), pos...)
		wrongShape[0] = "conv-5x5-6-p2=6@24×24" // the padding forgotten
		if vd := p.Check(strings.Join(wrongShape, "; ")); vd.Status != exercises.StatusIncorrect || vd.Credit <= 0 || vd.Credit >= 1 {
			t.Errorf("seed %d: a wrong first shape: %+v", seed, vd)
		}
	}
}

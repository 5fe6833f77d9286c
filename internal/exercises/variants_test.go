package exercises

import (
	"slices"
	"strings"
	"testing"
)

// TestVariantsWorthDoing checks section 5 of the teaching review at 1,000
// seeds: no degenerate or mostly-zero draws, dilation only in variants that
// say they go beyond the recitation, and RNN variants whose slips can all
// be told apart.
func TestVariantsWorthDoing(t *testing.T) {
	c := NewCatalog()
	get := func(id string, seed uint64) *Variant {
		ex, _ := c.Lookup(id)
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for seed := range uint64(1000) {
		v := get("conv-output-size", seed)
		d := v.Data.(ConvOutputSizeData)
		if d.Kernel == 1 {
			t.Errorf("seed %d: a 1-wide filter", seed)
		}
		beyond := strings.Contains(v.Intro[len(v.Intro)-1].Text+v.Intro[min(1, len(v.Intro)-1)].Text, "Beyond the recitation")
		if (d.Dilation > 1) != beyond {
			t.Errorf("seed %d: dilation %d, marked beyond %v", seed, d.Dilation, beyond)
		}

		f := get("conv-by-hand", seed).Data.(ConvByHandData).Filter
		zeros := 0
		for _, row := range f {
			for _, x := range row {
				if x == 0 {
					zeros++
				}
			}
		}
		if 2*zeros >= len(f)*len(f) {
			t.Errorf("seed %d: filter %v is at least half zeros", seed, f)
		}

		rv := get("rnn-forward", seed)
		for _, p := range rv.Parts {
			for _, e := range p.check.examples {
				if vd := p.Check(e.input); len(vd.Mistakes) > 1 {
					t.Errorf("seed %d %s: %q fits %v; each slip must be told apart", seed, p.ID, e.input, vd.Mistakes)
				}
			}
		}

		a := get("attention-parameters", seed).Data.(AttentionData)
		if seed != 0 && a.Symbolic {
			t.Errorf("seed %d: repeats the recitation's symbolic question", seed)
		}
	}
	// The two seeds the review named.
	if f := get("conv-by-hand", 779258).Data.(ConvByHandData).Filter; slices.EqualFunc(f, [][]float64{{0, 0}, {0, -1}}, slices.Equal) {
		t.Errorf("seed 779258 still draws %v", f)
	}
	d := get("rnn-forward", 594795).Data.(RNNForwardData)
	steps, err := d.run()
	if err != nil {
		t.Fatal(err)
	}
	for i := range steps[0].H {
		if steps[0].H[i] == 0 && steps[1].H[i] == 0 {
			t.Errorf("seed 594795: hidden unit %d is dead", i+1)
		}
	}
}

// TestOneIndexingConvention: questions, hints and solutions count cells
// from 1, as the player and step tables do.
func TestOneIndexingConvention(t *testing.T) {
	for seed := range uint64(200) {
		v := exerciseVariant(t, convByHand, seed)
		for _, p := range v.Parts {
			for _, s := range append(append([]string{p.Prompt}, p.Hints...), p.Solution...) {
				if strings.Contains(s, "from 0") {
					t.Errorf("seed %d %s: %q counts from 0", seed, p.ID, s)
				}
			}
		}
	}
	v := exerciseVariant(t, convByHand, 0)
	p, _ := v.Part("bottom-right")
	// The 3×3 output's bottom-right cell is row 3, column 3; its window
	// starts at row 3, column 3 of the 4×4 image.
	if !strings.Contains(p.Hints[0], "row 3, column 3 starts at row 3, column 3") {
		t.Errorf("hint: %q", p.Hints[0])
	}
}

// TestCompactDrawingTask: section 4.1.1 is asked; a drawing that feeds the
// prediction back is told why that is wrong, and the rolled diagram comes
// only with the solution.
func TestCompactDrawingTask(t *testing.T) {
	v := exerciseVariant(t, rnnShapes, 0)
	p, ok := v.Part("compact-drawing")
	if !ok {
		t.Fatal("no compact-drawing part")
	}
	if vd := p.Check("x-to-h,h-loop,h-to-y"); vd.Status != StatusCorrect {
		t.Errorf("right arrows: %s %s", vd.Status, vd.Feedback)
	}
	if vd := p.Check("x-to-h,y-to-h,h-to-y"); vd.Status != StatusIncorrect || !strings.Contains(vd.Feedback, "not the prediction") {
		t.Errorf("prediction fed back: %s %s", vd.Status, vd.Feedback)
	}
	if p.RNNDiagram == nil {
		t.Error("the compact drawing is not shown with the solution")
	}
	for _, b := range v.Intro {
		if b.RNN != nil {
			t.Error("the question shows the drawing it asks for")
		}
	}
}

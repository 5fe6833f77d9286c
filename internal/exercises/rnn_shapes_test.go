package exercises

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
)

func TestRNNShapesRecitation(t *testing.T) {
	v := variant(t, "rnn-shapes", 0)
	tests := []verdictCase{
		{"w-hx", "4x3", StatusCorrect, ""},
		{"w-hx", "4×3", StatusCorrect, ""},
		{"w-hx", "(4, 3)", StatusCorrect, ""},
		{"w-hx", "4 X 3", StatusCorrect, ""},
		{"w-hx", "3x4", StatusIncorrect, "transposed"},
		{"w-hx", "(3, 4)", StatusIncorrect, "transposed"},
		{"w-hx", "4x4", StatusIncorrect, "used-hidden-size"},
		{"w-hx", "12", StatusIncorrect, "gave-count"},
		{"w-hx", "5x3", StatusIncorrect, ""},
		{"w-hx", "four by three", StatusInvalid, ""},
		{"w-yh", "2x4", StatusCorrect, ""},
		{"w-yh", "2×4", StatusCorrect, ""},
		{"w-yh", "4x2", StatusIncorrect, "transposed"},
		{"w-yh", "2x3", StatusIncorrect, "used-input-size"},
		{"w-yh", "8", StatusIncorrect, "gave-count"},
		{"w-hh", "4x4", StatusCorrect, ""},
		{"w-hh", "(4, 4)", StatusCorrect, ""},
		{"w-hh", "4x3", StatusIncorrect, "copied-w-hx"},
		{"w-hh", "3x3", StatusIncorrect, "used-input-size"},
		{"w-hh", "16", StatusIncorrect, "gave-count"},
		{"params", "36", StatusCorrect, ""},
		{"params", "42", StatusIncorrect, "counted-biases"},
		{"params", "108", StatusIncorrect, "counted-per-step"},
		{"params", "20", StatusIncorrect, "forgot-recurrent"},
		{"params", "21", StatusIncorrect, "added-dimensions"},
		{"params", "35", StatusIncorrect, ""},
	}
	checkVerdicts(t, v, tests)
	// The transposition feedback says why: W_hx multiplies x_t.
	if vd := checkPart(t, v, "w-hx", "3x4"); !strings.Contains(vd.Feedback, `\mathbf{x}_t`) || !strings.Contains(vd.Feedback, "4×3") {
		t.Errorf("transposed feedback does not explain the shape: %s", vd.Feedback)
	}
	if d := v.Data.(RNNShapesData); d != (RNNShapesData{InputSize: 3, HiddenSize: 4, OutputSize: 2, Steps: 3}) {
		t.Errorf("seed 0 data %+v", d)
	}
	last := v.Parts[len(v.Parts)-1]
	want := RNNDiagram{InputSize: 3, HiddenSize: 4, OutSize: 2, Steps: 3, HiddenActivation: "ψ", OutActivation: "σ"}
	if last.RNNDiagram == nil || last.RNNDiagram.Caption == "" {
		t.Fatalf("last part %s has no captioned RNN diagram", last.ID)
	}
	got := *last.RNNDiagram
	got.Caption = ""
	if got != want {
		t.Errorf("diagram %+v, want %+v", got, want)
	}
	hasRNN := false
	for _, b := range v.Intro {
		hasRNN = hasRNN || b.RNN != nil
	}
	// The rolled diagram is what section 4.1.1 asks the student to draw:
	// it comes with the solution, never in the question.
	if hasRNN {
		t.Error("the intro shows the RNN diagram the student is to draw")
	}
	if ex, _ := NewCatalog().Lookup("rnn-shapes"); ex.Section != "4.1" || ex.SectionTitle != "Sample RNN" || ex.Beyond {
		t.Errorf("rnn-shapes filed under %s %q (beyond %v)", ex.Section, ex.SectionTitle, ex.Beyond)
	}
}

// shapeAnswer writes a shape the way a student would: "4x3", or "12" for a
// flat count.
func shapeAnswer(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

// TestRNNShapesVariants checks 1,000 seeds: the sizes stay in range and
// distinguishable, the expected answers are accepted, perturbed ones are
// not, and every diagnosis fires on its own mistake and never on the right
// answer.
func TestRNNShapesVariants(t *testing.T) {
	ex, _ := NewCatalog().Lookup("rnn-shapes")
	for seed := range uint64(1000) {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		d := v.Data.(RNNShapesData)
		i, h, o := d.InputSize, d.HiddenSize, d.OutputSize
		if seed != 0 && (i < 2 || i > 8 || h < 2 || h > 8 || o < 1 || o > 6) {
			t.Fatalf("seed %d: sizes %+v out of range", seed, d)
		}
		if i == h || o == h {
			t.Fatalf("seed %d: sizes %+v cannot tell transposes apart", seed, d)
		}
		// The shapes, worked out here independently of compute.
		want := map[string]string{
			"w-hx": fmt.Sprintf("%dx%d", h, i), "w-yh": fmt.Sprintf("%dx%d", o, h), "w-hh": fmt.Sprintf("%dx%d", h, h),
			"params": fmt.Sprint(h*i + o*h + h*h),
		}
		// The compact drawing has the same three arrows at every seed.
		want["compact-drawing"] = "h-to-y,h-loop,x-to-h"
		for _, p := range v.Parts {
			if vd := p.Check(want[p.ID]); vd.Status != StatusCorrect {
				t.Fatalf("seed %d %s: %q is %s: %s", seed, p.ID, want[p.ID], vd.Status, vd.Feedback)
			}
			if vd := p.Check(p.Input); vd.Status != StatusCorrect || vd.Mistake != "" {
				t.Fatalf("seed %d %s: Input %q is %s/%q", seed, p.ID, p.Input, vd.Status, vd.Mistake)
			}
			if bad := perturb(t, p); p.Check(bad).Status != StatusIncorrect {
				t.Fatalf("seed %d %s: perturbed %q accepted", seed, p.ID, bad)
			}
			if len(p.Hints) < 1 || len(p.Hints) > 3 || len(p.Solution) == 0 || p.Animation != -1 || p.Answer == "" {
				t.Fatalf("seed %d %s: hints, solution, answer or animation missing", seed, p.ID)
			}
		}
		for _, tc := range []struct{ part, text string }{
			{"w-hx", fmt.Sprintf("%dx%d", i, h)},
			{"w-yh", fmt.Sprintf("%dx%d", h, o)},
		} {
			if vd := checkPart(t, v, tc.part, tc.text); !diagnosedAs(vd, "transposed") {
				t.Fatalf("seed %d %s %q: %s/%q, want transposed", seed, tc.part, tc.text, vd.Status, vd.Mistake)
			}
		}

		ms, err := rnnShapeMistakes(d)
		if err != nil {
			t.Fatal(err)
		}
		for part, list := range ms {
			p, _ := v.Part(part)
			for k, m := range list {
				if shapeAnswer(m.value) == p.Input {
					continue
				}
				first := slices.IndexFunc(list, func(o mistake[[]int]) bool { return slices.Equal(o.value, m.value) })
				if first < k {
					continue // an earlier, equal mistake takes precedence
				}
				if vd := p.Check(shapeAnswer(m.value)); vd.Status != StatusIncorrect || !diagnosedAs(vd, m.id) {
					t.Fatalf("seed %d %s %q: %s/%q, want %s", seed, part, shapeAnswer(m.value), vd.Status, vd.Mistake, m.id)
				}
			}
		}
		res, _ := v.Part("params")
		full, err := compute.RNN(d.spec())
		if err != nil {
			t.Fatal(err)
		}
		pms, err := rnnParamMistakes(d, full)
		if err != nil {
			t.Fatal(err)
		}
		for k, m := range pms {
			text := fmt.Sprint(m.value)
			first := slices.IndexFunc(pms, func(o mistake[int64]) bool { return o.value == m.value })
			if text == res.Input || first < k {
				continue
			}
			if vd := res.Check(text); vd.Status != StatusIncorrect || !diagnosedAs(vd, m.id) {
				t.Fatalf("seed %d params %q: %s/%q, want %s", seed, text, vd.Status, vd.Mistake, m.id)
			}
		}
	}
}

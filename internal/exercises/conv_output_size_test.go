package exercises

import (
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
)

func convSizeVariant(t *testing.T, d ConvOutputSizeData) *Variant {
	t.Helper()
	v, err := BuildConvOutputSize(d, "")
	if err != nil {
		t.Fatalf("%+v: %v", d, err)
	}
	return v
}

func TestConvOutputSizeRecitation(t *testing.T) {
	v := exerciseVariant(t, convOutputSize, 0)
	if d := v.Data.(ConvOutputSizeData); d != (ConvOutputSizeData{InputWidth: 64, Kernel: 17, Padding: 0, Stride: 1, Dilation: 1}) {
		t.Fatalf("seed 0 data %+v", d)
	}
	if got := partIDs(v); !slices.Equal(got, []string{"output-width", "formula"}) {
		t.Fatalf("parts %v", got)
	}
	for _, p := range v.Parts {
		checkPartBasics(t, 0, p)
	}
	runAnswerCases(t, v, []answerCase{
		{part: "output-width", text: "48", correct: true},
		{part: "output-width", text: "47", mistake: "forgot-plus-one"},
		{part: "output-width", text: "49", mistake: ""},
		{part: "formula", text: "floor((W_in - K + 2P)/S) + 1", correct: true},
		{part: "formula", text: "⌊(W_in − K + 2·P)/S⌋ + 1", correct: true},
		{part: "formula", text: "floor((Win + 2*P - K)/S + 1)", correct: true},
		{part: "formula", text: "floor((w_in - K_w + 2 P) / S) + 1", correct: true},
		{part: "formula", text: "floor((W_{in} - k + 2p)/s) + 1", correct: true},
		{part: "formula", text: "floor((W_in - K + 2P)/S)", mistake: "forgot-plus-one"},
		{part: "formula", text: "floor((W_in - K + P)/S) + 1", mistake: "padding-one-side"},
		{part: "formula", text: "(W_in - K + 2P)/S + 1", mistake: "no-floor"},
		{part: "formula", text: "floor((W_in - K + 2P)/S) + 2", mistake: ""},
		{part: "formula", text: "W_in - K + 2P + 1", mistake: ""},
	})
}

// TestConvOutputSizeDiagnoses uses settings where every mistake gives its
// own number, worked out by hand here.
func TestConvOutputSizeDiagnoses(t *testing.T) {
	tests := []struct {
		d     ConvOutputSizeData
		cases []answerCase
	}{
		{ConvOutputSizeData{InputWidth: 28, Kernel: 5, Padding: 2, Stride: 1, Dilation: 1}, []answerCase{
			{part: "output-width", text: "28", correct: true},
			{part: "output-width", text: "27", mistake: "forgot-plus-one"},
			{part: "output-width", text: "26", mistake: "padding-one-side"},
		}},
		{ConvOutputSizeData{InputWidth: 28, Kernel: 4, Padding: 0, Stride: 2, Dilation: 1}, []answerCase{
			{part: "output-width", text: "13", correct: true},
			{part: "output-width", text: "12", mistake: "forgot-plus-one"},
			{part: "output-width", text: "25", mistake: "ignored-stride"},
		}},
		{ConvOutputSizeData{InputWidth: 28, Kernel: 5, Padding: 0, Stride: 2, Dilation: 1}, []answerCase{
			// (28 − 5)/2 = 11.5: floor 11, plus one.
			{part: "output-width", text: "12", correct: true},
			{part: "output-width", text: "11", mistake: "forgot-plus-one"},
			{part: "output-width", text: "13", mistake: "no-floor"},
			{part: "output-width", text: "24", mistake: "ignored-stride"},
		}},
		{ConvOutputSizeData{InputWidth: 28, Kernel: 3, Padding: 0, Stride: 1, Dilation: 2}, []answerCase{
			// The dilated filter spans 2·(3 − 1) + 1 = 5 columns.
			{part: "output-width", text: "24", correct: true},
			{part: "output-width", text: "23", mistake: "forgot-plus-one"},
			{part: "output-width", text: "26", mistake: "ignored-dilation"},
			{part: "formula", text: "floor((W_in + 2P - D(K - 1) - 1)/S) + 1", correct: true},
			{part: "formula", text: "floor((W_in + 2P - D*K + D - 1)/S) + 1", correct: true},
			{part: "formula", text: "floor((W_in - K + 2P)/S) + 1", mistake: "ignored-dilation"},
			{part: "formula", text: "(W_in + 2P - D(K - 1) - 1)/S + 1", mistake: "no-floor"},
			{part: "formula", text: "floor((W_in + 2P - D(K - 1) - 1)/S)", mistake: "forgot-plus-one"},
			{part: "formula", text: "floor((W_in + P - D(K - 1) - 1)/S) + 1", mistake: "padding-one-side"},
		}},
	}
	for _, tc := range tests {
		runAnswerCases(t, convSizeVariant(t, tc.d), tc.cases)
	}
	// The feedback for rounding up says to round down.
	v := convSizeVariant(t, tests[2].d)
	if vd := partVerdict(t, v, "output-width", "13"); !strings.Contains(vd.Feedback, "floor") {
		t.Errorf("no-floor feedback %q", vd.Feedback)
	}
	// The one-sided padding feedback names both readings of the slip.
	v = convSizeVariant(t, tests[0].d)
	if vd := partVerdict(t, v, "output-width", "26"); !strings.Contains(vd.Feedback, "one side") || !strings.Contains(vd.Feedback, "total padding") {
		t.Errorf("padding-one-side feedback %q", vd.Feedback)
	}
}

// TestConvOutputSizeFormulasMatchCompute evaluates the formulas, right and
// mistaken, over the whole checking domain and compares them with
// compute.OutputSize run with the right and the mistaken settings.
func TestConvOutputSizeFormulasMatchCompute(t *testing.T) {
	vars := convVars(true)
	parse := func(f string) func(w, k, p, s, d int) *big.Rat {
		e := mustFormula(f, vars)
		return func(w, k, p, s, d int) *big.Rat {
			env := map[string]*big.Rat{}
			for name, v := range map[string]int{"W_in": w, "K": k, "P": p, "S": s, "D": d} {
				env[name] = big.NewRat(int64(v), 1)
			}
			r, err := e.Eval(env)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			return r
		}
	}
	plain, dilated := parse(convWidthFormula), parse(convDilatedWidthFormula)
	plainMistakes, dilatedMistakes := map[string]func(w, k, p, s, d int) *big.Rat{}, map[string]func(w, k, p, s, d int) *big.Rat{}
	for _, m := range convFormulaMistakes(false) {
		plainMistakes[m.id] = parse(m.value)
	}
	for _, m := range convFormulaMistakes(true) {
		dilatedMistakes[m.id] = parse(m.value)
	}
	if len(plainMistakes) != 3 || len(dilatedMistakes) != 4 {
		t.Fatalf("mistakes %d and %d, want 3 and 4", len(plainMistakes), len(dilatedMistakes))
	}
	asInt := func(r *big.Rat) int { return int(new(big.Int).Quo(r.Num(), r.Denom()).Int64()) }
	points := 0
	for w := 8; w <= 64; w++ {
		for k := 1; k <= 7; k++ {
			for p := 0; p <= 3; p++ {
				for s := 1; s <= 4; s++ {
					for d := 1; d <= 3; d++ {
						out, err := compute.OutputSize(w, k, p, s, d)
						if err != nil {
							continue
						}
						points++
						ms := dilatedMistakes
						if d == 1 {
							ms = plainMistakes
							if got := plain(w, k, p, s, d); !got.IsInt() || asInt(got) != out {
								t.Fatalf("W=%d K=%d P=%d S=%d: formula %s, compute %d", w, k, p, s, got, out)
							}
						}
						if got := dilated(w, k, p, s, d); !got.IsInt() || asInt(got) != out {
							t.Fatalf("W=%d K=%d P=%d S=%d D=%d: dilated formula %s, compute %d", w, k, p, s, d, got, out)
						}
						// Each mistaken formula against compute with the
						// mistaken settings, and against the numeric mistake
						// the output-width part diagnoses (which is left out
						// when it happens to be the right width).
						data := ConvOutputSizeData{InputWidth: w, Kernel: k, Padding: p, Stride: s, Dilation: d}
						numeric := map[string]int64{}
						for _, m := range convWidthMistakes(data, out) {
							numeric[m.id] = m.value
						}
						if got := asInt(ms["forgot-plus-one"](w, k, p, s, d)); got != out-1 || numeric["forgot-plus-one"] != int64(got) {
							t.Fatalf("%+v: forgot-plus-one %d, want %d", data, got, out-1)
						}
						if oneSide, err := compute.OutputSize(w+p, k, 0, s, d); err == nil {
							got := asInt(ms["padding-one-side"](w, k, p, s, d))
							if got != oneSide {
								t.Fatalf("%+v: padding-one-side %d, compute %d", data, got, oneSide)
							}
							if v, ok := numeric["padding-one-side"]; p > 0 && oneSide != out && (!ok || v != int64(oneSide)) {
								t.Fatalf("%+v: numeric padding-one-side %d, want %d", data, v, oneSide)
							}
						}
						noFloor := ms["no-floor"](w, k, p, s, d)
						ceil, _ := compute.OutputSize(w+s-1, k, p, s, d)
						if noFloor.IsInt() != (out == ceil) || asInt(noFloor) != out {
							t.Fatalf("%+v: no-floor %s, floor version %d, ceiling version %d", data, noFloor, out, ceil)
						}
						if v, ok := numeric["no-floor"]; ok != !noFloor.IsInt() || (ok && v != int64(ceil)) {
							t.Fatalf("%+v: numeric no-floor %d (%v), ceiling %d", data, v, ok, ceil)
						}
						if v, ok := numeric["ignored-stride"]; s > 1 {
							stride1, _ := compute.OutputSize(w, k, p, 1, d)
							if stride1 != out && (!ok || v != int64(stride1)) {
								t.Fatalf("%+v: numeric ignored-stride %d, want %d", data, v, stride1)
							}
						}
						if d > 1 {
							undilated, _ := compute.OutputSize(w, k, p, s, 1)
							got := asInt(ms["ignored-dilation"](w, k, p, s, d))
							if v, ok := numeric["ignored-dilation"]; got != undilated || (undilated != out && (!ok || v != int64(undilated))) {
								t.Fatalf("%+v: ignored-dilation %d, compute %d", data, got, undilated)
							}
						}
					}
				}
			}
		}
	}
	if points < 10000 {
		t.Errorf("only %d points", points)
	}
}

func TestConvOutputSizeSeeds(t *testing.T) {
	ex := convOutputSize()
	kinds := map[string]int{}
	fired := map[string]int{}
	for seed := range uint64(1000) {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		d, ok := v.Data.(ConvOutputSizeData)
		if !ok {
			t.Fatalf("seed %d: data %T", seed, v.Data)
		}
		if got := partIDs(v); !slices.Equal(got, []string{"output-width", "formula"}) {
			t.Fatalf("seed %d: parts %v", seed, got)
		}
		if d.InputWidth < 1 || d.Kernel < 1 || d.Padding < 0 || d.Stride < 1 || d.Dilation < 1 ||
			d.InputWidth > 224 || d.Kernel > 17 || d.Padding > 6 || d.Stride > 4 || d.Dilation > 3 {
			t.Fatalf("seed %d: sizes out of range %+v", seed, d)
		}
		out, err := compute.OutputSize(d.InputWidth, d.Kernel, d.Padding, d.Stride, d.Dilation)
		if err != nil || out < 2 {
			t.Fatalf("seed %d: %+v gives %d, %v", seed, d, out, err)
		}
		room := d.InputWidth + 2*d.Padding - d.Dilation*(d.Kernel-1) - 1
		switch {
		case d.Dilation > 1:
			kinds["dilation"]++
			if room%d.Stride != 0 {
				t.Errorf("seed %d: dilated variant %+v does not divide", seed, d)
			}
		case room%d.Stride != 0:
			kinds["floor"]++
		default:
			kinds["plain"]++
		}
		for _, p := range v.Parts {
			checkPartBasics(t, seed, p)
			bad := "(" + p.Input + ") + 1"
			if p.Kind == KindInteger {
				bad = strconv.Itoa(out + 1)
			}
			if vd := p.Check(bad); vd.Status != StatusIncorrect {
				t.Fatalf("seed %d part %s: perturbed %q got %s", seed, p.ID, bad, vd.Status)
			}
		}
		if p, _ := v.Part("output-width"); p.Input != strconv.Itoa(out) {
			t.Fatalf("seed %d: input %q, compute %d", seed, p.Input, out)
		}
		// Every mistake that applies has its own number and is named by it.
		ms := convWidthMistakes(d, out)
		if seed != 0 && !convMistakesDistinct(d, ms) {
			t.Errorf("seed %d: mistakes not distinct: %+v", seed, ms)
		}
		for _, m := range ms {
			vd := partVerdict(t, v, "output-width", strconv.FormatInt(m.value, 10))
			if vd.Status != StatusIncorrect || !diagnosedAs(vd, m.id) {
				t.Errorf("seed %d %+v: %d got %s/%q, want %s", seed, d, m.value, vd.Status, vd.Mistake, m.id)
			}
			fired[m.id]++
		}
	}
	// Dilation goes beyond the recitation: one seed in ten, marked.
	for k, least := range map[string]int{"plain": 300, "floor": 300, "dilation": 90} {
		if kinds[k] < least {
			t.Errorf("only %d %s variants in 1000: %v", kinds[k], k, kinds)
		}
	}
	if kinds["dilation"] > 110 {
		t.Errorf("%d dilation variants in 1000; the recitation's scope is the default", kinds["dilation"])
	}
	for _, id := range []string{"forgot-plus-one", "padding-one-side", "no-floor", "ignored-stride", "ignored-dilation"} {
		if fired[id] < 50 {
			t.Errorf("mistake %s applies to only %d variants: %v", id, fired[id], fired)
		}
	}
}

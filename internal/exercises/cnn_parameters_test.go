package exercises

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var cnnParamParts = []string{"conv-params", "fc-params", "total", "conv-share", "fc-share", "efficiency"}

func TestCNNParametersRecitation(t *testing.T) {
	v := exerciseVariant(t, cnnParameters, 0)
	d, ok := v.Data.(CNNData)
	if !ok {
		t.Fatalf("data %T", v.Data)
	}
	if want := recitationCNN(); !slices.Equal(d.InputShape, want.InputShape) || !slices.Equal(d.Layers, want.Layers) {
		t.Fatalf("seed 0 data %+v, want the recitation's network", d)
	}
	if got := partIDs(v); !slices.Equal(got, cnnParamParts) {
		t.Fatalf("parts %v", got)
	}
	for _, p := range v.Parts {
		if p.Kind == KindSelfCheck {
			continue // marked by the student
		}
		checkPartBasics(t, 0, p)
	}
	runAnswerCases(t, v, []answerCase{
		{part: "conv-params", text: "10416", correct: true},
		{part: "conv-params", text: "10,416", correct: true},
		{part: "fc-params", text: "394634", correct: true},
		{part: "fc-params", text: "394,634", correct: true},
		{part: "total", text: "405050", correct: true},
		{part: "total", text: "405,050", correct: true},
		{part: "conv-share", text: "2.57%", correct: true},
		{part: "conv-share", text: "2.57 %", correct: true},
		{part: "conv-share", text: "0.0257", correct: true},
		{part: "fc-share", text: "97.43%", correct: true},
		{part: "fc-share", text: "0.9743", correct: true},
	})
	// The worked solutions carry the recitation's arithmetic.
	for id, want := range map[string]string{
		"conv-params": `(3 \times 12 \times 17 \times 17 + 12) = 10416`,
		"fc-params":   `(3072 \times 128 + 128) + (128 \times 10 + 10) = 393344 + 1290 = 394634`,
		"total":       `10416 + 394634 = 405050`,
		"conv-share":  `10416 / 405050 = 2.57\%`,
		"fc-share":    `394634 / 405050 = 97.43\%`,
	} {
		p, _ := v.Part(id)
		if !strings.Contains(strings.Join(p.Solution, "\n"), want) {
			t.Errorf("%s solution %q lacks %q", id, p.Solution, want)
		}
	}
	fc, _ := v.Part("fc-share")
	if sol := strings.Join(fc.Solution, " "); !strings.Contains(sol, "weight sharing") {
		t.Errorf("fc-share solution does not explain parameter efficiency: %q", sol)
	}
}

func TestCNNParametersDiagnoses(t *testing.T) {
	v := exerciseVariant(t, cnnParameters, 0)
	// Worked out by hand: conv 3→12 channels, 17×17; fc 3072→128→10.
	noBiasConv := 3 * 12 * 17 * 17
	perInputConv := noBiasConv + 3
	oneChannelConv := 12*17*17 + 12
	noBiasFC := 3072*128 + 128*10
	perInputFC := 3072*128 + 3072 + 128*10 + 128
	runAnswerCases(t, v, []answerCase{
		{part: "conv-params", text: strconv.Itoa(noBiasConv), mistake: "forgot-bias"},
		{part: "conv-params", text: strconv.Itoa(perInputConv), mistake: "bias-per-input"},
		{part: "conv-params", text: strconv.Itoa(oneChannelConv), mistake: "forgot-input-channels"},
		{part: "conv-params", text: "10417", mistake: ""},
		{part: "fc-params", text: strconv.Itoa(noBiasFC), mistake: "forgot-bias"},
		{part: "fc-params", text: strconv.Itoa(perInputFC), mistake: "bias-per-input"},
		{part: "fc-params", text: "394635", mistake: ""},
		{part: "total", text: strconv.Itoa(noBiasConv + noBiasFC), mistake: "forgot-bias"},
		{part: "total", text: strconv.Itoa(perInputConv + perInputFC), mistake: "bias-per-input"},
		{part: "total", text: strconv.Itoa(oneChannelConv + 394634), mistake: "forgot-input-channels"},
		{part: "total", text: "405051", mistake: ""},
		{part: "conv-share", text: "97.43%", mistake: "swapped-shares"},
		{part: "conv-share", text: "2.64%", mistake: "divided-by-other"},
		{part: "conv-share", text: "0.0257%", mistake: "fraction-as-percent"},
		{part: "fc-share", text: "2.57%", mistake: "swapped-shares"},
		{part: "fc-share", text: "3788.73%", mistake: "divided-by-other"},
		{part: "fc-share", text: "97.50%", mistake: ""},
	})
}

func TestCNNParametersSeeds(t *testing.T) {
	ex := cnnParameters()
	for seed := range uint64(1000) {
		v, err := ex.Variant(seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		d, ok := v.Data.(CNNData)
		if !ok {
			t.Fatalf("seed %d: data %T", seed, v.Data)
		}
		if got := partIDs(v); !slices.Equal(got, cnnParamParts) {
			t.Fatalf("seed %d: parts %v", seed, got)
		}
		c, err := countCNNParams(d)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		// The counts by the textbook formulas, from the layer list and the
		// shapes: conv C_in·C_out·K·K + C_out, linear in·out + out.
		var conv, fc int64
		for i, l := range d.Layers {
			in := c.in[i]
			switch l.Type {
			case "Conv2d":
				conv += int64(in[0]*l.OutChannels*l.KernelSize*l.KernelSize + l.OutChannels)
			case "Linear":
				fc += int64(in[0]*l.OutFeatures + l.OutFeatures)
			}
		}
		if conv != c.right.conv || fc != c.right.fc || conv+fc != c.right.total {
			t.Fatalf("seed %d: counts %+v, by formula conv %d fc %d", seed, c.right, conv, fc)
		}
		if seed != 0 && (c.right.total > 5_000_000 || conv*200 < c.right.total || fc*200 < c.right.total) {
			t.Errorf("seed %d: total %d with conv %d is not a variant to do by hand", seed, c.right.total, conv)
		}
		want := map[string]string{
			"conv-params": strconv.FormatInt(conv, 10),
			"fc-params":   strconv.FormatInt(fc, 10),
			"total":       strconv.FormatInt(conv+fc, 10),
		}
		for _, p := range v.Parts {
			if p.Kind == KindSelfCheck {
				continue // marked by the student
			}
			checkPartBasics(t, seed, p)
			if w, ok := want[p.ID]; ok && p.Input != w {
				t.Fatalf("seed %d part %s: input %q, want %s", seed, p.ID, p.Input, w)
			}
			var bad string
			switch p.Kind {
			case KindInteger:
				n, _ := strconv.ParseInt(p.Input, 10, 64)
				bad = strconv.FormatInt(n+1, 10)
			case KindNumber:
				pct, err := strconv.ParseFloat(strings.TrimSuffix(p.Input, "%"), 64)
				if err != nil {
					t.Fatal(err)
				}
				bad = strconv.FormatFloat(pct+0.7, 'f', 2, 64) + "%"
				// The fraction form is accepted too.
				frac := strconv.FormatFloat(pct/100, 'f', 6, 64)
				if vd := p.Check(frac); vd.Status != StatusCorrect {
					t.Errorf("seed %d part %s: fraction %s got %s: %s", seed, p.ID, frac, vd.Status, vd.Feedback)
				}
			}
			if vd := p.Check(bad); vd.Status != StatusIncorrect {
				t.Fatalf("seed %d part %s: perturbed %q (right %q) got %s", seed, p.ID, bad, p.Input, vd.Status)
			}
		}
		// The two shares, each rounded, add up to 100 within the rounding.
		cs, _ := v.Part("conv-share")
		fs, _ := v.Part("fc-share")
		a, _ := strconv.ParseFloat(strings.TrimSuffix(cs.Input, "%"), 64)
		b, _ := strconv.ParseFloat(strings.TrimSuffix(fs.Input, "%"), 64)
		if math.Abs(a+b-100) > 0.011 {
			t.Errorf("seed %d: shares %s + %s", seed, cs.Input, fs.Input)
		}
		// Every mistake with a number of its own is named by it.
		for _, m := range []struct {
			part, id string
			value    int64
		}{
			{"conv-params", "forgot-bias", c.noBias.conv},
			{"conv-params", "bias-per-input", c.perInput.conv},
			{"conv-params", "forgot-input-channels", c.oneChannel.conv},
			{"fc-params", "forgot-bias", c.noBias.fc},
			{"fc-params", "bias-per-input", c.perInput.fc},
			{"total", "forgot-bias", c.noBias.total},
			{"total", "bias-per-input", c.perInput.total},
			{"total", "forgot-input-channels", c.oneChannel.total},
		} {
			vd := partVerdict(t, v, m.part, strconv.FormatInt(m.value, 10))
			if strconv.FormatInt(m.value, 10) == want[m.part] {
				if vd.Status != StatusCorrect {
					t.Errorf("seed %d %s: %d is right but got %s", seed, m.part, m.value, vd.Status)
				}
				continue
			}
			if vd.Status != StatusIncorrect || vd.Mistake == "" {
				t.Errorf("seed %d %s: %d (%s) got %s/%q", seed, m.part, m.value, m.id, vd.Status, vd.Mistake)
			}
			if !diagnosedAs(vd, m.id) && !strings.Contains(vd.Feedback, "more than one") {
				t.Errorf("seed %d %s: %d got %q, want %s", seed, m.part, m.value, vd.Mistake, m.id)
			}
		}
	}
}

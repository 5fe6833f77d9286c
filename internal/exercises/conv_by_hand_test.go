package exercises

import (
	"testing"
)

func variant(t *testing.T, id string, seed uint64) *Variant {
	t.Helper()
	ex, ok := NewCatalog().Lookup(id)
	if !ok {
		t.Fatalf("no exercise %s", id)
	}
	v, err := ex.Variant(seed)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// verdictCase is one answer to one part and the verdict it must get.
type verdictCase struct {
	part, text string
	status     Status
	mistake    string
}

// checkVerdicts checks each case's status and diagnosis, and that every
// readable answer says how it was read.
func checkVerdicts(t *testing.T, v *Variant, cases []verdictCase) {
	t.Helper()
	for _, tc := range cases {
		vd := checkPart(t, v, tc.part, tc.text)
		if vd.Status != tc.status || !diagnosedAs(vd, tc.mistake) {
			t.Errorf("%s %q: %s/%q, want %s/%q (%s)", tc.part, tc.text, vd.Status, vd.Mistake, tc.status, tc.mistake, vd.Feedback)
		}
		if vd.Status != StatusInvalid && vd.ReadAs == "" {
			t.Errorf("%s %q: no read-as", tc.part, tc.text)
		}
	}
}

func checkPart(t *testing.T, v *Variant, part, text string) Verdict {
	t.Helper()
	p, ok := v.Part(part)
	if !ok {
		t.Fatalf("no part %s", part)
	}
	return p.Check(text)
}

func TestConvByHandRecitation(t *testing.T) {
	v := variant(t, "conv-by-hand", 0)
	tests := []verdictCase{
		{"dims", "3x3", StatusCorrect, ""},
		{"dims", "3×3", StatusCorrect, ""},
		{"dims", "(3, 3)", StatusCorrect, ""},
		{"dims", "2x2", StatusIncorrect, "forgot-plus-one"},
		{"dims", "4x4", StatusIncorrect, "input-size"},
		{"bottom-right", "-22", StatusCorrect, ""},
		{"bottom-right", "−22", StatusCorrect, ""},
		{"bottom-right", "22", StatusIncorrect, "flipped-kernel"},
		{"bottom-right", "-21", StatusIncorrect, ""},
		{"bottom-right", "minus 22", StatusInvalid, ""},
		{"dims-padded", "5x5", StatusCorrect, ""},
		{"dims-padded", "4x4", StatusIncorrect, "forgot-plus-one"},
		{"bottom-right-padded", "7", StatusCorrect, ""},
		{"bottom-right-padded", "-7", StatusIncorrect, "flipped-kernel"},
	}
	checkVerdicts(t, v, tests)
	// 4×4 is both "forgot +1" and "padded one side": the feedback names both.
	vd := checkPart(t, v, "dims-padded", "4x4")
	if !contains(vd.Feedback, "+1") || !contains(vd.Feedback, "padding once") {
		t.Errorf("ambiguous slip should name both: %s", vd.Feedback)
	}
	if len(v.Animations) != 2 || v.Animations[1].Padding != [2]int{1, 1} {
		t.Errorf("animations %+v", v.Animations)
	}
}

func TestConvByHandDiagnosesPaddingAndStride(t *testing.T) {
	// Search the variants for ones where each diagnosis is unambiguous.
	found := map[string]bool{}
	for seed := uint64(1); seed < 400 && len(found) < 3; seed++ {
		v := variant(t, "conv-by-hand", seed)
		data := v.Data.(ConvByHandData)
		h, w, k := len(data.Image), len(data.Image[0]), len(data.Filter)
		for i, c := range data.Cases {
			id := "dims"
			if i == 1 {
				id = "dims-padded"
			}
			try := func(mistake string, hh, ww int) {
				vd := checkPart(t, v, id, itoa(hh)+"x"+itoa(ww))
				if diagnosedAs(vd, mistake) && vd.Status == StatusIncorrect {
					found[mistake] = true
				}
			}
			if c.Padding > 0 {
				try("padding-one-side", (h+c.Padding-k)/c.Stride+1, (w+c.Padding-k)/c.Stride+1)
			}
			if c.Stride > 1 {
				try("ignored-stride", h+2*c.Padding-k+1, w+2*c.Padding-k+1)
			}
		}
		for _, p := range v.Parts {
			if p.Kind == KindMatrix {
				found["matrix"] = true
				if vd := p.Check(p.Input); vd.Status != StatusCorrect {
					t.Errorf("seed %d: matrix answer rejected", seed)
				}
			}
		}
	}
	for _, m := range []string{"padding-one-side", "ignored-stride", "matrix"} {
		if !found[m] {
			t.Errorf("no variant among the first seeds exercised %s", m)
		}
	}
}

func TestConvByHandMatrixMarksCells(t *testing.T) {
	for seed := uint64(1); seed < 200; seed++ {
		v := variant(t, "conv-by-hand", seed)
		p, ok := v.Part("output")
		if !ok {
			continue
		}
		bad := perturb(t, p)
		vd := p.Check(bad)
		if vd.Status != StatusIncorrect || len(vd.WrongCells) != 1 || vd.WrongCells[0] != [2]int{0, 0} || vd.Got == nil {
			t.Fatalf("seed %d: %+v", seed, vd)
		}
		if vd := p.Check("1 2; 3 4; 5 6; 7 8; 9 10"); vd.Status != StatusIncorrect || !contains(vd.Feedback, "rows") {
			t.Errorf("wrong size: %+v", vd)
		}
		return
	}
	t.Fatal("no variant asks for the whole output")
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

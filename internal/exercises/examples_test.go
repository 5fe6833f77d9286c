package exercises

import (
	"strings"
	"testing"
)

// examplesAreNoAnswers checks at variant v that no placeholder, format
// line or parse-error example holds a number of any expected answer of the
// variant, and that each example is readable as an answer of its part and
// is not right (TestEverySeed).
func examplesAreNoAnswers(t *testing.T, seed uint64, v *Variant) {
	t.Helper()
	forbidden := forbiddenNumbers(v)
	for _, p := range v.Parts {
		if strings.Contains(p.Format+p.Placeholder, "{example") || strings.Contains(p.Format, "{shape3}") || strings.Contains(p.Format, "{flat}") {
			t.Fatalf("seed %d %s: token left in %q / %q", seed, p.ID, p.Format, p.Placeholder)
		}
		for _, text := range []string{p.Placeholder, p.Format, p.example} {
			for _, n := range numberPattern.FindAllString(text, -1) {
				// Formulas hold small constants; they are
				// checked as answers below instead.
				if forbidden[n] && p.Kind != KindFormula && p.example != "" {
					t.Errorf("seed %d %s: %q holds %s, a number of an expected answer", seed, p.ID, text, n)
				}
			}
			for _, q := range v.Parts {
				if q.Input != "" && strings.Contains(text, q.Input) && q.Kind != KindSelfCheck && len(q.Input) > 2 {
					t.Errorf("seed %d %s: %q holds the answer %q of %s", seed, p.ID, text, q.Input, q.ID)
				}
			}
		}
		if p.example != "" {
			if vd := p.Check(p.example); vd.Status == StatusInvalid || vd.Status == StatusCorrect {
				t.Errorf("seed %d %s: example %q is %s: %s", seed, p.ID, p.example, vd.Status, vd.Feedback)
			}
		}
		if p.Kind == KindFormula || p.Kind == KindShape {
			if ph, ok := strings.CutPrefix(p.Placeholder, "e.g. "); ok {
				if vd := p.Check(ph); vd.Status == StatusCorrect {
					t.Errorf("seed %d %s: placeholder %q is a right answer", seed, p.ID, ph)
				}
			}
		}
	}
}

// TestParseErrorsShowAnExampleOfTheKind: an unreadable answer's feedback
// shows how to write this part's answer, never the answer.
func TestParseErrorsShowAnExampleOfTheKind(t *testing.T) {
	v := exerciseVariant(t, convByHand, 0)
	vd := partVerdict(t, v, "dims", "three by three")
	if vd.Status != StatusInvalid || !strings.Contains(vd.Feedback, "Write it like "+v.Parts[0].example) || strings.Contains(vd.Feedback, "@") {
		t.Errorf("dims: %s %q", vd.Status, vd.Feedback)
	}
	if strings.Contains(vd.Feedback, "3x3") || strings.Contains(vd.Feedback, "3×3") {
		t.Errorf("the parse error gives the answer away: %q", vd.Feedback)
	}
	p := exerciseVariant(t, cnnParameters, 0)
	vd = partVerdict(t, p, "conv-params", "ten thousand")
	if vd.Status != StatusInvalid || strings.Contains(vd.Feedback, "10,416") || strings.Contains(vd.Feedback, "10416") {
		t.Errorf("conv-params: %s %q", vd.Status, vd.Feedback)
	}
}

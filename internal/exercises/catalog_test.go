package exercises

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises/answer"
)

func TestCatalogIDsAreThePublicOnes(t *testing.T) {
	want := []string{
		"attention-parameters", "conv-output-size", "conv-by-hand", "cnn-shape-table",
		"cnn-diagram", "cnn-parameters", "cnn-concepts", "rnn-shapes", "rnn-concepts", "rnn-forward",
	}
	c := NewCatalog()
	var got []string
	for _, e := range c.All() {
		got = append(got, e.ID)
		if e.Title == "" || e.Section == "" || e.SectionTitle == "" || e.Summary == "" {
			t.Errorf("%s: title, section and summary are required", e.ID)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("catalog IDs %v, want %v", got, want)
	}
	if _, ok := c.Lookup("conv-by-hand"); !ok {
		t.Error("Lookup(conv-by-hand) failed")
	}
	if _, ok := c.Lookup("nope"); ok {
		t.Error("Lookup(nope) succeeded")
	}
}

// perturb returns a readable answer that differs from a correct one, or ""
// when the kind has none (self-check).
func perturb(t *testing.T, p *Part) string {
	t.Helper()
	switch p.Kind {
	case KindInteger:
		n, err := answer.ParseInteger(p.Input)
		if err != nil {
			t.Fatalf("%s: Input %q: %v", p.ID, p.Input, err)
		}
		return strconv.FormatInt(n.Value+1, 10)
	case KindNumber:
		n, err := answer.ParseNumber(p.Input)
		if err != nil {
			t.Fatalf("%s: Input %q: %v", p.ID, p.Input, err)
		}
		w, _ := n.Value.Float64() // as written: "2.57%" is 2.57 here
		f := w*1.5 + 1
		if n.Percent {
			return strconv.FormatFloat(f, 'f', -1, 64) + "%"
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case KindShape:
		if s, err := answer.ParseShape(p.Input); err == nil {
			dims := slices.Clone(s.Dims)
			dims[len(dims)-1]++
			parts := make([]string, len(dims))
			for i, d := range dims {
				parts[i] = strconv.Itoa(d)
			}
			return strings.Join(parts, " x ")
		}
		return p.Input + " x 2"
	case KindDiagram:
		// The last block's shape made one larger.
		i := strings.LastIndex(p.Input, "=")
		return p.Input[:i+1] + perturb(t, &Part{ID: p.ID, Kind: KindShape, Input: p.Input[i+1:]})
	case KindMatrix:
		m, err := answer.ParseMatrix(p.Input)
		if err != nil {
			t.Fatalf("%s: Input %q: %v", p.ID, p.Input, err)
		}
		rows := make([]string, len(m.Rows))
		for i, r := range m.Rows {
			cells := make([]string, len(r))
			for j, v := range r {
				if i == 0 && j == 0 {
					v++
				}
				cells[j] = strconv.FormatFloat(v, 'f', -1, 64)
			}
			rows[i] = strings.Join(cells, " ")
		}
		return strings.Join(rows, "; ")
	case KindFormula:
		// f² + 1 differs from f everywhere, and grows faster, so it is
		// wrong for plain formulas and for growth rates alike.
		inner := p.Input
		if strings.HasPrefix(inner, "O(") && strings.HasSuffix(inner, ")") {
			inner = inner[2 : len(inner)-1]
		}
		return "(" + inner + ")^2 + 1"
	case KindSingleChoice:
		for _, o := range p.Options {
			if o.ID != p.Input {
				return o.ID
			}
		}
	case KindMultipleChoice:
		picked := strings.Split(p.Input, ",")
		first := p.Options[0].ID
		if i := slices.Index(picked, first); i >= 0 {
			picked = slices.Delete(picked, i, i+1)
		} else {
			picked = append(picked, first)
		}
		if len(picked) == 0 {
			picked = []string{p.Options[1].ID}
		}
		return strings.Join(picked, ",")
	}
	return ""
}

// validAndChecks requires of variant v that its parts are complete, its
// expected answer is accepted and a perturbed one is not (TestEverySeed).
func validAndChecks(t *testing.T, seed uint64, v *Variant) {
	t.Helper()
	if len(v.Parts) == 0 {
		t.Fatalf("seed %d: no parts", seed)
	}
	ids := map[string]bool{}
	for _, p := range v.Parts {
		if ids[p.ID] {
			t.Fatalf("seed %d: duplicate part %s", seed, p.ID)
		}
		ids[p.ID] = true
		if p.Prompt == "" || p.Label == "" || p.Format == "" && p.Kind != KindSelfCheck {
			t.Errorf("seed %d part %s: prompt, label and format are required", seed, p.ID)
		}
		if p.Kind == KindSelfCheck {
			if p.ModelAnswer == "" || len(p.Checklist) == 0 {
				t.Errorf("seed %d part %s: self-check needs a model answer and checklist", seed, p.ID)
			}
			continue
		}
		if len(p.Solution) == 0 {
			t.Errorf("seed %d part %s: no worked solution", seed, p.ID)
		}
		if vd := p.Check(p.Input); vd.Status != StatusCorrect {
			t.Fatalf("seed %d part %s: expected answer %q got %s: %s", seed, p.ID, p.Input, vd.Status, vd.Feedback)
		}
		bad := perturb(t, p)
		if vd := p.Check(bad); vd.Status != StatusIncorrect {
			t.Fatalf("seed %d part %s: perturbed answer %q (right: %q) got %s: %s", seed, p.ID, bad, p.Input, vd.Status, vd.Feedback)
		}
	}
}

func TestVariantsDiffer(t *testing.T) {
	for _, ex := range NewCatalog().All() {
		if ex.ID == "cnn-concepts" || ex.ID == "rnn-concepts" {
			continue // concept questions only shuffle their options
		}
		distinct := map[string]bool{}
		for seed := range uint64(20) {
			v, err := ex.Variant(seed)
			if err != nil {
				t.Fatal(err)
			}
			var key strings.Builder
			for _, p := range v.Parts {
				key.WriteString(p.Input + "|")
			}
			fmt.Fprint(&key, v.Data)
			distinct[key.String()] = true
		}
		if len(distinct) < 5 {
			t.Errorf("%s: only %d distinct variants among 20 seeds", ex.ID, len(distinct))
		}
	}
}

func TestSeedBounds(t *testing.T) {
	ex, _ := NewCatalog().Lookup("conv-by-hand")
	if _, err := ex.Variant(MaxSeed); err != nil {
		t.Errorf("MaxSeed: %v", err)
	}
	if _, err := ex.Variant(MaxSeed + 1); err == nil {
		t.Error("MaxSeed+1 accepted")
	}
}

func TestCheckBlankInvalidAndUnknownParts(t *testing.T) {
	ex, _ := NewCatalog().Lookup("conv-by-hand")
	v, err := ex.Variant(0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Check(map[string]string{"dims": "three by three", "bottom-right": "-22"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Parts["dims"].Status != StatusInvalid {
		t.Errorf("unreadable answer: %s", res.Parts["dims"].Status)
	}
	if res.Parts["bottom-right"].Status != StatusCorrect {
		t.Errorf("an invalid part must not block the others: %s", res.Parts["bottom-right"].Status)
	}
	if res.Parts["dims-padded"].Status != StatusBlank {
		t.Errorf("missing answer: %s", res.Parts["dims-padded"].Status)
	}
	if res.Score != 1 || res.Max != 4 {
		t.Errorf("score %v of %d", res.Score, res.Max)
	}
	if _, err := v.Check(map[string]string{"nope": "1"}); err == nil {
		t.Error("unknown part accepted")
	}
	if vd := v.Parts[0].Check(strings.Repeat("1", maxAnswerBytes+1)); vd.Status != StatusInvalid {
		t.Errorf("huge answer: %s", vd.Status)
	}
}

func TestSectionsAreInRecitationOrderOnce(t *testing.T) {
	var got []string
	for _, s := range NewCatalog().Sections() {
		got = append(got, s.Number)
	}
	want := []string{"2", "3.1", "3.2", "3.3", "4.1", "4.2"}
	if !slices.Equal(got, want) {
		t.Errorf("sections %v, want %v", got, want)
	}
}

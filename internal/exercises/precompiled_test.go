package exercises

import (
	"reflect"
	"strings"
	"testing"
)

// formulaAnswers lists answers to try on a formula or symbolic-shape part:
// the right one, every mistake's example, and rewritings of them that keep
// or change the value (so that both the match and the no-match paths of
// every comparison run), answers with variables of their own, malformed
// ones, ones over the complexity bounds, and the other parts' answers.
func formulaAnswers(v *Variant, p *Part) []string {
	base := []string{p.Input}
	for _, e := range p.check.examples {
		base = append(base, e.input)
	}
	var out []string
	for _, b := range base {
		out = append(out, b,
			b+" + 0", "("+b+") * 1", "("+b+") + 1", "2 ("+b+")", "("+b+")/2", "("+b+")^2", "-("+b+")",
			"("+b+") + floor(1/3)", "("+b+") + 0 d_model", "("+b+") + 0 W_in", "("+b+") + P - P",
			"("+b+") + 0*(d_k^64)", b+")", "("+b, strings.ReplaceAll(b, "x", ","), strings.ReplaceAll(b, " x ", " * "))
		if i := strings.Index(b, " x "); i >= 0 {
			out = append(out, b[i+3:]+" x "+b[:i], "("+b[:i]+") x ("+b[i+3:]+") x 1")
		}
	}
	for _, q := range v.Parts {
		out = append(out, q.Input)
	}
	return append(out, "0", "1", "d_model", "d_k", "h", "W_in", "K", "1/0", "d_model/(h-h)", "2^64", "(1/2)^3",
		"d_model^9", "floor(", "O(d_model)", "x", "d_model × d_k × h", "3 d_k d_model h + 3 d_k h",
		"99999999999999999999999 d_model", strings.Repeat("d_model + ", 70)+"1")
}

// TestPrecompiledMatchesFromScratch holds every formula and symbolic-shape
// part's checker, which compares answers with the expected formula and the
// mistakes prepared once per variant (and evaluates in int64 fractions
// where they fit), to its reference path, which parses every formula and
// compares with math/big at freshly drawn points on every check as checks
// used to: the same verdict, read-as, feedback and diagnoses, over many
// seeds and many right, mistaken and malformed answers.
func TestPrecompiledMatchesFromScratch(t *testing.T) {
	seeds := uint64(150)
	if testing.Short() {
		seeds = 30
	}
	compared := map[string]int{}
	for _, ex := range NewCatalog().All() {
		for seed := range seeds {
			v, err := ex.Variant(seed)
			if err != nil {
				t.Fatalf("%s seed %d: %v", ex.ID, seed, err)
			}
			for _, p := range v.Parts {
				if p.check.reference == nil {
					continue
				}
				for _, text := range formulaAnswers(v, p) {
					got, want := p.check.fn(text), p.check.reference(text)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s seed %d part %s, answer %q:\nprecompiled %+v\nfrom scratch %+v", ex.ID, seed, p.ID, text, got, want)
					}
					compared[string(got.Status)]++
					if got.Mistake != "" {
						compared["diagnosed"]++
					}
				}
			}
		}
	}
	// Every kind of verdict was compared, many times.
	for _, k := range []string{string(StatusCorrect), string(StatusIncorrect), string(StatusInvalid), "diagnosed"} {
		if compared[k] < 100 {
			t.Errorf("only %d %s verdicts compared: %v", compared[k], k, compared)
		}
	}
}

// FuzzPrecompiledMatchesFromScratch checks any answer to any formula or
// symbolic-shape part of the formula exercises both ways (the prepared
// parser and comparisons, and the from-scratch path).
func FuzzPrecompiledMatchesFromScratch(f *testing.F) {
	for _, s := range []string{"d_k (d_model + 1)", "3 d_k (d_model + 1) h", "d_model x d_k", "d_model * d_k", "(d_k, d_model)",
		"floor((W_in - K + 2P)/S) + 1", "(W_in - K)/S + 1", "W_in - K + 1", "3 d_model^2 + 3 d_model", "d_k d_model + d_k + 0/(h-h)",
		"d_model^2/h + 9223372036854775807 - 9223372036854775807", "(d_model/7)^5"} {
		f.Add(uint8(0), uint8(1), s)
	}
	cat := NewCatalog()
	var parts []*Part
	for _, id := range []string{"attention-parameters", "conv-output-size"} {
		ex, ok := cat.Lookup(id)
		if !ok {
			f.Fatalf("no exercise %s", id)
		}
		for seed := range uint64(8) {
			v, err := ex.Variant(seed)
			if err != nil {
				f.Fatal(err)
			}
			for _, p := range v.Parts {
				if p.check.reference != nil {
					parts = append(parts, p)
				}
			}
		}
	}
	if len(parts) == 0 {
		f.Fatal("no formula parts")
	}
	f.Fuzz(func(t *testing.T, a, b uint8, text string) {
		if len(text) > 512 {
			return
		}
		p := parts[(int(a)*256+int(b))%len(parts)]
		if got, want := p.check.fn(text), p.check.reference(text); !reflect.DeepEqual(got, want) {
			t.Fatalf("part %s, answer %q:\nprecompiled %+v\nfrom scratch %+v", p.ID, text, got, want)
		}
	})
}

package authoring

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// variantJSON is everything a variant shows or checks against, in a form
// that compares whole: intro, parts (prompts, hints, solutions, answers,
// options, animations to replay), animations, table layout and data.
func variantJSON(t *testing.T, v *exercises.Variant) string {
	t.Helper()
	b, err := json.Marshal(struct {
		Intro       []exercises.Block
		Parts       []*exercises.Part
		Data        any
		Animations  []exercises.Animation
		TableLayout bool
		TableInput  string
	}{v.Intro, v.Parts, v.Data, v.Animations, v.TableLayout, v.TableInput})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRecitationExamplesMatchBuiltins(t *testing.T) {
	cat := exercises.NewCatalog()
	for name, ex := range recitationExamples(t) {
		t.Run(name, func(t *testing.T) {
			src, err := fs.ReadFile(Examples(), name)
			if err != nil {
				t.Fatal(err)
			}
			authored, err := Parse(name, src, cat.IsBuiltin)
			if err != nil {
				t.Fatal(err)
			}
			builtin, _ := cat.Lookup(ex.builtin)
			bv, err := builtin.Variant(0)
			if err != nil {
				t.Fatal(err)
			}
			av, err := authored.Variant(0)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := variantJSON(t, av), variantJSON(t, bv); got != want {
				t.Errorf("seed 0 differs from the built-in:\n got %s\nwant %s", got, want)
			}
			if authored.Domain != builtin.Domain {
				t.Errorf("domain %q, built-in %q", authored.Domain, builtin.Domain)
			}
			// The same answers get the same verdicts: the right one, and a
			// wrong one for each part (the diagnoses).
			for i, bp := range bv.Parts {
				ap := av.Parts[i]
				for _, text := range []string{bp.Input, "1", "2x2", "3@4×4", "a"} {
					if a, b := ap.Check(text), bp.Check(text); a.Status != b.Status || a.Feedback != b.Feedback || a.Mistake != b.Mistake {
						t.Errorf("part %s, answer %q: authored %+v, built-in %+v", bp.ID, text, a, b)
					}
				}
			}
			all := map[string]string{}
			for _, p := range bv.Parts {
				all[p.ID] = p.Input
			}
			ar, err := av.Check(all)
			if err != nil {
				t.Fatal(err)
			}
			br, _ := bv.Check(all)
			if ar.Score != br.Score || ar.Max != br.Max {
				t.Errorf("score %v/%d, built-in %v/%d", ar.Score, ar.Max, br.Score, br.Max)
			}
		})
	}
}

// TestExamplesLoad: every shipped example is valid, and its every seed
// checked at load gives a variant whose own answers are right.
func TestExamplesLoad(t *testing.T) {
	cat := exercises.NewCatalog()
	entries, err := fs.ReadDir(Examples(), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 8 {
		t.Fatalf("%d examples, want at least 8", len(entries))
	}
	for _, e := range entries {
		src, _ := fs.ReadFile(Examples(), e.Name())
		ex, err := Parse(e.Name(), src, cat.IsBuiltin)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		for seed := uint64(0); seed < 5; seed++ {
			v, err := ex.Variant(seed)
			if err != nil {
				t.Fatalf("%s seed %d: %v", e.Name(), seed, err)
			}
			answers := map[string]string{}
			for _, p := range v.Parts {
				if len(p.Solution) == 0 && p.Kind != exercises.KindDiagram && p.Kind != exercises.KindSelfCheck {
					t.Errorf("%s seed %d part %s: no worked solution", e.Name(), seed, p.ID)
				}
				if p.Kind != exercises.KindSelfCheck {
					answers[p.ID] = p.Input
				}
			}
			res, err := v.Check(answers)
			if err != nil {
				t.Fatal(err)
			}
			if res.Correct != res.Max {
				t.Errorf("%s seed %d: its own answers score %d of %d", e.Name(), seed, res.Correct, res.Max)
			}
		}
	}
}

// TestEveryBuiltinHasAnExample: every built-in exercise is expressible as
// a file, shipped as an example that TestRecitationExamplesMatchBuiltins
// compares with it.
func TestEveryBuiltinHasAnExample(t *testing.T) {
	mirrored := map[string]bool{}
	for name, ex := range recitationExamples(t) {
		if _, err := fs.Stat(Examples(), name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		mirrored[ex.builtin] = true
	}
	for _, e := range exercises.NewCatalog().All() {
		if !mirrored[e.ID] {
			t.Errorf("the built-in %s has no example file", e.ID)
		}
	}
}

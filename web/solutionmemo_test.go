package web

import (
	"context"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// TestSolutionHTMLMemo checks that the memoized worked solution of every
// part of every exercise (worked solutions, self-check model answers,
// solutions with a drawing) is exactly its fresh rendering, on the first
// request and from the memo, also for a variant narrowed to that part, and
// that its JSON form is encoding/json's encoding of it.
func TestSolutionHTMLMemo(t *testing.T) {
	s := &Server{catalog: exercises.NewCatalog(), math: newMathText()}
	ctx := context.Background()
	byKey := map[string]string{}
	kinds := map[bool]bool{}
	drawings := 0
	for _, ex := range s.catalog.All() {
		for _, seed := range []uint64{0, 7} {
			v, err := ex.Variant(seed)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range v.Parts {
				want := s.renderSolution(ctx, p)
				if want == "" {
					t.Fatalf("%s/%s: empty solution", ex.ID, p.ID)
				}
				narrowed, err := selectParts(v, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				for i, in := range []*exercises.Variant{v, v, narrowed} {
					if got := s.solutionHTML(ctx, in, p); got != want {
						t.Fatalf("%s seed %d %s, call %d: memo gave\n%s\nwant\n%s", ex.ID, seed, p.ID, i, got, want)
					}
				}
				if js, want := s.solution(ctx, v, p).json, encodingJSON(t, want); string(js)+"\n" != string(want) {
					t.Fatalf("%s seed %d %s: JSON form\n%s\nwant\n%s", ex.ID, seed, p.ID, js, want)
				}
				key := solutionKey(v, p)
				if _, ok := byKey[key]; ok {
					t.Fatalf("%s seed %d %s: key %q names another part too", ex.ID, seed, p.ID, key)
				}
				byKey[key] = want
				kinds[p.Kind == exercises.KindSelfCheck] = true
				if p.Diagram != nil || p.RNNDiagram != nil {
					drawings++
				}
			}
		}
	}
	if drawings == 0 {
		t.Fatal("no part has a solution with a drawing")
	}
	if !kinds[true] || !kinds[false] {
		t.Fatalf("the catalog should have parts of both templates: %v", kinds)
	}
}

// TestSolutionMemoVersion: an authored exercise keeps its ID when its file
// changes, so a new version's worked solution must not come from the memo
// of the old one (the memo was keyed by exercise, seed and part only).
func TestSolutionMemoVersion(t *testing.T) {
	s := &Server{catalog: exercises.NewCatalog(), math: newMathText()}
	ctx := context.Background()
	ex, ok := s.catalog.Lookup("conv-by-hand")
	if !ok {
		t.Fatal("no conv-by-hand")
	}
	v, err := ex.Variant(0)
	if err != nil {
		t.Fatal(err)
	}
	p := v.Parts[0]
	old := s.solutionHTML(ctx, v, p)
	// The same exercise, seed and part at another version, whose solution
	// says something else.
	// (A new Exercise, not a copy: an Exercise holds a mutex.)
	ex2 := exercises.Exercise{ID: v.Exercise.ID, Title: v.Exercise.Title, Version: "v2"}
	p2 := *p
	p2.Solution = []string{"A different worked solution of version two."}
	v2 := *v
	v2.Exercise = &ex2
	got := s.solutionHTML(ctx, &v2, &p2)
	if want := s.renderSolution(ctx, &p2); got != want || got == old {
		t.Fatalf("version v2's solution:\n%s\nwant\n%s\n(version 1's was %s)", got, want, old)
	}
	if again := s.solutionHTML(ctx, v, p); again != old {
		t.Fatalf("version 1's solution after v2's: %s, want %s", again, old)
	}
}

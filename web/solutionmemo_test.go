package web

import (
	"context"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// TestSolutionHTMLMemo checks that the memoized worked solution of every
// part of every exercise (worked solutions and self-check model answers)
// is exactly its fresh rendering, on the first request and from the memo,
// and that parts with different solutions get different ones.
func TestSolutionHTMLMemo(t *testing.T) {
	s := &Server{catalog: exercises.NewCatalog(), math: newMathText()}
	ctx := context.Background()
	byKey := map[string]string{}
	kinds := map[bool]bool{}
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
				for i := range 2 {
					if got := s.solutionHTML(ctx, p); got != want {
						t.Fatalf("%s seed %d %s, call %d: memo gave\n%s\nwant\n%s", ex.ID, seed, p.ID, i, got, want)
					}
				}
				if p.Diagram != nil || p.RNNDiagram != nil {
					continue // rendered each time, never keyed
				}
				key := solutionKey(p)
				if prev, ok := byKey[key]; ok && prev != want {
					t.Fatalf("%s/%s: one key for two solutions", ex.ID, p.ID)
				}
				byKey[key] = want
				kinds[p.Kind == exercises.KindSelfCheck] = true
			}
		}
	}
	if !kinds[true] || !kinds[false] {
		t.Fatalf("the catalog should have parts of both templates: %v", kinds)
	}
}

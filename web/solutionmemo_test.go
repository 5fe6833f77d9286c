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

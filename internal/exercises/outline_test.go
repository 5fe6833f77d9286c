package exercises

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestOutlineMatchesVariant: for every built-in exercise, Outline lists
// exactly the parts (ids, labels, kinds) of the variant at the recitation's
// seed, at small seeds and at random seeds up to MaxSeed. It is what makes
// the seedFreeParts table and the drawn outlines safe: a family changed to
// ask other parts at some seed fails here.
func TestOutlineMatchesVariant(t *testing.T) {
	c := NewCatalog()
	rng := rand.New(rand.NewPCG(7, 11))
	seeds := []uint64{0, 1, 2, 3, MaxSeed}
	for range 150 {
		seeds = append(seeds, 4+rng.Uint64N(MaxSeed-4))
	}
	for _, e := range c.All() {
		distinct := map[string]bool{}
		for _, seed := range seeds {
			v, err := e.Variant(seed)
			if err != nil {
				t.Fatal(err)
			}
			want := outlineOf(v)
			got, err := e.Outline(seed)
			if err != nil {
				t.Fatalf("%s seed %d: %v", e.ID, seed, err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s seed %d: outline %+v, variant's parts %+v", e.ID, seed, got, want)
			}
			key := ""
			for _, p := range got {
				key += p.ID + "|" + p.Label + ";"
			}
			distinct[key] = true
		}
		// The drawn families must really vary, or the test would not see
		// their draws go out of step.
		if _, drawn := drawnOutlines[e.ID]; drawn && len(distinct) < 3 {
			t.Errorf("%s: only %d distinct outlines over %d seeds", e.ID, len(distinct), len(seeds))
		}
	}
	if _, err := c.All()[0].Outline(MaxSeed + 1); err == nil {
		t.Error("a seed beyond MaxSeed was outlined")
	}
}

// TestOutlineEveryBuiltinKnown: every built-in exercise is either in
// seedFreeParts or has a drawn outline, so none silently falls back to
// making whole variants (still correct, but the dashboard's cost).
func TestOutlineEveryBuiltinKnown(t *testing.T) {
	for _, e := range NewCatalog().All() {
		_, drawn := drawnOutlines[e.ID]
		if drawn == seedFreeParts[e.ID] {
			t.Errorf("%s: drawn %v, seed-free %v; want exactly one", e.ID, drawn, seedFreeParts[e.ID])
		}
	}
}

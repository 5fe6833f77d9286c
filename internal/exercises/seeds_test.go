package exercises

import "testing"

// TestEverySeed generates 1,000 seeds of every exercise (100 with -short)
// and holds each variant to three properties:
//   - validAndChecks: every part is complete, its expected answer is
//     accepted and a perturbed one is not;
//   - diagnosesFire: each diagnosis fires on its mistake and no correct
//     answer draws one, and over all seeds exactly the exercise's
//     diagnosisCodes fire (checkFired);
//   - examplesAreNoAnswers: no placeholder, format line or parse-error
//     example gives an answer away.
//
// These were three tests, each generating the same 10,000 variants; the
// generation was about 60 % of their CPU (the race detector's run of the
// three took 300-500 s on a busy machine), so the variants are generated
// once here. The exercises run in parallel: a server checks answers of
// different exercises concurrently, which the race detector now sees too.
func TestEverySeed(t *testing.T) {
	seeds := uint64(1000)
	if testing.Short() {
		seeds = 100
	}
	for _, ex := range NewCatalog().All() {
		t.Run(ex.ID, func(t *testing.T) {
			t.Parallel()
			fired := map[string]bool{}
			for seed := range seeds {
				v, err := ex.Variant(seed)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				validAndChecks(t, seed, v)
				diagnosesFire(t, seed, v, fired)
				examplesAreNoAnswers(t, seed, v)
			}
			checkFired(t, ex.ID, fired)
		})
	}
}

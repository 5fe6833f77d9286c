package exercises

import "testing"

// BenchmarkCheckCorrectAnswers checks every part of each exercise's
// recitation variant with its correct answers, as a student's "Check"
// does (variant generation included, since a check regenerates it).
func BenchmarkCheckCorrectAnswers(b *testing.B) {
	for _, ex := range NewCatalog().All() {
		v, err := ex.Variant(0)
		if err != nil {
			b.Fatal(err)
		}
		answers := map[string]string{}
		for _, p := range v.Parts {
			if p.Kind != KindSelfCheck {
				answers[p.ID] = p.Input
			}
		}
		b.Run(ex.ID, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v, err := ex.Variant(0)
				if err != nil {
					b.Fatal(err)
				}
				res, err := v.Check(answers)
				if err != nil || res.Correct != res.Max {
					b.Fatalf("%d of %d correct: %v", res.Correct, res.Max, err)
				}
			}
		})
	}
}

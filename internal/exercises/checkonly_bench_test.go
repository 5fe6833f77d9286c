package exercises

import "testing"

// BenchmarkCheckCachedVariant checks each exercise's recitation variant with
// its correct answers, reusing one generated variant as the server's variant
// cache does, so it measures the check alone:
//
//	go test ./internal/exercises -run XXX -bench CheckCachedVariant -benchmem
func BenchmarkCheckCachedVariant(b *testing.B) {
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
				res, err := v.Check(answers)
				if err != nil || res.Score != float64(res.Max) {
					b.Fatalf("score %v of %d: %v", res.Score, res.Max, err)
				}
			}
		})
	}
}

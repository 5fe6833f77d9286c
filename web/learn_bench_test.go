package web

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkLearnAPICheck is one recorded check through the JSON API on
// SQLite: cookie, item lookup, the learner's attempts, the durable insert
// (synchronous=FULL), the response. Each iteration changes the answer, so
// every one is stored.
func BenchmarkLearnAPICheck(b *testing.B) {
	e := newLearnEnvTB(b)
	a := e.assignment(defaultSettings(), "")
	_, tok := e.learner("ada")
	d := e.device()
	d.open(tok)
	b.ResetTimer()
	for i := range b.N {
		r := d.api("/api/v1/exercises/conv-by-hand/check", map[string]any{"item": a.Items[0].ID,
			"key": fmt.Sprintf("bench-key-%08d", i), "answers": map[string]string{"bottom-right": fmt.Sprint(i % 1000)}}, true)
		if r.code != http.StatusOK {
			b.Fatalf("check: %d %s", r.code, r.body)
		}
	}
}

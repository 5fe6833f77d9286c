package web

import (
	"fmt"
	"net/http"
	"runtime"
	"sync/atomic"
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

// BenchmarkLearnAPICheckParallel is the class load's check in one
// process: 64 students of one course, each checking at the same time
// through the JSON API (personal-link cookie, item lookup, one read of
// the learner's attempts, the check, the group commit on SQLite, the
// response). cpu-ms/op is this process's CPU per check (client included):
// on a shared machine it says more than the wall time.
func BenchmarkLearnAPICheckParallel(b *testing.B) {
	e := newLearnEnvTB(b)
	a := e.assignment(defaultSettings(), "")
	var devs []*device
	for i := range 64 {
		_, tok := e.learner(fmt.Sprintf("student-%02d", i))
		d := e.device()
		d.open(tok)
		devs = append(devs, d)
	}
	var next, seq atomic.Int64
	b.SetParallelism(64 / max(runtime.GOMAXPROCS(0), 1))
	cpu0 := processCPU(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		d := devs[int(next.Add(1)-1)%len(devs)]
		for pb.Next() {
			i := seq.Add(1)
			r := d.api("/api/v1/exercises/conv-by-hand/check", map[string]any{"item": a.Items[0].ID,
				"key": fmt.Sprintf("bench-key-%08d", i), "answers": map[string]string{"bottom-right": fmt.Sprint(i % 1000)}}, true)
			if r.code != http.StatusOK && r.code != http.StatusServiceUnavailable {
				b.Errorf("check: %d %s", r.code, r.body)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

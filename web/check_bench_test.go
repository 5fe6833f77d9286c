package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkCheckHandler serves POST /api/v1/exercises/{id}/check through the
// whole handler (middleware, admission, decoding, checking, encoding) without
// a network, so its allocation counts are stable on a busy machine; cpu-µs/op
// is this process's CPU time (user and system, garbage collection included)
// per check, which moves far less with the machine's load than ns/op:
//
//	go test ./web -run XXX -bench CheckHandler -benchmem
func BenchmarkCheckHandler(b *testing.B) {
	app, err := NewHandler(Config{})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct{ id, body string }{
		{"conv-by-hand", `{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "7"}}`},
		{"attention-parameters", `{"seed": 0, "answers": {"params-per-matrix": "d_k (d_model + 1)", "block-params": "3 d_k (d_model + 1) h"}}`},
	}
	for _, c := range cases {
		b.Run(c.id, func(b *testing.B) {
			b.ReportAllocs()
			url := "/api/v1/exercises/" + c.id + "/check"
			cpu0 := processCPU(b)
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, url, strings.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				app.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N)/1e3, "cpu-µs/op")
		})
	}
}

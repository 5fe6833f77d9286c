package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkLoad drives a real server on loopback with concurrent HTTP
// clients, first a bare net/http handler, then Stride's hot routes, in the
// same run. Each Stride case reports its cost relative to the bare handler
// ("x-bare"), which stays meaningful on a noisy machine where absolute
// numbers do not.
//
//	go test ./web -run XXX -bench Load -benchtime 3s
func BenchmarkLoad(b *testing.B) {
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer bare.Close()
	app, err := NewHandler(Config{})
	if err != nil {
		b.Fatal(err)
	}
	stride := httptest.NewServer(app)
	defer stride.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}, Timeout: 10 * time.Second}
	image := `[[1, 3, -2, 4], [0, 8, 6, 5], [2, 1, -9, 0], [4, -1, 3, 7]]`
	cases := []struct {
		name, method, url, body string
	}{
		{"bare-net-http", "POST", bare.URL + "/", `{"d_model": 512, "num_heads": 8}`},
		{"healthz", "GET", stride.URL + "/healthz", ""},
		{"compute-conv2d", "POST", stride.URL + "/api/v1/compute/conv2d", `{"input": ` + image + `, "kernel": [[1, 2], [-2, -1]], "padding": 1}`},
		{"compute-network", "POST", stride.URL + "/api/v1/compute/network", computeExamples[2].request},
		{"check-conv-by-hand", "POST", stride.URL + "/api/v1/exercises/conv-by-hand/check", `{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "7"}}`},
		{"check-attention-formulas", "POST", stride.URL + "/api/v1/exercises/attention-parameters/check", `{"seed": 0, "answers": {"params-per-matrix": "d_k (d_model + 1)", "block-params": "3 d_k (d_model + 1) h"}}`},
		{"page-exercise", "GET", stride.URL + "/exercises/cnn-shape-table", ""},
	}
	var bareNs float64
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var body io.Reader
					if c.body != "" {
						body = strings.NewReader(c.body)
					}
					req, _ := http.NewRequest(c.method, c.url, body)
					if c.body != "" {
						req.Header.Set("Content-Type", "application/json")
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("%s: status %d", c.name, resp.StatusCode)
						return
					}
				}
			})
			nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if c.name == "bare-net-http" {
				bareNs = nsPerOp
			} else if bareNs > 0 {
				b.ReportMetric(nsPerOp/bareNs, "x-bare")
			}
		})
	}
}

package web

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// metricSeries lists the label sets of the per-request metrics in a
// /metrics scrape, and checks that every label value is from a closed set.
func metricSeries(t *testing.T, body string) []string {
	t.Helper()
	var series []string
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "stride_http_requests_total{") &&
			!strings.HasPrefix(line, "stride_http_request_duration_seconds_count{") {
			continue
		}
		labels := line[strings.Index(line, "{") : strings.LastIndex(line, "}")+1]
		series = append(series, line[:strings.Index(line, "{")]+labels)
	}
	return series
}

// TestMetricsCardinalityIsBounded sends requests with random methods and
// random paths, as an attacker would, and checks that they add no series
// and leave /metrics the size it was: every label value is from a closed
// set (known methods or "other", route patterns or "unmatched").
func TestMetricsCardinalityIsBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	word := func(n int) string {
		const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	prefixes := []string{"/", "/api/v1/", "/api/v1/compute/", "/static/", "/exercises/", "/embed/", "/api/v1/exercises/", "/ws/"}
	knownMethods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions}

	for _, base := range []string{"", "/tutor"} {
		t.Run("base="+base, func(t *testing.T) {
			h := newTestHandler(t, Config{BasePath: base})
			send := func(method, path string) {
				req, err := http.NewRequest(method, "http://stride.test"+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				h.ServeHTTP(discardWriter{header: http.Header{}}, req)
			}
			// One request of each kind first, so every series the random
			// requests could touch already exists.
			for _, p := range prefixes {
				for _, m := range append(knownMethods, "WHATEVER") {
					send(m, base+p+"x")
					send(m, "/outside"+p+"x")
					send(m, base+p+"x/y/z")
				}
			}
			scrape := func() string { return do(t, h, "GET", base+"/metrics", "").Body.String() }
			scrape() // the scrape's own series
			before := scrape()
			beforeSeries := metricSeries(t, before)

			for i := range 300 {
				method := "M" + word(1+rng.IntN(2000))
				if i%3 == 0 {
					method = knownMethods[rng.IntN(len(knownMethods))]
				}
				p := prefixes[rng.IntN(len(prefixes))] + word(1+rng.IntN(40))
				switch rng.IntN(3) {
				case 0:
					p = base + p
				case 1:
					p = "/outside" + p
				default:
					p = base + p + "/" + word(3) + "/" + word(5)
				}
				send(method, p)
			}
			after := scrape()
			afterSeries := metricSeries(t, after)
			if len(afterSeries) != len(beforeSeries) {
				t.Errorf("random methods and paths changed the number of series from %d to %d", len(beforeSeries), len(afterSeries))
			}
			// Counts grow by a few digits; label values must not.
			if len(after) > len(before)+4096 {
				t.Errorf("/metrics grew from %d to %d bytes", len(before), len(after))
			}
			allowedMethods := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
				"DELETE": true, "OPTIONS": true, "CONNECT": true, "TRACE": true, "other": true}
			bad := 0
			for _, s := range afterSeries {
				if bad > 5 {
					t.Fatalf("and more")
				}
				m := s[strings.Index(s, `method="`)+len(`method="`):]
				m = m[:strings.Index(m, `"`)]
				if !allowedMethods[m] {
					bad++
					t.Errorf("method label %q is not from the closed set", clip(m, 40))
				}
				r := s[strings.Index(s, `route="`)+len(`route="`):]
				r = r[:strings.Index(r, `"`)]
				if r != "unmatched" && !strings.HasPrefix(r, base+"/") && r != base {
					bad++
					t.Errorf("route label %q is neither a route pattern nor unmatched", clip(r, 80))
				}
				if strings.Contains(r, "outside") || strings.Contains(r, "/x") {
					bad++
					t.Errorf("route label %q carries a path from the request", clip(r, 80))
				}
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so a test can send
// many requests without holding their bodies.
type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

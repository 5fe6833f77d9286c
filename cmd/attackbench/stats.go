package main

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/loadtest"
)

// series collects the latencies and outcomes of one kind of legitimate
// request in one phase. It is safe for concurrent use.
type series struct {
	mu       sync.Mutex
	lat      []time.Duration
	outcomes map[string]int // "200", "429", "timeout", "refused 1013", …
}

func newSeries() *series { return &series{outcomes: make(map[string]int)} }

// add records one request: how long it took and how it ended. ok requests
// and failed ones both count in the latency: a legitimate request that
// failed after 3 s was a 3 s wait for its user.
func (s *series) add(d time.Duration, outcome string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat = append(s.lat, d)
	s.outcomes[outcome]++
}

// summary is the digest of a series.
type summary struct {
	N             int
	P50, P99, Max time.Duration
	// Failed counts requests whose outcome was not a success (2xx, or
	// "ok" for websocket exchanges).
	Failed   int
	Outcomes map[string]int
}

func (s *series) summary() summary {
	s.mu.Lock()
	lat := slices.Clone(s.lat)
	out := make(map[string]int, len(s.outcomes))
	for k, v := range s.outcomes {
		out[k] = v
	}
	s.mu.Unlock()
	slices.Sort(lat)
	sum := summary{N: len(lat), Outcomes: out}
	if len(lat) > 0 {
		sum.P50 = loadtest.Percentile(lat, 50)
		sum.P99 = loadtest.Percentile(lat, 99)
		sum.Max = lat[len(lat)-1]
	}
	for k, v := range out {
		if !isSuccess(k) {
			sum.Failed += v
		}
	}
	return sum
}

// isSuccess tells a successful outcome label from a failure.
func isSuccess(outcome string) bool {
	return outcome == "ok" || (len(outcome) == 3 && outcome[0] == '2')
}

// counter tallies the outcomes of an attack. It is safe for concurrent use.
type counter struct {
	mu       sync.Mutex
	outcomes map[string]int
}

func newCounter() *counter { return &counter{outcomes: make(map[string]int)} }

func (c *counter) add(outcome string, n int) {
	c.mu.Lock()
	c.outcomes[outcome] += n
	c.mu.Unlock()
}

// snapshot copies the counts.
func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.outcomes))
	for k, v := range c.outcomes {
		out[k] = v
	}
	return out
}

// String lists the outcomes, most frequent first: "405: 1200, 429: 30".
func (c *counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return formatOutcomes(c.outcomes)
}

func formatOutcomes(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for i, k := range keys {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("%d more kinds", len(keys)-6))
			break
		}
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// ms formats a duration in milliseconds with a sensible precision.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f ms", f)
	case f >= 10:
		return fmt.Sprintf("%.1f ms", f)
	}
	return fmt.Sprintf("%.2f ms", f)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// histogram is one series of a Prometheus histogram in text format:
// cumulative counts by upper bound, and the total.
type histogram struct {
	buckets map[float64]int64 // le → cumulative count; +Inf included
	count   int64
}

// parseHistogram finds the histogram name with exactly the labels given
// (besides le) in a Prometheus text exposition.
func parseHistogram(text, name string, labels map[string]string) histogram {
	h := histogram{buckets: make(map[float64]int64)}
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || !strings.HasPrefix(rest, "_bucket{") && !strings.HasPrefix(rest, "_count{") {
			continue
		}
		open, end := strings.IndexByte(rest, '{'), strings.LastIndexByte(rest, '}')
		if open < 0 || end < open {
			continue
		}
		got := parseLabels(rest[open+1 : end])
		match := true
		for k, v := range labels {
			if got[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		value, err := strconv.ParseFloat(strings.TrimSpace(rest[end+1:]), 64)
		if err != nil {
			continue
		}
		if strings.HasPrefix(rest, "_count{") {
			h.count = int64(value)
			continue
		}
		le, err := strconv.ParseFloat(got["le"], 64) // "+Inf" parses as +Inf
		if err != nil {
			continue
		}
		h.buckets[le] = int64(value)
	}
	return h
}

// parseLabels reads `a="x",b="y"` (label values without escaped quotes,
// which Stride's closed label sets never have).
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			break
		}
		end := strings.IndexByte(s[eq+2:], '"')
		if end < 0 {
			break
		}
		out[s[:eq]] = s[eq+2 : eq+2+end]
		s = strings.TrimPrefix(s[eq+2+end+1:], ",")
	}
	return out
}

// since is the histogram of what was observed after the earlier scrape.
func (h histogram) since(earlier histogram) histogram {
	d := histogram{buckets: make(map[float64]int64), count: h.count - earlier.count}
	for le, n := range h.buckets {
		d.buckets[le] = n - earlier.buckets[le]
	}
	return d
}

// quantileBound is the smallest bucket bound at or below which at least q
// of the observations fall: the quantile is at most this. 0 when empty.
func (h histogram) quantileBound(q float64) float64 {
	if h.count <= 0 {
		return 0
	}
	les := make([]float64, 0, len(h.buckets))
	for le := range h.buckets {
		les = append(les, le)
	}
	slices.Sort(les)
	for _, le := range les {
		if float64(h.buckets[le]) >= q*float64(h.count) {
			return le
		}
	}
	return les[len(les)-1]
}

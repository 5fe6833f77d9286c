package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSeriesSummary(t *testing.T) {
	s := newSeries()
	for i := range 100 {
		s.add(time.Duration(100-i)*time.Millisecond, "200")
	}
	s.add(10*time.Second, "timeout")
	s.add(time.Millisecond, "429")
	s.add(time.Millisecond, "ok")
	sum := s.summary()
	if sum.N != 103 || sum.Failed != 2 || sum.Max != 10*time.Second || sum.P50 != 50*time.Millisecond {
		t.Errorf("summary %+v", sum)
	}
	if got := failuresOf(sum); got != "429: 1, timeout: 1" {
		t.Errorf("failures %q", got)
	}
}

func TestFormatOutcomes(t *testing.T) {
	got := formatOutcomes(map[string]int{"200": 5, "429": 9, "503": 5})
	if got != "429: 9, 200: 5, 503: 5" {
		t.Errorf("got %q", got)
	}
	if formatOutcomes(nil) != "none" {
		t.Error("empty outcomes")
	}
	if !isSuccess("204") || !isSuccess("ok") || isSuccess("429") || isSuccess("timeout") || isSuccess("2") {
		t.Error("isSuccess")
	}
}

func TestLoopbackAddresses(t *testing.T) {
	seen := map[string]bool{}
	for i := range 1000 {
		ip := loopbackIP(1, i)
		if !ip.IsLoopback() || ip[15] == 0 || ip[15] == 255 {
			t.Fatalf("client %d: %v", i, ip)
		}
		if seen[ip.String()] {
			t.Fatalf("client %d reuses %v", i, ip)
		}
		seen[ip.String()] = true
	}
	if seen[attackerIP.String()] {
		t.Error("a student shares the attacker's address")
	}
}

func TestConfigRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{"http://example.com:8080", "http://10.0.0.1:80", "https://127.0.0.1:8080", "127.0.0.1:8080"} {
		c := config{url: u, baseline: time.Second, attack: time.Second, students: 1}
		if err := c.validate(); err == nil {
			t.Errorf("-url %s accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080"} {
		c := config{url: u, baseline: time.Second, attack: time.Second, students: 1}
		if err := c.validate(); err != nil {
			t.Errorf("-url %s: %v", u, err)
		}
	}
	c := config{baseline: 5 * time.Minute, attack: 6 * time.Minute, students: 1}
	if err := c.validate(); err == nil {
		t.Error("an 11-minute run accepted")
	}
}

// TestAttackPayloads checks that each attack is the one issue 8 describes
// and stays within the bounds the server documents, so that it tests the
// server's budgets, not its input validation.
func TestAttackPayloads(t *testing.T) {
	q, err := url.ParseQuery(hugePlaygroundQuery())
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(q.Get("kernel"), "\n")
	if len(rows) != 44 || len(strings.Fields(rows[0])) != 44 || q.Get("padding") != "31" || q.Get("input") != "7" {
		t.Errorf("playground query %v", q)
	}

	var check struct {
		Answers map[string]string `json:"answers"`
	}
	if err := json.Unmarshal(formulaCheckBody(), &check); err != nil {
		t.Fatal(err)
	}
	for part, f := range check.Answers {
		// Tokens: names, numbers, operators and brackets.
		tokens := strings.NewReplacer("+", " + ", "*", " * ", "^", " ^ ", "(", " ( ", ")", " ) ").Replace(f)
		if n := len(strings.Fields(tokens)); n < 450 || n > 560 {
			t.Errorf("%s: %d tokens, want ≈512", part, n)
		}
		if len(f) > 4096 {
			t.Errorf("%s: %d bytes, more than an answer may have", part, len(f))
		}
	}

	// The compute API's bounds (docs/API.md): inputs and padded inputs of
	// 262,144 elements, results of 65,536 numbers, 10 M multiply-adds,
	// 1 MiB bodies.
	var conv struct {
		Input  [][]float64 `json:"input"`
		Kernel [][]float64 `json:"kernel"`
	}
	body := bigConvBody()
	if err := json.Unmarshal(body, &conv); err != nil {
		t.Fatal(err)
	}
	h, w := len(conv.Input), len(conv.Input[0])
	kh, kw := len(conv.Kernel), len(conv.Kernel[0])
	out := (h - kh + 1) * (w - kw + 1)
	work := out * kh * kw
	if h*w > 262144 || out > 65536 || work > 10_000_000 || work < 8_000_000 || len(body) > 1<<20 {
		t.Errorf("conv2d %d×%d with %d×%d: %d outputs, %d multiply-adds, %d bytes", h, w, kh, kw, out, work, len(body))
	}

	var big struct {
		Input   [][][]float64   `json:"input"`
		Kernel  [][][][]float64 `json:"kernel"`
		Bias    []float64       `json:"bias"`
		Padding int             `json:"padding"`
	}
	if err := json.Unmarshal(bigResponseBody(), &big); err != nil {
		t.Fatal(err)
	}
	side := len(big.Input[0]) + 2*big.Padding - len(big.Kernel[0][0]) + 1
	if side*side != 65536 || len(big.Bias) != 1 {
		t.Errorf("big answer has %d×%d cells", side, side)
	}
}

func TestHistogramFromMetrics(t *testing.T) {
	scrape := func(fast, slow, other int) string {
		return strings.Join([]string{
			`# TYPE stride_http_request_duration_seconds histogram`,
			fmt.Sprintf(`stride_http_request_duration_seconds_bucket{method="GET",route="/exercises/{id}",le="0.01"} %d`, fast),
			fmt.Sprintf(`stride_http_request_duration_seconds_bucket{method="GET",route="/exercises/{id}",le="0.1"} %d`, fast),
			fmt.Sprintf(`stride_http_request_duration_seconds_bucket{method="GET",route="/exercises/{id}",le="1"} %d`, fast+slow),
			fmt.Sprintf(`stride_http_request_duration_seconds_bucket{method="GET",route="/exercises/{id}",le="+Inf"} %d`, fast+slow),
			`stride_http_request_duration_seconds_sum{method="GET",route="/exercises/{id}"} 12.5`,
			fmt.Sprintf(`stride_http_request_duration_seconds_count{method="GET",route="/exercises/{id}"} %d`, fast+slow),
			fmt.Sprintf(`stride_http_request_duration_seconds_bucket{method="POST",route="/exercises/{id}",le="+Inf"} %d`, other),
			fmt.Sprintf(`stride_http_request_duration_seconds_count{method="POST",route="/exercises/{id}"} %d`, other),
		}, "\n")
	}
	labels := map[string]string{"method": "GET", "route": "/exercises/{id}"}
	before := parseHistogram(scrape(100, 0, 7), "stride_http_request_duration_seconds", labels)
	after := parseHistogram(scrape(1090, 10, 9), "stride_http_request_duration_seconds", labels)
	if before.count != 100 || after.count != 1100 {
		t.Fatalf("counts %d, %d", before.count, after.count)
	}
	d := after.since(before)
	if d.count != 1000 || d.buckets[0.1] != 990 || d.buckets[1] != 1000 {
		t.Fatalf("difference %+v", d)
	}
	if got := d.quantileBound(0.99); got != 0.01 {
		t.Errorf("p99 bound %v, want 0.01", got)
	}
	if got := d.quantileBound(0.999); got != 1 {
		t.Errorf("p99.9 bound %v, want 1", got)
	}
	if got := (histogram{}).quantileBound(0.99); got != 0 {
		t.Errorf("empty histogram: %v", got)
	}
	if got := parseLabels(`a="x",le="+Inf"`); got["a"] != "x" || got["le"] != "+Inf" {
		t.Errorf("labels %v", got)
	}
}

// TestChildArgs checks that the attacker process is given every attack's
// size and the phase's length as the parent parsed them.
func TestChildArgs(t *testing.T) {
	var parent config
	fs := flagSet(&parent, io.Discard)
	if err := fs.Parse([]string{"-attack", "7s", "-method-requests", "3", "-slow-readers", "4", "-seek-sockets", "5",
		"-seek-rate", "6", "-attack-streams", "7", "-formula-workers", "8", "-conv-workers", "9",
		"-bigresp-workers", "10", "-refused-pause", "11ms"}); err != nil {
		t.Fatal(err)
	}
	var child config
	if err := flagSet(&child, io.Discard).Parse(childArgs(parent, target{base: "http://127.0.0.1:9"})); err != nil {
		t.Fatal(err)
	}
	if err := child.validate(); err != nil {
		t.Fatal(err)
	}
	if !child.attackerChild || child.url != "http://127.0.0.1:9" {
		t.Errorf("child: -attacker-child %v, -url %q", child.attackerChild, child.url)
	}
	// Everything the attacks read must match; the rest is the parent's.
	child.attackerChild, child.url = false, ""
	if child != parent {
		t.Errorf("child config\n%+v\nparent\n%+v", child, parent)
	}
}

// Command pagebench measures Stride's hot routes against a bare net/http
// server that answers the same bytes, alternating the two under wrk in one
// run, and reports each route's throughput as a multiple of the bare
// server's together with both p99 latencies. Comparing within one run keeps
// the ratio meaningful on a machine whose absolute speed varies.
//
// From the repository root, one command builds ./cmd/server, starts it on a
// free loopback port (-log-level warn -api-rate-limit 0, in a temporary
// directory), measures, and stops it:
//
//	go run ./cmd/pagebench -route check
//
// -server PATH uses a built binary instead, -server-args adds flags, and
// -url (with -pid) measures a server that is already running:
//
//	/tmp/bench/stride -addr 127.0.0.1:19091 -log-level warn -api-rate-limit 0 2>/dev/null &
//	/tmp/bench/pagebench -url http://127.0.0.1:19091 -duration 5s -rounds 3 -pid $!
//
// -vary sends the check route with different answers in every request
// (each wrk thread seeds its own generator, and one answer is a counter, so
// no body repeats): Stride keeps the answers of a check body it has seen
// twice (web/checkmemo.go), and a class sends many identical bodies, but
// this measures checks that are all new. The bare server still replays the
// one recorded answer. With a started server, or -url, pagebench reads
// stride_check_memo_hits_total from /metrics around each Stride run and
// reports the share of checks answered from the memo.
//
// It needs wrk on the PATH. The rate limit is turned off because wrk's 64
// connections all come from one address. With a started server, or -pid
// (Stride's process id, Linux), it also reports each server's CPU time per
// request, from /proc/PID/stat around each wrk run: on a machine whose cores
// are shared with other work, that ratio moves far less than requests per
// second. It prints the load average before and after, and the commit it
// built, so that a run can be recorded as it was taken.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stride-tutor/stride/internal/loadtest"
)

// route is one request to measure.
type route struct {
	name, method, path, body string
	// vary makes wrk send different answers in every request (-vary).
	vary bool
}

var routes = []route{
	{"page /exercises/conv-by-hand?seed=0", http.MethodGet, "/exercises/conv-by-hand?seed=0", "", false},
	{"check conv-by-hand", http.MethodPost, "/api/v1/exercises/conv-by-hand/check",
		`{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "7"}}`, false},
}

// response is what the bare server replays for a route.
type response struct {
	contentType string
	body        []byte
}

// result is one wrk run.
type result struct {
	rps      float64
	p50, p99 time.Duration
	non2xx   int
	requests int
	// cpuPerReq is the server process's CPU time (user and system) during
	// the run divided by the requests wrk completed; 0 when not measured.
	cpuPerReq time.Duration
}

func main() {
	base := flag.String("url", "", "Stride server to measure; empty: build and start one (see -server)")
	serverBin := flag.String("server", "", "with -url empty: a built Stride binary to start instead of building ./cmd/server")
	serverArgs := flag.String("server-args", "", "with -url empty: more flags for the started server, space-separated")
	duration := flag.Duration("duration", 5*time.Second, "length of each wrk run")
	rounds := flag.Int("rounds", 3, "bare/Stride alternations per route")
	threads := flag.Int("threads", 2, "wrk threads (-t)")
	conns := flag.Int("connections", 64, "wrk connections (-c)")
	pid := flag.Int("pid", 0, "Stride's process id, to report its CPU time per request (Linux; 0: not reported)")
	only := flag.String("route", "", "measure only the routes whose name contains this text")
	vary := flag.Bool("vary", false, "send the check route with different answers in every request")
	flag.Parse()
	if *vary {
		for i := range routes {
			if routes[i].method == http.MethodPost {
				routes[i].name += ", varied answers"
				routes[i].vary = true
			}
		}
	}
	fmt.Printf("load average before: %s\n", loadAverage())
	if *base == "" {
		srv, err := startServer(*serverBin, *serverArgs, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pagebench:", err)
			os.Exit(1)
		}
		fmt.Printf("server: %s\n", srv.desc)
		*base, *pid = srv.base, srv.cmd.Process.Pid
		err = run(*base, *duration, *rounds, *threads, *conns, *pid, *only, os.Stdout)
		srv.stop(os.Stderr)
		fmt.Printf("load average after: %s\n", loadAverage())
		if err != nil {
			fmt.Fprintln(os.Stderr, "pagebench:", err)
			os.Exit(1)
		}
		return
	}
	err := run(*base, *duration, *rounds, *threads, *conns, *pid, *only, os.Stdout)
	fmt.Printf("load average after: %s\n", loadAverage())
	if err != nil {
		fmt.Fprintln(os.Stderr, "pagebench:", err)
		os.Exit(1)
	}
}

// loadAverage is /proc/loadavg's three load averages, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// server is a Stride process pagebench started.
type server struct {
	cmd  *exec.Cmd
	tmp  string
	base string
	desc string
}

// startServer builds ./cmd/server (CGO off, as the Dockerfile does) unless
// bin names a binary, starts it on a free loopback port in a temporary
// directory (so its default SQLite database goes with it) and waits until
// /healthz answers.
func startServer(bin, extra string, stderr io.Writer) (*server, error) {
	tmp, err := os.MkdirTemp("", "pagebench-server")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*server, error) {
		os.RemoveAll(tmp)
		return nil, err
	}
	built := ""
	if bin != "" {
		if bin, err = filepath.Abs(bin); err != nil {
			return fail(err)
		}
	} else {
		if _, err := os.Stat("cmd/server"); err != nil {
			return fail(errors.New("run from the repository root, or give -server with a built Stride binary, or -url"))
		}
		bin = filepath.Join(tmp, "stride")
		fmt.Fprintln(stderr, "pagebench: building ./cmd/server …")
		build := exec.Command("go", "build", "-o", bin, "./cmd/server")
		build.Stdout, build.Stderr = stderr, stderr
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if err := build.Run(); err != nil {
			return fail(fmt.Errorf("build the server: %w", err))
		}
		built = " (built from commit " + commit() + ")"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"-addr", addr, "-log-level", "warn", "-api-rate-limit", "0"}, strings.Fields(extra)...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = tmp
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start %s: %w", bin, err))
	}
	srv := &server{cmd: cmd, tmp: tmp, base: "http://" + addr,
		desc: fmt.Sprintf("pid %d: %s %s%s", cmd.Process.Pid, bin, strings.Join(args, " "), built)}
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := client.Get(srv.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return srv, nil
			}
		}
		if time.Now().After(deadline) {
			srv.stop(stderr)
			return nil, fmt.Errorf("%s/healthz did not answer 200 within 30 s", srv.base)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the server with SIGTERM (graceful shutdown), or SIGKILL after
// 15 s, and removes its directory.
func (s *server) stop(stderr io.Writer) {
	defer os.RemoveAll(s.tmp)
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "pagebench: server exited: %v\n", err)
		}
	case <-time.After(15 * time.Second):
		fmt.Fprintln(stderr, "pagebench: server did not stop within 15 s of SIGTERM; killing it")
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// commit names the checked-out commit, marked "+changes" when the work
// tree differs from it; "unknown" without git.
func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += "+changes"
	}
	return c
}

func run(base string, duration time.Duration, rounds, threads, conns, pid int, only string, out io.Writer) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (apt-get install wrk)")
	}
	dir, err := os.MkdirTemp("", "pagebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Record Stride's answers; the bare server replays exactly these bytes.
	replies := map[string]response{}
	for _, rt := range routes {
		resp, err := fetch(base, rt)
		if err != nil {
			return fmt.Errorf("%s: %w", rt.name, err)
		}
		replies[rt.path] = resp
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		resp, ok := replies[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", resp.contentType)
		_, _ = w.Write(resp.body)
	})}
	go func() { _ = bare.Serve(ln) }()
	defer bare.Shutdown(context.Background())
	bareURL := "http://" + ln.Addr().String()

	fmt.Fprintf(out, "wrk -t%d -c%d -d%s --latency, %d rounds, bare net/http and Stride alternating\n\n", threads, conns, duration, rounds)
	fmt.Fprintln(out, "| Route | Round | Bare req/s | Bare p99 | Stride req/s | Stride p99 | Ratio | Stride non-2xx | Bare CPU µs/req | Stride CPU µs/req | CPU ratio | Memo hits |")
	fmt.Fprintln(out, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for i, rt := range routes {
		if !strings.Contains(rt.name, only) {
			continue
		}
		script := ""
		if rt.method != http.MethodGet {
			script = filepath.Join(dir, fmt.Sprintf("route%d.lua", i))
			lua := fmt.Sprintf("wrk.method = %q\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", rt.method, rt.body)
			if rt.vary {
				lua += variedAnswers
			}
			if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
				return err
			}
		}
		var sumRatio, sumCPURatio float64
		for round := 1; round <= rounds; round++ {
			// The bare server runs in this process, which does nothing
			// else while wrk runs, so this process's CPU time is its own.
			b, err := runWrk(bareURL+rt.path, script, duration, threads, conns, os.Getpid())
			if err != nil {
				return fmt.Errorf("bare %s: %w", rt.name, err)
			}
			hits0, hitsErr := memoHits(base)
			s, err := runWrk(base+rt.path, script, duration, threads, conns, pid)
			if err != nil {
				return fmt.Errorf("stride %s: %w", rt.name, err)
			}
			memo := ""
			if hits1, err := memoHits(base); hitsErr == nil && err == nil && s.requests > 0 {
				memo = fmt.Sprintf("%.0f %%", 100*(hits1-hits0)/float64(s.requests))
			}
			ratio := s.rps / b.rps
			sumRatio += ratio
			bareCPU, strideCPU, cpuRatio := "", "", ""
			if pid != 0 && b.cpuPerReq > 0 && s.cpuPerReq > 0 {
				bareCPU = fmt.Sprintf("%.1f", b.cpuPerReq.Seconds()*1e6)
				strideCPU = fmt.Sprintf("%.1f", s.cpuPerReq.Seconds()*1e6)
				r := b.cpuPerReq.Seconds() / s.cpuPerReq.Seconds()
				cpuRatio = fmt.Sprintf("%.2f", r)
				sumCPURatio += r
			}
			fmt.Fprintf(out, "| %s | %d | %.0f | %s | %.0f | %s | %.2f | %d | %s | %s | %s | %s |\n", rt.name, round, b.rps, b.p99, s.rps, s.p99, ratio, s.non2xx,
				bareCPU, strideCPU, cpuRatio, memo)
		}
		meanCPU := ""
		if sumCPURatio > 0 {
			meanCPU = fmt.Sprintf("%.2f", sumCPURatio/float64(rounds))
		}
		fmt.Fprintf(out, "| %s | mean | | | | | %.2f | | | | %s | |\n", rt.name, sumRatio/float64(rounds), meanCPU)
	}
	return nil
}

// variedAnswers is the wrk script's tail that sends a new body with every
// request: each thread seeds its own generator with its number, and the
// last answer counts the thread's requests, so no two bodies are equal.
// The answers are of the right form (dimensions and integers), mostly
// wrong, so every part is checked and answered with feedback.
const variedAnswers = `
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(id * 7919 + os.time())
  n = 0
end
function request()
  n = n + 1
  local body = string.format('{"seed": 0, "answers": {"dims": "%dx%d", "bottom-right": "%d", "dims-padded": "%dx%d", "bottom-right-padded": "%d"}}',
    math.random(1, 6), math.random(1, 6), math.random(-40, 40), math.random(3, 7), math.random(3, 7), n * 16 + id)
  return wrk.format(nil, nil, nil, body)
end
`

// memoHits reads stride_check_memo_hits_total from Stride's /metrics; an
// error when the server does not export it.
func memoHits(base string) (float64, error) {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "stride_check_memo_hits_total "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no stride_check_memo_hits_total in /metrics")
}

// fetch asks Stride for a route once, as wrk will (no Accept-Encoding).
func fetch(base string, rt route) (response, error) {
	req, err := http.NewRequest(rt.method, base+rt.path, strings.NewReader(rt.body))
	if err != nil {
		return response{}, err
	}
	if rt.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return response{}, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return response{contentType: resp.Header.Get("Content-Type"), body: body}, nil
}

var (
	rpsLine    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	pctLine    = regexp.MustCompile(`^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	non2xxLine = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	countLine  = regexp.MustCompile(`(\d+) requests in `)
)

// runWrk runs wrk against url and, when pid is not 0, measures that
// process's CPU time per request.
func runWrk(url, script string, d time.Duration, threads, conns, pid int) (result, error) {
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", d.String(), "--latency"}
	if script != "" {
		args = append(args, "-s", script)
	}
	args = append(args, url)
	var before time.Duration
	if pid != 0 {
		var err error
		if before, err = loadtest.ReadProcCPU(pid); err != nil {
			return result{}, err
		}
	}
	outb, err := exec.Command("wrk", args...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w: %s", err, outb)
	}
	r, err := parseWrk(outb)
	if err != nil || pid == 0 || r.requests == 0 {
		return r, err
	}
	after, err := loadtest.ReadProcCPU(pid)
	if err != nil {
		return result{}, err
	}
	r.cpuPerReq = (after - before) / time.Duration(r.requests)
	return r, nil
}

func parseWrk(outb []byte) (result, error) {
	var r result
	m := rpsLine.FindSubmatch(outb)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output: %s", outb)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := countLine.FindSubmatch(outb); m != nil {
		r.requests, _ = strconv.Atoi(string(m[1]))
	}
	if m := non2xxLine.FindSubmatch(outb); m != nil {
		r.non2xx, _ = strconv.Atoi(string(m[1]))
	}
	sc := bufio.NewScanner(bytes.NewReader(outb))
	for sc.Scan() {
		m := pctLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit)).Round(10 * time.Microsecond)
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	return r, nil
}

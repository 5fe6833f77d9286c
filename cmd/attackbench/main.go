// Command attackbench measures how a Stride server treats its legitimate
// users while one client attacks it (issue 8): students load exercise pages
// and check answers, players step through and play animations, a probe
// polls /healthz, first with no attack, then while every known attack runs
// at once from one client, then briefly after. It reports the legitimate
// users' latency (p50, p99, max) in each phase and the server's peak memory
// from /proc/PID/status.
//
//	go run ./cmd/attackbench            # builds ./cmd/server, starts it, ~50 s
//	go run ./cmd/attackbench -server /tmp/stride -server-args "-max-streams 5000"
//	go run ./cmd/attackbench -url http://127.0.0.1:8080 -pid 1234
//
// Everything runs on loopback. Each legitimate user connects from its own
// loopback address (127.1.x.y for students, 127.2.x.y for players), and the
// attacker from 127.66.0.1, so per-client budgets can tell them apart as
// they would tell real people apart. Every attack is bounded in count and
// time, and the run stops by itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/stride-tutor/stride/internal/loadtest"
)

// Targets from issue 8, section 3.
const (
	targetP99 = 100 * time.Millisecond
	targetRSS = 256 << 20
)

type config struct {
	server     string
	serverArgs string
	url        string
	pid        int

	warmup, baseline, attack, after time.Duration

	students, players int

	methodRequests int
	slowReaders    int
	seekSockets    int
	seekRate       int
	attackStreams  int
	formulaWorkers int
	convWorkers    int
	bigRespWorkers int
	refusedPause   time.Duration

	// attackerProcess runs the attacks in a process of their own;
	// attackerChild marks that process.
	attackerProcess bool
	attackerChild   bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flagSet(&cfg, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(stderr, "attackbench: %v\n", err)
		return 2
	}
	if _, err := loadtest.RaiseFileLimit(); err != nil {
		fmt.Fprintf(stderr, "attackbench: could not raise the open-file limit: %v\n", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.attackerChild {
		if err := runAttackerChild(ctx, cfg, stdout); err != nil {
			fmt.Fprintf(stderr, "attackbench attacker: %v\n", err)
			return 1
		}
		return 0
	}
	if err := bench(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "attackbench: %v\n", err)
		return 1
	}
	return 0
}

// flagSet defines every flag of attackbench into cfg.
func flagSet(cfg *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("attackbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.server, "server", "", "Stride binary to start (default: build ./cmd/server of the current directory)")
	fs.StringVar(&cfg.serverArgs, "server-args", "", "extra flags for the started server, space-separated")
	fs.StringVar(&cfg.url, "url", "", "target an already running server on loopback instead, e.g. http://127.0.0.1:8080")
	fs.IntVar(&cfg.pid, "pid", 0, "with -url: the server's PID, to read its memory from /proc")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "legitimate traffic before measuring")
	fs.DurationVar(&cfg.baseline, "baseline", 15*time.Second, "measured phase without attacks")
	fs.DurationVar(&cfg.attack, "attack", 25*time.Second, "measured phase with every attack at once")
	fs.DurationVar(&cfg.after, "after", 5*time.Second, "measured phase after the attacks stopped")
	fs.IntVar(&cfg.students, "students", 30, "students loading pages and checking answers (each ≈1 page and 1 check every 2 s)")
	fs.IntVar(&cfg.players, "players", 10, "animation players (half step through, half play at 10 fps)")
	fs.IntVar(&cfg.methodRequests, "method-requests", 2000, "attack: requests with a random 30 KB method")
	fs.IntVar(&cfg.slowReaders, "slow-readers", 100, "attack: connections that ask for a huge playground page and never read")
	fs.IntVar(&cfg.seekSockets, "seek-sockets", 8, "attack: websockets flooding seeks on a 4,096-term animation")
	fs.IntVar(&cfg.seekRate, "seek-rate", 1000, "attack: seeks per second per socket (0: as fast as the socket takes them)")
	fs.IntVar(&cfg.attackStreams, "attack-streams", 5000, "attack: idle animation streams the attacker tries to hold")
	fs.IntVar(&cfg.formulaWorkers, "formula-workers", 32, "attack: parallel checks with 512-token formulas")
	fs.IntVar(&cfg.convWorkers, "conv-workers", 4, "attack: parallel conv2d computes of ≈8.6 M multiply-adds (near the API's 10 M bound)")
	fs.IntVar(&cfg.bigRespWorkers, "bigresp-workers", 4, "attack: parallel conv2d computes with a ≈1.2 MB answer (65,536 numbers, the API's bound)")
	fs.DurationVar(&cfg.refusedPause, "refused-pause", 20*time.Millisecond, "attack: pause after a 429 or 503 before the next request, so the attacking client does not spin on the shared cores")
	fs.BoolVar(&cfg.attackerProcess, "attacker-process", true, "run the attacker in a process of its own (this program started again), apart from the legitimate users; false: in this process, as before")
	fs.BoolVar(&cfg.attackerChild, "attacker-child", false, "internal: be the attacker process: run only the attacks against -url for -attack and print their results as JSON")
	return fs
}

func (c *config) validate() error {
	if c.url != "" && c.server != "" {
		return errors.New("give -server or -url, not both")
	}
	if c.attackerChild && c.url == "" {
		return errors.New("-attacker-child needs -url")
	}
	if c.url != "" {
		u, err := url.Parse(c.url)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return fmt.Errorf("-url %q is not http://host:port", c.url)
		}
		if !isLoopback(u.Hostname()) {
			return fmt.Errorf("-url %q: attackbench runs on loopback only", c.url)
		}
		c.url = strings.TrimSuffix(c.url, "/")
	}
	if c.baseline <= 0 || c.attack <= 0 || c.warmup < 0 || c.after < 0 {
		return errors.New("-baseline and -attack must be positive, -warmup and -after not negative")
	}
	if total := c.warmup + c.baseline + c.attack + c.after; total > 10*time.Minute {
		return fmt.Errorf("the phases add up to %v; keep a run under 10 minutes", total)
	}
	if c.students < 1 || c.students > 10000 || c.players < 0 || c.players > 10000 {
		return errors.New("-students from 1 to 10000, -players from 0 to 10000")
	}
	for name, v := range map[string]int{"-method-requests": c.methodRequests, "-slow-readers": c.slowReaders,
		"-seek-sockets": c.seekSockets, "-seek-rate": c.seekRate, "-attack-streams": c.attackStreams,
		"-formula-workers": c.formulaWorkers, "-conv-workers": c.convWorkers, "-bigresp-workers": c.bigRespWorkers} {
		if v < 0 || v > 20000 {
			return fmt.Errorf("%s must be from 0 to 20000", name)
		}
	}
	return nil
}

// isLoopback accepts localhost and loopback IP addresses.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// target is the server under test.
type target struct {
	base string // http://127.0.0.1:PORT
	pid  int    // 0: memory not measured
	desc string
}

func (t target) ws() string { return "ws" + strings.TrimPrefix(t.base, "http") + "/ws/animate" }

// memory reads the server's memory; zero when it cannot.
func (t target) memory() loadtest.ProcMemory {
	if t.pid == 0 {
		return loadtest.ProcMemory{}
	}
	m, err := loadtest.ReadProcMemory(t.pid)
	if err != nil {
		return loadtest.ProcMemory{}
	}
	return m
}

// cpu reads the CPU time the server has used; zero when it cannot.
func (t target) cpu() time.Duration {
	if t.pid == 0 {
		return 0
	}
	return procCPU(fmt.Sprintf("/proc/%d/stat", t.pid))
}

// procCPU reads a process's CPU time from a /proc stat file; 0 when it
// cannot.
func procCPU(path string) time.Duration {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	d, err := loadtest.ParseProcStat(string(data))
	if err != nil {
		return 0
	}
	return d
}

func bench(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	tg := target{base: cfg.url, pid: cfg.pid, desc: "already running"}
	if cfg.url == "" {
		srv, err := startServer(ctx, cfg, stderr)
		if err != nil {
			return err
		}
		defer srv.stop(stderr)
		tg = srv.target
	}
	if err := waitHealthy(ctx, tg.base); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "attackbench: Stride at %s (%s)\n", tg.base, tg.desc)
	plan, err := discover(ctx, tg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "legitimate users: %d students (a page and a check every ≈2 s each), %d animation players, /healthz every 100 ms; each from its own loopback address\n",
		cfg.students, cfg.players)
	fmt.Fprintf(stdout, "phases: warm-up %v, baseline %v, attack %v, after %v\n\n", cfg.warmup, cfg.baseline, cfg.attack, cfg.after)

	scrapeClient := httpClientFrom(loopbackIP(3, 3), 5*time.Second)
	ph := newPhases(tg.memory, func() (time.Duration, time.Duration) {
		return tg.cpu(), procCPU("/proc/self/stat")
	}, func() string { return scrape(scrapeClient, tg.base) })
	legitCtx, stopLegit := context.WithCancel(ctx)
	var legit sync.WaitGroup
	startLegit(legitCtx, &legit, cfg, tg, plan, ph)

	mem := newMemSampler(tg)
	go mem.run(legitCtx, ph)

	sleep(ctx, cfg.warmup)
	ph.begin("baseline")
	sleep(ctx, cfg.baseline)
	ph.begin("attack")
	var (
		res        attackResult
		attackErr  error
		atkProcess *attackerProcess
	)
	attackCtx, stopAttack := context.WithTimeout(ctx, cfg.attack)
	attacksDone := make(chan struct{})
	if cfg.attackerProcess {
		atkProcess, attackErr = startAttacker(ctx, cfg, tg, stderr)
		if attackErr != nil {
			stopAttack()
			stopLegit()
			legit.Wait()
			return attackErr
		}
		go func() {
			res, attackErr = atkProcess.wait()
			close(attacksDone)
		}()
	} else {
		atk := newAttacks(cfg, tg)
		go func() {
			atk.run(attackCtx)
			res = atk.result()
			close(attacksDone)
		}()
	}
	<-attackCtx.Done()
	ph.begin("after")
	// Attacks end with their phase; the after phase measures recovery
	// while they wind down.
	<-attacksDone
	stopAttack()
	sleep(ctx, cfg.after)
	ph.begin("")
	stopLegit()
	legit.Wait()
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	if attackErr != nil {
		return attackErr
	}

	report(stdout, cfg, tg, ph, mem, res)
	return nil
}

// scrape reads the server's /metrics, "" on any failure.
func scrape(client *http.Client, base string) string {
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(body)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// server is a Stride process that attackbench started.
type server struct {
	target
	cmd     *exec.Cmd
	tmp     string
	logPath string
}

func startServer(ctx context.Context, cfg config, stderr io.Writer) (*server, error) {
	tmp, err := os.MkdirTemp("", "attackbench-")
	if err != nil {
		return nil, err
	}
	bin := cfg.server
	if bin != "" {
		// The server runs in the temporary directory, so a relative path
		// must be made absolute first.
		abs, err := filepath.Abs(bin)
		if err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
		bin = abs
	}
	if bin == "" {
		if _, err := os.Stat("cmd/server"); err != nil {
			os.RemoveAll(tmp)
			return nil, errors.New("run from the repository root, or give -server with a built Stride binary")
		}
		bin = filepath.Join(tmp, "stride")
		fmt.Fprintln(stderr, "attackbench: building ./cmd/server …")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/server")
		build.Stdout, build.Stderr = stderr, stderr
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if err := build.Run(); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("build the server: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"-addr", addr}, strings.Fields(cfg.serverArgs)...)
	logPath := filepath.Join(tmp, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	// In the temporary directory, whatever the server writes by default
	// (its SQLite database in ./stride-data) is removed with it.
	cmd.Dir = tmp
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	logFile.Close() // the child has its own descriptor
	desc := fmt.Sprintf("pid %d, started by attackbench: %s %s", cmd.Process.Pid, bin, strings.Join(args, " "))
	return &server{target: target{base: "http://" + addr, pid: cmd.Process.Pid, desc: desc}, cmd: cmd, tmp: tmp, logPath: logPath}, nil
}

// stop ends the server with SIGTERM (graceful shutdown), then SIGKILL if it
// is still running after 15 s, and removes the temporary files.
func (s *server) stop(stderr io.Writer) {
	defer os.RemoveAll(s.tmp)
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "attackbench: server exited: %v; its last warnings and errors:\n%s", err, problems(s.logPath, 5))
		}
	case <-time.After(15 * time.Second):
		fmt.Fprintln(stderr, "attackbench: server did not stop within 15 s of SIGTERM; killing it")
		_ = s.cmd.Process.Kill()
		<-done
	}
	if fi, err := os.Stat(s.logPath); err == nil {
		fmt.Fprintf(stderr, "attackbench: server log was %.1f MiB\n", mib(fi.Size()))
	}
}

// problems returns the last n WARN or ERROR lines of a server log, each
// clipped to 300 bytes.
func problems(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") ||
			strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
			lines = append(lines, l)
		}
	}
	lines = lines[max(0, len(lines)-n):]
	var b strings.Builder
	for _, l := range lines {
		if len(l) > 300 {
			l = l[:300] + "…"
		}
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

func waitHealthy(ctx context.Context, base string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		sleep(ctx, 100*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return fmt.Errorf("%s/healthz did not answer 200 within 30 s", base)
}

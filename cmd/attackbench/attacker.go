package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/stride-tutor/stride/internal/loadtest"
)

// The attacker runs in a process of its own by default (-attacker-process):
// attackbench starts itself again with -attacker-child, which runs only the
// attacks against -url for -attack and prints an attackResult as JSON.
// Sharing one process, the attacker's goroutines and garbage competed with
// the legitimate users' clients for the same Go scheduler and collector, so
// its load showed up as the legitimate users' latency inside the tool (one
// run measured ≈300 ms at p99 while the server's own histograms said
// ≤ 10 ms). In two processes the kernel schedules them apart, as it would
// schedule an attacker and a student on different machines, and the
// legitimate users' CPU and the attacker's are reported separately.

// attackResult is what the attacks achieved, as the report prints it.
type attackResult struct {
	Methods        map[string]int `json:"methods"`
	MetricsBefore  int            `json:"metrics_before"`
	MetricsAfter   int            `json:"metrics_after"`
	MetricsScrapes int            `json:"metrics_scrapes"`
	MetricsSlowest time.Duration  `json:"metrics_slowest"`

	SlowConnected int64          `json:"slow_connected"`
	Slow          map[string]int `json:"slow"`

	SeekConns int64          `json:"seek_conns"`
	SeekSent  int64          `json:"seek_sent"`
	SeekRecv  int64          `json:"seek_recv"`
	SeekBytes int64          `json:"seek_bytes"`
	Seek      map[string]int `json:"seek"`

	StreamsPeak int64          `json:"streams_peak"`
	Streams     map[string]int `json:"streams"`

	Formula      map[string]int `json:"formula"`
	Conv         map[string]int `json:"conv"`
	BigResp      map[string]int `json:"big_resp"`
	BigRespBytes int64          `json:"big_resp_bytes"`

	// Process says where the attacks ran: "separate" (pid and CPU time
	// of the attacker process, wall time of its run) or "shared".
	Process string        `json:"process"`
	PID     int           `json:"pid,omitempty"`
	CPU     time.Duration `json:"cpu,omitempty"`
	Wall    time.Duration `json:"wall,omitempty"`
}

// result collects what the attacks achieved once they stopped.
func (a *attacks) result() attackResult {
	scrapes := a.metricsScrapes.summary()
	return attackResult{
		Methods: a.methods.snapshot(), MetricsBefore: a.metricsBefore, MetricsAfter: a.metricsAfter,
		MetricsScrapes: scrapes.N, MetricsSlowest: scrapes.Max,
		SlowConnected: a.slowConnected.Load(), Slow: a.slow.snapshot(),
		SeekConns: a.seekConns.Load(), SeekSent: a.seekSent.Load(), SeekRecv: a.seekRecv.Load(),
		SeekBytes: a.seekBytes.Load(), Seek: a.seek.snapshot(),
		StreamsPeak: a.streamsPeak.Load(), Streams: a.streams.snapshot(),
		Formula: a.formula.snapshot(), Conv: a.conv.snapshot(), BigResp: a.bigResp.snapshot(),
		BigRespBytes: a.bigRespBytes.Load(), Process: "shared",
	}
}

// runAttackerChild is the whole of an -attacker-child process: the attacks
// for cfg.attack against cfg.url, then their result as JSON on stdout.
func runAttackerChild(ctx context.Context, cfg config, stdout io.Writer) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, cfg.attack)
	defer cancel()
	atk := newAttacks(cfg, target{base: cfg.url})
	atk.run(ctx)
	res := atk.result()
	res.Process, res.PID, res.Wall = "separate", os.Getpid(), time.Since(start)
	if cpu, err := loadtest.ReadProcCPU(0); err == nil {
		res.CPU = cpu
	}
	return json.NewEncoder(stdout).Encode(res)
}

// childArgs are the flags of the attacker process: the target, the attack
// phase's length and every attack's size.
func childArgs(cfg config, tg target) []string {
	d := func(v time.Duration) string { return v.String() }
	i := strconv.Itoa
	return []string{"-attacker-child", "-url", tg.base, "-attack", d(cfg.attack),
		"-method-requests", i(cfg.methodRequests), "-slow-readers", i(cfg.slowReaders),
		"-seek-sockets", i(cfg.seekSockets), "-seek-rate", i(cfg.seekRate), "-attack-streams", i(cfg.attackStreams),
		"-formula-workers", i(cfg.formulaWorkers), "-conv-workers", i(cfg.convWorkers),
		"-bigresp-workers", i(cfg.bigRespWorkers), "-refused-pause", d(cfg.refusedPause)}
}

// attackerProcess is a running attacker child.
type attackerProcess struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

// startAttacker starts this program again as the attacker.
func startAttacker(ctx context.Context, cfg config, tg target, stderr io.Writer) (*attackerProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this program to start the attacker: %w", err)
	}
	p := &attackerProcess{}
	p.cmd = exec.CommandContext(ctx, exe, childArgs(cfg, tg)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, stderr
	// If the run is interrupted, end the attacker gently first.
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(os.Interrupt) }
	p.cmd.WaitDelay = 10 * time.Second
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the attacker process: %w", err)
	}
	return p, nil
}

// wait waits for the attacker to finish and reads its result.
func (p *attackerProcess) wait() (attackResult, error) {
	var res attackResult
	if err := p.cmd.Wait(); err != nil {
		return res, fmt.Errorf("attacker process: %w", err)
	}
	if err := json.Unmarshal(p.out.Bytes(), &res); err != nil {
		return res, fmt.Errorf("attacker process printed no result: %w", err)
	}
	return res, nil
}

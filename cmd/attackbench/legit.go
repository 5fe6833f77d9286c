package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stride-tutor/stride/internal/loadtest"
)

// Kinds of legitimate traffic, in report order.
const (
	kindPage    = "page GET /exercises/{id}"
	kindCheck   = "check POST …/check"
	kindHealthz = "GET /healthz"
	kindControl = "animation seek → step"
	kindFrame   = "animation frame lateness"
)

var kinds = []string{kindPage, kindCheck, kindHealthz, kindControl, kindFrame}

// httpKinds are the request–response kinds whose p99 the target covers.
var httpKinds = []string{kindPage, kindCheck, kindHealthz, kindControl}

// phase is one measured stretch of the run.
type phase struct {
	name  string
	kinds map[string]*series

	mu      sync.Mutex
	rssPeak int64 // highest VmRSS sampled during the phase
	hwmEnd  int64 // VmHWM when the phase ended

	// Wall-clock and CPU time (the server's, and this program's own) at
	// the start and end of the phase.
	began, ended           time.Time
	serverCPU0, serverCPU1 time.Duration
	selfCPU0, selfCPU1     time.Duration
	// The server's /metrics at the start and end of the phase, for the
	// latency it measured itself.
	metrics0, metrics1 string
}

// cores is how many cores a process kept busy on average in the phase.
func (p *phase) cores(cpu0, cpu1 time.Duration) float64 {
	wall := p.ended.Sub(p.began)
	if wall <= 0 || cpu1 <= 0 {
		return 0
	}
	return float64(cpu1-cpu0) / float64(wall)
}

// phases tracks the phase in progress; requests belong to the phase in
// which they started.
type phases struct {
	mu    sync.Mutex
	cur   *phase
	order []*phase
	// mem reads the server's memory at phase boundaries, cpu the CPU time
	// of the server and of this program.
	mem func() loadtest.ProcMemory
	cpu func() (server, self time.Duration)
	// scrape reads the server's /metrics ("" when it cannot).
	scrape func() string
}

func newPhases(mem func() loadtest.ProcMemory, cpu func() (server, self time.Duration), scrape func() string) *phases {
	return &phases{mem: mem, cpu: cpu, scrape: scrape}
}

// begin ends the current phase and starts the named one ("" ends the run).
func (p *phases) begin(name string) {
	m := p.mem()
	serverCPU, selfCPU := p.cpu()
	now := time.Now()
	metrics := p.scrape()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur != nil {
		p.cur.mu.Lock()
		p.cur.hwmEnd = m.HWM
		p.cur.ended, p.cur.serverCPU1, p.cur.selfCPU1 = now, serverCPU, selfCPU
		p.cur.metrics1 = metrics
		p.cur.mu.Unlock()
	}
	p.cur = nil
	if name == "" {
		return
	}
	ph := &phase{name: name, kinds: make(map[string]*series), began: now, serverCPU0: serverCPU, selfCPU0: selfCPU, metrics0: metrics}
	for _, k := range kinds {
		ph.kinds[k] = newSeries()
	}
	p.cur = ph
	p.order = append(p.order, ph)
}

// current is the phase in progress, or nil (warm-up, or after the end).
func (p *phases) current() *phase {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur
}

// record adds one sample to kind in the phase that was current at start.
func record(ph *phase, kind string, d time.Duration, outcome string) {
	if ph != nil {
		ph.kinds[kind].add(d, outcome)
	}
}

// memSampler reads the server's VmRSS every 100 ms into the current phase.
type memSampler struct {
	tg    target
	first loadtest.ProcMemory
}

func newMemSampler(tg target) *memSampler { return &memSampler{tg: tg, first: tg.memory()} }

func (m *memSampler) run(ctx context.Context, ph *phases) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := ph.current()
		if cur == nil {
			continue
		}
		if mem := m.tg.memory(); mem.RSS > 0 {
			cur.mu.Lock()
			cur.rssPeak = max(cur.rssPeak, mem.RSS)
			cur.mu.Unlock()
		}
	}
}

// loopbackIP is the address client n of a group connects from:
// 127.group.x.y, never ending in 0 or 255.
func loopbackIP(group byte, n int) net.IP {
	return net.IPv4(127, group, byte(n/250), byte(1+n%250))
}

// dialerFrom is a dialer whose connections come from ip.
func dialerFrom(ip net.IP) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
}

// httpClientFrom is an HTTP client (keep-alive, gzip, like a browser) whose
// connections come from ip.
func httpClientFrom(ip net.IP, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         dialerFrom(ip).DialContext,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// legitTimeout bounds one legitimate request; a request that takes longer
// counts with its full wait and fails.
const legitTimeout = 10 * time.Second

// exercisePlan is what students do on one variant of an exercise: its
// page and a check with plausible answers for every part.
type exercisePlan struct {
	id        string
	seed      int
	checkBody []byte
}

// planSeeds is how many variants of each exercise students work on. Parts
// can differ between variants (symbolic or concrete), so each variant is
// read once up front.
const planSeeds = 16

// discover reads the exercise catalog and variants of each exercise to
// build plausible answers, so students exercise every kind of part.
func discover(ctx context.Context, tg target) ([]exercisePlan, error) {
	client := httpClientFrom(loopbackIP(3, 1), legitTimeout)
	var catalog struct {
		Exercises []struct {
			ID string `json:"id"`
		} `json:"exercises"`
	}
	if err := getJSON(ctx, client, tg.base+"/api/v1/exercises", &catalog); err != nil {
		return nil, fmt.Errorf("read the exercise catalog: %w", err)
	}
	var plans []exercisePlan
	for _, ex := range catalog.Exercises {
		for seed := range planSeeds {
			plan, err := planVariant(ctx, client, tg, ex.ID, seed)
			if err != nil {
				return nil, err
			}
			plans = append(plans, plan)
		}
	}
	if len(plans) == 0 {
		return nil, errors.New("the catalog lists no exercises")
	}
	return plans, nil
}

func planVariant(ctx context.Context, client *http.Client, tg target, id string, seed int) (exercisePlan, error) {
	var v struct {
		Parts []struct {
			ID      string `json:"id"`
			Kind    string `json:"kind"`
			Options []struct {
				ID string `json:"id"`
			} `json:"options"`
		} `json:"parts"`
	}
	if err := getJSON(ctx, client, fmt.Sprintf("%s/api/v1/exercises/%s?seed=%d", tg.base, id, seed), &v); err != nil {
		return exercisePlan{}, fmt.Errorf("read exercise %s, seed %d: %w", id, seed, err)
	}
	answers := map[string]string{}
	for _, p := range v.Parts {
		switch p.Kind {
		case "integer":
			answers[p.ID] = "12"
		case "number":
			answers[p.ID] = "0.5"
		case "shape":
			answers[p.ID] = "3x3"
		case "matrix":
			answers[p.ID] = "1 2\n3 4"
		case "formula":
			answers[p.ID] = "d_k*(d_model+1)*h"
		case "single-choice", "multiple-choice":
			if len(p.Options) > 0 {
				answers[p.ID] = p.Options[0].ID
			}
		}
	}
	body, _ := json.Marshal(map[string]any{"seed": seed, "answers": answers})
	return exercisePlan{id: id, seed: seed, checkBody: body}, nil
}

func getJSON(ctx context.Context, client *http.Client, u string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(dst)
}

// startLegit starts every legitimate user; they stop when ctx ends.
func startLegit(ctx context.Context, wg *sync.WaitGroup, cfg config, tg target, plans []exercisePlan, ph *phases) {
	for i := range cfg.students {
		wg.Add(1)
		go func() {
			defer wg.Done()
			student(ctx, tg, plans, ph, loopbackIP(1, i), rand.New(rand.NewPCG(uint64(i), 1)))
		}()
	}
	for i := range cfg.players {
		wg.Add(1)
		go func() {
			defer wg.Done()
			player(ctx, tg, ph, loopbackIP(2, i), i%2 == 1, rand.New(rand.NewPCG(uint64(i), 2)))
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		healthProbe(ctx, tg, ph)
	}()
}

// timedRequest sends one request and reads the whole answer, recording its
// latency and outcome in the phase in which it started.
func timedRequest(ctx context.Context, client *http.Client, ph *phases, kind, method, u string, body []byte) {
	cur := ph.current()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	d := time.Since(start)
	if ctx.Err() != nil {
		return // the run ended mid-request: not the server's doing
	}
	if err != nil {
		record(cur, kind, d, errorOutcome(err))
		return
	}
	record(cur, kind, d, fmt.Sprint(resp.StatusCode))
}

func errorOutcome(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return "error: " + s
}

// student loads an exercise page, thinks, checks answers, thinks, and
// starts over with another exercise and seed.
func student(ctx context.Context, tg target, plans []exercisePlan, ph *phases, ip net.IP, rng *rand.Rand) {
	client := httpClientFrom(ip, legitTimeout)
	defer client.CloseIdleConnections()
	// Students do not arrive in lockstep.
	sleep(ctx, time.Duration(rng.IntN(1000))*time.Millisecond)
	for ctx.Err() == nil {
		p := plans[rng.IntN(len(plans))]
		timedRequest(ctx, client, ph, kindPage, http.MethodGet, fmt.Sprintf("%s/exercises/%s?seed=%d", tg.base, p.id, p.seed), nil)
		sleep(ctx, time.Duration(300+rng.IntN(500))*time.Millisecond)
		if ctx.Err() != nil {
			return
		}
		timedRequest(ctx, client, ph, kindCheck, http.MethodPost, fmt.Sprintf("%s/api/v1/exercises/%s/check", tg.base, p.id), p.checkBody)
		sleep(ctx, time.Duration(500+rng.IntN(1000))*time.Millisecond)
	}
}

// healthProbe polls /healthz every 100 ms, as a strict orchestrator would.
func healthProbe(ctx context.Context, tg target, ph *phases) {
	client := httpClientFrom(loopbackIP(3, 2), legitTimeout)
	defer client.CloseIdleConnections()
	for ctx.Err() == nil {
		timedRequest(ctx, client, ph, kindHealthz, http.MethodGet, tg.base+"/healthz", nil)
		sleep(ctx, 100*time.Millisecond)
	}
}

// player opens the animation of an exercise. A stepping player seeks to a
// random step every 200–400 ms, as a student clicking through, and records
// the time from its seek to the step's arrival; a playing player plays at
// 10 fps and records how late each frame arrives. A failed or refused
// connection counts as a failed seek and is retried after 500 ms.
func player(ctx context.Context, tg target, ph *phases, ip net.IP, playing bool, rng *rand.Rand) {
	d := dialerFrom(ip)
	dialer := websocket.Dialer{NetDialContext: d.DialContext, HandshakeTimeout: 5 * time.Second}
	sleep(ctx, time.Duration(rng.IntN(1000))*time.Millisecond)
	for ctx.Err() == nil {
		start := time.Now()
		cur := ph.current()
		err := playOnce(ctx, &dialer, tg, ph, playing, rng)
		if err != nil && ctx.Err() == nil {
			kind := kindControl
			if playing {
				kind = kindFrame
			}
			record(cur, kind, time.Since(start), err.Error())
			sleep(ctx, 500*time.Millisecond)
		}
	}
}

// wsMsg is the part of a server message players look at.
type wsMsg struct {
	Type       string `json:"type"`
	Index      int    `json:"index"`
	TotalSteps int    `json:"total_steps"`
	Message    string `json:"message"`
}

func playOnce(ctx context.Context, dialer *websocket.Dialer, tg target, ph *phases, playing bool, rng *rand.Rand) error {
	conn, resp, err := dialer.DialContext(ctx, tg.ws(), nil)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("handshake %d", resp.StatusCode)
		}
		return errors.New(errorOutcome(err))
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.NetConn().Close() })
	defer stop()
	read := func() (wsMsg, error) {
		_ = conn.SetReadDeadline(time.Now().Add(legitTimeout))
		var m wsMsg
		_, data, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return m, fmt.Errorf("closed %d", ce.Code)
			}
			return m, errors.New(errorOutcome(err))
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return m, errors.New("bad message")
		}
		return m, nil
	}
	send := func(s string) error {
		_ = conn.SetWriteDeadline(time.Now().Add(legitTimeout))
		return conn.WriteMessage(websocket.TextMessage, []byte(s))
	}
	// The playground's replay of the recitation's convolution: an
	// exercise's replay opens only with the unlock tokens of its checked
	// parts, which a watcher who has not answered does not hold.
	pad := rng.IntN(3)
	if err := send(fmt.Sprintf(`{"type":"start","op":"conv2d","input":[[1,3,-2,4],[0,8,6,5],[2,1,-9,0],[4,-1,3,7]],"kernel":[[1,2],[-2,-1]],"padding":%d,"fps":10,"paused":%v}`, pad, !playing)); err != nil {
		return errors.New("send start")
	}
	meta, err := read()
	if err != nil {
		return err
	}
	if meta.Type != "meta" || meta.TotalSteps < 1 {
		return fmt.Errorf("got %s instead of meta", meta.Type)
	}
	if playing {
		return playFrames(ctx, ph, read, send)
	}
	for ctx.Err() == nil {
		sleep(ctx, time.Duration(200+rng.IntN(200))*time.Millisecond)
		if ctx.Err() != nil {
			return nil
		}
		cur := ph.current()
		idx := rng.IntN(meta.TotalSteps)
		start := time.Now()
		if err := send(fmt.Sprintf(`{"type":"seek","index":%d}`, idx)); err != nil {
			return errors.New("send seek")
		}
		for {
			m, err := read()
			if err != nil {
				return err
			}
			if m.Type == "error" {
				record(cur, kindControl, time.Since(start), "error message")
				break
			}
			if m.Type == "step" && m.Index == idx {
				record(cur, kindControl, time.Since(start), "ok")
				break
			}
		}
	}
	return nil
}

// playFrames records the lateness of every frame of a playing animation
// against the schedule its first frame sets (10 fps), restarting at done.
func playFrames(ctx context.Context, ph *phases, read func() (wsMsg, error), send func(string) error) error {
	const interval = 100 * time.Millisecond
	var anchor time.Time
	anchorIdx := -1
	for ctx.Err() == nil {
		m, err := read()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		at := time.Now()
		switch m.Type {
		case "step":
			if anchorIdx < 0 {
				anchor, anchorIdx = at, m.Index
			}
			due := anchor.Add(time.Duration(m.Index-anchorIdx) * interval)
			record(ph.current(), kindFrame, max(0, at.Sub(due)), "ok")
		case "done":
			anchorIdx = -1
			if err := send(`{"type":"play"}`); err != nil {
				return errors.New("send play")
			}
		case "error":
			record(ph.current(), kindFrame, 0, "error message")
		}
	}
	return nil
}

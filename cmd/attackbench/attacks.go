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
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// attackerIP is the one address every attack comes from.
var attackerIP = net.IPv4(127, 66, 0, 1)

// attacks runs every attack of issue 8 at once from one client and keeps
// what each achieved.
type attacks struct {
	cfg config
	tg  target

	methods        *counter
	metricsBefore  int
	metricsAfter   int
	metricsScrapes *series

	slowConnected atomic.Int64
	slow          *counter

	seekConns          atomic.Int64
	seekSent, seekRecv atomic.Int64
	seekBytes          atomic.Int64
	seek               *counter

	streamsOpen, streamsPeak atomic.Int64
	streams                  *counter

	formula, conv, bigResp *counter
	bigRespBytes           atomic.Int64
}

func newAttacks(cfg config, tg target) *attacks {
	return &attacks{cfg: cfg, tg: tg, methods: newCounter(), metricsScrapes: newSeries(), slow: newCounter(),
		seek: newCounter(), streams: newCounter(), formula: newCounter(), conv: newCounter(), bigResp: newCounter()}
}

// run starts every attack and returns when all have stopped, shortly after
// ctx ends.
func (a *attacks) run(ctx context.Context) {
	client := attackClient()
	defer client.CloseIdleConnections()
	a.metricsBefore = a.scrapeMetrics(context.Background(), client)

	var wg sync.WaitGroup
	spawn := func(n int, f func(i int)) {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f(i)
			}()
		}
	}
	// Item 1: random huge methods, and scrapes of the metrics they grow.
	var sent atomic.Int64
	spawn(min(2, a.cfg.methodRequests), func(int) { a.methodFlood(ctx, client, &sent) })
	spawn(1, func(int) { a.scraper(ctx, client) })
	// Item 2: huge playground and embed pages for clients that never read.
	spawn(a.cfg.slowReaders, func(i int) { a.slowReader(ctx, i) })
	// Item 3: seek floods, and as many streams as the server gives.
	spawn(a.cfg.seekSockets, func(int) { a.seekFlood(ctx) })
	a.holdStreams(ctx, &wg)
	// Item 4: expensive checks and computes.
	formula := formulaCheckBody()
	spawn(a.cfg.formulaWorkers, func(int) {
		a.hammer(ctx, client, a.tg.base+"/api/v1/exercises/attention-parameters/check", formula, a.formula, nil)
	})
	conv := bigConvBody()
	spawn(a.cfg.convWorkers, func(int) { a.hammer(ctx, client, a.tg.base+"/api/v1/compute/conv2d", conv, a.conv, nil) })
	big := bigResponseBody()
	spawn(a.cfg.bigRespWorkers, func(int) {
		a.hammer(ctx, client, a.tg.base+"/api/v1/compute/conv2d", big, a.bigResp, &a.bigRespBytes)
	})
	wg.Wait()
	a.metricsAfter = a.scrapeMetrics(context.Background(), client)
}

// attackClient is the attacker's HTTP client: many connections from one
// address.
func attackClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         dialerFrom(attackerIP).DialContext,
			MaxIdleConnsPerHost: 64,
			DisableCompression:  true,
		},
	}
}

// pauseIfRefused waits a little after a 429 or 503, so that the attacking
// client, which shares the machine's cores with the server and the
// legitimate users, does not measure its own spinning.
func (a *attacks) pauseIfRefused(ctx context.Context, status int) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		sleep(ctx, a.cfg.refusedPause)
	}
}

// do sends one attack request and reads (and counts) the whole answer.
func (a *attacks) do(ctx context.Context, client *http.Client, method, u string, body []byte, c *counter, n *atomic.Int64) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		c.add("bad request: "+err.Error(), 1)
		return
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			c.add("unanswered when the attack ended", 1)
			return
		}
		c.add(errorOutcome(err), 1)
		sleep(ctx, a.cfg.refusedPause)
		return
	}
	got, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n != nil {
		n.Add(got)
	}
	c.add(fmt.Sprint(resp.StatusCode), 1)
	a.pauseIfRefused(ctx, resp.StatusCode)
}

// methodFlood sends requests whose methods are 30 KB of random letters, up
// to -method-requests in all.
func (a *attacks) methodFlood(ctx context.Context, client *http.Client, sent *atomic.Int64) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 66))
	buf := make([]byte, 30000)
	for ctx.Err() == nil && sent.Add(1) <= int64(a.cfg.methodRequests) {
		buf[0] = 'M'
		for i := 1; i < len(buf); i++ {
			buf[i] = byte('A' + rng.IntN(26))
		}
		a.do(ctx, client, string(buf), a.tg.base+"/x", nil, a.methods, nil)
	}
}

// scraper reads /metrics every second, as a Prometheus would, and records
// how long that takes while the methods pile up.
func (a *attacks) scraper(ctx context.Context, client *http.Client) {
	for ctx.Err() == nil {
		start := time.Now()
		if a.scrapeMetrics(ctx, client) > 0 {
			a.metricsScrapes.add(time.Since(start), "ok")
		}
		sleep(ctx, time.Second)
	}
}

// scrapeMetrics returns the size of /metrics in bytes, 0 on failure.
func (a *attacks) scrapeMetrics(ctx context.Context, client *http.Client) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.tg.base+"/metrics", nil)
	if err != nil {
		return 0
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0
	}
	return int(n)
}

// hugePlaygroundQuery is issue 8's reproduction: a 1×1 input, padding 31
// and a 44×44 kernel of 9s, whose no-JS step table was 5.5 MB of HTML.
func hugePlaygroundQuery() string {
	row := strings.TrimSpace(strings.Repeat("9 ", 44))
	rows := make([]string, 44)
	for i := range rows {
		rows[i] = row
	}
	q := url.Values{"op": {"conv2d"}, "input": {"7"}, "padding": {"31"}, "kernel": {strings.Join(rows, "\n")}}
	return q.Encode()
}

// slowReader asks for the huge playground page (or its embed) with a tiny
// receive buffer and never reads the answer, holding the connection until
// the attack ends.
func (a *attacks) slowReader(ctx context.Context, i int) {
	path := "/playground?"
	if i%2 == 1 {
		path = "/embed/playground?"
	}
	host := strings.TrimPrefix(a.tg.base, "http://")
	d := dialerFrom(attackerIP)
	d.Control = smallReceiveBuffer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		if ctx.Err() == nil {
			a.slow.add(errorOutcome(err), 1)
		}
		return
	}
	defer conn.Close()
	req := "GET " + path + hugePlaygroundQuery() + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: attackbench\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		a.slow.add("write: "+errorOutcome(err), 1)
		return
	}
	a.slowConnected.Add(1)
	a.slow.add("holding", 1)
	<-ctx.Done()
}

// seekFlood keeps one flooding websocket open: whenever the server closes
// it, it connects again, after -refused-pause.
func (a *attacks) seekFlood(ctx context.Context) {
	for ctx.Err() == nil {
		a.seekConns.Add(1)
		a.seekOnce(ctx)
		sleep(ctx, a.cfg.refusedPause)
	}
}

// seekOnce starts a paused 2×2 input with a 64×64 kernel and padding 31
// (every step has 4,096 terms) and sends seeks to step 0 at -seek-rate per
// second (or as fast as the socket takes them), reading and discarding
// whatever comes back, until the server or the run ends the connection.
func (a *attacks) seekOnce(ctx context.Context) {
	d := dialerFrom(attackerIP)
	dialer := websocket.Dialer{NetDialContext: d.DialContext, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := dialer.DialContext(ctx, a.tg.ws(), nil)
	if err != nil {
		if ctx.Err() == nil {
			a.seek.add(handshakeOutcome(resp, err), 1)
		}
		return
	}
	defer conn.Close()
	// Closing the socket under gorilla's feet is the one way to end a
	// blocked read or write from another goroutine that is safe.
	stop := context.AfterFunc(ctx, func() { _ = conn.NetConn().Close() })
	defer stop()
	var kernel bytes.Buffer
	kernel.WriteByte('[')
	for r := range 64 {
		if r > 0 {
			kernel.WriteByte(',')
		}
		kernel.WriteByte('[')
		kernel.WriteString(strings.TrimSuffix(strings.Repeat("1,", 64), ","))
		kernel.WriteByte(']')
	}
	kernel.WriteByte(']')
	start := `{"type":"start","op":"conv2d","input":[[1,2],[3,4]],"kernel":` + kernel.String() + `,"padding":31,"paused":true}`
	if err := conn.WriteMessage(websocket.TextMessage, []byte(start)); err != nil {
		a.seek.add("send start failed", 1)
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				if ctx.Err() == nil {
					a.seek.add("read: "+closeOutcome(err), 1)
				}
				return
			}
			a.seekRecv.Add(1)
			a.seekBytes.Add(int64(len(data)))
			if bytes.HasPrefix(data, []byte(`{"type":"error"`)) {
				a.seek.add("error messages", 1)
			}
		}
	}()
	seek := []byte(`{"type":"seek","index":0}`)
	var tick <-chan time.Time
	if a.cfg.seekRate > 0 {
		// Send in batches every 10 ms to keep timer overhead low.
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	perTick := max(1, a.cfg.seekRate/100)
loop:
	for ctx.Err() == nil {
		n := 1
		if tick != nil {
			select {
			case <-tick:
				n = perTick
			case <-ctx.Done():
				break loop
			case <-done:
				break loop
			}
		}
		for range n {
			if err := conn.WriteMessage(websocket.TextMessage, seek); err != nil {
				if ctx.Err() == nil {
					a.seek.add("write: "+closeOutcome(err), 1)
				}
				break loop
			}
			a.seekSent.Add(1)
		}
	}
	_ = conn.Close()
	<-done
}

// holdStreams opens up to -attack-streams idle animation streams, 64 at a
// time, and holds those the server accepts until the attack ends. It
// starts a second after the seek floods, so that those hold streams of
// their own before the idle ones take whatever the server lets one client
// have.
func (a *attacks) holdStreams(ctx context.Context, wg *sync.WaitGroup) {
	d := dialerFrom(attackerIP)
	dialer := websocket.Dialer{NetDialContext: d.DialContext, HandshakeTimeout: 5 * time.Second,
		ReadBufferSize: 1024, WriteBufferSize: 1024}
	slots := make(chan struct{}, 64)
	wg.Add(1)
	go func() {
		defer wg.Done()
		sleep(ctx, time.Second)
		for range a.cfg.attackStreams {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn, resp, err := dialer.DialContext(ctx, a.tg.ws(), nil)
				<-slots
				if err != nil {
					if ctx.Err() == nil {
						a.streams.add(handshakeOutcome(resp, err), 1)
					}
					return
				}
				defer conn.Close()
				stop := context.AfterFunc(ctx, func() { _ = conn.NetConn().Close() })
				defer stop()
				open := a.streamsOpen.Add(1)
				defer a.streamsOpen.Add(-1)
				for {
					peak := a.streamsPeak.Load()
					if open <= peak || a.streamsPeak.CompareAndSwap(peak, open) {
						break
					}
				}
				// Read (answering pings) until the server or the run
				// ends the stream; a refused stream ends at once.
				for {
					if _, _, err := conn.ReadMessage(); err != nil {
						if ctx.Err() == nil {
							a.streams.add("closed: "+closeOutcome(err), 1)
						} else {
							a.streams.add("held to the end", 1)
						}
						return
					}
				}
			}()
		}
	}()
}

func handshakeOutcome(resp *http.Response, err error) string {
	if resp != nil {
		return fmt.Sprintf("handshake HTTP %d", resp.StatusCode)
	}
	return "dial: " + errorOutcome(err)
}

func closeOutcome(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("close %d", ce.Code)
	}
	return errorOutcome(err)
}

// hammer posts body to u over and over until ctx ends.
func (a *attacks) hammer(ctx context.Context, client *http.Client, u string, body []byte, c *counter, n *atomic.Int64) {
	for ctx.Err() == nil {
		a.do(ctx, client, http.MethodPost, u, body, c, n)
	}
}

// formulaCheckBody is issue 8's expensive check: each formula answer is
// the right formula plus 0·(a sum of huge powers), padded to ≈512 tokens.
func formulaCheckBody() []byte {
	pad := func(f string) string {
		var b strings.Builder
		b.WriteString(f)
		b.WriteString("+0*((d_model^64)^5")
		for range 60 {
			b.WriteString("+(d_k^64)^5")
		}
		b.WriteString(")")
		return b.String()
	}
	body, _ := json.Marshal(map[string]any{"seed": 0, "answers": map[string]string{
		"params-per-matrix": pad("d_k*(d_model+1)"),
		"block-params":      pad("3*d_k*(d_model+1)*h"),
	}})
	return body
}

// bigConvBody is the most expensive conv2d the compute API admits (its
// bounds: 10 M multiply-adds, 65,536 output numbers): a 256×256 input with
// a 12×12 kernel, 245·245·144 ≈ 8.6 M multiply-adds.
func bigConvBody() []byte {
	const size, k = 256, 12
	var b bytes.Buffer
	b.WriteString(`{"input":[`)
	for r := range size {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for c := range size {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(byte('0' + (r*7+c*3)%10))
		}
		b.WriteByte(']')
	}
	b.WriteString(`],"kernel":[`)
	for r := range k {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteString("[" + strings.TrimSuffix(strings.Repeat("1,", k), ",") + "]")
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// bigResponseBody is a tiny conv2d request with the largest answer the
// compute API admits: a 2×2 input padded by 127 with a 1×1 kernel and a
// long bias gives 256×256 = 65,536 cells of 0.1234567890123456, ≈1.2 MB
// of JSON (the 512×512 version is now refused with 400).
func bigResponseBody() []byte {
	return []byte(`{"input":[[[1,2],[3,4]]],"kernel":[[[[1]]]],"bias":[0.1234567890123456],"padding":127}`)
}

// Command wsload puts a running Stride server under animation-websocket
// load: it opens N concurrent streams of a small convolution at a fixed
// pace and reports how punctually the steps arrive and, given the server's
// PID on this machine, how much server memory each stream costs.
//
//	go run ./cmd/wsload -url ws://127.0.0.1:8080/ws/animate -n 1000 -duration 20s -pid $(pgrep -n stride)
//
// A frame's schedule is client-side: the first step of an animation fixes
// it, and step i is due (i − first)/fps later. Lateness is display time
// minus schedule (early frames count as 0), where a frame's display time is
// when it arrived, or, for a frame the server sent ahead of its due time
// (-ahead, the start's ahead_ms), when it arrived plus its due_in_ms, which
// is when a player shows it. A frame that arrives early and is shown on
// time is on time; one that arrives late is as late as it arrived, so
// lateness includes the network and this client's own scheduling, and is
// an upper bound on the lateness a player would show.
//
// On Linux the streams are read by one epoll loop (-client raw,
// rawclient.go, internal/wsraw), which costs the shared cores about half of what a
// goroutine and gorilla connection per stream (-client gorilla) does.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stride-tutor/stride/internal/loadtest"
)

// onTimeThreshold is the lateness up to which a frame counts as on time.
const onTimeThreshold = 50 * time.Millisecond

type config struct {
	url      string
	streams  int
	duration time.Duration
	ramp     time.Duration
	fps      float64
	origin   string
	pid      int
	size     int
	// client is "raw" (one epoll loop reads every stream; Linux) or
	// "gorilla" (a goroutine and gorilla connection per stream).
	client string
	// cpuProfile names a file for this client's own CPU profile, to see
	// what the load client costs the cores it shares with the server.
	cpuProfile string
	// ahead is the start's ahead_ms: how far ahead of their due time the
	// server may send steps (0: each when it is due).
	ahead time.Duration
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("wsload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.url, "url", "ws://127.0.0.1:8080/ws/animate", "animation websocket URL")
	fs.IntVar(&cfg.streams, "n", 100, "concurrent streams")
	fs.DurationVar(&cfg.duration, "duration", 20*time.Second, "how long each stream stays open once connected")
	fs.DurationVar(&cfg.ramp, "ramp", 2*time.Second, "spread connection starts over this long")
	fs.Float64Var(&cfg.fps, "fps", 10, "steps per second per stream (0.5 to 60)")
	fs.StringVar(&cfg.origin, "origin", "", "Origin header to send (none by default)")
	fs.IntVar(&cfg.pid, "pid", 0, "server PID on this machine, to measure its memory per stream from /proc/PID/status")
	fs.IntVar(&cfg.size, "size", 12, "input height and width of the animated convolution (3×3 kernel, padding 1)")
	defaultClient := "gorilla"
	if rawClientAvailable {
		defaultClient = "raw"
	}
	fs.StringVar(&cfg.client, "client", defaultClient,
		"how streams are read: raw (one epoll loop for every socket, cheapest; Linux only) or gorilla (a goroutine and gorilla connection per stream)")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write this client's CPU profile to the file")
	fs.DurationVar(&cfg.ahead, "ahead", 500*time.Millisecond,
		"let the server send steps up to this far ahead of their due time, as the browser player does (ahead_ms; 0 to 1s, 0: each step when due); lateness is measured at display time")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.streams < 1 || cfg.fps < 0.5 || cfg.fps > 60 || cfg.duration <= 0 || cfg.ramp < 0 || cfg.size < 3 || cfg.size > 40 ||
		cfg.ahead < 0 || cfg.ahead > time.Second {
		fmt.Fprintln(stderr, "wsload: need -n ≥ 1, -fps from 0.5 to 60, -duration > 0, -ramp ≥ 0, -size from 3 to 40 and -ahead from 0 to 1s")
		return 2
	}
	if cfg.client != "raw" && cfg.client != "gorilla" {
		fmt.Fprintf(stderr, "wsload: -client is %q; it must be raw or gorilla\n", cfg.client)
		return 2
	}
	if limit, err := loadtest.RaiseFileLimit(); err != nil {
		fmt.Fprintf(stderr, "wsload: could not raise the open-file limit: %v\n", err)
	} else if limit < uint64(cfg.streams)+64 {
		fmt.Fprintf(stderr, "wsload: warning: the open-file limit is %d, too low for %d streams\n", limit, cfg.streams)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "wsload: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "wsload: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := runLoad(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "wsload: %v\n", err)
		return 1
	}
	rep.print(stdout, cfg)
	if rep.connected == 0 {
		return 1
	}
	return 0
}

// startMessage builds the animation every stream plays: a size×size input
// with a 3×3 kernel and padding 1, with enough output channels that one
// pass lasts the whole run (streams that still finish restart).
func startMessage(cfg config) []byte {
	perChannel := cfg.size * cfg.size
	want := int(math.Ceil(cfg.duration.Seconds()*cfg.fps)) + 1
	channels := min(max(1, (want+perChannel-1)/perChannel), 64)
	var b bytes.Buffer
	b.WriteString(`{"type":"start","op":"conv2d","padding":1,"fps":`)
	b.WriteString(strconv.FormatFloat(cfg.fps, 'f', -1, 64))
	if ms := cfg.ahead.Milliseconds(); ms > 0 {
		b.WriteString(`,"ahead_ms":`)
		b.WriteString(strconv.FormatInt(ms, 10))
	}
	b.WriteString(`,"input":[`)
	for r := range cfg.size {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for c := range cfg.size {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa((r*7+c*3)%11 - 5))
		}
		b.WriteByte(']')
	}
	b.WriteString(`],"kernel":[`)
	for o := range channels {
		if o > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `[[[%d,0,-1],[1,%d,-1],[1,0,-1]]]`, o%3, o%5-2)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// streamResult is what one stream saw.
type streamResult struct {
	connected bool
	// failure says why the stream failed to connect or ended early.
	failure  string
	early    bool // the server closed the stream before the run ended
	frames   int
	restarts int
	errors   int // error messages from the server
	// ahead counts the frames that arrived before their display time
	// (due_in_ms > 0).
	ahead    int
	lateness []time.Duration
	// pace is each frame's lateness against its predecessor (paceClock).
	pace []time.Duration
}

// waitToStart waits delay before a stream connects; false when ctx ended
// first.
func waitToStart(ctx context.Context, delay time.Duration) bool {
	select {
	case <-time.After(delay):
		return true
	case <-ctx.Done():
		return false
	}
}

// runStream opens one stream after delay and plays until its duration ends.
func runStream(ctx context.Context, cfg config, delay time.Duration, start []byte) streamResult {
	var res streamResult
	if !waitToStart(ctx, delay) {
		res.failure = "interrupted before connecting"
		return res
	}
	header := http.Header{}
	if cfg.origin != "" {
		header.Set("Origin", cfg.origin)
	}
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 4096}
	conn, resp, err := dialer.DialContext(ctx, cfg.url, header)
	if err != nil {
		if resp != nil {
			res.failure = fmt.Sprintf("handshake: HTTP %d", resp.StatusCode)
		} else {
			res.failure = "dial: " + simplify(err)
		}
		return res
	}
	defer conn.Close()
	end := time.Now().Add(cfg.duration)
	if err := conn.WriteMessage(websocket.TextMessage, start); err != nil {
		res.failure = "send start: " + simplify(err)
		return res
	}
	_ = conn.SetReadDeadline(end)
	stopOnCancel := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stopOnCancel()
	clock := frameClock{fps: cfg.fps}
	pace := paceClock{fps: cfg.fps}
	res.lateness = make([]time.Duration, 0, int(cfg.duration.Seconds()*cfg.fps)+16)
	res.pace = make([]time.Duration, 0, int(cfg.duration.Seconds()*cfg.fps)+16)
	// One buffer per stream for every message: the client shares the cores
	// with the server it measures, so it allocates nothing per frame.
	buf := make([]byte, 0, 4096)
	for {
		data, err := readMessage(conn, buf[:0])
		buf = data[:0]
		at := time.Now()
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				break // the run is over
			}
			if !res.connected {
				res.failure = "before meta: " + simplify(err)
			} else {
				res.early, res.failure = true, "ended early: "+simplify(err)
			}
			return res
		}
		kind, index := peekMessage(data)
		dueIn := peekDueIn(data)
		switch kind {
		case msgMeta:
			res.connected = true
		case msgStep:
			res.countStep(index, at, dueIn, &clock, &pace)
		case msgDone:
			res.restarts++
			clock.reset()
			pace.reset()
			// A player shows the last step before it starts over.
			time.Sleep(max(dueIn, 0))
			_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"restart"}`)); err != nil {
				res.early, res.failure = true, "send restart: "+simplify(err)
				return res
			}
		case msgError:
			res.errors++
		}
	}
	if !res.connected {
		res.failure = "no meta before the run ended"
	}
	// Close politely; the server answers and closes the TCP connection.
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "load test over"),
		time.Now().Add(time.Second))
	return res
}

// countStep records a step that arrived at time at, due dueIn later (−1:
// it carries no due time, and is shown on arrival).
func (res *streamResult) countStep(index int, at time.Time, dueIn time.Duration, clock *frameClock, pace *paceClock) {
	res.frames++
	shown := at
	if dueIn > 0 {
		res.ahead++
		shown = at.Add(dueIn)
	}
	res.lateness = append(res.lateness, clock.lateness(index, shown))
	if late, ok := pace.lateness(index, shown); ok {
		res.pace = append(res.pace, late)
	}
}

// readMessage reads the next data message into buf, growing it if needed.
// Only its start matters to peekMessage, but the whole message is read so
// that the next one starts where it should.
func readMessage(conn *websocket.Conn, buf []byte) ([]byte, error) {
	_, r, err := conn.NextReader()
	if err != nil {
		return buf, err
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// msgKind is the type of a server message, as far as the load cares.
type msgKind byte

const (
	msgOther msgKind = iota
	msgMeta
	msgStep
	msgDone
	msgError
)

// peekMessage reads the type and index of a server message without a full
// JSON decode (and without allocating): the server writes "type" first and
// a step's "index" second.
func peekMessage(data []byte) (kind msgKind, index int) {
	rest, ok := bytes.CutPrefix(data, []byte(`{"type":"`))
	if !ok {
		return msgOther, 0
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return msgOther, 0
	}
	switch string(rest[:end]) { // compiled without allocating
	case "meta":
		return msgMeta, 0
	case "done":
		return msgDone, 0
	case "error":
		return msgError, 0
	case "step":
	default:
		return msgOther, 0
	}
	if rest, ok := bytes.CutPrefix(rest[end:], []byte(`","index":`)); ok {
		n := 0
		for _, c := range rest {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		index = n
	}
	return msgStep, index
}

// peekDueIn reads a server message's due_in_ms (a step or done sent ahead
// of its due time), which the server writes right after the index (or the
// type of done); −1 when it has none.
func peekDueIn(data []byte) time.Duration {
	head := data[:min(len(data), peekLen)]
	i := bytes.Index(head, []byte(`,"due_in_ms":`))
	if i < 0 {
		return -1
	}
	n, digits := 0, 0
	for _, c := range head[i+len(`,"due_in_ms":`):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		digits++
	}
	if digits == 0 {
		return -1
	}
	return time.Duration(n) * time.Millisecond
}

// simplify shortens network errors so that identical causes group.
func simplify(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("close %d %s", ce.Code, ce.Text)
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// report is the outcome of a run.
type report struct {
	connected, failed, early int
	frames, restarts, errors int
	ahead                    int
	failures                 map[string]int
	lateness, pace           latenessSummary
	rssBefore, rssPeak       int64 // bytes; 0 when not measured
	rssStreams               int   // streams open when the peak was sampled
	elapsed                  time.Duration
	// CPU time (user and system) over the run of the server (when -pid is
	// given) and of this client; 0 when not measured.
	serverCPU, clientCPU time.Duration
}

func runLoad(ctx context.Context, cfg config) (*report, error) {
	start := startMessage(cfg)
	rep := &report{failures: make(map[string]int)}
	if cfg.pid > 0 {
		mem, err := loadtest.ReadProcMemory(cfg.pid)
		if err != nil {
			return nil, fmt.Errorf("read the server's memory: %w", err)
		}
		rep.rssBefore = mem.RSS
	}
	runOne := runStream
	if cfg.client == "raw" {
		run, stop, err := startRawClient(ctx)
		if err != nil {
			return nil, err
		}
		defer stop()
		runOne = run
	}
	serverCPU0, clientCPU0 := cpuOf(cfg.pid), cpuOf(0)
	began := time.Now()
	results := make(chan streamResult, cfg.streams)
	var wg sync.WaitGroup
	for i := range cfg.streams {
		delay := time.Duration(0)
		if cfg.streams > 1 {
			delay = cfg.ramp * time.Duration(i) / time.Duration(cfg.streams-1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- runOne(ctx, cfg, delay, start)
		}()
	}

	// Sample the server's memory while every stream is open: from the end
	// of the ramp (plus a second to settle) until the first streams close.
	var sampler sync.WaitGroup
	if cfg.pid > 0 {
		sampler.Add(1)
		go func() {
			defer sampler.Done()
			from := began.Add(cfg.ramp + min(time.Second, cfg.duration/4))
			until := began.Add(cfg.duration - 500*time.Millisecond)
			for t := from; t.Before(until) || t.Equal(from); t = t.Add(500 * time.Millisecond) {
				select {
				case <-time.After(time.Until(t)):
				case <-ctx.Done():
					return
				}
				if mem, err := loadtest.ReadProcMemory(cfg.pid); err == nil && mem.RSS > rep.rssPeak {
					rep.rssPeak = mem.RSS
				}
			}
		}()
	}
	wg.Wait()
	sampler.Wait()
	close(results)
	rep.elapsed = time.Since(began)
	if cfg.pid > 0 {
		rep.serverCPU = cpuOf(cfg.pid) - serverCPU0
	}
	rep.clientCPU = cpuOf(0) - clientCPU0

	var all, pace []time.Duration
	for r := range results {
		if r.connected {
			rep.connected++
		} else {
			rep.failed++
		}
		if r.early {
			rep.early++
		}
		if r.failure != "" {
			rep.failures[r.failure]++
		}
		rep.frames += r.frames
		rep.restarts += r.restarts
		rep.errors += r.errors
		rep.ahead += r.ahead
		all = append(all, r.lateness...)
		pace = append(pace, r.pace...)
	}
	// Every connected stream was open during sampling unless some ended
	// early; those are few and counting them keeps the estimate cautious.
	rep.rssStreams = rep.connected
	rep.lateness = summarize(all, onTimeThreshold)
	rep.pace = summarize(pace, onTimeThreshold)
	return rep, nil
}

func (rep *report) print(w io.Writer, cfg config) {
	fmt.Fprintf(w, "wsload: %d streams to %s at %v fps, %v each (ramp %v), %v in all, %s client\n",
		cfg.streams, cfg.url, cfg.fps, cfg.duration, cfg.ramp, rep.elapsed.Round(time.Millisecond), cfg.client)
	fmt.Fprintf(w, "  streams:  %d connected, %d failed, %d ended early\n", rep.connected, rep.failed, rep.early)
	if len(rep.failures) > 0 {
		reasons := make([]string, 0, len(rep.failures))
		for r := range rep.failures {
			reasons = append(reasons, r)
		}
		sort.Slice(reasons, func(i, j int) bool { return rep.failures[reasons[i]] > rep.failures[reasons[j]] })
		for i, r := range reasons {
			if i == 5 {
				fmt.Fprintf(w, "            … and %d more kinds of failure\n", len(reasons)-5)
				break
			}
			fmt.Fprintf(w, "            %d× %s\n", rep.failures[r], r)
		}
	}
	expected := float64(rep.connected) * cfg.duration.Seconds() * cfg.fps
	fmt.Fprintf(w, "  frames:   %d received (≈%.0f expected), %d restarts, %d error messages\n",
		rep.frames, expected, rep.restarts, rep.errors)
	if cfg.ahead > 0 {
		fmt.Fprintf(w, "  ahead:    %d of the frames (%.1f%%) arrived before their display time (ahead_ms %d); lateness is at display time\n",
			rep.ahead, 100*float64(rep.ahead)/float64(max(rep.frames, 1)), cfg.ahead.Milliseconds())
	}
	fmt.Fprintf(w, "  on time:  %s\n", rep.lateness)
	fmt.Fprintf(w, "  pace:     %s (each frame against the one before it)\n", rep.pace)
	if rep.frames > 0 && rep.clientCPU > 0 {
		// CPU per frame says which side of the shared cores the frames
		// cost most, whatever else the machine was doing.
		fmt.Fprintf(w, "  CPU:      client %.2f s (%.1f µs a frame, %.2f cores)", rep.clientCPU.Seconds(),
			float64(rep.clientCPU.Microseconds())/float64(rep.frames), rep.clientCPU.Seconds()/rep.elapsed.Seconds())
		if rep.serverCPU > 0 {
			fmt.Fprintf(w, "; server %.2f s (%.1f µs a frame, %.2f cores)", rep.serverCPU.Seconds(),
				float64(rep.serverCPU.Microseconds())/float64(rep.frames), rep.serverCPU.Seconds()/rep.elapsed.Seconds())
		}
		fmt.Fprintln(w)
	}
	if cfg.pid > 0 {
		if rep.rssPeak == 0 || rep.rssStreams == 0 {
			fmt.Fprintln(w, "  memory:   not measured (the run was too short or no stream connected)")
			return
		}
		per := float64(rep.rssPeak-rep.rssBefore) / float64(rep.rssStreams)
		fmt.Fprintf(w, "  memory:   server RSS %.1f MiB before, %.1f MiB with %d streams open: %.1f KiB per stream\n",
			mib(rep.rssBefore), mib(rep.rssPeak), rep.rssStreams, per/1024)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// cpuOf is the CPU time process pid (0: this one) has used, 0 when it
// cannot be read.
func cpuOf(pid int) time.Duration {
	d, err := loadtest.ReadProcCPU(pid)
	if err != nil {
		return 0
	}
	return d
}

package web

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkAnimateFrames plays 200 streams of the wsload animation (a 12×12
// input, 3×3 kernel, padding 1) at 60 steps a second through the real
// animator and counts b.N steps received in all. Its figure is the
// process's CPU time (user + system, from getrusage) per step received,
// reported as cpu-µs/frame: the server's whole per-frame path (the clock,
// the writer's wake-up, the write) plus a minimal reader per stream that
// only counts frames. ns/op is paced by the streams' schedule and means
// nothing. BENCHMARKS.md ("Animation streams: one wake-up and one write per frame")
// compares builds with
//
//	go test ./web -run XXX -bench AnimateFrames -benchtime 60000x -count 3
func BenchmarkAnimateFrames(b *testing.B) {
	benchAnimateFrames(b, 200, 60, 0)
}

// BenchmarkAnimateFramesAhead is BenchmarkAnimateFrames at wsload's pace:
// 1,000 streams at 10 steps a second (10,000 frames a second, as 200 at
// 60), each frame sent when due (ahead0) or up to 500 ms ahead of its due
// time with due_in_ms (ahead500: five steps a write), as wsload's -ahead
// asks.
//
//	go test ./web -run XXX -bench AnimateFramesAhead -benchtime 60000x
func BenchmarkAnimateFramesAhead(b *testing.B) {
	for _, ahead := range []int{0, 500} {
		b.Run(fmt.Sprintf("ahead%d", ahead), func(b *testing.B) { benchAnimateFrames(b, 1000, 10, ahead) })
	}
}

// benchAnimateFrames plays streams streams at fps steps a second, with
// ahead_ms ahead, and reports the CPU time per frame received.
func benchAnimateFrames(b *testing.B, streams int, fps float64, aheadMS int) {
	a := newTestAnimator(AnimatorConfig{MaxStreams: streams, MaxStreamsPerClient: streams})
	srv := httptest.NewServer(a)
	defer srv.Close()
	// 8 channels of 144 steps, longer than any run at 60 steps a second
	// (56 channels at 10), and shared (under maxSharedSteps) as wsload's
	// animation is.
	start := benchStartMessage(12, min(64, int(8*60/fps)), fps, aheadMS)

	// frames counts every step received; the run ends when b.N have
	// arrived after the timer starts (dialing 1,000 streams takes seconds,
	// during which the first ones already play).
	var frames, target atomic.Int64
	target.Store(math.MaxInt64)
	reached := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	conns := make([]*websocket.Conn, 0, streams)
	for range streams {
		conn, _, err := websocket.DefaultDialer.Dial(animURL(srv), nil)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, conn)
		if err := conn.WriteMessage(websocket.TextMessage, start); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			countFrames(conn.NetConn(), func() {
				if frames.Add(1) >= target.Load() {
					once.Do(func() { close(reached) })
				}
			})
		}()
	}
	b.ResetTimer()
	cpu0 := processCPU(b)
	f0 := frames.Load()
	target.Store(f0 + int64(b.N))
	select {
	case <-reached:
	case <-time.After(10 * time.Minute):
		b.Fatal("frames stopped arriving")
	}
	cpu := processCPU(b) - cpu0
	n := frames.Load() - f0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/frame")
	for _, c := range conns {
		c.NetConn().Close()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.Shutdown(ctx)
}

// benchStartMessage is wsload's start message: a size×size input, 3×3
// kernels in the given number of output channels, padding 1, at fps, with
// ahead_ms when it is not 0.
func benchStartMessage(size, channels int, fps float64, aheadMS int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":"start","op":"conv2d","padding":1,"fps":%v,`, fps)
	if aheadMS > 0 {
		fmt.Fprintf(&b, `"ahead_ms":%d,`, aheadMS)
	}
	b.WriteString(`"input":[`)
	for r := range size {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for c := range size {
			if c > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, (r*7+c*3)%11-5)
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
	return []byte(b.String())
}

// countFrames reads nc until it fails, calling frame for every final
// data frame after the first (the meta). It parses only frame headers.
func countFrames(nc net.Conn, frame func()) {
	buf := make([]byte, 64<<10)
	have, seen := 0, 0
	for {
		n, err := nc.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		off := 0
	frames:
		for {
			b := buf[off:have]
			if len(b) < 2 {
				break
			}
			plen, hdr := int(b[1]&0x7f), 2
			switch {
			case plen == 126 && len(b) < 4, plen == 127 && len(b) < 10:
				break frames
			case plen == 126:
				plen, hdr = int(binary.BigEndian.Uint16(b[2:])), 4
			case plen == 127:
				plen, hdr = int(binary.BigEndian.Uint64(b[2:])), 10
			}
			if hdr+plen > len(buf) {
				return // larger than this reader handles; not in this benchmark
			}
			if len(b) < hdr+plen {
				break
			}
			// A final data frame ends a message (a long meta comes in
			// fragments); control frames have opcodes from 8.
			if b[0]&0x80 != 0 && b[0]&0x0f < 8 {
				if seen++; seen > 1 {
					frame()
				}
			}
			off += hdr + plen
		}
		have = copy(buf, buf[off:have])
	}
}

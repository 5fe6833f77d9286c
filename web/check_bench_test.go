package web

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkCheckHandler serves POST /api/v1/exercises/{id}/check through the
// whole handler (middleware, admission, decoding, checking, encoding) without
// a network, so its allocation counts are stable on a busy machine; cpu-µs/op
// is this process's CPU time (user and system, garbage collection included)
// per check, which moves far less with the machine's load than ns/op:
//
//	go test ./web -run XXX -bench CheckHandler -benchmem
//
// The bare case is pagebench's bare server in process: a handler that reads
// the body and writes conv-by-hand's response bytes with their content
// type. Each iteration builds its request and response writer the way
// net/http does for a keep-alive connection (a request with a fresh header
// map and context, a discarding writer), so the figures are the handler
// stack's own.
func BenchmarkCheckHandler(b *testing.B) {
	app, err := NewHandler(Config{})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct{ id, body string }{
		{"conv-by-hand", `{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "7"}}`},
		{"attention-parameters", `{"seed": 0, "answers": {"params-per-matrix": "d_k (d_model + 1)", "block-params": "3 d_k (d_model + 1) h"}}`},
	}
	// The bare handler answers what Stride answers for conv-by-hand.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/conv-by-hand/check", strings.NewReader(cases[0].body))
	req.Header.Set("Content-Type", "application/json")
	app.ServeHTTP(rec, req)
	reply, ctype := rec.Body.Bytes(), rec.Header().Get("Content-Type")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(reply)
	})
	run := func(b *testing.B, h http.Handler, id, body string, vary bool) {
		b.ReportAllocs()
		c := newCheckCaller(id, body)
		cpu0 := processCPU(b)
		for b.Loop() {
			if c.serve(h, vary); c.w.status != http.StatusOK {
				b.Fatalf("status %d: %s", c.w.status, c.w.body.Bytes())
			}
		}
		b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N)/1e3, "cpu-µs/op")
	}
	b.Run("bare", func(b *testing.B) { run(b, bare, cases[0].id, cases[0].body, false) })
	for _, c := range cases {
		b.Run(c.id, func(b *testing.B) { run(b, app, c.id, c.body, false) })
		b.Run(c.id+"/varied", func(b *testing.B) { run(b, app, c.id, c.body, true) })
	}
}

// checkCaller serves checks of one exercise to a handler in process, each
// request built the way net/http builds one on a keep-alive connection (a
// fresh header map and context, the body read from the wire), so the
// handler stack's own costs are what a benchmark or allocation count sees.
// Sent unchanged, body is answered from the memo of repeated checks
// (web/checkmemo.go) from the third check on, as pagebench's check route
// measures; varied, the last answer of body (which must end in `"}}`) is
// a new integer on every call, so every check is new, as pagebench -vary
// measures.
type checkCaller struct {
	tmpl          *http.Request
	rd            bytes.Reader
	w             benchWriter
	fixed, varied []byte
	stem          string
	n             int
}

func newCheckCaller(id, body string) *checkCaller {
	c := &checkCaller{fixed: []byte(body)}
	c.tmpl = httptest.NewRequest(http.MethodPost, "/api/v1/exercises/"+id+"/check", nil)
	c.tmpl.RemoteAddr = "127.0.0.1:40000"
	stem, _ := strings.CutSuffix(body, `"}}`)
	c.stem = stem[:strings.LastIndexByte(stem, '"')+1]
	return c
}

// serve sends one check to h; the response is in c.w.
func (c *checkCaller) serve(h http.Handler, vary bool) {
	if vary {
		c.n++
		c.varied = append(strconv.AppendInt(append(c.varied[:0], c.stem...), int64(c.n), 10), `"}}`...)
		c.rd.Reset(c.varied)
	} else {
		c.rd.Reset(c.fixed)
	}
	r := c.tmpl.WithContext(context.Background())
	r.Header = http.Header{"Content-Type": {"application/json"}}
	r.Body = io.NopCloser(&c.rd)
	r.ContentLength = c.rd.Size()
	c.w.reset()
	h.ServeHTTP(&c.w, r)
}

// benchWriter is a ResponseWriter that keeps the status and the first
// bytes of the body (for an error message) and drops the rest, as a
// network write would from the handler's point of view.
type benchWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (w *benchWriter) reset() {
	w.h = http.Header{}
	w.status = 0
	w.body.Reset()
}

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *benchWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.body.Len() < 512 {
		w.body.Write(p[:min(len(p), 512)])
	}
	return len(p), nil
}

// BenchmarkCheckServer sends checks over loopback to a server set up as
// cmd/server sets it up (WrapListener, ConnContext), one keep-alive
// connection, one request at a time, every check with new answers
// (pagebench -vary's case, without the memo's help). cpu-µs/op is the
// whole process's CPU (client included, so it is not a server's cost per
// check; compare it between builds), writes/op the server's writes per
// answer:
//
//	go test ./web -run XXX -bench CheckServer -benchmem
func BenchmarkCheckServer(b *testing.B) {
	app, err := NewHandler(Config{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(app)
	counting := &countingListener{Listener: srv.Listener}
	srv.Listener = WrapListener(counting)
	srv.Config.ConnContext = ConnContext
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 16<<10)
	host := srv.Listener.Addr().String()
	var req []byte
	n := 0
	b.ReportAllocs()
	counting.take()
	cpu0 := processCPU(b)
	for b.Loop() {
		n++
		body := `{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-2", "dims-padded": "5x5", "bottom-right-padded": "` + strconv.Itoa(n) + `"}}`
		req = append(req[:0], "POST /api/v1/exercises/conv-by-hand/check HTTP/1.1\r\nHost: "...)
		req = append(req, host...)
		req = append(req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		req = strconv.AppendInt(req, int64(len(body)), 10)
		req = append(append(req, "\r\n\r\n"...), body...)
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		resp.Body.Close()
	}
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N)/1e3, "cpu-µs/op")
	b.ReportMetric(float64(len(counting.take()))/float64(b.N), "writes/op")
}

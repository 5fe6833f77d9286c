package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// maxVariedCheckAllocs bounds the allocations of one anonymous check with
// new answers (pagebench -vary's request) through the whole handler,
// counting the request and header map the test makes as net/http would.
// Each allocation also costs the collector; branch checkvary took the
// count from 67 to this (BENCHMARKS.md, "checkvary"): answers read
// without copying their digits or going through big.Int, the check
// request kept on the stack, a verdict's cell step allocated only when
// there is a cell to show. A change that adds one on this path should
// say why, here.
const maxVariedCheckAllocs = 52

func TestVariedCheckAllocations(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector allocates on its own; counted without -race")
	}
	app, err := NewHandler(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/conv-by-hand/check", nil)
	tmpl.RemoteAddr = "127.0.0.1:40000"
	w := &benchWriter{}
	var body []byte
	var rd bytes.Reader
	n := 0
	check := func() {
		n++
		body = append(strconv.AppendInt(append(body[:0],
			`{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "`...), int64(n), 10), `"}}`...)
		rd.Reset(body)
		r := tmpl.WithContext(context.Background())
		r.Header = http.Header{"Content-Type": {"application/json"}}
		r.Body = io.NopCloser(&rd)
		r.ContentLength = rd.Size()
		w.reset()
		app.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			t.Fatalf("status %d: %s", w.status, w.body.Bytes())
		}
	}
	check() // pools and caches filled
	if got := testing.AllocsPerRun(200, check); got > maxVariedCheckAllocs {
		t.Errorf("a varied check made %.0f allocations; at most %d expected", got, maxVariedCheckAllocs)
	}
}

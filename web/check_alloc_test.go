package web

import (
	"net/http"
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
	c := newCheckCaller("conv-by-hand", `{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "7"}}`)
	check := func() {
		if c.serve(app, true); c.w.status != http.StatusOK {
			t.Fatalf("status %d: %s", c.w.status, c.w.body.Bytes())
		}
	}
	check() // pools and caches filled
	if got := testing.AllocsPerRun(200, check); got > maxVariedCheckAllocs {
		t.Errorf("a varied check made %.0f allocations; at most %d expected", got, maxVariedCheckAllocs)
	}
}

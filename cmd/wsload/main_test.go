package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/web"
)

// TestRunLoadAgainstServer runs a small load against the real handler: every
// stream connects, receives frames in order (lateness is computed from
// their indexes) and ends when its duration does. Only counts are checked,
// never how punctual the frames were.
func TestRunLoadAgainstServer(t *testing.T) {
	app, err := web.NewHandler(web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		app.Shutdown(ctx)
		srv.Close()
	})
	cfg := config{url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/animate", streams: 3,
		duration: 500 * time.Millisecond, fps: 60, size: 3}
	rep, err := runLoad(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.connected != 3 || rep.failed != 0 || rep.errors != 0 {
		t.Fatalf("connected %d, failed %d (%v), %d error messages", rep.connected, rep.failed, rep.failures, rep.errors)
	}
	if rep.frames < 3 || rep.lateness.Frames != rep.frames {
		t.Fatalf("%d frames received, %d timed", rep.frames, rep.lateness.Frames)
	}
}

package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

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
	clients := []string{"gorilla"}
	if rawClientAvailable {
		clients = append(clients, "raw")
	}
	for _, client := range clients {
		for _, ahead := range []time.Duration{0, 500 * time.Millisecond} {
			t.Run(fmt.Sprintf("%s/ahead=%v", client, ahead), func(t *testing.T) {
				runLoadAgainst(t, srv, client, ahead)
			})
		}
	}
}

func runLoadAgainst(t *testing.T, srv *httptest.Server, client string, ahead time.Duration) {
	t.Helper()
	// Size 3 at 60 fps over 1 s: 9 steps a pass, so streams also
	// restart (the done and restart messages are exercised).
	cfg := config{url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/animate", streams: 3,
		duration: time.Second, fps: 60, size: 3, client: client, ahead: ahead}
	rep, err := runLoad(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.connected != 3 || rep.failed != 0 || rep.early != 0 || rep.errors != 0 {
		t.Fatalf("connected %d, failed %d, early %d (%v), %d error messages",
			rep.connected, rep.failed, rep.early, rep.failures, rep.errors)
	}
	if rep.frames < 3 || rep.lateness.Frames != rep.frames {
		t.Fatalf("%d frames received, %d timed", rep.frames, rep.lateness.Frames)
	}
	// Every pass's first batch holds its 9 steps (150 ms at 60 a
	// second), 8 of them sent ahead; without ahead, none is.
	if (ahead > 0) != (rep.ahead > 0) {
		t.Fatalf("ahead %v: %d frames arrived ahead of their display time", ahead, rep.ahead)
	}
}

// TestRunLoadRefused: streams the server refuses (here: over its
// per-client cap, which a connection of the test's own already fills) are
// reported as failures with the close code and reason, by either client.
func TestRunLoadRefused(t *testing.T) {
	app, err := web.NewHandler(web.Config{MaxStreamsPerClient: 1})
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
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/animate"
	holder, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	clients := []string{"gorilla"}
	if rawClientAvailable {
		clients = append(clients, "raw")
	}
	for _, client := range clients {
		t.Run(client, func(t *testing.T) {
			cfg := config{url: url, streams: 2, duration: time.Second, fps: 10, size: 3, client: client}
			rep, err := runLoad(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.connected != 0 || rep.failed != 2 {
				t.Fatalf("connected %d, failed %d (%v); want 0 and 2", rep.connected, rep.failed, rep.failures)
			}
			for why, n := range rep.failures {
				if !strings.HasPrefix(why, "before meta: close 1013 too many animation streams") {
					t.Errorf("%d× %q", n, why)
				}
			}
		})
	}
}

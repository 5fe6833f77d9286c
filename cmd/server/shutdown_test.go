package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestGracefulShutdown starts the real server, holds an animation
// websocket open and a request half-sent, then shuts down: the request
// still completes, the websocket gets 1001, and serve returns within the
// grace period.
func TestGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := config{addr: "127.0.0.1:0", logFormat: "text", maxStreams: 10, dataDir: t.TempDir()}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(startTimeout):
		t.Fatal("server did not start")
	}

	// An open animation stream.
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws/animate", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]any{"type": "start", "op": "conv2d", "input": [][]float64{{1, 2}, {3, 4}}, "kernel": [][]float64{{1}}, "paused": true}); err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	if err := ws.ReadJSON(&meta); err != nil || meta["type"] != "meta" {
		t.Fatalf("meta: %v %v", meta, err)
	}

	// An in-flight request: its headers sent, and its handler reading the
	// body when shutdown begins. The handler's first read of the body
	// answers "100 Continue"; waiting for it proves the server accepted
	// the connection and runs the request (a fixed sleep did not: on a busy
	// machine the connection could still sit in the listen backlog when
	// shutdown closed the listener, and the test failed with EOF).
	body := `{"d_model": 512, "num_heads": 8}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/compute/attention HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", addr, len(body))
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(startTimeout))
	cont, err := http.ReadResponse(br, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("before shutdown: %v %v, want 100 Continue", cont, err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	if _, err := io.WriteString(conn, body[:10]); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	cancel()
	time.Sleep(200 * time.Millisecond)
	// The request in flight still finishes after shutdown began.
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(got), "787968") {
		t.Errorf("in-flight request: %d %s", resp.StatusCode, got)
	}

	// The websocket is closed with 1001 going away.
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
			t.Errorf("websocket closed with %v, want 1001", err)
		}
		break
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(shutdownGrace + 2*time.Second):
		t.Fatal("server did not stop within the grace period")
	}
	if d := time.Since(start); d > shutdownGrace {
		t.Errorf("shutdown took %v", d)
	}
}

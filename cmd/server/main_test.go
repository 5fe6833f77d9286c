package main

import (
	"bytes"
	"context"
	"github.com/stride-tutor/stride/internal/authoring"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/web"
)

var defaultAncestors = []string{"https:", "http://localhost:*", "http://127.0.0.1:*"}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    config
		wantErr string
	}{
		{name: "defaults", want: config{dataDir: "./stride-data", addr: ":8080", logFormat: "text", logLevel: slog.LevelInfo, maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "flag", args: []string{"-addr", "127.0.0.1:9000"}, want: config{dataDir: "./stride-data", addr: "127.0.0.1:9000", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "env", env: map[string]string{"STRIDE_ADDR": ":7000", "STRIDE_LOG_FORMAT": "json", "STRIDE_LOG_LEVEL": "debug"},
			want: config{dataDir: "./stride-data", addr: ":7000", logFormat: "json", logLevel: slog.LevelDebug, maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "PORT", env: map[string]string{"PORT": "5000"}, want: config{dataDir: "./stride-data", addr: ":5000", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "STRIDE_ADDR beats PORT", env: map[string]string{"PORT": "5000", "STRIDE_ADDR": ":6000"}, want: config{dataDir: "./stride-data", addr: ":6000", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "flag beats env", args: []string{"-addr=:1234"}, env: map[string]string{"STRIDE_ADDR": ":6000"}, want: config{dataDir: "./stride-data", addr: ":1234", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "base path", args: []string{"-base-path", "/tutor/"}, want: config{dataDir: "./stride-data", addr: ":8080", basePath: "/tutor", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "bad addr", args: []string{"-addr", "8080"}, wantErr: "-addr"},
		{name: "bad port env", env: map[string]string{"STRIDE_ADDR": ":99999"}, wantErr: "STRIDE_ADDR"},
		{name: "bad PORT", env: map[string]string{"PORT": "http"}, wantErr: "PORT"},
		{name: "bad format", env: map[string]string{"STRIDE_LOG_FORMAT": "xml"}, wantErr: "STRIDE_LOG_FORMAT"},
		{name: "bad level", args: []string{"-log-level", "loud"}, wantErr: "-log-level"},
		{name: "level in capitals", env: map[string]string{"STRIDE_LOG_LEVEL": "WARN"},
			want: config{dataDir: "./stride-data", addr: ":8080", logFormat: "text", logLevel: slog.LevelWarn, maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "level error", args: []string{"-log-level", "Error"},
			want: config{dataDir: "./stride-data", addr: ":8080", logFormat: "text", logLevel: slog.LevelError, maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "level with offset", env: map[string]string{"STRIDE_LOG_LEVEL": "INFO+2"}, wantErr: "STRIDE_LOG_LEVEL"},
		{name: "level negative offset", args: []string{"-log-level", "error-4"}, wantErr: "-log-level"},
		{name: "level number", args: []string{"-log-level", "4"}, wantErr: "-log-level"},
		{name: "level warning", args: []string{"-log-level", "warning"}, wantErr: "not debug, info, warn or error"},
		{name: "bad base path", env: map[string]string{"STRIDE_BASE_PATH": "/a b"}, wantErr: "STRIDE_BASE_PATH"},
		{name: "base path dot", args: []string{"-base-path", "."}, wantErr: "-base-path"},
		{name: "base path trailing dot", env: map[string]string{"STRIDE_BASE_PATH": "tutor/."}, wantErr: "STRIDE_BASE_PATH"},
		{name: "base path leading dot", env: map[string]string{"STRIDE_BASE_PATH": "./tutor"}, wantErr: "'.' or '..' segment"},
		{name: "base path dot dot", args: []string{"-base-path", "/tutor/../x"}, wantErr: "-base-path"},
		{name: "streams and origins", env: map[string]string{"STRIDE_MAX_STREAMS": "10", "STRIDE_ALLOWED_ORIGINS": "https://lms.example.edu, http://localhost:3000/"},
			want: config{dataDir: "./stride-data", addr: ":8080", logFormat: "text", maxStreams: 10, maxStreamsPerClient: 50, frameAncestors: defaultAncestors, allowedOrigins: []string{"https://lms.example.edu", "http://localhost:3000"}}},
		{name: "bad streams", env: map[string]string{"STRIDE_MAX_STREAMS": "0"}, wantErr: "STRIDE_MAX_STREAMS"},
		{name: "streams per client", args: []string{"-max-streams-per-client", "200"},
			want: config{dataDir: "./stride-data", addr: ":8080", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 200, frameAncestors: defaultAncestors}},
		{name: "bad streams per client", env: map[string]string{"STRIDE_MAX_STREAMS_PER_CLIENT": "-3"}, wantErr: "STRIDE_MAX_STREAMS_PER_CLIENT"},
		{name: "bad origin", args: []string{"-allowed-origins", "lms.example.edu"}, wantErr: "-allowed-origins"},
		{name: "frame ancestors", env: map[string]string{"STRIDE_FRAME_ANCESTORS": "https://lms.example.edu 'self'"},
			want: config{dataDir: "./stride-data", addr: ":8080", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: []string{"https://lms.example.edu", "'self'"}}},
		{name: "frame ancestors injection", env: map[string]string{"STRIDE_FRAME_ANCESTORS": "https: ; script-src *"}, wantErr: "STRIDE_FRAME_ANCESTORS"},
		{name: "frame ancestors none plus", args: []string{"-frame-ancestors", "'none' https:"}, wantErr: "-frame-ancestors"},
		{name: "database pool too small", env: map[string]string{"STRIDE_DATABASE_MAX_CONNS": "2"}, wantErr: "STRIDE_DATABASE_MAX_CONNS"},
		{name: "database pool not a number", args: []string{"-database-max-conns", "many"}, wantErr: "-database-max-conns"},
		{name: "database pool", args: []string{"-database-max-conns", "12"}, want: config{dataDir: "./stride-data", addr: ":8080", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors, databaseMaxConns: 12}},
		{name: "trusted proxy header", env: map[string]string{"STRIDE_TRUSTED_PROXY_HEADER": "X-Real-IP"},
			want: config{dataDir: "./stride-data", addr: ":8080", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors, trustedProxy: "X-Real-IP"}},
		{name: "bad trusted proxy header", args: []string{"-trusted-proxy-header", "X Real"}, wantErr: "-trusted-proxy-header"},
		{name: "data dir and postgres", env: map[string]string{"STRIDE_DATA_DIR": "/var/lib/stride", "STRIDE_DATABASE_URL": "postgres://u:p@db/stride"},
			want: config{dataDir: "/var/lib/stride", databaseURL: "postgres://u:p@db/stride", addr: ":8080", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "data dir flag", args: []string{"-data-dir", "d"}, want: config{dataDir: "d", addr: ":8080", logFormat: "text", maxStreams: 5000, maxStreamsPerClient: 50, frameAncestors: defaultAncestors}},
		{name: "empty data dir", args: []string{"-data-dir", " "}, wantErr: "-data-dir"},
		{name: "not postgres", env: map[string]string{"STRIDE_DATABASE_URL": "mysql://u:secret@db/x"}, wantErr: "STRIDE_DATABASE_URL: must start with postgres://"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected argument"},
		{name: "unknown flag", args: []string{"-port", "1"}, wantErr: "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConfig(tc.args, env(tc.env), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := defaultBudgets(tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// defaultBudgets fills the work, rate and page cache settings of a wanted
// config with their defaults, so cases about other settings need not.
func defaultBudgets(c config) config {
	if c.work == (web.WorkConfig{}) {
		c.work = web.WorkConfig{Queue: web.DefaultWorkQueue, QueueWait: web.DefaultQueueWait}
	}
	if c.apiRate == (web.RateConfig{}) {
		c.apiRate = web.RateConfig{Requests: web.DefaultAPIRate, Window: web.DefaultAPIWindow}
	}
	if c.pageCacheBytes == 0 {
		c.pageCacheBytes = web.DefaultPageCacheBytes
	}
	if c.gcFloor == 0 {
		c.gcFloor = 32 << 20
	}
	if c.sessionLifetime == 0 {
		c.sessionLifetime = web.DefaultSessionLifetime
	}
	if c.ltiLeeway == 0 {
		c.ltiLeeway = lti.DefaultLeeway
	}
	if c.live == (web.LiveConfig{}) {
		c.live = web.LiveConfig{MaxSessions: live.DefaultMaxSessions, MaxStudents: live.DefaultMaxStudents, MaxConns: web.DefaultLiveMaxConns, IdleTimeout: live.DefaultIdleTimeout,
			StudentMsgRate: web.DefaultLiveStudentMsgRate, InstructorMsgRate: web.DefaultLiveInstructorMsgRate, ControlRate: web.DefaultLiveControlRate}
		c.authoring.Poll = authoring.DefaultPollInterval
	}
	return c
}

func TestParseConfigBudgets(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(config) bool
		wantErr string
	}{
		{name: "work flags", args: []string{"-work-limit", "3", "-work-queue", "10", "-work-queue-timeout", "1s"},
			check: func(c config) bool { return c.work == web.WorkConfig{Limit: 3, Queue: 10, QueueWait: time.Second} }},
		{name: "work env", env: map[string]string{"STRIDE_WORK_LIMIT": "2", "STRIDE_WORK_QUEUE": "0", "STRIDE_WORK_QUEUE_TIMEOUT": "50ms"},
			check: func(c config) bool {
				return c.work == web.WorkConfig{Limit: 2, Queue: -1, QueueWait: 50 * time.Millisecond}
			}},
		{name: "work per client", env: map[string]string{"STRIDE_WORK_PER_CLIENT": "3"},
			check: func(c config) bool { return c.work.PerClient == 3 }},
		{name: "bad work per client", args: []string{"-work-per-client", "-2"}, wantErr: "-work-per-client"},
		{name: "rate env", env: map[string]string{"STRIDE_API_RATE_LIMIT": "100", "STRIDE_API_RATE_WINDOW": "10s"},
			check: func(c config) bool { return c.apiRate == web.RateConfig{Requests: 100, Window: 10 * time.Second} }},
		{name: "rate off", args: []string{"-api-rate-limit", "0"},
			check: func(c config) bool { return c.apiRate.Requests == 0 }},
		{name: "page cache size", args: []string{"-page-cache-mib", "8"},
			check: func(c config) bool { return c.pageCacheBytes == 8<<20 }},
		{name: "page cache off", env: map[string]string{"STRIDE_PAGE_CACHE_MIB": "0"},
			check: func(c config) bool { return c.pageCacheBytes < 0 }},
		{name: "negative work limit", args: []string{"-work-limit", "-1"}, wantErr: "-work-limit"},
		{name: "bad work queue", env: map[string]string{"STRIDE_WORK_QUEUE": "many"}, wantErr: "STRIDE_WORK_QUEUE"},
		{name: "queue timeout too long", args: []string{"-work-queue-timeout", "5m"}, wantErr: "-work-queue-timeout"},
		{name: "queue timeout not a duration", env: map[string]string{"STRIDE_WORK_QUEUE_TIMEOUT": "250"}, wantErr: "STRIDE_WORK_QUEUE_TIMEOUT"},
		{name: "negative rate", env: map[string]string{"STRIDE_API_RATE_LIMIT": "-5"}, wantErr: "STRIDE_API_RATE_LIMIT"},
		{name: "rate window too short", args: []string{"-api-rate-window", "10ms"}, wantErr: "-api-rate-window"},
		{name: "bad page cache", args: []string{"-page-cache-mib", "1.5"}, wantErr: "-page-cache-mib"},
		// livefinish: the live rates.
		{name: "live rates", args: []string{"-live-student-msg-rate", "2", "-live-control-rate", "7"}, env: map[string]string{"STRIDE_LIVE_INSTRUCTOR_MSG_RATE": "30"},
			check: func(c config) bool {
				return c.live.StudentMsgRate == 2 && c.live.InstructorMsgRate == 30 && c.live.ControlRate == 7
			}},
		{name: "live student rate zero", args: []string{"-live-student-msg-rate", "0"}, wantErr: "-live-student-msg-rate"},
		{name: "live instructor rate too high", env: map[string]string{"STRIDE_LIVE_INSTRUCTOR_MSG_RATE": "5000"}, wantErr: "STRIDE_LIVE_INSTRUCTOR_MSG_RATE"},
		{name: "live control rate not a number", args: []string{"-live-control-rate", "fast"}, wantErr: "-live-control-rate"},
		{name: "gc floor", env: map[string]string{"STRIDE_GC_MIN_HEAP_MIB": "64"},
			check: func(c config) bool { return c.gcFloor == 64<<20 }},
		{name: "gc floor off", args: []string{"-gc-min-heap-mib", "0"},
			check: func(c config) bool { return c.gcFloor == 0 }},
		{name: "bad gc floor", args: []string{"-gc-min-heap-mib", "-1"}, wantErr: "-gc-min-heap-mib"},
		{name: "gc floor too large", env: map[string]string{"STRIDE_GC_MIN_HEAP_MIB": "100000"}, wantErr: "STRIDE_GC_MIN_HEAP_MIB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConfig(tc.args, env(tc.env), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(got) {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestHelpListsEveryFlagWithItsEnv(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"-help"}, env(nil), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), "-"+s.flag) || !strings.Contains(out.String(), s.env) {
			t.Errorf("-help lacks -%s / %s:\n%s", s.flag, s.env, out.String())
		}
	}
	if !strings.Contains(out.String(), "PORT") {
		t.Error("-help should mention PORT")
	}
}

// TestReadmeListsEverySetting keeps the README's configuration table in
// step with the settings: each flag with its environment variable.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		row := "| `-" + s.flag + "` | `" + s.env + "`"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README's configuration table has no row starting %q", row)
		}
	}
}

func TestInvalidConfigExitsNonZero(t *testing.T) {
	var errOut bytes.Buffer
	if code := run(nil, env(map[string]string{"STRIDE_LOG_LEVEL": "nope"}), io.Discard, &errOut); code != 2 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errOut.String(), "STRIDE_LOG_LEVEL") {
		t.Errorf("message should name the setting: %s", errOut.String())
	}
}

func TestServeHealthcheckAndGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := config{addr: "127.0.0.1:0", basePath: "/tutor", logFormat: "text", dataDir: t.TempDir()}
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
	resp, err := http.Get("http://" + addr + "/tutor/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}
	var out bytes.Buffer
	e := env(map[string]string{"STRIDE_ADDR": addr, "STRIDE_BASE_PATH": "/tutor"})
	if code := healthcheck(nil, e, &out, io.Discard); code != 0 {
		t.Fatalf("healthcheck exit %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(shutdownGrace + 2*time.Second):
		t.Fatal("server did not shut down")
	}
	if code := healthcheck(nil, e, io.Discard, io.Discard); code != 1 {
		t.Errorf("healthcheck against a stopped server: exit %d, want 1", code)
	}
}

func TestServerTimeoutsAreSet(t *testing.T) {
	// serve builds its http.Server inline; this guards the values by
	// reading them back through newHTTPServer.
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("timeouts: %+v", srv)
	}
}

func TestExercisesDirSetting(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/f.yaml"
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		value string
		ok    bool
	}{{"", true}, {dir, true}, {dir + "/missing", false}, {file, false}} {
		_, err := checkExercisesDir(c.value)
		if (err == nil) != c.ok {
			t.Errorf("%q: %v, want ok=%v", c.value, err, c.ok)
		}
	}
	_, err := parseConfig([]string{"-exercises-dir", dir + "/missing"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "exercises-dir") {
		t.Errorf("a missing directory: %v, want an error naming -exercises-dir", err)
	}
}

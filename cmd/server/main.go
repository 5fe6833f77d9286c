// Command server runs Stride: the pages, the JSON APIs and the animation
// websocket, all from one binary with every asset embedded.
//
//	go run ./cmd/server -help
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stride-tutor/stride/internal/gctune"
	"github.com/stride-tutor/stride/web"
)

// shutdownGrace bounds graceful shutdown: in-flight requests get this long
// to finish before the process exits anyway.
const shutdownGrace = 10 * time.Second

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without the process exit, so tests can drive it.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "healthcheck":
			return healthcheck(args[1:], getenv, stdout, stderr)
		case "migrate":
			return migrateCommand(args[1:], getenv, stdout, stderr)
		case "backup":
			return backupCommand(args[1:], getenv, stdout, stderr)
		case "user":
			return userCommand(args[1:], getenv, os.Stdin, stdout, stderr)
		case "lti":
			return ltiCommand(args[1:], getenv, stdout, stderr)
		}
	}
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		if isHelp(err) {
			return 0
		}
		fmt.Fprintf(stderr, "stride: invalid configuration: %v\n", err)
		return 2
	}
	logger := newLogger(cfg, stderr)
	// A small live heap would otherwise be collected every few megabytes
	// of allocation (internal/gctune).
	defer gctune.Start(cfg.gcFloor, getenv)()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, logger, nil); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	return 0
}

// serve listens on cfg.addr and serves until ctx is cancelled, then shuts
// down gracefully. When ready is non-nil it receives the bound address once
// the listener accepts connections.
func serve(ctx context.Context, cfg config, logger *slog.Logger, ready chan<- string) (err error) {
	db, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	// Closed last, after in-flight requests finished: with SQLite this
	// checkpoints the WAL into the database file.
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	app, err := web.NewHandler(web.Config{
		BasePath: cfg.basePath, Logger: logger,
		MaxStreams: cfg.maxStreams, MaxStreamsPerClient: cfg.maxStreamsPerClient,
		AllowedOrigins:     cfg.allowedOrigins,
		FrameAncestors:     cfg.frameAncestors,
		TrustedProxyHeader: cfg.trustedProxy,
		Work:               cfg.work,
		APIRate:            cfg.apiRate,
		PageCacheBytes:     cfg.pageCacheBytes,
		Store:              db,
		SecureCookies:      cfg.secureCookies,
		SessionLifetime:    cfg.sessionLifetime,
		LTILeeway:          cfg.ltiLeeway,
		Live:               cfg.live,
		Authoring:          cfg.authoring,
	})
	if err != nil {
		return fmt.Errorf("build handler: %w", err)
	}
	// Background work (the LTI grade outbox) stops before the database
	// closes; what it has not sent stays queued in the database.
	bgCtx, stopBackground := context.WithCancel(context.Background())
	bgDone := make(chan struct{})
	go func() { defer close(bgDone); app.RunBackground(bgCtx) }()
	defer func() { stopBackground(); <-bgDone }()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	srv := newHTTPServer(app, logger)
	errc := make(chan error, 1)
	// Connections that send a held response with one write (web/onewrite.go).
	go func() { errc <- srv.Serve(web.WrapListener(ln)) }()
	app.SetReady(true)
	logger.Info("stride is listening", "addr", ln.Addr().String(), "base_path", cfg.basePath, "version", version)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Readiness fails first, so a load balancer stops sending new work.
	app.SetReady(false)
	logger.Info("shutting down", "grace", shutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	// http.Server.Shutdown does not track hijacked connections, so the
	// animation websockets are closed (with 1001) alongside it.
	streamsDone := make(chan struct{})
	go func() {
		app.Shutdown(shutdownCtx)
		close(streamsDone)
	}()
	err = srv.Shutdown(shutdownCtx)
	<-streamsDone
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// newHTTPServer sets every timeout, so a slow or stalled client cannot hold
// a connection forever. Request contexts deliberately do not derive from the
// signal context: on shutdown, in-flight requests finish instead of being
// cancelled.
func newHTTPServer(handler http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    web.MaxHeaderBytes,
		ConnContext:       web.ConnContext,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

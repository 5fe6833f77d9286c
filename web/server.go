// Package web is Stride's HTTP layer: routing, middleware, page handlers, the
// JSON APIs and the animation websocket. It turns requests into calls on
// internal/compute and internal/exercises and hands plain structs to the
// templates; it holds no per-student state.
package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/static"
	"github.com/stride-tutor/stride/templates"
)

// Config is everything the HTTP layer needs from the command line.
type Config struct {
	// BasePath is the URL prefix to serve under, like "/tutor" behind a
	// reverse proxy; "" or "/" serves at the root.
	BasePath string
	// Logger receives one line per request. Nil discards logs.
	Logger *slog.Logger
	// MaxStreams caps concurrent animation websockets (0: 5000).
	MaxStreams int
	// MaxStreamsPerClient caps the animation websockets of one client
	// address, as TrustedProxyHeader resolves it (0: 50).
	MaxStreamsPerClient int
	// AllowedOrigins lists origins besides the site's own whose pages may
	// open animation websockets (embedding hosts); "*" allows any.
	AllowedOrigins []string
	// FrameAncestors are the CSP frame-ancestors sources allowed to frame
	// /embed/ pages; empty means DefaultFrameAncestors.
	FrameAncestors []string
	// TrustedProxyHeader names the header a reverse proxy sets to the
	// client's address (X-Forwarded-For, X-Real-IP); empty trusts none and
	// per-client budgets key on the TCP peer.
	TrustedProxyHeader string
	// Work sizes the admission control of expensive requests (compute,
	// checks, uncached pages).
	Work WorkConfig
	// APIRate is the per-client rate limit of /api/v1; its zero value
	// turns the limit off.
	APIRate RateConfig
	// PageCacheBytes caps the memory of rendered pages kept for reuse; 0
	// means DefaultPageCacheBytes and a negative value turns the cache off.
	PageCacheBytes int64
	// Store keeps accounts, courses, assignments and the attempt record.
	// Nil serves the anonymous practice site only (no sign-in, courses or
	// assignments): some tests and tools need nothing more. cmd/server
	// always passes one.
	Store *store.Store
	// SecureCookies marks the session and learner cookies Secure even when
	// a request arrived over plain HTTP (TLS ends at a proxy in front).
	// Requests over TLS always get Secure cookies.
	SecureCookies bool
	// LTILeeway is the clock skew allowed on an LTI id_token's exp and iat;
	// lti.DefaultLeeway when zero.
	LTILeeway time.Duration
	// SessionLifetime is how long an instructor's sign-in lasts; 0 means
	// DefaultSessionLifetime.
	SessionLifetime time.Duration
	// Live bounds the live class sessions (web/live.go); zero fields take
	// the defaults in docs/LIVE.md.
	Live LiveConfig
	// Authoring configures the exercise files directory (web/authoring.go).
	Authoring AuthoringConfig
}

// DefaultFrameAncestors lets any https page embed Stride's exercises, plus
// local development servers.
func DefaultFrameAncestors() []string {
	return []string{"https:", "http://localhost:*", "http://127.0.0.1:*"}
}

// Server holds the immutable dependencies of every handler.
type Server struct {
	base    string
	log     *slog.Logger
	assets  *static.Assets
	catalog *exercises.Catalog
	anim    *animator
	metrics *metrics
	// clientIPs keys per-client budgets (rate limits, stream caps).
	clientIPs ClientIPs
	// work admits expensive requests a few at a time.
	work *workLimiter
	// pages holds rendered GET pages (nil: no cache); variants holds
	// generated variants with their compiled checkers, keyed by exercise
	// and seed, for pages and checks alike.
	pages    *lru[*cachedPage]
	variants *lru[*exercises.Variant]
	// math memoizes rendered text with inline math.
	math mathText
	// checkMemo keeps answers of repeated anonymous checks (checkmemo.go).
	checkMemo *checkMemo
	// store is the database; nil when the class surfaces are off.
	store *store.Store
	// dashReports caches instructor dashboard reports (web/dashboard_cache.go).
	dashReports *lru[*dashCached]
	// dashOutlines keeps per-student variants' parts (web/dashboard_outline.go).
	dashOutlines *outlineMemo
	// classes is the shared state of the class routes (web/authz.go); nil
	// when store is nil.
	classes *classes
	// live holds the live class sessions (web/live_ws.go); nil without a
	// store.
	live *liveServer
	// grades sends LTI scores to LMSs (web/lti_ags.go); nil without a store.
	grades *ltiGrades
	// unlock issues and checks the tokens that open gated replays.
	unlock *unlocker
	// lti serves LMS launches (web/lti.go); nil without a store.
	lti *ltiHandlers
	// now is the clock of practice scheduling (time.Now; tests fix it).
	now func() time.Time
	// learn caches the student side's site secrets (learn_identity.go).
	learn learnState
	// authoring loads exercise files (web/authoring.go).
	authoring authoringState
	// ready is false until the server listens and again once shutdown
	// begins, so load balancers stop sending new work first.
	ready atomic.Bool
}

// App is the whole HTTP application: a handler, plus the shutdown of the
// long-lived animation websockets that http.Server.Shutdown does not track.
type App struct {
	http.Handler
	server *Server
}

// Shutdown closes every animation websocket with 1001 (going away) and
// waits for their goroutines, or until ctx ends.
func (a *App) Shutdown(ctx context.Context) {
	a.server.anim.Shutdown(ctx)
	a.server.authoring.stop()
	if a.server.live != nil {
		a.server.live.shutdown(ctx)
	}
}

// SetReady marks the application ready (or not) for /readyz.
func (a *App) SetReady(ready bool) { a.server.ready.Store(ready) }

// NormalizeBasePath turns user input such as "tutor/", "/tutor/" or "/" into
// the canonical form used internally: "" for the root, else "/tutor".
func NormalizeBasePath(p string) (string, error) {
	p = strings.TrimSpace(p)
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	for _, r := range p {
		ok := r == '/' || r == '-' || r == '_' || r == '.' || r == '~' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return "", fmt.Errorf("base path %q: only letters, digits, '/', '-', '_', '.' and '~' are allowed", p)
		}
	}
	// Browsers and proxies resolve "." and ".." segments away, so links
	// built on them would miss every route ("/tutor/./static/…" is fetched
	// as "/tutor/static/…", and "." alone redirects "/" to itself).
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("base path %q: empty segments (\"//\") are not allowed", p)
		case ".", "..":
			return "", fmt.Errorf("base path %q: a '.' or '..' segment is not allowed; write the path without it, like /tutor", p)
		}
	}
	return "/" + p, nil
}

// NewHandler builds the complete HTTP application for Stride.
func NewHandler(cfg Config) (*App, error) {
	base, err := NormalizeBasePath(cfg.BasePath)
	if err != nil {
		return nil, err
	}
	assets, err := static.New()
	if err != nil {
		return nil, fmt.Errorf("load static assets: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	clientIPs, err := NewClientIPs(cfg.TrustedProxyHeader)
	if err != nil {
		return nil, fmt.Errorf("trusted proxy header: %w", err)
	}
	s := &Server{base: base, log: logger, store: cfg.Store, assets: assets, catalog: exercises.NewCatalog(), clientIPs: clientIPs,
		work: newWorkLimiter(cfg.Work), variants: newLRU[*exercises.Variant](maxVariants), math: newMathText(), checkMemo: newCheckMemo(), now: time.Now}
	s.work.clientKey = clientIPs.Of
	// Replay unlock tokens are signed with a site secret in the database,
	// so every replica accepts every replica's tokens; without a database
	// the key is random per process.
	var unlockKey []byte
	if cfg.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), dbStartTimeout)
		unlockKey, err = cfg.Store.SiteSecret(ctx, "replay-unlock", MinUnlockKeyBytes)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("replay unlock key: %w", err)
		}
	}
	if s.unlock, err = newUnlocker(unlockKey); err != nil {
		return nil, err
	}
	switch {
	case cfg.PageCacheBytes == 0:
		s.pages = newLRU[*cachedPage](DefaultPageCacheBytes)
	case cfg.PageCacheBytes > 0:
		s.pages = newLRU[*cachedPage](cfg.PageCacheBytes)
	}
	s.anim = newAnimator(AnimatorConfig{
		MaxStreams:          cfg.MaxStreams,
		MaxStreamsPerClient: cfg.MaxStreamsPerClient,
		ClientKey:           clientIPs.Of,
		AllowedOrigins:      cfg.AllowedOrigins,
		Logger:              logger,
	}, s.catalog)
	s.anim.unlock = s.unlock
	s.startAuthoring(cfg.Authoring) // exercise files (web/authoring.go)
	if s.work.busyPage, err = s.renderBytes(templates.Message(templates.MessageProps{
		Links: s.links(), Title: "Busy",
		Message: "Stride is busy with other requests right now. Please try again in a moment",
	})); err != nil {
		return nil, fmt.Errorf("render the busy page: %w", err)
	}

	embedAncestors := strings.Join(cfg.FrameAncestors, " ")
	if embedAncestors == "" {
		embedAncestors = strings.Join(DefaultFrameAncestors(), " ")
	}
	metrics := newMetrics(s.anim.Active)
	s.metrics = metrics
	s.registerWorkMetrics(metrics)
	s.registerCheckMemoMetrics(metrics)
	pageHeaders := securityHeaders("'self'")
	compress := middleware.Compress(5, "text/html", "text/css", "text/javascript", "application/javascript",
		"application/json", "image/svg+xml", "text/plain")
	// One limiter for the whole API, so a client's budget is shared by
	// every endpoint.
	apiRate := apiRateLimit(cfg.APIRate, clientIPs)
	// Expensive API work: rate-limited per client first (so a limited
	// client never takes a queue place), then admitted a few at a time.
	// The work limiter compresses large responses itself, inside the work
	// slot (it is CPU too), and leaves small ones plain.
	apiWork := chi.Chain(limitBody(MaxBodyBytes), s.work.limitAPI)
	// A form post checks every part and renders the page with verdicts;
	// it is never cached, since it carries one person's answers.
	formWork := chi.Chain(limitBody(maxFormBytes), s.work.limitPage)

	app := chi.NewRouter()
	// Served at the root, the application's router is the root: the
	// request log wraps it (see the end of this function), and a request is
	// routed once rather than through a mount and again.
	//
	// Middleware order, outermost first: request log and metrics (around
	// the root router, which it gives its route context: web/middleware.go),
	// panic recovery, HEAD-as-GET, then per route group: security headers,
	// the API's per-client rate limit, the work limiter, compression.
	// Probes, metrics, static files and cached pages never wait for a work
	// slot.
	app.Use(recoverJSON(logger), middleware.GetHead)
	// Health, readiness, metrics and the websocket sit outside compression:
	// probes want plain bytes and the websocket hijacks its connection.
	app.Group(func(r chi.Router) {
		r.Use(pageHeaders)
		r.Get("/healthz", s.healthz)
		r.Get("/readyz", s.readyz)
		r.Handle("/metrics", metrics.handler())
	})
	app.With(pageHeaders).Get("/ws/animate", s.anim.ServeHTTP)
	// Embeddable pages: framing allowed for the configured ancestors.
	app.Group(func(r chi.Router) {
		r.Use(securityHeaders(embedAncestors))
		// Cached pages compress themselves (once, when stored).
		r.Get("/embed/playground", s.cachePage(queryPageKey("embed-playground"), s.embedPlayground))
		// ?item= embeds an assignment item and records (learn_api.go).
		r.Get("/embed/{id}", s.learnEmbed(s.cachePage(exercisePageKey("embed"), s.embedExercise)))
		r.With(formWork...).Post("/embed/{id}", s.learnEmbed(s.embedExerciseSubmit))
		// Hashed assets are loaded by embedded pages too.
		r.With(compress).Get("/static/*", assets.ServeHTTP)
		// The check API is what embedded exercises call; like the rest of
		// /api/v1 it is open to other origins (web/cors.go). CORS comes
		// first so that a 429 or 503 is readable cross-origin too.
		// Checks answered before are answered again from the memo without
		// a work slot (web/checkmemo.go); the rest take one.
		r.With(apiCORS, apiRate, limitBody(MaxBodyBytes), s.checkMemoFront, s.work.limitAPI).Post("/api/v1/exercises/{id}/check", s.apiExerciseCheck)
		r.With(apiCORS).Options("/api/v1/exercises/{id}/check", preflight(http.MethodPost))
	})
	app.Group(func(r chi.Router) {
		r.Use(pageHeaders)
		r.Get("/", s.cachePage(fixedPageKey("home"), s.home))
		r.Get("/api", s.cachePage(fixedPageKey("api"), s.apiReference))
		r.Get("/playground", s.cachePage(queryPageKey("playground"), s.playground))
		r.Get("/practice", s.cachePage(fixedPageKey("practice"), s.practicePage))
		r.Get("/authoring/schema.json", s.authoringSchema)
		r.Get("/exercises", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, base+"/#exercises", http.StatusFound)
		})
		r.Get("/exercises/{id}", s.cachePage(exercisePageKey("exercise"), s.exercisePage))
		r.Get("/exercises/{id}/new", s.newVariant)
		r.With(formWork...).Post("/exercises/{id}", s.exerciseSubmit)
		s.mountPrintPublic(r) // printed worksheets (web/print.go)
		r.Route("/api/v1", func(r chi.Router) {
			r.Use(apiCORS)
			// Preflights are not counted against the rate limit: browsers
			// send them on their own and cache them.
			r.With(apiRate, compress).Get("/openapi.json", s.openAPI)
			r.Options("/openapi.json", preflight(http.MethodGet, http.MethodHead))
			for path, h := range map[string]http.HandlerFunc{
				"/exercises":      s.apiExerciseCatalog,
				"/exercises/{id}": s.apiExerciseVariant,
			} {
				r.With(apiRate).With(apiWork...).Get(path, h)
				r.Options(path, preflight(http.MethodGet, http.MethodHead))
			}
			// Practice levels: a small body, applied in a work slot like
			// every other API request.
			r.With(apiRate, limitBody(maxPracticeBody), s.work.limitAPI).Post("/practice", s.apiPractice)
			r.Options("/practice", preflight(http.MethodPost))
			r.Route("/compute", func(r chi.Router) {
				for path, h := range map[string]http.HandlerFunc{
					"/conv2d":    s.computeConv2D,
					"/pool2d":    s.computePool2D,
					"/network":   s.computeNetwork,
					"/attention": s.computeAttention,
					"/rnn":       s.computeRNN,
				} {
					r.With(apiRate).With(apiWork...).Post(path, h)
					r.Options(path, preflight(http.MethodPost))
				}
			})
			r.NotFound(unmatched(apiNotFound))
			r.MethodNotAllowed(apiMethodNotAllowed)
		})
	})
	// Class routes (issue 9), only with a database. mountClasses runs
	// first: it builds the authorization every other class mount uses.
	if s.store != nil {
		if err := s.mountClasses(app.With(pageHeaders), cfg); err != nil {
			return nil, fmt.Errorf("class routes: %w", err)
		}
		s.mountLearn(app.With(pageHeaders))     // the student side (learn.go)
		s.mountDashboard(app.With(pageHeaders)) // web/dashboard.go
		// LMS launches (web/lti.go).
		if err := s.mountLTI(app.With(pageHeaders), cfg); err != nil {
			return nil, fmt.Errorf("LTI routes: %w", err)
		}
		s.mountLive(app.With(pageHeaders), cfg.Live)              // web/live.go
		s.mountAuthoring(app.With(pageHeaders))                   // web/authoring.go
		s.mountAuthorEditor(app.With(pageHeaders), cfg.Authoring) // exercises written in the browser (web/authoring_edit.go)
		s.mountPrintClasses(app.With(pageHeaders))                // answer keys, roster sheets (web/print.go)
	}
	app.NotFound(pageHeaders(unmatched(s.notFound)).ServeHTTP)
	app.MethodNotAllowed(pageHeaders(http.HandlerFunc(apiMethodNotAllowed)).ServeHTTP)

	if base == "" {
		return &App{Handler: requestLog(logger, metrics, app)(app), server: s}, nil
	}
	root := chi.NewRouter()
	root.Get("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+"/", http.StatusFound)
	})
	root.Get(base, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+"/", http.StatusMovedPermanently)
	})
	root.Mount(base, app)
	return &App{Handler: requestLog(logger, metrics, root)(root), server: s}, nil
}

// links are the deployment-dependent URLs every page template needs.
func (s *Server) links() templates.Links {
	return templates.Links{
		Base:       s.base,
		Stylesheet: s.base + "/static/" + s.assets.HashedName("app.css"),
		Icon:       s.base + "/static/" + s.assets.HashedName("icon.svg"),
		Script:     s.base + "/static/" + s.assets.HashedName("app.js"),
		Classes:    s.store != nil,
	}
}

// playerLinks are the links of a page that shows an animation player: only
// such pages load the player's script.
func (s *Server) playerLinks(hasPlayer bool) templates.Links {
	l := s.links()
	if hasPlayer {
		l.PlayerScript = s.base + "/static/" + s.assets.HashedName("player.js")
	}
	return l
}

// readyz answers 200 while the server takes work and 503 before it
// listens and after shutdown begins.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// render writes a templ component as a complete HTML response. It renders
// into a buffer first so that a failing component never leaves half a page;
// a page being captured for the cache is rendered straight into the
// capture's buffer.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	if capture, ok := w.(*pageCapture); ok {
		if err := c.Render(r.Context(), capture.buf); err != nil {
			capture.buf.Reset()
			if r.Context().Err() != nil {
				return // the client went away; see below
			}
			s.log.ErrorContext(r.Context(), "render page", "err", err, "path", r.URL.Path)
			http.Error(capture, "The page could not be rendered.", http.StatusInternalServerError)
			return
		}
		capture.Header().Set("Content-Type", "text/html; charset=utf-8")
		capture.WriteHeader(status)
		return
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledPage {
			pageBuffers.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		if r.Context().Err() != nil {
			// The client went away mid-render (templ stops at a cancelled
			// context): no one to answer, and no fault of Stride's. The
			// request log records a client abort.
			return
		}
		s.log.ErrorContext(r.Context(), "render page", "err", err, "path", r.URL.Path)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if _, held := w.(*responseBuffer); held {
		// The work limiter holds the response and sends it (gzipped or
		// with its length) itself.
		w.WriteHeader(status)
		_, _ = w.Write(buf.Bytes())
		return
	}
	// With its length, net/http sends the page as it is rather than in
	// chunks, and sendHeld makes that one write(2) (web/onewrite.go):
	// a live room's 200 students fetch their page at the same moment.
	(&responseBuffer{header: h, status: status, buf: buf}).writeTo(w, r)
}

// pageBuffers holds the buffers render fills; a page is written once it
// is whole, so its buffer is free again after.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer returned to pageBuffers (the largest
// pages, a revealed conv-by-hand at ~140 KB, fit; a rare larger one is
// left to the collector rather than kept).
const maxPooledPage = 256 << 10

// renderBytes renders a component once, for fixed responses.
func (s *Server) renderBytes(c templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

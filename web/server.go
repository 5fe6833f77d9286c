// Package web is Stride's HTTP layer: routing, middleware, page handlers, the
// JSON APIs and the animation websocket. It turns requests into calls on
// internal/compute and internal/exercises and hands plain structs to the
// templates; it holds no per-student state.
package web

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/exercises"
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
}

// Server holds the immutable dependencies of every handler.
type Server struct {
	base    string
	log     *slog.Logger
	assets  *static.Assets
	catalog *exercises.Catalog
}

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
	if strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "..") {
		return "", fmt.Errorf("base path %q: empty, '.' or '..' segments are not allowed", p)
	}
	return "/" + p, nil
}

// NewHandler builds the complete HTTP handler for Stride.
func NewHandler(cfg Config) (http.Handler, error) {
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
	s := &Server{base: base, log: logger, assets: assets, catalog: exercises.NewCatalog()}

	app := chi.NewRouter()
	app.Use(recoverJSON(logger), securityHeaders)
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.healthz)
	app.Handle("/static/*", assets)
	app.Get("/", s.home)
	app.Get("/api", s.apiReference)
	app.Get("/exercises", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+"/#exercises", http.StatusFound)
	})
	app.Get("/exercises/{id}", s.exercisePage)
	app.Post("/exercises/{id}", s.exerciseSubmit)
	app.Route("/api/v1", func(r chi.Router) {
		r.Get("/openapi.json", s.openAPI)
		r.Get("/exercises", s.apiExerciseCatalog)
		r.Get("/exercises/{id}", s.apiExerciseVariant)
		r.With(limitBody(MaxBodyBytes)).Post("/exercises/{id}/check", s.apiExerciseCheck)
		r.Route("/compute", func(r chi.Router) {
			r.Use(limitBody(MaxBodyBytes))
			r.Post("/conv2d", s.computeConv2D)
			r.Post("/pool2d", s.computePool2D)
			r.Post("/network", s.computeNetwork)
			r.Post("/attention", s.computeAttention)
			r.Post("/rnn", s.computeRNN)
		})
		r.NotFound(apiNotFound)
		r.MethodNotAllowed(apiMethodNotAllowed)
	})
	app.NotFound(s.notFound)

	root := chi.NewRouter()
	root.Use(requestLog(logger))
	if base == "" {
		root.Mount("/", app)
	} else {
		root.Get("/", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, base+"/", http.StatusFound)
		})
		root.Get(base, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, base+"/", http.StatusMovedPermanently)
		})
		root.Mount(base, app)
	}
	return root, nil
}

// links are the deployment-dependent URLs every page template needs.
func (s *Server) links() templates.Links {
	return templates.Links{
		Base:         s.base,
		Stylesheet:   s.base + "/static/" + s.assets.HashedName("app.css"),
		Icon:         s.base + "/static/" + s.assets.HashedName("icon.svg"),
		Script:       s.base + "/static/" + s.assets.HashedName("app.js"),
		PlayerScript: s.base + "/static/" + s.assets.HashedName("player.js"),
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// render writes a templ component as a complete HTML response. It renders
// into a buffer first so that a failing component never leaves half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "err", err, "path", r.URL.Path)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

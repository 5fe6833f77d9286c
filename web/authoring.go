package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/authoring"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// AuthoringConfig is the exercise files directory (issue 13 §1,
// docs/AUTHORING.md).
type AuthoringConfig struct {
	// Dir holds the exercise files; empty: no authored exercises.
	Dir string
	// Poll is how often the directory is checked for changes; 0 means
	// authoring.DefaultPollInterval and a negative value never (tests
	// reload with App.ReloadExercises).
	Poll time.Duration
}

// authoringState is the loader and the stop of its polling.
type authoringState struct {
	loader *authoring.Loader
	cancel context.CancelFunc
	done   chan struct{}
	// editor serves the exercises written in the browser
	// (web/authoring_edit.go); nil without a database.
	editor *authorEditor
}

func (a *authoringState) stop() {
	if a.cancel != nil {
		a.cancel()
		<-a.done
	}
	a.editor.stop()
}

// startAuthoring loads the directory once, so the first request already
// sees its exercises, then polls it.
func (s *Server) startAuthoring(cfg AuthoringConfig) {
	if cfg.Dir == "" {
		return
	}
	var versions authoring.Versions
	if s.store != nil {
		versions = storeVersions{s.store}
	}
	l := authoring.NewLoader(authoring.Config{Dir: cfg.Dir, Catalog: s.catalog, Versions: versions, Logger: s.log})
	s.authoring.loader = l
	ctx, cancel := context.WithTimeout(context.Background(), dbStartTimeout)
	l.Reload(ctx)
	cancel()
	if cfg.Poll < 0 {
		return
	}
	poll := cfg.Poll
	if poll == 0 {
		poll = authoring.DefaultPollInterval
	}
	ctx, s.authoring.cancel = context.WithCancel(context.Background())
	s.authoring.done = make(chan struct{})
	go func() {
		defer close(s.authoring.done)
		t := time.NewTicker(poll)
		defer t.Stop()
		l.Run(ctx, t.C)
	}()
}

// ReloadExercises checks the exercise files and the exercises written in
// the browser now (tests; the server polls).
func (a *App) ReloadExercises(ctx context.Context) {
	if l := a.server.authoring.loader; l != nil {
		l.Reload(ctx)
	}
	a.server.syncAuthored(ctx)
}

// storeVersions keeps authored exercise versions in the database.
type storeVersions struct{ st *store.Store }

func (v storeVersions) SaveVersion(ctx context.Context, id, version, file string, src []byte) error {
	return v.st.SaveExerciseVersion(ctx, store.ExerciseVersion{ExerciseID: id, Version: version, File: file, Source: src})
}

func (v storeVersions) LoadVersion(ctx context.Context, id, version string) ([]byte, string, error) {
	ev, err := v.st.GetExerciseVersion(ctx, id, version)
	if err != nil {
		return nil, "", err
	}
	return ev.Source, ev.File, nil
}

// mountAuthoring registers the instructors' view of the exercise files:
// an HTML page and the same as JSON, for any signed-in instructor (the
// files are the site's, not a course's).
func (s *Server) mountAuthoring(r chi.Router) {
	s.handle(r, http.MethodGet, "/authoring", policySignedIn, s.authoringPage)
	s.handle(r, http.MethodGet, "/authoring/status.json", policySignedIn, s.authoringStatus)
}

func (s *Server) authoringStatusNow() (authoring.Status, bool) {
	if s.authoring.loader == nil {
		return authoring.Status{Files: []authoring.FileStatus{}}, false
	}
	return s.authoring.loader.Status(), true
}

func (s *Server) authoringStatus(w http.ResponseWriter, r *http.Request) {
	st, _ := s.authoringStatusNow()
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) authoringPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.authoringStatusNow()
	p := templates.AuthoringProps{Links: s.links(), Nav: s.nav(r, "authoring")}
	if ok {
		p.Dir, p.DirError, p.Errors = st.Dir, st.DirError, st.ErrorsCount
		p.CheckedAt = st.CheckedAt.UTC().Format("2006-01-02 15:04:05 MST")
		for _, f := range st.Files {
			row := templates.AuthoringFile{File: f.File, ID: f.ID, Title: f.Title, Version: f.Version}
			if f.ID != "" {
				row.URL = s.exerciseURL(f.ID, 0)
			}
			if f.Error != nil {
				row.Error = authoringErrorText(f.Error)
			}
			p.Files = append(p.Files, row)
		}
	}
	s.render(w, r, http.StatusOK, templates.Authoring(p))
}

// authoringErrorText is "line 12, data.cases[1].stride: message".
func authoringErrorText(e *authoring.Error) string {
	loc := ""
	if e.Line > 0 {
		loc = fmt.Sprintf("line %d", e.Line)
	}
	if e.Field != "" {
		if loc != "" {
			loc += ", "
		}
		loc += e.Field
	}
	if loc == "" {
		return e.Message
	}
	return loc + ": " + e.Message
}

// authoringSchema serves the JSON Schema of exercise files, for editor
// completion (docs/AUTHORING.md).
func (s *Server) authoringSchema(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(authoring.Schema())
}

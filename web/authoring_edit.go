package web

// Exercises written in the browser (issue 13 §1, docs/AUTHORING.md
// "Authoring in the browser"): a form per family, or the file as YAML,
// with a preview of a variant and its answers; saved in the database as the
// text of an exercise file, which the same loader checks, and exported as
// that file. Signed-in instructors and admins only; a saved exercise is
// changed or deleted by its owner or an admin.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/authoring"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// maxAuthorBody bounds an editor request: a file's bound plus the form's
// framing (field names, an upload's multipart headers).
const maxAuthorBody = authoring.MaxFileBytes + 64<<10

// authorEditor is the editor's state: the database's exercises served
// through the catalog, polled so other replicas' saves appear.
type authorEditor struct {
	sync   *authoring.DBSync
	cancel context.CancelFunc
	done   chan struct{}
	// examples are each family's example file, the start of a new form.
	examplesOnce sync.Once
	examples     map[string]authoring.Decoded
}

func (e *authorEditor) stop() {
	if e != nil && e.cancel != nil {
		e.cancel()
		<-e.done
	}
}

// storeAuthored is the database side of authoring.DBSync.
type storeAuthored struct{ st *store.Store }

func (a storeAuthored) Stamps(ctx context.Context) ([]authoring.Stamp, error) {
	list, err := a.st.AuthoredStamps(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]authoring.Stamp, len(list))
	for i, s := range list {
		out[i] = authoring.Stamp{ID: s.ID, Version: s.Version}
	}
	return out, nil
}

func (a storeAuthored) Source(ctx context.Context, id string) ([]byte, error) {
	e, err := a.st.GetAuthoredExercise(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.Source, nil
}

// mountAuthorEditor starts serving the database's exercises (read once now,
// then every poll interval) and registers the editor's routes.
func (s *Server) mountAuthorEditor(r chi.Router, cfg AuthoringConfig) {
	ed := &authorEditor{sync: authoring.NewDBSync(storeAuthored{s.store}, s.catalog, s.log)}
	s.authoring.editor = ed
	if s.authoring.loader == nil {
		// Without an exercises directory nobody else restores pinned
		// versions from the database.
		s.catalog.SetResolver(s.resolveVersion)
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbStartTimeout)
	if _, err := ed.sync.Sync(ctx); err != nil {
		s.log.Error("read authored exercises", "err", err)
	}
	cancel()
	if cfg.Poll >= 0 {
		poll := cfg.Poll
		if poll == 0 {
			poll = authoring.DefaultPollInterval
		}
		var runCtx context.Context
		runCtx, ed.cancel = context.WithCancel(context.Background())
		ed.done = make(chan struct{})
		go func() {
			// A closed database ends the polling too (servers in tests
			// are often dropped without a shutdown).
			select {
			case <-s.store.Done():
				ed.cancel()
			case <-runCtx.Done():
			}
		}()
		go func() {
			defer close(ed.done)
			t := time.NewTicker(poll)
			defer t.Stop()
			ed.sync.Run(runCtx, t.C)
		}()
	}
	work := func(h http.HandlerFunc) http.HandlerFunc { return s.work.limitPage(h).ServeHTTP }
	s.handle(r, http.MethodGet, "/authoring/exercises", policySignedIn, s.authorList)
	s.handle(r, http.MethodGet, "/authoring/exercises/new", policySignedIn, work(s.authorNew))
	s.handle(r, http.MethodPost, "/authoring/exercises/new", policySignedIn, work(s.authorNewPost))
	s.handle(r, http.MethodGet, "/authoring/exercises/import", policySignedIn, work(s.authorImport))
	s.handle(r, http.MethodPost, "/authoring/exercises/import", policySignedIn, work(s.authorImportPost))
	s.handle(r, http.MethodGet, "/authoring/exercises/{exercise}", policySignedIn, work(s.authorEdit))
	s.handle(r, http.MethodPost, "/authoring/exercises/{exercise}", policySignedIn, work(s.authorEditPost))
	s.handle(r, http.MethodGet, "/authoring/exercises/{exercise}/yaml", policySignedIn, work(s.authorYAML))
	s.handle(r, http.MethodPost, "/authoring/exercises/{exercise}/yaml", policySignedIn, work(s.authorYAMLPost))
	s.handle(r, http.MethodGet, "/authoring/exercises/{exercise}/export", policySignedIn, s.authorExport)
	s.handle(r, http.MethodPost, "/authoring/exercises/{exercise}/delete", policySignedIn, s.authorDelete)
}

// resolveVersion restores an authored version from the database (an
// assignment item pinned to it).
func (s *Server) resolveVersion(id, version string) (*exercises.Exercise, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, err := s.store.GetExerciseVersion(ctx, id, version)
	if err != nil {
		return nil, false
	}
	ex, err := authoring.Parse(ev.File, ev.Source, s.catalog.IsBuiltin)
	if err != nil || ex.ID != id || ex.Version != version {
		s.log.Error("restore exercise version", "id", id, "version", version, "err", err)
		return nil, false
	}
	return ex, true
}

// syncAuthored serves the database's exercises now (after a save here).
func (s *Server) syncAuthored(ctx context.Context) {
	if ed := s.authoring.editor; ed != nil {
		if _, err := ed.sync.Sync(ctx); err != nil {
			s.log.WarnContext(ctx, "read authored exercises", "err", err)
		}
	}
}

func (s *Server) authorURL(parts ...string) string {
	u := s.base + "/authoring/exercises"
	for _, p := range parts {
		u += "/" + url.PathEscape(p)
	}
	return u
}

// ---- list, new, delete, export ----

func (s *Server) authorList(w http.ResponseWriter, r *http.Request) {
	u := principalFrom(r.Context()).User
	owner := u.ID
	if u.Role == store.RoleAdmin {
		owner = 0
	}
	list, err := s.store.ListAuthoredExercises(r.Context(), owner)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	p := templates.AuthorListProps{Links: s.links(), Nav: s.nav(r, "exercises"), NewURL: s.authorURL("new"),
		ImportURL: s.authorURL("import"), FilesURL: s.base + "/authoring", Limit: store.MaxAuthoredExercises}
	q := r.URL.Query()
	switch {
	case q.Get("deleted") != "":
		p.Notice = fmt.Sprintf("Deleted %s. Assignment items made on it keep working.", q.Get("deleted"))
	}
	for _, e := range list {
		it := templates.AuthorListItem{ID: e.ID, Title: e.Title, Family: e.Family, Version: e.Version,
			Updated: e.UpdatedAt.UTC().Format("2006-01-02 15:04 MST"), Mine: e.OwnerID == u.ID,
			EditURL: s.authorURL(e.ID), YAMLURL: s.authorURL(e.ID, "yaml"), ExportURL: s.authorURL(e.ID, "export"),
			DeleteURL: s.authorURL(e.ID, "delete")}
		switch s.catalog.SourceOf(e.ID) {
		case exercises.SourceDB:
			it.PracticeURL = s.exerciseURL(e.ID, 0)
		case exercises.SourceFiles:
			it.Problem = "An exercise file in the exercises directory has this ID; the file is served instead."
		default:
			it.Problem = "Not served: the saved text no longer passes the loader's checks; open it to see why."
		}
		p.Items = append(p.Items, it)
	}
	s.render(w, r, http.StatusOK, templates.AuthorList(p))
}

// ownedAuthored loads the {exercise} of the URL for its owner or an admin;
// it answers 404 (missing, or someone else's for an instructor) itself.
func (s *Server) ownedAuthored(w http.ResponseWriter, r *http.Request) (store.AuthoredExercise, bool) {
	id := chi.URLParam(r, "exercise")
	e, err := s.store.GetAuthoredExercise(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.classNotFound(w, r)
		return store.AuthoredExercise{}, false
	}
	if err != nil {
		s.dbError(w, r, err)
		return store.AuthoredExercise{}, false
	}
	u := principalFrom(r.Context()).User
	if e.OwnerID != u.ID && u.Role != store.RoleAdmin {
		s.classError(w, r, http.StatusForbidden, "Not allowed", "Only the instructor who wrote this exercise, or a site admin, may change it.")
		return store.AuthoredExercise{}, false
	}
	return e, true
}

func (s *Server) authorExport(w http.ResponseWriter, r *http.Request) {
	e, ok := s.ownedAuthored(w, r)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/yaml; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", e.File()))
	h.Set("Content-Length", strconv.Itoa(len(e.Source)))
	_, _ = w.Write(e.Source)
}

func (s *Server) authorDelete(w http.ResponseWriter, r *http.Request) {
	e, ok := s.ownedAuthored(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteAuthoredExercise(r.Context(), e.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.dbError(w, r, err)
		return
	}
	s.syncAuthored(r.Context())
	http.Redirect(w, r, s.authorURL()+"?deleted="+url.QueryEscape(e.ID), http.StatusSeeOther)
}

func (s *Server) authorNew(w http.ResponseWriter, r *http.Request) {
	fam := r.URL.Query().Get("family")
	if fam == "" {
		p := templates.AuthorNewProps{Links: s.links(), Nav: s.nav(r, "exercises"), ImportURL: s.authorURL("import"), BackURL: s.authorURL()}
		for _, f := range authoring.Forms() {
			p.Families = append(p.Families, templates.AuthorFamilyLink{Family: f.Family, Label: f.Label, URL: s.authorURL("new") + "?family=" + url.QueryEscape(f.Family)})
		}
		s.render(w, r, http.StatusOK, templates.AuthorNew(p))
		return
	}
	if !slices.Contains(authoring.Families, fam) {
		s.classError(w, r, http.StatusBadRequest, "No such family", fmt.Sprintf("family: %q is not a family; use one of %s.", clip(fam, 40), strings.Join(authoring.Families, ", ")))
		return
	}
	d := s.exampleFor(fam)
	in := editInput{mode: "form", family: fam, values: d.Values, items: d.Items}
	s.renderEditor(w, r, http.StatusOK, in, nil, "")
}

// exampleFor is a family's example file in the form, without its ID and
// title (the instructor's own go there), so a new form previews at once.
func (s *Server) exampleFor(family string) authoring.Decoded {
	ed := s.authoring.editor
	ed.examplesOnce.Do(func() {
		ed.examples = map[string]authoring.Decoded{}
		entries, _ := fs.ReadDir(authoring.Examples(), ".")
		for _, e := range entries {
			src, err := fs.ReadFile(authoring.Examples(), e.Name())
			if err != nil {
				continue
			}
			d, err := authoring.Decode(src)
			if err != nil || len(d.Unshown) > 0 {
				continue
			}
			if _, taken := ed.examples[d.Family]; !taken {
				ed.examples[d.Family] = d
			}
		}
	})
	d, ok := ed.examples[family]
	if !ok {
		return authoring.Decoded{Family: family, Values: authoring.Values{}, Items: map[string]int{}}
	}
	v := authoring.Values{}
	for k, val := range d.Values {
		switch k {
		case "id", "title", "summary", "section", "section_title":
		default:
			v[k] = val
		}
	}
	return authoring.Decoded{Family: family, Values: v, Items: d.Items}
}

// ---- reading the editor's form ----

// editInput is what an editor request holds.
type editInput struct {
	mode   string // "form" or "yaml"
	family string
	values authoring.Values
	// items is how many items of each group were filled in (form mode).
	items  map[string]int
	yaml   string
	seed   string
	action string
	// id is the saved exercise being edited; "" for a new one.
	id string
}

// readEditInput reads an editor post. A body over the bound is refused
// with 413 naming the limit.
func (s *Server) readEditInput(w http.ResponseWriter, r *http.Request, mode string) (editInput, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxAuthorBody)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxAuthorBody)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.classError(w, r, http.StatusRequestEntityTooLarge, "Too large",
				fmt.Sprintf("The exercise is larger than %d bytes, the limit of an exercise file.", authoring.MaxFileBytes))
			return editInput{}, false
		}
		s.classError(w, r, http.StatusBadRequest, "Unreadable form", "The form could not be read; send it again from the editor.")
		return editInput{}, false
	}
	in := editInput{mode: mode, family: r.PostFormValue("family"), seed: strings.TrimSpace(r.PostFormValue("seed")),
		action: r.PostFormValue("action"), values: authoring.Values{}, items: map[string]int{}}
	if mode == "yaml" {
		in.yaml = r.PostFormValue("yaml")
		if r.MultipartForm != nil {
			if fh := r.MultipartForm.File["file"]; len(fh) > 0 && fh[0].Size > 0 {
				f, err := fh[0].Open()
				if err == nil {
					b, rerr := io.ReadAll(io.LimitReader(f, authoring.MaxFileBytes+1))
					f.Close()
					if rerr == nil {
						in.yaml = string(b)
					}
				}
			}
		}
		return in, true
	}
	if !slices.Contains(authoring.Families, in.family) {
		s.classError(w, r, http.StatusBadRequest, "No such family", fmt.Sprintf("family: %q is not a family; use one of %s.", clip(in.family, 40), strings.Join(authoring.Families, ", ")))
		return editInput{}, false
	}
	form := authoring.FormFor(in.family)
	for _, f := range authoring.MetaFields {
		in.values[f.Key] = r.PostFormValue(f.Key)
	}
	for _, f := range form.Fields {
		in.values[authoring.DataName(f.Key)] = r.PostFormValue(authoring.DataName(f.Key))
	}
	for _, g := range form.Groups {
		for i := 0; i < g.Max; i++ {
			for _, f := range g.Fields {
				name := authoring.ItemName(g.Key, i, f.Key)
				if v := r.PostFormValue(name); v != "" {
					in.values[name] = v
					in.items[g.Key] = max(in.items[g.Key], i+1)
				}
			}
		}
	}
	in.values[authoring.MoreField] = r.PostFormValue(authoring.MoreField)
	return in, true
}

// checked is an editor input run through the loader.
type checked struct {
	src  []byte
	ex   *exercises.Exercise
	seed uint64
	errs []templates.AuthorError
}

// check writes the input as a file and parses it as the loader does. For a
// preview, a missing ID or title is filled in so the data previews first.
func (s *Server) check(in editInput, preview bool) checked {
	var c checked
	seed, err := strconv.ParseUint(in.seed, 10, 64)
	switch {
	case in.seed == "":
	case err != nil || seed > exercises.MaxSeed:
		c.errs = append(c.errs, templates.AuthorError{Field: "seed", Target: "author-seed", Message: fmt.Sprintf("must be a whole number from 0 to %d", uint64(exercises.MaxSeed))})
	default:
		c.seed = seed
	}
	var src []byte
	name := authoring.FileName(in.id)
	if in.mode == "yaml" {
		if len(in.yaml) > authoring.MaxFileBytes {
			c.errs = append(c.errs, templates.AuthorError{Field: "yaml", Target: "author-yaml", Message: fmt.Sprintf("the file has %d bytes; the limit is %d", len(in.yaml), authoring.MaxFileBytes)})
			return c
		}
		src = []byte(strings.ReplaceAll(in.yaml, "\r\n", "\n"))
	} else {
		v := in.values
		if preview && (strings.TrimSpace(v["id"]) == "" || strings.TrimSpace(v["title"]) == "") {
			v = authoring.Values{}
			for k, x := range in.values {
				v[k] = x
			}
			if strings.TrimSpace(v["id"]) == "" {
				v["id"] = "new-exercise"
			}
			if strings.TrimSpace(v["title"]) == "" {
				v["title"] = "Untitled"
			}
		}
		src, err = authoring.Encode(in.family, v)
		if err != nil {
			c.errs = append(c.errs, s.authorError(in, err))
			return c
		}
	}
	if in.id == "" {
		name = "exercise.yaml"
	}
	ex, err := authoring.Parse(name, src, s.catalog.IsBuiltin)
	if err != nil {
		c.errs = append(c.errs, s.authorError(in, err))
		return c
	}
	c.src, c.ex = src, ex
	return c
}

// authorError places a loader error: on the form field it names (or the
// nearest one holding it), or on the YAML text with its line.
func (s *Server) authorError(in editInput, err error) templates.AuthorError {
	var fe *authoring.Error
	if !errors.As(err, &fe) {
		return templates.AuthorError{Message: err.Error()}
	}
	if in.mode == "yaml" {
		msg := fe.Message
		if fe.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", fe.Line, msg)
		}
		return templates.AuthorError{Field: fe.Field, Target: "author-yaml", Message: msg}
	}
	names := map[string]bool{"seed": true}
	for _, f := range authoring.MetaFields {
		names[f.Key] = true
	}
	form := authoring.FormFor(in.family)
	for _, f := range form.Fields {
		names[authoring.DataName(f.Key)] = true
	}
	for _, g := range form.Groups {
		for i := 0; i < g.Max; i++ {
			for _, f := range g.Fields {
				names[authoring.ItemName(g.Key, i, f.Key)] = true
			}
		}
	}
	target := fe.Field
	for target != "" && !names[target] {
		i := strings.LastIndexAny(target, ".[")
		if i < 0 {
			target = ""
			break
		}
		target = target[:i]
	}
	e := templates.AuthorError{Field: fe.Field, Message: fe.Message}
	switch {
	case target != "" && target != "data":
		e.Target = fieldID(target)
	case strings.HasPrefix(fe.Field, "data.") || fe.Field == "data":
		// A field the form has no control for is in More fields.
		e.Target = fieldID(authoring.MoreField)
	}
	return e
}

// fieldID is a control's id for a field path.
func fieldID(name string) string {
	r := strings.NewReplacer(".", "-", "[", "-", "]", "")
	return "f-" + r.Replace(name)
}

// ---- the editor's pages ----

func (s *Server) authorNewPost(w http.ResponseWriter, r *http.Request) {
	in, ok := s.readEditInput(w, r, "form")
	if !ok {
		return
	}
	s.editorPost(w, r, in)
}

func (s *Server) authorImport(w http.ResponseWriter, r *http.Request) {
	s.renderEditor(w, r, http.StatusOK, editInput{mode: "yaml"}, nil, "")
}

func (s *Server) authorImportPost(w http.ResponseWriter, r *http.Request) {
	in, ok := s.readEditInput(w, r, "yaml")
	if !ok {
		return
	}
	s.editorPost(w, r, in)
}

func (s *Server) authorEdit(w http.ResponseWriter, r *http.Request) {
	e, ok := s.ownedAuthored(w, r)
	if !ok {
		return
	}
	d, err := authoring.Decode(e.Source)
	if err != nil || len(d.Unshown) > 0 || d.Family == "" {
		http.Redirect(w, r, s.authorURL(e.ID, "yaml"), http.StatusSeeOther)
		return
	}
	in := editInput{mode: "form", family: d.Family, values: d.Values, items: d.Items, id: e.ID}
	notice := ""
	if r.URL.Query().Get("saved") != "" {
		notice = fmt.Sprintf("Saved version %s. It is served now (on the home page, in the assignment form and for embeds); assignments made on an earlier version keep theirs.", e.Version)
	}
	s.renderEditor(w, r, http.StatusOK, in, nil, notice)
}

func (s *Server) authorEditPost(w http.ResponseWriter, r *http.Request) {
	e, ok := s.ownedAuthored(w, r)
	if !ok {
		return
	}
	in, ok := s.readEditInput(w, r, "form")
	if !ok {
		return
	}
	in.id = e.ID
	s.editorPost(w, r, in)
}

func (s *Server) authorYAML(w http.ResponseWriter, r *http.Request) {
	e, ok := s.ownedAuthored(w, r)
	if !ok {
		return
	}
	notice := ""
	if r.URL.Query().Get("saved") != "" {
		notice = fmt.Sprintf("Saved version %s.", e.Version)
	}
	s.renderEditor(w, r, http.StatusOK, editInput{mode: "yaml", yaml: string(e.Source), id: e.ID}, nil, notice)
}

func (s *Server) authorYAMLPost(w http.ResponseWriter, r *http.Request) {
	e, ok := s.ownedAuthored(w, r)
	if !ok {
		return
	}
	in, ok := s.readEditInput(w, r, "yaml")
	if !ok {
		return
	}
	in.id = e.ID
	s.editorPost(w, r, in)
}

// editorPost previews or saves an editor post. Every problem is a 422 with
// the page (or, for the live preview, the preview region) naming each
// field.
func (s *Server) editorPost(w http.ResponseWriter, r *http.Request, in editInput) {
	save := in.action == "save"
	c := s.check(in, !save)
	if save && len(c.errs) == 0 {
		if err := s.saveAuthored(r, in, c); err != nil {
			var ae authorErr
			if !errors.As(err, &ae) {
				s.dbError(w, r, err)
				return
			}
			c.errs = append(c.errs, ae.AuthorError)
		} else {
			target := s.authorURL(c.ex.ID)
			if in.mode == "yaml" {
				target = s.authorURL(c.ex.ID, "yaml")
			}
			http.Redirect(w, r, target+"?saved=1", http.StatusSeeOther)
			return
		}
	}
	status := http.StatusOK
	if len(c.errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	if r.URL.Query().Get("fragment") == "preview" {
		// The live preview (static/author.js) replaces its region only.
		s.render(w, r, status, templates.AuthorPreview(s.previewProps(c)))
		return
	}
	s.renderEditor(w, r, status, in, &c, "")
}

// saveAuthored stores a checked exercise: a new one under its ID, or a new
// version of the one edited. A clash of IDs is an error on the id field.
func (s *Server) saveAuthored(r *http.Request, in editInput, c checked) error {
	idTarget := fieldID("id")
	if in.mode == "yaml" {
		idTarget = "author-yaml"
	}
	if in.id != "" && c.ex.ID != in.id {
		return authorSaveErr("id", idTarget, fmt.Sprintf("is %q, but this exercise is %q: an exercise keeps its ID (links and assignments use it); to use another, import this text as a new exercise", c.ex.ID, in.id))
	}
	if s.catalog.SourceOf(c.ex.ID) == exercises.SourceFiles {
		file := ""
		for _, e := range s.catalog.Source(exercises.SourceFiles) {
			if e.ID == c.ex.ID {
				file = e.Source
			}
		}
		return authorSaveErr("id", idTarget, fmt.Sprintf("%q is the ID of the exercise file %s in the exercises directory; choose another", c.ex.ID, file))
	}
	u := principalFrom(r.Context()).User
	row := store.AuthoredExercise{ID: c.ex.ID, OwnerID: u.ID, Family: familyOf(c.src), Title: c.ex.Title, Source: c.src, Version: c.ex.Version}
	var err error
	if in.id == "" {
		_, err = s.store.CreateAuthoredExercise(r.Context(), row)
		if errors.Is(err, store.ErrConflict) {
			return authorSaveErr("id", idTarget, fmt.Sprintf("%q is the ID of another exercise written in the browser; choose another", c.ex.ID))
		}
		if errors.Is(err, store.ErrInvalid) {
			return authorSaveErr("", "", fmt.Sprintf("the site already has %d exercises written in the browser, the limit; delete one first", store.MaxAuthoredExercises))
		}
	} else {
		_, err = s.store.UpdateAuthoredExercise(r.Context(), row)
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "authored exercise saved", "id", row.ID, "version", row.Version, "user", u.ID)
	s.syncAuthored(r.Context())
	return nil
}

func authorSaveErr(field, target, msg string) error {
	return authorErr{templates.AuthorError{Field: field, Target: target, Message: msg}}
}

// authorErr carries a field error out of saveAuthored.
type authorErr struct{ templates.AuthorError }

func (e authorErr) Error() string { return e.Field + ": " + e.Message }

// familyOf is the family a valid file names.
func familyOf(src []byte) string {
	d, err := authoring.Decode(src)
	if err != nil || d.Family == "" {
		return "unknown"
	}
	return d.Family
}

func (s *Server) previewProps(c checked) templates.AuthorPreviewProps {
	p := templates.AuthorPreviewProps{Seed: strconv.FormatUint(c.seed, 10), Errors: c.errs}
	if len(c.errs) > 0 || c.ex == nil {
		return p
	}
	v, err := c.ex.Variant(c.seed)
	if err != nil {
		p.Errors = append(p.Errors, templates.AuthorError{Field: "data", Message: err.Error()})
		return p
	}
	p.Ready, p.Version, p.Item = true, c.ex.Version, s.variantPrintView(v, "preview", 1, true)
	return p
}

// renderEditor renders the editor page for an input; c is its check, nil
// for a page not yet previewed (it is checked here for the preview).
func (s *Server) renderEditor(w http.ResponseWriter, r *http.Request, status int, in editInput, c *checked, notice string) {
	if c == nil {
		cc := s.check(in, true)
		if in.mode == "yaml" && in.id == "" && strings.TrimSpace(in.yaml) == "" {
			cc = checked{} // an empty import has nothing to preview yet
		}
		c = &cc
	}
	errs := map[string]string{}
	for _, e := range c.errs {
		if e.Target != "" {
			errs[e.Target] = e.Message
		}
	}
	p := templates.AuthorEditProps{Links: s.links(), Nav: s.nav(r, "exercises"), Mode: in.mode, Family: in.family,
		Notice: notice, Errors: c.errs, Seed: in.seed, Script: s.base + "/static/" + s.assets.HashedName("author.js"),
		ListURL: s.authorURL(), SaveLabel: "Save"}
	if p.Seed == "" {
		p.Seed = "0"
	}
	switch {
	case in.id != "" && in.mode == "yaml":
		p.Heading, p.Action = "Edit "+in.id+" as YAML", s.authorURL(in.id, "yaml")
	case in.id != "":
		p.Heading, p.Action = "Edit "+in.id, s.authorURL(in.id)
	case in.mode == "yaml":
		p.Heading, p.Action, p.Upload = "Import an exercise file", s.authorURL("import"), true
	default:
		p.Heading, p.Action = "New exercise", s.authorURL("new")
	}
	p.PreviewURL = p.Action + "?fragment=preview"
	if in.id != "" {
		p.SaveLabel = "Save changes"
		p.FormURL, p.YAMLURL, p.ExportURL = s.authorURL(in.id), s.authorURL(in.id, "yaml"), s.authorURL(in.id, "export")
		if s.catalog.SourceOf(in.id) == exercises.SourceDB {
			p.PracticeURL = s.exerciseURL(in.id, 0)
		}
	}
	if in.mode == "yaml" {
		p.YAML = templates.AuthorFieldView{Name: "yaml", ID: "author-yaml", Label: "The exercise file (YAML)", Kind: "yaml", Value: in.yaml,
			Rows: 24, Error: errs["author-yaml"], Help: "The format of exercise files (docs/AUTHORING.md); its JSON Schema is at /authoring/schema.json."}
		if in.id != "" {
			if d, err := authoring.Decode([]byte(in.yaml)); err == nil && (len(d.Unshown) > 0 || d.Family == "") {
				p.FormURL = ""
				p.YAMLOnly = "The form cannot show every field of this exercise (" + strings.Join(d.Unshown, ", ") + "); edit it as YAML."
			}
		}
	} else {
		form := authoring.FormFor(in.family)
		p.FamilyLabel = form.Label
		view := func(f authoring.Field, name string) templates.AuthorFieldView {
			fv := templates.AuthorFieldView{Name: name, ID: fieldID(name), Label: f.Label, Help: f.Help, Kind: string(f.Kind),
				Value: in.values[name], Choices: f.Choices, Error: errs[fieldID(name)]}
			switch f.Kind {
			case authoring.FieldGrid:
				fv.Rows = max(4, strings.Count(fv.Value, "\n")+2)
			case authoring.FieldYAML, authoring.FieldLong:
				fv.Rows = min(30, max(4, strings.Count(fv.Value, "\n")+2))
			}
			return fv
		}
		for _, f := range authoring.MetaFields {
			fv := view(f, f.Key)
			if f.Key == "id" && in.id != "" {
				fv.ReadOnly, fv.Help = true, "An exercise keeps its ID."
			}
			p.Meta = append(p.Meta, fv)
		}
		for _, f := range form.Fields {
			p.Fields = append(p.Fields, view(f, authoring.DataName(f.Key)))
		}
		for _, g := range form.Groups {
			gv := templates.AuthorGroupView{Label: g.Label, Help: g.Help}
			n := min(g.Max, max(2, in.items[g.Key]+1))
			for i := range n {
				it := templates.AuthorGroupItem{Legend: fmt.Sprintf("%s %d", g.Label, i+1)}
				for _, f := range g.Fields {
					it.Fields = append(it.Fields, view(f, authoring.ItemName(g.Key, i, f.Key)))
				}
				gv.Items = append(gv.Items, it)
			}
			p.Groups = append(p.Groups, gv)
		}
		more := authoring.Field{Label: "Other data fields (YAML)", Kind: authoring.FieldYAML,
			Help: "Fields of the family's data the form has no control for, as YAML lines (key: value); see docs/AUTHORING.md."}
		if len(form.Fields) == 0 {
			more.Label, more.Help = "Data (YAML)", "This family's data as YAML (key: value lines); see docs/AUTHORING.md."
		}
		p.More = view(more, authoring.MoreField)
	}
	p.Preview = s.previewProps(*c)
	s.render(w, r, status, templates.AuthorEdit(p))
}

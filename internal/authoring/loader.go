package authoring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
)

// Bounds on a directory of exercise files.
const (
	// MaxFiles bounds the exercise files read from the directory; the
	// ones after it (in name order) are reported, not loaded.
	MaxFiles = 500
	// DefaultPollInterval is how often the directory is checked for
	// changes.
	DefaultPollInterval = 2 * time.Second
)

// Versions keeps every version of every file the loader has served, so an
// assignment made on a version can still get it after the file changes or
// the server restarts. The web layer implements it over the store.
type Versions interface {
	SaveVersion(ctx context.Context, id, version, file string, src []byte) error
	// LoadVersion returns a saved version's source and file name.
	LoadVersion(ctx context.Context, id, version string) (src []byte, file string, err error)
}

// Loader loads the exercise files of one directory into a catalog and
// reloads them when they change. A file that does not parse is refused
// with its errors; the last valid version of it keeps serving.
type Loader struct {
	dir      string
	catalog  *exercises.Catalog
	versions Versions
	log      *slog.Logger

	// mu serialises reloads and guards files and lastScan.
	mu       sync.Mutex
	files    map[string]*fileState
	lastScan time.Time
	scanErr  string
	now      func() time.Time
}

type fileState struct {
	modTime time.Time
	size    int64
	hash    string // version of the content last read
	// serving is the last valid version, nil when there never was one.
	serving *exercises.Exercise
	// err is the problem with the content last read, nil when it is the
	// serving version.
	err *Error
	// dup is set while an earlier file (by name) has the same ID; the
	// file is then not served. Every reload recomputes it.
	dup *Error
}

// problem is what Status shows for the file.
func (st *fileState) problem() *Error {
	if st.err != nil {
		return st.err
	}
	return st.dup
}

// Config configures a Loader.
type Config struct {
	Dir      string
	Catalog  *exercises.Catalog
	Versions Versions // nil: versions live only in this process
	Logger   *slog.Logger
}

// NewLoader makes a loader; call Reload to read the directory.
func NewLoader(cfg Config) *Loader {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Loader{dir: cfg.Dir, catalog: cfg.Catalog, versions: cfg.Versions, log: log, files: map[string]*fileState{}, now: time.Now}
	cfg.Catalog.SetResolver(l.resolve)
	return l
}

// Run reloads on every tick until ctx ends. Tests pass their own channel;
// the server passes a time.Ticker's.
func (l *Loader) Run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			l.Reload(ctx)
		}
	}
}

// Reload reads the directory now: new and changed files are parsed,
// removed files stop serving, and the catalog gets the result. It reports
// whether the served set changed.
func (l *Loader) Reload(ctx context.Context) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastScan = l.now()
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		if l.scanErr != err.Error() {
			l.log.Error("read the exercises directory", "dir", l.dir, "err", err)
		}
		l.scanErr = err.Error()
		return false
	}
	l.scanErr = ""
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && !strings.HasPrefix(n, ".") && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	changed := false
	seen := map[string]bool{}
	for i, name := range names {
		seen[name] = true
		st := l.files[name]
		if st == nil {
			st = &fileState{}
			l.files[name] = st
		}
		if i >= MaxFiles {
			st.err = &Error{File: name, Message: fmt.Sprintf("the directory has more than %d exercise files; this one is not loaded", MaxFiles)}
			if st.serving != nil {
				st.serving, changed = nil, true
			}
			continue
		}
		if l.readFile(ctx, name, st) {
			changed = true
		}
	}
	for name, st := range l.files {
		if !seen[name] {
			if st.serving != nil {
				changed = true
				l.log.Info("exercise file removed", "file", name, "id", st.serving.ID)
			}
			delete(l.files, name)
		}
	}
	// One ID, one file: a later file (by name) repeating an ID is refused.
	owner := map[string]string{}
	var list []*exercises.Exercise
	for _, name := range names {
		st := l.files[name]
		if st == nil || st.serving == nil {
			continue
		}
		st.dup = nil
		if first, dup := owner[st.serving.ID]; dup {
			st.dup = &Error{File: name, Line: 1, Field: "id", Message: fmt.Sprintf("%q is also the ID of %s; each exercise needs its own ID", st.serving.ID, first)}
			continue
		}
		owner[st.serving.ID] = name
		list = append(list, st.serving)
	}
	if changed || len(list) != len(l.catalog.Source(exercises.SourceFiles)) {
		if err := l.catalog.SetAuthored(list); err != nil {
			l.log.Error("install authored exercises", "err", err)
		}
		return true
	}
	return false
}

// readFile rereads one file when its size or modification time changed,
// and reports whether its serving version changed.
func (l *Loader) readFile(ctx context.Context, name string, st *fileState) bool {
	path := filepath.Join(l.dir, name)
	info, err := os.Stat(path)
	if err != nil {
		st.err = &Error{File: name, Message: "cannot read the file: " + err.Error()}
		return false
	}
	// An unchanged size and time means unchanged content, unless the time
	// is so recent that a second write in the same clock tick could hide
	// behind it: such a file is read and hashed again.
	recent := l.now().Sub(info.ModTime()) < 2*time.Second
	if st.hash != "" && !recent && info.ModTime().Equal(st.modTime) && info.Size() == st.size {
		return false
	}
	src, err := readBounded(path)
	if err != nil {
		st.err = &Error{File: name, Message: err.Error()}
		return false
	}
	st.modTime, st.size = info.ModTime(), info.Size()
	version := Version(src)
	if version == st.hash {
		return false
	}
	st.hash = version
	ex, err := Parse(name, src, l.catalog.IsBuiltin)
	if err != nil {
		var fe *Error
		if !errors.As(err, &fe) {
			fe = &Error{File: name, Message: err.Error()}
		}
		st.err = fe
		keeps := "nothing is served from it"
		if st.serving != nil {
			keeps = "version " + st.serving.Version + " keeps serving"
		}
		l.log.Warn("exercise file refused", "file", name, "line", fe.Line, "field", fe.Field, "problem", fe.Message, "serving", keeps)
		return false
	}
	st.err = nil
	if l.versions != nil {
		if err := l.versions.SaveVersion(ctx, ex.ID, ex.Version, name, src); err != nil {
			// Without a saved version an assignment made on it could not
			// be restored after a restart: refuse to serve it until the
			// database takes it, and try again next time.
			st.hash = ""
			st.err = &Error{File: name, Message: "could not record this version in the database; it is retried on the next check: " + err.Error()}
			l.log.Error("save exercise version", "file", name, "id", ex.ID, "err", err)
			return false
		}
	}
	l.log.Info("exercise file loaded", "file", name, "id", ex.ID, "version", ex.Version)
	st.serving = ex
	return true
}

// readBounded reads a file of at most MaxFileBytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	if len(src) > MaxFileBytes {
		return nil, fmt.Errorf("the file has more than %d bytes; the limit is %d", MaxFileBytes, MaxFileBytes)
	}
	return src, nil
}

// resolve restores a version the loader has not loaded in this process
// from the database.
func (l *Loader) resolve(id, version string) (*exercises.Exercise, bool) {
	if l.versions == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	src, file, err := l.versions.LoadVersion(ctx, id, version)
	if err != nil {
		return nil, false
	}
	ex, err := Parse(file, src, l.catalog.IsBuiltin)
	if err != nil || ex.ID != id || ex.Version != version {
		l.log.Error("restore exercise version", "id", id, "version", version, "err", err)
		return nil, false
	}
	return ex, true
}

// Status is what the instructor sees: every file, what it serves and
// what is wrong with it.
type Status struct {
	Dir         string       `json:"dir"`
	CheckedAt   time.Time    `json:"checked_at"`
	DirError    string       `json:"dir_error,omitempty"`
	Files       []FileStatus `json:"files"`
	ErrorsCount int          `json:"errors"`
}

// FileStatus is one file's line of Status.
type FileStatus struct {
	File string `json:"file"`
	// ID, Title and Version are the serving version's, empty when the
	// file never loaded.
	ID      string `json:"id,omitempty"`
	Title   string `json:"title,omitempty"`
	Version string `json:"version,omitempty"`
	// Error is the problem with the file's current content; with a
	// serving version, that version keeps serving.
	Error *Error `json:"error,omitempty"`
}

// Status reports the files as of the last reload.
func (l *Loader) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Status{Dir: l.dir, CheckedAt: l.lastScan, DirError: l.scanErr, Files: []FileStatus{}}
	for name, st := range l.files {
		fs := FileStatus{File: name, Error: st.problem()}
		if st.serving != nil && st.dup == nil {
			fs.ID, fs.Title, fs.Version = st.serving.ID, st.serving.Title, st.serving.Version
		}
		if fs.Error != nil {
			s.ErrorsCount++
		}
		s.Files = append(s.Files, fs)
	}
	slices.SortFunc(s.Files, func(a, b FileStatus) int { return strings.Compare(a.File, b.File) })
	return s
}

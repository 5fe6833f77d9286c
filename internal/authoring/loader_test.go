package authoring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
)

// memVersions is an in-memory Versions.
type memVersions struct {
	mu   sync.Mutex
	srcs map[string][]byte
	fail error
}

func (m *memVersions) SaveVersion(_ context.Context, id, version, file string, src []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	if m.srcs == nil {
		m.srcs = map[string][]byte{}
	}
	m.srcs[id+"@"+version] = append([]byte(nil), src...)
	return nil
}

func (m *memVersions) LoadVersion(_ context.Context, id, version string) ([]byte, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	src, ok := m.srcs[id+"@"+version]
	if !ok {
		return nil, "", errors.New("not found")
	}
	return src, "restored.yaml", nil
}

func write(t *testing.T, dir, name, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

const sizeFile = "id: size-week2\ntitle: Output size\nfamily: output-size\ndata:\n  input_width: 32\n  kernel: 5\n"

func TestLoaderReload(t *testing.T) {
	dir := t.TempDir()
	cat := exercises.NewCatalog()
	vs := &memVersions{}
	l := NewLoader(Config{Dir: dir, Catalog: cat, Versions: vs})
	ctx := context.Background()

	// An empty directory serves nothing and is no error.
	l.Reload(ctx)
	if st := l.Status(); len(st.Files) != 0 || st.ErrorsCount != 0 {
		t.Fatalf("empty dir status %+v", st)
	}

	write(t, dir, "size.yaml", sizeFile)
	write(t, dir, "notes.txt", "not an exercise")
	gen := cat.Generation()
	if !l.Reload(ctx) {
		t.Fatal("a new file did not change the catalog")
	}
	if cat.Generation() == gen {
		t.Error("the catalog generation did not change")
	}
	ex, ok := cat.Lookup("size-week2")
	if !ok {
		t.Fatal("the new exercise is not served")
	}
	v1 := ex.Version
	if v, _ := ex.Variant(0); v.Parts[0].Input != "28" {
		t.Fatalf("width answer %q, want 28", v.Parts[0].Input)
	}

	// An invalid edit: refused with file, line and field, and the old
	// version keeps serving.
	write(t, dir, "size.yaml", strings.Replace(sizeFile, "kernel: 5", "kernel: 50", 1))
	if l.Reload(ctx) {
		t.Error("an invalid edit changed the catalog")
	}
	if ex, _ := cat.Lookup("size-week2"); ex.Version != v1 {
		t.Fatalf("serving %s after an invalid edit, want %s", ex.Version, v1)
	}
	st := l.Status()
	if len(st.Files) != 1 || st.Files[0].Error == nil || st.Files[0].Version != v1 || st.ErrorsCount != 1 {
		t.Fatalf("status %+v", st)
	}
	if e := st.Files[0].Error; e.File != "size.yaml" || e.Line != 5 || e.Field != "data" {
		t.Errorf("error %+v, want size.yaml line 5 field data", e)
	}

	// A valid edit makes a new version; the old one stays resolvable.
	write(t, dir, "size.yaml", strings.Replace(sizeFile, "kernel: 5", "kernel: 3", 1))
	if !l.Reload(ctx) {
		t.Fatal("a valid edit did not change the catalog")
	}
	ex2, _ := cat.Lookup("size-week2")
	if ex2.Version == v1 || l.Status().ErrorsCount != 0 {
		t.Fatalf("version %s after a valid edit (was %s), status %+v", ex2.Version, v1, l.Status())
	}
	old, ok := cat.LookupVersion("size-week2", v1)
	if !ok || old.Version != v1 {
		t.Fatal("the old version is gone")
	}
	if v, _ := old.Variant(0); v.Parts[0].Input != "28" {
		t.Errorf("old version's answer %q, want 28", v.Parts[0].Input)
	}

	// A new process (a fresh catalog) restores an old version from the
	// saved versions.
	cat2 := exercises.NewCatalog()
	NewLoader(Config{Dir: dir, Catalog: cat2, Versions: vs})
	if got, ok := cat2.LookupVersion("size-week2", v1); !ok || got.Version != v1 {
		t.Fatal("an old version was not restored from the saved versions")
	}

	// A second file with the same ID is refused; removing a file stops
	// serving it.
	write(t, dir, "z-copy.yaml", strings.Replace(sizeFile, "input_width: 32", "input_width: 33", 1))
	l.Reload(ctx)
	st = l.Status()
	if st.Files[1].Error == nil || !strings.Contains(st.Files[1].Error.Message, "size.yaml") {
		t.Errorf("duplicate ID status %+v", st.Files[1])
	}
	if got, _ := cat.Lookup("size-week2"); got.Source != "size.yaml" {
		t.Errorf("the duplicate replaced the first file's exercise: %s", got.Source)
	}
	// Once the first file is gone, the other one serves, and its error
	// goes away although its content did not change.
	os.Remove(filepath.Join(dir, "size.yaml"))
	l.Reload(ctx)
	st = l.Status()
	if got, ok := cat.Lookup("size-week2"); !ok || got.Source != "z-copy.yaml" || len(st.Files) != 1 || st.Files[0].Error != nil {
		t.Errorf("after removing the first file: status %+v", st)
	}
	os.Remove(filepath.Join(dir, "z-copy.yaml"))
	l.Reload(ctx)
	if _, ok := cat.Lookup("size-week2"); ok {
		t.Error("a removed file still serves")
	}
}

func TestLoaderRefusesWhatTheDatabaseCannotKeep(t *testing.T) {
	dir := t.TempDir()
	cat := exercises.NewCatalog()
	vs := &memVersions{fail: errors.New("disk full")}
	l := NewLoader(Config{Dir: dir, Catalog: cat, Versions: vs})
	write(t, dir, "size.yaml", sizeFile)
	l.Reload(context.Background())
	if _, ok := cat.Lookup("size-week2"); ok {
		t.Fatal("served a version the database did not record")
	}
	vs.mu.Lock()
	vs.fail = nil
	vs.mu.Unlock()
	l.Reload(context.Background())
	if _, ok := cat.Lookup("size-week2"); !ok {
		t.Fatal("not served once the database took it")
	}
}

func TestLoaderRunReloadsOnTick(t *testing.T) {
	dir := t.TempDir()
	cat := exercises.NewCatalog()
	l := NewLoader(Config{Dir: dir, Catalog: cat})
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx, tick); close(done) }()
	write(t, dir, "size.yaml", sizeFile)
	tick <- time.Now() // Run takes the tick, then reloads
	tick <- time.Now() // ...and has finished the first reload when it takes the second
	cancel()
	<-done
	if _, ok := cat.Lookup("size-week2"); !ok {
		t.Fatal("a tick did not reload")
	}
}

func TestLoaderMissingDirectory(t *testing.T) {
	cat := exercises.NewCatalog()
	l := NewLoader(Config{Dir: filepath.Join(t.TempDir(), "nope"), Catalog: cat})
	l.Reload(context.Background())
	if st := l.Status(); st.DirError == "" {
		t.Fatal("a missing directory is not reported")
	}
}

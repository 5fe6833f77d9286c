package authoring

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
)

// BenchmarkParseExamples parses and checks every shipped example once per
// iteration: the work of loading a directory of them.
func BenchmarkParseExamples(b *testing.B) {
	cat := exercises.NewCatalog()
	entries, _ := fs.ReadDir(Examples(), ".")
	srcs := map[string][]byte{}
	for _, e := range entries {
		srcs[e.Name()], _ = fs.ReadFile(Examples(), e.Name())
	}
	b.ResetTimer()
	for b.Loop() {
		for name, src := range srcs {
			if _, err := Parse(name, src, cat.IsBuiltin); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReloadUnchanged is one poll of a directory of 100 unchanged
// files (older than the re-read window): what every tick costs.
func BenchmarkReloadUnchanged(b *testing.B) {
	dir := b.TempDir()
	for i := range 100 {
		src := strings.Replace(sizeFile, "size-week2", fmt.Sprintf("size-%d", i), 1)
		path := filepath.Join(dir, fmt.Sprintf("f%03d.yaml", i))
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	l := NewLoader(Config{Dir: dir, Catalog: exercises.NewCatalog()})
	// Make every file look old, so a poll only stats it.
	l.now = func() time.Time { return time.Now().Add(time.Hour) }
	l.Reload(context.Background())
	b.ResetTimer()
	for b.Loop() {
		if l.Reload(context.Background()) {
			b.Fatal("an unchanged directory changed the catalog")
		}
	}
}

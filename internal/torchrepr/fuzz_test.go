package torchrepr

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
)

// FuzzParse feeds arbitrary text to Parse and Propagate. Neither may panic;
// a parsed model has one Source per layer and at most MaxLayers layers;
// every error is an *Error whose line lies in the text, or an engine error.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "models"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "models", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)")
	f.Add("ModuleList(\n  (0-2): 3 x Linear(in_features=10, out_features=10, bias=True)\n)")
	f.Add("Sequential((0): AdaptiveMaxPool2d(output_size=(None, 2)))")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := Parse(text)
		lines := strings.Count(text, "\n") + 1
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if e.Line < 0 || e.Line > lines || e.Message == "" {
				t.Fatalf("error at line %d of %d: %v", e.Line, lines, err)
			}
			return
		}
		if len(m.Layers) != len(m.Sources) || len(m.Layers) > MaxLayers {
			t.Fatalf("%d layers, %d sources", len(m.Layers), len(m.Sources))
		}
		for _, in := range [][]int{{3, 32, 32}, {10}} {
			res, err := Propagate(in, m)
			if err != nil {
				var e *Error
				var ce *compute.Error
				if !errors.As(err, &e) && !errors.As(err, &ce) {
					t.Fatalf("error %v (%T) is neither", err, err)
				}
				if e != nil && (e.Line < 0 || e.Line > lines) {
					t.Fatalf("error at line %d of %d: %v", e.Line, lines, err)
				}
				continue
			}
			if len(res.Layers) != len(m.Layers) {
				t.Fatalf("%d results for %d layers", len(res.Layers), len(m.Layers))
			}
		}
	})
}

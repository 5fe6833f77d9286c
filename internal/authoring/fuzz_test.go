package authoring

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// FuzzParse: no file crashes the loader or hangs it; every refusal is an
// *Error naming the file; every accepted file serves variants whose own
// answers are right.
func FuzzParse(f *testing.F) {
	entries, _ := fs.ReadDir(Examples(), ".")
	for _, e := range entries {
		src, _ := fs.ReadFile(Examples(), e.Name())
		f.Add(string(src))
	}
	f.Add(validConv)
	f.Add(sizeFile)
	cat := exercises.NewCatalog()
	f.Fuzz(func(t *testing.T, src string) {
		ex, err := Parse("f.yaml", []byte(src), cat.IsBuiltin)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.File != "f.yaml" || fe.Message == "" || !strings.HasPrefix(fe.Error(), "f.yaml") {
				t.Fatalf("error %v (%T) does not name the file", err, err)
			}
			return
		}
		for _, seed := range []uint64{0, 1, 7} {
			v, err := ex.Variant(seed)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, p := range v.Parts {
				if p.Kind == exercises.KindSelfCheck {
					continue
				}
				if vd := p.Check(p.Input); vd.Status != exercises.StatusCorrect {
					t.Fatalf("seed %d part %s: its own answer %q is %s", seed, p.ID, p.Input, vd.Status)
				}
			}
		}
	})
}

package authoring

import (
	"errors"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// FuzzEncodeForm: no form crashes Encode; a refusal is an *Error naming a
// form field (or the whole form); an accepted form is a file within the
// size limit that Parse reads without crashing, and whose form Decode
// reads back to the same file.
func FuzzEncodeForm(f *testing.F) {
	f.Add(uint8(0), "1 3 -2 4\n0 8 6 5", "1 2\n-2 -1", "{min: 1, max: 2}", "[2, 2]", "")
	f.Add(uint8(2), "[1, 32, 32]", "shapes", "Sequential(\n  (0): Conv2d(1, 6, kernel_size=(5, 5))\n)", "", "")
	f.Add(uint8(1), "32", "5", "1", "{one_of: [1, 2]}", "note: |\n  x")
	f.Add(uint8(3), "", "- id: a\n  prompt: p\n  kind: self-check", "", "", "intro: [a, b]")
	f.Add(uint8(7), "max", "{rows: 4, cols: 4, min: 0, max: 9}", "2", "random", "")
	f.Add(uint8(0), "&a 1", "*a", "'", "{", "---\n---")
	cat := exercises.NewCatalog()
	f.Fuzz(func(t *testing.T, fam uint8, a, b, c, d, more string) {
		form := Forms()[int(fam)%len(Families)]
		v := Values{"id": "fuzz", "title": "Fuzz", MoreField: more}
		texts := []string{a, b, c, d}
		i := 0
		for _, fl := range form.Fields {
			v[DataName(fl.Key)] = texts[i%len(texts)]
			i++
		}
		for _, g := range form.Groups {
			for _, fl := range g.Fields {
				v[ItemName(g.Key, i%2, fl.Key)] = texts[i%len(texts)]
				i++
			}
		}
		src, err := Encode(form.Family, v)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Message == "" {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if _, ok := v[fe.Field]; !ok && fe.Field != "" {
				t.Fatalf("error names %q, not a field of the form", fe.Field)
			}
			return
		}
		if len(src) > MaxFileBytes {
			t.Fatalf("%d bytes", len(src))
		}
		_, _ = Parse(FileName("fuzz"), src, cat.IsBuiltin)
		dec, err := Decode(src)
		if err != nil {
			t.Fatalf("Decode of an encoded form: %v\n%s", err, src)
		}
		if len(dec.Unshown) > 0 {
			return
		}
		// One round through the form normalises the text (a null written
		// inline or as a block); after it, the form and the file agree.
		again, err := Encode(dec.Family, dec.Values)
		if err != nil {
			t.Fatalf("the form of an encoded file: %v\n%s", err, src)
		}
		dec2, err := Decode(again)
		if err != nil {
			t.Fatal(err)
		}
		third, err := Encode(dec2.Family, dec2.Values)
		if err != nil || string(third) != string(again) {
			t.Fatalf("the form of the file writes another file (%v):\n%s\n---\n%s", err, again, third)
		}
	})
}

package authoring

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// Every example file read into its family's form and written back is the
// same exercise: the form can show every family's fields, and Encode
// writes what Parse reads.
func TestFormRoundTripsExamples(t *testing.T) {
	cat := exercises.NewCatalog()
	entries, err := fs.ReadDir(Examples(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			src, _ := fs.ReadFile(Examples(), e.Name())
			orig, err := Parse(e.Name(), src, cat.IsBuiltin)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Decode(src)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Unshown) > 0 {
				t.Fatalf("the form cannot show %v", d.Unshown)
			}
			if d.Family == "" {
				t.Fatal("no family")
			}
			out, err := Encode(d.Family, d.Values)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(e.Name(), out, cat.IsBuiltin)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, seed := range []uint64{0, 3} {
				ov, _ := orig.Variant(seed)
				av, err := again.Variant(seed)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := variantJSON(t, av), variantJSON(t, ov); got != want {
					t.Fatalf("seed %d differs after the form:\n%s", seed, out)
				}
			}
			// Encoding is stable: the form of the written file writes it again.
			d2, err := Decode(out)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(d2.Values, d.Values) {
				t.Errorf("values changed through the file:\n got %v\nwant %v", d2.Values, d.Values)
			}
		})
	}
}

// A convolution written in the form: grids one row per line, drawn values
// inline, every setting a fieldset; blank fields and settings are left out.
func TestEncodeConvForm(t *testing.T) {
	v := Values{
		"id": "conv-form", "title": "Week 3: 2024", "summary": "",
		"data.image":                 "1 3 -2 4\n0, 8, 6, 5\r\n2 1 -9 0\n4 -1 3 7\n",
		"data.filter":                "1 2\n-2 -1",
		"data.cases[0].stride":       "1",
		"data.cases[0].padding":      "{min: 0, max: 1}",
		"data.cases[0].cell":         "[2, 2]",
		"data.cases[1].name":         "", // a blank setting
		"data.cases[2].whole_output": "true",
		"data.cases[2].name":         "padded",
		"data.cases[2].padding":      "1",
	}
	src, err := Encode("conv-by-hand", v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"title: 'Week 3: 2024'", "family: conv-by-hand", "- [1, 3, -2, 4]", "padding: {min: 0, max: 1}", "whole_output: true"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("file lacks %q:\n%s", want, src)
		}
	}
	ex, err := Parse("conv-form.yaml", src, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	vr, _ := ex.Variant(0)
	var ids []string
	for _, p := range vr.Parts {
		ids = append(ids, p.ID)
	}
	if got := strings.Join(ids, ","); got != "dims,cell,dims-padded,output-padded" {
		t.Errorf("parts %s", got)
	}
}

// A field whose text cannot be read is named, with the loader's path; so
// is a field the loader refuses.
func TestEncodeErrorsNameTheField(t *testing.T) {
	for _, c := range []struct {
		family string
		v      Values
		field  string
		parse  bool // the error comes from Parse
	}{
		{"conv-by-hand", Values{"data.image": "1 2\n3 x"}, "data.image", false},
		{"conv-by-hand", Values{"data.cases[1].stride": "{min: 1"}, "data.cases[1].stride", false},
		{"conv-by-hand", Values{"data.cases[0].whole_output": "maybe"}, "data.cases[0].whole_output", false},
		{"conv-by-hand", Values{"title": "a\nb"}, "title", false},
		{"concepts", Values{"data.questions": "- &a x\n- *a"}, "data.questions", false},
		{"conv-by-hand", Values{MoreField: "image: [[1]]", "data.image": "1"}, MoreField, false},
		{"conv-by-hand", Values{MoreField: "- 1"}, MoreField, false},
		{"conv-by-hand", Values{"id": "Bad ID", "title": "t", "data.image": "1 2\n3 4", "data.filter": "1", "data.cases[0].stride": "1"}, "id", true},
		{"conv-by-hand", Values{"id": "ok", "title": "t", "data.image": "1 2\n3 4", "data.filter": "1", "data.cases[0].stride": "9"}, "data.cases[0].stride", true},
		{"network", Values{"id": "ok", "title": "t", "data.input_shape": "[1, 8, 8]", "data.pytorch": "Sequential(\n  (0): Conv2d(1, 2, kernel_size=(3, 3))\n  (1): Bogus()\n)"}, "data.pytorch", true},
	} {
		src, err := Encode(c.family, c.v)
		if err == nil && c.parse {
			_, err = Parse(FileName("ok"), src, func(string) bool { return false })
		}
		var fe *Error
		if !errors.As(err, &fe) || fe.Field != c.field || fe.Message == "" {
			t.Errorf("%v: error %v, want one naming %s", c.v, err, c.field)
		}
	}
	big := Values{"data.note": strings.Repeat("x", MaxFileBytes)}
	if _, err := Encode("output-size", big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("a form larger than a file: %v", err)
	}
}

// A family without a form of its own (one added to the format later) is
// edited with its data as YAML; a data field the form lacks goes there
// too, and a setting's field it lacks makes the exercise YAML-only.
func TestDecodeUnknownFields(t *testing.T) {
	d, err := Decode([]byte("id: x\ntitle: t\nfamily: new-family\ndata:\n  a: 1\n  b: [2]\n"))
	if err != nil || d.Family != "new-family" || d.Values[MoreField] != "a: 1\nb: [2]" || len(d.Unshown) != 0 {
		t.Fatalf("%+v, %v", d, err)
	}
	if src, err := Encode("new-family", d.Values); err != nil || !strings.Contains(string(src), "data:\n  a: 1\n  b: [2]") {
		t.Fatalf("%s, %v", src, err)
	}
	d, _ = Decode([]byte("id: x\nfamily: conv-by-hand\ndata:\n  cases:\n    - stride: 1\n      groups: 2\n"))
	if len(d.Unshown) != 1 || d.Unshown[0] != "data.cases[0].groups" {
		t.Fatalf("unshown %v", d.Unshown)
	}
}

// fakeStored is a database of exercises written in the browser.
type fakeStored struct {
	src   map[string]string
	reads int
}

func (f *fakeStored) Stamps(context.Context) ([]Stamp, error) {
	var out []Stamp
	for id, s := range f.src {
		out = append(out, Stamp{id, Version([]byte(s))})
	}
	return out, nil
}

func (f *fakeStored) Source(_ context.Context, id string) ([]byte, error) {
	f.reads++
	s, ok := f.src[id]
	if !ok {
		return nil, errors.New("gone")
	}
	return []byte(s), nil
}

// The database's exercises join the catalog; a poll sees a change, a new
// one and a removal; an unchanged version is not parsed again, and one
// that does not parse is left out (and not read again).
func TestDBSync(t *testing.T) {
	cat := exercises.NewCatalog()
	builtins := len(cat.All())
	st := &fakeStored{src: map[string]string{"size-a": strings.Replace(sizeFile, "id: size-week2", "id: size-a", 1)}}
	d := NewDBSync(st, cat, nil)
	ctx := context.Background()
	if changed, err := d.Sync(ctx); err != nil || !changed {
		t.Fatalf("first sync: %v, %v", changed, err)
	}
	if ex, ok := cat.Lookup("size-a"); !ok || cat.SourceOf("size-a") != exercises.SourceDB || ex.Source != "size-a.yaml" {
		t.Fatalf("size-a not served from the database")
	}
	gen := cat.Generation()
	if changed, _ := d.Sync(ctx); changed || cat.Generation() != gen || st.reads != 1 {
		t.Fatalf("an unchanged database changed the catalog (reads %d)", st.reads)
	}
	st.src["size-a"] = strings.Replace(st.src["size-a"], "title:", "title: New", 1)
	st.src["bad"] = "id: bad\n"
	if changed, err := d.Sync(ctx); err != nil || !changed {
		t.Fatalf("sync after a change: %v, %v", changed, err)
	}
	if ex, _ := cat.Lookup("size-a"); !strings.HasPrefix(ex.Title, "New") {
		t.Fatalf("title %q", ex.Title)
	}
	if _, ok := cat.Lookup("bad"); ok {
		t.Fatal("a text that does not parse is served")
	}
	reads := st.reads
	d.Sync(ctx)
	if st.reads != reads {
		t.Fatal("a refused version is read again on every poll")
	}
	delete(st.src, "size-a")
	if changed, _ := d.Sync(ctx); !changed || len(cat.All()) != builtins {
		t.Fatalf("after removal: %d exercises", len(cat.All()))
	}
}

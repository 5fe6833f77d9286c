package exercises

import (
	"math/rand/v2"
	"testing"
)

func authoredFor(t *testing.T, id, version string, width int) *Exercise {
	t.Helper()
	e, err := NewAuthored(Meta{ID: id, Title: "T " + id, Section: "W1", SectionTitle: "Week 1", Domain: "size", Version: version},
		func(uint64, *rand.Rand) (*Variant, error) {
			return BuildConvOutputSize(ConvOutputSizeData{InputWidth: width, Kernel: 3, Stride: 1, Dilation: 1}, "")
		})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCatalogAuthored(t *testing.T) {
	c := NewCatalog()
	builtins := len(c.All())
	gen := c.Generation()
	v1 := authoredFor(t, "size-1", "v1", 10)
	if err := c.SetAuthored([]*Exercise{v1}); err != nil {
		t.Fatal(err)
	}
	if c.Generation() == gen || len(c.All()) != builtins+1 {
		t.Fatalf("generation %d (was %d), %d exercises", c.Generation(), gen, len(c.All()))
	}
	secs := c.Sections()
	if last := secs[len(secs)-1]; last.Number != "W1" || last.Exercises[0] != v1 {
		t.Errorf("sections end with %+v", last)
	}
	for _, bad := range [][]*Exercise{
		{authoredFor(t, "conv-by-hand", "v", 10)},
		{authoredFor(t, "a", "v", 10), authoredFor(t, "a", "w", 10)},
		{{ID: "noversion"}},
	} {
		if err := c.SetAuthored(bad); err == nil {
			t.Errorf("SetAuthored(%s) accepted", bad[0].ID)
		}
	}
	if e, _ := c.Lookup("size-1"); e != v1 {
		t.Fatal("a refused set changed the catalog")
	}
	v2 := authoredFor(t, "size-1", "v2", 12)
	if err := c.SetAuthored([]*Exercise{v2}); err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Lookup("size-1"); e != v2 {
		t.Error("Lookup is not the new version")
	}
	if e, ok := c.LookupVersion("size-1", "v1"); !ok || e != v1 {
		t.Error("the old version is gone")
	}
	if _, ok := c.LookupVersion("size-1", "v9"); ok {
		t.Error("an unknown version resolved")
	}
	c.SetResolver(func(id, version string) (*Exercise, bool) {
		if version == "v9" {
			return authoredFor(t, id, "v9", 20), true
		}
		if version == "liar" {
			return authoredFor(t, id, "other", 20), true
		}
		return nil, false
	})
	if e, ok := c.LookupVersion("size-1", "v9"); !ok || e.Version != "v9" {
		t.Error("the resolver was not asked")
	}
	if _, ok := c.LookupVersion("size-1", "liar"); ok {
		t.Error("a resolver answer of another version was accepted")
	}
	if e, ok := c.LookupVersion("conv-by-hand", ""); !ok || e.Version != "" {
		t.Error("a built-in's version is not empty")
	}
}

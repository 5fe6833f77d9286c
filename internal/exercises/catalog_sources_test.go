package exercises

import "testing"

// Files and browser-authored exercises are two sources merged into one
// catalog: setting one never drops the other, and an ID both use is served
// from the files.
func TestCatalogSources(t *testing.T) {
	c := NewCatalog()
	builtins := len(c.All())
	fileA := authoredFor(t, "a", "f1", 10)
	dbB, dbA := authoredFor(t, "b", "d1", 11), authoredFor(t, "a", "d2", 12)
	if err := c.SetSource(SourceDB, []*Exercise{dbB}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetAuthored([]*Exercise{fileA}); err != nil {
		t.Fatal(err)
	}
	if got := len(c.All()); got != builtins+2 {
		t.Fatalf("%d exercises, want %d", got, builtins+2)
	}
	if all := c.All(); all[builtins] != fileA || all[builtins+1] != dbB {
		t.Fatalf("order: files first, then the database's")
	}
	if c.SourceOf("a") != SourceFiles || c.SourceOf("b") != SourceDB || c.SourceOf("conv-by-hand") != "" {
		t.Fatalf("sources: a %q, b %q", c.SourceOf("a"), c.SourceOf("b"))
	}
	// The database also has "a": the file's keeps serving.
	if err := c.SetSource(SourceDB, []*Exercise{dbA, dbB}); err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Lookup("a"); e != fileA || len(c.All()) != builtins+2 {
		t.Fatalf("a is served from %q", c.SourceOf("a"))
	}
	// Its version is still resolvable (an item pinned to it).
	if e, ok := c.LookupVersion("a", "d2"); !ok || e != dbA {
		t.Fatalf("the shadowed version is not resolvable")
	}
	// Without the file, the database's "a" serves.
	if err := c.SetAuthored(nil); err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Lookup("a"); e != dbA || c.SourceOf("a") != SourceDB || len(c.Source(SourceDB)) != 2 || len(c.Source(SourceFiles)) != 0 {
		t.Fatalf("after the file went: a from %q", c.SourceOf("a"))
	}
}

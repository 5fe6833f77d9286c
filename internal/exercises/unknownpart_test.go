package exercises

import (
	"errors"
	"slices"
	"testing"
)

// TestCheckUnknownPartNamesFirstSorted pins the error for answers to parts
// a variant lacks: it names the first unknown id in sorted order and lists
// the variant's parts in their order, whatever order the map yields.
func TestCheckUnknownPartNamesFirstSorted(t *testing.T) {
	ex, ok := NewCatalog().Lookup("conv-by-hand")
	if !ok {
		t.Fatal("no conv-by-hand exercise")
	}
	v, err := ex.Variant(0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range v.Parts {
		ids = append(ids, p.ID)
	}
	for range 20 {
		_, err := v.Check(map[string]string{"zz": "1", ids[0]: "3x3", "mm": "2", "ab": "3", "zy": "4"})
		var upe *UnknownPartError
		if !errors.As(err, &upe) {
			t.Fatalf("got %v, want an UnknownPartError", err)
		}
		if upe.PartID != "ab" || !slices.Equal(upe.Known, ids) {
			t.Fatalf("got part %q known %v, want \"ab\" and %v", upe.PartID, upe.Known, ids)
		}
	}
	if _, err := v.Check(map[string]string{ids[0]: "3x3"}); err != nil {
		t.Fatalf("known part: %v", err)
	}
}

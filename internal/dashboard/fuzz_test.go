package dashboard

import "testing"

// FuzzParseSort: the sort query parameter either parses to a key that
// prints back to an equivalent parameter, or is refused with an error that
// quotes at most a bounded part of it; it never panics.
func FuzzParseSort(f *testing.F) {
	for _, s := range []string{"", "name", "-name", "total", "-attempts", "last", "item-10", "-item-20", "item-", "item--1", "--name", "item-99999999999999999999"} {
		f.Add(s)
	}
	items := []ItemSummary{{ItemInfo: ItemInfo{ID: 10}}, {ItemInfo: ItemInfo{ID: 20}}}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseSort(s, items)
		if err != nil {
			// At most 40 bytes of the parameter, each quoted as up to 4.
			if len(err.Error()) > 400 {
				t.Errorf("error of %d bytes for a %d-byte parameter", len(err.Error()), len(s))
			}
			return
		}
		if k.Column == SortItem && k.ItemID != 10 && k.ItemID != 20 {
			t.Errorf("%q sorts by item %d, which is not in the assignment", s, k.ItemID)
		}
		again, err := ParseSort(k.String(), items)
		if err != nil || again != k {
			t.Errorf("%q → %+v prints as %q → %+v, %v", s, k, k.String(), again, err)
		}
		if s != "" && k.String() != s {
			t.Errorf("%q parsed as %q: one spelling per key", s, k.String())
		}
	})
}

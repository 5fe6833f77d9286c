package dashboard

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// SortColumn is a column the grid sorts by.
type SortColumn int

// Grid columns.
const (
	SortName SortColumn = iota
	SortTotal
	SortAttempts
	SortLast // last activity
	SortItem // one item's score
)

// SortKey is a column and a direction, written in a URL as the query
// parameter sort: "name", "total", "attempts", "last" or "item-<id>", with
// a leading "-" for descending order.
type SortKey struct {
	Column SortColumn
	ItemID int64 // for SortItem
	Desc   bool
}

// String is the key's query-parameter form.
func (k SortKey) String() string {
	var s string
	switch k.Column {
	case SortTotal:
		s = "total"
	case SortAttempts:
		s = "attempts"
	case SortLast:
		s = "last"
	case SortItem:
		s = "item-" + strconv.FormatInt(k.ItemID, 10)
	default:
		s = "name"
	}
	if k.Desc {
		return "-" + s
	}
	return s
}

// Toggle is the key a column header links to: the same column in the
// other direction when k already sorts by it, else that column ascending
// (names) or descending (numbers: the best first).
func (k SortKey) Toggle(col SortColumn, itemID int64) SortKey {
	if k.Column == col && (col != SortItem || k.ItemID == itemID) {
		return SortKey{Column: col, ItemID: itemID, Desc: !k.Desc}
	}
	return SortKey{Column: col, ItemID: itemID, Desc: col != SortName}
}

// Sorts reports whether k sorts by the column.
func (k SortKey) Sorts(col SortColumn, itemID int64) bool {
	return k.Column == col && (col != SortItem || k.ItemID == itemID)
}

// ParseSort reads a sort parameter; "" is by name. An item must be one of
// items. The error says what is accepted.
func ParseSort(s string, items []ItemSummary) (SortKey, error) {
	var k SortKey
	raw := s
	if strings.HasPrefix(s, "-") {
		k.Desc, s = true, s[1:]
	}
	switch {
	case s == "" || s == "name":
		k.Column = SortName
	case s == "total":
		k.Column = SortTotal
	case s == "attempts":
		k.Column = SortAttempts
	case s == "last":
		k.Column = SortLast
	case strings.HasPrefix(s, "item-"):
		id, err := strconv.ParseInt(s[len("item-"):], 10, 64)
		found := false
		for _, it := range items {
			found = found || (err == nil && it.ID == id)
		}
		if !found {
			return SortKey{}, fmt.Errorf("sort %q names no item of this assignment", clip(raw))
		}
		k.Column, k.ItemID = SortItem, id
	default:
		return SortKey{}, fmt.Errorf("sort %q is not name, total, attempts, last or item-<id> (with an optional leading -)", clip(raw))
	}
	// One spelling per key ("-" alone, "item-+10" or "item-010" are not),
	// so links and caches see one URL per order.
	if raw != "" && k.String() != raw {
		return SortKey{}, fmt.Errorf("sort %q is not written as %q", clip(raw), k.String())
	}
	return k, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Sort orders the report's grid by k.
func (r *Report) Sort(k SortKey) {
	item := -1
	for i, it := range r.Items {
		if k.Column == SortItem && it.ID == k.ItemID {
			item = i
		}
	}
	sortRows(r.Rows, k, item)
}

func sortRows(rows []Row, k SortKey, item int) {
	byName := func(a, b Row) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Learner.Name), strings.ToLower(b.Learner.Name)),
			cmp.Compare(a.Learner.ID, b.Learner.ID))
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		var c int
		switch k.Column {
		case SortTotal:
			c = cmp.Compare(a.Total, b.Total)
		case SortAttempts:
			c = cmp.Compare(a.Attempts, b.Attempts)
		case SortLast:
			c = a.LastAt.Compare(b.LastAt)
		case SortItem:
			if item >= 0 {
				ca, cb := a.Cells[item], b.Cells[item]
				c = cmp.Or(cmp.Compare(ca.Score, cb.Score), cmp.Compare(ca.Status, cb.Status))
			}
		default:
			return flip(byName(a, b), k.Desc)
		}
		// Ties go by name ascending whatever the direction, so equal
		// scores read alphabetically.
		return cmp.Or(flip(c, k.Desc), byName(a, b))
	})
}

func flip(c int, desc bool) int {
	if desc {
		return -c
	}
	return c
}

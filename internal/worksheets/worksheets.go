// Package worksheets plans printed worksheets: which variants go on which
// sheet, and how a sheet names itself. A worksheet set is either a list of
// exercises printed for a range of seeds (sheet k uses the k-th seed for
// every exercise) or an assignment printed for a roster (each student's
// sheet uses that student's seeds). Rendering is the web layer's job; this
// package only decides what is printed, within documented bounds.
package worksheets

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/stride-tutor/stride/internal/exercises"
)

// Bounds of a print request. A sheet set is rendered in one response, so
// its size is capped: MaxSheets sheets of at most MaxItems exercises, and
// at most MaxItemInstances exercise variants in all.
const (
	MaxSheets        = 200
	MaxItems         = 20
	MaxItemInstances = 400
	// MaxSeedSpec bounds the length of the seeds field.
	MaxSeedSpec = 64
)

// Paper is the page size a set is laid out for.
type Paper string

// The paper sizes offered.
const (
	PaperA4     Paper = "a4"
	PaperLetter Paper = "letter"
)

// Item is one exercise variant on a sheet.
type Item struct {
	ExerciseID string
	// ExerciseVersion pins an authored exercise's version (an assignment
	// item's); "" is the current one.
	ExerciseVersion string
	Seed            uint64
	// Parts are the part IDs asked; empty means every part.
	Parts []string
}

// Sheet is one printed worksheet: a title, an optional student's name, and
// its exercises in order.
type Sheet struct {
	// Title names the set ("Convolution practice").
	Title string
	// Student is the name of the student the sheet is for, or "".
	Student string
	Items   []Item
}

// FieldError names the request field at fault and the limit it broke.
type FieldError struct {
	Field, Msg string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Request is a parsed print request for a list of exercises over a seed
// range.
type Request struct {
	Exercises []string
	// Seeds are the sheets' seeds, in order, one sheet each.
	Seeds []uint64
	Paper Paper
	// Title is the set's title, chosen by the instructor or derived.
	Title string
}

// Lookup finds an exercise by ID (exercises.Catalog.Lookup fits).
type Lookup func(id string) (*exercises.Exercise, bool)

// ParseRequest reads a print request: ex (exercise IDs, repeated or
// comma-separated), seeds ("0", "1-30", or "3,8,20"), paper ("a4" or
// "letter", default a4) and an optional title.
func ParseRequest(q url.Values, lookup Lookup) (Request, error) {
	var req Request
	for _, v := range q["ex"] {
		for _, id := range strings.Split(v, ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			if len(req.Exercises) >= MaxItems {
				return Request{}, fieldErr("ex", "lists more than %d exercises; print fewer at a time", MaxItems)
			}
			if _, ok := lookup(id); !ok {
				return Request{}, fieldErr("ex", "has %q, which is not an exercise", clip(id, 64))
			}
			req.Exercises = append(req.Exercises, id)
		}
	}
	if len(req.Exercises) == 0 {
		return Request{}, fieldErr("ex", "names no exercise; choose at least one")
	}
	seeds, err := ParseSeeds(q.Get("seeds"))
	if err != nil {
		return Request{}, err
	}
	req.Seeds = seeds
	if n := len(req.Seeds) * len(req.Exercises); n > MaxItemInstances {
		return Request{}, fieldErr("seeds", "gives %d sheets of %d exercises (%d variants); at most %d variants print at once", len(req.Seeds), len(req.Exercises), n, MaxItemInstances)
	}
	if req.Paper, err = ParsePaper(q.Get("paper")); err != nil {
		return Request{}, err
	}
	req.Title, err = ParseTitle(q.Get("title"))
	if err != nil {
		return Request{}, err
	}
	return req, nil
}

// ParsePaper reads the paper field; empty means A4.
func ParsePaper(s string) (Paper, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "a4":
		return PaperA4, nil
	case "letter":
		return PaperLetter, nil
	}
	return "", fieldErr("paper", "must be a4 or letter")
}

// MaxTitle bounds a set's title, in bytes.
const MaxTitle = 120

// ParseTitle reads an optional title: printable text of at most MaxTitle
// bytes.
func ParseTitle(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxTitle {
		return "", fieldErr("title", "is longer than %d bytes", MaxTitle)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return "", fieldErr("title", "holds a control character or invalid text")
		}
	}
	return s, nil
}

// ParseSeeds reads a seed list: single seeds and inclusive ranges separated
// by commas ("1-30", "0", "3,8,20-22"). Empty means the recitation's own
// numbers, seed 0. At most MaxSheets seeds, no repeats.
func ParseSeeds(s string) ([]uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return []uint64{0}, nil
	}
	if len(s) > MaxSeedSpec {
		return nil, fieldErr("seeds", "is longer than %d characters; use ranges like 1-30", MaxSeedSpec)
	}
	var out []uint64
	seen := map[uint64]bool{}
	add := func(n uint64) error {
		if seen[n] {
			return fieldErr("seeds", "lists seed %d twice", n)
		}
		if len(out) >= MaxSheets {
			return fieldErr("seeds", "gives more than %d sheets; print at most %d at once", MaxSheets, MaxSheets)
		}
		seen[n] = true
		out = append(out, n)
		return nil
	}
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(tok, "-")
		a, err := parseSeed(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseSeed(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, fieldErr("seeds", "has the range %q, which runs backwards", clip(tok, 40))
			}
			if b-a >= MaxSheets {
				return nil, fieldErr("seeds", "gives more than %d sheets; print at most %d at once", MaxSheets, MaxSheets)
			}
		}
		for n := a; ; n++ {
			if err := add(n); err != nil {
				return nil, err
			}
			if n == b {
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fieldErr("seeds", "lists no seed; write seeds like 1-30 or 3,8,20")
	}
	return out, nil
}

func parseSeed(s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || n > exercises.MaxSeed {
		return 0, fieldErr("seeds", "must hold whole numbers from 0 to %d (single seeds or ranges like 1-30)", uint64(exercises.MaxSeed))
	}
	return n, nil
}

// Sheets lays a request out: one sheet per seed, each with every exercise
// at that seed.
func (r Request) Sheets() []Sheet {
	out := make([]Sheet, 0, len(r.Seeds))
	for _, seed := range r.Seeds {
		sh := Sheet{Title: r.Title}
		for _, id := range r.Exercises {
			sh.Items = append(sh.Items, Item{ExerciseID: id, Seed: seed})
		}
		out = append(out, sh)
	}
	return out
}

// CheckItem is one exercise named by a sheet's check link.
type CheckItem = Item

// MaxCheckItems bounds the items of one check link.
const MaxCheckItems = MaxItems

// VersionLookup finds an exercise at a version, "" being the current one
// (exercises.Catalog.LookupVersion fits).
type VersionLookup func(id, version string) (*exercises.Exercise, bool)

// versionPattern is an authored exercise's version: the first 16 hex
// digits of its file's SHA-256.
var versionPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// CheckQuery is the query of a sheet's check link: one "i" field per item,
// "exercise:seed" or "exercise:seed:part,part", the exercise written
// "exercise@version" when the item is pinned to an authored version, so
// the link opens the numbers printed even after the file changes.
func CheckQuery(items []Item) url.Values {
	q := url.Values{}
	for _, it := range items {
		id := it.ExerciseID
		if it.ExerciseVersion != "" {
			id += "@" + it.ExerciseVersion
		}
		v := id + ":" + strconv.FormatUint(it.Seed, 10)
		if len(it.Parts) > 0 {
			v += ":" + strings.Join(it.Parts, ",")
		}
		q.Add("i", v)
	}
	return q
}

// ParseCheckQuery reads a check link's items back, validating each against
// the catalog (exercise and its version, seed and part IDs).
func ParseCheckQuery(q url.Values, lookup VersionLookup) ([]Item, error) {
	vals := q["i"]
	if len(vals) == 0 {
		return nil, fieldErr("i", "names no exercise; the link on a worksheet carries one i=exercise:seed per exercise")
	}
	if len(vals) > MaxCheckItems {
		return nil, fieldErr("i", "names more than %d exercises", MaxCheckItems)
	}
	out := make([]Item, 0, len(vals))
	for _, v := range vals {
		if len(v) > 512 {
			return nil, fieldErr("i", "has an entry longer than 512 bytes")
		}
		id, rest, ok := strings.Cut(v, ":")
		if !ok {
			return nil, fieldErr("i", "has %q; write exercise:seed", clip(v, 64))
		}
		id, version, pinned := strings.Cut(id, "@")
		if pinned && !versionPattern.MatchString(version) {
			return nil, fieldErr("i", "has the version %q; a version is 16 hexadecimal digits (0-9, a-f)", clip(version, 24))
		}
		ex, found := lookup(id, version)
		if !found {
			if pinned {
				return nil, fieldErr("i", "has %q at version %s, which this server does not have: the sheet was printed from a version of the file "+
					"that is neither loaded nor kept in the database", clip(id, 64), version)
			}
			return nil, fieldErr("i", "has %q, which is not an exercise", clip(id, 64))
		}
		seedText, partsText, _ := strings.Cut(rest, ":")
		seed, err := strconv.ParseUint(seedText, 10, 64)
		if err != nil || seed > exercises.MaxSeed {
			return nil, fieldErr("i", "has the seed %q; seeds are whole numbers from 0 to %d", clip(seedText, 24), uint64(exercises.MaxSeed))
		}
		it := Item{ExerciseID: ex.ID, ExerciseVersion: ex.Version, Seed: seed}
		if partsText != "" {
			v, err := ex.Variant(seed)
			if err != nil {
				return nil, fieldErr("i", "has a variant that cannot be built: %v", err)
			}
			known := map[string]bool{}
			for _, p := range v.Parts {
				known[p.ID] = true
			}
			for _, p := range strings.Split(partsText, ",") {
				if !known[p] {
					return nil, fieldErr("i", "has %q, which is not a part of %s", clip(p, 64), ex.ID)
				}
				it.Parts = append(it.Parts, p)
			}
		}
		out = append(out, it)
	}
	return out, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Student is a roster entry a sheet is printed for.
type Student struct {
	ID   int64
	Name string
}

// AssignmentItem is an assignment's item as printing needs it.
type AssignmentItem struct {
	ExerciseID string
	// ExerciseVersion is the item's authored version ("" for built-ins).
	ExerciseVersion string
	Parts           []string
	// SeedFor gives the seed of this item for a learner.
	SeedFor func(learnerID int64) uint64
}

// BatchSize is how many students' sheets of an assignment with n items
// print in one response (MaxItemInstances variants at most).
func BatchSize(n int) int {
	if n < 1 {
		n = 1
	}
	return max(1, min(MaxSheets, MaxItemInstances/n))
}

// ForRoster lays an assignment out for a roster, one sheet per student
// titled with the student's name, batch by batch: batch is 1-based and
// the result says how many batches there are.
func ForRoster(title string, items []AssignmentItem, students []Student, batch int) (sheets []Sheet, batches int, err error) {
	if len(items) == 0 {
		return nil, 0, fieldErr("assignment", "has no items to print")
	}
	if len(items) > MaxItemInstances {
		return nil, 0, fieldErr("assignment", "has more than %d items", MaxItemInstances)
	}
	size := BatchSize(len(items))
	batches = max(1, (len(students)+size-1)/size)
	if batch < 1 || batch > batches {
		return nil, batches, fieldErr("batch", "must be from 1 to %d", batches)
	}
	lo := (batch - 1) * size
	hi := min(len(students), lo+size)
	for _, st := range students[lo:hi] {
		sh := Sheet{Title: title, Student: st.Name}
		for _, it := range items {
			sh.Items = append(sh.Items, Item{ExerciseID: it.ExerciseID, ExerciseVersion: it.ExerciseVersion, Seed: it.SeedFor(st.ID), Parts: it.Parts})
		}
		sheets = append(sheets, sh)
	}
	return sheets, batches, nil
}

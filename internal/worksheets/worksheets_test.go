package worksheets

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

var catalog = exercises.NewCatalog()

func TestParseSeeds(t *testing.T) {
	cases := []struct {
		in   string
		want []uint64
		err  string
	}{
		{"", []uint64{0}, ""},
		{"0", []uint64{0}, ""},
		{"1-3", []uint64{1, 2, 3}, ""},
		{" 3, 8 ,20-22", []uint64{3, 8, 20, 21, 22}, ""},
		{"5-5", []uint64{5}, ""},
		{"1-200", nil, ""},
		{"0-200", nil, "more than 200 sheets"},
		{"1-150,200-260", nil, "more than 200 sheets"},
		{"3-1", nil, "runs backwards"},
		{"1,1", nil, "twice"},
		{"1-3,2", nil, "twice"},
		{"x", nil, "whole numbers"},
		{"-1", nil, "whole numbers"},
		{"9007199254740992", nil, "whole numbers"},
		{"9007199254740991", []uint64{9007199254740991}, ""},
		{",", nil, "lists no seed"},
		{strings.Repeat("1,", 40), nil, "longer than 64"},
	}
	for _, tc := range cases {
		got, err := ParseSeeds(tc.in)
		if tc.err != "" {
			var fe *FieldError
			if err == nil || !errors.As(err, &fe) || fe.Field != "seeds" || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSeeds(%q) error %v, want seeds error containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSeeds(%q): %v", tc.in, err)
			continue
		}
		if tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("ParseSeeds(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if tc.in == "1-200" && len(got) != 200 {
			t.Errorf("1-200 gave %d seeds", len(got))
		}
	}
}

func TestParseRequest(t *testing.T) {
	cases := []struct {
		query string
		field string
		check func(t *testing.T, r Request)
	}{
		{"ex=conv-by-hand&seeds=1-3", "", func(t *testing.T, r Request) {
			if len(r.Sheets()) != 3 || r.Paper != PaperA4 || r.Sheets()[2].Items[0].Seed != 3 {
				t.Errorf("got %+v", r)
			}
		}},
		{"ex=conv-by-hand,cnn-shape-table&ex=rnn-forward&seeds=7&paper=Letter&title=Quiz+2", "", func(t *testing.T, r Request) {
			sh := r.Sheets()
			if len(sh) != 1 || len(sh[0].Items) != 3 || r.Paper != PaperLetter || r.Title != "Quiz 2" || sh[0].Items[1].ExerciseID != "cnn-shape-table" {
				t.Errorf("got %+v", r)
			}
		}},
		{"seeds=1", "ex", nil},
		{"ex=nope", "ex", nil},
		{"ex=conv-by-hand&paper=a3", "paper", nil},
		{"ex=conv-by-hand&seeds=1-200&ex=rnn-forward&ex=rnn-shapes", "seeds", nil}, // 600 variants
		{"ex=conv-by-hand&title=" + url.QueryEscape("a\x00b"), "title", nil},
		{"ex=conv-by-hand&title=" + strings.Repeat("t", 121), "title", nil},
		{"ex=" + strings.Repeat("conv-by-hand,", 21), "ex", nil},
	}
	for _, tc := range cases {
		q, _ := url.ParseQuery(tc.query)
		r, err := ParseRequest(q, catalog.Lookup)
		if tc.field != "" {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("%s: error %v, want one naming %q", tc.query, err, tc.field)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		tc.check(t, r)
	}
}

func TestCheckQueryRoundTrip(t *testing.T) {
	items := []Item{{ExerciseID: "conv-by-hand", Seed: 17, Parts: []string{"dims", "cell"}}, {ExerciseID: "rnn-forward", Seed: 0}}
	got, err := ParseCheckQuery(CheckQuery(items), catalog.LookupVersion)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Seed != 17 || !slices.Equal(got[0].Parts, []string{"dims", "cell"}) || got[1].ExerciseID != "rnn-forward" || got[1].Parts != nil {
		t.Errorf("round trip gave %+v", got)
	}
	for _, bad := range []string{"", "i=conv-by-hand", "i=nope:1", "i=conv-by-hand:x", "i=conv-by-hand:1:nopart", "i=conv-by-hand:9007199254740992"} {
		q, _ := url.ParseQuery(bad)
		var fe *FieldError
		if _, err := ParseCheckQuery(q, catalog.LookupVersion); !errors.As(err, &fe) || fe.Field != "i" {
			t.Errorf("%q: error %v, want one naming i", bad, err)
		}
	}
}

func TestForRosterBatches(t *testing.T) {
	items := []AssignmentItem{
		{ExerciseID: "conv-by-hand", SeedFor: func(id int64) uint64 { return uint64(100 + id) }},
		{ExerciseID: "rnn-forward", Parts: []string{"h-1"}, SeedFor: func(int64) uint64 { return 5 }},
	}
	var students []Student
	for i := range 450 {
		students = append(students, Student{ID: int64(i + 1), Name: "Student " + string(rune('A'+i%26))})
	}
	size := BatchSize(len(items)) // 200 sheets of 2 items
	if size != 200 {
		t.Fatalf("batch size %d, want 200", size)
	}
	sheets, batches, err := ForRoster("HW 3", items, students, 3)
	if err != nil {
		t.Fatal(err)
	}
	if batches != 3 || len(sheets) != 50 {
		t.Fatalf("batch 3 of %d has %d sheets, want 3 batches and 50 sheets", batches, len(sheets))
	}
	first := sheets[0]
	if first.Student != students[400].Name || first.Items[0].Seed != 100+401 || first.Items[1].Seed != 5 || first.Items[1].Parts[0] != "h-1" || first.Title != "HW 3" {
		t.Errorf("first sheet of batch 3: %+v", first)
	}
	if _, _, err := ForRoster("HW 3", items, students, 4); err == nil {
		t.Error("batch 4 of 3 accepted")
	}
	if _, _, err := ForRoster("HW 3", nil, students, 1); err == nil {
		t.Error("an assignment with no items accepted")
	}
	if BatchSize(MaxItemInstances*2) != 1 {
		t.Error("a huge assignment must still print one sheet per batch")
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"ex=conv-by-hand&seeds=1-30", "ex=a,b&seeds=3,8,20-22&paper=letter", "seeds=-", "ex=rnn-forward&seeds=0-199&title=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, err := ParseRequest(q, catalog.Lookup)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if n := len(r.Seeds) * len(r.Exercises); n == 0 || n > MaxItemInstances || len(r.Seeds) > MaxSheets {
			t.Fatalf("request of %d variants passed", n)
		}
	})
}

func FuzzParseCheckQuery(f *testing.F) {
	f.Add("i=conv-by-hand:17:dims,cell&i=rnn-forward:0")
	f.Add("i=cnn-shape-table:9007199254740991")
	f.Add("i=conv-by-hand@0123456789abcdef:3")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		items, err := ParseCheckQuery(q, catalog.LookupVersion)
		if err != nil {
			return
		}
		if len(items) == 0 || len(items) > MaxCheckItems {
			t.Fatalf("%d items passed", len(items))
		}
		again, err := ParseCheckQuery(CheckQuery(items), catalog.LookupVersion)
		if err != nil || len(again) != len(items) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// TestCheckQueryPinsVersion: an item printed from an authored version
// links to that version, which the link still names after the exercise's
// file changes; a version the server does not have, or a malformed one,
// is refused naming the field.
func TestCheckQueryPinsVersion(t *testing.T) {
	cat := exercises.NewCatalog()
	base, _ := cat.Lookup("conv-output-size")
	authored := func(version string) *exercises.Exercise {
		e, err := exercises.NewAuthored(exercises.Meta{ID: "size-week2", Title: "Size", Version: version},
			func(seed uint64, _ *rand.Rand) (*exercises.Variant, error) { return base.Variant(seed) })
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	const v1, v2 = "0123456789abcdef", "fedcba9876543210"
	if err := cat.SetAuthored([]*exercises.Exercise{authored(v1)}); err != nil {
		t.Fatal(err)
	}
	items := []Item{{ExerciseID: "size-week2", ExerciseVersion: v1, Seed: 4}, {ExerciseID: "conv-by-hand", Seed: 2}}
	q := CheckQuery(items)
	if got := q["i"]; got[0] != "size-week2@"+v1+":4" || got[1] != "conv-by-hand:2" {
		t.Fatalf("query %v", got)
	}
	// The file changes: the link still names, and finds, the printed version.
	if err := cat.SetAuthored([]*exercises.Exercise{authored(v2)}); err != nil {
		t.Fatal(err)
	}
	got, err := ParseCheckQuery(q, cat.LookupVersion)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ExerciseVersion != v1 || got[1].ExerciseVersion != "" || got[0].Seed != 4 {
		t.Fatalf("parsed %+v", got)
	}
	// A link without a version opens the current one.
	got, err = ParseCheckQuery(url.Values{"i": {"size-week2:4"}}, cat.LookupVersion)
	if err != nil || got[0].ExerciseVersion != v2 {
		t.Fatalf("unpinned: %+v, %v", got, err)
	}
	for _, bad := range []string{"size-week2@0000000000000000:4", "size-week2@XYZ:4", "size-week2@:4", "conv-by-hand@" + v1 + ":1"} {
		var fe *FieldError
		if _, err := ParseCheckQuery(url.Values{"i": {bad}}, cat.LookupVersion); !errors.As(err, &fe) || fe.Field != "i" {
			t.Errorf("%q: error %v, want one naming i", bad, err)
		}
	}
}

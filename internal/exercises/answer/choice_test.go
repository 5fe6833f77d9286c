package answer

import (
	"slices"
	"strings"
	"testing"
)

func TestParseChoice(t *testing.T) {
	opts := []string{"a", "b", "c", "d"}
	valid := []struct {
		in     string
		want   []string
		readAs string
	}{
		{"a", []string{"a"}, "read as option a"},
		{"c,a", []string{"a", "c"}, "read as options a, c"},
		{"c, a", []string{"a", "c"}, "read as options a, c"},
		{"c a", []string{"a", "c"}, "read as options a, c"},
		{"c\na\n", []string{"a", "c"}, "read as options a, c"},
		{"d;b", []string{"b", "d"}, "read as options b, d"},
		{"a,a,A", []string{"a"}, "read as option a"},
		{" B ", []string{"b"}, "read as option b"},
		{",,a,,", []string{"a"}, "read as option a"},
		{"d c b a", []string{"a", "b", "c", "d"}, "read as options a, b, c, d"},
	}
	for _, c := range valid {
		got, err := ParseChoice(c.in, opts)
		if err != nil {
			t.Errorf("ParseChoice(%q): unexpected error %v", c.in, err)
			continue
		}
		if !slices.Equal(got.Selected, c.want) {
			t.Errorf("ParseChoice(%q) = %q, want %q", c.in, got.Selected, c.want)
		}
		if got.ReadAs() != c.readAs {
			t.Errorf("ParseChoice(%q).ReadAs() = %q, want %q", c.in, got.ReadAs(), c.readAs)
		}
	}
	invalid := []struct {
		in, msg string
	}{
		{"", "no option"},
		{" , ", "no option"},
		{"e", `unknown option "e" at position 1; choose from a, b, c, d`},
		{"a, e", `unknown option "e" at position 4`},
		{"ab", `unknown option "ab"`},
		{strings.Repeat("a,", MaxInputBytes), "too long"},
	}
	for _, c := range invalid {
		_, err := ParseChoice(c.in, opts)
		if err == nil {
			t.Errorf("ParseChoice(%q): expected an error", c.in)
			continue
		}
		wantParseError(t, c.in, err, c.msg)
	}
	// Case decides between options that differ only by case.
	cased := []string{"x", "X", "Yes"}
	if got, err := ParseChoice("X x yes", cased); err != nil || !slices.Equal(got.Selected, []string{"x", "X", "Yes"}) {
		t.Errorf("cased options: %v %v", got.Selected, err)
	}
	if _, err := ParseChoice("Ab", []string{"AB", "ab"}); err == nil {
		t.Error(`"Ab" matches two options ignoring case and should be rejected`)
	}
	if _, err := ParseChoice("a", nil); err == nil || !strings.Contains(err.Error(), "setup") {
		t.Errorf("no options: %v", err)
	}
	many := make([]string, 20)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	_, err := ParseChoice("z", many)
	if pe := wantParseError(t, "z", err, "…"); !strings.Contains(pe.Expected, "…") {
		t.Errorf("long option lists should be shortened: %q", pe.Expected)
	}
	if (Choice{}).ReadAs() != "read as no option" {
		t.Error("empty Choice ReadAs")
	}
}

func TestParseErrorText(t *testing.T) {
	e := &ParseError{Message: "unexpected character '$'", Expected: "a whole number", Pos: 3}
	if e.Error() != "unexpected character '$'; expected a whole number" {
		t.Errorf("Error() = %q", e.Error())
	}
	if (&ParseError{Message: "m", Pos: -1}).Error() != "m" {
		t.Error("Error() without Expected")
	}
	var nilErr *ParseError
	if nilErr.Error() != "<nil>" {
		t.Error("nil ParseError")
	}
}

package answer

import (
	"slices"
	"strings"
	"testing"
)

func TestParseMatrix(t *testing.T) {
	m22 := [][]float64{{1, 2}, {3, 4}}
	valid := []struct {
		in     string
		want   [][]float64
		readAs string
	}{
		{"1 2; 3 4", m22, "read as a 2×2 matrix"},
		{"1, 2\n3, 4", m22, "read as a 2×2 matrix"},
		{"1,2\r\n3,4\r\n", m22, "read as a 2×2 matrix"},
		{"[[1, 2], [3, 4]]", m22, "read as a 2×2 matrix"},
		{"[[1,2],[3,4]]", m22, "read as a 2×2 matrix"},
		{"[ [1, 2],\n  [3, 4], ]", m22, "read as a 2×2 matrix"},
		{"[[1 2]\n [3 4]]", m22, "read as a 2×2 matrix"},
		{"[1 2; 3 4]", m22, "read as a 2×2 matrix"},
		{"[1, 2; 3, 4;]", m22, "read as a 2×2 matrix"},
		{"[1 2]\n[3 4]", m22, "read as a 2×2 matrix"},
		{"1 2;\n3 4;", m22, "read as a 2×2 matrix"},
		{"1, 2,\n3, 4,\n\n", m22, "read as a 2×2 matrix"},
		{"\n\n1 2\n\n3 4\n", m22, "read as a 2×2 matrix"},
		{"1\t2\n3\t4", m22, "read as a 2×2 matrix"},
		{"−1 -2.5 +3\n1/2 .25 1e-2", [][]float64{{-1, -2.5, 3}, {0.5, 0.25, 0.01}}, "read as a 2×3 matrix"},
		{"1 0 0\n0 1 0\n0 0 1", [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, "read as a 3×3 matrix"},
		{"[1, 2, 3]", [][]float64{{1, 2, 3}}, "read as a 1×3 matrix"},
		{"5", [][]float64{{5}}, "read as a 1×1 matrix"},
		{"1;2;3", [][]float64{{1}, {2}, {3}}, "read as a 3×1 matrix"},
		{"-1/3 2", [][]float64{{-1.0 / 3, 2}}, "read as a 1×2 matrix"},
	}
	for _, c := range valid {
		got, err := ParseMatrix(c.in)
		if err != nil {
			t.Errorf("ParseMatrix(%q): unexpected error %v", c.in, err)
			continue
		}
		if !slices.EqualFunc(got.Rows, c.want, slices.Equal[[]float64]) {
			t.Errorf("ParseMatrix(%q) = %v, want %v", c.in, got.Rows, c.want)
		}
		if got.ReadAs() != c.readAs {
			t.Errorf("ParseMatrix(%q).ReadAs() = %q, want %q", c.in, got.ReadAs(), c.readAs)
		}
	}
	invalid := []struct {
		in, msg string
	}{
		{"", "empty"},
		{" \n ; ", "no entries"},
		{"[]", "no entries"},
		{"[[]]", "empty"},
		{"1 2; 3", "row 2 has 1 entry but row 1 has 2"},
		{"1 2\n3 4 5", "row 2 has 3 entries but row 1 has 2"},
		{"[[1, 2], [3, 4, 5]]", "row 2 has 3 entries but row 1 has 2"},
		{"1,,2", "empty entry"},
		{", 1", "empty entry"},
		{"1 a", `row 1, entry 2: "a" is not a number`},
		{"1 - 2", "must be attached"},
		{"1/0 1", "denominator is 0"},
		{"[[1, 2], [3, 4]", "never closed"},
		{"[[1, 2], 3, 4]", "expected '['"},
		{"[[1, [2]], [3, 4]]", "too many brackets"},
		{"[[1, 2], [3, 4", "never closed"},
		{"1 2] 3", "unexpected bracket"},
		{"1e99 2", "too large"},
		{strings.Repeat("1 ", 65), "more than 64 entries"},
		{strings.Repeat("1;", 65), "more than 64 rows"},
		{strings.Repeat("[1]", 65), "more than 64 rows"},
		{strings.Repeat("1", MaxInputBytes+1), "too long"},
	}
	for _, c := range invalid {
		_, err := ParseMatrix(c.in)
		if err == nil {
			t.Errorf("ParseMatrix(%q): expected an error", c.in)
			continue
		}
		pe := wantParseError(t, c.in, err, c.msg)
		if pe.Expected != expectMatrix {
			t.Errorf("ParseMatrix(%q): Expected = %q", c.in, pe.Expected)
		}
	}
	// The ragged-row error points at the offending row.
	_, err := ParseMatrix("1 2\n3 4 5")
	if pe := wantParseError(t, "1 2\n3 4 5", err, ""); pe.Pos != 4 {
		t.Errorf("Pos = %d, want 4", pe.Pos)
	}
	// A 64×64 matrix fits in the input limit only with one-byte entries and
	// separators, which is 8191 bytes, so the row and column bounds are
	// exercised separately above; check the largest square that fits.
	row := strings.TrimSpace(strings.Repeat("1 ", 45))
	big := strings.Repeat(row+"\n", 45)
	if m, err := ParseMatrix(big); err != nil || m.ReadAs() != "read as a 45×45 matrix" {
		t.Errorf("45×45: %v %v", m.ReadAs(), err)
	}
	if (Matrix{}).ReadAs() != "read as a 0×0 matrix" {
		t.Error("zero Matrix ReadAs")
	}
}

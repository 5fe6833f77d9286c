package textfmt

import "testing"

func TestUpperFirst(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"recitation numbers", "Recitation numbers"},
		{"Already", "Already"},
		{"7 students", "7 students"},
		{"x", "X"},
		// A first letter outside ASCII: the byte-wise version this
		// replaces turned its first byte into U+FFFD.
		{"élève", "Élève"},
		{"ßtraße", "ßtraße"}, // no single-rune upper case: unchanged
		{"\xffinvalid", "\xffinvalid"},
	} {
		if got := UpperFirst(tc.in); got != tc.want {
			t.Errorf("UpperFirst(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

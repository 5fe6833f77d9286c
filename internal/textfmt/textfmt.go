// Package textfmt holds small helpers for the wording of messages and
// labels shared by the web pages and the LTI client.
package textfmt

import (
	"unicode"
	"unicode/utf8"
)

// UpperFirst returns s with its first character in upper case, as at the
// start of a sentence: "recitation numbers" becomes "Recitation numbers".
// It works on the first rune, so a label starting with a letter outside
// ASCII ("élève") is capitalised and never cut inside its UTF-8 encoding.
func UpperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError && n == 1 {
		return s
	}
	u := unicode.ToUpper(r)
	if u == r {
		return s
	}
	return string(u) + s[n:]
}

package answer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on student input. They keep every parser's time and memory small
// and predictable whatever is pasted into a form field.
const (
	// MaxInputBytes is the longest answer, in bytes, that any parser accepts.
	MaxInputBytes = 4096
	// MaxMatrixRows is the largest number of rows ParseMatrix accepts.
	MaxMatrixRows = 64
	// MaxMatrixCols is the largest number of columns ParseMatrix accepts.
	MaxMatrixCols = 64
	// MaxShapeDims is the largest number of dimensions a shape may have.
	MaxShapeDims = 8
	// MaxDecimalExponent bounds |e| in scientific notation such as 2.5e-2.
	MaxDecimalExponent = 30
	// MaxFormulaDepth bounds the nesting of brackets, signs and powers in a
	// formula.
	MaxFormulaDepth = 64
	// MaxFormulaTokens bounds the number of tokens in a formula.
	MaxFormulaTokens = 512
	// MaxPower is the largest exponent Expr.Eval computes.
	MaxPower = 64
	// MaxValueBits bounds the size (numerator plus denominator bits) of any
	// intermediate value during Expr.Eval.
	MaxValueBits = 4096
	// MaxDim is the largest single dimension a numeric shape may have.
	MaxDim = 1<<31 - 1
)

// ParseError describes why an answer could not be read. Message and Expected
// are written for students and may be displayed directly.
type ParseError struct {
	Message  string // what went wrong, e.g. "unexpected character '$'"
	Expected string // what we expected, e.g. "a whole number, with or without thousands separators"
	Pos      int    // byte offset of the problem in the original input, or -1

	// limit is set when the input was rejected only for exceeding a size
	// bound; fuzz tests use it to tell "too big" from "malformed".
	limit bool
}

// Error returns the message followed by what was expected.
func (e *ParseError) Error() string {
	if e == nil {
		return "<nil>"
	}
	if e.Expected == "" {
		return e.Message
	}
	return e.Message + "; expected " + e.Expected
}

// perr builds a ParseError; it exists to keep call sites short.
func perr(pos int, expected, format string, args ...any) *ParseError {
	return &ParseError{Message: fmt.Sprintf(format, args...), Expected: expected, Pos: pos}
}

// limitErr builds a ParseError for an input that is too large.
func limitErr(pos int, expected, format string, args ...any) *ParseError {
	e := perr(pos, expected, format, args...)
	e.limit = true
	return e
}

// checkInput applies the checks shared by every parser: a size bound (so no
// parser does unbounded work) and valid UTF-8 (so byte offsets and rune
// decoding agree).
func checkInput(s, expected string) *ParseError {
	if len(s) > MaxInputBytes {
		return limitErr(-1, expected, "the answer is too long (%d bytes; at most %d allowed)", len(s), MaxInputBytes)
	}
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return perr(i, expected, "the answer contains a character that is not valid text at position %d", column(s, i))
			}
			i += n
		}
	}
	return nil
}

// isSpace reports whether r is white space, including the non-breaking and
// thin spaces that word processors insert into numbers.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u2009' || r == '\u202f' || r == '\u00a0' || r == '\u200b' || r == '\ufeff'
}

// trimSpan trims white space from s[start:end] and returns the new bounds, so
// that callers can keep reporting byte offsets into the original input.
func trimSpan(s string, start, end int) (int, int) {
	for start < end {
		r, n := utf8.DecodeRuneInString(s[start:end])
		if !isSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !isSpace(r) {
			break
		}
		end -= n
	}
	return start, end
}

// column converts a byte offset into a 1-based character count, which is what
// a student sees when counting along their answer.
func column(s string, pos int) int {
	if pos < 0 {
		return 0
	}
	if pos > len(s) {
		pos = len(s)
	}
	return utf8.RuneCountInString(s[:pos]) + 1
}

// quoteRune shows a character in an error message; invisible characters are
// shown by code point so the student can tell what they pasted.
func quoteRune(r rune) string {
	if isSpace(r) || !unicode.IsPrint(r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return "'" + string(r) + "'"
}

// unexpectedAt reports the character at byte offset i of s as unexpected.
func unexpectedAt(s string, i int, expected string) *ParseError {
	if i >= len(s) {
		return perr(len(s), expected, "the answer ends too early")
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return perr(i, expected, "unexpected character %s at position %d", quoteRune(r), column(s, i))
}

// shorten cuts long student text before it is quoted in a message.
func shorten(s string) string {
	const max = 24
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String() + "…"
}

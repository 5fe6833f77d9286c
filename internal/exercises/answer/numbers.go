package answer

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Texts for ParseError.Expected, shared so that every error for one kind of
// answer tells the student the same thing.
const (
	expectInteger = "a whole number, with or without thousands separators"
	expectNumber  = "a number: a decimal, a fraction a/b, a percentage or scientific notation"
)

// Integer is a whole-number answer.
type Integer struct {
	Value int64
}

// ReadAs says how the answer was understood, e.g. "read as 10416".
func (n Integer) ReadAs() string {
	// Appended in a buffer on the stack: one allocation, the result's
	// (a varied check echoes an integer per part).
	var b [len("read as -9223372036854775808")]byte
	return string(strconv.AppendInt(append(b[:0], "read as "...), n.Value, 10))
}

// Number is a rational answer: a decimal, a fraction, scientific notation or
// a percentage, kept exact.
type Number struct {
	Value   *big.Rat // the number as written: "2.57%" gives 2.57
	Percent bool     // the answer ended with '%'
	Text    string   // the answer with surrounding white space removed
}

// Fraction returns the value the answer stands for: Value/100 for a
// percentage (so "2.57%" gives 0.0257) and Value otherwise. The result is a
// fresh copy that the caller may modify.
func (n Number) Fraction() *big.Rat {
	r := new(big.Rat)
	if n.Value != nil {
		r.Set(n.Value)
	}
	if n.Percent {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r
}

// Float returns Fraction as the nearest float64, for graders that compare
// with a tolerance. A percentage is therefore already divided by 100:
// "2.57%" gives 0.0257.
func (n Number) Float() float64 {
	f, _ := n.Fraction().Float64()
	return f
}

// ReadAs says how the answer was understood, e.g. "read as 2.57 %" or
// "read as 1/3 (about 0.3333)".
func (n Number) ReadAs() string {
	v := n.Value
	if v == nil {
		v = new(big.Rat)
	}
	pct := ""
	if n.Percent {
		pct = " %"
	}
	exact, approx := ratText(v)
	if approx != "" {
		return "read as " + exact + pct + " (about " + approx + pct + ")"
	}
	return "read as " + exact + pct
}

// ratText renders r for a student: exactly when that is short (integers,
// terminating decimals, small fractions), otherwise as an approximation.
// The second result, when non-empty, is a decimal approximation to show
// alongside an exact fraction.
func ratText(r *big.Rat) (exact, approx string) {
	const maxDigits = 40
	f, _ := r.Float64()
	if r.IsInt() {
		s := r.Num().String()
		if len(s) <= maxDigits {
			return s, ""
		}
		return "about " + strconv.FormatFloat(f, 'g', 6, 64), ""
	}
	if d, ok := decimalDigits(r.Denom()); ok && d <= 20 {
		s := r.FloatString(d)
		if len(s) <= maxDigits {
			return s, ""
		}
	}
	num, den := r.Num().String(), r.Denom().String()
	if len(num)+len(den) <= 24 {
		return num + "/" + den, strconv.FormatFloat(f, 'g', 4, 64)
	}
	return "about " + strconv.FormatFloat(f, 'g', 6, 64), ""
}

// decimalDigits reports whether 1/den has a terminating decimal expansion
// and, if so, how many digits after the point it needs.
func decimalDigits(den *big.Int) (int, bool) {
	d := new(big.Int).Set(den)
	two, five, zero := big.NewInt(2), big.NewInt(5), new(big.Int)
	var m big.Int
	a, b := 0, 0
	for d.Cmp(big.NewInt(1)) > 0 {
		if m.Mod(d, two); m.Cmp(zero) == 0 {
			d.Quo(d, two)
			a++
		} else if m.Mod(d, five); m.Cmp(zero) == 0 {
			d.Quo(d, five)
			b++
		} else {
			return 0, false
		}
		if a > 4096 || b > 4096 {
			return 0, false
		}
	}
	return max(a, b), true
}

// sepKind is a kind of thousands separator. A number must use one kind
// throughout, so "1,000 000" is rejected rather than guessed at.
type sepKind int

const (
	sepNone sepKind = iota
	sepComma
	sepSpace
	sepUnderscore
)

func (k sepKind) name() string {
	switch k {
	case sepComma:
		return "comma"
	case sepSpace:
		return "space"
	case sepUnderscore:
		return "underscore"
	}
	return "separator"
}

func sepOf(r rune) sepKind {
	switch r {
	case ',':
		return sepComma
	case '_':
		return sepUnderscore
	case ' ', '\u00a0', '\u2009', '\u202f':
		return sepSpace
	}
	return sepNone
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// groupedDigits is an unsigned run of digits, possibly with thousands
// separators, as found by scanGrouped.
type groupedDigits struct {
	digits string  // the digits with separators removed
	end    int     // byte offset just past the last digit
	seps   int     // how many separators were used
	kind   sepKind // which kind of separator, if any
}

// scanGrouped reads digits starting at s[i]. With allowSep, a single comma,
// space (including thin and non-breaking spaces) or underscore between digits
// is a thousands separator, and then the groups must be valid: 1 to 3 leading
// digits, then groups of exactly three. A separator not followed by a digit
// ends the number instead, so "12 %" and "2 × 10" still work.
func scanGrouped(s string, i int, allowSep bool, expected string) (groupedDigits, *ParseError) {
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	g := groupedDigits{digits: s[start:i], end: i}
	if i == start || !allowSep {
		return g, nil
	}
	first := i - start
	// The digits are copied without their separators only once a
	// separator is taken: most answers ("-22", the "3" of "3x3") have none
	// and then digits is a slice of s, with nothing allocated.
	var b strings.Builder
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		k := sepOf(r)
		if k == sepNone {
			break
		}
		j := i + n
		if j >= len(s) || !isDigit(s[j]) {
			break
		}
		e := j
		for e < len(s) && isDigit(s[e]) {
			e++
		}
		text := s[start:e]
		if g.kind != sepNone && k != g.kind {
			return g, perr(i, expected, "%q mixes a %s and a %s as thousands separators; use one kind", shorten(text), g.kind.name(), k.name())
		}
		if g.seps == 0 {
			if s[start] == '0' {
				return g, perr(start, expected, "%q is ambiguous: for a decimal write %s.%s, and a whole number should not start with 0", shorten(text), s[start:i], s[j:e])
			}
			if first > 3 {
				return g, perr(i, expected, "%q: with thousands separators, at most 3 digits may come before the first %s", shorten(text), k.name())
			}
		}
		if e-j != 3 {
			if k == sepComma && g.seps == 0 && (e >= len(s) || s[e] != ',') {
				return g, perr(i, expected, "%q: a comma between digits is read as a thousands separator, so it must be followed by exactly three digits; for a decimal, write %s.%s", shorten(text), s[start:i], s[j:e])
			}
			return g, perr(i, expected, "%q: digits after a thousands %s must come in groups of three", shorten(text), k.name())
		}
		if g.seps == 0 {
			b.WriteString(s[start:i])
		}
		g.kind = k
		g.seps++
		b.WriteString(s[j:e])
		i = e
	}
	if g.seps > 0 {
		g.digits = b.String()
	}
	g.end = i
	return g, nil
}

// signAt reads an optional sign at s[i]. The Unicode minus sign is accepted
// because it is what maths fonts and many copy-pastes produce.
func signAt(s string, i int) (neg bool, end int) {
	if i < len(s) {
		switch {
		case s[i] == '+':
			return false, i + 1
		case s[i] == '-':
			return true, i + 1
		case strings.HasPrefix(s[i:], "−"):
			return true, i + len("−")
		}
	}
	return false, i
}

// skipSpaces returns the first offset at or after i (and before end) that is
// not white space.
func skipSpaces(s string, i, end int) int {
	for i < end {
		r, n := utf8.DecodeRuneInString(s[i:end])
		if !isSpace(r) {
			break
		}
		i += n
	}
	return i
}

// unsignedDecimal reads "123", "1,234.5", ".5" or "5." at s[i]. ok is false
// when there is no number there at all.
func unsignedDecimal(s string, i, end int, allowSep bool, expected string) (v *big.Rat, next int, ok bool, err *ParseError) {
	g, err := scanGrouped(s[:end], i, allowSep, expected)
	if err != nil {
		return nil, i, false, err
	}
	intDigits, frac := g.digits, ""
	j := g.end
	if j < end && s[j] == '.' && (intDigits != "" || (j+1 < end && isDigit(s[j+1]))) {
		k := j + 1
		for k < end && isDigit(s[k]) {
			k++
		}
		frac = s[j+1 : k]
		j = k
	}
	if intDigits == "" && frac == "" {
		return nil, i, false, nil
	}
	if intDigits == "" {
		intDigits = "0"
	}
	if frac == "" {
		frac = "0"
	}
	v, good := new(big.Rat).SetString(intDigits + "." + frac)
	if !good {
		return nil, i, false, perr(i, expected, "could not read the number at position %d", column(s, i))
	}
	return v, j, true, nil
}

// superDigit maps the superscript digits ⁰-⁹ to their values.
func superDigit(r rune) (int, bool) {
	switch r {
	case '⁰':
		return 0, true
	case '¹':
		return 1, true
	case '²':
		return 2, true
	case '³':
		return 3, true
	case '⁴':
		return 4, true
	case '⁵':
		return 5, true
	case '⁶':
		return 6, true
	case '⁷':
		return 7, true
	case '⁸':
		return 8, true
	case '⁹':
		return 9, true
	}
	return 0, false
}

// exponentAt reads a signed power of ten written with ASCII digits
// ("-2", "+3", "−2") or with superscripts ("⁻²"), and rejects absurd sizes
// before any big arithmetic happens.
func exponentAt(s string, i, end int, expected string) (int, int, *ParseError) {
	start := i
	neg, j := signAt(s[:end], i)
	super := false
	if j == i {
		switch {
		case strings.HasPrefix(s[i:end], "⁻"):
			neg, j, super = true, i+len("⁻"), true
		case strings.HasPrefix(s[i:end], "⁺"):
			j, super = i+len("⁺"), true
		default:
			r, _ := utf8.DecodeRuneInString(s[i:end])
			super = isSuperDigit(r)
		}
	}
	val, ndigits, significant := 0, 0, 0
	for j < end {
		var d int
		if super {
			r, n := utf8.DecodeRuneInString(s[j:end])
			sd, ok := superDigit(r)
			if !ok {
				break
			}
			d = sd
			j += n
		} else {
			if !isDigit(s[j]) {
				break
			}
			d = int(s[j] - '0')
			j++
		}
		ndigits++
		if val > 0 || d > 0 {
			significant++ // leading zeros, as in 1e-007, cost nothing
		}
		if significant > 3 {
			return 0, j, limitErr(start, expected, "the exponent at position %d is far too large (at most %d)", column(s, start), MaxDecimalExponent)
		}
		val = val*10 + d
	}
	if ndigits == 0 {
		return 0, j, perr(j, expected, "expected the digits of an exponent at position %d", column(s, j))
	}
	if val > MaxDecimalExponent {
		return 0, j, limitErr(start, expected, "the exponent %d is too large (at most %d)", val, MaxDecimalExponent)
	}
	if neg {
		val = -val
	}
	return val, j, nil
}

// pow10 returns 10^e as an exact rational.
func pow10(e int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(e))), nil)
	if e < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// numOpts selects which notations a number may use in a given context.
type numOpts struct {
	sep      bool // thousands separators
	spaces   bool // white space between the parts, as in "2.5 × 10^-2"
	percent  bool // a trailing '%'
	expected string
}

// isTimes reports whether r is a multiplication sign usable in "2.5×10^-2".
func isTimes(r rune) bool {
	switch r {
	case '×', 'x', 'X', '*', '·', '⋅', '∙':
		return true
	}
	return false
}

// parseNumberSpan reads one number filling s[start:end]: a signed decimal,
// optionally followed by a scientific exponent or a "/denominator", and
// optionally by '%'.
func parseNumberSpan(s string, start, end int, o numOpts) (*big.Rat, bool, *ParseError) {
	sp := func(i int) int {
		if o.spaces {
			return skipSpaces(s, i, end)
		}
		return i
	}
	if start >= end {
		return nil, false, perr(start, o.expected, "the answer is empty")
	}
	neg, i := signAt(s[:end], start)
	i = sp(i)
	mant, j, ok, err := unsignedDecimal(s, i, end, o.sep, o.expected)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		if i >= end {
			return nil, false, perr(i, o.expected, "expected digits after the sign")
		}
		return nil, false, unexpectedAt(s, i, o.expected)
	}
	mantText := s[i:j]
	i = j
	k := sp(i)
	if k < end {
		r, n := utf8.DecodeRuneInString(s[k:end])
		switch {
		case r == 'e' || r == 'E':
			e, next, err := exponentAt(s, sp(k+n), end, o.expected)
			if err != nil {
				return nil, false, err
			}
			mant.Mul(mant, pow10(e))
			i = next
		case isTimes(r):
			m := sp(k + n)
			if !strings.HasPrefix(s[m:end], "10") {
				return nil, false, perr(m, o.expected, "after %s we expected 10, as in 2.5×10^-2", quoteRune(r))
			}
			e, next, err := powerOfTen(s, m+2, end, sp, o.expected)
			if err != nil {
				return nil, false, err
			}
			mant.Mul(mant, pow10(e))
			i = next
		case (r == '^' || strings.HasPrefix(s[k:end], "**")) && mantText != "10":
			return nil, false, perr(k, o.expected, "only powers of ten can be written with ^, as in 10^-3 or 2.5×10^-3")
		case mantText == "10" && (r == '^' || strings.HasPrefix(s[k:end], "**") || (k == i && (r == '⁻' || r == '⁺' || isSuperDigit(r)))):
			e, next, err := powerOfTen(s, k, end, sp, o.expected)
			if err != nil {
				return nil, false, err
			}
			mant = pow10(e)
			i = next
		case r == '/':
			m := sp(k + n)
			den, next, ok, err := unsignedDecimal(s, m, end, o.sep, o.expected)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				if m < end && (s[m] == '-' || s[m] == '+' || strings.HasPrefix(s[m:end], "−")) {
					return nil, false, perr(m, o.expected, "put the sign in front of the fraction, as in -2/7")
				}
				return nil, false, perr(m, o.expected, "expected a denominator after '/' at position %d", column(s, k))
			}
			if den.Sign() == 0 {
				return nil, false, perr(m, o.expected, "the denominator is 0, and dividing by zero has no value")
			}
			mant.Quo(mant, den)
			i = next
		}
	}
	percent := false
	k = sp(i)
	if o.percent && k < end && s[k] == '%' {
		percent = true
		i = k + 1
	}
	i = sp(i)
	if i < end {
		return nil, false, unexpectedAt(s, i, o.expected)
	}
	if neg {
		mant.Neg(mant)
	}
	return mant, percent, nil
}

func isSuperDigit(r rune) bool {
	_, ok := superDigit(r)
	return ok
}

// powerOfTen reads the "^-2", "**3" or "⁻²" that follows a 10.
func powerOfTen(s string, i, end int, sp func(int) int, expected string) (int, int, *ParseError) {
	switch {
	case strings.HasPrefix(s[i:end], "**"):
		i = sp(i + 2)
	case strings.HasPrefix(s[i:end], "^"):
		i = sp(i + 1)
	default:
		r, _ := utf8.DecodeRuneInString(s[i:end])
		if !(r == '⁻' || r == '⁺' || isSuperDigit(r)) {
			return 0, i, perr(i, expected, "expected a power after 10, as in 10^-2")
		}
	}
	return exponentAt(s, i, end, expected)
}

// ParseInteger reads a whole number such as "10416", "10,416", "10 416",
// "10_416" or "−5". Thousands separators must form groups of three digits.
// Decimals, even "10416.0", are rejected so that a student who typed a
// non-integer learns the answer is expected to be whole.
func ParseInteger(s string) (Integer, error) {
	if err := checkInput(s, expectInteger); err != nil {
		return Integer{}, err
	}
	start, end := trimSpan(s, 0, len(s))
	if start == end {
		return Integer{}, perr(-1, expectInteger, "the answer is empty")
	}
	neg, i := signAt(s[:end], start)
	i = skipSpaces(s, i, end)
	g, err := scanGrouped(s[:end], i, true, expectInteger)
	if err != nil {
		return Integer{}, err
	}
	if g.digits == "" {
		if i >= end {
			return Integer{}, perr(i, expectInteger, "expected digits after the sign")
		}
		if s[i] == '.' {
			return Integer{}, perr(i, expectInteger, "%q is not a whole number", shorten(s[start:end]))
		}
		return Integer{}, unexpectedAt(s, i, expectInteger)
	}
	if j := g.end; j < end {
		switch s[j] {
		case '.':
			return Integer{}, perr(j, expectInteger, "%q has a decimal point, but the answer is a whole number (write it without a decimal part)", shorten(s[start:end]))
		case 'e', 'E', '/', '%':
			return Integer{}, perr(j, expectInteger, "%q is not written as a whole number", shorten(s[start:end]))
		}
		return Integer{}, unexpectedAt(s, j, expectInteger)
	}
	v, ok := digitsInt64(g.digits, neg)
	if !ok {
		return Integer{}, limitErr(start, expectInteger, "%q is too large", shorten(s[start:end]))
	}
	return Integer{Value: v}, nil
}

// digitsInt64 is the value of digits (ASCII digits only, at least one, as
// scanGrouped returns them), negated when neg, and whether it fits an
// int64. It is what big.Int's SetString, Neg and IsInt64 said before,
// without the two allocations per answer that made (a varied check reads
// an integer per part).
func digitsInt64(digits string, neg bool) (int64, bool) {
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // -9223372036854775808 fits
	}
	var u uint64
	for i := 0; i < len(digits); i++ {
		d := uint64(digits[i] - '0')
		if u > (limit-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if neg {
		return -int64(u), true // for u = 1<<63 this wraps to MinInt64, as wanted
	}
	return int64(u), true
}

// ParseNumber reads a decimal ("0.0257", ".5", "-3.25", "10,416.5"), a
// fraction ("1/3", "-2/7"), scientific notation ("2.5e-2", "2.5E+3",
// "2.5×10^-2", "2.5·10⁻²", "10^-3") or a percentage ("2.57%"). Exponents are
// limited to ±MaxDecimalExponent. The value is exact.
func ParseNumber(s string) (Number, error) {
	if err := checkInput(s, expectNumber); err != nil {
		return Number{}, err
	}
	start, end := trimSpan(s, 0, len(s))
	if start == end {
		return Number{}, perr(-1, expectNumber, "the answer is empty")
	}
	v, pct, err := parseNumberSpan(s, start, end, numOpts{sep: true, spaces: true, percent: true, expected: expectNumber})
	if err != nil {
		return Number{}, err
	}
	return Number{Value: v, Percent: pct, Text: s[start:end]}, nil
}

// ratToFloat converts an exact value to float64, refusing values a float64
// cannot hold.
func ratToFloat(r *big.Rat) (float64, error) {
	f, _ := r.Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("too large")
	}
	return f, nil
}

package answer

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

const expectShape = "a shape written C@H×W, as sizes joined by × or x, as a tuple in brackets, or as one length"

// ShapeForm records which notation a shape was written in, so feedback can
// echo the student's own style.
type ShapeForm int

// The notations ParseShape understands.
const (
	// ShapeFlat is a single number: "3072", "3,072", "(3072,)" or "[3072]".
	ShapeFlat ShapeForm = iota
	// ShapeTuple is a comma-separated list: "(12, 48, 48)", "[12, 48, 48]"
	// or "12, 48, 48".
	ShapeTuple
	// ShapeTimes is a product-like list: "12 x 48 x 48", "12×48×48" or
	// "12*48*48".
	ShapeTimes
	// ShapeAt is the channels-at-size notation used in CNN diagrams:
	// "12@48x48".
	ShapeAt
)

// String names the form, for logs and tests.
func (f ShapeForm) String() string {
	switch f {
	case ShapeFlat:
		return "flat"
	case ShapeTuple:
		return "tuple"
	case ShapeTimes:
		return "times"
	case ShapeAt:
		return "at"
	}
	return "ShapeForm(" + strconv.Itoa(int(f)) + ")"
}

// Shape is a tensor shape with concrete, positive dimensions.
type Shape struct {
	Dims []int
	Form ShapeForm
}

// Equal reports whether the shape has exactly the given dimensions.
func (s Shape) Equal(dims []int) bool {
	if len(s.Dims) != len(dims) {
		return false
	}
	for i := range dims {
		if s.Dims[i] != dims[i] {
			return false
		}
	}
	return true
}

// ReadAs says how the shape was understood. Three dimensions are read the
// CNN way, as channels of height×width, because that is what the shape
// tables in the exercises ask for.
func (s Shape) ReadAs() string {
	parts := make([]string, len(s.Dims))
	for i, d := range s.Dims {
		parts[i] = strconv.Itoa(d)
	}
	switch len(s.Dims) {
	case 0:
		return "read as an empty shape"
	case 1:
		return "read as a flat vector of " + parts[0]
	case 2:
		return "read as " + parts[0] + "×" + parts[1]
	case 3:
		unit := "channels"
		if s.Dims[0] == 1 {
			unit = "channel"
		}
		return "read as " + parts[0] + " " + unit + " of " + parts[1] + "×" + parts[2]
	}
	return "read as a " + strings.Join(parts, "×") + " tensor"
}

// isShapeTimes reports whether r separates dimensions in "12×48×48".
func isShapeTimes(r rune) bool {
	switch r {
	case 'x', 'X', '×', '*':
		return true
	}
	return false
}

// ParseShape reads a concrete tensor shape in any of the notations listed
// under ShapeForm.
//
// Commas are ambiguous between thousands separators and dimension
// separators. The rule is: a whole answer that is one number with a single
// valid thousands separator ("3,072", "3 072") is a flat size; anything in
// brackets, or with more than one comma, is a list of dimensions. A
// dimension may not start with 0, so "(3,072)" is rejected instead of being
// read as 3×72.
func ParseShape(s string) (Shape, error) {
	if err := checkInput(s, expectShape); err != nil {
		return Shape{}, err
	}
	start, end := trimSpan(s, 0, len(s))
	if start == end {
		return Shape{}, perr(-1, expectShape, "the answer is empty")
	}
	t := s[:end]
	// One grouped number, e.g. "3,072": a flat size.
	if g, err := scanGrouped(t, start, true, expectShape); err == nil && g.end == end && g.digits != "" && g.seps <= 1 {
		d, err := dimValue(s, start, end, g.digits)
		if err != nil {
			return Shape{}, err
		}
		return Shape{Dims: []int{d}, Form: ShapeFlat}, nil
	}
	if at := strings.IndexByte(t[start:], '@'); at >= 0 {
		at += start
		if strings.IndexByte(t[at+1:], '@') >= 0 {
			return Shape{}, perr(at, expectShape, "a shape has at most one '@'")
		}
		ls, le := trimSpan(s, start, at)
		c, err := parseDim(s, ls, le)
		if err != nil {
			return Shape{}, err
		}
		rs, re := trimSpan(s, at+1, end)
		rest, _, err := splitDims(s, rs, re, false)
		if err != nil {
			return Shape{}, err
		}
		if len(rest)+1 > MaxShapeDims {
			return Shape{}, limitErr(start, expectShape, "a shape may have at most %d dimensions", MaxShapeDims)
		}
		return Shape{Dims: append([]int{c}, rest...), Form: ShapeAt}, nil
	}
	if open := t[start]; open == '(' || open == '[' {
		closer := byte(')')
		if open == '[' {
			closer = ']'
		}
		if t[end-1] != closer {
			return Shape{}, perr(end-1, expectShape, "the '%c' at position %d is never closed with '%c'", open, column(s, start), closer)
		}
		is, ie := trimSpan(s, start+1, end-1)
		if is == ie {
			return Shape{}, perr(start, expectShape, "the brackets are empty")
		}
		dims, form, err := splitDims(s, is, ie, true)
		if err != nil {
			return Shape{}, err
		}
		return Shape{Dims: dims, Form: form}, nil
	}
	dims, form, err := splitDims(s, start, end, true)
	if err != nil {
		return Shape{}, err
	}
	return Shape{Dims: dims, Form: form}, nil
}

// splitDims parses s[start:end] as dimensions separated either by commas
// (a tuple; one trailing comma allowed, as in Python's "(3072,)") or by
// ×-like signs. A single dimension is a flat shape.
func splitDims(s string, start, end int, allowComma bool) ([]int, ShapeForm, *ParseError) {
	hasComma, hasTimes := false, false
	for _, r := range s[start:end] {
		if r == ',' {
			hasComma = true
		} else if isShapeTimes(r) {
			hasTimes = true
		}
	}
	if hasComma && hasTimes {
		return nil, 0, perr(start, expectShape, "use either commas or × between dimensions, not both")
	}
	if hasComma && !allowComma {
		return nil, 0, perr(start, expectShape, "after '@' separate height and width with ×")
	}
	var dims []int
	pieceStart := start
	form := ShapeFlat
	for i := start; i <= end; {
		r, n := rune(0), 1
		if i < end {
			r, n = utf8.DecodeRuneInString(s[i:end])
		}
		if i == end || r == ',' || isShapeTimes(r) {
			ps, pe := trimSpan(s, pieceStart, i)
			if ps == pe {
				if i == end && hasComma && len(dims) > 0 {
					break // trailing comma, as in "(3072,)"
				}
				return nil, 0, perr(ps, expectShape, "a dimension is missing at position %d", column(s, ps))
			}
			if len(dims) == MaxShapeDims {
				return nil, 0, limitErr(ps, expectShape, "a shape may have at most %d dimensions", MaxShapeDims)
			}
			d, err := parseDim(s, ps, pe)
			if err != nil {
				return nil, 0, err
			}
			dims = append(dims, d)
			if i < end {
				if r == ',' {
					form = ShapeTuple
				} else {
					form = ShapeTimes
				}
			}
			pieceStart = i + n
		}
		i += n
	}
	if len(dims) == 1 {
		form = ShapeFlat
	}
	return dims, form, nil
}

// parseDim reads one dimension filling s[start:end]: a positive whole number
// with no sign and no leading zero.
func parseDim(s string, start, end int) (int, *ParseError) {
	i := start
	for i < end && isDigit(s[i]) {
		i++
	}
	if i == start {
		return 0, unexpectedAt(s, start, expectShape)
	}
	if i < end {
		r, _ := utf8.DecodeRuneInString(s[i:end])
		if isSpace(r) {
			return 0, perr(i, expectShape, "separate dimensions with × or commas (found a space at position %d)", column(s, i))
		}
		if r == '.' {
			return 0, perr(i, expectShape, "dimensions are whole numbers; found %q", shorten(s[start:end]))
		}
		return 0, unexpectedAt(s, i, expectShape)
	}
	return dimValue(s, start, end, s[start:end])
}

// dimValue checks the digits of one dimension.
func dimValue(s string, start, end int, digits string) (int, *ParseError) {
	if digits[0] == '0' {
		if digits == "0" {
			return 0, perr(start, expectShape, "a dimension must be at least 1, not 0")
		}
		return 0, perr(start, expectShape, "the dimension %q starts with 0; inside brackets or lists commas separate dimensions, so write each size without a comma", shorten(s[start:end]))
	}
	if len(digits) > 10 {
		return 0, limitErr(start, expectShape, "the dimension %q is too large", shorten(s[start:end]))
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v > MaxDim {
		return 0, limitErr(start, expectShape, "the dimension %q is too large", shorten(s[start:end]))
	}
	return int(v), nil
}

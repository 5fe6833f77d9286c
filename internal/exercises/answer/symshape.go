package answer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SymbolicShape is a shape whose dimensions are formulas, such as
// d_model × d_k.
type SymbolicShape struct {
	Dims []*Expr
}

// ReadAs says how the shape was understood, e.g. "read as d_model × d_k".
func (s SymbolicShape) ReadAs() string {
	parts := make([]string, len(s.Dims))
	for i, d := range s.Dims {
		parts[i] = d.String()
		if d != nil && d.prec() < 5 {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	switch len(parts) {
	case 0:
		return "read as an empty shape"
	case 1:
		return "read as a flat vector of " + parts[0]
	}
	return "read as " + strings.Join(parts, " × ")
}

// Equivalent reports whether both shapes have the same number of dimensions
// and each pair of dimensions is Equivalent over the domain.
func (s SymbolicShape) Equivalent(t SymbolicShape, vars []Variable, d Domain) bool {
	if len(s.Dims) != len(t.Dims) {
		return false
	}
	for i := range s.Dims {
		if !Equivalent(s.Dims[i], t.Dims[i], vars, d) {
			return false
		}
	}
	return true
}

const expectSymShape = "a shape written rows × columns, as a tuple in brackets, or as rows by columns"

// symSep is a dimension separator found at the top level of a symbolic
// shape.
type symSep struct {
	start, end int
	comma      bool
}

// ParseSymbolicShape reads a shape whose dimensions are formulas over vars:
// "d_model x d_k", "d_model × d_k", "(d_model, d_k)", "[d_model, d_k]" or
// "d_model by d_k".
//
// Dimensions are split only outside brackets, on ',' or '×', on the word
// "by" between spaces, and on 'x'/'X' when it stands between spaces or
// directly follows a number or a closing bracket (as in "3x4" or "(h)x(d)")
// and no variable is spelled x. '*' never separates dimensions: in a shape
// it is read as multiplication inside one dimension, so "d_k*h" is a single
// dimension. To multiply with × inside a dimension, bracket it:
// "(3 × d_k) × d_model".
func ParseSymbolicShape(s string, vars []Variable) (SymbolicShape, error) {
	return NewFormulas(vars).ParseShape(s)
}

// ParseShape reads s as ParseSymbolicShape(s, vars) does.
func (f *Formulas) ParseShape(s string) (SymbolicShape, error) {
	if f.err != nil {
		return SymbolicShape{}, f.err
	}
	r := f.r
	if err := checkInput(s, expectSymShape); err != nil {
		return SymbolicShape{}, err
	}
	start, end := trimSpan(s, 0, len(s))
	if start == end {
		return SymbolicShape{}, perr(-1, expectSymShape, "the answer is empty")
	}
	// "(d_model, d_k)": drop the outer brackets when they wrap everything.
	if c := s[start]; (c == '(' || c == '[') && matchingClose(s, start, end) == end-1 {
		start, end = trimSpan(s, start+1, end-1)
		if start == end {
			return SymbolicShape{}, perr(start, expectSymShape, "the brackets are empty")
		}
	}
	seps, serr := topLevelSeps(s, start, end, r.lookup("x") >= 0 || r.lookup("X") >= 0)
	if serr != nil {
		return SymbolicShape{}, serr
	}
	var dims []*Expr
	nodes := 0
	pieceStart := start
	for k := 0; k <= len(seps); k++ {
		pieceEnd := end
		if k < len(seps) {
			pieceEnd = seps[k].start
		}
		ps, pe := trimSpan(s, pieceStart, pieceEnd)
		if ps == pe {
			if k == len(seps) && k > 0 && seps[k-1].comma {
				break // trailing comma, as in "(d_model,)"
			}
			return SymbolicShape{}, perr(ps, expectSymShape, "a dimension is missing at position %d", column(s, ps))
		}
		if len(dims) == MaxShapeDims {
			return SymbolicShape{}, limitErr(ps, expectSymShape, "a shape may have at most %d dimensions", MaxShapeDims)
		}
		e, ferr := parseFormulaSpan(s, ps, pe, r)
		if ferr != nil {
			return SymbolicShape{}, ferr
		}
		dims = append(dims, e)
		// Each dimension is within the formula bounds; together they are
		// too, so that a shape costs no more to check than one formula.
		if nodes += e.nodeCount(); nodes > MaxFormulaNodes {
			return SymbolicShape{}, limitErr(ps, expectSymShape, "the shape is too complex to check: it has more than %d numbers, names and operations", MaxFormulaNodes)
		}
		if k < len(seps) {
			pieceStart = seps[k].end
		}
	}
	return SymbolicShape{Dims: dims}, nil
}

// matchingClose returns the offset of the bracket closing the one at
// s[open], or -1.
func matchingClose(s string, open, end int) int {
	depth := 0
	for i := open; i < end; i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// topLevelSeps finds the dimension separators outside brackets.
func topLevelSeps(s string, start, end int, xIsVar bool) ([]symSep, *ParseError) {
	var seps []symSep
	depth := 0
	pieceStart := start // where the current dimension began
	hasComma, hasTimes := false, false
	for i := start; i < end; {
		c, n := utf8.DecodeRuneInString(s[i:end])
		switch c {
		case '(', '[', '⌊', '⌈', '{':
			depth++
		case ')', ']', '⌋', '⌉', '}':
			depth--
		}
		if depth == 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[start:i])
			nextR, _ := utf8.DecodeRuneInString(s[i+n : end])
			spaced := i > start && i+n < end && isSpace(prev) && isSpace(nextR)
			// A lone x at either end, as in "d_model x", is a separator
			// with a dimension missing, unless x is a variable.
			alone := (i == start || isSpace(prev)) && (i+n == end || isSpace(nextR)) && end-start > n
			sep := false
			switch {
			case c == ',':
				sep, hasComma = true, true
			case c == '×':
				sep = true
			case c == 'x' || c == 'X':
				sep = spaced || (!xIsVar && (alone || (i+n < end && (prev == ')' || prev == ']' || afterNumber(s, pieceStart, i)))))
			case (c == 'b' || c == 'B') && i > start && i+2 < end && strings.EqualFold(s[i:i+2], "by"):
				after, _ := utf8.DecodeRuneInString(s[i+2 : end])
				if isSpace(prev) && isSpace(after) {
					sep, n = true, 2
				}
			}
			if sep {
				if c != ',' {
					hasTimes = true
				}
				if len(seps) > MaxShapeDims {
					return nil, limitErr(i, expectSymShape, "a shape may have at most %d dimensions", MaxShapeDims)
				}
				seps = append(seps, symSep{start: i, end: i + n, comma: c == ','})
				pieceStart = i + n
			}
		}
		i += n
	}
	if hasComma && hasTimes {
		return nil, perr(start, expectSymShape, "use either commas or × between dimensions, not both")
	}
	return seps, nil
}

// afterNumber reports whether s[i] directly follows a number (not the end of
// a name such as W_2), so that "3x4" splits but "W_2x" does not.
func afterNumber(s string, start, i int) bool {
	j := i
	for j > start && (isDigit(s[j-1]) || s[j-1] == '.') {
		j--
	}
	if j == i {
		return false
	}
	if j == start {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[start:j])
	return !(isNameRune(r) || unicode.IsLetter(r))
}

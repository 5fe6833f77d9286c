package answer

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

const expectMatrix = "a matrix written one row per line or with rows separated by semicolons, with the same number of entries in every row"

// Matrix is a rectangular matrix answer.
type Matrix struct {
	Rows [][]float64
}

// ReadAs says how the matrix was understood, e.g. "read as a 3×3 matrix".
func (m Matrix) ReadAs() string {
	cols := 0
	if len(m.Rows) > 0 {
		cols = len(m.Rows[0])
	}
	return "read as a " + strconv.Itoa(len(m.Rows)) + "×" + strconv.Itoa(cols) + " matrix"
}

// span is a region s[start:end] of the input.
type span struct{ start, end int }

// ParseMatrix reads a matrix written as rows separated by newlines or
// semicolons with entries separated by commas and/or spaces ("1 2; 3 4",
// "1, 2\n3, 4"), MATLAB style ("[1 2; 3 4]"), or as nested lists
// ("[[1, 2], [3, 4]]", also NumPy's "[[1 2]\n [3 4]]"). Entries may use
// the Unicode minus, decimals, fractions ("1/2") and scientific notation;
// thousands separators are not allowed because commas separate entries.
// Blank rows and trailing separators are ignored.
func ParseMatrix(s string) (Matrix, error) {
	if err := checkInput(s, expectMatrix); err != nil {
		return Matrix{}, err
	}
	start, end := trimSpan(s, 0, len(s))
	if start == end {
		return Matrix{}, perr(-1, expectMatrix, "the answer is empty")
	}
	var rows []span
	var err *ParseError
	if s[start] == '[' {
		rows, err = bracketRows(s, start, end)
	} else {
		rows, err = plainRows(s, start, end)
	}
	if err != nil {
		return Matrix{}, err
	}
	if len(rows) == 0 {
		return Matrix{}, perr(start, expectMatrix, "the matrix has no entries")
	}
	if len(rows) > MaxMatrixRows {
		return Matrix{}, limitErr(rows[MaxMatrixRows].start, expectMatrix, "the matrix has more than %d rows", MaxMatrixRows)
	}
	m := Matrix{Rows: make([][]float64, 0, len(rows))}
	for k, r := range rows {
		row, err := parseRow(s, r, k+1)
		if err != nil {
			return Matrix{}, err
		}
		if k > 0 && len(row) != len(m.Rows[0]) {
			return Matrix{}, perr(r.start, expectMatrix, "row %d has %d %s but row 1 has %d", k+1, len(row), plural(len(row), "entry", "entries"), len(m.Rows[0]))
		}
		m.Rows = append(m.Rows, row)
	}
	return m, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// plainRows splits s[start:end] into rows at newlines and semicolons,
// dropping rows that are blank.
func plainRows(s string, start, end int) ([]span, *ParseError) {
	var rows []span
	rowStart := start
	for i := start; i <= end; i++ {
		if i < end && s[i] != '\n' && s[i] != ';' && s[i] != '\r' {
			if s[i] == '[' || s[i] == ']' {
				return nil, perr(i, expectMatrix, "unexpected bracket at position %d; write rows as [[1, 2], [3, 4]] or 1 2; 3 4", column(s, i))
			}
			continue
		}
		rs, re := trimSpan(s, rowStart, i)
		for re > rs && s[re-1] == ',' { // "1, 2," — a trailing comma
			re--
			rs, re = trimSpan(s, rs, re)
		}
		if rs < re {
			if len(rows) == MaxMatrixRows {
				return nil, limitErr(rs, expectMatrix, "the matrix has more than %d rows", MaxMatrixRows)
			}
			rows = append(rows, span{rs, re})
		}
		rowStart = i + 1
	}
	return rows, nil
}

// bracketRows handles answers starting with '[': nested lists
// "[[1, 2], [3, 4]]", a MATLAB matrix "[1 2; 3 4]", or bracketed rows
// without an outer pair, "[1 2]\n[3 4]".
func bracketRows(s string, start, end int) ([]span, *ParseError) {
	inner := skipSpaces(s, start+1, end)
	if inner < end && s[inner] == '[' {
		if s[end-1] != ']' {
			return nil, perr(end-1, expectMatrix, "the outer '[' at position %d is never closed", column(s, start))
		}
		return rowLists(s, start+1, end-1)
	}
	if c := strings.IndexByte(s[start:end], ']'); c >= 0 && start+c == end-1 {
		return plainRows(s, start+1, end-1)
	}
	return rowLists(s, start, end)
}

// rowLists reads a sequence of bracketed rows "[1, 2], [3, 4]" separated by
// commas, semicolons or white space.
func rowLists(s string, start, end int) ([]span, *ParseError) {
	var rows []span
	i := start
	for {
		for i < end {
			r, n := utf8.DecodeRuneInString(s[i:end])
			if !(isSpace(r) || r == ',' || r == ';') {
				break
			}
			i += n
		}
		if i >= end {
			return rows, nil
		}
		if s[i] != '[' {
			return nil, perr(i, expectMatrix, "expected '[' to start row %d at position %d", len(rows)+1, column(s, i))
		}
		c := strings.IndexAny(s[i+1:end], "[]")
		if c < 0 || s[i+1+c] != ']' {
			if c >= 0 {
				return nil, perr(i+1+c, expectMatrix, "too many brackets at position %d; a matrix has only rows of numbers", column(s, i+1+c))
			}
			return nil, perr(i, expectMatrix, "the '[' of row %d at position %d is never closed", len(rows)+1, column(s, i))
		}
		closeAt := i + 1 + c
		rs, re := trimSpan(s, i+1, closeAt)
		for re > rs && s[re-1] == ',' {
			re--
			rs, re = trimSpan(s, rs, re)
		}
		if rs == re {
			return nil, perr(i, expectMatrix, "row %d at position %d is empty", len(rows)+1, column(s, i))
		}
		if len(rows) == MaxMatrixRows {
			return nil, limitErr(i, expectMatrix, "the matrix has more than %d rows", MaxMatrixRows)
		}
		rows = append(rows, span{rs, re})
		i = closeAt + 1
	}
}

// parseRow reads the entries of one row; entries are separated by commas
// and/or white space.
func parseRow(s string, r span, rowNum int) ([]float64, *ParseError) {
	var row []float64
	i := r.start
	afterComma := false
	for i < r.end {
		c, n := utf8.DecodeRuneInString(s[i:r.end])
		if isSpace(c) {
			i += n
			continue
		}
		if c == ',' {
			if afterComma || len(row) == 0 {
				return nil, perr(i, expectMatrix, "row %d has an empty entry at position %d (two commas in a row?)", rowNum, column(s, i))
			}
			afterComma = true
			i++
			continue
		}
		j := i
		for j < r.end {
			c2, m := utf8.DecodeRuneInString(s[j:r.end])
			if isSpace(c2) || c2 == ',' {
				break
			}
			j += m
		}
		if len(row) == MaxMatrixCols {
			return nil, limitErr(i, expectMatrix, "row %d has more than %d entries", rowNum, MaxMatrixCols)
		}
		v, _, err := parseNumberSpan(s, i, j, numOpts{expected: expectMatrix})
		if err != nil {
			if s[i:j] == "-" || s[i:j] == "+" || s[i:j] == "−" {
				return nil, perr(i, expectMatrix, "row %d: a sign at position %d must be attached to its number, as in -3", rowNum, column(s, i))
			}
			return nil, perr(i, expectMatrix, "row %d, entry %d: %q is not a number (%s)", rowNum, len(row)+1, shorten(s[i:j]), err.Message)
		}
		f, ferr := ratToFloat(v)
		if ferr != nil {
			return nil, limitErr(i, expectMatrix, "row %d, entry %d is too large", rowNum, len(row)+1)
		}
		row = append(row, f)
		afterComma = false
		i = j
	}
	return row, nil
}

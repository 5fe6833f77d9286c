package web

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The check API's response is encoded by hand: with encoding/json, escaping
// the worked solutions' HTML (every '<' becomes \u003c) was about 30 % of a
// check's CPU. Each solution is encoded once, when it is memoized (see
// solutionHTML), and the response around it is appended without
// reflection. The output is byte for byte what encoding/json's Encoder
// writes for the same checkResponse with HTML escaping off
// (TestCheckResponseEncoding compares them): '<', '>' and '&' go out as
// they are. Escaping them only matters for JSON pasted into an HTML page;
// this is an application/json response sent with nosniff, which no browser
// renders as HTML, and the escapes made a check with its worked solutions
// more than twice as long (9.4 KB instead of 4.2 KB for conv-by-hand), to
// be copied, sent and compressed on every check.

// errUnencodable reports a NaN or infinite score, which encoding/json also
// refuses.
var errUnencodable = errors.New("json: unsupported value: NaN or infinite score")

// appendCheckResponse appends out as encoding/json's Encoder with HTML
// escaping off writes it, newline included.
func appendCheckResponse(b []byte, out *checkResponse) ([]byte, error) {
	var err error
	b = append(b, `{"parts":`...)
	if out.Parts == nil {
		b = append(b, "null"...)
	} else {
		ids := make([]string, 0, len(out.Parts))
		for id := range out.Parts {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		b = append(b, '{')
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, id)
			b = append(b, ':')
			vd := out.Parts[id]
			if b, err = appendVerdict(b, &vd); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return appendCheckTotals(b, out.Score, out.Max, out.Correct, out.Carried, out.ScoreText)
}

// appendCheckTotals appends the fields of checkResponse after parts, and
// the closing brace and newline.
func appendCheckTotals(b []byte, score float64, maxScore, correct, carried int, scoreText string) ([]byte, error) {
	var err error
	b = append(b, `,"score":`...)
	if b, err = appendScore(b, score); err != nil {
		return nil, err
	}
	b = append(b, `,"max":`...)
	b = strconv.AppendInt(b, int64(maxScore), 10)
	b = append(b, `,"correct":`...)
	b = strconv.AppendInt(b, int64(correct), 10)
	b = append(b, `,"carried":`...)
	b = strconv.AppendInt(b, int64(carried), 10)
	b = append(b, `,"score_text":`...)
	b = appendJSONString(b, scoreText)
	return append(b, '}', '\n'), nil
}

// appendVerdict appends one verdictJSON, fields in declaration order and
// omitempty fields left out when empty, as encoding/json does.
func appendVerdict(b []byte, v *verdictJSON) ([]byte, error) {
	b = append(b, `{"status":`...)
	b = appendJSONString(b, v.Status)
	b = append(b, `,"feedback":`...)
	b = appendJSONString(b, v.Feedback)
	b = append(b, `,"feedback_html":`...)
	b = appendJSONString(b, v.FeedbackHTML)
	b = append(b, `,"read_as":`...)
	b = appendJSONString(b, v.ReadAs)
	b = append(b, `,"read_as_html":`...)
	b = appendJSONString(b, v.ReadAsHTML)
	if v.Mistake != "" {
		b = append(b, `,"mistake":`...)
		b = appendJSONString(b, v.Mistake)
	}
	if len(v.Mistakes) > 0 {
		b = append(b, `,"mistakes":[`...)
		for i, m := range v.Mistakes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m)
		}
		b = append(b, ']')
	}
	if v.Consistent {
		b = append(b, `,"consistent":true`...)
	}
	if len(v.WrongCells) > 0 {
		b = append(b, `,"wrong_cells":[`...)
		for i, c := range v.WrongCells {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(c[0]), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(c[1]), 10)
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	if v.ShowCellStep != nil {
		b = append(b, `,"show_cell_step":`...)
		b = strconv.AppendInt(b, int64(*v.ShowCellStep), 10)
	}
	if v.Got != "" {
		b = append(b, `,"got":`...)
		b = appendJSONString(b, v.Got)
	}
	b = append(b, `,"score":`...)
	var err error
	if b, err = appendScore(b, v.Score); err != nil {
		return nil, err
	}
	b = append(b, `,"max":`...)
	b = strconv.AppendInt(b, int64(v.Max), 10)
	if v.Revealed {
		b = append(b, `,"revealed":true`...)
	}
	if v.SolutionHTML != "" {
		b = append(b, `,"solution_html":`...)
		// The memo's strings are shared, so this comparison is usually
		// of one pointer; a caller that changed SolutionHTML afterwards
		// gets it encoded here.
		if v.solution.json != nil && v.solution.html == v.SolutionHTML {
			b = append(b, v.solution.json...)
		} else {
			b = appendJSONString(b, v.SolutionHTML)
		}
	}
	if v.Unlock != "" {
		b = append(b, `,"unlock":`...)
		b = appendJSONString(b, v.Unlock)
	}
	if v.AttemptsLeft != nil {
		b = append(b, `,"attempts_left":`...)
		b = strconv.AppendInt(b, int64(*v.AttemptsLeft), 10)
	}
	return append(b, '}'), nil
}

// appendScore appends a score as encoding/json encodes a float64 (see
// appendJSONFloat), refusing NaN and infinities as it does.
func appendScore(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errUnencodable
	}
	return appendJSONFloat(b, f), nil
}

// jsonSafe marks the ASCII bytes encoding/json writes as they are with HTML
// escaping off: everything but control characters, '"' and '\\'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\` {
		t[c] = false
	}
	return t
}()

const lowerHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json
// does with HTML escaping off: control characters as short escapes or
// \u00XX, invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped (which
// encoding/json escapes either way).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', lowerHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// encodedBodies holds the buffers apiExerciseCheck encodes into.
var encodedBodies = sync.Pool{New: func() any { return new([]byte) }}

package web

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"sync"
	"unicode/utf8"
)

// A check request is small and always has the same shape, and it is the
// API's hottest route, so it is decoded by a small parser of exactly that
// shape instead of encoding/json's reflection (which was about 40 % of a
// check's handler time). The parser only accepts the plain form of the body:
// the keys spelled as documented, each at most once, unescaped strings of
// valid UTF-8, and a seed of decimal digits. Anything else, including every
// malformed body, goes to decodeJSON's path over the same bytes, so what is
// accepted and every error message stay those of encoding/json.

// checkBodies holds buffers for reading check bodies.
var checkBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer returned to checkBodies; a rare large
// body is not kept alive for later requests.
const maxPooledBody = 64 << 10

// decodeCheckRequest reads the body of a check request into req, accepting
// and rejecting exactly what decodeJSON would.
func decodeCheckRequest(r *http.Request, req *checkRequest) error {
	if err := checkJSONContentType(r); err != nil {
		return err
	}
	buf, readErr := readCheckBody(r)
	defer putCheckBody(buf)
	return decodeCheckBody(buf.Bytes(), readErr, req)
}

// readCheckBody reads r's body into a pooled buffer, to be given back with
// putCheckBody, and returns the error that ended the read, if any (such as
// the body limit's *http.MaxBytesError).
func readCheckBody(r *http.Request) (*bytes.Buffer, error) {
	if p, ok := r.Body.(*preReadBody); ok && p.buf != nil {
		// checkMemoFront read the start already.
		buf, readErr := p.buf, p.err
		p.buf = nil
		if readErr == nil && !p.whole {
			_, readErr = buf.ReadFrom(p.rest)
		}
		return buf, readErr
	}
	buf := checkBodies.Get().(*bytes.Buffer)
	buf.Reset()
	var readErr error
	if r.Body != nil {
		_, readErr = buf.ReadFrom(r.Body)
	}
	return buf, readErr
}

// putCheckBody gives back a buffer of readCheckBody.
func putCheckBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBody {
		checkBodies.Put(buf)
	}
}

// decodeCheckBody decodes the body b, whose read ended with readErr (nil at
// its end), into req as decodeJSON would have decoded it from the request.
func decodeCheckBody(b []byte, readErr error, req *checkRequest) error {
	if readErr == nil && parseCheckRequest(b, req) {
		return nil
	}
	// Replay the bytes read, and the error that ended the read, to the
	// general decoder, which then fails (or succeeds) as it would have
	// reading the body itself.
	var src io.Reader = bytes.NewReader(b)
	if readErr != nil {
		src = io.MultiReader(src, errorReader{readErr})
	}
	// The general decoder gets a request of its own, copied back: given
	// req, it would make every caller's request escape to the heap, the
	// common plain form's included.
	general := new(checkRequest)
	err := decodeJSONFrom(src, general)
	*req = *general
	return err
}

// errorReader returns its error on every read.
type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }

// parseCheckRequest parses the plain form of a check body into req and
// reports whether it could; on false, req holds partial results to discard.
func parseCheckRequest(b []byte, req *checkRequest) bool {
	p := checkParser{b: b}
	p.space()
	if !p.consume('{') {
		return false
	}
	p.space()
	if p.consume('}') {
		return p.end()
	}
	var seen [4]bool
	for {
		key, ok := p.str()
		if !ok {
			return false
		}
		p.space()
		if !p.consume(':') {
			return false
		}
		p.space()
		switch string(key) {
		case "seed":
			if seen[0] {
				return false
			}
			seen[0] = true
			n, ok := p.uint()
			if !ok {
				return false
			}
			req.Seed = &n
		case "answers":
			if seen[1] || !p.answers(req) {
				return false
			}
			seen[1] = true
		case "parts":
			if seen[2] || !p.strings(&req.Parts) {
				return false
			}
			seen[2] = true
		case "reveal":
			if seen[3] || !p.strings(&req.Reveal) {
				return false
			}
			seen[3] = true
		default:
			return false
		}
		p.space()
		if p.consume('}') {
			return p.end()
		}
		if !p.consume(',') {
			return false
		}
		p.space()
	}
}

type checkParser struct {
	b []byte
	i int
}

func (p *checkParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *checkParser) consume(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only whitespace follows.
func (p *checkParser) end() bool {
	p.space()
	return p.i == len(p.b)
}

// str reads a string without escapes or control characters, of valid
// UTF-8, and returns its contents (a slice of the body).
func (p *checkParser) str() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start := p.i
	ascii := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return nil, false
}

// uint reads a JSON integer that fits in a uint64: digits, no leading zero,
// followed by a delimiter (so fractions and exponents are left to the
// general decoder, which rejects them for a uint64).
func (p *checkParser) uint() (uint64, bool) {
	start := p.i
	var n uint64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		d := uint64(p.b[p.i] - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
		p.i++
	}
	digits := p.i - start
	if digits == 0 || (digits > 1 && p.b[start] == '0') {
		return 0, false
	}
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r', ',', '}':
		default:
			return 0, false
		}
	}
	return n, true
}

// answers reads an object of strings into req.Answers; a repeated key keeps
// its last value, as encoding/json does.
func (p *checkParser) answers(req *checkRequest) bool {
	if !p.consume('{') {
		return false
	}
	req.Answers = make(map[string]string, 4)
	p.space()
	if p.consume('}') {
		return true
	}
	for {
		k, ok := p.str()
		if !ok {
			return false
		}
		p.space()
		if !p.consume(':') {
			return false
		}
		p.space()
		v, ok := p.str()
		if !ok {
			return false
		}
		req.Answers[string(k)] = string(v)
		p.space()
		if p.consume('}') {
			return true
		}
		if !p.consume(',') {
			return false
		}
		p.space()
	}
}

// strings reads an array of strings into *dst.
func (p *checkParser) strings(dst *[]string) bool {
	if !p.consume('[') {
		return false
	}
	*dst = []string{}
	p.space()
	if p.consume(']') {
		return true
	}
	for {
		s, ok := p.str()
		if !ok {
			return false
		}
		*dst = append(*dst, string(s))
		p.space()
		if p.consume(']') {
			return true
		}
		if !p.consume(',') {
			return false
		}
		p.space()
	}
}

package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strings"
	"sync"
)

// MaxBodyBytes bounds every JSON request body (1 MiB). Larger bodies get 413.
const MaxBodyBytes = 1 << 20

// apiError is the body of every JSON error response. Field names the input
// the client should fix, in JSON-path form ("kernel", "layers[2].stride").
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	// Limit is the bound that was exceeded, when one was.
	Limit int64 `json:"limit,omitempty"`
}

// fieldError is a client error that names the offending field.
type fieldError struct {
	status int
	field  string
	msg    string
	limit  int64
}

func (e *fieldError) Error() string {
	if e.field == "" {
		return e.msg
	}
	return e.field + ": " + e.msg
}

func badRequest(field, format string, args ...any) *fieldError {
	return &fieldError{status: http.StatusBadRequest, field: field, msg: fmt.Sprintf(format, args...)}
}

// jsonBuffers holds the buffers writeJSON encodes into; writers copy what
// they are given, so a buffer is free again once written.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBody {
			jsonBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable type, NaN) gets here.
		http.Error(w, `{"error":"response could not be encoded"}`, http.StatusInternalServerError)
		return
	}
	setHeaders(w.Header(), "Content-Type", "application/json; charset=utf-8", "Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// Header values of JSON answers, shared between responses (see oneValue).
var (
	jsonContentTypeValue = oneValue("application/json; charset=utf-8")
	noStoreValue         = oneValue("no-store")
)

// setHeaders sets each header of kv (canonical name, value, name, value...)
// to its one value, as Header.Set would, but with one allocation for all
// the value slices instead of one each. Each slice is capped at its length,
// so a later Add copies instead of overwriting its neighbour.
func setHeaders(h http.Header, kv ...string) {
	vals := make([]string, len(kv)/2)
	for i := range vals {
		vals[i] = kv[2*i+1]
		h[kv[2*i]] = vals[i : i+1 : i+1]
	}
}

// writeClientError answers an error with the right status: *fieldError keeps
// its own; anything else is a plain 400.
func writeClientError(w http.ResponseWriter, err error) {
	var fe *fieldError
	if errors.As(err, &fe) {
		writeJSON(w, fe.status, apiError{Error: fe.msg, Field: fe.field, Limit: fe.limit})
		return
	}
	writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
}

// decodeJSON reads exactly one JSON object into dst. It rejects a wrong
// content type, unknown fields, trailing data and oversized bodies, and
// phrases each failure so that a person can fix the request.
func decodeJSON(r *http.Request, dst any) error {
	if err := checkJSONContentType(r); err != nil {
		return err
	}
	return decodeJSONFrom(r.Body, dst)
}

// decodeJSONFrom is decodeJSON after the content type check: it reads one
// JSON object from body into dst.
func decodeJSONFrom(body io.Reader, dst any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return describeDecodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(mbe.Limit)
		}
		return badRequest("body", "the body must hold exactly one JSON object, but more data follows it")
	}
	return nil
}

func tooLarge(limit int64) *fieldError {
	return &fieldError{status: http.StatusRequestEntityTooLarge, field: "body",
		msg: fmt.Sprintf("the request body is larger than the limit of %d bytes (1 MiB)", limit), limit: limit}
}

func describeDecodeError(err error) error {
	var (
		mbe  *http.MaxBytesError
		se   *json.SyntaxError
		ute  *json.UnmarshalTypeError
		fe   *fieldError
		uerr *json.UnsupportedValueError
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(mbe.Limit)
	case errors.As(err, &fe):
		return fe
	case errors.Is(err, io.EOF):
		return badRequest("body", "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body", "the JSON ends too early; check for a missing bracket or brace")
	case errors.As(err, &se):
		return badRequest("body", "malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &ute):
		field := jsonPath(ute.Field)
		if field == "" {
			return badRequest("body", "must be a JSON object")
		}
		if ute.Value == "number" && strings.HasPrefix(ute.Type.String(), "float") {
			return badRequest(field, "a number is out of range for a 64-bit float")
		}
		return badRequest(field, "expected %s, got a JSON %s", describeGoType(ute.Type.String()), ute.Value)
	case errors.As(err, &uerr):
		return badRequest("body", "%s", uerr.Error())
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return badRequest(strings.Trim(name, `"`), "unknown field %s", name)
	}
	return badRequest("body", "%s", strings.TrimPrefix(msg, "json: "))
}

// jsonPath turns encoding/json's dotted field path ("layers.2.stride") into
// the bracketed form used in Stride's errors ("layers[2].stride").
func jsonPath(dotted string) string {
	if dotted == "" {
		return ""
	}
	var b strings.Builder
	for i, part := range strings.Split(dotted, ".") {
		if part != "" && strings.Trim(part, "0123456789") == "" {
			b.WriteString("[" + part + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

func describeGoType(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "map"), strings.Contains(t, "struct"), strings.Contains(t, "."):
		return "an object"
	}
	return "a value of type " + t
}

func apiNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, apiError{Error: "no API endpoint at " + r.URL.Path})
}

func apiMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	msg := r.Method + " is not allowed at " + clip(r.URL.Path, 100)
	if strings.Contains(r.URL.Path, "/api/") {
		msg += "; see /api/v1/openapi.json"
	}
	writeJSON(w, http.StatusMethodNotAllowed, apiError{Field: "method", Error: msg})
}

// decodeStrict decodes one nested JSON value (a layer, the RNN weights)
// with the same strictness as a whole body, naming fields under prefix:
// an unknown key in layer 3 is "layers[3].foo", not "foo".
func decodeStrict(raw json.RawMessage, dst any, prefix string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		err = describeDecodeError(err)
		var fe *fieldError
		if errors.As(err, &fe) {
			scoped := *fe
			switch {
			case fe.field == "" || fe.field == "body":
				scoped.field = prefix
			case strings.HasPrefix(fe.field, "["):
				scoped.field = prefix + fe.field
			default:
				scoped.field = prefix + "." + fe.field
			}
			return &scoped
		}
		return badRequest(prefix, "%s", err.Error())
	}
	return nil
}

// wholeNum is a whole-number argument. Any JSON number with a whole value
// is accepted (512, 512.0, 5.12e2), as JSON itself does not tell integers
// from other numbers; anything else is a type error naming the field.
type wholeNum int64

// UnmarshalJSON reads a whole number.
func (n *wholeNum) UnmarshalJSON(b []byte) error {
	var f float64
	err := json.Unmarshal(b, &f)
	if err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
		*n = wholeNum(f)
		return nil
	}
	value := "number " + string(b)
	if err != nil {
		switch b[0] {
		case '"':
			value = "string"
		case 't', 'f':
			value = "bool"
		case '[':
			value = "array"
		case '{':
			value = "object"
		}
	}
	return &json.UnmarshalTypeError{Value: value, Type: reflect.TypeFor[int]()}
}

// within checks a whole number against its bounds, naming the field and
// the limit.
func (n *wholeNum) within(field string, lo, hi int) (int, error) {
	if n == nil {
		return 0, badRequest(field, "is required: a whole number from %d to %d", lo, hi)
	}
	if int64(*n) < int64(lo) || int64(*n) > int64(hi) {
		return 0, &fieldError{status: http.StatusBadRequest, field: field, limit: int64(hi),
			msg: fmt.Sprintf("must be from %d to %d, got %d", lo, hi, int64(*n))}
	}
	return int(*n), nil
}

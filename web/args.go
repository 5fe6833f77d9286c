package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
)

// This file turns the loosely typed parts of API requests (a size that is
// one number or [height, width]; a tensor of rank 2 or 3) into compute
// values, with errors that name the exact element at fault.

// decodeAny decodes a raw JSON value generically, so that nulls, strings and
// booleans inside numeric arrays are caught instead of silently becoming 0.
func decodeAny(raw json.RawMessage, field string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var v any
	if err := dec.Decode(&v); err != nil {
		if strings.Contains(err.Error(), "number") {
			return nil, badRequest(field, "a number is out of range for a 64-bit float")
		}
		return nil, badRequest(field, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return v, nil
}

func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func describeJSON(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "true/false"
	case string:
		return "a string"
	case float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// rank reports the nesting depth of arrays along the first elements.
func rank(v any) int {
	r := 0
	for {
		a, ok := v.([]any)
		if !ok {
			return r
		}
		r++
		if len(a) == 0 {
			return r
		}
		v = a[0]
	}
}

func toVector(v any, field string) ([]float64, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, badRequest(field, "expected an array of numbers, got %s", describeJSON(v))
	}
	if len(a) == 0 {
		return nil, badRequest(field, "is empty; it needs at least one number")
	}
	if len(a) > compute.MaxTensorElements {
		return nil, &fieldError{status: 400, field: field, limit: compute.MaxTensorElements,
			msg: fmt.Sprintf("has %d elements; the limit is %d", len(a), compute.MaxTensorElements)}
	}
	out := make([]float64, len(a))
	for i, e := range a {
		f, ok := e.(float64)
		if !ok {
			return nil, badRequest(fmt.Sprintf("%s[%d]", field, i), "expected a number, got %s", describeJSON(e))
		}
		out[i] = f
	}
	return out, nil
}

func toMatrix(v any, field string) ([][]float64, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, badRequest(field, "expected a matrix (an array of rows), got %s", describeJSON(v))
	}
	if len(a) == 0 {
		return nil, badRequest(field, "is empty; it needs at least one row")
	}
	out := make([][]float64, len(a))
	for i, row := range a {
		r, err := toVector(row, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		if i > 0 && len(r) != len(out[0]) {
			return nil, badRequest(fmt.Sprintf("%s[%d]", field, i),
				"is ragged: row %d has %d numbers but row 0 has %d", i, len(r), len(out[0]))
		}
		out[i] = r
	}
	return out, nil
}

func toTensor3(v any, field string) ([][][]float64, error) {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil, badRequest(field, "expected a non-empty array of channels")
	}
	out := make([][][]float64, len(a))
	for i, ch := range a {
		m, err := toMatrix(ch, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		if i > 0 && (len(m) != len(out[0]) || len(m[0]) != len(out[0][0])) {
			return nil, badRequest(fmt.Sprintf("%s[%d]", field, i), "is %d×%d but channel 0 is %d×%d",
				len(m), len(m[0]), len(out[0]), len(out[0][0]))
		}
		out[i] = m
	}
	return out, nil
}

func toTensor4(v any, field string) ([][][][]float64, error) {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil, badRequest(field, "expected a non-empty array of filters")
	}
	out := make([][][][]float64, len(a))
	for i, f := range a {
		t, err := toTensor3(f, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		if i > 0 && (len(t) != len(out[0]) || len(t[0]) != len(out[0][0]) || len(t[0][0]) != len(out[0][0][0])) {
			return nil, badRequest(fmt.Sprintf("%s[%d]", field, i), "has a different shape from filter 0")
		}
		out[i] = t
	}
	return out, nil
}

// parseImage reads an H×W or C×H×W input. It reports the rank it saw so a
// 2-D request can get a 2-D answer.
func parseImage(raw json.RawMessage, field string) ([][][]float64, int, error) {
	if !present(raw) {
		return nil, 0, badRequest(field, "is required: an H×W or C×H×W array of numbers")
	}
	if shape, vals, ok := numericArray(raw); ok && (len(shape) == 2 || len(shape) == 3) {
		return fastTensor3(shape, vals), len(shape), nil
	}
	v, err := decodeAny(raw, field)
	if err != nil {
		return nil, 0, err
	}
	switch r := rank(v); r {
	case 2:
		m, err := toMatrix(v, field)
		if err != nil {
			return nil, 0, err
		}
		return [][][]float64{m}, 2, nil
	case 3:
		t, err := toTensor3(v, field)
		return t, 3, err
	default:
		return nil, 0, badRequest(field, "must be H×W or C×H×W (rank 2 or 3), but it has rank %d", r)
	}
}

// parseKernel reads a kH×kW or O×C×kH×kW kernel.
func parseKernel(raw json.RawMessage, field string) ([][][][]float64, int, error) {
	if !present(raw) {
		return nil, 0, badRequest(field, "is required: a kH×kW or O×C×kH×kW array of numbers")
	}
	if shape, vals, ok := numericArray(raw); ok && (len(shape) == 2 || len(shape) == 4) {
		return fastTensor4(shape, vals), len(shape), nil
	}
	v, err := decodeAny(raw, field)
	if err != nil {
		return nil, 0, err
	}
	switch r := rank(v); r {
	case 2:
		m, err := toMatrix(v, field)
		if err != nil {
			return nil, 0, err
		}
		return [][][][]float64{{m}}, 2, nil
	case 4:
		t, err := toTensor4(v, field)
		return t, 4, err
	case 3:
		return nil, 0, badRequest(field, "has rank 3; write one filter over C channels as O×C×kH×kW with O = 1 (wrap it in one more pair of brackets)")
	default:
		return nil, 0, badRequest(field, "must be kH×kW or O×C×kH×kW (rank 2 or 4), but it has rank %d", r)
	}
}

// parsePair reads a size given as one whole number or [height, width].
// Absent, it returns the zero Pair, which compute reads as "the default".
func parsePair(raw json.RawMessage, field string, min int) (compute.Pair, error) {
	if !present(raw) {
		return compute.Pair{}, nil
	}
	v, err := decodeAny(raw, field)
	if err != nil {
		return compute.Pair{}, err
	}
	whole := func(e any, f string) (int, error) {
		n, ok := e.(float64)
		if !ok || n != math.Trunc(n) {
			return 0, badRequest(f, "expected a whole number, got %s", describeJSONValue(e))
		}
		if n < float64(min) {
			return 0, badRequest(f, "must be at least %d, got %v", min, n)
		}
		if n > compute.MaxSpatial {
			return 0, &fieldError{status: 400, field: f, limit: compute.MaxSpatial,
				msg: fmt.Sprintf("is %v; the limit is %d", n, compute.MaxSpatial)}
		}
		return int(n), nil
	}
	if a, ok := v.([]any); ok {
		if len(a) != 2 {
			return compute.Pair{}, badRequest(field, "must be one number or [height, width], got an array of %d", len(a))
		}
		h, err := whole(a[0], field+"[0]")
		if err != nil {
			return compute.Pair{}, err
		}
		w, err := whole(a[1], field+"[1]")
		if err != nil {
			return compute.Pair{}, err
		}
		return compute.Pair{H: h, W: w}, nil
	}
	n, err := whole(v, field)
	if err != nil {
		return compute.Pair{}, err
	}
	return compute.Pair{H: n, W: n}, nil
}

func describeJSONValue(v any) string {
	if f, ok := v.(float64); ok {
		return compute.FormatNumber(f)
	}
	return describeJSON(v)
}

// computeError converts a compute validation error into a 400 naming the
// field; anything else is still the client's input, so it is a 400 too.
func computeError(err error, fieldPrefix string) error {
	var ce *compute.Error
	if errors.As(err, &ce) {
		field := ce.Field
		if fieldPrefix != "" && field != "" {
			field = fieldPrefix + "." + field
		}
		fe := badRequest(field, "%s", ce.Message)
		fe.limit = ce.Limit
		return fe
	}
	return badRequest("body", "%s", err.Error())
}

// finite reports whether every value is a finite float64; results that
// overflow cannot be sent as JSON.
func finite(vals ...float64) bool {
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func finite3(t [][][]float64) bool {
	for _, m := range t {
		for _, r := range m {
			if !finite(r...) {
				return false
			}
		}
	}
	return true
}

var errOverflow = badRequest("input", "the result overflows a 64-bit float; use smaller values")

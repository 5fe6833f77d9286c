package compute

import "fmt"

// Error is a validation error a student can act on. Field is a JSON-path-like
// name of the offending input, e.g. "input", "kernel", "bias", "stride",
// "padding", "dilation", "kernel_size", "layers[2].kernel_size", "layers[3]",
// "x", "weights.W_hh", "d_model" or "num_heads"; elements are addressed with
// indices, as in "input[1][2][3]". Message says what is wrong and, where it
// helps, what to change.
//
// Functions may wrap an *Error with context (for example "conv2d: ..."), so
// retrieve it with errors.As rather than a type assertion.
type Error struct {
	Field   string
	Message string
	// Limit is the documented bound the input exceeds, when that is the
	// error (MaxOutputElements, MaxMultiplyAdds); 0 otherwise.
	Limit int64
}

// Error returns "field: message", or just the message when Field is empty
// (as for OutputSize, which does not know which input it was given).
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// errorf builds an *Error. It returns the concrete type so that internal
// validators can be composed without the typed-nil-in-interface trap; the
// exported entry points convert to error only when the value is non-nil.
func errorf(field, format string, args ...any) *Error {
	return &Error{Field: field, Message: fmt.Sprintf(format, args...)}
}

// limitErrorf builds an *Error for an input over the documented bound
// limit.
func limitErrorf(field string, limit int64, format string, args ...any) *Error {
	e := errorf(field, format, args...)
	e.Limit = limit
	return e
}

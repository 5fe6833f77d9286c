// Package compute is Stride's numeric engine: the small, exact computations
// behind the deep-learning mechanics the tutor teaches.
//
// It covers 2-D convolution and pooling (with a lazily replayed, cell-by-cell
// trace of either), output-size arithmetic, shape and parameter propagation
// through a PyTorch-style layer stack, multi-head attention parameter counts
// and the recitation's Elman RNN.
//
// Every result follows PyTorch's semantics (conv2d is cross-correlation,
// Conv2D and Pool2D use floor mode, average pooling counts padding, and so
// on; PropagateNetwork also knows ceil_mode, groups, padding="same" and
// the adaptive pools), in float64. The package does no I/O: it knows nothing about HTTP or HTML, keeps
// no global mutable state, and is safe for concurrent use as long as callers
// do not modify the slices they pass in while a computation or trace that
// uses them is alive.
//
// Every input is validated against the documented bounds (MaxTensorElements,
// MaxMultiplyAdds and friends) before any work is done, so a request can be
// rejected cheaply. Validation failures are *Error values whose Field names
// the offending input in JSON-path form; they may be wrapped with context, so
// use errors.As to retrieve them.
package compute

package compute

import (
	"fmt"
	"math"
)

// This file holds the shared checks for the nested slices that carry
// tensors. They name the exact element at fault ("input[1][2][3]") because a
// student who pasted a 5×5 image with one short row needs to find that row.

// nonFinite describes v when it is NaN or infinite, and returns "" for an
// ordinary number.
func nonFinite(v float64) string {
	switch {
	case math.IsNaN(v):
		return "is NaN"
	case math.IsInf(v, 1):
		return "is +Inf"
	case math.IsInf(v, -1):
		return "is -Inf"
	}
	return ""
}

// checkRow checks that row has exactly want finite values. name builds the
// row's field name and ref (the name of the row whose length is the
// reference) is field+refSuffix; both are only built on failure, so
// validating a valid tensor allocates nothing.
func checkRow(name func() string, row []float64, want int, field, refSuffix string) *Error {
	if len(row) != want {
		return errorf(name(), "has %d values, but %s%s has %d; every row must have the same length", len(row), field, refSuffix, want)
	}
	for j, v := range row {
		if s := nonFinite(v); s != "" {
			return errorf(fmt.Sprintf("%s[%d]", name(), j), "%s; every value must be a finite number", s)
		}
	}
	return nil
}

// firstShape3 reads the C×H×W shape of t along its first elements and checks
// it against the bounds, without walking the whole tensor, so an oversized
// tensor is rejected before any per-element work. name builds the tensor's
// field name; it is only called on failure, to keep validation
// allocation-free.
func firstShape3(name func() string, t [][][]float64, maxC int) ([3]int, *Error) {
	switch {
	case len(t) == 0:
		return [3]int{}, errorf(name(), "is empty; it needs at least one channel")
	case len(t) > maxC:
		return [3]int{}, errorf(name(), "has %d channels; the limit is %d", len(t), maxC)
	case len(t[0]) == 0:
		return [3]int{}, errorf(name()+"[0]", "is empty; every channel needs at least one row")
	case len(t[0]) > MaxSpatial:
		return [3]int{}, errorf(name(), "has height %d; the limit is %d", len(t[0]), MaxSpatial)
	case len(t[0][0]) == 0:
		return [3]int{}, errorf(name()+"[0][0]", "is empty; every row needs at least one value")
	case len(t[0][0]) > MaxSpatial:
		return [3]int{}, errorf(name(), "has width %d; the limit is %d", len(t[0][0]), MaxSpatial)
	}
	return [3]int{len(t), len(t[0]), len(t[0][0])}, nil
}

// walk3 checks that every channel of t is want[1]×want[2] and every value is
// finite. The caller has already checked len(t) and the bounds.
func walk3(field string, t [][][]float64, want [3]int) *Error {
	for c, plane := range t {
		if len(plane) != want[1] {
			return errorf(fmt.Sprintf("%s[%d]", field, c), "has %d rows, but %s[0] has %d; every channel must have the same height", len(plane), field, want[1])
		}
		for r, row := range plane {
			name := func() string { return fmt.Sprintf("%s[%d][%d]", field, c, r) }
			if err := checkRow(name, row, want[2], field, "[0][0]"); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkTensor3 validates a C×H×W tensor: non-empty, rectangular, finite and
// within MaxSpatial, maxC channels and MaxTensorElements.
func checkTensor3(field string, t [][][]float64, maxC int) ([3]int, *Error) {
	shape, err := firstShape3(func() string { return field }, t, maxC)
	if err != nil {
		return shape, err
	}
	if n := shape[0] * shape[1] * shape[2]; n > MaxTensorElements {
		return shape, errorf(field, "has %d×%d×%d = %d elements; the limit is %d", shape[0], shape[1], shape[2], n, MaxTensorElements)
	}
	return shape, walk3(field, t, shape)
}

// checkTensor4 validates an O×C×kH×kW kernel the same way, checking the
// total size before looking at any filter beyond the first.
func checkTensor4(field string, k [][][][]float64) ([4]int, *Error) {
	switch {
	case len(k) == 0:
		return [4]int{}, errorf(field, "is empty; it needs at least one filter")
	case len(k) > MaxChannels:
		return [4]int{}, errorf(field, "has %d filters (output channels); the limit is %d", len(k), MaxChannels)
	}
	s, err := firstShape3(func() string { return field + "[0]" }, k[0], MaxChannels)
	if err != nil {
		return [4]int{}, err
	}
	shape := [4]int{len(k), s[0], s[1], s[2]}
	if n := shape[0] * shape[1] * shape[2] * shape[3]; n > MaxTensorElements {
		return shape, errorf(field, "has %d×%d×%d×%d = %d elements; the limit is %d",
			shape[0], shape[1], shape[2], shape[3], n, MaxTensorElements)
	}
	for o, filter := range k {
		if len(filter) != s[0] {
			return shape, errorf(fmt.Sprintf("%s[%d]", field, o), "has %d channels, but %s[0] has %d; every filter must have the same shape", len(filter), field, s[0])
		}
		// Channel 0 of filter 0 is the reference for every plane, so a
		// filter whose kernel size differs is caught at its first row.
		for c, plane := range filter {
			if len(plane) != s[1] {
				return shape, errorf(fmt.Sprintf("%s[%d][%d]", field, o, c), "has %d rows, but %s[0][0] has %d; every filter must have the same kernel height", len(plane), field, s[1])
			}
			for r, row := range plane {
				name := func() string { return fmt.Sprintf("%s[%d][%d][%d]", field, o, c, r) }
				if err := checkRow(name, row, s[2], field, "[0][0][0]"); err != nil {
					return shape, err
				}
			}
		}
	}
	return shape, nil
}

// checkVector validates a vector that must have exactly want finite values;
// what explains where want comes from ("one per output channel").
func checkVector(field string, v []float64, want int, what string) *Error {
	if len(v) != want {
		return errorf(field, "has %d values, but it needs %d (%s)", len(v), want, what)
	}
	for i, x := range v {
		if s := nonFinite(x); s != "" {
			return errorf(fmt.Sprintf("%s[%d]", field, i), "%s; every value must be a finite number", s)
		}
	}
	return nil
}

// checkMatrix validates a rows×cols matrix of finite values. rowsWhat and
// colsWhat explain the expected sizes ("hidden_size = 4").
func checkMatrix(field string, m [][]float64, rows, cols int, rowsWhat, colsWhat string) *Error {
	if len(m) != rows {
		return errorf(field, "has %d rows, but it needs %d (%s)", len(m), rows, rowsWhat)
	}
	for i, row := range m {
		rf := fmt.Sprintf("%s[%d]", field, i)
		if len(row) != cols {
			return errorf(rf, "has %d values, but every row needs %d (%s)", len(row), cols, colsWhat)
		}
		for j, x := range row {
			if s := nonFinite(x); s != "" {
				return errorf(fmt.Sprintf("%s[%d]", rf, j), "%s; every value must be a finite number", s)
			}
		}
	}
	return nil
}

// newTensor3 allocates a zeroed c×h×w tensor on one backing array: one
// allocation for the numbers instead of c·h, and better locality.
func newTensor3(c, h, w int) [][][]float64 {
	data := make([]float64, c*h*w)
	rows := make([][]float64, c*h)
	for i := range rows {
		rows[i] = data[i*w : (i+1)*w : (i+1)*w]
	}
	t := make([][][]float64, c)
	for i := range t {
		t[i] = rows[i*h : (i+1)*h : (i+1)*h]
	}
	return t
}

package web

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestNumericArray(t *testing.T) {
	tests := []struct {
		in    string
		shape []int
		vals  []float64
	}{
		{"[1, 2, 3]", []int{3}, []float64{1, 2, 3}},
		{" [ [1,-2.5e1], [3 ,4E-1] ] ", []int{2, 2}, []float64{1, -25, 3, 0.4}},
		{"[[[1],[2]],[[3],[4]],[[5],[6]]]", []int{3, 2, 1}, []float64{1, 2, 3, 4, 5, 6}},
		{"[[[[0]]],[[[-0]]]]", []int{2, 1, 1, 1}, []float64{0, 0}},
		// Everything else is left to the generic decoder.
		{"[]", nil, nil},
		{"[[]]", nil, nil},
		{"[[1],[2,3]]", nil, nil},
		{"[[1,2],[3]]", nil, nil},
		{"[[1,2],3]", nil, nil},
		{"[1,[2]]", nil, nil},
		{"[[1],null]", nil, nil},
		{`[[1,"2"]]`, nil, nil},
		{"[[true]]", nil, nil},
		{"[1e999]", nil, nil},
		{"[[[[[1]]]]]", nil, nil},
		{"1", nil, nil},
		{"[1] [2]", nil, nil},
		{"[[1]]]", nil, nil},
		{"[[1]", nil, nil},
		{"[[1],[[2]]]", nil, nil},
	}
	for _, tc := range tests {
		shape, vals, ok := numericArray([]byte(tc.in))
		if ok != (tc.shape != nil) || !reflect.DeepEqual(shape, tc.shape) || (ok && !reflect.DeepEqual(vals, tc.vals)) {
			t.Errorf("%s: %v %v %v, want %v %v", tc.in, shape, vals, ok, tc.shape, tc.vals)
		}
	}
}

// FuzzNumericArray: whatever valid JSON the fast reader accepts,
// encoding/json reads as the same numbers in the same shape.
func FuzzNumericArray(f *testing.F) {
	for _, s := range []string{"[1,2]", "[[1,2],[3,4]]", "[[[1]],[[2]]]", "[[1],[2,3]]", "[[1e5,-0.5],[2E-3,7]]", "[[[[1]]]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The body decoder hands numericArray only valid JSON.
		if !json.Valid([]byte(s)) {
			return
		}
		shape, vals, ok := numericArray([]byte(s))
		if !ok {
			return
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("%q: accepted, but it is not JSON: %v", s, err)
		}
		var flat []float64
		var walk func(x any, depth int) bool
		walk = func(x any, depth int) bool {
			if depth == len(shape) {
				f, isNum := x.(float64)
				flat = append(flat, f)
				return isNum
			}
			a, isArr := x.([]any)
			if !isArr || len(a) != shape[depth] {
				return false
			}
			for _, e := range a {
				if !walk(e, depth+1) {
					return false
				}
			}
			return true
		}
		if !walk(v, 0) || !reflect.DeepEqual(flat, vals) {
			t.Fatalf("%q: read as %v %v, but JSON says %v", s, shape, vals, v)
		}
	})
}

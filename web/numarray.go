package web

import "strconv"

// numericArray reads raw, a JSON value, as a rectangular array of numbers
// of rank 1 to 4: its shape, and its numbers in row-major order. ok is
// false for anything else (a null, a string, a ragged or empty array, a
// number out of float64 range, another rank); the generic decoder then
// explains what is wrong, naming the element.
//
// It exists for speed: decoding a tensor through encoding/json's generic
// values boxes every number and costs about 0.2 µs per byte, so a 1 MiB
// body took ~0.2 CPU-s before any arithmetic; this reads the numbers
// straight into one slice. raw has already been checked as JSON by the
// body decoder, so every number token is a valid JSON number.
func numericArray(raw []byte) (shape []int, vals []float64, ok bool) {
	i := skipSpace(raw, 0)
	rank := 0
	for i < len(raw) && raw[i] == '[' {
		rank++
		i = skipSpace(raw, i+1)
	}
	if rank == 0 || rank > 4 {
		return nil, nil, false
	}
	shape = make([]int, rank)  // 0 until the first array of a level closes
	count := make([]int, rank) // elements so far in the open array of each level
	depth := rank - 1          // the innermost level is open
	for {
		// At the innermost level: a number.
		j := i
		for j < len(raw) && isNumberByte(raw[j]) {
			j++
		}
		if j == i {
			return nil, nil, false
		}
		v, err := strconv.ParseFloat(string(raw[i:j]), 64)
		if err != nil {
			return nil, nil, false
		}
		vals = append(vals, v)
		count[depth]++
		i = skipSpace(raw, j)
		// Close as many levels as the input closes, then expect the next
		// element: a number at the innermost level, an array above it.
		for i < len(raw) && raw[i] == ']' {
			if shape[depth] == 0 {
				shape[depth] = count[depth]
			} else if count[depth] != shape[depth] {
				return nil, nil, false
			}
			count[depth] = 0
			i = skipSpace(raw, i+1)
			if depth == 0 {
				if i != len(raw) {
					return nil, nil, false
				}
				return shape, vals, true
			}
			depth--
			count[depth]++
		}
		if i >= len(raw) || raw[i] != ',' {
			return nil, nil, false
		}
		i = skipSpace(raw, i+1)
		for depth < rank-1 {
			if i >= len(raw) || raw[i] != '[' {
				return nil, nil, false
			}
			depth++
			i = skipSpace(raw, i+1)
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func isNumberByte(c byte) bool {
	return ('0' <= c && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// rows splits vals into n rows of equal length, sharing its memory.
func rows(vals []float64, n int) [][]float64 {
	w := len(vals) / n
	out := make([][]float64, n)
	for r := range out {
		out[r] = vals[r*w : (r+1)*w : (r+1)*w]
	}
	return out
}

// fastTensor3 builds a C×H×W tensor (a rank-2 array as one channel) from
// a numericArray result of rank 2 or 3.
func fastTensor3(shape []int, vals []float64) [][][]float64 {
	if len(shape) == 2 {
		return [][][]float64{rows(vals, shape[0])}
	}
	all := rows(vals, shape[0]*shape[1])
	out := make([][][]float64, shape[0])
	for c := range out {
		out[c] = all[c*shape[1] : (c+1)*shape[1] : (c+1)*shape[1]]
	}
	return out
}

// fastTensor4 builds an O×C×kH×kW kernel (a rank-2 array as one filter of
// one channel) from a numericArray result of rank 2 or 4.
func fastTensor4(shape []int, vals []float64) [][][][]float64 {
	if len(shape) == 2 {
		return [][][][]float64{{rows(vals, shape[0])}}
	}
	per := shape[1] * shape[2] * shape[3]
	out := make([][][][]float64, shape[0])
	for o := range out {
		out[o] = fastTensor3(shape[1:], vals[o*per:(o+1)*per:(o+1)*per])
	}
	return out
}

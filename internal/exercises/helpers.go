package exercises

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
)

// recitationImage and recitationFilter are section 3.2's 4×4 image and 2×2
// filter, the data of seed 0.
func recitationImage() [][]float64 {
	return [][]float64{{1, 3, -2, 4}, {0, 8, 6, 5}, {2, 1, -9, 0}, {4, -1, 3, 7}}
}

func recitationFilter() [][]float64 {
	return [][]float64{{1, 2}, {-2, -1}}
}

// singleChannel is the spec of a one-channel, one-filter convolution.
func singleChannel(image, filter [][]float64, stride, padding, dilation int) compute.ConvSpec {
	return compute.ConvSpec{
		Input:    [][][]float64{image},
		Kernel:   [][][][]float64{{filter}},
		Stride:   compute.Square(stride),
		Padding:  compute.Square(padding),
		Dilation: compute.Square(max(1, dilation)),
	}
}

// conv2D runs a single-channel convolution through the compute engine.
func conv2D(image, filter [][]float64, stride, padding, dilation int) ([][]float64, error) {
	out, err := compute.Conv2D(singleChannel(image, filter, stride, padding, dilation))
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// flipped returns the kernel rotated by 180°: what a true convolution would
// multiply with, and so the classic mistake against cross-correlation.
func flipped(k [][]float64) [][]float64 {
	out := make([][]float64, len(k))
	for i := range k {
		row := make([]float64, len(k[i]))
		for j := range k[i] {
			row[j] = k[len(k)-1-i][len(k[i])-1-j]
		}
		out[i] = row
	}
	return out
}

// randomMatrix draws whole numbers in [lo, hi].
func randomMatrix(rng *rand.Rand, rows, cols, lo, hi int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = float64(lo + rng.IntN(hi-lo+1))
		}
	}
	return m
}

// signedTerm writes a factor for a product, with parentheses around
// negative numbers that are not first: "3·(−2)".
func signedTerm(v float64) string {
	if v < 0 {
		return "(" + num(v) + ")"
	}
	return num(v)
}

// traceArithmetic writes one step of a trace as the sum of its products in
// math markup: "-9 \cdot 1 + 0 \cdot 2 + 3 \cdot (-2) + 7 \cdot (-1) = -22".
// Padding cells are written as 0, so the student sees where they fall.
func traceArithmetic(st compute.Step) string {
	var terms []string
	for _, ch := range st.Terms {
		for _, t := range ch {
			in := t.Input
			if t.IsPadding {
				in = 0
			}
			first := num(in)
			if len(terms) > 0 {
				first = signedTerm(in)
			}
			terms = append(terms, first+` \cdot `+signedTerm(t.Weight))
		}
	}
	s := strings.Join(terms, " + ")
	if st.HasBias {
		s += " + " + signedTerm(st.Bias)
	}
	return s + " = " + num(st.Value)
}

// convStep returns the trace step of output cell (row, col) of a
// single-channel convolution.
func convStep(image, filter [][]float64, stride, padding, dilation, row, col int) (compute.Step, error) {
	tr, err := compute.NewConvTrace(singleChannel(image, filter, stride, padding, dilation))
	if err != nil {
		return compute.Step{}, err
	}
	cols := tr.OutputShape()[2]
	return tr.Step(row*cols + col)
}

// matrixMarkup writes a matrix as math markup rows for a worked solution.
func matrixText(m [][]float64) string {
	rows := make([]string, len(m))
	for i, r := range m {
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = num(v)
		}
		rows[i] = strings.Join(cells, ", ")
	}
	return "[" + strings.Join(rows, "; ") + "]"
}

// outputSizeSteps writes the output-size formula with the numbers in.
func outputSizeSteps(axis string, in, k, p, s int) string {
	out := (in+2*p-k)/s + 1
	return fmt.Sprintf(`%s: $\lfloor (%d - %d + 2 \cdot %d) / %d \rfloor + 1 = \lfloor %s \rfloor + 1 = %d$`,
		axis, in, k, p, s, num(float64(in-k+2*p)/float64(s)), out)
}

// outputSizeStepsDilated is outputSizeSteps with a dilation d: the
// filter spans d(k−1)+1 cells.
func outputSizeStepsDilated(axis string, in, k, p, s, d int) string {
	if d <= 1 {
		return outputSizeSteps(axis, in, k, p, s)
	}
	span := d*(k-1) + 1
	out := (in+2*p-span)/s + 1
	return fmt.Sprintf(`%s: $\lfloor (%d + 2 \cdot %d - %d \cdot (%d - 1) - 1) / %d \rfloor + 1 = \lfloor %s \rfloor + 1 = %d$`,
		axis, in, p, d, k, s, num(float64(in+2*p-span)/float64(s)), out)
}

// ordinalCell names a cell for a prompt, counting from 1 at the top left.
func ordinalCell(row, col int) string {
	return fmt.Sprintf("row %d, column %d", row+1, col+1)
}

// ordinal writes 2 as "2nd", 3 as "3rd", 11 as "11th".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

package dashboard

import (
	"math"
	"slices"
	"time"
)

// Median returns the median of xs (the mean of the two middle values for
// an even count) and false when xs is empty. xs is not modified.
func Median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// medianDuration is Median over durations.
func medianDuration(ds []time.Duration) (time.Duration, bool) {
	if len(ds) == 0 {
		return 0, false
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// PointBiserial is the point-biserial correlation between a dichotomous
// variable (correct[i]) and a continuous one (total[i]):
//
//	r = (M1 − M0) / s · √(p·q)
//
// where M1 and M0 are the mean totals of the correct and the others, p and
// q their shares, and s the population standard deviation of every total.
// It is the Pearson correlation of the 0/1 variable with the totals. It is
// undefined (false) with fewer than two values, when everyone or no one is
// correct, or when every total is the same.
func PointBiserial(correct []bool, total []float64) (float64, bool) {
	n := len(correct)
	if n < 2 || n != len(total) {
		return 0, false
	}
	var n1 int
	var sum1, sum0, sum float64
	for i, c := range correct {
		sum += total[i]
		if c {
			n1++
			sum1 += total[i]
		} else {
			sum0 += total[i]
		}
	}
	n0 := n - n1
	if n1 == 0 || n0 == 0 {
		return 0, false
	}
	mean := sum / float64(n)
	var ss float64
	for _, t := range total {
		ss += (t - mean) * (t - mean)
	}
	sd := math.Sqrt(ss / float64(n))
	// Totals that differ only by rounding noise have no spread to explain.
	if sd < 1e-12 {
		return 0, false
	}
	p := float64(n1) / float64(n)
	r := (sum1/float64(n1) - sum0/float64(n0)) / sd * math.Sqrt(p*(1-p))
	// Rounding can push a perfect correlation a hair past ±1.
	return math.Max(-1, math.Min(1, r)), true
}

// share is part/whole, 0 when whole is 0.
func share(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

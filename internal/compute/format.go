package compute

import (
	"math"
	"strconv"
)

// FormatNumber prints a float64 for people: whole numbers as whole numbers
// ("-22", not "-22.000000" or "-22.0"), −0 as "0", other numbers with up to
// 12 significant digits and no trailing zeros ("0.25", "0.333333333333",
// exponent form such as "2.5e-07" for tiny or huge values), "∞" and "-∞" for
// infinities and "NaN" for NaN.
//
// Twelve digits hide float noise such as 0.1+0.2 = 0.30000000000000004
// while keeping any value a student typed. Whole numbers below 1e21 are
// printed in full, as JavaScript does, so parameter counts never turn into
// exponents.
func FormatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	case v == 0:
		return "0" // also −0, which would otherwise print as "-0"
	case v == math.Trunc(v) && math.Abs(v) < 1e21:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	// 'g' drops trailing zeros and switches to exponent form below 1e-4
	// and at 1e12 and above.
	return strconv.FormatFloat(v, 'g', 12, 64)
}

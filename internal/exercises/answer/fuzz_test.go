package answer

import (
	"errors"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// checkFuzzError asserts that a failure is a well-formed *ParseError.
func checkFuzzError(t *testing.T, s string, err error) *ParseError {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%q: error %v (%T) is not a *ParseError", s, err, err)
	}
	if pe.Message == "" || pe.Expected == "" {
		t.Fatalf("%q: incomplete ParseError %+v", s, pe)
	}
	if pe.Pos < -1 || pe.Pos > len(s) {
		t.Fatalf("%q: Pos %d out of range", s, pe.Pos)
	}
	return pe
}

func FuzzParseInteger(f *testing.F) {
	for _, s := range []string{"10416", "10,416", "10 416", "10\u2009416", "10_416", "−5", "+7", "10416.0", "1,5", "9223372036854775808", "-9223372036854775808", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseInteger(s)
		if err != nil {
			checkFuzzError(t, s, err)
			return
		}
		if n.ReadAs() == "" {
			t.Fatal("empty ReadAs")
		}
		back, err := ParseInteger(strconv.FormatInt(n.Value, 10))
		if err != nil || back.Value != n.Value {
			t.Fatalf("%q: round trip of %d gave %d, %v", s, n.Value, back.Value, err)
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0.0257", ".5", "-3.25", "10,416", "1/3", "-2/7", "2.5e-2", "2.5E+3", "2.5×10^-2", "2.5·10⁻²", "2.57%", "10^-3", "1/0", "2,57", "1e99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			checkFuzzError(t, s, err)
			return
		}
		if n.Value == nil || n.ReadAs() == "" || n.Text == "" {
			t.Fatalf("%q: incomplete result %+v", s, n)
		}
		if n.Percent && !strings.Contains(n.Text, "%") {
			t.Fatalf("%q: Percent without '%%'", s)
		}
		if math.IsNaN(n.Float()) {
			t.Fatalf("%q: NaN", s)
		}
		if rs := n.Value.RatString(); len(rs) <= MaxInputBytes {
			back, err := ParseNumber(rs)
			if err != nil || back.Value.Cmp(n.Value) != 0 {
				t.Fatalf("%q: round trip of %s failed: %v", s, rs, err)
			}
		}
	})
}

func FuzzParseShape(f *testing.F) {
	for _, s := range []string{"12@48x48", "12@48×48", "12 @ 48 X 48", "(12, 48, 48)", "[12, 48, 48]", "12, 48, 48", "12 x 48 x 48", "12×48×48", "12*48*48", "3072", "(3072,)", "[3072]", "3,072", "(3,072)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShape(s)
		if err != nil {
			checkFuzzError(t, s, err)
			return
		}
		if len(sh.Dims) == 0 || len(sh.Dims) > MaxShapeDims || sh.ReadAs() == "" {
			t.Fatalf("%q: bad result %+v", s, sh)
		}
		parts := make([]string, len(sh.Dims))
		for i, d := range sh.Dims {
			if d < 1 || d > MaxDim {
				t.Fatalf("%q: dimension %d out of range", s, d)
			}
			parts[i] = strconv.Itoa(d)
		}
		for _, text := range []string{"(" + strings.Join(parts, ", ") + ",)", strings.Join(parts, "×")} {
			back, err := ParseShape(text)
			if err != nil || !back.Equal(sh.Dims) {
				t.Fatalf("%q: round trip via %q gave %v, %v", s, text, back.Dims, err)
			}
		}
	})
}

var fuzzVars = []Variable{
	{Name: "d_model"}, {Name: "d_k"}, {Name: "h"}, {Name: "H"},
	{Name: "W_in"}, {Name: "K"}, {Name: "P"}, {Name: "S"},
}

func FuzzParseSymbolicShape(f *testing.F) {
	for _, s := range []string{"d_model x d_k", "d_model × d_k", "(d_model, d_k)", "[d_model, d_k]", "d_model by d_k", "(d_model + 1)x(d_k)", "3x4", "h, W_in/S,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseSymbolicShape(s, fuzzVars)
		if err != nil {
			checkFuzzError(t, s, err)
			return
		}
		if len(sh.Dims) == 0 || len(sh.Dims) > MaxShapeDims || sh.ReadAs() == "" {
			t.Fatalf("%q: bad result", s)
		}
		for _, d := range sh.Dims {
			if d == nil || d.String() == "" {
				t.Fatalf("%q: empty dimension", s)
			}
		}
	})
}

func FuzzParseMatrix(f *testing.F) {
	for _, s := range []string{"1 2; 3 4", "1, 2\n3, 4", "[[1, 2], [3, 4]]", "[1 2; 3 4]", "[[1 2]\n [3 4]]", "−1/2 .5\n1e-3 4", "1 2; 3", "[1]\n[2]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMatrix(s)
		if err != nil {
			checkFuzzError(t, s, err)
			return
		}
		if len(m.Rows) == 0 || len(m.Rows) > MaxMatrixRows || m.ReadAs() == "" {
			t.Fatalf("%q: bad row count %d", s, len(m.Rows))
		}
		cols := len(m.Rows[0])
		for _, r := range m.Rows {
			if len(r) != cols || cols == 0 || cols > MaxMatrixCols {
				t.Fatalf("%q: ragged or empty rows", s)
			}
			for _, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%q: non-finite entry", s)
				}
			}
		}
	})
}

func FuzzParseFormula(f *testing.F) {
	for _, s := range []string{
		"3 d_k (d_model + 1) h", "3*d_k*(d_model+1)*h", "3·h·d_k·d_model + 3 h d_k",
		"3d_model^2 + 3d_model", "3 d_model²+3 d_model", "floor((W_in - K + 2P)/S) + 1",
		"⌊(W_in + 2P - K)/S⌋ + 1", "ceil(W_in/S)", "-h^-2", "2^3^2", "hH", "d_{model}/dk",
		"(a)(b)", "d_model/2h", "x ** 2", "1.5e3",
		"3 d_k (d_model + 1) h + 0*((d_model^64)^5 + (d_model^64)^5)", "d_model^8 + 0*(2^64 · 2^64)", "h^(2^3)",
	} {
		f.Add(s)
	}
	env := map[string]*big.Rat{
		"d_model": big.NewRat(12, 1), "d_k": big.NewRat(3, 1), "h": big.NewRat(4, 1), "H": big.NewRat(5, 1),
		"W_in": big.NewRat(7, 1), "K": big.NewRat(3, 1), "P": big.NewRat(1, 1), "S": big.NewRat(2, 1),
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseFormula(s, fuzzVars)
		if err != nil {
			checkFuzzError(t, s, err)
			return
		}
		str := e.String()
		if str == "" || e.ReadAs() == "" {
			t.Fatalf("%q: empty String", s)
		}
		// The complexity bounds hold for every accepted formula.
		if n := e.nodeCount(); n > MaxFormulaNodes {
			t.Fatalf("%q: accepted with %d nodes", s, n)
		}
		if bits := evalMaxBits(t, e, env); bits > MaxFormulaBits {
			t.Fatalf("%q: accepted, but a value has %d bits", s, bits)
		}
		for _, v := range e.Variables() {
			if env[v] == nil {
				t.Fatalf("%q: unknown variable %q", s, v)
			}
		}
		back, err := ParseFormula(str, fuzzVars)
		if err != nil {
			// Brackets added for clarity may push a formula that was at a
			// limit over it; anything else is a real round-trip failure.
			if pe := checkFuzzError(t, str, err); !pe.limit {
				t.Fatalf("%q: String %q does not parse: %v", s, str, err)
			}
			return
		}
		if back.String() != str {
			t.Fatalf("%q: String %q reparses as %q", s, str, back.String())
		}
		va, errA := e.Eval(env)
		vb, errB := back.Eval(env)
		if errA == nil && errB == nil && va.Cmp(vb) != 0 {
			t.Fatalf("%q: %s and its reparse %s differ: %s vs %s", s, str, back.String(), va.RatString(), vb.RatString())
		}
		if (errA == nil) != (errB == nil) && !strings.Contains(errText(errA)+errText(errB), "too large") {
			t.Fatalf("%q: only one side fails: %v / %v", s, errA, errB)
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func FuzzParseChoice(f *testing.F) {
	f.Add("a,c", "a|b|c|d")
	f.Add("c a a", "a|b|c|d")
	f.Add("B\nd", "a|b|c|d")
	f.Add("x X", "x|X")
	f.Add("e", "a|b")
	f.Add("", "a")
	f.Fuzz(func(t *testing.T, s, joined string) {
		opts := strings.Split(joined, "|")
		c, err := ParseChoice(s, opts)
		if err != nil {
			checkFuzzError(t, s, err)
			return
		}
		if len(c.Selected) == 0 || c.ReadAs() == "" {
			t.Fatalf("%q: empty selection", s)
		}
		last := -1
		for _, sel := range c.Selected {
			k := slices.Index(opts, sel)
			if k <= last {
				t.Fatalf("%q: selection %q not in option order or repeated", s, c.Selected)
			}
			last = k
		}
	})
}

package answer

import (
	"errors"
	"math/big"
	"strings"
	"syscall"
	"testing"
)

// attackVars and attackDomain are the attention exercise's variables and
// sampling domain, where d_model = d_k·h reaches 4,096.
var attackVars = []Variable{
	{Name: "d_model", Display: "d_{model}", Aliases: []string{"dmodel"}},
	{Name: "d_k", Display: "d_k", Aliases: []string{"dk"}},
	{Name: "h", Display: "h"},
}

func attackDomain() Domain {
	return Domain{Lo: 1, Hi: 64, Constrain: func(env map[string]*big.Rat) bool {
		env["d_model"] = new(big.Rat).Mul(env["d_k"], env["h"])
		return true
	}}
}

// paddedFormula is issue 8's expensive answer: the right formula plus
// 0·(…) of the given piece repeated up to the token limit.
func paddedFormula(right, piece string) string {
	var b strings.Builder
	b.WriteString(right + " + 0*(" + piece)
	for {
		next := b.String() + " + " + piece
		if toks := formulaTokens(next + ")"); toks > MaxFormulaTokens || len(next)+1 > MaxInputBytes {
			break
		}
		b.WriteString(" + " + piece)
	}
	b.WriteString(")")
	return b.String()
}

// formulaTokens counts the tokens of s as the lexer does.
func formulaTokens(s string) int {
	r, err := newResolver(attackVars)
	if err != nil {
		panic(err)
	}
	toks, perr := lex(s, 0, len(s), r)
	if perr != nil {
		return MaxFormulaTokens + 1
	}
	return len(toks)
}

// maxAccepted pads right with 0·(piece + piece + …) as far as the bounds
// allow: the most expensive formula of that form a check can receive.
func maxAccepted(t testing.TB, right, piece string) string {
	t.Helper()
	best := ""
	cur := right + " + 0*(" + piece
	for {
		if _, err := ParseFormula(cur+")", attackVars); err != nil {
			break
		}
		best = cur + ")"
		cur += " + " + piece
	}
	if best == "" {
		t.Fatalf("no padding with %q is accepted", piece)
	}
	return best
}

// worstPieces are the padding terms that make the costliest formulas the
// bounds accept: the largest powers, products, fractions and constants.
var worstPieces = []string{
	"d_model^8", "(d_model^2)^4", "d_model^4 d_k^4", "(d_model d_k h)^2 d_model^2",
	"d_model^7/d_k", "(d_model^4 + 99999999999999999999)^2", "1/(d_k + 1)", "d_model^5/7 + d_k^5/11",
}

const attackRight = "3 d_k (d_model + 1) h"

func TestFormulaComplexityBounds(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for accepted
	}{
		{attackRight, ""},
		{"3 h d_k d_model + 3 h d_k", ""},
		{"d_model^8 + d_k^8", ""},
		{"2^64", ""},
		{"d_model/(d_k h)", ""},
		{paddedFormula(attackRight, "(d_model^64)^5"), "it has 383 numbers, names and operations, and the limit is 64"},
		{paddedFormula(attackRight, "1"), "and the limit is 64"},
		{"d_model^9", "its degree is 9, and the limit is 8"},
		{"(d_model^4)^2 d_k", "its degree is 9, and the limit is 8"},
		{"d_model^(d_k)", "its degree is 64, and the limit is 8"},
		{"d_model/(d_k^4 h^4)", "its degree is 9, and the limit is 8"},
		{"(d_model^64)^5", "its degree is 320, and the limit is 8"},
		// Sizes are bounds from the literals' bit lengths: 2 has 2 bits,
		// so 2^64 counts as 128.
		{"2^64 · 2^64", ""},
		{"2^64 · 2^64 · 2", "its numbers could grow to 258 bits, and the limit is 256"},
		{"(10^20)^4", "its numbers could grow to 320 bits, and the limit is 256"},
		{"(1/99999999999999999999)^4", "its numbers could grow to 272 bits, and the limit is 256"},
		{"1/(d_k+1) + 1/(d_k+2) + 1/(d_k+3) + 1/(d_k+4) + 1/(d_k+5)", "its degree is 9, and the limit is 8"},
		{"((2^64)^64)^64", "bits, and the limit is 256"},
	}
	for _, tc := range tests {
		_, err := ParseFormula(tc.in, attackVars)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", clipTest(tc.in), err)
			}
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) || !pe.limit || !strings.Contains(pe.Message, tc.want) ||
			!strings.HasPrefix(pe.Message, "the formula is too complex to check") {
			t.Errorf("%s: error %v, want a limit error with %q", clipTest(tc.in), err, tc.want)
		}
	}
	// A shape's dimensions share the bound.
	dim := "d_model + d_model + d_model + d_model + d_model + d_model + d_model + d_model"
	if _, err := ParseSymbolicShape(dim+" × "+dim+" × "+dim+" × "+dim+" × "+dim, attackVars); err == nil ||
		!strings.Contains(err.Error(), "more than 64 numbers, names and operations") {
		t.Errorf("a shape of five 15-node dimensions: %v", err)
	}
	if _, err := ParseSymbolicShape(dim+" × "+dim, attackVars); err != nil {
		t.Errorf("a shape of two 15-node dimensions: %v", err)
	}
}

func clipTest(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// The static bound holds: no value met while evaluating the costliest
// accepted formulas, at the largest values variables take, is larger than
// MaxFormulaBits, and none has more than MaxFormulaNodes nodes; so the work
// of one evaluation is at most 64 operations on numbers of 256 bits.
func TestFormulaBoundIsSound(t *testing.T) {
	top := new(big.Rat).SetInt64(1<<formulaVarBits - 1)
	envs := []map[string]*big.Rat{
		{"d_model": top, "d_k": top, "h": top},
		{"d_model": big.NewRat(4096, 1), "d_k": big.NewRat(64, 1), "h": big.NewRat(64, 1)},
		{"d_model": big.NewRat(1, 1), "d_k": big.NewRat(1, 1), "h": big.NewRat(1, 1)},
	}
	for _, piece := range worstPieces {
		s := maxAccepted(t, attackRight, piece)
		e, err := ParseFormula(s, attackVars)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.nodeCount(); n > MaxFormulaNodes {
			t.Errorf("%s: %d nodes", piece, n)
		}
		for _, env := range envs {
			if bits := evalMaxBits(t, e, env); bits > MaxFormulaBits {
				t.Errorf("%s: a value of %d bits at %v", piece, bits, env)
			}
		}
	}
}

// evalMaxBits evaluates every subformula of e at env and returns the size
// of the largest value (numerator plus denominator bits).
func evalMaxBits(t *testing.T, e *Expr, env map[string]*big.Rat) int {
	if e == nil {
		return 0
	}
	m := max(evalMaxBits(t, e.a, env), evalMaxBits(t, e.b, env))
	v, err := e.Eval(env)
	if err != nil {
		return m
	}
	return max(m, v.Num().BitLen()+v.Denom().BitLen())
}

// BenchmarkEquivalentWorstCase compares the answer with the costliest
// formulas the bounds accept, as a check does, and the formula,
// which the bounds refuse when it is parsed. cpu-ns/op is the process's
// CPU time per operation, steadier than wall time on a shared machine.
func BenchmarkEquivalentWorstCase(b *testing.B) {
	want, err := ParseFormula(attackRight, attackVars)
	if err != nil {
		b.Fatal(err)
	}
	for _, piece := range worstPieces {
		s := maxAccepted(b, attackRight, piece)
		e, err := ParseFormula(s, attackVars)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(piece, func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuTime()
			for b.Loop() {
				if !Equivalent(e, want, attackVars, attackDomain()) {
					b.Fatal("not equivalent")
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
	b.Run("issue 8 formula, refused", func(b *testing.B) {
		s := paddedFormula(attackRight, "(d_model^64)^5")
		b.ReportAllocs()
		c0 := cpuTime()
		for b.Loop() {
			if _, err := ParseFormula(s, attackVars); err == nil {
				b.Fatal("accepted")
			}
		}
		b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
	})
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

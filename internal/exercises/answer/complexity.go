package answer

import "math/big"

// A formula's cost is bounded when it is parsed, before it is evaluated
// anywhere. Equivalent evaluates a student's formula exactly at 64 points,
// and a check may compare it with the answer and with several mistakes, so
// the cost of one evaluation is multiplied by hundreds: a formula of 512
// tokens such as "… + 0·((d_model^64)^5 + …)" is harmless to parse but
// cost a quarter of a CPU-second to check before these bounds. They are
// generous for any formula a student writes by hand (the answers of the
// exercises have at most a dozen operations and degree 3).
const (
	// MaxFormulaNodes bounds the numbers, variables and operations of a
	// formula, implicit multiplications included.
	MaxFormulaNodes = 64
	// MaxFormulaDegree bounds a formula's degree: the most variables
	// multiplied together in one term, a power counting its exponent
	// times, and a fraction the degrees of its numerator and denominator
	// together.
	MaxFormulaDegree = 8
	// MaxFormulaBits bounds the size of every value the formula produces,
	// numerator plus denominator bits, when each variable has at most
	// formulaVarBits bits, as it has at every point Stride samples.
	MaxFormulaBits = 256

	// formulaVarBits bounds the variables' values in the static estimate:
	// Equivalent samples 1..64 by default, the exercises' domains derive
	// sizes up to 4,096 from them, and the growth check evaluates at 2^21.
	formulaVarBits = 24
)

// exprSize is a static upper bound on the value of an Expr at any point
// where each variable has at most formulaVarBits bits: its numerator and
// denominator bits (den 0 for a whole number) and the degrees of its
// numerator and denominator in the variables.
type exprSize struct {
	num, den       int
	numDeg, denDeg int
	hasVar         bool
}

func (s exprSize) bits() int   { return s.num + s.den }
func (s exprSize) degree() int { return s.numDeg + s.denDeg }

// saturate keeps sizes from overflowing: anything above it is already far
// over every limit.
const saturate = 1 << 24

func sat(n int) int { return min(n, saturate) }

// sizer walks a formula once, counting nodes and the largest size.
type sizer struct {
	nodes, maxBits int
}

// checkComplexity applies MaxFormulaNodes, MaxFormulaDegree and
// MaxFormulaBits to a parsed formula; pos and exp place the error. Its work
// is linear in the size of the tree, which the token limit bounds, and it
// evaluates nothing but the constant exponents of powers, once each and
// within the same bounds.
func checkComplexity(e *Expr, pos int, exp string) *ParseError {
	var z sizer
	size := z.size(e)
	switch {
	case z.nodes > MaxFormulaNodes:
		return limitErr(pos, exp, "the formula is too complex to check: it has %d numbers, names and operations, and the limit is %d", z.nodes, MaxFormulaNodes)
	case size.degree() > MaxFormulaDegree:
		return limitErr(pos, exp, "the formula is too complex to check: its degree is %d, and the limit is %d", size.degree(), MaxFormulaDegree)
	case z.maxBits > MaxFormulaBits:
		return limitErr(pos, exp, "the formula is too complex to check: its numbers could grow to %d bits, and the limit is %d", z.maxBits, MaxFormulaBits)
	}
	return nil
}

// size computes the static bound of e and of every node below it.
func (z *sizer) size(e *Expr) exprSize {
	s := z.node(e)
	z.nodes++
	z.maxBits = max(z.maxBits, s.bits())
	return s
}

func (z *sizer) node(e *Expr) exprSize {
	switch e.op {
	case opNum:
		if e.num == nil {
			return exprSize{}
		}
		s := exprSize{num: e.num.Num().BitLen()}
		if !e.num.IsInt() {
			s.den = e.num.Denom().BitLen()
		}
		return s
	case opVar:
		return exprSize{num: formulaVarBits, numDeg: 1, hasVar: true}
	}
	a := z.size(e.a)
	switch e.op {
	case opNeg:
		return a
	case opFloor, opCeil:
		// ⌊n/d⌋ is no larger than n, plus one when rounding up, and whole.
		return exprSize{num: sat(a.num + 1), numDeg: a.degree(), hasVar: a.hasVar}
	}
	// The exponent of a power is sized on its own, so that its own bounds
	// decide whether it may be evaluated.
	outerNodes, outerBits := z.nodes, z.maxBits
	z.maxBits = 0
	b := z.size(e.b)
	bNodes, bBits := z.nodes-outerNodes, z.maxBits
	z.maxBits = max(outerBits, bBits)
	v := a.hasVar || b.hasVar
	switch e.op {
	case opAdd, opSub:
		// n1/d1 ± n2/d2 = (n1·d2 ± n2·d1)/(d1·d2)
		return exprSize{
			num:    sat(max(a.num+b.den, b.num+a.den) + 1),
			den:    sat(a.den + b.den),
			numDeg: sat(max(a.numDeg+b.denDeg, b.numDeg+a.denDeg)),
			denDeg: sat(a.denDeg + b.denDeg),
			hasVar: v,
		}
	case opMul:
		return exprSize{sat(a.num + b.num), sat(a.den + b.den), sat(a.numDeg + b.numDeg), sat(a.denDeg + b.denDeg), v}
	case opDiv:
		return exprSize{sat(a.num + b.den), sat(a.den + b.num), sat(a.numDeg + b.denDeg), sat(a.denDeg + b.numDeg), v}
	case opPow:
		k := exponent(e.b, b, bNodes, bBits)
		if k == 0 {
			return exprSize{num: 1, hasVar: v}
		}
		return exprSize{sat(a.num * k), sat(a.den * k), sat(a.numDeg * k), sat(a.denDeg * k), v}
	}
	return exprSize{}
}

// exponent is the exponent of a power for the static bound: MaxPower when
// it has variables (evaluation refuses any exponent above MaxPower) or is
// itself over a bound, its value when it is a constant, and 0 when it can
// never be a valid exponent, so evaluation fails at once and explains why.
// nodes and bits are the exponent's own node count and largest size, which
// keep its evaluation as cheap as any other.
func exponent(e *Expr, s exprSize, nodes, bits int) int {
	if s.hasVar || bits > MaxFormulaBits || nodes > MaxFormulaNodes {
		return MaxPower
	}
	v, err := e.Eval(nil)
	if err != nil || !v.IsInt() || v.Sign() < 0 || v.Num().Cmp(bigMaxPower) > 0 {
		return 0
	}
	return int(v.Num().Int64())
}

var bigMaxPower = big.NewInt(MaxPower)

// nodeCount is the number of nodes of e, as MaxFormulaNodes counts them.
func (e *Expr) nodeCount() int {
	if e == nil {
		return 0
	}
	return 1 + e.a.nodeCount() + e.b.nodeCount()
}

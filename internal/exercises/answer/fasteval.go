package answer

import (
	"math"
	"math/big"
	"math/bits"
)

// A check compares the student's formula with the expected one (and with
// each diagnosable mistake) at 64 sample points, exactly. With math/big
// every operation at every point allocates, which made a formula check cost
// a few hundred microseconds. At the sample points the values are small
// (the variables are at most a few thousand), so Target evaluates a formula
// first in int64 fractions, checking every operation for overflow, and
// falls back to Expr.Eval only at a point where an operation would not fit.
// Both are exact, so they agree on every value and on whether there is
// one: a fast evaluation either ends with the value or error Eval gives, or
// reports that it does not fit and lets Eval decide
// (TestFastEvalMatchesEval, FuzzTargetMatchesEquivalent).

// small is an exact fraction num/den in lowest terms with den > 0, as
// big.Rat keeps its values, so that two equal values have equal fields.
type small struct{ num, den int64 }

// evalStatus is how a fast evaluation ended.
type evalStatus uint8

const (
	evalOK       evalStatus = iota
	evalFailed              // no value (Eval returns an error)
	evalOverflow            // a value did not fit: ask Eval
)

// instr is one step of a compiled formula, in postfix order.
type instr struct {
	op  exprOp
	idx int   // opVar: index into the point's values
	val small // opNum
	// fail marks a number node without a value (Eval fails on it).
	fail bool
}

// program is a formula compiled for the points of a Target: postfix steps
// with variables resolved to indices.
type program []instr

// compile turns e into a program over names (the Target's variables).
// It reports false when e uses a variable not among names, holds a number
// that does not fit an int64 fraction, or is not a well-formed tree; the
// caller then evaluates with Eval.
func compile(e *Expr, names []string) (program, bool) {
	var p program
	var walk func(x *Expr) bool
	walk = func(x *Expr) bool {
		if x == nil || len(p) > 4*MaxFormulaTokens {
			return false
		}
		switch x.op {
		case opNum:
			if x.num == nil {
				p = append(p, instr{op: opNum, fail: true})
				return true
			}
			if !x.num.Num().IsInt64() || !x.num.Denom().IsInt64() {
				return false
			}
			p = append(p, instr{op: opNum, val: small{x.num.Num().Int64(), x.num.Denom().Int64()}})
			return true
		case opVar:
			for i, n := range names {
				if n == x.name {
					p = append(p, instr{op: opVar, idx: i})
					return true
				}
			}
			return false
		case opNeg, opFloor, opCeil:
			if !walk(x.a) {
				return false
			}
		case opAdd, opSub, opMul, opDiv, opPow:
			if !walk(x.a) || !walk(x.b) {
				return false
			}
		default:
			return false
		}
		p = append(p, instr{op: x.op})
		return true
	}
	if !walk(e) {
		return nil, false
	}
	return p, true
}

// run evaluates p with the variables' values vals, using stack (reused
// between calls) for intermediate values.
func (p program) run(vals []small, stack []small) (small, evalStatus, []small) {
	st := stack[:0]
	for _, in := range p {
		switch in.op {
		case opNum:
			if in.fail {
				return small{}, evalFailed, st
			}
			st = append(st, in.val)
			continue
		case opVar:
			st = append(st, vals[in.idx])
			continue
		case opNeg, opFloor, opCeil:
			x := &st[len(st)-1]
			var ok bool
			switch in.op {
			case opNeg:
				*x, ok = negSmall(*x)
			case opFloor:
				*x, ok = small{floorDiv(x.num, x.den), 1}, true
			default:
				*x, ok = small{ceilDiv(x.num, x.den), 1}, true
			}
			if !ok {
				return small{}, evalOverflow, st
			}
			continue
		}
		x, y := st[len(st)-2], st[len(st)-1]
		st = st[:len(st)-1]
		z, status := binarySmall(in.op, x, y)
		if status != evalOK {
			return small{}, status, st
		}
		st[len(st)-1] = z
	}
	if len(st) != 1 {
		return small{}, evalOverflow, st
	}
	return st[0], evalOK, st
}

// binarySmall applies a binary operation as Expr.eval does.
func binarySmall(op exprOp, x, y small) (small, evalStatus) {
	switch op {
	case opAdd, opSub:
		if op == opSub {
			var ok bool
			if y, ok = negSmall(y); !ok {
				return small{}, evalOverflow
			}
		}
		if x.den == 1 && y.den == 1 {
			s, ok := addInt(x.num, y.num)
			return small{s, 1}, okStatus(ok)
		}
		a, ok1 := mulInt(x.num, y.den)
		b, ok2 := mulInt(y.num, x.den)
		n, ok3 := addInt(a, b)
		d, ok4 := mulInt(x.den, y.den)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return small{}, evalOverflow
		}
		return reduce(n, d)
	case opMul:
		n, ok1 := mulInt(x.num, y.num)
		d, ok2 := mulInt(x.den, y.den)
		if !ok1 || !ok2 {
			return small{}, evalOverflow
		}
		if d == 1 {
			return small{n, 1}, evalOK
		}
		return reduce(n, d)
	case opDiv:
		if y.num == 0 {
			return small{}, evalFailed // division by zero
		}
		n, ok1 := mulInt(x.num, y.den)
		d, ok2 := mulInt(x.den, y.num)
		if !ok1 || !ok2 {
			return small{}, evalOverflow
		}
		return reduce(n, d)
	case opPow:
		return powSmall(x, y)
	}
	return small{}, evalFailed // Eval: "malformed formula"
}

func okStatus(ok bool) evalStatus {
	if ok {
		return evalOK
	}
	return evalOverflow
}

// powSmall is powRat: the same refusals, in the same order, then the power
// by repeated multiplication, each step checked.
func powSmall(x, y small) (small, evalStatus) {
	if y.den != 1 || y.num < 0 || y.num > MaxPower {
		return small{}, evalFailed
	}
	k := y.num
	if int64(bits.Len64(absU(x.num))+bits.Len64(uint64(x.den)))*k > MaxValueBits+k {
		return small{}, evalFailed // "grows too large to compute"
	}
	// x is in lowest terms, so its power is too: no reduction needed.
	n, d := int64(1), int64(1)
	for range k {
		var ok1, ok2 bool
		n, ok1 = mulInt(n, x.num)
		d, ok2 = mulInt(d, x.den)
		if !ok1 || !ok2 {
			return small{}, evalOverflow
		}
	}
	return small{n, d}, evalOK
}

// reduce returns n/d in lowest terms with a positive denominator (d ≠ 0).
func reduce(n, d int64) (small, evalStatus) {
	if d < 0 {
		if n == math.MinInt64 || d == math.MinInt64 {
			return small{}, evalOverflow
		}
		n, d = -n, -d
	}
	if n == 0 {
		return small{0, 1}, evalOK
	}
	g := gcd(absU(n), uint64(d))
	if g > 1 {
		n /= int64(g)
		d /= int64(g)
	}
	return small{n, d}, evalOK
}

func negSmall(x small) (small, bool) {
	if x.num == math.MinInt64 {
		return small{}, false
	}
	return small{-x.num, x.den}, true
}

// floorDiv is ⌊n/d⌋ for d > 0.
func floorDiv(n, d int64) int64 {
	q := n / d
	if n%d != 0 && n < 0 {
		q--
	}
	return q
}

// ceilDiv is ⌈n/d⌉ for d > 0.
func ceilDiv(n, d int64) int64 {
	q := n / d
	if n%d != 0 && n > 0 {
		q++
	}
	return q
}

func addInt(a, b int64) (int64, bool) {
	s := a + b
	// Overflow iff both operands have the sign the sum lacks.
	return s, (a >= 0) != (b >= 0) || (s >= 0) == (a >= 0)
}

func mulInt(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(absU(a), absU(b))
	neg := (a < 0) != (b < 0)
	if hi != 0 || lo > math.MaxInt64+uint64(b2i(neg)) {
		return 0, false
	}
	if neg {
		return int64(-lo), true // -lo wraps to MinInt64 for lo = 2^63
	}
	return int64(lo), true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// absU is |a| as an unsigned number (exact for math.MinInt64 too).
func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-(a + 1)) + 1
	}
	return uint64(a)
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// smallOf returns r as a small fraction, if both its parts fit an int64.
func smallOf(r *big.Rat) (small, bool) {
	if r == nil || !r.Num().IsInt64() || !r.Denom().IsInt64() {
		return small{}, false
	}
	return small{r.Num().Int64(), r.Denom().Int64()}, true
}

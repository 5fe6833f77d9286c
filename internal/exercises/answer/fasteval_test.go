package answer

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestSmallArithmetic checks the overflow-checked int64 steps at their
// edges against math/big.
func TestSmallArithmetic(t *testing.T) {
	edges := []int64{0, 1, -1, 2, -2, 3, 7, -7, 1 << 31, -(1 << 31), 1<<32 + 1, 3037000499, 3037000500, -3037000500,
		math.MaxInt64, math.MaxInt64 - 1, math.MinInt64, math.MinInt64 + 1, 1 << 62, -(1 << 62)}
	for _, a := range edges {
		for _, b := range edges {
			ba, bb := big.NewInt(a), big.NewInt(b)
			sum := new(big.Int).Add(ba, bb)
			if s, ok := addInt(a, b); ok != sum.IsInt64() || (ok && s != sum.Int64()) {
				t.Errorf("addInt(%d, %d) = %d, %v; want %s", a, b, s, ok, sum)
			}
			prod := new(big.Int).Mul(ba, bb)
			if p, ok := mulInt(a, b); ok != prod.IsInt64() || (ok && p != prod.Int64()) {
				t.Errorf("mulInt(%d, %d) = %d, %v; want %s", a, b, p, ok, prod)
			}
			if b > 0 {
				x := new(big.Rat).SetFrac(ba, bb)
				if f := floorDiv(a, b); big.NewInt(f).Cmp(floorRat(x).Num()) != 0 {
					t.Errorf("floorDiv(%d, %d) = %d", a, b, f)
				}
				c := floorRat(new(big.Rat).Neg(x))
				if f := ceilDiv(a, b); big.NewInt(f).Cmp(c.Num().Neg(c.Num())) != 0 {
					t.Errorf("ceilDiv(%d, %d) = %d", a, b, f)
				}
			}
			if b != 0 {
				r, status := reduce(a, b)
				x := new(big.Rat).SetFrac(ba, bb)
				want, fits := smallOf(x)
				switch {
				case status == evalOK && (!fits || r != want):
					t.Errorf("reduce(%d, %d) = %v; want %v (fits %v)", a, b, r, want, fits)
				case status != evalOK && status != evalOverflow:
					t.Errorf("reduce(%d, %d): status %d", a, b, status)
				}
			}
		}
	}
}

// randomFormula writes a random formula over names for the tests: numbers
// of every kind the parser reads (whole, decimal, huge), every operator,
// floor and ceil, powers with odd exponents (fractional, negative, large),
// and divisions that may be by zero.
func randomFormula(rng *rand.Rand, names []string, depth int) string {
	if depth <= 0 || rng.IntN(4) == 0 {
		switch rng.IntN(6) {
		case 0:
			return strconv.Itoa(rng.IntN(10))
		case 1:
			return []string{"0.5", "2.25", "0.001", "1.5", "12.125"}[rng.IntN(5)]
		case 2:
			return []string{"99999999999", "4611686018427387904", "9223372036854775807", "123456789012345678901234567890", "3037000500"}[rng.IntN(5)]
		default:
			return names[rng.IntN(len(names))]
		}
	}
	a := randomFormula(rng, names, depth-1)
	b := randomFormula(rng, names, depth-1)
	switch rng.IntN(11) {
	case 0:
		return "(" + a + ") + (" + b + ")"
	case 1:
		return "(" + a + ") - (" + b + ")"
	case 2, 3:
		return "(" + a + ") * (" + b + ")"
	case 4, 5:
		return "(" + a + ") / (" + b + ")"
	case 6:
		return "-(" + a + ")"
	case 7:
		return "floor(" + a + ")"
	case 8:
		return "ceil(" + a + ")"
	case 9:
		return "(" + a + ")^" + []string{"0", "1", "2", "3", "5", "(1/2)", "(0-1)", "64", "(" + b + ")"}[rng.IntN(9)]
	}
	return "(" + a + ") - (" + a + ")"
}

var fastVars = []Variable{{Name: "a"}, {Name: "b"}, {Name: "c"}}

// randomPoint gives each variable a value of one of the sizes a domain
// may produce: small, negative, huge, fractional, zero.
func randomPoint(rng *rand.Rand, names []string) map[string]*big.Rat {
	env := map[string]*big.Rat{}
	for _, n := range names {
		switch rng.IntN(6) {
		case 0:
			env[n] = big.NewRat(rng.Int64N(2000)-1000, 1)
		case 1:
			env[n] = big.NewRat(rng.Int64N(1<<62)-(1<<61), 1)
		case 2:
			env[n] = big.NewRat(rng.Int64N(200)-100, rng.Int64N(50)+1)
		case 3:
			env[n] = new(big.Rat).SetFrac(new(big.Int).Lsh(big.NewInt(rng.Int64N(9)+1), 70), big.NewInt(3))
		case 4:
			env[n] = new(big.Rat)
		default:
			env[n] = big.NewRat(rng.Int64N(64)+1, 1)
		}
	}
	return env
}

// TestFastEvalMatchesEval evaluates random formulas at random points both
// ways: whenever the int64 evaluation ends with a value or a failure, Eval
// must end the same way.
func TestFastEvalMatchesEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "c"}
	counts := map[evalStatus]int{}
	for i := range 4000 {
		src := randomFormula(rng, names, 1+i%5)
		e, err := ParseFormula(src, fastVars)
		if err != nil {
			continue // over a complexity bound, or a literal too long
		}
		prog, ok := compile(e, names)
		if !ok {
			continue // a literal beyond int64
		}
		for range 8 {
			env := randomPoint(rng, names)
			vals := make([]small, len(names))
			fits := true
			for j, n := range names {
				if vals[j], ok = smallOf(env[n]); !ok {
					fits = false
				}
			}
			if !fits {
				continue
			}
			got, status, _ := prog.run(vals, nil)
			want, werr := e.Eval(env)
			counts[status]++
			switch status {
			case evalOK:
				if werr != nil {
					t.Fatalf("%s at %v: fast %v, Eval fails: %v", src, env, got, werr)
				}
				if exp, fits := smallOf(want); !fits || exp != got {
					t.Fatalf("%s at %v: fast %d/%d, Eval %s", src, env, got.num, got.den, want.RatString())
				}
			case evalFailed:
				if werr == nil {
					t.Fatalf("%s at %v: fast fails, Eval gives %s", src, env, want.RatString())
				}
			}
		}
	}
	// The random formulas reach all three endings often enough to mean
	// something.
	for _, s := range []evalStatus{evalOK, evalFailed, evalOverflow} {
		if counts[s] < 200 {
			t.Errorf("only %d evaluations ended with status %d: %v", counts[s], s, counts)
		}
	}
}

// TestTargetFastMatchesEval compares Target.Equivalent (int64 fast path)
// with the same comparison made with math/big at every point and with
// Equivalent itself, over random targets and answers in several domains,
// including the answer's own mutations that agree at some points only.
func TestTargetFastMatchesEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	names := []string{"a", "b", "c"}
	domains := []Domain{
		{},
		{Lo: -3, Hi: 3},
		{Lo: 1, Hi: 1 << 40},
		{Lo: math.MinInt64, Hi: math.MaxInt64},
		{Lo: 1, Hi: 16, Constrain: func(env map[string]*big.Rat) bool {
			env["c"] = new(big.Rat).Mul(env["a"], env["b"])
			return true
		}},
		{Lo: 1, Hi: 64, Constrain: func(env map[string]*big.Rat) bool {
			env["b"] = new(big.Rat).Quo(env["a"], big.NewRat(3, 1))
			return env["c"].Num().Int64()%3 != 0
		}},
	}
	agreed, compared := 0, 0
	for i := range 300 {
		want, err := ParseFormula(randomFormula(rng, names, 1+i%4), fastVars)
		if err != nil {
			continue
		}
		d := domains[i%len(domains)]
		target := NewTarget(want, fastVars, d)
		// A Sibling shares the points of another formula's Target.
		other, err := ParseFormula(randomFormula(rng, names, 2), fastVars)
		if err != nil {
			other = want
		}
		sibling := NewTarget(other, fastVars, d).Sibling(want)
		answers := []string{want.String(), want.String() + " + 0", "(" + want.String() + ") * 1", "(" + want.String() + ") + floor(a/60)"}
		for range 6 {
			answers = append(answers, randomFormula(rng, names, 1+rng.IntN(4)))
		}
		for _, s := range answers {
			a, err := ParseFormula(s, fastVars)
			if err != nil {
				continue
			}
			got, byEval := target.Equivalent(a), target.equivalentByEval(a)
			if got != byEval {
				t.Fatalf("want %s, answer %s, domain %d: fast %v, by Eval %v", want, a, i%len(domains), got, byEval)
			}
			if exp := Equivalent(a, want, fastVars, d); got != exp {
				t.Fatalf("want %s, answer %s, domain %d: Target %v, Equivalent %v", want, a, i%len(domains), got, exp)
			}
			if sib := sibling.Equivalent(a); sib != got {
				t.Fatalf("want %s, answer %s, domain %d: Sibling of %s %v, Target %v", want, a, i%len(domains), other, sib, got)
			}
			compared++
			if got {
				agreed++
			}
		}
	}
	if compared < 1000 || agreed < 100 {
		t.Errorf("compared %d answers, %d equivalent: too few to mean much", compared, agreed)
	}
}

// FuzzTargetMatchesEquivalent holds Target.Equivalent (with its int64 fast
// path) to Equivalent for any two formulas, in the attention exercise's
// domain and in one wide enough to overflow int64.
func FuzzTargetMatchesEquivalent(f *testing.F) {
	for _, s := range [][2]string{
		{"3 d_k (d_model + 1) h", "3 h (d_k d_model + d_k)"},
		{"d_k (d_model + 1)", "d_model (d_k + 1)"},
		{"floor((W_in - K + 2P)/S) + 1", "⌊(W_in + 2P - K)/S⌋ + 1"},
		{"d_model^2/h", "d_k d_model"},
		{"ceil(d_model/3)", "floor((d_model+2)/3)"},
		{"h^8", "h^4 h^4"},
		{"(d_model/7)^5", "d_model^5/16807"},
		{"d_k/(h - h)", "1/0"},
		{"9223372036854775807 d_k", "9223372036854775807 d_k + 0"},
	} {
		f.Add(s[0], s[1])
	}
	wide := Domain{Lo: -(1 << 62), Hi: 1 << 62}
	f.Fuzz(func(t *testing.T, ws, as string) {
		if len(ws) > 256 || len(as) > 256 {
			return
		}
		want, err := ParseFormula(ws, fuzzVars)
		if err != nil {
			return
		}
		a, err := ParseFormula(as, fuzzVars)
		if err != nil {
			return
		}
		for _, d := range []Domain{{}, attentionDomain, wide} {
			target := NewTarget(want, fuzzVars, d)
			got, byEval := target.Equivalent(a), target.equivalentByEval(a)
			if got != byEval {
				t.Fatalf("%q vs %q: fast %v, by Eval %v", ws, as, got, byEval)
			}
			if exp := Equivalent(a, want, fuzzVars, d); got != exp {
				t.Fatalf("%q vs %q: Target %v, Equivalent %v", ws, as, got, exp)
			}
			if sib := NewTarget(a, fuzzVars, d).Sibling(want).Equivalent(a); sib != got {
				t.Fatalf("%q vs %q: Sibling %v, Target %v", ws, as, sib, got)
			}
		}
	})
}

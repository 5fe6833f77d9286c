package answer

import (
	"math/big"
	"math/rand/v2"
	"slices"
)

// Domain says which points Equivalent samples.
type Domain struct {
	// Lo and Hi bound the integer given to each variable. Both zero means
	// the default range 1..64.
	Lo, Hi int64
	// Constrain, if non-nil, may adjust a point in place (for example set
	// env["d_model"] to d_k·h) or reject it by returning false.
	Constrain func(env map[string]*big.Rat) bool
}

// Sampling parameters for Equivalent. The seeds are fixed so that grading is
// reproducible: the same answer always gets the same verdict.
const (
	equivSeed1      = 0x5354524944450001
	equivSeed2      = 0x616e737765720002
	equivPoints     = 64   // accepted points to test
	equivMinPoints  = 32   // fewer accepted points than this means "not shown equivalent"
	equivMaxAttempt = 4096 // bounds the work when Constrain rejects most points
)

// Equivalent reports whether a and b agree at many pseudo-random integer
// points, using exact rational arithmetic. Every variable in vars, and any
// other variable either formula uses, gets an integer in [d.Lo, d.Hi].
//
// A point where both formulas fail to evaluate (say, both divide by zero) is
// skipped; a point where only one fails means they are not equivalent. If
// fewer than 32 points could be tested, for example because Constrain
// rejected nearly all of them, the formulas are not reported equivalent.
func Equivalent(a, b *Expr, vars []Variable, d Domain) bool {
	if a == nil || b == nil {
		return false
	}
	accepted, differ := 0, false
	samplePoints(sampleNames(vars, a, b), d, func(env map[string]*big.Rat) bool {
		va, errA := a.Eval(env)
		vb, errB := b.Eval(env)
		switch {
		case errA != nil && errB != nil:
			return true
		case errA != nil || errB != nil, va.Cmp(vb) != 0:
			differ = true
			return false
		}
		accepted++
		return accepted < equivPoints
	})
	return !differ && accepted >= equivMinPoints
}

// sampleNames lists the variables a point assigns, in the fixed order that
// keeps the sample sequence deterministic: those of vars, then any other
// variable of the formulas, sorted.
func sampleNames(vars []Variable, formulas ...*Expr) []string {
	var names []string
	for _, v := range vars {
		if v.Name != "" && !slices.Contains(names, v.Name) {
			names = append(names, v.Name)
		}
	}
	var extra []string
	for _, f := range formulas {
		for _, n := range f.Variables() {
			if !slices.Contains(names, n) && !slices.Contains(extra, n) {
				extra = append(extra, n)
			}
		}
	}
	slices.Sort(extra)
	return append(names, extra...)
}

// samplePoints calls visit with each point of Equivalent's sequence for
// names in d that Constrain accepts, until visit returns false or
// equivMaxAttempt points were drawn. Each point is a fresh map that visit
// may keep.
func samplePoints(names []string, d Domain, visit func(env map[string]*big.Rat) bool) {
	lo, hi := d.Lo, d.Hi
	if lo == 0 && hi == 0 {
		lo, hi = 1, 64
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	span := uint64(hi) - uint64(lo) + 1 // 0 means the whole int64 range
	rng := rand.New(rand.NewPCG(equivSeed1, equivSeed2))
	for range equivMaxAttempt {
		env := make(map[string]*big.Rat, len(names))
		for _, n := range names {
			var u uint64
			if span == 0 {
				u = rng.Uint64()
			} else {
				u = rng.Uint64N(span)
			}
			env[n] = new(big.Rat).SetInt64(int64(uint64(lo) + u))
		}
		if d.Constrain != nil && !d.Constrain(env) {
			continue
		}
		if !visit(env) {
			return
		}
	}
}

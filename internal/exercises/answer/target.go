package answer

import "math/big"

// Target is an expected formula prepared for many Equivalent tests against
// it, as a part's checker makes one per answer: the sample points and the
// formula's values there are computed once instead of on every check.
// Target.Equivalent(a) reports exactly what Equivalent(a, want, vars, d)
// does. A Target is read-only after NewTarget, so checks may share it.
type Target struct {
	want  *Expr
	vars  []Variable
	dom   Domain
	names []string
	// points are the accepted sample points in order, up to where any
	// comparison with want must have ended (equivPoints points at which
	// want has a value), with want's value or error at each.
	points []targetPoint
}

type targetPoint struct {
	env map[string]*big.Rat
	val *big.Rat
	err error
}

// NewTarget prepares want for Equivalent tests in vars and d.
func NewTarget(want *Expr, vars []Variable, d Domain) *Target {
	t := &Target{want: want, vars: vars, dom: d}
	if want == nil {
		return t
	}
	t.names = sampleNames(vars, want)
	valued := 0
	samplePoints(t.names, d, func(env map[string]*big.Rat) bool {
		v, err := want.Eval(env)
		t.points = append(t.points, targetPoint{env: env, val: v, err: err})
		if err == nil {
			valued++
		}
		// Equivalent counts a point only where both formulas have a
		// value, so it stops by the equivPoints-th point where want has
		// one.
		return valued < equivPoints
	})
	return t
}

// Equivalent reports whether a agrees with the target formula at the
// sample points, as Equivalent(a, want, vars, d) would.
func (t *Target) Equivalent(a *Expr) bool {
	if a == nil || t.want == nil {
		return false
	}
	for _, n := range a.Variables() {
		if !containsString(t.names, n) {
			// a brings a variable of its own, which changes the points.
			return Equivalent(a, t.want, t.vars, t.dom)
		}
	}
	accepted := 0
	for _, p := range t.points {
		va, errA := a.Eval(p.env)
		switch {
		case errA != nil && p.err != nil:
			continue
		case errA != nil || p.err != nil, va.Cmp(p.val) != 0:
			return false
		}
		accepted++
		if accepted == equivPoints {
			break
		}
	}
	return accepted >= equivMinPoints
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ShapeTarget is an expected symbolic shape prepared as Target prepares a
// formula: ShapeTarget.Equivalent(s) reports what s.Equivalent(want, vars,
// d) does.
type ShapeTarget struct {
	dims []*Target
}

// NewShapeTarget prepares want for Equivalent tests in vars and d.
func NewShapeTarget(want SymbolicShape, vars []Variable, d Domain) *ShapeTarget {
	t := &ShapeTarget{dims: make([]*Target, len(want.Dims))}
	for i, dim := range want.Dims {
		t.dims[i] = NewTarget(dim, vars, d)
	}
	return t
}

// Equivalent reports whether s has the target's dimensions, in order.
func (t *ShapeTarget) Equivalent(s SymbolicShape) bool {
	if len(s.Dims) != len(t.dims) {
		return false
	}
	for i, dim := range t.dims {
		if !dim.Equivalent(s.Dims[i]) {
			return false
		}
	}
	return true
}

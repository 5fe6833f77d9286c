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
	// fast says vals holds every variable of env, in the order of names,
	// as small fractions, so a formula can be evaluated there without
	// math/big (fasteval.go); wantFast says val fits a small fraction,
	// which is then want.
	fast, wantFast bool
	vals           []small
	want           small
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
		p := targetPoint{env: env, val: v, err: err, fast: true, vals: make([]small, len(t.names))}
		for i, n := range t.names {
			if p.vals[i], p.fast = smallOf(env[n]); !p.fast {
				p.vals = nil
				break
			}
		}
		if err == nil {
			p.want, p.wantFast = smallOf(v)
		}
		t.points = append(t.points, p)
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
	prog, fast := compile(a, t.names)
	if !fast {
		for _, n := range a.Variables() {
			if !containsString(t.names, n) {
				// a brings a variable of its own, which changes the points.
				return Equivalent(a, t.want, t.vars, t.dom)
			}
		}
	}
	var stackBuf [16]small
	stack := stackBuf[:0]
	accepted := 0
	for i := range t.points {
		p := &t.points[i]
		if fast && p.fast {
			var v small
			var status evalStatus
			v, status, stack = prog.run(p.vals, stack)
			switch {
			case status == evalFailed && p.err != nil:
				continue
			case status == evalFailed || (status == evalOK && p.err != nil):
				return false
			case status == evalOK && p.wantFast:
				// Both in lowest terms: equal values have equal fields.
				if v != p.want {
					return false
				}
				accepted++
				if accepted == equivPoints {
					return true // as the loop's end below: equivPoints ≥ equivMinPoints
				}
				continue
			}
			// Too large for int64 fractions, or want is: exactly, below.
		}
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

// equivalentByEval is Equivalent(a) evaluated with math/big at every
// point, as it was before the fast path; the tests hold the two equal.
func (t *Target) equivalentByEval(a *Expr) bool {
	if a == nil || t.want == nil {
		return false
	}
	for _, n := range a.Variables() {
		if !containsString(t.names, n) {
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

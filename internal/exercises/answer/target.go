package answer

import (
	"math/big"
	"slices"
)

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

// targetPoint is one sample point and want's value there. Most points
// are small: every variable and want's value fit int64 fractions. Such a
// point keeps only those (vals, want), shared between the Targets of one
// variant's formulas where they can be (Sibling), so that a variant that
// prepared its answer and all its mistakes holds a few kilobytes per
// formula; env and val, which math/big needs, are made again from them
// for the rare evaluation that does not fit (envAt, valAt).
type targetPoint struct {
	env  map[string]*big.Rat // nil when vals holds the point
	vals []small             // every variable of names, in order; nil if one does not fit
	val  *big.Rat            // want's value; nil when wantFast
	err  error               // want has no value here
	want small
	// wantFast says want's value is the small fraction want.
	wantFast bool
}

// NewTarget prepares want for Equivalent tests in vars and d.
func NewTarget(want *Expr, vars []Variable, d Domain) *Target {
	return newTarget(want, vars, d, nil)
}

// Sibling prepares another formula in t's variables and domain, as
// NewTarget(want, vars, d) does, sharing t's sample points where they are
// the same (they are when want uses no variable outside vars).
func (t *Target) Sibling(want *Expr) *Target {
	return newTarget(want, t.vars, t.dom, t)
}

func newTarget(want *Expr, vars []Variable, d Domain, base *Target) *Target {
	t := &Target{want: want, vars: vars, dom: d}
	if want == nil {
		return t
	}
	t.names = sampleNames(vars, want)
	if base != nil && !slices.Equal(base.names, t.names) {
		base = nil
	}
	valued := 0
	samplePoints(t.names, d, func(env map[string]*big.Rat) bool {
		i := len(t.points)
		v, err := want.Eval(env)
		var p targetPoint
		p.err = err
		if base != nil && i < len(base.points) {
			// The same names and domain draw the same points.
			p.env, p.vals = base.points[i].env, base.points[i].vals
		} else {
			p.vals = make([]small, len(t.names))
			for k, n := range t.names {
				var ok bool
				if p.vals[k], ok = smallOf(env[n]); !ok {
					p.vals, p.env = nil, env
					break
				}
			}
		}
		if err == nil {
			if p.want, p.wantFast = smallOf(v); !p.wantFast {
				p.val = v
			}
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

// envAt is the point as Eval takes it.
func (t *Target) envAt(p *targetPoint) map[string]*big.Rat {
	if p.env != nil {
		return p.env
	}
	env := make(map[string]*big.Rat, len(t.names))
	for k, n := range t.names {
		env[n] = big.NewRat(p.vals[k].num, p.vals[k].den)
	}
	return env
}

// agreesExactly compares a with want at p in math/big: skip when both are
// undefined there (the point says nothing), agree when both have the same
// value (or skip).
func (t *Target) agreesExactly(a *Expr, p *targetPoint) (skip, agree bool) {
	va, errA := a.Eval(t.envAt(p))
	switch {
	case errA != nil && p.err != nil:
		return true, true
	case errA != nil || p.err != nil, va.Cmp(valAt(p)) != 0:
		return false, false
	}
	return false, true
}

// valAt is want's value at p, which has one.
func valAt(p *targetPoint) *big.Rat {
	if p.val != nil {
		return p.val
	}
	return big.NewRat(p.want.num, p.want.den)
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
		if fast && p.vals != nil {
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
		skip, agree := t.agreesExactly(a, p)
		if !agree {
			return false
		}
		if skip {
			continue
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
	for i := range t.points {
		p := &t.points[i]
		skip, agree := t.agreesExactly(a, p)
		if !agree {
			return false
		}
		if skip {
			continue
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
	vars []Variable
	dom  Domain
}

// NewShapeTarget prepares want for Equivalent tests in vars and d.
func NewShapeTarget(want SymbolicShape, vars []Variable, d Domain) *ShapeTarget {
	t := &ShapeTarget{dims: make([]*Target, len(want.Dims)), vars: vars, dom: d}
	for i, dim := range want.Dims {
		t.dims[i] = NewTarget(dim, vars, d)
	}
	return t
}

// Sibling prepares another shape in t's variables and domain, as
// NewShapeTarget does, sharing t's sample points where they are the same.
func (t *ShapeTarget) Sibling(want SymbolicShape) *ShapeTarget {
	if len(t.dims) == 0 {
		return NewShapeTarget(want, t.vars, t.dom)
	}
	s := &ShapeTarget{dims: make([]*Target, len(want.Dims)), vars: t.vars, dom: t.dom}
	for i, dim := range want.Dims {
		s.dims[i] = t.dims[0].Sibling(dim)
	}
	return s
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

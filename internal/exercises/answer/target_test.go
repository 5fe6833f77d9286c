package answer

import (
	"math/big"
	"testing"
)

// TestTargetMatchesEquivalent compares Target.Equivalent with Equivalent
// over formulas that agree, disagree, fail to evaluate at some points, use
// variables the target does not, and domains that adjust or reject points.
func TestTargetMatchesEquivalent(t *testing.T) {
	attnVars := []Variable{{Name: "d_model"}, {Name: "d_k"}, {Name: "h"}}
	strided := Domain{Lo: 1, Hi: 64, Constrain: func(env map[string]*big.Rat) bool {
		s := env["S"].Num().Int64()
		env["S"].SetInt64(2 + s%4)
		return new(big.Rat).Add(env["W_in"], new(big.Rat).Mul(big.NewRat(2, 1), env["P"])).Cmp(env["K"]) >= 0
	}}
	picky := Domain{Lo: -5, Hi: 5, Constrain: func(env map[string]*big.Rat) bool {
		return env["K"].Sign() > 0 && env["P"].Sign() >= 0
	}}
	rare := Domain{Lo: 1, Hi: 1000, Constrain: func(env map[string]*big.Rat) bool {
		return env["K"].Num().Int64()%97 == 0
	}}
	cases := []struct {
		vars    []Variable // the target's variables
		parse   []Variable // the variables formulas are read with
		dom     Domain
		want    string
		answers []string
	}{
		{attnVars, attnVars, attentionDomain, "d_k (d_model + 1)",
			[]string{"d_k d_model + d_k", "d_k(d_model+1)", "d_k d_model", "d_model (d_k + 1)", "d_k^2 h + d_k", "(d_model/h)(d_model + 1)", "d_k/(h - h)", "d_k (d_model + 1) + 0*(d_model^4)"}},
		{attnVars, attnVars, attentionDomain, "3 d_k (d_model + 1) h",
			[]string{"3 d_model (d_model + 1)", "3 d_model^2 + 3 d_model", "3 d_k d_model h", "4 d_model (d_model + 1)"}},
		{convVars, convVars, strided, "floor((W_in - K + 2P)/S) + 1",
			[]string{"⌊(W_in + 2P - K)/S⌋ + 1", "(W_in - K + 2P)/S + 1", "W_in - K + 1", "floor((W_in - K + 2P)/S)"}},
		{convVars, convVars, picky, "W_in/(K - 2) + P",
			[]string{"P + W_in/(K - 2)", "W_in/(K-2)", "(W_in + P K - 2P)/(K - 2)", "1/(K-2) + P", "W_in/(K - 3) + P", "W_in/(K-2) + P + 0/(P-1)"}},
		{convVars, convVars, rare, "K + P", []string{"P + K", "K", "K + P + 1"}},
		// The target names only W_in and K; answers with P or S bring
		// variables of their own.
		{convVars[:2], convVars, Domain{}, "W_in - K + 1",
			[]string{"W_in - K + 1", "W_in - K + 1 + 0 P", "W_in - K + P", "1 - K + W_in", "S + W_in - K + 1 - S"}},
		// Answers that differ from the target at a few points only, so
		// the verdict depends on exactly which points are compared.
		{convVars, convVars, Domain{}, "W_in - K + 1",
			[]string{"W_in - K + 1 + floor(W_in/64)", "W_in - K + 1 + floor(K/64)", "W_in - K + 1 + floor(P/64)",
				"W_in - K + 1 + floor(S/64)", "W_in - K + 1 + floor(W_in/63)", "W_in - K + 1 + floor(K/62)"}},
		{nil, convVars, Domain{Lo: 0, Hi: 3}, "W_in / K",
			[]string{"W_in / K", "2 W_in / (2 K)", "W_in / K + P", "W_in"}},
	}
	for _, c := range cases {
		want, err := ParseFormula(c.want, c.parse)
		if err != nil {
			t.Fatalf("ParseFormula(%q): %v", c.want, err)
		}
		target := NewTarget(want, c.vars, c.dom)
		// The points reach as far as any comparison can go: equivPoints
		// where want has a value, or every attempt.
		valued := 0
		for _, p := range target.points {
			if p.err == nil {
				valued++
			}
		}
		if valued > equivPoints || (valued < equivPoints && !exhausts(c.vars, want, c.dom)) {
			t.Errorf("%q: %d points with a value, want %d", c.want, valued, equivPoints)
		}
		for range 2 { // a Target gives the same answer every time
			for _, s := range c.answers {
				a, err := ParseFormula(s, c.parse)
				if err != nil {
					t.Fatalf("ParseFormula(%q): %v", s, err)
				}
				if got, exp := target.Equivalent(a), Equivalent(a, want, c.vars, c.dom); got != exp {
					t.Errorf("want %q, answer %q: Target.Equivalent %v, Equivalent %v", c.want, s, got, exp)
				}
			}
		}
		if target.Equivalent(nil) {
			t.Errorf("%q: a nil formula is equivalent", c.want)
		}
	}
	if NewTarget(nil, nil, Domain{}).Equivalent(&Expr{}) {
		t.Error("a nil target is equivalent")
	}
}

// exhausts reports whether Equivalent's sampling draws all equivMaxAttempt
// points for want without finding equivPoints where want has a value.
func exhausts(vars []Variable, want *Expr, d Domain) bool {
	valued := 0
	samplePoints(sampleNames(vars, want), d, func(env map[string]*big.Rat) bool {
		if _, err := want.Eval(env); err == nil {
			valued++
		}
		return valued < equivPoints
	})
	return valued < equivPoints
}

// TestTargetShared checks that checks running at once may share a Target
// (run with -race): it only reads its points.
func TestTargetShared(t *testing.T) {
	vars := []Variable{{Name: "d_model"}, {Name: "d_k"}, {Name: "h"}}
	want, err := ParseFormula("d_k (d_model + 1)", vars)
	if err != nil {
		t.Fatal(err)
	}
	target := NewTarget(want, vars, attentionDomain)
	answers := []string{"d_k d_model + d_k", "d_model (d_k + 1)", "d_k/(h-h)"}
	exp := make([]bool, len(answers))
	exprs := make([]*Expr, len(answers))
	for i, s := range answers {
		if exprs[i], err = ParseFormula(s, vars); err != nil {
			t.Fatal(err)
		}
		exp[i] = Equivalent(exprs[i], want, vars, attentionDomain)
	}
	errs := make(chan string, 8*len(answers))
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i, e := range exprs {
				if target.Equivalent(e) != exp[i] {
					errs <- answers[i]
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for s := range errs {
		t.Errorf("%q: a shared Target disagreed with Equivalent", s)
	}
}

package answer

import (
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
)

var convVars = []Variable{
	{Name: "W_in"},
	{Name: "K"},
	{Name: "P"},
	{Name: "S"},
}

func TestParseFormulaString(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"3 d_k (d_model + 1) h", "3·d_k·(d_model + 1)·h"},
		{"3*d_k*(d_model+1)*h", "3·d_k·(d_model + 1)·h"},
		{"3×d_k×(d_model+1)×h", "3·d_k·(d_model + 1)·h"},
		{"3·h·d_k·d_model + 3 h d_k", "3·h·d_k·d_model + 3·h·d_k"},
		{"3 d_{model}(d_{model} + 1)", "3·d_model·(d_model + 1)"},
		{"3dmodel(dmodel+1)", "3·d_model·(d_model + 1)"},
		{"3 D_MODEL", "3·d_model"},
		{"dk*H", "d_k·h"},
		{"dₖ h", "d_k·h"},
		{"d_model d_k", "d_model·d_k"},
		{"d_model*d_k", "d_model·d_k"},
		{"hd_k", "h·d_k"},
		{"d_k(d_model+1)", "d_k·(d_model + 1)"},
		{"(d_k)(h)", "d_k·h"},
		{"[d_k + 1][h]", "(d_k + 1)·h"},
		{"3d_model^2 + 3d_model", "3·d_model² + 3·d_model"},
		{"3 d_model²+3 d_model", "3·d_model² + 3·d_model"},
		{"d_model**2", "d_model²"},
		{"2^(d_k+1)", "2^(d_k + 1)"},
		{"2^3^2", "2^(3²)"},
		{"(2^3)^2", "(2³)²"},
		{"-h^2", "−h²"},
		{"(-h)^2", "(−h)²"},
		{"−h + −d_k", "−h + (−d_k)"},
		{"h - -d_k", "h − (−d_k)"},
		{"h - (d_k - 1)", "h − (d_k − 1)"},
		{"h - d_k - 1", "h − d_k − 1"},
		{"h + (d_k + 1)", "h + d_k + 1"},
		{"h - d_k·-1", "h − d_k·(−1)"},
		{"d_model/h", "d_model/h"},
		{"d_model/2h", "(d_model/2)·h"},
		{"d_model/(2h)", "d_model/(2·h)"},
		{"h d_model/2", "h·d_model/2"},
		{"d_model ÷ h", "d_model/h"},
		{"0.5 h", "0.5·h"},
		{".25h", "0.25·h"},
		{"1.50", "1.5"},
		{"+h", "h"},
		{"--h", "−(−h)"},
		{"floor(d_model/h)", "⌊d_model/h⌋"},
		{"Floor[d_model/h]", "⌊d_model/h⌋"},
		{"⌊d_model/h⌋", "⌊d_model/h⌋"},
		{"ceil(d_model/h)", "⌈d_model/h⌉"},
		{"⌈d_model/h⌉ + 1", "⌈d_model/h⌉ + 1"},
		{"2floor(h/2)", "2·⌊h/2⌋"},
		{"3 x d_k", "3·d_k"},
		{"-(h + 1)·2", "−(h + 1)·2"},
		{"-h·d_k", "−h·d_k"},
		{"h + -h·d_k", "h + (−h·d_k)"},
		{"-(-h·d_k)", "−(−h·d_k)"},
	}
	for _, c := range cases {
		e, err := ParseFormula(c.in, transformerVars)
		if err != nil {
			t.Errorf("ParseFormula(%q): unexpected error %v", c.in, err)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("ParseFormula(%q).String() = %q, want %q", c.in, got, c.want)
		}
		if got := e.ReadAs(); got != "read as "+c.want {
			t.Errorf("ParseFormula(%q).ReadAs() = %q", c.in, got)
		}
		// The normalized text parses back to the same text.
		back, err := ParseFormula(e.String(), transformerVars)
		if err != nil {
			t.Errorf("reparse of %q failed: %v", e.String(), err)
		} else if back.String() != e.String() {
			t.Errorf("reparse of %q gives %q", e.String(), back.String())
		}
	}
	conv := []struct{ in, want string }{
		{"floor((W_in - K + 2P)/S) + 1", "⌊(W_in − K + 2·P)/S⌋ + 1"},
		{"⌊(W_in + 2P - K)/S⌋ + 1", "⌊(W_in + 2·P − K)/S⌋ + 1"},
		{"(Win-K+2P)/S+1", "(W_in − K + 2·P)/S + 1"},
		{"(W_{in} - k + 2p)/s + 1", "(W_in − K + 2·P)/S + 1"},
		{"KPS", "K·P·S"},
	}
	for _, c := range conv {
		e, err := ParseFormula(c.in, convVars)
		if err != nil {
			t.Errorf("ParseFormula(%q): unexpected error %v", c.in, err)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("ParseFormula(%q).String() = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseFormulaErrors(t *testing.T) {
	cases := []struct {
		in, msg string
		pos     int // -2 means do not check
	}{
		{"", "empty", -2},
		{"3 d_k dmod", "unknown name `dmod` at position 7; known: `d_model`, `d_k`, `h`", 6},
		{"Kernel", "unknown name `Kernel`", 0},
		{"d_model +", "ends too early", -2},
		{"(d_model", "expected ')' to close the '(' at position 1", -2},
		{"(d_model]", "expected ')'", 8},
		{"d_model)", "no matching opening bracket", 7},
		{"⌊d_model/h)", "expected '⌋'", -2},
		{"()", "empty brackets", 1},
		{"d_model 2", "put an operator", 8},
		{"2 3", "put an operator", 2},
		{"d_model $ h", "unexpected character '$'", 8},
		{"h²⁻", "negative powers", -2},
		{"h⁻¹", "negative powers", -2},
		{"²h", "nothing before it", 0},
		{"h^", "ends too early", -2},
		{"* h", "unexpected '*'", 0},
		{"floor h", "needs brackets", -2},
		{"sqrt(d_k)", "sqrt is not supported", 0},
		{"d_{k", "braces", 0},
		{"h^2 3", "put an operator", -2},
		{"1." + strings.Repeat("0", 200), "too long", -2},
		{strings.Repeat("(", 65) + "h" + strings.Repeat(")", 65), "nested too deeply", -2},
		{strings.Repeat("-", 65) + "h", "nested too deeply", -2},
		{strings.Repeat("h^", 65) + "h", "nested too deeply", -2},
		{strings.Repeat("h+", 300) + "h", "too long", -2},
		{"h¹²³⁴", "too large", -2},
		{strings.Repeat("h", MaxInputBytes+1), "too long", -2},
	}
	for _, c := range cases {
		_, err := ParseFormula(c.in, transformerVars)
		if err == nil {
			t.Errorf("ParseFormula(%q): expected an error", c.in)
			continue
		}
		pe := wantParseError(t, c.in, err, c.msg)
		if c.pos != -2 && pe.Pos != c.pos {
			t.Errorf("ParseFormula(%q): Pos = %d, want %d", c.in, pe.Pos, c.pos)
		}
		if c.msg != "empty" && !strings.Contains(pe.Expected, "`d_model`, `d_k`, `h`") {
			t.Errorf("ParseFormula(%q): Expected %q should list the variables", c.in, pe.Expected)
		}
	}
	// Depth and token limits are inclusive.
	if _, err := ParseFormula(strings.Repeat("(", 64)+"h"+strings.Repeat(")", 64), transformerVars); err != nil {
		t.Errorf("64 levels should be accepted: %v", err)
	}
}

func TestVariableMatching(t *testing.T) {
	// h and H differ only by case, so both must be typed exactly.
	vars := []Variable{{Name: "h"}, {Name: "H"}, {Name: "W"}, {Name: "d_model", Display: "d_{model}", Aliases: []string{"D"}}}
	cases := []struct {
		in, want string
	}{
		{"h", "h"},
		{"H", "H"},
		{"w", "W"},
		{"hH", "h·H"},
		{"D", "d_{model}"},
		{"d", "d_{model}"},
		{"dmodel", "d_{model}"},
		{"DMODEL", "d_{model}"},
		{"d_{model}", "d_{model}"},
	}
	for _, c := range cases {
		e, err := ParseFormula(c.in, vars)
		if err != nil {
			t.Errorf("ParseFormula(%q): %v", c.in, err)
			continue
		}
		if e.String() != c.want {
			t.Errorf("ParseFormula(%q) = %q, want %q", c.in, e.String(), c.want)
		}
	}
	e, _ := ParseFormula("h + H + d_model", vars)
	if got := e.Variables(); !slices.Equal(got, []string{"H", "d_model", "h"}) {
		t.Errorf("Variables = %q", got)
	}
	// Automatic spellings that would name two variables are dropped.
	amb := []Variable{{Name: "a_b"}, {Name: "ab_"}}
	if _, err := ParseFormula("ab", amb); err == nil {
		t.Error(`"ab" is ambiguous between a_b and ab_ and should be rejected`)
	}
	if _, err := ParseFormula("a_b + ab_", amb); err != nil {
		t.Errorf("exact spellings must still work: %v", err)
	}
	// An explicit spelling beats an automatic one.
	pref := []Variable{{Name: "d_k"}, {Name: "dk2", Aliases: []string{"dk"}}}
	if e, err := ParseFormula("dk", pref); err != nil || e.Variables()[0] != "dk2" {
		t.Errorf("explicit alias should win: %v %v", e, err)
	}
	// A lone x is a variable when one is called x.
	if e, err := ParseFormula("3 x n", []Variable{{Name: "x"}, {Name: "n"}}); err != nil || e.String() != "3·x·n" {
		t.Errorf("3 x n with variable x: %v %v", e, err)
	}
	// Setup mistakes are reported, not guessed at.
	for _, bad := range [][]Variable{
		{{Name: ""}},
		{{Name: "a"}, {Name: "b", Aliases: []string{"a"}}},
	} {
		_, err := ParseFormula("1", bad)
		wantParseError(t, "1", err, "exercise setup problem")
	}
	// No variables at all: numbers only.
	if _, err := ParseFormula("h", nil); err == nil || !strings.Contains(err.Error(), "known: none") {
		t.Errorf("unexpected %v", err)
	}
	if e, err := ParseFormula("2^10/4", nil); err != nil || e.String() != "2¹⁰/4" {
		t.Errorf("numbers only: %v %v", e, err)
	}
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func TestEval(t *testing.T) {
	env := map[string]*big.Rat{"d_model": rat("512"), "d_k": rat("64"), "h": rat("8")}
	cases := []struct {
		in, want string
	}{
		{"3 d_k (d_model + 1) h", "787968"},
		{"4 d_model² + 4 d_model", "1050624"},
		{"d_model/h", "64"},
		{"d_model/3", "512/3"},
		{"floor(d_model/3)", "170"},
		{"ceil(d_model/3)", "171"},
		{"floor(-d_model/3)", "-171"},
		{"ceil(-d_model/3)", "-170"},
		{"⌊-h⌋", "-8"},
		{"2^-0", "1"},
		{"0^0", "1"},
		{"(1/2)^3", "1/8"},
		{"2^64", "18446744073709551616"},
		{"0.1 + 0.2", "3/10"},
		{"-h^2", "-64"},
		{"(-h)^2", "64"},
		{"2^3^2", "512"},
		{"h - d_k - 1", "-57"},
		{"d_model/2h", "2048"},
	}
	for _, c := range cases {
		e, err := ParseFormula(c.in, transformerVars)
		if err != nil {
			t.Errorf("ParseFormula(%q): %v", c.in, err)
			continue
		}
		got, err := e.Eval(env)
		if err != nil {
			t.Errorf("Eval(%q): %v", c.in, err)
			continue
		}
		if got.Cmp(rat(c.want)) != 0 {
			t.Errorf("Eval(%q) = %s, want %s", c.in, got.RatString(), c.want)
		}
	}
	bad := []struct {
		in, msg string
	}{
		{"h/(d_k - 64)", "division by zero"},
		{"h^(1/2)", "whole number"},
		{"h^(0-1)", "negative"},
		{"2^65", "larger than 64"},
		{"h^h^h", "larger than 64"},
		{"(d_model^64)^64", "too large"},
		{"((2^64)^64)^64", "too large"},
	}
	for _, c := range bad {
		// Eval's own guards are tested without the parse-time bounds,
		// which refuse the last three before any evaluation.
		r, rerr := newResolver(transformerVars)
		if rerr != nil {
			t.Fatal(rerr)
		}
		e, perr := parseFormulaTree(c.in, 0, len(c.in), r)
		if perr != nil {
			t.Errorf("parseFormulaTree(%q): %v", c.in, perr)
			continue
		}
		_, err := e.Eval(env)
		var ee *EvalError
		if !errors.As(err, &ee) || !strings.Contains(ee.Error(), c.msg) {
			t.Errorf("Eval(%q) error = %v, want one mentioning %q", c.in, err, c.msg)
		}
	}
	e, _ := ParseFormula("d_model + h", transformerVars)
	if _, err := e.Eval(map[string]*big.Rat{"d_model": rat("1")}); err == nil || !strings.Contains(err.Error(), "h") {
		t.Errorf("missing variable: %v", err)
	}
	if _, err := e.Eval(map[string]*big.Rat{"d_model": rat("1"), "h": nil}); err == nil {
		t.Error("nil variable value should be an error")
	}
	// Eval must not alias the environment.
	v := rat("5")
	single, _ := ParseFormula("h", transformerVars)
	got, _ := single.Eval(map[string]*big.Rat{"h": v})
	got.SetInt64(7)
	if v.Cmp(rat("5")) != 0 {
		t.Error("Eval result aliases env")
	}
	var nilExpr *Expr
	if _, err := nilExpr.Eval(env); err == nil {
		t.Error("nil Expr should fail to evaluate")
	}
	if nilExpr.String() != "" || nilExpr.Variables() != nil {
		t.Error("nil Expr String/Variables")
	}
	if _, err := (&Expr{}).Eval(env); err == nil {
		t.Error("zero Expr should fail to evaluate")
	}
}

// attentionDomain forces d_model = d_k·h, as in multi-head attention.
var attentionDomain = Domain{Lo: 1, Hi: 16, Constrain: func(env map[string]*big.Rat) bool {
	env["d_model"] = new(big.Rat).Mul(env["d_k"], env["h"])
	return true
}}

func TestEquivalent(t *testing.T) {
	mustParse := func(s string, vars []Variable) *Expr {
		t.Helper()
		e, err := ParseFormula(s, vars)
		if err != nil {
			t.Fatalf("ParseFormula(%q): %v", s, err)
		}
		return e
	}
	type pair struct {
		a, b string
		same bool
	}
	free := []pair{
		{"3 d_k (d_model + 1) h", "3*d_k*(d_model+1)*h", true},
		{"3 d_k (d_model + 1) h", "3·h·d_k·d_model + 3 h d_k", true},
		{"3*d_k*(d_model+1)*h", "3·h·d_k·d_model + 3 h d_k", true},
		{"d_k (d_model + 1)", "d_k d_model", false},
		{"3 d_k (d_model + 1) h", "3 d_model (d_model + 1)", false}, // only under the constraint
		{"(d_model + 1)^2", "d_model² + 2d_model + 1", true},
		{"d_model/h/d_k", "d_model/(h d_k)", true},
	}
	for _, p := range free {
		if got := Equivalent(mustParse(p.a, transformerVars), mustParse(p.b, transformerVars), transformerVars, Domain{}); got != p.same {
			t.Errorf("Equivalent(%q, %q) = %v, want %v", p.a, p.b, got, p.same)
		}
	}
	constrained := []pair{
		{"3 d_k (d_model + 1) h", "3 d_model (d_model + 1)", true},
		{"3 d_k (d_model + 1) h", "3d_model^2 + 3d_model", true},
		{"3 d_k (d_model + 1) h", "3 d_model²+3 d_model", true},
		{"3 d_k (d_model + 1) h", "3 d_model²", false},
		{"d_k (d_model + 1)", "d_k d_model", false},
		{"4(d_model² + d_model)", "4 d_model (h d_k + 1)", true},
	}
	for _, p := range constrained {
		if got := Equivalent(mustParse(p.a, transformerVars), mustParse(p.b, transformerVars), transformerVars, attentionDomain); got != p.same {
			t.Errorf("Equivalent(%q, %q) with d_model = d_k·h = %v, want %v", p.a, p.b, got, p.same)
		}
	}

	// Convolution output size: S ranges over 2..5, the other variables over
	// 1..64 with the padded input at least the kernel size.
	strided := Domain{Lo: 1, Hi: 64, Constrain: func(env map[string]*big.Rat) bool {
		s := env["S"].Num().Int64()
		env["S"].SetInt64(2 + s%4)
		return new(big.Rat).Add(env["W_in"], new(big.Rat).Mul(big.NewRat(2, 1), env["P"])).Cmp(env["K"]) >= 0
	}}
	floorA := mustParse("floor((W_in - K + 2P)/S) + 1", convVars)
	floorB := mustParse("⌊(W_in + 2P - K)/S⌋ + 1", convVars)
	noFloor := mustParse("(W_in - K + 2P)/S + 1", convVars)
	if !Equivalent(floorA, floorB, convVars, strided) {
		t.Error("the two floor forms should be equivalent")
	}
	if Equivalent(floorA, noFloor, convVars, strided) {
		t.Error("dropping the floor should not be equivalent when S varies")
	}
	// With stride fixed to 1 the floor makes no difference.
	stride1 := Domain{Constrain: func(env map[string]*big.Rat) bool { env["S"].SetInt64(1); return true }}
	if !Equivalent(floorA, noFloor, convVars, stride1) {
		t.Error("with S = 1 the floor is redundant")
	}

	// Both failing at a point skips it; one failing means different.
	x := []Variable{{Name: "x"}}
	if !Equivalent(mustParse("1/(x-3)", x), mustParse("2/(2x-6)", x), x, Domain{}) {
		t.Error("points where both sides divide by zero should be skipped")
	}
	if Equivalent(mustParse("(x-3)/(x-3)", x), mustParse("1", x), x, Domain{Lo: 1, Hi: 4}) {
		t.Error("one side failing at x = 3 means not equivalent")
	}
	// Too few usable points: not shown equivalent.
	never := Domain{Constrain: func(map[string]*big.Rat) bool { return false }}
	if Equivalent(mustParse("x", x), mustParse("x", x), x, never) {
		t.Error("no accepted points should not prove equivalence")
	}
	if Equivalent(nil, mustParse("x", x), x, Domain{}) {
		t.Error("nil formula")
	}
	// Reversed and negative domains work; variables outside vars get values too.
	if !Equivalent(mustParse("x^2", x), mustParse("x·x", x), nil, Domain{Lo: 10, Hi: -10}) {
		t.Error("reversed domain")
	}
	// Deterministic: the same question always gets the same answer.
	near := mustParse("floor(x/7)", x)
	zero := mustParse("0", x)
	first := Equivalent(near, zero, x, Domain{Lo: 1, Hi: 7})
	for range 5 {
		if Equivalent(near, zero, x, Domain{Lo: 1, Hi: 7}) != first {
			t.Fatal("Equivalent is not deterministic")
		}
	}
	if first {
		t.Error("floor(x/7) vs 0 on 1..7 should differ at x = 7")
	}
}

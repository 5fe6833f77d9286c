package exercises

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// This file holds the checkers every exercise builds its parts from. Each
// reads the answer with the parser of its kind, compares it with the value
// compute produced, and on a mismatch compares it with the values the usual
// mistakes produce, also computed, never typed in.

// mistake is a diagnosable wrong answer: the value a known mistake leads
// to, and what to tell the student who made it.
type mistake[T any] struct {
	id       string
	feedback string
	value    T
	// uses and avoids, for formula mistakes, tell two slips with equal
	// values apart by how the student wrote them: the mistake fits only an
	// answer that uses (or avoids) the named variable.
	uses, avoids string
}

func asParseError(err error, pe **answer.ParseError) bool { return errors.As(err, pe) }

// checker reads and judges one part's answer. Examples holds, for every
// diagnosis the checker can make, an answer as a student would type it that
// leads to it; the diagnosis tests check each one at many seeds.
type checker struct {
	fn       func(string) Verdict
	examples []example
	// reference, for the formula checkers, judges as fn does but from
	// scratch: every comparison with math/big at freshly drawn points,
	// nothing prepared. Tests hold fn to it (precompiled_test.go).
	reference func(string) Verdict
}

// example is an answer that must draw the diagnosis code.
type example struct {
	code, input string
}

func (c checker) check(text string) Verdict { return c.fn(text) }

// examplesOf writes each mistake's value as an answer text.
func examplesOf[T any](ms []mistake[T], text func(T) string) []example {
	out := make([]example, 0, len(ms))
	for _, m := range ms {
		out = append(out, example{code: m.id, input: text(m.value)})
	}
	return out
}

// matchMistakes returns the diagnosis for an answer that matches one or more
// known mistakes. Two slips can lead to the same number (forgetting the +1
// and padding one side only, say); then the feedback names both.
func matchMistakes[T any](ms []mistake[T], matches func(T) bool) (ids []string, feedback string, ok bool) {
	var hits []mistake[T]
	for _, m := range ms {
		if matches(m.value) {
			dup := false
			for _, h := range hits {
				dup = dup || h.id == m.id
			}
			if !dup {
				hits = append(hits, m)
			}
		}
	}
	ids = make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	switch len(hits) {
	case 0:
		return nil, "", false
	case 1:
		return ids, hits[0].feedback, true
	}
	parts := make([]string, len(hits))
	for i, h := range hits {
		parts[i] = h.feedback
	}
	return ids, "This answer fits more than one common slip. " + strings.Join(parts, " Or: "), true
}

func correct(readAs, feedback string) Verdict {
	return Verdict{Status: StatusCorrect, ReadAs: readAs, Feedback: feedback, Credit: 1}
}

// carryForward credits a wrong answer that is the right step from the
// student's own wrong answer to an earlier part, and says so plainly: what
// was credited, why, and where the slip is. It never names the right value.
func carryForward(vd *Verdict, step, earlier string) {
	if vd.Status != StatusIncorrect {
		return
	}
	vd.Consistent = true
	vd.Credit = 1
	vd.Feedback = "Full credit for this step: " + step + " The slip is in " + earlier +
		"; once that is fixed, this answer changes with it."
}

func wrong(readAs, feedback string) Verdict {
	return Verdict{Status: StatusIncorrect, ReadAs: readAs, Feedback: feedback}
}

func diagnosed(readAs, id, feedback string) Verdict {
	return Verdict{Status: StatusIncorrect, ReadAs: readAs, Mistake: id, Mistakes: []string{id}, Feedback: feedback}
}

// diagnosedAll is diagnosed for an answer that fits several mistakes; the
// first is the main diagnosis.
func diagnosedAll(readAs string, ids []string, feedback string) Verdict {
	return Verdict{Status: StatusIncorrect, ReadAs: readAs, Mistake: ids[0], Mistakes: ids, Feedback: feedback}
}

// integerCheck checks a whole-number answer.
func integerCheck(expected int64, mistakes []mistake[int64], generic string) checker {
	return checker{examples: examplesOf(mistakes, func(v int64) string { return strconv.FormatInt(v, 10) }), fn: func(text string) Verdict {
		n, err := answer.ParseInteger(text)
		if err != nil {
			return invalid(err)
		}
		if n.Value == expected {
			return correct(n.ReadAs(), "Correct.")
		}
		if ids, fb, ok := matchMistakes(mistakes, func(v int64) bool { return v == n.Value && v != expected }); ok {
			return diagnosedAll(n.ReadAs(), ids, fb)
		}
		return wrong(n.ReadAs(), generic)
	}}
}

// Tolerance says how close a number must be, in numbers and in words.
type Tolerance struct {
	// Rel is a relative tolerance (0.01 is 1 %); Abs an absolute one, in the
	// unit the answer is compared in. The answer is right within either.
	Rel, Abs float64
	// Words explains it to the student ("to two decimal places").
	Words string
}

// defaultTolerance follows PrairieLearn's number input: 1 % relative.
var defaultTolerance = Tolerance{Rel: 0.01, Words: "within 1 % of the exact value"}

func (t Tolerance) accepts(got, want float64) bool {
	d := math.Abs(got - want)
	return d <= t.Abs+1e-12 || d <= t.Rel*math.Abs(want)
}

// shareCheck checks a share asked as a percentage; the fraction is accepted
// too ("2.57%" and "0.0257"). Tolerance applies to the percentage, which
// the question asks for to two decimal places.
//
// A number above 1 without a percent sign cannot be a fraction of a whole,
// and one that matches the percentage could be either, so both are
// unreadable rather than wrong: the student is asked to say which they
// mean. A share rounded more coarsely than asked is also unreadable: it is
// right to the precision given, and the student is asked for more.
func shareCheck(fraction float64, tol Tolerance, mistakes []mistake[float64], generic string) checker {
	pct := fraction * 100
	examples := examplesOf(mistakes, func(v float64) string { return strconv.FormatFloat(v*100, 'f', 10, 64) + "%" })
	examples = append(examples,
		example{code: "fraction-as-percent", input: strconv.FormatFloat(fraction, 'f', 8, 64) + "%"},
		example{code: "percent-without-sign", input: strconv.FormatFloat(pct, 'f', 4, 64)})
	coarse := func(d int) float64 { f := math.Pow(10, float64(d)); return math.Round(pct*f) / f }
	for d := 1; d >= 0; d-- {
		if !tol.accepts(coarse(d), pct) {
			examples = append(examples, example{code: "share-precision", input: strconv.FormatFloat(coarse(d), 'f', d, 64) + "%"})
			break
		}
	}
	return checker{examples: examples, fn: func(text string) Verdict {
		n, err := answer.ParseNumber(text)
		if err != nil {
			return invalid(err)
		}
		// Float is the value meant ("2.57%" is 0.0257); written is the
		// number as typed, before the percent sign divides it.
		gotPct := n.Float() * 100
		written, _ := n.Value.Float64()
		if !n.Percent && (written > 1 || tol.accepts(written, pct)) {
			return Verdict{Status: StatusInvalid, ReadAs: n.ReadAs(), Mistake: "percent-without-sign", Mistakes: []string{"percent-without-sign"},
				Feedback: fmt.Sprintf("Did you mean %s %% or the fraction %s? Write the percent sign for a percentage, "+
					"or give the share as a fraction between 0 and 1. It does not count as an attempt.",
					compute.FormatNumber(written), compute.FormatNumber(written/100))}
		}
		if tol.accepts(gotPct, pct) {
			return correct(n.ReadAs(), "Correct.")
		}
		rounded := ""
		for d := 1; d >= 0; d-- {
			if c := coarse(d); rounded == "" && !tol.accepts(c, pct) && math.Abs(gotPct-c) < 1e-9 {
				rounded = "one decimal place"
				if d == 0 {
					rounded = "a whole percent"
				}
			}
		}
		asFraction := n.Percent && tol.accepts(written*100, pct)
		fractionFeedback := fmt.Sprintf(
			"You wrote the fraction with a percent sign: %s%% means %s, a hundred times too small. "+
				"Either write the fraction without the sign or multiply by 100 before adding %%.",
			compute.FormatNumber(written), compute.FormatNumber(written/100))
		if ids, fb, ok := matchMistakes(mistakes, func(v float64) bool { return tol.accepts(gotPct, v*100) && !tol.accepts(v*100, pct) }); ok {
			vd := diagnosedAll(n.ReadAs(), ids, fb)
			if asFraction {
				vd.Mistakes = append(vd.Mistakes, "fraction-as-percent")
				vd.Feedback += " Or: " + fractionFeedback
			}
			if rounded != "" {
				vd.Mistakes = append(vd.Mistakes, "share-precision")
				vd.Feedback += " Or, if you rounded to " + rounded + ": this part asks for two decimal places of the percentage."
			}
			return vd
		}
		if rounded != "" {
			return Verdict{Status: StatusInvalid, ReadAs: n.ReadAs(), Mistake: "share-precision", Mistakes: []string{"share-precision"},
				Feedback: fmt.Sprintf("You rounded to %s. This part asks for the percentage to two decimal places "+
					"(or the fraction to four), so give one more digit. It does not count as an attempt.", rounded)}
		}
		if asFraction {
			return diagnosed(n.ReadAs(), "fraction-as-percent", fractionFeedback)
		}
		return wrong(n.ReadAs(), generic)
	}}
}

// shapeText writes a shape answer as a student would: C@HxW, HxW or N.
func shapeInput(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = strconv.Itoa(d)
	}
	if len(dims) == 3 {
		return parts[0] + "@" + parts[1] + "x" + parts[2]
	}
	return strings.Join(parts, "x")
}

// shapeCheck checks a tensor shape such as 12@48×48 or a flat length.
func shapeCheck(expected []int, mistakes []mistake[[]int], generic string) checker {
	examples := examplesOf(mistakes, shapeInput)
	if len(expected) == 3 && !slices.Equal(expected, []int{expected[1], expected[2], expected[0]}) {
		examples = append(examples, example{code: "channels-last", input: fmt.Sprintf("%dx%dx%d", expected[1], expected[2], expected[0])})
	}
	return checker{examples: examples, fn: func(text string) Verdict {
		s, err := answer.ParseShape(text)
		if err != nil {
			return invalid(err)
		}
		return judgeShape(s, expected, mistakes, generic)
	}}
}

func judgeShape(s answer.Shape, expected []int, mistakes []mistake[[]int], generic string) Verdict {
	readAs := s.ReadAs()
	if slices.Equal(s.Dims, expected) {
		return correct(readAs, "Correct.")
	}
	if len(expected) == 3 && len(s.Dims) == 3 && s.Form != answer.ShapeAt &&
		slices.Equal(s.Dims, []int{expected[1], expected[2], expected[0]}) {
		readAs = fmt.Sprintf("read as %d×%d×%d, which looks like height × width × channels", s.Dims[0], s.Dims[1], s.Dims[2])
		return diagnosed(readAs, "channels-last", fmt.Sprintf(
			"These are the right numbers with the channels last. Stride, like PyTorch, writes channels first: "+
				"C@H×W, here %d@%d×%d.", expected[0], expected[1], expected[2]))
	}
	if ids, fb, ok := matchMistakes(mistakes, func(v []int) bool { return slices.Equal(s.Dims, v) && !slices.Equal(v, expected) }); ok {
		return diagnosedAll(readAs, ids, fb)
	}
	return wrong(readAs, generic)
}

// symbolicShapeCheck checks a shape whose dimensions are formulas.
//
// Everything that does not depend on the answer is prepared once per
// variant, when the checker is made: the variables' spelling tables, the
// expected dimensions' and each mistake's sample points and values
// (answer.ShapeTarget), and whether a mistake coincides with the answer
// (made on a mistake's first use, since most checks never get that far).
// A check then parses the student's shape and compares it with those.
func symbolicShapeCheck(expected []string, vars []answer.Variable, dom answer.Domain, mistakes []mistake[[]string], generic string) checker {
	fp := answer.NewFormulas(vars)
	want := answer.SymbolicShape{Dims: mustFormulas(expected, vars)}
	target := answer.NewShapeTarget(want, vars, dom)
	pm := make([]mistake[*preparedShape], len(mistakes))
	for i, m := range mistakes {
		pm[i] = mistake[*preparedShape]{id: m.id, feedback: m.feedback,
			value: newPrepared(answer.SymbolicShape{Dims: mustFormulas(m.value, vars)}, target)}
	}
	examples := examplesOf(mistakes, func(v []string) string { return strings.Join(v, " x ") })
	if len(expected) == 2 {
		examples = append(examples, example{code: "transposed", input: expected[1] + " x " + expected[0]})
	}
	judge := func(text string, fast bool) Verdict {
		parse := fp.ParseShape
		isAnswer := target.Equivalent
		if !fast {
			parse = func(s string) (answer.SymbolicShape, error) { return answer.ParseSymbolicShape(s, vars) }
			isAnswer = func(s answer.SymbolicShape) bool { return s.Equivalent(want, vars, dom) }
		}
		s, err := parse(text)
		if err != nil {
			return invalid(err)
		}
		// "d_model*d_k" means d_model × d_k, as "3*3" means 3×3: a shape
		// written as one product with as many factors as the shape has
		// dimensions is read as those dimensions.
		if len(s.Dims) == 1 && len(want.Dims) > 1 {
			if parts := splitTopLevel(text, '*'); len(parts) == len(want.Dims) {
				if t, err := parse(strings.Join(parts, " × ")); err == nil && len(t.Dims) == len(want.Dims) {
					s = t
				}
			}
		}
		readAs := "read as " + describeSymbolicShape(s.Dims)
		if isAnswer(s) {
			return correct(readAs, "Correct.")
		}
		// A mistake that coincides with the answer is no mistake.
		if ids, fb, ok := matchMistakes(pm, func(m *preparedShape) bool {
			if !fast {
				return s.Equivalent(m.value, vars, dom) && !m.value.Equivalent(want, vars, dom)
			}
			return m.matches(s) && !m.isAnswer()
		}); ok {
			return diagnosedAll(readAs, ids, fb)
		}
		if len(s.Dims) == 2 && isAnswer(answer.SymbolicShape{Dims: []*answer.Expr{s.Dims[1], s.Dims[0]}}) {
			return diagnosed(readAs, "transposed", "These are the right dimensions in the wrong order: rows first, then columns.")
		}
		return wrong(readAs, generic)
	}
	return checker{examples: examples,
		fn:        func(text string) Verdict { return judge(text, true) },
		reference: func(text string) Verdict { return judge(text, false) }}
}

// splitTopLevel splits s at every sep outside brackets.
func splitTopLevel(s string, sep byte) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case sep:
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func describeSymbolicShape(dims []*answer.Expr) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = d.String()
	}
	return strings.Join(parts, " × ")
}

func mustFormulas(src []string, vars []answer.Variable) []*answer.Expr {
	out := make([]*answer.Expr, len(src))
	for i, s := range src {
		out[i] = mustFormula(s, vars)
	}
	return out
}

// mustFormula parses a formula written by the developers; a failure is a
// bug in Stride, caught by the catalog tests.
func mustFormula(src string, vars []answer.Variable) *answer.Expr {
	e, err := answer.ParseFormula(src, vars)
	if err != nil {
		panic(fmt.Sprintf("exercises: bad built-in formula %q: %v", src, err))
	}
	return e
}

// formulaCheck checks a symbolic formula by exact evaluation at random
// points of the domain.
//
// As in symbolicShapeCheck, everything that does not depend on the answer
// is prepared once per variant: the spelling tables, the expected
// formula's and each mistake's sample points and values (answer.Target,
// which evaluates the student's formula in int64 fractions where they
// fit), and whether a mistake coincides with the answer. The student's
// formula is parsed (within the complexity bounds, before any evaluation)
// and compared with those.
func formulaCheck(expected string, vars []answer.Variable, dom answer.Domain, mistakes []mistake[string], generic string) checker {
	fp := answer.NewFormulas(vars)
	want := mustFormula(expected, vars)
	target := answer.NewTarget(want, vars, dom)
	pm := make([]mistake[*preparedFormula], len(mistakes))
	for i, m := range mistakes {
		pm[i] = mistake[*preparedFormula]{id: m.id, feedback: m.feedback, uses: m.uses, avoids: m.avoids,
			value: newPrepared(mustFormula(m.value, vars), target)}
	}
	judge := func(text string, fast bool) Verdict {
		var e *answer.Expr
		var err error
		if fast {
			e, err = fp.Parse(text)
		} else {
			e, err = answer.ParseFormula(text, vars)
		}
		if err != nil {
			return invalid(err)
		}
		if fast && target.Equivalent(e) || !fast && answer.Equivalent(e, want, vars, dom) {
			return correct(e.ReadAs(), "Correct.")
		}
		written := e.Variables()
		fits := func(m mistake[*preparedFormula]) bool {
			return (m.uses == "" || slices.Contains(written, m.uses)) && (m.avoids == "" || !slices.Contains(written, m.avoids))
		}
		var usable []mistake[*preparedFormula]
		for _, m := range pm {
			if fits(m) {
				usable = append(usable, m)
			}
		}
		// A mistake equivalent to the answer is no mistake.
		if ids, fb, ok := matchMistakes(usable, func(m *preparedFormula) bool {
			if !fast {
				return answer.Equivalent(e, m.value, vars, dom) && !answer.Equivalent(m.value, want, vars, dom)
			}
			return m.matches(e) && !m.isAnswer()
		}); ok {
			return diagnosedAll(e.ReadAs(), ids, fb)
		}
		return wrong(e.ReadAs(), generic)
	}
	return checker{examples: examplesOf(mistakes, func(v string) string { return v }),
		fn:        func(text string) Verdict { return judge(text, true) },
		reference: func(text string) Verdict { return judge(text, false) }}
}

// sampledTarget is what answer.Target (formulas) and answer.ShapeTarget
// (symbolic shapes) share: an expected value's sample points, prepared
// once, against which another value is compared.
type sampledTarget[V any, T any] interface {
	// Sibling prepares v at the same points.
	Sibling(v V) T
	// Equivalent reports whether v agrees with the target at every point.
	Equivalent(v V) bool
}

// prepared is a diagnosable wrong value (a formula or a symbolic shape)
// with, once first needed, its sample points and values and whether it
// coincides with the answer (a variant's checks share it, so both are
// made under a sync.Once).
type prepared[V any, T sampledTarget[V, T]] struct {
	value  V
	answer T // the expected value's target

	once     sync.Once
	target   T
	coincide bool
}

func newPrepared[V any, T sampledTarget[V, T]](value V, answer T) *prepared[V, T] {
	return &prepared[V, T]{value: value, answer: answer}
}

func (m *prepared[V, T]) prepare() {
	m.once.Do(func() {
		// Sharing the answer's sample points: a few KB per mistake.
		m.target = m.answer.Sibling(m.value)
		m.coincide = m.answer.Equivalent(m.value)
	})
}

// matches reports whether v is equivalent to the mistake's value, as
// answer.Equivalent (or SymbolicShape.Equivalent) would: it is symmetric.
func (m *prepared[V, T]) matches(v V) bool {
	m.prepare()
	return m.target.Equivalent(v)
}

// isAnswer reports whether the mistake's value is equivalent to the
// expected one.
func (m *prepared[V, T]) isAnswer() bool {
	m.prepare()
	return m.coincide
}

// The two kinds of prepared mistakes.
type (
	preparedFormula = prepared[*answer.Expr, *answer.Target]
	preparedShape   = prepared[answer.SymbolicShape, *answer.ShapeTarget]
)

// bigOCheck checks a growth rate written as O(f) or f: right when f grows
// like the expected monomial in variable (the ratio tends to a positive
// constant), so O(3 d_model^2 + 3 d_model) counts as O(d_model^2). env gives
// every variable's value when variable is x: the other sizes either stay
// fixed or grow with it (d_k = d_model/h with h fixed), so an answer written
// with them is judged by how it really grows.
func bigOCheck(variable string, degree int, vars []answer.Variable, env func(x int64) map[string]*big.Rat, generic string) checker {
	examples := []example{{code: "growth-too-fast", input: fmt.Sprintf("O(%s^%d)", variable, degree+1)}}
	if degree > 0 {
		slower := "1"
		if degree > 1 {
			slower = variable
			if degree > 2 {
				slower = fmt.Sprintf("%s^%d", variable, degree-1)
			}
		}
		examples = append(examples, example{code: "growth-too-slow", input: "O(" + slower + ")"})
	}
	fp := answer.NewFormulas(vars) // the spelling tables, once per variant
	return checker{examples: examples, fn: func(text string) Verdict {
		inner := strings.TrimSpace(text)
		if rest, ok := strings.CutPrefix(inner, "O"); ok {
			rest = strings.TrimSpace(rest)
			if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
				inner = rest[1 : len(rest)-1]
			}
		}
		e, err := fp.Parse(inner)
		if err != nil {
			return invalid(err)
		}
		readAs := "read as O(" + e.String() + ")"
		others := false
		for _, name := range e.Variables() {
			others = others || name != variable
		}
		d, ok := growthDegree(e, env)
		switch {
		case !ok:
			return wrong(readAs, generic)
		case d == degree && others:
			return correct(readAs, fmt.Sprintf("Correct: the other sizes in it are fixed or grow in step with $%s$, "+
				"so it grows like $%s$. Written in $%s$ alone that is $O(%s)$.", displayName(variable, vars),
				powerTeX(displayName(variable, vars), degree), displayName(variable, vars), powerTeX(displayName(variable, vars), degree)))
		case d == degree:
			return correct(readAs, "Correct.")
		case d < degree:
			return diagnosed(readAs, "growth-too-slow", "That grows too slowly: each weight matrix has one row per input dimension and several columns that also grow with it.")
		default:
			return diagnosed(readAs, "growth-too-fast", "That grows too fast; count how many times the size appears in the shapes of the weight matrices.")
		}
	}}
}

// displayName is how a variable is shown in math markup.
func displayName(name string, vars []answer.Variable) string {
	for _, v := range vars {
		if v.Name == name && v.Display != "" {
			return v.Display
		}
	}
	return name
}

// powerTeX writes base to the power d in math markup.
func powerTeX(base string, d int) string {
	if d == 1 {
		return base
	}
	return fmt.Sprintf("%s^%d", base, d)
}

// growthDegree estimates the polynomial degree of e by exact evaluation at
// two large points of env.
func growthDegree(e *answer.Expr, env func(x int64) map[string]*big.Rat) (int, bool) {
	at := func(x int64) (*big.Rat, bool) {
		v, err := e.Eval(env(x))
		if err != nil || v.Sign() <= 0 {
			return nil, false
		}
		return v, true
	}
	a, ok1 := at(1 << 20)
	b, ok2 := at(1 << 21)
	if !ok1 || !ok2 {
		return 0, false
	}
	ratio, _ := new(big.Rat).Quo(b, a).Float64()
	d := math.Log2(ratio)
	r := math.Round(d)
	if math.Abs(d-r) > 0.01 {
		return 0, false
	}
	return int(r), true
}

// matrixCheck checks a whole output matrix, cell by cell.
func matrixCheck(expected [][]float64, mistakes []mistake[[][]float64], generic string) checker {
	return checker{examples: examplesOf(mistakes, matrixText), fn: func(text string) Verdict {
		m, err := answer.ParseMatrix(text)
		if err != nil {
			return invalid(err)
		}
		readAs := m.ReadAs()
		rows, cols := len(expected), len(expected[0])
		if len(m.Rows) != rows || len(m.Rows[0]) != cols {
			return wrong(readAs, fmt.Sprintf("The answer should be %d×%d (%d %s, %d %s), but this one is %d×%d. Work out the size first.",
				rows, cols, rows, plural(rows, "row", "rows"), cols, plural(cols, "column", "columns"), len(m.Rows), len(m.Rows[0])))
		}
		wrongCells := diffCells(m.Rows, expected)
		if len(wrongCells) == 0 {
			return correct(readAs, "Correct.")
		}
		if ids, fb, ok := matchMistakes(mistakes, func(mv [][]float64) bool {
			return len(diffCells(m.Rows, mv)) == 0 && len(diffCells(mv, expected)) > 0
		}); ok {
			v := diagnosedAll(readAs, ids, fb)
			v.WrongCells = wrongCells
			got := m.Rows[wrongCells[0][0]][wrongCells[0][1]]
			v.Got = &got
			return v
		}
		v := wrong(readAs, fmt.Sprintf("%d of %d cells are wrong; they are marked. %s", len(wrongCells), rows*cols, generic))
		v.WrongCells = wrongCells
		got := m.Rows[wrongCells[0][0]][wrongCells[0][1]]
		v.Got = &got
		return v
	}}
}

func diffCells(got, want [][]float64) [][2]int {
	var out [][2]int
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > 1e-9*math.Max(1, math.Abs(want[i][j])) {
				out = append(out, [2]int{i, j})
			}
		}
	}
	return out
}

// singleChoiceCheck checks one option out of several. Feedback per wrong
// option explains why it is wrong.
func singleChoiceCheck(options []Option, correctID string, why map[string]string, generic string) checker {
	return checker{fn: func(text string) Verdict {
		c, err := answer.ParseChoice(text, optionIDs(options))
		if err != nil {
			return invalid(err)
		}
		if len(c.Selected) != 1 {
			return Verdict{Status: StatusInvalid, ReadAs: c.ReadAs(), Feedback: "Choose exactly one option. It does not count as an attempt."}
		}
		readAs := "read as: " + optionText(options, c.Selected[0])
		if c.Selected[0] == correctID {
			return correct(readAs, "Correct.")
		}
		if w, ok := why[c.Selected[0]]; ok {
			return wrong(readAs, w)
		}
		return wrong(readAs, generic)
	}}
}

// multipleChoiceCheck checks a set of options: right only when exactly the
// right ones are chosen; the feedback says how many are missing or extra.
func multipleChoiceCheck(options []Option, correctIDs []string, why map[string]string) checker {
	return checker{fn: func(text string) Verdict {
		c, err := answer.ParseChoice(text, optionIDs(options))
		if err != nil {
			return invalid(err)
		}
		var names []string
		for _, id := range c.Selected {
			names = append(names, optionText(options, id))
		}
		readAs := "read as: " + strings.Join(names, "; ")
		var missing, extra []string
		for _, id := range correctIDs {
			if !slices.Contains(c.Selected, id) {
				missing = append(missing, id)
			}
		}
		for _, id := range c.Selected {
			if !slices.Contains(correctIDs, id) {
				extra = append(extra, id)
			}
		}
		if len(missing) == 0 && len(extra) == 0 {
			return correct(readAs, "Correct.")
		}
		var fb []string
		for _, id := range extra {
			if w, ok := why[id]; ok {
				fb = append(fb, w)
			}
		}
		if len(extra) > 0 {
			fb = append(fb, fmt.Sprintf("%s of your choices %s not belong.", countWord(len(extra)), plural(len(extra), "does", "do")))
		}
		if len(missing) > 0 {
			fb = append(fb, fmt.Sprintf("%s right %s missing.", countWord(len(missing)), plural(len(missing), "option is", "options are")))
		}
		return wrong(readAs, strings.Join(fb, " "))
	}}
}

// selfCheckPart never judges: once the student has written something, it
// reveals the model answer and the checklist for them to mark themselves.
func selfCheckPart() checker {
	return checker{fn: func(text string) Verdict {
		return Verdict{Status: StatusRevealed, ReadAs: "",
			Feedback: "Compare your answer with the model answer and the checklist below, then mark it yourself."}
	}}
}

func optionIDs(opts []Option) []string {
	ids := make([]string, len(opts))
	for i, o := range opts {
		ids[i] = o.ID
	}
	return ids
}

func optionText(opts []Option, id string) string {
	for _, o := range opts {
		if o.ID == id {
			return o.Text
		}
	}
	return id
}

func countWord(n int) string {
	words := []string{"No", "One", "Two", "Three", "Four", "Five", "Six"}
	if n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// num formats a number for prompts and feedback.
func num(v float64) string { return compute.FormatNumber(v) }

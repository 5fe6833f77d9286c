package answer

import (
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// exprOp is the kind of an Expr node.
type exprOp uint8

const (
	opNum exprOp = iota
	opVar
	opAdd
	opSub
	opMul
	opDiv
	opPow
	opNeg
	opFloor
	opCeil
)

// Expr is a parsed formula. It is immutable after parsing and safe for
// concurrent use. The zero value and a nil *Expr are empty formulas that
// fail to evaluate.
type Expr struct {
	op      exprOp
	num     *big.Rat // opNum
	name    string   // opVar: canonical name
	display string   // opVar: name to show
	a, b    *Expr    // operands; b is unused by unary operations
}

// EvalError explains why a formula has no value at a point, for example a
// division by zero or a missing variable.
type EvalError struct {
	Message string
}

// Error returns the message.
func (e *EvalError) Error() string { return e.Message }

func evalErr(msg string) error { return &EvalError{Message: msg} }

// tokKind is the kind of a formula token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tNum
	tVar
	tFunc  // floor or ceil, written as a word
	tOp    // + - * / ^
	tOpen  // ( [ ⌊ ⌈
	tClose // ) ] ⌋ ⌉
	tSup   // a superscript power such as ²
)

// Bracket kinds carried by tOpen and tClose tokens.
const (
	brParen  = '('
	brSquare = '['
	brFloor  = 'f'
	brCeil   = 'c'
)

type token struct {
	kind tokKind
	pos  int      // byte offset in the original input
	op   byte     // tOp: + - * / ^; tOpen/tClose: a bracket kind; tFunc: brFloor or brCeil
	num  *big.Rat // tNum
	sup  int      // tSup
	v    int      // tVar: variable index
	text string   // the source text, for messages
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the answer"
	case tNum:
		return "the number " + shorten(t.text)
	case tVar:
		return "the variable " + shorten(t.text)
	}
	return "'" + shorten(t.text) + "'"
}

// maxLiteralDigits bounds number literals in formulas; no exercise needs
// more, and it keeps every literal far below MaxValueBits.
const maxLiteralDigits = 100

// lex splits s[start:end] into tokens.
func lex(s string, start, end int, r *resolver) ([]token, *ParseError) {
	exp := r.expected()
	// About one token per two bytes of a typical answer; one allocation
	// instead of a slice grown token by token.
	toks := make([]token, 0, min(MaxFormulaTokens, (end-start)/2+2))
	add := func(t token) *ParseError {
		if len(toks) >= MaxFormulaTokens {
			return limitErr(t.pos, exp, "the formula is too long (more than %d symbols)", MaxFormulaTokens)
		}
		toks = append(toks, t)
		return nil
	}
	i := start
	for i < end {
		c, n := utf8.DecodeRuneInString(s[i:end])
		if isSpace(c) {
			i += n
			continue
		}
		var err *ParseError
		switch {
		case ('0' <= c && c <= '9') || (c == '.' && i+1 < end && isDigit(s[i+1])):
			j := i
			for j < end && isDigit(s[j]) {
				j++
			}
			if j < end && s[j] == '.' && j+1 < end && isDigit(s[j+1]) {
				j++
				for j < end && isDigit(s[j]) {
					j++
				}
			}
			if j-i > maxLiteralDigits {
				return nil, limitErr(i, exp, "the number at position %d is too long", column(s, i))
			}
			text := s[i:j]
			lit := text
			if strings.HasPrefix(lit, ".") {
				lit = "0" + lit
			}
			v, ok := new(big.Rat).SetString(lit)
			if !ok {
				return nil, perr(i, exp, "could not read the number %q", shorten(text))
			}
			err = add(token{kind: tNum, pos: i, num: v, text: text})
			i = j
		case isNameStart(c):
			j := i
			for j < end {
				rr, m := utf8.DecodeRuneInString(s[j:end])
				if !isNameRune(rr) {
					break
				}
				j += m
			}
			var ts []token
			ts, err = wordTokens(s, i, j, end, r)
			for _, t := range ts {
				if err == nil {
					err = add(t)
				}
			}
			i = j
		default:
			t := token{pos: i, text: string(c)}
			switch c {
			case '+':
				t.kind, t.op = tOp, '+'
			case '-', '−', '–':
				t.kind, t.op = tOp, '-'
			case '*':
				t.kind, t.op = tOp, '*'
				if i+1 < end && s[i+1] == '*' {
					t.op, t.text, n = '^', "**", 2
				}
			case '×', '·', '⋅', '∙':
				t.kind, t.op = tOp, '*'
			case '/', '÷':
				t.kind, t.op = tOp, '/'
			case '^':
				t.kind, t.op = tOp, '^'
			case '(':
				t.kind, t.op = tOpen, brParen
			case '[':
				t.kind, t.op = tOpen, brSquare
			case '⌊':
				t.kind, t.op = tOpen, brFloor
			case '⌈':
				t.kind, t.op = tOpen, brCeil
			case ')':
				t.kind, t.op = tClose, brParen
			case ']':
				t.kind, t.op = tClose, brSquare
			case '⌋':
				t.kind, t.op = tClose, brFloor
			case '⌉':
				t.kind, t.op = tClose, brCeil
			case '⁻':
				return nil, perr(i, exp, "negative powers are not supported at position %d; write a division such as 1/x instead", column(s, i))
			default:
				if _, ok := superDigit(c); ok {
					j, v := i, 0
					for j < end {
						rr, m := utf8.DecodeRuneInString(s[j:end])
						d, ok := superDigit(rr)
						if !ok {
							break
						}
						if v > MaxPower*10 {
							return nil, limitErr(i, exp, "the power at position %d is too large (at most %d)", column(s, i), MaxPower)
						}
						v = v*10 + d
						j += m
					}
					if v > MaxPower {
						return nil, limitErr(i, exp, "the power at position %d is too large (at most %d)", column(s, i), MaxPower)
					}
					t.kind, t.sup, t.text, n = tSup, v, s[i:j], j-i
					break
				}
				return nil, unexpectedAt(s, i, exp)
			}
			err = add(t)
			i += n
		}
		if err != nil {
			return nil, err
		}
	}
	if err := add(token{kind: tEOF, pos: end}); err != nil {
		return nil, err
	}
	return toks, nil
}

// unsupportedFunc reports whether name is a function students may try that
// is not available, so we can say so instead of "unknown name".
func unsupportedFunc(name string) bool {
	switch name {
	case "sqrt", "log", "ln", "exp", "sin", "cos", "tan", "max", "min", "softmax", "abs":
		return true
	}
	return false
}

// wordTokens turns the word s[i:j] into tokens: a function name, a lone "x"
// used as a times sign, or one or more variables.
func wordTokens(s string, i, j, end int, r *resolver) ([]token, *ParseError) {
	word := s[i:j]
	norm := normName(word)
	if strings.Count(word, "{") != strings.Count(word, "}") {
		return nil, perr(i, r.expected(), "the braces in %q at position %d do not match", shorten(word), column(s, i))
	}
	if r.lookup(norm) < 0 {
		switch strings.ToLower(norm) {
		case "floor":
			return []token{{kind: tFunc, pos: i, op: brFloor, text: word}}, nil
		case "ceil", "ceiling":
			return []token{{kind: tFunc, pos: i, op: brCeil, text: word}}, nil
		case "x":
			// "3 x d_k": a lone x between spaces is a times sign when no
			// variable is called x.
			before, _ := utf8.DecodeLastRuneInString(s[:i])
			after, _ := utf8.DecodeRuneInString(s[j:end])
			if i > 0 && j < end && isSpace(before) && isSpace(after) {
				return []token{{kind: tOp, pos: i, op: '*', text: word}}, nil
			}
		}
		if unsupportedFunc(strings.ToLower(norm)) {
			return nil, perr(i, r.expected(), "%s is not supported here; answers are checked with exact fractions, so only + − · / ^, floor and ceil are available", word)
		}
	}
	idx := r.split(norm)
	if idx == nil {
		return nil, perr(i, r.expected(), "unknown name `%s` at position %d; known: %s", strings.ReplaceAll(shorten(word), "`", "'"), column(s, i), r.knownList())
	}
	toks := make([]token, len(idx))
	for k, v := range idx {
		toks[k] = token{kind: tVar, pos: i, v: v, text: word}
	}
	return toks, nil
}

// parser is a recursive-descent parser over the token list. Grammar, from
// loosest to tightest binding:
//
//	expr    = term { ("+" | "-") term }
//	term    = unary { ("*" | "/") unary | power }   // juxtaposition multiplies
//	unary   = ("-" | "+") unary | power
//	power   = postfix [ "^" unary ]                  // right-associative
//	postfix = primary { superscript }
//	primary = number | variable | "(" expr ")" | "[" expr "]"
//	        | "⌊" expr "⌋" | "⌈" expr "⌉" | ("floor" | "ceil") "(" expr ")"
//
// Implicit multiplication has the same precedence as "*" and "/" and
// associates left, so "a/2b" is (a/2)·b; String shows the reading as
// "(a/2)·b" so the student can see it.
type parser struct {
	src   string
	toks  []token
	p     int
	depth int
	r     *resolver
	exp   string
}

func (p *parser) peek() token { return p.toks[p.p] }

func (p *parser) next() token {
	t := p.toks[p.p]
	if t.kind != tEOF {
		p.p++
	}
	return t
}

// enter tracks nesting so that deeply nested input fails cleanly instead
// of exhausting the stack.
func (p *parser) enter(pos int) *ParseError {
	p.depth++
	if p.depth > MaxFormulaDepth {
		return limitErr(pos, p.exp, "the formula is nested too deeply (more than %d levels)", MaxFormulaDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) isOp(op byte) bool {
	t := p.peek()
	return t.kind == tOp && t.op == op
}

func (p *parser) parseExpr() (*Expr, *ParseError) {
	left, err := p.parseTerm()
	if err != nil {
		return nil, err
	}
	for p.isOp('+') || p.isOp('-') {
		op := opAdd
		if p.next().op == '-' {
			op = opSub
		}
		right, err := p.parseTerm()
		if err != nil {
			return nil, err
		}
		left = &Expr{op: op, a: left, b: right}
	}
	return left, nil
}

func (p *parser) parseTerm() (*Expr, *ParseError) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		var right *Expr
		op := opMul
		switch {
		case t.kind == tOp && (t.op == '*' || t.op == '/'):
			p.next()
			if t.op == '/' {
				op = opDiv
			}
			right, err = p.parseUnary()
		case t.kind == tVar || t.kind == tFunc || t.kind == tOpen:
			right, err = p.parsePower()
		case t.kind == tNum:
			return nil, perr(t.pos, p.exp, "put an operator such as · or + before the number %s at position %d", shorten(t.text), column(p.src, t.pos))
		default:
			return left, nil
		}
		if err != nil {
			return nil, err
		}
		left = &Expr{op: op, a: left, b: right}
	}
}

func (p *parser) parseUnary() (*Expr, *ParseError) {
	if p.isOp('-') || p.isOp('+') {
		t := p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if t.op == '+' {
			return x, nil
		}
		return &Expr{op: opNeg, a: x}, nil
	}
	return p.parsePower()
}

func (p *parser) parsePower() (*Expr, *ParseError) {
	base, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tSup {
		t := p.next()
		base = &Expr{op: opPow, a: base, b: &Expr{op: opNum, num: big.NewRat(int64(t.sup), 1)}}
	}
	if !p.isOp('^') {
		return base, nil
	}
	t := p.next()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	e, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return &Expr{op: opPow, a: base, b: e}, nil
}

// closerFor is the bracket that must close an opening bracket kind.
func closerFor(k byte) string {
	switch k {
	case brSquare:
		return "]"
	case brFloor:
		return "⌋"
	case brCeil:
		return "⌉"
	}
	return ")"
}

func (p *parser) parsePrimary() (*Expr, *ParseError) {
	t := p.next()
	switch t.kind {
	case tNum:
		return &Expr{op: opNum, num: t.num}, nil
	case tVar:
		v := p.r.vars[t.v]
		return &Expr{op: opVar, name: v.Name, display: v.display()}, nil
	case tFunc:
		open := p.next()
		if open.kind != tOpen || (open.op != brParen && open.op != brSquare) {
			return nil, perr(open.pos, p.exp, "%s needs brackets, as in %s(x)", t.text, strings.ToLower(t.text))
		}
		x, err := p.group(open)
		if err != nil {
			return nil, err
		}
		op := opFloor
		if t.op == brCeil {
			op = opCeil
		}
		return &Expr{op: op, a: x}, nil
	case tOpen:
		x, err := p.group(t)
		if err != nil {
			return nil, err
		}
		switch t.op {
		case brFloor:
			return &Expr{op: opFloor, a: x}, nil
		case brCeil:
			return &Expr{op: opCeil, a: x}, nil
		}
		return x, nil
	case tEOF:
		return nil, perr(t.pos, p.exp, "the formula ends too early; something is missing at the end")
	case tClose:
		if p.p >= 2 && p.toks[p.p-2].kind == tOpen {
			return nil, perr(t.pos, p.exp, "empty brackets at position %d", column(p.src, t.pos))
		}
		return nil, perr(t.pos, p.exp, "unexpected '%s' at position %d; something is missing before it", t.text, column(p.src, t.pos))
	case tSup:
		return nil, perr(t.pos, p.exp, "the power %s at position %d has nothing before it", t.text, column(p.src, t.pos))
	}
	return nil, perr(t.pos, p.exp, "unexpected '%s' at position %d; something is missing before it", t.text, column(p.src, t.pos))
}

// group parses the inside of a bracket pair whose opening token was open.
func (p *parser) group(open token) (*Expr, *ParseError) {
	if err := p.enter(open.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	want := closerFor(open.op)
	t := p.next()
	if t.kind != tClose || t.op != open.op {
		return nil, perr(t.pos, p.exp, "expected '%s' to close the '%s' at position %d, but found %s", want, open.text, column(p.src, open.pos), t.describe())
	}
	return x, nil
}

// ParseFormula parses an algebraic formula over the given variables, such as
// "3 d_k (d_model + 1) h" or "floor((W_in - K + 2P)/S) + 1".
//
// It accepts + − - × · * / ^ **, Unicode superscript powers (d_model²),
// () and [] as brackets, unary minus, multiplication by juxtaposition
// ("2P", "d_k(d_model+1)", "(a)(b)"), floor(…), ceil(…), ⌊…⌋ and ⌈…⌉.
// Variables are matched as described on Variable. A word that is not a
// spelling of one variable may be a run of several ("hd_k" is h·d_k), but
// only if the whole word is covered; otherwise it is reported as unknown,
// with its position and the list of known variables.
//
// A formula over MaxFormulaNodes, MaxFormulaDegree or MaxFormulaBits is
// refused with a *ParseError naming the bound, before any evaluation, so
// that checking any accepted formula is cheap.
func ParseFormula(s string, vars []Variable) (*Expr, error) {
	return NewFormulas(vars).Parse(s)
}

// Formulas reads formulas and symbolic shapes over one list of variables,
// as ParseFormula and ParseSymbolicShape do, with the tables of the
// variables' spellings made once: a part's checker makes one and reads
// every answer with it. It is read-only after NewFormulas, so checks may
// share it.
type Formulas struct {
	r   *resolver
	err *ParseError // the variables' setup problem, if any
}

// NewFormulas prepares vars for reading formulas.
func NewFormulas(vars []Variable) *Formulas {
	r, err := newResolver(vars)
	return &Formulas{r: r, err: err}
}

// Parse reads s as ParseFormula(s, vars) does.
func (f *Formulas) Parse(s string) (*Expr, error) {
	if f.err != nil {
		return nil, f.err
	}
	r := f.r
	if err := checkInput(s, r.expected()); err != nil {
		return nil, err
	}
	start, end := trimSpan(s, 0, len(s))
	e, ferr := parseFormulaSpan(s, start, end, r)
	if ferr != nil {
		return nil, ferr
	}
	return e, nil
}

// parseFormulaSpan parses s[start:end] as a whole formula, reporting
// positions relative to s, and applies the complexity bounds.
func parseFormulaSpan(s string, start, end int, r *resolver) (*Expr, *ParseError) {
	e, err := parseFormulaTree(s, start, end, r)
	if err != nil {
		return nil, err
	}
	if err := checkComplexity(e, start, r.expected()); err != nil {
		return nil, err
	}
	return e, nil
}

// parseFormulaTree parses s[start:end] without the complexity bounds.
func parseFormulaTree(s string, start, end int, r *resolver) (*Expr, *ParseError) {
	if start >= end {
		return nil, perr(start, r.expected(), "the formula is empty")
	}
	toks, err := lex(s, start, end, r)
	if err != nil {
		return nil, err
	}
	p := &parser{src: s, toks: toks, r: r, exp: r.expected()}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tClose {
			return nil, perr(t.pos, p.exp, "the '%s' at position %d has no matching opening bracket", t.text, column(s, t.pos))
		}
		return nil, perr(t.pos, p.exp, "unexpected %s at position %d", t.describe(), column(s, t.pos))
	}
	return e, nil
}

// Eval computes the formula exactly. env maps canonical variable names to
// values. It fails on division by zero, a missing variable, a power whose
// exponent is not a whole number in 0..MaxPower, or any intermediate value
// larger than MaxValueBits.
func (e *Expr) Eval(env map[string]*big.Rat) (*big.Rat, error) {
	if e == nil {
		return nil, evalErr("empty formula")
	}
	v, err := e.eval(env)
	if err != nil {
		return nil, err
	}
	if e.op == opNum || e.op == opVar {
		// eval shares leaves' values; the caller gets its own.
		v = new(big.Rat).Set(v)
	}
	return v, nil
}

func checkSize(r *big.Rat) error {
	if r.Num().BitLen()+r.Denom().BitLen() > MaxValueBits {
		return evalErr("a value in the formula grew too large to compute")
	}
	return nil
}

// eval computes e. The result may be shared with the formula (a number)
// or env (a variable) and must not be modified; every operation writes a
// new value, so leaves cost no allocation.
func (e *Expr) eval(env map[string]*big.Rat) (*big.Rat, error) {
	switch e.op {
	case opNum:
		if e.num == nil {
			return nil, evalErr("empty formula")
		}
		return e.num, nil
	case opVar:
		v := env[e.name]
		if v == nil {
			return nil, evalErr("no value for the variable " + e.name)
		}
		return v, checkSize(v)
	case opNeg, opFloor, opCeil:
		x, err := e.a.eval(env)
		if err != nil {
			return nil, err
		}
		switch e.op {
		case opNeg:
			return new(big.Rat).Neg(x), nil
		case opFloor:
			return floorRat(x), nil
		}
		f := floorRat(new(big.Rat).Neg(x))
		return f.Neg(f), nil
	}
	x, err := e.a.eval(env)
	if err != nil {
		return nil, err
	}
	y, err := e.b.eval(env)
	if err != nil {
		return nil, err
	}
	z := new(big.Rat)
	if x.IsInt() && y.IsInt() && (e.op == opAdd || e.op == opSub || e.op == opMul) {
		// Whole numbers, by far the common case, are added and multiplied
		// as integers: written into z's numerator, z's denominator stays
		// the implicit 1, with no GCD to normalise.
		switch e.op {
		case opAdd:
			z.Num().Add(x.Num(), y.Num())
		case opSub:
			z.Num().Sub(x.Num(), y.Num())
		default:
			z.Num().Mul(x.Num(), y.Num())
		}
		return z, checkSize(z)
	}
	switch e.op {
	case opAdd:
		z.Add(x, y)
	case opSub:
		z.Sub(x, y)
	case opMul:
		z.Mul(x, y)
	case opDiv:
		if y.Sign() == 0 {
			return nil, evalErr("division by zero")
		}
		z.Quo(x, y)
	case opPow:
		return powRat(x, y)
	default:
		return nil, evalErr("malformed formula")
	}
	return z, checkSize(z)
}

// floorRat returns ⌊x⌋. big.Rat keeps its denominator positive, and
// big.Int.Div rounds toward negative infinity for a positive divisor, so one
// division suffices.
func floorRat(x *big.Rat) *big.Rat {
	q := new(big.Int).Div(x.Num(), x.Denom())
	return new(big.Rat).SetInt(q)
}

// powRat computes x^y for a whole exponent 0 ≤ y ≤ MaxPower, checking the
// size of the result before doing the work.
func powRat(x, y *big.Rat) (*big.Rat, error) {
	if !y.IsInt() {
		return nil, evalErr("a power's exponent must be a whole number, not " + y.RatString())
	}
	if y.Sign() < 0 {
		return nil, evalErr("a power's exponent must not be negative (" + y.RatString() + ")")
	}
	if y.Num().Cmp(big.NewInt(MaxPower)) > 0 {
		return nil, evalErr("a power's exponent is larger than " + strconv.Itoa(MaxPower))
	}
	k := y.Num().Int64()
	if int64(x.Num().BitLen()+x.Denom().BitLen())*k > MaxValueBits+int64(k) {
		return nil, evalErr("a power in the formula grows too large to compute")
	}
	ek := big.NewInt(k)
	num := new(big.Int).Exp(x.Num(), ek, nil)
	if x.IsInt() {
		// The common case needs no fraction, and so no GCD.
		r := new(big.Rat)
		r.Num().Set(num)
		return r, checkSize(r)
	}
	den := new(big.Int).Exp(x.Denom(), ek, nil)
	r := new(big.Rat).SetFrac(num, den)
	return r, checkSize(r)
}

// prec is the binding strength of a node when printed; higher binds tighter.
func (e *Expr) prec() int {
	switch e.op {
	case opAdd, opSub:
		return 1
	case opMul, opDiv:
		return 2
	case opNeg:
		return 3
	case opPow:
		return 4
	}
	return 5
}

// String shows the formula in a normalized form: · for multiplication, −
// for minus, spaces around + and −, superscripts for small whole powers,
// ⌊…⌋ for floor and only the brackets needed to keep the meaning, e.g.
// "3·d_k·(d_model + 1)·h". A quotient multiplied by something is bracketed,
// "(a/2)·b", because "a/2·b" is read differently by different people. The
// result parses back to the same formula, provided the variables' Display
// spellings are themselves accepted spellings (they are, when made of
// letters, digits, underscores and braces) and the added brackets do not
// push it over MaxFormulaTokens or MaxFormulaDepth.
func (e *Expr) String() string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	e.write(&b)
	return b.String()
}

// ReadAs says how the formula was understood, e.g.
// "read as 3·d_k·(d_model + 1)·h".
func (e *Expr) ReadAs() string {
	return "read as " + e.String()
}

func (e *Expr) writeParen(b *strings.Builder, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	e.write(b)
	if paren {
		b.WriteByte(')')
	}
}

func (e *Expr) write(b *strings.Builder) {
	switch e.op {
	case opNum:
		b.WriteString(numLiteral(e.num))
	case opVar:
		b.WriteString(e.display)
	case opAdd, opSub:
		e.a.writeParen(b, e.a.prec() < 1)
		if e.op == opAdd {
			b.WriteString(" + ")
		} else {
			b.WriteString(" − ")
		}
		e.b.writeParen(b, e.b.startsWithMinus() || (e.op == opSub && e.b.prec() <= 1))
	case opMul:
		e.a.writeParen(b, e.a.prec() < 2 || e.a.op == opDiv)
		b.WriteString("·")
		e.b.writeParen(b, e.b.prec() < 2 || e.b.op == opDiv || e.b.startsWithMinus())
	case opDiv:
		e.a.writeParen(b, e.a.prec() < 2)
		b.WriteString("/")
		e.b.writeParen(b, e.b.prec() < 4)
	case opNeg:
		b.WriteString("−")
		e.a.writeParen(b, e.a.prec() <= 1 || e.a.startsWithMinus())
	case opPow:
		e.a.writeParen(b, e.a.prec() < 5)
		if sup, ok := superscript(e.b); ok {
			b.WriteString(sup)
			return
		}
		b.WriteString("^")
		e.b.writeParen(b, e.b.prec() < 5)
	case opFloor:
		b.WriteString("⌊")
		e.a.write(b)
		b.WriteString("⌋")
	case opCeil:
		b.WriteString("⌈")
		e.a.write(b)
		b.WriteString("⌉")
	}
}

// startsWithMinus reports whether the printed form of e begins with a minus
// sign, which must be bracketed after another operator ("a + (−b·c)").
func (e *Expr) startsWithMinus() bool {
	switch e.op {
	case opNeg:
		return true
	case opAdd, opSub:
		return e.a.startsWithMinus()
	case opMul:
		return e.a.prec() >= 2 && e.a.op != opDiv && e.a.startsWithMinus()
	case opDiv:
		return e.a.prec() >= 2 && e.a.startsWithMinus()
	}
	return false
}

// superscript renders a small whole-number exponent as superscript digits.
func superscript(e *Expr) (string, bool) {
	if e.op != opNum || e.num == nil || !e.num.IsInt() || e.num.Sign() < 0 || e.num.Num().Cmp(big.NewInt(MaxPower)) > 0 {
		return "", false
	}
	digits := []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")
	var b strings.Builder
	for _, c := range e.num.Num().String() {
		b.WriteRune(digits[c-'0'])
	}
	return b.String(), true
}

// numLiteral prints a number node. Literals come from decimal text, so they
// always have a terminating decimal form; a fraction is bracketed just in
// case so that it never changes how its neighbours bind.
func numLiteral(r *big.Rat) string {
	if r == nil {
		return "0"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	if d, ok := decimalDigits(r.Denom()); ok {
		return r.FloatString(d)
	}
	return "(" + r.Num().String() + "/" + r.Denom().String() + ")"
}

// Variables returns the canonical names of the variables the formula uses,
// sorted and without repeats.
func (e *Expr) Variables() []string {
	var names []string
	var walk func(*Expr)
	walk = func(x *Expr) {
		if x == nil {
			return
		}
		if x.op == opVar {
			names = append(names, x.name)
		}
		walk(x.a)
		walk(x.b)
	}
	walk(e)
	slices.Sort(names)
	return slices.Compact(names)
}

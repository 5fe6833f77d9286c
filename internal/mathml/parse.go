package mathml

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDepth bounds the nesting of groups, arguments and scripts, so that
// hostile or mistyped input cannot exhaust the stack.
const maxDepth = 64

// stops are the terminators, besides "}" and the end of input, at which
// parseRow returns.
type stops uint8

const (
	stopRight   stops = 1 << iota // \right
	stopEnv                       // & \\ \end
	stopBracket                   // ] (optional argument of \sqrt)
)

// parser is a recursive-descent parser for one math expression.
type parser struct {
	src     string
	pos     int
	offset  int // added to error offsets
	display bool
	font    font
	stop    stops
	depth   int
	err     *Error
}

// parse parses one expression. offset is the expression's position in the
// caller's input, added to error offsets.
func parse(src string, display bool, offset int) (*node, *Error) {
	p := &parser{src: src, display: display, offset: offset}
	var kids []*node
	for {
		kids = append(kids, p.parseRow()...)
		if p.eof() {
			break
		}
		// With no construct open, parseRow only stops at a stray "}".
		p.fail(p.pos, "unbalanced }: no matching {")
		start := p.pos
		p.skipToken()
		kids = append(kids, opNode(p.src[start:p.pos]))
	}
	return &node{kind: kRow, kids: finishRow(kids, true)}, p.err
}

// fail records the first error.
func (p *parser) fail(at int, format string, args ...any) {
	if p.err == nil {
		p.err = &Error{Offset: p.offset + at, Msg: fmt.Sprintf(format, args...)}
	}
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte {
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += size
	}
}

// skipToken consumes one command (backslash and name) or one character.
func (p *parser) skipToken() {
	if p.eof() {
		return
	}
	if p.src[p.pos] == '\\' {
		p.pos++
		p.readCommandName()
		return
	}
	_, size := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += size
}

// readCommandName consumes and returns a command name after its backslash:
// a run of ASCII letters or a single character.
func (p *parser) readCommandName() string {
	start := p.pos
	for p.pos < len(p.src) && isASCIILetter(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == start && p.pos < len(p.src) {
		_, size := utf8.DecodeRuneInString(p.src[p.pos:])
		p.pos += size
	}
	return p.src[start:p.pos]
}

// cmdIs reports whether the input continues with the command \name.
func (p *parser) cmdIs(name string) bool {
	rest := p.src[p.pos:]
	if len(rest) < len(name)+1 || rest[0] != '\\' || rest[1:1+len(name)] != name {
		return false
	}
	return len(rest) == len(name)+1 || !isASCIILetter(rest[1+len(name)])
}

// atStop reports whether the current construct's row ends here.
func (p *parser) atStop() bool {
	if p.eof() {
		return true
	}
	switch p.src[p.pos] {
	case '}':
		return true
	case ']':
		return p.stop&stopBracket != 0
	case '&':
		return p.stop&stopEnv != 0
	case '\\':
		if p.stop&stopEnv != 0 && (strings.HasPrefix(p.src[p.pos:], `\\`) || p.cmdIs("end")) {
			return true
		}
		return p.stop&stopRight != 0 && p.cmdIs("right")
	}
	return false
}

// parseRow parses atoms with their scripts until the current construct
// ends. The caller finishes the row with finishRow.
func (p *parser) parseRow() []*node {
	var kids []*node
	for {
		p.skipSpace()
		if p.atStop() {
			return kids
		}
		start := p.pos
		n := p.parseAtom(false)
		if n != nil {
			n = p.parseScripts(n)
			kids = append(kids, n)
		}
		if p.pos == start { // cannot happen; guarantees progress
			p.skipToken()
		}
	}
}

// parseAtom parses one atom. single limits letter and digit runs to one
// character (TeX's rule for unbraced arguments: x_ij is x_i j). It returns
// nil for commands that produce nothing, such as \displaystyle or \!.
func (p *parser) parseAtom(single bool) *node {
	if p.depth >= maxDepth {
		p.fail(p.pos, "expression nested too deeply")
		start := p.pos
		p.skipToken()
		return textNode(p.src[start:p.pos])
	}
	p.depth++
	defer func() { p.depth-- }()

	c := p.src[p.pos]
	switch {
	case c == '{':
		return p.parseGroup()
	case c == '\\':
		return p.parseCommand()
	case isASCIILetter(c):
		start := p.pos
		p.pos++
		if !single {
			for p.pos < len(p.src) && isASCIILetter(p.src[p.pos]) {
				p.pos++
			}
		}
		return p.ident(p.src[start:p.pos])
	case isDigit(c) || (c == '.' && !single && p.pos+1 < len(p.src) && isDigit(p.src[p.pos+1])):
		start := p.pos
		p.pos++
		if !single {
			for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
				p.pos++
			}
			if c != '.' && p.pos+1 < len(p.src) && p.src[p.pos] == '.' && isDigit(p.src[p.pos+1]) {
				p.pos++
				for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
					p.pos++
				}
			}
		}
		return p.number(p.src[start:p.pos])
	}
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	if r == '_' || r == '^' || r == '\'' || r == '′' || superscript(r) != 0 || subscript(r) != 0 {
		// A script with no base; parseScripts consumes it.
		return emptyRow()
	}
	p.pos += size
	if s, ok := runeSymbol(r); ok {
		return p.symbol(s)
	}
	switch {
	case unicode.IsLetter(r):
		return p.ident(string(r))
	case unicode.IsDigit(r):
		return p.number(string(r))
	}
	return opNode(string(r))
}

// ident makes an identifier of a letter run in the current font.
func (p *parser) ident(word string) *node {
	n := &node{kind: kIdent, text: mapFont(p.font, word), fn: len(word) > 1}
	if pl := plainFont(p.font, word); pl != n.text {
		n.plain = pl
	}
	if p.font == fontNormal && utf8.RuneCountInString(word) == 1 {
		n.normal = true
	}
	return n
}

// number makes a number in the current font.
func (p *parser) number(digits string) *node {
	n := &node{kind: kNumber, text: mapFont(p.font, digits)}
	if pl := plainFont(p.font, digits); pl != n.text {
		n.plain = pl
	}
	return n
}

// symbol makes a node from a table entry, applying the current font to
// identifiers such as Greek letters.
func (p *parser) symbol(s sym) *node {
	n := &node{kind: s.kind, text: s.text, normal: s.normal, fn: s.fn, opener: s.opener,
		limits: s.limits, largeOp: s.largeOp, width: s.width}
	if n.kind == kIdent && !n.fn && p.font != fontNone {
		if mapped := mapFont(p.font, s.text); mapped != s.text {
			n.text = mapped
			n.normal = false
			if pl := plainFont(p.font, s.text); pl != mapped {
				n.plain = pl
			}
		} else if p.font == fontNormal && utf8.RuneCountInString(s.text) == 1 {
			n.normal = true
		}
	}
	return n
}

// parseGroup parses {…}.
func (p *parser) parseGroup() *node {
	open := p.pos
	p.pos++
	saved := p.stop
	p.stop = 0
	kids := p.parseRow()
	p.stop = saved
	if p.peek() == '}' {
		p.pos++
	} else {
		p.fail(open, "unbalanced {: missing }")
	}
	return rowOf(finishRow(kids, true))
}

// parseArg parses the argument of a command or script: a group, a command
// or a single character.
func (p *parser) parseArg(what string) *node {
	p.skipSpace()
	if p.atStop() || strings.ContainsRune("_^'", rune(p.peek())) {
		p.fail(p.pos, "missing argument for %s", what)
		return emptyRow()
	}
	if n := p.parseAtom(true); n != nil {
		return n
	}
	return emptyRow()
}

// parseScripts attaches sub- and superscripts, primes and typed
// super/subscript characters to base.
func (p *parser) parseScripts(base *node) *node {
	var sub, sup *node
	primes := 0
	limits := base.core().limits && p.display
loop:
	for {
		p.skipSpace()
		if p.eof() {
			break
		}
		at := p.pos
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		switch {
		case r == '_':
			if sub != nil {
				p.fail(at, "double subscript: use braces, as in x_{ij}")
				break loop
			}
			p.pos++
			sub = p.parseArg("_")
		case r == '^':
			if sup != nil {
				p.fail(at, "double superscript: use braces, as in x^{ab}")
				break loop
			}
			p.pos++
			sup = p.parseArg("^")
		case r == '\'' || r == '′':
			if sup != nil {
				p.fail(at, "prime after a superscript: write x'^2, not x^2'")
				break loop
			}
			primes++
			p.pos += size
		case r == '\\' && p.cmdIs("limits"):
			p.pos += len(`\limits`)
			limits = true
		case r == '\\' && p.cmdIs("nolimits"):
			p.pos += len(`\nolimits`)
			limits = false
		case superscript(r) != 0:
			if sup != nil {
				p.fail(at, "double superscript")
				break loop
			}
			sup = p.scriptRun(superscript)
		case subscript(r) != 0:
			if sub != nil {
				p.fail(at, "double subscript")
				break loop
			}
			sub = p.scriptRun(subscript)
		default:
			break loop
		}
	}
	if primes > 0 {
		pr := opNode(primeText(primes))
		if sup == nil {
			sup = pr
		} else {
			sup = &node{kind: kRow, kids: []*node{pr, sup}}
		}
	}
	return attach(base, sub, sup, limits)
}

// scriptRun consumes a run of typed superscript or subscript characters
// (as mapped by conv) and parses their plain equivalents, so "x²³" is x
// to the 23 and "xⁿ⁺¹" is x to the n+1.
func (p *parser) scriptRun(conv func(rune) rune) *node {
	var b strings.Builder
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		c := conv(r)
		if c == 0 {
			break
		}
		b.WriteRune(c)
		p.pos += size
	}
	sp := &parser{src: b.String(), display: p.display, depth: p.depth}
	return rowOf(finishRow(sp.parseRow(), true))
}

// attach builds the scripted form of base.
func attach(base, sub, sup *node, limits bool) *node {
	var n *node
	switch {
	case sub == nil && sup == nil:
		return base
	case sub != nil && sup != nil:
		n = &node{kind: kSubSup, kids: []*node{base, sub, sup}}
		if limits {
			n.kind = kUnderOver
		}
	case sub != nil:
		n = &node{kind: kSub, kids: []*node{base, sub}}
		if limits {
			n.kind = kUnder
		}
	default:
		n = &node{kind: kSup, kids: []*node{base, sup}}
		if limits {
			n.kind = kOver
		}
	}
	return n
}

func primeText(n int) string {
	switch n {
	case 1:
		return "′"
	case 2:
		return "″"
	case 3:
		return "‴"
	}
	return strings.Repeat("′", n)
}

// parseCommand parses a backslash command and its arguments.
func (p *parser) parseCommand() *node {
	start := p.pos
	p.pos++ // backslash
	if p.eof() {
		p.fail(start, `lone \ at the end of the math`)
		return textNode(`\`)
	}
	name := p.readCommandName()
	cmd := `\` + name
	if s, ok := commandSymbol(name); ok {
		return p.symbol(s)
	}
	if f, ok := fontCommand(name); ok {
		saved := p.font
		p.font = f
		arg := p.parseArg(cmd)
		p.font = saved
		return arg
	}
	if mark, comb, ok := accentCommand(name); ok {
		base := p.parseArg(cmd)
		return &node{kind: kAccent, text: mark, kids: []*node{base},
			accentMark: comb, accentName: name}
	}
	switch name {
	case "frac", "dfrac", "tfrac", "cfrac":
		num := p.parseArg(cmd)
		den := p.parseArg(cmd)
		return &node{kind: kFrac, kids: []*node{num, den}}
	case "binom", "dbinom", "tbinom":
		top := p.parseArg(cmd)
		bottom := p.parseArg(cmd)
		return &node{kind: kRow, kids: []*node{
			opNode("("), {kind: kFrac, noBar: true, kids: []*node{top, bottom}}, opNode(")")}}
	case "sqrt":
		return p.parseSqrt()
	case "text", "textrm", "textnormal", "textit", "textbf", "textsf", "texttt",
		"textup", "mbox", "hbox":
		return textNode(p.readTextArg(cmd))
	case "operatorname":
		limits := false
		if p.peek() == '*' {
			p.pos++
			limits = true
		}
		at := p.pos
		t := strings.TrimSpace(p.readTextArg(cmd))
		if t == "" {
			p.fail(at, `empty \operatorname`)
			return nil
		}
		n := &node{kind: kIdent, text: t, fn: true, opener: true, limits: limits}
		n.normal = utf8.RuneCountInString(t) == 1
		return n
	case "left":
		return p.parseLeft(start)
	case "right":
		p.fail(start, `\right without a matching \left`)
		return p.delimNode(cmd, start)
	case "middle", "big", "Big", "bigg", "Bigg", "bigl", "Bigl", "biggl", "Biggl",
		"bigr", "Bigr", "biggr", "Biggr", "bigm", "Bigm", "biggm", "Biggm":
		return p.delimNode(cmd, start)
	case "begin":
		return p.parseEnv(start)
	case "end":
		p.fail(start, `\end without a matching \begin`)
		p.readEnvName(cmd)
		return nil
	case "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle",
		"limits", "nolimits", "!", "negthinspace", "nonumber", "notag", "strut", "mathstrut":
		return nil
	case `\`:
		p.fail(start, `line break \\ outside a matrix or cases environment`)
		return nil
	}
	if r, size := utf8.DecodeRuneInString(name); size == len(name) && unicode.IsSpace(r) {
		return spaceNode(widthWord) // "\ ": control space
	}
	p.fail(start, "unknown command %s", cmd)
	return textNode(cmd)
}

// parseSqrt parses \sqrt{x} or \sqrt[n]{x}.
func (p *parser) parseSqrt() *node {
	var index *node
	p.skipSpace()
	if p.peek() == '[' {
		open := p.pos
		p.pos++
		saved := p.stop
		p.stop = stopBracket
		kids := p.parseRow()
		p.stop = saved
		if p.peek() == ']' {
			p.pos++
		} else {
			p.fail(open, `unbalanced [: \sqrt[n] is missing ]`)
		}
		index = rowOf(finishRow(kids, true))
	}
	body := p.parseArg(`\sqrt`)
	if index != nil {
		return &node{kind: kRoot, kids: []*node{body, index}}
	}
	return &node{kind: kSqrt, kids: []*node{body}}
}

// readTextArg reads the argument of \text and friends as literal text:
// {…} with balanced braces and the escapes \{ \} \$ \% \& \# \_ and "\ ",
// or a single character.
func (p *parser) readTextArg(what string) string {
	p.skipSpace()
	if p.atStop() {
		p.fail(p.pos, "missing argument for %s", what)
		return ""
	}
	if p.peek() != '{' {
		start := p.pos
		p.skipToken()
		return p.src[start:p.pos]
	}
	open := p.pos
	p.pos++
	var b strings.Builder
	depth := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '{':
			depth++
			p.pos++
		case '}':
			if depth == 0 {
				p.pos++
				return b.String()
			}
			depth--
			p.pos++
		case '~':
			b.WriteRune('\u00a0')
			p.pos++
		case '\\':
			at := p.pos
			p.pos++
			name := p.readCommandName()
			switch {
			case name == "" || name == `\`:
				b.WriteByte(' ')
			case len(name) == 1 && strings.Contains("{}$%&#_", name):
				b.WriteString(name)
			case len(name) == 1 && strings.Contains(" ,:;>!", name):
				b.WriteByte(' ')
			case name == "textbackslash":
				b.WriteByte('\\')
			default:
				p.fail(at, `unsupported command \%s in %s`, name, what)
				b.WriteString(`\` + name)
			}
		default:
			_, size := utf8.DecodeRuneInString(p.src[p.pos:])
			b.WriteString(p.src[p.pos : p.pos+size])
			p.pos += size
		}
	}
	p.fail(open, "unbalanced {: %s is missing }", what)
	return b.String()
}

// parseDelim reads the delimiter after \left, \right, \middle or \big. An
// empty string with ok means the null delimiter ".".
func (p *parser) parseDelim(what string, at int) (d string, ok bool) {
	p.skipSpace()
	if p.eof() {
		p.fail(at, "missing delimiter after %s", what)
		return "", false
	}
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	if r == '.' {
		p.pos++
		return "", true
	}
	if r == '\\' {
		save := p.pos
		p.pos++
		name := p.readCommandName()
		if d, ok := delimCommand(name); ok {
			return d, true
		}
		p.pos = save
	} else if d, ok := delimRune(r); ok {
		p.pos += size
		return d, true
	}
	p.fail(at, "missing or invalid delimiter after %s", what)
	return "", false
}

// delimNode renders the delimiter of \middle, \big and friends (and of a
// stray \right) as an operator.
func (p *parser) delimNode(what string, at int) *node {
	d, ok := p.parseDelim(what, at)
	if !ok || d == "" {
		return nil
	}
	n := opNode(d)
	n.delim = true
	return n
}

// parseLeft parses \left d … \right d.
func (p *parser) parseLeft(start int) *node {
	open, _ := p.parseDelim(`\left`, start)
	saved := p.stop
	p.stop = stopRight
	content := p.parseRow()
	p.stop = saved
	var closing string
	if p.cmdIs("right") {
		at := p.pos
		p.pos += len(`\right`)
		closing, _ = p.parseDelim(`\right`, at)
	} else {
		p.fail(start, `\left without a matching \right`)
	}
	var kids []*node
	if open != "" {
		d := opNode(open)
		d.delim = true
		kids = append(kids, d)
	}
	kids = append(kids, content...)
	if closing != "" {
		d := opNode(closing)
		d.delim = true
		kids = append(kids, d)
	}
	return &node{kind: kRow, kids: finishRow(kids, true)}
}

// readEnvName reads {name} after \begin or \end.
func (p *parser) readEnvName(what string) (string, bool) {
	p.skipSpace()
	if p.peek() != '{' {
		p.fail(p.pos, "missing {name} after %s", what)
		return "", false
	}
	open := p.pos
	end := strings.IndexByte(p.src[p.pos:], '}')
	if end < 0 {
		p.fail(open, "unbalanced {: %s{name is missing }", what)
		p.pos = len(p.src)
		return "", false
	}
	name := strings.TrimSpace(p.src[p.pos+1 : p.pos+end])
	p.pos += end + 1
	return name, true
}

// parseEnv parses \begin{name} rows of cells separated by & and \\
// \end{name} into an mtable with the environment's delimiters.
func (p *parser) parseEnv(start int) *node {
	name, ok := p.readEnvName(`\begin`)
	if !ok {
		return nil
	}
	open, closing, known := environment(name)
	if !known {
		p.fail(start, "unknown environment %q (supported: matrix, pmatrix, bmatrix, Bmatrix, vmatrix, Vmatrix, cases, array, aligned)", name)
	}
	if name == "array" {
		p.skipSpace()
		if p.peek() == '{' {
			p.readTextArg(`\begin{array}`) // column specification
		}
	}
	saved := p.stop
	p.stop = stopEnv
	var rows []*node
	var cells []*node
	for {
		kids := p.parseRow()
		cells = append(cells, &node{kind: kTableCell, kids: finishRow(kids, true)})
		if p.peek() == '&' {
			p.pos++
			continue
		}
		if strings.HasPrefix(p.src[p.pos:], `\\`) {
			p.pos += 2
			rows = append(rows, &node{kind: kTableRow, kids: cells})
			cells = nil
			continue
		}
		rows = append(rows, &node{kind: kTableRow, kids: cells})
		if p.cmdIs("end") {
			at := p.pos
			p.pos += len(`\end`)
			if got, ok := p.readEnvName(`\end`); ok && got != name {
				p.fail(at, `\begin{%s} ended by \end{%s}`, name, got)
			}
		} else {
			p.fail(start, `\begin{%s} without a matching \end{%s}`, name, name)
		}
		break
	}
	p.stop = saved
	// A trailing \\ leaves an empty last row.
	if last := rows[len(rows)-1]; len(rows) > 1 && len(last.kids) == 1 && len(last.kids[0].kids) == 0 {
		rows = rows[:len(rows)-1]
	}
	table := &node{kind: kTable, kids: rows}
	if open == "" && closing == "" {
		return table
	}
	var kids []*node
	if open != "" {
		d := opNode(open)
		d.delim = true
		kids = append(kids, d)
	}
	kids = append(kids, table)
	if closing != "" {
		d := opNode(closing)
		d.delim = true
		kids = append(kids, d)
	}
	return &node{kind: kRow, kids: kids}
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

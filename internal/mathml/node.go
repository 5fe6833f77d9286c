package mathml

// kind is the MathML element a node becomes.
type kind uint8

const (
	kIdent     kind = iota // mi
	kNumber                // mn
	kOp                    // mo
	kText                  // mtext
	kSpace                 // mspace
	kRow                   // mrow: kids
	kSub                   // msub: base, sub
	kSup                   // msup: base, sup
	kSubSup                // msubsup: base, sub, sup
	kUnder                 // munder: base, under
	kOver                  // mover: base, over
	kUnderOver             // munderover: base, under, over
	kFrac                  // mfrac: num, den
	kSqrt                  // msqrt: body
	kRoot                  // mroot: body, index
	kAccent                // mover accent="true": base; text is the accent
	kTable                 // mtable: rows
	kTableRow              // mtr: cells
	kTableCell             // mtd: kids
)

// node is one element of the parsed expression tree.
type node struct {
	kind  kind
	text  string // token text as rendered in MathML
	plain string // plain-text form of a token when it differs from text
	width string // mspace width; always one of the widths in spaceWidth

	normal  bool // mi mathvariant="normal"
	fn      bool // function-like name: a thin space separates it from an operand
	opener  bool // function name (\log, \max, \operatorname): an operand follows
	limits  bool // scripts go under and over in display math
	largeOp bool // ∑, ∫, …: a space follows it in plain text
	delim   bool // delimiter of \left, \right, \middle or an environment
	noBar   bool // mfrac linethickness="0" (\binom)

	accentMark rune   // combining character used for the accent in Plain
	accentName string // fallback name for the accent in Plain

	kids []*node
}

// Allowed mspace widths. Every width the package emits is one of these.
const (
	widthThin   = "0.1667em"
	widthMedium = "0.2222em"
	widthThick  = "0.2778em"
	widthWord   = "0.25em"
	widthEn     = "0.5em"
	widthQuad   = "1em"
	widthQQuad  = "2em"
)

func emptyRow() *node { return &node{kind: kRow} }

func opNode(t string) *node { return &node{kind: kOp, text: t} }

func textNode(t string) *node { return &node{kind: kText, text: t} }

func spaceNode(w string) *node { return &node{kind: kSpace, width: w} }

// rowOf returns the single node of kids, or an mrow holding them.
func rowOf(kids []*node) *node {
	if len(kids) == 1 {
		return kids[0]
	}
	return &node{kind: kRow, kids: kids}
}

// plainText is the plain-text form of a token.
func (n *node) plainText() string {
	if n.plain != "" {
		return n.plain
	}
	return n.text
}

// isScripted reports whether n is a base with scripts or limits.
func (n *node) isScripted() bool {
	switch n.kind {
	case kSub, kSup, kSubSup, kUnder, kOver, kUnderOver:
		return true
	}
	return false
}

// core returns the token that decides how n behaves in a row: the base of a
// scripted node, else n itself.
func (n *node) core() *node {
	for n.isScripted() && len(n.kids) > 0 {
		n = n.kids[0]
	}
	return n
}

// class is the role of a row element for spacing and grouping decisions.
type class uint8

const (
	clsOperand class = iota // identifiers, numbers, fractions, groups, …
	clsSpace                // mspace: transparent
	clsOpen                 // ( [ { ⌊ ⌈ ⟨
	clsClose                // ) ] } ⌋ ⌉ ⟩
	clsBar                  // | ‖: opening or closing depending on position
	clsSign                 // + − ± ∓ ¬: binary, or unary in prefix position
	clsInfix                // other operators and relations
	clsPunct                // , ;
	clsPostfix              // ! ′ and ellipses: behave like operands
	clsLarge                // ∑ ∫ …: an operand follows
	clsFunc                 // \log, \max_i, …: an operand follows
)

// classify returns the role of n in a row.
func classify(n *node) class {
	c := n.core()
	switch c.kind {
	case kSpace:
		return clsSpace
	case kOp:
	case kIdent:
		if c.opener {
			return clsFunc
		}
		return clsOperand
	default:
		return clsOperand
	}
	if c.largeOp {
		return clsLarge
	}
	switch c.text {
	case "(", "[", "{", "⌊", "⌈", "⟨":
		return clsOpen
	case ")", "]", "}", "⌋", "⌉", "⟩":
		return clsClose
	case "|", "‖":
		return clsBar
	case "+", "−", "±", "∓", "¬":
		return clsSign
	case ",", ";":
		return clsPunct
	case "!", "′", "″", "‴", "…", "⋯", "⋮", "⋱":
		return clsPostfix
	}
	return clsInfix
}

// expectsOperand reports whether an operand is expected after an element of
// class c, given whether one was expected before it.
func expectsOperand(c class, before bool) bool {
	switch c {
	case clsOperand, clsClose, clsPostfix:
		return false
	case clsSpace, clsBar:
		return before
	}
	return true
}

// finishRow groups fenced sub-expressions and unary signs of a row into
// mrows and adds thin spaces after function names. leadingIsFirst is false
// when the row will be placed after an opening delimiter (\left).
func finishRow(kids []*node, leadingIsFirst bool) []*node {
	kids = groupFences(kids)
	kids = groupSigns(kids, leadingIsFirst)
	return spaceFunctions(kids)
}

// groupFences wraps matching fences and what they enclose in an mrow, so
// that stretchy delimiters stretch only to their content. Unmatched fences,
// and fences nested more than maxDepth deep, stay as they are.
func groupFences(kids []*node) []*node {
	out := make([]*node, 0, len(kids))
	var stack []int // indexes in out of open fences
	expecting := true
	closeGroup := func(start int, k *node) {
		g := append(append([]*node(nil), out[start:]...), k)
		g = spaceFunctions(groupSigns(g, true))
		out = append(out[:start], &node{kind: kRow, kids: g})
	}
	for _, k := range kids {
		c := classify(k)
		fence := !k.core().delim
		switch {
		case fence && c == clsOpen && len(stack) < maxDepth:
			stack = append(stack, len(out))
			out = append(out, k)
			expecting = true
			continue
		case fence && c == clsClose:
			top := len(stack) - 1
			for top >= 0 && classify(out[stack[top]]) == clsBar {
				top--
			}
			if top >= 0 {
				start := stack[top]
				stack = stack[:top]
				closeGroup(start, k)
				expecting = false
				continue
			}
		case fence && c == clsBar:
			if !expecting && len(stack) > 0 {
				top := stack[len(stack)-1]
				if out[top].core().text == k.core().text {
					stack = stack[:len(stack)-1]
					closeGroup(top, k)
					expecting = false
					continue
				}
			}
			if expecting && len(stack) < maxDepth {
				stack = append(stack, len(out))
				out = append(out, k)
				continue
			}
			// A bar after an operand with no open bar, as in "p(a | b)":
			// an infix relation.
			out = append(out, k)
			expecting = true
			continue
		}
		out = append(out, k)
		expecting = expectsOperand(c, expecting)
	}
	return out
}

// groupSigns wraps a sign in prefix position together with its operand in
// an mrow, so that MathML renders it as a unary sign (an operator's form
// depends on its position in its mrow). A sign first in the row is already
// prefix when leadingIsFirst.
func groupSigns(kids []*node, leadingIsFirst bool) []*node {
	out := make([]*node, 0, len(kids))
	expecting := true
	for i := 0; i < len(kids); i++ {
		k := kids[i]
		c := classify(k)
		if c == clsSign && expecting && k.kind == kOp && i+1 < len(kids) &&
			!(i == 0 && leadingIsFirst) {
			if next := classify(kids[i+1]); next == clsOperand || next == clsFunc || next == clsLarge {
				out = append(out, &node{kind: kRow, kids: []*node{k, kids[i+1]}})
				i++
				expecting = false
				continue
			}
		}
		out = append(out, k)
		expecting = expectsOperand(c, expecting)
	}
	return out
}

// spaceFunctions inserts a thin space between a function name (\log,
// \max_i, a multi-letter word) and a following operand, as TeX does; no
// space goes before an operator or an opening fence.
func spaceFunctions(kids []*node) []*node {
	var out []*node
	for i, k := range kids {
		if out != nil {
			out = append(out, k)
		}
		if !k.core().fn || i+1 >= len(kids) {
			continue
		}
		next := kids[i+1]
		if c := classify(next); (c != clsOperand && c != clsFunc) || startsWithFence(next) {
			continue
		}
		if out == nil {
			out = append(make([]*node, 0, len(kids)+2), kids[:i+1]...)
		}
		out = append(out, spaceNode(widthThin))
	}
	if out == nil {
		return kids
	}
	return out
}

// startsWithFence reports whether n is a group opening with a bracket.
// (TeX puts a thin space between a function and "|", not "(".)
func startsWithFence(n *node) bool {
	n = n.core()
	return n.kind == kRow && len(n.kids) > 0 && classify(n.kids[0]) == clsOpen
}

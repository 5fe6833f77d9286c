package torchrepr

import (
	"fmt"
	"strconv"
	"strings"
)

// value is one argument value of a printed layer: a number, True/False/
// None, a bare word (Conv2d prints padding=same without quotes), a quoted
// string or a tuple of these.
type value struct {
	kind  valueKind
	text  string  // as printed (numbers, words, strings)
	items []value // tuple
	line  int
}

type valueKind int

const (
	valNumber valueKind = iota
	valWord             // True, False, None, same, zeros, ...
	valString
	valTuple
)

// String writes v back the way Python would print it, for messages.
func (v value) String() string {
	switch v.kind {
	case valString:
		return "'" + v.text + "'"
	case valTuple:
		parts := make([]string, len(v.items))
		for i, it := range v.items {
			parts[i] = it.String()
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return v.text
}

// arg is one argument of a call: positional when name is "".
type arg struct {
	name string
	val  value
}

// node is one module of the printed tree: a leaf layer with its arguments,
// or a container with its named children.
type node struct {
	class    string
	line     int
	args     []arg
	children []child
}

// child is a named submodule; repeat is the n of PyTorch's compressed
// "(0-2): 3 x Linear(...)" form (1 otherwise).
type child struct {
	key    string
	repeat int
	mod    *node
}

// parser is a recursive-descent parser over the tokens of one model.
type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) peekAt(k int) token {
	if p.pos+k < len(p.toks) {
		return p.toks[p.pos+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

// expect consumes the punctuation s or reports what was found instead.
func (p *parser) expect(s, where string) error {
	if p.isPunct(s) {
		p.next()
		return nil
	}
	t := p.peek()
	return &Error{Line: t.line, Message: fmt.Sprintf("expected %q %s, found %s", s, where, describe(t))}
}

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "the end of the text"
	case tokString:
		return fmt.Sprintf("'%s'", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// module parses Class( ... ) at nesting depth depth.
func (p *parser) module(depth int) (*node, error) {
	t := p.next()
	if t.kind != tokIdent {
		return nil, &Error{Line: t.line, Message: fmt.Sprintf("expected a module such as Sequential( or Conv2d(, found %s", describe(t))}
	}
	if depth > MaxDepth {
		return nil, &Error{Line: t.line, Message: fmt.Sprintf("modules are nested more than %d deep; the limit is %d", MaxDepth, MaxDepth)}
	}
	n := &node{class: t.text, line: t.line}
	if err := p.expect("(", "after "+t.text); err != nil {
		return nil, err
	}
	for !p.isPunct(")") {
		if p.peek().kind == tokEOF {
			return nil, &Error{Line: t.line, Message: fmt.Sprintf("%s( opened here is never closed", t.text)}
		}
		if p.isChildStart() {
			c, err := p.child(depth)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, c)
		} else {
			if len(n.children) > 0 {
				return nil, &Error{Line: p.peek().line, Message: fmt.Sprintf("expected a child such as (0): ... or the \")\" closing %s( from line %d, found %s", n.class, n.line, describe(p.peek()))}
			}
			a, err := p.argument(n)
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, a)
			if len(n.args) > maxArgs {
				return nil, &Error{Line: a.val.line, Message: fmt.Sprintf("%s has more than %d arguments", n.class, maxArgs)}
			}
			if p.isPunct(",") {
				p.next()
			} else if !p.isPunct(")") && !p.isChildStart() {
				return nil, &Error{Line: p.peek().line, Message: fmt.Sprintf("expected \",\" or \")\" in the arguments of %s, found %s", n.class, describe(p.peek()))}
			}
		}
	}
	p.next() // ")"
	return n, nil
}

// isChildStart reports whether the tokens ahead read "(key):".
func (p *parser) isChildStart() bool {
	if !p.isPunct("(") {
		return false
	}
	for k := 1; k <= maxKeyTokens+1; k++ {
		t := p.peekAt(k)
		if t.kind == tokPunct && t.text == ")" {
			n := p.peekAt(k + 1)
			return k > 1 && n.kind == tokPunct && n.text == ":"
		}
		if t.kind == tokEOF || (t.kind == tokPunct && t.text != "-") {
			return false
		}
	}
	return false
}

// child parses "(key): Module" or "(a-b): n x Module".
func (p *parser) child(depth int) (child, error) {
	p.next() // "("
	var key strings.Builder
	for !p.isPunct(")") {
		key.WriteString(p.next().text)
	}
	p.next() // ")"
	p.next() // ":"
	c := child{key: key.String(), repeat: 1}
	if t, x := p.peek(), p.peekAt(1); t.kind == tokNumber && x.kind == tokIdent && x.text == "x" {
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 1 || n > MaxLayers {
			return child{}, &Error{Line: t.line, Message: fmt.Sprintf("(%s) repeats a module %s times; it must be from 1 to %d", c.key, t.text, MaxLayers)}
		}
		c.repeat = n
		p.next()
		p.next()
	}
	m, err := p.module(depth + 1)
	if err != nil {
		return child{}, err
	}
	c.mod = m
	return c, nil
}

// argument parses "name=value" or a positional value.
func (p *parser) argument(n *node) (arg, error) {
	var a arg
	if t, eq := p.peek(), p.peekAt(1); t.kind == tokIdent && eq.kind == tokPunct && eq.text == "=" {
		a.name = t.text
		p.next()
		p.next()
	}
	v, err := p.value(n, 0)
	if err != nil {
		return arg{}, err
	}
	a.val = v
	return a, nil
}

// value parses a number, word, string or (nested at most once) tuple.
func (p *parser) value(n *node, depth int) (value, error) {
	t := p.next()
	switch t.kind {
	case tokNumber:
		return value{kind: valNumber, text: t.text, line: t.line}, nil
	case tokIdent:
		return value{kind: valWord, text: t.text, line: t.line}, nil
	case tokString:
		return value{kind: valString, text: t.text, line: t.line}, nil
	}
	if t.kind == tokPunct && t.text == "(" {
		if depth > 0 {
			return value{}, &Error{Line: t.line, Message: fmt.Sprintf("a tuple inside a tuple in the arguments of %s", n.class)}
		}
		v := value{kind: valTuple, line: t.line}
		for !p.isPunct(")") {
			it, err := p.value(n, depth+1)
			if err != nil {
				return value{}, err
			}
			v.items = append(v.items, it)
			if len(v.items) > maxTupleItems {
				return value{}, &Error{Line: t.line, Message: fmt.Sprintf("a tuple of more than %d items in the arguments of %s", maxTupleItems, n.class)}
			}
			if p.isPunct(",") {
				p.next()
			} else if !p.isPunct(")") {
				return value{}, &Error{Line: p.peek().line, Message: fmt.Sprintf("expected \",\" or \")\" in a tuple in the arguments of %s, found %s", n.class, describe(p.peek()))}
			}
		}
		p.next()
		return v, nil
	}
	return value{}, &Error{Line: t.line, Message: fmt.Sprintf("expected an argument value of %s, found %s", n.class, describe(t))}
}

package mathml

import (
	"fmt"
	"html/template"
	"strings"
)

// Error describes a problem in math markup: an unknown command, an
// unbalanced brace, dollar, \left/\right pair or environment, or a missing
// argument. Render, Expr and MustRender still produce safe, best-effort
// output when they find one.
type Error struct {
	// Offset is the byte offset of the problem in the string passed to
	// Render or Expr.
	Offset int
	// Msg says what is wrong, for example `unknown command \foo`.
	Msg string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("mathml: offset %d: %s", e.Offset, e.Msg)
}

// Render converts text with inline $…$ math and display $$…$$ math to an
// HTML fragment. Text outside math is HTML-escaped and otherwise left alone
// (wrapping paragraphs is the caller's job); inline math becomes
// <math>…</math> and display math <math display="block">…</math>. "\$" is
// a literal dollar sign, inside or outside math.
//
// The fragment is always safe to insert into a page. The error, if not nil,
// is an *Error describing the first problem found (an unknown command, an
// unbalanced brace or an unclosed dollar); the fragment is then a best-effort
// rendering in which unknown commands appear as escaped text.
func Render(text string) (template.HTML, error) {
	var b strings.Builder
	b.Grow(len(text) * 2)
	var first *Error
	segs, splitErr := split(text)
	for _, s := range segs {
		if !s.math {
			writeText(&b, s.text)
			continue
		}
		root, err := parse(s.text, s.display, s.offset)
		if err != nil && first == nil {
			first = err
		}
		writeMath(&b, root, s.display)
	}
	// An unclosed dollar is found last and lies after every math segment,
	// so it is the first error only if the math had none.
	if first == nil {
		first = splitErr
	}
	if first != nil {
		return template.HTML(b.String()), first
	}
	return template.HTML(b.String()), nil
}

// MustRender is Render for developer-written content: it returns the
// fragment and ignores the error. Content tests should call Render to catch
// typos.
func MustRender(text string) template.HTML {
	h, _ := Render(text)
	return h
}

// Expr converts one math expression, without dollar signs, to a <math>
// element; display selects <math display="block"> and puts the limits of
// \sum, \max and the like under and over them. Like Render it always returns
// safe markup, and an *Error for the first problem found.
func Expr(tex string, display bool) (template.HTML, error) {
	var b strings.Builder
	root, err := parse(tex, display, 0)
	writeMath(&b, root, display)
	if err != nil {
		return template.HTML(b.String()), err
	}
	return template.HTML(b.String()), nil
}

// Plain converts text with $…$ (and $$…$$) math to readable plain Unicode
// text, for aria-labels, JSON APIs and plain-text fallbacks. Text outside
// math is returned as is, except that "\$" becomes "$". Math is linearised:
// "$d_{model} \times d_k$" becomes "d_model × d_k", "$\frac{a}{b}$" "a/b"
// (and "$\frac{a+b}{c}$" "(a + b)/c"), "$x^2$" "x²" (digits use superscript
// characters, anything else "x^(n+1)"), "$\lfloor x \rfloor$" "⌊x⌋",
// "$\hat{y}$" "ŷ" (y and U+0302 COMBINING CIRCUMFLEX ACCENT) and
// "$\mathbb{R}$" "ℝ". Plain never fails; problems are
// rendered as best it can, as in Render. The result is not HTML-escaped.
func Plain(text string) string {
	var b strings.Builder
	segs, _ := split(text)
	for _, s := range segs {
		if !s.math {
			b.WriteString(strings.ReplaceAll(s.text, "`", ""))
			continue
		}
		root, _ := parse(s.text, s.display, s.offset)
		b.WriteString(plainMath(root))
	}
	return b.String()
}

// writeText writes text outside math: escaped, with `…` spans as <code>,
// for what a student types ("write `d_model`"), which is not math. A lone
// backtick is written as it is.
func writeText(b *strings.Builder, s string) {
	for {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			writeEscaped(b, s)
			return
		}
		j := strings.IndexByte(s[i+1:], '`')
		if j < 0 {
			writeEscaped(b, s)
			return
		}
		writeEscaped(b, s[:i])
		b.WriteString("<code>")
		writeEscaped(b, s[i+1:i+1+j])
		b.WriteString("</code>")
		s = s[i+2+j:]
	}
}

// segment is a run of text or the source of one math expression.
type segment struct {
	math    bool
	display bool
	text    string // text with "\$" already unescaped, or TeX source
	offset  int    // byte offset of text in the input (for math errors)
}

// split cuts text into text and math segments. An unclosed $ or $$ makes
// the rest of the input text and is reported as an error.
func split(text string) ([]segment, *Error) {
	var segs []segment
	var buf strings.Builder
	flush := func() {
		if buf.Len() > 0 {
			segs = append(segs, segment{text: buf.String()})
			buf.Reset()
		}
	}
	var err *Error
	i := 0
	for i < len(text) {
		c := text[i]
		if c == '\\' && i+1 < len(text) && text[i+1] == '$' {
			buf.WriteByte('$')
			i += 2
			continue
		}
		if c != '$' {
			buf.WriteByte(c)
			i++
			continue
		}
		display := i+1 < len(text) && text[i+1] == '$'
		delim := 1
		if display {
			delim = 2
		}
		start := i + delim
		end := findClose(text, start, display)
		if end < 0 {
			msg := "unclosed $: inline math has no closing $ (write \\$ for a dollar sign)"
			if display {
				msg = "unclosed $$: display math has no closing $$"
			}
			err = &Error{Offset: i, Msg: msg}
			buf.WriteString(strings.ReplaceAll(text[i:], `\$`, "$"))
			break
		}
		flush()
		segs = append(segs, segment{math: true, display: display, text: text[start:end], offset: start})
		i = end + delim
	}
	flush()
	return segs, err
}

// findClose returns the index of the $ (or $$ when display) closing math
// that starts at j, skipping backslash escapes, or -1.
func findClose(text string, j int, display bool) int {
	for j < len(text) {
		switch text[j] {
		case '\\':
			j += 2
			continue
		case '$':
			if !display {
				return j
			}
			if j+1 < len(text) && text[j+1] == '$' {
				return j
			}
		}
		j++
	}
	return -1
}

package mathml

import (
	"strings"
	"unicode/utf8"
)

// writeMath writes root, an mrow, as a <math> element. The math element
// groups its children like an mrow, so the root's children go directly
// inside it.
func writeMath(b *strings.Builder, root *node, display bool) {
	if display {
		b.WriteString(`<math display="block">`)
	} else {
		b.WriteString(`<math>`)
	}
	writeKids(b, root.kids)
	b.WriteString(`</math>`)
}

func writeKids(b *strings.Builder, kids []*node) {
	for _, k := range kids {
		writeNode(b, k)
	}
}

// writeInner writes the content of an mrow-like element (msqrt, mtd): the
// children of a row, or the node itself.
func writeInner(b *strings.Builder, n *node) {
	if n.kind == kRow {
		writeKids(b, n.kids)
		return
	}
	writeNode(b, n)
}

// writeNode writes n as exactly one element. Every attribute written here
// is a constant, or an mspace width taken from a fixed set.
func writeNode(b *strings.Builder, n *node) {
	switch n.kind {
	case kIdent:
		if n.normal {
			writeToken(b, `<mi mathvariant="normal">`, `</mi>`, n.text)
		} else {
			writeToken(b, `<mi>`, `</mi>`, n.text)
		}
	case kNumber:
		writeToken(b, `<mn>`, `</mn>`, n.text)
	case kOp:
		writeToken(b, `<mo>`, `</mo>`, n.text)
	case kText:
		writeToken(b, `<mtext>`, `</mtext>`, protectEdgeSpaces(n.text))
	case kSpace:
		b.WriteString(`<mspace width="`)
		b.WriteString(spaceWidth(n.width))
		b.WriteString(`"></mspace>`)
	case kRow:
		b.WriteString(`<mrow>`)
		writeKids(b, n.kids)
		b.WriteString(`</mrow>`)
	case kSub:
		writeElement(b, "msub", n.kids)
	case kSup:
		writeElement(b, "msup", n.kids)
	case kSubSup:
		writeElement(b, "msubsup", n.kids)
	case kUnder:
		writeElement(b, "munder", n.kids)
	case kOver:
		writeElement(b, "mover", n.kids)
	case kUnderOver:
		writeElement(b, "munderover", n.kids)
	case kFrac:
		if n.noBar {
			b.WriteString(`<mfrac linethickness="0">`)
		} else {
			b.WriteString(`<mfrac>`)
		}
		writeKids(b, n.kids)
		b.WriteString(`</mfrac>`)
	case kSqrt:
		b.WriteString(`<msqrt>`)
		writeInner(b, n.kids[0])
		b.WriteString(`</msqrt>`)
	case kRoot:
		writeElement(b, "mroot", n.kids)
	case kAccent:
		b.WriteString(`<mover accent="true">`)
		writeNode(b, n.kids[0])
		writeToken(b, `<mo>`, `</mo>`, n.text)
		b.WriteString(`</mover>`)
	case kTable:
		b.WriteString(`<mtable>`)
		for _, row := range n.kids {
			b.WriteString(`<mtr>`)
			for _, cell := range row.kids {
				b.WriteString(`<mtd>`)
				writeKids(b, cell.kids)
				b.WriteString(`</mtd>`)
			}
			b.WriteString(`</mtr>`)
		}
		b.WriteString(`</mtable>`)
	default:
		// Rows and cells are written by their table; nothing else exists.
		b.WriteString(`<mrow></mrow>`)
	}
}

// writeElement writes <tag> with each kid as one child element.
func writeElement(b *strings.Builder, tag string, kids []*node) {
	b.WriteString("<" + tag + ">")
	writeKids(b, kids)
	b.WriteString("</" + tag + ">")
}

func writeToken(b *strings.Builder, open, closing, text string) {
	b.WriteString(open)
	writeEscaped(b, text)
	b.WriteString(closing)
}

// spaceWidth returns w if it is one of the package's fixed widths, so that
// no other value can ever reach an attribute.
func spaceWidth(w string) string {
	switch w {
	case widthThin, widthMedium, widthThick, widthWord, widthEn, widthQuad, widthQQuad:
		return w
	}
	return widthThin
}

// protectEdgeSpaces turns leading and trailing spaces of \text into
// no-break spaces, which HTML does not collapse.
func protectEdgeSpaces(s string) string {
	trimmed := strings.Trim(s, " ")
	if len(trimmed) == len(s) {
		return s
	}
	lead := len(s) - len(strings.TrimLeft(s, " "))
	trail := len(s) - len(strings.TrimRight(s, " "))
	if trimmed == "" {
		trail = 0
	}
	return strings.Repeat("\u00a0", lead) + trimmed + strings.Repeat("\u00a0", trail)
}

// writeEscaped writes s HTML-escaped. Invalid UTF-8 and characters that
// XML forbids (NUL, most C0 controls, U+FFFE, U+FFFF) become U+FFFD, so
// the output is also well-formed XML.
func writeEscaped(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			if !xmlChar(r) {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		}
	}
}

// xmlChar reports whether XML 1.0 allows r in character data.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		0x20 <= r && r <= 0xD7FF ||
		0xE000 <= r && r <= 0xFFFD ||
		0x10000 <= r && r <= 0x10FFFF
}

package mathml

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// plainMath linearises a parsed expression to plain text.
func plainMath(root *node) string {
	return strings.Join(strings.Fields(plainRow(root.kids, false)), " ")
}

// plainNode renders n as plain text. compact (inside scripts) drops the
// spaces around operators: "x^(n+1)".
func plainNode(n *node, compact bool) string {
	switch n.kind {
	case kIdent, kNumber, kText:
		return n.plainText()
	case kOp:
		return n.text
	case kSpace:
		return " "
	case kRow:
		return plainRow(n.kids, compact)
	case kSub, kUnder:
		return plainNode(n.kids[0], compact) + plainSub(n.kids[1])
	case kSup, kOver:
		return plainNode(n.kids[0], compact) + plainSup(n.kids[1])
	case kSubSup, kUnderOver:
		return plainNode(n.kids[0], compact) + plainSub(n.kids[1]) + plainSup(n.kids[2])
	case kFrac:
		num := plainNode(n.kids[0], compact)
		den := plainNode(n.kids[1], compact)
		if n.noBar {
			return num + " choose " + den
		}
		return parenthesize(num) + "/" + parenthesize(den)
	case kSqrt:
		return "√" + parenthesize(plainNode(n.kids[0], compact))
	case kRoot:
		body := parenthesize(plainNode(n.kids[0], compact))
		switch index := plainNode(n.kids[1], true); index {
		case "3":
			return "∛" + body
		case "4":
			return "∜" + body
		default:
			return "root[" + index + "]" + body
		}
	case kAccent:
		base := plainNode(n.kids[0], compact)
		if utf8.RuneCountInString(base) == 1 {
			return base + string(n.accentMark)
		}
		return n.accentName + "(" + base + ")"
	case kTable:
		rows := make([]string, len(n.kids))
		for i, row := range n.kids {
			cells := make([]string, len(row.kids))
			for j, cell := range row.kids {
				cells[j] = strings.TrimSpace(plainRow(cell.kids, compact))
			}
			rows[i] = strings.Join(cells, ", ")
		}
		return strings.Join(rows, "; ")
	}
	return ""
}

// plainRow renders a row, putting spaces around binary operators and
// relations that follow an operand, and after commas.
func plainRow(kids []*node, compact bool) string {
	var b strings.Builder
	expecting := true
	var prev *node // the previous element, if it was an operand
	for i, k := range kids {
		c := classify(k)
		s := plainNode(k, compact)
		bare := k.kind == kOp
		if prev != nil && (c == clsOperand || c == clsFunc) && needsGap(prev, s) {
			b.WriteByte(' ')
		}
		prev = nil
		if c == clsOperand || c == clsFunc {
			prev = k
		}
		switch {
		case bare && (c == clsInfix || c == clsSign) && !expecting && !compact && spacedOp(k.text):
			b.WriteString(" " + s + " ")
		case bare && c == clsPunct && !compact && !thousands(kids, i):
			b.WriteString(s + " ")
		case c == clsLarge && !compact:
			b.WriteString(s + " ")
		default:
			b.WriteString(s)
		}
		expecting = expectsOperand(c, expecting)
	}
	return b.String()
}

// needsGap reports whether a space must separate the operand prev from a
// following operand rendered as s, so that "W_{hh} h_t" does not read as
// "W_hhh_t" nor "x y" as the word "xy". A number before a letter stays
// attached: "2P".
func needsGap(prev *node, s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(r) && !strings.ContainsRune("∇∂∞", r) {
		return false
	}
	switch prev.kind {
	case kNumber, kText, kSpace:
		return false
	}
	return true
}

// spacedOp reports whether a binary operator gets spaces in plain text.
func spacedOp(op string) bool {
	switch op {
	case "/", "\\":
		return false
	}
	return true
}

// thousands reports whether the comma at kids[i] separates digit groups,
// as in 10,416.
func thousands(kids []*node, i int) bool {
	if kids[i].text != "," || i == 0 || i+1 >= len(kids) {
		return false
	}
	next := kids[i+1]
	return kids[i-1].kind == kNumber && next.kind == kNumber &&
		len(next.text) == 3 && strings.Trim(next.text, "0123456789") == ""
}

// plainSub renders a subscript: "_k", "_model", "_(i,j)".
func plainSub(sub *node) string {
	return "_" + scriptText(plainNode(sub, true))
}

// plainSup renders a superscript: digits (with an optional minus) as
// superscript characters ("²", "⁻¹"), primes as they are, anything else
// after a caret ("^T", "^(n+1)").
func plainSup(sup *node) string {
	s := plainNode(sup, true)
	if raised, ok := superscriptDigits(s); ok {
		return raised
	}
	if s != "" && strings.Trim(s, "′″‴") == "" {
		return s
	}
	return "^" + scriptText(s)
}

func superscriptDigits(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case '0' <= r && r <= '9':
			b.WriteRune([]rune("⁰¹²³⁴⁵⁶⁷⁸⁹")[r-'0'])
		case r == '−' && i == 0 && len(s) > len("−"):
			b.WriteRune('⁻')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// scriptText parenthesises a script unless it is a single word.
func scriptText(s string) string {
	if isWord(s, false) {
		return s
	}
	return "(" + s + ")"
}

// parenthesize wraps a fraction part or radicand unless it is a single
// (possibly scripted) word.
func parenthesize(s string) string {
	if isWord(s, true) {
		return s
	}
	return "(" + s + ")"
}

// isWord reports whether s reads as one unit: letters, digits, marks and a
// few ordinary symbols, plus "_" and "^" when scripts are allowed.
func isWord(s string, scripts bool) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r):
		case strings.ContainsRune(".′″‴⊤⊺∗†∞∂∇%", r):
		case scripts && (r == '_' || r == '^' || strings.ContainsRune("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", r)):
		default:
			return false
		}
	}
	return true
}

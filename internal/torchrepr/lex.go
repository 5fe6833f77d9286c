package torchrepr

import (
	"fmt"
	"unicode/utf8"
)

// tokKind classifies a token of a printed model.
type tokKind int

const (
	tokEOF    tokKind = iota
	tokIdent          // Conv2d, kernel_size, True, same
	tokNumber         // 3, -1, 1e-05, 0.5
	tokString         // 'none' (quotes removed)
	tokPunct          // ( ) , = : -
)

// token is one lexeme with the line it starts on (1-based).
type token struct {
	kind tokKind
	text string
	line int
}

// maxTokenBytes bounds an identifier, number or string, so a pasted wall of
// digits is refused early rather than parsed.
const maxTokenBytes = 64

// maxTokens bounds the tokens of one text, which bounds the lexer's memory
// (about 40 bytes a token) and time. A Conv2d line of print(model) is about
// 35 tokens, so 64 layers with their containers stay far below it.
const maxTokens = 16384

// lex splits text into tokens. Python's repr of a module uses only ASCII
// identifiers, numbers, quoted strings and the punctuation ( ) , = : and
// the "-" of a repeated-module key such as (0-2); anything else is an
// error naming its line.
func lex(text string) ([]token, error) {
	var toks []token
	line := 1
	for i := 0; i < len(text); {
		if len(toks) >= maxTokens {
			return nil, &Error{Line: line, Message: fmt.Sprintf("the text has more than %d words, numbers and punctuation marks; the limit is %d", maxTokens, maxTokens), Limit: maxTokens}
		}
		c := text[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',' || c == '=' || c == ':':
			toks = append(toks, token{tokPunct, text[i : i+1], line})
			i++
		case c == '-' || c == '+' || c == '.' || isDigit(c):
			j := i + 1
			if c == '-' || c == '+' {
				if j >= len(text) || !(isDigit(text[j]) || text[j] == '.') {
					// A lone "-" separates the ends of a key like (0-2).
					toks = append(toks, token{tokPunct, "-", line})
					i++
					continue
				}
			}
			for j < len(text) && isNumberByte(text[j], text[j-1]) {
				j++
			}
			if err := checkLen(text[i:j], line); err != nil {
				return nil, err
			}
			toks = append(toks, token{tokNumber, text[i:j], line})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(text) && (isIdentStart(text[j]) || isDigit(text[j])) {
				j++
			}
			if err := checkLen(text[i:j], line); err != nil {
				return nil, err
			}
			toks = append(toks, token{tokIdent, text[i:j], line})
			i = j
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(text) && text[j] != c && text[j] != '\n' {
				j++
			}
			if j >= len(text) || text[j] != c {
				return nil, &Error{Line: line, Message: "a quoted string is not closed on its line"}
			}
			if err := checkLen(text[i+1:j], line); err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, text[i+1 : j], line})
			i = j + 1
		default:
			r, _ := utf8.DecodeRuneInString(text[i:])
			return nil, &Error{Line: line, Message: fmt.Sprintf("unexpected character %q; paste the text print(model) writes", r)}
		}
	}
	return append(toks, token{tokEOF, "", line}), nil
}

func checkLen(s string, line int) error {
	if len(s) > maxTokenBytes {
		return &Error{Line: line, Message: fmt.Sprintf("a word or number of %d characters; the limit is %d", len(s), maxTokenBytes)}
	}
	return nil
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

// isNumberByte reports whether c continues a number whose previous byte is
// prev: digits, a decimal point, an exponent and its sign (1e-05).
func isNumberByte(c, prev byte) bool {
	switch {
	case isDigit(c), c == '.', c == 'e', c == 'E':
		return true
	case c == '-' || c == '+':
		return prev == 'e' || prev == 'E'
	}
	return false
}

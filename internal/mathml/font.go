package mathml

import "strings"

// font is the alphabet selected by \mathbf, \mathbb and friends. Fonts are
// rendered with Unicode mathematical alphanumeric characters, because
// MathML Core supports no mathvariant value other than "normal".
type font uint8

const (
	fontNone       font = iota
	fontNormal          // \mathrm: upright
	fontBold            // \mathbf
	fontItalic          // \mathit
	fontBoldItalic      // \boldsymbol, \bm
	fontDouble          // \mathbb
	fontScript          // \mathcal, \mathscr
	fontFraktur         // \mathfrak
	fontSans            // \mathsf
	fontMono            // \mathtt
)

// fontCommand maps a font command to its font.
func fontCommand(name string) (font, bool) {
	switch name {
	case "mathrm", "mathup", "rm":
		return fontNormal, true
	case "mathbf", "bf":
		return fontBold, true
	case "mathit":
		return fontItalic, true
	case "boldsymbol", "bm", "mathbfit":
		return fontBoldItalic, true
	case "mathbb", "Bbb":
		return fontDouble, true
	case "mathcal", "mathscr", "cal":
		return fontScript, true
	case "mathfrak", "frak":
		return fontFraktur, true
	case "mathsf":
		return fontSans, true
	case "mathtt":
		return fontMono, true
	}
	return fontNone, false
}

// mapFont renders s in font f.
func mapFont(f font, s string) string {
	if f == fontNone || f == fontNormal {
		return s
	}
	return strings.Map(func(r rune) rune { return mapRune(f, r) }, s)
}

// plainFont renders s in font f for plain text: the double-struck, script
// and fraktur alphabets carry meaning (ℝ, ℒ) and are kept; bold, italic,
// sans-serif and monospace letters are spelled plainly, which reads better
// in aria-labels and plain-text fallbacks.
func plainFont(f font, s string) string {
	switch f {
	case fontDouble, fontScript, fontFraktur:
		return mapFont(f, s)
	}
	return s
}

// alphabet gives the first code points of a mathematical alphabet; 0 means
// the alphabet lacks that range.
type alphabet struct {
	upper, lower, digit, greekUpper, greekLower rune
}

func (f font) alphabet() alphabet {
	switch f {
	case fontBold:
		return alphabet{0x1D400, 0x1D41A, 0x1D7CE, 0x1D6A8, 0x1D6C2}
	case fontItalic:
		return alphabet{0x1D434, 0x1D44E, 0, 0x1D6E2, 0x1D6FC}
	case fontBoldItalic:
		return alphabet{0x1D468, 0x1D482, 0x1D7CE, 0x1D71C, 0x1D736}
	case fontDouble:
		return alphabet{0x1D538, 0x1D552, 0x1D7D8, 0, 0}
	case fontScript:
		return alphabet{0x1D49C, 0x1D4B6, 0, 0, 0}
	case fontFraktur:
		return alphabet{0x1D504, 0x1D51E, 0, 0, 0}
	case fontSans:
		return alphabet{0x1D5A0, 0x1D5BA, 0x1D7E2, 0, 0}
	case fontMono:
		return alphabet{0x1D670, 0x1D68A, 0x1D7F6, 0, 0}
	}
	return alphabet{}
}

// mapRune renders r in font f, or returns r when f has no such character.
func mapRune(f font, r rune) rune {
	if h := letterlikeHole(f, r); h != 0 {
		return h
	}
	a := f.alphabet()
	switch {
	case 'A' <= r && r <= 'Z' && a.upper != 0:
		return a.upper + r - 'A'
	case 'a' <= r && r <= 'z' && a.lower != 0:
		return a.lower + r - 'a'
	case '0' <= r && r <= '9' && a.digit != 0:
		return a.digit + r - '0'
	case 0x391 <= r && r <= 0x3A9 && r != 0x3A2 && a.greekUpper != 0: // Α–Ω
		return a.greekUpper + r - 0x391
	case 0x3B1 <= r && r <= 0x3C9 && a.greekLower != 0: // α–ω
		return a.greekLower + r - 0x3B1
	}
	return r
}

// letterlikeHole returns the Letterlike Symbols character that Unicode uses
// instead of a reserved code point in the Mathematical Alphanumeric
// Symbols block, or 0.
func letterlikeHole(f font, r rune) rune {
	switch f {
	case fontItalic:
		if r == 'h' {
			return 'ℎ'
		}
	case fontDouble:
		switch r {
		case 'C':
			return 'ℂ'
		case 'H':
			return 'ℍ'
		case 'N':
			return 'ℕ'
		case 'P':
			return 'ℙ'
		case 'Q':
			return 'ℚ'
		case 'R':
			return 'ℝ'
		case 'Z':
			return 'ℤ'
		}
	case fontScript:
		switch r {
		case 'B':
			return 'ℬ'
		case 'E':
			return 'ℰ'
		case 'F':
			return 'ℱ'
		case 'H':
			return 'ℋ'
		case 'I':
			return 'ℐ'
		case 'L':
			return 'ℒ'
		case 'M':
			return 'ℳ'
		case 'R':
			return 'ℛ'
		case 'e':
			return 'ℯ'
		case 'g':
			return 'ℊ'
		case 'o':
			return 'ℴ'
		}
	case fontFraktur:
		switch r {
		case 'C':
			return 'ℭ'
		case 'H':
			return 'ℌ'
		case 'I':
			return 'ℑ'
		case 'R':
			return 'ℜ'
		case 'Z':
			return 'ℨ'
		}
	}
	return 0
}

package mathml

// sym is a table entry for a command or a typed character.
type sym struct {
	kind    kind
	text    string
	normal  bool
	fn      bool
	opener  bool
	limits  bool
	largeOp bool
	width   string
}

func mi(t string) sym      { return sym{kind: kIdent, text: t} }
func upright(t string) sym { return sym{kind: kIdent, text: t, normal: true} }
func mo(t string) sym      { return sym{kind: kOp, text: t} }
func fn(t string) sym      { return sym{kind: kIdent, text: t, fn: true, opener: true} }
func limFn(t string) sym   { return sym{kind: kIdent, text: t, fn: true, opener: true, limits: true} }
func space(w string) sym   { return sym{kind: kSpace, width: w} }

func bigOp(t string, limits bool) sym {
	return sym{kind: kOp, text: t, largeOp: true, limits: limits}
}

// commandSymbol looks up a command that stands for a single token.
// (A switch rather than a map keeps the package free of global state.)
func commandSymbol(name string) (sym, bool) {
	switch name {
	// Greek, lower case (italic, as in TeX).
	case "alpha":
		return mi("α"), true
	case "beta":
		return mi("β"), true
	case "gamma":
		return mi("γ"), true
	case "delta":
		return mi("δ"), true
	case "epsilon":
		return mi("ϵ"), true
	case "varepsilon":
		return mi("ε"), true
	case "zeta":
		return mi("ζ"), true
	case "eta":
		return mi("η"), true
	case "theta":
		return mi("θ"), true
	case "vartheta":
		return mi("ϑ"), true
	case "iota":
		return mi("ι"), true
	case "kappa":
		return mi("κ"), true
	case "lambda":
		return mi("λ"), true
	case "mu":
		return mi("μ"), true
	case "nu":
		return mi("ν"), true
	case "xi":
		return mi("ξ"), true
	case "omicron":
		return mi("ο"), true
	case "pi":
		return mi("π"), true
	case "varpi":
		return mi("ϖ"), true
	case "rho":
		return mi("ρ"), true
	case "varrho":
		return mi("ϱ"), true
	case "sigma":
		return mi("σ"), true
	case "varsigma":
		return mi("ς"), true
	case "tau":
		return mi("τ"), true
	case "upsilon":
		return mi("υ"), true
	case "phi":
		return mi("ϕ"), true
	case "varphi":
		return mi("φ"), true
	case "chi":
		return mi("χ"), true
	case "psi":
		return mi("ψ"), true
	case "omega":
		return mi("ω"), true
	// Greek, upper case (upright, as in TeX).
	case "Gamma":
		return upright("Γ"), true
	case "Delta":
		return upright("Δ"), true
	case "Theta":
		return upright("Θ"), true
	case "Lambda":
		return upright("Λ"), true
	case "Xi":
		return upright("Ξ"), true
	case "Pi":
		return upright("Π"), true
	case "Sigma":
		return upright("Σ"), true
	case "Upsilon":
		return upright("Υ"), true
	case "Phi":
		return upright("Φ"), true
	case "Psi":
		return upright("Ψ"), true
	case "Omega":
		return upright("Ω"), true
	// Other identifiers.
	case "ell":
		return mi("ℓ"), true
	case "infty":
		return mi("∞"), true
	case "partial":
		return mi("∂"), true
	case "nabla":
		return mi("∇"), true
	case "emptyset", "varnothing":
		return mi("∅"), true
	case "top":
		return mi("⊤"), true
	case "bot":
		return mi("⊥"), true
	case "intercal":
		return mi("⊺"), true
	case "hbar":
		return mi("ℏ"), true
	case "imath":
		return mi("ı"), true
	case "jmath":
		return mi("ȷ"), true
	case "aleph":
		return mi("ℵ"), true
	case "Re":
		return mi("ℜ"), true
	case "Im":
		return mi("ℑ"), true
	case "%":
		return mi("%"), true
	case "$":
		return mi("$"), true
	case "#":
		return mi("#"), true
	case "&":
		return mi("&"), true
	case "_":
		return mi("_"), true
	// Function names.
	case "log", "ln", "lg", "exp", "sin", "cos", "tan", "sec", "csc", "cot",
		"sinh", "cosh", "tanh", "coth", "arcsin", "arccos", "arctan",
		"arg", "deg", "dim", "hom", "ker":
		return fn(name), true
	case "lim", "max", "min", "sup", "inf", "det", "gcd", "Pr", "argmax", "argmin":
		return limFn(name), true
	case "limsup":
		return limFn("lim sup"), true
	case "liminf":
		return limFn("lim inf"), true
	// Large operators.
	case "sum":
		return bigOp("∑", true), true
	case "prod":
		return bigOp("∏", true), true
	case "coprod":
		return bigOp("∐", true), true
	case "bigcup":
		return bigOp("⋃", true), true
	case "bigcap":
		return bigOp("⋂", true), true
	case "bigvee":
		return bigOp("⋁", true), true
	case "bigwedge":
		return bigOp("⋀", true), true
	case "bigoplus":
		return bigOp("⨁", true), true
	case "bigotimes":
		return bigOp("⨂", true), true
	case "int":
		return bigOp("∫", false), true
	case "iint":
		return bigOp("∬", false), true
	case "iiint":
		return bigOp("∭", false), true
	case "oint":
		return bigOp("∮", false), true
	// Binary operators.
	case "times":
		return mo("×"), true
	case "cdot", "cdotp":
		return mo("·"), true
	case "div":
		return mo("÷"), true
	case "pm":
		return mo("±"), true
	case "mp":
		return mo("∓"), true
	case "ast":
		return mo("∗"), true
	case "star":
		return mo("⋆"), true
	case "circ":
		return mo("∘"), true
	case "bullet":
		return mo("∙"), true
	case "odot":
		return mo("⊙"), true
	case "otimes":
		return mo("⊗"), true
	case "oplus":
		return mo("⊕"), true
	case "ominus":
		return mo("⊖"), true
	case "setminus":
		return mo("∖"), true
	case "cup":
		return mo("∪"), true
	case "cap":
		return mo("∩"), true
	case "wedge", "land":
		return mo("∧"), true
	case "vee", "lor":
		return mo("∨"), true
	case "neg", "lnot":
		return mo("¬"), true
	case "dagger":
		return mo("†"), true
	case "prime":
		return mo("′"), true
	case "backslash":
		return mo("\\"), true
	// Relations.
	case "le", "leq":
		return mo("≤"), true
	case "ge", "geq":
		return mo("≥"), true
	case "ne", "neq":
		return mo("≠"), true
	case "lt":
		return mo("<"), true
	case "gt":
		return mo(">"), true
	case "ll":
		return mo("≪"), true
	case "gg":
		return mo("≫"), true
	case "approx":
		return mo("≈"), true
	case "sim":
		return mo("∼"), true
	case "simeq":
		return mo("≃"), true
	case "cong":
		return mo("≅"), true
	case "equiv":
		return mo("≡"), true
	case "propto":
		return mo("∝"), true
	case "triangleq":
		return mo("≜"), true
	case "coloneqq":
		return mo("≔"), true
	case "doteq":
		return mo("≐"), true
	case "in":
		return mo("∈"), true
	case "notin":
		return mo("∉"), true
	case "ni":
		return mo("∋"), true
	case "subset":
		return mo("⊂"), true
	case "subseteq":
		return mo("⊆"), true
	case "supset":
		return mo("⊃"), true
	case "supseteq":
		return mo("⊇"), true
	case "mid":
		return mo("∣"), true
	case "parallel":
		return mo("∥"), true
	case "perp":
		return mo("⊥"), true
	case "colon":
		return mo(":"), true
	// Arrows.
	case "to", "rightarrow":
		return mo("→"), true
	case "leftarrow", "gets":
		return mo("←"), true
	case "leftrightarrow":
		return mo("↔"), true
	case "Rightarrow":
		return mo("⇒"), true
	case "Leftarrow":
		return mo("⇐"), true
	case "Leftrightarrow":
		return mo("⇔"), true
	case "implies", "Longrightarrow":
		return mo("⟹"), true
	case "impliedby", "Longleftarrow":
		return mo("⟸"), true
	case "iff", "Longleftrightarrow":
		return mo("⟺"), true
	case "longrightarrow":
		return mo("⟶"), true
	case "longleftarrow":
		return mo("⟵"), true
	case "mapsto":
		return mo("↦"), true
	case "uparrow":
		return mo("↑"), true
	case "downarrow":
		return mo("↓"), true
	// Logic.
	case "forall":
		return mo("∀"), true
	case "exists":
		return mo("∃"), true
	case "nexists":
		return mo("∄"), true
	// Dots.
	case "ldots", "dots", "dotsc", "dotso":
		return mo("…"), true
	case "cdots", "dotsb", "dotsm":
		return mo("⋯"), true
	case "vdots":
		return mo("⋮"), true
	case "ddots":
		return mo("⋱"), true
	// Delimiters.
	case "{", "lbrace":
		return mo("{"), true
	case "}", "rbrace":
		return mo("}"), true
	case "lbrack":
		return mo("["), true
	case "rbrack":
		return mo("]"), true
	case "|", "Vert", "lVert", "rVert":
		return mo("‖"), true
	case "vert", "lvert", "rvert":
		return mo("|"), true
	case "langle":
		return mo("⟨"), true
	case "rangle":
		return mo("⟩"), true
	case "lfloor":
		return mo("⌊"), true
	case "rfloor":
		return mo("⌋"), true
	case "lceil":
		return mo("⌈"), true
	case "rceil":
		return mo("⌉"), true
	// Spacing.
	case ",", "thinspace":
		return space(widthThin), true
	case ":", ">", "medspace":
		return space(widthMedium), true
	case ";", "thickspace":
		return space(widthThick), true
	case "enspace":
		return space(widthEn), true
	case "quad":
		return space(widthQuad), true
	case "qquad":
		return space(widthQQuad), true
	}
	return sym{}, false
}

// runeSymbol looks up a typed character that does not simply become <mi>
// (letters), <mn> (digits) or <mo> (everything else).
func runeSymbol(r rune) (sym, bool) {
	switch r {
	case '-':
		return mo("−"), true
	case '*':
		return mo("∗"), true
	case '~':
		return space(widthWord), true
	// TeX ordinary symbols that are not in the MathML operator dictionary:
	// as <mo> they would get 0.2778em of space on each side.
	case '.', '@', '%', '#', '&', '$', '?', '"':
		return mi(string(r)), true
	case 'Γ', 'Δ', 'Θ', 'Λ', 'Ξ', 'Π', 'Σ', 'Υ', 'Φ', 'Ψ', 'Ω':
		return upright(string(r)), true
	case '∞', '∂', '∇', '∅', '⊤', '⊺', 'ℏ':
		return mi(string(r)), true
	case '∑', '∏', '∐', '⋃', '⋂', '⋁', '⋀', '⨁', '⨂':
		return bigOp(string(r), true), true
	case '∫', '∬', '∭', '∮':
		return bigOp(string(r), false), true
	}
	return sym{}, false
}

// delimCommand maps a delimiter command usable after \left, \right and
// \big (without its backslash) to its character.
func delimCommand(name string) (string, bool) {
	switch name {
	case "{", "lbrace":
		return "{", true
	case "}", "rbrace":
		return "}", true
	case "|", "Vert", "lVert", "rVert":
		return "‖", true
	case "vert", "lvert", "rvert":
		return "|", true
	case "langle":
		return "⟨", true
	case "rangle":
		return "⟩", true
	case "lfloor":
		return "⌊", true
	case "rfloor":
		return "⌋", true
	case "lceil":
		return "⌈", true
	case "rceil":
		return "⌉", true
	case "lbrack":
		return "[", true
	case "rbrack":
		return "]", true
	case "backslash":
		return "\\", true
	case "uparrow":
		return "↑", true
	case "downarrow":
		return "↓", true
	}
	return "", false
}

// delimRune reports whether a typed character can follow \left or \right.
func delimRune(r rune) (string, bool) {
	switch r {
	case '(', ')', '[', ']', '|', '/', '<', '>', '⌊', '⌋', '⌈', '⌉', '⟨', '⟩', '‖':
		switch r {
		case '<':
			return "⟨", true
		case '>':
			return "⟩", true
		}
		return string(r), true
	}
	return "", false
}

// environment returns the delimiters of a supported \begin{…}
// environment; unknown environments are rendered as a bare table.
func environment(name string) (open, closing string, ok bool) {
	switch name {
	case "matrix", "smallmatrix", "array", "aligned", "align", "align*",
		"gathered", "split":
		return "", "", true
	case "pmatrix":
		return "(", ")", true
	case "bmatrix":
		return "[", "]", true
	case "Bmatrix":
		return "{", "}", true
	case "vmatrix":
		return "|", "|", true
	case "Vmatrix":
		return "‖", "‖", true
	case "cases", "dcases":
		return "{", "", true
	}
	return "", "", false
}

// accentCommand returns the accent character of an accent command, the
// combining character used for it in plain text, and whether it is one.
func accentCommand(name string) (mark string, comb rune, ok bool) {
	switch name {
	case "hat", "widehat":
		// U+02C6, not "^": Chromium draws "^" at cap height, detached
		// from a lower-case base such as the y of ŷ.
		return "ˆ", '\u0302', true
	case "bar", "overline":
		return "¯", '\u0304', true
	case "tilde", "widetilde":
		return "˜", '\u0303', true
	case "vec", "overrightarrow":
		return "→", '\u20d7', true
	case "dot":
		return "˙", '\u0307', true
	case "ddot":
		return "¨", '\u0308', true
	}
	return "", 0, false
}

// superscript maps a typed superscript character to the character it
// raises, or 0.
func superscript(r rune) rune {
	switch r {
	case '⁰':
		return '0'
	case '¹':
		return '1'
	case '²':
		return '2'
	case '³':
		return '3'
	case '⁴', '⁵', '⁶', '⁷', '⁸', '⁹':
		return '4' + (r - '⁴')
	case '⁺':
		return '+'
	case '⁻':
		return '-'
	case '⁼':
		return '='
	case '⁽':
		return '('
	case '⁾':
		return ')'
	case 'ⁿ':
		return 'n'
	case 'ⁱ':
		return 'i'
	}
	return 0
}

// subscript maps a typed subscript character to the character it lowers,
// or 0.
func subscript(r rune) rune {
	switch {
	case '₀' <= r && r <= '₉':
		return '0' + (r - '₀')
	}
	switch r {
	case '₊':
		return '+'
	case '₋':
		return '-'
	case '₌':
		return '='
	case '₍':
		return '('
	case '₎':
		return ')'
	case 'ₐ':
		return 'a'
	case 'ₑ':
		return 'e'
	case 'ₒ':
		return 'o'
	case 'ₓ':
		return 'x'
	case 'ₕ':
		return 'h'
	case 'ₖ':
		return 'k'
	case 'ₗ':
		return 'l'
	case 'ₘ':
		return 'm'
	case 'ₙ':
		return 'n'
	case 'ₚ':
		return 'p'
	case 'ₛ':
		return 's'
	case 'ₜ':
		return 't'
	case 'ᵢ':
		return 'i'
	case 'ⱼ':
		return 'j'
	}
	return 0
}

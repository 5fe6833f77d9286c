package answer

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Variable is a name a formula may use.
//
// A formula may spell a variable as its Name, its Display or any of its
// Aliases, and also, automatically, without underscores ("dmodel", "Win"),
// with LaTeX braces ("d_{model}", "W_{in}") or with Unicode subscripts
// ("dₖ"). Matching ignores case unless two variables' spellings differ only
// by case (h and H), in which case the case typed must be exact. An
// automatic spelling that would fit two variables is not accepted, and an
// explicit spelling (Name, Display, alias) always beats an automatic one.
// Names should consist of letters, digits, underscores and braces, starting
// with a letter, so that they can be typed and printed back.
type Variable struct {
	Name    string   // canonical, e.g. "d_model"; Eval environments are keyed by it
	Display string   // how to show it, e.g. "d_model"; empty means Name
	Aliases []string // extra accepted spellings
}

func (v Variable) display() string {
	if v.Display != "" {
		return v.Display
	}
	return v.Name
}

// subscriptASCII maps Unicode subscript characters to the ASCII they stand
// for, so "dₖ" and "d_k" name the same variable.
func subscriptASCII(r rune) (byte, bool) {
	if r >= '₀' && r <= '₉' {
		return byte('0' + r - '₀'), true
	}
	switch r {
	case 'ₐ':
		return 'a', true
	case 'ₑ':
		return 'e', true
	case 'ₒ':
		return 'o', true
	case 'ₓ':
		return 'x', true
	case 'ₕ':
		return 'h', true
	case 'ₖ':
		return 'k', true
	case 'ₗ':
		return 'l', true
	case 'ₘ':
		return 'm', true
	case 'ₙ':
		return 'n', true
	case 'ₚ':
		return 'p', true
	case 'ₛ':
		return 's', true
	case 'ₜ':
		return 't', true
	case 'ᵢ':
		return 'i', true
	case 'ᵣ':
		return 'r', true
	case 'ᵤ':
		return 'u', true
	case 'ᵥ':
		return 'v', true
	case 'ⱼ':
		return 'j', true
	}
	return 0, false
}

// isNameStart reports whether r may begin a variable name.
func isNameStart(r rune) bool {
	if _, sub := subscriptASCII(r); sub {
		return false
	}
	return unicode.IsLetter(r)
}

// isNameRune reports whether r may continue a variable name. Braces are
// included so that LaTeX-style subscripts such as "d_{model}" stay one word.
func isNameRune(r rune) bool {
	if r == '_' || r == '{' || r == '}' || ('0' <= r && r <= '9') {
		return true
	}
	if _, sub := subscriptASCII(r); sub {
		return true
	}
	return unicode.IsLetter(r)
}

// normName puts a spelling into the form used for matching: braces dropped
// ("d_{model}" → "d_model") and Unicode subscripts spelled out
// ("dₖ" → "d_k").
func normName(s string) string {
	var b strings.Builder
	inSub := false
	for _, r := range s {
		if r == '{' || r == '}' {
			continue
		}
		if c, ok := subscriptASCII(r); ok {
			if !inSub && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			b.WriteByte(c)
			inSub = true
			continue
		}
		inSub = false
		b.WriteRune(r)
	}
	return b.String()
}

// resolver matches the words of a formula to variables.
//
// Spellings come in two strengths. Explicit ones are each variable's Name,
// Display and Aliases. Automatic ones are generated: the same spelling with
// underscores removed ("d_model" → "dmodel", "W_in" → "Win"); braces and
// Unicode subscripts are handled by normName. An automatic spelling that
// would name two variables is dropped, and explicit spellings always win.
// Matching is case-insensitive unless two variables' spellings differ only
// by case (such as h and H), in which case the exact case is required.
type resolver struct {
	vars   []Variable
	exact  map[string]int // explicit spellings
	auto   map[string]int // automatic spellings; -1 marks an ambiguous one
	folded map[string]int // lower-cased spellings; -1 marks an ambiguous one
	maxLen int            // longest spelling in bytes, to bound the search
	exp    string         // expected's text, made once
}

func newResolver(vars []Variable) (*resolver, *ParseError) {
	r := &resolver{vars: vars, exact: map[string]int{}, auto: map[string]int{}, folded: map[string]int{}}
	setup := func(format string, args ...any) *ParseError {
		return perr(-1, "a correctly set up exercise", "exercise setup problem: "+format, args...)
	}
	for i, v := range vars {
		if v.Name == "" {
			return nil, setup("variable %d has no name", i+1)
		}
		for _, sp := range append([]string{v.Name, v.display()}, v.Aliases...) {
			n := normName(sp)
			if n == "" {
				continue
			}
			if j, ok := r.exact[n]; ok && j != i {
				return nil, setup("the spelling %q belongs to both %s and %s", sp, vars[j].Name, v.Name)
			}
			r.exact[n] = i
		}
	}
	for n, i := range r.exact {
		a := strings.ReplaceAll(n, "_", "")
		if a == n || a == "" {
			continue
		}
		if _, ok := r.exact[a]; ok {
			continue
		}
		if j, ok := r.auto[a]; ok && j != i {
			r.auto[a] = -1
		} else {
			r.auto[a] = i
		}
	}
	addFolded := func(n string, i int) {
		f := strings.ToLower(n)
		if j, ok := r.folded[f]; ok && j != i {
			r.folded[f] = -1
		} else {
			r.folded[f] = i
		}
		r.maxLen = max(r.maxLen, len(n), len(f))
	}
	for n, i := range r.exact {
		addFolded(n, i)
	}
	for n, i := range r.auto {
		if i >= 0 {
			addFolded(n, i)
		}
	}
	r.exp = r.expectedText()
	return r, nil
}

// lookup returns the variable a normalized spelling names, or -1.
func (r *resolver) lookup(n string) int {
	if i, ok := r.exact[n]; ok {
		return i
	}
	if i, ok := r.auto[n]; ok && i >= 0 {
		return i
	}
	if i, ok := r.folded[strings.ToLower(n)]; ok && i >= 0 {
		return i
	}
	return -1
}

// split covers a normalized word with variable spellings, preferring the
// longest spelling first, so "hd_k" becomes h·d_k. It returns nil when the
// whole word cannot be covered: a partial match such as "Kernel" = K·ernel
// would only confuse, so the whole word is reported as unknown instead.
func (r *resolver) split(word string) []int {
	n := len(word)
	// next[i] is the end of the chosen spelling starting at i, or -1 if the
	// suffix word[i:] cannot be covered; next[n] marks the end.
	next := make([]int, n+1)
	for i := range next {
		next[i] = -1
	}
	next[n] = n
	for i := n - 1; i >= 0; i-- {
		if !utf8.RuneStart(word[i]) {
			continue
		}
		for j := min(n, i+r.maxLen); j > i; j-- {
			if j < n && !utf8.RuneStart(word[j]) {
				continue
			}
			if next[j] < 0 {
				continue
			}
			if r.lookup(word[i:j]) >= 0 {
				next[i] = j
				break
			}
		}
	}
	if n == 0 || next[0] < 0 {
		return nil
	}
	var out []int
	for i := 0; i < n; i = next[i] {
		out = append(out, r.lookup(word[i:next[i]]))
	}
	return out
}

// knownList lists the variables for error messages, in the exercise's
// order, as a student types them, each in backticks (shown as code on a
// page, dropped from plain text).
func (r *resolver) knownList() string {
	if len(r.vars) == 0 {
		return "none (use numbers only)"
	}
	names := make([]string, 0, len(r.vars))
	for _, v := range r.vars {
		// The name as typed, in backticks (code on a page, dropped from
		// plain text): Display is math markup.
		if d := "`" + v.Name + "`"; !slices.Contains(names, d) {
			names = append(names, d)
		}
	}
	return strings.Join(names, ", ")
}

// expected describes a valid formula for this exercise's variables.
func (r *resolver) expected() string {
	if r.exp != "" {
		return r.exp
	}
	return r.expectedText()
}

func (r *resolver) expectedText() string {
	if len(r.vars) == 0 {
		return "a formula using numbers, + − · / ^ and brackets"
	}
	return "a formula using numbers, the variables " + r.knownList() + ", + − · / ^ and brackets"
}

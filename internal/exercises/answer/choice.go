package answer

import (
	"strings"
	"unicode/utf8"
)

// Choice is a single- or multiple-choice answer.
type Choice struct {
	Selected []string // option IDs, without repeats, in the order of the options
}

// ReadAs says which options were understood, e.g. "read as options a, c".
func (c Choice) ReadAs() string {
	switch len(c.Selected) {
	case 0:
		return "read as no option"
	case 1:
		return "read as option " + c.Selected[0]
	}
	return "read as options " + strings.Join(c.Selected, ", ")
}

// isChoiceSep reports whether r separates option IDs.
func isChoiceSep(r rune) bool {
	return r == ',' || r == ';' || isSpace(r)
}

// ParseChoice reads option IDs separated by commas, semicolons, spaces or
// newlines, as submitted by checkbox or radio forms or typed by hand.
// Repeats are dropped and the result follows the order of options. An ID
// matches exactly, or ignoring case when that picks out a single option.
// Option IDs containing separators cannot be selected this way.
func ParseChoice(s string, options []string) (Choice, error) {
	expected := "one or more of the options " + shortList(options) + ", separated by commas"
	if len(options) == 0 {
		return Choice{}, perr(-1, "a correctly set up exercise", "exercise setup problem: this question has no options")
	}
	if err := checkInput(s, expected); err != nil {
		return Choice{}, err
	}
	chosen := make([]bool, len(options))
	selected := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isChoiceSep(r) {
			i += n
			continue
		}
		j := i
		for j < len(s) {
			r2, m := utf8.DecodeRuneInString(s[j:])
			if isChoiceSep(r2) {
				break
			}
			j += m
		}
		k := matchOption(s[i:j], options)
		if k < 0 {
			return Choice{}, perr(i, expected, "unknown option %q at position %d; choose from %s", shorten(s[i:j]), column(s, i), shortList(options))
		}
		chosen[k], selected = true, true
		i = j
	}
	if !selected {
		return Choice{}, perr(-1, expected, "no option was selected")
	}
	var c Choice
	for k, ok := range chosen {
		if ok && !contains(c.Selected, options[k]) {
			c.Selected = append(c.Selected, options[k])
		}
	}
	return c, nil
}

// matchOption finds id among options: exactly, or else case-insensitively
// if that picks out a single option.
func matchOption(id string, options []string) int {
	for k, o := range options {
		if o == id {
			return k
		}
	}
	found := -1
	for k, o := range options {
		if strings.EqualFold(o, id) {
			if found >= 0 && options[found] != o {
				return -1
			}
			if found < 0 {
				found = k
			}
		}
	}
	return found
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// shortList lists options for a message, eliding a long list.
func shortList(options []string) string {
	const max = 12
	if len(options) <= max {
		return strings.Join(options, ", ")
	}
	return strings.Join(options[:max], ", ") + ", …"
}

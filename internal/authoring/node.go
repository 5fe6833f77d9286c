package authoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem with an exercise file: the file, the 1-based line
// (0 when it concerns the whole file), the field as a dotted path
// ("data.cases[1].stride") and a message an instructor can act on.
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error reads "conv.yaml:12: data.cases[1].stride: message".
func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		return loc + ": " + e.Field + ": " + e.Message
	}
	return loc + ": " + e.Message
}

// reader walks a YAML document and records the first problem; every
// accessor is a no-op after it, so the parser reads straight through and
// checks err once at the end.
type reader struct {
	file string
	err  *Error
}

func (r *reader) fail(n *yaml.Node, field, format string, args ...any) {
	if r.err != nil {
		return
	}
	line := 0
	if n != nil {
		line = n.Line
	}
	r.err = &Error{File: r.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)}
}

// object is a YAML mapping being read: fields are taken one by one, and
// done refuses any key nobody took.
type object struct {
	r     *reader
	node  *yaml.Node
	path  string
	taken map[string]bool
}

func (r *reader) object(n *yaml.Node, path string) *object {
	o := &object{r: r, node: n, path: path, taken: map[string]bool{}}
	if n == nil {
		return o
	}
	if n.Kind != yaml.MappingNode {
		r.fail(n, path, "must be a mapping of fields (key: value), not %s", kindWords(n))
		o.node = nil
		return o
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if seen[k] {
			r.fail(n.Content[i], join(path, k), "appears twice; keep one")
		}
		seen[k] = true
	}
	return o
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// get returns the value of key, or nil when absent.
func (o *object) get(key string) *yaml.Node {
	o.taken[key] = true
	if o.node == nil {
		return nil
	}
	for i := 0; i+1 < len(o.node.Content); i += 2 {
		if o.node.Content[i].Value == key {
			v := o.node.Content[i+1]
			if v.Kind == yaml.AliasNode {
				o.r.fail(v, join(o.path, key), "aliases (*name) are not allowed; write the value out")
				return nil
			}
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				return nil
			}
			return v
		}
	}
	return nil
}

// require is get for a field that must be there.
func (o *object) require(key, what string) *yaml.Node {
	v := o.get(key)
	if v == nil && o.r.err == nil {
		line := o.node
		o.r.fail(line, join(o.path, key), "is required: %s", what)
	}
	return v
}

// done refuses keys nobody read, naming the known ones.
func (o *object) done() {
	if o.node == nil {
		return
	}
	for i := 0; i+1 < len(o.node.Content); i += 2 {
		k := o.node.Content[i].Value
		if !o.taken[k] {
			known := make([]string, 0, len(o.taken))
			for t := range o.taken {
				known = append(known, t)
			}
			slices.Sort(known)
			o.r.fail(o.node.Content[i], join(o.path, k), "unknown field; the fields here are %s", strings.Join(known, ", "))
			return
		}
	}
}

func kindWords(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", clip(n.Value))
	}
	return "this"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// str reads a string field (any scalar; numbers are read as written).
func (r *reader) str(n *yaml.Node, field string, maxLen int) string {
	if n == nil || r.err != nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		r.fail(n, field, "must be text, not %s", kindWords(n))
		return ""
	}
	if len(n.Value) > maxLen {
		r.fail(n, field, "has %d characters; the limit is %d", len(n.Value), maxLen)
		return ""
	}
	return n.Value
}

// strs reads a list of strings, or one string as a list of one.
func (r *reader) strs(n *yaml.Node, field string, maxItems, maxLen int) []string {
	if n == nil || r.err != nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{r.str(n, field, maxLen)}
	}
	if n.Kind != yaml.SequenceNode {
		r.fail(n, field, "must be a list of text, not %s", kindWords(n))
		return nil
	}
	if len(n.Content) > maxItems {
		r.fail(n, field, "has %d items; the limit is %d", len(n.Content), maxItems)
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		out = append(out, r.str(c, fmt.Sprintf("%s[%d]", field, i), maxLen))
	}
	return out
}

func (r *reader) boolean(n *yaml.Node, field string) bool {
	if n == nil || r.err != nil {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		r.fail(n, field, "must be true or false, not %s", kindWords(n))
	}
	return b
}

// integer reads a whole number in [lo, hi].
func (r *reader) integer(n *yaml.Node, field string, lo, hi int) int {
	if n == nil || r.err != nil {
		return 0
	}
	if n.Kind != yaml.ScalarNode {
		r.fail(n, field, "must be a whole number, not %s", kindWords(n))
		return 0
	}
	v, err := strconv.Atoi(strings.TrimSpace(n.Value))
	if err != nil {
		r.fail(n, field, "must be a whole number, not %q", clip(n.Value))
		return 0
	}
	if v < lo || v > hi {
		r.fail(n, field, "is %d; it must be from %d to %d", v, lo, hi)
		return 0
	}
	return v
}

// number reads a finite number with at most maxAbs magnitude.
func (r *reader) number(n *yaml.Node, field string, maxAbs float64) float64 {
	if n == nil || r.err != nil {
		return 0
	}
	if n.Kind != yaml.ScalarNode {
		r.fail(n, field, "must be a number, not %s", kindWords(n))
		return 0
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail(n, field, "must be a number, not %q", clip(n.Value))
		return 0
	}
	if math.Abs(v) > maxAbs {
		r.fail(n, field, "is %v; numbers here must be between -%v and %v", v, maxAbs, maxAbs)
		return 0
	}
	return v
}

// intSpec is a whole number that is fixed, or drawn per variant from a
// range ({min, max}) or a list ({one_of: [...]}); default, when set, is
// seed 0's value, else the range's min or the list's first item.
type intSpec struct {
	min, max int
	oneOf    []int
	def      int
}

func fixed(v int) intSpec { return intSpec{min: v, max: v, def: v} }

func (s intSpec) random() bool { return s.min != s.max || len(s.oneOf) > 1 }

// draw picks the value for a seed.
func (s intSpec) draw(seed uint64, rng *rand.Rand) int {
	if seed == 0 {
		return s.def
	}
	if len(s.oneOf) > 0 {
		return s.oneOf[rng.IntN(len(s.oneOf))]
	}
	return s.min + rng.IntN(s.max-s.min+1)
}

// intValue reads an intSpec whose values must lie in [lo, hi].
func (r *reader) intValue(n *yaml.Node, field string, lo, hi int) intSpec {
	if n == nil || r.err != nil {
		return fixed(lo)
	}
	if n.Kind == yaml.ScalarNode {
		return fixed(r.integer(n, field, lo, hi))
	}
	if n.Kind != yaml.MappingNode {
		r.fail(n, field, "must be a whole number, a range {min: 1, max: 3} or a choice {one_of: [1, 2, 4]}, not %s", kindWords(n))
		return fixed(lo)
	}
	o := r.object(n, field)
	var s intSpec
	if list := o.get("one_of"); list != nil {
		if list.Kind != yaml.SequenceNode || len(list.Content) == 0 || len(list.Content) > 64 {
			r.fail(list, field+".one_of", "must be a list of 1 to 64 whole numbers")
			return fixed(lo)
		}
		for i, c := range list.Content {
			s.oneOf = append(s.oneOf, r.integer(c, fmt.Sprintf("%s.one_of[%d]", field, i), lo, hi))
		}
		if r.err != nil {
			return fixed(lo)
		}
		s.min, s.max = slices.Min(s.oneOf), slices.Max(s.oneOf)
		s.def = s.oneOf[0]
	} else {
		mn, mx := o.require("min", "the smallest value to draw"), o.require("max", "the largest value to draw")
		s.min, s.max = r.integer(mn, field+".min", lo, hi), r.integer(mx, field+".max", lo, hi)
		if r.err == nil && s.min > s.max {
			r.fail(mx, field+".max", "is %d, smaller than min %d", s.max, s.min)
		}
		s.def = s.min
	}
	if d := o.get("default"); d != nil {
		s.def = r.integer(d, field+".default", s.min, s.max)
		if r.err == nil && len(s.oneOf) > 0 && !slices.Contains(s.oneOf, s.def) {
			r.fail(d, field+".default", "is %d, which is not one of %v", s.def, s.oneOf)
		}
	}
	o.done()
	if r.err != nil {
		return fixed(lo)
	}
	return s
}

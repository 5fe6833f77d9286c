package exercises

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"

	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// Format examples (the placeholder in an empty input, "like 5x7" in the
// format line, the example in a parse error) show how to write an answer.
// Written by hand they ended up equal to an answer (the recitation's 3×3
// and 10,416), so they are computed per variant instead: of the same kind
// and size as the part's answer, and sharing no number with any expected
// answer of the variant.
//
// A Format may hold these tokens, filled in when the variant is made:
//
//	{example}   an answer of the part's kind, as typed ("5x7", "-4", "1,234")
//	{example2}  the same in its other accepted spelling ("5×7", "1234")
//	{shape3}    a C@H×W shape and {flat} a flat length (the shape table's
//	            rows ask for either)

// numberPattern finds the numbers written in an answer.
var numberPattern = regexp.MustCompile(`\d+(?:[.,]\d+)*`)

// forbiddenNumbers collects every number written in any expected answer of
// the variant, in the forms a page may print it.
func forbiddenNumbers(v *Variant) map[string]bool {
	out := map[string]bool{}
	for _, p := range v.Parts {
		for _, s := range []string{p.Input, p.Answer} {
			for _, m := range numberPattern.FindAllString(s, -1) {
				out[m] = true
				out[strings.ReplaceAll(m, ",", "")] = true
				if f, err := strconv.ParseFloat(strings.ReplaceAll(m, ",", ""), 64); err == nil {
					out[strconv.FormatFloat(f, 'f', -1, 64)] = true
					if f == float64(int64(f)) {
						out[groupThousands(int64(f))] = true
					}
				}
			}
		}
	}
	return out
}

// exampleMaker draws example numbers that are not answers.
type exampleMaker struct {
	rng       *rand.Rand
	forbidden map[string]bool
}

// intIn draws a whole number in [lo, hi] that no answer holds; after many
// tries it widens the range, so it always ends.
func (m *exampleMaker) intIn(lo, hi int64) int64 {
	for try := 0; ; try++ {
		if try > 0 && try%50 == 0 {
			hi += hi - lo + 1
		}
		n := lo + m.rng.Int64N(hi-lo+1)
		abs := n
		if abs < 0 {
			abs = -abs
		}
		if !m.forbidden[strconv.FormatInt(abs, 10)] {
			return n
		}
	}
}

// groupThousands writes 12345 as "12,345".
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// setExamples fills in every part's examples, placeholder and format tokens.
func (v *Variant) setExamples() {
	forbidden := forbiddenNumbers(v)
	for _, p := range v.Parts {
		var h uint64 = 1469598103934665603
		for i := 0; i < len(p.ID); i++ {
			h = (h ^ uint64(p.ID[i])) * 1099511628211
		}
		m := &exampleMaker{rng: rand.New(rand.NewPCG(v.Seed, h)), forbidden: forbidden}
		ex, ex2 := m.examplesFor(p)
		p.example = ex
		// A square image, like the recitation's.
		side := m.intIn(10, 60)
		shape3 := fmt.Sprintf("%d@%d×%d", m.intIn(2, 16), side, side)
		flat := strconv.FormatInt(m.intIn(100, 900), 10)
		r := strings.NewReplacer("{example}", ex, "{example2}", ex2, "{shape3}", shape3, "{flat}", flat)
		p.Format = r.Replace(p.Format)
		p.Placeholder = r.Replace(p.Placeholder)
		if p.Placeholder == "" && ex != "" {
			p.Placeholder = "e.g. " + ex
		}
	}
}

// examplesFor computes a part's example answer and its other spelling.
func (m *exampleMaker) examplesFor(p *Part) (string, string) {
	switch p.Kind {
	case KindInteger:
		n, err := answer.ParseInteger(p.Input)
		if err != nil {
			return "", ""
		}
		v := n.Value
		switch {
		case v >= 1000 || v <= -1000:
			digits := len(strconv.FormatInt(max(v, -v), 10))
			lo := int64(1)
			for range digits - 1 {
				lo *= 10
			}
			e := m.intIn(lo, lo*10-1)
			return groupThousands(e), strconv.FormatInt(e, 10)
		case p.FocusStep != nil:
			// A cell of a convolution may be negative: show the sign.
			e := -m.intIn(2, 19)
			return strconv.FormatInt(e, 10), strconv.FormatInt(e, 10)
		case v < 20:
			e := m.intIn(2, 30)
			return strconv.FormatInt(e, 10), strconv.FormatInt(e, 10)
		default:
			e := m.intIn(max(2, v/2), v*2+10)
			return strconv.FormatInt(e, 10), strconv.FormatInt(e, 10)
		}
	case KindShape:
		s, err := answer.ParseShape(p.Input)
		if err != nil {
			// A symbolic shape: its placeholder is written by hand.
			return "", ""
		}
		switch len(s.Dims) {
		case 1:
			e := strconv.FormatInt(m.intIn(10, 999), 10)
			return e, e
		case 3:
			side := m.intIn(4, 60)
			c := m.intIn(2, 16)
			return fmt.Sprintf("%d@%dx%d", c, side, side), fmt.Sprintf("%d@%d×%d", c, side, side)
		default:
			a, b := m.intIn(2, 12), m.intIn(2, 12)
			return fmt.Sprintf("%dx%d", a, b), fmt.Sprintf("%d×%d", a, b)
		}
	case KindNumber:
		// A share: a percentage with two decimals and its fraction.
		for {
			whole := m.intIn(11, 89)
			cents := m.intIn(11, 99)
			pct := fmt.Sprintf("%d.%02d", whole, cents)
			clash := false
			for f := range m.forbidden {
				// "1.52" would be read in "81.52".
				clash = clash || strings.Contains(f, ".") && strings.Contains(pct, f)
			}
			if !m.forbidden[pct] && !clash {
				return pct + "%", fmt.Sprintf("0.%02d%02d", whole, cents)
			}
		}
	case KindMatrix:
		rows, cols := max(p.Rows, 1), max(p.Cols, 1)
		if mm, err := answer.ParseMatrix(p.Input); err == nil && p.Rows == 0 {
			rows, cols = len(mm.Rows), len(mm.Rows[0])
		}
		if rows > 1 {
			// A whole output's size is the answer to another part: show
			// a matrix of another size.
			want := [2]int{rows, cols}
			rows, cols = 2, 2
			if want == [2]int{2, 2} {
				cols = 3
			}
		}
		lines := make([]string, rows)
		bracketed := make([]string, rows)
		for i := range lines {
			cells := make([]string, cols)
			for j := range cells {
				n := m.intIn(1, 9)
				if m.rng.IntN(3) == 0 {
					n = -n
				}
				cells[j] = strconv.FormatInt(n, 10)
			}
			lines[i] = strings.Join(cells, " ")
			bracketed[i] = strings.Join(cells, ", ")
		}
		if rows == 1 {
			return lines[0], "[" + bracketed[0] + "]"
		}
		return strings.Join(lines, "; "), "[[" + strings.Join(bracketed, "], [") + "]]"
	}
	return "", ""
}

package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// Block-level tags separate words; inline tags (MathML, emphasis) do not,
// so "<mo>−</mo><mn>22</mn>" reads as "−22" and two table cells do not
// run together.
var (
	blockTag  = regexp.MustCompile(`(?i)</?(td|th|tr|li|p|div|br|option|summary|h[1-6]|table|section|label|caption|figcaption|dt|dd|text|title|tspan)\b[^>]*>`)
	anyTag    = regexp.MustCompile(`<[^>]*>`)
	spaceRuns = regexp.MustCompile(`\s+`)
)

// pageText is what a reader of the page can find: the visible text and,
// separately, every attribute (placeholders, data for scripts).
//
// It does what pageTextRegexp does, in one pass per step instead of three
// regular expressions: under the race detector the expressions made up
// most of TestNoAnswerBeforeAnAttempt's minutes.
// TestPageTextMatchesRegexp holds the two to the same output.
func pageText(body string) string {
	text := replaceTags(body, true)
	text = replaceTags(text, false)
	return collapseSpace(html.UnescapeString(text))
}

// pageTextRegexp is pageText's definition.
func pageTextRegexp(body string) string {
	text := blockTag.ReplaceAllString(body, " ")
	text = anyTag.ReplaceAllString(text, "")
	return spaceRuns.ReplaceAllString(html.UnescapeString(text), " ")
}

// blockTagNames are blockTag's names.
var blockTagNames = map[string]bool{"td": true, "th": true, "tr": true, "li": true, "p": true, "div": true, "br": true,
	"option": true, "summary": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "table": true,
	"section": true, "label": true, "caption": true, "figcaption": true, "dt": true, "dd": true, "text": true, "title": true,
	"tspan": true}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// replaceTags replaces what blockTag matches with a space (block true),
// or what anyTag matches with nothing (block false), scanning left to
// right as the expressions' ReplaceAllString does.
func replaceTags(s string, block bool) string {
	var b strings.Builder
	b.Grow(len(s))
	last := 0 // s[last:i] is not yet written
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break // no tag can close after here
		}
		end += i
		if block {
			// </?name\b with name one of blockTagNames, any case.
			n := i + 1
			if n < len(s) && s[n] == '/' {
				n++
			}
			m := n
			for m < len(s) && isWordByte(s[m]) {
				m++
			}
			if !blockTagNames[strings.ToLower(s[n:m])] {
				continue
			}
		}
		b.WriteString(s[last:i])
		if block {
			b.WriteByte(' ')
		}
		last = end + 1
		i = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// collapseSpace replaces each run of \s (space, \t, \n, \f, \r) with one
// space.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\f', '\r':
			if !space {
				b.WriteByte(' ')
			}
			space = true
		default:
			b.WriteByte(c)
			space = false
		}
	}
	return b.String()
}

func groupDigits(n int64) string {
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

// printedForms lists the ways a page could print a part's expected answer
// distinctly enough to give it away. Small non-negative whole numbers are
// left out: they are everywhere in the givens.
func printedForms(p *exercises.Part) []string {
	var forms []string
	addInt := func(n int64) {
		switch {
		case n < 0:
			forms = append(forms, strconv.FormatInt(n, 10), "−"+strconv.FormatInt(-n, 10), groupDigits(n))
		case n >= 100:
			forms = append(forms, strconv.FormatInt(n, 10), groupDigits(n))
		}
	}
	switch p.Kind {
	case exercises.KindInteger:
		if n, err := answer.ParseInteger(p.Input); err == nil {
			addInt(n.Value)
		}
	case exercises.KindShape:
		s, err := answer.ParseShape(p.Input)
		if err != nil {
			return []string{p.Input} // a symbolic shape, as typed
		}
		switch len(s.Dims) {
		case 1:
			addInt(int64(s.Dims[0]))
		case 2:
			a, b := s.Dims[0], s.Dims[1]
			forms = append(forms, fmt.Sprintf("%dx%d", a, b), fmt.Sprintf("%d×%d", a, b), fmt.Sprintf("%d × %d", a, b))
		case 3:
			c, h, w := s.Dims[0], s.Dims[1], s.Dims[2]
			forms = append(forms, fmt.Sprintf("%d@%d×%d", c, h, w), fmt.Sprintf("%d@%dx%d", c, h, w))
		}
	case exercises.KindNumber:
		pct := strings.TrimSuffix(p.Input, "%")
		forms = append(forms, pct+"%", pct+" %")
	case exercises.KindFormula:
		forms = append(forms, p.Input)
	}
	return forms
}

// containsToken finds form in text with no digit, letter, '.', '@', ',' or
// '×' glued to either side, so "22" is not found in "220" or "1.22".
func containsToken(text, form string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], form)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(form)
		before, after := "", ""
		if start > 0 {
			before = text[start-1 : start]
		}
		if end < len(text) {
			after = text[end : end+1]
		}
		glued := func(s string) bool {
			return s != "" && strings.ContainsAny(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.@,\xd7")
		}
		if !glued(before) && !glued(after) {
			return true
		}
		i = start + 1
	}
}

// TestNoAnswerBeforeAnAttempt renders every exercise at many seeds and
// searches the page, before any attempt, for every expected answer in the
// forms a page prints it: the text, the attributes (placeholders, data for
// the scripts) and the no-JavaScript step tables. An answer that is one of
// the givens (a fully connected layer's size is its output length) is not
// searched for.
func TestNoAnswerBeforeAnAttempt(t *testing.T) {
	// The subtests below request pages in parallel, all from one client
	// address: the work limiter gives them a slot each and lets a request
	// wait for one as long as a busy machine needs (its default would
	// refuse one after 250 ms in the queue, which is not what this tests).
	h := newTestHandler(t, Config{Work: WorkConfig{Limit: 4, PerClient: 4, QueueWait: 10 * time.Minute}})
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	// One subtest per exercise, in parallel: the pages are independent and
	// the handler serves requests concurrently anyway.
	for _, ex := range exercises.NewCatalog().All() {
		t.Run(ex.ID, func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(seeds) {
				v, err := ex.Variant(seed)
				if err != nil {
					t.Fatal(err)
				}
				var givens strings.Builder
				for _, b := range v.Intro {
					givens.WriteString(b.Text + " ")
					if b.Grid != nil {
						fmt.Fprint(&givens, b.Grid.Cells, " ")
					}
				}
				for _, p := range v.Parts {
					givens.WriteString(p.Prompt + " ")
					for _, o := range p.Options {
						givens.WriteString(o.Text + " ")
					}
				}
				rec := do(t, h, http.MethodGet, fmt.Sprintf("/exercises/%s?seed=%d", ex.ID, seed), "")
				if rec.Code != http.StatusOK {
					t.Fatalf("%s seed %d: %d", ex.ID, seed, rec.Code)
				}
				body := rec.Body.String()
				text := pageText(body)
				attrs := html.UnescapeString(body)
				for _, p := range v.Parts {
					for _, form := range printedForms(p) {
						if containsToken(givens.String(), form) {
							continue
						}
						if containsToken(text, form) {
							i := strings.Index(text, form)
							t.Errorf("%s seed %d: the page shows %q, the answer to %s, before any attempt: …%s…", ex.ID, seed, form, p.ID,
								text[max(0, i-80):min(len(text), i+40)])
						} else if containsToken(attrs, form) {
							t.Errorf("%s seed %d: an attribute holds %q, the answer to %s, before any attempt", ex.ID, seed, form, p.ID)
						}
					}
				}
			}
		})
	}
}

// TestSolutionsOpenAfterAnAttemptOrAReveal: a posted answer opens that
// part's worked solution and replay; "show the worked solution" opens it
// without an answer and is carried on as a recorded reveal.
func TestSolutionsOpenAfterAnAttemptOrAReveal(t *testing.T) {
	h := newTestHandler(t, Config{})
	post := func(form string) string {
		rec := doWithType(t, h, "/exercises/conv-by-hand?seed=0", form, "application/x-www-form-urlencoded")
		if rec.Code != http.StatusOK {
			t.Fatalf("post %q: %d", form, rec.Code)
		}
		return pageText(rec.Body.String())
	}
	// Answering part 1 only: its solution opens; −22 (part 2) stays hidden,
	// and so does the replay that would show it.
	text := post("a.dims=3x3")
	if !strings.Contains(text, "The output is 3×3") && !strings.Contains(text, "Answer: 3×3") {
		t.Errorf("the dims solution did not open: %s", text)
	}
	if containsToken(text, "−22") || containsToken(text, "-22") {
		t.Error("−22 shows after answering part 1 only")
	}
	// Answering part 2 opens its solution and the replay of the unpadded case.
	text = post("a.dims=3x3&a.bottom-right=5")
	if !containsToken(text, "−22") && !containsToken(text, "-22") {
		t.Error("−22 does not show after an attempt at part 2")
	}
	// A reveal opens the solution without an answer and is recorded.
	rec := doWithType(t, h, "/exercises/conv-by-hand?seed=0", "reveal=bottom-right-padded", "application/x-www-form-urlencoded")
	body := rec.Body.String()
	if !strings.Contains(body, `name="revealed" value="bottom-right-padded"`) {
		t.Error("the reveal is not recorded in the page's state")
	}
	if !strings.Contains(pageText(body), "Answer: 7") {
		t.Error("the revealed solution is not shown")
	}
}

// TestCheckAPIRecordsReveals: the check API takes "reveal", records it in
// the verdict and sends the solution only once it is earned.
func TestCheckAPIRecordsReveals(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodPost, "/api/v1/exercises/conv-by-hand/check",
		`{"seed": 0, "answers": {"dims": "3x3"}, "reveal": ["dims-padded"]}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	var res checkResponse
	mustUnmarshal(t, body, &res)
	if res.Parts["dims"].SolutionHTML == "" || res.Parts["dims"].Revealed {
		t.Errorf("dims (attempted): %+v", res.Parts["dims"])
	}
	if res.Parts["dims-padded"].SolutionHTML == "" || !res.Parts["dims-padded"].Revealed {
		t.Errorf("dims-padded (revealed): %+v", res.Parts["dims-padded"])
	}
	if res.Parts["bottom-right"].SolutionHTML != "" {
		t.Error("an unattempted part's solution was sent")
	}
	bad := do(t, h, http.MethodPost, "/api/v1/exercises/conv-by-hand/check", `{"answers": {}, "reveal": ["nope"]}`)
	if bad.Code != http.StatusBadRequest || !strings.Contains(bad.Body.String(), "reveal") {
		t.Errorf("unknown reveal: %d %s", bad.Code, bad.Body)
	}
}

func mustUnmarshal(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// TestPageTextMatchesRegexp: pageText reads every kind of page as its
// regular-expression definition does, and odd markup too.
func TestPageTextMatchesRegexp(t *testing.T) {
	odd := []string{"", "plain", "<", ">", "a<b", "a < b > c", "<P>x</P >", "<pre>x</pre>", "<thead><th>1</th>",
		"<br/>x<BR>y", "<a title=\"<p>\">z</a>", "< p>", "</>", "<h7>x<h6 class=a>y", "<tspan\n>1</tspan>",
		"x\t\n\f\r\v y", "&lt;p&gt; &amp;lt;", "<p", "<div>a<span>b</span", "<p>a</p><p>b<", "<_p>", "<p_>", "<p-x>"}
	for _, s := range odd {
		if got, want := pageText(s), pageTextRegexp(s); got != want {
			t.Errorf("pageText(%q) = %q, want %q", s, got, want)
		}
	}
	h := newTestHandler(t, Config{})
	paths := []string{"/", "/playground", "/practice", "/api", "/print?ex=conv-by-hand,cnn-shape-table&seeds=2"}
	for _, ex := range exercises.NewCatalog().All() {
		paths = append(paths, "/exercises/"+ex.ID+"?seed=3", "/embed/"+ex.ID)
	}
	for _, p := range paths {
		body := do(t, h, http.MethodGet, p, "").Body.String()
		if got, want := pageText(body), pageTextRegexp(body); got != want {
			t.Errorf("%s: pageText differs from its definition:\n%q\n%q", p, got, want)
		}
	}
}

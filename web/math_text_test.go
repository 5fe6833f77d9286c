package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// Every piece of math a student reads goes through the math renderer: no
// TeX spelling (W_hx, h_{t−1}, \hat) may reach the visible text of a page,
// its title or an aria-label, and the JSON API speaks plain Unicode.

var (
	// Code and editable text are shown as typed; they are not prose.
	codeLike  = regexp.MustCompile(`(?s)<(script|style|pre|code|textarea)\b.*?</(script|style|pre|code|textarea)>`)
	mathTag   = regexp.MustCompile(`(?s)<math\b.*?</math>`)
	htmlTagRe = regexp.MustCompile(`(?s)<[^>]*>`)
	titleTag  = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	labelAttr = regexp.MustCompile(`\b(?:aria-label|alt|title)="([^"]*)"`)
	// rawTeX matches TeX left in text: scripts in braces, commands, dollar
	// signs and identifiers with an ASCII underscore subscript (W_hx).
	rawTeX = regexp.MustCompile(`_\{|\^\{|\\|\$|\b[A-Za-z]+_[A-Za-z0-9]`)
)

// visibleText is the text of a page outside code blocks, with MathML
// elements kept out (they are rendered math, whatever their content).
func visibleText(page string) string {
	s := codeLike.ReplaceAllString(page, " ")
	s = mathTag.ReplaceAllString(s, " ")
	s = titleTag.ReplaceAllString(s, " ")
	return html.UnescapeString(htmlTagRe.ReplaceAllString(s, " "))
}

func checkNoRawTeX(t *testing.T, where, page string) {
	t.Helper()
	for _, m := range rawTeX.FindAllStringIndex(visibleText(page), -1) {
		text := visibleText(page)
		lo, hi := max(0, m[0]-40), min(len(text), m[1]+40)
		t.Errorf("%s: raw TeX in visible text: …%s…", where, strings.Join(strings.Fields(text[lo:hi]), " "))
	}
	if m := titleTag.FindStringSubmatch(page); m != nil {
		if title := html.UnescapeString(m[1]); rawTeX.MatchString(title) || strings.Contains(title, "<") {
			t.Errorf("%s: title is not plain Unicode: %q", where, title)
		}
	}
	for _, m := range labelAttr.FindAllStringSubmatch(page, -1) {
		if v := html.UnescapeString(m[1]); rawTeX.MatchString(v) {
			t.Errorf("%s: raw TeX in an attribute a reader hears or sees: %q", where, v)
		}
	}
}

func TestNoRawTeXInPages(t *testing.T) {
	h := newTestHandler(t, Config{})
	pages := []string{"/", "/api", "/playground", "/embed/playground", "/no-such-page", "/exercises/nope"}
	cat := exercises.NewCatalog()
	for _, ex := range cat.All() {
		for _, seed := range []uint64{0, 1, 2, 3} {
			pages = append(pages, fmt.Sprintf("/exercises/%s?seed=%d", ex.ID, seed), fmt.Sprintf("/embed/%s?seed=%d", ex.ID, seed))
		}
	}
	for _, p := range pages {
		checkNoRawTeX(t, "GET "+p, do(t, h, http.MethodGet, p, "").Body.String())
	}
	// Verdicts, read-as echoes and opened worked solutions, after a wrong
	// and a right answer to every part, with and without JavaScript.
	for _, ex := range cat.All() {
		for _, seed := range []uint64{0, 1} {
			v, err := ex.Variant(seed)
			if err != nil {
				t.Fatal(err)
			}
			for _, answers := range []map[string]string{wrongAnswers(v), rightAnswers(v)} {
				form := url.Values{"seed": {fmt.Sprint(seed)}}
				for id, a := range answers {
					form.Set("a."+id, a)
				}
				for _, part := range v.Parts {
					if part.Kind == exercises.KindMatrix {
						cells := strings.FieldsFunc(answers[part.ID], func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '[' || r == ']' })
						for i, c := range cells {
							if part.Cols > 0 {
								form.Set(fmt.Sprintf("a.%s.%d.%d", part.ID, i/part.Cols, i%part.Cols), c)
							}
						}
					}
				}
				where := fmt.Sprintf("POST %s seed %d", ex.ID, seed)
				rec := doWithType(t, h, "/exercises/"+ex.ID, form.Encode(), "application/x-www-form-urlencoded")
				checkNoRawTeX(t, where, rec.Body.String())

				body, _ := json.Marshal(map[string]any{"seed": seed, "answers": answers})
				rec = doWithType(t, h, "/api/v1/exercises/"+ex.ID+"/check", string(body), "application/json")
				var res struct {
					Parts map[string]struct {
						Feedback string `json:"feedback"`
						ReadAs   string `json:"read_as"`
					} `json:"parts"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
					t.Fatalf("%s: %v: %s", where, err, rec.Body.String())
				}
				for id, vd := range res.Parts {
					for _, s := range []string{vd.Feedback, vd.ReadAs} {
						if strings.Contains(s, "_{") || strings.Contains(s, "^{") || strings.Contains(s, `\`) || strings.Contains(s, "$") {
							t.Errorf("%s %s: JSON text is not plain Unicode: %q", where, id, s)
						}
					}
				}
			}
		}
	}
}

func rightAnswers(v *exercises.Variant) map[string]string {
	out := map[string]string{}
	for _, p := range v.Parts {
		if p.Input != "" {
			out[p.ID] = p.Input
		}
	}
	return out
}

// wrongAnswers writes a readable but wrong answer for each part, so that
// the read-as echo and a diagnosis show.
func wrongAnswers(v *exercises.Variant) map[string]string {
	out := map[string]string{}
	for _, p := range v.Parts {
		switch p.Kind {
		case exercises.KindFormula:
			out[p.ID] = "d_model * d_k + W_in"
		case exercises.KindShape:
			out[p.ID] = "d_model x d_k"
			if !strings.Contains(p.Input, "d_") {
				out[p.ID] = "3x7"
			}
		case exercises.KindSingleChoice, exercises.KindMultipleChoice:
			if len(p.Options) > 0 {
				out[p.ID] = p.Options[len(p.Options)-1].ID
			}
		case exercises.KindSelfCheck:
			out[p.ID] = "A filter is a small grid of weights."
		case exercises.KindMatrix:
			out[p.ID] = strings.TrimSpace(strings.Repeat("1 ", p.Rows*p.Cols))
		default:
			out[p.ID] = "7"
		}
	}
	return out
}

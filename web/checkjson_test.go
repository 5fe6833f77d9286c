package web

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// encodingJSON is encoding/json's Encoder's output for v with HTML escaping
// off, newline included: what the check API sends.
func encodingJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCheckResponseEncoding checks that the hand-written encoder of the
// check API writes exactly encoding/json's bytes for the responses of every
// exercise at several seeds, with right, wrong, odd and blank answers and
// with and without revealed solutions; each response is encoded twice, so
// that the second takes its solutions from the memo.
func TestCheckResponseEncoding(t *testing.T) {
	unlock, err := newUnlocker(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{catalog: exercises.NewCatalog(), math: newMathText(), unlock: unlock}
	ctx := context.Background()
	withSolutions := 0
	for _, ex := range s.catalog.All() {
		for _, seed := range []uint64{0, 1, 7, 42, 1 << 40} {
			v, err := ex.Variant(seed)
			if err != nil {
				t.Fatal(err)
			}
			right, wrong, odd := map[string]string{}, map[string]string{}, map[string]string{}
			all := map[string]bool{}
			for i, p := range v.Parts {
				all[p.ID] = true
				if p.Kind == exercises.KindSelfCheck {
					continue
				}
				right[p.ID] = p.Input
				wrong[p.ID] = p.Input + "1"
				odd[p.ID] = []string{"<b>&amp;</b>", "\u2028\x01\"\\", "\xff\xfe", "12@48x48", "3 x 3", "d_k^2 + <1"}[i%6]
			}
			cases := []struct {
				name     string
				answers  map[string]string
				revealed map[string]bool
			}{
				{"right", right, nil},
				{"wrong", wrong, nil},
				{"odd", odd, nil},
				{"blank", map[string]string{}, nil},
				{"blank, revealed", map[string]string{}, all},
				{"wrong, revealed", wrong, all},
				{"right, one revealed", right, map[string]bool{v.Parts[0].ID: true}},
			}
			for _, c := range cases {
				res, err := v.Check(c.answers)
				if err != nil {
					t.Fatalf("%s seed %d %s: %v", ex.ID, seed, c.name, err)
				}
				for range 2 {
					out := s.checkResponseFrom(ctx, v, res, c.answers, c.revealed)
					got, err := appendCheckResponse(nil, &out)
					if err != nil {
						t.Fatalf("%s seed %d %s: %v", ex.ID, seed, c.name, err)
					}
					want := encodingJSON(t, out)
					if !bytes.Equal(got, want) {
						t.Fatalf("%s seed %d %s: hand-encoded\n%s\nencoding/json\n%s", ex.ID, seed, c.name, got, want)
					}
					// The anonymous check's path makes and encodes each
					// verdict in turn, with no map in between.
					direct, err := s.appendCheckResponseFrom([]byte("x"), ctx, v, res, c.answers, c.revealed)
					if err != nil || !bytes.Equal(direct[1:], want) {
						t.Fatalf("%s seed %d %s: appendCheckResponseFrom (%v)\n%s\nencoding/json\n%s", ex.ID, seed, c.name, err, direct, want)
					}
					for _, vd := range out.Parts {
						if vd.SolutionHTML != "" {
							withSolutions++
						}
					}
				}
			}
		}
	}
	if withSolutions == 0 {
		t.Fatal("no response carried a worked solution")
	}
}

// TestCheckResponseEncodingFields covers what the catalog's verdicts may not:
// every omitempty field set and unset, odd part ids, scores that encoding/json
// writes with an exponent, a nil parts map, and a refused NaN.
func TestCheckResponseEncodingFields(t *testing.T) {
	step, left := 12, 0
	full := verdictJSON{Status: "incorrect", Feedback: "a\tb\nc\r\f\b", FeedbackHTML: "<p>x & y</p>", ReadAs: "\u2029",
		ReadAsHTML: "\x00\x1f\x7f", Mistake: "conv.flipped-kernel", Mistakes: []string{"a", "<b>"}, Consistent: true,
		WrongCells: [][2]int{{0, 1}, {-2, 3}}, ShowCellStep: &step, Got: "-22", Score: 0.5, Max: 1, Revealed: true,
		SolutionHTML: "<ol><li>é 日本 \xc3</li></ol>", AttemptsLeft: &left}
	memoized := full
	memoized.solution = renderedSolution{html: full.SolutionHTML, json: appendJSONString(nil, full.SolutionHTML)}
	// A solution replaced after it was memoized is encoded afresh.
	replaced := memoized
	replaced.SolutionHTML = "<p>another</p>"
	responses := []checkResponse{
		{},
		{Parts: map[string]verdictJSON{}},
		{Parts: map[string]verdictJSON{"b": full, "a<": memoized, "r": replaced, "": {WrongCells: [][2]int{}, Mistakes: []string{}}},
			Score: 2.5, Max: 3, Correct: 2, Carried: 1, ScoreText: "Score: 2.5 of 3."},
		{Parts: map[string]verdictJSON{"x": {Score: 1e-7}, "y": {Score: 1e21}, "z": {Score: -0.0}, "w": {Score: 123456789.125}},
			Score: 1.0 / 3},
	}
	for i, out := range responses {
		got, err := appendCheckResponse(nil, &out)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if want := encodingJSON(t, out); !bytes.Equal(got, want) {
			t.Errorf("response %d: hand-encoded\n%s\nencoding/json\n%s", i, got, want)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := appendCheckResponse(nil, &checkResponse{Score: bad}); err == nil {
			t.Errorf("score %v: encoded, want an error as encoding/json gives", bad)
		}
		out := checkResponse{Parts: map[string]verdictJSON{"p": {Score: bad}}}
		if _, err := appendCheckResponse(nil, &out); err == nil {
			t.Errorf("part score %v: encoded, want an error as encoding/json gives", bad)
		}
	}
}

// FuzzAppendJSONString compares the string encoder with encoding/json on
// arbitrary bytes, valid UTF-8 or not.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "<math>&amp;</math>", "\u2028\u2029", "\xff", "\x00\x1f\"\\", "日本\xe6\x97"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := bytes.TrimSuffix(encodingJSON(t, s), []byte("\n"))
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// TestCheckHandlerEncoding checks the endpoint end to end: the body is one
// JSON object, ended by a newline, which encoding/json decodes into a
// checkResponse and encodes back to the same bytes, and the headers are
// writeJSON's.
func TestCheckHandlerEncoding(t *testing.T) {
	app, err := NewHandler(Config{})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-21", "dims-padded": "5x5", "bottom-right-padded": "7"}}`
	req := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/conv-by-hand/check", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "application/json; charset=utf-8" || cc != "no-store" {
		t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
	}
	raw := rec.Body.Bytes()
	var decoded checkResponse
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatalf("body is not a check response: %v\n%s", err, raw)
	}
	if want := encodingJSON(t, decoded); !bytes.Equal(raw, want) {
		t.Fatalf("body\n%s\nre-encoded\n%s", raw, want)
	}
	// A worked solution's HTML goes out unescaped, and the response is
	// still served as JSON that no browser sniffs as HTML.
	if !strings.Contains(string(raw), `"solution_html":"<`) || strings.Contains(string(raw), `\u003c`) {
		t.Errorf("worked solution not sent as plain HTML text in %s", raw)
	}
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
}

// TestCheckResponseEncoderFields fails when a field is added to, removed
// from or reordered in checkResponse or verdictJSON without the same change
// in appendCheckResponse and appendVerdict, which write these JSON names in
// this order; a new omitempty field would otherwise be left out silently
// whenever the comparisons above never set it.
func TestCheckResponseEncoderFields(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeFor[checkResponse](), []string{"parts", "score", "max", "correct", "carried", "score_text"}},
		{reflect.TypeFor[verdictJSON](), []string{"status", "feedback", "feedback_html", "read_as", "read_as_html",
			"mistake,omitempty", "mistakes,omitempty", "consistent,omitempty", "wrong_cells,omitempty",
			"show_cell_step,omitempty", "got,omitempty", "score", "max", "revealed,omitempty", "solution_html,omitempty",
			"unlock,omitempty", "attempts_left,omitempty"}},
	} {
		var got []string
		for f := range c.typ.Fields() {
			if f.IsExported() {
				got = append(got, f.Tag.Get("json"))
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%v has the JSON fields\n%q\nbut the hand-written encoder writes\n%q\n(update web/checkjson.go and this list together)",
				c.typ, got, c.want)
		}
	}
}

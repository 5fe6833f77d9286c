package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
)

// recitationAnswers are the recitation's printed answers, typed as a
// student would. Choice and self-check parts are filled from the variant.
var recitationAnswers = map[string]map[string]string{
	"attention-parameters": {
		"weight-shape": "d_model x d_k", "params-per-matrix": "d_k (d_model + 1)",
		"block-params": "3 * d_model * (d_model + 1)", "big-o": "O(d_model^2)",
		// The recitation's four: fully connected layers, the embedding layer,
		// normalization layers, positional embeddings.
		"other-params": "feed-forward, embedding, normalization, positional",
	},
	"conv-by-hand": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "7"},
	"cnn-shape-table": {
		"maxpool-1": "3@64x64", "conv": "12@48x48", "maxpool-2": "12@16x16", "flatten": "3072",
		"fc-1": "128", "relu": "128", "fc-2": "10", "softmax": "10",
	},
	"cnn-parameters": {"conv-params": "10416", "fc-params": "394634", "total": "405050", "conv-share": "2.57%", "fc-share": "97.43%"},
	"rnn-shapes":     {"w-hx": "4x3", "w-yh": "2x4", "w-hh": "4x4"},
}

func postCheck(t *testing.T, h http.Handler, id string, seed uint64, answers map[string]string) checkResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"seed": seed, "answers": answers})
	rec := do(t, h, http.MethodPost, "/api/v1/exercises/"+id+"/check", string(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", id, rec.Code, rec.Body)
	}
	var res checkResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSeedZeroReproducesTheRecitationThroughTheAPI(t *testing.T) {
	h := newTestHandler(t, Config{})
	catalog := exercises.NewCatalog()
	for _, ex := range catalog.All() {
		t.Run(ex.ID, func(t *testing.T) {
			v, err := ex.Variant(0)
			if err != nil {
				t.Fatal(err)
			}
			answers := map[string]string{}
			for _, p := range v.Parts {
				if text, ok := recitationAnswers[ex.ID][p.ID]; ok {
					answers[p.ID] = text
				} else if p.Kind != exercises.KindSelfCheck {
					answers[p.ID] = p.Input
				}
			}
			res := postCheck(t, h, ex.ID, 0, answers)
			if res.Score != float64(res.Max) || res.Correct != res.Max || res.Max == 0 {
				t.Errorf("score %v of %d: %+v", res.Score, res.Max, res.Parts)
			}
		})
	}
}

func TestCheckNarrowedToParts(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodPost, "/api/v1/exercises/conv-by-hand/check", `{"answers": {"dims": "3x3"}, "parts": ["dims", "bottom-right"]}`)
	var res checkResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if res.Score != 1 || res.Max != 2 || len(res.Parts) != 2 {
		t.Errorf("score %v of %d, parts %v", res.Score, res.Max, res.Parts)
	}
}

// TestCheckReturnsScoresPerPart: each verdict carries its credit, and a
// right step from a wrong earlier answer is credited and counted.
func TestCheckReturnsScoresPerPart(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodPost, "/api/v1/exercises/cnn-parameters/check",
		`{"seed": 0, "answers": {"conv-params": "10404", "fc-params": "394634", "total": "405038"}}`)
	var res checkResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if res.Score != 2 || res.Max != 5 || res.Correct != 1 || res.Carried != 1 {
		t.Errorf("score %v of %d, %d correct, %d carried", res.Score, res.Max, res.Correct, res.Carried)
	}
	if res.ScoreText != "Score: 2 of 5 (1 right, 1 credited as a right step from an earlier answer)." {
		t.Errorf("score text %q", res.ScoreText)
	}
	for id, want := range map[string]float64{"conv-params": 0, "fc-params": 1, "total": 1, "conv-share": 0} {
		if v := res.Parts[id]; v.Score != want || v.Max != 1 {
			t.Errorf("%s: %v of %d", id, v.Score, v.Max)
		}
	}
	if v := res.Parts["total"]; !v.Consistent || v.Status != "incorrect" || !strings.Contains(v.Feedback, "Full credit") {
		t.Errorf("total: %+v", v)
	}
}

func TestExerciseCatalogAPI(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodGet, "/api/v1/exercises", "")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	var cat struct {
		Exercises []exerciseSummary `json:"exercises"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &cat); err != nil {
		t.Fatal(err)
	}
	if len(cat.Exercises) != 9 {
		t.Fatalf("%d exercises", len(cat.Exercises))
	}
	for _, e := range cat.Exercises {
		if e.ID == "" || e.Title == "" || e.Section == "" || len(e.Parts) == 0 {
			t.Errorf("incomplete entry %+v", e)
		}
	}
}

func TestExerciseVariantAPINeverLeaksAnswers(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodGet, "/api/v1/exercises/conv-by-hand?seed=0", "")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `"image":[[1,3,-2,4]`) || !strings.Contains(body, `"filter":[[1,2],[-2,-1]]`) {
		t.Errorf("variant data missing: %.300s", body)
	}
	if strings.Contains(body, "-22") {
		t.Errorf("the answer -22 leaked: %s", body)
	}
	rec = do(t, h, http.MethodGet, "/api/v1/exercises/cnn-parameters", "")
	if strings.Contains(rec.Body.String(), "10416") || strings.Contains(rec.Body.String(), "405050") {
		t.Errorf("parameter answers leaked: %s", rec.Body)
	}
}

func TestExerciseCheckAPIErrors(t *testing.T) {
	h := newTestHandler(t, Config{})
	tests := []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"unknown exercise", "/api/v1/exercises/nope/check", `{"answers": {}}`, 404, "id"},
		{"unknown part", "/api/v1/exercises/conv-by-hand/check", `{"answers": {"nope": "1"}}`, 400, "answers.nope"},
		{"non-string answer", "/api/v1/exercises/conv-by-hand/check", `{"answers": {"dims": 3}}`, 400, "answers"},
		{"negative seed", "/api/v1/exercises/conv-by-hand/check", `{"seed": -1, "answers": {}}`, 400, "seed"},
		{"huge seed", "/api/v1/exercises/conv-by-hand/check", `{"seed": 9007199254740992, "answers": {}}`, 400, "seed"},
		{"unknown field", "/api/v1/exercises/conv-by-hand/check", `{"answer": {}}`, 400, "answer"},
		{"unknown part in parts", "/api/v1/exercises/conv-by-hand/check", `{"answers": {}, "parts": ["nope"]}`, 400, "parts"},
		{"answer outside parts", "/api/v1/exercises/conv-by-hand/check", `{"answers": {"dims": "3x3"}, "parts": ["bottom-right"]}`, 400, "answers.dims"},
		{"malformed", "/api/v1/exercises/conv-by-hand/check", `{"answers": `, 400, "body"},
		{"variant of unknown exercise", "/api/v1/exercises/nope", ``, 404, "id"},
		{"bad seed query", "/api/v1/exercises/conv-by-hand?seed=abc", ``, 400, "seed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodPost
			if !strings.HasSuffix(tc.path, "/check") {
				method = http.MethodGet
			}
			rec := do(t, h, method, tc.path, tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("error body %s", rec.Body)
			}
			if e.Field != tc.field {
				t.Errorf("field %q, want %q", e.Field, tc.field)
			}
		})
	}
}

func TestExerciseCheckAnyTextGetsAVerdict(t *testing.T) {
	h := newTestHandler(t, Config{})
	weird := []string{"", " ", "<script>alert(1)</script>", "1e999999", "((((((((", "３x３", "\x00\xff", strings.Repeat("9", 5000), "1/0", "[[1,2],[3]]"}
	for _, ex := range exercises.NewCatalog().All() {
		v, _ := ex.Variant(7)
		for _, w := range weird {
			answers := map[string]string{}
			for _, p := range v.Parts {
				answers[p.ID] = w
			}
			body, _ := json.Marshal(map[string]any{"seed": 7, "answers": answers})
			rec := do(t, h, http.MethodPost, fmt.Sprintf("/api/v1/exercises/%s/check", ex.ID), string(body))
			if rec.Code != 200 {
				t.Errorf("%s %q: status %d %s", ex.ID, w, rec.Code, rec.Body)
			}
		}
	}
}

func TestExercisePageRendersAndEscapes(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, ex := range exercises.NewCatalog().All() {
		for _, seed := range []string{"0", "12345"} {
			rec := do(t, h, http.MethodGet, "/exercises/"+ex.ID+"?seed="+seed, "")
			if rec.Code != 200 {
				t.Fatalf("%s seed %s: %d", ex.ID, seed, rec.Code)
			}
			body := rec.Body.String()
			// cnn-concepts has its math in the worked solutions, which open after an attempt.
			if !strings.Contains(body, "<math") && ex.ID != "cnn-shape-table" && ex.ID != "cnn-concepts" {
				t.Errorf("%s: no MathML", ex.ID)
			}
			if strings.Contains(body, ` style="`) || strings.Contains(body, "<script>") {
				t.Errorf("%s: inline style or script", ex.ID)
			}
		}
	}
	// A posted answer is echoed escaped.
	req := "a.dims=%3Cscript%3Ealert(1)%3C%2Fscript%3E&a.bottom-right=-22"
	rec := doWithType(t, h, "/exercises/conv-by-hand?seed=0", req, "application/x-www-form-urlencoded")
	if rec.Code != 200 {
		t.Fatalf("post: %d", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("student input echoed unescaped")
	}
	if !strings.Contains(body, "&lt;script&gt;") {
		t.Error("student input not echoed")
	}
	if !strings.Contains(body, "verdict-correct") || !strings.Contains(body, "Score: 1 of 4") {
		t.Errorf("verdicts missing")
	}
	for _, bad := range []string{"/exercises/nope", "/exercises/conv-by-hand?seed=-3", "/exercises/conv-by-hand?seed=99999999999999999999"} {
		rec := do(t, h, http.MethodGet, bad, "")
		if rec.Code != 404 && rec.Code != 400 {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
}

func TestMatrixGridPost(t *testing.T) {
	h := newTestHandler(t, Config{})
	catalog := exercises.NewCatalog()
	ex, _ := catalog.Lookup("conv-by-hand")
	for seed := uint64(1); seed < 200; seed++ {
		v, _ := ex.Variant(seed)
		p, ok := v.Part("output")
		if !ok {
			continue
		}
		var form []string
		rows := strings.Split(strings.Trim(p.Input, "[]"), ";")
		for i, r := range rows {
			for j, c := range strings.Split(r, ",") {
				form = append(form, fmt.Sprintf("a.output.%d.%d=%s", i, j, strings.TrimSpace(c)))
			}
		}
		rec := doWithType(t, h, fmt.Sprintf("/exercises/conv-by-hand?seed=%d", seed), strings.Join(form, "&"), "application/x-www-form-urlencoded")
		if !strings.Contains(rec.Body.String(), `id="verdict-output"`) || !strings.Contains(rec.Body.String(), "verdict verdict-correct\" id=\"verdict-output") {
			t.Errorf("grid answer not accepted: %s", p.Input)
		}
		// One empty cell: invalid, not wrong.
		partial := strings.Join(form[1:], "&")
		rec = doWithType(t, h, fmt.Sprintf("/exercises/conv-by-hand?seed=%d", seed), partial, "application/x-www-form-urlencoded")
		if !strings.Contains(rec.Body.String(), "verdict verdict-invalid\" id=\"verdict-output") {
			t.Errorf("partially filled grid should be invalid")
		}
		return
	}
	t.Fatal("no variant with a matrix part")
}

// TestVerdictSaysCorrectOnce: a right answer reads "Correct (read as 3×3)",
// not "Correct (read as 3×3) Correct.".
func TestVerdictSaysCorrectOnce(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := doWithType(t, h, "/exercises/conv-by-hand?seed=0", "a.dims=3x3", "application/x-www-form-urlencoded")
	if rec.Code != 200 {
		t.Fatalf("post: %d", rec.Code)
	}
	body := rec.Body.String()
	i := strings.Index(body, `id="verdict-dims"`)
	if i < 0 {
		t.Fatal("no verdict for dims")
	}
	box := body[i:min(len(body), i+600)]
	if !strings.Contains(box, "Correct") || strings.Contains(box, "Correct.") {
		t.Errorf("verdict box: %s", box)
	}
}

package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/templates"
)

// exerciseSummary is one catalog entry of GET /api/v1/exercises.
type exerciseSummary struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Section      string `json:"section"`
	SectionTitle string `json:"section_title"`
	Summary      string `json:"summary"`
	Beyond       bool   `json:"beyond_recitation,omitempty"`
	// Version is an authored exercise's version (docs/AUTHORING.md).
	Version string        `json:"version,omitempty"`
	URL     string        `json:"url"`
	Parts   []partSummary `json:"parts"`
}

type partSummary struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

func (s *Server) apiExerciseCatalog(w http.ResponseWriter, r *http.Request) {
	var out []exerciseSummary
	for _, ex := range s.catalog.All() {
		v, err := s.lookupVersionVariant(ex.ID, ex.Version, "")
		if err != nil {
			s.log.Error("generate seed 0", "exercise", ex.ID, "err", err)
			continue
		}
		sum := exerciseSummary{ID: ex.ID, Title: ex.Title, Section: ex.Section, SectionTitle: ex.SectionTitle,
			Summary: ex.Summary, Beyond: ex.Beyond, Version: ex.Version, URL: s.exerciseURL(ex.ID, 0)}
		for _, p := range v.Parts {
			sum.Parts = append(sum.Parts, partSummary{ID: p.ID, Kind: string(p.Kind)})
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, map[string]any{"exercises": out})
}

// variantJSON is GET /api/v1/exercises/{id}: everything needed to pose the
// variant, and never its answers.
type variantJSON struct {
	ID     string     `json:"id"`
	Title  string     `json:"title"`
	Seed   uint64     `json:"seed"`
	URL    string     `json:"url"`
	Prompt []string   `json:"prompt"`
	Data   any        `json:"data"`
	Parts  []partJSON `json:"parts"`
}

type partJSON struct {
	ID      string       `json:"id"`
	Label   string       `json:"label"`
	Kind    string       `json:"kind"`
	Prompt  string       `json:"prompt"`
	Format  string       `json:"format"`
	Options []optionJSON `json:"options,omitempty"`
	Rows    int          `json:"rows,omitempty"`
	Cols    int          `json:"cols,omitempty"`
	// Slots is the number of positions of a diagram part.
	Slots int      `json:"slots,omitempty"`
	Hints []string `json:"hints"`
}

type optionJSON struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

func (s *Server) apiExerciseVariant(w http.ResponseWriter, r *http.Request) {
	version, err := versionParam(r)
	var v *exercises.Variant
	if err == nil {
		v, err = s.lookupVersionVariant(chi.URLParam(r, "id"), version, r.URL.Query().Get("seed"))
	}
	if err != nil {
		writeClientError(w, err)
		return
	}
	out := variantJSON{ID: v.Exercise.ID, Title: v.Exercise.Title, Seed: v.Seed, URL: s.exerciseURL(v.Exercise.ID, v.Seed), Data: v.Data}
	for _, b := range v.Intro {
		if b.Text != "" {
			out.Prompt = append(out.Prompt, s.plain(b.Text))
		}
	}
	for _, p := range v.Parts {
		pj := partJSON{ID: p.ID, Label: s.plain(p.Label), Kind: string(p.Kind), Prompt: s.plain(p.Prompt),
			Format: s.plain(p.Format), Rows: p.Rows, Cols: p.Cols, Slots: p.Slots, Hints: []string{}}
		for _, h := range p.Hints {
			pj.Hints = append(pj.Hints, s.plain(h))
		}
		for _, o := range p.Options {
			pj.Options = append(pj.Options, optionJSON{ID: o.ID, Text: s.plain(o.Text)})
		}
		out.Parts = append(out.Parts, pj)
	}
	writeJSON(w, http.StatusOK, out)
}

// checkRequest is the body of POST /api/v1/exercises/{id}/check.
type checkRequest struct {
	Seed    *uint64           `json:"seed"`
	Answers map[string]string `json:"answers"`
	// Parts, when given, narrows the check (and the score) to these parts,
	// as an embed showing only some parts does.
	Parts []string `json:"parts"`
	// Reveal lists parts whose worked solutions the student asked to see
	// before (or without) answering; each is recorded as a reveal.
	Reveal []string `json:"reveal"`
	// Item, Key, Hints and ShownMS record the check as an attempt at an
	// assignment item (learn_api.go): same-origin requests with the
	// learner's cookie only.
	Item    int64          `json:"item"`
	Key     string         `json:"key"`
	Hints   map[string]int `json:"hints"`
	ShownMS *int64         `json:"shown_ms"`
}

type verdictJSON struct {
	Status       string `json:"status"`
	Feedback     string `json:"feedback"`
	FeedbackHTML string `json:"feedback_html"`
	ReadAs       string `json:"read_as"`
	// ReadAsHTML is read_as with its math as MathML, rendered and escaped
	// by the server.
	ReadAsHTML string   `json:"read_as_html"`
	Mistake    string   `json:"mistake,omitempty"`
	Mistakes   []string `json:"mistakes,omitempty"`
	Consistent bool     `json:"consistent,omitempty"`
	WrongCells [][2]int `json:"wrong_cells,omitempty"`
	// ShowCellStep is the animation step that replays the (first) wrong
	// cell, and Got the student's value there; absent when there is none.
	ShowCellStep *int   `json:"show_cell_step,omitempty"`
	Got          string `json:"got,omitempty"`
	// Score is the part's credit, 0 to 1, of Max: 1 for a part Stride
	// scores, 0 for a self-check part.
	Score float64 `json:"score"`
	Max   int     `json:"max"`
	// Revealed records that the student asked for the solution.
	Revealed bool `json:"revealed,omitempty"`
	// SolutionHTML is the worked solution and the answer, once earned: the
	// part was attempted or revealed.
	SolutionHTML string `json:"solution_html,omitempty"`
	// Unlock is the token that opens this part's steps of the animation
	// websocket's replay (web/unlock.go), once the part is attempted or
	// revealed; absent for parts without a replay.
	Unlock string `json:"unlock,omitempty"`
	// AttemptsLeft, for a check recorded in an assignment that limits
	// attempts, is what the limit leaves for the part.
	AttemptsLeft *int `json:"attempts_left,omitempty"`
	// solution is the memoized worked solution SolutionHTML was set from,
	// with its JSON encoding; appendCheckResponse uses that encoding only
	// while SolutionHTML is still that solution's HTML.
	solution renderedSolution
}

type checkResponse struct {
	Parts map[string]verdictJSON `json:"parts"`
	// Score adds the parts' credit; Correct counts right answers and
	// Carried the parts credited as right steps from an earlier answer.
	Score   float64 `json:"score"`
	Max     int     `json:"max"`
	Correct int     `json:"correct"`
	Carried int     `json:"carried"`
	// ScoreText says it in words, as the page does.
	ScoreText string `json:"score_text"`
}

// maxAnswers bounds the answers of one check request.
const maxAnswers = 64

func (s *Server) apiExerciseCheck(w http.ResponseWriter, r *http.Request) {
	if err := checkJSONContentType(r); err != nil {
		writeClientError(w, err)
		return
	}
	body, readErr := readCheckBody(r)
	defer putCheckBody(body)
	// A body small enough is kept as the key of its answer
	// (web/checkmemo.go); checkMemoFront looked it up before the work slot.
	var kb [256]byte
	var memoKey []byte
	version, err := versionParam(r)
	if err == nil && readErr == nil && body.Len() <= maxCheckMemoBody {
		if ex, ok := s.catalog.LookupVersion(chi.URLParam(r, "id"), version); ok {
			memoKey = appendCheckMemoKey(kb[:0], ex.ID, ex.Version, body.Bytes())
		}
	}
	var req checkRequest
	if err := decodeCheckBody(body.Bytes(), readErr, &req); err != nil {
		writeClientError(w, err)
		return
	}
	if req.Item != 0 || req.Key != "" || req.Hints != nil || req.ShownMS != nil {
		// learn_api.go: an attempt at an assignment item. It gets a copy,
		// so req itself stays on the stack for every anonymous check.
		lreq := req
		s.learnAPICheck(w, r, &lreq)
		return
	}
	seedText := ""
	if req.Seed != nil {
		seedText = strconv.FormatUint(*req.Seed, 10)
	}
	var v *exercises.Variant
	if err == nil {
		v, err = s.lookupVersionVariant(chi.URLParam(r, "id"), version, seedText)
	}
	if err == nil && len(req.Parts) > 0 {
		v, err = selectParts(v, strings.Join(req.Parts, ","))
	}
	if err != nil {
		writeClientError(w, err)
		return
	}
	if len(req.Reveal) > maxReveals {
		writeClientError(w, &fieldError{status: http.StatusBadRequest, field: "reveal", limit: maxReveals,
			msg: fmt.Sprintf("has %d entries; the limit is %d", len(req.Reveal), maxReveals)})
		return
	}
	var revealed map[string]bool // nil (nothing revealed) reads as empty
	if len(req.Reveal) > 0 {
		revealed = make(map[string]bool, len(req.Reveal))
	}
	for _, id := range req.Reveal {
		if _, ok := v.Part(id); !ok {
			writeClientError(w, badRequest("reveal", "has %q, which is not a part of %s", clip(id, 64), v.Exercise.ID))
			return
		}
		revealed[id] = true
	}
	if len(req.Answers) > maxAnswers {
		writeClientError(w, &fieldError{status: http.StatusBadRequest, field: "answers", limit: maxAnswers,
			msg: fmt.Sprintf("has %d entries; the limit is %d", len(req.Answers), maxAnswers)})
		return
	}
	res, err := v.Check(req.Answers)
	if err != nil {
		var upe *exercises.UnknownPartError
		if errors.As(err, &upe) {
			writeClientError(w, badRequest("answers."+upe.PartID, "is not a part of %s; its parts are %v", v.Exercise.ID, upe.Known))
			return
		}
		writeClientError(w, badRequest("answers", "%s", err.Error()))
		return
	}
	var tally [8]verdictCount
	counted := appendTally(tally[:0], res)
	s.countTally(v.Exercise.ID, counted)
	bp := encodedBodies.Get().(*[]byte)
	b, err := s.appendCheckResponseFrom((*bp)[:0], r.Context(), v, res, req.Answers, revealed)
	if err != nil {
		encodedBodies.Put(bp)
		// As in writeJSON: only a programming error (a NaN score) gets here.
		http.Error(w, `{"error":"response could not be encoded"}`, http.StatusInternalServerError)
		return
	}
	// The memo key was made from the variant's own exercise and version
	// (v.Exercise is what LookupVersion returned then, unless an authored
	// file changed in between: keep only a consistent pair).
	if memoKey != nil && s.catalogVersionIs(v, memoKey) {
		s.checkMemo.offer(memoKey, v.Exercise.ID, counted, b)
	}
	// Shared values (see oneValue): no allocation per check.
	h := w.Header()
	h["Content-Type"] = jsonContentTypeValue
	h["Cache-Control"] = noStoreValue
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	if cap(b) <= maxPooledBody {
		*bp = b
		encodedBodies.Put(bp)
	}
}

// catalogVersionIs reports whether memoKey was made for v's exercise and
// version: an authored exercise may be replaced between the lookup that
// made the key and the one that found v.
func (s *Server) catalogVersionIs(v *exercises.Variant, memoKey []byte) bool {
	var kb [128]byte
	prefix := append(append(append(append(kb[:0], v.Exercise.ID...), 0), v.Exercise.Version...), 0)
	return len(memoKey) >= len(prefix) && string(memoKey[:len(prefix)]) == string(prefix)
}

// renderSolution renders a part's worked solution and answer (a self-check
// part's model answer and key points).
func (s *Server) renderSolution(ctx context.Context, part *exercises.Part) string {
	var b strings.Builder
	c := templates.SolutionBody(s.mdAll(part.Solution), s.md(part.Answer))
	if part.Kind == exercises.KindSelfCheck {
		c = templates.ModelAnswerBody(s.md(part.ModelAnswer), s.mdAll(part.Checklist))
	}
	if err := c.Render(ctx, &b); err != nil {
		return ""
	}
	// The diagrams that answer a part come with its solution, as on the
	// page (the caller sends the solution only once it is earned).
	var network *templates.NetworkDiagramView
	var rnn *templates.RNNDiagramView
	if part.Diagram != nil {
		network = networkLayout(part.Diagram, "diagram-"+part.ID)
	}
	if part.RNNDiagram != nil {
		rnn = rnnLayout(part.RNNDiagram, "diagram-"+part.ID)
	}
	if network != nil || rnn != nil {
		if err := templates.SolutionDiagrams(network, rnn).Render(ctx, &b); err != nil {
			return ""
		}
	}
	return b.String()
}

func (s *Server) checkResponseFrom(ctx context.Context, v *exercises.Variant, res exercises.Result, answers map[string]string, revealed map[string]bool) checkResponse {
	out := checkResponse{Parts: make(map[string]verdictJSON, len(res.Parts)), Score: res.Score, Max: res.Max,
		Correct: res.Correct, Carried: res.Carried, ScoreText: scoreText(res)}
	// The parts are visited in map order: nothing below depends on it, and
	// the encoder sorts them.
	for id, vd := range res.Parts {
		out.Parts[id] = s.verdictJSONOf(ctx, v, id, vd, answers[id], revealed[id])
	}
	return out
}

// verdictJSONOf is the response's verdict of part id: vd with its texts
// rendered, and the solution and unlock token once the part is open.
func (s *Server) verdictJSONOf(ctx context.Context, v *exercises.Variant, id string, vd exercises.Verdict, answer string, revealed bool) verdictJSON {
	vj := verdictJSON{
		Status: string(vd.Status), Feedback: s.plain(vd.Feedback), FeedbackHTML: string(s.md(vd.Feedback)),
		ReadAs: s.plain(vd.ReadAs), ReadAsHTML: string(s.md(vd.ReadAs)), Mistake: vd.Mistake, Consistent: vd.Consistent, WrongCells: vd.WrongCells,
	}
	if len(vd.Mistakes) > 1 {
		vj.Mistakes = vd.Mistakes
	}
	if part, ok := v.Part(id); ok {
		if step, got := showCell(part, vd, answer); step >= 0 {
			// A copy of its own: taking step's address would move it to
			// the heap for every part, with or without a cell to show.
			shown := step
			vj.ShowCellStep, vj.Got = &shown, got
		}
		if part.Kind != exercises.KindSelfCheck {
			vj.Score, vj.Max = vd.Credit, 1
		}
		vj.Revealed = revealed
		// Open as openParts says: attempted or revealed.
		open := vj.Revealed || vd.Attempted()
		if open && (len(part.Solution) > 0 || part.Kind == exercises.KindSelfCheck) {
			sol := s.solution(ctx, v, part)
			vj.SolutionHTML, vj.solution = sol.html, sol
		}
		if open && part.Animation >= 0 {
			vj.Unlock = s.unlock.token(v.Exercise.ID, v.Seed, id)
		}
	}
	return vj
}

// appendCheckResponseFrom appends what appendCheckResponse writes for
// checkResponseFrom(ctx, v, res, answers, revealed), without the map of
// verdicts in between: each part's verdict is made and encoded in turn,
// in the encoder's order (sorted IDs). The anonymous check's hot path;
// TestCheckResponseFromEncoding holds the two equal.
func (s *Server) appendCheckResponseFrom(b []byte, ctx context.Context, v *exercises.Variant, res exercises.Result, answers map[string]string, revealed map[string]bool) ([]byte, error) {
	if math.IsInf(res.Score, 0) || math.IsNaN(res.Score) {
		return nil, errUnencodable
	}
	var idBuf [16]string
	ids := idBuf[:0]
	for id := range res.Parts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b = append(b, `{"parts":{`...)
	var err error
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, id)
		b = append(b, ':')
		vj := s.verdictJSONOf(ctx, v, id, res.Parts[id], answers[id], revealed[id])
		if b, err = appendVerdict(b, &vj); err != nil {
			return nil, err
		}
	}
	b = append(b, '}')
	return appendCheckTotals(b, res.Score, res.Max, res.Correct, res.Carried, scoreText(res))
}

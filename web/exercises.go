package web

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/exercises/answer"
	"github.com/stride-tutor/stride/internal/mathml"
	"github.com/stride-tutor/stride/templates"
)

// maxFormBytes bounds a posted exercise form (all answers together).
const maxFormBytes = 64 << 10

// parseSeed reads the seed query or form value: absent means 0, the
// recitation's own numbers.
func parseSeed(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > exercises.MaxSeed {
		return 0, badRequest("seed", "must be a whole number from 0 to %d", uint64(exercises.MaxSeed))
	}
	return n, nil
}

// md renders developer-written text with inline math to safe HTML.
func md(text string) template.HTML {
	return mathml.MustRender(text)
}

// maxMathCacheBytes bounds each memo of rendered math text.
const maxMathCacheBytes = 4 << 20

// mathText memoizes the rendering of text with inline math, as HTML and as
// plain text. Prompts, hints, solutions and feedback repeat across requests
// (feedback such as "Correct." on every check), and parsing their math was
// a third of a page render's CPU.
type mathText struct {
	html  *lru[template.HTML]
	plain *lru[string]
	// solutions holds rendered worked solutions (see solutionHTML).
	solutions *lru[renderedSolution]
}

func newMathText() mathText {
	return mathText{html: newLRU[template.HTML](maxMathCacheBytes), plain: newLRU[string](maxMathCacheBytes),
		solutions: newLRU[renderedSolution](maxMathCacheBytes)}
}

// md is the memoized md.
func (s *Server) md(text string) template.HTML {
	if text == "" {
		return ""
	}
	if plainASCII(text) {
		return template.HTML(text)
	}
	if h, ok := s.math.html.get(text); ok {
		return h
	}
	h := md(text)
	s.math.html.add(text, h, int64(len(text)+len(h)+entryOverhead))
	return h
}

// plainASCII reports whether text is printable ASCII without math ($),
// backslashes, code spans (`) or a character HTML escapes: mathml renders
// such text as itself, as HTML and as plain text alike. Feedback such as
// "Correct." and a check's "read as -25" are such text, and the latter,
// different in every check, would otherwise churn the memos below.
func plainASCII(text string) bool {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c < 0x20 || c > 0x7e:
			return false
		case c == '$' || c == '\\' || c == '`' || c == '<' || c == '>' || c == '&' || c == '"' || c == '\'':
			return false
		}
	}
	return true
}

// plain is the memoized mathml.Plain.
func (s *Server) plain(text string) string {
	if text == "" {
		return ""
	}
	if !strings.ContainsAny(text, "$`") {
		return text // mathml.Plain changes only math and code spans
	}
	if p, ok := s.math.plain.get(text); ok {
		return p
	}
	p := mathml.Plain(text)
	s.math.plain.add(text, p, int64(len(text)+len(p)+entryOverhead))
	return p
}

func (s *Server) mdAll(list []string) []template.HTML {
	out := make([]template.HTML, len(list))
	for i, t := range list {
		out[i] = s.md(t)
	}
	return out
}

func (s *Server) exerciseURL(id string, seed uint64) string {
	return s.base + "/exercises/" + url.PathEscape(id) + "?seed=" + strconv.FormatUint(seed, 10)
}

// versionPattern is an authored exercise's version: the first 16 hex
// digits of its file's SHA-256 (authoring.Version).
var versionPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// versionParam reads ?v=, the authored version a page or check is pinned
// to (a printed worksheet's link carries it); "" is the current version.
func versionParam(r *http.Request) (string, error) {
	if r.URL.RawQuery == "" {
		return "", nil // a check's usual request: no query to parse
	}
	v := r.URL.Query().Get("v")
	if v != "" && !versionPattern.MatchString(v) {
		return "", badRequest("v", "must be an exercise version, 16 hexadecimal digits (0-9, a-f)")
	}
	return v, nil
}

// pinnedQuery is "&v=VERSION" when the request pins the variant's version
// (so the page's links and form keep it), else "".
func pinnedQuery(r *http.Request, v *exercises.Variant) string {
	if pin := r.URL.Query().Get("v"); pin != "" && pin == v.Exercise.Version {
		return "&v=" + pin
	}
	return ""
}

// lookupVariant resolves the exercise ID and seed of a request.
func (s *Server) lookupVariant(id, seedText string) (*exercises.Variant, error) {
	return s.lookupVersionVariant(id, "", seedText)
}

// lookupVersionVariant is lookupVariant at an exercise version: an
// assignment item's (authored exercises change; an item keeps the version
// it was made with), or "" for the current one.
func (s *Server) lookupVersionVariant(id, version, seedText string) (*exercises.Variant, error) {
	ex, ok := s.catalog.LookupVersion(id, version)
	if !ok && version != "" {
		return nil, &fieldError{status: http.StatusNotFound, field: "v", msg: fmt.Sprintf("there is no version %s of exercise %q on this server", version, clip(id, 64))}
	}
	if !ok {
		return nil, &fieldError{status: http.StatusNotFound, field: "id", msg: fmt.Sprintf("there is no exercise %q", clip(id, 64))}
	}
	seed, err := parseSeed(seedText)
	if err != nil {
		return nil, err
	}
	// Variants are immutable once generated, so one copy (with its compiled
	// expected formulas and mistakes) serves every page and check.
	key := ex.ID + "\x00" + ex.Version + "\x00" + strconv.FormatUint(seed, 10)
	if v, ok := s.variants.get(key); ok {
		return v, nil
	}
	v, err := ex.Variant(seed)
	if err != nil {
		// Every seed is meant to work; a failure is a bug, but the student
		// still gets a clear answer rather than a crash.
		s.log.Error("generate variant", "exercise", id, "seed", seed, "err", err)
		return nil, &fieldError{status: http.StatusInternalServerError, field: "seed", msg: "this variant could not be generated"}
	}
	s.variants.add(key, v, 1)
	return v, nil
}

// newVariant sends the student to a fresh random variant. The "New
// variant" link points here rather than at a random seed chosen while
// rendering, so that an exercise page stays a pure function of its URL and
// can be cached and shared.
func (s *Server) newVariant(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, ok := s.catalog.Lookup(id); !ok {
		s.pageError(w, r, &fieldError{status: http.StatusNotFound, field: "id", msg: fmt.Sprintf("there is no exercise %q", clip(id, 64))})
		return
	}
	from, err := parseSeed(r.URL.Query().Get("from"))
	if err != nil {
		from = 0
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.exerciseURL(id, newSeed(from)), http.StatusSeeOther)
}

func (s *Server) exercisePage(w http.ResponseWriter, r *http.Request) {
	s.showExercise(w, r, false)
}

func (s *Server) embedExercise(w http.ResponseWriter, r *http.Request) {
	s.showExercise(w, r, true)
}

func (s *Server) exerciseSubmit(w http.ResponseWriter, r *http.Request) {
	s.submitExercise(w, r, false)
}

func (s *Server) embedExerciseSubmit(w http.ResponseWriter, r *http.Request) {
	s.submitExercise(w, r, true)
}

// selectParts narrows a variant to the parts an embed asks for
// (?parts=a,b). Unknown part IDs are an error naming them.
func selectParts(v *exercises.Variant, list string) (*exercises.Variant, error) {
	list = strings.TrimSpace(list)
	if list == "" {
		return v, nil
	}
	keep := map[string]bool{}
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if _, ok := v.Part(id); !ok {
			var known []string
			for _, p := range v.Parts {
				known = append(known, p.ID)
			}
			return nil, badRequest("parts", "has %q, which is not a part of %s (its parts: %s)", clip(id, 64), v.Exercise.ID, strings.Join(known, ", "))
		}
		keep[id] = true
	}
	if len(keep) == 0 {
		return nil, badRequest("parts", "lists no part; give part IDs separated by commas, or leave it out for all parts")
	}
	narrowed := *v
	narrowed.Parts = nil
	for _, p := range v.Parts {
		if keep[p.ID] {
			narrowed.Parts = append(narrowed.Parts, p)
		}
	}
	return &narrowed, nil
}

func (s *Server) renderExercise(w http.ResponseWriter, r *http.Request, embedded bool, props templates.ExercisePageProps) {
	if embedded {
		s.render(w, r, http.StatusOK, templates.EmbedExercise(props))
		return
	}
	s.render(w, r, http.StatusOK, templates.ExercisePage(props))
}

func (s *Server) showExercise(w http.ResponseWriter, r *http.Request, embedded bool) {
	version, err := versionParam(r)
	var v *exercises.Variant
	if err == nil {
		v, err = s.lookupVersionVariant(chi.URLParam(r, "id"), version, r.URL.Query().Get("seed"))
	}
	if err == nil {
		v, err = selectParts(v, r.URL.Query().Get("parts"))
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	props, err := s.exerciseProps(r, v, nil, nil, false, embedded)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderExercise(w, r, embedded, props)
}

// submitExercise is the no-JavaScript path: the form posts, the server
// checks every part and renders the page with the verdicts.
func (s *Server) submitExercise(w http.ResponseWriter, r *http.Request, embedded bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.pageError(w, r, &fieldError{status: http.StatusRequestEntityTooLarge, field: "body",
				msg: fmt.Sprintf("the answers are larger than the limit of %d bytes", maxFormBytes)})
			return
		}
		s.pageError(w, r, badRequest("body", "the form could not be read"))
		return
	}
	seedText := r.URL.Query().Get("seed")
	if f := r.PostForm.Get("seed"); f != "" {
		seedText = f
	}
	version, err := versionParam(r)
	var v *exercises.Variant
	if err == nil {
		v, err = s.lookupVersionVariant(chi.URLParam(r, "id"), version, seedText)
	}
	if err == nil {
		v, err = selectParts(v, r.URL.Query().Get("parts"))
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	answers, partial := formAnswers(v, r.PostForm)
	res, err := v.Check(answers)
	if err != nil {
		s.pageError(w, r, badRequest("answers", "%s", err.Error()))
		return
	}
	for id := range partial {
		res.Parts[id] = exercises.Verdict{Status: exercises.StatusInvalid,
			Feedback: "Some cells are empty. Fill every cell of the grid (a 0 is a number too). It does not count as an attempt."}
	}
	s.countChecks(v.Exercise.ID, res)
	props, err := s.exerciseProps(r, v, r.PostForm, &res, true, embedded)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderExercise(w, r, embedded, props)
}

// countChecks feeds the checks-by-verdict metric.
func (s *Server) countChecks(exercise string, res exercises.Result) {
	var tally [8]verdictCount
	s.countTally(exercise, appendTally(tally[:0], res))
}

// appendTally appends the verdicts of res, blanks left out, counted by
// verdict: a small closed set, so each is counted once per check rather
// than with one counter lookup per part.
func appendTally(tally []verdictCount, res exercises.Result) []verdictCount {
	start := len(tally)
	for _, vd := range res.Parts {
		if vd.Status == exercises.StatusBlank {
			continue
		}
		i := start
		for i < len(tally) && tally[i].verdict != string(vd.Status) {
			i++
		}
		if i == len(tally) {
			tally = append(tally, verdictCount{verdict: string(vd.Status)})
		}
		tally[i].n++
	}
	return tally
}

// countTally adds a check's verdicts to the metrics.
func (s *Server) countTally(exercise string, tally []verdictCount) {
	if s.metrics == nil || len(tally) == 0 {
		return
	}
	s.metrics.observeCheck(exercise, tally)
}

// formAnswers collects each part's answer text from a posted form. Matrix
// grids become "a b; c d" text; a grid filled only in part is reported in
// partial and left out of answers.
func formAnswers(v *exercises.Variant, form url.Values) (map[string]string, map[string]bool) {
	answers := map[string]string{}
	partial := map[string]bool{}
	for _, p := range v.Parts {
		key := "a." + p.ID
		switch p.Kind {
		case exercises.KindMatrix:
			if text := form.Get(key); text != "" {
				answers[p.ID] = text
				continue
			}
			rows := make([]string, p.Rows)
			filled, empty := 0, 0
			for i := range p.Rows {
				cells := make([]string, p.Cols)
				for j := range p.Cols {
					c := strings.TrimSpace(form.Get(fmt.Sprintf("%s.%d.%d", key, i, j)))
					if c == "" {
						empty++
					} else {
						filled++
					}
					cells[j] = c
				}
				rows[i] = strings.Join(cells, " ")
			}
			switch {
			case filled == 0:
			case empty > 0:
				partial[p.ID] = true
			default:
				answers[p.ID] = strings.Join(rows, "; ")
			}
		case exercises.KindDiagram:
			if text := form.Get(key); text != "" {
				answers[p.ID] = text
				continue
			}
			// One select (block) and one text box (shape) per position. A
			// diagram filled in part goes to the checker as it is, which
			// names the first incomplete position.
			slots := make([]string, p.Slots)
			filled := false
			for i := range p.Slots {
				b := strings.TrimSpace(form.Get(fmt.Sprintf("%s.block.%d", key, i)))
				sh := strings.TrimSpace(form.Get(fmt.Sprintf("%s.shape.%d", key, i)))
				filled = filled || b != "" || sh != ""
				slots[i] = b + "=" + sh
			}
			if filled {
				answers[p.ID] = strings.Join(slots, "; ")
			}
		case exercises.KindMultipleChoice, exercises.KindSingleChoice:
			if vals := form[key]; len(vals) > 0 {
				answers[p.ID] = strings.Join(vals, ",")
			}
		default:
			if text := form.Get(key); text != "" {
				answers[p.ID] = text
			}
		}
	}
	return answers, partial
}

// exerciseProps builds the page view of a variant, with the student's
// form values and verdicts when checked. The only error is a step-table
// page (?page=, ?table=) the variant does not have.
func (s *Server) exerciseProps(r *http.Request, v *exercises.Variant, form url.Values, res *exercises.Result, checked, embedded bool) (templates.ExercisePageProps, error) {
	return s.exercisePropsGated(r, v, form, res, checked, embedded, nil)
}

// exercisePropsGated is exerciseProps with the set of parts whose answers
// may show given by the caller (an assignment's solution policy, see
// learn.go); nil means practice: those attempted or revealed.
func (s *Server) exercisePropsGated(r *http.Request, v *exercises.Variant, form url.Values, res *exercises.Result, checked, embedded bool, gate map[string]bool) (templates.ExercisePageProps, error) {
	ex := v.Exercise
	// Only ?parts= narrows a variant, so the query says whether this one is.
	narrowed := strings.TrimSpace(r.URL.Query().Get("parts")) != ""
	// A page pinned to a version (a worksheet's link) keeps it in every
	// link that shows or checks this variant.
	pin := pinnedQuery(r, v)
	action := s.exerciseURL(ex.ID, v.Seed) + pin
	if embedded {
		action = s.embedURL(v, narrowed) + pin
	}
	checkURL := s.base + "/api/v1/exercises/" + url.PathEscape(ex.ID) + "/check"
	if pin != "" {
		checkURL += "?" + pin[1:]
	}
	p := templates.ExercisePageProps{
		Embedded:      embedded,
		Links:         s.links(),
		ID:            ex.ID,
		Title:         ex.Title,
		Section:       ex.Section,
		SectionTitle:  ex.SectionTitle,
		Seed:          v.Seed,
		Recitation:    v.Seed == 0,
		FormAction:    action,
		CheckURL:      checkURL,
		NewVariantURL: s.base + "/exercises/" + url.PathEscape(ex.ID) + "/new?from=" + strconv.FormatUint(v.Seed, 10),
		RecitationURL: s.exerciseURL(ex.ID, 0),
		ShareURL:      absoluteURL(r, s.exerciseURL(ex.ID, v.Seed)+pin),
		TableLayout:   v.TableLayout,
		TableInput:    v.TableInput,
		Checked:       checked,
	}
	if res != nil {
		p.ScoreText = scoreText(*res)
	}
	open := openParts(v, res, revealedParts(form))
	if gate != nil { // learn.go: the assignment's policy decides
		open = gate
	}
	pg, err := parseStepPaging(r.URL.Query(), "seed", "parts", "v")
	if err != nil {
		return p, err
	}
	if p.Player, err = s.exercisePlayer(v, pg, open); err != nil {
		return p, err
	}
	p.Links = s.playerLinks(p.Player != nil)
	p.EmbedSnippet = embedSnippet(absoluteURL(r, s.embedURL(v, narrowed)+pin), absoluteURL(r, s.base+"/static/embed.js"), "Stride exercise: "+ex.Title, 760)
	for i, b := range v.Intro {
		p.Intro = append(p.Intro, s.blockView(b, fmt.Sprintf("diagram-intro-%d", i)))
	}
	for _, part := range v.Parts {
		pv := templates.PartView{
			ID: part.ID, Label: s.plain(part.Label), LabelHTML: s.md(part.Label), Prompt: s.md(part.Prompt), Kind: string(part.Kind),
			Placeholder: part.Placeholder, Format: s.md(part.Format),
			Rows: part.Rows, Cols: part.Cols,
			Hints: s.mdAll(part.Hints), Solution: s.mdAll(part.Solution), Answer: s.md(part.Answer),
			ModelAnswer: s.md(part.ModelAnswer), Checklist: s.mdAll(part.Checklist),
			Animation: part.Animation, FocusStep: -1,
		}
		if part.FocusStep != nil {
			pv.FocusStep = *part.FocusStep
		}
		if part.Kind == exercises.KindDiagram {
			pv.Slots = make([]templates.DiagramSlotView, part.Slots)
		}
		if part.Animation >= len(v.Animations) {
			pv.Animation = -1
		}
		pv.Revealed = revealedParts(form)[part.ID]
		// A solution asked for opens at once.
		pv.SolutionOpen = pv.Revealed
		if part.Kind == exercises.KindMatrix && !open[part.ID] {
			// The grid's size is the answer to the size part of the same
			// case until that part is attempted.
			for _, q := range v.Parts {
				if q.Kind == exercises.KindShape && q.Animation == part.Animation && !open[q.ID] {
					pv.GridLocked = true
				}
			}
		}
		if !open[part.ID] && len(part.Solution) > 0 {
			// Not earned yet: nothing of the answer is on the page.
			pv.Solution, pv.Answer, pv.SolutionLocked = nil, "", true
		}
		if gate != nil && !open[part.ID] {
			// A self-check part's model answer is its solution.
			pv.ModelAnswer, pv.Checklist = "", nil
		}
		if part.Diagram != nil && open[part.ID] {
			pv.Diagram = networkLayout(part.Diagram, "diagram-"+part.ID)
		}
		if part.RNNDiagram != nil && open[part.ID] {
			pv.RNNDiagram = rnnLayout(part.RNNDiagram, "diagram-"+part.ID)
		}
		key := "a." + part.ID
		if form != nil {
			pv.Value = form.Get(key)
			pv.SelfMark = form.Get("self." + part.ID)
			if part.Kind == exercises.KindDiagram {
				for i := range part.Slots {
					pv.Slots[i].Block = form.Get(fmt.Sprintf("%s.block.%d", key, i))
					pv.Slots[i].Shape = form.Get(fmt.Sprintf("%s.shape.%d", key, i))
				}
			}
			if part.Kind == exercises.KindMatrix {
				pv.Cells = make([][]string, part.Rows)
				for i := range part.Rows {
					pv.Cells[i] = make([]string, part.Cols)
					for j := range part.Cols {
						pv.Cells[i][j] = form.Get(fmt.Sprintf("%s.%d.%d", key, i, j))
					}
				}
			}
		}
		for _, o := range part.Options {
			checkedOpt := false
			if form != nil {
				for _, val := range form[key] {
					checkedOpt = checkedOpt || val == o.ID
				}
			}
			pv.Options = append(pv.Options, templates.OptionView{ID: o.ID, Text: s.md(o.Text), Checked: checkedOpt})
		}
		if res != nil {
			if vd, ok := res.Parts[part.ID]; ok {
				pv.Verdict = s.verdictView(vd, pv.SelfMark)
				pv.Verdict.ShowCellStep, pv.Verdict.Got = showCell(part, vd, pv.Value)
				if part.Kind != exercises.KindSelfCheck && vd.Status != exercises.StatusBlank && vd.Status != exercises.StatusInvalid {
					pv.Verdict.Credit = creditText(vd.Credit)
				}
				pv.SolutionOpen = pv.SolutionOpen || vd.Status == exercises.StatusCorrect
			}
		}
		p.Parts = append(p.Parts, pv)
	}
	return p, nil
}

func (s *Server) blockView(b exercises.Block, id string) templates.BlockView {
	switch {
	case b.Grid != nil:
		rows := make([][]string, len(b.Grid.Cells))
		for i, r := range b.Grid.Cells {
			rows[i] = make([]string, len(r))
			for j, c := range r {
				rows[i][j] = compute.FormatNumber(c)
			}
		}
		return templates.BlockView{Grid: &templates.GridView{Label: s.md(b.Grid.Label), Rows: rows}}
	case b.Table != nil:
		t := &templates.TableView{Caption: s.md(b.Table.Caption), Header: s.mdAll(b.Table.Header)}
		for _, r := range b.Table.Rows {
			t.Rows = append(t.Rows, s.mdAll(r))
		}
		return templates.BlockView{Table: t}
	case b.RNN != nil:
		return templates.BlockView{RNN: rnnLayout(b.RNN, id)}
	case b.Network != nil:
		// Network diagrams appear with solutions only; in a prompt they
		// would give the answers away.
		return templates.BlockView{}
	}
	return templates.BlockView{Text: s.md(b.Text)}
}

func (s *Server) verdictView(vd exercises.Verdict, selfMark string) *templates.VerdictView {
	v := &templates.VerdictView{
		Status: string(vd.Status), Feedback: s.md(vd.Feedback), ReadAs: s.md(vd.ReadAs), Consistent: vd.Consistent,
	}
	v.Headline = verdictHeadline(vd)
	if redundantFeedback(vd) {
		// "Correct (read as 5×5) Correct." says it twice.
		v.Feedback = ""
	}
	if vd.Status == exercises.StatusRevealed {
		switch selfMark {
		case "got-it":
			v.Headline = "You marked this as covered"
		case "not-yet":
			v.Headline = "You marked this as not yet"
		}
	}
	if len(vd.WrongCells) > 0 {
		v.WrongCells = map[string]bool{}
		for _, c := range vd.WrongCells {
			v.WrongCells[fmt.Sprintf("%d-%d", c[0], c[1])] = true
		}
	}
	return v
}

// maxReveals bounds the reveal entries a request may carry.
const maxReveals = 64

// revealedParts is the set of parts whose solutions the student asked to
// see: this post's "reveal" button and the earlier ones the page carries
// as "revealed" fields. A button may name several parts, comma-separated.
func revealedParts(form url.Values) map[string]bool {
	out := map[string]bool{}
	for _, key := range []string{"reveal", "revealed"} {
		for i, val := range form[key] {
			if i >= maxReveals {
				break
			}
			for _, id := range strings.Split(val, ",") {
				if id = strings.TrimSpace(id); id != "" && len(out) < maxReveals {
					out[id] = true
				}
			}
		}
	}
	return out
}

// openParts is the set of parts whose answers the page may show: those
// attempted (a readable answer, right or wrong) and those revealed.
func openParts(v *exercises.Variant, res *exercises.Result, revealed map[string]bool) map[string]bool {
	open := map[string]bool{}
	for _, p := range v.Parts {
		if revealed[p.ID] {
			open[p.ID] = true
		}
		if res != nil {
			if vd, ok := res.Parts[p.ID]; ok && vd.Attempted() {
				open[p.ID] = true
			}
		}
	}
	return open
}

// scoreText reports a checked variant's score in words.
func scoreText(res exercises.Result) string {
	s := "Score: " + formatScore(res.Score) + " of " + strconv.Itoa(res.Max)
	if res.Carried > 0 {
		return s + fmt.Sprintf(" (%d right, %d credited as %s from an earlier answer).", res.Correct, res.Carried,
			plural(res.Carried, "a right step", "right steps"))
	}
	return s + "."
}

// creditText is a part's score in words.
func creditText(credit float64) string {
	return fmt.Sprintf("%s of 1 point", formatScore(credit))
}

// formatScore writes a score to at most two decimals, without trailing
// zeros: 7, 6.5, 6.88 (partial credits add up to binary fractions).
func formatScore(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// redundantFeedback reports a feedback that only repeats the headline.
func redundantFeedback(vd exercises.Verdict) bool {
	return vd.Status == exercises.StatusCorrect && vd.Feedback == "Correct."
}

func verdictHeadline(vd exercises.Verdict) string {
	switch {
	case vd.Consistent:
		return "Consistent with your earlier answer"
	case vd.Status == exercises.StatusCorrect:
		return "Correct"
	case vd.Status == exercises.StatusIncorrect:
		return "Not quite"
	case vd.Status == exercises.StatusInvalid:
		return "Could not read this answer"
	case vd.Status == exercises.StatusRevealed:
		return "Compare with the model answer"
	}
	return ""
}

// newSeed picks a fresh variant for the "New variant" link: short enough to
// read aloud in class, never the current seed or the recitation's.
func newSeed(current uint64) uint64 {
	for {
		n := uint64(1 + rand.IntN(999_999))
		if n != current {
			return n
		}
	}
}

// absoluteURL makes a shareable address, honouring a TLS-terminating proxy.
func absoluteURL(r *http.Request, path string) string {
	// The page cache keys on the same scheme, so the two must agree.
	return requestScheme(r) + "://" + r.Host + path
}

// pageError renders a client error as an HTML page.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusBadRequest, err.Error()
	var fe *fieldError
	if errors.As(err, &fe) {
		status, msg = fe.status, fe.msg
		if fe.field != "" && fe.field != "id" {
			msg = fe.field + " " + msg
		}
	}
	title := "This request cannot be answered"
	if status == http.StatusNotFound {
		title = "Page not found"
	}
	s.render(w, r, status, templates.Message(templates.MessageProps{
		Links: s.links(), Title: title, Message: sentence(msg),
	}))
}

// sentence turns an error message, written lower-case for JSON clients
// ("there is no exercise …"), into a sentence for a page: capital first
// letter, one final full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}

// showCell finds the output cell a wrong answer should replay: the first
// wrong cell of a matrix, or the single cell a cell part asks for. It
// returns the trace step (or -1) and the student's value there.
func showCell(part *exercises.Part, vd exercises.Verdict, typed string) (int, string) {
	if vd.Status != exercises.StatusIncorrect || part.Animation < 0 {
		return -1, ""
	}
	if len(vd.WrongCells) > 0 && part.Kind == exercises.KindMatrix && vd.Got != nil {
		c := vd.WrongCells[0]
		return c[0]*part.Cols + c[1], compute.FormatNumber(*vd.Got)
	}
	if part.FocusStep != nil {
		if plainInteger(typed) {
			// What the general path below gives for such a number: the
			// number as typed (a check answers many wrong integers, and
			// parsing them as exact fractions was a tenth of a check).
			return *part.FocusStep, typed
		}
		if n, err := answer.ParseNumber(typed); err == nil {
			return *part.FocusStep, compute.FormatNumber(n.Float())
		}
	}
	return -1, ""
}

// plainInteger reports whether s is an integer written plainly: an
// optional minus sign and at most 15 digits (so a float64 holds it
// exactly), without leading zeros, and not "-0". compute.FormatNumber of
// its value as answer.ParseNumber reads it is s itself (TestPlainInteger).
func plainInteger(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > 15 || (digits[0] == '0' && (len(digits) > 1 || len(s) > 1)) {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// embedURL is the iframe address of a variant, with its part selection
// when narrowed.
func (s *Server) embedURL(v *exercises.Variant, narrowed bool) string {
	u := s.base + "/embed/" + url.PathEscape(v.Exercise.ID) + "?seed=" + strconv.FormatUint(v.Seed, 10)
	if narrowed {
		ids := make([]string, len(v.Parts))
		for i, p := range v.Parts {
			ids[i] = p.ID
		}
		u += "&parts=" + url.QueryEscape(strings.Join(ids, ","))
	}
	return u
}

// embedSnippet is the HTML a course page pastes in: the iframe, and the
// optional script that keeps its height matched to its content.
func embedSnippet(src, script, title string, height int) string {
	return fmt.Sprintf(`<iframe src="%s" title="%s" width="100%%" height="%d" style="border:0;max-width:56rem" loading="lazy"></iframe>`+"\n"+
		`<script src="%s" async></script>`, template.HTMLEscapeString(src), template.HTMLEscapeString(title), height, template.HTMLEscapeString(script))
}

// clip shortens text a client sent before it is echoed in an error.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

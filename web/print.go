package web

// Printed worksheets (issue 13 §3): question sheets for a list of exercises
// over a seed range (public: the variants are public anyway), their answer
// key (signed-in instructors only: a key for any seed would hand students
// the answers to their own variants), and an assignment printed for its
// roster, one sheet per student with that student's seeds (course staff).
// Every sheet carries a short link and a QR code to check its answers
// online. The pages are the server's own HTML with print CSS: no PDF
// library, and the browser's Print command makes the PDF.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/qrsvg"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/internal/textfmt"
	"github.com/stride-tutor/stride/internal/worksheets"
	"github.com/stride-tutor/stride/templates"
)

// selfCheckLines is the writing space a self-check part gets on paper.
const selfCheckLines = 6

// mountPrintPublic registers the public print routes: the chooser and
// question sheets, and the landing page of a sheet's check link. They work
// without a database.
func (s *Server) mountPrintPublic(r chi.Router) {
	r.With(s.work.limitPage).Get("/print", s.printPage)
	r.With(s.work.limitPage).Get("/sheet", s.sheetCheckPage)
}

// mountPrintClasses registers the print routes that need an account: the
// answer key and an assignment's roster sheets.
func (s *Server) mountPrintClasses(r chi.Router) {
	s.handle(r, http.MethodGet, "/print/key", policySignedIn, s.work.limitPage(http.HandlerFunc(s.printKeyPage)).ServeHTTP)
	s.handle(r, http.MethodGet, "/courses/{course}/assignments/{assignment}/print", policyCourseStaff, s.work.limitPage(http.HandlerFunc(s.printAssignmentPage)).ServeHTTP)
}

// printPage shows the chooser without ?ex=, and the question sheets with it.
func (s *Server) printPage(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()["ex"]) == 0 {
		s.render(w, r, http.StatusOK, templates.PrintChooser(s.printChooserProps(r, nil)))
		return
	}
	s.printList(w, r, false)
}

func (s *Server) printKeyPage(w http.ResponseWriter, r *http.Request) {
	s.printList(w, r, true)
}

func (s *Server) printChooserProps(r *http.Request, problem error) templates.PrintChooserProps {
	q := r.URL.Query()
	p := templates.PrintChooserProps{
		Links: s.links(),
		Seeds: q.Get("seeds"),
		Paper: q.Get("paper"),
		Title: q.Get("title"),
		// The key needs an account; say so rather than link a page that
		// would refuse.
		KeyAvailable: s.store != nil,
	}
	if p.Seeds == "" {
		p.Seeds = "1-30"
	}
	if p.Paper != "letter" {
		p.Paper = "a4"
	}
	chosen := map[string]bool{}
	for _, v := range q["ex"] {
		for _, id := range strings.Split(v, ",") {
			chosen[strings.TrimSpace(id)] = true
		}
	}
	for _, e := range s.catalog.All() {
		p.Exercises = append(p.Exercises, templates.PrintChoice{ID: e.ID, Title: e.Title, Section: e.Section, Checked: chosen[e.ID]})
	}
	if problem != nil {
		p.Problem = problem.Error()
	}
	p.Bounds = fmt.Sprintf("At most %d sheets and %d exercise variants in all per print.", worksheets.MaxSheets, worksheets.MaxItemInstances)
	return p
}

// printList renders a list of exercises over a seed range.
func (s *Server) printList(w http.ResponseWriter, r *http.Request, key bool) {
	req, err := worksheets.ParseRequest(r.URL.Query(), s.catalog.Lookup)
	if err != nil {
		var fe *worksheets.FieldError
		if errors.As(err, &fe) {
			// Back to the chooser, with the problem named and the choices kept.
			s.render(w, r, http.StatusBadRequest, templates.PrintChooser(s.printChooserProps(r, err)))
			return
		}
		s.pageError(w, r, err)
		return
	}
	title := req.Title
	if title == "" {
		title = s.defaultPrintTitle(req.Exercises)
	}
	sheets := req.Sheets()
	for i := range sheets {
		sheets[i].Title = title
	}
	p := templates.PrintProps{
		Links: s.links(), Title: title, Paper: string(req.Paper), Key: key,
		BackURL: s.base + "/print?" + printQuery(r.URL.Query(), "", "").Encode(), BackLabel: "Change the selection",
	}
	p.A4URL = s.base + "/print" + keySuffix(key) + "?" + printQuery(r.URL.Query(), "paper", "a4").Encode()
	p.LetterURL = s.base + "/print" + keySuffix(key) + "?" + printQuery(r.URL.Query(), "paper", "letter").Encode()
	p.QuestionsURL = s.base + "/print?" + printQuery(r.URL.Query(), "", "").Encode()
	if s.store != nil {
		p.KeyURL = s.base + "/print/key?" + printQuery(r.URL.Query(), "", "").Encode()
	}
	if err := s.fillSheets(r, &p, sheets, func(it worksheets.Item) string {
		return seedLabel(it.Seed)
	}); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.PrintPage(p))
}

func keySuffix(key bool) string {
	if key {
		return "/key"
	}
	return ""
}

// printQuery is the request's own print fields with one replaced, so the
// toolbar's links keep the selection.
func printQuery(q url.Values, field, value string) url.Values {
	out := url.Values{}
	for _, k := range []string{"ex", "seeds", "paper", "title"} {
		if vs, ok := q[k]; ok {
			out[k] = append([]string(nil), vs...)
		}
	}
	if field != "" {
		out.Set(field, value)
	}
	return out
}

func (s *Server) defaultPrintTitle(ids []string) string {
	if len(ids) > 3 {
		return "Worksheet: " + strconv.Itoa(len(ids)) + " exercises"
	}
	var titles []string
	for _, id := range ids {
		if e, ok := s.catalog.Lookup(id); ok {
			titles = append(titles, e.Title)
		}
	}
	return strings.Join(titles, " · ")
}

func seedLabel(seed uint64) string {
	if seed == 0 {
		return "the recitation's numbers (seed 0)"
	}
	return "variant " + strconv.FormatUint(seed, 10)
}

// printAssignmentPage prints an assignment for its roster: one sheet per
// student known by name (roster and LMS learners), with that student's
// seeds, in batches that keep each response bounded.
func (s *Server) printAssignmentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	q := r.URL.Query()
	paper, err := worksheets.ParsePaper(q.Get("paper"))
	if err != nil {
		s.classError(w, r, http.StatusBadRequest, "Cannot print", err.Error())
		return
	}
	key := q.Get("key") == "1"
	batch := 1
	if b := q.Get("batch"); b != "" {
		if batch, err = strconv.Atoi(b); err != nil {
			s.classError(w, r, http.StatusBadRequest, "Cannot print", "batch must be a whole number")
			return
		}
	}
	learners, err := s.store.ListLearners(ctx, c.ID)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	var students []worksheets.Student
	for _, l := range learners {
		if l.Source == store.SourceRoster || l.Source == store.SourceLTI {
			students = append(students, worksheets.Student{ID: l.ID, Name: l.Name})
		}
	}
	if len(students) == 0 {
		s.classError(w, r, http.StatusNotFound, "No students to print for", "Upload a roster to the course first: each student on it gets a sheet with their own variants.")
		return
	}
	items, err := s.printItems(ctx, a)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	sheets, batches, err := worksheets.ForRoster(a.Title, items, students, batch)
	if err != nil {
		s.classError(w, r, http.StatusBadRequest, "Cannot print", err.Error())
		return
	}
	self := s.assignmentURL(c.ID, a.ID) + "/print"
	link := func(paper string, key bool, batch int) string {
		v := url.Values{}
		v.Set("paper", paper)
		if key {
			v.Set("key", "1")
		}
		if batch > 1 {
			v.Set("batch", strconv.Itoa(batch))
		}
		return self + "?" + v.Encode()
	}
	p := templates.PrintProps{
		Links: s.links(), Title: a.Title, Paper: string(paper), Key: key,
		A4URL: link("a4", key, batch), LetterURL: link("letter", key, batch),
		QuestionsURL: link(string(paper), false, batch), KeyURL: link(string(paper), true, batch),
		BackURL: s.assignmentURL(c.ID, a.ID) + "/links", BackLabel: "Back to the assignment's links",
	}
	size := worksheets.BatchSize(len(items))
	for b := 1; b <= batches; b++ {
		lo := (b-1)*size + 1
		hi := min(len(students), b*size)
		p.Batches = append(p.Batches, templates.PrintBatchLink{Label: fmt.Sprintf("Students %d–%d", lo, hi), URL: link(string(paper), key, b), Current: b == batch})
	}
	if err := s.fillSheets(r, &p, sheets, func(it worksheets.Item) string { return seedLabel(it.Seed) }); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.PrintPage(p))
}

// printItems gives each assignment item its seed rule for printing.
func (s *Server) printItems(ctx context.Context, a store.Assignment) ([]worksheets.AssignmentItem, error) {
	var secret []byte
	for _, it := range a.Items {
		if it.SeedPolicy == store.SeedPerLearner && secret == nil {
			key, err := s.secret(ctx, seedSecretName)
			if err != nil {
				return nil, err
			}
			secret = key
		}
	}
	out := make([]worksheets.AssignmentItem, 0, len(a.Items))
	for _, it := range a.Items {
		out = append(out, worksheets.AssignmentItem{
			ExerciseID:      it.ExerciseID,
			ExerciseVersion: it.ExerciseVersion,
			Parts:           it.Parts,
			SeedFor:         func(learnerID int64) uint64 { return courses.SeedFor(secret, it, learnerID) },
		})
	}
	return out, nil
}

// fillSheets renders the sheets' variants into the page's views.
func (s *Server) fillSheets(r *http.Request, p *templates.PrintProps, sheets []worksheets.Sheet, label func(worksheets.Item) string) error {
	for i, sh := range sheets {
		// Pin each authored exercise to the version printed, so the sheet's
		// check link opens these numbers even after the file changes.
		for j, it := range sh.Items {
			if it.ExerciseVersion == "" {
				if ex, ok := s.catalog.Lookup(it.ExerciseID); ok {
					sh.Items[j].ExerciseVersion = ex.Version
				}
			}
		}
		sv := templates.PrintSheetView{Number: i + 1, Of: len(sheets), Title: sh.Title, Student: sh.Student}
		var labels []string
		for j, it := range sh.Items {
			iv, err := s.printItemView(it, fmt.Sprintf("sheet-%d-item-%d", i+1, j+1), j+1, p.Key)
			if err != nil {
				return err
			}
			sv.Items = append(sv.Items, iv)
			if l := label(it); len(labels) == 0 || labels[len(labels)-1] != l {
				labels = append(labels, l)
			}
		}
		if len(labels) == 1 {
			sv.SeedText = textfmt.UpperFirst(labels[0])
		} else {
			sv.SeedText = "Variants: " + strings.Join(labels, ", ")
		}
		path := s.base + "/sheet?" + checkQueryText(sh.Items)
		sv.CheckURL = absoluteURL(r, path)
		sv.CheckText = r.Host + path
		sym, err := qrsvg.Encode(sv.CheckURL)
		if err != nil {
			return err
		}
		sv.QRSize, sv.QRPath = sym.Size, sym.Path
		p.Sheets = append(p.Sheets, sv)
	}
	return nil
}

// checkQueryText is a sheet's check query, written to be short and
// typeable: ":", "," and "@" stay literal (all are allowed in a query).
func checkQueryText(items []worksheets.Item) string {
	enc := worksheets.CheckQuery(items).Encode()
	return strings.NewReplacer("%3A", ":", "%2C", ",", "%40", "@").Replace(enc)
}

// printItemView renders one exercise variant for paper: the prompt and, for
// the key, every part's answer and worked solution.
func (s *Server) printItemView(it worksheets.Item, id string, n int, key bool) (templates.PrintItemView, error) {
	v, err := s.lookupVersionVariant(it.ExerciseID, it.ExerciseVersion, strconv.FormatUint(it.Seed, 10))
	if err != nil {
		return templates.PrintItemView{}, err
	}
	if len(it.Parts) > 0 {
		if v, err = selectParts(v, strings.Join(it.Parts, ",")); err != nil {
			return templates.PrintItemView{}, err
		}
	}
	return s.variantPrintView(v, id, n, key), nil
}

// variantPrintView renders a variant for paper (and for the exercise
// editor's preview, web/authoring_edit.go): the prompt and, for the key,
// every part's answer and worked solution.
func (s *Server) variantPrintView(v *exercises.Variant, id string, n int, key bool) templates.PrintItemView {
	iv := templates.PrintItemView{ID: id, Title: v.Exercise.Title, Number: n, TableLayout: v.TableLayout, TableInput: v.TableInput}
	for i, b := range v.Intro {
		iv.Intro = append(iv.Intro, s.blockView(b, fmt.Sprintf("%s-intro-%d", id, i)))
	}
	for i, part := range v.Parts {
		pv := templates.PrintPartView{
			Number: i + 1, LabelHTML: s.md(part.Label), Prompt: s.md(part.Prompt), Format: s.md(part.Format),
			Kind: string(part.Kind), Rows: part.Rows, Cols: part.Cols, Slots: part.Slots, Lines: selfCheckLines,
		}
		if key {
			// Question sheets never carry an answer, not even unrendered.
			pv.Answer, pv.Solution = s.md(part.Answer), s.mdAll(part.Solution)
			pv.ModelAnswer, pv.Checklist = s.md(part.ModelAnswer), s.mdAll(part.Checklist)
		}
		for _, o := range part.Options {
			pv.Options = append(pv.Options, templates.OptionView{ID: o.ID, Text: s.md(o.Text)})
		}
		if part.Kind == exercises.KindMatrix {
			// On paper no part is ever attempted first, so a grid whose
			// size answers a shape part of the same convolution is left out.
			for _, q := range v.Parts {
				if q.Kind == exercises.KindShape && q.Animation == part.Animation && part.Animation >= 0 {
					pv.GridHidden = true
				}
			}
		}
		if key && part.Diagram != nil {
			pv.Diagram = networkLayout(part.Diagram, fmt.Sprintf("%s-diagram-%s", id, part.ID))
		}
		if key && part.RNNDiagram != nil {
			pv.RNNDiagram = rnnLayout(part.RNNDiagram, fmt.Sprintf("%s-diagram-%s", id, part.ID))
		}
		iv.Parts = append(iv.Parts, pv)
	}
	return iv
}

// sheetCheckPage is where a sheet's link or QR code leads: the sheet's
// exercises, each opening at the sheet's variant to check answers online.
func (s *Server) sheetCheckPage(w http.ResponseWriter, r *http.Request) {
	items, err := worksheets.ParseCheckQuery(r.URL.Query(), s.catalog.LookupVersion)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := templates.SheetCheckProps{Links: s.links()}
	for _, it := range items {
		e, _ := s.catalog.LookupVersion(it.ExerciseID, it.ExerciseVersion)
		u := s.exerciseURL(e.ID, it.Seed)
		if e.Version != "" {
			// The printed version, not whatever the file says now.
			u += "&v=" + e.Version
		}
		if len(it.Parts) > 0 {
			u += "&parts=" + url.QueryEscape(strings.Join(it.Parts, ","))
		}
		p.Items = append(p.Items, templates.SheetCheckItem{Title: e.Title, Variant: textfmt.UpperFirst(seedLabel(it.Seed)), URL: u})
	}
	s.render(w, r, http.StatusOK, templates.SheetCheck(p))
}

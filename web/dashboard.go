package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/dashboard"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// The instructor dashboard (issue 9 §5): an assignment's grid and charts,
// per-part statistics, one learner's attempts, the gradebook and attempt
// exports, and an admin's export and deletion of a learner's data. Every
// route goes through the one authorization point (s.handle); the handlers
// read the store and internal/dashboard does the arithmetic.

// mountDashboard registers the dashboard's routes.
func (s *Server) mountDashboard(r chi.Router) {
	s.dashReports = newLRU[*dashCached](dashCacheBytes)
	s.dashOutlines = newOutlineMemo()
	const asg = "/courses/{course}/assignments/{assignment}"
	s.handle(r, http.MethodGet, asg, policyCourseStaff, s.dashOverview)
	s.handle(r, http.MethodGet, asg+"/items/{item}/parts/{part}", policyCourseStaff, s.dashPart)
	s.handle(r, http.MethodGet, asg+"/gradebook.csv", policyCourseStaff, s.dashGradebook)
	s.handle(r, http.MethodGet, asg+"/attempts.jsonl", policyCourseStaff, s.dashAttempts)
	s.handle(r, http.MethodGet, "/courses/{course}/learners/{learner}", policyCourseStaff, s.dashLearner)
	s.handle(r, http.MethodGet, "/admin/learners/{learner}/export.json", policyAdmin, s.adminLearnerExport)
	s.handle(r, http.MethodGet, "/admin/learners/{learner}/delete", policyAdmin, s.adminLearnerDeleteConfirm)
	s.handle(r, http.MethodPost, "/admin/learners/{learner}/delete", policyAdmin, s.adminLearnerDelete)
}

// Dashboard URLs, base-path aware (courseURL and assignmentURL are in
// web/teach.go).
func (s *Server) dashPartURL(courseID, assignmentID, itemID int64, part string) string {
	return s.assignmentURL(courseID, assignmentID) + "/items/" + strconv.FormatInt(itemID, 10) + "/parts/" + url.PathEscape(part)
}

func (s *Server) dashLearnerURL(courseID, learnerID int64) string {
	return s.courseURL(courseID) + "/learners/" + strconv.FormatInt(learnerID, 10)
}

func (s *Server) adminLearnerURL(learnerID int64) string {
	return s.base + "/admin/learners/" + strconv.FormatInt(learnerID, 10)
}

// dashItems describes an assignment's items for the report: the parts an
// item asks (every part of its exercise when it names none), labelled as
// the exercise labels them.
func (s *Server) dashItems(a store.Assignment) []dashboard.ItemInfo {
	out := make([]dashboard.ItemInfo, 0, len(a.Items))
	for _, it := range a.Items {
		info := dashboard.ItemInfo{ID: it.ID, Position: it.Position, ExerciseID: it.ExerciseID, Title: it.ExerciseID, Points: it.Points}
		labels := map[string]string{}
		selfCheck := map[string]bool{}
		var all []string
		if ex, ok := s.catalog.LookupVersion(it.ExerciseID, it.ExerciseVersion); ok {
			info.Title = ex.Title
			seed := uint64(0)
			if it.SeedPolicy == store.SeedShared && it.Seed > 0 {
				seed = uint64(it.Seed)
			}
			// The parts of an exercise do not depend on the seed; the
			// variant is cached, so this costs nothing after the first page.
			if v, err := s.lookupVersionVariant(ex.ID, ex.Version, strconv.FormatUint(seed, 10)); err == nil {
				for _, p := range v.Parts {
					labels[p.ID] = strings.ReplaceAll(p.Label, "$", "")
					selfCheck[p.ID] = p.Kind == exercises.KindSelfCheck
					all = append(all, p.ID)
				}
			}
		}
		parts := it.Parts
		if len(parts) == 0 {
			parts = all // empty for an exercise the server does not know: the attempts name the parts
		}
		for _, p := range parts {
			info.Parts = append(info.Parts, dashboard.PartRef{ID: p, Label: labels[p], SelfCheck: selfCheck[p]})
		}
		out = append(out, info)
	}
	return out
}

// dashLearnerParts fills in, for each item with a per-student seed that
// names no parts, the parts each learner is actually asked: a seed can
// change an exercise's part ids (conv-by-hand asks "bottom-right" at the
// recitation's seed 0 and "cell" at any other) and their number, so the
// seed-0 parts dashItems lists would leave every attempt unmatched and
// every student scored 0. Items becomes the union, in first-seen order.
// It returns the ids of those items.
func (s *Server) dashLearnerParts(ctx context.Context, a store.Assignment, items []dashboard.ItemInfo, learners []store.Learner) ([]int64, error) {
	var perItem []int64
	for i, it := range a.Items {
		if it.SeedPolicy != store.SeedPerLearner || len(it.Parts) > 0 || len(learners) == 0 {
			continue
		}
		ex, ok := s.catalog.LookupVersion(it.ExerciseID, it.ExerciseVersion)
		if !ok {
			continue
		}
		info := &items[i]
		perItem = append(perItem, it.ID)
		outlines, err := s.learnerOutlines(ctx, ex, it, learners) // web/dashboard_outline.go
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		seen := map[string]bool{}
		var union []dashboard.PartRef
		info.LearnerParts = make(map[int64]int, len(learners))
		for li, l := range learners {
			info.LearnerParts[l.ID] = len(outlines[li])
			for _, p := range outlines[li] {
				if !seen[p.ID] {
					seen[p.ID] = true
					union = append(union, p)
				}
			}
		}
		info.Parts = union
	}
	return perItem, nil
}

// dashFail answers a store failure: 404 for a missing row, nothing for a
// client that went away, else 500 with the error logged.
func (s *Server) dashFail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case r.Context().Err() != nil:
		return
	case errors.Is(err, store.ErrNotFound):
		s.classNotFound(w, r)
	default:
		s.log.ErrorContext(r.Context(), "dashboard", "err", err, "path", r.URL.Path)
		s.render(w, r, http.StatusInternalServerError, templates.Message(templates.MessageProps{
			Links: s.links(), Title: "Something went wrong", Message: "The dashboard could not be read from the database. Please try again.",
		}))
	}
}

// zone is where an assignment's times are shown.
func zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// dashWhen writes a dashboard time in loc; "—" when unknown.
func dashWhen(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// count writes "1 attempt", "3 attempts".
func count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + plural(n, one, many)
}

func ofShare(n, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%d of %d (%s)", n, of, dashboard.Percent(float64(n)/float64(of)))
}

var policyText = map[store.ScorePolicy]string{
	store.ScoreBest:  "the best attempt at each part counts",
	store.ScoreFirst: "the first attempt at each part counts",
	store.ScoreLast:  "the last attempt at each part counts",
}

func (s *Server) dashCrumbs(c store.Course, a *store.Assignment) []templates.DashCrumb {
	out := []templates.DashCrumb{{Label: c.Title, Href: s.courseURL(c.ID)}}
	if a != nil {
		out = append(out, templates.DashCrumb{Label: a.Title, Href: s.assignmentURL(c.ID, a.ID)})
	}
	return out
}

func mistakeRows(ms []dashboard.Mistake) []templates.DashMistake {
	out := make([]templates.DashMistake, len(ms))
	for i, m := range ms {
		out[i] = templates.DashMistake{Code: m.Code, Message: m.Message, Count: strconv.Itoa(m.Count), Share: dashboard.Percent(m.Share)}
	}
	return out
}

// dashChart turns a laid-out chart and its table rows into the template's form.
func dashChart(id string, c dashboard.Chart, labelHeading, valueHeading string, rows []templates.DashChartRow) templates.DashChart {
	out := templates.DashChart{ID: id, Title: c.Title, Desc: c.Desc, Width: c.Width, Height: c.Height,
		Horizontal: c.Horizontal, Baseline: c.Baseline, LabelHeading: labelHeading, ValueHeading: valueHeading, Rows: rows}
	for _, b := range c.Bars {
		out.Bars = append(out.Bars, templates.DashBar(b))
	}
	return out
}

func mistakeChart(id string, ms []dashboard.Mistake, wrong int) templates.DashChart {
	var rows []templates.DashChartRow
	for _, m := range ms[:min(len(ms), dashboard.MaxChartBars)] {
		label := m.Code
		if label == "" {
			label = "no diagnosis"
		}
		rows = append(rows, templates.DashChartRow{Label: label, Value: fmt.Sprintf("%d (%s)", m.Count, dashboard.Percent(m.Share))})
	}
	return dashChart(id, dashboard.MistakeChart(ms, wrong), "Diagnosis", "Wrong answers", rows)
}

// dashOverview is the assignment's grid, item and part summaries, charts
// and export links.
func (s *Server) dashOverview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	rep, _, err := s.dashReport(ctx, a)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	key, err := dashboard.ParseSort(r.URL.Query().Get("sort"), rep.Items)
	if err != nil {
		s.pageError(w, r, badRequest("sort", "%s", strings.TrimPrefix(err.Error(), "sort ")))
		return
	}
	s.render(w, r, http.StatusOK, templates.DashboardOverview(s.dashOverviewProps(c, a, rep, key)))
}

// dashDefaultSort lists learners by name.
var dashDefaultSort = dashboard.SortKey{Column: dashboard.SortName}

// dashOverviewProps sorts the report's grid by key and formats it for the
// overview page.
func (s *Server) dashOverviewProps(c store.Course, a store.Assignment, rep *dashboard.Report, key dashboard.SortKey) templates.DashboardOverviewProps {
	rep.Sort(key)
	loc := zone(a.Settings.TimeZone)
	self := s.assignmentURL(c.ID, a.ID)
	p := templates.DashboardOverviewProps{
		Links: s.links(), Crumbs: s.dashCrumbs(c, nil), Title: a.Title,
		GradebookURL: self + "/gradebook.csv", AttemptsURL: self + "/attempts.jsonl",
		Mistakes: mistakeRows(rep.Mistakes),
	}
	if s.grades != nil {
		p.LMSURL = s.lmsCourseURL(c.ID) // LTI grade sync (web/lti_ags.go)
	}
	due := "no due date"
	if a.Settings.DueAt != nil {
		due = dashWhen(*a.Settings.DueAt, loc)
	}
	late := "late work counts"
	if !a.Settings.LateCounts {
		late = "late work does not count"
	}
	p.Facts = []templates.DashFact{
		{Term: "Learners who started", Value: ofShare(rep.Started, len(rep.Rows))},
		{Term: "Attempts", Value: strconv.Itoa(rep.Attempts)},
		{Term: "Wrong answers", Value: strconv.Itoa(rep.WrongAnswers)},
		{Term: "Points", Value: dashboard.Points(rep.MaxPoints)},
		{Term: "Scoring", Value: policyText[a.Settings.Score] + "; " + late},
		{Term: "Due", Value: due},
	}
	sortHref := func(col dashboard.SortColumn, item int64) string {
		return self + "?sort=" + url.QueryEscape(key.Toggle(col, item).String()) + "#grid"
	}
	ariaSort := func(col dashboard.SortColumn, item int64) string {
		switch {
		case !key.Sorts(col, item):
			return ""
		case key.Desc:
			return "descending"
		default:
			return "ascending"
		}
	}
	col := func(label string, c dashboard.SortColumn, item int64) templates.DashColumn {
		return templates.DashColumn{Label: label, Href: sortHref(c, item), AriaSort: ariaSort(c, item)}
	}
	p.Columns = append(p.Columns, col("Learner", dashboard.SortName, 0))
	for _, it := range rep.Items {
		p.Columns = append(p.Columns, col(dashboard.ItemHeading(it.ItemInfo), dashboard.SortItem, it.ID))
	}
	p.Columns = append(p.Columns, col("Total", dashboard.SortTotal, 0), col("Attempts", dashboard.SortAttempts, 0),
		col("Last activity", dashboard.SortLast, 0))
	dir := "ascending"
	if key.Desc {
		dir = "descending"
	}
	for _, c := range p.Columns {
		if c.AriaSort != "" {
			p.SortNote = "Sorted by " + c.Label + ", " + dir + "."
		}
	}
	p.Rows = make([]templates.DashRow, len(rep.Rows))
	for i, row := range rep.Rows {
		tr := templates.DashRow{Name: dashboard.Label(row.Learner), Href: s.dashLearnerURL(c.ID, row.Learner.ID),
			Total: dashboard.Points(row.Total), Attempts: strconv.Itoa(row.Attempts), Last: dashWhen(row.LastAt, loc),
			Cells: make([]templates.DashCell, len(row.Cells))}
		for j, cell := range row.Cells {
			status, class := cell.Status.String(), []string{"none", "started", "done"}[cell.Status]
			if cell.Late && cell.Status != dashboard.NotStarted {
				status, class = status+" late", "late"
			}
			tr.Cells[j] = templates.DashCell{
				Score:    dashboard.Points(cell.Score) + " / " + dashboard.Points(rep.Items[j].Points),
				Attempts: count(cell.Attempts, "attempt", "attempts"), Status: status, Class: class,
			}
		}
		p.Rows[i] = tr
	}
	for _, it := range rep.Items {
		di := templates.DashItem{Heading: dashboard.ItemHeading(it.ItemInfo), Points: count(int(it.Points), "point", "points"),
			Completion: ofShare(it.Done, len(rep.Rows)), MedianTime: "not reported"}
		if it.Points != float64(int(it.Points)) {
			di.Points = dashboard.Points(it.Points) + " points"
		}
		if it.TimeKnown {
			di.MedianTime = dashboard.FormatDuration(it.MedianTime)
		}
		for _, pt := range it.Parts {
			di.Parts = append(di.Parts, templates.DashPartLink{
				Label: pt.Label, Href: s.dashPartURL(c.ID, a.ID, it.ID, pt.ID), Learners: strconv.Itoa(pt.Learners),
				FirstCorrect: shareOrDash(pt.FirstCorrectShare, pt.Learners), EventualCorrect: shareOrDash(pt.EventualShare, pt.Learners),
				Wrong: strconv.Itoa(pt.WrongAnswers),
			})
		}
		p.Items = append(p.Items, di)
	}
	var hist []templates.DashChartRow
	for _, b := range rep.Histogram.Bins {
		label := fmt.Sprintf("%d–%d %%", b.Lo, b.Hi)
		if b.Hi < 100 {
			label = fmt.Sprintf("%d to under %d %%", b.Lo, b.Hi)
		}
		hist = append(hist, templates.DashChartRow{Label: label, Value: strconv.Itoa(b.Count)})
	}
	p.Histogram = dashChart("score-chart", dashboard.HistogramChart(rep.Histogram), "Score", "Learners", hist)
	p.MistakeChart = mistakeChart("mistake-chart", rep.Mistakes, rep.WrongAnswers)
	return p
}

func shareOrDash(v float64, n int) string {
	if n == 0 {
		return "—"
	}
	return dashboard.Percent(v)
}

// dashPart shows one part's statistics and its mistake table.
func (s *Server) dashPart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	itemID, err := strconv.ParseInt(chi.URLParam(r, "item"), 10, 64)
	if err != nil {
		s.classNotFound(w, r)
		return
	}
	rep, _, err := s.dashReport(ctx, a)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	ps, ok := rep.Part(itemID, chi.URLParam(r, "part"))
	if !ok {
		s.classNotFound(w, r)
		return
	}
	title := dashboard.ItemHeading(ps.Item) + ", part " + ps.Part.Label
	p := templates.DashboardPartProps{Links: s.links(), Crumbs: s.dashCrumbs(c, &a), Title: title,
		Mistakes: mistakeRows(ps.Mistakes), MistakeChart: mistakeChart("part-mistake-chart", ps.Mistakes, ps.WrongAnswers)}
	toCorrect, timeText, disc := "—", "not reported", "not defined (everyone or no one right, or fewer than two learners)"
	if ps.EventualCorrect > 0 {
		toCorrect = fmt.Sprintf("median %s, mean %.1f", strconv.FormatFloat(ps.AttemptsToCorrectMedian, 'f', -1, 64), ps.AttemptsToCorrectMean)
	}
	if ps.TimeKnown {
		timeText = dashboard.FormatDuration(ps.MedianTime)
	}
	if ps.DiscriminationOK {
		disc = fmt.Sprintf("%.2f (point-biserial correlation of being right with the assignment total)", ps.Discrimination)
	}
	hints := "—"
	if ps.Learners > 0 {
		hints = fmt.Sprintf("%.1f open on average; %s opened any", ps.HintsMean, count(ps.HintsAny, "learner", "learners"))
	}
	p.Facts = []templates.DashFact{
		{Term: "Learners who answered", Value: strconv.Itoa(ps.Learners)},
		{Term: "Right at the first attempt", Value: ofShare(ps.FirstCorrect, ps.Learners)},
		{Term: "Right eventually", Value: ofShare(ps.EventualCorrect, ps.Learners)},
		{Term: "Attempts until right", Value: toCorrect},
		{Term: "Median time to a first answer", Value: timeText},
		{Term: "Hints", Value: hints},
		{Term: "Discrimination", Value: disc},
		{Term: "Attempts", Value: strconv.Itoa(ps.Attempts)},
		{Term: "Wrong answers", Value: strconv.Itoa(ps.WrongAnswers)},
		{Term: "Solutions shown", Value: strconv.Itoa(ps.SolutionsShown)},
	}
	if ps.MistakesOmitted > 0 {
		p.MistakesNote = fmt.Sprintf("%s with fewer wrong answers are not listed.", count(ps.MistakesOmitted, "more diagnosis", "more diagnoses"))
	}
	for _, wa := range ps.CommonWrong {
		p.Wrong = append(p.Wrong, templates.DashWrong{ReadAs: wa.ReadAs, Example: wa.Example, Code: wa.Code,
			Count: strconv.Itoa(wa.Count), Share: dashboard.Percent(wa.Share)})
	}
	if ps.DistinctWrong > len(ps.CommonWrong) {
		p.WrongNote = fmt.Sprintf("The %d most common of %d distinct wrong answers.", len(ps.CommonWrong), ps.DistinctWrong)
	}
	s.render(w, r, http.StatusOK, templates.DashboardPart(p))
}

// dashGradebook sends the gradebook as CSV.
func (s *Server) dashGradebook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := assignmentFrom(ctx)
	rep, _, err := s.dashReport(ctx, a)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := dashboard.WriteGradebook(&buf, rep); err != nil {
		s.dashFail(w, r, err)
		return
	}
	setHeaders(w.Header(), "Content-Type", "text/csv; charset=utf-8", "Cache-Control", "no-store",
		"Content-Disposition", fmt.Sprintf(`attachment; filename="assignment-%d-gradebook.csv"`, a.ID))
	_, _ = buf.WriteTo(w)
}

// attemptPage is how many attempts the exports read per query: memory
// stays bounded and no read transaction stays open while a slow client
// downloads.
const attemptPage = 1000

// dashAttempts streams every attempt of the assignment as JSON Lines.
func (s *Server) dashAttempts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := assignmentFrom(ctx)
	learners, err := s.store.ListLearners(ctx, a.CourseID)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	s.streamAttempts(w, r, store.AttemptFilter{AssignmentID: a.ID, Limit: attemptPage}, fmt.Sprintf("assignment-%d-attempts.jsonl", a.ID),
		"application/jsonl; charset=utf-8", learners, nil, nil)
}

// streamAttempts pages through the attempts f selects, f.Limit at a time,
// and writes each as a line (or, with before and after, as elements of a
// JSON array between them). Once the first byte is sent an error can only
// cut the download short; it is logged.
func (s *Server) streamAttempts(w http.ResponseWriter, r *http.Request, f store.AttemptFilter, filename, contentType string,
	learners []store.Learner, before, after []byte) {
	ctx := r.Context()
	page, err := s.store.ListAttempts(ctx, f)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	setHeaders(w.Header(), "Content-Type", contentType, "Cache-Control", "no-store",
		"Content-Disposition", `attachment; filename="`+filename+`"`)
	rc := http.NewResponseController(w)
	var buf bytes.Buffer
	buf.Write(before)
	lw := dashboard.NewLineWriter(&buf, learners)
	first := true
	for {
		for _, at := range page {
			if before != nil && !first {
				buf.WriteByte(',')
			}
			first = false
			if err := lw.Write(at); err != nil {
				s.log.ErrorContext(ctx, "export attempts", "err", err)
				return
			}
		}
		if _, err := buf.WriteTo(w); err != nil {
			return // the client went away
		}
		_ = rc.Flush()
		if len(page) < f.Limit {
			break
		}
		f.AfterID = page[len(page)-1].ID
		if page, err = s.store.ListAttempts(ctx, f); err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "export attempts", "err", err)
			}
			return
		}
	}
	_, _ = w.Write(after)
}

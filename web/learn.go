package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// The student side of classes: personal and shared links, "my
// assignments", and the exercise page inside an assignment, which restores
// the learner's answers and verdicts from the server and records every
// check. Bounds are in the README's "Bounds" section.

const (
	// maxLinkTokenLen bounds a personal or shared link's token; longer ones
	// are not looked up.
	maxLinkTokenLen = 128
	// maxSelfName bounds the name typed on a shared link, in characters.
	maxSelfName = 100
	// maxShownMS bounds shown_ms, the time since the page was shown: 7 days.
	maxShownMS = 7 * 24 * 3600 * 1000
	// attemptKeyMin and attemptKeyMax bound an idempotency key.
	attemptKeyMin, attemptKeyMax = 8, 64
	// solutionShownVerdict is the verdict recorded when a student asks for
	// a worked solution before answering (assignments whose solutions show
	// immediately).
	solutionShownVerdict = "solution-shown"
)

// mountLearn registers the student routes. Without a store there are no
// classes and nothing is mounted.
func (s *Server) mountLearn(r chi.Router) {
	if s.store == nil {
		return
	}
	form := r.With(limitBody(maxFormBytes), s.work.limitPage)
	s.handle(r, http.MethodGet, "/l/{token}", policyPublic, s.learnPersonalLink)
	s.handle(r, http.MethodGet, "/a/{share}", policyPublic, s.learnShareForm)
	s.handle(form, http.MethodPost, "/a/{share}", policyPublic, s.learnShareSubmit)
	s.handle(r, http.MethodGet, "/my", policyPublic, s.learnMy)
	s.handle(r, http.MethodGet, "/my/{assignment}", policyCourseLearner, s.learnAssignment)
	s.handle(r, http.MethodGet, "/my/{assignment}/{item}", policyCourseLearner, s.learnItem)
	s.handle(form, http.MethodPost, "/my/{assignment}/{item}", policyCourseLearner, s.learnItemSubmit)
}

func noStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }

func (s *Server) learnMessage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	noStore(w)
	s.render(w, r, status, templates.Message(templates.MessageProps{Links: s.links(), Title: title, Message: msg}))
}

func (s *Server) learnStoreError(w http.ResponseWriter, r *http.Request, what string, err error) {
	if r.Context().Err() != nil {
		return
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		// Not the database: an item names an exercise this build lacks.
		noStore(w)
		s.pageError(w, r, err)
		return
	}
	s.log.ErrorContext(r.Context(), what, "err", err)
	s.learnMessage(w, r, http.StatusServiceUnavailable, "Try again in a moment",
		"Stride could not reach its database just now, so nothing was changed. Please try again in a moment.")
}

// learnPersonalLink is GET /l/{token}: the personal link from a roster.
// It remembers the learner on this device and sends them to their
// assignments.
func (s *Server) learnPersonalLink(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if token == "" || len(token) > maxLinkTokenLen {
		s.learnMessage(w, r, http.StatusNotFound, "Link not found", "This personal link is not valid. Ask your instructor for your link.")
		return
	}
	l, err := s.store.LearnerByLinkToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		s.learnMessage(w, r, http.StatusNotFound, "Link not found",
			"This personal link is not valid (it may have been replaced by a new one). Ask your instructor for your link.")
		return
	}
	if err != nil {
		s.learnStoreError(w, r, "personal link", err)
		return
	}
	if err := s.rememberLearner(w, r, l); err != nil {
		s.learnStoreError(w, r, "remember learner", err)
		return
	}
	noStore(w)
	// The link's token stays out of the address bar and the history from
	// here on.
	http.Redirect(w, r, s.base+"/my", http.StatusSeeOther)
}

// shareAssignment loads the assignment of a shared link, answering 404
// itself when there is none.
func (s *Server) shareAssignment(w http.ResponseWriter, r *http.Request) (store.Assignment, store.Course, bool) {
	token := chi.URLParam(r, "share")
	if token == "" || len(token) > maxLinkTokenLen {
		s.learnMessage(w, r, http.StatusNotFound, "Link not found", "This assignment link is not valid. Ask your instructor for the link.")
		return store.Assignment{}, store.Course{}, false
	}
	a, err := s.store.AssignmentByShareToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		s.learnMessage(w, r, http.StatusNotFound, "Link not found", "This assignment link is not valid. Ask your instructor for the link.")
		return store.Assignment{}, store.Course{}, false
	}
	var c store.Course
	if err == nil {
		c, err = s.store.GetCourse(r.Context(), a.CourseID)
	}
	if err != nil {
		s.learnStoreError(w, r, "shared link", err)
		return store.Assignment{}, store.Course{}, false
	}
	return a, c, true
}

func (s *Server) shareProps(r *http.Request, a store.Assignment, c store.Course, name, problem string) templates.LearnShareProps {
	p := templates.LearnShareProps{Links: s.links(), CourseTitle: c.Title, AssignmentTitle: a.Title,
		Action: r.URL.Path, Name: name, Error: problem, MaxName: maxSelfName}
	if l, ok := s.learnerFor(r, c.ID); ok {
		p.KnownName = l.Name
		p.ContinueURL = s.myAssignmentURL(a.ID)
	}
	return p
}

// learnShareForm is GET /a/{share}: the shared link asks for a name.
func (s *Server) learnShareForm(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.shareAssignment(w, r)
	if !ok {
		return
	}
	noStore(w)
	s.render(w, r, http.StatusOK, templates.LearnShare(s.shareProps(r, a, c, "", "")))
}

// checkSelfName validates a typed name: 1 to maxSelfName characters of
// printable text.
func checkSelfName(name string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", badRequest("name", "is empty; type your name as your instructor will recognise it")
	}
	return checkPrintableName("name", name, maxSelfName)
}

// checkPrintableName collapses the spaces of a typed name and checks that
// it is valid text of at most limit printable characters; errors name field.
func checkPrintableName(field, name string, limit int) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if !utf8.ValidString(name) {
		return "", badRequest(field, "is not valid text")
	}
	if n := utf8.RuneCountInString(name); n > limit {
		return "", &fieldError{status: http.StatusBadRequest, field: field, limit: int64(limit),
			msg: fmt.Sprintf("is %d characters long; the limit is %d", n, limit)}
	}
	for _, c := range name {
		if !unicode.IsPrint(c) {
			return "", badRequest(field, "has a character that cannot be shown")
		}
	}
	return name, nil
}

// learnShareSubmit is POST /a/{share}: a student types their name and
// becomes a self-declared learner of the course, remembered on this device.
func (s *Server) learnShareSubmit(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.shareAssignment(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.learnMessage(w, r, http.StatusBadRequest, "This request cannot be answered", "The form could not be read.")
		return
	}
	name, err := checkSelfName(r.PostForm.Get("name"))
	if err != nil {
		var fe *fieldError
		errors.As(err, &fe)
		noStore(w)
		s.render(w, r, http.StatusBadRequest, templates.LearnShare(s.shareProps(r, a, c, r.PostForm.Get("name"), sentence("Your "+fe.field+" "+fe.msg))))
		return
	}
	ok, retry, err := shareLearnerLimit.take(r.Context(), s.store, s.clientIPs.Of(r))
	if err != nil {
		s.learnStoreError(w, r, "count self-declared learners", err)
		return
	}
	if !ok {
		secs := max(int(time.Until(retry).Seconds())+1, 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		s.learnMessage(w, r, http.StatusTooManyRequests, "Too many names from this device",
			fmt.Sprintf("This network has joined with %d names in the last %d minutes. Please try again in %d minutes, or ask your instructor for a personal link.",
				shareLimitMax, int(shareLimitWindow/time.Minute), (secs+59)/60))
		return
	}
	l, err := s.store.CreateLearner(r.Context(), store.NewLearner{CourseID: c.ID, Source: store.SourceSelf, Name: name})
	if err != nil {
		s.learnStoreError(w, r, "create self-declared learner", err)
		return
	}
	if err := s.rememberLearner(w, r, l); err != nil {
		s.learnStoreError(w, r, "remember learner", err)
		return
	}
	noStore(w)
	http.Redirect(w, r, s.myAssignmentURL(a.ID), http.StatusSeeOther)
}

func (s *Server) myAssignmentURL(id int64) string {
	return s.base + "/my/" + strconv.FormatInt(id, 10)
}

func (s *Server) myItemURL(aid, iid int64) string {
	return s.myAssignmentURL(aid) + "/" + strconv.FormatInt(iid, 10)
}

// formatWhen writes a date in the assignment's time zone, naming the zone.
func formatWhen(t *time.Time, zone string) string {
	if t == nil {
		return ""
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST") + " (" + loc.String() + ")"
}

// itemVariant is the variant an item shows a learner: the learner's seed
// under the item's seed policy, narrowed to the item's parts. learnerID 0
// (staff previewing) gets seed policy "shared"/"recitation" seeds and, for
// per-learner items, learner 0's seed.
func (s *Server) itemVariant(ctx context.Context, it store.Item, learnerID int64) (*exercises.Variant, error) {
	seed := uint64(0)
	if it.SeedPolicy == store.SeedPerLearner {
		key, err := s.secret(ctx, seedSecretName)
		if err != nil {
			return nil, err
		}
		seed = courses.SeedFor(key, it, learnerID)
	} else {
		seed = courses.SeedFor(nil, it, learnerID)
	}
	v, err := s.lookupVersionVariant(it.ExerciseID, it.ExerciseVersion, strconv.FormatUint(seed, 10))
	if err != nil {
		return nil, fmt.Errorf("item %d: %w", it.ID, err)
	}
	if it.SeedPolicy == store.SeedPerLearner {
		s.noteOutline(v) // for the dashboard (web/dashboard_outline.go)
	}
	if len(it.Parts) > 0 {
		if v, err = selectParts(v, strings.Join(it.Parts, ",")); err != nil {
			return nil, fmt.Errorf("item %d: %w", it.ID, err)
		}
	}
	return v, nil
}

// learnerProgress reads a learner's attempts at an assignment and
// summarizes them; variants holds each item's variant for the learner.
func (s *Server) learnerProgress(ctx context.Context, a store.Assignment, learnerID int64) (courses.Progress, map[int64]*exercises.Variant, error) {
	variants := map[int64]*exercises.Variant{}
	parts := map[int64][]courses.PartInfo{}
	for _, it := range a.Items {
		v, err := s.itemVariant(ctx, it, learnerID)
		if err != nil {
			return courses.Progress{}, nil, err
		}
		variants[it.ID] = v
		for _, p := range v.Parts {
			parts[it.ID] = append(parts[it.ID], courses.PartInfo{ID: p.ID, Scored: p.Kind != exercises.KindSelfCheck})
		}
	}
	var attempts []store.Attempt
	if learnerID != 0 {
		var err error
		if attempts, err = courses.LearnerAttempts(ctx, s.store, learnerID, a.ID); err != nil {
			return courses.Progress{}, nil, err
		}
	}
	return courses.Summarize(a, parts, attempts, s.learnNow()), variants, nil
}

// learnNow is the clock of the student side.
func (s *Server) learnNow() time.Time { return time.Now() }

// learnMy is GET /my: every assignment of every course this device knows.
func (s *Server) learnMy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := templates.LearnMyProps{Links: s.links()}
	for _, e := range s.rememberedLearners(r) {
		l, err := s.store.GetLearner(ctx, e.LearnerID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && l.CourseID != e.CourseID) {
			continue
		}
		var c store.Course
		if err == nil {
			c, err = s.store.GetCourse(ctx, e.CourseID)
		}
		var list []store.Assignment
		if err == nil {
			list, err = s.store.ListAssignments(ctx, e.CourseID)
		}
		if err != nil {
			s.learnStoreError(w, r, "my assignments", err)
			return
		}
		cv := templates.LearnCourseView{Title: c.Title, LearnerName: l.Name, SelfDeclared: l.Source == store.SourceSelf}
		// Oldest first: the order a course hands them out.
		for i := len(list) - 1; i >= 0; i-- {
			a, err := s.store.GetAssignment(ctx, list[i].ID)
			if err != nil {
				s.learnStoreError(w, r, "my assignments", err)
				return
			}
			prog, _, err := s.learnerProgress(ctx, a, l.ID)
			if err != nil {
				s.learnStoreError(w, r, "my assignments", err)
				return
			}
			cv.Assignments = append(cv.Assignments, s.assignmentSummary(a, prog))
		}
		p.Courses = append(p.Courses, cv)
	}
	noStore(w)
	s.render(w, r, http.StatusOK, templates.LearnMy(p))
}

func (s *Server) assignmentSummary(a store.Assignment, prog courses.Progress) templates.LearnAssignmentSummary {
	phase := courses.PhaseAt(a.Settings, s.learnNow())
	return templates.LearnAssignmentSummary{
		Title: a.Title, URL: s.myAssignmentURL(a.ID),
		Opens: formatWhen(a.Settings.OpensAt, a.Settings.TimeZone), Due: formatWhen(a.Settings.DueAt, a.Settings.TimeZone),
		Phase: string(phase), Done: prog.Done, Items: len(prog.Items),
		Score: scoreWords(prog.Score, prog.Max), ScoreHidden: !courses.FeedbackShown(a.Settings, s.learnNow()),
	}
}

// scoreWords is "3.5 of 5 points".
func scoreWords(score, max float64) string {
	unit := "points"
	if max == 1 {
		unit = "point"
	}
	return fmt.Sprintf("%s of %s %s", formatScore(roundScore(score)), formatScore(max), unit)
}

func roundScore(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// phaseNote says what the assignment's phase means for the student.
func phaseNote(a store.Assignment, now time.Time) string {
	switch courses.PhaseAt(a.Settings, now) {
	case courses.PhaseUpcoming:
		return "This assignment opens on " + formatWhen(a.Settings.OpensAt, a.Settings.TimeZone) + "."
	case courses.PhasePastDue:
		if a.Settings.LateCounts {
			return "The due date has passed. You can still answer; your answers are marked late."
		}
		return "The due date has passed. You can still practise here; new answers are marked late and do not count toward your score."
	}
	return ""
}

// learnAssignment is GET /my/{assignment}: the items with the learner's
// status on each.
func (s *Server) learnAssignment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, c := assignmentFrom(ctx), courseFrom(ctx)
	learnerID, name := int64(0), ""
	if l := principalFrom(ctx).Learner; l != nil {
		learnerID, name = l.ID, l.Name
	}
	prog, variants, err := s.learnerProgress(ctx, a, learnerID)
	if err != nil {
		s.learnStoreError(w, r, "assignment progress", err)
		return
	}
	now := s.learnNow()
	phase := courses.PhaseAt(a.Settings, now)
	p := templates.LearnAssignmentProps{Links: s.links(), CourseTitle: c.Title, Title: a.Title, LearnerName: name,
		Summary: s.assignmentSummary(a, prog), Note: phaseNote(a, now), Closed: phase == courses.PhaseUpcoming,
		MyURL: s.base + "/my", AttemptsRule: attemptsRule(a.Settings)}
	for i, ip := range prog.Items {
		v := variants[ip.Item.ID]
		iv := templates.LearnItemView{N: i + 1, Title: v.Exercise.Title, URL: s.myItemURL(a.ID, ip.Item.ID),
			Status: string(ip.Status), StatusLabel: ip.Status.Label(), Parts: len(ip.Parts)}
		if courses.FeedbackShown(a.Settings, now) {
			iv.Score = scoreWords(ip.Score, ip.Max)
		}
		p.Items = append(p.Items, iv)
	}
	noStore(w)
	s.render(w, r, http.StatusOK, templates.LearnAssignment(p))
}

func attemptsRule(st store.Settings) string {
	if st.AttemptsAllowed == 0 {
		return "You may try each question as often as you like."
	}
	return fmt.Sprintf("You have %d %s at each question.", st.AttemptsAllowed, plural(st.AttemptsAllowed, "attempt", "attempts"))
}

// itemOf finds the item {item} of the request's assignment.
func itemOf(a store.Assignment, idText string) (store.Item, int, bool) {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return store.Item{}, 0, false
	}
	for i, it := range a.Items {
		if it.ID == id {
			return it, i, true
		}
	}
	return store.Item{}, 0, false
}

// learnItem is GET /my/{assignment}/{item}: the exercise inside the
// assignment, with the learner's last answers and their verdicts.
func (s *Server) learnItem(w http.ResponseWriter, r *http.Request) {
	s.serveLearnItem(w, r, false)
}

// learnItemSubmit is POST /my/{assignment}/{item}: check, record, render.
func (s *Server) learnItemSubmit(w http.ResponseWriter, r *http.Request) {
	s.serveLearnItem(w, r, true)
}

// learnItemCtx is one learner (or staff previewing: Learner nil) at one
// item of an assignment.
type learnItemCtx struct {
	a        store.Assignment
	item     store.Item
	pos      int
	learner  *store.Learner
	v        *exercises.Variant
	embedded bool
}

func (s *Server) serveLearnItem(w http.ResponseWriter, r *http.Request, post bool) {
	ctx := r.Context()
	a := assignmentFrom(ctx)
	it, pos, ok := itemOf(a, chi.URLParam(r, "item"))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.learnItemPage(w, r, learnItemCtx{a: a, item: it, pos: pos, learner: principalFrom(ctx).Learner}, post)
}

// learnItemPage renders (GET) or checks, records and renders (POST) an
// item page; the embed with ?item= comes here too.
func (s *Server) learnItemPage(w http.ResponseWriter, r *http.Request, lc learnItemCtx, post bool) {
	ctx := r.Context()
	now := s.learnNow()
	noStore(w)
	if courses.PhaseAt(lc.a.Settings, now) == courses.PhaseUpcoming {
		s.learnMessage(w, r, http.StatusForbidden, "Not open yet", phaseNote(lc.a, now))
		return
	}
	learnerID := int64(0)
	if lc.learner != nil {
		learnerID = lc.learner.ID
	}
	v, err := s.itemVariant(ctx, lc.item, learnerID)
	if err != nil {
		s.learnStoreError(w, r, "item variant", err)
		return
	}
	lc.v = v
	before, err := s.learnerAttempts(ctx, lc)
	if err != nil {
		s.learnStoreError(w, r, "item progress", err)
		return
	}
	prog := s.itemProgressOf(lc, before)
	if !post {
		form := restoreForm(v, prog)
		answers, _ := formAnswers(v, form)
		res, err := v.Check(answers)
		if err != nil {
			s.pageError(w, r, badRequest("answers", "%s", err.Error()))
			return
		}
		s.learnItemRender(w, r, lc, prog, form, res, map[string]bool{}, map[string]bool{})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, badRequest("body", "the form could not be read (the limit is %d bytes)", maxFormBytes))
		return
	}
	sub, err := s.parseFormSubmission(v, r.PostForm)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	sub.source = store.FromPage
	if lc.embedded {
		sub.source = store.FromEmbed
	}
	res := sub.res
	res.Parts = maps.Clone(sub.res.Parts) // what is shown; sub.res is what is recorded
	for id := range sub.partial {
		res.Parts[id] = exercises.Verdict{Status: exercises.StatusInvalid,
			Feedback: "Some cells are empty. Fill every cell of the grid (a 0 is a number too). It does not count as an attempt."}
	}
	s.countChecks(v.Exercise.ID, res)
	if lc.learner == nil { // staff previewing: nothing is recorded
		s.learnItemRender(w, r, lc, prog, r.PostForm, res, map[string]bool{}, sub.reveal)
		return
	}
	// As the check API (learn_api.go): record, render the page from the
	// predicted outcome within the work slot, give the slot back while
	// the attempts wait for their durable commit, answer after it.
	rec, err := s.startRecording(ctx, lc, before, prog, sub)
	if err != nil {
		s.learnStoreError(w, r, "record attempt", err)
		return
	}
	held := &responseBuffer{header: http.Header{}, buf: &bytes.Buffer{}}
	s.learnItemRender(held, r, lc, s.itemProgressOf(lc, rec.after), r.PostForm, res, rec.predictedRefused(), sub.reveal)
	releaseWorkSlot(ctx)
	refused, asPredicted, err := rec.wait(ctx)
	if errors.Is(err, store.ErrNotFound) && lc.embedded {
		// The embed's learner (store.CachedLearner) was deleted meanwhile:
		// nothing was recorded.
		s.learnMessage(w, r, http.StatusForbidden, "Open your assignment link first",
			"This device's learner is no longer part of the course, so nothing was recorded.")
		return
	}
	if err != nil {
		s.learnStoreError(w, r, "record attempt", err)
		return
	}
	if asPredicted {
		for k, vs := range held.header {
			w.Header()[k] = vs
		}
		held.writeTo(w, r)
		return
	}
	// Another request of this learner recorded in between: read again.
	if prog, err = s.itemProgress(ctx, lc); err != nil {
		s.learnStoreError(w, r, "item progress", err)
		return
	}
	s.learnItemRender(w, r, lc, prog, r.PostForm, res, refused, sub.reveal)
}

// learnItemRender renders an item page with the learner's progress, the
// form's answers and verdicts (res), refused and revealed parts; 409 when
// the attempt limit refused a part.
func (s *Server) learnItemRender(w http.ResponseWriter, r *http.Request, lc learnItemCtx, prog courses.ItemProgress, form url.Values, res exercises.Result,
	refused, revealed map[string]bool) {
	status := http.StatusOK
	if len(refused) > 0 {
		status = http.StatusConflict
	}
	props, err := s.learnExerciseProps(r, lc, prog, form, res, refused, revealed)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if lc.embedded {
		s.render(w, r, status, templates.EmbedExercise(props))
		return
	}
	s.render(w, r, status, templates.ExercisePage(props))
}

// itemProgress is the learner's progress on lc's item alone.
func (s *Server) itemProgress(ctx context.Context, lc learnItemCtx) (courses.ItemProgress, error) {
	attempts, err := s.learnerAttempts(ctx, lc)
	if err != nil {
		return courses.ItemProgress{}, err
	}
	return s.itemProgressOf(lc, attempts), nil
}

// restoreForm turns the learner's last recorded answers into the form
// values the page shows, as if the student had just typed them.
func restoreForm(v *exercises.Variant, prog courses.ItemProgress) url.Values {
	form := url.Values{}
	for _, part := range v.Parts {
		pp, ok := prog.Part(part.ID)
		if !ok || pp.Last == nil || pp.Last.Verdict == solutionShownVerdict {
			continue
		}
		text, key := pp.Last.Answer, "a."+part.ID
		switch part.Kind {
		case exercises.KindMatrix:
			rows := strings.Split(text, ";")
			grid := len(rows) == part.Rows
			cells := make([][]string, len(rows))
			for i, row := range rows {
				cells[i] = strings.Fields(row)
				grid = grid && len(cells[i]) == part.Cols
			}
			if !grid {
				form.Set(key, text) // not grid-shaped: keep it as text
				continue
			}
			for i := range cells {
				for j, c := range cells[i] {
					form.Set(fmt.Sprintf("%s.%d.%d", key, i, j), c)
				}
			}
		case exercises.KindDiagram:
			for i, slot := range strings.Split(text, ";") {
				if i >= part.Slots {
					break
				}
				b, sh, _ := strings.Cut(slot, "=")
				form.Set(fmt.Sprintf("%s.block.%d", key, i), strings.TrimSpace(b))
				form.Set(fmt.Sprintf("%s.shape.%d", key, i), strings.TrimSpace(sh))
			}
		case exercises.KindMultipleChoice, exercises.KindSingleChoice:
			for _, o := range strings.Split(text, ",") {
				if o = strings.TrimSpace(o); o != "" {
					form.Add(key, o)
				}
			}
		default:
			form.Set(key, text)
		}
	}
	return form
}

// submission is one check of an item: the answers, their verdicts, and
// what is recorded with them.
type submission struct {
	answers map[string]string
	partial map[string]bool
	res     exercises.Result
	// key is the client's idempotency key of this check; each part's
	// attempt is recorded under key + ":" + part.
	key    string
	hints  map[string]int
	shown  *time.Duration
	reveal map[string]bool
	source store.AttemptSource
	// liveSession is the live session the check was made in (0: none);
	// web/live.go sets it.
	liveSession int64
}

// newAttemptKey is the idempotency key a rendered form carries.
func newAttemptKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkAttemptKey validates an idempotency key: attemptKeyMin to
// attemptKeyMax characters of A-Z a-z 0-9 - _.
func checkAttemptKey(field, k string) error {
	if len(k) < attemptKeyMin || len(k) > attemptKeyMax {
		return &fieldError{status: http.StatusBadRequest, field: field, limit: attemptKeyMax,
			msg: fmt.Sprintf("must be %d to %d characters (a fresh random key per check); it has %d", attemptKeyMin, attemptKeyMax, len(k))}
	}
	for _, c := range k {
		if !(c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return badRequest(field, "may hold only letters, digits, '-' and '_'")
		}
	}
	return nil
}

// parseShownMS reads shown_ms: absent is unknown.
func parseShownMS(text string) (*time.Duration, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 || n > maxShownMS {
		return nil, &fieldError{status: http.StatusBadRequest, field: "shown_ms", limit: maxShownMS,
			msg: fmt.Sprintf("must be a whole number of milliseconds from 0 to %d", maxShownMS)}
	}
	d := time.Duration(n) * time.Millisecond
	return &d, nil
}

// checkHints validates the hints opened on a part: 0 to the part's number
// of hints.
func checkHints(v *exercises.Variant, id string, n int) error {
	p, ok := v.Part(id)
	if !ok {
		return badRequest("hints", "has %q, which is not a part of %s", clip(id, 64), v.Exercise.ID)
	}
	if n < 0 || n > len(p.Hints) {
		return &fieldError{status: http.StatusBadRequest, field: "hints." + id, limit: int64(len(p.Hints)),
			msg: fmt.Sprintf("must be from 0 to %d, the hints part %s has", len(p.Hints), id)}
	}
	return nil
}

// parseFormSubmission reads a posted item form.
func (s *Server) parseFormSubmission(v *exercises.Variant, form url.Values) (submission, error) {
	sub := submission{key: form.Get("attempt_key"), hints: map[string]int{}, reveal: map[string]bool{}}
	if err := checkAttemptKey("attempt_key", sub.key); err != nil {
		return sub, err
	}
	var err error
	if sub.shown, err = parseShownMS(form.Get("shown_ms")); err != nil {
		return sub, err
	}
	for _, p := range v.Parts {
		text := form.Get("hints." + p.ID)
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			return sub, badRequest("hints."+p.ID, "must be a whole number")
		}
		if err := checkHints(v, p.ID, n); err != nil {
			return sub, err
		}
		sub.hints[p.ID] = n
	}
	for id := range revealedParts(form) {
		if _, ok := v.Part(id); ok {
			sub.reveal[id] = true
		}
	}
	sub.answers, sub.partial = formAnswers(v, form)
	if sub.res, err = v.Check(sub.answers); err != nil {
		return sub, badRequest("answers", "%s", err.Error())
	}
	return sub, nil
}

// maxStoredAnswer is the store's limit on a raw answer; longer answers are
// invalid before they get here (exercises refuse answers over 4 KB), so
// this only guards the limit.
const maxStoredAnswer = 10000

// learnExerciseProps builds the exercise page inside an assignment: the
// learner's seed and parts, their answers (form) and verdicts (res) shown
// as the assignment's feedback policy allows, worked solutions as its
// solution policy allows, attempts left per part.
func (s *Server) learnExerciseProps(r *http.Request, lc learnItemCtx, prog courses.ItemProgress, form url.Values, res exercises.Result,
	refused, revealed map[string]bool) (templates.ExercisePageProps, error) {
	now := s.learnNow()
	st := lc.a.Settings
	feedback := courses.FeedbackShown(st, now)
	open := map[string]bool{}
	for _, part := range lc.v.Parts {
		pp, _ := prog.Part(part.ID)
		open[part.ID] = courses.SolutionShown(st, now, pp, revealed[part.ID] && courses.RevealAllowed(st))
	}
	shown := res
	shown.Parts = map[string]exercises.Verdict{}
	for id, vd := range res.Parts {
		pp, _ := prog.Part(id)
		switch {
		case refused[id]:
			vd = exercises.Verdict{Status: exercises.StatusInvalid,
				Feedback: "You have used every attempt at this question, so this answer was not recorded or checked."}
		case vd.Status == exercises.StatusBlank, vd.Status == exercises.StatusInvalid:
			// Not an attempt: the reading problem is shown under every
			// policy (it says how to write an answer, not whether it is right).
		case !feedback && pp.Attempts > 0:
			vd = exercises.Verdict{Status: recordedStatus, Feedback: feedbackLater(st)}
		case !feedback:
			vd = exercises.Verdict{Status: exercises.StatusBlank}
		}
		shown.Parts[id] = vd
	}
	action := s.myItemURL(lc.a.ID, lc.item.ID)
	if lc.embedded {
		action = s.base + "/embed/" + url.PathEscape(lc.v.Exercise.ID) + "?item=" + strconv.FormatInt(lc.item.ID, 10)
		action = ltiCarry(r, action) // LTI hook (web/lti.go): keep the launch token in the form
	}
	p, err := s.exercisePropsGated(r, lc.v, form, &shown, true, lc.embedded, open)
	if err != nil {
		return p, err
	}
	p.FormAction, p.CheckURL = action, ""
	bar := s.learnBarOf(r, lc, now)
	if feedback {
		p.ScoreText = "Score on this question: " + scoreWords(prog.Score, prog.Max) + "."
	} else {
		p.ScoreText = feedbackLater(st)
	}
	p.Checked = prog.Attempts > 0 || form != nil && len(form) > 0
	p.Learn = bar
	if p.Player != nil && !courses.RevealAllowed(st) {
		// No "show me the answers" in the step tables either.
		for i := range p.Player.Animations {
			p.Player.Animations[i].Form = ""
		}
	}
	for i := range p.Parts {
		pv := &p.Parts[i]
		pp, _ := prog.Part(pv.ID)
		if !courses.RevealAllowed(st) {
			pv.RevealBlocked = true
		}
		switch {
		case pp.AttemptsLeft == 0:
			pv.Note = "No attempts left at this question."
		case pp.AttemptsLeft > 0:
			pv.Note = fmt.Sprintf("%d of %d %s left.", pp.AttemptsLeft, st.AttemptsAllowed, plural(st.AttemptsAllowed, "attempt", "attempts"))
		}
		if pp.Late {
			pv.Note = strings.TrimSpace(pv.Note + " Answered after the due date.")
		}
		if pv.Verdict != nil && pv.Verdict.Status == string(recordedStatus) {
			pv.Verdict.Headline = "Answer recorded"
		}
		if !feedback && pv.Verdict != nil {
			pv.Verdict.Credit = ""
		}
	}
	return p, nil
}

// learnBarOf is the learn bar of lc's page at now: everything on an
// assignment's exercise page that names the learner or is drawn per load
// (the attempt_key). The live page cache (live_page.go) renders it per
// request around the cached content.
func (s *Server) learnBarOf(r *http.Request, lc learnItemCtx, now time.Time) *templates.LearnBar {
	st := lc.a.Settings
	bar := &templates.LearnBar{
		AssignmentTitle: lc.a.Title, AssignmentURL: s.myAssignmentURL(lc.a.ID),
		Item: fmt.Sprintf("Question %d of %d", lc.pos+1, len(lc.a.Items)),
		Due:  formatWhen(st.DueAt, st.TimeZone), Note: phaseNote(lc.a, now), AttemptKey: newAttemptKey(),
		Preview: lc.learner == nil,
	}
	if lc.learner != nil {
		bar.LearnerName = lc.learner.Name
	}
	s.ltiFrameBar(r, lc, bar) // LTI hook (web/lti_frame.go): links that stay in the LMS frame
	return bar
}

// recordedStatus is the verdict shown when feedback is held back.
const recordedStatus exercises.Status = "recorded"

func feedbackLater(st store.Settings) string {
	if st.Feedback == store.ShowAfterDue && st.DueAt != nil {
		return "Your answer is recorded. Whether it is right is shown after the due date, " + formatWhen(st.DueAt, st.TimeZone) + "."
	}
	return "Your answer is recorded. Your instructor will go over the answers; this assignment shows no feedback."
}

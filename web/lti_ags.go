package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// Grades and rosters from and to the LMS (issue 12 §3): LTI Advantage's
// Assignment and Grade Services and Names and Role Provisioning.
//
// A launch of an assignment item records where the item's grades go (the
// AGS endpoint claim) and where the course's roster is (the NRPS claim).
// After every check an LMS learner records at such an item, their item
// score in points joins the score outbox (store.EnqueueLTIScore), which
// coalesces a burst of checks into one row per learner and item; the
// worker (lti.Worker, run by cmd/server through App.RunBackground) sends
// due rows with retries and backoff. The instructor sees each item's sync
// log, can resend, and can pull the roster.

const (
	// ltiCoalesceWindow is how long a new score waits for more checks
	// before it is sent, so a student checking five parts in a minute
	// makes one or two LMS requests, not five.
	ltiCoalesceWindow = 10 * time.Second
)

// ltiGrades is the grade passback and roster state of the server.
type ltiGrades struct {
	services *lti.Services
	worker   *lti.Worker
	// now is the clock of the outbox (scores' timestamps, due times),
	// the worker and the token cache; backoff is the worker's retry
	// delay. Tests replace both before any request, to drive the worker
	// without sleeping.
	now     func() time.Time
	backoff func(n int) time.Duration
	window  time.Duration
}

// newLTIGrades builds the grade passback of tool.
func (s *Server) newLTIGrades(tool *lti.Tool) (*ltiGrades, error) {
	g := &ltiGrades{now: time.Now, backoff: lti.DefaultBackoff, window: ltiCoalesceWindow}
	now := func() time.Time { return g.now() }
	g.services = lti.NewServices(tool, lti.ServicesConfig{Now: now})
	w, err := lti.NewWorker(lti.WorkerConfig{Store: s.store, Services: g.services, Now: now,
		Backoff: func(n int) time.Duration { return g.backoff(n) }, Label: s.ltiItemLabel, Logger: s.log})
	if err != nil {
		return nil, err
	}
	g.worker = w
	return g, nil
}

// ltiItemLabel names an item for the LMS gradebook column Stride creates.
func (s *Server) ltiItemLabel(ctx context.Context, itemID int64) string {
	a, err := s.store.AssignmentOfItem(ctx, itemID)
	if err != nil {
		return "Stride item " + strconv.FormatInt(itemID, 10)
	}
	for i, it := range a.Items {
		if it.ID == itemID {
			title := it.ExerciseID
			if ex, ok := s.catalog.Lookup(it.ExerciseID); ok {
				title = ex.Title
			}
			return fmt.Sprintf("%s %d: %s", a.Title, i+1, title)
		}
	}
	return a.Title
}

// RunBackground runs the server's background work until ctx ends: the
// LTI grade outbox worker. cmd/server starts it beside the HTTP server and
// cancels ctx at shutdown; an unsent score stays in the database for the
// next start (or another replica).
func (a *App) RunBackground(ctx context.Context) {
	if g := a.server.grades; g != nil {
		g.worker.Run(ctx, nil)
	}
}

// ltiRememberServices records what a verified launch says about grades
// and the roster: the item's line item (or line items container) when the
// target is an assignment item, and the course's memberships URL.
// A service URL Stride refuses (not http(s), too long) does not stop the
// launch: the student still works, and the sync log says no line item is
// known.
func (s *Server) ltiRememberServices(ctx context.Context, l *lti.Launch, itemID, courseID int64) error {
	if itemID != 0 && (l.LineItem != "" || l.LineItems != "") {
		err := s.store.SaveLTIItemLink(ctx, store.LTIItemLink{ItemID: itemID, PlatformID: l.Platform.ID,
			ResourceLinkID: l.ResourceLinkID, LineItemURL: l.LineItem, LineItemsURL: l.LineItems, Scopes: l.AGSScopes})
		if errors.Is(err, store.ErrInvalid) {
			s.log.WarnContext(ctx, "LTI launch: AGS endpoint refused", "issuer", l.Platform.Issuer, "err", err)
		} else if err != nil {
			return err
		}
	}
	if l.MembershipsURL != "" {
		err := s.store.SaveLTICourseService(ctx, store.LTICourseService{CourseID: courseID, PlatformID: l.Platform.ID,
			MembershipsURL: l.MembershipsURL})
		if errors.Is(err, store.ErrInvalid) {
			s.log.WarnContext(ctx, "LTI launch: NRPS endpoint refused", "issuer", l.Platform.Issuer, "err", err)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// ltiScoreHook queues the learner's item score for the LMS after a
// recorded check, when the learner came from an LMS and the item was
// launched from one. The check is already durable; a failure here is
// logged, and the instructor's resend recomputes every score.
func (s *Server) ltiScoreHook(ctx context.Context, lc learnItemCtx) {
	if s.grades == nil || lc.learner == nil || lc.learner.Source != store.SourceLTI || lc.learner.LTISub == "" {
		return
	}
	if err := s.ltiEnqueue(ctx, lc, false); err != nil {
		s.log.WarnContext(ctx, "queue LTI score", "item", lc.item.ID, "learner", lc.learner.ID, "err", err)
	}
}

// ltiEnqueue computes lc's learner's score at the item and queues it, as
// the item's policy allows.
func (s *Server) ltiEnqueue(ctx context.Context, lc learnItemCtx, force bool) error {
	link, err := s.store.LTIItemLinkOf(ctx, lc.item.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if link.PlatformID == 0 || lc.item.Points <= 0 {
		return nil // never launched from an LMS; or nothing to grade
	}
	prog, err := s.itemProgress(ctx, lc)
	if err != nil {
		return err
	}
	done := prog.Status == courses.StatusDone
	if link.Policy == store.SendOnCompletion && !done {
		return nil
	}
	activity := lti.ActivityInProgress
	if done {
		activity = lti.ActivityCompleted
	}
	// Parts' credits are fractions; round away float noise so a score
	// the LMS already has is recognised as the same.
	given := math.Min(math.Round(prog.Score*1e6)/1e6, prog.Max)
	now := s.grades.now()
	changed, err := s.store.EnqueueLTIScore(ctx, store.LTIScore{LearnerID: lc.learner.ID, ItemID: lc.item.ID, PlatformID: link.PlatformID,
		UserID: lc.learner.LTISub, Given: given, Maximum: prog.Max, Activity: activity, Grading: lti.GradingFullyGraded, At: now},
		store.EnqueueOptions{Now: now, Delay: s.grades.window, Force: force})
	if err != nil {
		return err
	}
	if changed {
		s.grades.worker.Wake()
	}
	return nil
}

// mountLTIGrades registers the instructor's LMS pages.
func (s *Server) mountLTIGrades(r chi.Router) {
	const item = "/courses/{course}/assignments/{assignment}/items/{item}/lms"
	s.handle(r, http.MethodGet, "/courses/{course}/lms", policyCourseStaff, s.lmsCoursePage)
	s.handle(r, http.MethodPost, "/courses/{course}/lms/roster", policyCourseStaff, s.lmsPullRoster)
	s.handle(r, http.MethodGet, item, policyCourseStaff, s.lmsItemLog)
	s.handle(r, http.MethodPost, item+"/resend", policyCourseStaff, s.lmsResend)
	s.handle(r, http.MethodPost, item+"/policy", policyCourseStaff, s.lmsSetPolicy)
}

func (s *Server) lmsCourseURL(courseID int64) string { return s.courseURL(courseID) + "/lms" }

func (s *Server) lmsItemURL(courseID, assignmentID, itemID int64) string {
	return s.assignmentURL(courseID, assignmentID) + "/items/" + strconv.FormatInt(itemID, 10) + "/lms"
}

var policyLabel = map[store.GradePolicy]string{
	store.SendImprovements: "every change",
	store.SendOnCompletion: "on completion",
}

// lmsCoursePage is GET /courses/{course}/lms.
func (s *Server) lmsCoursePage(w http.ResponseWriter, r *http.Request) {
	p, err := s.lmsCourseProps(r)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	// The notice after a pull: only numbers are taken from the URL.
	q := r.URL.Query()
	pulled, err1 := strconv.Atoi(q.Get("pulled"))
	added, err2 := strconv.Atoi(q.Get("added"))
	if err1 == nil && err2 == nil {
		p.Notice = fmt.Sprintf("Pulled the roster from the LMS: %d students, %d of them new to Stride.", pulled, added)
	}
	s.render(w, r, http.StatusOK, templates.LMSCourse(p))
}

func (s *Server) lmsCourseProps(r *http.Request) (templates.LMSCourseProps, error) {
	ctx := r.Context()
	c := courseFrom(ctx)
	p := templates.LMSCourseProps{Links: s.links(), Nav: s.nav(r, "courses"), CourseTitle: c.Title, CourseURL: s.courseURL(c.ID)}
	cs, err := s.store.LTICourseServiceOf(ctx, c.ID)
	switch {
	case err == nil:
		p.RosterAction, p.LinkedToLMS = s.lmsCourseURL(c.ID)+"/roster", true
		_ = cs
	case !errors.Is(err, store.ErrNotFound):
		return p, err
	}
	sum, err := s.store.LTISyncSummary(ctx, c.ID)
	if err != nil {
		return p, err
	}
	as, err := s.store.ListAssignments(ctx, c.ID)
	if err != nil {
		return p, err
	}
	for _, a := range as {
		full, err := s.store.GetAssignment(ctx, a.ID)
		if err != nil {
			return p, err
		}
		for i, it := range full.Items {
			sc := sum[it.ID]
			if sc.Policy == "" {
				sc.Policy = store.SendImprovements
			}
			p.LinkedToLMS = p.LinkedToLMS || sc.Linked
			title := it.ExerciseID
			if ex, ok := s.catalog.Lookup(it.ExerciseID); ok {
				title = ex.Title
			}
			p.Items = append(p.Items, templates.LMSItemRow{Assignment: a.Title, Item: fmt.Sprintf("%d. %s", i+1, title),
				LogURL: s.lmsItemURL(c.ID, a.ID, it.ID), Linked: sc.Linked, Policy: policyLabel[sc.Policy],
				Sent: sc.Sent, Pending: sc.Pending, Failed: sc.Failed})
		}
	}
	return p, nil
}

// lmsPullRoster is POST /courses/{course}/lms/roster: read the LMS
// course's memberships (NRPS) and find or create a learner for every
// active member who is not staff, so the dashboard lists students who have
// not launched Stride yet.
func (s *Server) lmsPullRoster(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := courseFrom(ctx)
	fail := func(status int, msg string) {
		p, err := s.lmsCourseProps(r)
		if err != nil {
			s.dbError(w, r, err)
			return
		}
		p.Error = msg
		s.render(w, r, status, templates.LMSCourse(p))
	}
	if s.grades == nil {
		fail(http.StatusNotFound, "LTI is not available on this server.")
		return
	}
	cs, err := s.store.LTICourseServiceOf(ctx, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		fail(http.StatusConflict, "The LMS has not offered its roster service for this course yet: launch a Stride link from the LMS course first.")
		return
	}
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	p, err := s.store.LTIPlatformByID(ctx, cs.PlatformID)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	members, err := s.grades.services.Memberships(ctx, p, cs.MembershipsURL)
	if err != nil {
		var se *lti.ServiceError
		if errors.As(err, &se) {
			fail(http.StatusBadGateway, "The roster could not be read from the LMS. "+se.Message+".")
			return
		}
		s.dbError(w, r, err)
		return
	}
	before, err := s.store.ListLearners(ctx, c.ID)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	known := map[string]bool{}
	for _, l := range before {
		if l.LTIIssuer == p.Issuer {
			known[l.LTISub] = true
		}
	}
	students, added := 0, 0
	for _, m := range members {
		if m.UserID == "" || !m.Active() || m.IsInstructor() {
			continue
		}
		if _, err := s.store.EnsureLTILearner(ctx, c.ID, store.LTIPerson{Issuer: p.Issuer, Sub: m.UserID, Name: m.DisplayName(), Email: m.Email}); err != nil {
			if errors.Is(err, store.ErrInvalid) {
				continue // a user id longer than Stride keeps; nothing to list
			}
			s.dbError(w, r, err)
			return
		}
		students++
		if !known[m.UserID] {
			added++
			known[m.UserID] = true
		}
	}
	http.Redirect(w, r, s.lmsCourseURL(c.ID)+"?"+url.Values{"pulled": {strconv.Itoa(students)}, "added": {strconv.Itoa(added)}}.Encode(), http.StatusSeeOther)
}

// lmsItemLog is GET .../items/{item}/lms: the item's grade sync log.
func (s *Server) lmsItemLog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	it, pos, ok := itemOf(a, chi.URLParam(r, "item"))
	if !ok {
		s.classNotFound(w, r)
		return
	}
	title := it.ExerciseID
	if ex, ok := s.catalog.Lookup(it.ExerciseID); ok {
		title = ex.Title
	}
	base := s.lmsItemURL(c.ID, a.ID, it.ID)
	p := templates.LMSItemLogProps{Links: s.links(), Nav: s.nav(r, "courses"),
		Crumbs: append(s.dashCrumbs(c, &a), templates.DashCrumb{Label: "LMS", Href: s.lmsCourseURL(c.ID)}),
		Title:  fmt.Sprintf("%s, item %d (%s)", a.Title, pos+1, title), Policy: string(store.SendImprovements),
		PolicyAction: base + "/policy", ResendAction: base + "/resend"}
	link, err := s.store.LTIItemLinkOf(ctx, it.ID)
	switch {
	case err == nil:
		p.Linked, p.LineItem, p.Policy = link.PlatformID != 0, link.LineItemURL, string(link.Policy)
	case !errors.Is(err, store.ErrNotFound):
		s.dbError(w, r, err)
		return
	}
	rows, err := s.store.LTISyncLog(ctx, it.ID)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	for _, row := range rows {
		lr := templates.LMSLogRow{Learner: row.LearnerName, LearnerURL: s.dashLearnerURL(c.ID, row.LearnerID),
			Score: trimFloat(row.Given) + " of " + trimFloat(row.Maximum), Attempts: row.Attempts,
			LastAttempt: fmtDate(row.LastAttemptAt, c.TimeZone, "not yet"), Message: row.LastError}
		switch row.State {
		case store.ScoreSent:
			lr.State, lr.StateClass = "Sent", "sync-sent"
			p.Sent++
		case store.ScoreFailed:
			lr.State, lr.StateClass = "Failed", "sync-failed"
			p.Failed++
		default:
			lr.State, lr.StateClass = "Pending", "sync-pending"
			if row.LastError != "" {
				lr.State = "Pending (retrying " + fmtDate(&row.NextAt, c.TimeZone, "") + ")"
			}
			p.Pending++
		}
		p.Rows = append(p.Rows, lr)
	}
	switch r.URL.Query().Get("done") {
	case "resent":
		if n, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil {
			p.Notice = fmt.Sprintf("Queued %d scores to send now.", n)
		}
	case "policy":
		p.Notice = "Saved when scores are sent."
	}
	s.render(w, r, http.StatusOK, templates.LMSItemLog(p))
}

func trimFloat(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }

// lmsResend is POST .../items/{item}/lms/resend: recompute every LMS
// learner's score at the item from their attempts and queue it to send
// now, failed and already sent ones included.
func (s *Server) lmsResend(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	it, pos, ok := itemOf(a, chi.URLParam(r, "item"))
	if !ok {
		s.classNotFound(w, r)
		return
	}
	if s.grades == nil {
		s.classNotFound(w, r)
		return
	}
	learners, err := s.store.LTILearnersWithAttempts(ctx, it.ID)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	n := 0
	for i := range learners {
		l := &learners[i]
		v, err := s.itemVariant(ctx, it, l.ID)
		if err != nil {
			s.log.WarnContext(ctx, "resend LTI score: variant", "item", it.ID, "err", err)
			continue
		}
		if err := s.ltiEnqueue(ctx, learnItemCtx{a: a, item: it, pos: pos, learner: l, v: v}, true); err != nil {
			s.dbError(w, r, err)
			return
		}
		n++
	}
	http.Redirect(w, r, s.lmsItemURL(c.ID, a.ID, it.ID)+"?done=resent&n="+strconv.Itoa(n), http.StatusSeeOther)
}

// lmsSetPolicy is POST .../items/{item}/lms/policy.
func (s *Server) lmsSetPolicy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	it, _, ok := itemOf(a, chi.URLParam(r, "item"))
	if !ok {
		s.classNotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.classError(w, r, bodyStatus(err), "Not saved", "The form could not be read.")
		return
	}
	pol := store.GradePolicy(r.PostForm.Get("policy"))
	if !pol.Valid() {
		s.classError(w, r, http.StatusBadRequest, "Not saved", "policy must be improvement or completion.")
		return
	}
	if err := s.store.SetLTIGradePolicy(ctx, it.ID, pol); err != nil {
		s.dbError(w, r, err)
		return
	}
	http.Redirect(w, r, s.lmsItemURL(c.ID, a.ID, it.ID)+"?done=policy", http.StatusSeeOther)
}

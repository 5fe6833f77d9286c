package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stride-tutor/stride/internal/dashboard"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// One learner's attempts, and an admin's answer to a privacy request:
// export a learner's data, then delete it.

func isAdmin(p principal) bool {
	return p.User != nil && p.User.Role == store.RoleAdmin
}

// dashLearner lists every attempt of one learner of the course, oldest
// first.
func (s *Server) dashLearner(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := courseFrom(ctx)
	// Authorization loaded the learner and checked it is the course's.
	l := learnerParamFrom(ctx)
	attempts, err := s.store.ListAttempts(ctx, store.AttemptFilter{LearnerID: l.ID, Limit: store.MaxListAttempts})
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	// Name each attempt's assignment and item.
	type itemName struct{ assignment, item string }
	names := map[int64]itemName{}
	loaded := map[int64]bool{}
	for _, at := range attempts {
		if at.AssignmentID == 0 || loaded[at.AssignmentID] {
			continue
		}
		loaded[at.AssignmentID] = true
		a, err := s.store.GetAssignment(ctx, at.AssignmentID)
		if err != nil {
			s.dashFail(w, r, err)
			return
		}
		for _, info := range s.dashItems(a) {
			names[info.ID] = itemName{a.Title, dashboard.ItemHeading(info)}
		}
	}
	loc := zone(c.TimeZone)
	p := templates.DashboardLearnerProps{Links: s.links(), Crumbs: s.dashCrumbs(c, nil), Name: dashboard.Label(l)}
	source := map[store.LearnerSource]string{
		store.SourceRoster: "roster (personal link)", store.SourceLTI: "LMS launch",
		store.SourceSelf: "self-declared on the shared link", store.SourceLive: "live session nickname",
	}[l.Source]
	p.Facts = []templates.DashFact{{Term: "Known by", Value: source}}
	if l.RosterID != "" {
		p.Facts = append(p.Facts, templates.DashFact{Term: "Roster id", Value: l.RosterID})
	}
	if l.Email != "" {
		p.Facts = append(p.Facts, templates.DashFact{Term: "E-mail", Value: l.Email})
	}
	p.Facts = append(p.Facts, templates.DashFact{Term: "Attempts", Value: strconv.Itoa(len(attempts))})
	if len(attempts) == store.MaxListAttempts {
		p.Truncated = fmt.Sprintf("Only the first %d attempts are listed; the admin export has every one.", store.MaxListAttempts)
	}
	if isAdmin(principalFrom(ctx)) {
		p.ExportURL = s.adminLearnerURL(l.ID) + "/export.json"
		p.DeleteURL = s.adminLearnerURL(l.ID) + "/delete"
	}
	p.Attempts = make([]templates.DashAttempt, len(attempts))
	for i, at := range attempts {
		where := "Practice: " + at.ExerciseID
		if n, ok := names[at.ItemID]; ok {
			where = n.assignment + ", " + n.item
		}
		da := templates.DashAttempt{
			When: dashWhen(at.CreatedAt, loc), Where: where, Part: at.Part, Answer: at.Answer, ReadAs: at.ReadAs,
			Verdict: at.Verdict, DiagnosisCode: at.DiagnosisCode, Diagnosis: at.DiagnosisMessage,
			Score: dashboard.Points(at.Score), Hints: strconv.Itoa(at.HintsOpened), Time: "—",
		}
		switch at.Verdict {
		case "correct":
			da.VerdictClass = "ok"
		case "incorrect":
			da.VerdictClass = "bad"
		}
		if at.Elapsed != nil {
			da.Time = dashboard.FormatDuration(*at.Elapsed)
		}
		if at.Late {
			da.LateLabel = "late"
		}
		p.Attempts[i] = da
	}
	s.render(w, r, http.StatusOK, templates.DashboardLearner(p))
}

// learnerExport is the privacy export's header: who the learner is.
type learnerExport struct {
	ID        int64  `json:"id"`
	CourseID  int64  `json:"course_id"`
	Course    string `json:"course"`
	Source    string `json:"source"`
	RosterID  string `json:"roster_id,omitempty"`
	Name      string `json:"name"`
	Email     string `json:"email,omitempty"`
	LTIIssuer string `json:"lti_issuer,omitempty"`
	LTISub    string `json:"lti_sub,omitempty"`
	CreatedAt string `json:"created_at"`
}

// adminLearnerExport sends everything Stride keeps about a learner as one
// JSON document: {"learner": {…}, "attempts": […]}, streamed.
func (s *Server) adminLearnerExport(w http.ResponseWriter, r *http.Request) {
	l := learnerParamFrom(r.Context())
	c, err := s.store.GetCourse(r.Context(), l.CourseID)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	head, err := json.Marshal(learnerExport{ID: l.ID, CourseID: l.CourseID, Course: c.Title, Source: string(l.Source),
		RosterID: l.RosterID, Name: l.Name, Email: l.Email, LTIIssuer: l.LTIIssuer, LTISub: l.LTISub,
		CreatedAt: l.CreatedAt.UTC().Format(time.RFC3339)})
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	before := append(append([]byte(`{"learner":`), head...), []byte(",\n\"attempts\":[\n")...)
	s.streamAttempts(w, r, store.AttemptFilter{LearnerID: l.ID, Limit: attemptPage}, fmt.Sprintf("learner-%d.json", l.ID),
		"application/json; charset=utf-8", []store.Learner{l}, before, []byte("]}\n"))
}

// adminLearnerDeleteConfirm asks before deleting.
func (s *Server) adminLearnerDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := learnerParamFrom(r.Context())
	c, err := s.store.GetCourse(ctx, l.CourseID)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	n, err := s.store.ListAttempts(ctx, store.AttemptFilter{LearnerID: l.ID, Limit: store.MaxListAttempts})
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	cnt := count(len(n), "attempt", "attempts")
	if len(n) == store.MaxListAttempts {
		cnt = "at least " + cnt
	}
	s.render(w, r, http.StatusOK, templates.DashboardDelete(templates.DashboardDeleteProps{
		Links: s.links(), Name: l.Name, Course: c.Title, Attempts: cnt,
		Action: s.adminLearnerURL(l.ID) + "/delete", CancelURL: s.dashLearnerURL(c.ID, l.ID),
		ExportURL: s.adminLearnerURL(l.ID) + "/export.json",
	}))
}

// maxDeleteForm bounds the confirmation form's body.
const maxDeleteForm = 1 << 10

// adminLearnerDelete deletes a learner and every attempt of theirs. The
// form must carry confirm=delete (the confirmation page's button), so a
// stray POST deletes nothing.
func (s *Server) adminLearnerDelete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxDeleteForm)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, &fieldError{status: http.StatusRequestEntityTooLarge, field: "form",
			msg: fmt.Sprintf("is not a form of at most %d bytes", maxDeleteForm)})
		return
	}
	if r.PostForm.Get("confirm") != "delete" {
		s.pageError(w, r, badRequest("confirm", "must be \"delete\": use the button on the confirmation page"))
		return
	}
	l := learnerParamFrom(r.Context())
	if err := s.store.DeleteLearner(ctx, l.ID); err != nil {
		s.dashFail(w, r, err)
		return
	}
	// Who deleted what, by id only: the log keeps no personal data.
	var by int64
	if u := principalFrom(ctx).User; u != nil {
		by = u.ID
	}
	s.log.InfoContext(ctx, "learner deleted", "learner", l.ID, "course", l.CourseID, "by", by)
	s.render(w, r, http.StatusOK, templates.Message(templates.MessageProps{
		Links: s.links(), Title: "Learner deleted",
		Message: fmt.Sprintf("The learner and every attempt of theirs were deleted from course %d.", l.CourseID),
	}))
}

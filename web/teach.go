package web

// Instructor pages: my courses, a course (assignments, roster, team),
// roster upload, personal and shared links, and the assignment form.

import (
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/auth"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// Assignment form bounds.
const (
	// defaultItemRows is how many item rows a new assignment form shows;
	// ?rows= asks for more, up to store.MaxItems.
	defaultItemRows = 6
	// maxAssignmentForm bounds the assignment form's body (100 item rows
	// of a few short fields fit with room to spare).
	maxAssignmentForm = 64 << 10
	// dateLayout is the datetime-local input's format.
	dateLayout = "2006-01-02T15:04"
)

func (s *Server) mountTeach(r chi.Router) {
	s.handle(r, http.MethodGet, "/courses", policySignedIn, s.coursesPage)
	s.handle(r, http.MethodPost, "/courses", policySignedIn, s.createCourse)
	s.handle(r, http.MethodGet, "/courses/{course}", policyCourseStaff, s.coursePage)
	s.handle(r, http.MethodPost, "/courses/{course}/roster", policyCourseStaff, s.uploadRoster)
	s.handle(r, http.MethodPost, "/courses/{course}/members", policyCourseStaff, s.addMember)
	s.handle(r, http.MethodPost, "/courses/{course}/links.csv", policyCourseStaff, s.allLinksCSV)
	s.handle(r, http.MethodPost, "/courses/{course}/learners/{learner}/link", policyCourseStaff, s.newPersonalLink)
	s.handle(r, http.MethodGet, "/courses/{course}/assignments/new", policyCourseStaff, s.newAssignmentPage)
	s.handle(r, http.MethodPost, "/courses/{course}/assignments", policyCourseStaff, s.createAssignment)
	s.handle(r, http.MethodGet, "/courses/{course}/assignments/{assignment}/edit", policyCourseStaff, s.editAssignmentPage)
	s.handle(r, http.MethodPost, "/courses/{course}/assignments/{assignment}/edit", policyCourseStaff, s.updateAssignment)
	s.handle(r, http.MethodGet, "/courses/{course}/assignments/{assignment}/links", policyCourseStaff, s.assignmentLinksPage)
	s.handle(r, http.MethodPost, "/courses/{course}/assignments/{assignment}/share", policyCourseStaff, s.newShareLink)
}

// courseURL and the like build links under the base path.
func (s *Server) courseURL(id int64) string { return s.base + "/courses/" + strconv.FormatInt(id, 10) }

func (s *Server) assignmentURL(c, a int64) string {
	return s.courseURL(c) + "/assignments/" + strconv.FormatInt(a, 10)
}

// origin is the scheme and host students reach this server at, for links
// an instructor copies elsewhere.
func (s *Server) origin(r *http.Request) string {
	scheme := "http"
	if s.secureRequest(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) personalLinkURL(r *http.Request, token string) string {
	return s.origin(r) + s.base + "/l/" + token
}

func (s *Server) shareLinkURL(r *http.Request, token string) string {
	return s.origin(r) + s.base + "/a/" + token
}

// parseForm reads a urlencoded form of at most n bytes; false after it
// answered 413 or 400.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request, n int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, n)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.classError(w, r, http.StatusRequestEntityTooLarge, "Form too large", fmt.Sprintf("This form may be at most %d bytes.", n))
		} else {
			s.classError(w, r, http.StatusBadRequest, "Unreadable form", "The form could not be read: "+err.Error())
		}
		return false
	}
	return true
}

func (s *Server) coursesProps(r *http.Request) (templates.CoursesProps, error) {
	u := principalFrom(r.Context()).User
	p := templates.CoursesProps{Links: s.links(), Nav: s.nav(r, "courses"), TimeZone: "UTC"}
	var cs []store.Course
	var err error
	if u.Role == store.RoleAdmin {
		cs, err = s.store.ListCourses(r.Context())
		p.AllNote = true
	} else {
		cs, err = s.store.ListCoursesOf(r.Context(), u.ID)
	}
	if err != nil {
		return p, err
	}
	for _, c := range cs {
		p.Courses = append(p.Courses, templates.CourseRow{Title: c.Title, TimeZone: c.TimeZone, URL: s.courseURL(c.ID)})
	}
	return p, nil
}

func (s *Server) coursesPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.coursesProps(r)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.Courses(p))
}

// checkZone validates an IANA time zone name.
func checkZone(z string) error {
	if z == "" || len(z) > 64 {
		return errors.New("give an IANA zone such as Europe/Berlin or UTC")
	}
	if _, err := time.LoadLocation(z); err != nil || z == "Local" {
		return fmt.Errorf("%q is not a time zone Stride knows; use an IANA name such as Europe/Berlin or UTC", z)
	}
	return nil
}

func (s *Server) createCourse(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r, maxSigninBytes) {
		return
	}
	title := strings.TrimSpace(r.PostForm.Get("title"))
	zone := strings.TrimSpace(r.PostForm.Get("time_zone"))
	var errs []templates.FieldError
	if title == "" || len(title) > 200 {
		errs = append(errs, templates.FieldError{Field: "title", Message: "Title: give one, at most 200 characters."})
	}
	if err := checkZone(zone); err != nil {
		errs = append(errs, templates.FieldError{Field: "time_zone", Message: "Time zone: " + err.Error() + "."})
	}
	if len(errs) == 0 {
		c, err := s.store.CreateCourse(r.Context(), store.NewCourse{Title: title, TimeZone: zone, CreatedBy: principalFrom(r.Context()).User.ID})
		if err == nil {
			http.Redirect(w, r, s.courseURL(c.ID), http.StatusSeeOther)
			return
		}
		if !errors.Is(err, store.ErrInvalid) {
			s.dbError(w, r, err)
			return
		}
		errs = append(errs, templates.FieldError{Field: "title", Message: "The course could not be created: " + err.Error()})
	}
	p, err := s.coursesProps(r)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	p.Title, p.TimeZone, p.Errors = title, zone, errs
	s.render(w, r, http.StatusUnprocessableEntity, templates.Courses(p))
}

// fmtDate shows an optional time in a zone.
func fmtDate(t *time.Time, zone string, none string) string {
	if t == nil {
		return none
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
}

func (s *Server) learnerRows(c store.Course, ls []store.Learner) []templates.LearnerRow {
	out := make([]templates.LearnerRow, 0, len(ls))
	for _, l := range ls {
		src := map[store.LearnerSource]string{store.SourceRoster: "roster", store.SourceSelf: "self-declared",
			store.SourceLTI: "LMS", store.SourceLive: "live session"}[l.Source]
		out = append(out, templates.LearnerRow{
			Name: l.Name, RosterID: l.RosterID, Email: l.Email, Source: src,
			DetailURL:  s.courseURL(c.ID) + "/learners/" + strconv.FormatInt(l.ID, 10),
			LinkAction: s.courseURL(c.ID) + "/learners/" + strconv.FormatInt(l.ID, 10) + "/link",
		})
	}
	return out
}

func (s *Server) courseProps(r *http.Request) (templates.CourseProps, error) {
	ctx := r.Context()
	c := courseFrom(ctx)
	p := templates.CourseProps{
		Links: s.links(), Nav: s.nav(r, "courses"), Title: c.Title, TimeZone: c.TimeZone,
		NewAssignmentURL: s.courseURL(c.ID) + "/assignments/new",
		RosterAction:     s.courseURL(c.ID) + "/roster",
		LinksCSVAction:   s.courseURL(c.ID) + "/links.csv",
		MembersAction:    s.courseURL(c.ID) + "/members",
	}
	if s.grades != nil {
		p.LMSURL = s.lmsCourseURL(c.ID) // LTI grades and roster (web/lti_ags.go)
	}
	if s.live != nil {
		p.LiveExercisesAction = s.courseURL(c.ID) + "/live" // web/live_exercises.go
		p.LivePositionMax = livePositionMax
		// IDs and titles only: no variant is built for this list.
		for _, e := range s.catalog.All() {
			p.LiveExercises = append(p.LiveExercises, templates.LiveExerciseOption{ID: e.ID, Title: e.Title, PositionField: livePositionField(e.ID)})
		}
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
		u := s.assignmentURL(c.ID, a.ID)
		p.Assignments = append(p.Assignments, templates.AssignmentRow{
			Title: a.Title, Items: len(full.Items),
			Opens: fmtDate(a.Settings.OpensAt, a.Settings.TimeZone, "now"), Due: fmtDate(a.Settings.DueAt, a.Settings.TimeZone, "no due date"),
			EditURL: u + "/edit", LinksURL: u + "/links", DashboardURL: u, LiveURL: u + "/live",
		})
	}
	ls, err := s.store.ListLearners(ctx, c.ID)
	if err != nil {
		return p, err
	}
	p.Learners = s.learnerRows(c, ls)
	ms, err := s.store.ListMembers(ctx, c.ID)
	if err != nil {
		return p, err
	}
	for _, m := range ms {
		p.Members = append(p.Members, templates.MemberRow{Email: m.User.Email, Name: m.User.Name, Role: string(m.Role)})
	}
	return p, nil
}

func (s *Server) coursePage(w http.ResponseWriter, r *http.Request) {
	p, err := s.courseProps(r)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	if a := r.URL.Query().Get("added"); a != "" && len(a) <= 200 {
		p.Notice = "Added " + a + " to the teaching team."
	}
	s.render(w, r, http.StatusOK, templates.Course(p))
}

// rosterInput reads the uploaded file or the pasted text of the roster
// form. The status is 0 on success.
func rosterInput(r *http.Request) ([]byte, int, string) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseForm(); err != nil {
			return nil, bodyStatus(err), "the form could not be read: " + err.Error()
		}
		return []byte(r.PostForm.Get("roster_text")), 0, ""
	}
	// Keep everything in memory (the body is bounded by maxClassBody), so
	// no temporary file is written.
	if err := r.ParseMultipartForm(maxClassBody); err != nil {
		return nil, bodyStatus(err), "the upload could not be read: " + err.Error()
	}
	defer r.MultipartForm.RemoveAll()
	if fhs := r.MultipartForm.File["roster"]; len(fhs) > 0 && fhs[0].Size > 0 {
		return readUpload(fhs[0])
	}
	return []byte(r.FormValue("roster_text")), 0, ""
}

func readUpload(fh *multipart.FileHeader) ([]byte, int, string) {
	if fh.Size > maxRosterBytes {
		return nil, http.StatusRequestEntityTooLarge, errRosterTooLarge.Error()
	}
	f, err := fh.Open()
	if err != nil {
		return nil, http.StatusBadRequest, "the uploaded file could not be read"
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRosterBytes+1))
	if err != nil {
		return nil, http.StatusBadRequest, "the uploaded file could not be read"
	}
	return b, 0, ""
}

func bodyStatus(err error) int {
	var tooBig *http.MaxBytesError
	// The multipart reader does not always wrap the body limit's error.
	if errors.As(err, &tooBig) || errors.Is(err, multipart.ErrMessageTooLarge) || strings.Contains(err.Error(), "request body too large") {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// uploadRoster imports a roster CSV: new students get a personal link,
// shown once on the response page; students already there (same id) keep
// their link and get their name and e-mail updated.
func (s *Server) uploadRoster(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := courseFrom(ctx)
	fail := func(status int, msgs ...string) {
		p, err := s.courseProps(r)
		if err != nil {
			s.dbError(w, r, err)
			return
		}
		p.RosterErrors = msgs
		s.render(w, r, status, templates.Course(p))
	}
	data, status, msg := rosterInput(r)
	if status != 0 {
		if status == http.StatusRequestEntityTooLarge && !strings.Contains(msg, "MiB") {
			msg = errRosterTooLarge.Error()
		}
		fail(status, "Roster: "+msg+".")
		return
	}
	if strings.TrimSpace(string(data)) == "" {
		fail(http.StatusBadRequest, "Roster: choose a CSV file or paste the roster.")
		return
	}
	rows, err := parseRoster(data)
	if err != nil {
		status := http.StatusUnprocessableEntity
		if errors.Is(err, errRosterTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		fail(status, "Roster "+err.Error()+".")
		return
	}
	entries := make([]store.RosterEntry, len(rows))
	tokens := make(map[string]string, len(rows))
	for i, row := range rows {
		tok, err := auth.NewToken()
		if err != nil {
			s.dbError(w, r, err)
			return
		}
		entries[i] = store.RosterEntry{RosterID: row.ID, Name: row.Name, Email: row.Email, LinkToken: tok}
		tokens[row.ID] = tok
	}
	res, err := s.store.ImportRoster(ctx, c.ID, entries)
	if err != nil {
		if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) {
			fail(http.StatusUnprocessableEntity, "Roster: "+err.Error()+".")
			return
		}
		s.dbError(w, r, err)
		return
	}
	p := templates.PersonalLinksProps{Links: s.links(), Nav: s.nav(r, "courses"), Title: "Roster imported",
		BackURL: s.courseURL(c.ID), CourseTitle: c.Title}
	created := 0
	for _, rr := range res {
		if !rr.Created {
			continue
		}
		created++
		p.People = append(p.People, templates.PersonalLink{Name: rr.Learner.Name, RosterID: rr.Learner.RosterID,
			URL: s.personalLinkURL(r, tokens[rr.Learner.RosterID])})
	}
	p.Summary = fmt.Sprintf("%d new %s, %d updated.", created, plural(created, "student", "students"), len(res)-created)
	s.render(w, r, http.StatusOK, templates.PersonalLinks(p))
}

// newPersonalLink replaces one learner's personal link and shows it once.
func (s *Server) newPersonalLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, l := courseFrom(ctx), learnerParamFrom(ctx)
	tok, err := auth.NewToken()
	if err == nil {
		err = s.store.SetLearnerLinkToken(ctx, l.ID, tok)
	}
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.PersonalLinks(templates.PersonalLinksProps{
		Links: s.links(), Nav: s.nav(r, "courses"), Title: "New personal link",
		Summary: "A new personal link for " + l.Name + "; the previous one no longer works.",
		People:  []templates.PersonalLink{{Name: l.Name, RosterID: l.RosterID, URL: s.personalLinkURL(r, tok)}},
		BackURL: s.courseURL(c.ID), CourseTitle: c.Title,
	}))
}

// allLinksCSV makes a new personal link for every roster learner of the
// course and sends them as a CSV (for a mail merge). Old links stop
// working: that is the price of keeping only hashes.
func (s *Server) allLinksCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := courseFrom(ctx)
	ls, err := s.store.ListLearners(ctx, c.ID)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	tokens := map[int64]string{}
	var roster []store.Learner
	for _, l := range ls {
		if l.Source != store.SourceRoster {
			continue
		}
		tok, err := auth.NewToken()
		if err != nil {
			s.dbError(w, r, err)
			return
		}
		tokens[l.ID] = tok
		roster = append(roster, l)
	}
	if len(roster) == 0 {
		p, err := s.courseProps(r)
		if err != nil {
			s.dbError(w, r, err)
			return
		}
		p.RosterErrors = []string{"Links: the course has no roster students yet; upload a roster first."}
		s.render(w, r, http.StatusUnprocessableEntity, templates.Course(p))
		return
	}
	if err := s.store.SetLearnerLinkTokens(ctx, c.ID, tokens); err != nil {
		s.dbError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="course-%d-personal-links.csv"`, c.ID))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "name", "email", "link"})
	for _, l := range roster {
		_ = cw.Write([]string{csvCell(l.RosterID), csvCell(l.Name), csvCell(l.Email), s.personalLinkURL(r, tokens[l.ID])})
	}
	cw.Flush()
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r, maxSigninBytes) {
		return
	}
	ctx := r.Context()
	c := courseFrom(ctx)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	role := store.MemberRole(r.PostForm.Get("role"))
	var errs []templates.FieldError
	if role != store.MemberInstructor && role != store.MemberAssistant {
		errs = append(errs, templates.FieldError{Field: "member-role", Message: "Role: choose instructor or teaching assistant."})
	}
	u, err := s.store.GetUserByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		errs = append(errs, templates.FieldError{Field: "member-email", Message: "E-mail: no account has this e-mail; ask a site admin to add it first."})
	case err != nil:
		s.dbError(w, r, err)
		return
	}
	if len(errs) == 0 {
		if cur, err := s.store.MemberRoleOf(ctx, c.ID, u.ID); err == nil && cur == store.MemberOwner {
			errs = append(errs, templates.FieldError{Field: "member-email", Message: "E-mail: this is the course's owner already."})
		}
	}
	if len(errs) == 0 {
		if err := s.store.AddMember(ctx, c.ID, u.ID, role); err != nil {
			s.dbError(w, r, err)
			return
		}
		http.Redirect(w, r, s.courseURL(c.ID)+"?added="+url.QueryEscape(u.Email)+"#members", http.StatusSeeOther)
		return
	}
	p, err := s.courseProps(r)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	p.MemberEmail, p.MemberErrors = email, errs
	s.render(w, r, http.StatusUnprocessableEntity, templates.Course(p))
}

// exerciseOptions lists the catalog for the assignment form, with the part
// ids of each exercise (from its recitation variant; every variant of an
// exercise has the same parts).
func (s *Server) exerciseOptions() ([]templates.ExerciseOption, map[string][]string) {
	var out []templates.ExerciseOption
	parts := map[string][]string{}
	for _, e := range s.catalog.All() {
		v, err := e.Variant(0)
		if err != nil {
			continue
		}
		var ids []string
		for _, p := range v.Parts {
			ids = append(ids, p.ID)
		}
		parts[e.ID] = ids
		out = append(out, templates.ExerciseOption{ID: e.ID, Title: e.Title, Parts: strings.Join(ids, ", ")})
	}
	return out, parts
}

// assignmentForm is what the assignment form holds, read and checked.
type assignmentForm struct {
	props    templates.AssignmentFormProps
	settings store.Settings
	items    []store.NewItem
	errs     []templates.FieldError
}

func (f *assignmentForm) fail(field, msg string) {
	f.errs = append(f.errs, templates.FieldError{Field: field, Message: msg})
}

// readSettings reads and checks the settings fields of the form.
func readSettings(form url.Values, f *assignmentForm) {
	p := &f.props
	p.Title = strings.TrimSpace(form.Get("title"))
	p.TimeZone = strings.TrimSpace(form.Get("time_zone"))
	p.Opens, p.Due = strings.TrimSpace(form.Get("opens")), strings.TrimSpace(form.Get("due"))
	p.Attempts = strings.TrimSpace(form.Get("attempts"))
	p.Feedback, p.Solutions, p.Score = form.Get("feedback"), form.Get("solutions"), form.Get("score")
	p.LateCounts = form.Get("late_counts") != ""
	if p.Title == "" || len(p.Title) > 200 {
		f.fail("title", "Title: give one, at most 200 characters.")
	}
	st := &f.settings
	st.TimeZone, st.LateCounts = p.TimeZone, p.LateCounts
	loc := time.UTC
	if err := checkZone(p.TimeZone); err != nil {
		f.fail("time_zone", "Time zone: "+err.Error()+".")
	} else {
		loc, _ = time.LoadLocation(p.TimeZone)
	}
	for _, d := range []struct {
		field, name, v string
		dst            **time.Time
	}{{"opens", "Opens", p.Opens, &st.OpensAt}, {"due", "Due", p.Due, &st.DueAt}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation(dateLayout, d.v, loc)
		if err != nil {
			// Browsers send seconds when the step allows them.
			t, err = time.ParseInLocation(dateLayout+":05", d.v, loc)
		}
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			f.fail(d.field, d.name+": "+fmt.Sprintf("%q is not a date and time like 2026-03-02T09:00 (years 2000 to 2200).", d.v))
			continue
		}
		*d.dst = &t
	}
	if st.OpensAt != nil && st.DueAt != nil && !st.DueAt.After(*st.OpensAt) {
		f.fail("due", "Due: must be after the opening.")
	}
	n, err := strconv.Atoi(p.Attempts)
	if err != nil || n < 0 || n > store.MaxAttemptsAllowed {
		f.fail("attempts", fmt.Sprintf("Attempts allowed: %q is not a whole number from 0 (unlimited) to %d.", p.Attempts, store.MaxAttemptsAllowed))
	}
	st.AttemptsAllowed = n
	for _, sp := range []struct{ field, name, v string }{{"feedback", "Feedback", p.Feedback}, {"solutions", "Worked solutions", p.Solutions}} {
		switch store.ShowPolicy(sp.v) {
		case store.ShowImmediately, store.ShowAfterAttempt, store.ShowAfterDue, store.ShowNever:
		default:
			f.fail(sp.field, sp.name+": choose when it shows.")
		}
	}
	st.Feedback, st.Solutions = store.ShowPolicy(p.Feedback), store.ShowPolicy(p.Solutions)
	switch store.ScorePolicy(p.Score) {
	case store.ScoreBest, store.ScoreLast, store.ScoreFirst:
	default:
		f.fail("score", "Score: choose the best, last or first attempt.")
	}
	st.Score = store.ScorePolicy(p.Score)
}

// readItems reads and checks the item rows of a new assignment's form.
func readItems(form url.Values, f *assignmentForm, parts map[string][]string, rows int) {
	for n := 1; n <= rows; n++ {
		field := func(name string) string { return strings.TrimSpace(form.Get(fmt.Sprintf("item-%d-%s", n, name))) }
		it := templates.ItemForm{N: n, Exercise: field("exercise"), Parts: field("parts"), SeedPolicy: field("seed-policy"), Seed: field("seed"), Points: field("points")}
		f.props.Items = append(f.props.Items, it)
		if it.Exercise == "" {
			continue
		}
		id := func(name string) string { return fmt.Sprintf("item-%d-%s", n, name) }
		label := fmt.Sprintf("Item %d, ", n)
		known, ok := parts[it.Exercise]
		if !ok {
			f.fail(id("exercise"), label+fmt.Sprintf("exercise: %q is not in the catalog.", it.Exercise))
			continue
		}
		ni := store.NewItem{ExerciseID: it.Exercise, SeedPolicy: store.SeedPolicy(it.SeedPolicy), Points: 1}
		if it.Parts != "" {
			seen := map[string]bool{}
			for _, p := range strings.Split(it.Parts, ",") {
				p = strings.TrimSpace(p)
				if p == "" || seen[p] {
					continue
				}
				if !contains(known, p) {
					f.fail(id("parts"), label+fmt.Sprintf("parts: %q is not a part of %s; its parts are %s.", p, it.Exercise, strings.Join(known, ", ")))
					break
				}
				seen[p] = true
				ni.Parts = append(ni.Parts, p)
			}
			// Keep the exercise's own order.
			sort.SliceStable(ni.Parts, func(a, b int) bool { return slices.Index(known, ni.Parts[a]) < slices.Index(known, ni.Parts[b]) })
		}
		switch ni.SeedPolicy {
		case store.SeedRecitation, store.SeedPerLearner:
		case store.SeedShared:
			seed, err := strconv.ParseUint(it.Seed, 10, 64)
			if err != nil || seed > exercises.MaxSeed {
				f.fail(id("seed"), label+fmt.Sprintf("seed: %q is not a whole number from 0 to %d.", it.Seed, uint64(exercises.MaxSeed)))
			}
			ni.Seed = int64(seed)
		default:
			f.fail(id("seed-policy"), label+"numbers: choose the recitation's, one for everyone, or one per student.")
		}
		if it.Points != "" {
			pts, err := strconv.ParseFloat(it.Points, 64)
			if err != nil || !(pts >= 0 && pts <= 1000) {
				f.fail(id("points"), label+fmt.Sprintf("points: %q is not a number from 0 to 1000.", it.Points))
			}
			ni.Points = pts
		}
		f.items = append(f.items, ni)
	}
	if len(f.items) == 0 && len(f.errs) == 0 {
		f.fail("item-1-exercise", "Items: choose at least one exercise.")
	}
}

// formRows reads how many item rows the form has (?rows= or the hidden
// field), bounded by store.MaxItems.
func formRows(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return defaultItemRows
	}
	return min(n, store.MaxItems)
}

func (s *Server) newAssignmentProps(r *http.Request, rows int) templates.AssignmentFormProps {
	c := courseFrom(r.Context())
	exs, _ := s.exerciseOptions()
	p := templates.AssignmentFormProps{
		Links: s.links(), Nav: s.nav(r, "courses"), CourseTitle: c.Title, CourseURL: s.courseURL(c.ID),
		Heading: "New assignment", Action: s.courseURL(c.ID) + "/assignments?rows=" + strconv.Itoa(rows),
		TimeZone: c.TimeZone, Attempts: "0", Feedback: string(store.ShowImmediately), Solutions: string(store.ShowAfterAttempt),
		Score: string(store.ScoreBest), LateCounts: true, Exercises: exs,
		MoreRowsURL: s.courseURL(c.ID) + "/assignments/new?rows=" + strconv.Itoa(min(rows+defaultItemRows, store.MaxItems)),
	}
	return p
}

func (s *Server) newAssignmentPage(w http.ResponseWriter, r *http.Request) {
	rows := formRows(r.URL.Query().Get("rows"))
	p := s.newAssignmentProps(r, rows)
	for n := 1; n <= rows; n++ {
		p.Items = append(p.Items, templates.ItemForm{N: n, SeedPolicy: string(store.SeedPerLearner), Points: "1"})
	}
	s.render(w, r, http.StatusOK, templates.AssignmentForm(p))
}

// itemFor is a new assignment item of exercise id pinned to the version of
// it in use now: an item keeps the version of an authored exercise it is
// made with, so a later edit of the file never changes a running
// assignment (a built-in exercise has no version). It is false when the
// catalog has no such exercise. The assignment form, the course page's
// live session and LTI deep linking all make their items with it.
func (s *Server) itemFor(id string) (store.NewItem, bool) {
	e, ok := s.catalog.Lookup(id)
	if !ok {
		return store.NewItem{ExerciseID: id}, false
	}
	return store.NewItem{ExerciseID: e.ID, ExerciseVersion: e.Version}, true
}

// createAssignment creates the assignment with a shared link and shows the
// links page, the one time the shared link can be shown.
func (s *Server) createAssignment(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r, maxAssignmentForm) {
		return
	}
	ctx := r.Context()
	c := courseFrom(ctx)
	rows := formRows(r.URL.Query().Get("rows"))
	f := &assignmentForm{props: s.newAssignmentProps(r, rows)}
	readSettings(r.PostForm, f)
	_, parts := s.exerciseOptions()
	readItems(r.PostForm, f, parts, rows)
	for i := range f.items {
		pinned, _ := s.itemFor(f.items[i].ExerciseID)
		f.items[i].ExerciseVersion = pinned.ExerciseVersion
	}
	if len(f.errs) == 0 {
		share, err := auth.NewToken()
		if err != nil {
			s.dbError(w, r, err)
			return
		}
		a, err := s.store.CreateAssignment(ctx, store.NewAssignment{CourseID: c.ID, Title: f.props.Title, Settings: f.settings,
			Items: f.items, CreatedBy: principalFrom(ctx).User.ID, ShareToken: share})
		if err == nil {
			s.renderLinks(w, r, c, a, s.shareLinkURL(r, share), "Assignment created.")
			return
		}
		if !errors.Is(err, store.ErrInvalid) {
			s.dbError(w, r, err)
			return
		}
		f.fail("title", "The assignment could not be created: "+err.Error())
	}
	f.props.Errors = f.errs
	s.render(w, r, http.StatusUnprocessableEntity, templates.AssignmentForm(f.props))
}

func (s *Server) editProps(r *http.Request) templates.AssignmentFormProps {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	u := s.assignmentURL(c.ID, a.ID)
	p := templates.AssignmentFormProps{
		Links: s.links(), Nav: s.nav(r, "courses"), CourseTitle: c.Title, CourseURL: s.courseURL(c.ID),
		Heading: "Settings: " + a.Title, Action: u + "/edit", Editing: true, LinksURL: u + "/links",
	}
	for _, it := range a.Items {
		ps := "all"
		if len(it.Parts) > 0 {
			ps = strings.Join(it.Parts, ", ")
		}
		sp := string(it.SeedPolicy)
		if it.SeedPolicy == store.SeedShared {
			sp += " (seed " + strconv.FormatInt(it.Seed, 10) + ")"
		}
		p.Fixed = append(p.Fixed, templates.ItemView{N: it.Position + 1, Exercise: it.ExerciseID, Parts: ps, SeedPolicy: sp,
			Points: strconv.FormatFloat(it.Points, 'f', -1, 64)})
	}
	return p
}

func (s *Server) editAssignmentPage(w http.ResponseWriter, r *http.Request) {
	a := assignmentFrom(r.Context())
	p := s.editProps(r)
	st := a.Settings
	loc, err := time.LoadLocation(st.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	local := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(dateLayout)
	}
	p.Title, p.TimeZone, p.Opens, p.Due = a.Title, st.TimeZone, local(st.OpensAt), local(st.DueAt)
	p.Attempts, p.Feedback, p.Solutions, p.Score, p.LateCounts = strconv.Itoa(st.AttemptsAllowed), string(st.Feedback), string(st.Solutions), string(st.Score), st.LateCounts
	if r.URL.Query().Get("saved") != "" {
		p.Notice = "Saved."
	}
	s.render(w, r, http.StatusOK, templates.AssignmentForm(p))
}

func (s *Server) updateAssignment(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r, maxAssignmentForm) {
		return
	}
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	f := &assignmentForm{props: s.editProps(r)}
	readSettings(r.PostForm, f)
	if len(f.errs) == 0 {
		err := s.store.UpdateAssignment(ctx, a.ID, f.props.Title, f.settings)
		if err == nil {
			http.Redirect(w, r, s.assignmentURL(c.ID, a.ID)+"/edit?saved=1", http.StatusSeeOther)
			return
		}
		if !errors.Is(err, store.ErrInvalid) {
			s.dbError(w, r, err)
			return
		}
		f.fail("title", "The settings could not be saved: "+err.Error())
	}
	f.props.Errors = f.errs
	s.render(w, r, http.StatusUnprocessableEntity, templates.AssignmentForm(f.props))
}

// renderLinks renders an assignment's links page; shareURL is the shared
// link when it was made just now, else "".
func (s *Server) renderLinks(w http.ResponseWriter, r *http.Request, c store.Course, a store.Assignment, shareURL, notice string) {
	ctx := r.Context()
	has, err := s.store.HasShareLink(ctx, a.ID)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	ls, err := s.store.ListLearners(ctx, c.ID)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	u := s.assignmentURL(c.ID, a.ID)
	p := templates.AssignmentLinksProps{
		Links: s.links(), Nav: s.nav(r, "courses"), CourseTitle: c.Title, CourseURL: s.courseURL(c.ID),
		Title: a.Title, ShareURL: shareURL, HasShare: has, ShareAction: u + "/share",
		Learners: s.learnerRows(c, ls), EditURL: u + "/edit", Notice: notice,
		PrintURL: u + "/print",
	}
	for _, it := range a.Items {
		title := it.ExerciseID
		if e, ok := s.catalog.LookupVersion(it.ExerciseID, it.ExerciseVersion); ok {
			title = e.Title
		}
		src := s.origin(r) + s.base + "/embed/" + url.PathEscape(it.ExerciseID) + "?item=" + strconv.FormatInt(it.ID, 10)
		p.Embeds = append(p.Embeds, templates.EmbedView{N: it.Position + 1, Title: title,
			Snippet: fmt.Sprintf(`<iframe src="%s" title="%s" width="100%%" height="900" loading="lazy"></iframe>`,
				html.EscapeString(src), html.EscapeString("Stride: "+title))})
	}
	s.render(w, r, http.StatusOK, templates.AssignmentLinks(p))
}

func (s *Server) assignmentLinksPage(w http.ResponseWriter, r *http.Request) {
	s.renderLinks(w, r, courseFrom(r.Context()), assignmentFrom(r.Context()), "", "")
}

// newShareLink replaces the assignment's shared link and shows it once.
func (s *Server) newShareLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	tok, err := auth.NewToken()
	if err == nil {
		err = s.store.SetAssignmentShareToken(ctx, a.ID, tok)
	}
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	s.renderLinks(w, r, c, a, s.shareLinkURL(r, tok), "A new shared link; the previous one no longer works.")
}

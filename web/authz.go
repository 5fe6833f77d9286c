package web

// Authorization of the class routes (issue 9), in one place: every route of
// the class surfaces (sign-in, instructor pages, student assignment pages,
// dashboards) is registered through s.handle with a policy, and this file
// alone decides who may reach it. The matrix test lists the routes from the
// same registry, so a route cannot be added without being tested.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/auth"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// principal is who is making a request.
type principal struct {
	// User is the signed-in instructor or admin (session cookie
	// "stride_session"); nil if none.
	User *store.User
	// Learner is the learner remembered on this device for the course in
	// question (only looked up on policyCourseLearner routes); nil if none.
	Learner *store.Learner
}

// policy says who may use a route.
type policy int

const (
	policyPublic        policy = iota // anyone
	policySignedIn                    // any signed-in user (instructor or admin)
	policyAdmin                       // site admin
	policyCourseStaff                 // member of the course in URL param "course" (or admin)
	policyCourseLearner               // a learner of the course of URL param "assignment" (cookie), or its staff
)

func (p policy) String() string {
	switch p {
	case policyPublic:
		return "public"
	case policySignedIn:
		return "signed-in"
	case policyAdmin:
		return "admin"
	case policyCourseStaff:
		return "course-staff"
	case policyCourseLearner:
		return "course-learner"
	}
	return "policy(" + strconv.Itoa(int(p)) + ")"
}

// sessionCookie holds a signed-in user's session token.
const sessionCookie = "stride_session"

// Bounds of the class routes.
const (
	// maxClassBody bounds every request body of a class route; forms
	// that need less set a smaller limit themselves (the roster upload
	// needs the most: maxRosterBytes plus multipart framing).
	maxClassBody = maxRosterBytes + 64<<10
	// DefaultSessionLifetime is how long a sign-in lasts when
	// Config.SessionLifetime is zero.
	DefaultSessionLifetime = 7 * 24 * time.Hour
)

// classRoute is one registered class route, for the matrix test.
type classRoute struct {
	Method  string
	Pattern string
	Policy  policy
}

// classes is the state the class routes share; nil when no store is
// configured (then no class route is mounted).
type classes struct {
	// routes lists every route registered through s.handle, in order.
	routes []classRoute
	csrf   *http.CrossOriginProtection
	// findLearner looks up the learner remembered on the device for a
	// course: s.learnerFor, which tests may replace.
	findLearner func(r *http.Request, courseID int64) (*store.Learner, bool)
	// secureCookies marks cookies Secure even on plain-HTTP requests (a
	// TLS-terminating proxy in front).
	secureCookies bool
	sessionTTL    time.Duration
	hashParams    auth.Params
}

// authzInfo is what authorization loaded for a request.
type authzInfo struct {
	p          principal
	course     store.Course
	assignment store.Assignment
	learner    store.Learner // the row of URL param "learner"
	role       store.MemberRole
	// ltiCourse, when set, is the only course a staff launch token
	// (web/lti_frame.go) may read.
	ltiCourse int64
}

type authzKey struct{}

// principalFrom returns who is making the request (empty when anonymous or
// outside a class route).
func principalFrom(ctx context.Context) principal {
	if a, ok := ctx.Value(authzKey{}).(*authzInfo); ok {
		return a.p
	}
	return principal{}
}

// courseFrom returns the course of the route's {course} param (or of its
// {assignment}), loaded and checked by authorization.
func courseFrom(ctx context.Context) store.Course {
	if a, ok := ctx.Value(authzKey{}).(*authzInfo); ok {
		return a.course
	}
	return store.Course{}
}

// assignmentFrom returns the assignment of the route's {assignment} param,
// with its items, checked to belong to the course.
func assignmentFrom(ctx context.Context) store.Assignment {
	if a, ok := ctx.Value(authzKey{}).(*authzInfo); ok {
		return a.assignment
	}
	return store.Assignment{}
}

// learnerParamFrom returns the learner of the route's {learner} param,
// checked to belong to the route's course (when it has one).
func learnerParamFrom(ctx context.Context) store.Learner {
	if a, ok := ctx.Value(authzKey{}).(*authzInfo); ok {
		return a.learner
	}
	return store.Learner{}
}

// memberRoleFrom returns the signed-in user's role in the route's course;
// "" for an admin who is not a member, or on routes without a course.
func memberRoleFrom(ctx context.Context) store.MemberRole {
	if a, ok := ctx.Value(authzKey{}).(*authzInfo); ok {
		return a.role
	}
	return ""
}

// handle registers a class route with its policy. Every class route goes
// through here: patterns are full paths (below the base path), so register
// on the app router or a Group of it, never inside a Route.
func (s *Server) handle(r chi.Router, method, pattern string, pol policy, h http.HandlerFunc) {
	s.classes.routes = append(s.classes.routes, classRoute{Method: method, Pattern: pattern, Policy: pol})
	// LTI hook (web/lti_frame.go): a staff launch token inside the LMS
	// frame reads the dashboard routes.
	r.Method(method, pattern, s.ltiFrameRoute(method, pattern, s.authorize(pol, h)))
}

// authorize wraps a class handler: cross-origin protection on
// state-changing methods, no caching, a bounded body, then the principal
// and the rows of the URL's ids, then the policy.
func (s *Server) authorize(pol policy, h http.HandlerFunc) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxClassBody)
		}
		info := &authzInfo{}
		info.p.User = s.sessionUser(r)
		if st, ok := ltiStaffFrom(r.Context()); ok && info.p.User == nil {
			// LTI hook (web/lti_frame.go): that instructor, in that course only.
			info.p.User, info.ltiCourse = &st.user, st.courseID
		}
		status, err := s.decide(r, pol, info)
		if err != nil {
			s.log.ErrorContext(r.Context(), "authorize", "err", err, "path", r.URL.Path)
			s.classError(w, r, http.StatusInternalServerError, "Something went wrong", "Stride could not read its database. Please try again in a moment.")
			return
		}
		switch status {
		case 0:
			h(w, r.WithContext(context.WithValue(r.Context(), authzKey{}, info)))
		case http.StatusUnauthorized:
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, s.base+"/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.classError(w, r, http.StatusUnauthorized, "Sign in first", "This needs an instructor account. Sign in and try again.")
		case http.StatusForbidden:
			s.classError(w, r, http.StatusForbidden, "Not allowed", "This page is for site admins.")
		default:
			s.classNotFound(w, r)
		}
	})
	return s.classes.csrf.Handler(inner)
}

// decide applies pol to the request, loading the rows its URL names into
// info. It returns 0 to serve, or the denial: 401 (sign in), 403 (signed
// in but not an admin) or 404 (no such row, or not yours: another
// course's ids are indistinguishable from missing ones).
func (s *Server) decide(r *http.Request, pol policy, info *authzInfo) (int, error) {
	u := info.p.User
	admin := u != nil && u.Role == store.RoleAdmin
	switch pol {
	case policySignedIn, policyCourseStaff:
		if u == nil {
			return http.StatusUnauthorized, nil
		}
	case policyAdmin:
		if u == nil {
			return http.StatusUnauthorized, nil
		}
		if !admin {
			return http.StatusForbidden, nil
		}
	}
	if status, err := s.loadRows(r, info); status != 0 || err != nil {
		return status, err
	}
	hasCourse := info.course.ID != 0
	if info.ltiCourse != 0 && info.course.ID != info.ltiCourse {
		return http.StatusNotFound, nil
	}
	if u != nil && hasCourse {
		role, err := s.store.MemberRoleOf(r.Context(), info.course.ID, u.ID)
		switch {
		case err == nil:
			info.role = role
		case !errors.Is(err, store.ErrNotFound):
			return 0, err
		}
	}
	staff := hasCourse && (admin || info.role != "")
	switch pol {
	case policyCourseStaff:
		if !staff {
			return http.StatusNotFound, nil
		}
	case policyCourseLearner:
		if !hasCourse {
			return http.StatusNotFound, nil
		}
		if staff {
			return 0, nil
		}
		l, ok := s.classes.findLearner(r, info.course.ID)
		if !ok || l == nil || l.CourseID != info.course.ID {
			return http.StatusNotFound, nil
		}
		info.p.Learner = l
	}
	return 0, nil
}

// loadRows loads the course, assignment and learner the URL's {course},
// {assignment} and {learner} params name, and checks they belong
// together. A malformed, missing or mismatched id is 404.
func (s *Server) loadRows(r *http.Request, info *authzInfo) (int, error) {
	ctx := r.Context()
	id := func(name string) (int64, bool, bool) {
		v := chi.URLParam(r, name)
		if v == "" {
			return 0, false, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, true, err == nil && n > 0
	}
	missing := func(err error) (int, error) {
		if errors.Is(err, store.ErrNotFound) {
			return http.StatusNotFound, nil
		}
		return 0, err
	}
	if cid, present, ok := id("course"); present {
		if !ok {
			return http.StatusNotFound, nil
		}
		c, err := s.store.GetCourse(ctx, cid)
		if err != nil {
			return missing(err)
		}
		info.course = c
	}
	if aid, present, ok := id("assignment"); present {
		if !ok {
			return http.StatusNotFound, nil
		}
		a, err := s.store.GetAssignment(ctx, aid)
		if err != nil {
			return missing(err)
		}
		if info.course.ID != 0 && a.CourseID != info.course.ID {
			return http.StatusNotFound, nil
		}
		if info.course.ID == 0 {
			if info.course, err = s.store.GetCourse(ctx, a.CourseID); err != nil {
				return missing(err)
			}
		}
		info.assignment = a
	}
	if lid, present, ok := id("learner"); present {
		if !ok {
			return http.StatusNotFound, nil
		}
		l, err := s.store.GetLearner(ctx, lid)
		if err != nil {
			return missing(err)
		}
		if info.course.ID != 0 && l.CourseID != info.course.ID {
			return http.StatusNotFound, nil
		}
		info.learner = l
	}
	return 0, nil
}

// sessionUser returns the account of the request's session cookie, or nil
// (no cookie, or a revoked, expired or unknown session, or a disabled
// account).
func (s *Server) sessionUser(r *http.Request) *store.User {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return nil
	}
	_, u, err := s.store.LookupSession(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(r.Context(), "look up session", "err", err)
		}
		return nil
	}
	return &u
}

// cookiePath scopes Stride's cookies to its base path.
func (s *Server) cookiePath() string {
	if s.base == "" {
		return "/"
	}
	return s.base + "/"
}

// secureRequest reports whether cookies set in reply to r must be Secure:
// the request came over TLS, or the operator said a proxy terminates TLS.
func (s *Server) secureRequest(r *http.Request) bool {
	return r.TLS != nil || s.classes.secureCookies
}

// classError renders a short page explaining why a class request failed.
func (s *Server) classError(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	s.render(w, r, status, templates.Message(templates.MessageProps{Links: s.links(), Title: title, Message: msg}))
}

// classNotFound is the 404 of a class route: the same for a missing row and
// for one the requester may not see.
func (s *Server) classNotFound(w http.ResponseWriter, r *http.Request) {
	s.classError(w, r, http.StatusNotFound, "Not found",
		"There is nothing here for you. If someone gave you a link, check it was copied whole; if you teach this course, sign in first.")
}

// csrfDenied answers a cross-origin state-changing request.
func (s *Server) csrfDenied(w http.ResponseWriter, r *http.Request) {
	s.classError(w, r, http.StatusForbidden, "Request refused",
		"This form was sent from another site, so Stride refused it. Open the page on Stride itself and send the form again.")
}

// newClasses builds the shared state of the class routes from cfg.
func (s *Server) newClasses(cfg Config) (*classes, error) {
	ttl := cfg.SessionLifetime
	if ttl == 0 {
		ttl = DefaultSessionLifetime
	}
	if ttl < time.Minute {
		return nil, fmt.Errorf("session lifetime %v is shorter than a minute", ttl)
	}
	c := &classes{
		csrf:          http.NewCrossOriginProtection(),
		secureCookies: cfg.SecureCookies,
		sessionTTL:    ttl,
		hashParams:    auth.DefaultParams,
	}
	c.csrf.SetDenyHandler(http.HandlerFunc(s.csrfDenied))
	c.findLearner = s.learnerFor
	return c, nil
}

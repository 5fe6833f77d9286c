package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/auth"
	"github.com/stride-tutor/stride/internal/store"
)

// classEnv is a server with a database holding two courses: course 1
// taught by instA with an assignment and a roster learner, course 2 taught
// by instB with an assignment of its own, and a site admin.
type classEnv struct {
	t      *testing.T
	app    *App
	srv    *Server
	st     *store.Store
	instA  store.User
	instB  store.User
	admin  store.User
	course store.Course // instA's
	other  store.Course // instB's
	asg    store.Assignment
	asgB   store.Assignment // in the other course
	learn  store.Learner    // roster learner of course
	learnB store.Learner    // roster learner of other
}

// testParams make password hashing cheap in tests; the cost does not
// change what is tested.
var testParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// testLearnerHeader stands in for helper B's learner cookie in these tests:
// it names the id of the learner remembered on the device.
const testLearnerHeader = "X-Test-Learner"

// openTestStore opens a migrated SQLite store in a temp dir; now is its
// clock (nil: time.Now).
func openTestStore(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: testDataDir(t), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func newClassEnv(t *testing.T, cfg Config) *classEnv {
	return newClassEnvClock(t, cfg, nil)
}

// newClassEnvClock is newClassEnv with the store on a clock of the test's.
func newClassEnvClock(t *testing.T, cfg Config, now func() time.Time) *classEnv {
	t.Helper()
	ctx := context.Background()
	e := &classEnv{t: t, st: openTestStore(t, now)}
	mk := func(email string, role store.Role) store.User {
		hash, err := auth.HashPassword("correct horse battery", testParams)
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.st.CreateUser(ctx, store.NewUser{Email: email, Name: email, Role: role, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	e.instA, e.instB, e.admin = mk("a@example.edu", store.RoleInstructor), mk("b@example.edu", store.RoleInstructor), mk("root@example.edu", store.RoleAdmin)
	var err error
	if e.course, err = e.st.CreateCourse(ctx, store.NewCourse{Title: "Course A", TimeZone: "UTC", CreatedBy: e.instA.ID}); err != nil {
		t.Fatal(err)
	}
	if e.other, err = e.st.CreateCourse(ctx, store.NewCourse{Title: "Course B", TimeZone: "UTC", CreatedBy: e.instB.ID}); err != nil {
		t.Fatal(err)
	}
	settings := store.Settings{TimeZone: "UTC", Feedback: store.ShowImmediately, Solutions: store.ShowAfterAttempt, Score: store.ScoreBest}
	items := []store.NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedPerLearner, Points: 1}}
	if e.asg, err = e.st.CreateAssignment(ctx, store.NewAssignment{CourseID: e.course.ID, Title: "HW A", Settings: settings, Items: items}); err != nil {
		t.Fatal(err)
	}
	if e.asgB, err = e.st.CreateAssignment(ctx, store.NewAssignment{CourseID: e.other.ID, Title: "HW B", Settings: settings, Items: items}); err != nil {
		t.Fatal(err)
	}
	if e.learn, err = e.st.CreateLearner(ctx, store.NewLearner{CourseID: e.course.ID, Source: store.SourceRoster, RosterID: "s1", Name: "Ada", LinkToken: "link-ada"}); err != nil {
		t.Fatal(err)
	}
	if e.learnB, err = e.st.CreateLearner(ctx, store.NewLearner{CourseID: e.other.ID, Source: store.SourceRoster, RosterID: "s1", Name: "Bob", LinkToken: "link-bob"}); err != nil {
		t.Fatal(err)
	}
	cfg.Store = e.st
	e.app = newTestHandler(t, cfg)
	e.srv = e.app.server
	e.srv.classes.hashParams = testParams
	e.srv.classes.findLearner = func(r *http.Request, courseID int64) (*store.Learner, bool) {
		id, err := strconv.ParseInt(r.Header.Get(testLearnerHeader), 10, 64)
		if err != nil {
			return nil, false
		}
		l, err := e.st.GetLearner(r.Context(), id)
		if err != nil || l.CourseID != courseID {
			return nil, false
		}
		return &l, true
	}
	return e
}

// session returns a new session token of u (a new one each time: a
// request may sign out).
func (e *classEnv) session(u store.User) string {
	tok, _, err := e.st.CreateSession(context.Background(), u.ID, time.Now().Add(time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// role is a kind of requester in the authorization matrix.
type role string

const (
	roleAnonymous  role = "anonymous"
	roleStudent    role = "student"
	roleInstructor role = "instructor-of-course"
	roleOther      role = "instructor-of-other-course"
	roleAdmin      role = "admin"
)

var roles = []role{roleAnonymous, roleStudent, roleInstructor, roleOther, roleAdmin}

// as makes r come from the given role.
func (e *classEnv) as(r *http.Request, who role) *http.Request {
	switch who {
	case roleStudent:
		r.Header.Set(testLearnerHeader, strconv.FormatInt(e.learn.ID, 10))
	case roleInstructor:
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: e.session(e.instA)})
	case roleOther:
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: e.session(e.instB)})
	case roleAdmin:
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: e.session(e.admin)})
	}
	return r
}

// request builds a form request.
func (e *classEnv) request(method, path string, form url.Values) *http.Request {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, path, body)
	if method != http.MethodGet {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r
}

func (e *classEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.app.ServeHTTP(w, r)
	return w
}

// expectedPolicy is the intended policy of every class route. A route
// registered through s.handle but missing here fails the matrix test: add
// it with the policy it is meant to have.
var expectedPolicy = map[string]policy{
	"GET /signin":         policyPublic,
	"POST /signin":        policyPublic,
	"POST /signout":       policyPublic,
	"GET /setup/{token}":  policyPublic,
	"POST /setup/{token}": policyPublic,
	"GET /admin/users":    policyAdmin,
	"POST /admin/users":   policyAdmin,

	// Account operations (classops): one's own password, an admin's
	// disable/enable and reset links, and the public reset page whose
	// token is its authorization.
	"GET /account":                        policySignedIn,
	"POST /account/password":              policySignedIn,
	"POST /admin/users/{user}/disable":    policyAdmin,
	"POST /admin/users/{user}/enable":     policyAdmin,
	"POST /admin/users/{user}/reset-link": policyAdmin,
	"GET /reset/{token}":                  policyPublic,
	"POST /reset/{token}":                 policyPublic,

	"GET /courses":                                          policySignedIn,
	"POST /courses":                                         policySignedIn,
	"GET /courses/{course}":                                 policyCourseStaff,
	"POST /courses/{course}/roster":                         policyCourseStaff,
	"POST /courses/{course}/members":                        policyCourseStaff,
	"POST /courses/{course}/links.csv":                      policyCourseStaff,
	"POST /courses/{course}/learners/{learner}/link":        policyCourseStaff,
	"GET /courses/{course}/assignments/new":                 policyCourseStaff,
	"POST /courses/{course}/assignments":                    policyCourseStaff,
	"GET /courses/{course}/assignments/{assignment}/edit":   policyCourseStaff,
	"POST /courses/{course}/assignments/{assignment}/edit":  policyCourseStaff,
	"GET /courses/{course}/assignments/{assignment}/links":  policyCourseStaff,
	"POST /courses/{course}/assignments/{assignment}/share": policyCourseStaff,

	// Printed worksheets (web/print.go): answer keys need an account; an
	// assignment's roster sheets are its course staff's.
	"GET /print/key": policySignedIn,
	"GET /courses/{course}/assignments/{assignment}/print": policyCourseStaff,

	// The student side: links anyone may open, and an assignment's pages
	// for its course's learners (and staff).
	"GET /l/{token}":               policyPublic,
	"GET /a/{share}":               policyPublic,
	"POST /a/{share}":              policyPublic,
	"GET /my":                      policyPublic,
	"GET /my/{assignment}":         policyCourseLearner,
	"GET /my/{assignment}/{item}":  policyCourseLearner,
	"POST /my/{assignment}/{item}": policyCourseLearner,

	// LTI (issue 12): the LMS and anyone may reach these; a launch is
	// authorized by the platform's signature, the signed state and the
	// nonce, not by a Stride principal.
	"GET /lti/login":       policyPublic,
	"POST /lti/login":      policyPublic,
	"POST /lti/launch":     policyPublic,
	"GET /lti/jwks":        policyPublic,
	"GET /lti/config.json": policyPublic,
	// LTI deep linking, dynamic registration (both authorized by a
	// single-use grant or, for registration, an admin session, checked in
	// the handler) and the admin pages of LMS platforms (ltidl).
	"GET /lti/deeplink":                 policyPublic,
	"POST /lti/deeplink":                policyPublic,
	"GET /lti/register":                 policyPublic,
	"POST /lti/register":                policyAdmin,
	"GET /admin/lti":                    policyAdmin,
	"POST /admin/lti":                   policyAdmin,
	"POST /admin/lti/registration-link": policyAdmin,
	"GET /admin/lti/{platform}":         policyAdmin,
	"POST /admin/lti/{platform}":        policyAdmin,
	"POST /admin/lti/{platform}/delete": policyAdmin,
	// LTI frame (issue 12 §2, branch ltiframe): the launch page in the
	// LMS's iframe posts what the LMS's storage holds; the sealed launch
	// and those values authorize it (web/lti_storage.go). The staff launch
	// token's reach is TestLTIStaffTokenMatrix (web/lti_frame_test.go).
	"POST /lti/launch/complete": policyPublic,

	// LTI grades and rosters (issue 12 §3, web/lti_ags.go): course staff's.
	"GET /courses/{course}/lms":                                               policyCourseStaff,
	"POST /courses/{course}/lms/roster":                                       policyCourseStaff,
	"GET /courses/{course}/assignments/{assignment}/items/{item}/lms":         policyCourseStaff,
	"POST /courses/{course}/assignments/{assignment}/items/{item}/lms/resend": policyCourseStaff,
	"POST /courses/{course}/assignments/{assignment}/items/{item}/lms/policy": policyCourseStaff,

	// Live sessions (issue 14): joining and a student's session pages are
	// public (the handler needs the device's learner of the session's
	// course, else it sends the student to /join); running one is staff's.
	"GET /join":           policyPublic,
	"POST /join":          policyPublic,
	"GET /live/{code}":    policyPublic,
	"POST /live/{code}":   policyPublic,
	"GET /live/{code}/ws": policyPublic,
	// The live answer endpoint (branch liveperf).
	"POST /live/{code}/answer": policyPublic,
	// The reveal fragment (branch livereveal): the learner's own worked
	// solutions while the current question is revealed (403 without one).
	"GET /live/{code}/reveal":                              policyPublic,
	"POST /courses/{course}/assignments/{assignment}/live": policyCourseStaff,
	"POST /courses/{course}/live":                          policyCourseStaff, // a live session from a list of exercises
	"GET /courses/{course}/live/{session}":                 policyCourseStaff,
	"POST /courses/{course}/live/{session}":                policyCourseStaff,
	"GET /courses/{course}/live/{session}/projector":       policyCourseStaff,
	"GET /courses/{course}/live/{session}/ws":              policyCourseStaff,
	// livefinish: who has answered, by name (instructor's screen; the
	// projector only while the instructor shows names).
	"GET /courses/{course}/live/{session}/names": policyCourseStaff,

	// Exercise files (issue 13 §1): the directory's state, for any
	// instructor (the files are the site's, not a course's).
	"GET /authoring":             policySignedIn,
	"GET /authoring/status.json": policySignedIn,
	// Exercises written in the browser (authorweb, web/authoring_edit.go):
	// any signed-in instructor; a saved one only for its owner or an admin
	// (checked in the handler: 403 for another instructor).
	"GET /authoring/exercises":                    policySignedIn,
	"GET /authoring/exercises/new":                policySignedIn,
	"POST /authoring/exercises/new":               policySignedIn,
	"GET /authoring/exercises/import":             policySignedIn,
	"POST /authoring/exercises/import":            policySignedIn,
	"GET /authoring/exercises/{exercise}":         policySignedIn,
	"POST /authoring/exercises/{exercise}":        policySignedIn,
	"GET /authoring/exercises/{exercise}/yaml":    policySignedIn,
	"POST /authoring/exercises/{exercise}/yaml":   policySignedIn,
	"GET /authoring/exercises/{exercise}/export":  policySignedIn,
	"POST /authoring/exercises/{exercise}/delete": policySignedIn,
}

// allowedFor says whether a role may use a route of a policy, and if not,
// the denial: 401 (sign in; GET redirects to the sign-in page), 403 or 404.
func allowedFor(p policy, who role) (bool, int) {
	signedIn := who == roleInstructor || who == roleOther || who == roleAdmin
	switch p {
	case policyPublic:
		return true, 0
	case policySignedIn:
		if signedIn {
			return true, 0
		}
		return false, http.StatusUnauthorized
	case policyAdmin:
		if who == roleAdmin {
			return true, 0
		}
		if signedIn {
			return false, http.StatusForbidden
		}
		return false, http.StatusUnauthorized
	case policyCourseStaff:
		switch {
		case who == roleInstructor || who == roleAdmin:
			return true, 0
		case who == roleOther:
			return false, http.StatusNotFound
		}
		return false, http.StatusUnauthorized
	case policyCourseLearner:
		if who == roleStudent || who == roleInstructor || who == roleAdmin {
			return true, 0
		}
		return false, http.StatusNotFound
	}
	panic("unknown policy")
}

var paramRE = regexp.MustCompile(`\{([a-z]+)\}`)

// fill substitutes the env's ids for a pattern's params; ids picks which
// rows.
func (e *classEnv) fill(pattern string, ids map[string]string) string {
	return paramRE.ReplaceAllStringFunc(pattern, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := ids[name]
		if !ok {
			e.t.Fatalf("route %s has param {%s}: teach the matrix test what to put there", pattern, name)
		}
		return v
	})
}

func (e *classEnv) ids() map[string]string {
	return map[string]string{
		"course":     strconv.FormatInt(e.course.ID, 10),
		"assignment": strconv.FormatInt(e.asg.ID, 10),
		"learner":    strconv.FormatInt(e.learn.ID, 10),
		"item":       strconv.FormatInt(e.asg.Items[0].ID, 10),
		"part":       "dims",
		"token":      "not-a-token",
		"share":      "not-a-token",
		"id":         "conv-by-hand",
		"exercise":   "no-such-exercise",
		"code":       "NOCODE",
		"session":    "999999",
		"platform":   "999999",
		// No such account: the real handlers answer 404 instead of
		// disabling an account the other rows sign in with.
		"user": "999999",
	}
}

// denial classifies a response as authorization's denial: 401 (or the
// redirect to sign in that a GET gets), 403 or 404; 0 otherwise.
func denial(w *httptest.ResponseRecorder, method string) int {
	if w.Code == http.StatusSeeOther && method == http.MethodGet && strings.Contains(w.Header().Get("Location"), "/signin?next=") {
		return http.StatusUnauthorized
	}
	return w.Code
}

// TestAuthorizationMatrix checks every route registered through s.handle,
// for every role, against its policy. Each route's authorization is run
// twice: in front of a probe handler (which proves whether the request got
// through) and in the real application (which must deny the same way and
// never fail with a 5xx).
func TestAuthorizationMatrix(t *testing.T) {
	e := newClassEnv(t, Config{})
	routes := e.srv.classes.routes
	if len(routes) < len(expectedPolicy) {
		t.Errorf("%d class routes registered, the matrix expects %d", len(routes), len(expectedPolicy))
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		if seen[key] {
			t.Errorf("%s registered twice", key)
		}
		seen[key] = true
		want, ok := expectedPolicy[key]
		if !ok {
			t.Errorf("%s (policy %v) is not in the matrix test's expectedPolicy: add it with its intended policy", key, rt.Policy)
			continue
		}
		if rt.Policy != want {
			t.Errorf("%s has policy %v, the matrix expects %v", key, rt.Policy, want)
		}
	}
	for key := range expectedPolicy {
		if !seen[key] {
			t.Errorf("%s is expected but not registered", key)
		}
	}
	for _, rt := range routes {
		probe := chi.NewRouter()
		probe.Method(rt.Method, rt.Pattern, e.srv.authorize(rt.Policy, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(299)
		}))
		path := e.fill(rt.Pattern, e.ids())
		for _, who := range roles {
			name := rt.Method + " " + rt.Pattern + " as " + string(who)
			wantOK, wantDenial := allowedFor(rt.Policy, who)
			pw := httptest.NewRecorder()
			probe.ServeHTTP(pw, e.as(e.request(rt.Method, path, url.Values{}), who))
			if got := pw.Code == 299; got != wantOK {
				t.Errorf("%s: allowed = %v (status %d), want %v", name, got, pw.Code, wantOK)
				continue
			}
			if !wantOK {
				if got := denial(pw, rt.Method); got != wantDenial {
					t.Errorf("%s: denied with %d (%s), want %d", name, pw.Code, pw.Header().Get("Location"), wantDenial)
				}
			}
			w := e.serve(e.as(e.request(rt.Method, path, url.Values{}), who))
			if w.Code >= 500 {
				t.Errorf("%s: real handler answered %d", name, w.Code)
			}
			if !wantOK && denial(w, rt.Method) != wantDenial {
				t.Errorf("%s: application denied with %d, the probe with %d", name, w.Code, pw.Code)
			}
		}
	}
}

// TestAuthorizationOtherCoursesIDs: ids of another course's rows under a
// course the requester teaches are 404, even for an admin, and an
// instructor cannot reach another course's rows by any id combination.
func TestAuthorizationOtherCoursesIDs(t *testing.T) {
	e := newClassEnv(t, Config{})
	c, a, ab := e.course.ID, e.asg.ID, e.asgB.ID
	cases := []struct {
		who  role
		path string
	}{
		{roleInstructor, "/courses/" + itoa(c) + "/assignments/" + itoa(ab) + "/edit"},
		{roleAdmin, "/courses/" + itoa(c) + "/assignments/" + itoa(ab) + "/edit"},
		{roleOther, "/courses/" + itoa(c) + "/assignments/" + itoa(a) + "/edit"},
		{roleOther, "/courses/" + itoa(e.other.ID) + "/assignments/" + itoa(a) + "/links"},
		{roleInstructor, "/courses/" + itoa(c) + "/assignments/999999/edit"},
		{roleInstructor, "/courses/999999"},
		{roleInstructor, "/courses/abc"},
		{roleInstructor, "/courses/-1"},
		{roleInstructor, "/courses/99999999999999999999999"},
	}
	for _, tc := range cases {
		w := e.serve(e.as(e.request(http.MethodGet, tc.path, nil), tc.who))
		if w.Code != http.StatusNotFound {
			t.Errorf("%s as %s: %d, want 404", tc.path, tc.who, w.Code)
		}
	}
	// A learner link regenerated for a learner of another course: 404.
	w := e.serve(e.as(e.request(http.MethodPost, "/courses/"+itoa(c)+"/learners/"+itoa(e.learnB.ID)+"/link", url.Values{}), roleInstructor))
	if w.Code != http.StatusNotFound {
		t.Errorf("other course's learner: %d, want 404", w.Code)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// TestCrossOriginPostRefused: a state-changing form sent from another site
// is refused before it reaches the handler, whoever is signed in; the same
// form from the site itself goes through.
func TestCrossOriginPostRefused(t *testing.T) {
	e := newClassEnv(t, Config{})
	n := 0
	post := func(hdr map[string]string) *httptest.ResponseRecorder {
		n++
		r := e.as(e.request(http.MethodPost, "/admin/users", url.Values{"email": {"evil" + strconv.Itoa(n) + "@example.edu"}, "password": {"0123456789abc"}, "role": {"admin"}}), roleAdmin)
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		return e.serve(r)
	}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "https://evil.example"},
	} {
		if w := post(hdr); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "another site") {
			t.Errorf("POST with %v: %d, want 403 naming another site", hdr, w.Code)
		}
	}
	if users, err := e.st.ListUsers(context.Background()); err != nil || len(users) != 3 {
		t.Fatalf("a refused post created an account: %d accounts, %v", len(users), err)
	}
	if w := post(map[string]string{"Sec-Fetch-Site": "same-origin"}); w.Code != http.StatusSeeOther {
		t.Errorf("same-origin POST: %d, want 303", w.Code)
	}
	if w := post(map[string]string{"Origin": "http://example.com"}); w.Code != http.StatusSeeOther {
		t.Errorf("POST with the site's own Origin: %d, want 303 (body %q)", w.Code, w.Body.String())
	}
	// Signing out from another site is refused too (logout CSRF).
	r := e.as(e.request(http.MethodPost, "/signout", url.Values{}), roleAdmin)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := e.serve(r); w.Code != http.StatusForbidden {
		t.Errorf("cross-site sign-out: %d", w.Code)
	}
	// A cross-site GET (a link) is fine.
	g := e.as(e.request(http.MethodGet, "/admin/users", nil), roleAdmin)
	g.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := e.serve(g); w.Code != http.StatusOK {
		t.Errorf("cross-site GET: %d", w.Code)
	}
}

// TestClassRoutesNeedAStore: without a database no class route exists.
func TestClassRoutesNeedAStore(t *testing.T) {
	app := newTestHandler(t, Config{})
	if app.server.classes != nil {
		t.Fatal("class state built without a store")
	}
	for _, p := range []string{"/signin", "/courses", "/admin/users"} {
		if w := do(t, app, http.MethodGet, p, ""); w.Code != http.StatusNotFound {
			t.Errorf("GET %s without a store: %d, want 404", p, w.Code)
		}
	}
}

// TestCourseLearnerPolicy checks policyCourseLearner (used by the student
// pages) on a probe route: the course's learner on this device and its
// staff get through; a learner of another course, another course's
// instructor and anonymous visitors get 404, as for a missing assignment.
func TestCourseLearnerPolicy(t *testing.T) {
	e := newClassEnv(t, Config{})
	probe := chi.NewRouter()
	var got *store.Learner
	probe.Get("/my/{assignment}", e.srv.authorize(policyCourseLearner, func(w http.ResponseWriter, r *http.Request) {
		got = principalFrom(r.Context()).Learner
		if courseFrom(r.Context()).ID != e.course.ID || assignmentFrom(r.Context()).ID != e.asg.ID {
			t.Errorf("rows in the context: course %d, assignment %d", courseFrom(r.Context()).ID, assignmentFrom(r.Context()).ID)
		}
		w.WriteHeader(299)
	}).ServeHTTP)
	path := "/my/" + itoa(e.asg.ID)
	for _, who := range roles {
		got = nil
		w := httptest.NewRecorder()
		probe.ServeHTTP(w, e.as(e.request(http.MethodGet, path, nil), who))
		wantOK, wantDenial := allowedFor(policyCourseLearner, who)
		if (w.Code == 299) != wantOK || (!wantOK && w.Code != wantDenial) {
			t.Errorf("%s: %d, want allowed=%v or %d", who, w.Code, wantOK, wantDenial)
		}
		if who == roleStudent && (got == nil || got.ID != e.learn.ID) {
			t.Errorf("student's principal has learner %+v", got)
		}
	}
	// A learner of the other course, on this course's assignment.
	r := e.request(http.MethodGet, path, nil)
	r.Header.Set(testLearnerHeader, itoa(e.learnB.ID))
	w := httptest.NewRecorder()
	probe.ServeHTTP(w, r)
	if w.Code != http.StatusNotFound {
		t.Errorf("another course's learner: %d, want 404", w.Code)
	}
	// A missing assignment is the same 404.
	w = httptest.NewRecorder()
	probe.ServeHTTP(w, e.as(e.request(http.MethodGet, "/my/999999", nil), roleStudent))
	if w.Code != http.StatusNotFound {
		t.Errorf("missing assignment: %d", w.Code)
	}
}

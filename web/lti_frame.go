package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stride-tutor/stride/internal/dashboard"
	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// The instructor's side of the LMS frame (issue 12 §2): an instructor's
// launch lands on the dashboard of the item, inside the LMS's iframe,
// where Stride's session cookie is not sent. The launch creates a launch
// token bound to the instructor's account and the launch's course (like a
// learner's, only its hash is stored, 8 hours). On the read-only dashboard
// routes (ltiStaffReadable) that token stands in for a sign-in, for that
// one course only; the pages are served framable, and their links to other
// readable pages of the course carry the token on. A learner's launch
// token never grants these routes (it names no account), and no token
// grants any other route: every form, the course page with its personal
// links, and every POST still need a real sign-in.

// ltiStaffReadable lists the routes a staff launch token may read.
var ltiStaffReadable = map[string]bool{
	"GET /courses/{course}/assignments/{assignment}":                           true,
	"GET /courses/{course}/assignments/{assignment}/items/{item}/parts/{part}": true,
	"GET /courses/{course}/assignments/{assignment}/gradebook.csv":             true,
	"GET /courses/{course}/assignments/{assignment}/attempts.jsonl":            true,
	"GET /courses/{course}/learners/{learner}":                                 true,
}

// ltiReadablePathRE matches the paths (below the base path) of
// ltiStaffReadable, for carrying the token on links.
var ltiReadablePathRE = regexp.MustCompile(`^/courses/([0-9]+)/(assignments/[0-9]+(/items/[0-9]+/parts/[^/?#]+|/gradebook\.csv|/attempts\.jsonl)?|learners/[0-9]+)$`)

// ltiFrameAncestors is who may frame the LMS pages: the embed pages'
// frame-ancestors (web/server.go).
func ltiFrameAncestors(cfg Config) string {
	if len(cfg.FrameAncestors) == 0 {
		return strings.Join(DefaultFrameAncestors(), " ")
	}
	return strings.Join(cfg.FrameAncestors, " ")
}

// ltiStaff is the principal of a staff launch token.
type ltiStaff struct {
	user     store.User
	courseID int64
}

type ltiStaffKey struct{}

// ltiStaffFrom returns the staff launch of the request, when the route is
// readable with one and the request carries a valid one.
func ltiStaffFrom(ctx context.Context) (ltiStaff, bool) {
	st, ok := ctx.Value(ltiStaffKey{}).(ltiStaff)
	return st, ok
}

// ltiFrameRoute wraps the handler of a route registered with s.handle: on
// the readable routes, a request carrying a staff launch token is served
// as that instructor in that course (authorize reads it), framable, with
// the token carried on its links. Everything else passes through.
func (s *Server) ltiFrameRoute(method, pattern string, next http.Handler) http.Handler {
	if !ltiStaffReadable[method+" "+pattern] {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get(ltiTokenParam)
		if tok == "" || len(tok) > 128 || s.lti == nil {
			next.ServeHTTP(w, r)
			return
		}
		st, ok := s.ltiStaffOf(r, tok)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		s.lti.framed(w)
		lw := &ltiLinkWriter{ResponseWriter: w, s: s, courseID: st.courseID, token: tok}
		next.ServeHTTP(lw, r.WithContext(context.WithValue(r.Context(), ltiStaffKey{}, st)))
		lw.finish()
	})
}

// ltiStaffOf looks up a staff launch token: unexpired, naming an account
// that is not disabled.
func (s *Server) ltiStaffOf(r *http.Request, tok string) (ltiStaff, bool) {
	l, err := s.store.LTILaunchByToken(r.Context(), tok)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(r.Context(), "look up LTI launch", "err", err)
		}
		return ltiStaff{}, false
	}
	if l.UserID == 0 {
		return ltiStaff{}, false // a learner's launch
	}
	u, err := s.store.GetUser(r.Context(), l.UserID)
	if err != nil || u.DisabledAt != nil {
		return ltiStaff{}, false
	}
	return ltiStaff{user: u, courseID: l.CourseID}, true
}

// ltiLinkWriter passes a response through, except an HTML page, which it
// holds to add the launch token to the page's links to readable pages of
// the launch's course.
type ltiLinkWriter struct {
	http.ResponseWriter
	s        *Server
	courseID int64
	token    string
	status   int
	html     bool
	decided  bool
	buf      bytes.Buffer
}

func (lw *ltiLinkWriter) decide() {
	if !lw.decided {
		lw.decided = true
		lw.html = strings.HasPrefix(lw.Header().Get("Content-Type"), "text/html")
	}
}

func (lw *ltiLinkWriter) WriteHeader(code int) {
	lw.decide()
	if lw.html {
		lw.status = code
		return
	}
	lw.ResponseWriter.WriteHeader(code)
}

func (lw *ltiLinkWriter) Write(b []byte) (int, error) {
	lw.decide()
	if lw.html {
		return lw.buf.Write(b)
	}
	return lw.ResponseWriter.Write(b)
}

var ltiLinkRE = regexp.MustCompile(`(href|action)="([^"]*)"`)

func (lw *ltiLinkWriter) finish() {
	if !lw.html {
		return
	}
	out := ltiLinkRE.ReplaceAllFunc(lw.buf.Bytes(), func(m []byte) []byte {
		sub := ltiLinkRE.FindSubmatch(m)
		link := string(sub[2])
		if v, ok := lw.s.ltiCarryLink(link, lw.courseID, lw.token); ok {
			return []byte(string(sub[1]) + `="` + v + `"`)
		}
		if string(sub[1]) == "href" && strings.HasPrefix(link, "/") && !strings.HasPrefix(link, lw.s.base+"/static/") {
			// Any other Stride page (the course page, sign-in, the site's
			// navigation) cannot be framed and needs a sign-in: it opens
			// in a tab of its own.
			return []byte(string(m) + ` target="_blank" rel="noopener"`)
		}
		return m
	})
	h := lw.Header()
	h.Del("Content-Length")
	if lw.status == 0 {
		lw.status = http.StatusOK
	}
	lw.ResponseWriter.WriteHeader(lw.status)
	_, _ = lw.ResponseWriter.Write(out)
}

// ltiCarryLink adds the token to an HTML-escaped link when it leads to a
// readable page of course courseID.
func (s *Server) ltiCarryLink(link string, courseID int64, token string) (string, bool) {
	path, rest := link, ""
	if i := strings.IndexAny(link, "?#"); i >= 0 {
		path, rest = link[:i], link[i:]
	}
	if s.base != "" {
		if !strings.HasPrefix(path, s.base+"/") {
			return "", false
		}
		path = strings.TrimPrefix(path, s.base)
	}
	m := ltiReadablePathRE.FindStringSubmatch(path)
	if m == nil || m[1] != strconv.FormatInt(courseID, 10) {
		return "", false
	}
	query, frag := rest, ""
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		query, frag = rest[:i], rest[i:]
	}
	param := ltiTokenParam + "=" + url.QueryEscape(token)
	if query == "" {
		query = "?" + param
	} else {
		query += "&amp;" + param
	}
	return link[:len(link)-len(rest)] + query + frag, true
}

// staffLanding answers an instructor's launch: a staff launch token, and
// the dashboard of the launched item, sorted by that item.
func (h *ltiHandlers) staffLanding(w http.ResponseWriter, r *http.Request, l *lti.Launch, course store.Course, u store.User, tg ltiTargetResult) {
	if tg.assignment == nil {
		h.s.classError(w, r, http.StatusOK, "You teach "+course.Title+" in Stride",
			"Your LMS account is an instructor of this course in Stride. This link opens an exercise for practice, which records nothing, so it has no dashboard; "+
				"link an assignment item (stride lti link --item <id>) to see your students' work here.")
		return
	}
	token, err := store.NewToken()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.s.store.CreateLTILaunch(r.Context(), token, store.LTILaunch{PlatformID: l.Platform.ID, CourseID: course.ID,
		UserID: u.ID, Target: tg.url, ExpiresAt: time.Now().Add(ltiLaunchLifetime)}); err != nil {
		h.fail(w, r, err)
		return
	}
	to := h.s.assignmentURL(course.ID, tg.assignment.ID) + "?sort=" +
		url.QueryEscape(dashboard.SortKey{Column: dashboard.SortItem, ItemID: tg.itemID}.String())
	http.Redirect(w, r, to+"&"+ltiTokenParam+"="+url.QueryEscape(token), http.StatusSeeOther)
}

// ltiFrameBar adapts an item page's assignment bar inside an LMS launch
// (the request carries a learner's launch token): the assignment page
// cannot be framed, so its title is not a link, and the neighbouring
// items' embedded pages are linked instead, with the token carried on.
func (s *Server) ltiFrameBar(r *http.Request, lc learnItemCtx, bar *templates.LearnBar) {
	if !lc.embedded || lc.learner == nil || r.URL.Query().Get(ltiTokenParam) == "" {
		return
	}
	bar.AssignmentURL = ""
	at := func(i int) string {
		it := lc.a.Items[i]
		return ltiCarry(r, s.base+"/embed/"+url.PathEscape(it.ExerciseID)+"?item="+strconv.FormatInt(it.ID, 10))
	}
	if lc.pos > 0 {
		bar.PrevURL = at(lc.pos - 1)
	}
	if lc.pos+1 < len(lc.a.Items) {
		bar.NextURL = at(lc.pos + 1)
	}
}

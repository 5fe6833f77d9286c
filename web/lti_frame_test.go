package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/lti/ltitest"
	"github.com/stride-tutor/stride/internal/store"
)

var dataAttrRE = regexp.MustCompile(`data-([a-z-]+)="([^"]*)"`)

// dataAttrs reads the data attributes of the platform storage page.
func dataAttrs(body string) map[string]string {
	out := map[string]string{}
	for _, m := range dataAttrRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// TestLTIPlatformStorageLaunch is the server side of a launch from an LMS
// that offers platform storage: the login answers with the page that
// stores the state and nonce (no redirect, no cookie), the launch with the
// page that reads them back, and the completion serves the launch only
// with this login's values, once. (The script that moves the values is in
// TestBrowserLTIThirdPartyCookiesBlocked.)
func TestLTIPlatformStorageLaunch(t *testing.T) {
	e := newLTIEnv(t)
	e.plat.StorageTarget = ltitest.StorageFrame
	login := url.Values{"iss": {e.plat.Issuer}, "login_hint": {"u1"}, "target_link_uri": {e.stride.URL + "/lti/launch"},
		"lti_message_hint": {"/exercises/conv-by-hand?seed=2"}, "client_id": {e.plat.ClientID},
		"lti_deployment_id": {e.plat.DeploymentID}, "lti_storage_target": {ltitest.StorageFrame}}
	begin := func(t *testing.T) (map[string]string, url.Values) {
		t.Helper()
		r := e.sendFull(t, http.MethodPost, e.stride.URL+"/lti/login", login, "cross-site")
		d := dataAttrs(r.body)
		if r.code != http.StatusOK || d["lti-storage"] != "put" {
			t.Fatalf("login with lti_storage_target: %d, data %v\n%s", r.code, d, r.body)
		}
		if len(r.cookies) != 0 {
			t.Errorf("the login set cookies: %v", r.cookies)
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https:") || strings.Contains(csp, "frame-ancestors 'self'") {
			t.Errorf("the login page is not framable by the LMS: %s", csp)
		}
		// The page stores the state and nonce the authorization request
		// carries, in the LMS's frame, for the origin of its OIDC
		// authorization URL.
		_, form, err := e.plat.Authorize(d["continue"])
		if err != nil {
			t.Fatal(err)
		}
		auth, _ := url.Parse(d["continue"])
		if d["target"] != ltitest.StorageFrame || d["origin"] != e.plat.Server.URL || d["state"] != form.Get("state") ||
			d["state-key"] != "state_"+d["state"] || d["nonce"] != auth.Query().Get("nonce") || d["nonce-key"] != "nonce_"+d["nonce"] {
			t.Errorf("storage page data %v; authorization request %s", d, d["continue"])
		}
		if !strings.Contains(r.body, `src="/static/lti-storage.`) || strings.Contains(r.body, "<script>") {
			t.Errorf("the page must load lti-storage.js and have no inline script:\n%s", r.body)
		}
		if form.Get("lti_storage_target") != ltitest.StorageFrame {
			t.Errorf("the platform posts lti_storage_target %q", form.Get("lti_storage_target"))
		}
		return d, form
	}
	put, form := begin(t)
	r := e.sendFull(t, http.MethodPost, e.stride.URL+"/lti/launch", form, "cross-site")
	get := dataAttrs(r.body)
	pending := regexp.MustCompile(`name="pending" value="([^"]+)"`).FindStringSubmatch(r.body)
	if r.code != http.StatusOK || get["lti-storage"] != "get" || pending == nil || len(r.cookies) != 0 {
		t.Fatalf("launch: %d, data %v, cookies %v\n%s", r.code, get, r.cookies, r.body)
	}
	if get["state-key"] != put["state-key"] || get["nonce-key"] != put["nonce-key"] || get["origin"] != put["origin"] || get["target"] != put["target"] {
		t.Errorf("the launch reads other keys than the login stored: %v vs %v", get, put)
	}
	if _, leaked := get["state"]; leaked {
		t.Errorf("the launch page carries the values it must read from the LMS: %v", get)
	}
	complete := func(state, nonce string) ltiResp {
		return e.send(t, http.MethodPost, e.stride.URL+"/lti/launch/complete",
			url.Values{"pending": {html.UnescapeString(pending[1])}, "state": {state}, "nonce": {nonce}}, "same-origin")
	}
	// What a browser whose LMS storage lacks the values posts.
	if c := complete("", ""); c.code != http.StatusUnauthorized || !strings.Contains(c.body, "did not begin in this browser") {
		t.Errorf("completion without the stored values: %d\n%s", c.code, c.body)
	}
	if c := complete(put["state"], "another-nonce"); c.code != http.StatusUnauthorized {
		t.Errorf("completion with another nonce: %d", c.code)
	}
	c := complete(put["state"], put["nonce"])
	if c.code != http.StatusSeeOther || !strings.HasPrefix(c.location, "/embed/conv-by-hand?seed=2&lti_launch=") {
		t.Fatalf("completion: %d to %q\n%s", c.code, c.location, c.body)
	}
	if p := e.send(t, http.MethodGet, e.stride.URL+c.location, nil, ""); p.code != http.StatusOK {
		t.Errorf("the launched page: %d", p.code)
	}
	if c := complete(put["state"], put["nonce"]); c.code != http.StatusBadRequest || !strings.Contains(c.body, "already completed") {
		t.Errorf("second completion: %d\n%s", c.code, c.body)
	}
	// A launch posted straight to the completion from another site is
	// refused by the cross-origin protection.
	x := e.send(t, http.MethodPost, e.stride.URL+"/lti/launch/complete", url.Values{"pending": {"x"}}, "cross-site")
	if x.code != http.StatusForbidden {
		t.Errorf("cross-site completion: %d", x.code)
	}
	// A bad frame name is refused, not written into the page.
	bad := url.Values{}
	for k, v := range login {
		bad[k] = v
	}
	bad.Set("lti_storage_target", `x"><img src=x>`)
	if r := e.send(t, http.MethodPost, e.stride.URL+"/lti/login", bad, "cross-site"); r.code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(r.body), "lti_storage_target") {
		t.Errorf("login with a bad storage target: %d", r.code)
	}
	// Without lti_storage_target the login redirects at once, as before,
	// with no cookie: the signed single-use state stands alone.
	login.Del("lti_storage_target")
	if r := e.sendFull(t, http.MethodPost, e.stride.URL+"/lti/login", login, "cross-site"); r.code != http.StatusFound || len(r.cookies) != 0 {
		t.Errorf("login without storage: %d, cookies %v", r.code, r.cookies)
	}
}

type ltiFullResp struct {
	ltiResp
	header  http.Header
	cookies []*http.Cookie
}

func (e *ltiEnv) sendFull(t *testing.T, method, u string, form url.Values, site string) ltiFullResp {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", site)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return ltiFullResp{ltiResp: ltiResp{code: resp.StatusCode, location: resp.Header.Get("Location"), body: b.String()},
		header: resp.Header, cookies: resp.Cookies()}
}

// instructorClaims makes the platform launch a teaching assistant.
func (e *ltiEnv) instructorClaims() {
	e.plat.Claims = func(req ltitest.AuthRequest) map[string]any {
		c := e.plat.LearnerClaims(req)
		c["sub"] = "teacher-1"
		c["name"] = "Grace Hopper"
		c["https://purl.imsglobal.org/spec/lti/claim/roles"] = []string{"http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"}
		return c
	}
}

func (e *ltiEnv) itemTarget(t *testing.T) string {
	t.Helper()
	key, err := e.st.SiteSecret(context.Background(), lti.TargetSecret, 32)
	if err != nil {
		t.Fatal(err)
	}
	item := e.asg.Items[0]
	return fmt.Sprintf("/my/%d/%d?sig=%s", e.asg.ID, item.ID, lti.ItemMAC(key, item.ID))
}

// TestLTIInstructorLandsOnDashboard: an instructor's launch of an
// assignment item lands on the item's dashboard inside the frame, with a
// staff launch token and no cookie; the dashboard's links carry the token
// to the other read-only pages of that course, and nothing else.
func TestLTIInstructorLandsOnDashboard(t *testing.T) {
	e := newLTIEnv(t)
	e.instructorClaims()
	item := e.asg.Items[0]
	r := e.launch(t, e.itemTarget(t))
	want := fmt.Sprintf("/courses/%d/assignments/%d?sort=item-%d&lti_launch=", e.course.ID, e.asg.ID, item.ID)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.location, want) {
		t.Fatalf("instructor launch: %d to %q, want %s…\n%s", r.code, r.location, want, r.body)
	}
	tok := strings.TrimPrefix(r.location, want)
	page := e.sendFull(t, http.MethodGet, e.stride.URL+r.location, nil, "")
	if page.code != http.StatusOK || !strings.Contains(page.body, e.asg.Title) || len(page.cookies) != 0 {
		t.Fatalf("dashboard with the staff token: %d, cookies %v\n%s", page.code, page.cookies, page.body)
	}
	if csp := page.header.Get("Content-Security-Policy"); strings.Contains(csp, "frame-ancestors 'self'") {
		t.Errorf("the dashboard in the frame is not framable: %s", csp)
	}
	// The part and learner pages of the course are linked with the token;
	// the course page (personal links, forms) is not.
	part := fmt.Sprintf(`href="/courses/%d/assignments/%d/items/%d/parts/dims?lti_launch=%s"`, e.course.ID, e.asg.ID, item.ID, tok)
	if !strings.Contains(page.body, part) {
		t.Errorf("the dashboard's part link does not carry the token (want %s)", part)
	}
	if strings.Contains(page.body, fmt.Sprintf(`href="/courses/%d?lti_launch=`, e.course.ID)) {
		t.Error("the course page's link carries the token")
	}
	if !strings.Contains(page.body, fmt.Sprintf(`href="/courses/%d" target="_blank" rel="noopener"`, e.course.ID)) {
		t.Error("the course page's link (not framable, needs a sign-in) does not open a tab of its own")
	}
	sortLink := regexp.MustCompile(`href="(/courses/[0-9]+/assignments/[0-9]+\?sort=[^"]*lti_launch=[^"]*#grid)"`).FindStringSubmatch(page.body)
	if sortLink == nil {
		t.Error("the sort links do not carry the token before the fragment")
	}
	for _, p := range []string{
		fmt.Sprintf("/courses/%d/assignments/%d/items/%d/parts/dims", e.course.ID, e.asg.ID, item.ID),
		fmt.Sprintf("/courses/%d/learners/%d", e.course.ID, e.learn.ID),
		fmt.Sprintf("/courses/%d/assignments/%d/gradebook.csv", e.course.ID, e.asg.ID),
	} {
		if g := e.send(t, http.MethodGet, e.stride.URL+p+"?lti_launch="+tok, nil, ""); g.code != http.StatusOK {
			t.Errorf("%s with the staff token: %d", p, g.code)
		}
	}
	// Another course's dashboard, the course page, the edit page and a
	// form post: the token grants none of them.
	for _, p := range []string{
		fmt.Sprintf("/courses/%d/assignments/%d", e.other.ID, e.asgB.ID),
		fmt.Sprintf("/courses/%d/assignments/%d", e.course.ID, e.asgB.ID),
		fmt.Sprintf("/courses/%d", e.course.ID),
		fmt.Sprintf("/courses/%d/assignments/%d/edit", e.course.ID, e.asg.ID),
		fmt.Sprintf("/courses/%d/assignments/%d/links", e.course.ID, e.asg.ID),
	} {
		if g := e.send(t, http.MethodGet, e.stride.URL+p+"?lti_launch="+tok, nil, ""); g.code == http.StatusOK {
			t.Errorf("%s with the staff token: 200", p)
		}
	}
	post := e.send(t, http.MethodPost, e.stride.URL+fmt.Sprintf("/courses/%d/members?lti_launch=%s", e.course.ID, tok),
		url.Values{"email": {"x@example.edu"}}, "same-origin")
	if post.code == http.StatusOK || post.code == http.StatusSeeOther && !strings.Contains(post.location, "/signin") {
		t.Errorf("a form post with the staff token: %d to %s", post.code, post.location)
	}
	// An exercise target has no dashboard: the frame says so (framable).
	r = e.launch(t, "/exercises/conv-by-hand")
	if r.code != http.StatusOK || !strings.Contains(r.body, "no dashboard") {
		t.Errorf("instructor launch of an exercise: %d\n%s", r.code, r.body)
	}
}

// staffReadable is what a staff launch token is meant to read: the
// dashboard of its course, never a form, the roster or another course.
var staffReadable = map[string]bool{
	"GET /courses/{course}/assignments/{assignment}":                           true,
	"GET /courses/{course}/assignments/{assignment}/items/{item}/parts/{part}": true,
	"GET /courses/{course}/assignments/{assignment}/gradebook.csv":             true,
	"GET /courses/{course}/assignments/{assignment}/attempts.jsonl":            true,
	"GET /courses/{course}/learners/{learner}":                                 true,
}

// TestLTIStaffTokenMatrix: over every class route, a staff launch token
// reaches exactly the read-only dashboard routes of its own course; a
// learner's launch token reaches no staff route; with either token every
// other route answers as it does to an anonymous request.
func TestLTIStaffTokenMatrix(t *testing.T) {
	e := newLTIEnv(t)
	ctx := context.Background()
	p, err := e.st.LTIPlatformsByIssuer(ctx, e.plat.Issuer)
	if err != nil || len(p) != 1 {
		t.Fatal(err)
	}
	mk := func(l store.LTILaunch) string {
		tok, err := store.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		l.PlatformID, l.ExpiresAt, l.Target = p[0].ID, time.Now().Add(time.Hour), "/embed/conv-by-hand"
		if err := e.st.CreateLTILaunch(ctx, tok, l); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	staff := mk(store.LTILaunch{CourseID: e.course.ID, UserID: e.instA.ID})
	otherStaff := mk(store.LTILaunch{CourseID: e.other.ID, UserID: e.instB.ID})
	learner := mk(store.LTILaunch{CourseID: e.course.ID, LearnerID: e.learn.ID})
	for _, rt := range e.srv.classes.routes {
		path := e.fill(rt.Pattern, e.ids())
		key := rt.Method + " " + rt.Pattern
		anon := e.serve(e.request(rt.Method, path, url.Values{}))
		for _, tc := range []struct {
			name, tok string
			allowed   bool
		}{
			{"staff token", staff, staffReadable[key]},
			{"other course's staff token", otherStaff, false},
			{"learner token", learner, false},
		} {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			w := e.serve(e.request(rt.Method, path+sep+"lti_launch="+url.QueryEscape(tc.tok), url.Values{}))
			if w.Code >= 500 {
				t.Errorf("%s with a %s: %d", key, tc.name, w.Code)
			}
			if tc.allowed {
				if w.Code != http.StatusOK {
					t.Errorf("%s with a %s: %d, want 200", key, tc.name, w.Code)
				}
				continue
			}
			if rt.Policy == policyPublic || rt.Policy == policyCourseLearner {
				continue // not staff routes; the learner token's own reach is TestLTILaunchAssignmentItem
			}
			if got, want := denial(w, rt.Method), denial(anon, rt.Method); got != want && !(want == http.StatusUnauthorized && got == http.StatusNotFound) {
				t.Errorf("%s with a %s: %d, anonymous %d", key, tc.name, got, want)
			}
			if w.Code == http.StatusOK {
				t.Errorf("%s with a %s: 200", key, tc.name)
			}
		}
	}
}

var strideLinkRE = regexp.MustCompile(`(href|action|src|data-ws-url)="(/[^"]*)"`)

// untokenedLinks lists the page's links to Stride pages (not its static
// files, not fragment links) that do not carry the launch token.
func untokenedLinks(body, tok string) []string {
	var out []string
	for _, m := range strideLinkRE.FindAllStringSubmatch(body, -1) {
		u := html.UnescapeString(m[2])
		if strings.HasPrefix(u, "/static/") || m[1] == "data-ws-url" {
			continue // assets; the animation websocket needs no identity (unlock tokens are in the page)
		}
		if !strings.Contains(u, "lti_launch="+tok) {
			out = append(out, m[1]+"="+u)
		}
	}
	return out
}

// TestLTIFrameLearnerNavigation: inside a learner's launch, every link and
// form of the item page keeps the launch token: the check, hints and the
// worked-solution button (one form), the previous and next items (the
// assignment page, which cannot be framed, is not linked), and the pages
// those lead to; answers posted there are recorded for the LMS learner.
func TestLTIFrameLearnerNavigation(t *testing.T) {
	e := newLTIEnv(t)
	ctx := context.Background()
	a, err := e.st.CreateAssignment(ctx, store.NewAssignment{CourseID: e.course.ID, Title: "Two items",
		Settings: store.Settings{TimeZone: "UTC", Feedback: store.ShowImmediately, Solutions: store.ShowAfterAttempt, Score: store.ScoreBest},
		Items: []store.NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedShared, Points: 2},
			{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedShared, Seed: 3, Points: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.st.SiteSecret(ctx, lti.TargetSecret, 32)
	if err != nil {
		t.Fatal(err)
	}
	first, second := a.Items[0], a.Items[1]
	r := e.launch(t, fmt.Sprintf("/my/%d/%d?sig=%s", a.ID, first.ID, lti.ItemMAC(key, first.ID)))
	if r.code != http.StatusSeeOther {
		t.Fatalf("launch: %d %s", r.code, r.body)
	}
	tok := r.location[strings.Index(r.location, "lti_launch=")+len("lti_launch="):]
	page := e.send(t, http.MethodGet, e.stride.URL+r.location, nil, "")
	if page.code != http.StatusOK {
		t.Fatalf("first item: %d", page.code)
	}
	if bad := untokenedLinks(page.body, tok); len(bad) != 0 {
		t.Errorf("links of the first item without the launch token: %q", bad)
	}
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(page.body)
	if next == nil || strings.Contains(page.body, `rel="prev"`) || strings.Contains(page.body, `href="/my/`) {
		t.Fatalf("first item's bar: next %v, or a previous or assignment link\n%s", next, page.body)
	}
	want := fmt.Sprintf("/embed/conv-by-hand?item=%d&lti_launch=%s", second.ID, tok)
	if html.UnescapeString(next[1]) != want {
		t.Errorf("next link %q, want %q", next[1], want)
	}
	page = e.send(t, http.MethodGet, e.stride.URL+want, nil, "")
	if page.code != http.StatusOK || !strings.Contains(page.body, `rel="prev"`) || strings.Contains(page.body, `rel="next"`) {
		t.Fatalf("second item: %d\n%s", page.code, page.body)
	}
	if bad := untokenedLinks(page.body, tok); len(bad) != 0 {
		t.Errorf("links of the second item without the launch token: %q", bad)
	}
	// A check with a hint taken, posted to the page's own form.
	ak := attemptKeyRE.FindStringSubmatch(page.body)
	act := formActionRE.FindStringSubmatch(page.body)
	if ak == nil || act == nil {
		t.Fatal("second item has no attempt key or tokened form")
	}
	post := e.send(t, http.MethodPost, e.stride.URL+html.UnescapeString(act[1]),
		url.Values{"attempt_key": {ak[1]}, "a.dims": {"3x3"}, "hints.dims": {"1"}}, "same-origin")
	if post.code != http.StatusOK {
		t.Fatalf("check on the second item: %d %s", post.code, post.body)
	}
	if bad := untokenedLinks(post.body, tok); len(bad) != 0 {
		t.Errorf("links after the check without the launch token: %q", bad)
	}
	l, err := e.st.LearnerByLTI(ctx, e.course.ID, e.plat.Issuer, "student-u1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.st.ListAttempts(ctx, store.AttemptFilter{LearnerID: l.ID, Limit: 100})
	if err != nil || len(got) != 1 || got[0].ItemID != second.ID || got[0].Part != "dims" {
		t.Fatalf("attempts of the LMS learner: %+v, %v", got, err)
	}
}

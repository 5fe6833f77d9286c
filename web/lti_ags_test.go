package web

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/lti/ltitest"
	"github.com/stride-tutor/stride/internal/store"
)

// Grades and rosters end to end (issue 12 §3-4): a real Stride server
// (httptest) on a database that outlives it, the platform simulator, and
// the outbox worker driven by a test clock (RunOnce, or Run with a test
// timer), so nothing waits on wall time.

// agsClock is the outbox's clock.
type agsClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *agsClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *agsClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// agsEnv is Stride (restartable on the same database) and an LMS.
type agsEnv struct {
	t      *testing.T
	dir    string
	st     *store.Store
	app    *App
	stride *httptest.Server
	plat   *ltitest.Platform
	clk    *agsClock
	client *http.Client
	owner  store.User
	course store.Course
	asg    store.Assignment
	item   store.Item
	target string
}

// tLogWriter sends the server's log to the test's.
type tLogWriter struct{ t *testing.T }

func (w tLogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// testBackoff is the retry delay in tests: n minutes before retry n.
func testBackoff(n int) time.Duration { return time.Duration(n) * time.Minute }

func newAGSEnv(t *testing.T) *agsEnv {
	t.Helper()
	// Whole milliseconds, as the database keeps times.
	e := &agsEnv{t: t, dir: testDataDir(t), clk: &agsClock{t: time.Now().Truncate(time.Millisecond)},
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	e.plat = ltitest.New(t)
	e.open()
	ctx := context.Background()
	var err error
	if e.owner, err = e.st.CreateUser(ctx, store.NewUser{Email: "owner@example.edu", Name: "Owner", Role: store.RoleInstructor, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if e.course, err = e.st.CreateCourse(ctx, store.NewCourse{Title: "Course A", TimeZone: "UTC", CreatedBy: e.owner.ID}); err != nil {
		t.Fatal(err)
	}
	settings := store.Settings{TimeZone: "UTC", Feedback: store.ShowImmediately, Solutions: store.ShowAfterAttempt, Score: store.ScoreBest}
	if e.asg, err = e.st.CreateAssignment(ctx, store.NewAssignment{CourseID: e.course.ID, Title: "HW 1", Settings: settings,
		Items: []store.NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedPerLearner, Points: 2}}}); err != nil {
		t.Fatal(err)
	}
	e.item = e.asg.Items[0]
	if _, err := e.st.AddLTIPlatform(ctx, store.NewLTIPlatform{Issuer: e.plat.Issuer, ClientID: e.plat.ClientID,
		AuthURL: e.plat.AuthURL(), TokenURL: e.plat.TokenURL(), JWKSURL: e.plat.JWKSURL(), DeploymentIDs: []string{e.plat.DeploymentID}}); err != nil {
		t.Fatal(err)
	}
	key, err := e.st.SiteSecret(ctx, lti.TargetSecret, 32)
	if err != nil {
		t.Fatal(err)
	}
	e.target = fmt.Sprintf("/my/%d/%d?sig=%s", e.asg.ID, e.item.ID, lti.ItemMAC(key, e.item.ID))
	return e
}

// open starts Stride on the env's database.
func (e *agsEnv) open() {
	e.t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: e.dir})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	e.app = newTestHandler(e.t, Config{Store: st, Logger: slog.New(slog.NewTextHandler(tLogWriter{e.t}, nil))})
	g := e.app.server.grades
	g.now, g.backoff = e.clk.Now, testBackoff
	e.stride = httptest.NewServer(e.app.Handler)
	e.t.Cleanup(e.stride.Close)
	e.plat.SetToolJWKS(e.stride.URL + "/lti/jwks")
}

// restart stops Stride (server, worker, database) and starts a new one on
// the same database: what is queued must survive.
func (e *agsEnv) restart() {
	e.t.Helper()
	e.stride.Close()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// sync runs the worker over what is due now.
func (e *agsEnv) sync() lti.Result {
	e.t.Helper()
	res, err := e.app.server.grades.worker.RunOnce(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *agsEnv) lti() *ltiEnv { return &ltiEnv{stride: e.stride, plat: e.plat, client: e.client} }

// agsLearner is an LMS student in the iframe: their launch token and
// variant.
type agsLearner struct {
	sub      string
	location string // the launched page, with the launch token
	learner  store.Learner
	v        *exercises.Variant
}

// launchAs launches the item as the LMS user sub.
func (e *agsEnv) launchAs(sub string) *agsLearner {
	e.t.Helper()
	e.plat.Claims = func(req ltitest.AuthRequest) map[string]any {
		c := e.plat.LearnerClaims(req)
		c["sub"] = sub
		return c
	}
	r := e.lti().launch(e.t, e.target)
	if r.code != http.StatusSeeOther {
		e.t.Fatalf("launch of %s: %d %s", sub, r.code, r.body)
	}
	ctx := context.Background()
	l, err := e.st.LearnerByLTI(ctx, e.course.ID, e.plat.Issuer, sub)
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := e.app.server.itemVariant(ctx, e.item, l.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if n := len(scoredParts(v)); n < 2 {
		e.t.Fatalf("%s's variant of conv-by-hand has %d scored parts; the tests need two", sub, n)
	}
	return &agsLearner{sub: sub, location: r.location, learner: l, v: v}
}

// check answers parts in the launched page (a form post inside the
// iframe, no cookies): right gives each part's accepted answer, wrong a
// wrong one.
func (e *agsEnv) check(l *agsLearner, right, wrong []string) {
	e.t.Helper()
	page := e.lti().send(e.t, http.MethodGet, e.stride.URL+l.location, nil, "")
	ak := attemptKeyRE.FindStringSubmatch(page.body)
	act := formActionRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || ak == nil || act == nil {
		e.t.Fatalf("item page: %d, key %v, action %v", page.code, ak, act)
	}
	form := url.Values{"attempt_key": {ak[1]}}
	for _, id := range right {
		p, _ := l.v.Part(id)
		form.Set("a."+id, p.Input)
	}
	for _, id := range wrong {
		form.Set("a."+id, answerFor(e.t, l.v, id, exercises.StatusIncorrect, "", func(n int) string { return fmt.Sprint(n) }))
	}
	post := e.lti().send(e.t, http.MethodPost, e.stride.URL+html.UnescapeString(act[1]), form, "same-origin")
	if post.code != http.StatusOK {
		e.t.Fatalf("check: %d %s", post.code, post.body)
	}
}

// scoredParts lists the ids of the variant's parts Stride scores.
func scoredParts(v *exercises.Variant) []string {
	var out []string
	for _, p := range v.Parts {
		if p.Kind != exercises.KindSelfCheck {
			out = append(out, p.ID)
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestLTIGradesEndToEnd: launch, check in the page, and the score arrives
// at a line item Stride created in the LMS, in points; checks within the
// coalescing window are one request carrying the latest score; the access
// token is reused until it expires.
func TestLTIGradesEndToEnd(t *testing.T) {
	e := newAGSEnv(t)
	ada := e.launchAs("ada")
	parts := scoredParts(ada.v)
	if len(parts) < 2 {
		t.Fatalf("conv-by-hand has %d scored parts; the test needs two", len(parts))
	}
	// Two checks within the window: the first part right, then the first
	// two right.
	e.check(ada, parts[:1], nil)
	e.clk.Add(time.Second)
	e.check(ada, parts[:2], nil)
	if res := e.sync(); res.Sent != 0 || e.plat.ScorePosts() != 0 {
		t.Fatalf("sent %+v before the coalescing window ended", res)
	}
	e.clk.Add(ltiCoalesceWindow)
	if res := e.sync(); res.Sent != 1 {
		t.Fatalf("after the window: %+v, want one score sent", res)
	}
	items := e.plat.LineItems()
	if len(items) != 1 || items[0].ScoreMaximum != 2 || items[0].ResourceLinkID != "rl-1" || !strings.Contains(items[0].Label, "HW 1") {
		t.Fatalf("line items %+v, want one Stride created with scoreMaximum 2", items)
	}
	want := 2 * 2 / float64(len(parts))
	got, ok := e.plat.Result(items[0].ID, "ada")
	if !ok || !near(got.ScoreGiven, want) || got.ScoreMaximum != 2 || got.ActivityProgress != lti.ActivityInProgress ||
		got.GradingProgress != lti.GradingFullyGraded || e.plat.ScorePosts() != 1 {
		t.Fatalf("result %+v (%d posts), want %g of 2 InProgress FullyGraded in one post", got, e.plat.ScorePosts(), want)
	}
	// Every part right: completed, full points.
	e.check(ada, parts, nil)
	e.clk.Add(ltiCoalesceWindow)
	e.sync()
	got, _ = e.plat.Result(items[0].ID, "ada")
	if got.ScoreGiven != 2 || got.ActivityProgress != lti.ActivityCompleted {
		t.Fatalf("after solving: %+v, want 2 of 2 Completed", got)
	}
	// One token served the line item and both scores; the stored line
	// item is reused.
	if n := e.plat.TokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1 (cached)", n)
	}
	if len(e.plat.LineItems()) != 1 {
		t.Errorf("line items %+v, want the one", e.plat.LineItems())
	}
	// Checking again with the same result sends nothing new.
	posts := e.plat.ScorePosts()
	e.check(ada, parts, nil)
	e.clk.Add(ltiCoalesceWindow)
	if res := e.sync(); res.Sent != 0 || e.plat.ScorePosts() != posts {
		t.Errorf("an unchanged score was sent again: %+v", res)
	}
	// Past the token's lifetime a new one is requested.
	e.clk.Add(time.Hour)
	grace := e.launchAs("grace")
	gparts := scoredParts(grace.v) // per-learner seeds: her variant may have other parts
	e.check(grace, gparts[:1], nil)
	e.clk.Add(ltiCoalesceWindow)
	e.sync()
	if n := e.plat.TokenRequests(); n != 2 {
		t.Errorf("%d token requests after the token expired, want 2", n)
	}
	if got, ok := e.plat.Result(items[0].ID, "grace"); !ok || !near(got.ScoreGiven, 2/float64(len(gparts))) {
		t.Errorf("grace's result %+v, %v", got, ok)
	}
}

// TestLTIGradesLaunchLineItem: when the launch names the link's line item,
// scores go there and Stride creates none.
func TestLTIGradesLaunchLineItem(t *testing.T) {
	e := newAGSEnv(t)
	li := e.plat.AddLineItem("Convolution", 2, "rl-1")
	ada := e.launchAs("ada")
	e.check(ada, scoredParts(ada.v), nil)
	e.clk.Add(ltiCoalesceWindow)
	e.sync()
	if got, ok := e.plat.Result(li, "ada"); !ok || got.ScoreGiven != 2 {
		t.Fatalf("result at the launch's line item: %+v %v", got, ok)
	}
	if n := len(e.plat.LineItems()); n != 1 {
		t.Errorf("%d line items, want the LMS's one", n)
	}
}

// TestLTIGradesOutageAndRestart: the LMS's score service fails for a
// while; scores keep coming; Stride restarts in between; when the LMS
// recovers every learner's latest score arrives, once.
func TestLTIGradesOutageAndRestart(t *testing.T) {
	e := newAGSEnv(t)
	ada, grace := e.launchAs("ada"), e.launchAs("grace")
	parts, gparts := scoredParts(ada.v), scoredParts(grace.v)
	e.plat.FailScores(http.StatusServiceUnavailable, "down for maintenance", -1)
	e.check(ada, parts[:1], nil)
	e.check(grace, gparts[:1], nil)
	e.clk.Add(ltiCoalesceWindow)
	if res := e.sync(); res.Retrying != 2 || len(e.plat.Scores()) != 0 {
		t.Fatalf("during the outage: %+v, %d scores accepted", res, len(e.plat.Scores()))
	}
	// Not retried before the backoff (1 min for the first retry).
	e.clk.Add(30 * time.Second)
	if res := e.sync(); res != (lti.Result{}) {
		t.Fatalf("retried during backoff: %+v", res)
	}
	// Ada improves meanwhile: her pending row takes the new score.
	e.check(ada, parts, nil)
	e.clk.Add(30 * time.Second)
	if res := e.sync(); res.Retrying != 2 {
		t.Fatalf("second try: %+v", res)
	}
	// The sync log shows them pending with the LMS's message.
	log, err := e.st.LTISyncLog(context.Background(), e.item.ID)
	if err != nil || len(log) != 2 || log[0].State != store.ScorePending || !strings.Contains(log[0].LastError, "503") ||
		!strings.Contains(log[0].LastError, "down for maintenance") || log[0].Attempts != 2 {
		t.Fatalf("sync log during the outage: %+v, %v", log, err)
	}
	// Stride restarts; the launch token still works and grace improves.
	e.restart()
	e.check(grace, gparts[:2], nil)
	// An hour of outage: the worker keeps trying, loses nothing.
	for range 6 {
		e.clk.Add(10 * time.Minute)
		e.sync()
	}
	if len(e.plat.Scores()) != 0 {
		t.Fatal("scores accepted while the LMS was down")
	}
	e.plat.RecoverScores()
	e.clk.Add(time.Hour)
	if res := e.sync(); res.Sent != 2 || res.Retrying != 0 {
		t.Fatalf("after recovery: %+v, want both sent", res)
	}
	li := e.plat.LineItems()[0].ID
	wantGrace := 2 * 2 / float64(len(gparts))
	if got, ok := e.plat.Result(li, "ada"); !ok || got.ScoreGiven != 2 || got.ActivityProgress != lti.ActivityCompleted {
		t.Errorf("ada's result %+v, want her latest 2 of 2", got)
	}
	if got, ok := e.plat.Result(li, "grace"); !ok || !near(got.ScoreGiven, wantGrace) {
		t.Errorf("grace's result %+v, want her latest %g", got, wantGrace)
	}
	if n := len(e.plat.Scores()); n != 2 {
		t.Errorf("%d scores accepted, want one per learner (the latest)", n)
	}
	// Nothing is left to send.
	e.clk.Add(time.Hour)
	if res := e.sync(); res != (lti.Result{}) {
		t.Errorf("after everything was sent: %+v", res)
	}
}

// TestLTIGradesWorkerRun drives the worker's loop with a test timer: a
// check wakes it, it waits for the coalescing window, sends, and stops
// when its context ends.
func TestLTIGradesWorkerRun(t *testing.T) {
	e := newAGSEnv(t)
	ada := e.launchAs("ada")
	waits := make(chan time.Duration)
	fire := make(chan time.Time)
	after := func(d time.Duration) <-chan time.Time {
		waits <- d
		return fire
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.app.server.grades.worker.Run(ctx, after)
	}()
	if d := <-waits; d != 30*time.Second {
		t.Fatalf("idle wait %v, want the 30 s poll", d)
	}
	e.check(ada, scoredParts(ada.v), nil) // wakes the worker
	if d := <-waits; d != ltiCoalesceWindow {
		t.Fatalf("wait after a check %v, want the coalescing window", d)
	}
	e.clk.Add(ltiCoalesceWindow)
	fire <- e.clk.Now()
	if d := <-waits; d != 30*time.Second {
		t.Fatalf("wait after sending %v, want the idle poll", d)
	}
	if got, ok := e.plat.LatestScore("ada"); !ok || got.ScoreGiven != 2 {
		t.Fatalf("score %+v %v", got, ok)
	}
	cancel()
	<-done
}

// TestLTIGradesSyncLogAndResend: a permanent LMS error (Canvas refuses
// scores in an unpublished course) shows in the item's sync log; after it
// is fixed, "resend all" sends every score again.
func TestLTIGradesSyncLogAndResend(t *testing.T) {
	e := newAGSEnv(t)
	ada := e.launchAs("ada")
	e.plat.FailScores(http.StatusUnprocessableEntity, `{"errors":[{"message":"Course not available for student"}]}`, -1)
	e.check(ada, scoredParts(ada.v), nil)
	e.clk.Add(ltiCoalesceWindow)
	if res := e.sync(); res.Failed != 1 {
		t.Fatalf("sync: %+v, want a permanent failure", res)
	}
	// A failed row is not retried by itself.
	e.clk.Add(24 * time.Hour)
	if res := e.sync(); res != (lti.Result{}) {
		t.Fatalf("a failed row was retried: %+v", res)
	}
	sess, _, err := e.st.CreateSession(context.Background(), e.owner.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	staff := func(method, path string, form url.Values) ltiResp {
		t.Helper()
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, e.stride.URL+path, body)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess})
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return ltiResp{code: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
	}
	logURL := fmt.Sprintf("/courses/%d/assignments/%d/items/%d/lms", e.course.ID, e.asg.ID, e.item.ID)
	page := staff(http.MethodGet, logURL, nil)
	if page.code != http.StatusOK || !strings.Contains(page.body, "Failed") || !strings.Contains(page.body, "Course not available for student") ||
		!strings.Contains(page.body, "Ada Lovelace") {
		t.Fatalf("sync log page: %d %s", page.code, page.body)
	}
	if cp := staff(http.MethodGet, fmt.Sprintf("/courses/%d", e.course.ID), nil); !strings.Contains(cp.body, fmt.Sprintf(`href="/courses/%d/lms"`, e.course.ID)) {
		t.Errorf("the course page does not link to its LMS page: %s", cp.body)
	}
	if dp := staff(http.MethodGet, fmt.Sprintf("/courses/%d/assignments/%d", e.course.ID, e.asg.ID), nil); !strings.Contains(dp.body, fmt.Sprintf(`href="/courses/%d/lms"`, e.course.ID)) {
		t.Errorf("the dashboard does not link to the LMS grade sync: %d", dp.code)
	}
	course := staff(http.MethodGet, fmt.Sprintf("/courses/%d/lms", e.course.ID), nil)
	if course.code != http.StatusOK || !strings.Contains(course.body, logURL) || !strings.Contains(course.body, "Pull roster from the LMS") {
		t.Fatalf("course LMS page: %d %s", course.code, course.body)
	}
	// Cross-site posts are refused (CSRF).
	req, _ := http.NewRequest(http.MethodPost, e.stride.URL+logURL+"/resend", strings.NewReader(""))
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess})
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := e.client.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site resend: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	e.plat.RecoverScores()
	r := staff(http.MethodPost, logURL+"/resend", url.Values{})
	if r.code != http.StatusSeeOther || !strings.Contains(r.location, "done=resent&n=1") {
		t.Fatalf("resend: %d %q %s", r.code, r.location, r.body)
	}
	// Due at once: no coalescing window for a resend.
	if res := e.sync(); res.Sent != 1 {
		t.Fatalf("after resend: %+v", res)
	}
	if got, ok := e.plat.LatestScore("ada"); !ok || got.ScoreGiven != 2 {
		t.Fatalf("resent score %+v %v", got, ok)
	}
	page = staff(http.MethodGet, logURL, nil)
	if !strings.Contains(page.body, "sync-sent") || strings.Contains(page.body, "Course not available") {
		t.Errorf("sync log after resend: %s", page.body)
	}
	// Policy: only on completion. A partial score of a new learner is
	// not queued; their completion is.
	if r := staff(http.MethodPost, logURL+"/policy", url.Values{"policy": {"completion"}}); r.code != http.StatusSeeOther {
		t.Fatalf("policy: %d %s", r.code, r.body)
	}
	if r := staff(http.MethodPost, logURL+"/policy", url.Values{"policy": {"sometimes"}}); r.code != http.StatusBadRequest {
		t.Errorf("bad policy: %d, want 400", r.code)
	}
	grace := e.launchAs("grace")
	parts := scoredParts(grace.v)
	e.check(grace, parts[:1], nil)
	e.clk.Add(ltiCoalesceWindow)
	e.sync()
	if _, ok := e.plat.LatestScore("grace"); ok {
		t.Fatal("a partial score was sent under the completion policy")
	}
	e.check(grace, parts, nil)
	e.clk.Add(ltiCoalesceWindow)
	e.sync()
	if got, ok := e.plat.LatestScore("grace"); !ok || got.ScoreGiven != 2 || got.ActivityProgress != lti.ActivityCompleted {
		t.Errorf("completion score %+v %v", got, ok)
	}
}

// TestLTIRosterPull: "pull roster from the LMS" reads every page of the
// course's memberships and lists the students who never launched Stride;
// instructors and inactive members are not made students.
func TestLTIRosterPull(t *testing.T) {
	e := newAGSEnv(t)
	e.launchAs("ada") // the launch says where the roster is
	e.plat.SetMembers([]ltitest.Member{
		{UserID: "ada", Name: "Ada Lovelace", Roles: []string{ltitest.RoleLearner}},
		{UserID: "grace", Name: "Grace Hopper", Email: "grace@example.edu", Roles: []string{ltitest.RoleLearner}},
		{UserID: "prof", Name: "Prof. X", Roles: []string{ltitest.RoleInstructor}},
		{UserID: "gone", Name: "Dropped", Status: "Inactive", Roles: []string{ltitest.RoleLearner}},
		{UserID: "alan", Name: "Alan Turing", Roles: []string{ltitest.RoleLearner}},
	}, 2)
	sess, _, err := e.st.CreateSession(context.Background(), e.owner.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.stride.URL+fmt.Sprintf("/courses/%d/lms/roster", e.course.ID), strings.NewReader(""))
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess})
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "added=2&pulled=3") {
		t.Fatalf("roster pull: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ = http.NewRequest(http.MethodGet, e.stride.URL+resp.Header.Get("Location"), nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess})
	if page, err := e.client.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(page.Body)
		page.Body.Close()
		if !strings.Contains(string(b), "Pulled the roster from the LMS: 3 students, 2 of them new to Stride.") {
			t.Errorf("LMS page after the pull: %d %s", page.StatusCode, b)
		}
	}
	if n := e.plat.MembershipRequests(); n != 3 {
		t.Errorf("%d membership pages read, want 3 (5 members, 2 per page)", n)
	}
	ls, err := e.st.ListLearners(context.Background(), e.course.ID)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, l := range ls {
		names[l.Name] = true
	}
	if len(ls) != 3 || !names["Grace Hopper"] || !names["Alan Turing"] || names["Prof. X"] || names["Dropped"] {
		t.Fatalf("learners after the pull: %+v", ls)
	}
	// The pulled learner is the one a later launch finds.
	before := len(ls)
	e.launchAs("grace")
	if ls, _ := e.st.ListLearners(context.Background(), e.course.ID); len(ls) != before {
		t.Errorf("grace's launch made a second learner: %+v", ls)
	}
}

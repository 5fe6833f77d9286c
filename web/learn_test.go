package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/store"
)

// learnEnv is a server with a fresh SQLite database, one instructor and
// one course.
type learnEnv struct {
	t      testing.TB
	st     *store.Store
	app    *App
	srv    *httptest.Server
	course store.Course
	user   store.User
}

func newLearnEnv(t *testing.T) *learnEnv { return newLearnEnvTB(t) }

func newLearnEnvTB(t testing.TB) *learnEnv { return newLearnEnvConfig(t, Config{}) }

// newLearnEnvConfig is newLearnEnv with more configuration (its store is
// the env's).
func newLearnEnvConfig(t testing.TB, cfg Config) *learnEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: testDataDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "teacher@example.org", Name: "T", Role: store.RoleInstructor})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateCourse(ctx, store.NewCourse{Title: "Deep learning", TimeZone: "Europe/Berlin", CreatedBy: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = st
	app := newTestHandler(t, cfg)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return &learnEnv{t: t, st: st, app: app, srv: srv, course: c, user: u}
}

// defaultSettings: open, no due date, unlimited attempts, feedback and
// solutions as in practice.
func defaultSettings() store.Settings {
	return store.Settings{TimeZone: "Europe/Berlin", Feedback: store.ShowImmediately, Solutions: store.ShowImmediately,
		Score: store.ScoreBest, LateCounts: true}
}

func (e *learnEnv) assignment(st store.Settings, share string, items ...store.NewItem) store.Assignment {
	e.t.Helper()
	if len(items) == 0 {
		items = []store.NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedRecitation, Points: 1}}
	}
	a, err := e.st.CreateAssignment(context.Background(), store.NewAssignment{CourseID: e.course.ID, Title: "Homework 1",
		Settings: st, Items: items, CreatedBy: e.user.ID, ShareToken: share})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// learner adds a roster learner with a personal link token.
func (e *learnEnv) learner(name string) (store.Learner, string) {
	e.t.Helper()
	tok, err := store.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	l, err := e.st.CreateLearner(context.Background(), store.NewLearner{CourseID: e.course.ID, Source: store.SourceRoster,
		RosterID: name, Name: name, LinkToken: tok})
	if err != nil {
		e.t.Fatal(err)
	}
	return l, tok
}

// device is one browser: its own cookie jar, redirects not followed.
type device struct {
	e *learnEnv
	c *http.Client
}

func (e *learnEnv) device() *device {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &device{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type resp struct {
	code int
	body string
	loc  string
	hdr  http.Header
}

func (d *device) do(method, path string, body io.Reader, header map[string]string) resp {
	d.e.t.Helper()
	req, err := http.NewRequest(method, d.e.srv.URL+path, body)
	if err != nil {
		d.e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := d.c.Do(req)
	if err != nil {
		d.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{code: res.StatusCode, body: string(b), loc: res.Header.Get("Location"), hdr: res.Header}
}

func (d *device) get(path string) resp { return d.do(http.MethodGet, path, nil, nil) }

func (d *device) post(path string, form url.Values) resp {
	return d.do(http.MethodPost, path, strings.NewReader(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func (d *device) api(path string, body any, sameOrigin bool) resp {
	b, _ := json.Marshal(body)
	h := map[string]string{"Content-Type": "application/json"}
	if sameOrigin {
		h["Sec-Fetch-Site"] = "same-origin"
	}
	return d.do(http.MethodPost, path, strings.NewReader(string(b)), h)
}

// open follows a personal link on this device.
func (d *device) open(token string) {
	d.e.t.Helper()
	r := d.get("/l/" + token)
	if r.code != http.StatusSeeOther || r.loc != "/my" {
		d.e.t.Fatalf("personal link: %d to %q, want 303 to /my", r.code, r.loc)
	}
}

var attemptKeyRE = regexp.MustCompile(`name="attempt_key" value="([^"]+)"`)

// submit loads the item page (for a fresh attempt key) and posts answers.
func (d *device) submit(a store.Assignment, item int, answers map[string]string) resp {
	d.e.t.Helper()
	path := fmt.Sprintf("/my/%d/%d", a.ID, a.Items[item].ID)
	page := d.get(path)
	m := attemptKeyRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || m == nil {
		d.e.t.Fatalf("item page: %d, attempt key %v\n%s", page.code, m, clip(page.body, 300))
	}
	form := url.Values{"attempt_key": {m[1]}}
	for k, v := range answers {
		form.Set("a."+k, v)
	}
	return d.post(path, form)
}

func (e *learnEnv) attempts(l store.Learner) []store.Attempt {
	e.t.Helper()
	list, err := e.st.ListAttempts(context.Background(), store.AttemptFilter{LearnerID: l.ID, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func TestLearnPersonalLinkAndMyPage(t *testing.T) {
	e := newLearnEnv(t)
	due := time.Date(2031, 5, 4, 21, 30, 0, 0, time.UTC)
	st := defaultSettings()
	st.DueAt = &due
	a := e.assignment(st, "")
	_, tok := e.learner("ada")
	d := e.device()
	if r := d.get("/my"); r.code != http.StatusOK || !strings.Contains(r.body, "does not know you") {
		t.Fatalf("/my before a link: %d %s", r.code, clip(r.body, 200))
	}
	if r := d.get(fmt.Sprintf("/my/%d", a.ID)); r.code < 400 || r.code >= 500 {
		t.Fatalf("/my/{a} without a learner: %d, want a 4xx", r.code)
	}
	d.open(tok)
	r := d.get("/my")
	// The due date is shown in the assignment's zone: 21:30 UTC is 23:30 in Berlin in May.
	for _, want := range []string{"Deep learning", "ada", "Homework 1", "0 of 1 done", "23:30 CEST (Europe/Berlin)"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/my lacks %q", want)
		}
	}
	r = d.get(fmt.Sprintf("/my/%d", a.ID))
	if r.code != http.StatusOK || !strings.Contains(r.body, "Not started") || !strings.Contains(r.body, "Convolution by hand") {
		t.Errorf("/my/{a}: %d %s", r.code, clip(r.body, 400))
	}
	for _, bad := range []string{"/l/nope", "/l/" + strings.Repeat("x", 200)} {
		if r := e.device().get(bad); r.code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad[:10], r.code)
		}
	}
}

func TestLearnSharedLink(t *testing.T) {
	e := newLearnEnv(t)
	a := e.assignment(defaultSettings(), "share-token-123")
	d := e.device()
	if r := d.get("/a/share-token-123"); r.code != http.StatusOK || !strings.Contains(r.body, `name="name"`) {
		t.Fatalf("shared link form: %d", r.code)
	}
	if r := d.get("/a/wrong"); r.code != http.StatusNotFound {
		t.Errorf("unknown shared link: %d, want 404", r.code)
	}
	tests := []struct {
		name, want string
	}{
		{"   ", "Your name is empty"},
		{strings.Repeat("é", maxSelfName+1), fmt.Sprintf("the limit is %d", maxSelfName)},
		{"bad\x01name", "cannot be shown"},
	}
	for _, tt := range tests {
		r := d.post("/a/share-token-123", url.Values{"name": {tt.name}})
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, tt.want) {
			t.Errorf("name %q: %d, want 400 saying %q", clip(tt.name, 10), r.code, tt.want)
		}
	}
	r := d.post("/a/share-token-123", url.Values{"name": {"  Grace   Hopper "}})
	if want := fmt.Sprintf("/my/%d", a.ID); r.code != http.StatusSeeOther || r.loc != want {
		t.Fatalf("shared link post: %d to %q, want 303 to %s", r.code, r.loc, want)
	}
	list, err := e.st.ListLearners(context.Background(), e.course.ID)
	if err != nil || len(list) != 1 || list[0].Name != "Grace Hopper" || list[0].Source != store.SourceSelf {
		t.Fatalf("learners %+v, %v; want one self-declared Grace Hopper", list, err)
	}
	if r := d.get("/my"); !strings.Contains(r.body, "(self-declared)") {
		t.Error("/my does not say self-declared")
	}
	if r := d.get("/a/share-token-123"); !strings.Contains(r.body, "Continue as Grace Hopper") {
		t.Error("the shared link does not offer to continue as the known learner")
	}
}

func TestLearnRecordRestoreAnotherDevice(t *testing.T) {
	e := newLearnEnv(t)
	a := e.assignment(defaultSettings(), "")
	ada, tok := e.learner("ada")
	d := e.device()
	d.open(tok)
	r := d.submit(a, 0, map[string]string{"dims": "3x3", "bottom-right": "22", "dims-padded": "5 by", "bottom-right-padded": ""})
	if r.code != http.StatusOK {
		t.Fatalf("submit: %d %s", r.code, clip(r.body, 300))
	}
	got := e.attempts(ada)
	// The invalid and the blank answer are not attempts.
	if len(got) != 2 {
		t.Fatalf("%d attempts recorded, want 2: %+v", len(got), got)
	}
	byPart := map[string]store.Attempt{}
	for _, at := range got {
		byPart[at.Part] = at
	}
	if at := byPart["bottom-right"]; at.DiagnosisCode != "conv.flipped-kernel" || at.Verdict != "incorrect" || at.Answer != "22" ||
		at.Source != store.FromPage || at.ItemID != a.Items[0].ID || at.Seed != 0 {
		t.Errorf("bottom-right attempt %+v", at)
	}
	if at := byPart["dims"]; at.Verdict != "correct" || at.Score != 1 {
		t.Errorf("dims attempt %+v", at)
	}
	// Another device, the same personal link: the same learner, answers
	// and verdicts restored from the server.
	d2 := e.device()
	d2.open(tok)
	page := d2.get(fmt.Sprintf("/my/%d/%d", a.ID, a.Items[0].ID))
	for _, want := range []string{`value="22"`, `value="3x3"`, "verdict-incorrect", "verdict-correct", "Score on this question: 0.25 of 1 point"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("restored page lacks %q", want)
		}
	}
	if p := d2.get(fmt.Sprintf("/my/%d", a.ID)); !strings.Contains(p.body, "In progress") {
		t.Error("assignment page does not show the item in progress")
	}
	// Posting the page again with the same answers uses no attempt.
	d2.submit(a, 0, map[string]string{"dims": "3x3", "bottom-right": "22"})
	if n := len(e.attempts(ada)); n != 2 {
		t.Errorf("%d attempts after resubmitting unchanged answers, want 2", n)
	}
	// Practice outside the assignment stays anonymous, cookie or not.
	d2.post("/exercises/conv-by-hand", url.Values{"a.dims": {"4x4"}})
	if n := len(e.attempts(ada)); n != 2 {
		t.Errorf("practice was recorded: %d attempts", n)
	}
}

func TestLearnIdempotentRetry(t *testing.T) {
	e := newLearnEnv(t)
	a := e.assignment(defaultSettings(), "")
	ada, tok := e.learner("ada")
	d := e.device()
	d.open(tok)
	path := fmt.Sprintf("/my/%d/%d", a.ID, a.Items[0].ID)
	first := url.Values{"attempt_key": {"key-one-aaaa"}, "a.dims": {"4x4"}}
	d.post(path, first)
	d.post(path, url.Values{"attempt_key": {"key-two-bbbb"}, "a.dims": {"2x2"}})
	// The first post retried (a lost response): its answer differs from
	// the last one, but its key was recorded, so nothing is added.
	if r := d.post(path, first); r.code != http.StatusOK {
		t.Fatalf("retry: %d", r.code)
	}
	got := e.attempts(ada)
	if len(got) != 2 || got[0].Answer != "4x4" || got[1].Answer != "2x2" {
		t.Fatalf("attempts %+v, want 4x4 then 2x2", got)
	}
	for _, bad := range []string{"", "short", strings.Repeat("k", 65), "has space in it"} {
		if r := d.post(path, url.Values{"attempt_key": {bad}, "a.dims": {"3x3"}}); r.code != http.StatusBadRequest || !strings.Contains(strings.ToLower(r.body), "attempt_key") {
			t.Errorf("attempt key %q: %d, want 400 naming attempt_key", bad, r.code)
		}
	}
	for field, val := range map[string]string{"shown_ms": "-1", "hints.dims": "99"} {
		r := d.post(path, url.Values{"attempt_key": {"key-three-c"}, "a.dims": {"3x3"}, field: {val}})
		if r.code != http.StatusBadRequest || !strings.Contains(strings.ToLower(r.body), field) {
			t.Errorf("%s=%s: %d, want 400 naming it", field, val, r.code)
		}
	}
	r := d.post(path, url.Values{"attempt_key": {"key-four-dd"}, "a.dims": {"3x3"}, "shown_ms": {"12345"}, "hints.dims": {"1"}})
	if r.code != http.StatusOK {
		t.Fatalf("post with hints: %d", r.code)
	}
	got = e.attempts(ada)
	last := got[len(got)-1]
	if last.HintsOpened != 1 || last.Elapsed == nil || *last.Elapsed != 12345*time.Millisecond {
		t.Errorf("hints %d elapsed %v, want 1 and 12.345s", last.HintsOpened, last.Elapsed)
	}
}

func TestLearnAttemptLimitAndSolutions(t *testing.T) {
	e := newLearnEnv(t)
	st := defaultSettings()
	st.AttemptsAllowed = 2
	st.Solutions = store.ShowAfterAttempt
	a := e.assignment(st, "")
	ada, tok := e.learner("ada")
	d := e.device()
	d.open(tok)
	r := d.submit(a, 0, map[string]string{"bottom-right": "22"})
	if !strings.Contains(r.body, "1 of 2 attempts left") {
		t.Errorf("attempts left not shown")
	}
	// A wrong answer with an attempt left: the worked solution (with −22)
	// stays closed, and no reveal button is offered.
	if strings.Contains(r.body, "Answer: ") || strings.Contains(r.body, `name="reveal"`) {
		t.Errorf("the solution or a reveal button is on the page while attempts are left")
	}
	r = d.submit(a, 0, map[string]string{"bottom-right": "21"})
	if !strings.Contains(r.body, "No attempts left") || !strings.Contains(r.body, "Answer: ") {
		t.Errorf("out of attempts: the note or the opened solution is missing")
	}
	r = d.submit(a, 0, map[string]string{"bottom-right": "-22"})
	if r.code != http.StatusConflict || !strings.Contains(r.body, "used every attempt") {
		t.Errorf("third attempt: %d, want 409 with a clear message", r.code)
	}
	if strings.Contains(r.body, "verdict-correct") {
		t.Error("a refused answer was checked")
	}
	if n := len(e.attempts(ada)); n != 2 {
		t.Errorf("%d attempts stored, want 2", n)
	}
}

func TestLearnFeedbackPolicies(t *testing.T) {
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(240 * time.Hour)
	tests := []struct {
		name     string
		feedback store.ShowPolicy
		due      *time.Time
		shown    bool
	}{
		{"immediately", store.ShowImmediately, nil, true},
		{"never", store.ShowNever, nil, false},
		{"after due, before it", store.ShowAfterDue, &future, false},
		{"after due, past it", store.ShowAfterDue, &past, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLearnEnv(t)
			st := defaultSettings()
			st.Feedback, st.Solutions, st.DueAt = tt.feedback, tt.feedback, tt.due
			a := e.assignment(st, "")
			_, tok := e.learner("ada")
			d := e.device()
			d.open(tok)
			d.submit(a, 0, map[string]string{"bottom-right": "22", "dims": "9x9"})
			page := d.get(fmt.Sprintf("/my/%d/%d", a.ID, a.Items[0].ID))
			hasVerdict := strings.Contains(page.body, "verdict-incorrect") || strings.Contains(page.body, "Not quite")
			if hasVerdict != tt.shown {
				t.Errorf("verdict shown %v, want %v", hasVerdict, tt.shown)
			}
			if !tt.shown {
				for _, leak := range []string{"−22", "-22", "You flipped the filter", "Score on this question"} {
					if strings.Contains(page.body, leak) {
						t.Errorf("page shows %q with feedback held back", leak)
					}
				}
				if !strings.Contains(page.body, "Answer recorded") || !strings.Contains(page.body, `value="22"`) {
					t.Error("the recorded answer is not shown as recorded")
				}
			}
			if tt.due == &past && !strings.Contains(page.body, "Answered after the due date") {
				t.Error("late answer not marked")
			}
		})
	}
}

func TestLearnClosedBeforeOpening(t *testing.T) {
	e := newLearnEnv(t)
	opens := time.Now().Add(48 * time.Hour)
	st := defaultSettings()
	st.OpensAt = &opens
	a := e.assignment(st, "")
	ada, tok := e.learner("ada")
	d := e.device()
	d.open(tok)
	r := d.get(fmt.Sprintf("/my/%d", a.ID))
	if r.code != http.StatusOK || !strings.Contains(r.body, "This assignment opens on") ||
		strings.Contains(r.body, fmt.Sprintf(`href="/my/%d/`, a.ID)) {
		t.Errorf("closed assignment page: %d, links to items or no opening date", r.code)
	}
	path := fmt.Sprintf("/my/%d/%d", a.ID, a.Items[0].ID)
	if r := d.get(path); r.code != http.StatusForbidden {
		t.Errorf("item before opening: %d, want 403", r.code)
	}
	if r := d.post(path, url.Values{"attempt_key": {"key-one-aaaa"}, "a.dims": {"3x3"}}); r.code != http.StatusForbidden {
		t.Errorf("post before opening: %d, want 403", r.code)
	}
	r = d.api("/api/v1/exercises/conv-by-hand/check", map[string]any{"item": a.Items[0].ID, "key": "key-one-aaaa", "answers": map[string]string{"dims": "3x3"}}, true)
	if r.code != http.StatusForbidden {
		t.Errorf("API before opening: %d, want 403", r.code)
	}
	if n := len(e.attempts(ada)); n != 0 {
		t.Errorf("%d attempts before opening", n)
	}
}

func TestLearnAPIAndEmbedRecord(t *testing.T) {
	e := newLearnEnv(t)
	st := defaultSettings()
	st.AttemptsAllowed = 3
	a := e.assignment(st, "")
	ada, tok := e.learner("ada")
	d := e.device()
	path := "/api/v1/exercises/conv-by-hand/check"
	body := map[string]any{"item": a.Items[0].ID, "key": "api-key-0001", "answers": map[string]string{"bottom-right": "22"},
		"hints": map[string]int{"bottom-right": 1}, "shown_ms": 5000}
	if r := d.api(path, body, true); r.code != http.StatusForbidden || !strings.Contains(r.body, `"field":"item"`) {
		t.Errorf("no learner cookie: %d %s", r.code, r.body)
	}
	d.open(tok)
	if r := d.api(path, body, false); r.code != http.StatusForbidden {
		t.Errorf("not same-origin: %d, want 403", r.code)
	}
	for i := 0; i < 2; i++ { // the second is a retry with the same key
		r := d.api(path, body, true)
		if r.code != http.StatusOK {
			t.Fatalf("API check: %d %s", r.code, r.body)
		}
		var out checkResponse
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatal(err)
		}
		v := out.Parts["bottom-right"]
		if v.Mistake != "conv.flipped-kernel" || v.AttemptsLeft == nil || *v.AttemptsLeft != 2 {
			t.Errorf("API verdict %+v, want flipped-kernel with 2 attempts left", v)
		}
		if v.SolutionHTML == "" {
			t.Error("solution policy immediately: the attempted part's solution is missing")
		}
	}
	got := e.attempts(ada)
	if len(got) != 1 || got[0].Source != store.FromAPI || got[0].HintsOpened != 1 || got[0].Elapsed == nil {
		t.Fatalf("API attempts %+v, want one from the API with hints and time", got)
	}
	for name, b := range map[string]map[string]any{
		"bad key":        {"item": a.Items[0].ID, "key": "x", "answers": map[string]string{}},
		"seed given":     {"item": a.Items[0].ID, "key": "api-key-0002", "seed": 3, "answers": map[string]string{}},
		"too many hints": {"item": a.Items[0].ID, "key": "api-key-0002", "hints": map[string]int{"dims": 50}, "answers": map[string]string{}},
		"other exercise": {"item": a.Items[0].ID, "key": "api-key-0002", "answers": map[string]string{}},
	} {
		p := path
		if name == "other exercise" {
			p = "/api/v1/exercises/cnn-parameters/check"
		}
		if r := d.api(p, b, true); r.code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400: %s", name, r.code, r.body)
		}
	}
	// The embed with ?item= records the same way.
	embed := fmt.Sprintf("/embed/conv-by-hand?item=%d", a.Items[0].ID)
	page := d.get(embed)
	m := attemptKeyRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || m == nil || !strings.Contains(page.body, `value="22"`) {
		t.Fatalf("embed item page: %d, key %v, restored 22 missing", page.code, m)
	}
	if r := d.post(embed, url.Values{"attempt_key": {m[1]}, "a.dims": {"3x3"}}); r.code != http.StatusOK {
		t.Fatalf("embed post: %d", r.code)
	}
	got = e.attempts(ada)
	if len(got) != 2 || got[1].Source != store.FromEmbed || got[1].Part != "dims" {
		t.Errorf("embed attempt %+v", got[len(got)-1])
	}
	if r := e.device().get(embed); r.code != http.StatusForbidden || !strings.Contains(r.body, "Open your assignment link first") {
		t.Errorf("embed without a learner: %d", r.code)
	}
}

func TestLearnPerLearnerSeeds(t *testing.T) {
	e := newLearnEnv(t)
	a := e.assignment(defaultSettings(), "", store.NewItem{ExerciseID: "conv-output-size", SeedPolicy: store.SeedPerLearner, Points: 1})
	ada, tokA := e.learner("ada")
	bob, tokB := e.learner("bob")
	key, err := e.app.server.secret(context.Background(), seedSecretName)
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[int64]uint64{}
	for _, lt := range []struct {
		l   store.Learner
		tok string
	}{{ada, tokA}, {bob, tokB}} {
		want := courses.LearnerSeed(key, lt.l.ID, a.Items[0].ID)
		for i := 0; i < 2; i++ { // stable across devices
			d := e.device()
			d.open(lt.tok)
			page := d.get(fmt.Sprintf("/my/%d/%d", a.ID, a.Items[0].ID))
			if !strings.Contains(page.body, fmt.Sprintf(`data-seed="%d"`, want)) {
				t.Fatalf("%s's page does not show seed %d", lt.l.Name, want)
			}
		}
		seeds[lt.l.ID] = want
	}
	if seeds[ada.ID] == seeds[bob.ID] {
		t.Errorf("two learners got the same seed %d", seeds[ada.ID])
	}
}

// TestLearnRevealRecorded: where solutions show immediately, asking for one
// before answering opens it, is recorded, and stays open on reload; where
// they show after an attempt, the request opens nothing and records nothing.
func TestLearnRevealRecorded(t *testing.T) {
	for _, pol := range []store.ShowPolicy{store.ShowImmediately, store.ShowAfterAttempt} {
		t.Run(string(pol), func(t *testing.T) {
			e := newLearnEnv(t)
			st := defaultSettings()
			st.Solutions = pol
			a := e.assignment(st, "")
			ada, tok := e.learner("ada")
			d := e.device()
			d.open(tok)
			path := fmt.Sprintf("/my/%d/%d", a.ID, a.Items[0].ID)
			d.post(path, url.Values{"attempt_key": {"key-reveal-1"}, "reveal": {"bottom-right"}})
			page := d.get(path)
			got := e.attempts(ada)
			opened := strings.Contains(page.body, "Answer: ")
			if pol == store.ShowImmediately {
				if len(got) != 1 || got[0].Verdict != solutionShownVerdict || got[0].Part != "bottom-right" || !opened {
					t.Errorf("attempts %+v, solution open %v; want one solution-shown and the solution open", got, opened)
				}
			} else if len(got) != 0 || opened {
				t.Errorf("attempts %+v, solution open %v; want none and closed", got, opened)
			}
		})
	}
}

// TestLearnEmbedPostCrossOrigin: a recording embed post from another site
// is refused like every class form.
func TestLearnEmbedPostCrossOrigin(t *testing.T) {
	e := newLearnEnv(t)
	a := e.assignment(defaultSettings(), "")
	ada, tok := e.learner("ada")
	d := e.device()
	d.open(tok)
	embed := fmt.Sprintf("/embed/conv-by-hand?item=%d", a.Items[0].ID)
	form := url.Values{"attempt_key": {"key-cross-01"}, "a.dims": {"3x3"}}
	r := d.do(http.MethodPost, embed, strings.NewReader(form.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if r.code != http.StatusForbidden {
		t.Errorf("cross-site embed post: %d, want 403", r.code)
	}
	if n := len(e.attempts(ada)); n != 0 {
		t.Errorf("%d attempts recorded from another site", n)
	}
}

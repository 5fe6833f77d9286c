package web

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/lti/ltitest"
	"github.com/stride-tutor/stride/internal/store"
)

// ltiEnv is a real Stride server (httptest) with a class fixture and a
// simulated LMS registered with it.
type ltiEnv struct {
	*classEnv
	stride *httptest.Server
	plat   *ltitest.Platform
	// client never follows redirects and keeps no cookies: inside an LMS
	// iframe with third-party cookies blocked, Stride gets none.
	client *http.Client
}

func newLTIEnv(t *testing.T) *ltiEnv { return newLTIEnvConfig(t, Config{}) }

// newLTIEnvConfig is newLTIEnv with more configuration.
func newLTIEnvConfig(t *testing.T, cfg Config) *ltiEnv {
	t.Helper()
	e := &ltiEnv{classEnv: newClassEnv(t, cfg)}
	// The real learner lookup (the class fixture replaces it with a header).
	e.srv.classes.findLearner = e.srv.learnerFor
	e.stride = httptest.NewServer(e.app.Handler)
	t.Cleanup(e.stride.Close)
	e.plat = ltitest.New(t)
	if _, err := e.st.AddLTIPlatform(context.Background(), store.NewLTIPlatform{Issuer: e.plat.Issuer, ClientID: e.plat.ClientID,
		AuthURL: e.plat.AuthURL(), TokenURL: e.plat.TokenURL(), JWKSURL: e.plat.JWKSURL(), DeploymentIDs: []string{e.plat.DeploymentID}}); err != nil {
		t.Fatal(err)
	}
	e.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

type ltiResp struct {
	code     int
	location string
	body     string
}

// send makes a request as the browser would; site is the Sec-Fetch-Site
// it sends ("cross-site" for the LMS's form posts).
func (e *ltiEnv) send(t *testing.T, method, u string, form url.Values, site string) ltiResp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return ltiResp{code: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
var formActionRE = regexp.MustCompile(`<form[^>]*action="([^"]*lti_launch[^"]*)"`)

// launch runs the whole flow: login initiation posted by the LMS, the
// platform's authorization endpoint, and the launch it posts. It returns
// the launch's answer.
func (e *ltiEnv) launch(t *testing.T, target string) ltiResp {
	t.Helper()
	login := e.send(t, http.MethodPost, e.stride.URL+"/lti/login", url.Values{
		"iss": {e.plat.Issuer}, "login_hint": {"u1"}, "target_link_uri": {e.stride.URL + "/lti/launch"},
		"lti_message_hint": {target}, "client_id": {e.plat.ClientID}, "lti_deployment_id": {e.plat.DeploymentID},
	}, "cross-site")
	if login.code != http.StatusFound || !strings.HasPrefix(login.location, e.plat.AuthURL()+"?") {
		t.Fatalf("login: %d to %q: %s", login.code, login.location, login.body)
	}
	auth := e.send(t, http.MethodGet, login.location, nil, "")
	if auth.code != http.StatusOK {
		t.Fatalf("platform auth: %d %s", auth.code, auth.body)
	}
	fields := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(auth.body, -1) {
		fields.Set(m[1], html.UnescapeString(m[2]))
	}
	action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(auth.body)
	if action == nil || html.UnescapeString(action[1]) != e.stride.URL+"/lti/launch" {
		t.Fatalf("platform form posts to %v, want %s", action, e.stride.URL+"/lti/launch")
	}
	return e.send(t, http.MethodPost, e.stride.URL+"/lti/launch", fields, "cross-site")
}

// TestLTILaunchAssignmentItem: a student launched from the LMS lands on the
// assignment item, answers it in a page that gets no cookie, and the
// attempt is recorded for the LMS learner in the assignment's course.
func TestLTILaunchAssignmentItem(t *testing.T) {
	e := newLTIEnv(t)
	item := e.asg.Items[0]
	ctx := context.Background()
	key, err := e.st.SiteSecret(ctx, lti.TargetSecret, 32)
	if err != nil {
		t.Fatal(err)
	}
	target := fmt.Sprintf("/my/%d/%d?sig=%s", e.asg.ID, item.ID, lti.ItemMAC(key, item.ID))
	// An unsigned or wrongly signed item target is refused: it would link
	// the item's course to the LMS course and make the LMS's instructors
	// its instructors.
	for _, bad := range []string{fmt.Sprintf("/my/%d/%d", e.asg.ID, item.ID), target + "x",
		fmt.Sprintf("/embed/conv-by-hand?item=%d&sig=%s", item.ID, lti.ItemMAC(key, item.ID+1))} {
		if r := e.launch(t, bad); r.code != http.StatusForbidden || !strings.Contains(r.body, "not signed") {
			t.Errorf("launch of %s: %d, want 403", bad, r.code)
		}
	}
	r := e.launch(t, target)
	wantPrefix := fmt.Sprintf("/embed/conv-by-hand?item=%d&lti_launch=", item.ID)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.location, wantPrefix) {
		t.Fatalf("launch: %d to %q, want 303 to %s…: %s", r.code, r.location, wantPrefix, r.body)
	}
	l, err := e.st.LearnerByLTI(ctx, e.course.ID, e.plat.Issuer, "student-u1")
	if err != nil || l.Name != "Ada Lovelace" || l.Source != store.SourceLTI {
		t.Fatalf("LTI learner %+v, %v", l, err)
	}
	page := e.send(t, http.MethodGet, e.stride.URL+r.location, nil, "")
	ak := attemptKeyRE.FindStringSubmatch(page.body)
	act := formActionRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || ak == nil || act == nil {
		t.Fatalf("item page: %d, key %v, action %v", page.code, ak, act)
	}
	post := e.send(t, http.MethodPost, e.stride.URL+html.UnescapeString(act[1]), url.Values{"attempt_key": {ak[1]}, "a.dims": {"3x3"}}, "same-origin")
	if post.code != http.StatusOK {
		t.Fatalf("answer: %d %s", post.code, post.body)
	}
	got, err := e.st.ListAttempts(ctx, store.AttemptFilter{LearnerID: l.ID, Limit: 100})
	if err != nil || len(got) != 1 || got[0].Part != "dims" {
		t.Fatalf("attempts of the LMS learner: %+v, %v", got, err)
	}
	// The course is now linked to the LMS context; a second launch of the
	// same student finds the same learner.
	r = e.launch(t, target)
	if r.code != http.StatusSeeOther {
		t.Fatalf("second launch: %d %s", r.code, r.body)
	}
	if ls, _ := e.st.ListLearners(ctx, e.course.ID); len(ls) != 2 { // Ada (roster) and the LMS learner
		t.Errorf("learners after two launches: %+v", ls)
	}
	// Without the token the same page has no learner.
	if p := e.send(t, http.MethodGet, e.stride.URL+fmt.Sprintf("/embed/conv-by-hand?item=%d", item.ID), nil, ""); p.code != http.StatusForbidden {
		t.Errorf("item page without the launch token: %d, want 403", p.code)
	}
	if p := e.send(t, http.MethodGet, e.stride.URL+fmt.Sprintf("/embed/conv-by-hand?item=%d&lti_launch=forged", item.ID), nil, ""); p.code != http.StatusForbidden {
		t.Errorf("item page with a forged launch token: %d, want 403", p.code)
	}
}

// TestLTILaunchExerciseAndRoles: an exercise target opens its embeddable
// page; an instructor's launch makes them an instructor of the LMS course.
func TestLTILaunchExerciseAndRoles(t *testing.T) {
	e := newLTIEnv(t)
	r := e.launch(t, "/exercises/conv-by-hand?seed=3")
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.location, "/embed/conv-by-hand?seed=3&lti_launch=") {
		t.Fatalf("launch: %d to %q: %s", r.code, r.location, r.body)
	}
	if p := e.send(t, http.MethodGet, e.stride.URL+r.location, nil, ""); p.code != http.StatusOK {
		t.Errorf("exercise page: %d", p.code)
	}
	ctx := context.Background()
	c, err := e.st.EnsureLTICourse(ctx, store.LTIContext{Issuer: e.plat.Issuer, DeploymentID: e.plat.DeploymentID, ContextID: "ctx-1"}, "UTC")
	if err != nil || c.Title != "Deep Learning 101" {
		t.Fatalf("LMS course %+v %v", c, err)
	}
	e.plat.Claims = func(req ltitest.AuthRequest) map[string]any {
		cl := e.plat.LearnerClaims(req)
		cl["sub"] = "teacher-1"
		cl["https://purl.imsglobal.org/spec/lti/claim/roles"] = []string{"http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"}
		return cl
	}
	r = e.launch(t, "/exercises/conv-by-hand")
	if r.code != http.StatusOK || !strings.Contains(r.body, "instructor of this course") {
		t.Fatalf("instructor launch: %d %s", r.code, r.body)
	}
	ms, err := e.st.ListMembers(ctx, c.ID)
	if err != nil || len(ms) != 1 || ms[0].Role != store.MemberInstructor {
		t.Errorf("members of the LMS course: %+v %v", ms, err)
	}
}

// TestLTILaunchRefusals: every bad launch is a clear 4xx page, never a 5xx.
func TestLTILaunchRefusals(t *testing.T) {
	forged, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := func(name string, v any) func(e *ltiEnv) {
		return func(e *ltiEnv) {
			e.plat.Claims = func(req ltitest.AuthRequest) map[string]any {
				c := e.plat.LearnerClaims(req)
				c[name] = v
				return c
			}
		}
	}
	for _, tc := range []struct {
		name   string
		before func(e *ltiEnv)
		target string
		status int
		msg    string
	}{
		{"wrong signature", func(e *ltiEnv) { e.plat.SignWith = forged }, "", 401, "signature does not verify"},
		{"unknown issuer", set("iss", "https://other-lms.example"), "", 403, "issuer"},
		{"wrong audience", set("aud", "another-tool"), "", 401, "aud"},
		{"expired", set("exp", 1000), "", 401, "expired"},
		{"unknown deployment", set("https://purl.imsglobal.org/spec/lti/claim/deployment_id", "nope"), "", 403, "deployment"},
		{"wrong message type", set("https://purl.imsglobal.org/spec/lti/claim/message_type", "LtiStartProctoring"), "", 400, "message type"},
		{"deep linking", set("https://purl.imsglobal.org/spec/lti/claim/message_type", "LtiDeepLinkingRequest"), "", 400, "deep_linking_settings"},
		{"no context", set("https://purl.imsglobal.org/spec/lti/claim/context", nil), "", 400, "no course"},
		{"unknown target", nil, "/signin", 400, "does not name a Stride exercise"},
		{"unknown exercise", nil, "/exercises/nope", 400, "does not have"},
		{"unsigned item", nil, "/my/1/999999", 403, "not signed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLTIEnv(t)
			if tc.before != nil {
				tc.before(e)
			}
			target := tc.target
			if target == "" {
				target = "/exercises/conv-by-hand"
			}
			r := e.launch(t, target)
			if r.code != tc.status || !strings.Contains(html.UnescapeString(r.body), tc.msg) {
				t.Errorf("launch: %d, want %d with %q:\n%s", r.code, tc.status, tc.msg, r.body)
			}
		})
	}
	t.Run("replayed and missing state", func(t *testing.T) {
		e := newLTIEnv(t)
		var captured url.Values
		login := e.send(t, http.MethodGet, e.stride.URL+"/lti/login?"+url.Values{"iss": {e.plat.Issuer}, "login_hint": {"u"},
			"target_link_uri": {"x"}, "lti_message_hint": {"/exercises/conv-by-hand"}}.Encode(), nil, "cross-site")
		_, captured, err := e.plat.Authorize(login.location)
		if err != nil {
			t.Fatal(err)
		}
		if r := e.send(t, http.MethodPost, e.stride.URL+"/lti/launch", captured, "cross-site"); r.code != http.StatusSeeOther {
			t.Fatalf("first launch: %d %s", r.code, r.body)
		}
		if r := e.send(t, http.MethodPost, e.stride.URL+"/lti/launch", captured, "cross-site"); r.code != http.StatusBadRequest || !strings.Contains(r.body, "already used") {
			t.Errorf("replayed launch: %d %s", r.code, r.body)
		}
		captured.Del("state")
		if r := e.send(t, http.MethodPost, e.stride.URL+"/lti/launch", captured, "cross-site"); r.code != http.StatusBadRequest || !strings.Contains(r.body, "no state") {
			t.Errorf("launch without state: %d %s", r.code, r.body)
		}
		if r := e.send(t, http.MethodPost, e.stride.URL+"/lti/launch", url.Values{"id_token": {strings.Repeat("x", maxLTIFormBytes)}}, "cross-site"); r.code != http.StatusBadRequest {
			t.Errorf("oversized launch: %d", r.code)
		}
		if r := e.send(t, http.MethodGet, e.stride.URL+"/lti/login?iss=https://unknown", nil, "cross-site"); r.code != http.StatusBadRequest {
			t.Errorf("login without hint: %d", r.code)
		}
	})
}

func TestLTIJWKSAndCanvasConfig(t *testing.T) {
	e := newLTIEnv(t)
	r := e.send(t, http.MethodGet, e.stride.URL+"/lti/jwks", nil, "")
	set, err := jwk.Parse([]byte(r.body))
	if r.code != http.StatusOK || err != nil || set.Len() != 1 {
		t.Fatalf("jwks: %d %v %s", r.code, err, r.body)
	}
	r = e.send(t, http.MethodGet, e.stride.URL+"/lti/config.json", nil, "")
	var cfg struct {
		OIDC   string `json:"oidc_initiation_url"`
		Target string `json:"target_link_uri"`
		JWK    string `json:"public_jwk_url"`
	}
	if err := json.Unmarshal([]byte(r.body), &cfg); err != nil || r.code != http.StatusOK {
		t.Fatalf("config.json: %d %v", r.code, err)
	}
	if cfg.OIDC != e.stride.URL+"/lti/login" || cfg.Target != e.stride.URL+"/lti/launch" || cfg.JWK != e.stride.URL+"/lti/jwks" {
		t.Errorf("config.json URLs: %+v", cfg)
	}
}

package web

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/lti/ltitest"
	"github.com/stride-tutor/stride/internal/store"
)

// dlResp is a response with its headers.
type dlResp struct {
	ltiResp
	header http.Header
}

// sendH is send with the response headers and an optional session cookie.
func (e *ltiEnv) sendH(t *testing.T, method, u string, form url.Values, site, session string) dlResp {
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
	if session != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return dlResp{ltiResp{code: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}, resp.Header}
}

var (
	dlTokenRE  = regexp.MustCompile(`name="dl" value="([^"]+)"`)
	jwtFieldRE = regexp.MustCompile(`name="JWT" value="([^"]+)"`)
	actionRE   = regexp.MustCompile(`<form method="post" action="([^"]+)" data-lti-autosubmit`)
)

// pick opens the picker of a deep linking launch and returns its token.
func (e *ltiEnv) pick(t *testing.T) string {
	t.Helper()
	tok, _ := e.pickPage(t)
	return tok
}

// pickPage is pick with the picker's page.
func (e *ltiEnv) pickPage(t *testing.T) (string, string) {
	t.Helper()
	r := e.launch(t, "/exercises/conv-by-hand")
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.location, "/lti/deeplink?dl=") {
		t.Fatalf("deep linking launch: %d to %q: %s", r.code, r.location, r.body)
	}
	page := e.sendH(t, http.MethodGet, e.stride.URL+r.location, nil, "", "")
	m := dlTokenRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || m == nil {
		t.Fatalf("picker: %d %s", page.code, page.body)
	}
	// The picker is shown inside the LMS frame.
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https:") {
		t.Errorf("picker CSP %q does not let the LMS frame it", csp)
	}
	return html.UnescapeString(m[1]), page.body
}

// submit posts the picker and, when it answers with the response form,
// posts the JWT to the LMS as the browser would.
func (e *ltiEnv) submit(t *testing.T, dl *ltitest.DeepLinking, form url.Values) dlResp {
	t.Helper()
	r := e.sendH(t, http.MethodPost, e.stride.URL+"/lti/deeplink", form, "same-origin", "")
	if r.code != http.StatusOK {
		return r
	}
	act, jwt := actionRE.FindStringSubmatch(r.body), jwtFieldRE.FindStringSubmatch(r.body)
	if act == nil || jwt == nil {
		t.Fatalf("response page has no auto-submitting form: %s", r.body)
	}
	if got := html.UnescapeString(act[1]); got != dl.ReturnURL() {
		t.Fatalf("response form posts to %s, want the return URL %s", got, dl.ReturnURL())
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+e.plat.Server.URL+";") {
		t.Errorf("response CSP %q does not allow the post to the LMS", csp)
	}
	if strings.Contains(r.body, "<script>") || !strings.Contains(r.body, "/static/lti.") {
		t.Errorf("response page must load lti.js and have no inline script: %s", r.body)
	}
	lms, err := http.PostForm(dl.ReturnURL(), url.Values{"JWT": {html.UnescapeString(jwt[1])}})
	if err != nil {
		t.Fatal(err)
	}
	lms.Body.Close()
	return r
}

// TestLTIDeepLinking: an instructor's deep linking launch opens the
// picker; the chosen exercises come back to the LMS as a signed response
// that verifies with Stride's JWKS, with line items and custom parameters;
// a student's launch of a returned link lands on its item; the picker
// works once.
func TestLTIDeepLinking(t *testing.T) {
	e := newLTIEnv(t)
	ctx := context.Background()
	dl := e.plat.EnableDeepLinking(t, e.stride.URL+"/lti/jwks")
	e.plat.Claims = dl.InstructorClaims
	token := e.pick(t)
	form := url.Values{dlParam: {token}, "do": {"add"}, "exercise": {"conv-by-hand", "attention-parameters"},
		"parts-conv-by-hand": {"dims"}, "points-conv-by-hand": {"3"}, "points-attention-parameters": {"2.5"},
		"seed_policy": {"shared"}, "seed": {"7"}, "title": {"Week 3"}}
	if _, ok := e.srv.catalog.Lookup("attention-parameters"); !ok {
		t.Fatal("the test needs exercise attention-parameters")
	}
	if r := e.submit(t, dl, form); r.code != http.StatusOK {
		t.Fatalf("picker submit: %d %s", r.code, r.body)
	}
	res := dl.Results()
	if len(res) != 1 || res[0].Err != nil {
		t.Fatalf("LMS received %+v", res)
	}
	items := res[0].Items
	if len(items) != 2 {
		t.Fatalf("content items %+v, want 2", items)
	}
	if keys, err := e.st.LTIKeys(ctx); err != nil || len(keys) == 0 || res[0].Kid != keys[0].KID {
		t.Errorf("signed with kid %q, want the current key (%v)", res[0].Kid, err)
	}
	course, err := e.st.EnsureLTICourse(ctx, store.LTIContext{Issuer: e.plat.Issuer, DeploymentID: e.plat.DeploymentID, ContextID: "ctx-1"}, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	as, err := e.st.ListAssignments(ctx, course.ID)
	if err != nil || len(as) != 1 {
		t.Fatalf("assignments of the LMS course: %+v %v", as, err)
	}
	a, err := e.st.GetAssignment(ctx, as[0].ID)
	if err != nil || a.Title != "Week 3" || len(a.Items) != 2 || a.CourseID != course.ID {
		t.Fatalf("the picked assignment: %+v %v", a, err)
	}
	want := []struct {
		exercise string
		parts    []string
		points   float64
	}{{"conv-by-hand", []string{"dims"}, 3}, {"attention-parameters", nil, 2.5}}
	for i, it := range a.Items {
		w := want[i]
		if it.ExerciseID != w.exercise || !slices.Equal(it.Parts, w.parts) || it.Points != w.points || it.SeedPolicy != store.SeedShared || it.Seed != 7 {
			t.Errorf("item %d = %+v, want %+v with seed 7", i, it, w)
		}
		ci := items[i]
		if ci.Type != "ltiResourceLink" || ci.URL != e.stride.URL+"/lti/launch" || ci.LineItem == nil ||
			ci.LineItem.ScoreMaximum != w.points || ci.LineItem.ResourceID != "stride-item-"+strconv.FormatInt(it.ID, 10) || ci.LineItem.Label == "" {
			t.Errorf("content item %d = %+v (line item %+v)", i, ci, ci.LineItem)
		}
		if ci.Custom["stride_item"] != strconv.FormatInt(it.ID, 10) || !strings.HasPrefix(ci.Custom["stride_target"], "/my/"+strconv.FormatInt(a.ID, 10)+"/"+strconv.FormatInt(it.ID, 10)+"?sig=") {
			t.Errorf("content item %d customs %v", i, ci.Custom)
		}
	}
	// The picker works once.
	if r := e.sendH(t, http.MethodPost, e.stride.URL+"/lti/deeplink", form, "same-origin", ""); r.code != http.StatusForbidden || !strings.Contains(r.body, "expired") {
		t.Errorf("second submit: %d", r.code)
	}
	if r := e.sendH(t, http.MethodGet, e.stride.URL+"/lti/deeplink?dl="+url.QueryEscape(token), nil, "", ""); r.code != http.StatusForbidden {
		t.Errorf("picker after use: %d", r.code)
	}
	// A student's launch of the first link, with the customs the LMS
	// keeps, lands on that item and records there.
	e.plat.Claims = func(req ltitest.AuthRequest) map[string]any {
		c := e.plat.LearnerClaims(req)
		custom := map[string]any{}
		for k, v := range items[0].Custom {
			custom[k] = v
		}
		c["https://purl.imsglobal.org/spec/lti/claim/custom"] = custom
		return c
	}
	r := e.launch(t, e.stride.URL+"/lti/launch")
	wantPrefix := "/embed/conv-by-hand?item=" + strconv.FormatInt(a.Items[0].ID, 10) + "&lti_launch="
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.location, wantPrefix) {
		t.Fatalf("launch of the returned link: %d to %q, want %s…: %s", r.code, r.location, wantPrefix, r.body)
	}
	if l, err := e.st.LearnerByLTI(ctx, course.ID, e.plat.Issuer, "student-u1"); err != nil || l.CourseID != course.ID {
		t.Errorf("learner of the LMS course: %+v %v", l, err)
	}
	// A second request picks the existing item; Cancel sends nothing.
	e.plat.Claims = dl.InstructorClaims
	token, page := e.pickPage(t)
	if !strings.Contains(page, `name="item" value="`+strconv.FormatInt(a.Items[1].ID, 10)+`"`) || !strings.Contains(page, "Week 3") {
		t.Errorf("the picker does not offer the course's existing items: %s", page)
	}
	if r := e.submit(t, dl, url.Values{dlParam: {token}, "item": {strconv.FormatInt(a.Items[1].ID, 10)}, "seed_policy": {"per-learner"}}); r.code != http.StatusOK {
		t.Fatalf("pick existing item: %d %s", r.code, r.body)
	}
	res = dl.Results()
	if len(res) != 2 || res[1].Err != nil || len(res[1].Items) != 1 || res[1].Items[0].Custom["stride_item"] != strconv.FormatInt(a.Items[1].ID, 10) ||
		!strings.HasPrefix(res[1].Items[0].Title, "Week 3: ") {
		t.Fatalf("existing item response: %+v", res)
	}
	if as, _ := e.st.ListAssignments(ctx, course.ID); len(as) != 1 {
		t.Errorf("picking an existing item created an assignment: %d", len(as))
	}
	token = e.pick(t)
	if r := e.submit(t, dl, url.Values{dlParam: {token}, "do": {"cancel"}}); r.code != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.code, r.body)
	}
	if res = dl.Results(); len(res) != 3 || res[2].Err != nil || len(res[2].Items) != 0 {
		t.Fatalf("cancel response: %+v", res)
	}
}

// TestLTIDeepLinkingRefusals: the picker refuses what the LMS or the
// instructor got wrong with a clear 4xx, and never signs for a student.
func TestLTIDeepLinkingRefusals(t *testing.T) {
	e := newLTIEnv(t)
	dl := e.plat.EnableDeepLinking(t, e.stride.URL+"/lti/jwks")
	// A student cannot open the picker.
	e.plat.Claims = func(req ltitest.AuthRequest) map[string]any {
		c := dl.InstructorClaims(req)
		c["https://purl.imsglobal.org/spec/lti/claim/roles"] = []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"}
		return c
	}
	if r := e.launch(t, ""); r.code != http.StatusForbidden || !strings.Contains(r.body, "instructors") {
		t.Errorf("student deep linking launch: %d %s", r.code, r.body)
	}
	set := func(settings map[string]any) {
		e.plat.Claims = func(req ltitest.AuthRequest) map[string]any {
			c := dl.InstructorClaims(req)
			s := c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"].(map[string]any)
			for k, v := range settings {
				s[k] = v
			}
			return c
		}
	}
	for _, tc := range []struct {
		name     string
		settings map[string]any
		msg      string
	}{
		{"no resource links", map[string]any{"accept_types": []string{"file"}}, "accept_types"},
		{"return URL not http", map[string]any{"deep_link_return_url": "javascript:alert(1)"}, "deep_link_return_url"},
		{"data too long", map[string]any{"data": strings.Repeat("d", 5000)}, "data is longer"},
	} {
		set(tc.settings)
		if r := e.launch(t, ""); r.code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(r.body), tc.msg) {
			t.Errorf("%s: %d, want 400 with %q: %s", tc.name, r.code, tc.msg, r.body)
		}
	}
	// One link only: two choices are refused, naming the limit.
	dl.AcceptMultiple = false
	e.plat.Claims = dl.InstructorClaims
	token := e.pick(t)
	for _, tc := range []struct {
		name string
		form url.Values
		msg  string
	}{
		{"two for one", url.Values{"exercise": {"conv-by-hand", "attention-parameters"}, "seed_policy": {"recitation"}}, "takes one link"},
		{"nothing", url.Values{"seed_policy": {"recitation"}}, "at least one"},
		{"unknown exercise", url.Values{"exercise": {"nope"}, "seed_policy": {"recitation"}}, "not in the catalog"},
		{"bad part", url.Values{"exercise": {"conv-by-hand"}, "parts-conv-by-hand": {"zz"}, "seed_policy": {"recitation"}}, "not a part"},
		{"bad points", url.Values{"exercise": {"conv-by-hand"}, "points-conv-by-hand": {"-1"}, "seed_policy": {"recitation"}}, "from 0 to 1000"},
		{"bad seed", url.Values{"exercise": {"conv-by-hand"}, "seed_policy": {"shared"}, "seed": {"x"}}, "Seed"},
		{"no policy", url.Values{"exercise": {"conv-by-hand"}}, "Numbers"},
		{"other course's item", url.Values{"item": {strconv.FormatInt(e.asg.Items[0].ID, 10)}, "seed_policy": {"recitation"}}, "not in this course"},
		{"bad item", url.Values{"item": {"x"}, "seed_policy": {"recitation"}}, "not an item id"},
	} {
		tc.form.Set(dlParam, token)
		r := e.sendH(t, http.MethodPost, e.stride.URL+"/lti/deeplink", tc.form, "same-origin", "")
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.body), tc.msg) {
			t.Errorf("%s: %d, want 422 with %q", tc.name, r.code, tc.msg)
		}
	}
	if len(dl.Results()) != 0 {
		t.Errorf("refused choices reached the LMS: %+v", dl.Results())
	}
	// The grant survived the refused forms; a forged token does not work.
	for _, bad := range []string{"forged", "", strings.Repeat("x", 300)} {
		if r := e.sendH(t, http.MethodGet, e.stride.URL+"/lti/deeplink?dl="+url.QueryEscape(bad), nil, "", ""); r.code != http.StatusForbidden {
			t.Errorf("picker with token %q: %d", bad, r.code)
		}
	}
	if r := e.submit(t, dl, url.Values{dlParam: {token}, "exercise": {"conv-by-hand"}, "seed_policy": {"recitation"}}); r.code != http.StatusOK {
		t.Errorf("valid choice after refusals: %d %s", r.code, r.body)
	}
	// A cross-site post of the picker is refused (the token alone must
	// not let another site submit it).
	if r := e.sendH(t, http.MethodPost, e.stride.URL+"/lti/deeplink", url.Values{dlParam: {token}}, "cross-site", ""); r.code != http.StatusForbidden {
		t.Errorf("cross-site picker post: %d", r.code)
	}
}

// TestLTICanvasConfigDeepLinking: the Canvas developer key JSON sends deep
// linking requests from the link and assignment selection placements.
func TestLTICanvasConfigDeepLinking(t *testing.T) {
	e := newLTIEnv(t)
	r := e.send(t, http.MethodGet, e.stride.URL+"/lti/config.json", nil, "")
	var cfg struct {
		Extensions []struct {
			Settings struct {
				Placements []struct {
					Placement   string `json:"placement"`
					MessageType string `json:"message_type"`
					Target      string `json:"target_link_uri"`
				} `json:"placements"`
			} `json:"settings"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal([]byte(r.body), &cfg); err != nil || len(cfg.Extensions) != 1 {
		t.Fatalf("config.json: %v %s", err, r.body)
	}
	got := map[string]string{}
	for _, p := range cfg.Extensions[0].Settings.Placements {
		got[p.Placement] = p.MessageType
		if p.Target != e.stride.URL+"/lti/launch" {
			t.Errorf("placement %s targets %s", p.Placement, p.Target)
		}
	}
	for _, p := range []string{"link_selection", "assignment_selection"} {
		if got[p] != "LtiDeepLinkingRequest" {
			t.Errorf("placement %s sends %q, want LtiDeepLinkingRequest", p, got[p])
		}
	}
}

// TestLTIDeepLinkingPinsAuthoredVersion: an item the LMS's picker makes on
// an authored exercise keeps the version it was made with (a regression:
// picker items had none and followed every edit of the file).
func TestLTIDeepLinkingPinsAuthoredVersion(t *testing.T) {
	dir := t.TempDir()
	writeExercise(t, dir, "week3.yaml", authoredConv)
	e := newLTIEnvConfig(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	ctx := context.Background()
	made, ok := e.srv.catalog.Lookup("conv-week3")
	if !ok {
		t.Fatal("the authored exercise is not loaded")
	}
	dl := e.plat.EnableDeepLinking(t, e.stride.URL+"/lti/jwks")
	e.plat.Claims = dl.InstructorClaims
	token := e.pick(t)
	form := url.Values{dlParam: {token}, "do": {"add"}, "exercise": {"conv-week3", "conv-by-hand"}, "seed_policy": {"recitation"}, "title": {"Week 3"}}
	if r := e.submit(t, dl, form); r.code != http.StatusOK {
		t.Fatalf("picker submit: %d %s", r.code, r.body)
	}
	course, err := e.st.EnsureLTICourse(ctx, store.LTIContext{Issuer: e.plat.Issuer, DeploymentID: e.plat.DeploymentID, ContextID: "ctx-1"}, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	as, err := e.st.ListAssignments(ctx, course.ID)
	if err != nil || len(as) != 1 {
		t.Fatalf("assignments %+v %v", as, err)
	}
	a, err := e.st.GetAssignment(ctx, as[0].ID)
	if err != nil || len(a.Items) != 2 {
		t.Fatalf("assignment %+v %v", a, err)
	}
	if a.Items[0].ExerciseID != "conv-week3" || a.Items[0].ExerciseVersion != made.Version || a.Items[1].ExerciseVersion != "" {
		t.Errorf("items %+v, want conv-week3 at %s and the built-in unversioned", a.Items, made.Version)
	}
}

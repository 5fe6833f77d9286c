package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/lti/ltitest"
)

// registerURL is Stride's registration URL as an LMS opens it.
func (e *ltiEnv) registerURL(reg *ltitest.Registrar, extra url.Values) string {
	q := url.Values{"openid_configuration": {reg.ConfigURL()}, "registration_token": {reg.Token}}
	for k, v := range extra {
		q[k] = v
	}
	return e.stride.URL + "/lti/register?" + q.Encode()
}

// TestLTIDynamicRegistration: a signed-in admin's registration against the
// simulated LMS posts a complete client registration, stores the platform
// with the client id and deployment the LMS answers, ends with the close
// message, and the LMS can then launch Stride.
func TestLTIDynamicRegistration(t *testing.T) {
	e := newLTIEnv(t)
	ctx := context.Background()
	p2 := ltitest.New(t) // an LMS Stride does not know yet
	reg := p2.EnableRegistration(t)
	// Opening the URL registers nothing: the admin confirms on Stride's
	// own page (a cross-site GET must not register an LMS).
	r := e.sendH(t, http.MethodGet, e.registerURL(reg, nil), nil, "cross-site", e.session(e.admin))
	if r.code != http.StatusOK || !strings.Contains(r.body, `action="/lti/register"`) || len(reg.Registrations()) != 0 {
		t.Fatalf("registration URL: %d %s", r.code, r.body)
	}
	confirm := url.Values{"openid_configuration": {reg.ConfigURL()}, "registration_token": {reg.Token}}
	if r := e.sendH(t, http.MethodPost, e.stride.URL+"/lti/register", confirm, "cross-site", e.session(e.admin)); r.code != http.StatusForbidden || len(reg.Registrations()) != 0 {
		t.Fatalf("cross-site confirmation: %d", r.code)
	}
	r = e.sendH(t, http.MethodPost, e.stride.URL+"/lti/register", confirm, "same-origin", e.session(e.admin))
	if r.code != http.StatusOK || !strings.Contains(r.body, "data-lti-close") || !strings.Contains(r.body, "/static/lti.") || strings.Contains(r.body, "<script>") {
		t.Fatalf("registration: %d %s", r.code, r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https:") {
		t.Errorf("registration page CSP %q does not let the LMS frame it", csp)
	}
	got := reg.Registrations()
	if len(got) != 1 {
		t.Fatalf("registrations at the LMS: %d", len(got))
	}
	rg := got[0]
	tc := rg["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)
	if rg["initiate_login_uri"] != e.stride.URL+"/lti/login" || rg["jwks_uri"] != e.stride.URL+"/lti/jwks" ||
		tc["target_link_uri"] != e.stride.URL+"/lti/launch" || tc["domain"] != "127.0.0.1" {
		t.Errorf("client registration: %v", rg)
	}
	scope, _ := rg["scope"].(string)
	for _, s := range []string{"lti-ags/scope/score", "lti-ags/scope/lineitem", "lti-nrps/scope/contextmembership.readonly"} {
		if !strings.Contains(scope, s) {
			t.Errorf("scope %q lacks %s", scope, s)
		}
	}
	if strings.Contains(scope, "result.readonly") {
		t.Errorf("scope %q asks for a scope the LMS does not offer", scope)
	}
	ps, err := e.st.LTIPlatformsByIssuer(ctx, p2.Issuer)
	if err != nil || len(ps) != 1 || ps[0].ClientID != p2.ClientID || ps[0].AuthURL != p2.AuthURL() || ps[0].JWKSURL != p2.JWKSURL() ||
		ps[0].TokenURL != p2.TokenURL() || len(ps[0].Deployments) != 1 || ps[0].Deployments[0] != p2.DeploymentID {
		t.Fatalf("stored platform %+v %v", ps, err)
	}
	// The registered LMS launches Stride.
	e.plat = p2
	if r := e.launch(t, "/exercises/conv-by-hand"); r.code != http.StatusSeeOther {
		t.Errorf("launch from the registered LMS: %d %s", r.code, r.body)
	}
}

var registerLinkRE = regexp.MustCompile(`<code>(http[^<]*/lti/register\?stride_reg=[^<]+)</code>`)

// TestLTIDynamicRegistrationLink: an admin's registration link works once
// without any sign-in (the LMS frame gets no cookie).
func TestLTIDynamicRegistrationLink(t *testing.T) {
	e := newLTIEnv(t)
	p2 := ltitest.New(t)
	reg := p2.EnableRegistration(t)
	page := e.sendH(t, http.MethodPost, e.stride.URL+"/admin/lti/registration-link", url.Values{}, "same-origin", e.session(e.admin))
	m := registerLinkRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || m == nil {
		t.Fatalf("registration link page: %d %s", page.code, page.body)
	}
	link := html.UnescapeString(m[1])
	// A wrong configuration URL does not use the link up.
	bad := e.sendH(t, http.MethodGet, link+"&openid_configuration="+url.QueryEscape("ftp://lms.example/config"), nil, "cross-site", "")
	if bad.code != http.StatusBadRequest {
		t.Errorf("bad configuration with a link: %d %s", bad.code, bad.body)
	}
	u := link + "&" + url.Values{"openid_configuration": {reg.ConfigURL()}, "registration_token": {reg.Token}}.Encode()
	if r := e.sendH(t, http.MethodGet, u, nil, "cross-site", ""); r.code != http.StatusOK {
		t.Fatalf("registration with the link: %d %s", r.code, r.body)
	}
	if r := e.sendH(t, http.MethodGet, u, nil, "cross-site", ""); r.code != http.StatusForbidden || !strings.Contains(r.body, "already used") {
		t.Errorf("second use of the link: %d %s", r.code, r.body)
	}
	if n := len(reg.Registrations()); n != 1 {
		t.Errorf("registrations at the LMS: %d, want 1", n)
	}
}

// TestLTIDynamicRegistrationRefusals: no admin, a bad configuration URL,
// an issuer on another host, a refused registration: each a clear 4xx or
// 502 page, and nothing stored.
func TestLTIDynamicRegistrationRefusals(t *testing.T) {
	e := newLTIEnv(t)
	ctx := context.Background()
	p2 := ltitest.New(t)
	reg := p2.EnableRegistration(t)
	admin := func() string { return e.session(e.admin) }
	for _, tc := range []struct {
		name    string
		before  func()
		url     string
		session func() string
		status  int
		msg     string
		confirm url.Values // posted by an admin instead of the GET
	}{
		{"anonymous", nil, e.registerURL(reg, nil), func() string { return "" }, 403, "needs a Stride admin", nil},
		{"instructor", nil, e.registerURL(reg, nil), func() string { return e.session(e.instA) }, 403, "needs a Stride admin", nil},
		{"forged link", nil, e.registerURL(reg, url.Values{registerParam: {"forged"}}), func() string { return "" }, 403, "already used or has expired", nil},
		{"no configuration", nil, e.stride.URL + "/lti/register", admin, 400, "did not send openid_configuration", nil},
		{"configuration not http", nil, e.stride.URL + "/lti/register?openid_configuration=file:///etc/passwd", admin, 400, "not an http(s) URL", nil},
		{"configuration too long", nil, e.stride.URL + "/lti/register?openid_configuration=https://x/" + strings.Repeat("a", 2100), admin, 400, "longer than", nil},
		{"configuration not found", nil, "", admin, 502, "404", url.Values{"openid_configuration": {p2.Server.URL + "/nope"}}},
		{"configuration not JSON", nil, "", admin, 502, "not JSON", url.Values{"openid_configuration": {p2.Server.URL + "/tool-registration"}}},
		{"confirmation not http", nil, "", admin, 400, "not an http(s) URL", url.Values{"openid_configuration": {"gopher://x"}}},
		{"issuer on another host", func() { reg.Issuer = "https://evil.example" }, "", admin, 400, "not on the host", url.Values{"openid_configuration": {reg.ConfigURL()}, "registration_token": {reg.Token}}},
		{"registration refused", func() { reg.Issuer = p2.Issuer }, "", admin, 502, "401", url.Values{"openid_configuration": {reg.ConfigURL()}, "registration_token": {"stale"}}},
	} {
		if tc.before != nil {
			tc.before()
		}
		var r dlResp
		if tc.confirm != nil {
			r = e.sendH(t, http.MethodPost, e.stride.URL+"/lti/register", tc.confirm, "same-origin", admin())
		} else {
			r = e.sendH(t, http.MethodGet, tc.url, nil, "cross-site", tc.session())
		}
		if r.code != tc.status || !strings.Contains(html.UnescapeString(r.body), tc.msg) {
			t.Errorf("%s: %d, want %d with %q: %s", tc.name, r.code, tc.status, tc.msg, r.body)
		}
	}
	if ps, err := e.st.LTIPlatformsByIssuer(ctx, p2.Issuer); err != nil || len(ps) != 0 {
		t.Errorf("refused registrations stored %+v %v", ps, err)
	}
	if ps, _ := e.st.LTIPlatformsByIssuer(ctx, "https://evil.example"); len(ps) != 0 {
		t.Errorf("the mismatched issuer was stored")
	}
}

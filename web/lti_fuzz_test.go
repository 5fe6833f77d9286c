package web

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// FuzzLTIPlatformForm: whatever an admin's browser posts as the platform
// form, reading it never panics, and a form read without errors holds
// http(s) URLs, a non-empty issuer and client id, and bounded, distinct
// deployment ids.
func FuzzLTIPlatformForm(f *testing.F) {
	f.Add("issuer=https%3A%2F%2Flms&client_id=1&auth_url=https%3A%2F%2Fa&token_url=https%3A%2F%2Ft&jwks_url=https%3A%2F%2Fj&deployment_ids=1%0A2%2C1")
	f.Add("issuer=&client_id=&auth_url=ftp%3A%2F%2Fx")
	f.Add("deployment_ids=%0D%0A%2C%2C")
	f.Add("issuer=%ff&client_id=%00")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		_, np, errs := readPlatformForm(form)
		if len(errs) > 0 {
			return
		}
		if np.Issuer == "" || np.ClientID == "" || len(np.Issuer) > 255 || len(np.ClientID) > 255 {
			t.Fatalf("accepted issuer %q client id %q", np.Issuer, np.ClientID)
		}
		for _, u := range []string{np.AuthURL, np.TokenURL, np.JWKSURL} {
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
				t.Fatalf("accepted URL %q", u)
			}
		}
		seen := map[string]bool{}
		for _, d := range np.DeploymentIDs {
			if d == "" || len(d) > 255 || seen[d] || strings.ContainsAny(d, "\r\n,") {
				t.Fatalf("accepted deployment ids %q", np.DeploymentIDs)
			}
			seen[d] = true
		}
	})
}

// cspSource is what returnOrigin may put into the Content-Security-Policy.
var cspSource = regexp.MustCompile(`^https?://[A-Za-z0-9.\-\[\]:]+$`)

// FuzzLTIReturnOrigin: whatever return URL a platform sends, the origin
// Stride writes into its CSP header is empty or a plain scheme://host, so
// the URL cannot add directives or header lines.
func FuzzLTIReturnOrigin(f *testing.F) {
	f.Add("https://lms.example/deep_link/return?x=1")
	f.Add("http://[::1]:8080/r")
	f.Add("https://lms.example; script-src *")
	f.Add("https://lms.example\r\nSet-Cookie: a=b")
	f.Add("javascript:alert(1)")
	f.Fuzz(func(t *testing.T, raw string) {
		o := returnOrigin(raw)
		if o != "" && (!cspSource.MatchString(o) || strings.ContainsAny(o, " ;,\r\n'")) {
			t.Fatalf("returnOrigin(%q) = %q", raw, o)
		}
	})
}

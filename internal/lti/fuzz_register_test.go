package lti

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// bodyTransport answers every request with one body: the fuzzed platform.
type bodyTransport struct{ body string }

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(b.body)), Request: r}, nil
}

// FuzzPlatformConfig: whatever a platform answers as its OpenID
// configuration, and whatever configuration URL the registration is
// opened with, FetchPlatformConfig never panics; it refuses with a 4xx or
// 502 *Error, or returns a configuration whose issuer is on the
// configuration URL's host and whose endpoints are http(s) URLs.
func FuzzPlatformConfig(f *testing.F) {
	f.Add("https://lms.example/.well-known/openid-configuration", `{"issuer":"https://lms.example","authorization_endpoint":"https://lms.example/auth","token_endpoint":"https://lms.example/token","jwks_uri":"https://lms.example/jwks","registration_endpoint":"https://lms.example/register"}`)
	f.Add("https://lms.example/c", `{"issuer":"https://evil.example","authorization_endpoint":"https://lms.example/auth","token_endpoint":"https://lms.example/token","jwks_uri":"https://lms.example/jwks","registration_endpoint":"https://lms.example/register"}`)
	f.Add("ftp://lms.example/c", `{}`)
	f.Add("https://lms.example/c", `[1,2]`)
	f.Add("https://lms.example/c", strings.Repeat("{", 100))
	f.Fuzz(func(t *testing.T, configURL, body string) {
		tool := &Tool{client: &http.Client{Transport: bodyTransport{body}, Timeout: time.Second}, now: time.Now}
		c, err := tool.FetchPlatformConfig(context.Background(), configURL, "tok")
		if err != nil {
			var le *Error
			if !errors.As(err, &le) || le.Status < 400 || (le.Status >= 500 && le.Status != http.StatusBadGateway) {
				t.Fatalf("FetchPlatformConfig(%q) = %v, want a 4xx or 502 refusal", configURL, err)
			}
			return
		}
		cu, _ := url.Parse(configURL)
		iu, err := url.Parse(c.Issuer)
		if err != nil || !strings.EqualFold(iu.Host, cu.Host) {
			t.Fatalf("accepted issuer %q for configuration %q", c.Issuer, configURL)
		}
		for _, u := range []string{c.AuthorizationEndpoint, c.TokenEndpoint, c.JWKSURI, c.RegistrationEndpoint} {
			if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
				t.Fatalf("accepted endpoint %q", u)
			}
		}
	})
}

// FuzzDeepLinkSettings: whatever deep_linking_settings a platform sends,
// the check never panics, and what passes has an http(s) return URL,
// bounded data, and accepts ltiResourceLink.
func FuzzDeepLinkSettings(f *testing.F) {
	f.Add(`{"deep_link_return_url":"https://lms.example/return","accept_types":["ltiResourceLink"],"accept_multiple":true,"data":"x"}`)
	f.Add(`{"deep_link_return_url":"javascript:alert(1)","accept_types":["ltiResourceLink"]}`)
	f.Add(`{"deep_link_return_url":"https://lms.example/r","accept_types":["file"]}`)
	f.Add(`{"deep_link_return_url":"https://lms.example/r","accept_types":"ltiResourceLink","accept_lineitem":false}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, raw string) {
		var d *DeepLinkSettings
		if json.Unmarshal([]byte(raw), &d) != nil {
			return
		}
		err := d.check()
		if err != nil {
			var le *Error
			if !errors.As(err, &le) || le.Status != http.StatusBadRequest {
				t.Fatalf("check(%s) = %v, want a 400 refusal", raw, err)
			}
			return
		}
		u, perr := url.Parse(d.ReturnURL)
		if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || len(d.Data) > MaxDeepLinkData || !d.Accepts(TypeResourceLink) {
			t.Fatalf("accepted %s", raw)
		}
		_ = d.Multiple()
		_ = d.LineItems()
	})
}

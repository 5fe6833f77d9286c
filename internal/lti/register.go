package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/stride-tutor/stride/internal/store"
)

// Dynamic registration (1EdTech LTI Dynamic Registration 1.0): the
// platform opens the tool's registration URL with openid_configuration and
// registration_token; the tool reads the platform's OpenID configuration,
// posts its own client registration to the platform's registration
// endpoint, and keeps the platform (issuer, client id, deployment, and
// endpoints) the answer and the configuration name.

// Bounds of dynamic registration (documented in docs/LTI.md).
const (
	// MaxRegistrationBytes bounds the platform's OpenID configuration
	// and its registration answer.
	MaxRegistrationBytes = 64 << 10
	maxRegistrationURL   = 2000
	maxRegistrationToken = 4 << 10
)

// LTI Advantage scopes Stride asks for (when the platform offers them).
const (
	ScopeLineItem   = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
	ScopeResult     = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
	ScopeScore      = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
	ScopeMembership = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

	claimToolConfiguration = "https://purl.imsglobal.org/spec/lti-tool-configuration"
)

// PlatformConfig is the part of a platform's OpenID configuration Stride
// reads.
type PlatformConfig struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	RegistrationEndpoint  string   `json:"registration_endpoint"`
	ScopesSupported       []string `json:"scopes_supported"`
	LTI                   *struct {
		ProductFamilyCode string `json:"product_family_code"`
		Version           string `json:"version"`
	} `json:"https://purl.imsglobal.org/spec/lti-platform-configuration"`
}

// Product names the LMS for messages ("" when it does not say).
func (c *PlatformConfig) Product() string {
	if c.LTI == nil {
		return ""
	}
	return c.LTI.ProductFamilyCode
}

// ToolURLs are the tool's own URLs, as the platform must reach them.
type ToolURLs struct {
	Origin string // scheme://host[:port][base]
	Domain string // host without port
}

// httpURL checks that v is an absolute http(s) URL of at most
// maxRegistrationURL bytes.
func httpURL(name, v string) (*url.URL, error) {
	if v == "" {
		return nil, refuse(http.StatusBadRequest, name+" is missing", nil)
	}
	if len(v) > maxRegistrationURL {
		return nil, refuse(http.StatusBadRequest, fmt.Sprintf("%s is longer than %d bytes", name, maxRegistrationURL), nil)
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, refuse(http.StatusBadRequest, name+" is not an http(s) URL", err)
	}
	return u, nil
}

// CheckRegistrationRequest checks the two parameters a platform opens the
// registration URL with, before anything is fetched.
func CheckRegistrationRequest(configURL, regToken string) error {
	if _, err := httpURL("openid_configuration", configURL); err != nil {
		return err
	}
	if len(regToken) > maxRegistrationToken {
		return refuse(http.StatusBadRequest, fmt.Sprintf("registration_token is longer than %d bytes", maxRegistrationToken), nil)
	}
	return nil
}

// doJSON sends req and decodes a JSON answer of at most
// MaxRegistrationBytes into v.
func (t *Tool) doJSON(req *http.Request, what string, v any) error {
	resp, err := t.client.Do(req)
	if err != nil {
		return refuse(http.StatusBadGateway, "Stride could not reach the LMS for "+what, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxRegistrationBytes+1))
	if err != nil {
		return refuse(http.StatusBadGateway, "Stride could not read the LMS's "+what, err)
	}
	if len(b) > MaxRegistrationBytes {
		return refuse(http.StatusBadGateway, fmt.Sprintf("The LMS's %s is larger than %d bytes", what, MaxRegistrationBytes), nil)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return refuse(http.StatusBadGateway, fmt.Sprintf("The LMS answered %s for %s: %s", resp.Status, what, clip(string(b), 300)), nil)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return refuse(http.StatusBadGateway, "The LMS's "+what+" is not JSON", err)
	}
	return nil
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// FetchPlatformConfig reads the platform's OpenID configuration and checks
// it: the issuer is on the same scheme and host as the configuration URL
// (Dynamic Registration §3.5.1: a configuration cannot speak for another
// site), and every endpoint Stride needs is an http(s) URL.
func (t *Tool) FetchPlatformConfig(ctx context.Context, configURL, regToken string) (PlatformConfig, error) {
	if err := CheckRegistrationRequest(configURL, regToken); err != nil {
		return PlatformConfig{}, err
	}
	cu, _ := url.Parse(configURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, configURL, nil)
	if err != nil {
		return PlatformConfig{}, refuse(http.StatusBadRequest, "openid_configuration is not a URL", err)
	}
	req.Header.Set("Accept", "application/json")
	if regToken != "" {
		// Some platforms (Canvas) protect the configuration with the
		// registration token too.
		req.Header.Set("Authorization", "Bearer "+regToken)
	}
	var c PlatformConfig
	if err := t.doJSON(req, "OpenID configuration", &c); err != nil {
		return PlatformConfig{}, err
	}
	iu, err := httpURL("The configuration's issuer", c.Issuer)
	if err != nil {
		return PlatformConfig{}, err
	}
	if !strings.EqualFold(iu.Scheme, cu.Scheme) || !strings.EqualFold(iu.Host, cu.Host) {
		return PlatformConfig{}, refuse(http.StatusBadRequest,
			fmt.Sprintf("The configuration's issuer %s is not on the host of the configuration URL (%s)", clip(c.Issuer, 200), cu.Host), nil)
	}
	for _, f := range []struct{ name, v string }{
		{"authorization_endpoint", c.AuthorizationEndpoint}, {"token_endpoint", c.TokenEndpoint},
		{"jwks_uri", c.JWKSURI}, {"registration_endpoint", c.RegistrationEndpoint},
	} {
		if _, err := httpURL("The configuration's "+f.name, f.v); err != nil {
			return PlatformConfig{}, err
		}
	}
	if len(c.Issuer) > 255 {
		return PlatformConfig{}, refuse(http.StatusBadRequest, "The configuration's issuer is longer than 255 bytes", nil)
	}
	return c, nil
}

// ToolRegistration is the client registration Stride posts (OpenID Connect
// Dynamic Client Registration with the LTI tool configuration claim).
func ToolRegistration(u ToolURLs, c PlatformConfig) map[string]any {
	var scopes []string
	for _, s := range []string{ScopeLineItem, ScopeResult, ScopeScore, ScopeMembership} {
		if len(c.ScopesSupported) == 0 || slices.Contains(c.ScopesSupported, s) {
			scopes = append(scopes, s)
		}
	}
	launch := u.Origin + "/lti/launch"
	return map[string]any{
		"application_type":           "web",
		"response_types":             []string{"id_token"},
		"grant_types":                []string{"implicit", "client_credentials"},
		"initiate_login_uri":         u.Origin + "/lti/login",
		"redirect_uris":              []string{launch},
		"client_name":                "Stride",
		"jwks_uri":                   u.Origin + "/lti/jwks",
		"token_endpoint_auth_method": "private_key_jwt",
		"scope":                      strings.Join(scopes, " "),
		claimToolConfiguration: map[string]any{
			"domain":          u.Domain,
			"description":     "Deep-learning mechanics exercises: convolution, CNN shapes, parameter counts, attention, RNN.",
			"target_link_uri": launch,
			"claims":          []string{"iss", "sub", "name", "email"},
			"messages": []map[string]any{
				{"type": MessageDeepLinking, "target_link_uri": launch, "label": "Stride exercises"},
				{"type": MessageResourceLink, "target_link_uri": launch, "label": "Stride"},
			},
		},
	}
}

// registrationAnswer is the part of the platform's answer Stride reads.
type registrationAnswer struct {
	ClientID string `json:"client_id"`
	Tool     *struct {
		DeploymentID string `json:"deployment_id"`
	} `json:"https://purl.imsglobal.org/spec/lti-tool-configuration"`
}

// Register posts Stride's client registration to the platform and stores
// the platform with the client id and deployment id it answers.
func (t *Tool) Register(ctx context.Context, c PlatformConfig, regToken string, u ToolURLs) (store.LTIPlatform, error) {
	body, err := json.Marshal(ToolRegistration(u, c))
	if err != nil {
		return store.LTIPlatform{}, fmt.Errorf("lti: encode registration: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.RegistrationEndpoint, bytes.NewReader(body))
	if err != nil {
		return store.LTIPlatform{}, refuse(http.StatusBadRequest, "The configuration's registration_endpoint is not a URL", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if regToken != "" {
		req.Header.Set("Authorization", "Bearer "+regToken)
	}
	var a registrationAnswer
	if err := t.doJSON(req, "registration", &a); err != nil {
		return store.LTIPlatform{}, err
	}
	if a.ClientID == "" || len(a.ClientID) > 255 {
		return store.LTIPlatform{}, refuse(http.StatusBadGateway, "The LMS's registration answer has no client_id (or one longer than 255 bytes)", nil)
	}
	np := store.NewLTIPlatform{Issuer: c.Issuer, ClientID: a.ClientID, AuthURL: c.AuthorizationEndpoint,
		TokenURL: c.TokenEndpoint, JWKSURL: c.JWKSURI}
	if a.Tool != nil && a.Tool.DeploymentID != "" {
		np.DeploymentIDs = []string{a.Tool.DeploymentID}
	}
	p, err := t.st.AddLTIPlatform(ctx, np)
	if errors.Is(err, store.ErrInvalid) {
		return store.LTIPlatform{}, refuse(http.StatusBadGateway, "The LMS's registration does not fit Stride's limits: "+clip(err.Error(), 300), err)
	}
	if err != nil {
		return store.LTIPlatform{}, err
	}
	return p, nil
}

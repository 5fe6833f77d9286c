// Package ltitest is an LTI 1.3 platform simulator for tests: a real HTTP
// server with its own RSA keys, a JWKS endpoint and an OIDC authorization
// endpoint that answers with a signed id_token by form_post, as Canvas,
// Moodle and others do.
package ltitest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Platform is a simulated LMS.
type Platform struct {
	Server       *httptest.Server
	Issuer       string
	ClientID     string
	DeploymentID string

	mu  sync.Mutex
	key *rsa.PrivateKey
	kid string
	// Claims returns the claims of the next id_token for an authorization
	// request; tests replace it to send bad tokens. The default is a
	// resource link launch of a learner.
	Claims func(req AuthRequest) map[string]any
	// SignWith, when set, signs with this key instead of the published one
	// (a forged token).
	SignWith *rsa.PrivateKey
	// Now is the platform's clock.
	Now func() time.Time
	// StorageTarget, when set, is the lti_storage_target the platform
	// sends with the login and posts back with the id_token: the name of
	// its storage frame (pages.go).
	StorageTarget string

	// svc holds the token, AGS and NRPS endpoints' state (services.go).
	svc *services
}

// AuthRequest is the OIDC authorization request the tool redirected to.
type AuthRequest struct {
	ClientID, RedirectURI, LoginHint, MessageHint, State, Nonce string
}

// firstKey is every simulator's initial key, generated once per test
// process: RSA generation is slow on a busy machine. Rotate makes a new one.
var firstKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// New starts a platform; it stops when the test ends.
func New(t testing.TB) *Platform {
	t.Helper()
	key, err := firstKey()
	if err != nil {
		t.Fatal(err)
	}
	p := &Platform{ClientID: "stride-client-1", DeploymentID: "deployment-1", key: key, kid: "platform-key-1", Now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", p.serveJWKS)
	mux.HandleFunc("GET /auth", p.serveAuth)
	p.mountPages(mux) // course page and storage frame (pages.go)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Server.Close)
	p.Issuer = p.Server.URL
	p.Claims = p.LearnerClaims
	p.mountServices(mux)
	return p
}

// AuthURL, TokenURL and JWKSURL are the endpoints to register.
func (p *Platform) AuthURL() string  { return p.Server.URL + "/auth" }
func (p *Platform) TokenURL() string { return p.Server.URL + "/token" }
func (p *Platform) JWKSURL() string  { return p.Server.URL + "/jwks" }

// Rotate replaces the platform's key with a new one (new kid).
func (p *Platform) Rotate(t testing.TB) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.key, p.kid = key, fmt.Sprintf("platform-key-%d", time.Now().UnixNano())
}

func (p *Platform) serveJWKS(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	key, kid := p.key, p.kid
	p.mu.Unlock()
	k, err := jwk.Import(&key.PublicKey)
	if err == nil {
		err = k.Set(jwk.KeyIDKey, kid)
	}
	if err == nil {
		err = k.Set(jwk.AlgorithmKey, jwa.RS256())
	}
	set := jwk.NewSet()
	if err == nil {
		err = set.AddKey(k)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set)
}

// LearnerClaims is a valid resource link launch of a student.
func (p *Platform) LearnerClaims(req AuthRequest) map[string]any {
	now := p.Now()
	c := map[string]any{
		"iss": p.Issuer, "aud": p.ClientID, "sub": "student-" + req.LoginHint,
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "nonce": req.Nonce,
		"name": "Ada Lovelace", "email": "ada@example.edu",
		"https://purl.imsglobal.org/spec/lti/claim/message_type":    "LtiResourceLinkRequest",
		"https://purl.imsglobal.org/spec/lti/claim/version":         "1.3.0",
		"https://purl.imsglobal.org/spec/lti/claim/deployment_id":   p.DeploymentID,
		"https://purl.imsglobal.org/spec/lti/claim/target_link_uri": req.MessageHint,
		"https://purl.imsglobal.org/spec/lti/claim/resource_link":   map[string]any{"id": "rl-1"},
		"https://purl.imsglobal.org/spec/lti/claim/roles":           []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"},
		"https://purl.imsglobal.org/spec/lti/claim/context":         map[string]any{"id": "ctx-1", "title": "Deep Learning 101"},
	}
	p.addServiceClaims(c, "rl-1")
	return c
}

// Sign signs claims as the platform (or with SignWith when set).
func (p *Platform) Sign(claims map[string]any) (string, error) {
	p.mu.Lock()
	key, kid := p.key, p.kid
	if p.SignWith != nil {
		key = p.SignWith
	}
	p.mu.Unlock()
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
		return "", err
	}
	b, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
	return string(b), err
}

// Authorize answers the tool's authorization request URL as the platform
// would after the user is known: the id_token and state to post to the
// redirect URI.
func (p *Platform) Authorize(authURL string) (redirectURI string, form url.Values, err error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	for name, want := range map[string]string{"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none", "client_id": p.ClientID} {
		if q.Get(name) != want {
			return "", nil, fmt.Errorf("authorization request: %s = %q, want %q", name, q.Get(name), want)
		}
	}
	req := AuthRequest{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), LoginHint: q.Get("login_hint"),
		MessageHint: q.Get("lti_message_hint"), State: q.Get("state"), Nonce: q.Get("nonce")}
	if req.State == "" || req.Nonce == "" || req.RedirectURI == "" {
		return "", nil, fmt.Errorf("authorization request lacks state, nonce or redirect_uri: %s", authURL)
	}
	tok, err := p.Sign(p.Claims(req))
	if err != nil {
		return "", nil, err
	}
	form = url.Values{"id_token": {tok}, "state": {req.State}}
	if p.StorageTarget != "" {
		form.Set("lti_storage_target", p.StorageTarget)
	}
	return req.RedirectURI, form, nil
}

var formPost = template.Must(template.New("").Parse(`<!doctype html><title>LMS</title>
<form method="post" action="{{.Action}}">{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">{{end}}<button>Continue</button></form>
<script>document.forms[0].submit()</script>`))

// serveAuth is the authorization endpoint for browsers: a form that posts
// the id_token to the tool.
func (p *Platform) serveAuth(w http.ResponseWriter, r *http.Request) {
	redirect, form, err := p.Authorize(r.URL.String())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = formPost.Execute(w, map[string]any{"Action": redirect, "Fields": form})
}

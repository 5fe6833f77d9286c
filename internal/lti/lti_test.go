package lti_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/lti/ltitest"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/internal/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	st    *store.Store
	tool  *lti.Tool
	plat  *ltitest.Platform
	clock *clock
}

// toolKey is the tool key setup stores before the tool starts, generated
// once per test process: generating a 2048-bit RSA key took 1-5 s per test
// under the race detector, and all but TestToolKeyAndJWKS (which keeps
// proving that a first start makes and keeps one) only need some key.
var toolKey = sync.OnceValues(func() ([]byte, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return x509.MarshalPKCS8PrivateKey(k)
})

// setup starts a tool with a stored key (toolKey) beside a platform.
func setup(t *testing.T) *env {
	t.Helper()
	return setupKeyed(t, true)
}

// setupKeyed is setup; without a stored key the tool makes its own.
func setupKeyed(t *testing.T, stored bool) *env {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Now()}
	st, err := store.Open(ctx, store.Config{DataDir: storetest.MigratedSQLiteDir(t), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if stored {
		der, err := toolKey()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddLTIKey(ctx, "test-tool-key", der); err != nil {
			t.Fatal(err)
		}
	}
	p := ltitest.New(t)
	p.Now = c.Now
	if _, err := st.AddLTIPlatform(ctx, store.NewLTIPlatform{Issuer: p.Issuer, ClientID: p.ClientID,
		AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), JWKSURL: p.JWKSURL(), DeploymentIDs: []string{p.DeploymentID}}); err != nil {
		t.Fatal(err)
	}
	tool, err := lti.New(ctx, lti.Config{Store: st, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{st: st, tool: tool, plat: p, clock: c}
}

// login runs login initiation and the platform's authorization, returning
// what the platform posts to the launch URL.
func (e *env) login(t *testing.T) url.Values {
	t.Helper()
	redirect, err := e.tool.Login(context.Background(), lti.LoginRequest{Issuer: e.plat.Issuer, LoginHint: "u1",
		TargetLinkURI: "https://stride.example/lti/launch", MessageHint: "/exercises/conv-by-hand?seed=0",
		ClientID: e.plat.ClientID, DeploymentID: e.plat.DeploymentID}, "https://stride.example/lti/launch")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(redirect, e.plat.AuthURL()+"?") {
		t.Fatalf("login redirects to %s, want the platform's auth URL", redirect)
	}
	to, form, err := e.plat.Authorize(redirect)
	if err != nil {
		t.Fatal(err)
	}
	if to != "https://stride.example/lti/launch" {
		t.Fatalf("redirect_uri %q", to)
	}
	return form
}

func TestLaunchVerifies(t *testing.T) {
	e := setup(t)
	form := e.login(t)
	l, err := e.tool.Verify(context.Background(), form.Get("id_token"), form.Get("state"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Sub != "student-u1" || l.ContextID != "ctx-1" || l.ContextTitle != "Deep Learning 101" || l.ResourceLinkID != "rl-1" ||
		l.TargetLinkURI != "/exercises/conv-by-hand?seed=0" || l.IsInstructor() || l.DeploymentID != e.plat.DeploymentID {
		t.Errorf("launch %+v", l)
	}
}

// TestLaunchRejections: each way a launch can be wrong is refused with a
// 4xx *lti.Error naming the problem.
func TestLaunchRejections(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	claim := func(name string, v any) func(e *env) {
		return func(e *env) {
			base := e.plat.Claims
			e.plat.Claims = func(r ltitest.AuthRequest) map[string]any {
				c := base(r)
				if v == nil {
					delete(c, name)
				} else {
					c[name] = v
				}
				return c
			}
		}
	}
	for _, tc := range []struct {
		name   string
		before func(e *env)
		post   func(e *env, form url.Values) // change the posted form
		status int
		msg    string
	}{
		{name: "wrong signature", before: func(e *env) { e.plat.SignWith = other }, status: 401, msg: "signature does not verify"},
		{name: "unknown issuer", before: claim("iss", "https://evil.example"), status: 403, msg: "issuer"},
		{name: "wrong audience", before: claim("aud", "someone-else"), status: 401, msg: "aud"},
		{name: "audience list without azp", before: claim("aud", []string{"stride-client-1", "x"}), status: 401, msg: "azp"},
		{name: "wrong azp", before: claim("azp", "x"), status: 401, msg: "azp"},
		{name: "expired", before: func(e *env) {
			claim("exp", e.clock.Now().Add(-2*lti.DefaultLeeway).Unix())(e)
		}, status: 401, msg: "expired"},
		{name: "issued in the future", before: func(e *env) {
			claim("iat", e.clock.Now().Add(2*lti.DefaultLeeway).Unix())(e)
		}, status: 401, msg: "iat"},
		{name: "no exp", before: claim("exp", nil), status: 400, msg: "exp"},
		{name: "other nonce", before: claim("nonce", "not-ours"), status: 401, msg: "nonce"},
		{name: "unknown deployment", before: claim("https://purl.imsglobal.org/spec/lti/claim/deployment_id", "d-unknown"), status: 403, msg: "deployment"},
		{name: "wrong message type", before: claim("https://purl.imsglobal.org/spec/lti/claim/message_type", "LtiSubmissionReviewRequest"), status: 400, msg: "message type"},
		{name: "wrong version", before: claim("https://purl.imsglobal.org/spec/lti/claim/version", "1.1"), status: 400, msg: "version"},
		{name: "no resource link", before: claim("https://purl.imsglobal.org/spec/lti/claim/resource_link", nil), status: 400, msg: "resource_link"},
		{name: "missing state", post: func(_ *env, f url.Values) { f.Del("state") }, status: 400, msg: "no state"},
		{name: "forged state", post: func(_ *env, f url.Values) { f.Set("state", "eyJ9."+strings.Repeat("A", 43)) }, status: 400, msg: "not issued"},
		{name: "expired state", post: func(e *env, _ url.Values) { e.clock.Add(lti.StateLifetime + time.Second) }, status: 400, msg: "expired"},
		{name: "not a JWS", post: func(_ *env, f url.Values) { f.Set("id_token", "abc") }, status: 400, msg: "compact JWS"},
		{name: "alg none", post: func(_ *env, f url.Values) {
			parts := strings.Split(f.Get("id_token"), ".")
			f.Set("id_token", "eyJhbGciOiJub25lIn0."+parts[1]+".")
		}, status: 401, msg: "RS256"},
		{name: "huge token", post: func(_ *env, f url.Values) { f.Set("id_token", strings.Repeat("a", lti.MaxIDTokenLen+1)) }, status: 400, msg: "longer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			if tc.before != nil {
				tc.before(e)
			}
			form := e.login(t)
			if tc.post != nil {
				tc.post(e, form)
			}
			_, err := e.tool.Verify(context.Background(), form.Get("id_token"), form.Get("state"))
			var le *lti.Error
			if !errors.As(err, &le) {
				t.Fatalf("Verify = %v, want an *lti.Error", err)
			}
			if le.Status != tc.status || !strings.Contains(le.Message, tc.msg) {
				t.Errorf("Verify = %d %q, want %d containing %q", le.Status, le.Message, tc.status, tc.msg)
			}
		})
	}
}

func TestReplays(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	form := e.login(t)
	if _, err := e.tool.Verify(ctx, form.Get("id_token"), form.Get("state")); err != nil {
		t.Fatal(err)
	}
	// The same post again: its state was used.
	_, err := e.tool.Verify(ctx, form.Get("id_token"), form.Get("state"))
	var le *lti.Error
	if !errors.As(err, &le) || le.Status != http.StatusBadRequest || !strings.Contains(le.Message, "already used") {
		t.Errorf("replayed post: %v", err)
	}
	// A nonce another replica already accepted is refused even with a
	// fresh state.
	var nonce string
	e.plat.Claims = func(r ltitest.AuthRequest) map[string]any { nonce = r.Nonce; return e.plat.LearnerClaims(r) }
	form = e.login(t)
	if err := e.st.UseOnce(ctx, store.UsedNonce, e.plat.Issuer+" "+nonce, e.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = e.tool.Verify(ctx, form.Get("id_token"), form.Get("state"))
	if !errors.As(err, &le) || le.Status != http.StatusUnauthorized || !strings.Contains(le.Message, "nonce was already used") {
		t.Errorf("replayed nonce: %v", err)
	}
}

func TestKeyRotationRefetchesJWKS(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	form := e.login(t)
	if _, err := e.tool.Verify(ctx, form.Get("id_token"), form.Get("state")); err != nil {
		t.Fatal(err)
	}
	e.plat.Rotate(t)
	// Within the refetch interval an unknown kid is refused without a fetch.
	form = e.login(t)
	var le *lti.Error
	if _, err := e.tool.Verify(ctx, form.Get("id_token"), form.Get("state")); !errors.As(err, &le) || !strings.Contains(le.Message, "unknown kid") {
		t.Fatalf("unknown kid right after a fetch: %v", err)
	}
	e.clock.Add(11 * time.Second)
	form = e.login(t)
	if _, err := e.tool.Verify(ctx, form.Get("id_token"), form.Get("state")); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
}

func TestLoginRefusals(t *testing.T) {
	e := setup(t)
	for _, tc := range []struct {
		name   string
		req    lti.LoginRequest
		status int
	}{
		{"unknown issuer", lti.LoginRequest{Issuer: "https://nope", LoginHint: "u", TargetLinkURI: "x"}, 403},
		{"unknown client", lti.LoginRequest{Issuer: e.plat.Issuer, ClientID: "nope", LoginHint: "u", TargetLinkURI: "x"}, 403},
		{"unknown deployment", lti.LoginRequest{Issuer: e.plat.Issuer, DeploymentID: "nope", LoginHint: "u", TargetLinkURI: "x"}, 403},
		{"no login hint", lti.LoginRequest{Issuer: e.plat.Issuer, TargetLinkURI: "x"}, 400},
		{"huge hint", lti.LoginRequest{Issuer: e.plat.Issuer, LoginHint: strings.Repeat("u", 3000), TargetLinkURI: "x"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.tool.Login(context.Background(), tc.req, "https://stride.example/lti/launch")
			var le *lti.Error
			if !errors.As(err, &le) || le.Status != tc.status {
				t.Errorf("Login = %v, want status %d", err, tc.status)
			}
		})
	}
}

// TestToolKeyAndJWKS: the key is made once and kept in the database; what
// the tool signs verifies with its published JWKS.
func TestToolKeyAndJWKS(t *testing.T) {
	e := setupKeyed(t, false)
	again, err := lti.New(context.Background(), lti.Config{Store: e.st})
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := e.tool.JWKS()
	j2, _ := again.JWKS()
	if string(j1) != string(j2) {
		t.Errorf("a second start published another key:\n%s\n%s", j1, j2)
	}
	set, err := jwk.Parse(j1)
	if err != nil || set.Len() != 1 {
		t.Fatalf("JWKS %s: %v", j1, err)
	}
	k, _ := set.Key(0)
	if _, ok := k.KeyID(); !ok {
		t.Error("published key has no kid")
	}
	var pub rsa.PublicKey
	if err := jwk.Export(k, &pub); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.(jwk.RSAPrivateKey); ok {
		t.Fatal("JWKS publishes a private key")
	}
	signed, err := again.Sign(map[string]any{"iss": "stride"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jws.Verify(signed, jws.WithKey(jwa.RS256(), &pub)); err != nil {
		t.Errorf("tool signature does not verify with its JWKS: %v", err)
	}
	if strings.Contains(string(j1), `"d"`) {
		t.Error("JWKS contains a private exponent")
	}
}

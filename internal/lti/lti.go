// Package lti is the tool side of LTI 1.3 (1EdTech LTI Core 1.3 and
// Security Framework 1.0): the tool's signing key and JWKS, OIDC login
// initiation, and verification of the id_token a platform posts to the
// launch URL. It has no HTTP handlers; web/lti*.go serves it.
//
// JOSE (JWS verification and signing, JWK sets) is done by
// github.com/lestrrat-go/jwx/v3: signature checking is where hand-written
// code goes wrong, and no maintained Go library implements the LTI tool
// side on top of it. The LTI rules (claims, nonce, state, deployment) are
// here.
package lti

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/stride-tutor/stride/internal/store"
)

// LTI claim names and values (LTI Core 1.3 §5).
const (
	ClaimMessageType  = "https://purl.imsglobal.org/spec/lti/claim/message_type"
	ClaimVersion      = "https://purl.imsglobal.org/spec/lti/claim/version"
	ClaimDeploymentID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
	ClaimTargetLink   = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
	ClaimResourceLink = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
	ClaimRoles        = "https://purl.imsglobal.org/spec/lti/claim/roles"
	ClaimContext      = "https://purl.imsglobal.org/spec/lti/claim/context"
	ClaimCustom       = "https://purl.imsglobal.org/spec/lti/claim/custom"
	ClaimAGS          = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"

	MessageResourceLink = "LtiResourceLinkRequest"
	MessageDeepLinking  = "LtiDeepLinkingRequest"
	Version             = "1.3.0"
)

// Bounds (documented in docs/LTI.md).
const (
	// MaxIDTokenLen bounds the id_token a launch may post.
	MaxIDTokenLen = 64 << 10
	// MaxStateLen bounds the state a launch may post.
	MaxStateLen = 4 << 10
	// MaxJWKSBytes bounds a platform's JWKS document.
	MaxJWKSBytes = 256 << 10
	// StateLifetime is how long a login may take at the platform.
	StateLifetime = 10 * time.Minute
	// DefaultLeeway is the clock skew allowed on exp and iat.
	DefaultLeeway = 60 * time.Second
	// MaxLeeway bounds the configurable leeway.
	MaxLeeway = 10 * time.Minute
	// jwksTTL is how long a fetched JWKS is trusted before it is fetched
	// again; an unknown kid refetches sooner, at most every jwksMinRefetch.
	jwksTTL        = time.Hour
	jwksMinRefetch = 10 * time.Second
	// maxTokenAge refuses id_tokens issued long ago even if their exp is
	// far away: a launch is a redirect that completes in seconds.
	maxTokenAge = time.Hour
	keyBits     = 2048
	stateSecret = "lti-state"
)

// Error is a refused login or launch: Status is the HTTP status to answer
// with (4xx for anything the request got wrong, 502 when the platform's
// keys could not be fetched), Message says why in words an LMS admin can
// act on.
type Error struct {
	Status  int
	Message string
	err     error
}

func (e *Error) Error() string {
	if e.err != nil {
		return e.Message + ": " + e.err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.err }

func refuse(status int, msg string, err error) *Error {
	return &Error{Status: status, Message: msg, err: err}
}

// Config configures a Tool.
type Config struct {
	Store *store.Store
	// HTTPClient fetches platforms' JWKS; a client with a 10 s timeout
	// when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Leeway is the clock skew allowed on exp and iat; DefaultLeeway when 0.
	Leeway time.Duration
}

// Tool is the LTI tool. It is safe for concurrent use.
type Tool struct {
	st       *store.Store
	client   *http.Client
	now      func() time.Time
	leeway   time.Duration
	stateKey []byte
	// keys is reloaded from the database (reloadKeys) so that a key
	// rotated by `stride lti rotate-key` reaches every running replica.
	keys atomic.Pointer[keyring]
	jwks *jwksCache
}

// New builds the tool, creating its signing key in the database the first
// time any process starts.
func New(ctx context.Context, cfg Config) (*Tool, error) {
	if cfg.Store == nil {
		return nil, errors.New("lti: no store")
	}
	if cfg.Leeway < 0 || cfg.Leeway > MaxLeeway {
		return nil, fmt.Errorf("lti: leeway %v is not between 0 and %v", cfg.Leeway, MaxLeeway)
	}
	t := &Tool{st: cfg.Store, client: cfg.HTTPClient, now: cfg.Now, leeway: cfg.Leeway}
	if t.client == nil {
		t.client = &http.Client{Timeout: 10 * time.Second}
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.leeway == 0 {
		t.leeway = DefaultLeeway
	}
	var err error
	if t.stateKey, err = cfg.Store.SiteSecret(ctx, stateSecret, 32); err != nil {
		return nil, fmt.Errorf("lti: state key: %w", err)
	}
	kr, err := loadKeys(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	kr.loaded = t.now()
	t.keys.Store(kr)
	t.jwks = newJWKSCache(t.client, t.now)
	return t, nil
}

// keyring is the tool's keys: the newest signs, all are published.
type keyring struct {
	signing *rsa.PrivateKey
	kid     string
	public  jwk.Set
	loaded  time.Time
}

// loadKeys reads the tool's keys, generating and storing the first one.
// Two processes starting together may each store one; both are then
// published and the newest signs, which is harmless.
func loadKeys(ctx context.Context, st *store.Store) (*keyring, error) {
	ks, err := st.LTIKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("lti: keys: %w", err)
	}
	if len(ks) == 0 {
		priv, err := rsa.GenerateKey(rand.Reader, keyBits)
		if err != nil {
			return nil, fmt.Errorf("lti: generate key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, fmt.Errorf("lti: encode key: %w", err)
		}
		if err := st.AddLTIKey(ctx, keyID(&priv.PublicKey), der); err != nil {
			return nil, fmt.Errorf("lti: store key: %w", err)
		}
		if ks, err = st.LTIKeys(ctx); err != nil {
			return nil, fmt.Errorf("lti: keys: %w", err)
		}
	}
	kr := &keyring{public: jwk.NewSet()}
	for i, k := range ks {
		parsed, err := x509.ParsePKCS8PrivateKey(k.PrivateDER)
		if err != nil {
			return nil, fmt.Errorf("lti: key %s: %w", k.KID, err)
		}
		priv, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("lti: key %s is not RSA", k.KID)
		}
		if i == 0 {
			kr.signing, kr.kid = priv, k.KID
		}
		pub, err := jwk.Import(&priv.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("lti: key %s: %w", k.KID, err)
		}
		for name, v := range map[string]any{jwk.KeyIDKey: k.KID, jwk.AlgorithmKey: jwa.RS256(), jwk.KeyUsageKey: "sig"} {
			if err := pub.Set(name, v); err != nil {
				return nil, fmt.Errorf("lti: key %s: %w", k.KID, err)
			}
		}
		if err := kr.public.AddKey(pub); err != nil {
			return nil, fmt.Errorf("lti: key %s: %w", k.KID, err)
		}
	}
	return kr, nil
}

// keyID names a public key by a hash of it, so the kid changes with the key.
func keyID(pub *rsa.PublicKey) string {
	h := sha256.Sum256(x509.MarshalPKCS1PublicKey(pub))
	return base64.RawURLEncoding.EncodeToString(h[:12])
}

// JWKS is the tool's public key set, as served at /lti/jwks.
func (t *Tool) JWKS() ([]byte, error) {
	b, err := json.Marshal(t.keys.Load().public)
	if err != nil {
		return nil, fmt.Errorf("lti: encode JWKS: %w", err)
	}
	return b, nil
}

// Sign signs claims with the tool's current key (RS256, with its kid), for
// deep linking responses and client-credentials assertions.
func (t *Tool) Sign(claims map[string]any) ([]byte, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("lti: encode claims: %w", err)
	}
	hdr := jws.NewHeaders()
	kr := t.keys.Load()
	if err := hdr.Set(jws.KeyIDKey, kr.kid); err != nil {
		return nil, err
	}
	if err := hdr.Set(jws.TypeKey, "JWT"); err != nil {
		return nil, err
	}
	b, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), kr.signing, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return nil, fmt.Errorf("lti: sign: %w", err)
	}
	return b, nil
}

// LoginRequest is an OIDC third-party login initiation (LTI Security
// Framework §5.1.1.1).
type LoginRequest struct {
	Issuer, LoginHint, TargetLinkURI, MessageHint, ClientID, DeploymentID string
	// StorageTarget is lti_storage_target: the frame of the platform's
	// page that keeps data for the tool (LTI Client Side postMessages);
	// "" when the platform offers no storage.
	StorageTarget string
}

// state is what the tool signs into the OIDC state: which platform the
// login began with, the nonce the id_token must carry, and an id that may
// be used once. It needs no cookie: the platform posts it back with the
// id_token, and the HMAC shows Stride issued it.
type state struct {
	ID         string `json:"i"`
	PlatformID int64  `json:"p"`
	Nonce      string `json:"n"`
	Expires    int64  `json:"e"` // Unix seconds
	// Storage is the platform storage frame the login stored the state
	// and nonce in (web/lti_storage.go); the launch must then show that
	// the browser's platform storage holds them.
	Storage string `json:"t,omitempty"`
}

func random() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("lti: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (t *Tool) sealState(s state) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	p := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, t.stateKey)
	m.Write([]byte(p))
	return p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

func (t *Tool) openState(v string) (state, error) {
	if v == "" {
		return state{}, refuse(http.StatusBadRequest, "The launch has no state. Start the launch again from the LMS", nil)
	}
	if len(v) > MaxStateLen {
		return state{}, refuse(http.StatusBadRequest, fmt.Sprintf("The state is longer than %d bytes", MaxStateLen), nil)
	}
	p, sig, ok := strings.Cut(v, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	m := hmac.New(sha256.New, t.stateKey)
	m.Write([]byte(p))
	if !ok || err != nil || !hmac.Equal(mac, m.Sum(nil)) {
		return state{}, refuse(http.StatusBadRequest, "The state was not issued by this Stride. Start the launch again from the LMS", nil)
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	var s state
	if err != nil || json.Unmarshal(b, &s) != nil {
		return state{}, refuse(http.StatusBadRequest, "The state is malformed", err)
	}
	if t.now().Unix() > s.Expires {
		return state{}, refuse(http.StatusBadRequest, "The login took too long (the state expired). Start the launch again from the LMS", nil)
	}
	return s, nil
}

// Login answers a login initiation: the URL of the platform's authorization
// endpoint to redirect the browser to. redirectURI is the tool's launch URL.
func (t *Tool) Login(ctx context.Context, req LoginRequest, redirectURI string) (string, error) {
	b, err := t.Begin(ctx, req, redirectURI)
	if err != nil {
		return "", err
	}
	return b.URL, nil
}

// Begin answers a login initiation with everything the tool's answer
// needs: the authorization URL, and the state and nonce the login page
// stores in the platform when the platform offers storage.
func (t *Tool) Begin(ctx context.Context, req LoginRequest, redirectURI string) (Begun, error) {
	if req.Issuer == "" || req.LoginHint == "" || req.TargetLinkURI == "" {
		return Begun{}, refuse(http.StatusBadRequest, "A login initiation needs iss, login_hint and target_link_uri", nil)
	}
	for name, v := range map[string]string{"iss": req.Issuer, "login_hint": req.LoginHint, "target_link_uri": req.TargetLinkURI,
		"lti_message_hint": req.MessageHint, "client_id": req.ClientID, "lti_deployment_id": req.DeploymentID} {
		if len(v) > 2048 {
			return Begun{}, refuse(http.StatusBadRequest, fmt.Sprintf("%s is longer than 2048 bytes", name), nil)
		}
	}
	p, err := t.platform(ctx, req.Issuer, req.ClientID)
	if err != nil {
		return Begun{}, err
	}
	if req.DeploymentID != "" && !known(p.Deployments, req.DeploymentID) {
		return Begun{}, refuse(http.StatusForbidden, "This deployment of the LMS is not registered with Stride (run `stride lti platform add` with its --deployment-id)", nil)
	}
	if err := checkStorageTarget(req.StorageTarget); err != nil {
		return Begun{}, err
	}
	s := state{PlatformID: p.ID, Expires: t.now().Add(StateLifetime).Unix(), Storage: req.StorageTarget}
	if s.ID, err = random(); err != nil {
		return Begun{}, err
	}
	if s.Nonce, err = random(); err != nil {
		return Begun{}, err
	}
	sealed, err := t.sealState(s)
	if err != nil {
		return Begun{}, fmt.Errorf("lti: state: %w", err)
	}
	q := url.Values{
		"scope": {"openid"}, "response_type": {"id_token"}, "response_mode": {"form_post"}, "prompt": {"none"},
		"client_id": {p.ClientID}, "redirect_uri": {redirectURI}, "login_hint": {req.LoginHint},
		"state": {sealed}, "nonce": {s.Nonce},
	}
	if req.MessageHint != "" {
		q.Set("lti_message_hint", req.MessageHint)
	}
	sep := "?"
	if strings.Contains(p.AuthURL, "?") {
		sep = "&"
	}
	b := Begun{URL: p.AuthURL + sep + q.Encode(), State: sealed, Nonce: s.Nonce}
	if req.StorageTarget != "" {
		b.Storage = storageCheck(p, s, sealed)
	}
	return b, nil
}

// platform finds the registration of issuer (and client id, which a
// platform with several registrations must send).
func (t *Tool) platform(ctx context.Context, issuer, clientID string) (store.LTIPlatform, error) {
	ps, err := t.st.LTIPlatformsByIssuer(ctx, issuer)
	if err != nil {
		return store.LTIPlatform{}, fmt.Errorf("lti: platform: %w", err)
	}
	var match []store.LTIPlatform
	for _, p := range ps {
		if clientID == "" || p.ClientID == clientID {
			match = append(match, p)
		}
	}
	switch len(match) {
	case 0:
		return store.LTIPlatform{}, refuse(http.StatusForbidden, "This LMS (issuer and client id) is not registered with Stride (see `stride lti platform add`)", nil)
	case 1:
		return match[0], nil
	}
	return store.LTIPlatform{}, refuse(http.StatusBadRequest, "Several registrations share this issuer; the login must send client_id", nil)
}

func known(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TargetSecret names the site secret that signs assignment item targets.
const TargetSecret = "lti-target"

// ItemMAC signs an assignment item for use as a launch target. A launch of
// an assignment item links that item's Stride course to the LMS course and
// makes the LMS's instructors instructors of it, so the target must come
// from someone who may hand out the item, not be typed from a guessed id:
// `stride lti link` prints a signed target.
func ItemMAC(key []byte, itemID int64) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "lti-item:%d", itemID)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// CheckItemMAC reports whether sig is ItemMAC(key, itemID).
func CheckItemMAC(key []byte, itemID int64, sig string) bool {
	return hmac.Equal([]byte(ItemMAC(key, itemID)), []byte(sig))
}

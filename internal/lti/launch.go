package lti

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/stride-tutor/stride/internal/store"
)

// Launch is a verified LTI message.
type Launch struct {
	Platform     store.LTIPlatform
	DeploymentID string
	MessageType  string
	Sub          string
	Name, Email  string
	Roles        []string
	// Context is the LMS course ("" ContextID when the platform sent none).
	ContextID, ContextTitle string
	ResourceLinkID          string
	TargetLinkURI           string
	Custom                  map[string]string
	// LineItem is the AGS line item URL of the resource link, when the
	// platform offers grade passback.
	LineItem string
	// DeepLink is the deep linking request's settings (message type
	// LtiDeepLinkingRequest only).
	DeepLink *DeepLinkSettings
	// LineItems is the context's AGS line items container and AGSScopes
	// the AGS scopes the platform grants (web/lti_ags.go uses them).
	LineItems string
	AGSScopes []string
	// MembershipsURL is the NRPS context_memberships_url, when offered.
	MembershipsURL string
	// Storage is set when the login stored the state and nonce in the
	// platform's storage (lti_storage_target): the launch is served only
	// once the browser shows that storage holds them (Complete).
	Storage *StorageCheck `json:",omitempty"`
}

// IsInstructor reports whether the roles make the user staff of the
// context: Instructor, TeachingAssistant (a sub-role of Instructor) or
// Administrator (context or institution).
func (l *Launch) IsInstructor() bool {
	for _, r := range l.Roles {
		for _, staff := range []string{
			"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
			"http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
			"http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
			"http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
			"http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
			"Instructor", "Administrator", // short forms LTI Core §A.2 allows for context roles
		} {
			if r == staff {
				return true
			}
		}
	}
	return false
}

// claims is the id_token payload Stride reads.
type claims struct {
	Iss          string          `json:"iss"`
	Sub          string          `json:"sub"`
	Aud          json.RawMessage `json:"aud"`
	Azp          string          `json:"azp"`
	Exp          *float64        `json:"exp"`
	Iat          *float64        `json:"iat"`
	Nonce        string          `json:"nonce"`
	Name         string          `json:"name"`
	Email        string          `json:"email"`
	MessageType  string          `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
	Version      string          `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
	DeploymentID string          `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
	Target       string          `json:"https://purl.imsglobal.org/spec/lti/claim/target_link_uri"`
	Roles        []string        `json:"https://purl.imsglobal.org/spec/lti/claim/roles"`
	ResourceLink *struct {
		ID string `json:"id"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/resource_link"`
	Context *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Label string `json:"label"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/context"`
	Custom map[string]any `json:"https://purl.imsglobal.org/spec/lti/claim/custom"`
	AGS    *struct {
		LineItem  string   `json:"lineitem"`
		LineItems string   `json:"lineitems"`
		Scope     []string `json:"scope"`
	} `json:"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"`
	DeepLink *DeepLinkSettings `json:"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"`
	NRPS     *struct {
		MembershipsURL string `json:"context_memberships_url"`
	} `json:"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"`
}

func (c *claims) audiences() ([]string, error) {
	var one string
	if err := json.Unmarshal(c.Aud, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(c.Aud, &many); err != nil {
		return nil, err
	}
	return many, nil
}

// Verify checks a launch: the state (issued here, unexpired, used once),
// the id_token's signature against the platform's JWKS, its claims (iss,
// aud, azp, exp, iat, nonce used once, deployment, message type, version)
// and returns the launch. Every refusal is an *Error.
func (t *Tool) Verify(ctx context.Context, idToken, stateValue string) (*Launch, error) {
	st, err := t.openState(stateValue)
	if err != nil {
		return nil, err
	}
	if idToken == "" {
		return nil, refuse(http.StatusBadRequest, "The launch has no id_token", nil)
	}
	if len(idToken) > MaxIDTokenLen {
		return nil, refuse(http.StatusBadRequest, fmt.Sprintf("The id_token is longer than %d bytes", MaxIDTokenLen), nil)
	}
	hdrB, payloadB, _, err := jws.SplitCompactString(idToken)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "The id_token is not a compact JWS", err)
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(hdrB, &hdr); err != nil {
		return nil, refuse(http.StatusBadRequest, "The id_token's header is malformed", err)
	}
	if hdr.Alg != "RS256" {
		return nil, refuse(http.StatusUnauthorized, fmt.Sprintf("The id_token is signed with %q; LTI 1.3 requires RS256", hdr.Alg), nil)
	}
	var unverified claims
	if err := decodeSegment(payloadB, &unverified); err != nil {
		return nil, refuse(http.StatusBadRequest, "The id_token's claims are malformed", err)
	}
	p, err := t.platformByID(ctx, unverified.Iss, st.PlatformID)
	if err != nil {
		return nil, err
	}
	key, err := t.jwks.key(ctx, p.JWKSURL, hdr.Kid)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify([]byte(idToken), jws.WithKey(jwa.RS256(), key))
	if err != nil {
		return nil, refuse(http.StatusUnauthorized, "The id_token's signature does not verify with the platform's keys", err)
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, refuse(http.StatusBadRequest, "The id_token's claims are malformed", err)
	}
	if err := t.checkClaims(&c, p, st); err != nil {
		return nil, err
	}
	// Once-only values last until the token could no longer be accepted.
	exp := time.Unix(int64(*c.Exp), 0).Add(t.leeway)
	if err := t.st.UseOnce(ctx, store.UsedState, st.ID, time.Unix(st.Expires, 0)); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, refuse(http.StatusBadRequest, "This login's state was already used. Start the launch again from the LMS", nil)
		}
		return nil, fmt.Errorf("lti: record state: %w", err)
	}
	if err := t.st.UseOnce(ctx, store.UsedNonce, p.Issuer+" "+c.Nonce, exp); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, refuse(http.StatusUnauthorized, "This id_token's nonce was already used (a replayed launch)", nil)
		}
		if errors.Is(err, store.ErrInvalid) {
			return nil, refuse(http.StatusBadRequest, "The id_token's nonce is too long", err)
		}
		return nil, fmt.Errorf("lti: record nonce: %w", err)
	}
	l := &Launch{Platform: p, DeploymentID: c.DeploymentID, MessageType: c.MessageType, Sub: c.Sub,
		Name: c.Name, Email: c.Email, Roles: c.Roles, TargetLinkURI: c.Target, Custom: map[string]string{}}
	if c.Context != nil {
		l.ContextID, l.ContextTitle = c.Context.ID, c.Context.Title
		if l.ContextTitle == "" {
			l.ContextTitle = c.Context.Label
		}
	}
	if c.ResourceLink != nil {
		l.ResourceLinkID = c.ResourceLink.ID
	}
	if c.AGS != nil {
		l.LineItem, l.LineItems, l.AGSScopes = c.AGS.LineItem, c.AGS.LineItems, c.AGS.Scope
	}
	if c.NRPS != nil {
		l.MembershipsURL = c.NRPS.MembershipsURL
	}
	if c.MessageType == MessageDeepLinking {
		l.DeepLink = c.DeepLink
	}
	for k, v := range c.Custom {
		if s, ok := v.(string); ok {
			l.Custom[k] = s
		}
	}
	if st.Storage != "" {
		l.Storage = storageCheck(p, st, stateValue)
	}
	return l, nil
}

func decodeSegment(seg []byte, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(string(seg), "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// platformByID is the platform the login began with; the token must come
// from the same issuer.
func (t *Tool) platformByID(ctx context.Context, issuer string, id int64) (store.LTIPlatform, error) {
	ps, err := t.st.LTIPlatformsByIssuer(ctx, issuer)
	if err != nil {
		return store.LTIPlatform{}, fmt.Errorf("lti: platform: %w", err)
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return store.LTIPlatform{}, refuse(http.StatusForbidden, "The id_token's issuer is not the registered LMS this login began with", nil)
}

func (t *Tool) checkClaims(c *claims, p store.LTIPlatform, st state) error {
	if c.Iss != p.Issuer {
		return refuse(http.StatusForbidden, "The id_token's issuer is not registered", nil)
	}
	auds, err := c.audiences()
	if err != nil || !known(auds, p.ClientID) {
		return refuse(http.StatusUnauthorized, "The id_token is not addressed to Stride's client id (aud)", err)
	}
	if (len(auds) > 1 || c.Azp != "") && c.Azp != p.ClientID {
		return refuse(http.StatusUnauthorized, "The id_token's authorized party (azp) is not Stride's client id", nil)
	}
	now := t.now()
	if c.Exp == nil || c.Iat == nil {
		return refuse(http.StatusBadRequest, "The id_token has no exp or iat", nil)
	}
	if now.After(time.Unix(int64(*c.Exp), 0).Add(t.leeway)) {
		return refuse(http.StatusUnauthorized, "The id_token has expired. Check the clocks of the LMS and of Stride, then launch again", nil)
	}
	iat := time.Unix(int64(*c.Iat), 0)
	if iat.After(now.Add(t.leeway)) || now.Sub(iat) > maxTokenAge+t.leeway {
		return refuse(http.StatusUnauthorized, "The id_token's issue time (iat) is in the future or too long ago. Check the clocks", nil)
	}
	if c.Nonce == "" || c.Nonce != st.Nonce {
		return refuse(http.StatusUnauthorized, "The id_token's nonce is not the one this login sent", nil)
	}
	if c.DeploymentID == "" || !known(p.Deployments, c.DeploymentID) {
		return refuse(http.StatusForbidden, "This deployment of the LMS is not registered with Stride (run `stride lti platform add` with its --deployment-id)", nil)
	}
	if c.Version != Version {
		return refuse(http.StatusBadRequest, fmt.Sprintf("The LTI version is %q; Stride speaks %s", c.Version, Version), nil)
	}
	switch c.MessageType {
	case MessageResourceLink:
		if c.ResourceLink == nil || c.ResourceLink.ID == "" {
			return refuse(http.StatusBadRequest, "The resource link launch has no resource_link id", nil)
		}
		if c.Sub == "" {
			return refuse(http.StatusBadRequest, "The launch is anonymous (no sub); Stride needs to know the user to record work", nil)
		}
	case MessageDeepLinking:
		if err := c.DeepLink.check(); err != nil {
			return err
		}
		if c.Sub == "" {
			return refuse(http.StatusBadRequest, "The deep linking request is anonymous (no sub); Stride needs to know the instructor", nil)
		}
	default:
		return refuse(http.StatusBadRequest, fmt.Sprintf("The message type %q is not one Stride handles", c.MessageType), nil)
	}
	return nil
}

// jwksCache holds platforms' key sets, fetched on first use, trusted for
// jwksTTL, and fetched again when a token names an unknown kid (the
// platform rotated its key), at most every jwksMinRefetch per URL so a
// stream of bogus kids cannot make Stride hammer the platform.
type jwksCache struct {
	client *http.Client
	now    func() time.Time
	mu     sync.Mutex
	sets   map[string]*cachedSet
}

type cachedSet struct {
	mu      sync.Mutex // one fetch at a time per URL
	set     jwk.Set
	fetched time.Time
}

func newJWKSCache(c *http.Client, now func() time.Time) *jwksCache {
	return &jwksCache{client: c, now: now, sets: map[string]*cachedSet{}}
}

func (jc *jwksCache) entry(u string) *cachedSet {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	e, ok := jc.sets[u]
	if !ok {
		e = &cachedSet{}
		jc.sets[u] = e
	}
	return e
}

// key returns the RSA public key kid names in the JWKS at u.
func (jc *jwksCache) key(ctx context.Context, u, kid string) (*rsa.PublicKey, error) {
	e := jc.entry(u)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := jc.now()
	stale := e.set == nil || now.Sub(e.fetched) > jwksTTL
	if !stale {
		if k, ok := lookup(e.set, kid); ok {
			return k, nil
		}
		stale = now.Sub(e.fetched) >= jwksMinRefetch
	}
	if stale {
		set, err := jc.fetch(ctx, u)
		if err != nil {
			return nil, refuse(http.StatusBadGateway, "Stride could not fetch the LMS's public keys (JWKS URL); check the URL registered for this platform", err)
		}
		e.set, e.fetched = set, now
	}
	if k, ok := lookup(e.set, kid); ok {
		return k, nil
	}
	return nil, refuse(http.StatusUnauthorized, "The id_token is signed with a key the LMS does not publish (unknown kid)", nil)
}

func lookup(set jwk.Set, kid string) (*rsa.PublicKey, bool) {
	var k jwk.Key
	var ok bool
	if kid != "" {
		k, ok = set.LookupKeyID(kid)
	} else if set.Len() == 1 { // a platform with one key may omit kid
		k, ok = set.Key(0)
	}
	if !ok {
		return nil, false
	}
	var pub rsa.PublicKey
	if err := jwk.Export(k, &pub); err != nil {
		return nil, false
	}
	return &pub, true
}

func (jc *jwksCache) fetch(ctx context.Context, u string) (jwk.Set, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := jc.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxJWKSBytes {
		return nil, fmt.Errorf("JWKS at %s is larger than %d bytes", u, MaxJWKSBytes)
	}
	set, err := jwk.Parse(bytes.TrimSpace(b))
	if err != nil {
		return nil, fmt.Errorf("JWKS at %s: %w", u, err)
	}
	return set, nil
}

package ltitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Deep linking on the simulated platform (Deep Linking 2.0): claims of an
// LtiDeepLinkingRequest launch, and the deep_link_return_url that verifies
// the tool's LtiDeepLinkingResponse against the tool's JWKS, as an LMS does,
// and records the content items.

// ContentItem is a content item as the platform reads it.
type ContentItem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	URL      string            `json:"url"`
	Custom   map[string]string `json:"custom"`
	LineItem *struct {
		ScoreMaximum float64 `json:"scoreMaximum"`
		Label        string  `json:"label"`
		ResourceID   string  `json:"resourceId"`
		Tag          string  `json:"tag"`
	} `json:"lineItem"`
}

// DeepLinkResult is one response the return URL received.
type DeepLinkResult struct {
	// Err is why the response was refused (nil when it verified).
	Err    error
	Claims map[string]any
	Items  []ContentItem
	Data   string
	Kid    string
}

// DeepLinking is the platform's deep linking side.
type DeepLinking struct {
	p *Platform
	// ToolJWKSURL is where the platform fetches the tool's keys (the
	// tool's /lti/jwks, registered with the platform).
	ToolJWKSURL string
	// Data is the opaque value the requests carry; the response must echo it.
	Data string
	// AcceptMultiple is the requests' accept_multiple.
	AcceptMultiple bool

	mu      sync.Mutex
	results []DeepLinkResult
	nonces  map[string]bool
}

// muxOf is the simulator's router, for routes added by these files.
func (p *Platform) muxOf() *http.ServeMux { return p.Server.Config.Handler.(*http.ServeMux) }

// EnableDeepLinking adds the deep_link_return_url to the platform.
func (p *Platform) EnableDeepLinking(t testing.TB, toolJWKSURL string) *DeepLinking {
	t.Helper()
	d := &DeepLinking{p: p, ToolJWKSURL: toolJWKSURL, Data: "opaque-data-42", AcceptMultiple: true, nonces: map[string]bool{}}
	p.muxOf().HandleFunc("POST /deeplink/return", d.serveReturn)
	return d
}

// ReturnURL is the platform's deep_link_return_url.
func (d *DeepLinking) ReturnURL() string { return d.p.Server.URL + "/deeplink/return" }

// InstructorClaims is a valid LtiDeepLinkingRequest of an instructor.
func (d *DeepLinking) InstructorClaims(req AuthRequest) map[string]any {
	c := d.p.LearnerClaims(req)
	c["sub"] = "teacher-" + req.LoginHint
	c["name"] = "Grace Hopper"
	delete(c, "https://purl.imsglobal.org/spec/lti/claim/resource_link")
	c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiDeepLinkingRequest"
	c["https://purl.imsglobal.org/spec/lti/claim/roles"] = []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}
	c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = map[string]any{
		"deep_link_return_url":                 d.ReturnURL(),
		"accept_types":                         []string{"ltiResourceLink", "link"},
		"accept_presentation_document_targets": []string{"iframe", "window"},
		"accept_multiple":                      d.AcceptMultiple,
		"accept_lineitem":                      true,
		"data":                                 d.Data,
	}
	return c
}

// Results are the responses received so far.
func (d *DeepLinking) Results() []DeepLinkResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.results)
}

func (d *DeepLinking) record(r DeepLinkResult) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.results = append(d.results, r)
}

func (d *DeepLinking) serveReturn(w http.ResponseWriter, r *http.Request) {
	res, err := d.verify(r)
	res.Err = err
	d.record(res)
	if err != nil {
		http.Error(w, "deep linking response refused: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>LMS</title><p id='lms-received'>Received %d items.</p>", len(res.Items))
}

// verify checks the response as a platform must: signature with the
// tool's published keys, iss (the client id), aud (the platform), exp,
// iat, a fresh nonce, deployment, message type, version, and the echoed
// data.
func (d *DeepLinking) verify(r *http.Request) (DeepLinkResult, error) {
	var res DeepLinkResult
	tok := r.PostFormValue("JWT")
	if tok == "" {
		return res, fmt.Errorf("no JWT field")
	}
	resp, err := http.Get(d.ToolJWKSURL)
	if err != nil {
		return res, fmt.Errorf("fetch tool JWKS: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return res, err
	}
	set, err := jwk.Parse(b)
	if err != nil {
		return res, fmt.Errorf("tool JWKS: %w", err)
	}
	msg, err := jws.Parse([]byte(tok))
	if err != nil || len(msg.Signatures()) != 1 {
		return res, fmt.Errorf("not a compact JWS: %v", err)
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if kid, ok := hdr.KeyID(); ok {
		res.Kid = kid
	}
	if alg, ok := hdr.Algorithm(); !ok || alg != jwa.RS256() {
		return res, fmt.Errorf("alg %v, want RS256", alg)
	}
	key, ok := set.LookupKeyID(res.Kid)
	if !ok {
		return res, fmt.Errorf("kid %q is not in the tool's JWKS", res.Kid)
	}
	payload, err := jws.Verify([]byte(tok), jws.WithKey(jwa.RS256(), key))
	if err != nil {
		return res, fmt.Errorf("signature: %w", err)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		return res, err
	}
	res.Claims = c
	now := d.p.Now()
	num := func(name string) float64 { f, _ := c[name].(float64); return f }
	switch {
	case c["iss"] != d.p.ClientID:
		return res, fmt.Errorf("iss %v, want the client id %s", c["iss"], d.p.ClientID)
	case !audHas(c["aud"], d.p.Issuer):
		return res, fmt.Errorf("aud %v, want %s", c["aud"], d.p.Issuer)
	case num("exp") < float64(now.Unix()):
		return res, fmt.Errorf("expired")
	case num("iat") > float64(now.Add(time.Minute).Unix()):
		return res, fmt.Errorf("iat in the future")
	case c["https://purl.imsglobal.org/spec/lti/claim/message_type"] != "LtiDeepLinkingResponse":
		return res, fmt.Errorf("message type %v", c["https://purl.imsglobal.org/spec/lti/claim/message_type"])
	case c["https://purl.imsglobal.org/spec/lti/claim/version"] != "1.3.0":
		return res, fmt.Errorf("version %v", c["https://purl.imsglobal.org/spec/lti/claim/version"])
	case c["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] != d.p.DeploymentID:
		return res, fmt.Errorf("deployment %v", c["https://purl.imsglobal.org/spec/lti/claim/deployment_id"])
	}
	nonce, _ := c["nonce"].(string)
	d.mu.Lock()
	replay := nonce == "" || d.nonces[nonce]
	d.nonces[nonce] = true
	d.mu.Unlock()
	if replay {
		return res, fmt.Errorf("nonce %q missing or replayed", nonce)
	}
	res.Data, _ = c["https://purl.imsglobal.org/spec/lti-dl/claim/data"].(string)
	if res.Data != d.Data {
		return res, fmt.Errorf("data %q, want the request's %q", res.Data, d.Data)
	}
	raw, err := json.Marshal(c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"])
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal(raw, &res.Items); err != nil {
		return res, fmt.Errorf("content_items: %w", err)
	}
	if len(res.Items) > 1 && !d.AcceptMultiple {
		return res, fmt.Errorf("%d items, the request accepted one", len(res.Items))
	}
	return res, nil
}

func audHas(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, v := range a {
			if v == want {
				return true
			}
		}
	}
	return false
}

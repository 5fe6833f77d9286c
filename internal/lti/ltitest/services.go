package ltitest

// The platform's LTI Advantage services: an OAuth2 token endpoint that
// verifies the tool's JWT client assertion against the tool's JWKS, an AGS
// line items container with score endpoints, and an NRPS memberships
// endpoint (nrps.go).
//
// Reading what arrived (for tests, including browser tests):
//
//	p.Scores()                      // every score the platform accepted, in order
//	p.Result(lineItemURL, userID)   // a user's current result: the accepted score with the latest timestamp
//	p.LatestScore(userID)           // the same, across every line item
//	p.LineItems()                   // the line items (created by Stride or by AddLineItem)
//	p.TokenRequests()               // how many access tokens were issued
//
// Making it misbehave: p.FailScores(503, "…", n) fails the next n score
// posts (n < 0: until p.RecoverScores()); p.RevokeTokens() makes every
// issued access token invalid. Before a launch, call
// p.SetToolJWKS(strideURL + "/lti/jwks") so the token endpoint can verify
// Stride's assertions.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Scope and media type names (AGS 2.0, NRPS 2.0).
const (
	ScopeLineItem         = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
	ScopeLineItemReadOnly = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
	ScopeResultReadOnly   = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
	ScopeScore            = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
	ScopeMemberships      = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

	mediaScore             = "application/vnd.ims.lis.v1.score+json"
	mediaLineItem          = "application/vnd.ims.lis.v2.lineitem+json"
	mediaLineItemContainer = "application/vnd.ims.lis.v2.lineitemcontainer+json"
	mediaMemberships       = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
)

var allScopes = []string{ScopeLineItem, ScopeLineItemReadOnly, ScopeResultReadOnly, ScopeScore, ScopeMemberships}

// LineItem is a line item of the simulated gradebook.
type LineItem struct {
	ID             string  `json:"id"` // its URL
	ScoreMaximum   float64 `json:"scoreMaximum"`
	Label          string  `json:"label"`
	ResourceLinkID string  `json:"resourceLinkId,omitempty"`
	ResourceID     string  `json:"resourceId,omitempty"`
	Tag            string  `json:"tag,omitempty"`
}

// ReceivedScore is a score the platform accepted.
type ReceivedScore struct {
	LineItem         string // the line item's URL
	UserID           string
	ScoreGiven       float64
	ScoreMaximum     float64
	ActivityProgress string
	GradingProgress  string
	Timestamp        time.Time
}

type grant struct {
	scopes  []string
	expires time.Time
}

// services is the state of the platform's service endpoints.
type services struct {
	mu            sync.Mutex
	toolJWKS      string
	tokenLifetime time.Duration
	tokens        map[string]grant
	tokenRequests int
	jtis          map[string]bool
	lineItems     []*LineItem
	scores        []ReceivedScore
	scorePosts    int
	failStatus    int
	failBody      string
	failLeft      int // >0: fail that many more; <0: fail until RecoverScores
	members       []Member
	pageSize      int
	membersCalls  int
	audience      string // the aud client assertions must name; "" for the token URL
}

func (p *Platform) mountServices(mux *http.ServeMux) {
	p.svc = &services{tokenLifetime: time.Hour, tokens: map[string]grant{}, jtis: map[string]bool{}, pageSize: 2}
	mux.HandleFunc("POST /token", p.serveToken)
	mux.HandleFunc("GET /ctx/{ctx}/lineitems", p.serveLineItems)
	mux.HandleFunc("POST /ctx/{ctx}/lineitems", p.createLineItem)
	mux.HandleFunc("GET /ctx/{ctx}/lineitems/{id}", p.serveLineItem)
	mux.HandleFunc("POST /ctx/{ctx}/lineitems/{id}/scores", p.serveScore)
	mux.HandleFunc("GET /ctx/{ctx}/memberships", p.serveMemberships)
}

// SetToolJWKS sets the tool's JWKS URL, which the token endpoint verifies
// client assertions with.
func (p *Platform) SetToolJWKS(u string) {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	p.svc.toolJWKS = u
}

// SetTokenAudience makes the token endpoint require aud in client
// assertions instead of its URL (as some Brightspace set-ups do).
func (p *Platform) SetTokenAudience(aud string) {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	p.svc.audience = aud
}

// SetTokenLifetime sets the expires_in of the access tokens issued next.
func (p *Platform) SetTokenLifetime(d time.Duration) {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	p.svc.tokenLifetime = d
}

// LineItemsURL is the AGS line items container of context ctx-1.
func (p *Platform) LineItemsURL() string { return p.Server.URL + "/ctx/ctx-1/lineitems" }

// MembershipsURL is the NRPS memberships URL of context ctx-1.
func (p *Platform) MembershipsURL() string { return p.Server.URL + "/ctx/ctx-1/memberships" }

// addServiceClaims adds the AGS endpoint claim (with the line item of the
// resource link, when one exists) and the NRPS claim to launch claims.
func (p *Platform) addServiceClaims(c map[string]any, resourceLinkID string) {
	ags := map[string]any{"scope": []string{ScopeLineItem, ScopeResultReadOnly, ScopeScore}, "lineitems": p.LineItemsURL()}
	p.svc.mu.Lock()
	for _, li := range p.svc.lineItems {
		if li.ResourceLinkID == resourceLinkID && li.Tag == "" {
			ags["lineitem"] = li.ID
			break
		}
	}
	p.svc.mu.Unlock()
	c["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = ags
	c["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] = map[string]any{
		"context_memberships_url": p.MembershipsURL(), "service_versions": []string{"2.0"}}
}

// AddLineItem creates a line item for a resource link, as an LMS does
// when an instructor adds a graded link; launches of that link then name
// it. It returns the line item's URL.
func (p *Platform) AddLineItem(label string, scoreMaximum float64, resourceLinkID string) string {
	return p.addLineItem(LineItem{Label: label, ScoreMaximum: scoreMaximum, ResourceLinkID: resourceLinkID}).ID
}

func (p *Platform) addLineItem(li LineItem) *LineItem {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	li.ID = p.LineItemsURL() + "/" + strconv.Itoa(len(p.svc.lineItems)+1)
	p.svc.lineItems = append(p.svc.lineItems, &li)
	return &li
}

// LineItems returns the gradebook's line items.
func (p *Platform) LineItems() []LineItem {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	out := make([]LineItem, len(p.svc.lineItems))
	for i, li := range p.svc.lineItems {
		out[i] = *li
	}
	return out
}

// Scores returns every score the platform accepted, in arrival order.
func (p *Platform) Scores() []ReceivedScore {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	return slices.Clone(p.svc.scores)
}

// ScorePosts counts every score request, refused ones included.
func (p *Platform) ScorePosts() int {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	return p.svc.scorePosts
}

// Result returns a user's result in a line item: the accepted score with
// the latest timestamp (an LMS ignores a score older than the one it has).
func (p *Platform) Result(lineItemURL, userID string) (ReceivedScore, bool) {
	return p.latest(func(s ReceivedScore) bool { return s.LineItem == lineItemURL && s.UserID == userID })
}

// LatestScore returns a user's latest accepted score in any line item.
func (p *Platform) LatestScore(userID string) (ReceivedScore, bool) {
	return p.latest(func(s ReceivedScore) bool { return s.UserID == userID })
}

func (p *Platform) latest(match func(ReceivedScore) bool) (ReceivedScore, bool) {
	var best ReceivedScore
	found := false
	for _, s := range p.Scores() {
		if match(s) && (!found || !s.Timestamp.Before(best.Timestamp)) {
			best, found = s, true
		}
	}
	return best, found
}

// TokenRequests counts the access tokens issued.
func (p *Platform) TokenRequests() int {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	return p.svc.tokenRequests
}

// FailScores makes the next n score posts fail with status and body (a
// JSON error body like Canvas's when it starts with '{'); n < 0 fails
// until RecoverScores.
func (p *Platform) FailScores(status int, body string, n int) {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	p.svc.failStatus, p.svc.failBody, p.svc.failLeft = status, body, n
}

// RecoverScores ends FailScores.
func (p *Platform) RecoverScores() { p.FailScores(0, "", 0) }

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// serveToken is the OAuth2 token endpoint: client_credentials with a JWT
// client assertion (Security Framework 1.0 §4.1), verified with the
// tool's JWKS.
func (p *Platform) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_assertion_type must be jwt-bearer")
		return
	}
	p.svc.mu.Lock()
	jwksURL := p.svc.toolJWKS
	p.svc.mu.Unlock()
	if jwksURL == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "the simulator does not know the tool's JWKS (call SetToolJWKS)")
		return
	}
	set, err := fetchJWKS(jwksURL)
	if err != nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "tool JWKS: "+err.Error())
		return
	}
	payload, err := jws.Verify([]byte(f.Get("client_assertion")), jws.WithKeySet(set, jws.WithRequireKid(true)))
	if err != nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "the client assertion does not verify with the tool's keys")
		return
	}
	var c struct {
		Iss, Sub, Jti string
		Aud           json.RawMessage
		Exp, Iat      float64
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "assertion claims: "+err.Error())
		return
	}
	var aud []string
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		aud = []string{one}
	} else {
		_ = json.Unmarshal(c.Aud, &aud)
	}
	now := p.Now()
	p.svc.mu.Lock()
	want := p.svc.audience
	p.svc.mu.Unlock()
	if want == "" {
		want = p.TokenURL()
	}
	switch {
	case c.Iss != p.ClientID || c.Sub != p.ClientID:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "iss and sub must be the client id")
		return
	case !slices.Contains(aud, want):
		oauthError(w, http.StatusUnauthorized, "invalid_client", "aud must be "+want)
		return
	case c.Exp < float64(now.Unix()) || c.Iat > float64(now.Add(time.Minute).Unix()):
		oauthError(w, http.StatusUnauthorized, "invalid_client", "the assertion has expired or is from the future")
		return
	case c.Jti == "":
		oauthError(w, http.StatusUnauthorized, "invalid_client", "the assertion has no jti")
		return
	}
	scopes := strings.Fields(f.Get("scope"))
	for _, s := range scopes {
		if !slices.Contains(allScopes, s) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "unknown scope "+s)
			return
		}
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	p.svc.mu.Lock()
	if p.svc.jtis[c.Jti] {
		p.svc.mu.Unlock()
		oauthError(w, http.StatusUnauthorized, "invalid_client", "the assertion's jti was used before")
		return
	}
	p.svc.jtis[c.Jti] = true
	life := p.svc.tokenLifetime
	p.svc.tokens[tok] = grant{scopes: scopes, expires: now.Add(life)}
	p.svc.tokenRequests++
	p.svc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(life / time.Second), "scope": strings.Join(scopes, " ")})
}

func fetchJWKS(u string) (jwk.Set, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return jwk.Parse(b)
}

// authorize checks the request's bearer token grants one of scopes.
func (p *Platform) authorize(w http.ResponseWriter, r *http.Request, scopes ...string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.svc.mu.Lock()
	g, known := p.svc.tokens[tok]
	p.svc.mu.Unlock()
	if !ok || !known || p.Now().After(g.expires) {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "no valid bearer token")
		return false
	}
	for _, s := range scopes {
		if slices.Contains(g.scopes, s) {
			return true
		}
	}
	oauthError(w, http.StatusForbidden, "insufficient_scope", "the token lacks the scope this needs")
	return false
}

func writeServiceJSON(w http.ResponseWriter, status int, mediaType string, v any) {
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Platform) serveLineItems(w http.ResponseWriter, r *http.Request) {
	if !p.authorize(w, r, ScopeLineItem, ScopeLineItemReadOnly) {
		return
	}
	q := r.URL.Query()
	out := []LineItem{}
	for _, li := range p.LineItems() {
		if (q.Get("resource_link_id") == "" || q.Get("resource_link_id") == li.ResourceLinkID) && (q.Get("tag") == "" || q.Get("tag") == li.Tag) {
			out = append(out, li)
		}
	}
	writeServiceJSON(w, http.StatusOK, mediaLineItemContainer, out)
}

func (p *Platform) serveLineItem(w http.ResponseWriter, r *http.Request) {
	if !p.authorize(w, r, ScopeLineItem, ScopeLineItemReadOnly) {
		return
	}
	for _, li := range p.LineItems() {
		if li.ID == p.LineItemsURL()+"/"+r.PathValue("id") {
			writeServiceJSON(w, http.StatusOK, mediaLineItem, li)
			return
		}
	}
	http.NotFound(w, r)
}

func (p *Platform) createLineItem(w http.ResponseWriter, r *http.Request) {
	if !p.authorize(w, r, ScopeLineItem) {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != mediaLineItem {
		http.Error(w, "Content-Type must be "+mediaLineItem, http.StatusUnsupportedMediaType)
		return
	}
	var li LineItem
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&li); err != nil || li.Label == "" || li.ScoreMaximum <= 0 {
		http.Error(w, `{"errors":[{"message":"a line item needs a label and a positive scoreMaximum"}]}`, http.StatusBadRequest)
		return
	}
	writeServiceJSON(w, http.StatusCreated, mediaLineItem, p.addLineItem(li))
}

func (p *Platform) serveScore(w http.ResponseWriter, r *http.Request) {
	p.svc.mu.Lock()
	p.svc.scorePosts++
	if p.svc.failLeft != 0 {
		if p.svc.failLeft > 0 {
			p.svc.failLeft--
		}
		status, body := p.svc.failStatus, p.svc.failBody
		p.svc.mu.Unlock()
		if strings.HasPrefix(body, "{") {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
		return
	}
	p.svc.mu.Unlock()
	if !p.authorize(w, r, ScopeScore) {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != mediaScore {
		http.Error(w, "Content-Type must be "+mediaScore, http.StatusUnsupportedMediaType)
		return
	}
	lineItem := p.LineItemsURL() + "/" + r.PathValue("id")
	if !slices.ContainsFunc(p.LineItems(), func(li LineItem) bool { return li.ID == lineItem }) {
		http.NotFound(w, r)
		return
	}
	var s struct {
		UserID           string   `json:"userId"`
		ScoreGiven       *float64 `json:"scoreGiven"`
		ScoreMaximum     *float64 `json:"scoreMaximum"`
		ActivityProgress string   `json:"activityProgress"`
		GradingProgress  string   `json:"gradingProgress"`
		Timestamp        string   `json:"timestamp"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&s); err != nil {
		http.Error(w, `{"errors":[{"message":"malformed score"}]}`, http.StatusBadRequest)
		return
	}
	ts, err := time.Parse(time.RFC3339Nano, s.Timestamp)
	switch {
	case err != nil || !strings.Contains(s.Timestamp, "."):
		http.Error(w, `{"errors":[{"message":"timestamp must be ISO 8601 with sub-second precision"}]}`, http.StatusBadRequest)
		return
	case s.UserID == "" || s.ActivityProgress == "" || s.GradingProgress == "":
		http.Error(w, `{"errors":[{"message":"userId, activityProgress and gradingProgress are required"}]}`, http.StatusBadRequest)
		return
	case s.ScoreGiven != nil && (s.ScoreMaximum == nil || *s.ScoreMaximum <= 0):
		http.Error(w, `{"errors":[{"message":"scoreMaximum must be present and positive with scoreGiven"}]}`, http.StatusBadRequest)
		return
	}
	rs := ReceivedScore{LineItem: lineItem, UserID: s.UserID, ActivityProgress: s.ActivityProgress, GradingProgress: s.GradingProgress, Timestamp: ts}
	if s.ScoreGiven != nil {
		rs.ScoreGiven, rs.ScoreMaximum = *s.ScoreGiven, *s.ScoreMaximum
	}
	p.svc.mu.Lock()
	p.svc.scores = append(p.svc.scores, rs)
	p.svc.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// RevokeTokens invalidates every access token issued so far, as an LMS
// does when an admin rotates a tool's credentials.
func (p *Platform) RevokeTokens() {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	p.svc.tokens = map[string]grant{}
}

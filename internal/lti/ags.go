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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/internal/textfmt"
)

// LTI Advantage services, tool side: OAuth2 client-credentials access
// tokens (Security Framework 1.0 §4.1), Assignment and Grade Services 2.0
// (line items, scores) and Names and Role Provisioning Services 2.0
// (course memberships).

// Claim, scope and media type names of AGS 2.0 and NRPS 2.0.
const (
	ClaimNRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

	ScopeLineItem         = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
	ScopeLineItemReadOnly = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
	ScopeResultReadOnly   = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
	ScopeScore            = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
	ScopeMemberships      = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

	MediaScore             = "application/vnd.ims.lis.v1.score+json"
	MediaLineItem          = "application/vnd.ims.lis.v2.lineitem+json"
	MediaLineItemContainer = "application/vnd.ims.lis.v2.lineitemcontainer+json"
	MediaMemberships       = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

	// Activity and grading progress values (AGS 2.0 §3.4).
	ActivityInProgress = "InProgress"
	ActivityCompleted  = "Completed"
	GradingFullyGraded = "FullyGraded"
)

// Scopes lists every scope Stride asks LMS admins to grant (the Canvas
// developer key's configuration lists them).
var Scopes = []string{ScopeLineItem, ScopeLineItemReadOnly, ScopeResultReadOnly, ScopeScore, ScopeMemberships}

// Bounds of service calls (documented in docs/LTI.md).
const (
	// maxServiceBody bounds a token, line item or score response.
	maxServiceBody = 1 << 20
	// maxMembershipPage bounds one page of a membership container.
	maxMembershipPage = 8 << 20
	// MaxMembershipPages and MaxMembers bound a roster pull.
	MaxMembershipPages = 100
	MaxMembers         = 10000
	// tokenMargin renews an access token this long before it expires.
	tokenMargin = 30 * time.Second
	// assertionLifetime is the client assertion's exp - iat.
	assertionLifetime = 5 * time.Minute
)

// ServiceError is a refused or failed service call. Temporary errors
// (network, 408, 425, 429, 5xx) are worth retrying as they are; permanent
// ones (the LMS refused the request) need someone to change something.
type ServiceError struct {
	Status    int    // the HTTP status; 0 when the LMS was not reached
	Message   string // in words an instructor can act on, with the LMS's own message
	Temporary bool
	// RetryAfter is the LMS's Retry-After, when it sent one.
	RetryAfter time.Duration
}

func (e *ServiceError) Error() string { return e.Message }

// Services calls a platform's LTI Advantage services for the tool. It is
// safe for concurrent use.
type Services struct {
	tool   *Tool
	client *http.Client
	now    func() time.Time

	mu     sync.Mutex
	tokens map[string]*cachedToken
}

type cachedToken struct {
	mu      sync.Mutex // one token request at a time per platform and scopes
	token   string
	expires time.Time
}

// ServicesConfig configures Services.
type ServicesConfig struct {
	// HTTPClient calls the LMS; the tool's client (10 s timeout) when nil.
	HTTPClient *http.Client
	// Now is the clock of the token cache's expiry; time.Now when nil.
	Now func() time.Time
}

// NewServices returns the service client of tool.
func NewServices(tool *Tool, cfg ServicesConfig) *Services {
	s := &Services{tool: tool, client: cfg.HTTPClient, now: cfg.Now, tokens: map[string]*cachedToken{}}
	if s.client == nil {
		s.client = tool.client
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func tokenKey(p store.LTIPlatform, scopes []string) string {
	sc := slices.Clone(scopes)
	slices.Sort(sc)
	return strconv.FormatInt(p.ID, 10) + " " + strings.Join(slices.Compact(sc), " ")
}

func (s *Services) entry(key string) *cachedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.tokens[key]
	if !ok {
		e = &cachedToken{}
		s.tokens[key] = e
	}
	return e
}

// AccessToken returns a bearer token for scopes at platform p, from the
// cache while it is valid, else by the client-credentials grant with a JWT
// client assertion signed by the tool's key.
func (s *Services) AccessToken(ctx context.Context, p store.LTIPlatform, scopes []string) (string, error) {
	e := s.entry(tokenKey(p, scopes))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token != "" && s.now().Before(e.expires) {
		return e.token, nil
	}
	tok, ttl, err := s.requestToken(ctx, p, scopes)
	if err != nil {
		return "", err
	}
	e.token, e.expires = tok, s.now().Add(ttl-tokenMargin)
	return tok, nil
}

// forgetToken drops a cached token the platform refused.
func (s *Services) forgetToken(p store.LTIPlatform, scopes []string, tok string) {
	e := s.entry(tokenKey(p, scopes))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token == tok {
		e.token = ""
	}
}

func (s *Services) requestToken(ctx context.Context, p store.LTIPlatform, scopes []string) (string, time.Duration, error) {
	jti, err := random()
	if err != nil {
		return "", 0, err
	}
	// The assertion carries the wall clock, whatever clock the cache
	// runs on: the LMS checks iat and exp against its own.
	now := time.Now()
	aud := p.TokenURL
	if p.TokenAudience != "" {
		aud = p.TokenAudience
	}
	assertion, err := s.tool.Sign(map[string]any{
		"iss": p.ClientID, "sub": p.ClientID, "aud": aud,
		"iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(), "jti": jti,
	})
	if err != nil {
		return "", 0, err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {string(assertion)},
		"scope":                 {strings.Join(scopes, " ")},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &ServiceError{Message: "The platform's token URL is not a URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	body, _, err := s.send(req, "the LMS's token endpoint")
	if err != nil {
		return "", 0, err
	}
	var tr struct {
		AccessToken string  `json:"access_token"`
		TokenType   string  `json:"token_type"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", 0, &ServiceError{Status: http.StatusOK, Message: "The LMS's token endpoint answered without an access_token"}
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return "", 0, &ServiceError{Status: http.StatusOK, Message: fmt.Sprintf("The LMS issued a %q token; Stride uses Bearer tokens", tr.TokenType)}
	}
	ttl := time.Duration(tr.ExpiresIn * float64(time.Second))
	if ttl <= tokenMargin {
		ttl = tokenMargin + time.Second // use it once, then ask again
	}
	return tr.AccessToken, ttl, nil
}

// send does req and returns the body of a 2xx answer; anything else is a
// *ServiceError naming what was called.
func (s *Services) send(req *http.Request, what string) ([]byte, http.Header, error) {
	resp, err := s.client.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, nil, req.Context().Err()
		}
		return nil, nil, &ServiceError{Message: "Stride could not reach " + what + ": " + err.Error(), Temporary: true}
	}
	defer resp.Body.Close()
	limit := int64(maxServiceBody)
	if strings.Contains(req.Header.Get("Accept"), "membership") {
		limit = maxMembershipPage
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, &ServiceError{Status: resp.StatusCode, Message: "Stride could not read the answer of " + what + ": " + err.Error(), Temporary: true}
	}
	if int64(len(body)) > limit {
		return nil, nil, &ServiceError{Status: resp.StatusCode, Message: fmt.Sprintf("The answer of %s is larger than %d bytes", what, limit)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return body, resp.Header, nil
	}
	se := &ServiceError{Status: resp.StatusCode,
		Message: fmt.Sprintf("%s answered %s", textfmt.UpperFirst(what), resp.Status)}
	if m := lmsMessage(body); m != "" {
		se.Message += ": " + m
	}
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly,
		resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		se.Temporary = true
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if n, err := strconv.Atoi(ra); err == nil && n > 0 {
			se.RetryAfter = time.Duration(min(n, 24*3600)) * time.Second
		}
	}
	return nil, nil, se
}

// lmsMessage extracts the error message of an LMS's answer: the JSON
// fields platforms use (Canvas {"errors":[{"message"}]}, OAuth2
// error_description, Moodle and others' "error" or "message"), else the
// start of a plain text body. It is shown to instructors, so it is cut
// short and stripped of control characters.
func lmsMessage(body []byte) string {
	var j struct {
		Errors           json.RawMessage `json:"errors"`
		Error            any             `json:"error"`
		ErrorDescription string          `json:"error_description"`
		Message          string          `json:"message"`
		Reason           string          `json:"reason"`
	}
	var parts []string
	if json.Unmarshal(body, &j) == nil {
		var list []struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(j.Errors, &list) == nil {
			for _, e := range list {
				parts = append(parts, e.Message)
			}
		}
		var obj struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		}
		if json.Unmarshal(j.Errors, &obj) == nil {
			parts = append(parts, obj.Message)
		}
		if e, ok := j.Error.(string); ok {
			parts = append(parts, e)
		}
		parts = append(parts, j.ErrorDescription, j.Message, j.Reason)
	} else if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		parts = append(parts, string(body))
	}
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	m := strings.Join(kept, "; ")
	m = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, m)
	if len(m) > 300 {
		m = strings.ToValidUTF8(m[:300], "") + "…"
	}
	return m
}

// call does an authorized service request: a bearer token for scopes,
// renewed once if the platform refuses it (a revoked or early-expired
// token).
func (s *Services) call(ctx context.Context, p store.LTIPlatform, scopes []string, method, u, accept, contentType string, body []byte, what string) ([]byte, http.Header, error) {
	for try := 0; ; try++ {
		tok, err := s.AccessToken(ctx, p, scopes)
		if err != nil {
			return nil, nil, err
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rd)
		if err != nil {
			return nil, nil, &ServiceError{Message: fmt.Sprintf("The URL of %s is not a URL: %v", what, err)}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", accept)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		out, hdr, err := s.send(req, what)
		var se *ServiceError
		if try == 0 && errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			s.forgetToken(p, scopes, tok)
			continue
		}
		return out, hdr, err
	}
}

// Score is what AGS's score service receives (AGS 2.0 §3.4).
type Score struct {
	UserID           string  `json:"userId"`
	ScoreGiven       float64 `json:"scoreGiven"`
	ScoreMaximum     float64 `json:"scoreMaximum"`
	ActivityProgress string  `json:"activityProgress"`
	GradingProgress  string  `json:"gradingProgress"`
	Timestamp        string  `json:"timestamp"`
}

// Timestamp formats a score's time as AGS wants it: ISO 8601 with
// sub-second precision.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// ScoresURL is the score service of a line item: its path with /scores
// appended, the query kept.
func ScoresURL(lineItem string) (string, error) {
	u, err := url.Parse(lineItem)
	if err != nil || u.Host == "" {
		return "", &ServiceError{Message: "The line item URL the LMS gave is not a URL"}
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/scores"
	u.RawPath = ""
	return u.String(), nil
}

// PostScore sends sc to the line item.
func (s *Services) PostScore(ctx context.Context, p store.LTIPlatform, scopes []string, lineItem string, sc Score) error {
	u, err := ScoresURL(lineItem)
	if err != nil {
		return err
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	_, _, err = s.call(ctx, p, scopes, http.MethodPost, u, "application/json", MediaScore, b, "the LMS's score service")
	return err
}

// LineItem is an AGS line item (the fields Stride reads and writes).
type LineItem struct {
	ID             string  `json:"id,omitempty"`
	ScoreMaximum   float64 `json:"scoreMaximum"`
	Label          string  `json:"label"`
	ResourceLinkID string  `json:"resourceLinkId,omitempty"`
	ResourceID     string  `json:"resourceId,omitempty"`
	Tag            string  `json:"tag,omitempty"`
}

// FindOrCreateLineItem returns the line item of the container that has
// want's resource link and tag, creating it when there is none.
func (s *Services) FindOrCreateLineItem(ctx context.Context, p store.LTIPlatform, scopes []string, container string, want LineItem) (string, error) {
	u, err := url.Parse(container)
	if err != nil || u.Host == "" {
		return "", &ServiceError{Message: "The line items URL the LMS gave is not a URL"}
	}
	q := u.Query()
	if want.ResourceLinkID != "" {
		q.Set("resource_link_id", want.ResourceLinkID)
	}
	if want.Tag != "" {
		q.Set("tag", want.Tag)
	}
	u.RawQuery = q.Encode()
	body, _, err := s.call(ctx, p, scopes, http.MethodGet, u.String(), MediaLineItemContainer, "", nil, "the LMS's line items service")
	if err != nil {
		return "", err
	}
	var items []LineItem
	if err := json.Unmarshal(body, &items); err != nil {
		return "", &ServiceError{Status: http.StatusOK, Message: "The LMS's line items service answered something that is not a list of line items"}
	}
	for _, it := range items {
		// Filters are optional for platforms: check them here.
		if it.ID != "" && it.ResourceLinkID == want.ResourceLinkID && it.Tag == want.Tag {
			return it.ID, nil
		}
	}
	b, err := json.Marshal(want)
	if err != nil {
		return "", err
	}
	body, _, err = s.call(ctx, p, scopes, http.MethodPost, container, MediaLineItem, MediaLineItem, b, "the LMS's line items service")
	if err != nil {
		return "", err
	}
	var created LineItem
	if err := json.Unmarshal(body, &created); err != nil || created.ID == "" {
		return "", &ServiceError{Status: http.StatusOK, Message: "The LMS created a line item but did not say its id"}
	}
	return created.ID, nil
}

// Member is one membership of a context (NRPS 2.0 §2.2).
type Member struct {
	UserID     string   `json:"user_id"`
	Status     string   `json:"status"` // Active (default), Inactive, Deleted
	Name       string   `json:"name"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Email      string   `json:"email"`
	Roles      []string `json:"roles"`
}

// IsInstructor reports whether the member's roles make them course staff
// (the same roles as a launch's).
func (m Member) IsInstructor() bool { return (&Launch{Roles: m.Roles}).IsInstructor() }

// Active reports whether the membership is active (absent status means
// active).
func (m Member) Active() bool { return m.Status == "" || strings.EqualFold(m.Status, "Active") }

// DisplayName is the member's name, or given and family names.
func (m Member) DisplayName() string {
	if m.Name != "" {
		return m.Name
	}
	return strings.TrimSpace(m.GivenName + " " + m.FamilyName)
}

// Memberships reads a context's memberships, following rel="next" links,
// at most MaxMembershipPages pages and MaxMembers members.
func (s *Services) Memberships(ctx context.Context, p store.LTIPlatform, membershipsURL string) ([]Member, error) {
	scopes := []string{ScopeMemberships}
	var out []Member
	next := membershipsURL
	for page := 0; next != ""; page++ {
		if page == MaxMembershipPages {
			return nil, &ServiceError{Message: fmt.Sprintf("The LMS's roster has more than %d pages; Stride reads at most %d members", MaxMembershipPages, MaxMembers)}
		}
		body, hdr, err := s.call(ctx, p, scopes, http.MethodGet, next, MediaMemberships, "", nil, "the LMS's roster service (Names and Roles)")
		if err != nil {
			return nil, err
		}
		var c struct {
			Members []Member `json:"members"`
		}
		if err := json.Unmarshal(body, &c); err != nil {
			return nil, &ServiceError{Status: http.StatusOK, Message: "The LMS's roster service answered something that is not a membership container"}
		}
		out = append(out, c.Members...)
		if len(out) > MaxMembers {
			return nil, &ServiceError{Message: fmt.Sprintf("The LMS's roster has more than %d members, Stride's limit", MaxMembers)}
		}
		next = nextLink(hdr.Values("Link"), next)
	}
	return out, nil
}

// nextLink finds the rel="next" target of Link headers (RFC 8288),
// resolved against the page's URL.
func nextLink(links []string, base string) string {
	for _, h := range links {
		for _, l := range strings.Split(h, ",") {
			l = strings.TrimSpace(l)
			end := strings.IndexByte(l, '>')
			if !strings.HasPrefix(l, "<") || end < 0 {
				continue
			}
			target, params := l[1:end], l[end+1:]
			for _, prm := range strings.Split(params, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(prm), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
					if strings.EqualFold(rel, "next") {
						b, err := url.Parse(base)
						if err != nil {
							return ""
						}
						t, err := b.Parse(target)
						if err != nil {
							return ""
						}
						return t.String()
					}
				}
			}
		}
	}
	return ""
}

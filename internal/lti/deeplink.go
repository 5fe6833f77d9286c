package lti

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Deep linking (1EdTech Deep Linking 2.0): the platform launches the tool
// with an LtiDeepLinkingRequest; the tool lets the instructor choose
// content and posts a signed LtiDeepLinkingResponse back to the
// platform's deep_link_return_url.

// Deep linking claim names and values.
const (
	ClaimDeepLinkingSettings = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
	ClaimContentItems        = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
	ClaimDeepLinkData        = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
	ClaimDeepLinkMsg         = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"

	MessageDeepLinkingResponse = "LtiDeepLinkingResponse"
	// TypeResourceLink is the content item type Stride returns.
	TypeResourceLink = "ltiResourceLink"
)

// Bounds of a deep linking request (documented in docs/LTI.md).
const (
	// MaxDeepLinkData bounds the opaque data the platform asks to echo.
	MaxDeepLinkData = 4 << 10
	maxReturnURLLen = 2000
	// ResponseLifetime is the exp of a deep linking response: the
	// browser posts it at once.
	ResponseLifetime = 5 * time.Minute
)

// DeepLinkSettings is the deep_linking_settings claim of a request.
type DeepLinkSettings struct {
	ReturnURL      string   `json:"deep_link_return_url"`
	AcceptTypes    []string `json:"accept_types"`
	AcceptTargets  []string `json:"accept_presentation_document_targets"`
	AcceptMultiple *bool    `json:"accept_multiple,omitempty"`
	AcceptLineItem *bool    `json:"accept_lineitem,omitempty"`
	AutoCreate     bool     `json:"auto_create,omitempty"`
	Title          string   `json:"title,omitempty"`
	Text           string   `json:"text,omitempty"`
	Data           string   `json:"data,omitempty"`
}

func (d *DeepLinkSettings) check() error {
	if d == nil {
		return refuse(http.StatusBadRequest, "The deep linking request has no deep_linking_settings claim", nil)
	}
	if len(d.ReturnURL) > maxReturnURLLen {
		return refuse(http.StatusBadRequest, fmt.Sprintf("The deep_link_return_url is longer than %d bytes", maxReturnURLLen), nil)
	}
	u, err := url.Parse(d.ReturnURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return refuse(http.StatusBadRequest, "The deep linking request's deep_link_return_url is not an http(s) URL", err)
	}
	if len(d.Data) > MaxDeepLinkData {
		return refuse(http.StatusBadRequest, fmt.Sprintf("The deep linking request's data is longer than %d bytes", MaxDeepLinkData), nil)
	}
	if !d.Accepts(TypeResourceLink) {
		return refuse(http.StatusBadRequest, "This placement accepts no LTI resource links (accept_types lacks ltiResourceLink); Stride offers only those. Use a placement that does", nil)
	}
	return nil
}

// Accepts reports whether the platform accepts content items of type typ.
func (d *DeepLinkSettings) Accepts(typ string) bool { return slices.Contains(d.AcceptTypes, typ) }

// Multiple reports whether the platform accepts several items in one
// response; absent means no.
func (d *DeepLinkSettings) Multiple() bool { return d.AcceptMultiple != nil && *d.AcceptMultiple }

// LineItems reports whether the platform creates line items from the
// items' lineItem; absent means yes (the spec's default).
func (d *DeepLinkSettings) LineItems() bool { return d.AcceptLineItem == nil || *d.AcceptLineItem }

// LineItem is a content item's gradebook column (Deep Linking 2.0 §3.4.1).
type LineItem struct {
	ScoreMaximum float64 `json:"scoreMaximum"`
	Label        string  `json:"label,omitempty"`
	ResourceID   string  `json:"resourceId,omitempty"`
	Tag          string  `json:"tag,omitempty"`
}

// ContentItem is an ltiResourceLink content item.
type ContentItem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title,omitempty"`
	Text     string            `json:"text,omitempty"`
	URL      string            `json:"url,omitempty"`
	Custom   map[string]string `json:"custom,omitempty"`
	LineItem *LineItem         `json:"lineItem,omitempty"`
}

// DeepLinkResponse is what the tool answers a deep linking request with.
type DeepLinkResponse struct {
	ClientID     string // the tool's client id at the platform: iss
	Issuer       string // the platform: aud
	DeploymentID string
	Data         string // the request's data, echoed
	Items        []ContentItem
	Msg          string // shown by the platform when the picker closes
}

// DeepLinkingResponse signs the LtiDeepLinkingResponse JWT to post to the
// platform's deep_link_return_url in the form field JWT.
func (t *Tool) DeepLinkingResponse(r DeepLinkResponse) (string, error) {
	nonce, err := random()
	if err != nil {
		return "", err
	}
	now := t.now()
	items := r.Items
	if items == nil {
		items = []ContentItem{} // an empty selection is an empty array, not null
	}
	c := map[string]any{
		"iss": r.ClientID, "aud": r.Issuer, "iat": now.Unix(), "exp": now.Add(ResponseLifetime).Unix(), "nonce": nonce,
		ClaimMessageType: MessageDeepLinkingResponse, ClaimVersion: Version, ClaimDeploymentID: r.DeploymentID,
		ClaimContentItems: items,
	}
	if r.Data != "" {
		c[ClaimDeepLinkData] = r.Data
	}
	if r.Msg != "" {
		c[ClaimDeepLinkMsg] = r.Msg
	}
	b, err := t.Sign(c)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

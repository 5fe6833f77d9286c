package ltitest

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Dynamic registration on the simulated platform (LTI Dynamic
// Registration 1.0): an OpenID configuration and a registration endpoint
// that checks the tool's client registration and the registration token,
// answers with the platform's client id and deployment id, and records
// what the tool sent.

// Registrar is the platform's dynamic registration side.
type Registrar struct {
	p *Platform
	// Token is the registration token the platform hands the tool; the
	// registration must carry it as a Bearer token.
	Token string
	// Issuer is the issuer the configuration claims (the platform's by
	// default; tests set another to check the tool refuses it).
	Issuer string

	mu            sync.Mutex
	registrations []map[string]any
}

// EnableRegistration adds the OpenID configuration and the registration
// endpoint to the platform.
func (p *Platform) EnableRegistration(t testing.TB) *Registrar {
	t.Helper()
	g := &Registrar{p: p, Token: "reg-token-7", Issuer: p.Issuer}
	p.muxOf().HandleFunc("GET /.well-known/openid-configuration", g.serveConfig)
	p.muxOf().HandleFunc("POST /register", g.serveRegister)
	p.muxOf().HandleFunc("GET /tool-registration", g.serveFrame)
	return g
}

// FrameURL is the platform's page that opens the tool's registration URL
// (toolURL, to which the configuration and token are added) in an iframe,
// as Moodle and Canvas do, and shows #closed when the tool posts the close
// message (LTI Dynamic Registration §3.6).
func (g *Registrar) FrameURL(toolURL string) string {
	sep := "?"
	if strings.Contains(toolURL, "?") {
		sep = "&"
	}
	u := toolURL + sep + "openid_configuration=" + url.QueryEscape(g.ConfigURL()) + "&registration_token=" + url.QueryEscape(g.Token)
	return g.p.Server.URL + "/tool-registration?tool=" + url.QueryEscape(u)
}

var frameTmpl = template.Must(template.New("").Parse(`<!doctype html><title>LMS: add a tool</title>
<h1>Register a tool</h1><p id="closed" hidden>The tool closed the registration.</p>
<iframe src="{{.}}" title="Tool registration" width="800" height="400"></iframe>
<script>window.addEventListener("message", function (e) {
  if (e.data && e.data.subject === "org.imsglobal.lti.close") { document.getElementById("closed").hidden = false; }
});</script>`))

func (g *Registrar) serveFrame(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = frameTmpl.Execute(w, r.URL.Query().Get("tool"))
}

// ConfigURL is the openid_configuration the platform opens the tool's
// registration URL with.
func (g *Registrar) ConfigURL() string { return g.p.Server.URL + "/.well-known/openid-configuration" }

// Registrations are the client registrations received and accepted.
func (g *Registrar) Registrations() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.registrations)
}

func (g *Registrar) serveConfig(w http.ResponseWriter, r *http.Request) {
	p := g.p
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer": g.Issuer, "authorization_endpoint": p.AuthURL(), "token_endpoint": p.TokenURL(), "jwks_uri": p.JWKSURL(),
		"registration_endpoint":                 p.Server.URL + "/register",
		"scopes_supported":                      []string{"openid", "https://purl.imsglobal.org/spec/lti-ags/scope/score", "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem", "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"},
		"response_types_supported":              []string{"id_token"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"iss", "sub", "name", "email"},
		"https://purl.imsglobal.org/spec/lti-platform-configuration": map[string]any{
			"product_family_code": "simulator", "version": "1.0",
			"messages_supported": []map[string]any{{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}},
		},
	})
}

// serveRegister checks the registration as a platform does and answers
// with the client id and deployment id.
func (g *Registrar) serveRegister(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+g.Token {
		http.Error(w, `{"error":"invalid registration token"}`, http.StatusUnauthorized)
		return
	}
	var reg map[string]any
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(b, &reg)
	}
	if err == nil {
		err = checkRegistration(reg)
	}
	if err != nil {
		http.Error(w, `{"error":"invalid_client_metadata","error_description":`+quote(err.Error())+`}`, http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.registrations = append(g.registrations, reg)
	g.mu.Unlock()
	answer := map[string]any{}
	for k, v := range reg {
		answer[k] = v
	}
	answer["client_id"] = g.p.ClientID
	tc, _ := reg["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)
	tc["deployment_id"] = g.p.DeploymentID
	answer["https://purl.imsglobal.org/spec/lti-tool-configuration"] = tc
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// checkRegistration checks the client registration's required members.
func checkRegistration(reg map[string]any) error {
	strs := func(v any) []string {
		var out []string
		if a, ok := v.([]any); ok {
			for _, x := range a {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	str := func(v any) string { s, _ := v.(string); return s }
	switch {
	case reg["application_type"] != "web":
		return fmt.Errorf("application_type %v", reg["application_type"])
	case !slices.Equal(strs(reg["response_types"]), []string{"id_token"}):
		return fmt.Errorf("response_types %v", reg["response_types"])
	case !slices.Contains(strs(reg["grant_types"]), "implicit") || !slices.Contains(strs(reg["grant_types"]), "client_credentials"):
		return fmt.Errorf("grant_types %v", reg["grant_types"])
	case !strings.HasPrefix(str(reg["initiate_login_uri"]), "http"):
		return fmt.Errorf("initiate_login_uri %v", reg["initiate_login_uri"])
	case len(strs(reg["redirect_uris"])) == 0:
		return fmt.Errorf("no redirect_uris")
	case !strings.HasPrefix(str(reg["jwks_uri"]), "http"):
		return fmt.Errorf("jwks_uri %v", reg["jwks_uri"])
	}
	tc, ok := reg["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)
	if !ok {
		return fmt.Errorf("no lti-tool-configuration")
	}
	if str(tc["domain"]) == "" || !strings.HasPrefix(str(tc["target_link_uri"]), "http") {
		return fmt.Errorf("lti-tool-configuration lacks domain or target_link_uri: %v", tc)
	}
	msgs, _ := tc["messages"].([]any)
	dl := false
	for _, m := range msgs {
		if mm, ok := m.(map[string]any); ok && mm["type"] == "LtiDeepLinkingRequest" {
			dl = true
		}
	}
	if !dl {
		return fmt.Errorf("messages lack LtiDeepLinkingRequest: %v", msgs)
	}
	return nil
}

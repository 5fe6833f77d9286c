package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// LTI Dynamic Registration (issue 12 §1): GET /lti/register, opened by the
// LMS with openid_configuration and registration_token.
//
// Who may register: registering an LMS lets it make its users instructors
// of Stride courses, so only a Stride admin may. The LMS opens the URL in
// the admin's browser, often inside a frame, where Stride's sign-in cookie
// (SameSite=Lax) is not sent. So two ways are accepted:
//   - a signed-in Stride admin (the LMS opened the URL in a window, or
//     the browser sends the cookie), who confirms on a Stride page whose
//     same-origin POST /lti/register does the work: a GET that registered
//     at once could be triggered by any site the admin visits, or
//   - a registration link an admin made on /admin/lti:
//     /lti/register?stride_reg=<token>, single use, valid
//     registerLinkLifetime, only a hash of the token stored. The link is
//     used up when Stride posts its registration to the LMS (a wrong
//     openid_configuration does not use it up).
//
// Anyone else gets a 403 before Stride fetches anything, so the endpoint
// cannot be used to make Stride send requests to arbitrary hosts.

// registerParam carries an admin's registration link token.
const registerParam = "stride_reg"

func (x *ltiExtra) toolURLs(r *http.Request) lti.ToolURLs {
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return lti.ToolURLs{Origin: x.origin(r), Domain: host}
}

func (x *ltiExtra) registerRefused(w http.ResponseWriter, r *http.Request, status int, msg string) {
	x.frameable(w, "")
	x.s.classError(w, r, status, "Registration refused", msg)
}

// register answers the LMS opening the registration URL: with a
// registration link it registers at once (the link is the admin's
// consent); a signed-in admin confirms first with a same-origin POST
// (registerConfirmed), since a GET that registered could be triggered by
// any site the admin visits.
func (x *ltiExtra) register(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	configURL, regToken, link := q.Get("openid_configuration"), q.Get("registration_token"), q.Get(registerParam)
	u := principalFrom(ctx).User
	admin := u != nil && u.Role == store.RoleAdmin
	if admin && link == "" {
		if configURL == "" {
			x.registerRefused(w, r, http.StatusBadRequest,
				"The LMS did not send openid_configuration. Start the registration from the LMS (its dynamic registration or \"tool URL\" field), not by opening this URL directly.")
			return
		}
		if err := lti.CheckRegistrationRequest(configURL, regToken); err != nil {
			x.registerFailed(w, r, err)
			return
		}
		cu, _ := url.Parse(configURL)
		x.frameable(w, "")
		x.s.render(w, r, http.StatusOK, templates.LTIRegisterConfirm(templates.LTIRegisterConfirmProps{Links: x.s.links(),
			Action: x.s.base + "/lti/register", ConfigURL: configURL, RegToken: regToken, Host: cu.Host}))
		return
	}
	x.runRegistration(w, r, configURL, regToken, link, admin)
}

// registerConfirmed is a signed-in admin's confirmation (policyAdmin, and
// cross-origin protection: only Stride's own page can post it).
func (x *ltiExtra) registerConfirmed(w http.ResponseWriter, r *http.Request) {
	if !x.s.parseForm(w, r, 16<<10) {
		return
	}
	x.runRegistration(w, r, r.PostForm.Get("openid_configuration"), r.PostForm.Get("registration_token"), "", true)
}

// runRegistration fetches the configuration, registers and stores the
// platform. link is the registration link's token when admin is false.
func (x *ltiExtra) runRegistration(w http.ResponseWriter, r *http.Request, configURL, regToken, link string, admin bool) {
	ctx := r.Context()
	if !admin {
		if link == "" {
			x.registerRefused(w, r, http.StatusForbidden,
				"Registering an LMS needs a Stride admin. Sign in to Stride as an admin in this browser and start again, or give the LMS a registration link made on Stride's admin page of LTI platforms.")
			return
		}
		if _, err := x.s.store.LTIGrant(ctx, store.GrantRegister, link); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				x.registerRefused(w, r, http.StatusForbidden,
					"This registration link was already used or has expired (links work once, for 24 hours). Make a new one on Stride's admin page of LTI platforms.")
				return
			}
			x.fail(w, r, err)
			return
		}
	}
	if configURL == "" {
		x.registerRefused(w, r, http.StatusBadRequest,
			"The LMS did not send openid_configuration. Start the registration from the LMS (its dynamic registration or \"tool URL\" field), not by opening this URL directly.")
		return
	}
	pc, err := x.tool.FetchPlatformConfig(ctx, configURL, regToken)
	if err != nil {
		x.registerFailed(w, r, err)
		return
	}
	if !admin {
		if _, err := x.s.store.UseLTIGrant(ctx, store.GrantRegister, link); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				x.registerRefused(w, r, http.StatusForbidden, "This registration link was used by another registration a moment ago. Make a new one.")
				return
			}
			x.fail(w, r, err)
			return
		}
	}
	p, err := x.tool.Register(ctx, pc, regToken, x.toolURLs(r))
	if err != nil {
		x.registerFailed(w, r, err)
		return
	}
	x.s.log.InfoContext(ctx, "LTI platform registered", "issuer", p.Issuer, "client_id", p.ClientID, "platform", p.ID)
	dep := ""
	if len(p.Deployments) > 0 {
		dep = p.Deployments[len(p.Deployments)-1]
	}
	x.frameable(w, "")
	x.s.render(w, r, http.StatusOK, templates.LTIRegistered(templates.LTIRegisteredProps{Links: x.s.links(),
		Script: x.s.base + "/static/" + x.s.assets.HashedName("lti.js"), Issuer: p.Issuer, ClientID: p.ClientID,
		DeploymentID: dep, Product: pc.Product()}))
}

// registerFailed explains a registration the LMS or its configuration
// made fail.
func (x *ltiExtra) registerFailed(w http.ResponseWriter, r *http.Request, err error) {
	var le *lti.Error
	if errors.As(err, &le) {
		if le.Status >= 500 {
			x.s.log.WarnContext(r.Context(), "LTI registration: LMS unreachable or refused", "err", err)
		}
		x.registerRefused(w, r, le.Status, le.Message+".")
		return
	}
	x.fail(w, r, err)
}

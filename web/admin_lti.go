package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// Admin pages of LMS platforms (issue 12 §1): /admin/lti lists the
// registered platforms and their deployments, adds one (the fields of
// `stride lti platform add`), edits and deletes one, and makes dynamic
// registration links (web/lti_register.go). Site admins only; every form
// is a same-origin POST (cross-origin protection in s.handle).

const (
	// registerLinkLifetime bounds how long a registration link works.
	registerLinkLifetime = 24 * time.Hour
	// maxPlatformForm bounds the platform form.
	maxPlatformForm = 256 << 10
)

func (x *ltiExtra) mountAdmin(r chi.Router) {
	s := x.s
	s.handle(r, http.MethodGet, "/admin/lti", policyAdmin, x.adminList)
	s.handle(r, http.MethodPost, "/admin/lti", policyAdmin, x.adminAdd)
	s.handle(r, http.MethodPost, "/admin/lti/registration-link", policyAdmin, x.adminRegisterLink)
	s.handle(r, http.MethodGet, "/admin/lti/{platform}", policyAdmin, x.adminEditPage)
	s.handle(r, http.MethodPost, "/admin/lti/{platform}", policyAdmin, x.adminEdit)
	s.handle(r, http.MethodPost, "/admin/lti/{platform}/delete", policyAdmin, x.adminDelete)
}

func (x *ltiExtra) adminProps(r *http.Request) (templates.AdminLTIProps, error) {
	ps, err := x.s.store.ListLTIPlatforms(r.Context())
	if err != nil {
		return templates.AdminLTIProps{}, err
	}
	o := x.origin(r)
	p := templates.AdminLTIProps{Links: x.s.links(), Nav: x.s.nav(r, "lti"),
		LoginURL: o + "/lti/login", LaunchURL: o + "/lti/launch", JWKSURL: o + "/lti/jwks", ConfigURL: o + "/lti/config.json",
		DynamicURL: o + "/lti/register"}
	for _, pl := range ps {
		p.Platforms = append(p.Platforms, templates.LTIPlatformRow{ID: pl.ID, Issuer: pl.Issuer, ClientID: pl.ClientID,
			Deployments: strings.Join(pl.Deployments, ", "), AuthURL: pl.AuthURL, TokenURL: pl.TokenURL, JWKSURL: pl.JWKSURL})
	}
	return p, nil
}

func (x *ltiExtra) adminList(w http.ResponseWriter, r *http.Request) {
	p, err := x.adminProps(r)
	if err != nil {
		x.s.dbError(w, r, err)
		return
	}
	switch r.URL.Query().Get("done") {
	case "added":
		p.Notice = "The LMS is registered."
	case "saved":
		p.Notice = "Saved."
	case "deleted":
		p.Notice = "The LMS registration is deleted."
	}
	x.s.render(w, r, http.StatusOK, templates.AdminLTI(p))
}

// readPlatformForm reads and checks the platform form.
func readPlatformForm(form url.Values) (templates.LTIPlatformForm, store.NewLTIPlatform, []templates.FieldError) {
	f := templates.LTIPlatformForm{Issuer: strings.TrimSpace(form.Get("issuer")), ClientID: strings.TrimSpace(form.Get("client_id")),
		AuthURL: strings.TrimSpace(form.Get("auth_url")), TokenURL: strings.TrimSpace(form.Get("token_url")),
		JWKSURL: strings.TrimSpace(form.Get("jwks_url")), Deployments: form.Get("deployment_ids")}
	np := store.NewLTIPlatform{Issuer: f.Issuer, ClientID: f.ClientID, AuthURL: f.AuthURL, TokenURL: f.TokenURL, JWKSURL: f.JWKSURL}
	var errs []templates.FieldError
	fail := func(field, msg string) { errs = append(errs, templates.FieldError{Field: field, Message: msg}) }
	for _, v := range []struct{ field, name, v string }{{"issuer", "Issuer", f.Issuer}, {"client_id", "Client id", f.ClientID}} {
		switch {
		case v.v == "":
			fail(v.field, v.name+": required.")
		case len(v.v) > 255:
			fail(v.field, v.name+": at most 255 bytes.")
		}
	}
	for _, v := range []struct{ field, name, v string }{{"auth_url", "Authorization URL", f.AuthURL}, {"token_url", "Token URL", f.TokenURL}, {"jwks_url", "Keyset URL", f.JWKSURL}} {
		u, err := url.Parse(v.v)
		switch {
		case len(v.v) > 2000:
			fail(v.field, v.name+": at most 2000 bytes.")
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			fail(v.field, v.name+": an http(s) URL, such as https://lms.example.edu/….")
		}
	}
	seen := map[string]bool{}
	for _, d := range strings.FieldsFunc(f.Deployments, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		d = strings.TrimSpace(d)
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		if len(d) > 255 {
			fail("deployment_ids", "Deployment ids: each at most 255 bytes.")
			break
		}
		np.DeploymentIDs = append(np.DeploymentIDs, d)
	}
	if len(np.DeploymentIDs) > 1000 {
		fail("deployment_ids", "Deployment ids: at most 1000.")
	}
	f.Deployments = strings.Join(np.DeploymentIDs, "\n")
	return f, np, errs
}

func (x *ltiExtra) adminAdd(w http.ResponseWriter, r *http.Request) {
	if !x.s.parseForm(w, r, maxPlatformForm) {
		return
	}
	f, np, errs := readPlatformForm(r.PostForm)
	if len(errs) == 0 {
		if _, err := x.s.store.AddLTIPlatform(r.Context(), np); err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				x.s.dbError(w, r, err)
				return
			}
			errs = append(errs, templates.FieldError{Field: "issuer", Message: "Stride could not register it: " + err.Error()})
		}
	}
	if len(errs) > 0 {
		p, err := x.adminProps(r)
		if err != nil {
			x.s.dbError(w, r, err)
			return
		}
		p.Form, p.Errors = f, errs
		x.s.render(w, r, http.StatusUnprocessableEntity, templates.AdminLTI(p))
		return
	}
	http.Redirect(w, r, x.s.base+"/admin/lti?done=added", http.StatusSeeOther)
}

// adminRegisterLink makes a single-use dynamic registration link and shows
// it once.
func (x *ltiExtra) adminRegisterLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token, err := store.NewToken()
	if err != nil {
		x.s.dbError(w, r, err)
		return
	}
	payload, err := json.Marshal(map[string]int64{"by": principalFrom(ctx).User.ID})
	if err != nil {
		x.s.dbError(w, r, err)
		return
	}
	if err := x.s.store.CreateLTIGrant(ctx, store.GrantRegister, token, payload, x.s.now().Add(registerLinkLifetime)); err != nil {
		x.s.dbError(w, r, err)
		return
	}
	p, err := x.adminProps(r)
	if err != nil {
		x.s.dbError(w, r, err)
		return
	}
	p.RegisterURL = x.origin(r) + "/lti/register?" + registerParam + "=" + url.QueryEscape(token)
	p.Notice = "Registration link made; it works once, within 24 hours."
	x.s.render(w, r, http.StatusOK, templates.AdminLTI(p))
}

// platformParam loads the platform of the URL, answering 404 itself.
func (x *ltiExtra) platformParam(w http.ResponseWriter, r *http.Request) (store.LTIPlatform, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "platform"), 10, 64)
	if err != nil || id <= 0 {
		x.s.classNotFound(w, r)
		return store.LTIPlatform{}, false
	}
	p, err := x.s.store.GetLTIPlatform(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		x.s.classNotFound(w, r)
		return store.LTIPlatform{}, false
	}
	if err != nil {
		x.s.dbError(w, r, err)
		return store.LTIPlatform{}, false
	}
	return p, true
}

func (x *ltiExtra) editProps(r *http.Request, p store.LTIPlatform) templates.AdminLTIEditProps {
	return templates.AdminLTIEditProps{Links: x.s.links(), Nav: x.s.nav(r, "lti"), ID: p.ID,
		Form: templates.LTIPlatformForm{Issuer: p.Issuer, ClientID: p.ClientID, AuthURL: p.AuthURL, TokenURL: p.TokenURL,
			JWKSURL: p.JWKSURL, Deployments: strings.Join(p.Deployments, "\n")}}
}

func (x *ltiExtra) adminEditPage(w http.ResponseWriter, r *http.Request) {
	p, ok := x.platformParam(w, r)
	if !ok {
		return
	}
	x.s.render(w, r, http.StatusOK, templates.AdminLTIEdit(x.editProps(r, p)))
}

func (x *ltiExtra) adminEdit(w http.ResponseWriter, r *http.Request) {
	p, ok := x.platformParam(w, r)
	if !ok {
		return
	}
	if !x.s.parseForm(w, r, maxPlatformForm) {
		return
	}
	f, np, errs := readPlatformForm(r.PostForm)
	if len(errs) == 0 {
		if _, err := x.s.store.UpdateLTIPlatform(r.Context(), p.ID, np); err != nil {
			switch {
			case errors.Is(err, store.ErrConflict):
				errs = append(errs, templates.FieldError{Field: "client_id", Message: "Client id: another registration has this issuer and client id."})
			case errors.Is(err, store.ErrInvalid):
				errs = append(errs, templates.FieldError{Field: "issuer", Message: "Stride could not save it: " + err.Error()})
			case errors.Is(err, store.ErrNotFound):
				x.s.classNotFound(w, r)
				return
			default:
				x.s.dbError(w, r, err)
				return
			}
		}
	}
	if len(errs) > 0 {
		ep := x.editProps(r, p)
		ep.Form, ep.Errors = f, errs
		x.s.render(w, r, http.StatusUnprocessableEntity, templates.AdminLTIEdit(ep))
		return
	}
	http.Redirect(w, r, x.s.base+"/admin/lti?done=saved", http.StatusSeeOther)
}

func (x *ltiExtra) adminDelete(w http.ResponseWriter, r *http.Request) {
	p, ok := x.platformParam(w, r)
	if !ok {
		return
	}
	if !x.s.parseForm(w, r, 4<<10) {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		ep := x.editProps(r, p)
		ep.Errors = []templates.FieldError{{Field: "confirm", Message: "Tick the box to confirm the deletion."}}
		x.s.render(w, r, http.StatusUnprocessableEntity, templates.AdminLTIEdit(ep))
		return
	}
	if err := x.s.store.DeleteLTIPlatform(r.Context(), p.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		x.s.dbError(w, r, err)
		return
	}
	x.s.log.InfoContext(r.Context(), "LTI platform deleted", "issuer", p.Issuer, "client_id", p.ClientID, "platform", p.ID)
	http.Redirect(w, r, x.s.base+"/admin/lti?done=deleted", http.StatusSeeOther)
}

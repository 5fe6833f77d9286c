package web

// Account operations a school needs (issue 9): an instructor changes their
// own password; an admin disables or enables an account and makes a
// one-time password-reset link for it. Every route goes through s.handle
// (so the authorization matrix covers it) and every form is a POST behind
// the cross-origin protection.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/auth"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// ResetLinkLifetime is how long a password-reset link works (once).
const ResetLinkLifetime = 72 * time.Hour

// maxTokenLen bounds a token read from a URL before it reaches the store.
const maxTokenLen = 128

func (s *Server) mountAccounts(r chi.Router) {
	s.handle(r, http.MethodGet, "/account", policySignedIn, s.accountPage)
	// Checking the current password costs an argon2id hash.
	s.handle(r, http.MethodPost, "/account/password", policySignedIn, s.work.limitPage(http.HandlerFunc(s.changePassword)).ServeHTTP)
	s.handle(r, http.MethodPost, "/admin/users/{user}/disable", policyAdmin, s.adminSetDisabled(true))
	s.handle(r, http.MethodPost, "/admin/users/{user}/enable", policyAdmin, s.adminSetDisabled(false))
	s.handle(r, http.MethodPost, "/admin/users/{user}/reset-link", policyAdmin, s.adminResetLink)
	s.handle(r, http.MethodGet, "/reset/{token}", policyPublic, s.resetPage)
	s.handle(r, http.MethodPost, "/reset/{token}", policyPublic, s.work.limitPage(http.HandlerFunc(s.resetPassword)).ServeHTTP)
}

func (s *Server) accountProps(r *http.Request) templates.AccountProps {
	u := principalFrom(r.Context()).User
	return templates.AccountProps{Links: s.links(), Nav: s.nav(r, "account"), Email: u.Email, Name: u.Name, Role: string(u.Role)}
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	p := s.accountProps(r)
	if r.URL.Query().Get("changed") != "" {
		p.Notice = "Your password is changed. Every other device is signed out."
	}
	s.render(w, r, http.StatusOK, templates.Account(p))
}

// newPasswordForm reads and checks the new password and its confirmation.
func newPasswordForm(r *http.Request) (string, []templates.FieldError) {
	pw, again := r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	var errs []templates.FieldError
	if err := auth.CheckPasswordLength(pw); err != nil {
		errs = append(errs, templates.FieldError{Field: "new_password", Message: "New password: " + err.Error() + "."})
	} else if pw != again {
		errs = append(errs, templates.FieldError{Field: "confirm_password", Message: "New password again: the two new passwords differ."})
	}
	return pw, errs
}

// changePassword sets the signed-in user's password after checking their
// current one. Wrong current passwords count against the account's
// sign-in budget, so a borrowed session cannot be used to guess it. Every
// session of the account is revoked, and this browser gets a new one.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r, maxSigninBytes) {
		return
	}
	u := principalFrom(r.Context()).User
	client := s.clientIPs.Of(r)
	fail := func(status int, errs ...templates.FieldError) {
		p := s.accountProps(r)
		p.Errors = errs
		s.render(w, r, status, templates.Account(p))
	}
	ok, until, err := s.loginAllowed(r.Context(), u.Email, client)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(int(time.Until(until).Seconds())+1, 1)))
		fail(http.StatusTooManyRequests, templates.FieldError{Field: "current_password",
			Message: "Current password: too many wrong passwords. Try again in " + humanMinutes(time.Until(until)) + "."})
		return
	}
	pw, errs := newPasswordForm(r)
	current := r.PostForm.Get("current_password")
	right, err := auth.VerifyPassword(u.PasswordHash, current)
	if err != nil || !right || u.PasswordHash == "" {
		if err := s.loginFailed(r.Context(), u.Email, client); err != nil {
			s.log.ErrorContext(r.Context(), "count failed password check", "err", err)
		}
		errs = append([]templates.FieldError{{Field: "current_password", Message: "Current password: it is not right."}}, errs...)
	} else if len(errs) == 0 && pw == current {
		errs = append(errs, templates.FieldError{Field: "new_password", Message: "New password: choose one different from the current password."})
	}
	if len(errs) > 0 {
		fail(http.StatusUnprocessableEntity, errs...)
		return
	}
	hash, err := auth.HashPassword(pw, s.classes.hashParams)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	if err := s.store.SetPassword(r.Context(), u.ID, hash); err != nil {
		s.dbError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "password changed", "user", u.ID)
	if err := s.startSession(w, r, u.ID); err != nil {
		s.dbError(w, r, err)
		return
	}
	http.Redirect(w, r, s.base+"/account?changed=1", http.StatusSeeOther)
}

// userParam loads the account of URL param {user}; false after it
// answered 404 (malformed or unknown id) or 503.
func (s *Server) userParam(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "user"), 10, 64)
	if err != nil || id <= 0 {
		s.classNotFound(w, r)
		return store.User{}, false
	}
	u, err := s.store.GetUser(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.classNotFound(w, r)
		return store.User{}, false
	}
	if err != nil {
		s.dbError(w, r, err)
		return store.User{}, false
	}
	return u, true
}

// adminSetDisabled disables or enables the account of {user}. A disabled
// account cannot sign in and its sessions are revoked at once (in the
// same transaction). An admin cannot disable themselves, so a site never
// loses its last admin by a slip.
func (s *Server) adminSetDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.userParam(w, r)
		if !ok {
			return
		}
		if u.ID == principalFrom(r.Context()).User.ID {
			s.classError(w, r, http.StatusConflict, "Not your own account",
				"You cannot disable your own account. Ask another admin, or use the command line.")
			return
		}
		if _, err := s.store.SetUserDisabled(r.Context(), u.ID, disabled); err != nil {
			s.dbError(w, r, err)
			return
		}
		verb := "enabled"
		if disabled {
			verb = "disabled"
		}
		s.log.InfoContext(r.Context(), "account "+verb, "user", u.ID, "by", principalFrom(r.Context()).User.ID)
		http.Redirect(w, r, s.base+"/admin/users?"+verb+"="+url.QueryEscape(u.Email), http.StatusSeeOther)
	}
}

// resetLinkURL is the full address of a reset link.
func (s *Server) resetLinkURL(r *http.Request, token string) string {
	return s.origin(r) + s.base + "/reset/" + token
}

// adminResetLink makes a one-time password-reset link for {user} and
// shows it once. The page is the only copy: the database keeps a hash,
// and the token is never logged.
func (s *Server) adminResetLink(w http.ResponseWriter, r *http.Request) {
	u, ok := s.userParam(w, r)
	if !ok {
		return
	}
	if u.DisabledAt != nil {
		s.classError(w, r, http.StatusConflict, "Account disabled",
			"A reset link of a disabled account would not work. Enable the account first.")
		return
	}
	admin := principalFrom(r.Context()).User
	token, expires, err := s.store.CreateResetToken(r.Context(), u.ID, admin.ID, ResetLinkLifetime)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "password-reset link made", "user", u.ID, "by", admin.ID)
	s.render(w, r, http.StatusOK, templates.ResetLinkShown(templates.ResetLinkProps{Links: s.links(), Nav: s.nav(r, "users"),
		Email: u.Email, URL: s.resetLinkURL(r, token), Expires: expires.UTC().Format("2006-01-02 15:04 UTC")}))
}

// resetGone answers a reset link that does not work (any more).
func (s *Server) resetGone(w http.ResponseWriter, r *http.Request) {
	s.classError(w, r, http.StatusNotFound, "This link does not work",
		"This password-reset link has expired, was used already, or was replaced by a newer one. Ask an admin for a new link.")
}

func (s *Server) resetUser(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	token := chi.URLParam(r, "token")
	if token == "" || len(token) > maxTokenLen {
		s.resetGone(w, r)
		return store.User{}, false
	}
	u, err := s.store.ResetTokenUser(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		s.resetGone(w, r)
		return store.User{}, false
	}
	if err != nil {
		s.dbError(w, r, err)
		return store.User{}, false
	}
	return u, true
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	u, ok := s.resetUser(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, templates.ResetPassword(templates.ResetPasswordProps{Links: s.links(), Action: r.URL.Path, Email: u.Email}))
}

// resetPassword spends a reset link: the new password is set, every
// session of the account revoked, and this browser signed in.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r, maxSigninBytes) {
		return
	}
	u, ok := s.resetUser(w, r)
	if !ok {
		return
	}
	pw, errs := newPasswordForm(r)
	if len(errs) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, templates.ResetPassword(templates.ResetPasswordProps{Links: s.links(), Action: r.URL.Path, Email: u.Email, Errors: errs}))
		return
	}
	hash, err := auth.HashPassword(pw, s.classes.hashParams)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	u, err = s.store.ResetPassword(r.Context(), chi.URLParam(r, "token"), hash)
	if errors.Is(err, store.ErrNotFound) {
		// Spent by another request since the check above.
		s.resetGone(w, r)
		return
	}
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "password reset through a link", "user", u.ID)
	if err := s.startSession(w, r, u.ID); err != nil {
		http.Redirect(w, r, s.base+"/signin", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, s.base+"/courses", http.StatusSeeOther)
}

// adminUsersNotice is the notice of the account list after an action.
func adminUsersNotice(q url.Values) string {
	for _, k := range []string{"added", "disabled", "enabled"} {
		if e := q.Get(k); e != "" && len(e) <= 200 {
			return fmt.Sprintf("%s %s.", map[string]string{"added": "Added", "disabled": "Disabled", "enabled": "Enabled"}[k], e)
		}
	}
	return ""
}

package web

// Sign-in, sign-out, the one-time setup link and the admin's account page.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/auth"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// maxSigninBytes bounds the sign-in and account forms.
const maxSigninBytes = 16 << 10

// endedSessionsKept is how long revoked and expired sessions stay in the
// database (for an admin looking into an incident) before a sign-in
// deletes them.
const endedSessionsKept = 30 * 24 * time.Hour

// signinFailed is the one message of every failed sign-in, so it does not
// tell which e-mails have accounts.
const signinFailed = "The e-mail or the password is wrong."

// setupLinkLifetime is how long the one-time link that creates the first
// admin works. The link is kept in the database as a hash only (so a copy
// of the database cannot be used to take the site over) and works on
// every replica; the log line that prints it is the only copy of the
// token. Each start while there is no admin prints a fresh one, and the
// first admin made (through any link, or `stride user create`) ends them all.
const setupLinkLifetime = 24 * time.Hour

// offerSetup prints a setup link in the log when the database has no
// admin. The token is the one secret Stride ever logs, on purpose: the
// person who starts the server reads it there.
func (s *Server) offerSetup(ctx context.Context) error {
	n, err := s.store.CountAdmins(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	token, err := s.store.CreateSetupToken(ctx, setupLinkLifetime)
	if err != nil {
		return err
	}
	s.log.WarnContext(ctx, "no admin account yet: open this one-time link (valid for 24 hours, on any replica) to create one, or run `stride user create --role admin`",
		"setup_path", s.base+"/setup/"+token)
	return nil
}

// safeNext returns where to go after signing in: a path on this site, or
// the course list. Anything else (another host, "//evil", a scheme) is
// ignored, so the sign-in form is no open redirect.
func (s *Server) safeNext(next string) string {
	home := s.base + "/courses"
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, s.base+"/") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, "\\") || strings.ContainsAny(next, "\r\n\t") {
		return home
	}
	if strings.HasPrefix(strings.TrimPrefix(next, s.base), "//") {
		return home
	}
	return next
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	p := templates.SigninProps{Links: s.links(), Next: r.URL.Query().Get("next")}
	if principalFrom(r.Context()).User != nil {
		http.Redirect(w, r, s.safeNext(p.Next), http.StatusSeeOther)
		return
	}
	if r.URL.Query().Get("signed-out") != "" {
		p.Notice = "You are signed out."
	}
	s.render(w, r, http.StatusOK, templates.Signin(p))
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSigninBytes)
	if err := r.ParseForm(); err != nil {
		s.classError(w, r, http.StatusRequestEntityTooLarge, "Form too large", fmt.Sprintf("The sign-in form may be at most %d bytes.", maxSigninBytes))
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	pw := r.PostForm.Get("password")
	p := templates.SigninProps{Links: s.links(), Email: email, Next: r.PostForm.Get("next")}
	if len(email) > 200 {
		email = email[:200]
	}
	client := s.clientIPs.Of(r)
	ok, until, err := s.loginAllowed(r.Context(), email, client)
	if err != nil {
		s.log.ErrorContext(r.Context(), "sign-in limit", "err", err)
		s.classError(w, r, http.StatusServiceUnavailable, "Try again", "Stride could not reach its database. Please try again in a moment.")
		return
	}
	if !ok {
		wait := time.Until(until).Round(time.Minute)
		w.Header().Set("Retry-After", fmt.Sprint(int(time.Until(until).Seconds())+1))
		p.Error = fmt.Sprintf("Too many failed sign-ins. Try again in %s.", humanMinutes(wait))
		s.render(w, r, http.StatusTooManyRequests, templates.Signin(p))
		return
	}
	u, err := s.store.GetUserByEmail(r.Context(), email)
	ok = false
	switch {
	case err == nil && u.PasswordHash != "" && u.DisabledAt == nil:
		ok, err = auth.VerifyPassword(u.PasswordHash, pw)
		if err != nil {
			s.log.ErrorContext(r.Context(), "stored password hash unreadable", "user", u.ID, "err", err)
			ok = false
		}
	case err == nil || errors.Is(err, store.ErrNotFound):
		// No such account (or it cannot sign in): spend the same work as
		// a real check, so timing does not tell which e-mails exist.
		_, _ = auth.HashPassword(pw, s.classes.hashParams)
	default:
		s.log.ErrorContext(r.Context(), "sign-in lookup", "err", err)
		s.classError(w, r, http.StatusServiceUnavailable, "Try again", "Stride could not reach its database. Please try again in a moment.")
		return
	}
	if !ok {
		if err := s.loginFailed(r.Context(), email, client); err != nil {
			s.log.ErrorContext(r.Context(), "count failed sign-in", "err", err)
		}
		p.Error = signinFailed
		s.render(w, r, http.StatusUnauthorized, templates.Signin(p))
		return
	}
	if err := s.startSession(w, r, u.ID); err != nil {
		s.log.ErrorContext(r.Context(), "start session", "err", err)
		s.classError(w, r, http.StatusServiceUnavailable, "Try again", "Stride could not sign you in. Please try again in a moment.")
		return
	}
	http.Redirect(w, r, s.safeNext(p.Next), http.StatusSeeOther)
}

func humanMinutes(d time.Duration) string {
	m := int(d.Minutes())
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

// startSession signs userID in on this browser: any session the browser
// already had is revoked and a new one (a new token) is made, so a token
// planted before sign-in is worthless afterwards.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID int64) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) <= 128 {
		if err := s.store.RevokeSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	// Sign-ins are rare, so each one also clears out sessions that ended
	// long ago; the table stays as small as the recent sign-ins.
	if _, err := s.store.DeleteEndedSessions(r.Context(), time.Now().Add(-endedSessionsKept)); err != nil {
		s.log.WarnContext(r.Context(), "delete ended sessions", "err", err)
	}
	expires := time.Now().Add(s.classes.sessionTTL)
	token, _, err := s.store.CreateSession(r.Context(), userID, expires)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: s.cookiePath(),
		Expires: expires, MaxAge: int(s.classes.sessionTTL.Seconds()),
		HttpOnly: true, Secure: s.secureRequest(r), SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// signout revokes the session and clears the cookie. It always succeeds.
func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) <= 128 {
		if err := s.store.RevokeSession(r.Context(), c.Value); err != nil {
			s.log.ErrorContext(r.Context(), "revoke session", "err", err)
			s.classError(w, r, http.StatusServiceUnavailable, "Try again", "Stride could not sign you out. Please try again in a moment.")
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: s.cookiePath(), MaxAge: -1,
		HttpOnly: true, Secure: s.secureRequest(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, s.base+"/signin?signed-out=1", http.StatusSeeOther)
}

// setupAvailable reports whether the setup link in the URL may be used now.
func (s *Server) setupAvailable(r *http.Request) (bool, error) {
	token := chi.URLParam(r, "token")
	if token == "" || len(token) > 128 {
		return false, nil
	}
	return s.store.SetupTokenLive(r.Context(), token)
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	ok, err := s.setupAvailable(r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "setup", "err", err)
		s.classError(w, r, http.StatusServiceUnavailable, "Try again", "Stride could not reach its database.")
		return
	}
	if !ok {
		s.classNotFound(w, r)
		return
	}
	s.render(w, r, http.StatusOK, templates.Setup(templates.SetupProps{Links: s.links(), Action: r.URL.Path}))
}

// accountForm reads and checks the e-mail, name and password of a new
// account.
func accountForm(r *http.Request) (email, name, pw string, errs []templates.FieldError) {
	email = strings.TrimSpace(r.PostForm.Get("email"))
	name = strings.TrimSpace(r.PostForm.Get("name"))
	pw = r.PostForm.Get("password")
	if email == "" || !strings.Contains(email, "@") || len(email) > 200 {
		errs = append(errs, templates.FieldError{Field: "email", Message: "E-mail: give an address with an @, at most 200 characters."})
	}
	if len(name) > 200 {
		errs = append(errs, templates.FieldError{Field: "name", Message: "Name: at most 200 characters."})
	}
	if err := auth.CheckPasswordLength(pw); err != nil {
		errs = append(errs, templates.FieldError{Field: "password", Message: "Password: " + err.Error() + "."})
	}
	return email, name, pw, errs
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSigninBytes)
	if err := r.ParseForm(); err != nil {
		s.classError(w, r, http.StatusRequestEntityTooLarge, "Form too large", fmt.Sprintf("The form may be at most %d bytes.", maxSigninBytes))
		return
	}
	ok, err := s.setupAvailable(r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "setup", "err", err)
		s.classError(w, r, http.StatusServiceUnavailable, "Try again", "Stride could not reach its database.")
		return
	}
	if !ok {
		s.classNotFound(w, r)
		return
	}
	email, name, pw, errs := accountForm(r)
	if len(errs) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, templates.Setup(templates.SetupProps{Links: s.links(), Action: r.URL.Path, Email: email, Name: name, Errors: errs}))
		return
	}
	hash, err := auth.HashPassword(pw, s.classes.hashParams)
	if err != nil {
		s.classError(w, r, http.StatusInternalServerError, "Something went wrong", "The password could not be hashed.")
		return
	}
	u, err := s.store.CreateFirstAdmin(r.Context(), chi.URLParam(r, "token"), store.NewUser{Email: email, Name: name, Role: store.RoleAdmin, PasswordHash: hash})
	if errors.Is(err, store.ErrNotFound) {
		// Another tab or replica used a setup link first.
		s.classNotFound(w, r)
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "setup: create admin", "err", err)
		s.classError(w, r, http.StatusConflict, "Could not create the admin", "The account could not be created: "+userError(err)+" Try again with another e-mail, or use `stride user create`.")
		return
	}
	s.log.InfoContext(r.Context(), "first admin created through the setup link", "user", u.ID)
	if err := s.startSession(w, r, u.ID); err != nil {
		http.Redirect(w, r, s.base+"/signin", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, s.base+"/courses", http.StatusSeeOther)
}

// userError says what was wrong with a new account in a sentence.
func userError(err error) string {
	switch {
	case errors.Is(err, store.ErrConflict):
		return "an account with this e-mail already exists."
	case errors.Is(err, store.ErrInvalid):
		return "the e-mail, name or role is not valid."
	}
	return "the database refused it."
}

func (s *Server) nav(r *http.Request, current string) templates.ClassNav {
	u := principalFrom(r.Context()).User
	if u == nil {
		return templates.ClassNav{Current: current}
	}
	return templates.ClassNav{Email: u.Email, Admin: u.Role == store.RoleAdmin, Current: current}
}

func (s *Server) adminUsersProps(r *http.Request) (templates.AdminUsersProps, error) {
	users, err := s.store.ListUsers(r.Context())
	if err != nil {
		return templates.AdminUsersProps{}, err
	}
	p := templates.AdminUsersProps{Links: s.links(), Nav: s.nav(r, "users")}
	me := principalFrom(r.Context()).User
	for _, u := range users {
		p.Users = append(p.Users, templates.UserRow{ID: u.ID, Self: me != nil && me.ID == u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role),
			Created: u.CreatedAt.Format("2006-01-02"), Disabled: u.DisabledAt != nil})
	}
	return p, nil
}

func (s *Server) adminUsersPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminUsersProps(r)
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	p.Notice = adminUsersNotice(r.URL.Query())
	s.render(w, r, http.StatusOK, templates.AdminUsers(p))
}

func (s *Server) adminAddUser(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSigninBytes)
	if err := r.ParseForm(); err != nil {
		s.classError(w, r, http.StatusRequestEntityTooLarge, "Form too large", fmt.Sprintf("The form may be at most %d bytes.", maxSigninBytes))
		return
	}
	email, name, pw, errs := accountForm(r)
	role := store.Role(r.PostForm.Get("role"))
	if role != store.RoleAdmin && role != store.RoleInstructor {
		errs = append(errs, templates.FieldError{Field: "role", Message: "Role: choose instructor or admin."})
	}
	var hash string
	if len(errs) == 0 {
		var err error
		if hash, err = auth.HashPassword(pw, s.classes.hashParams); err != nil {
			s.dbError(w, r, err)
			return
		}
		if _, err := s.store.CreateUser(r.Context(), store.NewUser{Email: email, Name: name, Role: role, PasswordHash: hash}); err != nil {
			if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrInvalid) {
				s.dbError(w, r, err)
				return
			}
			errs = append(errs, templates.FieldError{Field: "email", Message: "E-mail: " + userError(err)})
		}
	}
	if len(errs) > 0 {
		p, err := s.adminUsersProps(r)
		if err != nil {
			s.dbError(w, r, err)
			return
		}
		p.Email, p.Name, p.Role, p.Errors = email, name, string(role), errs
		s.render(w, r, http.StatusUnprocessableEntity, templates.AdminUsers(p))
		return
	}
	http.Redirect(w, r, s.base+"/admin/users?added="+url.QueryEscape(strings.ToLower(email)), http.StatusSeeOther)
}

// dbError answers a request whose database work failed unexpectedly.
func (s *Server) dbError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	s.log.ErrorContext(r.Context(), "class request", "err", err, "path", r.URL.Path)
	s.classError(w, r, http.StatusServiceUnavailable, "Try again", "Stride could not complete this with its database. Please try again in a moment.")
}

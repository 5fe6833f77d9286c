package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// withSession sends r with session token tok.
func withSession(r *http.Request, tok string) *http.Request {
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
	return r
}

// sessionWorks reports whether tok is a live session.
func (e *classEnv) sessionWorks(tok string) bool {
	_, _, err := e.st.LookupSession(context.Background(), tok)
	return err == nil
}

func pwForm(current, pw, again string) url.Values {
	return url.Values{"current_password": {current}, "new_password": {pw}, "confirm_password": {again}}
}

// TestChangePassword: the current password is required, the new one is
// checked and confirmed, and a change revokes every session of the
// account while this browser gets a fresh one; a cross-origin form is
// refused before anything changes.
func TestChangePassword(t *testing.T) {
	e := newClassEnv(t, Config{})
	here, elsewhere := e.session(e.instA), e.session(e.instA)
	post := func(form url.Values, mod func(*http.Request)) *httptest.ResponseRecorder {
		r := withSession(e.request(http.MethodPost, "/account/password", form), here)
		if mod != nil {
			mod(r)
		}
		return e.serve(r)
	}
	if w := e.serve(withSession(e.request(http.MethodGet, "/account", nil), here)); w.Code != http.StatusOK ||
		!strings.Contains(w.Body.String(), `action="/account/password"`) || !strings.Contains(w.Body.String(), "a@example.edu") {
		t.Fatalf("account page: %d", w.Code)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"wrong current", pwForm("wrong password", "new password 123", "new password 123"), "Current password: it is not right."},
		{"no current", pwForm("", "new password 123", "new password 123"), "Current password: it is not right."},
		{"short", pwForm("correct horse battery", "short", "short"), "New password: a password must be 10 to 1024 characters long"},
		{"differ", pwForm("correct horse battery", "new password 123", "new password 124"), "the two new passwords differ"},
		{"same", pwForm("correct horse battery", "correct horse battery", "correct horse battery"), "choose one different"},
	} {
		w := post(tc.form, nil)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%s: %d, want 422 with %q", tc.name, w.Code, tc.want)
		}
	}
	// A form posted from another site changes nothing.
	w := post(pwForm("correct horse battery", "new password 123", "new password 123"), func(r *http.Request) {
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		r.Header.Set("Origin", "https://evil.example")
	})
	if w.Code != http.StatusForbidden || !e.sessionWorks(elsewhere) {
		t.Fatalf("cross-origin change: %d, other session alive %v", w.Code, e.sessionWorks(elsewhere))
	}
	if e.signin("a@example.edu", "correct horse battery", nil).Code != http.StatusSeeOther {
		t.Fatal("the cross-origin form changed the password")
	}
	w = post(pwForm("correct horse battery", "new password 123", "new password 123"), nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account?changed=1" {
		t.Fatalf("change: %d to %q", w.Code, w.Header().Get("Location"))
	}
	fresh := sessionOf(t, w).Value
	if e.sessionWorks(here) || e.sessionWorks(elsewhere) {
		t.Error("sessions from before the change still work")
	}
	if !e.sessionWorks(fresh) {
		t.Error("this browser's new session does not work")
	}
	if w := e.serve(withSession(e.request(http.MethodGet, "/account?changed=1", nil), fresh)); !strings.Contains(w.Body.String(), "Every other device is signed out") {
		t.Error("no notice after the change")
	}
	if e.signin("a@example.edu", "correct horse battery", nil).Code != http.StatusUnauthorized {
		t.Error("the old password still signs in")
	}
	if e.signin("a@example.edu", "new password 123", nil).Code != http.StatusSeeOther {
		t.Error("the new password does not sign in")
	}
}

// TestChangePasswordGuessesLimited: wrong current passwords spend the
// account's sign-in budget, so a borrowed session cannot guess it.
func TestChangePasswordGuessesLimited(t *testing.T) {
	e := newClassEnv(t, Config{})
	tok := e.session(e.instA)
	for i := range loginFailuresPerAccount {
		w := e.serve(withSession(e.request(http.MethodPost, "/account/password", pwForm("guess", "new password 123", "new password 123")), tok))
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i+1, w.Code)
		}
	}
	w := e.serve(withSession(e.request(http.MethodPost, "/account/password", pwForm("correct horse battery", "new password 123", "new password 123")), tok))
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("over the budget: %d", w.Code)
	}
	if e.signin("a@example.edu", "new password 123", nil).Code == http.StatusSeeOther {
		t.Error("the password changed over the budget")
	}
}

// TestAdminDisablesAndEnables: a disabled account cannot sign in (the same
// message as a wrong password) and its sessions end at once; enabling lets
// it sign in again; an admin cannot disable themselves.
func TestAdminDisablesAndEnables(t *testing.T) {
	e := newClassEnv(t, Config{})
	inst := e.session(e.instA)
	path := "/admin/users/" + itoa(e.instA.ID)
	w := e.post(roleAdmin, path+"/disable", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/users?disabled=a%40example.edu" {
		t.Fatalf("disable: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if e.sessionWorks(inst) {
		t.Error("the disabled instructor's session still works")
	}
	if w := e.serve(withSession(e.request(http.MethodGet, "/courses", nil), inst)); w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "/signin") {
		t.Errorf("disabled instructor's course list: %d", w.Code)
	}
	if w := e.signin("a@example.edu", "correct horse battery", nil); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), signinFailed) {
		t.Errorf("disabled sign-in: %d", w.Code)
	}
	page := e.get(roleAdmin, "/admin/users?disabled=a%40example.edu").Body.String()
	if !strings.Contains(page, "Disabled a@example.edu.") || !strings.Contains(page, `action="`+path+`/enable"`) {
		t.Errorf("the account list does not show the disabled account with an Enable button:\n%s", page)
	}
	if w := e.post(roleAdmin, "/admin/users/"+itoa(e.admin.ID)+"/disable", url.Values{}); w.Code != http.StatusConflict {
		t.Errorf("an admin disabling themselves: %d, want 409", w.Code)
	}
	if w := e.post(roleAdmin, "/admin/users/999999/disable", url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("unknown account: %d", w.Code)
	}
	if w := e.post(roleAdmin, "/admin/users/abc/enable", url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("malformed id: %d", w.Code)
	}
	if w := e.post(roleAdmin, path+"/enable", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("enable: %d", w.Code)
	}
	if e.sessionWorks(inst) {
		t.Error("a session revoked by the disable works again after enabling")
	}
	if w := e.signin("a@example.edu", "correct horse battery", nil); w.Code != http.StatusSeeOther {
		t.Errorf("enabled sign-in: %d", w.Code)
	}
}

var resetURLRE = regexp.MustCompile(`value="http://example\.com(/reset/([A-Za-z0-9_-]{43}))"`)

// TestResetLink: an admin's reset link is shown once (never logged), sets
// a new password once, revokes the account's sessions and signs the
// browser in; a used, replaced, expired link or one of a disabled account
// does not work.
func TestResetLink(t *testing.T) {
	clk := &clock{t: time.Now()}
	var logs bytes.Buffer
	var mu sync.Mutex
	e := newClassEnvClock(t, Config{Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))}, clk.Now)
	inst := e.session(e.instA)
	makeLink := func() (string, string) {
		t.Helper()
		w := e.post(roleAdmin, "/admin/users/"+itoa(e.instA.ID)+"/reset-link", url.Values{})
		m := resetURLRE.FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusOK || m == nil {
			t.Fatalf("reset link: %d, link %v", w.Code, m)
		}
		return m[1], m[2]
	}
	path, tok := makeLink()
	mu.Lock()
	if strings.Contains(logs.String(), tok) {
		t.Error("the reset token is in the log")
	}
	mu.Unlock()
	if w := e.serve(e.request(http.MethodGet, path, nil)); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "For a@example.edu") {
		t.Fatalf("reset page: %d", w.Code)
	}
	if w := e.serve(e.request(http.MethodPost, path, url.Values{"new_password": {"reset password 1"}, "confirm_password": {"other"}})); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("mismatched passwords: %d", w.Code)
	}
	w := e.serve(e.request(http.MethodPost, path, url.Values{"new_password": {"reset password 1"}, "confirm_password": {"reset password 1"}}))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/courses" {
		t.Fatalf("reset: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c := sessionOf(t, w); !e.sessionWorks(c.Value) {
		t.Error("not signed in after the reset")
	}
	if e.sessionWorks(inst) {
		t.Error("a session from before the reset still works")
	}
	if e.signin("a@example.edu", "reset password 1", nil).Code != http.StatusSeeOther {
		t.Error("the new password does not sign in")
	}
	// Used: the page and the form say the link does not work.
	for _, r := range []*http.Request{e.request(http.MethodGet, path, nil),
		e.request(http.MethodPost, path, url.Values{"new_password": {"reuse password 1"}, "confirm_password": {"reuse password 1"}})} {
		if w := e.serve(r); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Ask an admin for a new link") {
			t.Errorf("%s of a used link: %d", r.Method, w.Code)
		}
	}
	if e.signin("a@example.edu", "reuse password 1", nil).Code == http.StatusSeeOther {
		t.Error("a used link set the password again")
	}
	// Replaced by a newer link.
	old, _ := makeLink()
	makeLink()
	if w := e.serve(e.request(http.MethodGet, old, nil)); w.Code != http.StatusNotFound {
		t.Errorf("replaced link: %d", w.Code)
	}
	// A disabled account's link does not work, and none is made for it.
	path, _ = makeLink()
	if w := e.post(roleAdmin, "/admin/users/"+itoa(e.instA.ID)+"/disable", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatal(w.Code)
	}
	if w := e.serve(e.request(http.MethodPost, path, url.Values{"new_password": {"disabled password"}, "confirm_password": {"disabled password"}})); w.Code != http.StatusNotFound {
		t.Errorf("disabled account's link: %d", w.Code)
	}
	if w := e.post(roleAdmin, "/admin/users/"+itoa(e.instA.ID)+"/reset-link", url.Values{}); w.Code != http.StatusConflict {
		t.Errorf("reset link for a disabled account: %d, want 409", w.Code)
	}
	// Expired.
	if w := e.post(roleAdmin, "/admin/users/"+itoa(e.instA.ID)+"/enable", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatal(w.Code)
	}
	newer, _ := makeLink()
	clk.Add(ResetLinkLifetime + time.Second)
	if w := e.serve(e.request(http.MethodGet, newer, nil)); w.Code != http.StatusNotFound {
		t.Errorf("expired link: %d", w.Code)
	}
	for _, p := range []string{"/reset/not-a-token", "/reset/" + strings.Repeat("x", 200)} {
		if w := e.serve(e.request(http.MethodGet, p, nil)); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", p[:20], w.Code)
		}
	}
}

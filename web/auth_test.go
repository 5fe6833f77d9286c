package web

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// clock is a settable clock for tests of expiry and rate windows.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (e *classEnv) signin(email, pw string, mod func(*http.Request)) *httptest.ResponseRecorder {
	r := e.request(http.MethodPost, "/signin", url.Values{"email": {email}, "password": {pw}})
	if mod != nil {
		mod(r)
	}
	return e.serve(r)
}

func sessionOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("no session cookie in %d response (%v)", w.Code, w.Header())
	return nil
}

func TestSigninCookieFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        Config
		tls        bool
		wantSecure bool
		wantPath   string
	}{
		{"plain http", Config{}, false, false, "/"},
		{"secure-cookies behind a proxy", Config{SecureCookies: true}, false, true, "/"},
		{"tls", Config{}, true, true, "/"},
		{"base path", Config{BasePath: "/tutor"}, false, false, "/tutor/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.SessionLifetime = 3 * time.Hour
			e := newClassEnv(t, tc.cfg)
			r := e.request(http.MethodPost, tc.wantPath+"signin", url.Values{"email": {"A@Example.edu "}, "password": {"correct horse battery"}})
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := e.serve(r)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != strings.TrimSuffix(tc.wantPath, "/")+"/courses" {
				t.Fatalf("sign-in: %d to %q", w.Code, w.Header().Get("Location"))
			}
			c := sessionOf(t, w)
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.wantSecure || c.Path != tc.wantPath || c.MaxAge != 3*3600 {
				t.Errorf("cookie %+v", c)
			}
			if _, u, err := e.st.LookupSession(context.Background(), c.Value); err != nil || u.ID != e.instA.ID {
				t.Errorf("session of the cookie: %v, %v", u.ID, err)
			}
		})
	}
}

func TestSigninSameMessageForUnknownEmailAndWrongPassword(t *testing.T) {
	e := newClassEnv(t, Config{})
	wrong := e.signin("a@example.edu", "not the password", nil)
	unknown := e.signin("nobody@example.edu", "not the password", nil)
	for _, w := range []*httptest.ResponseRecorder{wrong, unknown} {
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "The e-mail or the password is wrong.") {
			t.Errorf("failed sign-in: %d %q", w.Code, w.Body.String())
		}
		if len(w.Result().Cookies()) != 0 {
			t.Error("a failed sign-in set a cookie")
		}
	}
	strip := func(s string) string { return strings.ReplaceAll(s, "nobody@example.edu", "a@example.edu") }
	if strip(unknown.Body.String()) != wrong.Body.String() {
		t.Error("the pages for an unknown e-mail and a wrong password differ beyond the e-mail typed")
	}
}

// TestSessionRotatedAtSignin: a browser that already carries a session
// token (say one an attacker planted) gets a new one, and the old one is
// revoked.
func TestSessionRotatedAtSignin(t *testing.T) {
	e := newClassEnv(t, Config{})
	planted := e.session(e.instA)
	w := e.signin("a@example.edu", "correct horse battery", func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: planted})
	})
	c := sessionOf(t, w)
	if c.Value == planted {
		t.Fatal("sign-in kept the old session token")
	}
	if _, _, err := e.st.LookupSession(context.Background(), planted); err == nil {
		t.Error("the old session still works after sign-in")
	}
	if _, _, err := e.st.LookupSession(context.Background(), c.Value); err != nil {
		t.Errorf("new session: %v", err)
	}
}

func TestSignoutRevokes(t *testing.T) {
	e := newClassEnv(t, Config{})
	tok := e.session(e.admin)
	get := func() int {
		r := e.request(http.MethodGet, "/admin/users", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
		return e.serve(r).Code
	}
	if c := get(); c != http.StatusOK {
		t.Fatalf("signed in: %d", c)
	}
	r := e.request(http.MethodPost, "/signout", url.Values{})
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
	w := e.serve(r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", w.Code)
	}
	if c := sessionOf(t, w); c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("sign-out cookie %+v does not clear", c)
	}
	// The browser may keep the cookie (a copy elsewhere); the server
	// refuses it.
	if c := get(); c != http.StatusSeeOther {
		t.Errorf("after sign-out: %d, want the redirect to sign in", c)
	}
}

func TestSessionExpires(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newClassEnvClock(t, Config{SessionLifetime: time.Hour}, clk.Now)
	w := e.signin("root@example.edu", "correct horse battery", nil)
	tok := sessionOf(t, w).Value
	get := func() int {
		r := e.request(http.MethodGet, "/admin/users", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
		return e.serve(r).Code
	}
	clk.Add(59 * time.Minute)
	if c := get(); c != http.StatusOK {
		t.Fatalf("before expiry: %d", c)
	}
	clk.Add(2 * time.Minute)
	if c := get(); c != http.StatusSeeOther {
		t.Errorf("after expiry: %d, want the redirect to sign in", c)
	}
}

func TestSessionLifetimeBounds(t *testing.T) {
	st := openTestStore(t, nil)
	if _, err := NewHandler(Config{Store: st, SessionLifetime: time.Second}); err == nil {
		t.Error("a one-second session lifetime was accepted")
	}
}

func TestSigninRateLimit(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newClassEnvClock(t, Config{}, clk.Now)
	for i := 0; i < loginFailuresPerAccount; i++ {
		if w := e.signin("a@example.edu", "guess", nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	// The account's budget is spent: even the right password is refused,
	// without being checked.
	w := e.signin("a@example.edu", "correct horse battery", nil)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "Too many failed sign-ins") {
		t.Fatalf("over the account limit: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	// The limit is the account's: another account from the same address
	// signs in.
	if w := e.signin("b@example.edu", "correct horse battery", nil); w.Code != http.StatusSeeOther {
		t.Errorf("another account: %d", w.Code)
	}
	// An unknown e-mail is limited the same way (no difference to probe).
	for i := 0; i < loginFailuresPerAccount; i++ {
		e.signin("ghost@example.edu", "guess", func(r *http.Request) { r.RemoteAddr = "192.0.2.9:1" })
	}
	if w := e.signin("ghost@example.edu", "guess", func(r *http.Request) { r.RemoteAddr = "192.0.2.9:1" }); w.Code != http.StatusTooManyRequests {
		t.Errorf("unknown e-mail over the limit: %d", w.Code)
	}
	// After the window, the account may try again.
	clk.Add(loginWindow + time.Second)
	if w := e.signin("a@example.edu", "correct horse battery", nil); w.Code != http.StatusSeeOther {
		t.Errorf("after the window: %d", w.Code)
	}
	// Per client address: many accounts guessed from one address.
	from := func(r *http.Request) { r.RemoteAddr = "198.51.100.7:4000" }
	for i := 0; i < loginFailuresPerClient; i++ {
		e.signin("user"+itoa(int64(i))+"@example.edu", "guess", from)
	}
	if w := e.signin("b@example.edu", "correct horse battery", from); w.Code != http.StatusTooManyRequests {
		t.Errorf("over the client limit: %d", w.Code)
	}
	if w := e.signin("b@example.edu", "correct horse battery", nil); w.Code != http.StatusSeeOther {
		t.Errorf("another client: %d", w.Code)
	}
}

func TestSafeNext(t *testing.T) {
	s := &Server{base: "/tutor"}
	for next, want := range map[string]string{
		"":                        "/tutor/courses",
		"/tutor/courses/3":        "/tutor/courses/3",
		"/tutor/admin/users?x=1":  "/tutor/admin/users?x=1",
		"https://evil.example/":   "/tutor/courses",
		"//evil.example/tutor/":   "/tutor/courses",
		"/tutor//evil.example":    "/tutor/courses",
		"/tutor/\\evil":           "/tutor/courses",
		"/other/path":             "/tutor/courses",
		"/tutor/x\r\nSet-Cookie:": "/tutor/courses",
	} {
		if got := s.safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// TestSetupLink: with no admin, the log carries a one-time link that
// creates the first admin and signs them in; it then stops working.
func TestSetupLink(t *testing.T) {
	st := openTestStore(t, nil)
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	app := newTestHandler(t, Config{Store: st, Logger: logger})
	app.server.classes.hashParams = testParams
	mu.Lock()
	m := regexp.MustCompile(`setup_path=(/setup/[A-Za-z0-9_-]{43})`).FindStringSubmatch(logs.String())
	mu.Unlock()
	if m == nil {
		t.Fatalf("no setup link in the log: %s", logs.String())
	}
	path := m[1]
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w
	}
	if w := serve(httptest.NewRequest(http.MethodGet, "/setup/wrong-token", nil)); w.Code != http.StatusNotFound {
		t.Errorf("wrong token: %d", w.Code)
	}
	if w := serve(httptest.NewRequest(http.MethodGet, path, nil)); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Create the admin account") {
		t.Fatalf("setup page: %d", w.Code)
	}
	post := func(form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return serve(r)
	}
	if w := post(url.Values{"email": {"first@example.edu"}, "password": {"short"}}); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Password: a password must be 10 to 1024 characters long") {
		t.Errorf("short password: %d", w.Code)
	}
	w := post(url.Values{"email": {"first@example.edu"}, "name": {"First"}, "password": {"a long enough password"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("setup: %d %s", w.Code, w.Body.String())
	}
	c := sessionOf(t, w)
	if _, u, err := st.LookupSession(context.Background(), c.Value); err != nil || u.Role != store.RoleAdmin || u.Email != "first@example.edu" {
		t.Errorf("signed in as %+v, %v", u, err)
	}
	if w := post(url.Values{"email": {"second@example.edu"}, "password": {"a long enough password"}}); w.Code != http.StatusNotFound {
		t.Errorf("second use of the setup link: %d", w.Code)
	}
	if w := serve(httptest.NewRequest(http.MethodGet, path, nil)); w.Code != http.StatusNotFound {
		t.Errorf("setup page after use: %d", w.Code)
	}
	// A server started on a database that has an admin offers no link.
	logs.Reset()
	newTestHandler(t, Config{Store: st, Logger: logger})
	if strings.Contains(logs.String(), "setup_path") {
		t.Error("setup link offered although an admin exists")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestAdminAddsInstructor(t *testing.T) {
	e := newClassEnv(t, Config{})
	post := func(form url.Values) *httptest.ResponseRecorder {
		return e.serve(e.as(e.request(http.MethodPost, "/admin/users", form), roleAdmin))
	}
	w := post(url.Values{"email": {"new@example.edu"}, "name": {"New"}, "password": {"first password 1"}, "role": {"instructor"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("add: %d", w.Code)
	}
	if w := e.signin("new@example.edu", "first password 1", nil); w.Code != http.StatusSeeOther {
		t.Errorf("the new instructor cannot sign in: %d", w.Code)
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"email": {"new@example.edu"}, "password": {"first password 1"}, "role": {"instructor"}}, "already exists"},
		{url.Values{"email": {"noat"}, "password": {"first password 1"}, "role": {"instructor"}}, "E-mail: give an address with an @"},
		{url.Values{"email": {"x@example.edu"}, "password": {"first password 1"}, "role": {"root"}}, "Role: choose instructor or admin"},
		{url.Values{"email": {"x@example.edu"}, "password": {"123"}, "role": {"admin"}}, "Password: a password must be"},
	} {
		w := post(tc.form)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, w.Code, tc.want)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/auth"
	"github.com/stride-tutor/stride/internal/store"
)

func runUser(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := userCommand(args, env(nil), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUserCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, out, errOut := runUser(t, "a long enough password\r\n", "create", "--email", "Admin@Example.edu", "-role=admin", "-name", "Ada", "-data-dir", dir)
	if code != 0 || !strings.Contains(out, "created admin account admin@example.edu") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "a long enough password") {
		t.Error("the password was printed")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.GetUserByEmail(ctx, "admin@example.edu")
	db.Close()
	if err != nil || u.Role != store.RoleAdmin || u.Name != "Ada" {
		t.Fatalf("account %+v, %v", u, err)
	}
	if ok, err := auth.VerifyPassword(u.PasswordHash, "a long enough password"); !ok || err != nil {
		t.Errorf("stored hash does not verify the password (CR LF stripped): %v, %v", ok, err)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"duplicate", "a long enough password\n", []string{"create", "-email", "admin@example.edu", "-role", "instructor", "-data-dir", dir}, 1, "already exists"},
		{"short password", "short\n", []string{"create", "-email", "x@example.edu", "-role", "instructor", "-data-dir", dir}, 2, "password: a password must be 10 to 1024"},
		{"no password", "", []string{"create", "-email", "x@example.edu", "-role", "instructor", "-data-dir", dir}, 2, "no password on stdin"},
		{"long password", strings.Repeat("x", 2000), []string{"create", "-email", "x@example.edu", "-role", "instructor", "-data-dir", dir}, 2, "10 to 1024"},
		{"no e-mail", "a long enough password\n", []string{"create", "-role", "instructor", "-data-dir", dir}, 2, "-email: give"},
		{"bad role", "a long enough password\n", []string{"create", "-email", "x@example.edu", "-role", "root", "-data-dir", dir}, 2, `-role: "root" is not admin or instructor`},
		{"no subcommand", "", []string{"delete"}, 2, "say create"},
		{"flag without value", "", []string{"create", "-email"}, 2, "-email needs a value"},
		{"bad config", "a long enough password\n", []string{"create", "-email", "x@example.edu", "-role", "admin", "-database-url", "mysql://x"}, 2, "-database-url"},
	} {
		code, out, errOut := runUser(t, tc.stdin, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d with %q (stdout %q)", tc.name, code, errOut, tc.code, tc.want, out)
		}
	}
}

func TestSessionSettings(t *testing.T) {
	c, err := parseConfig([]string{"-secure-cookies", "true"}, env(map[string]string{"STRIDE_SESSION_LIFETIME": "12h"}), &bytes.Buffer{})
	if err != nil || !c.secureCookies || c.sessionLifetime.Hours() != 12 {
		t.Fatalf("%+v, %v", c, err)
	}
	c, err = parseConfig(nil, env(nil), &bytes.Buffer{})
	if err != nil || c.secureCookies || c.sessionLifetime.Hours() != 168 {
		t.Fatalf("defaults: %v %v, %v", c.secureCookies, c.sessionLifetime, err)
	}
	for _, bad := range []map[string]string{{"STRIDE_SECURE_COOKIES": "yes please"}, {"STRIDE_SESSION_LIFETIME": "1m"}, {"STRIDE_SESSION_LIFETIME": "100d"}} {
		if _, err := parseConfig(nil, env(bad), &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", bad)
		} else {
			for k := range bad {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("error %q does not name %s", err, k)
				}
			}
		}
	}
}

// TestUserResetPasswordAndList: the command prints a one-time reset link
// that the store accepts once; list shows every account and its state.
func TestUserResetPasswordAndList(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, out, errOut := runUser(t, "a long enough password\n", "create", "-email", "ada@example.edu", "-role", "instructor", "-name", "Ada\nLovelace", "-data-dir", dir); code != 0 {
		t.Fatalf("create: %d %s%s", code, out, errOut)
	}
	code, out, errOut := runUser(t, "", "reset-password", "-email", "ADA@example.edu", "-origin", "https://stride.example.edu/", "-base-path", "/tutor", "-data-dir", dir)
	m := regexp.MustCompile(`\nhttps://stride\.example\.edu/tutor/reset/([A-Za-z0-9_-]{43})\n$`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "works once") {
		t.Fatalf("reset-password: exit %d\n%s%s", code, out, errOut)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.ResetPassword(ctx, m[1], "new hash")
	if err != nil || u.Email != "ada@example.edu" || u.PasswordHash != "new hash" {
		t.Errorf("the printed link does not reset the password: %+v, %v", u, err)
	}
	if _, err := db.ResetPassword(ctx, m[1], "again"); err == nil {
		t.Error("the printed link works twice")
	}
	if _, err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Without -origin: the path, and a hint on stderr.
	code, out, errOut = runUser(t, "", "reset-password", "-email", "nobody@example.edu", "-data-dir", dir)
	if code != 1 || !strings.Contains(errOut, "no account has the e-mail nobody@example.edu") {
		t.Errorf("unknown e-mail: exit %d, %q", code, errOut)
	}
	code, _, errOut = runUser(t, "", "reset-password", "-email", "ada@example.edu", "-data-dir", dir)
	if code != 1 || !strings.Contains(errOut, "is disabled") {
		t.Errorf("disabled account: exit %d, %q", code, errOut)
	}
	code, out, errOut = runUser(t, "", "list", "-data-dir", dir)
	if code != 0 || !strings.Contains(out, "ada@example.edu") || !strings.Contains(out, "Ada Lovelace") || !strings.Contains(out, "disabled ") ||
		!strings.HasPrefix(out, "ID") || strings.Count(out, "\n") != 2 {
		t.Errorf("list: exit %d\n%s%s", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"reset-password", "-data-dir", dir}, "-email: give"},
		{[]string{"reset-password", "-email", "ada@example.edu", "-origin", "ftp://x", "-data-dir", dir}, "-origin:"},
		{[]string{"reset-password", "-email", "ada@example.edu", "-origin", "https://x/path", "-data-dir", dir}, "-origin:"},
		{[]string{"reset-password", "-email", "ada@example.edu", "-role", "admin", "-data-dir", dir}, "-role does not apply"},
		{[]string{"list", "-email", "ada@example.edu", "-data-dir", dir}, "-email does not apply"},
	} {
		if code, out, errOut := runUser(t, "", tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 with %q (stdout %q)", tc.args, code, errOut, tc.want, out)
		}
	}
}

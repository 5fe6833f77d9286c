package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func runLTI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := ltiCommand(args, env(nil), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLTIPlatformCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	add := []string{"platform", "add", "--issuer", "https://canvas.example.edu", "--client-id", "10000000000042",
		"--deployment-id=1:abc", "--auth-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
		"--token-url", "https://sso.canvaslms.com/login/oauth2/token", "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks",
		"-data-dir", dir}
	if code, out, errOut := runLTI(t, add...); code != 0 || !strings.Contains(out, "registered LTI platform https://canvas.example.edu") {
		t.Fatalf("add: exit %d\n%s%s", code, out, errOut)
	}
	// A second deployment of the same registration.
	add2 := append([]string{}, add...)
	add2[6] = "--deployment-id=2:def"
	if code, out, errOut := runLTI(t, add2...); code != 0 || !strings.Contains(out, "deployments 1:abc, 2:def") {
		t.Fatalf("add second deployment: exit %d\n%s%s", code, out, errOut)
	}
	// An OAuth2 audience for the token endpoint (grades, docs/LTI.md).
	if code, out, errOut := runLTI(t, append(add2, "--token-audience", "https://api.lms.example/auth/token")...); code != 0 {
		t.Fatalf("add with token audience: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runLTI(t, "platform", "list", "-data-dir", dir)
	if code != 0 || !strings.Contains(out, "client id 10000000000042") || !strings.Contains(out, "1:abc, 2:def") || strings.Count(out, "issuer ") != 1 ||
		!strings.Contains(out, "token audience https://api.lms.example/auth/token") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	// A signed item target needs an item.
	if code, out, errOut := runLTI(t, "link", "--item", "999", "-data-dir", dir); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("link of a missing item: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runLTI(t, "link", "--item", "x", "-data-dir", dir); code != 2 || !strings.Contains(errOut, "not an item id") {
		t.Errorf("link of a bad id: exit %d %s", code, errOut)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no verb", []string{"platform"}, 2, "say platform add"},
		{"missing flag", []string{"platform", "add", "--issuer", "https://x", "-data-dir", dir}, 2, "--client-id is required"},
		{"flag without value", []string{"platform", "add", "--issuer"}, 2, "--issuer needs a value"},
		{"bad URL", append(append([]string{}, add[:11]...), "--jwks-url", "ftp://x", "-data-dir", dir), 1, "JWKS URL"},
	} {
		code, out, errOut := runLTI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, want %d with %q\n%s%s", tc.name, code, tc.code, tc.want, out, errOut)
		}
	}
}

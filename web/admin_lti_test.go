package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestAdminLTIPages: an admin lists, adds, edits and deletes LMS
// platforms with the fields of `stride lti platform add`; bad fields are
// named; a cross-site form post is refused.
func TestAdminLTIPages(t *testing.T) {
	e := newClassEnv(t, Config{})
	ctx := context.Background()
	form := url.Values{"issuer": {"https://moodle.example.edu"}, "client_id": {"abc123"},
		"auth_url": {"https://moodle.example.edu/mod/lti/auth.php"}, "token_url": {"https://moodle.example.edu/mod/lti/token.php"},
		"jwks_url": {"https://moodle.example.edu/mod/lti/certs.php"}, "deployment_ids": {"7\n8, 7\n"}}
	w := e.serve(e.as(e.request(http.MethodPost, "/admin/lti", form), roleAdmin))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/lti?done=added" {
		t.Fatalf("add: %d %s", w.Code, w.Body)
	}
	ps, err := e.st.ListLTIPlatforms(ctx)
	if err != nil || len(ps) != 1 || ps[0].ClientID != "abc123" || !slices.Equal(ps[0].Deployments, []string{"7", "8"}) ||
		ps[0].TokenURL != "https://moodle.example.edu/mod/lti/token.php" {
		t.Fatalf("stored: %+v %v", ps, err)
	}
	id := strconv.FormatInt(ps[0].ID, 10)
	w = e.serve(e.as(e.request(http.MethodGet, "/admin/lti?done=added", nil), roleAdmin))
	body := html.UnescapeString(w.Body.String())
	if w.Code != http.StatusOK || !strings.Contains(body, "https://moodle.example.edu") || !strings.Contains(body, "7, 8") ||
		!strings.Contains(body, "/admin/lti/"+id) || !strings.Contains(body, "/lti/jwks") || !strings.Contains(body, "The LMS is registered.") {
		t.Fatalf("list: %d %s", w.Code, body)
	}
	// Bad fields are named, and nothing is stored.
	bad := url.Values{"issuer": {""}, "client_id": {"x"}, "auth_url": {"ftp://x"}, "token_url": {"https://t"}, "jwks_url": {"nope"},
		"deployment_ids": {strings.Repeat("d", 300)}}
	w = e.serve(e.as(e.request(http.MethodPost, "/admin/lti", bad), roleAdmin))
	body = html.UnescapeString(w.Body.String())
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad add: %d", w.Code)
	}
	for _, msg := range []string{"Issuer: required", "Authorization URL: an http(s) URL", "Keyset URL: an http(s) URL", "Deployment ids: each at most 255"} {
		if !strings.Contains(body, msg) {
			t.Errorf("bad add: no %q", msg)
		}
	}
	if ps, _ := e.st.ListLTIPlatforms(ctx); len(ps) != 1 {
		t.Errorf("a bad form stored a platform: %d", len(ps))
	}
	// Edit: the deployments become the list given.
	w = e.serve(e.as(e.request(http.MethodGet, "/admin/lti/"+id, nil), roleAdmin))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "abc123") {
		t.Fatalf("edit page: %d", w.Code)
	}
	form.Set("deployment_ids", "9")
	form.Set("jwks_url", "https://moodle.example.edu/keys")
	w = e.serve(e.as(e.request(http.MethodPost, "/admin/lti/"+id, form), roleAdmin))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", w.Code, w.Body)
	}
	p, err := e.st.GetLTIPlatform(ctx, ps[0].ID)
	if err != nil || !slices.Equal(p.Deployments, []string{"9"}) || p.JWKSURL != "https://moodle.example.edu/keys" {
		t.Fatalf("after edit: %+v %v", p, err)
	}
	// Two registrations cannot share issuer and client id.
	other := url.Values{}
	for k, v := range form {
		other[k] = v
	}
	other.Set("client_id", "other")
	if w := e.serve(e.as(e.request(http.MethodPost, "/admin/lti", other), roleAdmin)); w.Code != http.StatusSeeOther {
		t.Fatalf("add second: %d", w.Code)
	}
	other.Set("client_id", "abc123")
	ps, _ = e.st.ListLTIPlatforms(ctx)
	w = e.serve(e.as(e.request(http.MethodPost, "/admin/lti/"+strconv.FormatInt(ps[1].ID, 10), other), roleAdmin))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "another registration") {
		t.Errorf("edit into a duplicate: %d", w.Code)
	}
	// A cross-site post is refused before it reaches the handler.
	r := e.as(e.request(http.MethodPost, "/admin/lti/"+id+"/delete", url.Values{"confirm": {"yes"}}), roleAdmin)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := e.serve(r); w.Code != http.StatusForbidden {
		t.Errorf("cross-site delete: %d", w.Code)
	}
	// Delete needs the confirmation.
	if w := e.serve(e.as(e.request(http.MethodPost, "/admin/lti/"+id+"/delete", url.Values{}), roleAdmin)); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("delete without confirmation: %d", w.Code)
	}
	if w := e.serve(e.as(e.request(http.MethodPost, "/admin/lti/"+id+"/delete", url.Values{"confirm": {"yes"}}), roleAdmin)); w.Code != http.StatusSeeOther {
		t.Errorf("delete: %d", w.Code)
	}
	if _, err := e.st.GetLTIPlatform(ctx, ps[0].ID); err == nil {
		t.Errorf("the platform is still registered")
	}
	for _, path := range []string{"/admin/lti/" + id, "/admin/lti/abc", "/admin/lti/-1"} {
		if w := e.serve(e.as(e.request(http.MethodGet, path, nil), roleAdmin)); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	// Only admins.
	if w := e.serve(e.as(e.request(http.MethodGet, "/admin/lti", nil), roleInstructor)); w.Code != http.StatusForbidden {
		t.Errorf("instructor: %d", w.Code)
	}
}

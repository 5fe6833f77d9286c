package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFooterLinksToClasses: a site with a database links every page's footer
// to the students' and instructors' entry pages (there is no other way to
// find them); a site without one does not link to pages it lacks.
func TestFooterLinksToClasses(t *testing.T) {
	e := newLearnEnv(t)
	plain := httptest.NewServer(newTestHandler(t, Config{}))
	t.Cleanup(plain.Close)
	for _, tc := range []struct {
		name string
		url  string
		want bool
	}{
		{"with a database", e.srv.URL, true},
		{"without a database", plain.URL, false},
	} {
		for _, path := range []string{"/", "/playground", "/exercises/conv-by-hand"} {
			res, err := http.Get(tc.url + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d", tc.name, path, res.StatusCode)
			}
			page := string(body)
			for _, link := range []string{`href="/my"`, `href="/courses"`} {
				if got := strings.Contains(page, link); got != tc.want {
					t.Errorf("%s %s: footer has %s = %v, want %v", tc.name, path, link, got, tc.want)
				}
			}
			// Printed worksheets need no database.
			if !strings.Contains(page, `href="/print"`) {
				t.Errorf("%s %s: the footer does not link to printed worksheets", tc.name, path)
			}
		}
	}
}

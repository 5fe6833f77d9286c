// Package static embeds Stride's stylesheets, scripts and icons and serves
// them at content-hashed URLs, so a deploy never serves a stale file from a
// browser cache and every file can be cached forever.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed *.css *.js *.svg
var files embed.FS

// Assets is the set of embedded files, each reachable at a URL that carries a
// hash of its content. It is immutable once built.
type Assets struct {
	byName map[string]asset // "app.css" -> asset
	byPath map[string]asset // "app.3f2a9c1b.css" -> asset
}

type asset struct {
	name        string
	hashedName  string
	contentType string
	body        []byte
	etag        string
}

// New reads every embedded file and computes its hashed name.
func New() (*Assets, error) {
	a := &Assets{byName: map[string]asset{}, byPath: map[string]asset{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read embedded %s: %w", p, err)
		}
		sum := sha256.Sum256(body)
		short := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + short + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		as := asset{name: p, hashedName: hashed, contentType: ct, body: body, etag: `"` + short + `"`}
		a.byName[p] = as
		a.byPath[hashed] = as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index static assets: %w", err)
	}
	return a, nil
}

// HashedName returns the content-hashed file name of an embedded file, such
// as "app.3f2a9c1b0d4e.css" for "app.css". It panics on a name that is not
// embedded, because that is a programming error caught by any test that
// renders a page.
func (a *Assets) HashedName(name string) string {
	as, ok := a.byName[name]
	if !ok {
		panic("static: no embedded asset named " + name)
	}
	return as.hashedName
}

// Names lists the embedded files by their plain names.
func (a *Assets) Names() []string {
	names := make([]string, 0, len(a.byName))
	for n := range a.byName {
		names = append(names, n)
	}
	return names
}

// ServeHTTP serves a file by its hashed name (the last element of the URL
// path) with immutable caching. A plain name (say "embed.js", which host
// pages include by a stable URL) is served too, with revalidation instead of
// immutable caching.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	as, hashed := a.byPath[name]
	if !hashed {
		var ok bool
		if as, ok = a.byName[name]; !ok {
			http.NotFound(w, r)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", as.contentType)
	h.Set("ETag", as.etag)
	if hashed {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300, must-revalidate")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, as.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(as.body)
}

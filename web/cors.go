package web

import (
	"fmt"
	"net/http"
	"strings"
)

// Cross-origin use of the JSON API (docs/API.md, "Cross-origin use").
//
// The API under /api/v1 is public and anonymous: the compute endpoints, the
// exercise catalog and variants, and the check endpoint that embedded
// exercises call. Any page may call it from a browser, so responses carry
// Access-Control-Allow-Origin: * and OPTIONS answers CORS preflight. No
// credentials are ever allowed: with "*" a browser sends no cookies on a
// cross-origin request and fails any credentialed preflight, so a page on
// another site can never act as a signed-in user through this API. Pages,
// forms, the websocket and /metrics are not opened to other origins.
const (
	corsAllowHeaders  = "Content-Type, Accept, X-Request-Id"
	corsExposeHeaders = "Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
	// corsMaxAge is how long a browser may cache a preflight answer: two
	// hours, the most Chromium honours.
	corsMaxAge = "7200"
)

// apiCORS lets pages of any origin read the API's responses, errors
// included, without credentials.
var (
	corsAnyOrigin   = oneValue("*")
	corsExposeValue = oneValue(corsExposeHeaders)
)

func apiCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Shared values (never changed in place: Set replaces a value,
		// and Add copies one whose capacity is full).
		h["Access-Control-Allow-Origin"] = corsAnyOrigin
		h["Access-Control-Expose-Headers"] = corsExposeValue
		next.ServeHTTP(w, r)
	})
}

// preflight answers OPTIONS on an API route that allows methods. A CORS
// preflight (Origin and Access-Control-Request-Method) learns that any
// origin may send those methods with a JSON body; a plain OPTIONS learns
// the methods from Allow. Both get 204 and no body.
func preflight(methods ...string) http.HandlerFunc {
	allow := strings.Join(append(methods, http.MethodOptions), ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Allow", allow)
		if r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Allow-Methods", allow)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
		}
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
	}
}

// checkJSONContentType refuses a request body that is not declared as
// application/json with 415. A missing Content-Type is refused too: an
// HTML form or a "simple" cross-origin request (text/plain) must not reach
// a JSON endpoint without the preflight that application/json forces.
func checkJSONContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt := strings.ToLower(strings.TrimSpace(mediaType(ct)))
	if mt == "application/json" {
		return nil
	}
	msg := "the request has no Content-Type; send the body as JSON with Content-Type: application/json"
	if ct != "" {
		msg = fmt.Sprintf("send the body as JSON with Content-Type: application/json, not %q", clip(mt, 100))
	}
	return &fieldError{status: http.StatusUnsupportedMediaType, field: "Content-Type", msg: msg}
}

// mediaType is the part of a Content-Type before its parameters, as
// strings.Split(ct, ";")[0] would give, without allocating.
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return mt
}

package web

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// requestScheme is the scheme the client used to reach Stride: https when
// the connection is TLS or a TLS-terminating proxy says so in
// X-Forwarded-Proto (as deploy/nginx.conf sets it), else http.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	if strings.EqualFold(strings.TrimSpace(proto), "https") {
		return "https"
	}
	return "http"
}

// sameOrigin reports whether origin (an Origin header, scheme://host[:port])
// is the origin of the request itself: the same scheme, host and port, with
// a missing port read as the scheme's default. http://stride.example and
// https://stride.example are different origins; a page served over plain
// http must not open streams meant for the https site.
//
// Trusting X-Forwarded-Proto here is safe: the check exists to stop other
// sites' pages in a browser, and a browser's websocket handshake cannot set
// that header.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") {
		return false // includes the opaque origin "null"
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return false
	}
	if scheme != requestScheme(r) {
		return false
	}
	oHost, oPort := splitHostPortDefault(u.Host, scheme)
	rHost, rPort := splitHostPortDefault(r.Host, scheme)
	return oHost != "" && strings.EqualFold(oHost, rHost) && oPort == rPort
}

// splitHostPortDefault splits host[:port], filling in the scheme's default
// port, so "stride.example" and "stride.example:443" compare equal under
// https.
func splitHostPortDefault(hostport, scheme string) (host, port string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port (or an IPv6 literal without one).
		host, port = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), ""
	}
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return host, port
}

package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIPs tells which client a request came from, for per-client budgets
// (rate limits, stream caps). By default that is the TCP peer. Behind a
// reverse proxy every request arrives from the proxy, so the operator names
// the header the proxy sets (X-Forwarded-For, X-Real-IP, ...); the header is
// honoured only then, because any client can send it.
type ClientIPs struct {
	// header is the canonical name of the trusted proxy header, or "".
	header string
}

// NewClientIPs returns a resolver that trusts header (empty: none).
func NewClientIPs(header string) (ClientIPs, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return ClientIPs{}, nil
	}
	for _, r := range header {
		ok := r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return ClientIPs{}, fmt.Errorf("header name %q may hold only letters, digits and '-'", header)
		}
	}
	return ClientIPs{header: http.CanonicalHeaderKey(header)}, nil
}

// Of returns the client's address as a string key. With a trusted header,
// the last address in it is used: that is the one the nearest proxy (ours)
// appended, whereas earlier entries are whatever the client claimed. A
// missing or malformed header falls back to the TCP peer.
func (c ClientIPs) Of(r *http.Request) string {
	if c.header != "" {
		if values := r.Header.Values(c.header); len(values) > 0 {
			last := values[len(values)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if addr, err := netip.ParseAddr(strings.TrimSpace(last)); err == nil {
				return addr.Unmap().String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Unmap().String()
	}
	return host
}

package web

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		origin, host, proto string
		tls                 bool
		want                bool
	}{
		{origin: "http://stride.example", host: "stride.example", want: true},
		{origin: "http://STRIDE.example", host: "stride.example", want: true},
		{origin: "http://stride.example", host: "stride.example:80", want: true},
		{origin: "http://stride.example:8080", host: "stride.example:8080", want: true},
		{origin: "http://stride.example", host: "stride.example:8080", want: false},
		{origin: "http://stride.example:8081", host: "stride.example:8080", want: false},
		{origin: "https://stride.example", host: "stride.example", want: false},
		{origin: "https://stride.example", host: "stride.example", tls: true, want: true},
		{origin: "https://stride.example", host: "stride.example:443", tls: true, want: true},
		{origin: "http://stride.example", host: "stride.example", tls: true, want: false},
		{origin: "https://stride.example", host: "stride.example", proto: "https", want: true},
		{origin: "https://stride.example", host: "stride.example", proto: "HTTPS, http", want: true},
		{origin: "http://stride.example", host: "stride.example", proto: "https", want: false},
		{origin: "http://[::1]:8080", host: "[::1]:8080", want: true},
		{origin: "http://[::1]", host: "[::1]", want: true},
		{origin: "http://[::1]:8080", host: "[::2]:8080", want: false},
		{origin: "http://evil.example", host: "stride.example", want: false},
		{origin: "http://stride.example.evil.example", host: "stride.example", want: false},
		{origin: "null", host: "stride.example", want: false},
		{origin: "file://", host: "stride.example", want: false},
		{origin: "ws://stride.example", host: "stride.example", want: false},
		{origin: "http://user@stride.example", host: "stride.example", want: false},
		{origin: "http://stride.example/path", host: "stride.example", want: false},
		{origin: "http://", host: "", want: false},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/ws/animate", nil)
		r.Host = tc.host
		r.TLS = nil
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		if got := sameOrigin(tc.origin, r); got != tc.want {
			t.Errorf("sameOrigin(%q) for host %q, tls %v, X-Forwarded-Proto %q = %v, want %v",
				tc.origin, tc.host, tc.tls, tc.proto, got, tc.want)
		}
	}
}

package web

import (
	"net/http/httptest"
	"testing"
)

func TestClientIPs(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		remote  string
		headers map[string][]string
		want    string
	}{
		{"peer when no header trusted", "", "192.0.2.7:5555", map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "192.0.2.7"},
		{"last forwarded entry", "X-Forwarded-For", "10.0.0.1:80", map[string][]string{"X-Forwarded-For": {"198.51.100.1, 203.0.113.9"}}, "203.0.113.9"},
		{"last of repeated headers", "x-forwarded-for", "10.0.0.1:80", map[string][]string{"X-Forwarded-For": {"198.51.100.1", "203.0.113.10"}}, "203.0.113.10"},
		{"real ip", "X-Real-IP", "10.0.0.1:80", map[string][]string{"X-Real-Ip": {"2001:db8::1"}}, "2001:db8::1"},
		{"garbage header falls back to peer", "X-Real-IP", "10.0.0.1:80", map[string][]string{"X-Real-Ip": {"not an address"}}, "10.0.0.1"},
		{"missing header falls back to peer", "X-Real-IP", "[::1]:80", nil, "::1"},
		{"mapped v4 peer", "", "[::ffff:192.0.2.1]:80", nil, "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClientIPs(tt.header)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for k, vs := range tt.headers {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			if got := c.Of(r); got != tt.want {
				t.Errorf("Of() = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := NewClientIPs("X-Bad Header"); err == nil {
		t.Error("a header name with a space was accepted")
	}
}

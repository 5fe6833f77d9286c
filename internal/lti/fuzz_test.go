package lti

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// FuzzVerify: whatever a client posts as id_token and state, Verify never
// panics and refuses with a 4xx *Error (no platform is registered, so
// nothing can pass and nothing is fetched).
func FuzzVerify(f *testing.F) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	tool := &Tool{st: st, now: time.Now, leeway: DefaultLeeway, stateKey: []byte("0123456789abcdef0123456789abcdef"),
		jwks: newJWKSCache(http.DefaultClient, time.Now)}
	valid, err := tool.sealState(state{ID: "i", PlatformID: 1, Nonce: "n", Expires: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwczovL2xtcyJ9.c2ln", valid)
	f.Add("a.b.c", valid)
	f.Add("", "")
	f.Add("eyJhbGciOiJub25lIn0.e30.", valid)
	f.Add("x", "eyJ9.AAAA")
	f.Fuzz(func(t *testing.T, tok, st string) {
		if st == "valid" {
			st = valid
		}
		_, err := tool.Verify(ctx, tok, st)
		var le *Error
		if !errors.As(err, &le) || le.Status < 400 || le.Status >= 500 {
			t.Fatalf("Verify(%q, %q) = %v, want a 4xx refusal", tok, st, err)
		}
	})
}

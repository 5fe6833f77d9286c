package lti

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// FuzzComplete: whatever a browser posts to complete a platform-storage
// launch (sealed launch, state, nonce), Complete never panics and refuses
// with a 4xx *Error unless the seal is Stride's and the values match; a
// genuine seal with its own values is served once.
func FuzzComplete(f *testing.F) {
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
	sc := &StorageCheck{Target: "_parent", Origin: "https://lms.example", StateKey: "state_s", State: "s", NonceKey: "nonce_n", Nonce: "n"}
	valid, err := tool.SealPending(&Launch{Platform: store.LTIPlatform{ID: 1, Issuer: "https://lms.example"}, Storage: sc})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, "s", "n")
	f.Add(valid, "s", "")
	f.Add("", "", "")
	f.Add("e30.AAAA", "s", "n")
	f.Add("x.y.z", "\x00", "n")
	f.Fuzz(func(t *testing.T, sealed, state, nonce string) {
		if sealed == "valid" {
			sealed = valid
		}
		_, err := tool.Complete(ctx, sealed, state, nonce)
		var le *Error
		if !errors.As(err, &le) || le.Status < 400 || le.Status >= 500 {
			// The genuine seal with its values passes the checks and then
			// finds no registered platform: still a 4xx.
			t.Fatalf("Complete(%q, %q, %q) = %v, want a 4xx refusal", sealed, state, nonce, err)
		}
	})
}

// FuzzStorageTarget: lti_storage_target is accepted only as a plain frame
// name, never anything that could break out of an HTML attribute.
func FuzzStorageTarget(f *testing.F) {
	for _, s := range []string{"_parent", "post_message_forwarding", `x"><script>`, "", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		err := checkStorageTarget(v)
		if err != nil {
			return
		}
		if len(v) > MaxStorageTargetLen {
			t.Fatalf("accepted %d bytes", len(v))
		}
		for _, c := range v {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-') {
				t.Fatalf("accepted %q with %q", v, c)
			}
		}
	})
}

package lti_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/stride-tutor/stride/internal/lti"
)

// kids lists the key ids of the tool's JWKS.
func kids(t *testing.T, tool *lti.Tool) ([]string, jwk.Set) {
	t.Helper()
	b, err := tool.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	set, err := jwk.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range set.Len() {
		k, _ := set.Key(i)
		kid, _ := k.KeyID()
		out = append(out, kid)
	}
	slices.Sort(out)
	return out, set
}

// verifies reports whether tok verifies with a key of set named by its kid.
func verifies(set jwk.Set, tok []byte) bool {
	msg, err := jws.Parse(tok)
	if err != nil {
		return false
	}
	kid, _ := msg.Signatures()[0].ProtectedHeaders().KeyID()
	k, ok := set.LookupKeyID(kid)
	if !ok {
		return false
	}
	_, err = jws.Verify(tok, jws.WithKey(jwa.RS256(), k))
	return err == nil
}

// TestRotateKey: after `stride lti rotate-key` the new key signs and both
// keys are published; the old key's tokens verify until its retirement,
// when it leaves the JWKS; a running tool sees the rotation within a
// minute (RefreshKeys) without a restart.
func TestRotateKey(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	before, set := kids(t, e.tool)
	old := e.tool.SigningKeyID()
	if len(before) != 1 || before[0] != old {
		t.Fatalf("JWKS before rotation %v, signing key %s", before, old)
	}
	oldTok, err := e.tool.Sign(map[string]any{"iss": "stride", "n": 1})
	if err != nil || !verifies(set, oldTok) {
		t.Fatalf("token of the first key: %v", err)
	}
	kid, err := lti.RotateKey(ctx, e.st, 48*time.Hour, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Not yet reread: the running tool still signs with the old key.
	if err := e.tool.RefreshKeys(ctx); err != nil || e.tool.SigningKeyID() != old {
		t.Fatalf("refresh right after rotation: %v, signing %s", err, e.tool.SigningKeyID())
	}
	e.clock.Add(2 * time.Minute)
	if err := e.tool.RefreshKeys(ctx); err != nil {
		t.Fatal(err)
	}
	after, set := kids(t, e.tool)
	want := []string{kid, old}
	slices.Sort(want)
	if !slices.Equal(after, want) || e.tool.SigningKeyID() != kid {
		t.Fatalf("JWKS after rotation %v, want %v; signing %s, want %s", after, want, e.tool.SigningKeyID(), kid)
	}
	newTok, err := e.tool.Sign(map[string]any{"iss": "stride", "n": 2})
	if err != nil || !verifies(set, newTok) || !verifies(set, oldTok) {
		t.Fatalf("after rotation: new token verifies %v, old token verifies %v (%v)", verifies(set, newTok), verifies(set, oldTok), err)
	}
	// After the retirement the old key is gone from the JWKS.
	e.clock.Add(48 * time.Hour)
	if err := e.tool.RefreshKeys(ctx); err != nil {
		t.Fatal(err)
	}
	final, set := kids(t, e.tool)
	if !slices.Equal(final, []string{kid}) || verifies(set, oldTok) || !verifies(set, newTok) {
		t.Fatalf("after retirement JWKS %v (old token verifies %v)", final, verifies(set, oldTok))
	}
	for _, bad := range []time.Duration{-time.Second, lti.MaxKeyRetirement + time.Hour} {
		if _, err := lti.RotateKey(ctx, e.st, bad, e.clock.Now()); err == nil {
			t.Errorf("retirement %v accepted", bad)
		}
	}
}

package lti_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/lti"
)

// storageLogin begins a login whose platform offers storage and returns the
// tool's answer and what the platform posts to the launch URL.
func (e *env) storageLogin(t *testing.T, target string) (lti.Begun, string, string) {
	t.Helper()
	b, err := e.tool.Begin(context.Background(), lti.LoginRequest{Issuer: e.plat.Issuer, LoginHint: "u1",
		TargetLinkURI: "https://stride.example/lti/launch", MessageHint: "/exercises/conv-by-hand",
		ClientID: e.plat.ClientID, StorageTarget: target}, "https://stride.example/lti/launch")
	if err != nil {
		t.Fatal(err)
	}
	_, form, err := e.plat.Authorize(b.URL)
	if err != nil {
		t.Fatal(err)
	}
	return b, form.Get("id_token"), form.Get("state")
}

func TestPlatformStorageLogin(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	// Without lti_storage_target: no storage check, the signed state alone.
	b, err := e.tool.Begin(ctx, lti.LoginRequest{Issuer: e.plat.Issuer, LoginHint: "u1", TargetLinkURI: "x"}, "https://stride.example/lti/launch")
	if err != nil || b.Storage != nil || b.State == "" || b.Nonce == "" {
		t.Fatalf("login without storage: %+v %v", b, err)
	}
	b, tok, state := e.storageLogin(t, "post_message_forwarding")
	sc := b.Storage
	if sc == nil {
		t.Fatal("a login with lti_storage_target has no storage check")
	}
	// The values the page stores are the ones the authorization request
	// carries, under keys named after them, in the frame the platform
	// named, for the origin of the platform's OIDC authorization URL.
	if sc.State != state || sc.StateKey != "state_"+state || sc.Nonce != b.Nonce || sc.NonceKey != "nonce_"+b.Nonce ||
		sc.Target != "post_message_forwarding" || sc.Origin != e.plat.Server.URL || !strings.HasPrefix(e.plat.AuthURL(), sc.Origin+"/") {
		t.Errorf("storage check %+v (state %q, nonce %q, platform %s)", sc, state, b.Nonce, e.plat.Server.URL)
	}
	l, err := e.tool.Verify(ctx, tok, state)
	if err != nil {
		t.Fatal(err)
	}
	if l.Storage == nil || *l.Storage != *sc {
		t.Fatalf("verified launch's storage check %+v, want %+v", l.Storage, sc)
	}
	sealed, err := e.tool.SealPending(l)
	if err != nil {
		t.Fatal(err)
	}
	// The browser read something else (the login began in another
	// browser): refused, and the pending launch stays usable for the
	// right values only.
	for _, bad := range [][2]string{{"", ""}, {sc.State, ""}, {sc.State + "x", sc.Nonce}, {sc.State, "other"}} {
		_, err := e.tool.Complete(ctx, sealed, bad[0], bad[1])
		var le *lti.Error
		if !errors.As(err, &le) || le.Status != http.StatusUnauthorized {
			t.Errorf("complete with %q: %v, want 401", bad, err)
		}
	}
	got, err := e.tool.Complete(ctx, sealed, sc.State, sc.Nonce)
	if err != nil || got.Sub != l.Sub || got.Platform.ID != l.Platform.ID || len(got.Platform.Deployments) == 0 {
		t.Fatalf("complete: %+v %v", got, err)
	}
	// Used once.
	if _, err := e.tool.Complete(ctx, sealed, sc.State, sc.Nonce); !isStatus(err, http.StatusBadRequest, "already completed") {
		t.Errorf("second completion: %v", err)
	}
	// A forged or tampered seal, and a state passed off as a pending launch.
	for _, bad := range []string{"", "x.y", sealed[:len(sealed)-2] + "AA", state} {
		if _, err := e.tool.Complete(ctx, bad, sc.State, sc.Nonce); !isStatus(err, http.StatusBadRequest, "") {
			t.Errorf("complete with seal %.20q…: %v, want 400", bad, err)
		}
	}
	// Expired.
	_, tok, state = e.storageLogin(t, "_parent")
	l, err = e.tool.Verify(ctx, tok, state)
	if err != nil {
		t.Fatal(err)
	}
	if sealed, err = e.tool.SealPending(l); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(lti.PendingLifetime + time.Second)
	if _, err := e.tool.Complete(ctx, sealed, l.Storage.State, l.Storage.Nonce); !isStatus(err, http.StatusBadRequest, "too long") {
		t.Errorf("expired pending launch: %v", err)
	}
}

func TestPlatformStorageTargetRefused(t *testing.T) {
	e := setup(t)
	for _, bad := range []string{`x" onload="`, "a b", strings.Repeat("f", lti.MaxStorageTargetLen+1), "frame<script>"} {
		_, err := e.tool.Begin(context.Background(), lti.LoginRequest{Issuer: e.plat.Issuer, LoginHint: "u1", TargetLinkURI: "x",
			StorageTarget: bad}, "https://stride.example/lti/launch")
		if !isStatus(err, http.StatusBadRequest, "lti_storage_target") {
			t.Errorf("storage target %q: %v", bad, err)
		}
	}
}

func isStatus(err error, status int, msg string) bool {
	var le *lti.Error
	return errors.As(err, &le) && le.Status == status && strings.Contains(le.Message, msg)
}

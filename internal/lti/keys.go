package lti

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// Key rotation (issue 12 §1): `stride lti rotate-key` stores a new signing
// key and gives the old ones a retirement time; until then they stay in
// /lti/jwks, so a platform that cached the old set, or holds a token the
// old key signed, still verifies. Running servers pick the new key up
// within keyReload.

const (
	// DefaultKeyRetirement is how long a rotated-out key stays published.
	DefaultKeyRetirement = 48 * time.Hour
	// MaxKeyRetirement bounds the retirement a rotation may ask for.
	MaxKeyRetirement = 90 * 24 * time.Hour
	// keyReload is how often a running tool rereads its keys.
	keyReload = time.Minute
)

// RotateKey generates a new RS256 signing key, stores it as the key that
// signs from now on, and retires the keys in use after retireAfter. It
// returns the new key's kid.
func RotateKey(ctx context.Context, st *store.Store, retireAfter time.Duration, now time.Time) (string, error) {
	if retireAfter < 0 || retireAfter > MaxKeyRetirement {
		return "", fmt.Errorf("lti: retirement %v is not between 0 and %v", retireAfter, MaxKeyRetirement)
	}
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return "", fmt.Errorf("lti: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("lti: encode key: %w", err)
	}
	kid := keyID(&priv.PublicKey)
	if err := st.RotateLTIKey(ctx, kid, der, now.Add(retireAfter)); err != nil {
		return "", fmt.Errorf("lti: %w", err)
	}
	return kid, nil
}

// ReloadKeys rereads the tool's keys from the database now.
func (t *Tool) ReloadKeys(ctx context.Context) error {
	kr, err := loadKeys(ctx, t.st)
	if err != nil {
		return err
	}
	kr.loaded = t.now()
	t.keys.Store(kr)
	return nil
}

// RefreshKeys rereads the keys when they were read more than keyReload
// ago. The JWKS and deep linking handlers call it, so a rotation reaches a
// running server without a restart, and a retired key leaves the JWKS
// within keyReload of its retirement.
func (t *Tool) RefreshKeys(ctx context.Context) error {
	if t.now().Sub(t.keys.Load().loaded) < keyReload {
		return nil
	}
	return t.ReloadKeys(ctx)
}

// SigningKeyID is the kid of the key that signs now.
func (t *Tool) SigningKeyID() string { return t.keys.Load().kid }

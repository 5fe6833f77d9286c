package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
)

// TokenBytes is the entropy of every random token: 256 bits.
const TokenBytes = 32

// NewToken returns a random URL-safe token (256 bits) for a session, a
// personal or shared link, or a setup link.
func NewToken() (string, error) {
	b := make([]byte, TokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// TokenHash is a token's SHA-256, for keeping a token in memory or a
// database without keeping the token. Random 256-bit tokens need no slow
// hash: there is nothing to guess.
func TokenHash(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// TokenMatches compares a token with a kept hash in constant time.
func TokenMatches(token string, hash [sha256.Size]byte) bool {
	h := TokenHash(token)
	return subtle.ConstantTimeCompare(h[:], hash[:]) == 1
}

// KeyLen is the length of signing keys: HMAC-SHA256 keys of 32 bytes.
const KeyLen = 32

// DeriveKey derives a key for one purpose (such as "learner-cookie") from a
// site secret, so one stored secret can serve several signers without one
// signature being valid for another's purpose.
func DeriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("stride key derivation\x00" + purpose))
	return m.Sum(nil)
}

// MAC is HMAC-SHA256 of msg under key.
func MAC(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// Sign returns value with its MAC appended ("value.mac", base64url), for a
// cookie the server must be able to trust when it comes back. The value is
// readable by the client: sign, do not hide.
func Sign(key []byte, value string) string {
	return value + "." + base64.RawURLEncoding.EncodeToString(MAC(key, []byte(value)))
}

// Open checks a Sign output and returns its value; false when the MAC does
// not match (tampered, another key, or not signed at all).
func Open(key []byte, signed string) (string, bool) {
	i := strings.LastIndexByte(signed, '.')
	if i < 0 {
		return "", false
	}
	mac, err := base64.RawURLEncoding.DecodeString(signed[i+1:])
	if err != nil {
		return "", false
	}
	value := signed[:i]
	if !hmac.Equal(mac, MAC(key, []byte(value))) {
		return "", false
	}
	return value, true
}

package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Replays of an exercise show the answers of the parts they replay, so the
// animation websocket withholds those steps until the student has earned
// them. The server keeps no per-student state, so it learns what is earned
// from unlock tokens: a check that counts a part as attempted or revealed
// answers, with its verdict, a token for that part of that variant, an
// HMAC under the server's unlock key (the database's "replay-unlock" site
// secret, shared by every replica); the player sends the tokens it holds
// with its start message. A token cannot be made without the key, nor
// moved to another part, seed or exercise.

// MinUnlockKeyBytes is the shortest unlock key accepted.
const MinUnlockKeyBytes = 32

// Bounds of the tokens a start message may carry.
const (
	maxUnlockTokens   = 16
	maxUnlockTokenLen = 100
)

type unlocker struct {
	key []byte
	// tokens memoizes token: a check answers one for every attempted part
	// with a replay, and an HMAC (two SHA-256 states set up from the key)
	// cost more than the rest of a small check's response.
	tokens *lru[string]
}

// maxUnlockTokenMemoBytes bounds the memo of issued tokens (about 3,000
// tokens).
const maxUnlockTokenMemoBytes = 1 << 20

// newUnlocker uses key, or a random key when key is empty (without a
// database: tokens then last as long as the process).
func newUnlocker(key []byte) (*unlocker, error) {
	if len(key) == 0 {
		key = make([]byte, MinUnlockKeyBytes)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("unlock key: %w", err)
		}
	} else if len(key) < MinUnlockKeyBytes {
		return nil, fmt.Errorf("unlock key: is %d bytes; at least %d are needed", len(key), MinUnlockKeyBytes)
	}
	return &unlocker{key: append([]byte(nil), key...), tokens: newLRU[string](maxUnlockTokenMemoBytes)}, nil
}

func (u *unlocker) mac(exercise string, seed uint64, part string) []byte {
	m := hmac.New(sha256.New, u.key)
	m.Write([]byte("stride-unlock-v1\x00" + exercise + "\x00" + strconv.FormatUint(seed, 10) + "\x00" + part))
	return m.Sum(nil)[:16]
}

// token is the unlock token of one part of one variant: "part.mac".
func (u *unlocker) token(exercise string, seed uint64, part string) string {
	var kb [96]byte
	key := append(append(strconv.AppendUint(append(append(kb[:0], exercise...), 0), seed, 10), 0), part...)
	if t, ok := u.tokens.getBytes(key); ok {
		return t
	}
	t := part + "." + base64.RawURLEncoding.EncodeToString(u.mac(exercise, seed, part))
	u.tokens.add(string(key), t, int64(len(key)+len(t)+entryOverhead))
	return t
}

// open returns the parts of the variant that tokens unlock; tokens of
// other variants or with a wrong MAC unlock nothing.
func (u *unlocker) open(exercise string, seed uint64, tokens []string) map[string]bool {
	out := map[string]bool{}
	for _, t := range tokens {
		i := strings.LastIndexByte(t, '.')
		if i <= 0 {
			continue
		}
		got, err := base64.RawURLEncoding.DecodeString(t[i+1:])
		if err != nil {
			continue
		}
		if hmac.Equal(got, u.mac(exercise, seed, t[:i])) {
			out[t[:i]] = true
		}
	}
	return out
}

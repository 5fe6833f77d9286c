// Package auth holds Stride's credential primitives: password hashing with
// argon2id, random tokens, and HMAC keys for signed values (cookies). It
// knows nothing about HTTP or the database.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Password bounds. A longer password is refused rather than truncated, and
// the upper bound keeps one hash from costing an attacker-chosen amount of
// work (argon2 reads the whole password).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

// Params are argon2id's cost parameters. They are encoded into every hash,
// so raising them later keeps old hashes verifiable.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams follow OWASP's argon2id recommendation (19 MiB, 2 passes,
// 1 lane); with the sign-in rate limit this makes guessing slow, and the
// work limiter keeps sign-in storms from taking the machine. Measured cost:
// BENCHMARKS.md.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on parameters read back from a stored hash, so a corrupted or
// planted row cannot make a verification allocate gigabytes or spin.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 64
	maxKeyLen  = 128
	maxSaltLen = 128
)

// ErrPasswordLength: the password is shorter than MinPasswordLen or longer
// than MaxPasswordLen.
var ErrPasswordLength = fmt.Errorf("a password must be %d to %d characters long", MinPasswordLen, MaxPasswordLen)

// ErrMalformedHash: a stored hash is not an argon2id encoding this package
// can read.
var ErrMalformedHash = errors.New("malformed password hash")

// CheckPasswordLength reports ErrPasswordLength for a password that may not
// be set. Length counts bytes for the upper bound (the cost) and runes for
// the lower one (what a person typed).
func CheckPasswordLength(pw string) error {
	if len(pw) > MaxPasswordLen || len([]rune(pw)) < MinPasswordLen {
		return ErrPasswordLength
	}
	return nil
}

// HashPassword hashes pw with argon2id and a random salt, returning the
// PHC-style encoding "$argon2id$v=19$m=…,t=…,p=…$salt$key".
func HashPassword(pw string, p Params) (string, error) {
	if len(pw) > MaxPasswordLen {
		return "", ErrPasswordLength
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the encoded hash. The keys are
// compared in constant time. A malformed hash is an error (and no match).
func VerifyPassword(encoded, pw string) (bool, error) {
	if len(pw) > MaxPasswordLen {
		return false, nil
	}
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a stored hash was made with parameters other
// than p (the caller may rehash after a successful sign-in).
func NeedsRehash(encoded string, p Params) bool {
	got, _, key, err := decodeHash(encoded)
	return err != nil || got.Memory != p.Memory || got.Time != p.Time || got.Threads != p.Threads || uint32(len(key)) != p.KeyLen
}

func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	f := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrMalformedHash, f[2])
	}
	var m, t, th uint64
	for i, kv := range strings.Split(f[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		want := [...]string{"m", "t", "p"}
		if !ok || i > 2 || name != want[i] {
			return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformedHash, f[3])
		}
		n, perr := strconv.ParseUint(val, 10, 32)
		if perr != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %s=%q", ErrMalformedHash, name, val)
		}
		switch name {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		}
	}
	if m < 8 || m > maxMemory || t < 1 || t > maxTime || th < 1 || th > 255 || m < 8*th {
		return p, nil, nil, fmt.Errorf("%w: parameters %q out of bounds", ErrMalformedHash, f[3])
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(f[4])
	key, err2 := base64.RawStdEncoding.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(salt) > maxSaltLen || len(key) < 16 || len(key) > maxKeyLen {
		return p, nil, nil, fmt.Errorf("%w: salt or key", ErrMalformedHash)
	}
	p = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	return p, salt, key, nil
}

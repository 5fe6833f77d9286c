package auth

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps the tests fast; the encoding and comparison do not depend
// on the cost.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashAndVerify(t *testing.T) {
	for _, p := range []Params{cheap, DefaultParams} {
		h, err := HashPassword("correct horse battery", p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$m=") || strings.Contains(h, "correct") {
			t.Fatalf("encoding %q", h)
		}
		ok, err := VerifyPassword(h, "correct horse battery")
		if err != nil || !ok {
			t.Fatalf("right password: %v, %v", ok, err)
		}
		for _, wrong := range []string{"", "correct horse batterY", "correct horse battery ", "correct horse"} {
			if ok, err := VerifyPassword(h, wrong); err != nil || ok {
				t.Errorf("wrong password %q: %v, %v", wrong, ok, err)
			}
		}
		if NeedsRehash(h, p) {
			t.Errorf("fresh hash needs rehash under its own params")
		}
	}
	h1, _ := HashPassword("same password", cheap)
	h2, _ := HashPassword("same password", cheap)
	if h1 == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if !NeedsRehash(h1, DefaultParams) {
		t.Error("a cheap hash does not need rehash under the default params")
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	good, _ := HashPassword("correct horse battery", cheap)
	f := strings.Split(good, "$")
	bad := []string{
		"",
		"plain",
		"$2a$10$bcrypthashbcrypthashbcrypthashbcrypthashbcrypthash",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Join([]string{"", f[1], f[2], "m=4294967295,t=1,p=1", f[4], f[5]}, "$"), // 4 TiB
		strings.Join([]string{"", f[1], f[2], "m=64,t=100000,p=1", f[4], f[5]}, "$"),
		strings.Join([]string{"", f[1], f[2], "m=64,t=0,p=1", f[4], f[5]}, "$"),
		strings.Join([]string{"", f[1], f[2], "m=64,t=1,p=0", f[4], f[5]}, "$"),
		strings.Join([]string{"", f[1], f[2], "t=1,m=64,p=1", f[4], f[5]}, "$"),
		strings.Join([]string{"", f[1], f[2], "m=64,t=1", f[4], f[5]}, "$"),
		strings.Join([]string{"", f[1], f[2], f[3], "!!", f[5]}, "$"),
		strings.Join([]string{"", f[1], f[2], f[3], f[4], "c2hvcnQ"}, "$"), // 5-byte key
		good + "$extra",
	}
	for _, h := range bad {
		ok, err := VerifyPassword(h, "correct horse battery")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrMalformedHash", h, ok, err)
		}
	}
}

func TestPasswordLength(t *testing.T) {
	for pw, want := range map[string]bool{
		"":                        false,
		"123456789":               false,
		"1234567890":              true,
		"ééééééééé":               false, // 9 characters, 18 bytes
		"éééééééééé":              true,
		strings.Repeat("x", 1024): true,
		strings.Repeat("x", 1025): false,
	} {
		if got := CheckPasswordLength(pw) == nil; got != want {
			t.Errorf("CheckPasswordLength(len %d) ok = %v, want %v", len(pw), got, want)
		}
	}
	if _, err := HashPassword(strings.Repeat("x", MaxPasswordLen+1), cheap); !errors.Is(err, ErrPasswordLength) {
		t.Errorf("hashing an over-long password: %v", err)
	}
	h, _ := HashPassword("correct horse battery", cheap)
	if ok, err := VerifyPassword(h, strings.Repeat("x", MaxPasswordLen+1)); ok || err != nil {
		t.Errorf("verifying an over-long password: %v, %v", ok, err)
	}
}

func TestTokens(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b || len(a) != 43 || strings.ContainsAny(a, "+/=") {
		t.Fatalf("tokens %q %q", a, b)
	}
	h := TokenHash(a)
	if !TokenMatches(a, h) || TokenMatches(b, h) || TokenMatches("", h) {
		t.Error("TokenMatches")
	}
}

func TestSignOpen(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	k1, k2 := DeriveKey(secret, "learner-cookie"), DeriveKey(secret, "other")
	if len(k1) != KeyLen || string(k1) == string(k2) {
		t.Fatal("derived keys")
	}
	s := Sign(k1, "12:34.56")
	if v, ok := Open(k1, s); !ok || v != "12:34.56" {
		t.Fatalf("Open(Sign) = %q, %v", v, ok)
	}
	for _, bad := range []string{"", "12:34.56", s + "x", "13" + s[2:], s[:len(s)-2]} {
		if _, ok := Open(k1, bad); ok {
			t.Errorf("Open accepted %q", bad)
		}
	}
	if _, ok := Open(k2, s); ok {
		t.Error("a value signed for one purpose opens under another")
	}
}

// BenchmarkHashPassword measures one argon2id hash at the default cost
// (what a sign-in or a dummy check for an unknown e-mail costs).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}

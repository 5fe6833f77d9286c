package answer

import (
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// bigInteger is what ParseInteger computed before digitsInt64: the digits
// through big.Int, negated, and refused when they do not fit an int64.
func bigInteger(digits string, neg bool) (int64, bool) {
	v, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return 0, false
	}
	if neg {
		v.Neg(v)
	}
	if !v.IsInt64() {
		return 0, false
	}
	return v.Int64(), true
}

func TestDigitsInt64MatchesBig(t *testing.T) {
	for _, digits := range []string{
		"0", "7", "22", "10416", "000000000000000000000000000007",
		"9223372036854775806", "9223372036854775807", "9223372036854775808", "9223372036854775809",
		"9223372036854775810", "18446744073709551615", "18446744073709551616", "99999999999999999999",
		"92233720368547758070", "1" + strings.Repeat("0", 40),
	} {
		for _, neg := range []bool{false, true} {
			got, gotOK := digitsInt64(digits, neg)
			want, wantOK := bigInteger(digits, neg)
			if got != want || gotOK != wantOK {
				t.Errorf("digitsInt64(%q, %v) = %d, %v; big.Int says %d, %v", digits, neg, got, gotOK, want, wantOK)
			}
		}
	}
}

// FuzzDigitsInt64 holds digitsInt64 to big.Int on any run of digits (the
// fuzzer's bytes mapped to digits, so every input is one scanGrouped can
// return).
func FuzzDigitsInt64(f *testing.F) {
	for _, s := range []string{"0", "22", "9223372036854775807", "9223372036854775808", "18446744073709551616", "000123"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, neg bool) {
		if s == "" {
			return
		}
		b := []byte(s)
		for i := range b {
			b[i] = '0' + b[i]%10
		}
		digits := string(b)
		got, gotOK := digitsInt64(digits, neg)
		want, wantOK := bigInteger(digits, neg)
		if got != want || gotOK != wantOK {
			t.Fatalf("digitsInt64(%q, %v) = %d, %v; big.Int says %d, %v", digits, neg, got, gotOK, want, wantOK)
		}
	})
}

// TestReadAnswersWithoutAllocating: an integer or a dimension without
// thousands separators is read from the answer text itself (a varied
// check reads one per part). Before, scanGrouped copied the digits and
// ParseInteger went through big.Int: 2 to 4 allocations per answer.
func TestReadAnswersWithoutAllocating(t *testing.T) {
	for _, s := range []string{"-22", "7", " 10416 ", "−5", "+9223372036854775807"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = ParseInteger(s) }); n != 0 {
			t.Errorf("ParseInteger(%q): %.0f allocations, want 0", s, n)
		}
	}
	for _, s := range []string{"10", " 3072 "} {
		if n := testing.AllocsPerRun(100, func() { _, _ = scanGrouped(s, strings.IndexAny(s, "0123456789"), true, expectShape) }); n != 0 {
			t.Errorf("scanGrouped(%q): %.0f allocations, want 0", s, n)
		}
	}
	// The echo is one allocation, its own (before: the number's, then the
	// concatenation's).
	for _, v := range []int64{-22, 10416, -9223372036854775808} {
		n := Integer{Value: v}
		if got, want := n.ReadAs(), "read as "+strconv.FormatInt(v, 10); got != want {
			t.Errorf("ReadAs of %d = %q, want %q", v, got, want)
		}
		if a := testing.AllocsPerRun(100, func() { _ = n.ReadAs() }); a > 1 {
			t.Errorf("ReadAs of %d: %.0f allocations, want 1", v, a)
		}
	}
	// With separators the digits are still joined.
	if n, err := ParseInteger("10,416"); err != nil || n.Value != 10416 {
		t.Errorf(`ParseInteger("10,416") = %v, %v`, n, err)
	}
	if g, err := scanGrouped("1 234 567x", 0, true, expectShape); err != nil || g.digits != "1234567" || g.end != 9 || g.seps != 2 {
		t.Errorf(`scanGrouped("1 234 567x") = %+v, %v`, g, err)
	}
}

package web

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// TestPlainInteger: for every string plainInteger accepts, the general
// path of showCell (answer.ParseNumber, then compute.FormatNumber) gives
// the string itself, so the shortcut changes no answer; and it refuses
// what it must.
func TestPlainInteger(t *testing.T) {
	accept := []string{"0", "7", "-7", "-22", "100", "999999999999999", "-999999999999999", "123456789012345"}
	refuse := []string{"", "-", "-0", "00", "007", "-07", "+5", " 5", "5 ", "1e3", "1.0", "1,000", "1/2", "5%",
		"1234567890123456", "٣", "0x1f", "--5", "5-"}
	for _, s := range accept {
		if !plainInteger(s) {
			t.Errorf("plainInteger(%q) = false, want true", s)
		}
	}
	for _, s := range refuse {
		if plainInteger(s) {
			t.Errorf("plainInteger(%q) = true, want false", s)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var s string
		switch i % 3 {
		case 0:
			s = strconv.FormatInt(rng.Int64N(2_000_000_000_000_000)-1_000_000_000_000_000, 10)
		case 1:
			s = strconv.FormatInt(rng.Int64N(2001)-1000, 10)
		default:
			b := make([]byte, 1+rng.IntN(4))
			for j := range b {
				b[j] = "-0123456789"[rng.IntN(11)]
			}
			s = string(b)
		}
		if !plainInteger(s) {
			continue
		}
		n, err := answer.ParseNumber(s)
		if err != nil {
			t.Fatalf("plainInteger(%q) but ParseNumber fails: %v", s, err)
		}
		if got := compute.FormatNumber(n.Float()); got != s {
			t.Fatalf("plainInteger(%q) but the general path gives %q", s, got)
		}
	}
	for _, s := range accept {
		n, err := answer.ParseNumber(s)
		if err != nil || compute.FormatNumber(n.Float()) != s {
			t.Errorf("%q: general path gives %v, %v", s, n, err)
		}
	}
}

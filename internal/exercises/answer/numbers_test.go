package answer

import (
	"errors"
	"math/big"
	"strings"
	"testing"
)

// wantParseError checks that err is a *ParseError with student-facing text.
func wantParseError(t *testing.T, input string, err error, msgPart string) *ParseError {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%q: error %v (%T) is not a *ParseError", input, err, err)
	}
	if pe.Message == "" || pe.Expected == "" {
		t.Errorf("%q: ParseError lacks Message or Expected: %+v", input, pe)
	}
	if pe.Pos < -1 || pe.Pos > len(input) {
		t.Errorf("%q: Pos %d out of range", input, pe.Pos)
	}
	if msgPart != "" && !strings.Contains(pe.Message, msgPart) {
		t.Errorf("%q: message %q does not mention %q", input, pe.Message, msgPart)
	}
	return pe
}

func TestParseInteger(t *testing.T) {
	valid := []struct {
		in   string
		want int64
	}{
		{"10416", 10416},
		{"10,416", 10416},
		{"10 416", 10416},
		{"10\u2009416", 10416},
		{"10\u202f416", 10416},
		{"10\u00a0416", 10416},
		{"10_416", 10416},
		{"  10416\n", 10416},
		{"+7", 7},
		{"-7", -7},
		{"−7", -7},
		{"− 7", -7},
		{"0", 0},
		{"007", 7},
		{"1,000,000", 1000000},
		{"1 000 000", 1000000},
		{"9223372036854775807", 9223372036854775807},
		{"-9223372036854775808", -9223372036854775808},
		{"-9,223,372,036,854,775,808", -9223372036854775808},
	}
	for _, c := range valid {
		got, err := ParseInteger(c.in)
		if err != nil {
			t.Errorf("ParseInteger(%q): unexpected error %v", c.in, err)
			continue
		}
		if got.Value != c.want {
			t.Errorf("ParseInteger(%q) = %d, want %d", c.in, got.Value, c.want)
		}
	}
	invalid := []struct {
		in, msg string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"10416.0", "decimal point"},
		{"10416.", "decimal point"},
		{".5", "not a whole number"},
		{"1e4", "not written as a whole number"},
		{"1/2", "not written as a whole number"},
		{"10%", "not written as a whole number"},
		{"1,0416", "exactly three digits"},
		{"1,000,0", "groups of three"},
		{"10,41", "thousands separator"},
		{"1,5", "for a decimal, write 1.5"},
		{"0,416", "ambiguous"},
		{"1234,567", "at most 3 digits"},
		{"1,000 000", "mixes"},
		{"1,000_000", "mixes"},
		{"10  416", "unexpected character"},
		{"10,", "unexpected character ','"},
		{"$10", "unexpected character '$'"},
		{"ten", "unexpected character 't'"},
		{"-", "expected digits"},
		{"--5", "unexpected character '-'"},
		{"9223372036854775808", "too large"},
		{"99999999999999999999999", "too large"},
		{strings.Repeat("1", MaxInputBytes+1), "too long"},
		{"1\xff", "not valid text"},
	}
	for _, c := range invalid {
		_, err := ParseInteger(c.in)
		if err == nil {
			t.Errorf("ParseInteger(%q): expected an error", c.in)
			continue
		}
		pe := wantParseError(t, c.in, err, c.msg)
		if pe.Expected != expectInteger {
			t.Errorf("ParseInteger(%q): Expected = %q", c.in, pe.Expected)
		}
	}
	if got, _ := ParseInteger("10,416"); got.ReadAs() != "read as 10416" {
		t.Errorf("ReadAs = %q", got.ReadAs())
	}
	if got, _ := ParseInteger("−5"); got.ReadAs() != "read as -5" {
		t.Errorf("ReadAs = %q", got.ReadAs())
	}
	_, err := ParseInteger("12$")
	if pe := wantParseError(t, "12$", err, ""); pe.Pos != 2 {
		t.Errorf("Pos = %d, want 2", pe.Pos)
	}
}

func TestParseNumber(t *testing.T) {
	valid := []struct {
		in      string
		want    string // exact value as a big.Rat string
		percent bool
		readAs  string
	}{
		{"0.0257", "257/10000", false, "read as 0.0257"},
		{".5", "1/2", false, "read as 0.5"},
		{"5.", "5", false, "read as 5"},
		{"-3.25", "-13/4", false, "read as -3.25"},
		{"−3.25", "-13/4", false, "read as -3.25"},
		{"+3", "3", false, "read as 3"},
		{"10416", "10416", false, "read as 10416"},
		{"10,416.5", "20833/2", false, "read as 10416.5"},
		{"10 416", "10416", false, "read as 10416"},
		{"10_416", "10416", false, "read as 10416"},
		{"1/3", "1/3", false, "read as 1/3 (about 0.3333)"},
		{"-2/7", "-2/7", false, "read as -2/7 (about -0.2857)"},
		{"1 / 4", "1/4", false, "read as 0.25"},
		{"3/1.5", "2", false, "read as 2"},
		{"2.5e-2", "1/40", false, "read as 0.025"},
		{"2.5E+3", "2500", false, "read as 2500"},
		{"2.5e3", "2500", false, "read as 2500"},
		{"1e-007", "1/10000000", false, "read as 0.0000001"},
		{"2.5×10^-2", "1/40", false, "read as 0.025"},
		{"2.5 × 10^-2", "1/40", false, "read as 0.025"},
		{"2.5·10^-2", "1/40", false, "read as 0.025"},
		{"2.5x10^-2", "1/40", false, "read as 0.025"},
		{"2.5*10**-2", "1/40", false, "read as 0.025"},
		{"2.5×10⁻²", "1/40", false, "read as 0.025"},
		{"2.5 × 10^ −2", "1/40", false, "read as 0.025"},
		{"10^-3", "1/1000", false, "read as 0.001"},
		{"10³", "1000", false, "read as 1000"},
		{"-10^2", "-100", false, "read as -100"},
		{"1e30", "1000000000000000000000000000000", false, "read as 1000000000000000000000000000000"},
		{"2.57%", "257/100", true, "read as 2.57 %"},
		{"2.57 %", "257/100", true, "read as 2.57 %"},
		{"50%", "50", true, "read as 50 %"},
		{"1/3%", "1/3", true, "read as 1/3 % (about 0.3333 %)"},
		{"  0.0257  ", "257/10000", false, "read as 0.0257"},
	}
	for _, c := range valid {
		got, err := ParseNumber(c.in)
		if err != nil {
			t.Errorf("ParseNumber(%q): unexpected error %v", c.in, err)
			continue
		}
		want, _ := new(big.Rat).SetString(c.want)
		if got.Value.Cmp(want) != 0 || got.Percent != c.percent {
			t.Errorf("ParseNumber(%q) = %s percent=%v, want %s percent=%v", c.in, got.Value.RatString(), got.Percent, c.want, c.percent)
		}
		if got.ReadAs() != c.readAs {
			t.Errorf("ParseNumber(%q).ReadAs() = %q, want %q", c.in, got.ReadAs(), c.readAs)
		}
		if got.Text != strings.TrimSpace(c.in) {
			t.Errorf("ParseNumber(%q).Text = %q", c.in, got.Text)
		}
	}
	invalid := []struct {
		in, msg string
	}{
		{"", "empty"},
		{"abc", "unexpected character 'a'"},
		{"1/0", "denominator is 0"},
		{"1/0.0", "denominator is 0"},
		{"1/-3", "sign in front"},
		{"1/", "denominator"},
		{"1,5", "for a decimal, write 1.5"},
		{"2,57%", "for a decimal, write 2.57"},
		{"1.2.3", "unexpected character '.'"},
		{"2.5e31", "too large"},
		{"2.5e-31", "too large"},
		{"1e99999", "far too large"},
		{"2.5×10^-31", "too large"},
		{"2.5×10", "expected a power"},
		{"2.5×3", "expected 10"},
		{"2^10", "only powers of ten"},
		{"1e", "digits of an exponent"},
		{"%", "unexpected character '%'"},
		{"5%%", "unexpected character '%'"},
		{"-", "expected digits"},
		{"1 2", "groups of three"},
		{"0.025 7", "unexpected character '7'"},
		{"1/3e5", "unexpected character 'e'"},
		{"10⁻", "digits of an exponent"},
		{strings.Repeat("9", MaxInputBytes+1), "too long"},
	}
	for _, c := range invalid {
		_, err := ParseNumber(c.in)
		if err == nil {
			t.Errorf("ParseNumber(%q): expected an error", c.in)
			continue
		}
		wantParseError(t, c.in, err, c.msg)
	}
}

func TestNumberFractionAndFloat(t *testing.T) {
	n, err := ParseNumber("2.57%")
	if err != nil {
		t.Fatal(err)
	}
	if n.Value.Cmp(big.NewRat(257, 100)) != 0 {
		t.Errorf("Value = %s, want 2.57", n.Value.RatString())
	}
	if n.Fraction().Cmp(big.NewRat(257, 10000)) != 0 {
		t.Errorf("Fraction = %s, want 0.0257", n.Fraction().RatString())
	}
	if f := n.Float(); f != 0.0257 {
		t.Errorf("Float = %v, want 0.0257", f)
	}
	// Fraction must not alias Value.
	n.Fraction().SetInt64(99)
	if n.Value.Cmp(big.NewRat(257, 100)) != 0 {
		t.Error("Fraction aliases Value")
	}
	m, _ := ParseNumber("0.0257")
	if m.Fraction().Cmp(n.Fraction()) != 0 || m.Float() != 0.0257 {
		t.Error("0.0257 and 2.57% should stand for the same value")
	}
	var zero Number
	if zero.Float() != 0 || zero.Fraction().Sign() != 0 || zero.ReadAs() != "read as 0" {
		t.Errorf("zero Number misbehaves: %q", zero.ReadAs())
	}
}

func TestRatText(t *testing.T) {
	cases := map[string]string{
		"1/3":                         "read as 1/3 (about 0.3333)",
		"1/1024":                      "read as 0.0009765625",
		"-5":                          "read as -5",
		"1/9876543210987654321098765": "read as about 1.0125e-25",
	}
	for in, want := range cases {
		r, _ := new(big.Rat).SetString(in)
		if got := (Number{Value: r}).ReadAs(); got != want {
			t.Errorf("ReadAs(%s) = %q, want %q", in, got, want)
		}
	}
	big40, _ := new(big.Rat).SetString(strings.Repeat("9", 60))
	if got := (Number{Value: big40}).ReadAs(); got != "read as about 1e+60" {
		t.Errorf("huge ReadAs = %q", got)
	}
}

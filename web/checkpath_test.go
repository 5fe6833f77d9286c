package web

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/mathml"
)

// TestPlainASCIIRendersAsItself is the differential test of md's and
// plain's fast paths: every text plainASCII accepts renders, as HTML and as
// plain text, to itself, and so does, as plain text, every text without
// $ or a backtick.
func TestPlainASCIIRendersAsItself(t *testing.T) {
	texts := []string{"Correct.", "read as -25", "read as 3x3", "Recheck the window's position", "a $x$ b", "`d_model`",
		"1 < 2", "a & b", `say "hi"`, `back\slash`, "tab\there", "read as 3×3", ""}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "ab -+.,;:()[]{}*_^=!?/%#@~|$\\`<>&\"'\t×"
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(string([]rune(alphabet)[rng.IntN(len([]rune(alphabet)))]))
		}
		texts = append(texts, b.String())
	}
	accepted := 0
	for _, text := range texts {
		if !strings.ContainsAny(text, "$`") {
			// plain's fast path
			if p := mathml.Plain(text); p != text {
				t.Errorf("Plain(%q) = %q, but it has no math or code", text, p)
			}
		}
		if !plainASCII(text) {
			continue
		}
		accepted++
		if h := string(mathml.MustRender(text)); h != text {
			t.Errorf("Render(%q) = %q, but plainASCII accepts it", text, h)
		}
		if p := mathml.Plain(text); p != text {
			t.Errorf("Plain(%q) = %q, but plainASCII accepts it", text, p)
		}
	}
	if accepted < 100 || plainASCII("a $x$") || plainASCII("it's") || !plainASCII("read as -25") {
		t.Errorf("plainASCII accepted %d of %d texts", accepted, len(texts))
	}
}

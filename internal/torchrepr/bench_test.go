package torchrepr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkParsePropagateVGG11 parses and propagates torchvision's VGG-11
// feature extractor (21 layers) on 3×224×224.
func BenchmarkParsePropagateVGG11(b *testing.B) {
	text, err := os.ReadFile(filepath.Join("testdata", "models", "vgg11_features.txt"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(string(text))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Propagate([]int{3, 224, 224}, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseWorstCase lexes a text at MaxTextBytes made only of
// punctuation, which the lexer refuses once it passes maxTokens.
func BenchmarkParseWorstCase(b *testing.B) {
	text := strings.Repeat("(", MaxTextBytes)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text); err == nil {
			b.Fatal("accepted")
		}
	}
}

// Package qrsvg draws QR codes as SVG path data, so pages can print a QR
// code with no image file and no script. Encoding is done by
// github.com/piglig/go-qr (a port of Nayuki's reference QR encoder); this
// package only lays the modules out as rectangles.
package qrsvg

import (
	"fmt"
	"strconv"
	"strings"

	qr "github.com/piglig/go-qr"
)

// QuietZone is the blank border, in modules, that scanners need around a
// code (the standard asks for four).
const QuietZone = 4

// MaxText bounds what one code carries: far more than any link Stride
// prints, far less than the format's limit.
const MaxText = 1024

// Symbol is a QR code ready to draw: an SVG viewBox of Size×Size units and
// a path that fills the dark modules.
type Symbol struct {
	// Size is the side of the symbol with its quiet zone, in modules.
	Size int
	// Path is SVG path data, one rectangle per run of dark modules in a row.
	Path string
}

// Encode makes the symbol for text at error-correction level medium
// (15 %: enough for a creased or smudged printout, compact enough to scan
// from a projector).
func Encode(text string) (Symbol, error) {
	if len(text) > MaxText {
		return Symbol{}, fmt.Errorf("qrsvg: text of %d bytes is longer than %d", len(text), MaxText)
	}
	// One byte-mode segment at level M exactly (no raised level, no mixed
	// modes): the plainest encoding, which any encoder reproduces, so a
	// test can compare it module by module with an independent one.
	seg, err := qr.MakeBytes([]byte(text))
	if err != nil {
		return Symbol{}, fmt.Errorf("qrsvg: encode: %w", err)
	}
	code, err := qr.EncodeSegments([]*qr.QrSegment{seg}, qr.Medium, qr.MinVersion, qr.MaxVersion, -1, false)
	if err != nil {
		return Symbol{}, fmt.Errorf("qrsvg: encode: %w", err)
	}
	n := code.Size()
	var b strings.Builder
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !code.Module(x, y) {
				x++
				continue
			}
			start := x
			for x < n && code.Module(x, y) {
				x++
			}
			b.WriteString("M")
			b.WriteString(strconv.Itoa(start + QuietZone))
			b.WriteString(" ")
			b.WriteString(strconv.Itoa(y + QuietZone))
			b.WriteString("h")
			b.WriteString(strconv.Itoa(x - start))
			b.WriteString("v1h-")
			b.WriteString(strconv.Itoa(x - start))
			b.WriteString("z")
		}
	}
	return Symbol{Size: n + 2*QuietZone, Path: b.String()}, nil
}

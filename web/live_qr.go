package web

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	qr "github.com/piglig/go-qr"
)

// The projector shows a QR code of the join link (/join?code=XXXXXX), so
// a student's phone camera opens the form with the code filled in. The
// symbol is computed by github.com/piglig/go-qr (QR Code Model 2, Reed–
// Solomon and the standard's mask choice: the part worth a well-kept
// library, with no dependencies of its own), and drawn here as one SVG
// path of dark runs, server-side: no script, no image request, nothing
// from another host, and the same bytes for the same link every time.

// maxJoinQRText bounds the text put in a QR code: a join link is a
// host, the base path and a code; a longer one makes a symbol too dense
// to read off a projector.
const maxJoinQRText = 300

// joinQR encodes text as one byte-mode segment at error correction M
// exactly (no raising of the level when it would fit, no mixed modes), the
// plainest encoding, which any encoder reproduces: the test compares it
// module by module with an independent encoder's.
func joinQR(text string) (*qr.QrCode, error) {
	seg, err := qr.MakeBytes([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("join QR code: %w", err)
	}
	code, err := qr.EncodeSegments([]*qr.QrSegment{seg}, qr.Medium, qr.MinVersion, qr.MaxVersion, -1, false)
	if err != nil {
		return nil, fmt.Errorf("join QR code: %w", err)
	}
	return code, nil
}

// joinQRSVG draws text as a QR code (error correction M, a 4-module
// quiet zone) in an <svg> with a text alternative.
func joinQRSVG(text string) (string, error) {
	if len(text) > maxJoinQRText {
		return "", fmt.Errorf("join QR code: the link is %d bytes, the limit is %d", len(text), maxJoinQRText)
	}
	code, err := joinQR(text)
	if err != nil {
		return "", err
	}
	n := code.Size()
	const quiet = 4
	side := n + 2*quiet
	var b strings.Builder
	b.Grow(64 + n*n)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="live-qr" viewBox="0 0 `)
	b.WriteString(strconv.Itoa(side) + " " + strconv.Itoa(side))
	b.WriteString(`" role="img" aria-label="QR code of the join link `)
	b.WriteString(html.EscapeString(text))
	b.WriteString(`" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !code.Module(x, y) {
				x++
				continue
			}
			run := 1
			for x+run < n && code.Module(x+run, y) {
				run++
			}
			// A run of dark modules is one rectangle of height 1.
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

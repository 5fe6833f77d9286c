package web

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/stride-tutor/stride/internal/qrsvg"
)

// The projector shows a QR code of the join link (/join?code=XXXXXX), so
// a student's phone camera opens the form with the code filled in. The
// symbol comes from internal/qrsvg (github.com/piglig/go-qr computes it:
// one byte-mode segment at error correction M exactly; qrsvg lays the
// dark modules out as path data); this file wraps it in an <svg> with a
// text alternative. Server-side: no script, no image request, nothing
// from another host, and the same bytes for the same link every time.

// maxJoinQRText bounds the text put in a QR code: a join link is a
// host, the base path and a code; a longer one makes a symbol too dense
// to read off a projector.
const maxJoinQRText = 300

// joinQRSVG draws text as a QR code (error correction M, a 4-module
// quiet zone) in an <svg> with a text alternative.
func joinQRSVG(text string) (string, error) {
	if len(text) > maxJoinQRText {
		return "", fmt.Errorf("join QR code: the link is %d bytes, the limit is %d", len(text), maxJoinQRText)
	}
	sym, err := qrsvg.Encode(text)
	if err != nil {
		return "", fmt.Errorf("join QR code: %w", err)
	}
	side := strconv.Itoa(sym.Size)
	var b strings.Builder
	b.Grow(256 + len(sym.Path))
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="live-qr" viewBox="0 0 ` + side + " " + side + `" role="img" aria-label="QR code of the join link `)
	b.WriteString(html.EscapeString(text))
	// White behind dark modules whatever the colour scheme: phones read that.
	b.WriteString(`" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	b.WriteString(sym.Path)
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

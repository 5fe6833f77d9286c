package qrsvg

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"
)

// rasterize paints the symbol's path (our own rectangles) at scale pixels
// per module, so a real decoder can read back what we drew.
func rasterize(t *testing.T, s Symbol, scale int) image.Image {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, s.Size*scale, s.Size*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	re := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	rest := re.ReplaceAllString(s.Path, "")
	if rest != "" {
		t.Fatalf("path has pieces that are not module runs: %q", rest[:min(len(rest), 40)])
	}
	for _, m := range re.FindAllStringSubmatch(s.Path, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for py := y * scale; py < (y+1)*scale; py++ {
			for px := x * scale; px < (x+w)*scale; px++ {
				img.Set(px, py, color.Black)
			}
		}
	}
	return img
}

func TestEncodeDecodesBack(t *testing.T) {
	for _, text := range []string{
		"http://127.0.0.1:8080/sheet?i=conv-by-hand%3A17",
		"https://stride.example.edu/tutor/join?code=K7QX2M",
		strings.Repeat("a", 300),
	} {
		s, err := Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := qr.Decode(rasterize(t, s, 4))
		if err != nil {
			t.Fatalf("decode %q: %v", text[:min(len(text), 30)], err)
		}
		if got != text {
			t.Errorf("decoded %q, want %q", got, text)
		}
	}
}

func TestEncodeQuietZoneAndBounds(t *testing.T) {
	s, err := Encode("x")
	if err != nil {
		t.Fatal(err)
	}
	if s.Size != 21+2*QuietZone { // version 1 is 21×21 modules
		t.Errorf("size %d, want %d", s.Size, 21+2*QuietZone)
	}
	if !strings.HasPrefix(s.Path, "M4 4h7") { // the top-left finder pattern, inside the quiet zone
		t.Errorf("path starts %q", s.Path[:12])
	}
	if _, err := Encode(strings.Repeat("x", MaxText+1)); err == nil {
		t.Error("text over the bound was accepted")
	}
}

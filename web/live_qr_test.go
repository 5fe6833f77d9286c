package web

import (
	"encoding/json"
	"image"
	"image/color"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"
)

// The reference vector web/testdata/liveqr/join-ABC234.json is the module
// matrix of the join link below from an independent encoder, the npm
// package qrcode 1.5.4 (byte mode, error correction M), made with
//
//	const q = require("qrcode").create([{data: text, mode: "byte"}], {errorCorrectionLevel: "M"})
//
// and written out as rows of '#' (dark) and '.' (light).
const qrRefText = "https://stride.example/join?code=ABC234"

type qrReference struct {
	Version int      `json:"version"`
	Mask    int      `json:"mask"`
	Rows    []string `json:"rows"`
}

var svgRunRE = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// svgModules reads the dark modules back out of joinQRSVG's path: the
// matrix without its quiet zone.
func svgModules(t *testing.T, svg string) []string {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no viewBox in %s", clip(svg, 200))
	}
	side, _ := strconv.Atoi(m[1])
	const quiet = 4
	n := side - 2*quiet
	grid := make([][]byte, n)
	for i := range grid {
		grid[i] = []byte(strings.Repeat(".", n))
	}
	for _, r := range svgRunRE.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		for i := 0; i < w; i++ {
			grid[y-quiet][x-quiet+i] = '#'
		}
	}
	rows := make([]string, n)
	for i, g := range grid {
		rows[i] = string(g)
	}
	return rows
}

func TestJoinQRMatchesReference(t *testing.T) {
	b, err := os.ReadFile("testdata/liveqr/join-ABC234.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref qrReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	svg, err := joinQRSVG(qrRefText)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := joinQRSVG(qrRefText)
	if svg != again {
		t.Error("two renderings of the same link differ")
	}
	got := svgModules(t, svg)
	if len(got) != len(ref.Rows) {
		t.Fatalf("the symbol is %d modules wide, the reference %d (version %d)", len(got), len(ref.Rows), ref.Version)
	}
	for y := range got {
		if got[y] != ref.Rows[y] {
			t.Errorf("row %d:\n got %s\nwant %s", y, got[y], ref.Rows[y])
		}
	}
	for _, want := range []string{`role="img"`, `aria-label="QR code of the join link ` + qrRefText + `"`, `fill="#fff"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %s", want)
		}
	}
}

// TestJoinQRDecodes draws the SVG's modules as an image and reads it
// with a QR decoder: the link comes back, for links of several lengths.
func TestJoinQRDecodes(t *testing.T) {
	for _, text := range []string{
		qrRefText,
		"http://127.0.0.1:8080/join?code=XYZ789",
		"https://tutor.university.example/courses/deep-learning/stride/join?code=QWERTY",
	} {
		svg, err := joinQRSVG(text)
		if err != nil {
			t.Fatal(err)
		}
		rows := svgModules(t, svg)
		const scale, quiet = 6, 4
		side := (len(rows) + 2*quiet) * scale
		img := image.NewGray(image.Rect(0, 0, side, side))
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				mx, my := x/scale-quiet, y/scale-quiet
				c := color.Gray{Y: 255}
				if mx >= 0 && my >= 0 && my < len(rows) && mx < len(rows) && rows[my][mx] == '#' {
					c = color.Gray{Y: 0}
				}
				img.SetGray(x, y, c)
			}
		}
		got, err := qr.Decode(img)
		if err != nil || got != text {
			t.Errorf("decoded %q, %v; want %q", got, err, text)
		}
	}
	if _, err := joinQRSVG(strings.Repeat("x", maxJoinQRText+1)); err == nil {
		t.Error("an over-long link was drawn")
	}
}

package web

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/templates"
)

// Diagram layout lives here, in Go, so the templates only draw what they
// are handed. Coordinates are SVG user units; the SVG scales to its box.

// networkLayout stacks one box per tensor vertically, which stays legible
// on a phone, with an arrow labelled by the operation between boxes.
func networkLayout(d *exercises.NetworkDiagram, id string) *templates.NetworkDiagramView {
	const (
		width = 360
		boxW  = 200
		boxH  = 44
		gap   = 34
		top   = 10
	)
	v := &templates.NetworkDiagramView{ID: id, Caption: d.Caption, Width: width}
	x := (width - boxW) / 2
	for i, st := range d.Stages {
		y := top + i*(boxH+gap)
		class := "diagram-box-vector"
		if len(st.Shape) == 3 {
			class = "diagram-box-image"
		}
		v.Boxes = append(v.Boxes, templates.DiagramBox{
			X: x, Y: y, W: boxW, H: boxH, Class: class,
			Title: st.Op, Subtitle: shapeWords(st.Shape),
			TextX: width / 2, TextY: y + 18,
		})
		if i > 0 {
			v.Arrows = append(v.Arrows, templates.DiagramLine{
				X1: width / 2, Y1: y - gap + 2, X2: width / 2, Y2: y - 2,
			})
		}
	}
	v.Height = top*2 + len(d.Stages)*(boxH+gap) - gap
	return v
}

func shapeWords(s []int) string {
	switch len(s) {
	case 3:
		return fmt.Sprintf("%d@%d×%d", s[0], s[1], s[2])
	case 1:
		return fmt.Sprintf("%d", s[0])
	}
	return fmt.Sprint(s)
}

// Text metrics of the diagram fonts (app.css), in SVG user units: box
// titles are 600 14px sans-serif, subtitles and labels 12px monospace
// (DejaVu Sans Mono advances 0.602 em). Boxes are sized from these so their
// text always fits.
const (
	monoAdvance  = 7.3 // 12px monospace, per character
	titleAdvance = 9.5 // 14px semibold sans, per character, generously
	boxPad       = 10  // space between text and a box's edge, each side
)

// textWidth estimates the width of a label drawn at advance units per
// character; a subscript (after "_") is drawn smaller.
func textWidth(label string, advance float64) int {
	base, sub, _ := strings.Cut(label, "_")
	w := float64(utf8.RuneCountInString(base))*advance + float64(utf8.RuneCountInString(sub))*advance*0.8
	return int(math.Ceil(w))
}

// fitBox widens a box to its title and subtitle.
func fitBox(min int, title, subtitle string) int {
	w := max(textWidth(title, titleAdvance), textWidth(subtitle, monoAdvance)) + 2*boxPad
	return max(min, w)
}

// rnnLayout draws the Elman RNN rolled (one cell with a loop) and unrolled
// over d.Steps time steps.
func rnnLayout(d *exercises.RNNDiagram, id string) *templates.RNNDiagramView {
	const boxH = 40
	vec := func(n int) string { return "ℝ" + script(fmt.Sprint(n), superscripts) }
	sub := func(name, index string) string { return name + "_" + index }
	box := func(x, y, w int, title, subtitle, class string) templates.DiagramBox {
		ty := y + 17
		if subtitle == "" {
			ty = y + 25
		}
		return templates.DiagramBox{X: x, Y: y, W: w, H: boxH, Title: title, Subtitle: subtitle, TextX: x + w/2, TextY: ty, Class: class}
	}

	// Rolled: one column of boxes as wide as the widest label, the loop on
	// the right of the hidden state, arrow labels right of the arrows.
	inSub := vec(d.InputSize)
	hidSub := vec(d.HiddenSize) + ", " + d.HiddenActivation
	outSub := vec(d.OutSize) + ", " + d.OutActivation
	w := max(fitBox(86, "x_t", inSub), fitBox(86, "h_t", hidSub), fitBox(86, "ŷ_t", outSub))
	const left = 10
	cx, right := left+w/2, left+w
	rolled := templates.NetworkDiagramView{ID: id + "-rolled", Caption: "Rolled: one cell whose hidden state feeds back into itself",
		Class: "diagram-rolled", Width: right + 110, Height: 250}
	rolled.Boxes = []templates.DiagramBox{
		box(left, 190, w, sub("x", "t"), inSub, "diagram-box-input"),
		box(left, 100, w, sub("h", "t"), hidSub, "diagram-box-hidden"),
		box(left, 10, w, sub("ŷ", "t"), outSub, "diagram-box-output"),
	}
	rolled.Arrows = []templates.DiagramLine{
		{X1: cx, Y1: 188, X2: cx, Y2: 142, Label: sub("W", "hx"), LabelX: cx + 8, LabelY: 170, Anchor: "start"},
		{X1: cx, Y1: 98, X2: cx, Y2: 52, Label: sub("W", "yh"), LabelX: cx + 8, LabelY: 80, Anchor: "start"},
		{Path: fmt.Sprintf("M %d 110 C %d 85, %d 155, %d 130", right+1, right+70, right+70, right+3), Label: sub("W", "hh"), LabelX: right + 62, LabelY: 124, Anchor: "start"},
	}

	// Unrolled: narrow columns, so that on a phone the drawing is scaled
	// down less; its labels are set larger (diagram-unrolled in app.css).
	steps := d.Steps
	if steps < 1 {
		steps = 3
	}
	const (
		boxW = 64
		colW = 100
	)
	unrolled := templates.NetworkDiagramView{
		ID:      id + "-unrolled",
		Caption: fmt.Sprintf("Unrolled over %d time steps: the same weights at every step", steps),
		Class:   "diagram-unrolled",
		Width:   10 + steps*colW + boxW + 44, Height: 250,
	}
	unrolled.Boxes = append(unrolled.Boxes, box(10, 100, boxW, sub("h", "0"), "zeros", "diagram-box-hidden"))
	for t := 1; t <= steps; t++ {
		x := 10 + t*colW
		unrolled.Boxes = append(unrolled.Boxes,
			box(x, 190, boxW, sub("x", fmt.Sprint(t)), "", "diagram-box-input"),
			box(x, 100, boxW, sub("h", fmt.Sprint(t)), "", "diagram-box-hidden"),
			box(x, 10, boxW, sub("ŷ", fmt.Sprint(t)), "", "diagram-box-output"),
		)
		cx := x + boxW/2
		unrolled.Arrows = append(unrolled.Arrows,
			templates.DiagramLine{X1: cx, Y1: 188, X2: cx, Y2: 142, Label: sub("W", "hx"), LabelX: cx + 6, LabelY: 172, Anchor: "start"},
			templates.DiagramLine{X1: cx, Y1: 98, X2: cx, Y2: 52, Label: sub("W", "yh"), LabelX: cx + 6, LabelY: 82, Anchor: "start"},
			// W_hh sits above its arrow, in the gap between two columns.
			templates.DiagramLine{X1: x - colW + boxW + 2, Y1: 120, X2: x - 2, Y2: 120, Label: sub("W", "hh"), LabelX: x - (colW-boxW)/2, LabelY: 112, Anchor: "middle"},
		)
	}
	return &templates.RNNDiagramView{Caption: d.Caption, Rolled: rolled, Unrolled: unrolled}
}

// superscripts writes exponents in diagram labels (ℝ⁴) as Unicode, since
// SVG text cannot hold MathML; subscripts are drawn as shifted tspans.
var superscripts = strings.NewReplacer("0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")

func script(s string, r *strings.Replacer) string { return r.Replace(s) }

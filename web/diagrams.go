package web

import (
	"fmt"
	"strings"

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

// rnnLayout draws the Elman RNN rolled (one cell with a loop) and unrolled
// over d.Steps time steps.
func rnnLayout(d *exercises.RNNDiagram, id string) *templates.RNNDiagramView {
	const (
		boxW = 86
		boxH = 40
	)
	box := func(x, y int, title, sub, class string) templates.DiagramBox {
		return templates.DiagramBox{X: x, Y: y, W: boxW, H: boxH, Title: title, Subtitle: sub, TextX: x + boxW/2, TextY: y + 17, Class: class}
	}
	vec := func(n int) string { return "ℝ" + script(fmt.Sprint(n), superscripts) }
	sub := func(name, index string) string { return name + "_" + index }
	rolled := templates.NetworkDiagramView{ID: id + "-rolled", Caption: "Rolled: one cell whose hidden state feeds back into itself", Width: 300, Height: 250}
	rolled.Boxes = []templates.DiagramBox{
		box(80, 190, sub("x", "t"), vec(d.InputSize), "diagram-box-input"),
		box(80, 100, sub("h", "t"), vec(d.HiddenSize)+", "+d.HiddenActivation, "diagram-box-hidden"),
		box(80, 10, sub("ŷ", "t"), vec(d.OutSize)+", "+d.OutActivation, "diagram-box-output"),
	}
	rolled.Arrows = []templates.DiagramLine{
		{X1: 123, Y1: 188, X2: 123, Y2: 142, Label: sub("W", "hx"), LabelX: 150, LabelY: 170},
		{X1: 123, Y1: 98, X2: 123, Y2: 52, Label: sub("W", "yh"), LabelX: 150, LabelY: 80},
		{Path: "M 166 110 C 230 90, 230 150, 166 130", Label: sub("W", "hh"), LabelX: 245, LabelY: 124},
	}
	steps := d.Steps
	if steps < 1 {
		steps = 3
	}
	const colW = 120
	unrolled := templates.NetworkDiagramView{
		ID:      id + "-unrolled",
		Caption: fmt.Sprintf("Unrolled over %d time steps: the same weights at every step", steps),
		Width:   40 + (steps+1)*colW, Height: 250,
	}
	unrolled.Boxes = append(unrolled.Boxes, box(20, 100, sub("h", "0"), "zeros", "diagram-box-hidden"))
	for t := 1; t <= steps; t++ {
		x := 20 + t*colW
		unrolled.Boxes = append(unrolled.Boxes,
			box(x, 190, sub("x", fmt.Sprint(t)), "", "diagram-box-input"),
			box(x, 100, sub("h", fmt.Sprint(t)), "", "diagram-box-hidden"),
			box(x, 10, sub("ŷ", fmt.Sprint(t)), "", "diagram-box-output"),
		)
		cx := x + boxW/2
		unrolled.Arrows = append(unrolled.Arrows,
			templates.DiagramLine{X1: cx, Y1: 188, X2: cx, Y2: 142, Label: sub("W", "hx"), LabelX: cx + 26, LabelY: 170},
			templates.DiagramLine{X1: cx, Y1: 98, X2: cx, Y2: 52, Label: sub("W", "yh"), LabelX: cx + 26, LabelY: 80},
			templates.DiagramLine{X1: x - colW + boxW + 2, Y1: 120, X2: x - 2, Y2: 120, Label: sub("W", "hh"), LabelX: x - (colW-boxW)/2, LabelY: 112},
		)
	}
	return &templates.RNNDiagramView{Caption: d.Caption, Rolled: rolled, Unrolled: unrolled}
}

// superscripts writes exponents in diagram labels (ℝ⁴) as Unicode, since
// SVG text cannot hold MathML; subscripts are drawn as shifted tspans.
var superscripts = strings.NewReplacer("0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")

func script(s string, r *strings.Replacer) string { return r.Replace(s) }

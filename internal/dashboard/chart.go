package dashboard

import (
	"fmt"
	"strconv"
)

// Chart is a bar chart laid out for server-rendered SVG: the template draws
// each bar and label where the chart says, in a viewBox of Width × Height
// that scales with the page. Title and Desc become the SVG's <title> and
// <desc>; the page shows the same numbers in a table next to it.
type Chart struct {
	Title, Desc   string
	Width, Height float64
	Bars          []Bar
	// Baseline is the y of the axis line (vertical bars) or the x where
	// bars start (horizontal bars).
	Baseline float64
	// Horizontal: bars grow to the right, one per row, labelled above.
	Horizontal bool
}

// Bar is one bar with its labels' positions.
type Bar struct {
	X, Y, W, H float64
	// Label names the bar (a score range, a diagnosis code) at LabelX,
	// LabelY; Value is the count written at ValueX, ValueY.
	Label          string
	LabelX, LabelY float64
	Value          string
	ValueX, ValueY float64
}

// HistogramChart lays out the score histogram: ten vertical bars over
// 0–100 %.
func HistogramChart(h Histogram) Chart {
	const w, top, bottom, left, right = 400.0, 18.0, 176.0, 8.0, 392.0
	c := Chart{Width: w, Height: 200, Baseline: bottom,
		Title: "Score histogram",
		Desc:  fmt.Sprintf("Number of learners by assignment score, in ranges of 10 percent; %d learners who started.", h.Learners)}
	peak := 0
	for _, b := range h.Bins {
		peak = max(peak, b.Count)
	}
	slot := (right - left) / float64(max(len(h.Bins), 1))
	for i, b := range h.Bins {
		height := 0.0
		if peak > 0 {
			height = float64(b.Count) / float64(peak) * (bottom - top)
		}
		x := left + float64(i)*slot
		c.Bars = append(c.Bars, Bar{
			X: x + 3, Y: bottom - height, W: slot - 6, H: height,
			Label: strconv.Itoa(b.Lo), LabelX: x + slot/2, LabelY: bottom + 16,
			Value: strconv.Itoa(b.Count), ValueX: x + slot/2, ValueY: bottom - height - 4,
		})
	}
	return c
}

// MistakeChart lays out horizontal bars for the most frequent diagnoses
// (at most MaxChartBars), each labelled with its code and count.
func MistakeChart(ms []Mistake, totalWrong int) Chart {
	const w, left, right, row = 400.0, 4.0, 340.0, 40.0
	n := min(len(ms), MaxChartBars)
	c := Chart{Width: w, Height: max(row*float64(n), row), Horizontal: true, Baseline: left,
		Title: "Mistakes by diagnosis",
		Desc:  fmt.Sprintf("Wrong answers by diagnosis, the %d most frequent of %d wrong answers.", n, totalWrong)}
	peak := 0
	for _, m := range ms[:n] {
		peak = max(peak, m.Count)
	}
	for i, m := range ms[:n] {
		y := float64(i) * row
		width := 0.0
		if peak > 0 {
			width = float64(m.Count) / float64(peak) * (right - left)
		}
		label := m.Code
		if label == "" {
			label = "no diagnosis"
		}
		c.Bars = append(c.Bars, Bar{
			X: left, Y: y + 20, W: width, H: 14,
			Label: label, LabelX: left, LabelY: y + 15,
			Value: fmt.Sprintf("%d (%.0f%%)", m.Count, m.Share*100), ValueX: left + width + 4, ValueY: y + 31,
		})
	}
	return c
}

package templates

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

func viewBox(w, h int) string { return fmt.Sprintf("0 0 %d %d", w, h) }

// diagramTitleID derives a stable element ID from the caption, so several
// diagrams on one page keep distinct IDs and arrow markers.
func diagramTitleID(d NetworkDiagramView) string {
	if d.ID != "" {
		return d.ID
	}
	var b strings.Builder
	b.WriteString("diagram-")
	for _, r := range strings.ToLower(d.Caption) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
			b.WriteByte('-')
		}
	}
	return b.String()
}

func markerRef(d NetworkDiagramView) string {
	return "url(#" + diagramTitleID(d) + "-arrow)"
}

// splitSub splits a label written "W_hx" into its base and subscript, so the
// subscript can be drawn lowered and smaller.
func splitSub(label string) (string, string) {
	if i := strings.IndexByte(label, '_'); i > 0 && i < len(label)-1 {
		return label[:i], label[i+1:]
	}
	return label, ""
}

// subscripted is the SVG text content of a label: the base, then the
// subscript lowered in a tspan, with no white space between them (which
// would show as a gap: "W  yh").
func subscripted(label string) string {
	b, s := splitSub(label)
	out := html.EscapeString(b)
	if s != "" {
		out += `<tspan class="diagram-sub" dy="4">` + html.EscapeString(s) + `</tspan>`
	}
	return out
}

func anchor(a string) string {
	if a == "start" {
		return "start"
	}
	return "middle"
}

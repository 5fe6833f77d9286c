package templates

import (
	"fmt"
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

func viewBox(w, h int) string { return fmt.Sprintf("0 0 %d %d", w, h) }

// diagramTitleID derives a stable element ID from the caption, so several
// diagrams on one page keep distinct IDs and arrow markers.
func diagramTitleID(d NetworkDiagramView) string {
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

package web

import (
	"fmt"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
)

// replayGate says what of one exercise animation a student may see before
// answering: nothing at all while a part whose answer the whole replay
// shows (an output size, the whole output) is still open to answer; else
// every step but those whose value is the answer of a part not yet
// attempted or revealed (the cell a part asks for, and the same value
// wherever else it appears, like the padded output's copy of an unpadded
// cell). Illustrative animations are never gated.
type replayGate struct {
	// whole lists the parts that keep the whole replay closed.
	whole []*exercises.Part
	// withheld maps each withheld step to the parts it would give away.
	withheld map[int][]*exercises.Part
}

// gateReplay computes the gate of animation idx of v (traced as tr) for a
// student who has attempted or revealed the parts in open.
func gateReplay(v *exercises.Variant, idx int, tr *compute.Trace, open map[string]bool) (replayGate, error) {
	var g replayGate
	if idx < 0 || idx >= len(v.Animations) || v.Animations[idx].Illustrative {
		return g, nil
	}
	type answer struct {
		part  *exercises.Part
		value float64
	}
	var cells []answer
	for _, p := range v.Parts {
		if open[p.ID] || p.Animation < 0 || p.Animation >= len(v.Animations) || v.Animations[p.Animation].Illustrative {
			continue
		}
		if p.FocusStep == nil {
			if p.Animation == idx {
				g.whole = append(g.whole, p)
			}
			continue
		}
		ptr := tr
		if p.Animation != idx {
			var err error
			if ptr, err = animationTrace(v.Animations[p.Animation]); err != nil {
				return g, fmt.Errorf("trace animation %d: %w", p.Animation, err)
			}
		}
		st, err := ptr.Step(*p.FocusStep)
		if err != nil {
			return g, fmt.Errorf("part %s: %w", p.ID, err)
		}
		cells = append(cells, answer{p, st.Value})
	}
	if len(g.whole) > 0 || len(cells) == 0 {
		return g, nil
	}
	g.withheld = map[int][]*exercises.Part{}
	for i := 0; i < tr.Len(); i++ {
		st, err := tr.Step(i)
		if err != nil {
			return g, fmt.Errorf("step %d: %w", i, err)
		}
		for _, c := range cells {
			if st.Value == c.value {
				g.withheld[i] = append(g.withheld[i], c.part)
			}
		}
	}
	return g, nil
}

// partLabels names parts for the student: “Output size” and “Bottom-right cell”.
func partLabels(parts []*exercises.Part) string {
	labels := make([]string, len(parts))
	for i, p := range parts {
		labels[i] = "“" + p.Label + "”"
	}
	return strings.Join(labels, " and ")
}

// plainLabels is partLabels for plain-text places (a step table cell): the
// labels' math delimiters are dropped.
func plainLabels(parts []*exercises.Part) string {
	return strings.ReplaceAll(partLabels(parts), "$", "")
}

package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/templates"
)

// maxTableSteps bounds the server-rendered step table; the live player
// streams every step, the table is the no-JavaScript fallback.
const maxTableSteps = 400

// animationSpec turns an exercise animation into the compute spec it
// replays: a conv2d spec, or a pooling spec; exactly one is non-nil. The
// step tables and the websocket both start from it.
func animationSpec(a exercises.Animation) (*compute.ConvSpec, *compute.PoolSpec, error) {
	pair := func(p [2]int) compute.Pair { return compute.Pair{H: p[0], W: p[1]} }
	switch a.Op {
	case "conv2d":
		return &compute.ConvSpec{
			Input: a.Input, Kernel: a.Kernel, Bias: a.Bias,
			Stride: pair(a.Stride), Padding: pair(a.Padding), Dilation: pair(a.Dilation),
		}, nil, nil
	case "maxpool2d", "avgpool2d":
		op := compute.MaxPool
		if a.Op == "avgpool2d" {
			op = compute.AvgPool
		}
		return nil, &compute.PoolSpec{
			Op: op, Input: a.Input, KernelSize: pair(a.KernelSize),
			Stride: pair(a.Stride), Padding: pair(a.Padding), Dilation: pair(a.Dilation),
		}, nil
	}
	return nil, nil, fmt.Errorf("unknown animation op %q", a.Op)
}

// animationTrace builds the compute trace an exercise animation replays.
func animationTrace(a exercises.Animation) (*compute.Trace, error) {
	conv, pool, err := animationSpec(a)
	switch {
	case err != nil:
		return nil, err
	case conv != nil:
		return compute.NewConvTrace(*conv)
	default:
		return compute.NewPoolTrace(*pool)
	}
}

// stepTable writes a trace out as rows, the player's no-JavaScript form.
func stepTable(caption string, tr *compute.Trace) templates.StepTableView {
	t := templates.StepTableView{Caption: caption}
	n := tr.Len()
	shown := min(n, maxTableSteps)
	multi := tr.OutputShape()[0] > 1
	for i := range shown {
		st, err := tr.Step(i)
		if err != nil {
			break
		}
		cell := fmt.Sprintf("row %d, column %d", st.Out[1]+1, st.Out[2]+1)
		if multi {
			cell = fmt.Sprintf("channel %d, ", st.Out[0]+1) + cell
		}
		w := st.Window
		t.Rows = append(t.Rows, templates.StepRow{
			Index:      i,
			Cell:       cell,
			Window:     fmt.Sprintf("rows %d–%d, columns %d–%d", w.Row+1, w.Row+w.Height, w.Col+1, w.Col+w.Width),
			Arithmetic: stepArithmetic(tr.Op(), st),
			Value:      plainNum(st.Value),
		})
	}
	t.Omitted = n - shown
	return t
}

// plainNum formats a number for plain text with a real minus sign.
func plainNum(v float64) string {
	return strings.Replace(compute.FormatNumber(v), "-", "−", 1)
}

func factorText(v float64) string {
	if v < 0 {
		return "(" + plainNum(v) + ")"
	}
	return plainNum(v)
}

// stepArithmetic writes one step's sum of products, max or mean in plain
// text, the same way the live player does.
func stepArithmetic(op string, st compute.Step) string {
	switch op {
	case "conv2d":
		var channels []string
		for _, terms := range st.Terms {
			parts := make([]string, len(terms))
			for i, t := range terms {
				x := t.Input
				if t.IsPadding {
					x = 0
				}
				first := factorText(x)
				if i == 0 {
					first = plainNum(x)
				}
				parts[i] = first + "·" + factorText(t.Weight)
			}
			channels = append(channels, strings.Join(parts, " + "))
		}
		text := channels[0]
		if len(channels) > 1 {
			text = "(" + strings.Join(channels, ") + (") + ")"
		}
		if st.HasBias {
			text += " + " + factorText(st.Bias) + " (bias)"
		}
		return text + " = " + plainNum(st.Value)
	case "maxpool2d":
		vals := make([]string, len(st.Terms[0]))
		for i, t := range st.Terms[0] {
			vals[i] = plainNum(t.Input)
			if t.IsPadding {
				vals[i] = "−∞"
			}
		}
		return "max(" + strings.Join(vals, ", ") + ") = " + plainNum(st.Value)
	default:
		vals := make([]string, len(st.Terms[0]))
		for i, t := range st.Terms[0] {
			x := t.Input
			if t.IsPadding {
				x = 0
			}
			vals[i] = plainNum(x)
		}
		return "(" + strings.Join(vals, " + ") + ") / " + fmt.Sprint(len(vals)) + " = " + plainNum(st.Value)
	}
}

// exercisePlayer builds the player of a variant, one entry per animation,
// each started through the exercise form of the protocol so the server
// replays the variant's own data.
//
// A replay that is not illustrative shows the answers of the parts it
// replays, so it is locked (no steps, no table) until each of them is in
// open: attempted or revealed.
func (s *Server) exercisePlayer(v *exercises.Variant, open map[string]bool) *templates.PlayerProps {
	if len(v.Animations) == 0 {
		return nil
	}
	p := &templates.PlayerProps{ID: "main", WSURL: s.base + "/ws/animate", Heading: "Watch it step by step"}
	for i, a := range v.Animations {
		part := ""
		for _, pt := range v.Parts {
			if pt.Animation == i {
				part = pt.ID
				break
			}
		}
		if part == "" {
			continue
		}
		start, _ := json.Marshal(map[string]any{"exercise": v.Exercise.ID, "seed": v.Seed, "part": part})
		tr, err := animationTrace(a)
		if err != nil {
			s.log.Error("animation trace", "exercise", v.Exercise.ID, "seed", v.Seed, "err", err)
			continue
		}
		pa := templates.PlayerAnimation{Label: a.Label, Start: string(start), Form: "exercise-form"}
		if !a.Illustrative {
			var labels []string
			for _, pt := range v.Parts {
				if pt.Animation == i && !open[pt.ID] {
					pa.Locked = append(pa.Locked, pt.ID)
					labels = append(labels, "“"+pt.Label+"”")
				}
			}
			pa.LockedLabels = strings.Join(labels, " and ")
		}
		if len(pa.Locked) == 0 {
			pa.Table = stepTable(a.Label, tr)
		} else {
			pa.Table = templates.StepTableView{Caption: a.Label}
		}
		p.Animations = append(p.Animations, pa)
	}
	if len(p.Animations) == 0 {
		return nil
	}
	return p
}

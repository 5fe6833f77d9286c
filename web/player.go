package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/templates"
)

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
			ExcludePadding: a.ExcludePadding,
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

// stepTable writes one page of a trace out as rows, the player's
// no-JavaScript form. index is the table's position among the player's
// tables and playerID the player's ID; together they name the table's
// element, which paging links point at. The caller has checked the page
// with pg.check.
//
// Steps in withheld are listed without their arithmetic and value, naming
// the parts they would give away.
func stepTable(caption, playerID string, index int, tr *compute.Trace, pg stepPaging, withheld map[int][]*exercises.Part) templates.StepTableView {
	n, per := tr.Len(), stepsPerPage(tr)
	t := templates.StepTableView{
		Caption: caption,
		ID:      fmt.Sprintf("player-%s-steps-%d", playerID, index+1),
		Total:   n,
		Pages:   stepPages(n, per),
		Page:    1,
	}
	if pg.table == index {
		t.Page = pg.page
		t.Open = pg.explicit
	}
	t.First = (t.Page - 1) * per
	last := min(n, t.First+per)
	multi := tr.OutputShape()[0] > 1
	for i := t.First; i < last; i++ {
		st, err := tr.Step(i)
		if err != nil {
			break
		}
		cell := fmt.Sprintf("row %d, column %d", st.Out[1]+1, st.Out[2]+1)
		if multi {
			cell = fmt.Sprintf("channel %d, ", st.Out[0]+1) + cell
		}
		w := st.Window
		if parts := withheld[i]; len(parts) > 0 {
			t.Rows = append(t.Rows, templates.StepRow{
				Index:      i,
				Cell:       cell,
				Window:     fmt.Sprintf("rows %d–%d, columns %d–%d", w.Row+1, w.Row+w.Height, w.Col+1, w.Col+w.Width),
				Arithmetic: "Not shown yet: this step gives away the answer to " + plainLabels(parts) + ". Answer it first, or reveal it.",
				Value:      "?",
			})
			continue
		}
		t.Rows = append(t.Rows, templates.StepRow{
			Index:      i,
			Cell:       cell,
			Window:     fmt.Sprintf("rows %d–%d, columns %d–%d", w.Row+1, w.Row+w.Height, w.Col+1, w.Col+w.Width),
			Arithmetic: stepArithmetic(tr.Op(), st),
			Value:      plainNum(st.Value),
		})
	}
	if t.Pages > 1 {
		link := func(page int) string { return pg.link(index, page, t.ID) }
		t.FirstURL, t.LastURL = link(1), link(t.Pages)
		if t.Page > 1 {
			t.PrevURL = link(t.Page - 1)
		}
		if t.Page < t.Pages {
			t.NextURL = link(t.Page + 1)
		}
	}
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

// Long sums are summarised: a list of up to maxListedTerms terms is
// written out, a longer one as its first headTerms and last tailTerms terms
// around an ellipsis, with the count. A 5×5 kernel or a 3×3 kernel over
// three channels is still written out in full, and a row of the table
// stays a few hundred bytes whatever the kernel.
const (
	maxListedTerms = 32
	headTerms      = 6
	tailTerms      = 3
)

// listTerms joins n terms with sep. item formats term i; a summarised list
// formats only the terms it shows.
func listTerms(n int, sep string, item func(i int) string) string {
	if n <= maxListedTerms {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = item(i)
		}
		return strings.Join(parts, sep)
	}
	parts := make([]string, 0, headTerms+1+tailTerms)
	for i := range headTerms {
		parts = append(parts, item(i))
	}
	parts = append(parts, "…")
	for i := n - tailTerms; i < n; i++ {
		parts = append(parts, item(i))
	}
	return strings.Join(parts, sep)
}

// stepArithmetic writes one step's sum of products, max or mean in plain
// text, the same way the live player does; long sums are summarised (see
// maxListedTerms).
func stepArithmetic(op string, st compute.Step) string {
	switch op {
	case "conv2d":
		var text string
		product := func(t compute.Term, first bool) string {
			x := t.Input
			if t.IsPadding {
				x = 0
			}
			if first {
				return plainNum(x) + "·" + factorText(t.Weight)
			}
			return factorText(x) + "·" + factorText(t.Weight)
		}
		total := 0
		for _, terms := range st.Terms {
			total += len(terms)
		}
		if total <= maxListedTerms {
			channels := make([]string, len(st.Terms))
			for c, terms := range st.Terms {
				channels[c] = listTerms(len(terms), " + ", func(i int) string { return product(terms[i], i == 0) })
			}
			text = channels[0]
			if len(channels) > 1 {
				text = "(" + strings.Join(channels, ") + (") + ")"
			}
		} else {
			// Summarised, the channels run together in the order they are
			// summed: channel by channel (all of one length), each in
			// row-major kernel order.
			per := len(st.Terms[0])
			text = listTerms(total, " + ", func(i int) string { return product(st.Terms[i/per][i%per], i == 0) })
			if len(st.Terms) > 1 {
				text += fmt.Sprintf(" (%d products over %d channels)", total, len(st.Terms))
			} else {
				text += fmt.Sprintf(" (%d products)", total)
			}
		}
		if st.HasBias {
			text += " + " + factorText(st.Bias) + " (bias)"
		}
		return text + " = " + plainNum(st.Value)
	case "maxpool2d":
		terms := st.Terms[0]
		vals := listTerms(len(terms), ", ", func(i int) string {
			if terms[i].IsPadding {
				return "−∞"
			}
			return plainNum(terms[i].Input)
		})
		if len(terms) > maxListedTerms {
			vals += fmt.Sprintf("; %d values", len(terms))
		}
		return "max(" + vals + ") = " + plainNum(st.Value)
	default:
		terms := st.Terms[0]
		vals := listTerms(len(terms), " + ", func(i int) string {
			if terms[i].IsPadding {
				return "0"
			}
			return plainNum(terms[i].Input)
		})
		if len(terms) > maxListedTerms {
			vals += fmt.Sprintf(" (%d values)", len(terms))
		}
		return "(" + vals + ") / " + fmt.Sprint(len(terms)) + " = " + plainNum(st.Value)
	}
}

// exercisePlayer builds the player of a variant, one entry per animation,
// each started through the exercise form of the protocol so the server
// replays the variant's own data. pg picks the step-table page; a page or
// table beyond the variant's is an error naming the parameter.
//
// A replay that is not illustrative is gated per part (see gateReplay):
// closed (no steps, no table on any page) while a part whose answer the
// whole replay shows is not in open (attempted or revealed), and otherwise
// shown without the steps that give away an open part's answer. The page
// carries the unlock tokens of the open parts, so the player's websocket
// can show what the page shows.
func (s *Server) exercisePlayer(v *exercises.Variant, pg stepPaging, open map[string]bool) (*templates.PlayerProps, error) {
	if len(v.Animations) == 0 {
		return nil, pg.check(nil)
	}
	p := &templates.PlayerProps{ID: "main", WSURL: s.base + "/ws/animate", Heading: "Watch it step by step"}
	type entry struct {
		label, start string
		tr           *compute.Trace
		locked       []string
		labels       string
		withheld     map[int][]*exercises.Part
	}
	var entries []entry
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
		msg := map[string]any{"exercise": v.Exercise.ID, "seed": v.Seed, "part": part}
		if v.Exercise.Version != "" {
			msg["version"] = v.Exercise.Version
		}
		start, _ := json.Marshal(msg)
		tr, err := animationTrace(a)
		if err != nil {
			s.log.Error("animation trace", "exercise", v.Exercise.ID, "seed", v.Seed, "err", err)
			continue
		}
		gate, err := gateReplay(v, i, tr, open)
		if err != nil {
			s.log.Error("replay gate", "exercise", v.Exercise.ID, "seed", v.Seed, "err", err)
			continue
		}
		var locked []string
		for _, pt := range gate.whole {
			locked = append(locked, pt.ID)
		}
		entries = append(entries, entry{a.Label, string(start), tr, locked, partLabels(gate.whole), gate.withheld})
	}
	traces := make([]*compute.Trace, len(entries))
	for i, e := range entries {
		traces[i] = e.tr
	}
	if err := pg.check(traces); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	var tokens []string
	for _, pt := range v.Parts {
		if open[pt.ID] && pt.Animation >= 0 {
			tokens = append(tokens, s.unlock.token(v.Exercise.ID, v.Seed, pt.ID))
		}
	}
	p.Unlock = strings.Join(tokens, " ")
	for i, e := range entries {
		pa := templates.PlayerAnimation{Label: e.label, Start: e.start, Form: "exercise-form", Locked: e.locked, LockedLabels: e.labels}
		if len(e.locked) == 0 {
			pa.Table = stepTable(e.label, p.ID, i, e.tr, pg, e.withheld)
		} else {
			pa.Table = templates.StepTableView{Caption: e.label}
		}
		p.Animations = append(p.Animations, pa)
	}
	return p, nil
}

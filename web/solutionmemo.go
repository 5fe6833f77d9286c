package web

import (
	"context"
	"strings"

	"github.com/stride-tutor/stride/internal/exercises"
)

// solutionHTML is the memoized renderSolution. A part's worked solution is
// fixed text, yet the check API sends it with every attempted part; it is
// rendered once per distinct solution, keyed by everything the rendering
// reads, and kept within the math memo's byte bound.
func (s *Server) solutionHTML(ctx context.Context, part *exercises.Part) string {
	if part.Diagram != nil || part.RNNDiagram != nil {
		// The drawing that comes with these few solutions is not in the
		// key's texts; render them each time rather than key on it.
		return s.renderSolution(ctx, part)
	}
	key := solutionKey(part)
	if h, ok := s.math.solutions.get(key); ok {
		return h
	}
	h := s.renderSolution(ctx, part)
	if h != "" {
		s.math.solutions.add(key, h, int64(len(key)+len(h)+entryOverhead))
	}
	return h
}

// solutionKey joins the texts renderSolution reads, each ended by a NUL
// (which no exercise text contains), after the kind that picks the
// template.
func solutionKey(part *exercises.Part) string {
	var b strings.Builder
	add := func(t string) {
		b.WriteString(t)
		b.WriteByte(0)
	}
	if part.Kind == exercises.KindSelfCheck {
		add("self-check")
		add(part.ModelAnswer)
		for _, c := range part.Checklist {
			add(c)
		}
		return b.String()
	}
	add("solution")
	add(part.Answer)
	for _, t := range part.Solution {
		add(t)
	}
	return b.String()
}

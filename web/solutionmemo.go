package web

import (
	"context"
	"strings"

	"github.com/stride-tutor/stride/internal/exercises"
)

// renderedSolution is a part's rendered worked solution, as HTML and as
// that HTML encoded as a JSON string (quotes included), which is how the
// check API sends it. json is nil when it was not encoded ahead.
type renderedSolution struct {
	html string
	json []byte
}

// solutionHTML is the memoized renderSolution.
func (s *Server) solutionHTML(ctx context.Context, part *exercises.Part) string {
	return s.solution(ctx, part).html
}

// solution is the memoized renderSolution with its JSON encoding. A part's
// worked solution is fixed text, yet the check API sends it with every
// attempted part; it is rendered and JSON-escaped once per distinct
// solution, keyed by everything the rendering reads, and both forms count
// against the memo's byte bound.
func (s *Server) solution(ctx context.Context, part *exercises.Part) renderedSolution {
	if part.Diagram != nil || part.RNNDiagram != nil {
		// The drawing that comes with these few solutions is not in the
		// key's texts; render them each time rather than key on it.
		return renderedSolution{html: s.renderSolution(ctx, part)}
	}
	key := solutionKey(part)
	if sol, ok := s.math.solutions.get(key); ok {
		return sol
	}
	sol := renderedSolution{html: s.renderSolution(ctx, part)}
	if sol.html != "" {
		sol.json = appendJSONString(make([]byte, 0, len(sol.html)+len(sol.html)/2), sol.html)
		s.math.solutions.add(key, sol, int64(len(key)+len(sol.html)+cap(sol.json)+entryOverhead))
	}
	return sol
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

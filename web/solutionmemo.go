package web

import (
	"context"
	"strconv"
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
func (s *Server) solutionHTML(ctx context.Context, v *exercises.Variant, part *exercises.Part) string {
	return s.solution(ctx, v, part).html
}

// solution is the memoized renderSolution of part, a part of v, with its
// JSON encoding. A part's worked solution is fixed for its variant, yet the
// check API sends it with every attempted part; it is rendered and
// JSON-escaped once per variant and part, and both forms count against the
// memo's byte bound.
//
// The key is the exercise, seed and part, not the texts the rendering
// reads: a variant is a pure function of its exercise and seed (the
// variant cache relies on that too), and building a key from the texts
// cost a copy of every solution on every check. Parts with a drawing are
// memoized the same way, since their drawing is part of the variant.
func (s *Server) solution(ctx context.Context, v *exercises.Variant, part *exercises.Part) renderedSolution {
	key := solutionKey(v, part)
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

// solutionKey names part of variant v: its exercise, seed and part ID,
// separated by NULs (which no ID contains).
func solutionKey(v *exercises.Variant, part *exercises.Part) string {
	var b strings.Builder
	b.Grow(len(v.Exercise.ID) + len(part.ID) + 22)
	b.WriteString(v.Exercise.ID)
	b.WriteByte(0)
	b.WriteString(strconv.FormatUint(v.Seed, 10))
	b.WriteByte(0)
	b.WriteString(part.ID)
	return b.String()
}

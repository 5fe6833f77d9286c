package web

import (
	"context"
	"strconv"

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
// The key is the exercise, its version, the seed and the part, not the
// texts the rendering reads: a variant is a pure function of its exercise
// (at a version) and seed (the
// variant cache relies on that too), and building a key from the texts
// cost a copy of every solution on every check. Parts with a drawing are
// memoized the same way, since their drawing is part of the variant.
func (s *Server) solution(ctx context.Context, v *exercises.Variant, part *exercises.Part) renderedSolution {
	var kb [96]byte
	key := appendSolutionKey(kb[:0], v, part)
	if sol, ok := s.math.solutions.getBytes(key); ok {
		return sol
	}
	sol := renderedSolution{html: s.renderSolution(ctx, part)}
	if sol.html != "" {
		sol.json = appendJSONString(make([]byte, 0, len(sol.html)+len(sol.html)/2), sol.html)
		s.math.solutions.add(string(key), sol, int64(len(key)+len(sol.html)+cap(sol.json)+entryOverhead))
	}
	return sol
}

// solutionKey names part of variant v: its exercise, the exercise's version
// (an authored exercise's file may change under the same ID), seed and part
// ID, separated by NULs (which neither IDs nor versions contain).
func solutionKey(v *exercises.Variant, part *exercises.Part) string {
	return string(appendSolutionKey(nil, v, part))
}

// appendSolutionKey appends solutionKey(v, part) to b.
func appendSolutionKey(b []byte, v *exercises.Variant, part *exercises.Part) []byte {
	b = append(append(b, v.Exercise.ID...), 0)
	b = append(append(b, v.Exercise.Version...), 0)
	b = append(strconv.AppendUint(b, v.Seed, 10), 0)
	return append(b, part.ID...)
}

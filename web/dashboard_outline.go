package web

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/dashboard"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
)

// Outlines of per-student variants for the dashboard. An item with a
// per-student seed that names no parts asks each learner the parts of
// their own variant, and the dashboard needs those (dashLearnerParts).
// Generating a variant computes its answers, checkers and examples, about
// half a millisecond each: for 2,000 learners and two such items that was
// four fifths of a first dashboard view (BENCHMARKS.md). The dashboard
// needs only the parts' ids and labels: exercises.Exercise.Outline gives
// them without the variant for a built-in exercise (microseconds), and
// they are kept per exercise and seed: noted whenever a learner's variant
// is made anyway (each check and item page of the student side), and
// otherwise outlined, on all cores, by the first dashboard view that needs
// them (an authored exercise makes its variants then).

// maxOutlines bounds the memo (about 100 bytes an entry: the part ids and
// labels are shared with the exercise's own strings); it is emptied whole
// when full, as the item memo is.
const maxOutlines = 200000

type outlineKey struct {
	exercise string
	// version is an authored exercise's file version ("" for built-ins):
	// a changed file may ask different parts at the same seed.
	version string
	seed    uint64
}

// outlineMemo maps an exercise and seed to its variant's parts.
type outlineMemo struct {
	mu sync.Mutex
	m  map[outlineKey][]dashboard.PartRef
}

func newOutlineMemo() *outlineMemo {
	return &outlineMemo{m: map[outlineKey][]dashboard.PartRef{}}
}

func (o *outlineMemo) get(k outlineKey) ([]dashboard.PartRef, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	p, ok := o.m[k]
	return p, ok
}

func (o *outlineMemo) put(k outlineKey, parts []dashboard.PartRef) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.m[k]; ok {
		return
	}
	if len(o.m) >= maxOutlines {
		o.m = map[outlineKey][]dashboard.PartRef{}
	}
	o.m[k] = parts
}

// outlineOf is a variant's parts as the dashboard lists them.
func outlineOf(v *exercises.Variant) []dashboard.PartRef {
	out := make([]dashboard.PartRef, len(v.Parts))
	for i, p := range v.Parts {
		out[i] = dashboard.PartRef{ID: p.ID, Label: strings.ReplaceAll(p.Label, "$", ""), SelfCheck: p.Kind == exercises.KindSelfCheck}
	}
	return out
}

// outlineRefs is an exercise outline as the dashboard lists it.
func outlineRefs(ol []exercises.PartOutline) []dashboard.PartRef {
	out := make([]dashboard.PartRef, len(ol))
	for i, p := range ol {
		out[i] = dashboard.PartRef{ID: p.ID, Label: strings.ReplaceAll(p.Label, "$", ""), SelfCheck: p.Kind == exercises.KindSelfCheck}
	}
	return out
}

// noteOutline remembers the parts of v, the whole variant of an exercise
// at a per-student seed, for the dashboard. itemVariant calls it.
func (s *Server) noteOutline(v *exercises.Variant) {
	if s.dashOutlines == nil || v.Exercise == nil {
		return
	}
	k := outlineKey{v.Exercise.ID, v.Exercise.Version, v.Seed}
	if _, ok := s.dashOutlines.get(k); !ok {
		s.dashOutlines.put(k, outlineOf(v))
	}
}

// learnerOutlines returns, for each learner, the parts of their variant of
// ex under item it's per-student seed: from the memo, the rest generated
// on every core and remembered.
func (s *Server) learnerOutlines(ctx context.Context, ex *exercises.Exercise, it store.Item, learners []store.Learner) ([][]dashboard.PartRef, error) {
	key, err := s.secret(ctx, seedSecretName)
	if err != nil {
		return nil, err
	}
	out := make([][]dashboard.PartRef, len(learners))
	var missing []int
	for i, l := range learners {
		k := outlineKey{ex.ID, ex.Version, courses.SeedFor(key, it, l.ID)}
		if p, ok := s.dashOutlines.get(k); ok {
			out[i] = p
		} else {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(missing))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := w; j < len(missing); j += workers {
				if ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				i := missing[j]
				seed := courses.SeedFor(key, it, learners[i].ID)
				// The exercise's outline, not lookupVariant: a built-in
				// exercise outlines a seed without making the variant
				// (exercises.Exercise.Outline), and thousands of whole
				// variants would push the pages' variants out of their
				// cache.
				ol, err := ex.Outline(seed)
				if err != nil {
					errs[w] = fmt.Errorf("parts of item %d for learner %d: %w", it.ID, learners[i].ID, err)
					return
				}
				out[i] = outlineRefs(ol)
				s.dashOutlines.put(outlineKey{ex.ID, ex.Version, seed}, out[i])
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

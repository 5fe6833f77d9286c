package exercises

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// Outlines: the parts a variant asks, without the variant. The instructor
// dashboard needs, for every learner of an item with a per-student seed,
// the ids, labels and kinds of their variant's parts; making 4,000 whole
// variants (answers, checkers, worked solutions, examples: 0.2–0.7 ms
// each) was most of the first dashboard view after a restart
// (BENCHMARKS.md). Most built-in exercises ask the same parts at every
// seed but the recitation's; the two that do not (conv-by-hand's settings
// and whole-output question, rnn-concepts' alternative questions) draw
// their choices here with the variant's own random numbers. Outline is
// tested against Variant for every built-in exercise over many seeds
// (outline_test.go); any other exercise (an authored file) makes the
// variant.

// PartOutline is a part as a list of parts names it.
type PartOutline struct {
	ID    string
	Label string // as Part.Label: it may hold inline math
	Kind  Kind
}

// outlineOf lists v's parts.
func outlineOf(v *Variant) []PartOutline {
	out := make([]PartOutline, len(v.Parts))
	for i, p := range v.Parts {
		out[i] = PartOutline{ID: p.ID, Label: p.Label, Kind: p.Kind}
	}
	return out
}

// seedFreeParts are the built-in exercises whose variants ask the same
// parts (ids, labels, kinds) at every seed other than 0; seed 0 (the
// recitation) may ask others.
var seedFreeParts = map[string]bool{
	"attention-parameters": true,
	"cnn-concepts":         true, // its questions have no alternatives
	"conv-output-size":     true,
	"cnn-shape-table":      true,
	"cnn-diagram":          true,
	"cnn-parameters":       true,
	"rnn-shapes":           true,
	"rnn-forward":          true,
}

// drawnOutlines outline the built-in exercises whose parts depend on the
// seed, from the random numbers their generator draws.
var drawnOutlines = map[string]func(rng *rand.Rand) ([]PartOutline, error){
	"conv-by-hand": convByHandOutline,
	"rnn-concepts": func(rng *rand.Rand) ([]PartOutline, error) { return conceptOutline(rng, rnnConceptQuestions()), nil },
}

// outlineMemo keeps the outlines of seed 0 and of any other seed for the
// exercises in seedFreeParts (and seed 0 of the others).
type outlineMemo struct {
	mu       sync.Mutex
	recital  []PartOutline // seed 0
	anyOther []PartOutline // every other seed, for seedFreeParts
}

// Outline returns the parts the variant for seed asks, in order: what
// Variant(seed).Parts lists, at a small fraction of the cost for built-in
// exercises.
func (e *Exercise) Outline(seed uint64) ([]PartOutline, error) {
	if seed > MaxSeed {
		return nil, fmt.Errorf("seed %d is larger than the largest seed %d", seed, uint64(MaxSeed))
	}
	builtin := e.Version == "" && e.Source == ""
	if !builtin {
		v, err := e.Variant(seed)
		if err != nil {
			return nil, err
		}
		return outlineOf(v), nil
	}
	if draw, ok := drawnOutlines[e.ID]; ok && seed != 0 {
		return draw(e.rng(seed))
	}
	if seed != 0 && !seedFreeParts[e.ID] {
		v, err := e.Variant(seed)
		if err != nil {
			return nil, err
		}
		return outlineOf(v), nil
	}
	e.outlines.mu.Lock()
	defer e.outlines.mu.Unlock()
	slot := &e.outlines.anyOther
	at := uint64(1)
	if seed == 0 {
		slot, at = &e.outlines.recital, 0
	}
	if *slot == nil {
		v, err := e.Variant(at)
		if err != nil {
			return nil, err
		}
		*slot = outlineOf(v)
	}
	return *slot, nil
}

// rng is the random source Variant gives the generator for seed.
func (e *Exercise) rng(seed uint64) *rand.Rand {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(e.ID); i++ {
		h = (h ^ uint64(e.ID[i])) * 1099511628211
	}
	return rand.New(rand.NewPCG(seed, h))
}

// convByHandOutline is generateConvByHand's parts at a seed other than 0,
// as BuildConvByHand names them.
func convByHandOutline(rng *rand.Rand) ([]PartOutline, error) {
	_, _, first, second, askMatrix := drawConvByHand(rng)
	out := []PartOutline{
		{ID: "dims", Label: "Output size (" + settingWords(first) + ")", Kind: KindShape},
		{ID: "cell", Label: "Output value (" + settingWords(first) + ")", Kind: KindInteger},
	}
	if askMatrix {
		out = append(out, PartOutline{ID: "output", Label: "Whole output (" + settingWords(first) + ")", Kind: KindMatrix})
	}
	return append(out,
		PartOutline{ID: "dims-padded", Label: "Output size (" + settingWords(second) + ")", Kind: KindShape},
		PartOutline{ID: "cell-padded", Label: "Output value (" + settingWords(second) + ")", Kind: KindInteger},
	), nil
}

// conceptOutline is conceptVariant's parts at a seed other than 0: it
// draws the same alternatives and shuffles, so the random numbers stay in
// step.
func conceptOutline(rng *rand.Rand, qs []conceptQuestion) []PartOutline {
	out := make([]PartOutline, 0, len(qs))
	for _, q := range qs {
		id := q.id
		if len(q.alts) > 0 {
			if k := rng.IntN(len(q.alts) + 1); k > 0 {
				q = q.alts[k-1]
			}
		}
		rng.Shuffle(len(q.options), func(int, int) {})
		out = append(out, PartOutline{ID: id, Label: q.label, Kind: q.kind})
	}
	return out
}

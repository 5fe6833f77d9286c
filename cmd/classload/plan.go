package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
)

// The assignment every run uses: four items of the recitation, with the
// parts whose answers the checker reads (self-check and free-form parts
// left out), 18 parts in all. With a wrong first try on some parts that is
// about 20 attempts a student: 2,000 students make the ~40,000 attempts of
// issue 9's dashboard benchmark.
var assignmentItems = []struct {
	exercise string
	parts    []string
}{
	{"conv-output-size", []string{"output-width"}},
	{"conv-by-hand", []string{"dims", "bottom-right", "dims-padded", "bottom-right-padded"}},
	{"cnn-shape-table", []string{"maxpool-1", "conv", "maxpool-2", "flatten", "fc-1", "relu", "fc-2", "softmax"}},
	{"cnn-parameters", []string{"conv-params", "fc-params", "total", "conv-share", "fc-share"}},
}

// verdicts holds, per item and part, a checked right and wrong answer,
// computed once before the run so the load is the store's alone.
type verdicts map[string]map[string][2]checked // exercise → part → [wrong, right]

type checked struct {
	answer string
	v      exercises.Verdict
}

// wrongCandidates are tried in order until the checker calls one
// incorrect (not invalid): a real wrong answer with a real diagnosis.
var wrongCandidates = []string{"1", "2", "7", "0.5", "1×1", "1×1×1", "2×2×2", "1x1x1x1"}

func checkAnswers(cat *exercises.Catalog) (verdicts, error) {
	out := verdicts{}
	for _, it := range assignmentItems {
		e, ok := cat.Lookup(it.exercise)
		if !ok {
			return nil, fmt.Errorf("exercise %s is not in the catalog", it.exercise)
		}
		v, err := e.Variant(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.exercise, err)
		}
		out[it.exercise] = map[string][2]checked{}
		for _, id := range it.parts {
			p, ok := v.Part(id)
			if !ok {
				return nil, fmt.Errorf("%s has no part %s", it.exercise, id)
			}
			right := checked{p.Answer, p.Check(p.Answer)}
			if right.v.Status != exercises.StatusCorrect {
				return nil, fmt.Errorf("%s/%s: the model answer %q checks as %s", it.exercise, id, p.Answer, right.v.Status)
			}
			var wrong checked
			for _, c := range wrongCandidates {
				if vd := p.Check(c); vd.Status == exercises.StatusIncorrect {
					wrong = checked{c, vd}
					break
				}
			}
			if wrong.answer == "" {
				return nil, fmt.Errorf("%s/%s: no wrong answer among the candidates", it.exercise, id)
			}
			out[it.exercise][id] = [2]checked{wrong, right}
		}
	}
	return out, nil
}

// newRand is the plan's generator: the same seed, the same plan.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// submission is one check a simulated student sends.
type submission struct {
	at    time.Duration // when, from the start of the run
	item  int           // index into assignmentItems
	part  string
	right bool
	key   string // idempotency key; a retried submission repeats the previous one's
	retry bool
}

// planStudent lays out one student's checks: every part of every item in
// order, a wrong first try with probability wrongShare, and each check
// re-sent (same key, as a browser retrying a POST) with probability
// retryShare. The checks are spread at random over the window, in order.
func planStudent(rng *rand.Rand, window time.Duration, wrongShare, retryShare float64) []submission {
	var subs []submission
	n := 0
	add := func(item int, part string, right bool) {
		n++
		// 8 to 64 characters, as the check API wants.
		s := submission{item: item, part: part, right: right, key: fmt.Sprintf("check-%03d", n)}
		subs = append(subs, s)
		if rng.Float64() < retryShare {
			s.retry = true
			subs = append(subs, s)
		}
	}
	for i, it := range assignmentItems {
		for _, p := range it.parts {
			if rng.Float64() < wrongShare {
				add(i, p, false)
			}
			add(i, p, true)
		}
	}
	times := make([]time.Duration, len(subs))
	for i := range times {
		times[i] = time.Duration(rng.Int64N(int64(window)))
	}
	slices.Sort(times)
	for i := range subs {
		subs[i].at = times[i]
	}
	return subs
}

// attemptOf is the store record of a submission by learner; itemIDs are
// the assignment's item ids in assignmentItems order.
func attemptOf(vs verdicts, itemIDs []int64, learner store.Learner, s submission) store.NewAttempt {
	it := assignmentItems[s.item]
	c := vs[it.exercise][s.part][0]
	if s.right {
		c = vs[it.exercise][s.part][1]
	}
	elapsed := 20*time.Second + time.Duration(len(s.key))*time.Second
	return store.NewAttempt{
		LearnerID: learner.ID, ItemID: itemIDs[s.item], ExerciseID: it.exercise, Seed: learner.ID % 1000, Part: s.part,
		Answer: c.answer, ReadAs: c.v.ReadAs, Verdict: string(c.v.Status), DiagnosisCode: c.v.Mistake,
		DiagnosisMessage: c.v.Feedback, Score: c.v.Credit, Elapsed: &elapsed, Source: store.FromPage,
		IdempotencyKey: s.key,
	}
}

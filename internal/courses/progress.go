package courses

import (
	"context"
	"fmt"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// PartInfo is what progress needs to know of a part an item asks.
type PartInfo struct {
	ID string
	// Scored is false for parts Stride does not score (self-check parts,
	// which the student marks): they count as done once answered and add
	// nothing to the score.
	Scored bool
}

// PartProgress is one learner's work on one part of an item.
type PartProgress struct {
	Part   string
	Scored bool
	// Attempts counts every recorded attempt (late ones too: the attempt
	// limit counts them all).
	Attempts int
	// AttemptsLeft is what the limit leaves, or -1 when unlimited.
	AttemptsLeft int
	// Last is the latest attempt, restored on the page; nil when none.
	Last *store.Attempt
	// Score is the part's credit, 0 to 1, under the assignment's score
	// policy, from the attempts that count (late ones only when late work
	// counts).
	Score float64
	// Solved: some attempt had full credit.
	Solved bool
	// Late: some attempt was recorded after the due date.
	Late bool
}

// Done reports whether the learner has finished the part: answered right,
// out of attempts, or (for a self-check part) answered at all. It is
// PartFinished, the rule the dashboard uses too.
func (p PartProgress) Done() bool {
	allowed := 0
	if p.AttemptsLeft >= 0 {
		allowed = p.Attempts + p.AttemptsLeft
	}
	return PartFinished(PartState{Scored: p.Scored, Attempts: p.Attempts, Solved: p.Solved}, allowed)
}

// Status is a learner's state on an item, as "my assignment" lists it.
type Status string

// Item statuses.
const (
	StatusNotStarted Status = "not-started"
	StatusInProgress Status = "in-progress"
	StatusDone       Status = "done"
	// StatusLate: past the due date and not done.
	StatusLate Status = "late"
)

// Label is the status in words.
func (s Status) Label() string {
	switch s {
	case StatusInProgress:
		return "In progress"
	case StatusDone:
		return "Done"
	case StatusLate:
		return "Late"
	}
	return "Not started"
}

// ItemProgress is one learner's work on one item.
type ItemProgress struct {
	Item  store.Item
	Parts []PartProgress
	// Status summarizes the parts.
	Status Status
	// Score is the item's points earned: the mean of the scored parts'
	// credit times the item's points. Max is the item's points.
	Score, Max float64
	// Attempts counts the item's recorded attempts.
	Attempts int
}

// Part returns the progress of part id.
func (ip ItemProgress) Part(id string) (PartProgress, bool) {
	for _, p := range ip.Parts {
		if p.Part == id {
			return p, true
		}
	}
	return PartProgress{}, false
}

// Progress is one learner's work on an assignment.
type Progress struct {
	Items []ItemProgress
	// Score and Max add up the items' points.
	Score, Max float64
	// Done counts the items done.
	Done int
}

// Summarize builds a learner's progress on an assignment from their
// attempts at it (in recorded order, as store.ListAttempts returns them).
// parts lists, per item id, the parts the item asks. The per-part score
// follows store.PartScores (best, first or last of the attempts that count).
func Summarize(a store.Assignment, parts map[int64][]PartInfo, attempts []store.Attempt, now time.Time) Progress {
	type key struct {
		item int64
		part string
	}
	type acc struct {
		all                 int
		last                *store.Attempt
		counted             int
		best, first, lastSc float64
		solved, late        bool
	}
	accs := map[key]*acc{}
	for i := range attempts {
		at := &attempts[i]
		k := key{at.ItemID, at.Part}
		c := accs[k]
		if c == nil {
			c = &acc{}
			accs[k] = c
		}
		c.all++
		c.last = at
		c.late = c.late || at.Late
		if at.Late && !a.Settings.LateCounts {
			continue
		}
		if c.counted == 0 {
			c.first = at.Score
		}
		c.counted++
		c.best = max(c.best, at.Score)
		c.lastSc = at.Score
		c.solved = c.solved || at.Score >= 1
	}
	var out Progress
	past := pastDue(a.Settings, now)
	for _, it := range a.Items {
		ip := ItemProgress{Item: it, Max: it.Points}
		scored, sum, done := 0, 0.0, 0
		for _, pi := range parts[it.ID] {
			pp := PartProgress{Part: pi.ID, Scored: pi.Scored, AttemptsLeft: -1}
			if c := accs[key{it.ID, pi.ID}]; c != nil {
				pp.Attempts, pp.Last, pp.Solved, pp.Late = c.all, c.last, c.solved, c.late
				if c.counted > 0 {
					switch a.Settings.Score {
					case store.ScoreFirst:
						pp.Score = c.first
					case store.ScoreLast:
						pp.Score = c.lastSc
					default:
						pp.Score = c.best
					}
				}
			}
			if n := a.Settings.AttemptsAllowed; n > 0 {
				pp.AttemptsLeft = max(0, n-pp.Attempts)
			}
			if pi.Scored {
				scored++
				sum += pp.Score
			}
			if pp.Done() {
				done++
			}
			ip.Attempts += pp.Attempts
			ip.Parts = append(ip.Parts, pp)
		}
		ip.Score = ItemScore(it.Points, sum, scored)
		switch {
		case len(ip.Parts) > 0 && done == len(ip.Parts):
			ip.Status = StatusDone
			out.Done++
		case past:
			ip.Status = StatusLate
		case ip.Attempts > 0:
			ip.Status = StatusInProgress
		default:
			ip.Status = StatusNotStarted
		}
		out.Score += ip.Score
		out.Max += ip.Max
		out.Items = append(out.Items, ip)
	}
	return out
}

// MaxLearnerAttempts bounds the attempts one learner's assignment pages
// read back (every part of every item, all tries). A learner beyond it
// sees progress from their first MaxLearnerAttempts attempts.
const MaxLearnerAttempts = 20000

// AttemptLister is the part of the store LearnerAttempts reads.
type AttemptLister interface {
	ListAttempts(ctx context.Context, f store.AttemptFilter) ([]store.Attempt, error)
}

// LearnerAttempts returns a learner's attempts at an assignment in the
// order they were recorded, at most MaxLearnerAttempts.
func LearnerAttempts(ctx context.Context, st AttemptLister, learnerID, assignmentID int64) ([]store.Attempt, error) {
	var out []store.Attempt
	after := int64(0)
	for len(out) < MaxLearnerAttempts {
		limit := min(store.MaxListAttempts, MaxLearnerAttempts-len(out))
		page, err := st.ListAttempts(ctx, store.AttemptFilter{AssignmentID: assignmentID, LearnerID: learnerID, AfterID: after, Limit: limit})
		if err != nil {
			return nil, fmt.Errorf("attempts of learner %d at assignment %d: %w", learnerID, assignmentID, err)
		}
		out = append(out, page...)
		if len(page) < limit {
			break
		}
		after = page[len(page)-1].ID
	}
	return out, nil
}

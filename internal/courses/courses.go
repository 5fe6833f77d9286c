// Package courses holds the rules of an assignment as a student meets them:
// which variant (seed) each learner gets for an item, whether the
// assignment is open, when feedback and worked solutions may be shown, and
// a learner's progress and score. It reads settings and attempts from
// internal/store and never writes; the web layer asks it and renders.
package courses

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// MaxLearnerSeed bounds derived per-learner seeds: 1 to 999,999,999, short
// enough to read aloud and still far more variants than a class has
// students. It is well inside exercises.MaxSeed.
const MaxLearnerSeed = 999_999_999

// LearnerSeed derives a learner's seed for an item from a site secret: the
// same learner and item always get the same seed (on any device, after a
// restart), different learners almost always different ones, and no one
// without the secret can predict another student's variant. It is never 0,
// the recitation's own numbers, which the class has seen worked.
func LearnerSeed(secret []byte, learnerID, itemID int64) uint64 {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("stride learner seed v1\x00"))
	mac.Write([]byte(strconv.FormatInt(learnerID, 10)))
	mac.Write([]byte{0})
	mac.Write([]byte(strconv.FormatInt(itemID, 10)))
	sum := mac.Sum(nil)
	return 1 + binary.BigEndian.Uint64(sum[:8])%MaxLearnerSeed
}

// SeedFor is the seed of item for learnerID under the item's seed policy.
func SeedFor(secret []byte, it store.Item, learnerID int64) uint64 {
	switch it.SeedPolicy {
	case store.SeedShared:
		if it.Seed < 0 {
			return 0
		}
		return uint64(it.Seed)
	case store.SeedPerLearner:
		return LearnerSeed(secret, learnerID, it.ID)
	default: // recitation
		return 0
	}
}

// Phase is where an assignment is in time.
type Phase string

// Phases of an assignment.
const (
	// PhaseUpcoming: before opens_at; the items are not shown and nothing
	// is recorded.
	PhaseUpcoming Phase = "upcoming"
	// PhaseOpen: open, before the due date (or there is none).
	PhaseOpen Phase = "open"
	// PhasePastDue: after the due date; work is still recorded, marked
	// late, and counts only when the assignment says late work counts.
	PhasePastDue Phase = "past-due"
)

// PhaseAt is the assignment's phase at now.
func PhaseAt(st store.Settings, now time.Time) Phase {
	switch {
	case st.OpensAt != nil && now.Before(*st.OpensAt):
		return PhaseUpcoming
	case st.DueAt != nil && now.After(*st.DueAt):
		return PhasePastDue
	}
	return PhaseOpen
}

// pastDue reports whether now is after a due date there is.
func pastDue(st store.Settings, now time.Time) bool {
	return st.DueAt != nil && now.After(*st.DueAt)
}

// FeedbackShown reports whether the verdict and diagnosis of a recorded
// attempt may be shown at now. Feedback is about an attempt, so
// "immediately" and "after an attempt" both show it with the attempt;
// "after the due date" holds it back until the due date has passed (with
// no due date, until one is set); "never" always holds it back: the
// student sees only that the answer was recorded.
func FeedbackShown(st store.Settings, now time.Time) bool {
	switch st.Feedback {
	case store.ShowImmediately, store.ShowAfterAttempt:
		return true
	case store.ShowAfterDue:
		return pastDue(st, now)
	}
	return false
}

// SolutionShown reports whether a part's worked solution (which contains
// its answer) may be shown at now.
//
//   - immediately: as in practice: after an attempt at the part, or when
//     the student asks for it (revealRequested), even before answering.
//   - after an attempt: once the part is finished: answered right, or no
//     attempts left (with unlimited attempts, after any attempt). A
//     student who still has attempts left never sees the answer they could
//     copy.
//   - after the due date: once the due date has passed.
//   - never: not at all.
func SolutionShown(st store.Settings, now time.Time, p PartProgress, revealRequested bool) bool {
	switch st.Solutions {
	case store.ShowImmediately:
		return p.Attempts > 0 || revealRequested
	case store.ShowAfterAttempt:
		if p.Attempts == 0 {
			return false
		}
		return st.AttemptsAllowed == 0 || p.Solved || p.AttemptsLeft == 0
	case store.ShowAfterDue:
		return pastDue(st, now)
	}
	return false
}

// RevealAllowed reports whether the page may offer a "show the worked
// solution" button before the part is attempted.
func RevealAllowed(st store.Settings) bool { return st.Solutions == store.ShowImmediately }

package courses

// The one rule of how a learner's parts add up to an item, shared by the
// student's own progress ("my assignments", Summarize) and the
// instructor's dashboard (internal/dashboard), so the two never disagree
// about a student:
//
//   - A self-check part (the student compares their answer with a model
//     answer and marks it themselves) is never scored: it adds nothing to
//     an item's score and is not in the denominator of its mean. It is
//     finished once answered.
//   - A scored part is finished when it was answered with full credit (by
//     an attempt that counts), or when the attempt limit is used up.
//   - An item's score is the mean credit of its scored parts times its
//     points; an item with no scored part scores 0.

// PartState is what the rule needs of one learner's work on one part.
type PartState struct {
	// Scored is false for a self-check part.
	Scored bool
	// Attempts counts every recorded attempt, late ones too (the attempt
	// limit counts them all).
	Attempts int
	// Solved: some attempt that counts had full credit.
	Solved bool
}

// PartFinished reports whether the learner has finished a part under an
// attempt limit (0: unlimited).
func PartFinished(p PartState, attemptsAllowed int) bool {
	if !p.Scored {
		return p.Attempts > 0
	}
	return p.Solved || (attemptsAllowed > 0 && p.Attempts >= attemptsAllowed)
}

// ItemScore is an item's points earned: creditSum, the credit (0 to 1
// each) of its scored parts added up, over scoredParts, times points.
func ItemScore(points, creditSum float64, scoredParts int) float64 {
	if scoredParts <= 0 {
		return 0
	}
	return creditSum / float64(scoredParts) * points
}

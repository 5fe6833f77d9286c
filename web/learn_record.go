package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
)

// Recording a check in two halves, so that a check holds its work slot
// (web/admission.go) only for CPU work. The first half reads the learner's
// attempts once, checks, hands the attempts to the store's group commit
// (store.SubmitAttempts) and predicts what the commit will say: each
// attempt new, or refused by the attempt limit, or an earlier record of
// the same idempotency key. The caller builds its answer from that
// prediction while it still holds the slot, gives the slot back, and only
// then waits for the durable commit. The answer is sent after the commit,
// never before; if the store decided otherwise than predicted (another
// device of the same learner recorded in between), the caller reads the
// attempts again and builds the answer anew, as before this split.

// learnerAttempts reads the learner's attempts at lc's item (none for
// staff previewing), in recorded order: the one read of a check. The
// learner's index on (learner, item, part) finds them, so a check reads
// only its item's few rows; on SQLite the store serves them from memory
// (store.ItemAttempts).
func (s *Server) learnerAttempts(ctx context.Context, lc learnItemCtx) ([]store.Attempt, error) {
	if lc.learner == nil {
		return nil, nil
	}
	return s.store.ItemAttempts(ctx, lc.a.ID, lc.learner.ID, lc.item.ID, courses.MaxLearnerAttempts)
}

// itemProgressOf summarizes the learner's attempts at lc's item out of
// attempts (others are ignored).
func (s *Server) itemProgressOf(lc learnItemCtx, attempts []store.Attempt) courses.ItemProgress {
	parts := make([]courses.PartInfo, len(lc.v.Parts))
	for i, p := range lc.v.Parts {
		parts[i] = courses.PartInfo{ID: p.ID, Scored: p.Kind != exercises.KindSelfCheck}
	}
	one := lc.a
	one.Items = []store.Item{lc.item}
	var mine []store.Attempt
	for _, at := range attempts {
		if at.ItemID == lc.item.ID {
			mine = append(mine, at)
		}
	}
	return courses.Summarize(one, map[int64][]courses.PartInfo{lc.item.ID: parts}, mine, s.learnNow()).Items[0]
}

// submissionAttempts lists the attempts a check records: each part with a
// readable answer (invalid and blank answers are not attempts) that
// differs from the learner's last recorded answer to the part
// (resubmitting the page with an answer unchanged does not use another
// attempt), and each solution the student asked to see before attempting.
func submissionAttempts(lc learnItemCtx, prog courses.ItemProgress, sub submission) []store.NewAttempt {
	var out []store.NewAttempt
	st := lc.a.Settings
	for _, part := range lc.v.Parts {
		pp, _ := prog.Part(part.ID)
		na := store.NewAttempt{LearnerID: lc.learner.ID, ItemID: lc.item.ID, ExerciseID: lc.v.Exercise.ID,
			ExerciseVersion: lc.item.ExerciseVersion, Seed: int64(lc.v.Seed), Part: part.ID,
			HintsOpened: sub.hints[part.ID], Elapsed: sub.shown, Source: sub.source, LiveSessionID: sub.liveSession}
		vd := sub.res.Parts[part.ID]
		switch {
		case vd.Attempted() && !sub.partial[part.ID]:
			if pp.Last != nil && pp.Last.Answer == sub.answers[part.ID] && pp.Last.Verdict != solutionShownVerdict {
				continue
			}
			na.Answer, na.ReadAs, na.Verdict = sub.answers[part.ID], vd.ReadAs, string(vd.Status)
			na.DiagnosisCode, na.DiagnosisMessage, na.Score = vd.Mistake, vd.Feedback, vd.Credit
			na.IdempotencyKey = sub.key + ":" + part.ID
		case sub.reveal[part.ID] && courses.RevealAllowed(st) && pp.Attempts == 0:
			// Asking for the worked solution is recorded, so the
			// instructor sees it and the solution stays open on reload.
			na.Verdict, na.IdempotencyKey = solutionShownVerdict, sub.key+":reveal:"+part.ID
		default:
			continue
		}
		if len(na.Answer) > maxStoredAnswer {
			na.Answer = na.Answer[:maxStoredAnswer]
		}
		out = append(out, na)
	}
	return out
}

// recording is a check's attempts handed to the group commit, with the
// outcome predicted from the attempts read before.
type recording struct {
	nas     []store.NewAttempt
	pending *store.PendingAttempts
	// Predicted, per attempt: refused by the limit, or the id of the
	// earlier record of its key (0: a new record).
	refused []bool
	prevID  []int64
	late    []bool
	// after is the learner's attempts at the assignment as they will be
	// if the prediction holds (new ones without ids).
	after []store.Attempt
	// durable runs once the attempts are durable: it queues the item's
	// score for the LMS (web/lti_ags.go).
	durable func(context.Context)
}

// startRecording submits the attempts of sub (learner required) and
// predicts their outcome from before, the learner's attempts at the
// assignment, and prog, their progress on the item.
func (s *Server) startRecording(ctx context.Context, lc learnItemCtx, before []store.Attempt, prog courses.ItemProgress, sub submission) (*recording, error) {
	rec := &recording{nas: submissionAttempts(lc, prog, sub)}
	if len(rec.nas) == 0 {
		rec.after = before
		return rec, nil
	}
	var err error
	if rec.pending, err = s.store.SubmitAttempts(ctx, rec.nas); err != nil {
		return nil, err
	}
	rec.durable = func(ctx context.Context) { s.ltiScoreHook(ctx, lc) }
	now := time.Now()
	st := lc.a.Settings
	rec.after = append(make([]store.Attempt, 0, len(before)+len(rec.nas)), before...)
	byKey := make(map[string]int64, len(before))
	used := map[string]int{}
	for _, at := range before {
		byKey[at.IdempotencyKey] = at.ID
		if at.ItemID == lc.item.ID {
			used[at.Part]++
		}
	}
	for _, na := range rec.nas {
		prev, dup := byKey[na.IdempotencyKey]
		refused := !dup && st.AttemptsAllowed > 0 && used[na.Part] >= st.AttemptsAllowed
		late := st.DueAt != nil && now.After(*st.DueAt)
		rec.refused = append(rec.refused, refused)
		rec.prevID = append(rec.prevID, prev)
		rec.late = append(rec.late, late)
		if dup || refused {
			continue
		}
		used[na.Part]++
		byKey[na.IdempotencyKey] = -1
		rec.after = append(rec.after, store.Attempt{LearnerID: na.LearnerID, AssignmentID: lc.a.ID, ItemID: na.ItemID,
			NewAttempt: na, Late: late, CreatedAt: now})
	}
	return rec, nil
}

// predictedRefused lists the parts the prediction says the limit refuses.
func (rec *recording) predictedRefused() map[string]bool {
	out := map[string]bool{}
	for i, na := range rec.nas {
		if rec.refused[i] {
			out[na.Part] = true
		}
	}
	return out
}

// wait returns once every attempt is durable (or failed): the parts the
// limit refused, and whether the store did what was predicted. Any other
// error means the check may not be recorded (the client retries with the
// same key).
func (rec *recording) wait(ctx context.Context) (refused map[string]bool, asPredicted bool, err error) {
	refused = map[string]bool{}
	if rec.pending == nil {
		return refused, true, nil
	}
	asPredicted = true
	for i, o := range rec.pending.Wait(ctx) {
		switch {
		case errors.Is(o.Err, store.ErrAttemptLimit):
			refused[rec.nas[i].Part] = true
			asPredicted = asPredicted && rec.refused[i]
		case o.Err != nil:
			err = errors.Join(err, o.Err)
		case o.Created:
			asPredicted = asPredicted && !rec.refused[i] && rec.prevID[i] == 0 && o.Attempt.Late == rec.late[i]
		default:
			asPredicted = asPredicted && !rec.refused[i] && rec.prevID[i] == o.Attempt.ID
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("record attempts: %w", err)
	}
	rec.durable(ctx)
	return refused, asPredicted, nil
}

// recordSubmission records each attempt of a check (submissionAttempts)
// and returns once every record is durable. refused lists parts the
// attempt limit turned away.
func (s *Server) recordSubmission(ctx context.Context, lc learnItemCtx, prog courses.ItemProgress, sub submission) (refused map[string]bool, err error) {
	rec, err := s.startRecording(ctx, lc, nil, prog, sub)
	if err != nil {
		return nil, err
	}
	refused, _, err = rec.wait(ctx)
	return refused, err
}

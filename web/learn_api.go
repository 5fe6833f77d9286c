package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// Recording from the embed (/embed/{id}?item=) and the JSON check API
// ("item" in the body). Both find the item among the assignments of the
// courses this device's learner cookie names, so the item's id alone
// (which embed snippets carry) is enough, and a learner can only ever
// record in their own course.

// maxItemCache bounds the item → assignment memo (items never move, so
// the memo needs no invalidation; it is dropped whole when full).
const maxItemCache = 10000

// findItem returns the assignment holding item itemID, the item, its
// position, and the learner this device remembers in that assignment's
// course; false when the device knows no learner of a course with the item.
func (s *Server) findItem(r *http.Request, itemID int64) (store.Assignment, int, *store.Learner, bool, error) {
	ctx := r.Context()
	s.learn.mu.Lock()
	cached, known := s.learn.items[itemID]
	s.learn.mu.Unlock()
	for _, e := range s.rememberedLearners(r) {
		var ids []int64
		if known {
			ids = []int64{cached}
		} else {
			list, err := s.store.ListAssignments(ctx, e.CourseID)
			if err != nil {
				return store.Assignment{}, 0, nil, false, err
			}
			for _, a := range list {
				ids = append(ids, a.ID)
			}
		}
		for _, id := range ids {
			// Cached (store/checkcache.go): every check of a class reads
			// the same assignment, which changes a few times a term.
			a, err := s.store.CachedAssignment(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return store.Assignment{}, 0, nil, false, err
			}
			if !known {
				s.rememberItems(a)
			}
			if a.CourseID != e.CourseID {
				continue
			}
			for i, it := range a.Items {
				if it.ID == itemID {
					l, ok := s.checkLearner(ctx, e, a.CourseID)
					return a, i, l, ok, nil
				}
			}
		}
	}
	return store.Assignment{}, 0, nil, false, nil
}

// checkLearner is learnerFor for a check, given the cookie's entry for
// the course: the learner comes from the store's cache (a deletion on
// another replica shows within store.LearnerCacheTTL; recording for a
// deleted learner fails at commit, answered 403 like a learner unknown).
func (s *Server) checkLearner(ctx context.Context, e learnerEntry, courseID int64) (*store.Learner, bool) {
	if e.CourseID != courseID {
		return nil, false
	}
	l, err := s.store.CachedLearner(ctx, e.LearnerID)
	if err != nil || l.CourseID != courseID {
		// Deleted (a privacy request) or not of this course: forgotten.
		return nil, false
	}
	return &l, true
}

func (s *Server) rememberItems(a store.Assignment) {
	s.learn.mu.Lock()
	defer s.learn.mu.Unlock()
	if s.learn.items == nil || len(s.learn.items)+len(a.Items) > maxItemCache {
		s.learn.items = map[int64]int64{}
	}
	for _, it := range a.Items {
		s.learn.items[it.ID] = a.ID
	}
}

// learnEmbed sends /embed/{id}?item= to the recording embed and every
// other embed to next (the cached practice embed).
func (s *Server) learnEmbed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.store == nil || !r.URL.Query().Has("item") {
			next(w, r)
			return
		}
		if r.Method == http.MethodPost {
			// The class routes' cross-origin protection (web/authz.go):
			// a recorded check is a state change.
			s.classes.csrf.Handler(http.HandlerFunc(s.learnEmbedItem)).ServeHTTP(w, r)
			return
		}
		s.learnEmbedItem(w, r)
	}
}

func (s *Server) embedMessage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	noStore(w)
	s.render(w, r, status, templates.EmbedMessage(templates.MessageProps{Links: s.links(), Title: title, Message: msg}))
}

func (s *Server) learnEmbedItem(w http.ResponseWriter, r *http.Request) {
	itemID, err := strconv.ParseInt(r.URL.Query().Get("item"), 10, 64)
	if err != nil || itemID <= 0 {
		s.embedMessage(w, r, http.StatusBadRequest, "This request cannot be answered", "Item must be a whole number, the item's id from the assignment's embed snippet.")
		return
	}
	a, pos, l, ok, err := s.findItem(r, itemID)
	if err != nil {
		s.log.ErrorContext(r.Context(), "find item", "err", err)
		s.embedMessage(w, r, http.StatusServiceUnavailable, "Try again in a moment", "Stride could not reach its database just now. Please reload in a moment.")
		return
	}
	if !ok {
		// Browsers do not send SameSite=Lax cookies to a frame inside
		// another site, so a learner known to Stride may still land here.
		s.embedMessage(w, r, http.StatusForbidden, "Open your assignment link first",
			"This exercise is part of an assignment. Open the personal link your instructor sent you (or the assignment's shared link) in this browser, then reload this page, or work on it in Stride directly.")
		return
	}
	it := a.Items[pos]
	if it.ExerciseID != chi.URLParam(r, "id") {
		s.embedMessage(w, r, http.StatusNotFound, "Page not found", "This item is not an item of exercise "+clip(chi.URLParam(r, "id"), 64)+".")
		return
	}
	s.learnItemPage(w, r, learnItemCtx{a: a, item: it, pos: pos, learner: l, embedded: true}, r.Method == http.MethodPost)
}

// forbiddenRecord is the API's answer when a check names an item it may
// not record.
var forbiddenRecord = &fieldError{status: http.StatusForbidden, field: "item",
	msg: "recording an attempt needs a same-origin request that carries the learner cookie of the item's course; open the personal link or the assignment's shared link first"}

// learnAPICheck is POST /api/v1/exercises/{id}/check with "item": check
// the learner's variant of the item, record the attempt, answer once it is
// durable, with verdicts as the assignment's policies allow.
func (s *Server) learnAPICheck(w http.ResponseWriter, r *http.Request, req *checkRequest) {
	ctx := r.Context()
	if s.store == nil {
		writeClientError(w, badRequest("item", "this server keeps no class records; leave item, key, hints and shown_ms out"))
		return
	}
	if req.Item <= 0 {
		writeClientError(w, badRequest("item", "must be the id of an assignment item, with key, hints and shown_ms"))
		return
	}
	if r.Header.Get("Sec-Fetch-Site") != "same-origin" && !sameOrigin(r.Header.Get("Origin"), r) {
		writeClientError(w, forbiddenRecord)
		return
	}
	a, pos, l, ok, err := s.findItem(r, req.Item)
	if err != nil {
		s.log.ErrorContext(ctx, "find item", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "the database could not be reached; nothing was recorded, try again"})
		return
	}
	if !ok {
		writeClientError(w, forbiddenRecord)
		return
	}
	it := a.Items[pos]
	if id := chi.URLParam(r, "id"); it.ExerciseID != id {
		writeClientError(w, badRequest("item", "is an item of exercise %s, not %s", it.ExerciseID, clip(id, 64)))
		return
	}
	now := s.learnNow()
	if courses.PhaseAt(a.Settings, now) == courses.PhaseUpcoming {
		writeClientError(w, &fieldError{status: http.StatusForbidden, field: "item", msg: "the assignment is not open yet; " + phaseNote(a, now)})
		return
	}
	if req.Seed != nil || len(req.Parts) > 0 {
		writeClientError(w, badRequest("seed", "and parts are set by the assignment for an item; leave them out"))
		return
	}
	if err := checkAttemptKey("key", req.Key); err != nil {
		writeClientError(w, err)
		return
	}
	v, err := s.itemVariant(ctx, it, l.ID)
	if err != nil {
		writeClientError(w, err)
		return
	}
	if len(req.Answers) > maxAnswers || len(req.Hints) > maxAnswers || len(req.Reveal) > maxReveals {
		writeClientError(w, &fieldError{status: http.StatusBadRequest, field: "answers", limit: maxAnswers,
			msg: fmt.Sprintf("answers and hints may have %d entries each, reveal %d", maxAnswers, maxReveals)})
		return
	}
	sub := submission{answers: req.Answers, key: req.Key, hints: map[string]int{}, reveal: map[string]bool{}, source: store.FromAPI}
	for id, n := range req.Hints {
		if err := checkHints(v, id, n); err != nil {
			writeClientError(w, err)
			return
		}
		sub.hints[id] = n
	}
	for _, id := range req.Reveal {
		if _, ok := v.Part(id); !ok {
			writeClientError(w, badRequest("reveal", "has %q, which is not a part of %s", clip(id, 64), v.Exercise.ID))
			return
		}
		sub.reveal[id] = true
	}
	if req.ShownMS != nil {
		if sub.shown, err = parseShownMS(strconv.FormatInt(*req.ShownMS, 10)); err != nil {
			writeClientError(w, err)
			return
		}
	}
	if sub.res, err = v.Check(req.Answers); err != nil {
		var upe *exercises.UnknownPartError
		if errors.As(err, &upe) {
			writeClientError(w, badRequest("answers."+upe.PartID, "is not a part of this item; its parts are %v", upe.Known))
			return
		}
		writeClientError(w, badRequest("answers", "%s", err.Error()))
		return
	}
	lc := learnItemCtx{a: a, item: it, pos: pos, learner: l, v: v}
	unreachable := func(err error) {
		s.log.ErrorContext(ctx, "record attempt", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "the database could not be reached; the attempt may not be recorded, retry with the same key"})
	}
	// One read of the learner's attempts; the progress after the check is
	// predicted from it (learn_record.go).
	before, err := s.learnerAttempts(ctx, lc)
	if err != nil {
		unreachable(err)
		return
	}
	rec, err := s.startRecording(ctx, lc, before, s.itemProgressOf(lc, before), sub)
	if err != nil {
		unreachable(err)
		return
	}
	// The answer is built and encoded within the work slot (CPU), then the
	// slot is given back while the attempts wait for their durable commit.
	body, err := s.encodeLearnCheck(r, lc, s.itemProgressOf(lc, rec.after), sub, rec.predictedRefused(), now)
	if err != nil {
		unreachable(err)
		return
	}
	releaseWorkSlot(ctx)
	refused, asPredicted, err := rec.wait(ctx)
	if errors.Is(err, store.ErrNotFound) {
		// The learner was deleted after findItem read them (on another
		// replica, within store.LearnerCacheTTL): nothing was recorded.
		writeClientError(w, forbiddenRecord)
		return
	}
	if err != nil {
		unreachable(err)
		return
	}
	if !asPredicted {
		// Another request of this learner recorded in between: read
		// again, as the store decided.
		prog, err := s.itemProgress(ctx, lc)
		if err == nil {
			body, err = s.encodeLearnCheck(r, lc, prog, sub, refused, now)
		}
		if err != nil {
			unreachable(err)
			return
		}
	}
	s.countChecks(v.Exercise.ID, sub.res)
	setHeaders(w.Header(), "Content-Type", "application/json; charset=utf-8", "Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// encodeLearnCheck builds and encodes the check response (see
// learnCheckResponse) as writeJSON would send it.
func (s *Server) encodeLearnCheck(r *http.Request, lc learnItemCtx, prog courses.ItemProgress, sub submission, refused map[string]bool, now time.Time) ([]byte, error) {
	out := s.learnCheckResponse(r, lc, prog, sub, refused, now)
	return appendCheckResponse(nil, &out)
}

// learnCheckResponse is the check response with the assignment's policies
// applied: verdicts only when feedback shows, worked solutions only when
// the solution policy allows, attempts left per part.
func (s *Server) learnCheckResponse(r *http.Request, lc learnItemCtx, prog courses.ItemProgress, sub submission, refused map[string]bool, now time.Time) checkResponse {
	st := lc.a.Settings
	feedback := courses.FeedbackShown(st, now)
	out := s.checkResponseFrom(r.Context(), lc.v, sub.res, sub.answers, nil)
	for id, vj := range out.Parts {
		pp, _ := prog.Part(id)
		vd := sub.res.Parts[id]
		switch {
		case refused[id]:
			vj = verdictJSON{Status: "refused", Feedback: "You have used every attempt at this question; this answer was not recorded or checked."}
		case vd.Status == exercises.StatusBlank || vd.Status == exercises.StatusInvalid:
		case !feedback:
			vj = verdictJSON{Status: string(recordedStatus), Feedback: feedbackLater(st)}
		}
		if vj.Status == "refused" || vj.Status == string(recordedStatus) {
			vj.FeedbackHTML = string(s.md(vj.Feedback))
		}
		vj.SolutionHTML = ""
		shown := courses.SolutionShown(st, now, pp, sub.reveal[id] && courses.RevealAllowed(st))
		if part, ok := lc.v.Part(id); ok && shown && (len(part.Solution) > 0 || part.Kind == exercises.KindSelfCheck) {
			vj.SolutionHTML = s.solutionHTML(r.Context(), lc.v, part)
		}
		if !shown {
			// The replay of a part shows its answer as its solution does.
			vj.Unlock = ""
		}
		if pp.AttemptsLeft >= 0 {
			left := pp.AttemptsLeft
			vj.AttemptsLeft = &left
		}
		out.Parts[id] = vj
	}
	if !feedback {
		out.Score, out.Max, out.Correct, out.Carried = 0, 0, 0, 0
		out.ScoreText = feedbackLater(st)
	}
	return out
}

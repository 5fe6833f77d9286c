package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// The live answer endpoint (issue 14): POST /live/{code}/answer checks and
// records a student's answer and answers with the verdicts as JSON, without
// rendering the exercise page. The student page's script (live_answer.js)
// posts the form there; without JavaScript the form posts to /live/{code}
// and the page is rendered again, as before. Both record the same attempt:
// the live session's id, the learner, the diagnosis, the idempotency key,
// and the LMS score once durable (startRecording).
//
// A page render per answer was what a room answering at once cost
// (BENCHMARKS.md): 50 rooms of 200 in 30 s is 333 renders a second. This
// path does the check, the record and a small encoding, and gives the work
// slot back while the attempt waits for its group commit.

// liveAnswerRequest is the JSON body of POST /live/{code}/answer. The
// question is the body's, else the query's q, else the class's current one.
type liveAnswerRequest struct {
	Question *int              `json:"question"`
	Key      string            `json:"key"`
	Answers  map[string]string `json:"answers"`
	Hints    map[string]int    `json:"hints"`
	ShownMS  *int64            `json:"shown_ms"`
}

// liveAnswerResponse is its answer: the parts' verdicts as the
// assignment's feedback policy shows them (never a worked solution nor a
// replay's unlock: the instructor reveals those to everyone), and a fresh
// idempotency key for the page's next check.
type liveAnswerResponse struct {
	Question  int                    `json:"question"`
	Parts     map[string]verdictJSON `json:"parts"`
	ScoreText string                 `json:"score_text"`
	NextKey   string                 `json:"next_key"`
}

// mountLiveAnswer registers the answer endpoint (from mountLive). It runs
// in an API work slot, given back while the attempt waits for its commit.
func (s *Server) mountLiveAnswer(r chi.Router) {
	s.handle(r.With(limitBody(maxFormBytes), s.work.limitAPI), http.MethodPost, "/live/{code}/answer", policyPublic, s.liveAnswer)
}

// liveAnswerRefusal says why the room takes no answer to question q now,
// with its status: 410 once ended, 409 paused, closed or locked.
func liveAnswerRefusal(st live.State, q int) *fieldError {
	switch {
	case st.Ended:
		return &fieldError{status: http.StatusGone, field: "session", msg: "the session has ended; the answer was not recorded"}
	case st.Paused:
		return &fieldError{status: http.StatusConflict, field: "question", msg: "the room is paused (eyes on the projector); the answer was not recorded"}
	case !st.IsUnlocked(q):
		return &fieldError{status: http.StatusConflict, field: "question", msg: fmt.Sprintf("question %d is not unlocked yet; the answer was not recorded", q+1)}
	case st.Closed:
		return &fieldError{status: http.StatusConflict, field: "question", msg: "answering is closed; the answer was not recorded"}
	}
	return nil
}

// liveAnswer is POST /live/{code}/answer.
func (s *Server) liveAnswer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Header.Get("Sec-Fetch-Site") != "same-origin" && !sameOrigin(r.Header.Get("Origin"), r) {
		writeClientError(w, &fieldError{status: http.StatusForbidden, field: "Origin",
			msg: "answers are recorded only from this site's pages (a same-origin request with the learner's cookie)"})
		return
	}
	code, err := normalizeLiveCode(chi.URLParam(r, "code"))
	if err != nil {
		writeClientError(w, &fieldError{status: http.StatusNotFound, field: "code", msg: "no live session has this code"})
		return
	}
	// The session: remembered from a recent answer (live_rooms.go), else
	// read; then the learner, checked before a hub is opened; then the
	// room, its assignment from the store's check cache.
	ls, hub, known := s.live.rooms.get(s, code)
	if !known {
		ls, err = s.store.OpenLiveSessionByCode(ctx, code)
		if errors.Is(err, store.ErrNotFound) {
			if msg, ended := s.liveEndedMessage(ctx, code); ended {
				writeClientError(w, &fieldError{status: http.StatusGone, field: "code", msg: msg})
				return
			}
			writeClientError(w, &fieldError{status: http.StatusNotFound, field: "code", msg: "no live session with code " + code + " is running"})
			return
		}
		if err != nil {
			s.liveAnswerUnavailable(w, r, "live session by code", err)
			return
		}
	}
	l, ok := s.classes.findLearner(r, ls.CourseID)
	if !ok {
		writeClientError(w, &fieldError{status: http.StatusForbidden, field: "learner",
			msg: "join the session first (" + s.base + "/join?code=" + code + "): this device is no learner of its course"})
		return
	}
	room, err := s.answerRoom(ctx, ls, hub)
	switch {
	case errors.Is(err, live.ErrEnded):
		writeClientError(w, &fieldError{status: http.StatusGone, field: "session", msg: "the session has ended; the answer was not recorded"})
		return
	case errors.Is(err, live.ErrTooManySessions):
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: err.Error()})
		return
	case err != nil:
		s.liveAnswerUnavailable(w, r, "live room", err)
		return
	}
	if !known {
		s.live.rooms.put(s, code, room)
	}

	// The body: JSON, or the page's own form (form-encoded), so the script
	// can post the form it has and the server reads it as the no-JS path does.
	jsonBody := false
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && ct == "application/json" {
		jsonBody = true
	}
	var req liveAnswerRequest
	if jsonBody {
		if err := decodeJSON(r, &req); err != nil {
			writeClientError(w, err)
			return
		}
	} else if err := r.ParseForm(); err != nil {
		writeClientError(w, &fieldError{status: http.StatusBadRequest, field: "body", limit: maxFormBytes,
			msg: fmt.Sprintf("the form could not be read (the limit is %d bytes)", maxFormBytes)})
		return
	}
	st := room.hub.State()
	q := st.Question
	qText := r.URL.Query().Get("q")
	if req.Question != nil {
		qText = strconv.Itoa(*req.Question)
	}
	if qText != "" {
		n, err := strconv.Atoi(qText)
		if err != nil || n < 0 || n >= len(room.a.Items) {
			writeClientError(w, &fieldError{status: http.StatusBadRequest, field: "question", limit: int64(len(room.a.Items) - 1),
				msg: fmt.Sprintf("must be a question number from 0 to %d", len(room.a.Items)-1)})
			return
		}
		q = n
	}
	if fe := liveAnswerRefusal(st, q); fe != nil {
		writeClientError(w, fe)
		return
	}

	it := room.a.Items[q]
	lc := learnItemCtx{a: room.a, item: it, pos: q, learner: l}
	// No worked solution and no replay in the answer: the instructor
	// reveals them to everyone (and the page shows them after the reveal).
	lc.a.Settings.Solutions = store.ShowNever
	if courses.PhaseAt(lc.a.Settings, s.learnNow()) == courses.PhaseUpcoming {
		// A live session opens the assignment's questions while it runs.
		lc.a.Settings.OpensAt = nil
	}
	v, err := s.itemVariant(ctx, it, l.ID)
	if err != nil {
		writeClientError(w, err)
		return
	}
	lc.v = v
	var sub submission
	if jsonBody {
		if sub, err = liveJSONSubmission(v, req); err != nil {
			writeClientError(w, err)
			return
		}
	} else if sub, err = s.parseFormSubmission(v, r.PostForm); err != nil {
		writeClientError(w, err)
		return
	}
	sub.reveal = map[string]bool{}
	sub.source, sub.liveSession = store.FromLive, room.ls.ID

	// As the check API does (learn_api.go): one read of the learner's
	// attempts, the outcome predicted from it, the answer encoded inside
	// the work slot, the slot given back during the durable commit.
	before, err := s.learnerAttempts(ctx, lc)
	if err != nil {
		s.liveAnswerUnavailable(w, r, "live answer attempts", err)
		return
	}
	rec, err := s.startRecording(ctx, lc, before, s.itemProgressOf(lc, before), sub)
	if err != nil {
		s.liveAnswerUnavailable(w, r, "record live answer", err)
		return
	}
	out := s.liveAnswerOut(r, lc, s.itemProgressOf(lc, rec.after), sub, rec.predictedRefused(), q)
	releaseWorkSlot(ctx)
	refused, asPredicted, err := rec.wait(ctx)
	if err != nil {
		s.liveAnswerUnavailable(w, r, "record live answer", err)
		return
	}
	if !asPredicted {
		// Another request of this learner recorded in between: read
		// again, as the store decided.
		prog, err := s.itemProgress(ctx, lc)
		if err != nil {
			s.liveAnswerUnavailable(w, r, "live answer progress", err)
			return
		}
		out = s.liveAnswerOut(r, lc, prog, sub, refused, q)
	}
	var counted []live.Answer
	for _, part := range v.Parts {
		vd := sub.res.Parts[part.ID]
		if !vd.Attempted() || sub.partial[part.ID] || refused[part.ID] {
			continue
		}
		counted = append(counted, live.Answer{Learner: l.ID, Item: q, Part: part.ID, Verdict: string(vd.Status),
			Diagnosis: vd.Mistake, Text: sub.answers[part.ID]})
	}
	room.hub.Record(ctx, counted)
	s.countChecks(v.Exercise.ID, sub.res)
	status := http.StatusOK
	if len(refused) > 0 {
		status = http.StatusConflict
	}
	writeJSON(w, status, out)
}

// liveAnswerOut builds the response: the check response under the
// assignment's policies with solutions never shown, partial grids marked.
func (s *Server) liveAnswerOut(r *http.Request, lc learnItemCtx, prog courses.ItemProgress, sub submission, refused map[string]bool, q int) liveAnswerResponse {
	cr := s.learnCheckResponse(r, lc, prog, sub, refused, s.learnNow())
	for id := range sub.partial {
		vj := verdictJSON{Status: string(exercises.StatusInvalid),
			Feedback: "Some cells are empty. Fill every cell of the grid (a 0 is a number too). It does not count as an attempt."}
		vj.FeedbackHTML = string(s.md(vj.Feedback))
		cr.Parts[id] = vj
	}
	for id, vj := range cr.Parts {
		// Belt and braces: the policy above already leaves these empty.
		vj.SolutionHTML, vj.Unlock = "", ""
		cr.Parts[id] = vj
	}
	return liveAnswerResponse{Question: q, Parts: cr.Parts, ScoreText: cr.ScoreText, NextKey: newAttemptKey()}
}

// liveJSONSubmission validates a JSON answer against the variant.
func liveJSONSubmission(v *exercises.Variant, req liveAnswerRequest) (submission, error) {
	if err := checkAttemptKey("key", req.Key); err != nil {
		return submission{}, err
	}
	if len(req.Answers) > maxAnswers || len(req.Hints) > maxAnswers {
		return submission{}, &fieldError{status: http.StatusBadRequest, field: "answers", limit: maxAnswers,
			msg: fmt.Sprintf("answers and hints may have %d entries each", maxAnswers)}
	}
	sub := submission{answers: map[string]string{}, key: req.Key, hints: map[string]int{}}
	for id, text := range req.Answers {
		if text == "" {
			continue // blank, as an empty form field
		}
		sub.answers[id] = text
	}
	for id, n := range req.Hints {
		if err := checkHints(v, id, n); err != nil {
			return submission{}, err
		}
		sub.hints[id] = n
	}
	if req.ShownMS != nil {
		var err error
		if sub.shown, err = parseShownMS(strconv.FormatInt(*req.ShownMS, 10)); err != nil {
			return submission{}, err
		}
	}
	var err error
	if sub.res, err = v.Check(sub.answers); err != nil {
		var upe *exercises.UnknownPartError
		if errors.As(err, &upe) {
			return submission{}, badRequest("answers."+upe.PartID, "is not a part of this question; its parts are %v", upe.Known)
		}
		return submission{}, badRequest("answers", "%s", err.Error())
	}
	return sub, nil
}

// liveAnswerUnavailable answers a database failure: logged, 503, and
// "retry with the same key" (the attempt may or may not be recorded).
func (s *Server) liveAnswerUnavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.ErrorContext(r.Context(), what, "err", err)
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "the database could not be reached; the answer may not be recorded, retry with the same key"})
}

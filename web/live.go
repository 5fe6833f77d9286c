package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// Live class sessions (issue 14): an instructor starts a session from an
// assignment and leads the room through its questions; students join with
// a short code, answer through the normal checker (recorded as attempts
// with the session's id), and their pages follow the instructor over a
// websocket (live_ws.go). Every control and every answer is also a plain
// form, so the pages work without JavaScript (they then reload instead of
// following). Limits are in docs/LIVE.md.

const (
	// liveCodeAlphabet has no 0/O, 1/I/L: codes are read off a projector.
	liveCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	// liveCodeLen is a join code's length: 31^6 ≈ 8.9e8 codes.
	liveCodeLen = 6
	// maxLiveCodeInput bounds the typed code before normalising.
	maxLiveCodeInput = 16
	// maxNickname bounds a nickname, in characters.
	maxNickname = 40
)

// LiveConfig bounds the live sessions; zero fields take the defaults.
type LiveConfig struct {
	// MaxSessions bounds the sessions open at once on this server.
	MaxSessions int
	// MaxStudents bounds the students who may join one session.
	MaxStudents int
	// MaxConns bounds the live websockets of this server.
	MaxConns int
	// IdleTimeout ends a session with no instructor action for this long.
	IdleTimeout time.Duration
	// StudentMsgRate, InstructorMsgRate and ControlRate are the live
	// rates (live_rates.go): messages a second from a student's page,
	// drives a second from an instructor's page, controls a second per
	// session and replica.
	StudentMsgRate    int
	InstructorMsgRate int
	ControlRate       int
}

// mountLive registers the live session routes (only with a store).
func (s *Server) mountLive(r chi.Router, cfg LiveConfig) {
	if s.store == nil {
		return
	}
	s.live = newLiveServer(s.store, s.log, live.Config{MaxSessions: cfg.MaxSessions, MaxStudents: cfg.MaxStudents, IdleTimeout: cfg.IdleTimeout}, cfg.MaxConns)
	s.live.rates = liveRatesOf(cfg)
	s.live.pages = newLivePages()
	form := r.With(limitBody(maxFormBytes), s.work.limitPage)
	s.handle(r, http.MethodGet, "/join", policyPublic, s.liveJoinForm)
	s.handle(form, http.MethodPost, "/join", policyPublic, s.liveJoinSubmit)
	s.handle(r, http.MethodGet, "/live/{code}", policyPublic, s.liveStudentPage)
	s.handle(form, http.MethodPost, "/live/{code}", policyPublic, s.liveStudentAnswer)
	s.mountLiveAnswer(r) // POST /live/{code}/answer (live_answer.go)
	s.mountLiveReveal(r) // GET /live/{code}/reveal (live_reveal.go)
	s.handle(r, http.MethodGet, "/live/{code}/ws", policyPublic, s.liveStudentSocket)
	s.handle(form, http.MethodPost, "/courses/{course}/assignments/{assignment}/live", policyCourseStaff, s.liveStart)
	s.handle(form, http.MethodPost, "/courses/{course}/live", policyCourseStaff, s.liveStartExercises) // live_exercises.go
	s.handle(r, http.MethodGet, "/courses/{course}/live/{session}", policyCourseStaff, s.liveTeachPage)
	// Controls skip the page work limiter: they render nothing (a
	// redirect) and must not wait behind the room's answers; a per-session
	// control rate bounds them instead (liveControlAllowed). Their reads,
	// authorization's included, take the store's priority lane
	// (live_control.go).
	s.handle(r.With(limitBody(maxFormBytes), priorityReads), http.MethodPost, "/courses/{course}/live/{session}", policyCourseStaff, s.liveControl)
	s.handle(r, http.MethodGet, "/courses/{course}/live/{session}/projector", policyCourseStaff, s.liveProjectorPage)
	s.handle(r, http.MethodGet, "/courses/{course}/live/{session}/ws", policyCourseStaff, s.liveStaffSocket)
	s.mountLiveNames(r)
}

// newLiveCode returns a random join code.
func newLiveCode() string {
	b := make([]byte, liveCodeLen)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	for i := range b {
		// 256 % 31 = 8: a negligible bias for a join code, which is not
		// a secret (it is shown to the room).
		b[i] = liveCodeAlphabet[int(b[i])%len(liveCodeAlphabet)]
	}
	return string(b)
}

// normalizeLiveCode uppercases a typed code and drops spaces and dashes.
func normalizeLiveCode(text string) (string, error) {
	if len(text) > maxLiveCodeInput {
		return "", &fieldError{status: http.StatusBadRequest, field: "code", limit: maxLiveCodeInput,
			msg: fmt.Sprintf("is %d bytes long; a join code has %d characters", len(text), liveCodeLen)}
	}
	var b strings.Builder
	for _, c := range strings.ToUpper(text) {
		switch {
		case c == ' ' || c == '-':
		case strings.ContainsRune(liveCodeAlphabet, c):
			b.WriteRune(c)
		default:
			return "", badRequest("code", "has %q, which no join code has (codes use letters and digits 2-9)", string(c))
		}
	}
	if b.Len() != liveCodeLen {
		return "", badRequest("code", "must have %d characters; it has %d", liveCodeLen, b.Len())
	}
	return b.String(), nil
}

// checkNickname validates an optional nickname: blank, or up to
// maxNickname printable characters.
func checkNickname(name string) (string, error) {
	return checkPrintableName("nickname", name, maxNickname)
}

// liveRoom is a session with its assignment and hub.
type liveRoom struct {
	ls  store.LiveSession
	a   store.Assignment
	hub *live.Hub
}

// roomOf loads a session's assignment and its hub on this server (the
// state and counts are read from the database: another replica, or this
// one before a restart, may have run the session so far).
func (s *Server) roomOf(ctx context.Context, ls store.LiveSession) (liveRoom, error) {
	a, err := s.store.GetAssignment(ctx, ls.AssignmentID)
	if err != nil {
		return liveRoom{}, err
	}
	itemIDs := make([]int64, len(a.Items))
	for i, it := range a.Items {
		itemIDs[i] = it.ID
	}
	h, err := s.live.mgr.Hub(ctx, ls.ID, itemIDs)
	if err != nil {
		return liveRoom{}, err
	}
	return liveRoom{ls: ls, a: a, hub: h}, nil
}

// liveError answers a failure to load a room: a full server is 503 (try
// again), a missing row 404, anything else is logged and 500.
func (s *Server) liveError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.classNotFound(w, r)
	case errors.Is(err, live.ErrEnded):
		s.classError(w, r, http.StatusGone, "Session over", "This live session has ended. Ask your instructor for the new code.")
	case errors.Is(err, live.ErrSessionFull):
		s.classError(w, r, http.StatusConflict, "Session full", fmt.Sprintf("This live session is full: at most %d students may join.", s.live.cfg.MaxStudents))
	case errors.Is(err, live.ErrTooManySessions):
		w.Header().Set("Retry-After", "30")
		s.classError(w, r, http.StatusServiceUnavailable, "Too many live sessions", fmt.Sprintf("This server runs at most %d live sessions at once (its -live-max-sessions). End one, or try again later.", s.live.cfg.MaxSessions))
	default:
		s.learnStoreError(w, r, what, err)
	}
}

func (s *Server) joinProps(r *http.Request, code, nickname string, err error) templates.LiveJoinProps {
	// LTI hook (web/lti.go): inside an LMS iframe the launch token names
	// the learner; the form keeps it so the student joins as themselves.
	p := templates.LiveJoinProps{Links: s.links(), Action: ltiCarry(r, s.base+"/join"), Code: code, Nickname: nickname, MaxNickname: maxNickname}
	var fe *fieldError
	if errors.As(err, &fe) {
		p.Error, p.Field = fe.Error(), fe.field
	} else if err != nil {
		p.Error, p.Field = err.Error(), "code"
	}
	return p
}

// liveJoinForm is GET /join (?code= fills the code in, for a QR code).
func (s *Server) liveJoinForm(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if len(code) > maxLiveCodeInput {
		code = ""
	}
	s.render(w, r, http.StatusOK, templates.LiveJoin(s.joinProps(r, code, "", nil)))
}

// liveJoinSubmit is POST /join: find the open session by code, become a
// learner of its course (the one this device knows, else a new live
// learner with the nickname), and go to the session's page.
func (s *Server) liveJoinSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, badRequest("body", "the form could not be read (the limit is %d bytes)", maxFormBytes))
		return
	}
	typed, nickText := r.PostForm.Get("code"), r.PostForm.Get("nickname")
	if len(typed) > maxLiveCodeInput {
		typed = typed[:maxLiveCodeInput]
	}
	if len(nickText) > 4*maxNickname {
		nickText = nickText[:4*maxNickname]
	}
	fail := func(status int, err error) {
		s.render(w, r, status, templates.LiveJoin(s.joinProps(r, typed, nickText, err)))
	}
	code, err := normalizeLiveCode(r.PostForm.Get("code"))
	if err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	nick, err := checkNickname(r.PostForm.Get("nickname"))
	if err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	ls, err := s.store.OpenLiveSessionByCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		if msg, ended := s.liveEndedMessage(ctx, code); ended {
			fail(http.StatusGone, badRequest("code", "%s", msg))
			return
		}
		fail(http.StatusNotFound, badRequest("code", "%s is not the code of a session running now; check it on the projector", code))
		return
	}
	if err != nil {
		s.liveError(w, r, "live session by code", err)
		return
	}
	room, err := s.roomOf(ctx, ls)
	if err != nil {
		s.liveError(w, r, "live room", err)
		return
	}
	if l, ok := s.classes.findLearner(r, ls.CourseID); ok {
		// This device already is a learner of the course: join as them.
		if err := room.hub.Join(ctx, l.ID); err != nil {
			s.liveJoinError(w, r, fail, code, err)
			return
		}
		http.Redirect(w, r, ltiCarry(r, s.liveURL(code, -1)), http.StatusSeeOther)
		return
	}
	if !room.hub.CanJoin() {
		fail(http.StatusConflict, badRequest("code", "session %s is full: %d students have joined, the limit is %d", code, room.hub.JoinedCount(), s.live.cfg.MaxStudents))
		return
	}
	if nick == "" {
		nick = "Anonymous " + newLiveCode()[:4]
	}
	l, err := s.store.CreateLearner(ctx, store.NewLearner{CourseID: ls.CourseID, Source: store.SourceLive, Name: nick})
	if err != nil {
		s.liveError(w, r, "create live learner", err)
		return
	}
	if err := s.rememberLearner(w, r, l); err != nil {
		s.liveError(w, r, "remember live learner", err)
		return
	}
	if err := room.hub.Join(ctx, l.ID); err != nil {
		s.liveJoinError(w, r, fail, code, err)
		return
	}
	http.Redirect(w, r, s.liveURL(code, -1), http.StatusSeeOther)
}

// liveJoinError answers a refused join on the join form: full (409) or
// ended (410) say so; anything else is a server error.
func (s *Server) liveJoinError(w http.ResponseWriter, r *http.Request, fail func(int, error), code string, err error) {
	switch {
	case errors.Is(err, live.ErrSessionFull):
		fail(http.StatusConflict, badRequest("code", "session %s is full: the limit is %d students", code, s.live.cfg.MaxStudents))
	case errors.Is(err, live.ErrEnded):
		msg, _ := s.liveEndedMessage(r.Context(), code)
		fail(http.StatusGone, badRequest("code", "%s", msg))
	default:
		s.liveError(w, r, "join live session", err)
	}
}

// liveEndedMessage says why code no longer joins a session, when its
// latest session has ended.
func (s *Server) liveEndedMessage(ctx context.Context, code string) (string, bool) {
	_, st, err := s.store.LatestLiveSessionByCode(ctx, code)
	if err != nil || !st.Ended {
		return "session " + code + " has ended; ask your instructor for the new code", err == nil
	}
	why := "the instructor ended it"
	if st.EndReason == store.EndedIdle {
		why = fmt.Sprintf("no instructor action for %s", s.live.cfg.IdleTimeout)
	}
	return fmt.Sprintf("session %s has ended (%s); ask your instructor for the new code", code, why), true
}

// liveURL is a student's session page; q >= 0 picks an unlocked question.
func (s *Server) liveURL(code string, q int) string {
	u := s.base + "/live/" + url.PathEscape(code)
	if q >= 0 {
		u += "?q=" + strconv.Itoa(q)
	}
	return u
}

// liveStudentCtx resolves a student request: the open session of the
// code, the device's learner of its course (or a redirect to /join), and
// the question asked for.
func (s *Server) liveStudentCtx(w http.ResponseWriter, r *http.Request) (liveRoom, *store.Learner, int, bool) {
	ctx := r.Context()
	code, err := normalizeLiveCode(chi.URLParam(r, "code"))
	if err != nil {
		s.classNotFound(w, r)
		return liveRoom{}, nil, 0, false
	}
	// The session and its assignment: remembered from a recent request
	// and read from the store's assignment cache (live_rooms.go), as the
	// answer endpoint does: a room fetching its pages at once on "next"
	// read both 200 times (BENCHMARKS.md "livecache").
	ls, hub, known := s.live.rooms.get(s, code)
	if !known {
		ls, err = s.store.OpenLiveSessionByCode(ctx, code)
		if errors.Is(err, store.ErrNotFound) {
			if msg, ended := s.liveEndedMessage(ctx, code); ended {
				s.classError(w, r, http.StatusGone, "Session over", strings.ToUpper(msg[:1])+msg[1:]+".")
				return liveRoom{}, nil, 0, false
			}
			s.classError(w, r, http.StatusNotFound, "Session over", "No live session with code "+code+" is running. It may have ended; ask your instructor for the new code.")
			return liveRoom{}, nil, 0, false
		}
		if err != nil {
			s.liveError(w, r, "live session by code", err)
			return liveRoom{}, nil, 0, false
		}
	}
	l, ok := s.classes.findLearner(r, ls.CourseID)
	if !ok {
		http.Redirect(w, r, ltiCarry(r, s.base+"/join?code="+url.QueryEscape(code)), http.StatusSeeOther)
		return liveRoom{}, nil, 0, false
	}
	room, err := s.answerRoom(ctx, ls, hub)
	if err != nil {
		s.liveError(w, r, "live room", err)
		return liveRoom{}, nil, 0, false
	}
	if !known {
		s.live.rooms.put(s, code, room)
	}
	st := room.hub.State()
	q := st.Question
	if text := r.URL.Query().Get("q"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 0 || n >= len(room.a.Items) {
			s.pageError(w, r, badRequest("q", "must be a question number from 0 to %d", len(room.a.Items)-1))
			return liveRoom{}, nil, 0, false
		}
		q = n
	}
	return room, l, q, true
}

// liveStudentPage is GET /live/{code}: where the class is.
func (s *Server) liveStudentPage(w http.ResponseWriter, r *http.Request) {
	room, l, q, ok := s.liveStudentCtx(w, r)
	if !ok {
		return
	}
	s.renderLiveStudent(w, r, room, l, q, nil)
}

// liveSubmitted is a checked and recorded answer to show.
type liveSubmitted struct {
	form    url.Values
	res     exercises.Result
	refused map[string]bool
	status  int
}

func (s *Server) renderLiveStudent(w http.ResponseWriter, r *http.Request, room liveRoom, l *store.Learner, q int, sub *liveSubmitted) {
	ctx := r.Context()
	st := room.hub.State()
	// Every link, form and socket of the page keeps an LTI launch token
	// (ltiCarry), so a student inside an LMS iframe stays themselves.
	p := templates.LiveStudentProps{Links: s.links(), Title: room.a.Title + " · live", Code: room.ls.Code,
		Question: fmt.Sprintf("Question %d of %d", q+1, len(room.a.Items)), Version: st.Version,
		SocketURL: ltiCarry(r, s.liveURL(room.ls.Code, -1)+"/ws"), RefreshURL: ltiCarry(r, s.liveURL(room.ls.Code, q)),
		PageURL: ltiCarry(r, s.liveURL(room.ls.Code, -1)), QuestionIndex: q,
		Script: s.base + "/static/" + s.assets.HashedName("live.js"), Learner: l.Name,
		// With JavaScript the page follows the class in place (live.js
		// swaps in the page rendered for the new state), so it loads what
		// any state's page needs: the answer script and the player.
		AnswerScript: s.base + "/static/" + s.assets.HashedName("live_answer.js")}
	p.Links = s.playerLinks(true)
	for _, u := range st.Unlocked {
		p.Others = append(p.Others, templates.LiveLink{Label: fmt.Sprintf("Question %d", u+1), URL: ltiCarry(r, s.liveURL(room.ls.Code, u)), Current: u == q})
	}
	p.Messages = liveStudentMessages()
	p.Status, p.Message = liveStudentStatus(p.Messages, st, q)
	p.RevealURL = ltiCarry(r, s.liveURL(room.ls.Code, -1)+"/reveal?q="+strconv.Itoa(q))
	p.Unlocked = st.Unlocked
	status := http.StatusOK
	if p.Status == "open" || p.Status == "closed" {
		it := room.a.Items[q]
		lc := learnItemCtx{a: room.a, item: it, pos: q, learner: l}
		revealed := st.Revealed && q == st.Question
		// The instructor decides when solutions show: none before the
		// reveal, all of them after it.
		if revealed {
			lc.a.Settings.Solutions = store.ShowImmediately
		} else {
			lc.a.Settings.Solutions = store.ShowNever
		}
		v, err := s.itemVariant(ctx, it, l.ID)
		if err != nil {
			s.learnStoreError(w, r, "item variant", err)
			return
		}
		lc.v = v
		if sub == nil && s.livePageCacheable(r) {
			// Whether they answered this question, asked the way a room
			// arriving at once shares (one query per item for the
			// concurrent fetches on PostgreSQL, bounded to a quarter of
			// the pool so answers and notices find a connection:
			// store/itembatch.go).
			has, err := s.store.HasItemAttempts(ctx, lc.a.ID, l.ID, it.ID)
			if err != nil {
				s.learnStoreError(w, r, "item progress", err)
				return
			}
			if !has {
				// No answer of theirs on this question: the page's exercise
				// is the class's, rendered once per variant (live_page.go).
				body, follow, err := s.livePageBody(r, lc, room, q, revealed)
				switch {
				case err == nil:
					p.Follow = revealed && follow
					p.Revealed = revealed
					p.ExerciseBody = body
					s.render(w, r, status, templates.LiveStudent(p))
					return
				case !errors.Is(err, errLivePageSlots):
					s.pageError(w, r, err)
					return
				}
			}
		}
		attempts, err := s.learnerAttempts(ctx, lc)
		if err != nil {
			s.learnStoreError(w, r, "item progress", err)
			return
		}
		prog := s.itemProgressOf(lc, attempts)
		var form url.Values
		var res exercises.Result
		refused := map[string]bool{}
		if sub != nil {
			form, res, refused, status = sub.form, sub.res, sub.refused, sub.status
		} else {
			form = restoreForm(v, prog)
			answers, _ := formAnswers(v, form)
			if res, err = v.Check(answers); err != nil {
				s.pageError(w, r, badRequest("answers", "%s", err.Error()))
				return
			}
		}
		props, err := s.liveExerciseProps(r, lc, room, q, revealed, prog, form, res, refused)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		p.Follow = revealed && props.Player != nil
		p.Revealed = revealed
		p.Exercise = &props
	}
	s.render(w, r, status, templates.LiveStudent(p))
}

// liveExerciseProps is the exercise of a live student page: lc's item
// with the answers form and verdicts res, its worked solutions open when
// revealed. The live page cache (live_page.go) renders it too, so a cached
// page is this render.
func (s *Server) liveExerciseProps(r *http.Request, lc learnItemCtx, room liveRoom, q int, revealed bool, prog courses.ItemProgress,
	form url.Values, res exercises.Result, refused map[string]bool) (templates.ExercisePageProps, error) {
	open := map[string]bool{}
	for _, part := range lc.v.Parts {
		open[part.ID] = revealed
	}
	props, err := s.learnExerciseProps(r, lc, prog, form, res, refused, open)
	if err != nil {
		return props, err
	}
	props.FormAction = ltiCarry(r, s.liveURL(room.ls.Code, q))
	props.Learn.AssignmentURL = ltiCarry(r, s.liveURL(room.ls.Code, -1))
	if revealed {
		// The instructor revealed the answer to everyone: the worked
		// solutions open, as on the projector.
		for i := range props.Parts {
			props.Parts[i].SolutionOpen = len(props.Parts[i].Solution) > 0
			props.Parts[i].LiveUnrevealed = true // live.js hides it again in place
		}
	}
	// The player follows the instructor's once the answer is revealed.
	props.Links = s.playerLinks(true)
	return props, nil
}

// The status lines of a student's live page. One table: the server says
// the page's own line from it, and renders all of it into the page
// (data-live-msg-*) so live.js says the same words when the page follows
// the class in place without asking the server (docs/LIVE.md).
const (
	liveMsgEnded          = "The session has ended. Thank you!"
	liveMsgPaused         = "Paused: eyes on the projector."
	liveMsgWaiting        = "Waiting for your instructor to unlock the question."
	liveMsgClosed         = "Answering is closed for now."
	liveMsgOpen           = "Answer the question below, then check it."
	liveMsgRevealedSuffix = " Your instructor revealed the answer: the worked solutions are open below."
)

// liveStudentMessages is the table of a student page's status lines.
func liveStudentMessages() templates.LiveMessages {
	return templates.LiveMessages{Ended: liveMsgEnded, Paused: liveMsgPaused, Waiting: liveMsgWaiting,
		Closed: liveMsgClosed, Open: liveMsgOpen, RevealedSuffix: liveMsgRevealedSuffix}
}

// liveStudentStatus is what a student's page of question q says in state
// st: its status ("ended", "paused", "waiting", "closed" or "open") and
// status line. static/live.js's statusOf decides the same way, in place.
func liveStudentStatus(m templates.LiveMessages, st live.State, q int) (status, msg string) {
	switch {
	case st.Ended:
		status, msg = "ended", m.Ended
	case st.Paused:
		status, msg = "paused", m.Paused
	case !st.IsUnlocked(q):
		status, msg = "waiting", m.Waiting
	case st.Closed:
		// Closing stops answers to every question (live.State.Answerable),
		// not only the current one: after "unlock all" a student on another
		// question must not be shown a form the server then refuses.
		status, msg = "closed", m.Closed
	default:
		status, msg = "open", m.Open
	}
	if st.Revealed && q == st.Question && (status == "open" || status == "closed") {
		msg += m.RevealedSuffix
	}
	return status, msg
}

// liveStudentAnswer is POST /live/{code}: check and record an answer to
// an unlocked question (attempts carry the session's id), count it, and
// show the page again.
func (s *Server) liveStudentAnswer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	room, l, q, ok := s.liveStudentCtx(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, badRequest("body", "the form could not be read (the limit is %d bytes)", maxFormBytes))
		return
	}
	st := room.hub.State()
	if !st.Answerable(q) {
		s.renderLiveStudent(w, r, room, l, q, nil)
		return
	}
	it := room.a.Items[q]
	lc := learnItemCtx{a: room.a, item: it, pos: q, learner: l}
	lc.a.Settings.Solutions = store.ShowNever // no self-reveal: the instructor reveals
	v, err := s.itemVariant(ctx, it, l.ID)
	if err != nil {
		s.learnStoreError(w, r, "item variant", err)
		return
	}
	lc.v = v
	if courses.PhaseAt(lc.a.Settings, s.learnNow()) == courses.PhaseUpcoming {
		// A live session opens the assignment's questions while it runs.
		lc.a.Settings.OpensAt = nil
	}
	prog, err := s.itemProgress(ctx, lc)
	if err != nil {
		s.learnStoreError(w, r, "item progress", err)
		return
	}
	sub, err := s.parseFormSubmission(v, r.PostForm)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	sub.reveal = map[string]bool{}
	sub.source, sub.liveSession = store.FromLive, room.ls.ID
	refused, err := s.recordSubmission(ctx, lc, prog, sub)
	if err != nil {
		s.learnStoreError(w, r, "record attempt", err)
		return
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
	res := sub.res
	for id := range sub.partial {
		res.Parts[id] = exercises.Verdict{Status: exercises.StatusInvalid,
			Feedback: "Some cells are empty. Fill every cell of the grid (a 0 is a number too). It does not count as an attempt."}
	}
	status := http.StatusOK
	if len(refused) > 0 {
		status = http.StatusConflict
	}
	s.renderLiveStudent(w, r, room, l, q, &liveSubmitted{form: r.PostForm, res: res, refused: refused, status: status})
}

// liveStart is POST /courses/{course}/assignments/{assignment}/live: a new
// session with a fresh code; the instructor lands on its page.
func (s *Server) liveStart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a := courseFrom(ctx), assignmentFrom(ctx)
	if len(a.Items) == 0 {
		s.classError(w, r, http.StatusConflict, "No questions", "This assignment has no items yet; add some before running it live.")
		return
	}
	s.startLiveSession(w, r, c, a)
}

// startLiveSession starts a live session of assignment a of course c and
// sends the instructor to its page.
func (s *Server) startLiveSession(w http.ResponseWriter, r *http.Request, c store.Course, a store.Assignment) {
	ctx := r.Context()
	if s.live.mgr.Open() >= s.live.cfg.MaxSessions {
		s.liveError(w, r, "start live session", live.ErrTooManySessions)
		return
	}
	var ls store.LiveSession
	var err error
	for try := 0; try < 5; try++ {
		ls, err = s.store.CreateLiveSession(ctx, c.ID, a.ID, principalFrom(ctx).User.ID, newLiveCode())
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		s.liveError(w, r, "create live session", err)
		return
	}
	if _, err := s.roomOf(ctx, ls); err != nil {
		s.liveError(w, r, "live room", err)
		return
	}
	http.Redirect(w, r, s.liveTeachURL(c.ID, ls.ID), http.StatusSeeOther)
}

func (s *Server) liveTeachURL(course, session int64) string {
	return fmt.Sprintf("%s/courses/%d/live/%d", s.base, course, session)
}

// staffRoom loads the {session} of a staff route: it must belong to the
// route's course (404 otherwise, like every other id).
func (s *Server) staffRoom(w http.ResponseWriter, r *http.Request) (liveRoom, bool) {
	ctx := r.Context()
	id, err := strconv.ParseInt(chi.URLParam(r, "session"), 10, 64)
	if err != nil || id <= 0 {
		s.classNotFound(w, r)
		return liveRoom{}, false
	}
	ls, err := s.store.GetLiveSession(ctx, id)
	if err == nil && ls.CourseID != courseFrom(ctx).ID {
		err = store.ErrNotFound
	}
	if err != nil {
		s.liveError(w, r, "live session", err)
		return liveRoom{}, false
	}
	if ls.EndedAt != nil {
		a, err := s.store.GetAssignment(ctx, ls.AssignmentID)
		if err != nil {
			s.liveError(w, r, "live assignment", err)
			return liveRoom{}, false
		}
		return liveRoom{ls: ls, a: a}, true
	}
	room, err := s.roomOf(ctx, ls)
	if err != nil {
		s.liveError(w, r, "live room", err)
		return liveRoom{}, false
	}
	return room, true
}

// teachProps builds the instructor's or the projector's view.
func (s *Server) teachProps(r *http.Request, room liveRoom, projector bool) (templates.LiveTeachProps, error) {
	c := courseFrom(r.Context())
	join := requestScheme(r) + "://" + r.Host + s.base + "/join"
	p := templates.LiveTeachProps{Links: s.links(), CourseTitle: c.Title, Title: room.a.Title, Code: room.ls.Code,
		JoinURL: join, JoinLink: join + "?code=" + url.QueryEscape(room.ls.Code), Projector: projector,
		ControlURL:   s.liveTeachURL(c.ID, room.ls.ID),
		ProjectorURL: s.liveTeachURL(c.ID, room.ls.ID) + "/projector",
		SocketURL:    s.liveTeachURL(c.ID, room.ls.ID) + "/ws",
		Script:       s.base + "/static/" + s.assets.HashedName("live.js")}
	if room.hub == nil {
		p.Ended, p.State, p.Question = true, "This session has ended.", "Ended"
		p.SocketURL = ""
		return p, nil
	}
	if qr, err := joinQRSVG(p.JoinLink); err == nil {
		p.QRCode = qr
	} else {
		// A link too long for a readable symbol (a very long host or base
		// path): the text alternative stays, the QR code goes.
		s.log.WarnContext(r.Context(), "live join QR code", "err", err)
	}
	st := room.hub.State()
	it := room.a.Items[st.Question]
	p.Question = fmt.Sprintf("Question %d of %d", st.Question+1, len(room.a.Items))
	if ex, ok := s.catalog.LookupVersion(it.ExerciseID, it.ExerciseVersion); ok {
		p.ItemTitle = ex.Title
	} else {
		p.ItemTitle = it.ExerciseID
	}
	p.Unlocked, p.Paused, p.Closed, p.Revealed = st.IsUnlocked(st.Question), st.Paused, st.Closed, st.Revealed
	p.First, p.Last = st.Question == 0, st.Question == len(room.a.Items)-1
	p.State = liveStateText(st)
	p.Version = st.Version
	fillCounts(&p, room.hub.Counts())
	// Names: always on the instructor's screen, on the projector only
	// while the instructor shows them (live_names.go).
	p.Show = projectorProps(st.Projector)
	if !projector || st.Projector.Names {
		ros, err := s.liveRoster(r.Context(), room, st)
		if err != nil {
			return p, err
		}
		p.Roster = rosterProps(ros)
		p.NamesURL = s.liveTeachURL(c.ID, room.ls.ID) + "/names"
	}
	if err := s.teachPlayer(r, room, st, &p); err != nil {
		return p, err
	}
	sol, err := s.liveSolution(r.Context(), room, st) // live_solution.go
	if err != nil {
		return p, err
	}
	p.Solution = sol
	return p, nil
}

// teachPlayer adds the current question's animation player: on the
// instructor's view always (the instructor has earned every answer; the
// player drives the students' once the answer is revealed), on the
// projector only once the answer is revealed (it then follows the
// instructor's player like the students' do).
func (s *Server) teachPlayer(r *http.Request, room liveRoom, st live.State, p *templates.LiveTeachProps) error {
	if p.Projector && !st.Revealed {
		return nil
	}
	it := room.a.Items[st.Question]
	// Learner 0 is nobody: with per-learner seeds the instructor's
	// variant is one no student has, but its convolution has the same
	// steps in the same places, so "step 5" is the same cell for all.
	v, err := s.itemVariant(r.Context(), it, 0)
	if err != nil {
		return fmt.Errorf("instructor's variant: %w", err)
	}
	open := map[string]bool{}
	for _, part := range v.Parts {
		open[part.ID] = true
	}
	pg, _ := parseStepPaging(url.Values{})
	pl, err := s.exercisePlayer(v, pg, open)
	if err != nil || pl == nil {
		return err
	}
	pl.Heading = "The question's animation"
	p.Player = pl
	p.Links = s.playerLinks(true)
	p.Drive = !p.Projector && st.Revealed
	p.Follow = p.Projector
	return nil
}

// liveStateText says where the room is, in words.
func liveStateText(st live.State) string {
	var parts []string
	switch {
	case st.Ended:
		return "The session has ended."
	case !st.IsUnlocked(st.Question):
		parts = append(parts, "Locked: students are waiting")
	case st.Closed:
		parts = append(parts, "Answering closed")
	default:
		parts = append(parts, "Answering open")
	}
	if st.Paused {
		parts = append(parts, "paused")
	}
	if st.Revealed {
		parts = append(parts, "answer revealed")
	}
	return strings.Join(parts, " · ") + "."
}

func fillCounts(p *templates.LiveTeachProps, c live.Counts) {
	p.Joined, p.Answered, p.Correct = c.Joined, c.Answered, c.Correct
	for _, pc := range c.Parts {
		lp := templates.LivePart{Part: pc.Part, Answered: pc.Answered, Correct: pc.Correct}
		for _, b := range pc.Histogram {
			lp.Bars = append(lp.Bars, templates.LiveBar{Label: b.Key, Count: b.Count, Correct: b.Key == "correct"})
		}
		for _, wa := range pc.Wrong {
			lp.Wrong = append(lp.Wrong, templates.LiveBar{Label: wa.Answer, Count: wa.Count})
		}
		p.Parts = append(p.Parts, lp)
	}
}

// liveTeachPage is GET /courses/{course}/live/{session}.
func (s *Server) liveTeachPage(w http.ResponseWriter, r *http.Request) {
	room, ok := s.staffRoom(w, r)
	if !ok {
		return
	}
	p, err := s.teachProps(r, room, false)
	if err != nil {
		s.learnStoreError(w, r, "live instructor view", err)
		return
	}
	s.render(w, r, http.StatusOK, templates.LiveTeach(p))
}

// liveProjectorPage is GET /courses/{course}/live/{session}/projector.
func (s *Server) liveProjectorPage(w http.ResponseWriter, r *http.Request) {
	room, ok := s.staffRoom(w, r)
	if !ok {
		return
	}
	p, err := s.teachProps(r, room, true)
	if err != nil {
		s.learnStoreError(w, r, "live projector view", err)
		return
	}
	s.render(w, r, http.StatusOK, templates.LiveTeach(p))
}

// liveControl is POST /courses/{course}/live/{session}: an instructor's
// action, fanned out to every page of the session.
func (s *Server) liveControl(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	room, ok := s.controlRoom(w, r) // live_control.go
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, badRequest("body", "the form could not be read (the limit is %d bytes)", maxFormBytes))
		return
	}
	act, err := live.ParseAction(r.PostForm.Get("action"))
	if err != nil {
		s.pageError(w, r, badRequest("action", "%s", err.Error()))
		return
	}
	if !s.live.controlAllowed(room.ls.ID) {
		w.Header().Set("Retry-After", "1")
		s.classError(w, r, http.StatusTooManyRequests, "Too many controls",
			s.live.rates.controlRefusal())
		return
	}
	if room.hub == nil {
		s.classError(w, r, http.StatusConflict, "Session over", "This live session has ended; start a new one from the assignment.")
		return
	}
	if _, err := room.hub.Control(ctx, act); err != nil {
		s.liveError(w, r, "live control", err)
		return
	}
	http.Redirect(w, r, s.liveTeachURL(room.ls.CourseID, room.ls.ID), http.StatusSeeOther)
}

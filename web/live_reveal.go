package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// The reveal fragment (issue 14, docs/LIVE.md "The reveal fragment"):
// GET /live/{code}/reveal?q=N gives a student's page what the instructor's
// reveal opens, the worked solutions and the replay's unlock tokens of the
// learner's own variant, as JSON, so the page applies a reveal in place
// instead of fetching itself again (a page render is ~1 ms of CPU and up
// to 136 KB; 200 students fetch at the same moment).
//
// Each part's solution_html is the check API's rendering (s.solution, the
// memoized renderSolution that showSolution in app.js expects), and its
// unlock the check API's token: no second renderer. The whole parts object
// is a pure function of the variant (exercise, version, seed, selected
// parts) and the base path, so it is encoded once per variant and kept in a
// bounded cache: a shared-seed room of 200 renders it once. Nothing a
// student wrote, nor who they are, is in an entry; the question, version
// and headers are added per request.

// maxRevealCacheBytes bounds the reveal fragment cache (keys, encoded
// parts and bookkeeping; documented in docs/LIVE.md "Limits" and README
// "Bounds"). A conv-by-hand fragment is about 6 KB: 4 MiB holds several
// hundred variants, a per-learner-seed room of 400 at least once.
const maxRevealCacheBytes = 4 << 20

// liveReveals is the reveal fragment cache with its render count (the
// tests' witness that a shared seed renders once).
type liveReveals struct {
	parts   *lru[[]byte]
	renders atomic.Int64
}

func newLiveReveals() *liveReveals {
	return &liveReveals{parts: newLRU[[]byte](maxRevealCacheBytes)}
}

// mountLiveReveal registers the reveal fragment (from mountLive).
//
// A render (a cache miss) runs in a work slot, 503 JSON when none frees in
// time; a hit does not wait for one, like a cached page or a memoized
// check: it costs less than the page fetch a refused fragment makes the
// student's page fall back to (live.js fetches the whole page on anything
// but 200, and the page does not take a slot either). Under the API
// limiter a starved server refused nearly every fragment of a reveal
// (BENCHMARKS.md "livereveal"), turning each into a page render.
func (s *Server) mountLiveReveal(r chi.Router) {
	s.live.reveals = newLiveReveals()
	s.handle(r, http.MethodGet, "/live/{code}/reveal", policyPublic, s.liveReveal)
}

// liveReveal is GET /live/{code}/reveal?q=N.
func (s *Server) liveReveal(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	room, l, ok := s.liveJSONRoom(w, r)
	if !ok {
		return
	}
	last := len(room.a.Items) - 1
	text := r.URL.Query().Get("q")
	q, err := strconv.Atoi(text)
	if text == "" || err != nil || q < 0 || q > last {
		writeClientError(w, &fieldError{status: http.StatusBadRequest, field: "q", limit: int64(last),
			msg: fmt.Sprintf("must be a question number from 0 to %d", last)})
		return
	}
	st := room.hub.State()
	if st.Ended {
		writeClientError(w, &fieldError{status: http.StatusGone, field: "session", msg: "the session has ended"})
		return
	}
	if !st.Revealed || st.Question != q {
		writeClientError(w, &fieldError{status: http.StatusConflict, field: "q", msg: fmt.Sprintf("question %d is not revealed now", q)})
		return
	}
	v, err := s.itemVariant(ctx, room.a.Items[q], l.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "reveal variant", "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "the question could not be built"})
		return
	}
	parts, ok := s.revealParts(r, v, room.a.Items[q], q)
	if !ok {
		s.work.busyJSON(w)
		return
	}
	b := make([]byte, 0, len(parts)+64)
	b = append(b, `{"question":`...)
	b = strconv.AppendInt(b, int64(q), 10)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, st.Version, 10)
	b = append(b, `,"parts":`...)
	b = append(b, parts...)
	b = append(b, "}\n"...)
	// private, no-store: the learner's own variant, never for a shared
	// cache, and stale the moment the instructor hides it again.
	setHeaders(w.Header(), "Content-Type", "application/json; charset=utf-8", "Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// revealParts returns the encoded parts object of variant v (item it, at
// question index q): from the cache, else rendered in a work slot and
// kept; ok is false when no slot freed in time.
func (s *Server) revealParts(r *http.Request, v *exercises.Variant, it store.Item, q int) ([]byte, bool) {
	key := revealKey(s.base, v, it, q)
	c := s.live.reveals
	if b, ok := c.parts.get(key); ok {
		return b, true
	}
	done, ok := s.work.admit(r)
	if !ok {
		return nil, false
	}
	defer done()
	if b, ok := c.parts.get(key); ok {
		return b, true // rendered while this request waited for its slot
	}
	c.renders.Add(1)
	b := []byte{'{'}
	complete := true
	for _, part := range v.Parts {
		hasSolution := len(part.Solution) > 0 || part.Kind == exercises.KindSelfCheck
		if !hasSolution && part.Animation < 0 {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, part.ID)
		b = append(b, ":{"...)
		if hasSolution {
			// The check API's rendering and encoding (api_exercises.go
			// checkResponseFrom, checkjson.go): memoized per variant part.
			sol := s.solution(r.Context(), v, part)
			if sol.html == "" {
				complete = false // a failed render is not kept
			}
			b = append(b, `"solution_html":`...)
			if sol.json != nil {
				b = append(b, sol.json...)
			} else {
				b = appendJSONString(b, sol.html)
			}
		}
		if part.Animation >= 0 {
			if hasSolution {
				b = append(b, ',')
			}
			b = append(b, `"unlock":`...)
			b = appendJSONString(b, s.unlock.token(v.Exercise.ID, v.Seed, part.ID))
		}
		b = append(b, '}')
	}
	b = append(b, '}')
	if complete {
		c.parts.add(key, b, int64(len(key)+cap(b)+entryOverhead))
	}
	return b, true
}

// revealKey names what a reveal fragment's parts are a pure function of:
// the base path, the exercise at its version, the variant's seed, the
// item's part selection and the question index, NUL-separated (none of
// them holds a NUL). The seed stands for the learner with per-learner
// seeds; it is derived from the learner's id, never anything they wrote.
func revealKey(base string, v *exercises.Variant, it store.Item, q int) string {
	var b strings.Builder
	b.WriteString(base)
	b.WriteByte(0)
	b.WriteString(v.Exercise.ID)
	b.WriteByte(0)
	b.WriteString(v.Exercise.Version)
	b.WriteByte(0)
	b.WriteString(strconv.FormatUint(v.Seed, 10))
	b.WriteByte(0)
	b.WriteString(strings.Join(it.Parts, ","))
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(q))
	return b.String()
}

// liveJSONRoom resolves a student's JSON request as liveStudentCtx does a
// page's (the open session of the code, the device's learner of its
// course), answering failures as JSON: 404 no such session, 410 ended,
// 403 no learner on this device (a script cannot follow a redirect to
// the join form), 503 when the server holds too many sessions.
func (s *Server) liveJSONRoom(w http.ResponseWriter, r *http.Request) (liveRoom, *store.Learner, bool) {
	ctx := r.Context()
	code, err := normalizeLiveCode(chi.URLParam(r, "code"))
	if err != nil {
		writeClientError(w, &fieldError{status: http.StatusNotFound, field: "code", msg: "no live session has this code"})
		return liveRoom{}, nil, false
	}
	// The session: remembered from a recent request (live_rooms.go), as
	// a room fetching its reveal at once would otherwise read it 200 times.
	ls, hub, known := s.live.rooms.get(s, code)
	if !known {
		ls, err = s.store.OpenLiveSessionByCode(ctx, code)
		if errors.Is(err, store.ErrNotFound) {
			if msg, ended := s.liveEndedMessage(ctx, code); ended {
				writeClientError(w, &fieldError{status: http.StatusGone, field: "code", msg: msg})
				return liveRoom{}, nil, false
			}
			writeClientError(w, &fieldError{status: http.StatusNotFound, field: "code", msg: "no live session with code " + code + " is running"})
			return liveRoom{}, nil, false
		}
		if err != nil {
			s.liveJSONUnavailable(w, r, "live session by code", err)
			return liveRoom{}, nil, false
		}
	}
	l, ok := s.classes.findLearner(r, ls.CourseID)
	if !ok {
		writeClientError(w, &fieldError{status: http.StatusForbidden, field: "learner",
			msg: "join the session first (" + s.base + "/join?code=" + code + "): this device is no learner of its course"})
		return liveRoom{}, nil, false
	}
	room, err := s.answerRoom(ctx, ls, hub)
	switch {
	case errors.Is(err, live.ErrEnded):
		writeClientError(w, &fieldError{status: http.StatusGone, field: "session", msg: "the session has ended"})
		return liveRoom{}, nil, false
	case errors.Is(err, live.ErrTooManySessions):
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: err.Error()})
		return liveRoom{}, nil, false
	case err != nil:
		s.liveJSONUnavailable(w, r, "live room", err)
		return liveRoom{}, nil, false
	}
	if !known {
		s.live.rooms.put(s, code, room)
	}
	return room, l, true
}

// liveJSONUnavailable answers a database failure of a JSON read: logged,
// 503, retry.
func (s *Server) liveJSONUnavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.ErrorContext(r.Context(), what, "err", err)
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "the database could not be reached; try again"})
}

package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/store"
)

// controlRoom is staffRoom for an instructor's control, which needs the
// session and its hub but not the assignment: when this server holds the
// hub already (it does once any page of the session reached it), the
// assignment and its items are not read again. A control is then one read
// of the session's row and the state transaction, which keeps its round
// trip (and so the fan-out the class sees) short on a busy server.
func (s *Server) controlRoom(w http.ResponseWriter, r *http.Request) (liveRoom, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "session"), 10, 64)
	if err == nil && id > 0 {
		if h, held := s.live.mgr.Lookup(id); held {
			ls, err := s.store.GetLiveSession(r.Context(), id)
			if err == nil && ls.CourseID == courseFrom(r.Context()).ID && ls.EndedAt == nil {
				return liveRoom{ls: ls, hub: h}, true
			}
			if err == nil && ls.CourseID != courseFrom(r.Context()).ID {
				err = store.ErrNotFound
			}
			if err != nil {
				s.liveError(w, r, "live session", err)
				return liveRoom{}, false
			}
		}
	}
	return s.staffRoom(w, r)
}

// priorityReads gives a request's database reads the store's priority
// lane (store.WithPriority): an instructor's control reads the session
// cookie, the course, the membership and the live session while the
// room's page fetches fill the read pool, and every student waits for
// the control's fan-out. It wraps only the control route: the lane is one
// connection, and the worst a client without an account can do there is
// take turns with the instructors at one cheap read (the cookie lookup
// that answers 401), never with the students' reads.
func priorityReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(store.WithPriority(r.Context())))
	})
}

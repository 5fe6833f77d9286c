package web

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// liveStartExercises starts a live session from a list of exercises
// (POST /courses/{course}/live, the course page's form): an instructor
// who has not built an assignment picks exercises and runs them live.
//
// The session still runs on an assignment, made here with those
// exercises in the order given (the recitation's numbers, one point each),
// because everything a live answer feeds — the attempt record, the
// dashboard, the gradebook — is keyed by assignment item. It is listed with
// the course's assignments, named after the time it started.
func (s *Server) liveStartExercises(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := courseFrom(ctx)
	if !s.parseForm(w, r, maxFormBytes) {
		return
	}
	var ids []string
	for _, id := range r.PostForm["exercise"] {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		s.classError(w, r, http.StatusBadRequest, "No exercises chosen", "exercise: choose at least one exercise for the live session.")
		return
	case len(ids) > store.MaxItems:
		s.classError(w, r, http.StatusBadRequest, "Too many exercises",
			fmt.Sprintf("exercise: %d exercises chosen; a live session holds at most %d.", len(ids), store.MaxItems))
		return
	}
	items := make([]store.NewItem, 0, len(ids))
	for _, id := range ids {
		it, ok := s.itemFor(id)
		if !ok {
			s.classError(w, r, http.StatusBadRequest, "Unknown exercise",
				fmt.Sprintf("exercise: %.80q is not in the catalog.", id))
			return
		}
		it.SeedPolicy, it.Points = store.SeedRecitation, 1
		items = append(items, it)
	}
	if s.live.mgr.Open() >= s.live.cfg.MaxSessions {
		// Refused before an assignment is made for a session that cannot run.
		s.liveError(w, r, "start live session", live.ErrTooManySessions)
		return
	}
	now := time.Now()
	if loc, err := time.LoadLocation(c.TimeZone); err == nil {
		now = now.In(loc)
	}
	a, err := s.store.CreateAssignment(ctx, store.NewAssignment{
		CourseID: c.ID,
		Title:    "Live session, " + now.Format("2 Jan 2006 15:04"),
		Settings: store.Settings{TimeZone: c.TimeZone, Feedback: store.ShowImmediately, Solutions: store.ShowAfterAttempt,
			Score: store.ScoreBest, LateCounts: true},
		Items:     items,
		CreatedBy: principalFrom(ctx).User.ID,
	})
	if err != nil {
		s.dbError(w, r, err)
		return
	}
	s.startLiveSession(w, r, c, a)
}

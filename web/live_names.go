package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/templates"
)

// Students' names in a live session (issue 14 §1: "no student names unless
// the instructor chooses to show them"). The live counts carry no names,
// over any socket. The instructor's screen lists who has answered the
// current question and who has not yet; the projector lists them only
// while the instructor shows names (live.ProjectorView.Names, a control
// kept in the room's state). Both pages read the names from the database
// when they render, and, with JavaScript, again from GET …/names after
// the counts change (at most every liveNamesEvery, static/live.js).

// maxRosterNames bounds the names listed per list; further ones are
// counted ("and 12 more").
const maxRosterNames = 500

// mountLiveNames registers the names route (called by mountLive).
func (s *Server) mountLiveNames(r chi.Router) {
	s.handle(r, http.MethodGet, "/courses/{course}/live/{session}/names", policyCourseStaff, s.liveNames)
}

// liveRosterJSON is the names route's answer.
type liveRosterJSON struct {
	// Question is the current question's index the lists are about.
	Question int      `json:"question"`
	Answered []string `json:"answered"`
	Waiting  []string `json:"waiting"`
	// More counts the names left off each list (beyond maxRosterNames).
	MoreAnswered int `json:"more_answered"`
	MoreWaiting  int `json:"more_waiting"`
}

// liveRoster reads who joined the session and whether they answered its
// current question.
func (s *Server) liveRoster(ctx context.Context, room liveRoom, st live.State) (liveRosterJSON, error) {
	out := liveRosterJSON{Question: st.Question, Answered: []string{}, Waiting: []string{}}
	if st.Question < 0 || st.Question >= len(room.a.Items) {
		return out, nil
	}
	entries, err := s.store.LiveRoster(ctx, room.ls.ID, room.a.Items[st.Question].ID)
	if err != nil {
		return out, fmt.Errorf("live roster: %w", err)
	}
	for _, e := range entries {
		list, more := &out.Waiting, &out.MoreWaiting
		if e.Answered {
			list, more = &out.Answered, &out.MoreAnswered
		}
		if len(*list) < maxRosterNames {
			*list = append(*list, e.Name)
		} else {
			*more++
		}
	}
	return out, nil
}

// rosterProps is the roster for a template.
func rosterProps(r liveRosterJSON) *templates.LiveRoster {
	return &templates.LiveRoster{Answered: r.Answered, Waiting: r.Waiting, MoreAnswered: r.MoreAnswered, MoreWaiting: r.MoreWaiting}
}

// liveNames is GET /courses/{course}/live/{session}/names: who has
// answered the current question, by name (course staff only).
func (s *Server) liveNames(w http.ResponseWriter, r *http.Request) {
	room, ok := s.staffRoom(w, r)
	if !ok {
		return
	}
	if room.hub == nil {
		writeJSON(w, http.StatusGone, apiError{Field: "session", Error: "this live session has ended"})
		return
	}
	ros, err := s.liveRoster(r.Context(), room, room.hub.State())
	if err != nil {
		s.log.ErrorContext(r.Context(), "live names", "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{Field: "session", Error: "the names could not be read; try again"})
		return
	}
	writeJSON(w, http.StatusOK, ros)
}

// projectorProps is what the projector shows, for the templates.
func projectorProps(v live.ProjectorView) templates.LiveProjectorView {
	return templates.LiveProjectorView{Names: v.Names, Counts: !v.HideCounts, Histogram: !v.HideHistogram, Wrong: !v.HideWrong}
}

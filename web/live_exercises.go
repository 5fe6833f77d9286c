package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// liveStartExercises starts a live session from a list of exercises
// (POST /courses/{course}/live, the course page's form): an instructor
// who has not built an assignment picks exercises and runs them live.
//
// The session still runs on an assignment, made here with those
// exercises in the order chosen (liveExerciseOrder; the recitation's
// numbers, one point each), because everything a live answer feeds — the
// attempt record, the dashboard, the gradebook — is keyed by assignment
// item. It is listed with the course's assignments, named after the time
// it started.
func (s *Server) liveStartExercises(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := courseFrom(ctx)
	if !s.parseForm(w, r, maxFormBytes) {
		return
	}
	ids, title, msg := liveExerciseOrder(r.PostForm)
	if msg != "" {
		s.classError(w, r, http.StatusBadRequest, title, msg)
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

// livePositionMax bounds a position on the course page's form: a session
// holds at most store.MaxItems exercises, so no order needs a larger one.
const livePositionMax = store.MaxItems

// liveExerciseOrder reads the exercises a "Run exercises live" form chose,
// in the order the session runs them. exercise= (repeated; a repeat counts
// once) chooses them; the optional position-ID (livePositionField; a whole
// number from 1 to livePositionMax) of a chosen exercise orders it:
// numbered exercises first, by position, then the unnumbered ones; ties,
// and the unnumbered ones, keep the order of the exercise= values, which
// the course page sends in catalogue order (so a client that sends no
// positions gets the order it gave). A position given for an exercise not
// chosen is refused rather than dropped: the instructor numbered it, so
// probably meant to run it.
//
// On bad input msg is non-empty: the text of a 400 naming the field and
// its bound, title its heading.
func liveExerciseOrder(form url.Values) (ids []string, title, msg string) {
	for _, id := range form["exercise"] {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, "No exercises chosen", "exercise: choose at least one exercise for the live session."
	case len(ids) > store.MaxItems:
		return nil, "Too many exercises", fmt.Sprintf("exercise: %d exercises chosen; a live session holds at most %d.", len(ids), store.MaxItems)
	}
	// Fields in name order, so that the same bad form always names the
	// same field.
	var fields []string
	for name := range form {
		if strings.HasPrefix(name, livePositionPrefix) {
			fields = append(fields, name)
		}
	}
	slices.Sort(fields)
	pos := make(map[string]int, len(ids))
	for _, name := range fields {
		text := strings.TrimSpace(form.Get(name))
		if text == "" {
			continue // unnumbered: runs after the numbered ones
		}
		id := strings.TrimPrefix(name, livePositionPrefix)
		if !slices.Contains(ids, id) {
			return nil, "Position without its exercise", fmt.Sprintf(
				"%.100s: a position is given but the exercise %.80q is not chosen; tick it to run it, or clear its position.", name, id)
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > livePositionMax {
			return nil, "Bad position", fmt.Sprintf("%.100s: %.20q is not a whole number from 1 to %d.", name, text, livePositionMax)
		}
		pos[id] = n
	}
	key := func(id string) int {
		if n, ok := pos[id]; ok {
			return n
		}
		return livePositionMax + 1
	}
	slices.SortStableFunc(ids, func(a, b string) int { return key(a) - key(b) })
	return ids, "", ""
}

// livePositionPrefix starts the name of a position field: position-ID.
const livePositionPrefix = "position-"

// livePositionField is the name of exercise id's position field on the
// course page's form (courseProps).
func livePositionField(id string) string { return livePositionPrefix + id }

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// TestLiveStartFromExercises: an instructor starts a live session from
// a list of exercises on the course page, with no assignment built first;
// the session runs the exercises in the order chosen, students answer it,
// and its answers land in the attempt record of the assignment it made.
func TestLiveStartFromExercises(t *testing.T) {
	e, staff, coursePath := newCourseStaff(t)
	ctx := context.Background()

	// The course page offers the form, one checkbox per exercise.
	page := staff.get(coursePath)
	if page.code != http.StatusOK || !strings.Contains(page.body, `action="`+coursePath+`/live"`) ||
		!strings.Contains(page.body, `name="exercise" value="conv-output-size"`) {
		t.Fatalf("course page: %d, no live-from-exercises form\n%s", page.code, clip(page.body, 400))
	}

	// Bad lists are refused, naming the field, and make nothing.
	before, err := e.st.ListAssignments(ctx, e.course.ID)
	if err != nil {
		t.Fatal(err)
	}
	tooMany := tooManyExercises()
	for name, form := range map[string]url.Values{
		"none":     {},
		"unknown":  {"exercise": {"conv-output-size", "no-such-exercise"}},
		"too many": tooMany,
	} {
		r := staff.post(coursePath+"/live", form)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, "exercise:") {
			t.Errorf("%s: %d, want 400 naming the field\n%s", name, r.code, clip(r.body, 300))
		}
	}
	if after, _ := e.st.ListAssignments(ctx, e.course.ID); len(after) != len(before) {
		t.Fatalf("a refused list made an assignment: %d → %d", len(before), len(after))
	}

	// A good list starts the session, in the order given, duplicates once.
	ls, a := startLiveFromCourse(t, e, staff, coursePath, url.Values{"exercise": {"cnn-parameters", "conv-output-size", "cnn-parameters"}})
	if a.CourseID != e.course.ID || len(a.Items) != 2 || a.Items[0].ExerciseID != "cnn-parameters" || a.Items[1].ExerciseID != "conv-output-size" ||
		!strings.HasPrefix(a.Title, "Live session, ") {
		t.Fatalf("the session's assignment: %+v", a)
	}
	for _, it := range a.Items {
		if it.SeedPolicy != store.SeedRecitation {
			t.Errorf("item %s: seed policy %q, want the recitation's numbers", it.ExerciseID, it.SeedPolicy)
		}
	}

	// It runs like any live session: a student joins and answers the
	// first exercise, and the answer is stored with the session's id.
	le := &liveEnv{learnEnv: e, a: a, staff: staff, ls: ls}
	le.control("unlock")
	d := e.device()
	le.join(d, "Ann")
	v, err := e.app.server.itemVariant(ctx, a.Items[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	part := v.Parts[0]
	le.answer(d, 0, map[string]string{part.ID: "1"})
	atts, err := e.st.ListAttempts(ctx, store.AttemptFilter{AssignmentID: a.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) == 0 || atts[0].LiveSessionID != ls.ID {
		t.Fatalf("attempts of the session's assignment: %+v", atts)
	}
}

// newCourseStaff is a learn environment with its instructor signed in on a
// device of their own, and the path of the environment's course page,
// where the "Run exercises live" form is.
func newCourseStaff(t *testing.T) (*learnEnv, *device, string) {
	t.Helper()
	e := newLearnEnv(t)
	tok, _, err := e.st.CreateSession(context.Background(), e.user.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	staff := e.device()
	u, _ := url.Parse(e.srv.URL)
	staff.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: tok}})
	return e, staff, fmt.Sprintf("/courses/%d", e.course.ID)
}

// tooManyExercises is a "Run exercises live" form choosing one exercise
// more than a session may hold.
func tooManyExercises() url.Values {
	form := url.Values{}
	for i := 0; i <= store.MaxItems; i++ {
		form.Add("exercise", "x"+strconv.Itoa(i))
	}
	return form
}

// startLiveFromCourse sends the course page's "Run exercises live" form,
// which must start a session (a redirect to its page), and returns the
// session and the assignment it made.
func startLiveFromCourse(t *testing.T, e *learnEnv, staff *device, coursePath string, form url.Values) (store.LiveSession, store.Assignment) {
	t.Helper()
	ctx := context.Background()
	r := staff.post(coursePath+"/live", form)
	prefix := coursePath + "/live/"
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.loc, prefix) {
		t.Fatalf("start: %d to %q\n%s", r.code, r.loc, clip(r.body, 300))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.loc, prefix), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := e.st.GetLiveSession(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.st.GetAssignment(ctx, ls.AssignmentID)
	if err != nil {
		t.Fatal(err)
	}
	return ls, a
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/stride-tutor/stride/internal/store"
)

// TestLiveExerciseOrder: the "Run exercises live" form's positions order
// the chosen exercises (numbered first, by position; ties and unnumbered
// ones in the order sent, which the form sends in catalogue order), and a
// bad position is refused naming its field and the bound.
func TestLiveExerciseOrder(t *testing.T) {
	tooMany := tooManyExercises()
	tooMany.Set("position-x0", "1")
	for _, tc := range []struct {
		name string
		form url.Values
		want []string // nil: refused
		msg  string   // what the refusal says
	}{
		{name: "no positions: the order sent",
			form: url.Values{"exercise": {"c", "a", "b"}},
			want: []string{"c", "a", "b"}},
		{name: "blank positions are no positions",
			form: url.Values{"exercise": {"a", "b"}, "position-a": {""}, "position-b": {"  "}, "position-c": {""}},
			want: []string{"a", "b"}},
		{name: "positions order",
			form: url.Values{"exercise": {"a", "b", "c"}, "position-a": {"3"}, "position-b": {"1"}, "position-c": {" 2 "}},
			want: []string{"b", "c", "a"}},
		{name: "gaps are fine",
			form: url.Values{"exercise": {"a", "b", "c"}, "position-a": {"100"}, "position-b": {"7"}, "position-c": {"50"}},
			want: []string{"b", "c", "a"}},
		{name: "ties in the order sent",
			form: url.Values{"exercise": {"a", "b", "c"}, "position-a": {"2"}, "position-b": {"1"}, "position-c": {"1"}},
			want: []string{"b", "c", "a"}},
		{name: "unnumbered after the numbered, in the order sent",
			form: url.Values{"exercise": {"a", "b", "c", "d"}, "position-d": {"1"}, "position-b": {"2"}},
			want: []string{"d", "b", "a", "c"}},
		{name: "a repeat counts once",
			form: url.Values{"exercise": {"a", "b", "a"}, "position-a": {"2"}, "position-b": {"1"}},
			want: []string{"b", "a"}},
		{name: "none chosen",
			form: url.Values{"position-a": {"1"}},
			msg:  "exercise: choose at least one"},
		{name: "too many",
			form: tooMany,
			msg:  fmt.Sprintf("exercise: %d exercises chosen; a live session holds at most %d.", store.MaxItems+1, store.MaxItems)},
		{name: "zero",
			form: url.Values{"exercise": {"a", "b"}, "position-a": {"0"}},
			msg:  `position-a: "0" is not a whole number from 1 to 100.`},
		{name: "past the bound",
			form: url.Values{"exercise": {"a"}, "position-a": {"101"}},
			msg:  `position-a: "101" is not a whole number from 1 to 100.`},
		{name: "negative",
			form: url.Values{"exercise": {"a"}, "position-a": {"-1"}},
			msg:  `position-a: "-1" is not a whole number from 1 to 100.`},
		{name: "not a number",
			form: url.Values{"exercise": {"a"}, "position-a": {"first"}},
			msg:  `position-a: "first" is not a whole number from 1 to 100.`},
		{name: "a fraction",
			form: url.Values{"exercise": {"a"}, "position-a": {"1.5"}},
			msg:  `position-a: "1.5" is not a whole number from 1 to 100.`},
		{name: "past int64",
			form: url.Values{"exercise": {"a"}, "position-a": {"99999999999999999999999"}},
			msg:  `position-a: "99999999999999999999" is not a whole number from 1 to 100.`},
		{name: "a position for an exercise not chosen",
			form: url.Values{"exercise": {"a"}, "position-a": {"1"}, "position-b": {"2"}},
			msg:  `position-b: a position is given but the exercise "b" is not chosen`},
		{name: "the first bad field by name",
			form: url.Values{"exercise": {"a", "b"}, "position-a": {"x"}, "position-b": {"0"}},
			msg:  `position-a: "x" is not`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, title, msg := liveExerciseOrder(tc.form)
			if tc.want != nil {
				if msg != "" || !slices.Equal(got, tc.want) {
					t.Fatalf("got %q (%q %q), want %q", got, title, msg, tc.want)
				}
				return
			}
			if msg == "" || title == "" || !strings.Contains(msg, tc.msg) {
				t.Fatalf("got %q, refusal %q %q; want a refusal saying %q", got, title, msg, tc.msg)
			}
		})
	}
}

// TestLiveStartInPositionOrder: through the handler, the course page's
// form (checkboxes in catalogue order, a position beside each) starts a
// session whose questions follow the positions; bad positions are a 400
// naming the field and the bound, and make no assignment.
func TestLiveStartInPositionOrder(t *testing.T) {
	e, staff, coursePath := newCourseStaff(t)
	ctx := context.Background()

	// The form offers a labelled position field beside each checkbox.
	page := staff.get(coursePath)
	for _, want := range []string{
		`name="exercise" value="conv-output-size"`,
		`<label for="live-pos-conv-output-size">Position<span class="visually-hidden"> of Output size of a convolution</span></label>`,
		`id="live-pos-conv-output-size" name="position-conv-output-size" min="1" max="100"`,
	} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("course page lacks %s\n%s", want, clip(page.body, 400))
		}
	}

	before, err := e.st.ListAssignments(ctx, e.course.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"zero", url.Values{"exercise": {"conv-by-hand"}, "position-conv-by-hand": {"0"}}, `position-conv-by-hand: &#34;0&#34; is not a whole number from 1 to 100.`},
		{"past the bound", url.Values{"exercise": {"conv-by-hand"}, "position-conv-by-hand": {"101"}}, `position-conv-by-hand: &#34;101&#34; is not a whole number from 1 to 100.`},
		{"not a number", url.Values{"exercise": {"conv-by-hand"}, "position-conv-by-hand": {"two"}}, `position-conv-by-hand: &#34;two&#34; is not a whole number from 1 to 100.`},
		{"not chosen", url.Values{"exercise": {"conv-by-hand"}, "position-cnn-parameters": {"1"}}, `position-cnn-parameters: a position is given but the exercise &#34;cnn-parameters&#34; is not chosen`},
	} {
		r := staff.post(coursePath+"/live", tc.form)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d, want 400 saying %s\n%s", tc.name, r.code, tc.want, clip(r.body, 600))
		}
	}
	if after, _ := e.st.ListAssignments(ctx, e.course.ID); len(after) != len(before) {
		t.Fatalf("a refused form made an assignment: %d → %d", len(before), len(after))
	}

	// What the form sends: the ticked exercises in catalogue order, every
	// row's position (blank where none was typed).
	form := url.Values{"exercise": {"conv-output-size", "conv-by-hand", "cnn-parameters", "rnn-shapes"}}
	for _, id := range []string{"attention-parameters", "cnn-concepts", "cnn-shape-table"} {
		form.Set("position-"+id, "")
	}
	form.Set("position-conv-output-size", "3")
	form.Set("position-conv-by-hand", "")
	form.Set("position-cnn-parameters", "1")
	form.Set("position-rnn-shapes", "2")
	_, a := startLiveFromCourse(t, e, staff, coursePath, form)
	var got []string
	for _, it := range a.Items {
		got = append(got, it.ExerciseID)
	}
	if want := []string{"cnn-parameters", "rnn-shapes", "conv-output-size", "conv-by-hand"}; !slices.Equal(got, want) {
		t.Fatalf("the session's questions: %q, want %q", got, want)
	}
}

// TestBrowserLiveOrder: on the course page an instructor chooses three
// exercises with the keyboard alone (a checkbox, then Tab to its position)
// and numbers them against the catalogue's order; the session's questions
// follow the numbers. The form passes axe, light and dark, and fits 360 px.
func TestBrowserLiveOrder(t *testing.T) {
	browser := newBrowser(t)
	e := &liveEnv{learnEnv: newLearnEnv(t)}
	teacher := newLiveTab(t, browser, "instructor")
	signInTab(t, e, teacher)
	// Every page load of the tab counts itself: a control loads the
	// instructor's page once (its redirect), not again for the state
	// message the same action fans out (static/live.js, leaving).
	if _, err := chromedp.Call(teacher.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `sessionStorage.setItem("stride-test-loads", String(Number(sessionStorage.getItem("stride-test-loads") || 0) + 1))`,
	}); err != nil {
		t.Fatal(err)
	}
	coursePath := fmt.Sprintf("/courses/%d", e.course.ID)
	liveStep(t, teacher, "open the course page", chromedp.Navigate(e.srv.URL+coursePath))
	waitPage(t, teacher, "the live form", `document.getElementById("live-pos-cnn-parameters") !== null`)

	// Catalogue order: conv-output-size, conv-by-hand, ..., cnn-parameters.
	// The session runs them the other way round.
	order := []struct{ id, pos string }{{"conv-output-size", "3"}, {"conv-by-hand", "2"}, {"cnn-parameters", "1"}}
	for _, o := range order {
		liveStep(t, teacher, "tick "+o.id+" and number it",
			chromedp.Focus(chromedp.CSS("#live-ex-"+o.id)),
			chromedp.KeyEvent(" "),
			chromedp.KeyEvent(kb.Tab),
		)
		if got := evalPage[string](t, teacher, `document.activeElement.id + " " + document.getElementById("live-ex-`+o.id+`").checked`); got != "live-pos-"+o.id+" true" {
			t.Fatalf("after Space and Tab on %s: focus and checked are %q, want its position field focused, the box ticked", o.id, got)
		}
		liveStep(t, teacher, "type the position", chromedp.KeyEvent(o.pos))
	}

	// The filled form passes axe in every mode, and fits a 360 px screen.
	modes := append(append([]viewMode(nil), axeModes...), viewMode{"360px light", 360, 740, false}, viewMode{"360px dark", 360, 740, true})
	for _, m := range modes {
		setMode(t, teacher.ctx, m)
		reportAxe(t, m.name+" "+coursePath, runAxe(t, teacher.ctx, m))
		if w := evalPage[int](t, teacher, `document.documentElement.scrollWidth`); w > int(m.width) {
			t.Errorf("%s: the course page is %d px wide", m.name, w)
		}
		if m.width == 360 {
			if r := evalPage[int](t, teacher, `Math.ceil(document.getElementById("live-pos-cnn-parameters").getBoundingClientRect().right)`); r > 360 {
				t.Errorf("%s: the position field ends at %d px", m.name, r)
			}
		}
	}
	setMode(t, teacher.ctx, axeModes[0])

	// Enter in the last position field sends the form.
	liveStep(t, teacher, "start the session", chromedp.KeyEvent(kb.Enter))
	question := `document.getElementById("live-question").textContent + ": " + document.querySelector(".live-question").textContent.split(": ").slice(1).join(": ")`
	// A page is clicked once its socket said it shows the room's state
	// (data-live-synced): before, the page could still reload itself.
	synced := ` && document.getElementById("live").hasAttribute("data-live-synced")`
	waitPage(t, teacher, "the session's first question", `document.getElementById("live-question") !== null && document.getElementById("live-question").textContent === "Question 1 of 3"`+synced)
	for i, want := range []string{"CNN parameter count", "Convolution by hand", "Output size of a convolution"} {
		if i > 0 {
			liveStep(t, teacher, "next question", chromedp.Click(chromedp.CSS(`button[value="next"]`)))
			waitPage(t, teacher, "the next question", `document.getElementById("live-question") !== null && document.getElementById("live-question").textContent === "Question `+strconv.Itoa(i+1)+` of 3"`+synced)
		}
		if got := evalPage[string](t, teacher, question); !strings.Contains(got, want) {
			t.Errorf("question %d is %q, want %s", i+1, got, want)
		}
	}
	// The course page, the session's page after the start, and one load
	// per next question.
	if loads := evalPage[string](t, teacher, `sessionStorage.getItem("stride-test-loads")`); loads != "4" {
		t.Errorf("the tab loaded %s pages, want 4 (the course page, then one per control)", loads)
	}
}

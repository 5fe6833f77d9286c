package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/live"
)

// readRaw returns the next message's bytes (the deadline only stops a
// broken test from hanging).
func readRaw(t *testing.T, ws *websocket.Conn) []byte {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return b
}

// projector returns the projector page, as the instructor opens it.
func (e *liveEnv) projector() string {
	e.t.Helper()
	r := e.staff.get(e.teachURL() + "/projector")
	if r.code != http.StatusOK {
		e.t.Fatalf("projector: %d", r.code)
	}
	return r.body
}

// liveRootRE is the live page's root element; liveHideRE, in it, what it
// tells live.js the projector hides.
var (
	liveRootRE = regexp.MustCompile(`<section class="live live-teach[^>]*>`)
	liveHideRE = regexp.MustCompile(` data-live-hide="([^"]*)"`)
)

// TestLiveProjectorHistogramAndWrong: by default the projector shows the
// histogram and the most common wrong answers; the instructor's hide
// action for each takes it off the projector (and tells live.js, which
// redraws the counts in place, not to draw it), leaving the other; the
// matching show action brings it back.
func TestLiveProjectorHistogramAndWrong(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.device()
	e.join(ann, "Ann")
	e.control("unlock")
	// bottom-right 22 is the flipped kernel's answer: a histogram bar and
	// a wrong answer to list.
	if r := e.answer(ann, 0, map[string]string{"dims": "3x3", "bottom-right": "22"}); r.code != http.StatusOK {
		t.Fatalf("answer: %d", r.code)
	}
	const (
		histogram = `<ul class="live-histogram"><li class=""><span class="live-bar-what"><span class="live-bar-name">Flipped kernel</span>`
		wrong     = `<h3>Most common wrong answers</h3><ol class="live-wrong"><li><code>22</code> × 1</li></ol>`
	)
	check := func(when string, showHistogram, showWrong bool, hide string) {
		t.Helper()
		p := e.projector()
		if got := strings.Contains(p, histogram); got != showHistogram {
			t.Errorf("%s: the projector shows the histogram %v, want %v", when, got, showHistogram)
		}
		if !showHistogram && (strings.Contains(p, "live-histogram") || strings.Contains(p, "live-bar")) {
			t.Errorf("%s: the projector has a part of the hidden histogram", when)
		}
		if got := strings.Contains(p, wrong); got != showWrong {
			t.Errorf("%s: the projector shows the most common wrong answers %v, want %v", when, got, showWrong)
		}
		if !showWrong && (strings.Contains(p, "Most common wrong answers") || strings.Contains(p, "live-wrong")) {
			t.Errorf("%s: the projector has a part of the hidden wrong answers", when)
		}
		root := liveRootRE.FindString(p)
		if root == "" {
			t.Fatalf("%s: no live section on the projector\n%s", when, clip(p, 1500))
		}
		got := ""
		if m := liveHideRE.FindStringSubmatch(root); m != nil {
			got = m[1]
		}
		if got != hide {
			t.Errorf("%s: the projector tells live.js to hide %q, want %q", when, got, hide)
		}
		if !strings.Contains(p, `<span id="live-answered">1</span>`) {
			t.Errorf("%s: the projector lost the counts", when)
		}
	}
	buttons := func(when string, want ...string) {
		t.Helper()
		teach := e.staff.get(e.teachURL()).body
		for _, b := range want {
			if !strings.Contains(teach, `value="`+b+`"`) {
				t.Errorf("%s: the instructor's screen has no %s button", when, b)
			}
		}
	}

	check("by default", true, true, "")
	buttons("by default", "hide_histogram", "hide_wrong")
	e.control("hide_histogram")
	check("after hide_histogram", false, true, "histogram")
	buttons("after hide_histogram", "show_histogram", "hide_wrong")
	e.control("show_histogram")
	check("after show_histogram", true, true, "")
	e.control("hide_wrong")
	check("after hide_wrong", true, false, "wrong")
	buttons("after hide_wrong", "hide_histogram", "show_wrong")
	e.control("show_wrong")
	check("after show_wrong", true, true, "")
	buttons("after show_wrong", "hide_histogram", "hide_wrong")
}

// TestLiveProjectorNames: the projector never shows a student's name
// until the instructor shows names; the choice is kept with the room's
// state (a reload of either screen keeps it), reaches every page over
// the socket as state, and never puts a name in any socket message; the
// instructor's screen and the names route list who has answered.
func TestLiveProjectorNames(t *testing.T) {
	e := newLiveEnv(t)
	ann, ben := e.device(), e.device()
	e.join(ann, "Zelda Quux")
	e.join(ben, "Yorick Vane")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	read(t, staff)
	stu := e.dial(ben, "/live/"+e.ls.Code+"/ws")
	first := read(t, stu)
	e.control("unlock")
	readUntil(t, stu, "the unlock", func(m live.Message) bool { return m.State != nil && m.State.IsUnlocked(0) })
	if r := e.answer(ann, 0, map[string]string{"dims": "3x3", "bottom-right": "22"}); r.code != http.StatusOK {
		t.Fatalf("answer: %d", r.code)
	}

	projector := e.projector
	if p := projector(); strings.Contains(p, "Zelda") || strings.Contains(p, "Yorick") || strings.Contains(p, "live-roster") || strings.Contains(p, "data-live-names") {
		t.Fatal("the projector shows names (or reads them) before the instructor chose to")
	}
	// The instructor's screen lists who answered and who has not yet.
	teach := e.staff.get(e.teachURL()).body
	for _, want := range []string{`id="live-roster"`, "Zelda Quux", "Yorick Vane", `value="show_names"`, "no names.", `data-live-names="` + e.teachURL() + `/names"`} {
		if !strings.Contains(teach, want) {
			t.Errorf("the instructor's screen lacks %q", want)
		}
	}
	var ros liveRosterJSON
	r := e.staff.get(e.teachURL() + "/names")
	if err := json.Unmarshal([]byte(r.body), &ros); r.code != http.StatusOK || err != nil {
		t.Fatalf("names: %d %v %s", r.code, err, clip(r.body, 200))
	}
	if strings.Join(ros.Answered, ",") != "Zelda Quux" || strings.Join(ros.Waiting, ",") != "Yorick Vane" || ros.Question != 0 {
		t.Errorf("names %+v", ros)
	}
	// Not for a student, nor for anyone without a course.
	if r := ben.get(e.teachURL() + "/names"); r.code == http.StatusOK || strings.Contains(r.body, "Zelda") {
		t.Errorf("a student read the names: %d", r.code)
	}

	// Show names: the projector lists them; the choice is state.
	e.control("show_names")
	readUntil(t, staff, "names shown", func(m live.Message) bool { return m.State != nil && m.State.Projector.Names })
	sm := readUntil(t, stu, "names shown", func(m live.Message) bool { return m.State != nil && m.State.Projector.Names })
	if sm.State.Question != first.State.Question || !sm.State.IsUnlocked(0) || sm.State.Paused || sm.State.Version != 2 {
		t.Errorf("the student's room changed with the projector's view: %+v", sm.State)
	}
	for i := 0; i < 2; i++ { // a reload keeps it
		p := projector()
		for _, want := range []string{`id="live-roster"`, "Zelda Quux", "Yorick Vane", `data-live-names=`} {
			if !strings.Contains(p, want) {
				t.Errorf("reload %d: the projector with names shown lacks %q", i, want)
			}
		}
		if teach := e.staff.get(e.teachURL()).body; !strings.Contains(teach, `value="hide_names"`) || !strings.Contains(teach, "names (who has answered)") {
			t.Errorf("reload %d: the instructor's screen does not say names are shown", i)
		}
	}

	// Hide the histogram and the wrong answers from the projector: the
	// instructor's screen keeps them.
	e.control("hide_histogram")
	e.control("hide_wrong")
	p := projector()
	if strings.Contains(p, "live-histogram") || strings.Contains(p, "Most common wrong answers") || !strings.Contains(p, `data-live-hide="histogram wrong"`) {
		t.Errorf("the projector shows what the instructor hid")
	}
	if !strings.Contains(p, `id="live-answered"`) {
		t.Errorf("the projector lost the counts")
	}
	if teach := e.staff.get(e.teachURL()).body; !strings.Contains(teach, "live-histogram") || !strings.Contains(teach, "Most common wrong answers") {
		t.Errorf("the instructor's screen lost the histogram or the wrong answers")
	}
	e.control("hide_counts")
	if p := projector(); strings.Contains(p, `id="live-answered"`) || strings.Contains(p, `id="live-parts"`) {
		t.Errorf("the projector shows the counts after hide_counts")
	}

	// Hide names again: gone from the projector.
	e.control("hide_names")
	if p := projector(); strings.Contains(p, "Zelda") || strings.Contains(p, "Yorick") {
		t.Error("the projector shows names after hide_names")
	}

	// No socket message carried a name, whatever the view: the counts of
	// a new answer, and the state, are all the staff socket gets.
	if r := e.answer(ben, 0, map[string]string{"dims": "3x3"}); r.code != http.StatusOK {
		t.Fatalf("answer: %d", r.code)
	}
	e.control("show_names")
	hub, _ := e.app.server.live.mgr.Lookup(e.ls.ID)
	final := hub.State().Version
	for {
		b := readRaw(t, staff)
		if strings.Contains(string(b), "Zelda") || strings.Contains(string(b), "Yorick") {
			t.Fatalf("a socket message has a name: %s", b)
		}
		var m live.Message
		_ = json.Unmarshal(b, &m)
		if m.State != nil && m.State.Version == final {
			break
		}
	}
}

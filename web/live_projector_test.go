package web

import (
	"encoding/json"
	"net/http"
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

	projector := func() string {
		t.Helper()
		r := e.staff.get(e.teachURL() + "/projector")
		if r.code != http.StatusOK {
			t.Fatalf("projector: %d", r.code)
		}
		return r.body
	}
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

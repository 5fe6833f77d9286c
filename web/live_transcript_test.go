package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestLiveTranscriptCurrent keeps docs/LIVE.md's transcripts true: it
// runs their flows with real websocket clients and every message a page
// received must be in the document, word for word (issue 14 §2: "messages
// documented in docs/LIVE.md with a transcript").
func TestLiveTranscriptCurrent(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "LIVE.md"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	note := func(who string, ws *websocket.Conn) {
		t.Helper()
		got = append(got, who+" <- "+string(readRaw(t, ws)))
	}

	// The first transcript: one student, the instructor's socket.
	e := newLiveEnv(t)
	ann := e.device()
	e.join(ann, "Ann")
	staff := e.dial(e.staff, e.teachURL()+"/ws")
	note("staff  ", staff)
	stu := e.dial(ann, "/live/"+e.ls.Code+"/ws")
	note("student", stu)
	e.control("unlock")
	note("student", stu)
	note("staff  ", staff)
	e.answer(ann, 0, map[string]string{"dims": "3x3", "bottom-right": "22"})
	note("staff  ", staff)
	e.control("show_names")
	note("student", stu)
	note("staff  ", staff)
	e.control("pause")
	e.control("end")
	note("student", stu)
	note("student", stu)

	// The driven player's: Ann joined first, Ben late.
	e = newLiveEnv(t)
	ann, ben := e.device(), e.device()
	e.join(ann, "Ann")
	staff = e.dial(e.staff, e.teachURL()+"/ws")
	note("staff  ", staff)
	stu = e.dial(ann, "/live/"+e.ls.Code+"/ws")
	note("student", stu)
	e.control("unlock")
	note("student", stu)
	note("staff  ", staff)
	sendJSON(t, staff, drive(3, false))
	note("staff  ", staff)
	e.control("reveal")
	note("student", stu)
	note("staff  ", staff)
	sendJSON(t, staff, drive(3, false))
	note("student", stu)
	note("staff  ", staff)
	sendJSON(t, staff, drive(3, true))
	note("student", stu)
	note("staff  ", staff)
	e.join(ben, "Ben")
	late := e.dial(ben, "/live/"+e.ls.Code+"/ws")
	note("late   ", late)
	note("late   ", late)

	for _, line := range got {
		if !strings.Contains(string(doc), line) {
			t.Errorf("docs/LIVE.md's transcript lacks\n%s", line)
		}
	}
}

package web

import (
	"reflect"
	"testing"
)

// TestHandleRunKeepsOrder: the messages a writer finds queued are handled
// in order, each run of seeks as its last seek. A follower's player sends a
// seek then a play back to back (static/live.js following the instructor):
// before the fix the play was dropped and the seek handled twice, so the
// player stayed paused.
func TestHandleRunKeepsOrder(t *testing.T) {
	seek := func(i int) animControl { return animControl{kind: ctlSeek, index: i} }
	play, pause := animControl{kind: ctlPlay}, animControl{kind: ctlPause}
	cases := []struct {
		name   string
		first  animControl
		queued []animControl
		want   []animControl
	}{
		{"seek then play", seek(3), []animControl{play}, []animControl{seek(3), play}},
		{"seeks coalesced, then play", seek(1), []animControl{seek(2), seek(7), play}, []animControl{seek(7), play}},
		{"play alone", play, nil, []animControl{play}},
		{"seek, pause, seek, seek", seek(1), []animControl{pause, seek(4), seek(5)}, []animControl{seek(1), pause}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &animConn{ctrl: make(chan animControl, len(tc.queued)+1)}
			for _, m := range tc.queued {
				c.ctrl <- m
			}
			var got []animControl
			if err := c.handleRun(tc.first, func(m animControl) error { got = append(got, m); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("handled %+v, want %+v", got, tc.want)
			}
		})
	}
}

package liveload

import (
	"encoding/json"
	"testing"

	"github.com/stride-tutor/stride/internal/live"
)

// TestStateVersion: the readers' shortcut finds the same version as a
// full decode of every message a student page gets, and none in others.
func TestStateVersion(t *testing.T) {
	enc := func(m live.Message) []byte {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, v := range []int64{0, 7, 1234567890123} {
		st := live.State{Question: 1, Items: 2, Unlocked: []int{0, 1}, Paused: true, Version: v}
		for _, b := range [][]byte{
			enc(live.Message{Type: "state", State: &st}),
			enc(live.Message{Type: "state", State: &st, Counts: &live.Counts{Parts: []live.PartCounts{{Part: "version"}}}}),
		} {
			var m live.Message
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if got, ok := stateVersion(b); !ok || got != m.State.Version {
				t.Errorf("stateVersion(%s) = %d, %v; want %d", b, got, ok, m.State.Version)
			}
		}
	}
	for _, b := range []string{
		`{"type":"player","player":{"question":0,"part":"x","index":3,"playing":false,"fps":2,"seq":4}}`,
		`{"type":"counts","counts":{"joined":1}}`,
		`{"type":"state","state":{"question":0}}`,
		`{"type":"state","state":{"version":}}`,
		``,
	} {
		if v, ok := stateVersion([]byte(b)); ok {
			t.Errorf("stateVersion(%s) = %d, want none", b, v)
		}
	}
}

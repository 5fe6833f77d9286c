package main

import "testing"

func TestPeekMessage(t *testing.T) {
	for _, c := range []struct {
		in    string
		kind  msgKind
		index int
	}{
		{`{"type":"meta","steps":4}`, msgMeta, 0},
		{`{"type":"step","index":1234,"out":[0,1,2]}`, msgStep, 1234},
		{`{"type":"step","index":`, msgStep, 0},
		{`{"type":"done"}`, msgDone, 0},
		{`{"type":"error","message":"x"}`, msgError, 0},
		{`{"type":"state","index":3}`, msgOther, 0},
		{`{"type":"st`, msgOther, 0},
		{`[]`, msgOther, 0},
	} {
		if kind, index := peekMessage([]byte(c.in)); kind != c.kind || index != c.index {
			t.Errorf("peekMessage(%s) = %d, %d; want %d, %d", c.in, kind, index, c.kind, c.index)
		}
	}
	if n := testing.AllocsPerRun(100, func() { peekMessage([]byte(`{"type":"step","index":12}`)) }); n != 0 {
		t.Errorf("peekMessage allocates %v times", n)
	}
}

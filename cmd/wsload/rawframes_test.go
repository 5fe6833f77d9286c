package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
)

// serverFrame encodes an unmasked frame as a server sends it.
func serverFrame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	b := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// eventString makes events comparable and readable in failures.
func eventString(ev frameEvent) string {
	switch {
	case ev.ping != nil:
		return fmt.Sprintf("ping %q", ev.ping)
	case ev.closed:
		return fmt.Sprintf("close %d %q", ev.code, ev.reason)
	}
	return fmt.Sprintf("msg %d %d", ev.kind, ev.index)
}

// TestFrameReader feeds a stream of frames split at every possible point
// (and at two points at once) and expects the same events each time: the
// events do not depend on how the bytes arrive.
func TestFrameReader(t *testing.T) {
	long := append([]byte(`{"type":"step","index":7,"terms":[`), bytes.Repeat([]byte("1,"), 40000)...)
	long = append(long, "1]}"...)
	var stream []byte
	stream = append(stream, serverFrame(true, opText, []byte(`{"type":"meta","steps":3}`))...)
	stream = append(stream, serverFrame(true, opText, []byte(`{"type":"step","index":0,"value":1}`))...)
	stream = append(stream, serverFrame(true, opPing, []byte("hi"))...)
	stream = append(stream, serverFrame(true, opText, long)...) // 64-bit length
	// A fragmented message with a ping between its fragments.
	stream = append(stream, serverFrame(false, opText, []byte(`{"type":"step","index":12`))...)
	stream = append(stream, serverFrame(true, opPing, nil)...)
	stream = append(stream, serverFrame(true, opContinuation, []byte(`345,"value":2}`))...)
	stream = append(stream, serverFrame(true, opText, bytes.Repeat([]byte("x"), 300))...) // 16-bit length, not JSON
	stream = append(stream, serverFrame(true, opText, []byte(`{"type":"done"}`))...)
	stream = append(stream, serverFrame(true, opText, []byte(`{"type":"error","message":"no"}`))...)
	stream = append(stream, serverFrame(true, opClose, append([]byte{0x03, 0xf5}, "try again later"...))...)
	want := []string{
		fmt.Sprintf("msg %d 0", msgMeta),
		fmt.Sprintf("msg %d 0", msgStep),
		`ping "hi"`,
		fmt.Sprintf("msg %d 7", msgStep),
		`ping ""`,
		fmt.Sprintf("msg %d 12", msgStep), // the index as its first fragment has it
		fmt.Sprintf("msg %d 0", msgOther),
		fmt.Sprintf("msg %d 0", msgDone),
		fmt.Sprintf("msg %d 0", msgError),
		`close 1013 "try again later"`,
	}
	run := func(parts ...[]byte) []string {
		var r frameReader
		var got []string
		for _, p := range parts {
			if err := r.feed(p, func(ev frameEvent) error {
				got = append(got, eventString(ev))
				return nil
			}); err != nil {
				t.Fatalf("feed: %v", err)
			}
		}
		return got
	}
	if got := run(stream); !reflect.DeepEqual(got, want) {
		t.Fatalf("whole stream: got\n%q\nwant\n%q", got, want)
	}
	for i := range len(stream) + 1 {
		if got := run(stream[:i], stream[i:]); !reflect.DeepEqual(got, want) {
			t.Fatalf("split at %d: got\n%q\nwant\n%q", i, got, want)
		}
	}
	// Every byte on its own, the hardest case for pending and skip.
	parts := make([][]byte, len(stream))
	for i := range stream {
		parts[i] = stream[i : i+1]
	}
	if got := run(parts...); !reflect.DeepEqual(got, want) {
		t.Fatalf("byte by byte: got\n%q\nwant\n%q", got, want)
	}
}

func TestFrameReaderRefusesBadFrames(t *testing.T) {
	for name, b := range map[string][]byte{
		"masked":                 {0x81, 0x81, 1, 2, 3, 4, 'x'},
		"long control":           append([]byte{0x89, 126, 0, 200}, make([]byte, 200)...),
		"fragmented control":     {0x09, 0},
		"continuation first":     {0x80, 1, 'x'},
		"data inside a fragment": append(serverFrame(false, opText, []byte("a")), serverFrame(true, opText, []byte("b"))...),
		"unknown opcode":         {0x83, 0},
		"huge":                   {0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 0},
	} {
		var r frameReader
		if err := r.feed(b, func(frameEvent) error { return nil }); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestClientFrameMasked checks a client frame against RFC 6455's framing:
// masked, and unmasking gives the payload back.
func TestClientFrameMasked(t *testing.T) {
	for _, n := range []int{0, 5, 125, 126, 300} {
		payload := bytes.Repeat([]byte("p"), n)
		b := appendClientFrame(nil, opText, payload)
		if b[0] != 0x81 || b[1]&0x80 == 0 {
			t.Fatalf("%d bytes: header % x", n, b[:2])
		}
		hdr, plen := 2, int(b[1]&0x7f)
		if plen == 126 {
			hdr, plen = 4, int(binary.BigEndian.Uint16(b[2:]))
		}
		if plen != n || len(b) != hdr+4+n {
			t.Fatalf("%d bytes: length %d, frame %d bytes", n, plen, len(b))
		}
		key := b[hdr : hdr+4]
		got := make([]byte, n)
		for i, c := range b[hdr+4:] {
			got[i] = c ^ key[i&3]
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("%d bytes: unmasked %q", n, got)
		}
	}
}

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

// FuzzFrameReader: whatever the server sends, the reader does not panic,
// and how the bytes are split between reads changes neither the events
// nor whether (and after which events) the stream is refused.
func FuzzFrameReader(f *testing.F) {
	f.Add(serverFrame(true, opText, []byte(`{"type":"step","index":3}`)), 5)
	f.Add(append(serverFrame(false, opText, []byte(`{"type":"meta"`)), serverFrame(true, opContinuation, []byte(`}`))...), 9)
	f.Add(serverFrame(true, opText, bytes.Repeat([]byte("y"), 70000)), 3)
	f.Add([]byte{0x89, 0x02, 'h', 'i', 0x88, 0x00}, 1)
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		run := func(parts ...[]byte) ([]string, bool) {
			var r frameReader
			var got []string
			for _, p := range parts {
				if err := r.feed(p, func(ev frameEvent) error {
					got = append(got, eventString(ev))
					return nil
				}); err != nil {
					return got, false
				}
			}
			return got, true
		}
		if split < 0 {
			split = -split
		}
		split %= len(data) + 1
		whole, okWhole := run(data)
		parts, okParts := run(data[:split], data[split:])
		if okWhole != okParts || !reflect.DeepEqual(whole, parts) {
			t.Fatalf("whole: %q (ok %v); split at %d: %q (ok %v)", whole, okWhole, split, parts, okParts)
		}
	})
}

package liveload

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// serverFrame is a frame as a server sends it (unmasked).
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

// TestRawFrames: whatever the reads' boundaries, the raw reader sees the
// same messages, pings and close in order; masked frames, stray
// continuations and unknown opcodes are errors.
func TestRawFrames(t *testing.T) {
	long := strings.Repeat("x", 300)
	huge := strings.Repeat("y", 70000)
	var stream []byte
	stream = append(stream, serverFrame(true, opText, []byte(`{"type":"state","state":{"version":1}}`))...)
	stream = append(stream, serverFrame(true, opPing, []byte("p1"))...)
	stream = append(stream, serverFrame(false, opText, []byte(`{"type":"state",`))...)
	stream = append(stream, serverFrame(true, opPong, nil)...)
	stream = append(stream, serverFrame(true, opContinuation, []byte(`"state":{"version":2}}`))...)
	stream = append(stream, serverFrame(true, opText, []byte(long))...)
	stream = append(stream, serverFrame(true, opText, []byte(huge))...)
	stream = append(stream, serverFrame(true, opClose, []byte{0x03, 0xe8})...)
	want := []string{`text {"type":"state","state":{"version":1}}`, "ping p1", `text {"type":"state","state":{"version":2}}`,
		"text " + long, "text " + huge, "close"}
	for _, chunk := range []int{1, 2, 3, 7, 64, 1000, len(stream)} {
		var r rawFrames
		var got []string
		on := func(ev rawEvent) error {
			switch {
			case ev.closed:
				got = append(got, "close")
			case ev.ping != nil:
				got = append(got, "ping "+string(ev.ping))
			default:
				got = append(got, "text "+string(ev.text))
			}
			return nil
		}
		for b := stream; len(b) > 0; {
			n := min(chunk, len(b))
			if err := r.feed(b[:n], on); err != nil {
				t.Fatalf("chunks of %d: %v", chunk, err)
			}
			b = b[n:]
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("chunks of %d: got %d events %.200q, want %d", chunk, len(got), got, len(want))
		}
		if len(r.buf) != 0 || len(r.msg) != 0 || r.in {
			t.Errorf("chunks of %d: left %d bytes, %d of a message, in %v", chunk, len(r.buf), len(r.msg), r.in)
		}
	}
	for name, bad := range map[string][]byte{
		"masked":       {0x81, 0x81, 1, 2, 3, 4, 'x'},
		"continuation": serverFrame(true, opContinuation, []byte("x")),
		"opcode":       serverFrame(true, 0x3, []byte("x")),
		"text in text": append(serverFrame(false, opText, []byte("a")), serverFrame(true, opText, []byte("b"))...),
		"too long":     {0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0},
	} {
		var r rawFrames
		if err := r.feed(bad, func(rawEvent) error { return nil }); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestClientFrame: a pong the raw client sends is a masked final frame
// whose payload unmasks to the ping's.
func TestClientFrame(t *testing.T) {
	b := appendClientFrame(nil, opPong, []byte("hello"))
	if b[0] != 0x80|opPong || b[1] != 0x80|5 || len(b) != 2+4+5 {
		t.Fatalf("frame % x", b)
	}
	key, p := b[2:6], bytes.Clone(b[6:])
	for i := range p {
		p[i] ^= key[i&3]
	}
	if string(p) != "hello" {
		t.Errorf("payload %q", p)
	}
}

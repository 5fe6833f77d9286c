package wsraw

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
)

// serverFrame encodes a frame as a server sends it: unmasked, with the
// shortest length encoding.
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

// cat joins frames into one stream.
func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// eventString makes an event comparable (its data is copied: it is valid
// only during the callback); long data is shown by its start and a
// checksum, to keep the tests quick under -race.
func eventString(ev Event) string {
	if len(ev.Data) > 64 {
		return fmt.Sprintf("op%d len%d %q… %d bytes, crc %08x", ev.Op, ev.Len, ev.Data[:32], len(ev.Data), crc32.ChecksumIEEE(ev.Data))
	}
	return fmt.Sprintf("op%d len%d %q", ev.Op, ev.Len, ev.Data)
}

// feedParts feeds parts to a fresh Reader with keep and max, and returns
// the events and the error (empty when none).
func feedParts(keep int, max int64, parts ...[]byte) ([]string, string) {
	r := Reader{Keep: keep, MaxMessage: max}
	var got []string
	for _, p := range parts {
		if err := r.Feed(p, func(ev Event) error {
			got = append(got, eventString(ev))
			return nil
		}); err != nil {
			return got, err.Error()
		}
	}
	return got, ""
}

func ev(op byte, data string) string {
	return eventString(Event{Op: op, Data: []byte(data), Len: int64(len(data))})
}

// TestReader: every stream gives the same events (and the same error,
// after the same events) whether it comes whole, split in two at any
// byte, or one byte per read.
func TestReader(t *testing.T) {
	long := strings.Repeat("a", 300)   // a 16-bit length
	huge := strings.Repeat("b", 70000) // a 64-bit length
	state := `{"type":"state","state":{"version":7}}`
	for _, c := range []struct {
		name    string
		keep    int
		max     int64
		stream  []byte
		want    []string
		wantErr string // a part of the error; "" for none
	}{
		{name: "one text frame", stream: serverFrame(true, OpText, []byte(state)), want: []string{ev(OpText, state)}},
		{name: "binary", stream: serverFrame(true, OpBinary, []byte{0, 1, 2}), want: []string{ev(OpBinary, "\x00\x01\x02")}},
		{name: "empty message", stream: serverFrame(true, OpText, nil), want: []string{ev(OpText, "")}},
		{name: "16-bit length", stream: serverFrame(true, OpText, []byte(long)), want: []string{ev(OpText, long)}},
		{name: "64-bit length", stream: serverFrame(true, OpText, []byte(huge)), want: []string{ev(OpText, huge)}},
		{name: "125 bytes, the last 7-bit length", stream: serverFrame(true, OpText, []byte(long[:125])), want: []string{ev(OpText, long[:125])}},
		{name: "126 bytes, the first 16-bit length", stream: serverFrame(true, OpText, []byte(long[:126])), want: []string{ev(OpText, long[:126])}},
		{name: "a 64-bit length for a short message", stream: append([]byte{0x81, 127, 0, 0, 0, 0, 0, 0, 0, 3}, "abc"...), want: []string{ev(OpText, "abc")}},
		{
			name: "fragmented",
			stream: cat(serverFrame(false, OpText, []byte(`{"type":`)), serverFrame(false, OpContinuation, nil),
				serverFrame(false, OpContinuation, []byte(`"state",`)), serverFrame(true, OpContinuation, []byte(`"state":{"version":7}}`))),
			want: []string{ev(OpText, state)},
		},
		{
			name: "control frames between fragments",
			stream: cat(serverFrame(false, OpBinary, []byte("ab")), serverFrame(true, OpPing, []byte("p1")),
				serverFrame(true, OpPong, nil), serverFrame(false, OpContinuation, []byte(long)),
				serverFrame(true, OpPing, nil), serverFrame(true, OpContinuation, []byte("yz"))),
			want: []string{ev(OpPing, "p1"), ev(OpPong, ""), ev(OpPing, ""), ev(OpBinary, "ab"+long+"yz")},
		},
		{
			name:   "messages, pings and a close in order",
			stream: cat(serverFrame(true, OpText, []byte("1")), serverFrame(true, OpPing, []byte("hi")), serverFrame(true, OpText, []byte(huge)), serverFrame(true, OpClose, append([]byte{0x03, 0xf5}, "try again later"...))),
			want:   []string{ev(OpText, "1"), ev(OpPing, "hi"), ev(OpText, huge), ev(OpClose, "\x03\xf5try again later")},
		},
		{name: "a ping of 125 bytes", stream: serverFrame(true, OpPing, []byte(long[:125])), want: []string{ev(OpPing, long[:125])}},
		{
			name: "keep: only a message's start",
			keep: 5,
			stream: cat(serverFrame(true, OpText, []byte(huge)), serverFrame(true, OpText, []byte("abc")),
				serverFrame(false, OpText, []byte("ab")), serverFrame(true, OpPing, []byte("x")), serverFrame(true, OpContinuation, []byte("cdefgh"))),
			want: []string{
				eventString(Event{Op: OpText, Data: []byte("bbbbb"), Len: 70000}), ev(OpText, "abc"),
				ev(OpPing, "x"), eventString(Event{Op: OpText, Data: []byte("abcde"), Len: 8}),
			},
		},
		{name: "keep does not cut control frames", keep: 1, stream: serverFrame(true, OpPing, []byte("ping")), want: []string{ev(OpPing, "ping")}},
		{name: "a message at max", max: 300, stream: serverFrame(true, OpText, []byte(long)), want: []string{ev(OpText, long)}},

		{name: "masked", stream: []byte{0x81, 0x81, 1, 2, 3, 4, 'x'}, wantErr: "masked"},
		{name: "masked after a message", stream: cat(serverFrame(true, OpText, []byte("ok")), []byte{0x82, 0xfe, 0, 200}), want: []string{ev(OpText, "ok")}, wantErr: "masked"},
		{name: "masked ping", stream: []byte{0x89, 0x80, 1, 2, 3, 4}, wantErr: "masked"},
		{name: "reserved bits", stream: []byte{0xc1, 1, 'x'}, wantErr: "reserved"},
		{name: "continuation first", stream: serverFrame(true, OpContinuation, []byte("x")), wantErr: "continuation"},
		{name: "text inside a fragmented text", stream: cat(serverFrame(false, OpText, []byte("a")), serverFrame(true, OpText, []byte("b"))), wantErr: "inside a fragmented"},
		{name: "unknown data opcode", stream: serverFrame(true, 0x3, []byte("x")), wantErr: "unknown opcode 3"},
		{name: "unknown control opcode", stream: serverFrame(true, 0xb, nil), wantErr: "unknown opcode 11"},
		{name: "fragmented ping", stream: serverFrame(false, OpPing, nil), wantErr: "control"},
		{name: "control of 126 bytes", stream: serverFrame(true, OpClose, []byte(long[:126])), wantErr: "control"},
		{name: "over max", max: 299, stream: serverFrame(true, OpText, []byte(long)), wantErr: "over 299"},
		{name: "over max in fragments", max: 299, stream: cat(serverFrame(false, OpText, []byte(long[:200])), serverFrame(true, OpContinuation, []byte(long[:100]))), wantErr: "over 299"},
		{name: "over the default max", stream: []byte{0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, wantErr: "over"},
	} {
		t.Run(c.name, func(t *testing.T) {
			check := func(how string, got []string, err string) {
				t.Helper()
				if !reflect.DeepEqual(got, c.want) {
					t.Fatalf("%s: got %d events %.300q, want %d %.300q", how, len(got), got, len(c.want), c.want)
				}
				if c.wantErr == "" && err != "" || !strings.Contains(err, c.wantErr) {
					t.Fatalf("%s: error %q, want one with %q", how, err, c.wantErr)
				}
			}
			got, err := feedParts(c.keep, c.max, c.stream)
			check("whole", got, err)
			for i := range len(c.stream) + 1 {
				// Long streams: every split near a frame's header (the
				// start and the end of the stream), a sample in between.
				if i > 64 && i < len(c.stream)-64 && i%997 != 0 {
					continue
				}
				got, err := feedParts(c.keep, c.max, c.stream[:i], c.stream[i:])
				check(fmt.Sprintf("split at %d", i), got, err)
			}
			if len(c.stream) < 2000 {
				// Every byte in a read of its own (with empty reads between).
				var parts [][]byte
				for i := range c.stream {
					parts = append(parts, c.stream[i:i+1], nil)
				}
				got, err := feedParts(c.keep, c.max, parts...)
				check("byte by byte", got, err)
			}
		})
	}
}

// TestReaderStopsAtCallbackError: an error of the callback is Feed's, and
// no later frame is passed on.
func TestReaderStopsAtCallbackError(t *testing.T) {
	stream := cat(serverFrame(true, OpText, []byte("1")), serverFrame(true, OpText, []byte("2")))
	var r Reader
	n := 0
	stop := fmt.Errorf("stop")
	if err := r.Feed(stream, func(Event) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("error %v after %d events, want stop after 1", err, n)
	}
}

// TestReaderAllocations: the reader allocates nothing per message once its
// buffers have grown, whether a frame comes whole or in pieces.
func TestReaderAllocations(t *testing.T) {
	msg := serverFrame(true, OpText, []byte(`{"type":"step","index":12,"out":[1,2,3]}`))
	long := serverFrame(true, OpText, bytes.Repeat([]byte("x"), 5000))
	for _, c := range []struct {
		name string
		keep int
		feed [][]byte
	}{
		{"whole frames", 0, [][]byte{cat(msg, msg, msg)}},
		{"split frames", 0, [][]byte{msg[:3], msg[3:20], msg[20:]}},
		{"a long frame kept to its start", 64, [][]byte{long[:1000], long[1000:3000], long[3000:]}},
	} {
		r := Reader{Keep: c.keep}
		on := func(Event) error { return nil }
		feed := func() {
			for _, p := range c.feed {
				if err := r.Feed(p, on); err != nil {
					t.Fatal(err)
				}
			}
		}
		feed() // grows the buffers
		if n := testing.AllocsPerRun(100, feed); n != 0 {
			t.Errorf("%s: %v allocations per run", c.name, n)
		}
	}
}

// TestAppendClientFrame: a client frame is final, masked, has the length
// encoding RFC 6455 asks for, and unmasks to the payload.
func TestAppendClientFrame(t *testing.T) {
	for _, n := range []int{0, 5, 125, 126, 300, 65535, 65536, 70000} {
		payload := bytes.Repeat([]byte("p"), n)
		b := AppendClientFrame([]byte("before"), OpText, payload)
		if string(b[:6]) != "before" {
			t.Fatalf("%d bytes: the buffer's start was overwritten", n)
		}
		b = b[6:]
		if b[0] != 0x81 || b[1]&0x80 == 0 {
			t.Fatalf("%d bytes: header % x", n, b[:2])
		}
		hdr, plen := 2, uint64(b[1]&0x7f)
		switch plen {
		case 126:
			hdr, plen = 4, uint64(binary.BigEndian.Uint16(b[2:]))
		case 127:
			hdr, plen = 10, binary.BigEndian.Uint64(b[2:])
		}
		wantHdr := map[bool]int{true: 2, false: map[bool]int{true: 4, false: 10}[n < 1<<16]}[n < 126]
		if plen != uint64(n) || hdr != wantHdr || len(b) != hdr+4+n {
			t.Fatalf("%d bytes: length %d in a %d-byte header (want %d), frame %d bytes", n, plen, hdr, wantHdr, len(b))
		}
		key := b[hdr : hdr+4]
		got := make([]byte, n)
		for i, c := range b[hdr+4:] {
			got[i] = c ^ key[i&3]
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("%d bytes: unmasked %.40q", n, got)
		}
	}
}

func TestParseClose(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want CloseError
	}{
		{nil, CloseError{Code: 1005}},
		{[]byte{0x03}, CloseError{Code: 1005}},
		{[]byte{0x03, 0xe8}, CloseError{Code: 1000}},
		{append([]byte{0x03, 0xf5}, "busy"...), CloseError{Code: 1013, Reason: "busy"}},
	} {
		if got := ParseClose(c.in); *got != c.want {
			t.Errorf("ParseClose(% x) = %+v, want %+v", c.in, *got, c.want)
		}
	}
}

// FuzzReader: whatever the server sends, the reader does not panic; how
// the bytes are split between reads changes neither the events nor
// whether (and after which events) the stream is refused; and what it
// passes on keeps to its limits.
func FuzzReader(f *testing.F) {
	f.Add(serverFrame(true, OpText, []byte(`{"type":"step","index":3}`)), 5, uint8(0))
	f.Add(cat(serverFrame(false, OpText, []byte(`{"type":"meta"`)), serverFrame(true, OpPing, []byte("p")), serverFrame(true, OpContinuation, []byte(`}`))), 9, uint8(4))
	f.Add(serverFrame(true, OpText, bytes.Repeat([]byte("y"), 300)), 3, uint8(64))
	f.Add([]byte{0x89, 0x02, 'h', 'i', 0x88, 0x00}, 1, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, split int, keep uint8) {
		const maxMsg = 1 << 16 // bounds what a fuzzed length can make the Reader keep
		check := func(ev Event) {
			if int64(len(ev.Data)) > ev.Len {
				t.Fatalf("%d bytes of data in a message of %d", len(ev.Data), ev.Len)
			}
			if ev.Op >= OpClose && (ev.Len > maxControl || int64(len(ev.Data)) != ev.Len) {
				t.Fatalf("a control frame of %d bytes with %d kept", ev.Len, len(ev.Data))
			}
			if ev.Op < OpClose && (ev.Len > maxMsg || keep > 0 && len(ev.Data) > int(keep) || keep == 0 && int64(len(ev.Data)) != ev.Len) {
				t.Fatalf("a message of %d bytes with %d kept (keep %d)", ev.Len, len(ev.Data), keep)
			}
		}
		run := func(parts ...[]byte) ([]string, bool) {
			r := Reader{Keep: int(keep), MaxMessage: maxMsg}
			var got []string
			for _, p := range parts {
				if err := r.Feed(p, func(ev Event) error {
					check(ev)
					got = append(got, eventString(ev))
					return nil
				}); err != nil {
					return got, false
				}
			}
			return got, true
		}
		split = int(uint(split) % uint(len(data)+1))
		whole, okWhole := run(data)
		parts, okParts := run(data[:split], data[split:])
		if okWhole != okParts || !reflect.DeepEqual(whole, parts) {
			t.Fatalf("whole: %.200q (ok %v); split at %d: %.200q (ok %v)", whole, okWhole, split, parts, okParts)
		}
	})
}

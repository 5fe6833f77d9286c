package main

// The websocket framing of the raw client (-client raw): just what a
// client of the animation stream needs. It reads the server's frames
// without copying their payloads, peeking only at the start of each data
// message (its type and a step's index), and writes masked control and
// text frames. RFC 6455 §5.

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Frame opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// peekLen is how much of a data message's start peekMessage and
// peekDueIn need: `{"type":"step","index":`, the index's digits and
// `,"due_in_ms":` with its digits.
const peekLen = 64

// errMaskedServerFrame: a server must not mask its frames (RFC 6455 §5.1).
var errMaskedServerFrame = errors.New("the server sent a masked frame")

// frameEvent is something a stream's reader acts on.
type frameEvent struct {
	// kind is the message kind (msgMeta, …) of a data message that has
	// just been received completely, or 0.
	kind  msgKind
	index int
	// dueIn is the message's due_in_ms; −1 when it has none.
	dueIn time.Duration
	// ping is the payload of a ping to answer; nil when there is none.
	ping []byte
	// closed is set when the server sent a close frame; code and reason
	// are its contents (code 1005 when it carried none).
	closed bool
	code   int
	reason string
}

// frameReader parses one connection's incoming frames across reads. A
// frame whose start is too short to parse is kept in pending; the rest of
// a long payload is counted off in skip and never copied.
type frameReader struct {
	pending []byte
	// skip counts payload bytes of the current frame still to come.
	skip int
	// finAfterSkip says the frame being skipped ends a data message.
	finAfterSkip bool
	// inMessage is set between a data message's first frame and its last;
	// kind and index were peeked from the first.
	inMessage bool
	kind      msgKind
	index     int
	dueIn     time.Duration
}

// feed parses data, calling on for every event, in order; it stops at the
// first error on returns. data is not retained, except for a frame start
// too short to parse (at most a header and peekLen bytes), which is copied.
func (r *frameReader) feed(data []byte, on func(frameEvent) error) error {
	if r.skip > 0 {
		n := min(r.skip, len(data))
		r.skip -= n
		data = data[n:]
		if r.skip > 0 {
			return nil
		}
		if r.finAfterSkip {
			r.finAfterSkip = false
			if err := r.endMessage(on); err != nil {
				return err
			}
		}
	}
	if len(r.pending) > 0 {
		// The frame start left over from the last read: complete it with
		// just enough of data to parse it, then go on with data alone.
		for len(data) > 0 {
			r.pending = append(r.pending, data[0])
			data = data[1:]
			used, err := r.frame(r.pending, on)
			if err != nil {
				return err
			}
			if used > 0 {
				r.pending = r.pending[:0]
				// A frame parsed from pending alone may have begun a skip
				// of its payload's remainder, which data carries next.
				return r.feed(data, on)
			}
		}
		return nil
	}
	for len(data) > 0 {
		used, err := r.frame(data, on)
		if err != nil {
			return err
		}
		if used == 0 {
			r.pending = append(r.pending[:0], data...)
			return nil
		}
		data = data[used:]
		if r.skip > 0 {
			return nil // the frame's payload ran past the end of data
		}
	}
	return nil
}

// frame parses the frame at the start of b. It returns how many bytes of b
// it used, 0 when b is too short to parse the frame's header and the part
// of its payload that matters. When the payload runs past b, the rest is
// left for skip.
func (r *frameReader) frame(b []byte, on func(frameEvent) error) (int, error) {
	if len(b) < 2 {
		return 0, nil
	}
	fin, op := b[0]&0x80 != 0, b[0]&0x0f
	if b[1]&0x80 != 0 {
		return 0, errMaskedServerFrame
	}
	n, hdr := int64(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, nil
		}
		n, hdr = int64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, nil
		}
		u := binary.BigEndian.Uint64(b[2:])
		if u > 1<<40 {
			return 0, fmt.Errorf("a frame of %d bytes", u)
		}
		n, hdr = int64(u), 10
	}
	plen := int(n)
	payload := b[hdr:]
	control := op >= opClose
	if control && (plen > 125 || !fin) {
		return 0, fmt.Errorf("an invalid control frame (opcode %d, %d bytes)", op, plen)
	}
	// Control frames are parsed whole; a data frame needs only its start.
	need := plen
	if !control {
		need = min(plen, peekLen)
	}
	if len(payload) < need {
		return 0, nil
	}
	switch op {
	case opPing:
		if err := on(frameEvent{ping: append([]byte{}, payload[:plen]...)}); err != nil {
			return 0, err
		}
	case opClose:
		ev := frameEvent{closed: true, code: 1005}
		if plen >= 2 {
			ev.code = int(binary.BigEndian.Uint16(payload))
			ev.reason = string(payload[2:plen])
		}
		if err := on(ev); err != nil {
			return 0, err
		}
	case opPong:
	case opText, opBinary:
		if r.inMessage {
			return 0, errors.New("a data frame inside a fragmented message")
		}
		r.inMessage = true
		r.kind, r.index = peekMessage(payload[:min(plen, len(payload))])
		r.dueIn = peekDueIn(payload[:min(plen, len(payload))])
	case opContinuation:
		if !r.inMessage {
			return 0, errors.New("a continuation frame outside a message")
		}
	default:
		return 0, fmt.Errorf("an unknown opcode %d", op)
	}
	if len(payload) < plen {
		// Only data frames get here (control frames were parsed whole).
		r.skip, r.finAfterSkip = plen-len(payload), fin
		return len(b), nil
	}
	if !control && fin {
		if err := r.endMessage(on); err != nil {
			return 0, err
		}
	}
	return hdr + plen, nil
}

func (r *frameReader) endMessage(on func(frameEvent) error) error {
	r.inMessage = false
	return on(frameEvent{kind: r.kind, index: r.index, dueIn: r.dueIn})
}

// appendClientFrame appends a final frame with opcode op and the payload,
// masked with a random key as a client must (RFC 6455 §5.3). payload must
// be shorter than 64 KiB.
func appendClientFrame(b []byte, op byte, payload []byte) []byte {
	b = append(b, 0x80|op)
	if len(payload) < 126 {
		b = append(b, 0x80|byte(len(payload)))
	} else {
		b = append(b, 0x80|126, byte(len(payload)>>8), byte(len(payload)))
	}
	var key [4]byte
	_, _ = rand.Read(key[:])
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i&3])
	}
	return b
}

// Package wsraw is the raw websocket client of Stride's load generators
// (cmd/wsload, internal/liveload): just the client side of RFC 6455 that a
// load client needs, without a goroutine or a gorilla connection per
// socket. A load generator shares the machine's cores with the server it
// measures, so what it spends per message is taken from the server's
// budget: here one goroutine per core waits on one epoll set for many
// sockets (Poller, Linux only), reads each ready socket once per pass and
// parses its frames in place (Reader), allocating nothing per message.
//
// The opening handshake (Handshake) and the frames a client writes
// (AppendClientFrame) are here too. Nothing in it is used by the server.
package wsraw

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// Frame opcodes (RFC 6455 §5.2).
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

// maxControl is the longest payload of a control frame (RFC 6455 §5.5).
const maxControl = 125

// DefaultMaxMessage is Reader.MaxMessage when that is 0: far more than any
// load generator's server sends, and small enough that a corrupt length
// is refused rather than waited for.
const DefaultMaxMessage = 1 << 40

// ErrMaskedServerFrame is returned for a masked frame: a server must not
// mask its frames (RFC 6455 §5.1).
var ErrMaskedServerFrame = errors.New("the server sent a masked frame")

// Event is a complete data message or a control frame, as Reader.Feed
// passes it on.
type Event struct {
	// Op is OpText or OpBinary for a data message (its first frame's
	// opcode), else the control frame's opcode (OpPing, OpPong, OpClose).
	Op byte
	// Data is the message's start (at most Reader.Keep bytes of it) or the
	// control frame's payload. It is valid only during the callback: it
	// points into the bytes fed or into the Reader's buffer.
	Data []byte
	// Len is the whole message's (or control payload's) length.
	Len int64
}

// Reader parses the frames a server sends on one connection, across reads
// split anywhere. Set its fields before the first Feed; the zero Reader
// keeps whole messages up to DefaultMaxMessage bytes.
//
// A data frame that lies whole in the bytes fed is passed on without a
// copy. Otherwise the Reader copies what it must keep (a message's first
// Keep bytes, a control frame's payload, at most 14 bytes of a header)
// and only counts the rest, so its memory is bounded by Keep (or
// MaxMessage) and does not depend on how the bytes arrive.
type Reader struct {
	// Keep is how many bytes of each data message's start Event.Data
	// holds; 0 keeps whole messages (up to MaxMessage). A client that
	// only peeks at a message's start sets it so as not to copy the rest.
	Keep int
	// MaxMessage refuses data messages longer than this (0:
	// DefaultMaxMessage). With Keep 0 it bounds the Reader's buffer.
	MaxMessage int64

	hdr  [14]byte // a header split across reads
	nhdr int      // bytes of it in hdr

	inFrame bool  // a header was parsed and its payload is coming
	op      byte  // the current frame's opcode
	fin     bool  // the current frame ends its message
	left    int64 // payload bytes of the current frame still to come

	ctl []byte // the current control frame's payload so far

	inMsg  bool   // between a data message's first frame and its last
	msgOp  byte   // its first frame's opcode
	msg    []byte // its kept start
	msgLen int64  // its length so far
}

// Feed parses data and calls on for every complete data message and
// control frame in it, in order. It stops at the first error, its own (a
// frame refused: masked, reserved bits, an unknown opcode, a control frame
// fragmented or too long, data frames out of sequence, a message over
// MaxMessage) or on's; the Reader must not be fed after an error. data is
// not retained.
func (r *Reader) Feed(data []byte, on func(Event) error) error {
	for len(data) > 0 {
		if !r.inFrame {
			used, whole, err := r.header(data)
			if err != nil {
				return err
			}
			data = data[used:]
			if !r.inFrame {
				continue // the header is still incomplete; data is used up
			}
			if whole && int64(len(data)) >= r.left {
				// Fast path: the frame's payload lies whole in data.
				n := int(r.left)
				if err := r.payload(data[:n], on); err != nil {
					return err
				}
				data = data[n:]
				continue
			}
			if r.left == 0 {
				if err := r.payload(nil, on); err != nil {
					return err
				}
				continue
			}
		}
		n := int(min(r.left, int64(len(data))))
		if err := r.payload(data[:n], on); err != nil {
			return err
		}
		data = data[n:]
	}
	// A frame with an empty payload whose header ended data exactly was
	// completed above; nothing is pending here but what the fields hold.
	return nil
}

// header parses the frame header at the start of data, completing one
// begun in an earlier read. It returns how much of data it used and
// whether the header was parsed from data alone (no bytes kept from an
// earlier read); r.inFrame is set once the header is complete.
func (r *Reader) header(data []byte) (used int, whole bool, err error) {
	b := data
	if r.nhdr > 0 {
		// Complete the kept start with just enough of data.
		need := headerLen(r.hdr[:r.nhdr])
		for r.nhdr < need && used < len(data) {
			r.hdr[r.nhdr] = data[used]
			r.nhdr++
			used++
			need = headerLen(r.hdr[:r.nhdr])
		}
		if r.nhdr < need {
			return used, false, nil
		}
		b = r.hdr[:r.nhdr]
	} else {
		need := headerLen(b)
		if len(b) < need {
			r.nhdr = copy(r.hdr[:], b)
			return len(b), false, nil
		}
		used, whole = need, true
	}
	r.nhdr = 0
	return used, whole, r.begin(b)
}

// headerLen is the length of the header that starts with b: 2 until the
// second byte is known, then 2, 4 or 10 (masked frames are refused before
// their key is read).
func headerLen(b []byte) int {
	if len(b) < 2 {
		return 2
	}
	switch b[1] & 0x7f {
	case 126:
		return 4
	case 127:
		return 10
	}
	return 2
}

// begin checks the complete header b and starts its frame.
func (r *Reader) begin(b []byte) error {
	fin, rsv, op := b[0]&0x80 != 0, b[0]&0x70, b[0]&0x0f
	if b[1]&0x80 != 0 {
		return ErrMaskedServerFrame
	}
	if rsv != 0 {
		return fmt.Errorf("a frame with reserved bits %#x set (no extension was negotiated)", rsv)
	}
	n := uint64(b[1] & 0x7f)
	switch n {
	case 126:
		n = uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		n = binary.BigEndian.Uint64(b[2:])
	}
	max := uint64(r.MaxMessage)
	if max == 0 {
		max = DefaultMaxMessage
	}
	switch op {
	case OpClose, OpPing, OpPong:
		if !fin || n > maxControl {
			return fmt.Errorf("an invalid control frame (opcode %d, %d bytes, final %v)", op, n, fin)
		}
		r.ctl = r.ctl[:0]
	case OpText, OpBinary:
		if r.inMsg {
			return fmt.Errorf("a data frame (opcode %d) inside a fragmented message", op)
		}
		if n > max {
			return fmt.Errorf("a message over %d bytes", max)
		}
		r.inMsg, r.msgOp, r.msg, r.msgLen = true, op, r.msg[:0], 0
	case OpContinuation:
		if !r.inMsg {
			return errors.New("a continuation frame outside a message")
		}
		if n > max-uint64(r.msgLen) {
			return fmt.Errorf("a message over %d bytes", max)
		}
	default:
		return fmt.Errorf("an unknown opcode %d", op)
	}
	r.inFrame, r.op, r.fin, r.left = true, op, fin, int64(n)
	return nil
}

// payload takes p, the next bytes of the current frame's payload, and
// passes the frame or message on once it is complete. A frame whose
// payload comes whole in one p, unfragmented, is passed on from p itself.
func (r *Reader) payload(p []byte, on func(Event) error) error {
	r.left -= int64(len(p))
	done := r.left == 0
	if r.op >= OpClose {
		if done && len(r.ctl) == 0 {
			r.inFrame = false
			return on(Event{Op: r.op, Data: p, Len: int64(len(p))})
		}
		r.ctl = append(r.ctl, p...)
		if !done {
			return nil
		}
		r.inFrame = false
		return on(Event{Op: r.op, Data: r.ctl, Len: int64(len(r.ctl))})
	}
	keep := r.keep()
	if done && r.fin && r.msgLen == 0 {
		// The usual case: the message is this one frame, seen whole.
		r.inFrame, r.inMsg = false, false
		return on(Event{Op: r.msgOp, Data: p[:min(len(p), keep)], Len: int64(len(p))})
	}
	if room := keep - len(r.msg); room > 0 {
		r.msg = append(r.msg, p[:min(len(p), room)]...)
	}
	r.msgLen += int64(len(p))
	if !done {
		return nil
	}
	r.inFrame = false
	if !r.fin {
		return nil
	}
	r.inMsg = false
	return on(Event{Op: r.msgOp, Data: r.msg, Len: r.msgLen})
}

// keep is how many bytes of a message's start to keep.
func (r *Reader) keep() int {
	if r.Keep > 0 {
		return r.Keep
	}
	if r.MaxMessage > 0 {
		return int(min(r.MaxMessage, int64(^uint(0)>>1)))
	}
	return int(min(DefaultMaxMessage, int64(^uint(0)>>1)))
}

// AppendClientFrame appends a final frame with opcode op and the payload,
// masked with a random key as a client must (RFC 6455 §5.3).
func AppendClientFrame(b []byte, op byte, payload []byte) []byte {
	b = append(b, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	var key [4]byte
	_, _ = rand.Read(key[:])
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i&3])
	}
	return b
}

// CloseError is a close frame the server sent (RFC 6455 §5.5.1).
type CloseError struct {
	// Code is the status code, 1005 when the frame carried none.
	Code int
	// Reason is the text after the code.
	Reason string
}

func (e *CloseError) Error() string { return fmt.Sprintf("close %d %s", e.Code, e.Reason) }

// ParseClose reads a close frame's payload.
func ParseClose(p []byte) *CloseError {
	if len(p) < 2 {
		return &CloseError{Code: 1005}
	}
	return &CloseError{Code: int(binary.BigEndian.Uint16(p)), Reason: string(p[2:])}
}

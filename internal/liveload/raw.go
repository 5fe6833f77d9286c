package liveload

// Students' sockets read without gorilla (Config.RawClient, the default of
// cmd/liveload on Linux). The load generator shares the machine's cores
// with the servers it measures, and when every instructor acts at once
// ten thousand students receive a message in the same instant: with a
// goroutine and a gorilla connection per student, each message cost a
// netpoller wake-up, a goroutine switch, two read calls (the data, then
// EAGAIN before parking) and gorilla's framing. Here one goroutine waits
// on one epoll set for every student's socket and reads each ready socket
// once (rawpoll_linux.go); the frames are parsed by rawFrames.
//
// What is measured is unchanged: a message's arrival is the time of the
// read that returned its last byte, taken right after that read, so the
// latency still includes the network and this client's own delay, and
// stays an upper bound on the server's.

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// RawAvailable reports whether Config.RawClient works here (Linux).
func RawAvailable() bool { return rawAvailable }

// Websocket opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// maxRawMessage bounds a message the raw reader keeps whole (students get
// states and player positions, a few hundred bytes).
const maxRawMessage = 1 << 20

// rawFrames parses one connection's frames from the server across reads.
type rawFrames struct {
	buf []byte // bytes read and not parsed yet
	msg []byte // the data message being assembled (fragments)
	in  bool   // inside a fragmented data message
}

// rawEvent is what a complete frame asks of the reader.
type rawEvent struct {
	text   []byte // a complete data message (valid until the next feed)
	ping   []byte // a ping's payload, to answer with a pong
	closed bool   // the server sent a close frame
}

var errMaskedServerFrame = errors.New("the server sent a masked frame")

// feed appends data and calls on for every complete message and control
// frame, in order.
func (r *rawFrames) feed(data []byte, on func(rawEvent) error) error {
	r.buf = append(r.buf, data...)
	b := r.buf
	for {
		used, err := r.frame(b, on)
		if err != nil {
			return err
		}
		if used == 0 {
			break
		}
		b = b[used:]
	}
	if len(b) != len(r.buf) { // keep the unparsed rest (copied only when some was parsed)
		r.buf = append(r.buf[:0], b...)
	}
	return nil
}

// frame parses the frame at the start of b; 0 means b holds less than a
// whole frame.
func (r *rawFrames) frame(b []byte, on func(rawEvent) error) (int, error) {
	if len(b) < 2 {
		return 0, nil
	}
	fin, op := b[0]&0x80 != 0, b[0]&0x0f
	if b[1]&0x80 != 0 {
		return 0, errMaskedServerFrame
	}
	n, hdr := uint64(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, nil
		}
		n, hdr = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, nil
		}
		n, hdr = binary.BigEndian.Uint64(b[2:]), 10
	}
	if n > maxRawMessage || len(r.msg)+int(n) > maxRawMessage {
		return 0, fmt.Errorf("a message over %d bytes", maxRawMessage)
	}
	if len(b) < hdr+int(n) {
		return 0, nil
	}
	payload := b[hdr : hdr+int(n)]
	switch op {
	case opPing:
		if err := on(rawEvent{ping: payload}); err != nil {
			return 0, err
		}
	case opClose:
		if err := on(rawEvent{closed: true}); err != nil {
			return 0, err
		}
	case opPong:
	case opText, opBinary, opContinuation:
		if (op == opContinuation) != r.in {
			return 0, fmt.Errorf("a data frame (opcode %d) out of sequence", op)
		}
		if fin && !r.in {
			if err := on(rawEvent{text: payload}); err != nil { // the usual case: no copy
				return 0, err
			}
			break
		}
		r.msg = append(r.msg, payload...)
		r.in = !fin
		if fin {
			err := on(rawEvent{text: r.msg})
			r.msg = r.msg[:0]
			if err != nil {
				return 0, err
			}
		}
	default:
		return 0, fmt.Errorf("an unknown opcode %d", op)
	}
	return hdr + int(n), nil
}

// appendClientFrame appends a final frame with opcode op and payload,
// masked as a client must (RFC 6455 §5.3); payload is under 126 bytes.
func appendClientFrame(b []byte, op byte, payload []byte) []byte {
	b = append(b, 0x80|op, 0x80|byte(len(payload)))
	var key [4]byte
	_, _ = rand.Read(key[:])
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i&3])
	}
	return b
}

// rawHandshake opens the websocket on conn (RFC 6455 §4.1) with the given
// extra headers. It returns the bytes the server sent after its response
// (the snapshot may come with it).
func rawHandshake(conn net.Conn, u *url.URL, h http.Header) ([]byte, error) {
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	defer conn.SetDeadline(time.Time{})
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: h.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	if err := req.Write(conn); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("websocket handshake: %s", resp.Status)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, errors.New("websocket handshake: wrong Sec-WebSocket-Accept")
	}
	var left []byte
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		left = append(left, b...)
	}
	return left, nil
}

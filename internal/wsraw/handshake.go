package wsraw

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// StatusError is a handshake the server answered with another status than
// 101 Switching Protocols (a refusal: 403 for a foreign origin, 503 when
// busy, …).
type StatusError struct {
	// Code is the response's status code.
	Code int
}

func (e *StatusError) Error() string { return fmt.Sprintf("websocket handshake: HTTP %d", e.Code) }

// Handshake opens the websocket at u on conn (RFC 6455 §4.1), sending the
// extra headers h (cookies, Origin, a client address header), within
// timeout. It returns the bytes the server sent after its response (the
// first messages may come with it), which belong to the Reader that reads
// conn next.
func Handshake(conn net.Conn, u *url.URL, h http.Header, timeout time.Duration) ([]byte, error) {
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	defer conn.SetDeadline(time.Time{})
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: h.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	if err := req.Write(conn); err != nil {
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, &StatusError{Code: resp.StatusCode}
	}
	if resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		return nil, errors.New("websocket handshake: wrong Sec-WebSocket-Accept")
	}
	var left []byte
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		left = append(left, b...)
	}
	return left, nil
}

// acceptKey is the Sec-WebSocket-Accept a server must answer key with.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

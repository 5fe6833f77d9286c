package liveload

// Students' sockets read without gorilla (Config.RawClient, the default of
// cmd/liveload on Linux). The load generator shares the machine's cores
// with the servers it measures, and when every instructor acts at once
// ten thousand students receive a message in the same instant: with a
// goroutine and a gorilla connection per student, each message cost a
// netpoller wake-up, a goroutine switch, two read calls (the data, then
// EAGAIN before parking) and gorilla's framing. Here one epoll loop per
// core reads every student's socket (internal/wsraw, shared with
// cmd/wsload); this file only ties its events to the students.
//
// What is measured is unchanged: a message's arrival is the time of the
// read that returned its last byte, taken right after that read, so the
// latency still includes the network and this client's own delay, and
// stays an upper bound on the server's.

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"time"

	"github.com/stride-tutor/stride/internal/wsraw"
)

// RawAvailable reports whether Config.RawClient works here (Linux).
func RawAvailable() bool { return wsraw.Available }

// maxRawMessage bounds a message the raw reader keeps whole (students get
// states and player positions, a few hundred bytes); a longer one ends the
// student's socket.
const maxRawMessage = 1 << 20

// rawPollers reads the students' sockets; nil when Config.RawClient is
// off.
type rawPollers = *rawPool

type rawPool struct{ p *wsraw.Poller }

// newRawPollers starts one epoll loop per core this process may use.
func newRawPollers() (rawPollers, error) {
	p, err := wsraw.NewPoller(wsraw.Options{Loops: runtime.GOMAXPROCS(0), MaxMessage: maxRawMessage})
	if err != nil {
		return nil, err
	}
	return &rawPool{p: p}, nil
}

// add hands conn (its handshake done, left the bytes read after it) to a
// loop, which from then on reads it for st.
func (rp *rawPool) add(conn net.Conn, left []byte, st *student) error {
	if _, err := rp.p.Add(conn, left, rawStudent{st}, time.Time{}); err != nil {
		return fmt.Errorf("raw client: %w", err)
	}
	return nil
}

// stop closes every socket still open, saying goodbye, and the loops.
func (rp *rawPool) stop() { rp.p.Stop(1000, "load test over") }

// rawHandshake opens the websocket on conn with the given extra headers,
// within the 30 s the gorilla dialer allows.
func rawHandshake(conn net.Conn, u *url.URL, h http.Header) ([]byte, error) {
	return wsraw.Handshake(conn, u, h, 30*time.Second)
}

// rawStudent passes a student's socket's events to the student.
type rawStudent struct{ st *student }

func (r rawStudent) Message(_ *wsraw.Conn, data []byte, _ int64, at time.Time) error {
	r.st.received(data, at)
	return nil
}

func (rawStudent) Timer(*wsraw.Conn, time.Time) {}

// Ended: the server closed (or broke) the socket; its student is closed,
// as the gorilla reader marks it.
func (r rawStudent) Ended(*wsraw.Conn, error, time.Time) { r.st.markClosed() }

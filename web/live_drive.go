package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/live"
)

// The driven player (issue 14 §1, docs/LIVE.md "Driving the players"):
// the instructor's page sends its player's position over the staff
// socket as {"type":"drive", …}; the hub fans it out to every page of
// the session. An instructor scrubbing sends many positions a second and
// only the latest matters, so each staff connection passes its drives
// through a driveGate: at most liveDriveBurst at once and
// liveDrivePerSecond after that reach the hub, and a drive arriving
// sooner waits in the gate's one slot, replaced by any later drive, until
// the rate allows it. Nothing is ever queued beyond that slot. A page
// that sends more than liveDriveFloodPerSecond drives (sustained) is
// closed with 1008: the script coalesces its seeks to one a frame, so
// only a broken or hostile client comes near it.

const (
	// liveDriveBurst and liveDrivePerSecond bound the drives that reach
	// the hub from one staff connection.
	liveDriveBurst     = 5
	liveDrivePerSecond = 10
	// liveDriveFloodBurst and liveDriveFloodPerSecond bound the drive
	// messages a staff page may send at all (else 1008).
	liveDriveFloodBurst     = 120
	liveDriveFloodPerSecond = 60
)

// take spends a token if there is one (the animation socket's bucket,
// animate_budget.go, spends by hand).
func (b *tokenBucket) take(now time.Time) bool {
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// wait is how long until a token is there.
func (b *tokenBucket) wait(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// driveGate rate-limits one connection's drives, keeping only the latest
// one that has to wait.
type driveGate struct {
	apply func(live.Player)

	mu      sync.Mutex
	bucket  tokenBucket
	pending *live.Player
	timer   *time.Timer
	stopped bool
}

func newDriveGate(apply func(live.Player)) *driveGate {
	return &driveGate{apply: apply, bucket: newTokenBucket(liveDrivePerSecond, liveDriveBurst, time.Now())}
}

// offer applies p now if the rate allows and nothing waits; otherwise p
// replaces whatever waits, and a timer applies it when a token is due.
func (g *driveGate) offer(p live.Player, now time.Time) {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return
	}
	if g.pending == nil && g.bucket.take(now) {
		g.mu.Unlock()
		g.apply(p)
		return
	}
	g.pending = &p
	if g.timer == nil {
		g.timer = time.AfterFunc(g.bucket.wait(now), g.flush)
	}
	g.mu.Unlock()
}

// flush applies the waiting drive, or waits again if the token is not
// there yet (the clock is coarse).
func (g *driveGate) flush() {
	g.mu.Lock()
	g.timer = nil
	if g.stopped || g.pending == nil {
		g.mu.Unlock()
		return
	}
	now := time.Now()
	if !g.bucket.take(now) {
		g.timer = time.AfterFunc(max(g.bucket.wait(now), time.Millisecond), g.flush)
		g.mu.Unlock()
		return
	}
	p := *g.pending
	g.pending = nil
	g.mu.Unlock()
	g.apply(p)
}

// stop drops a waiting drive; later offers do nothing.
func (g *driveGate) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	g.pending = nil
	if g.timer != nil {
		g.timer.Stop()
		g.timer = nil
	}
}

// applyDrive hands a drive to the hub; a refusal is told to the page.
func (c *liveConn) applyDrive(p live.Player) {
	_, err := c.hub.Drive(p)
	switch {
	case err == nil:
	case errors.Is(err, live.ErrNotRevealed):
		c.replyError("drive", "reveal the answer to everyone first: the replay shows the answers, so students' players follow only a revealed question")
	case errors.Is(err, live.ErrEnded):
		c.replyError("drive", "the session has ended")
	default:
		c.replyError("drive", err.Error())
	}
}

// liveErrorMessage is what a page is told about a message it sent.
type liveErrorMessage struct {
	Type  string `json:"type"`
	Field string `json:"field"`
	Error string `json:"error"`
}

// replyError queues an error for the page without blocking: with one
// already waiting, this one is dropped (errors are advisory).
func (c *liveConn) replyError(field, msg string) {
	b, err := json.Marshal(liveErrorMessage{Type: "error", Field: field, Error: msg})
	if err != nil {
		return
	}
	select {
	case c.reply <- b:
	default:
	}
}

// driveMessage is a staff page's drive.
type driveMessage struct {
	Type    string   `json:"type"`
	Part    string   `json:"part"`
	Index   *int     `json:"index"`
	Playing bool     `json:"playing"`
	FPS     *float64 `json:"fps"`
}

// driveError names the field of a drive that is wrong.
type driveError struct{ field, msg string }

// parseDrive reads a page's message. isDrive is false for anything whose
// type is not "drive" (which pages ignore); a drive with bad fields
// returns isDrive and an error naming the field.
func parseDrive(data []byte) (p live.Player, isDrive bool, _ *driveError) {
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(data, &head) != nil || head.Type != "drive" {
		return p, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m driveMessage
	if err := dec.Decode(&m); err != nil {
		return p, true, &driveError{"drive", "could not be read: " + clip(err.Error(), 120)}
	}
	if m.Index == nil {
		return p, true, &driveError{"index", "is missing: the step shown, -1 before the first"}
	}
	fps := 2.0
	if m.FPS != nil {
		fps = *m.FPS
	}
	p = live.Player{Part: m.Part, Index: *m.Index, Playing: m.Playing, FPS: fps}
	if err := live.CheckDrive(p); err != nil {
		field := "drive"
		switch {
		case p.Part == "" || len(p.Part) > live.MaxPlayerPart:
			field = "part"
		case p.Index < -1 || p.Index > live.MaxPlayerIndex:
			field = "index"
		case !(fps >= live.MinPlayerFPS && fps <= live.MaxPlayerFPS):
			field = "fps"
		default:
			field = "part"
		}
		return p, true, &driveError{field, fmt.Sprintf("%v", err)}
	}
	return p, true, nil
}

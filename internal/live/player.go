package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// The driven player (issue 14 §1): the instructor's animation player
// drives every student's player on the same convolution. The hub keeps
// only the instructor player's latest position, never a queue of moves:
// a page that connects (a late joiner, a reconnect) gets the position as
// its second message, and every drive replaces the position before it is
// fanned out through the subscribers' bounded queues like any message.
// The position is stored with the session's state (player, player_seq),
// so students on another replica follow it (a "player" notice) and it
// survives a restart.
//
// A replay shows the answers of the question's parts, so the hub accepts
// drives only while the current question's answer is revealed to
// everyone; students' players then hold every part's unlock token (the
// page of a revealed question opens them all), and their own animation
// sockets still enforce the replay gate (web/replaygate.go) in any case.

// Bounds of a drive.
const (
	// MaxPlayerPart bounds the part ID a drive names.
	MaxPlayerPart = 64
	// MaxPlayerIndex bounds the step index of a drive; animations are
	// far shorter (web/animate.go bounds their cells).
	MaxPlayerIndex = 1 << 20
	// MinPlayerFPS and MaxPlayerFPS are the animation socket's pace
	// bounds (docs/PROTOCOL.md).
	MinPlayerFPS = 0.5
	MaxPlayerFPS = 60.0
	// driveTimeout bounds a drive's database transaction (drives come
	// from a websocket, not a request with its own context).
	driveTimeout = 5 * time.Second
)

// Errors of Drive.
var (
	ErrNotRevealed = errors.New("live: the current question's answer is not revealed, so its replay cannot be driven")
	ErrBadDrive    = errors.New("live: invalid drive")
)

// Player is the position of the instructor's animation player. Index is
// the step shown (-1: none yet); Playing players go on at FPS steps a
// second from there on their own. Question is the item it belongs to;
// Seq grows with every drive that changed something.
type Player struct {
	Question int     `json:"question"`
	Part     string  `json:"part"`
	Index    int     `json:"index"`
	Playing  bool    `json:"playing"`
	FPS      float64 `json:"fps"`
	Seq      int64   `json:"seq"`
}

// MsgPlayer is the type of the message that carries a Player.
const MsgPlayer = "player"

// CheckDrive validates a drive's fields (not the session's state).
func CheckDrive(p Player) error {
	switch {
	case p.Part == "" || len(p.Part) > MaxPlayerPart:
		return fmt.Errorf("%w: part must have 1 to %d bytes", ErrBadDrive, MaxPlayerPart)
	case p.Index < -1 || p.Index > MaxPlayerIndex:
		return fmt.Errorf("%w: index must be from -1 to %d", ErrBadDrive, MaxPlayerIndex)
	case !(p.FPS >= MinPlayerFPS && p.FPS <= MaxPlayerFPS):
		return fmt.Errorf("%w: fps must be from %g to %g", ErrBadDrive, MinPlayerFPS, MaxPlayerFPS)
	}
	for _, c := range p.Part {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%w: part has %q; part IDs use letters, digits, '-', '_' and '.'", ErrBadDrive, c)
		}
	}
	return nil
}

// Drive sets the instructor player's position for the current question:
// in the database (the session's row locked, so the revealed check and
// the sequence hold across replicas), then to this process's pages, then
// a notice to the other replicas. It reports whether the position changed
// (a repeat of the last position sends nothing). It fails with ErrEnded
// after the end, ErrNotRevealed while the current question's answer is
// hidden, and ErrBadDrive for invalid fields.
func (h *Hub) Drive(p Player) (bool, error) {
	if err := CheckDrive(p); err != nil {
		return false, err
	}
	st := h.State()
	switch {
	case st.Ended:
		return false, ErrEnded
	case !st.Revealed:
		return false, ErrNotRevealed
	}
	ctx, cancel := context.WithTimeout(h.m.ctx, driveTimeout)
	defer cancel()
	var refused error
	ls, changed, err := h.m.db.UpdateLiveState(ctx, h.ID, func(ls *store.LiveState) bool {
		if !ls.Revealed {
			refused = ErrNotRevealed
			return false
		}
		p.Question, p.Seq = ls.Question, ls.PlayerSeq
		if old := playerOf(*ls); old != nil && ls.PlayerSeq > 0 {
			if old.Seq = p.Seq; *old == p {
				return false
			}
		}
		p.Seq = ls.PlayerSeq + 1
		b, _ := json.Marshal(p)
		ls.Player, ls.PlayerSeq = string(b), p.Seq
		return true
	})
	switch {
	case errors.Is(err, store.ErrLiveEnded):
		_ = h.m.ended(ctx, h.ID)
		return false, ErrEnded
	case err != nil:
		return false, err
	case refused != nil:
		return false, refused
	case !changed:
		return false, nil
	}
	h.setState(ls)
	h.m.publish(ctx, KindPlayer, h.ID, ls.PlayerSeq)
	return true, nil
}

// Player returns the position pages follow now: the last drive of the
// current question while its answer is revealed, else false.
func (h *Hub) Player() (Player, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.playerLocked()
	if p == nil {
		return Player{}, false
	}
	return *p, true
}

// playerLocked is the position to follow, or nil: a drive of an earlier
// question, or of a question whose answer was hidden again, is not.
func (h *Hub) playerLocked() *Player {
	if h.player == nil || h.player.Question != h.state.Question || !h.state.Revealed || h.state.Ended {
		return nil
	}
	p := *h.player
	return &p
}

// queuePlayerLocked queues the position to follow for a new subscriber
// (after its state snapshot), so a late joiner's player starts where the
// instructor's is.
func (h *Hub) queuePlayerLocked(s *Subscriber) {
	if p := h.playerLocked(); p != nil {
		h.sendLocked(s, encode(Message{Type: MsgPlayer, Player: p}))
	}
}

package web

import (
	"context"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
)

// Rooms of the live answer endpoint (issue 14 §3). Every answer needs its
// session (by code), the assignment with its items, and the hub; reading
// the first two was three statements per answer, a sixth of what the
// database did for a room answering at once on PostgreSQL (BENCHMARKS.md,
// "Live sessions on two PostgreSQL replicas").
//
// The assignment comes from the store's check cache (store.CachedAssignment,
// internal/store/checkcache.go: this server's edits at once, another
// replica's within store.AssignmentCacheTTL), the one cache of assignments
// every check path reads. What is remembered here is only which session
// and hub a join code names: a session's code, course and assignment never
// change, and a remembered session is used only while this server's hub of
// it is open and not ended, and for at most liveRoomTTL. The hub's state
// (read from the database whenever a notice says it changed) is what
// decides whether the room takes answers, as it always was; so an ended
// session stops taking answers once this server heard of the end (the same
// moment its pages hear of it).

// liveRoomTTL bounds how long a remembered session is used.
const liveRoomTTL = 2 * time.Second

// liveRooms maps join codes to recently loaded sessions and their hubs.
type liveRooms struct {
	mu sync.Mutex
	m  map[string]cachedRoom
}

type cachedRoom struct {
	ls  store.LiveSession
	hub *live.Hub
	at  time.Time
}

// get returns the session remembered for code, with its hub, if it is
// fresh and the hub is still open on this server.
func (lr *liveRooms) get(s *Server, code string) (store.LiveSession, *live.Hub, bool) {
	now := s.live.now()
	lr.mu.Lock()
	c, ok := lr.m[code]
	lr.mu.Unlock()
	if !ok || now.Sub(c.at) >= liveRoomTTL || now.Before(c.at) {
		return store.LiveSession{}, nil, false
	}
	h, open := s.live.mgr.Lookup(c.ls.ID)
	if !open || h != c.hub || h.State().Ended {
		return store.LiveSession{}, nil, false
	}
	return c.ls, c.hub, true
}

// put remembers the session and hub of room for code. The map holds at
// most twice the sessions a server may hold; beyond that it is emptied
// (the next answers fill it again).
func (lr *liveRooms) put(s *Server, code string, room liveRoom) {
	now := s.live.now()
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.m == nil || len(lr.m) >= 2*s.live.cfg.MaxSessions {
		lr.m = map[string]cachedRoom{}
	}
	lr.m[code] = cachedRoom{ls: room.ls, hub: room.hub, at: now}
}

// answerRoom is the room an answer to ls goes to: its hub on this server
// (opened when it is not, as roomOf does) and its assignment from the
// store's check cache. hub is the remembered hub, or nil.
func (s *Server) answerRoom(ctx context.Context, ls store.LiveSession, hub *live.Hub) (liveRoom, error) {
	a, err := s.store.CachedAssignment(ctx, ls.AssignmentID)
	if err != nil {
		return liveRoom{}, err
	}
	if hub == nil {
		itemIDs := make([]int64, len(a.Items))
		for i, it := range a.Items {
			itemIDs[i] = it.ID
		}
		if hub, err = s.live.mgr.Hub(ctx, ls.ID, itemIDs); err != nil {
			return liveRoom{}, err
		}
	}
	return liveRoom{ls: ls, a: a, hub: hub}, nil
}

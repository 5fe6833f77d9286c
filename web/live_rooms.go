package web

import (
	"sync"
	"time"
)

// Rooms of the live answer endpoint, remembered for a moment (issue 14
// §3). Every answer needs its session (by code), the assignment with its
// items, and the hub; reading the first two was three statements per
// answer, a sixth of what the database did for a room answering at once
// on PostgreSQL (BENCHMARKS.md, "Live sessions on two PostgreSQL
// replicas"). A room found here is used for at most liveRoomTTL, and only
// while this server's hub of the session is open: the hub's state (read
// from the database whenever a notice says it changed) is what decides
// whether the room takes answers, as it always was. So an assignment's
// settings edited during a session reach answers within liveRoomTTL, and
// an ended session stops taking answers once this server heard of the end
// (the same moment its pages hear of it).

// liveRoomTTL bounds how long a remembered room is used.
const liveRoomTTL = 2 * time.Second

// liveRooms maps join codes to recently loaded rooms.
type liveRooms struct {
	mu sync.Mutex
	m  map[string]cachedRoom
}

type cachedRoom struct {
	room liveRoom
	at   time.Time
}

// get returns the room remembered for code if it is fresh and its hub is
// still open on this server.
func (lr *liveRooms) get(s *Server, code string) (liveRoom, bool) {
	now := s.live.now()
	lr.mu.Lock()
	c, ok := lr.m[code]
	lr.mu.Unlock()
	if !ok || now.Sub(c.at) >= liveRoomTTL || now.Before(c.at) {
		return liveRoom{}, false
	}
	h, open := s.live.mgr.Lookup(c.room.ls.ID)
	if !open || h != c.room.hub || h.State().Ended {
		return liveRoom{}, false
	}
	return c.room, true
}

// put remembers room for code. The map holds at most twice the sessions
// a server may hold; beyond that it is emptied (the next answers fill it
// again).
func (lr *liveRooms) put(s *Server, code string, room liveRoom) {
	now := s.live.now()
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.m == nil || len(lr.m) >= 2*s.live.cfg.MaxSessions {
		lr.m = map[string]cachedRoom{}
	}
	lr.m[code] = cachedRoom{room: room, at: now}
}

package web

import (
	"sync"
	"time"
)

// Self-declared learners per client: POST /a/{share} creates a learner row
// for every submission, so one client could fill the database. Each client
// address may create shareLimitMax learners per shareLimitWindow, after
// which the shared link answers 429 with Retry-After. A whole lecture hall
// behind one school NAT joins through the shared link within minutes, so
// the budget fits a large class; it still bounds one client to 43,200 rows
// a day instead of as many as it can post.
const (
	shareLimitMax    = 300
	shareLimitWindow = 10 * time.Minute
	// shareLimitKeys bounds the limiter's memory: beyond it, expired
	// entries are dropped, and if none has expired the oldest window is.
	shareLimitKeys = 10000
)

// shareLimiter counts learners created per client in fixed windows that
// start at the client's first creation.
type shareLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	windows map[string]*shareWindow
}

type shareWindow struct {
	start time.Time
	n     int
}

func newShareLimiter(now func() time.Time) *shareLimiter {
	if now == nil {
		now = time.Now
	}
	return &shareLimiter{now: now, windows: map[string]*shareWindow{}}
}

// take counts one learner created by client, or reports that its budget is
// spent and when it may create again.
func (l *shareLimiter) take(client string) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.windows[client]
	if w != nil && now.Sub(w.start) >= shareLimitWindow {
		w = nil
	}
	if w == nil {
		if len(l.windows) >= shareLimitKeys {
			l.evict(now)
		}
		w = &shareWindow{start: now}
		l.windows[client] = w
	}
	if w.n >= shareLimitMax {
		return false, w.start.Add(shareLimitWindow)
	}
	w.n++
	return true, time.Time{}
}

// evict drops expired windows, or the oldest one when none has expired.
func (l *shareLimiter) evict(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, w := range l.windows {
		if now.Sub(w.start) >= shareLimitWindow {
			delete(l.windows, k)
			continue
		}
		if oldest == "" || w.start.Before(oldestAt) {
			oldest, oldestAt = k, w.start
		}
	}
	if len(l.windows) >= shareLimitKeys {
		delete(l.windows, oldest)
	}
}

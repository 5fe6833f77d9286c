package web

import (
	"sync"
	"time"
)

// Sign-in rate limits: failed sign-ins are counted per account (the
// e-mail typed) and per client address; once either reaches its budget
// within the window, sign-in is refused without checking the password until
// the window ends. Counting failures only means an instructor who types
// their password right is never slowed; a guesser fails and is stopped.
const (
	loginFailuresPerAccount = 10
	loginFailuresPerClient  = 50
	loginWindow             = 15 * time.Minute
	// loginMaxKeys bounds each limiter's memory: beyond it, expired
	// entries are dropped, and if none has expired an arbitrary one is
	// (an attacker who rotates that many keys within one window gains
	// little: each account still has its own budget).
	loginMaxKeys = 100_000
)

// loginLimiter counts failed sign-ins per key in fixed windows that start
// at a key's first failure.
type loginLimiter struct {
	now      func() time.Time
	mu       sync.Mutex
	accounts map[string]*loginWindowCount
	clients  map[string]*loginWindowCount
}

type loginWindowCount struct {
	n     int
	until time.Time
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, accounts: map[string]*loginWindowCount{}, clients: map[string]*loginWindowCount{}}
}

// allowed reports whether a sign-in for account from client may be tried,
// and if not, when it may be tried again.
func (l *loginLimiter) allowed(account, client string) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var until time.Time
	for _, c := range []struct {
		m     map[string]*loginWindowCount
		key   string
		limit int
	}{{l.accounts, account, loginFailuresPerAccount}, {l.clients, client, loginFailuresPerClient}} {
		if w, ok := c.m[c.key]; ok && now.Before(w.until) && w.n >= c.limit && w.until.After(until) {
			until = w.until
		}
	}
	return until.IsZero(), until
}

// failed counts a failed sign-in.
func (l *loginLimiter) failed(account, client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, c := range []struct {
		m   map[string]*loginWindowCount
		key string
	}{{l.accounts, account}, {l.clients, client}} {
		w, ok := c.m[c.key]
		if !ok || !now.Before(w.until) {
			if !ok && len(c.m) >= loginMaxKeys {
				evict(c.m, now)
			}
			w = &loginWindowCount{until: now.Add(loginWindow)}
			c.m[c.key] = w
		}
		w.n++
	}
}

// evict makes room in a full limiter map: every expired entry goes, or one
// arbitrary entry when none has expired.
func evict(m map[string]*loginWindowCount, now time.Time) {
	for k, w := range m {
		if !now.Before(w.until) {
			delete(m, k)
		}
	}
	if len(m) < loginMaxKeys {
		return
	}
	for k := range m {
		delete(m, k)
		return
	}
}

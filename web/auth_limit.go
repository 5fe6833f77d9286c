package web

import (
	"context"
	"time"
)

// One fixed-window rate limit for the class routes, counted in the
// database (store.RateHit, table rate_windows) so that every replica of a
// site spends the same budget: counted in each process, N replicas behind
// a load balancer would give a guesser N times the tries. A window opens
// at a subject's first hit and lasts `window`; the store deletes windows
// that ended, so the table holds only the subjects of one window.

// rateCounter is the store's shared counter (*store.Store).
type rateCounter interface {
	RateHit(ctx context.Context, scope, subject string, window time.Duration) (int64, time.Time, error)
	RateHits(ctx context.Context, scope, subject string, window time.Duration) (int64, time.Time, error)
}

// windowLimit is a budget of max hits per subject per window in scope.
type windowLimit struct {
	scope  string
	max    int64
	window time.Duration
}

// spent reports whether subject has used its budget, and if so when its
// window ends. It counts nothing.
func (l windowLimit) spent(ctx context.Context, c rateCounter, subject string) (bool, time.Time, error) {
	n, ends, err := c.RateHits(ctx, l.scope, subject, l.window)
	if err != nil || n < l.max {
		return false, time.Time{}, err
	}
	return true, ends, nil
}

// hit counts one hit of subject.
func (l windowLimit) hit(ctx context.Context, c rateCounter, subject string) error {
	_, _, err := c.RateHit(ctx, l.scope, subject, l.window)
	return err
}

// take counts one hit of subject and reports whether it was within the
// budget; when not, it also says when the window ends. Counting first
// and comparing after makes concurrent takes on several replicas exact:
// the database hands each a different count.
func (l windowLimit) take(ctx context.Context, c rateCounter, subject string) (bool, time.Time, error) {
	n, ends, err := c.RateHit(ctx, l.scope, subject, l.window)
	if err != nil {
		return false, time.Time{}, err
	}
	if n > l.max {
		return false, ends, nil
	}
	return true, time.Time{}, nil
}

// Sign-in rate limits: failed sign-ins are counted per account (the
// e-mail typed) and per client address; once either reaches its budget
// within the window, sign-in is refused without checking the password until
// the window ends. Counting failures only means an instructor who types
// their password right is never slowed; a guesser fails and is stopped.
const (
	loginFailuresPerAccount = 10
	loginFailuresPerClient  = 50
	loginWindow             = 15 * time.Minute
)

var (
	loginAccountLimit = windowLimit{scope: "signin-account", max: loginFailuresPerAccount, window: loginWindow}
	loginClientLimit  = windowLimit{scope: "signin-client", max: loginFailuresPerClient, window: loginWindow}
)

// loginAllowed reports whether a sign-in for account from client may be
// tried, and if not, when it may be tried again.
func (s *Server) loginAllowed(ctx context.Context, account, client string) (bool, time.Time, error) {
	var until time.Time
	for _, c := range []struct {
		l       windowLimit
		subject string
	}{{loginAccountLimit, account}, {loginClientLimit, client}} {
		spent, ends, err := c.l.spent(ctx, s.store, c.subject)
		if err != nil {
			return false, time.Time{}, err
		}
		if spent && ends.After(until) {
			until = ends
		}
	}
	return until.IsZero(), until, nil
}

// loginFailed counts a failed sign-in against the account and the client.
func (s *Server) loginFailed(ctx context.Context, account, client string) error {
	if err := loginAccountLimit.hit(ctx, s.store, account); err != nil {
		return err
	}
	return loginClientLimit.hit(ctx, s.store, client)
}

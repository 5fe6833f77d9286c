package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestShareLimiter: a client's budget of learners is spent within a window
// and comes back when it ends; clients are counted apart; memory is bounded.
func TestShareLimiter(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	l := newShareLimiter(func() time.Time { return now })
	for i := range shareLimitMax {
		if ok, _ := l.take("10.0.0.1"); !ok {
			t.Fatalf("learner %d refused", i+1)
		}
	}
	ok, retry := l.take("10.0.0.1")
	if ok || !retry.Equal(now.Add(shareLimitWindow)) {
		t.Errorf("over budget: %v, retry at %v; want refused until %v", ok, retry, now.Add(shareLimitWindow))
	}
	if ok, _ := l.take("10.0.0.2"); !ok {
		t.Error("another client refused")
	}
	now = now.Add(shareLimitWindow)
	if ok, _ := l.take("10.0.0.1"); !ok {
		t.Error("refused after the window ended")
	}
	for i := range shareLimitKeys + 10 {
		l.take("c" + strconv.Itoa(i))
	}
	if n := len(l.windows); n > shareLimitKeys {
		t.Errorf("%d windows kept, the bound is %d", n, shareLimitKeys)
	}
}

// TestLearnSharedLinkRateLimited: the shared link creates at most
// shareLimitMax learners per client address per window, then answers 429
// with Retry-After and a page that says why, creating nothing.
func TestLearnSharedLinkRateLimited(t *testing.T) {
	e := newLearnEnv(t)
	e.assignment(defaultSettings(), "share-token-limit")
	post := func(name string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/a/share-token-limit", strings.NewReader(url.Values{"name": {name}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = "192.0.2.7:5555"
		w := httptest.NewRecorder()
		e.app.ServeHTTP(w, r)
		return w
	}
	for i := range shareLimitMax {
		if w := post("Student " + strconv.Itoa(i)); w.Code != http.StatusSeeOther {
			t.Fatalf("learner %d: %d", i+1, w.Code)
		}
	}
	w := post("One too many")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("learner %d: %d, want 429", shareLimitMax+1, w.Code)
	}
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > int(shareLimitWindow/time.Second)+1 {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	if !strings.Contains(w.Body.String(), "Too many names from this device") {
		t.Errorf("429 page does not say why")
	}
	ls, err := e.st.ListLearners(t.Context(), e.course.ID)
	if err != nil || len(ls) != shareLimitMax {
		t.Errorf("%d learners (%v), want %d", len(ls), err, shareLimitMax)
	}
}

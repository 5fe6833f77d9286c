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

// TestWindowLimit: a subject's budget is spent within a window and comes
// back when it ends; subjects are counted apart; take counts and compares,
// spent only looks.
func TestWindowLimit(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	st := openTestStore(t, clk.Now)
	ctx := t.Context()
	l := windowLimit{scope: "test", max: 3, window: 10 * time.Minute}
	start := clk.Now()
	for i := range 3 {
		if spent, _, err := l.spent(ctx, st, "10.0.0.1"); spent || err != nil {
			t.Fatalf("before take %d: spent %v, %v", i+1, spent, err)
		}
		if ok, _, err := l.take(ctx, st, "10.0.0.1"); !ok || err != nil {
			t.Fatalf("take %d refused: %v", i+1, err)
		}
	}
	if spent, until, _ := l.spent(ctx, st, "10.0.0.1"); !spent || !until.Equal(start.Add(l.window)) {
		t.Errorf("spent: %v until %v", spent, until)
	}
	ok, retry, err := l.take(ctx, st, "10.0.0.1")
	if ok || err != nil || !retry.Equal(start.Add(l.window)) {
		t.Errorf("over budget: %v, retry at %v, %v; want refused until %v", ok, retry, err, start.Add(l.window))
	}
	if ok, _, _ := l.take(ctx, st, "10.0.0.2"); !ok {
		t.Error("another subject refused")
	}
	if ok, _, _ := (windowLimit{scope: "other", max: 3, window: l.window}).take(ctx, st, "10.0.0.1"); !ok {
		t.Error("another scope refused")
	}
	clk.Add(l.window)
	if ok, _, _ := l.take(ctx, st, "10.0.0.1"); !ok {
		t.Error("refused after the window ended")
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

package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// heldCommitEnv is a learn server whose store holds every group commit
// until the test opens the gate, with one work slot and no queue (a
// request finding the slot taken is refused 503 at once), and a signal
// each time a request gives its slot back.
type heldCommitEnv struct {
	*learnEnv
	entered  chan struct{}
	gate     chan struct{}
	opened   atomic.Bool
	released chan struct{}
}

func newHeldCommitEnv(t *testing.T) *heldCommitEnv {
	t.Helper()
	ctx := context.Background()
	h := &heldCommitEnv{entered: make(chan struct{}, 64), gate: make(chan struct{}), released: make(chan struct{}, 1024)}
	st, err := store.Open(ctx, store.Config{DataDir: testDataDir(t), BeforeAttemptCommit: func() {
		h.entered <- struct{}{}
		<-h.gate
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "teacher@example.org", Name: "T", Role: store.RoleInstructor})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateCourse(ctx, store.NewCourse{Title: "Deep learning", TimeZone: "Europe/Berlin", CreatedBy: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	app := newTestHandler(t, Config{Store: st, Work: WorkConfig{Limit: 1, Queue: -1}})
	app.server.work.onRelease = func() { h.released <- struct{}{} }
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	// Cleanups run last first: the gate opens before the server and the
	// store close, so no request or writer is left blocked.
	t.Cleanup(h.open)
	h.learnEnv = &learnEnv{t: t, st: st, app: app, srv: srv, course: c, user: u}
	return h
}

func (h *heldCommitEnv) open() {
	if h.opened.CompareAndSwap(false, true) {
		close(h.gate)
	}
}

// drainReleases forgets the slot releases of requests already answered
// (a slot is given back before its response is written).
func (h *heldCommitEnv) drainReleases() {
	for len(h.released) > 0 {
		<-h.released
	}
}

// heldAnswer is a response that arrived, and whether the commit gate was
// still closed when it did.
type heldAnswer struct {
	code      int
	body      string
	whileHeld bool
	err       error
}

// send posts in the background; the answer arrives on the channel.
func (h *heldCommitEnv) send(d *device, path, contentType string, body []byte, header map[string]string) <-chan heldAnswer {
	ch := make(chan heldAnswer, 1)
	go func() {
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
		if err != nil {
			ch <- heldAnswer{err: err}
			return
		}
		req.Header.Set("Content-Type", contentType)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := d.c.Do(req)
		if err != nil {
			ch <- heldAnswer{err: err}
			return
		}
		held := !h.opened.Load()
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		ch <- heldAnswer{code: res.StatusCode, body: string(b), whileHeld: held, err: err}
	}()
	return ch
}

// awaitRelease waits until a request gives back its work slot. A
// response arriving first fails the test: the commit is still held. The
// time limit only turns a hang (a slot held until the commit, as before
// the fix) into a clear failure; it is not a measurement.
func (h *heldCommitEnv) awaitRelease(what string, pending ...<-chan heldAnswer) {
	h.t.Helper()
	guard := time.NewTimer(2 * time.Minute)
	defer guard.Stop()
	for _, ch := range pending {
		select {
		case a := <-ch:
			h.t.Fatalf("%s: answered %d while its commit is held: %v %.300s", what, a.code, a.err, a.body)
		default:
		}
	}
	select {
	case <-h.released:
	case <-guard.C:
		h.t.Fatalf("%s: the work slot is still held while the check waits for its commit", what)
	}
}

// TestLearnCheckSlotFreeWhileCommitWaits: with one work slot, a recorded
// check that waits for its durable commit does not hold the slot, so other
// students' checks (API and form) are admitted, checked and queued
// meanwhile instead of being refused 503, and no check is answered before
// its commit.
func TestLearnCheckSlotFreeWhileCommitWaits(t *testing.T) {
	h := newHeldCommitEnv(t)
	a := h.assignment(defaultSettings(), "")
	var devs []*device
	var learners []store.Learner
	for _, name := range []string{"ada", "bob", "cy"} {
		l, tok := h.learner(name)
		d := h.device()
		d.open(tok)
		devs, learners = append(devs, d), append(learners, l)
	}
	// Cy's form needs an attempt key from the item page.
	itemPath := fmt.Sprintf("/my/%d/%d", a.ID, a.Items[0].ID)
	page := devs[2].get(itemPath)
	m := attemptKeyRE.FindStringSubmatch(page.body)
	if page.code != http.StatusOK || m == nil {
		t.Fatalf("item page: %d", page.code)
	}
	h.drainReleases()

	api := "/api/v1/exercises/conv-by-hand/check"
	check := func(d *device, key, ans string) <-chan heldAnswer {
		b, _ := json.Marshal(map[string]any{"item": a.Items[0].ID, "key": key, "answers": map[string]string{"bottom-right": ans}})
		return h.send(d, api, "application/json", b, map[string]string{"Sec-Fetch-Site": "same-origin"})
	}
	ra := check(devs[0], "held-key-ada", "22")
	<-h.entered // Ada's attempt is in a transaction whose commit is held
	h.awaitRelease("ada", ra)
	rb := check(devs[1], "held-key-bob", "21")
	h.awaitRelease("bob", ra, rb)
	form := url.Values{"attempt_key": {m[1]}, "a.bottom-right": {"23"}}
	rc := h.send(devs[2], itemPath, "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
	h.awaitRelease("cy", ra, rb, rc)
	for _, l := range learners {
		if got := h.attempts(l); len(got) != 0 {
			t.Fatalf("%s: %d attempts visible before the commit", l.Name, len(got))
		}
	}
	h.open()
	for i, ch := range []<-chan heldAnswer{ra, rb, rc} {
		r := <-ch
		if r.err != nil || r.code != http.StatusOK || r.whileHeld {
			t.Fatalf("%s: %d (answered while held: %v) %v %.300s", learners[i].Name, r.code, r.whileHeld, r.err, r.body)
		}
		if i < 2 && !strings.Contains(r.body, `"bottom-right":{"status":`) {
			t.Errorf("%s: no verdict in %.300s", learners[i].Name, r.body)
		}
		if got := h.attempts(learners[i]); len(got) != 1 || got[0].Part != "bottom-right" {
			t.Errorf("%s: stored %+v, want the one attempt", learners[i].Name, got)
		}
	}
	// Ada's check, retried with the same key, is answered from the record.
	h.drainReleases()
	if r := <-check(devs[0], "held-key-ada", "22"); r.code != http.StatusOK {
		t.Fatalf("retry: %d %s", r.code, r.body)
	}
	if got := h.attempts(learners[0]); len(got) != 1 {
		t.Errorf("retry stored %d attempts, want 1", len(got))
	}
}

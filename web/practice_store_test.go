package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/store"
)

// rightCheck is a posted check with every part of an rnn-shapes variant right.
func rightCheck(t *testing.T, e *learnEnv, seed uint64) map[string]any {
	t.Helper()
	v, err := e.app.server.lookupVariant("rnn-shapes", fmt.Sprint(seed))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, p := range v.Parts {
		parts[p.ID] = "correct"
	}
	return map[string]any{"exercise": "rnn-shapes", "seed": seed, "parts": parts}
}

func (d *device) practice(state json.RawMessage, sameOrigin bool, checks ...map[string]any) practiceResponse {
	d.e.t.Helper()
	if checks == nil {
		checks = []map[string]any{}
	}
	r := d.api("/api/v1/practice", map[string]any{"state": state, "checks": checks}, sameOrigin)
	if r.code != http.StatusOK {
		d.e.t.Fatalf("practice: %d %s", r.code, r.body)
	}
	var resp practiceResponse
	if err := json.Unmarshal([]byte(r.body), &resp); err != nil {
		d.e.t.Fatal(err)
	}
	return resp
}

func TestPracticeStoredForKnownLearner(t *testing.T) {
	e := newLearnEnv(t)
	ada, tok := e.learner("Ada")
	phone := e.device()
	phone.open(tok)
	if got := levelOf(phone.practice(nil, true, rightCheck(t, e, 11)), "rnn-shapes"); got != "familiar" {
		t.Fatalf("after one right variant: %s", got)
	}
	if _, err := e.st.GetPracticeState(context.Background(), ada.ID); err != nil {
		t.Fatalf("nothing stored for the learner: %v", err)
	}

	// An anonymous browser masters the skill; its state is its own.
	anon := e.device()
	var mastered json.RawMessage
	for _, seed := range []uint64{21, 22, 23} {
		resp := anon.practice(mastered, true, rightCheck(t, e, seed))
		mastered, _ = json.Marshal(resp.State)
	}
	if got := levelOf(anon.practice(mastered, true), "rnn-shapes"); got != "mastered" {
		t.Fatalf("anonymous browser: %s, want mastered", got)
	}

	// A new device opening the same personal link sees the stored level,
	// whatever state its browser posts: the stored state wins.
	laptop := e.device()
	laptop.open(tok)
	if got := levelOf(laptop.practice(nil, true), "rnn-shapes"); got != "familiar" {
		t.Errorf("new device: %s, want the stored familiar", got)
	}
	if got := levelOf(laptop.practice(mastered, true), "rnn-shapes"); got != "familiar" {
		t.Errorf("new device posting another state: %s, want the stored familiar", got)
	}
	if got := levelOf(laptop.practice(nil, true, rightCheck(t, e, 12)), "rnn-shapes"); got != "proficient" {
		t.Errorf("check on the new device: %s, want proficient", got)
	}
	// The page shows the stored levels without the script.
	page := phone.get("/practice")
	if page.code != http.StatusOK || !strings.Contains(page.body, `aria-live="polite">Proficient`) ||
		strings.Contains(page.body, "nothing is recorded") || !strings.Contains(page.body, `id="practice-next" class="practice-next">`) {
		t.Errorf("page for a known learner lacks the stored level:\n%s", clip(page.body, 3000))
	}

	// Cross-origin: answered from the posted state, the stored one untouched.
	before, _ := e.st.GetPracticeState(context.Background(), ada.ID)
	if got := levelOf(phone.practice(nil, false, rightCheck(t, e, 13)), "rnn-shapes"); got != "familiar" {
		t.Errorf("cross-origin request: %s, want familiar from the posted (empty) state", got)
	}
	after, _ := e.st.GetPracticeState(context.Background(), ada.ID)
	if string(before) != string(after) {
		t.Errorf("cross-origin request changed the stored state")
	}

	// A learner with nothing stored adopts the browser's state once.
	_, btok := e.learner("Bob")
	bob := e.device()
	bob.open(btok)
	if got := levelOf(bob.practice(mastered, true), "rnn-shapes"); got != "mastered" {
		t.Errorf("first request adopts the browser state: %s", got)
	}
	if got := levelOf(bob.practice(nil, true), "rnn-shapes"); got != "mastered" {
		t.Errorf("adopted state not stored: %s", got)
	}
}

func TestPracticeAnonymousKeepsNothing(t *testing.T) {
	e := newLearnEnv(t)
	ada, _ := e.learner("Ada")
	d := e.device()
	if got := levelOf(d.practice(nil, true, rightCheck(t, e, 11)), "rnn-shapes"); got != "familiar" {
		t.Fatalf("anonymous: %s", got)
	}
	if got := levelOf(d.practice(nil, true), "rnn-shapes"); got == "familiar" {
		t.Errorf("anonymous state kept on the server: %s", got)
	}
	if _, err := e.st.GetPracticeState(context.Background(), ada.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stored for an unrelated learner: %v", err)
	}
	page := d.get("/practice")
	if !strings.Contains(page.body, "nothing is recorded") || !strings.Contains(page.body, `id="practice-next" class="practice-next" hidden`) {
		t.Errorf("anonymous page changed")
	}
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stride-tutor/stride/internal/store"
)

// The recorded check reads its assignment and learner through the store's
// cache (store.CachedAssignment, store.CachedLearner). These tests show an
// instructor's edit reaching the very next check, and a learner deleted
// elsewhere refused (403, nothing recorded) rather than failing as a
// database error.

func (d *device) checkStatus(a store.Assignment, key, answer string) (int, string, string) {
	d.e.t.Helper()
	r := d.api("/api/v1/exercises/conv-by-hand/check", map[string]any{"item": a.Items[0].ID, "key": key,
		"answers": map[string]string{"bottom-right": answer}}, true)
	if r.code != http.StatusOK {
		return r.code, "", r.body
	}
	var out checkResponse
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		d.e.t.Fatal(err)
	}
	return r.code, out.Parts["bottom-right"].Status, r.body
}

func TestLearnCheckSeesAssignmentEdit(t *testing.T) {
	e := newLearnEnv(t)
	ctx := context.Background()
	st := defaultSettings()
	a := e.assignment(st, "")
	_, tok := e.learner("ada")
	d := e.device()
	d.open(tok)
	for i, step := range []struct {
		feedback store.ShowPolicy
		want     string
	}{
		{store.ShowImmediately, "incorrect"},
		{store.ShowNever, string(recordedStatus)},
		{store.ShowImmediately, "incorrect"},
	} {
		if i > 0 { // the instructor's edit, through the server's store
			st.Feedback = step.feedback
			if err := e.st.UpdateAssignment(ctx, a.ID, a.Title, st); err != nil {
				t.Fatal(err)
			}
		}
		code, status, body := d.checkStatus(a, fmt.Sprintf("edit-key-%04d", i), fmt.Sprint(20+i))
		if code != http.StatusOK || status != step.want {
			t.Errorf("check %d after feedback became %q: %d %q, want 200 %q\n%s", i, step.feedback, code, status, step.want, clip(body, 300))
		}
	}
	// Items are read from the same cache: an edit of the attempt limit is
	// enforced by the next check too (the store decides it at commit).
	st.AttemptsAllowed = 3
	if err := e.st.UpdateAssignment(ctx, a.ID, a.Title, st); err != nil {
		t.Fatal(err)
	}
	r := d.api("/api/v1/exercises/conv-by-hand/check", map[string]any{"item": a.Items[0].ID, "key": "edit-key-0100",
		"answers": map[string]string{"bottom-right": "99"}}, true)
	if r.code != http.StatusOK {
		t.Fatalf("check after the limit: %d %s", r.code, r.body)
	}
	var out checkResponse
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	if v := out.Parts["bottom-right"]; v.Status != "refused" {
		t.Errorf("fourth attempt with 3 allowed: %+v, want refused", v)
	}
}

// TestLearnCheckLearnerDeletedElsewhere: the learner is deleted through
// another store on the same database (as another replica would), so this
// server's cache still holds them: the check is refused with 403 and
// nothing is recorded. Before, the commit's not-found error was a 503.
func TestLearnCheckLearnerDeletedElsewhere(t *testing.T) {
	e := newLearnEnv(t)
	ctx := context.Background()
	a := e.assignment(defaultSettings(), "")
	ada, tok := e.learner("ada")
	d := e.device()
	d.open(tok)
	if code, status, body := d.checkStatus(a, "del-key-0001", "20"); code != http.StatusOK || status != "incorrect" {
		t.Fatalf("first check: %d %q %s", code, status, body)
	}
	other, err := store.Open(ctx, store.Config{DataDir: filepath.Dir(e.st.Path())})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.DeleteLearner(ctx, ada.ID); err != nil {
		t.Fatal(err)
	}
	code, _, body := d.checkStatus(a, "del-key-0002", "21")
	if code != http.StatusForbidden {
		t.Errorf("check by a learner deleted elsewhere: %d, want 403\n%s", code, clip(body, 300))
	}
	if got := e.attempts(ada); len(got) != 0 {
		t.Errorf("attempts of the deleted learner: %+v", got)
	}
	// Deleted through this server's own store, the cache forgets at once:
	// the learner is unknown before anything is checked.
	bea, tok2 := e.learner("bea")
	d2 := e.device()
	d2.open(tok2)
	if code, _, body := d2.checkStatus(a, "del-key-0003", "20"); code != http.StatusOK {
		t.Fatalf("bea's check: %d %s", code, body)
	}
	if err := e.st.DeleteLearner(ctx, bea.ID); err != nil {
		t.Fatal(err)
	}
	if code, _, body := d2.checkStatus(a, "del-key-0004", "21"); code != http.StatusForbidden {
		t.Errorf("check by a learner deleted here: %d, want 403\n%s", code, clip(body, 300))
	}
}

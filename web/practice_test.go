package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// practiceAt builds a handler whose practice clock reads at.
func practiceAt(t *testing.T, at time.Time) *App {
	t.Helper()
	h := newTestHandler(t, Config{})
	h.server.now = func() time.Time { return at }
	return h
}

func postPractice(t *testing.T, h http.Handler, state json.RawMessage, checks ...map[string]any) practiceResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"state": state, "checks": checks})
	rec := do(t, h, http.MethodPost, "/api/v1/practice", string(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var resp practiceResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	return resp
}

func levelOf(resp practiceResponse, skill string) string {
	for _, s := range resp.Skills {
		if s.ID == skill {
			return s.LevelName
		}
	}
	return "missing"
}

// TestAPIPracticeLevelsUp: the answers the check API marks right, on three
// fresh variants, master the skill; the state round-trips through the
// client; the next suggestion moves on and is a fresh variant.
func TestAPIPracticeLevelsUp(t *testing.T) {
	at := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	h := practiceAt(t, at)
	var state json.RawMessage
	for i, seed := range []uint64{11, 12, 13} {
		v, err := h.server.lookupVariant("rnn-shapes", fmt.Sprint(seed))
		if err != nil {
			t.Fatal(err)
		}
		answers := map[string]string{}
		for _, p := range v.Parts {
			answers[p.ID] = p.Input
		}
		res := postCheck(t, h, "rnn-shapes", seed, answers)
		parts := map[string]string{}
		for id, vd := range res.Parts {
			parts[id] = string(vd.Status)
		}
		resp := postPractice(t, h, state, map[string]any{"exercise": "rnn-shapes", "seed": seed, "parts": parts})
		want := []string{"familiar", "proficient", "mastered"}[i]
		if got := levelOf(resp, "rnn-shapes"); got != want {
			t.Fatalf("after %d right variants: %s, want %s", i+1, got, want)
		}
		state, _ = json.Marshal(resp.State)
		if i == 2 {
			sk := resp.Skills[5]
			if sk.ID != "rnn-shapes" || sk.Due == "" || sk.ReviewDue {
				t.Errorf("mastered skill: %+v, want a review due later", sk)
			}
			if resp.Next.Skill == "rnn-shapes" || resp.Next.Seed == 0 || !strings.Contains(resp.Next.URL, fmt.Sprint(resp.Next.Seed)) {
				t.Errorf("next after mastery = %+v", resp.Next)
			}
		}
	}
	// The same variant posted again changes nothing.
	again := postPractice(t, h, state, map[string]any{"exercise": "rnn-shapes", "seed": 13, "parts": map[string]string{"w-hx": "incorrect"}})
	if got := levelOf(again, "rnn-shapes"); got != "mastered" {
		t.Errorf("a counted variant lowered the level: %s", got)
	}
}

func TestAPIPracticeRejects(t *testing.T) {
	h := practiceAt(t, time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC))
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"state of another version", `{"state":{"v":9}}`, 400, "state.v"},
		{"unknown skill", `{"state":{"v":1,"skills":{"x":{"level":1}}}}`, 400, "state.skills.x"},
		{"unknown exercise", `{"checks":[{"exercise":"nope","seed":1,"parts":{}}]}`, 400, "checks[0].exercise"},
		{"seed missing", `{"checks":[{"exercise":"rnn-shapes","parts":{}}]}`, 400, "checks[0].seed"},
		{"seed too large", `{"checks":[{"exercise":"rnn-shapes","seed":9007199254740992,"parts":{}}]}`, 400, "checks[0].seed"},
		{"unknown part", `{"checks":[{"exercise":"rnn-shapes","seed":1,"parts":{"zz":"correct"}}]}`, 400, "checks[0].parts"},
		{"unknown status", `{"checks":[{"exercise":"rnn-shapes","seed":1,"parts":{"w-hx":"great"}}]}`, 400, "checks[0].parts.w-hx"},
		{"too many checks", `{"checks":[` + strings.Repeat(`{"exercise":"rnn-shapes","seed":1,"parts":{}},`, maxPracticeChecks) + `{"exercise":"rnn-shapes","seed":1,"parts":{}}]}`, 400, "checks"},
		{"unknown field", `{"levels":1}`, 400, "levels"},
		{"body too large", `{"state":"` + strings.Repeat("x", maxPracticeBody) + `"}`, 413, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, http.MethodPost, "/api/v1/practice", tt.body)
			var e apiError
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != tt.status || e.Field != tt.field {
				t.Errorf("status %d field %q (%s), want %d on %q", rec.Code, e.Field, e.Error, tt.status, tt.field)
			}
		})
	}
}

// TestPracticePageWithoutJavaScript: the page lists every skill with a
// link to a fresh variant and says that levels need the script; the
// "practise next" block is hidden until the script fills it in.
func TestPracticePageWithoutJavaScript(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodGet, "/practice", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{`data-skill="output-sizes"`, `data-skill="rnn-forward"`, `href="/exercises/conv-by-hand/new"`,
		`id="practice-next" class="practice-next" hidden`, "nothing is recorded"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

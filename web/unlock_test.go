package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// testUnlocker has a fixed key, so tests can make the tokens a check would
// return.
var testUnlocker, _ = newUnlocker(bytes.Repeat([]byte{7}, MinUnlockKeyBytes))

// unlockJSON is the JSON array of the tokens of parts of one variant.
func unlockJSON(exercise string, seed uint64, parts ...string) string {
	toks := make([]string, len(parts))
	for i, p := range parts {
		toks[i] = testUnlocker.token(exercise, seed, p)
	}
	b, _ := json.Marshal(toks)
	return string(b)
}

func TestUnlockTokens(t *testing.T) {
	tok := testUnlocker.token("conv-by-hand", 0, "bottom-right")
	other, _ := newUnlocker(bytes.Repeat([]byte{8}, MinUnlockKeyBytes))
	tests := []struct {
		name   string
		tokens []string
		want   bool
	}{
		{"its own token", []string{tok}, true},
		{"among junk", []string{"", ".", "x.y", "bottom-right.!!", tok}, true},
		{"another seed's token", []string{testUnlocker.token("conv-by-hand", 1, "bottom-right")}, false},
		{"another exercise's token", []string{testUnlocker.token("conv-output-size", 0, "bottom-right")}, false},
		{"another part's MAC", []string{"bottom-right" + tok[strings.LastIndexByte(testUnlocker.token("conv-by-hand", 0, "dims"), '.'):]}, false},
		{"another key's token", []string{other.token("conv-by-hand", 0, "bottom-right")}, false},
		{"made up", []string{"bottom-right.AAAAAAAAAAAAAAAAAAAAAA"}, false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		if got := testUnlocker.open("conv-by-hand", 0, tt.tokens)["bottom-right"]; got != tt.want {
			t.Errorf("%s: open = %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := newUnlocker([]byte("short")); err == nil {
		t.Error("a 5-byte unlock key was accepted")
	}
}

// TestAnimateGatedReplay: the websocket sends a conv-by-hand replay only as
// far as the unlock tokens earn it. At seed 0, part 2's answer is −22, the
// last step of the unpadded replay and also a cell of the padded one.
func TestAnimateGatedReplay(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{})
	srv := animTestServer(t, a)
	c := dialAnim(t, srv, nil)
	start := func(part, unlock string) string {
		msg := `{"type":"start","exercise":"conv-by-hand","seed":0,"part":"` + part + `","fps":60`
		if unlock != "" {
			msg += `,"unlock":` + unlock
		}
		return msg + `}`
	}

	// Before part 1 (the output size) nothing of its replay is sent.
	for _, unlock := range []string{"", unlockJSON("conv-by-hand", 1, "dims"), `["dims.AAAAAAAAAAAAAAAAAAAAAA"]`} {
		c.send(start("dims", unlock))
		if m := c.expect("error"); m.Field != "unlock" || !strings.Contains(m.Message, "Output size") {
			t.Fatalf("locked replay with %s: %s", unlock, m.raw)
		}
	}

	// After part 1, every step but the one that answers part 2, played,
	// stepped to and sought; −22 is nowhere in what the server sends.
	c.send(start("dims", unlockJSON("conv-by-hand", 0, "dims")))
	meta, steps := c.playAll()
	if meta.TotalSteps != 9 || !strings.Contains(meta.raw, `"withheld":[8]`) {
		t.Fatalf("meta %s", meta.raw)
	}
	if strings.Contains(meta.raw, "-22") {
		t.Errorf("meta gives away −22: %s", meta.raw)
	}
	if len(steps) != 9 || steps[8].Value != nil || steps[8].Terms != nil || !strings.Contains(steps[8].raw, `"withheld":true`) {
		t.Fatalf("last step %s", steps[8].raw)
	}
	for i, s := range steps[:8] {
		if s.Value == nil || *s.Value == -22 {
			t.Errorf("step %d: %s", i, s.raw)
		}
	}
	c.send(`{"type":"seek","index":8}`)
	if m := c.expect("step"); m.Value != nil || strings.Contains(m.raw, "-22") {
		t.Errorf("seek to the withheld step: %s", m.raw)
	}
	c.expect("state")

	// The padded replay holds −22 too, at another cell: withheld there
	// while part 2 is open, even with both padded parts answered.
	c.send(start("dims-padded", unlockJSON("conv-by-hand", 0, "dims", "dims-padded", "bottom-right-padded")))
	meta, steps = c.playAll()
	if strings.Contains(meta.raw, "-22") || !strings.Contains(meta.raw, `"withheld":[18]`) {
		t.Errorf("padded meta %s", meta.raw)
	}
	for _, s := range steps {
		if strings.Contains(s.raw, "-22") {
			t.Errorf("padded step gives away −22: %s", s.raw)
		}
	}

	// Part 2's token opens it.
	c.send(start("dims", unlockJSON("conv-by-hand", 0, "dims", "bottom-right")))
	meta, steps = c.playAll()
	if strings.Contains(meta.raw, "withheld") || steps[8].Value == nil || *steps[8].Value != -22 {
		t.Errorf("unlocked replay: meta %s, last step %s", meta.raw, steps[8].raw)
	}

	// Token bounds.
	many, _ := json.Marshal(make([]string, maxUnlockTokens+1))
	c.send(start("dims", string(many)))
	if m := c.expect("error"); m.Field != "unlock" {
		t.Errorf("too many tokens: %s", m.raw)
	}
	c.send(start("dims", `["`+strings.Repeat("x", maxUnlockTokenLen+1)+`"]`))
	if m := c.expect("error"); m.Field != "unlock[0]" {
		t.Errorf("long token: %s", m.raw)
	}
	c.send(`{"type":"start","op":"conv2d","input":[[1]],"kernel":[[1]],"unlock":[]}`)
	if m := c.expect("error"); m.Field != "unlock" {
		t.Errorf("unlock without exercise: %s", m.raw)
	}
}

// TestCheckReturnsUnlockTokens: a check returns a token for each part it
// counts as attempted or revealed, and none for a blank or unreadable one.
func TestCheckReturnsUnlockTokens(t *testing.T) {
	// Two replicas on one database: a token one issues, the other accepts.
	st := openTestStore(t, nil)
	h := newTestHandler(t, Config{Store: st})
	other := newTestHandler(t, Config{Store: st})
	res := postCheck(t, h, "conv-by-hand", 0, map[string]string{"dims": "3x3", "bottom-right": "5", "dims-padded": "five"})
	if tok := res.Parts["dims"].Unlock; !other.server.anim.unlock.open("conv-by-hand", 0, []string{tok})["dims"] {
		t.Errorf("dims token %q is not accepted by another replica", tok)
	}
	if alone := newTestHandler(t, Config{}); alone.server.unlock.open("conv-by-hand", 0, []string{res.Parts["dims"].Unlock})["dims"] {
		t.Error("a server with another key accepted the token")
	}
	if res.Parts["bottom-right"].Unlock == "" {
		t.Error("a wrong answer earns its replay too, and got no token")
	}
	if res.Parts["dims-padded"].Unlock != "" || res.Parts["bottom-right-padded"].Unlock != "" {
		t.Errorf("tokens for parts not attempted: %+v", res.Parts)
	}
}

// TestStepTablesGatedPerPart: without JavaScript, after part 1 the step
// table of its replay lists every step but the one that answers part 2.
func TestStepTablesGatedPerPart(t *testing.T) {
	h := newTestHandler(t, Config{})
	form := "application/x-www-form-urlencoded"
	rec := doWithType(t, h, "/exercises/conv-by-hand?seed=0", "a.dims=3x3", form)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "−22") || strings.Contains(body, "-22") {
		t.Error("the page shows −22 before part 2 is answered")
	}
	if !strings.Contains(body, "Not shown yet: this step gives away the answer to “Output value (no padding, stride 1)”") {
		t.Error("the step table does not say which step is held back")
	}
	if !strings.Contains(body, `data-unlock="dims.`) {
		t.Error("the player carries no token for part 1")
	}
	rec = doWithType(t, h, "/exercises/conv-by-hand?seed=0", "a.dims=3x3&a.bottom-right=4", form)
	if !strings.Contains(rec.Body.String(), "= −22") {
		t.Error("after part 2 the step table does not show its arithmetic")
	}
}

package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/store"
)

// revealFragment is the reveal fragment's 200 body (docs/LIVE.md).
type revealFragment struct {
	Question int   `json:"question"`
	Version  int64 `json:"version"`
	Parts    map[string]struct {
		SolutionHTML string `json:"solution_html"`
		Unlock       string `json:"unlock"`
	} `json:"parts"`
}

// reveal fetches the reveal fragment of question q (raw, as the query
// gives it) as device d.
func (e *liveEnv) reveal(d *device, q string) (resp, revealFragment, apiError) {
	e.t.Helper()
	path := "/live/" + e.ls.Code + "/reveal"
	if q != "-" {
		path += "?q=" + q
	}
	r := d.get(path)
	var frag revealFragment
	var ae apiError
	if !strings.HasPrefix(r.hdr.Get("Content-Type"), "application/json") {
		e.t.Fatalf("reveal %s: %d with Content-Type %q, want JSON\n%s", q, r.code, r.hdr.Get("Content-Type"), clip(r.body, 300))
	}
	if r.code == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &frag); err != nil {
			e.t.Fatalf("reveal %s: %v\n%s", q, err, clip(r.body, 300))
		}
	} else if err := json.Unmarshal([]byte(r.body), &ae); err != nil {
		e.t.Fatalf("reveal %s: %d, not a JSON error: %v\n%s", q, r.code, err, clip(r.body, 300))
	}
	return r, frag, ae
}

// learnerNamed is the course's learner with that name.
func (e *liveEnv) learnerNamed(name string) store.Learner {
	e.t.Helper()
	ls, err := e.st.ListLearners(context.Background(), e.course.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	e.t.Fatalf("no learner %q", name)
	return store.Learner{}
}

// checkFragment checks a 200 fragment against the learner's own variant:
// every part with a worked solution has exactly the check API's
// solution_html for it and every part with a replay the check API's unlock
// token (asked of the check API itself, for the same seed, every part
// revealed), which the animation socket accepts; parts without either are
// left out.
func (e *liveEnv) checkFragment(d *device, frag revealFragment, v *exercises.Variant) {
	e.t.Helper()
	srv := e.app.server
	// Every part revealed through the check API: its solution_html and
	// unlock token as a student who asked to see them gets them.
	var all []string
	for _, p := range v.Parts {
		all = append(all, p.ID)
	}
	r := d.api("/api/v1/exercises/"+v.Exercise.ID+"/check", map[string]any{"seed": v.Seed, "answers": map[string]string{}, "reveal": all}, true)
	if r.code != http.StatusOK {
		e.t.Fatalf("check API: %d %s", r.code, clip(r.body, 300))
	}
	var check checkResponse
	if err := json.Unmarshal([]byte(r.body), &check); err != nil {
		e.t.Fatal(err)
	}
	withSomething := 0
	for _, p := range v.Parts {
		got, ok := frag.Parts[p.ID]
		hasSolution := len(p.Solution) > 0 || p.Kind == exercises.KindSelfCheck
		if !hasSolution && p.Animation < 0 {
			if ok {
				e.t.Errorf("part %s has no solution nor replay, yet is in the fragment", p.ID)
			}
			continue
		}
		withSomething++
		if !ok {
			e.t.Errorf("part %s is missing from the fragment", p.ID)
			continue
		}
		if want := check.Parts[p.ID].SolutionHTML; hasSolution && (want == "" || got.SolutionHTML != want) {
			e.t.Errorf("part %s: solution_html differs from the check API's\n got %s\nwant %s", p.ID, clip(got.SolutionHTML, 200), clip(want, 200))
		}
		if got.Unlock != check.Parts[p.ID].Unlock {
			e.t.Errorf("part %s: unlock %q, the check API's %q", p.ID, got.Unlock, check.Parts[p.ID].Unlock)
		}
		if p.Animation >= 0 {
			if !srv.anim.unlock.open(v.Exercise.ID, v.Seed, []string{got.Unlock})[p.ID] {
				e.t.Errorf("part %s: the animation socket refuses unlock token %q", p.ID, got.Unlock)
			}
		} else if got.Unlock != "" {
			e.t.Errorf("part %s has no replay, yet an unlock token", p.ID)
		}
	}
	if withSomething == 0 || len(frag.Parts) != withSomething {
		e.t.Errorf("the fragment has %d parts, want %d", len(frag.Parts), withSomething)
	}
}

// TestLiveRevealFragment: GET /live/{code}/reveal?q=N answers 200 with
// the learner's worked solutions (the check API's rendering) and replay
// unlock tokens only while question N is current and revealed; 409
// naming q before the reveal, after the hide and for another question; 400
// naming q for a bad q; 403 JSON for a device without the course's
// learner; 410 once the session ended.
func TestLiveRevealFragment(t *testing.T) {
	e := newLiveEnv(t)
	srv := e.app.server
	ann := e.device()
	e.join(ann, "Ann")
	v, err := srv.itemVariant(context.Background(), e.a.Items[0], e.learnerNamed("Ann").ID)
	if err != nil {
		t.Fatal(err)
	}
	notNow := func(when, q string) {
		t.Helper()
		r, _, ae := e.reveal(ann, q)
		if r.code != http.StatusConflict || ae.Field != "q" || !strings.Contains(ae.Error, "question "+q+" is not revealed now") {
			t.Errorf("%s, q=%s: %d %s, want 409 naming q", when, q, r.code, clip(r.body, 200))
		}
		if strings.Contains(r.body, "solution") {
			t.Errorf("%s: the refusal carries a solution: %s", when, clip(r.body, 200))
		}
	}
	notNow("before the unlock", "0")
	e.control("unlock")
	notNow("unlocked, not revealed", "0")

	for _, q := range []string{"-", "", "x", "-1", "2", "1.0", "99999999999999999999"} {
		r, _, ae := e.reveal(ann, q)
		if r.code != http.StatusBadRequest || ae.Field != "q" || !strings.Contains(ae.Error, "from 0 to 1") {
			t.Errorf("q=%q: %d %s, want 400 naming q and its range", q, r.code, clip(r.body, 200))
		}
	}

	e.control("reveal")
	r, frag, _ := e.reveal(ann, "0")
	if r.code != http.StatusOK {
		t.Fatalf("revealed: %d %s", r.code, clip(r.body, 300))
	}
	if cc := r.hdr.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("Cache-Control %q, want private, no-store", cc)
	}
	st := e.hubState()
	if frag.Question != 0 || frag.Version != st.Version {
		t.Errorf("fragment question %d version %d, want 0 and the state's %d", frag.Question, frag.Version, st.Version)
	}
	e.checkFragment(ann, frag, v)
	notNow("another question while question 0 is revealed", "1")

	// The animation socket of the same server: the replay that gives the
	// answer away is refused without a token and opens with the
	// fragment's tokens (the page's player sends them, stride:unlock).
	var toks []string
	for _, p := range frag.Parts {
		if p.Unlock != "" {
			toks = append(toks, p.Unlock)
		}
	}
	tokJSON, _ := json.Marshal(toks)
	start := `{"type":"start","exercise":"` + v.Exercise.ID + `","seed":` + strconv.FormatUint(v.Seed, 10) + `,"part":"dims","fps":60`
	anim := dialAnim(t, e.srv, nil)
	anim.send(start + `}`)
	if m := anim.expect("error"); m.Field != "unlock" {
		t.Errorf("the replay without tokens: %s, want refused naming unlock", m.raw)
	}
	anim.send(start + `,"unlock":` + string(tokJSON) + `}`)
	if m := anim.expect("meta"); m.TotalSteps == 0 || strings.Contains(m.raw, "withheld") {
		t.Errorf("the replay with the fragment's tokens: %s, want every step", clip(m.raw, 300))
	}

	stranger := e.device()
	r, _, ae := e.reveal(stranger, "0")
	if r.code != http.StatusForbidden || ae.Field != "learner" || strings.Contains(r.body, "solution") {
		t.Errorf("a device without the learner: %d %s, want 403 JSON naming learner", r.code, clip(r.body, 200))
	}

	e.control("hide")
	notNow("after the hide", "0")

	// The next question, revealed: its fragment, and none for the first.
	e.control("next")
	e.control("unlock")
	e.control("reveal")
	notNow("the previous question", "0")
	if r, frag, _ := e.reveal(ann, "1"); r.code != http.StatusOK || frag.Question != 1 {
		t.Errorf("question 1 revealed: %d %s", r.code, clip(r.body, 200))
	}

	e.control("end")
	if r, _, ae := e.reveal(ann, "1"); r.code != http.StatusGone || strings.Contains(r.body, "solution") {
		t.Errorf("after the end: %d %+v, want 410", r.code, ae)
	}
}

// hubState is the session's state as this server's hub has it.
func (e *liveEnv) hubState() struct{ Version int64 } {
	e.t.Helper()
	h, ok := e.app.server.live.mgr.Lookup(e.ls.ID)
	if !ok {
		e.t.Fatal("the session has no hub")
	}
	return struct{ Version int64 }{h.State().Version}
}

// TestLiveRevealFragmentCache: with the recitation's seed the room shares
// one variant, so its fragment renders once: two learners who answered
// differently get byte-identical bodies from one cache entry, which holds
// neither their names nor their answers. With per-learner seeds each
// learner gets their own numbers (their variant's solutions, different
// from the other's), each rendered once and then served from the cache.
func TestLiveRevealFragmentCache(t *testing.T) {
	t.Run("shared seed", func(t *testing.T) {
		e := newLiveEnv(t)
		c := e.app.server.live.reveals
		ann, bob := e.device(), e.device()
		e.join(ann, "Ann Annotator")
		e.join(bob, "Bob Bystander")
		e.control("unlock")
		for d, br := range map[*device]string{ann: "-22", bob: "77345"} {
			if r, _, _ := e.liveAnswerJSON(d, map[string]any{"question": 0, "key": "reveal-cache-" + br,
				"answers": map[string]string{"bottom-right": br}}, false); r.code != http.StatusOK {
				t.Fatalf("answer %s: %d %s", br, r.code, clip(r.body, 200))
			}
		}
		e.control("reveal")
		ra, _, _ := e.reveal(ann, "0")
		rb, _, _ := e.reveal(bob, "0")
		if ra.code != http.StatusOK || rb.code != http.StatusOK {
			t.Fatalf("fragments: %d, %d", ra.code, rb.code)
		}
		if ra.body != rb.body {
			t.Errorf("a shared seed gave two learners different fragments:\n%s\n%s", clip(ra.body, 300), clip(rb.body, 300))
		}
		if n, _ := c.parts.size(); n != 1 || c.renders.Load() != 1 {
			t.Errorf("%d cache entries, %d renders; want 1 and 1", n, c.renders.Load())
		}
		c.parts.mu.Lock()
		for el := c.parts.order.Front(); el != nil; el = el.Next() {
			ent := el.Value.(*lruEntry[[]byte])
			for _, private := range []string{"Ann", "Bob", "77345", e.ls.Code} {
				if strings.Contains(ent.key, private) || strings.Contains(string(ent.val), private) {
					t.Errorf("a cache entry holds %q", private)
				}
			}
		}
		c.parts.mu.Unlock()
		// Hidden and revealed again: still the one render.
		e.control("hide")
		e.control("reveal")
		if r, _, _ := e.reveal(ann, "0"); r.code != http.StatusOK || c.renders.Load() != 1 {
			t.Errorf("revealed again: %d, %d renders", r.code, c.renders.Load())
		}
	})

	t.Run("per-learner seeds", func(t *testing.T) {
		le := newLearnEnv(t)
		item := store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: store.SeedPerLearner, Points: 1}
		e := startLive(t, le, le.assignment(defaultSettings(), "", item, item))
		c := e.app.server.live.reveals
		ann, bob := e.device(), e.device()
		e.join(ann, "Ann")
		e.join(bob, "Bob")
		e.control("unlock")
		e.control("reveal")
		frags := map[string]revealFragment{}
		for name, d := range map[string]*device{"Ann": ann, "Bob": bob} {
			v, err := e.app.server.itemVariant(context.Background(), e.a.Items[0], e.learnerNamed(name).ID)
			if err != nil {
				t.Fatal(err)
			}
			r, frag, _ := e.reveal(d, "0")
			if r.code != http.StatusOK {
				t.Fatalf("%s: %d %s", name, r.code, clip(r.body, 200))
			}
			e.checkFragment(d, frag, v)
			frags[name] = frag
		}
		differ := false
		for id, p := range frags["Ann"].Parts {
			if p.SolutionHTML != frags["Bob"].Parts[id].SolutionHTML {
				differ = true
			}
		}
		if !differ {
			t.Errorf("per-learner seeds, yet Ann's and Bob's worked solutions are the same")
		}
		if n, _ := c.parts.size(); n != 2 || c.renders.Load() != 2 {
			t.Errorf("%d cache entries, %d renders; want 2 and 2", n, c.renders.Load())
		}
		if r, _, _ := e.reveal(ann, "0"); r.code != http.StatusOK || c.renders.Load() != 2 {
			t.Errorf("Ann again: %d, %d renders (want a cache hit)", r.code, c.renders.Load())
		}
	})
}

// TestLiveRevealFragmentWhileSaturated: with every work slot taken a
// fragment that must be rendered is refused with the JSON busy error and
// Retry-After (the page then fetches itself whole), while one in the
// render cache is answered without a slot, as a cached page is.
func TestLiveRevealFragmentWhileSaturated(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.device()
	e.join(ann, "Ann")
	e.control("unlock")
	e.control("reveal")
	release := holdSlots(t, e.app)
	r, _, ae := e.reveal(ann, "0")
	if r.code != http.StatusServiceUnavailable || r.hdr.Get("Retry-After") == "" || !strings.Contains(ae.Error, "busy") {
		t.Errorf("a render while saturated: %d, Retry-After %q, %s; want the 503 busy error", r.code, r.hdr.Get("Retry-After"), clip(r.body, 200))
	}
	release()
	if r, _, _ := e.reveal(ann, "0"); r.code != http.StatusOK {
		t.Fatalf("with a free slot: %d %s", r.code, clip(r.body, 200))
	}
	release = holdSlots(t, e.app)
	defer release()
	if r, _, _ := e.reveal(ann, "0"); r.code != http.StatusOK || e.app.server.live.reveals.renders.Load() != 1 {
		t.Errorf("a cached fragment while saturated: %d, %d renders; want 200 from the cache", r.code, e.app.server.live.reveals.renders.Load())
	}
}

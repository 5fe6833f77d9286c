package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// liveKeyRE finds a page's attempt_key, the one value a page draws per
// load; samePage blanks it to compare two renders.
var liveKeyRE = regexp.MustCompile(`name="attempt_key" value="[^"]+"`)

func samePage(body string) string {
	return liveKeyRE.ReplaceAllString(body, `name="attempt_key" value="KEY"`)
}

// liveLTILearner makes an LTI learner of e's course named name, with a
// launch token tok.
func liveLTILearner(t *testing.T, e *liveEnv, name, tok string) {
	t.Helper()
	ctx := context.Background()
	p, err := e.st.AddLTIPlatform(ctx, store.NewLTIPlatform{Issuer: "https://lms.example", ClientID: "c1",
		AuthURL: "https://lms.example/auth", TokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks", DeploymentIDs: []string{"d1"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.st.EnsureLTILearner(ctx, e.course.ID, store.LTIPerson{Issuer: "https://lms.example", Sub: "s1", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateLTILaunch(ctx, tok, store.LTILaunch{PlatformID: p.ID, CourseID: e.course.ID, LearnerID: l.ID,
		Target: "/join", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// TestLivePageCacheSameBytes: in every state of the room (waiting, open,
// closed, revealed, reopened revealed, paused, the next question), with
// the recitation's seed shared and with per-learner seeds, for a nickname
// learner, a roster learner (personal link) and an LTI learner, the page
// a student gets is byte for byte the uncached render for them (the
// attempt_key aside, drawn per load), from the first (rendering) fetch
// and from a cache hit. The LTI learner's pages are never cached (the
// launch token is in the form's action).
func TestLivePageCacheSameBytes(t *testing.T) {
	for _, policy := range []store.SeedPolicy{store.SeedRecitation, store.SeedPerLearner} {
		t.Run(string(policy), func(t *testing.T) {
			le := newLearnEnv(t)
			item := store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: policy, Points: 1}
			item2 := store.NewItem{ExerciseID: "conv-output-size", SeedPolicy: policy, Points: 1}
			e := startLive(t, le, le.assignment(defaultSettings(), "", item, item2))
			c := e.app.server.live.pages
			nick := e.device()
			e.join(nick, "Nick Nickname")
			_, link := e.learner("Grace Hopper")
			roster := e.device()
			roster.open(link)
			e.join(roster, "ignored")
			const tok = "launch-token-of-ada-0123456789"
			liveLTILearner(t, e, "Ada Lovelace", tok)
			lms := e.device()
			if r := lms.post("/join?lti_launch="+tok, url.Values{"code": {e.ls.Code}}); r.code != http.StatusSeeOther {
				t.Fatalf("LTI join: %d", r.code)
			}
			students := []struct {
				name, path string
				d          *device
				lti        bool
			}{
				{"Nick Nickname", "/live/" + e.ls.Code, nick, false},
				{"Grace Hopper", "/live/" + e.ls.Code + "?q=0", roster, false},
				{"Ada Lovelace", "/live/" + e.ls.Code + "?lti_launch=" + tok, lms, true},
			}
			check := func(state string, wantForm bool) {
				t.Helper()
				for _, s := range students {
					c.off.Store(true)
					want := s.d.get(s.path)
					c.off.Store(false)
					renders := c.renders.Load()
					first := s.d.get(s.path)
					hit := s.d.get(s.path)
					if want.code != http.StatusOK || first.code != http.StatusOK || hit.code != http.StatusOK {
						t.Fatalf("%s, %s: %d %d %d", state, s.name, want.code, first.code, hit.code)
					}
					if !strings.Contains(want.body, "You joined as <strong>"+s.name+"</strong>") {
						t.Errorf("%s, %s: the page does not name them", state, s.name)
					}
					if hasForm := strings.Contains(want.body, `name="attempt_key"`); hasForm != wantForm {
						t.Errorf("%s, %s: form %v, want %v", state, s.name, hasForm, wantForm)
					}
					for _, got := range []resp{first, hit} {
						if samePage(got.body) != samePage(want.body) {
							t.Errorf("%s, %s: the cached page differs from the uncached render:\n%s", state, s.name, firstDiff(samePage(got.body), samePage(want.body)))
						}
					}
					if wantForm && !strings.Contains(want.body, "Answering as "+s.name) {
						t.Errorf("%s, %s: the learn bar does not name them", state, s.name)
					}
					if s.lti && c.renders.Load() != renders {
						t.Errorf("%s: the LTI learner's page was rendered into the cache", state)
					}
					if s.lti && wantForm && !strings.Contains(first.body, `action="/live/`+e.ls.Code+`?q=`) {
						t.Errorf("%s: the LTI learner's form lost its address", state)
					}
				}
			}
			check("waiting", false)
			e.control("unlock")
			check("open", true)
			e.control("close")
			check("closed", true)
			e.control("reveal")
			check("closed, revealed", true)
			e.control("open")
			check("open, revealed", true)
			e.control("pause")
			check("paused", false)
			e.control("resume")
			e.control("next")
			e.control("unlock_all")
			check("next question", true)
			if c.renders.Load() == 0 {
				t.Errorf("no page was rendered into the cache")
			}
		})
	}
}

// firstDiff shows where two pages part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-120)
	return "cached:   …" + a[from:min(len(a), i+120)] + "\nuncached: …" + b[from:min(len(b), i+120)]
}

// TestLivePageCacheOneRender: two students of a shared-seed room moved to
// a question get its page from one render (one entry); with per-learner
// seeds each variant renders once, and a second load is a hit. Nothing a
// student is or wrote is in an entry: not their names, not the attempt
// keys their pages carried, not an LTI token.
func TestLivePageCacheOneRender(t *testing.T) {
	for _, tc := range []struct {
		policy  store.SeedPolicy
		renders int64
	}{{store.SeedRecitation, 1}, {store.SeedPerLearner, 2}} {
		t.Run(string(tc.policy), func(t *testing.T) {
			le := newLearnEnv(t)
			item := store.NewItem{ExerciseID: "conv-by-hand", SeedPolicy: tc.policy, Points: 1}
			e := startLive(t, le, le.assignment(defaultSettings(), "", item, item))
			c := e.app.server.live.pages
			ann, bob := e.device(), e.device()
			e.join(ann, "Ann Annotator")
			e.join(bob, "Bob Bystander")
			e.control("unlock")
			var keys []string
			for range 2 {
				for _, d := range []*device{ann, bob} {
					r := d.get("/live/" + e.ls.Code)
					m := attemptKeyRE.FindStringSubmatch(r.body)
					if r.code != http.StatusOK || m == nil {
						t.Fatalf("page: %d", r.code)
					}
					keys = append(keys, m[1])
				}
			}
			if n, _ := c.entries.size(); int64(n) != tc.renders || c.renders.Load() != tc.renders {
				t.Errorf("%d entries, %d renders; want %d and %d", n, c.renders.Load(), tc.renders, tc.renders)
			}
			seen := map[string]bool{}
			for _, k := range keys {
				if seen[k] {
					t.Errorf("attempt_key %s on two page loads", k)
				}
				seen[k] = true
			}
			private := append([]string{"Ann", "Bob", "Annotator", "Bystander", "lti_launch", "You joined as", "Answering as"}, keys...)
			c.entries.mu.Lock()
			for el := c.entries.order.Front(); el != nil; el = el.Next() {
				ent := el.Value.(*lruEntry[*livePageEntry])
				for _, p := range private {
					if strings.Contains(ent.key, p) {
						t.Errorf("an entry's key holds %q", p)
					}
					for _, seg := range ent.val.segs {
						if strings.Contains(string(seg), p) {
							t.Errorf("an entry holds %q", p)
						}
					}
				}
			}
			c.entries.mu.Unlock()
		})
	}
}

// TestLivePageCacheProgress: a student who answered gets their own page
// (their answer in the field, not the class's blank form), never the
// cached one, while a classmate who has not answered still gets the
// cached one; a form from a cached page submitted twice with its
// attempt_key records one attempt.
func TestLivePageCacheProgress(t *testing.T) {
	e := newLiveEnv(t)
	c := e.app.server.live.pages
	ann, bob := e.device(), e.device()
	e.join(ann, "Ann")
	e.join(bob, "Bob")
	e.control("unlock")
	path := "/live/" + e.ls.Code + "?q=0"
	page := ann.get(path) // cached: Ann has not answered
	if c.renders.Load() != 1 {
		t.Fatalf("%d renders before any answer, want 1", c.renders.Load())
	}
	m := attemptKeyRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no attempt_key on the cached page")
	}
	form := url.Values{"attempt_key": {m[1]}, "a.bottom-right": {"987654"}}
	for i := range 2 {
		if r := ann.post(path, form); r.code != http.StatusOK || !strings.Contains(r.body, `value="987654"`) {
			t.Fatalf("submit %d: %d %s", i, r.code, clip(r.body, 300))
		}
	}
	atts, err := e.st.ListAttempts(context.Background(), store.AttemptFilter{AssignmentID: e.a.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 {
		t.Errorf("%d attempts after one form submitted twice, want 1", len(atts))
	}
	again := ann.get(path)
	if again.code != http.StatusOK || !strings.Contains(again.body, `value="987654"`) {
		t.Errorf("Ann's page after her answer does not show it:\n%s", clip(again.body, 300))
	}
	if bobs := bob.get(path); strings.Contains(bobs.body, "987654") || c.renders.Load() != 1 {
		t.Errorf("Bob's page: holds Ann's answer %v, %d renders (want the cached one)", strings.Contains(bobs.body, "987654"), c.renders.Load())
	}
	c.entries.mu.Lock()
	for el := c.entries.order.Front(); el != nil; el = el.Next() {
		for _, seg := range el.Value.(*lruEntry[*livePageEntry]).val.segs {
			if strings.Contains(string(seg), "987654") {
				t.Errorf("an entry holds Ann's answer")
			}
		}
	}
	c.entries.mu.Unlock()
}

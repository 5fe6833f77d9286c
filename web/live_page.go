package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/a-h/templ"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/flight"
	"github.com/stride-tutor/stride/templates"
)

// The live page cache (issue 14, page-level fan-out): on "next" or
// "unlock" every student of a room fetches their page at once, and most
// have not answered the question they were just moved to, so their pages
// differ only in who they are. For such a student (no attempt at the
// item, a GET with no query but ?q=, no LTI launch token) the exercise
// part of the page is rendered once per variant and kept: the bytes
// before the learn bar, between it and the form's attempt_key, and after;
// the learn bar (name, links, note) and the attempt_key (fresh per load,
// so idempotency works as before) are rendered per request into the gaps
// (templates.SlotCuts marks them while the content renders, so the cached
// bytes never held them and nothing is spliced by searching). Everything
// else of the page (status, version, links, the learner's name) is the
// LiveStudent template's, rendered per request as before.
//
// A student with an attempt at the item, a posted answer's page, an LTI
// learner (the launch token is in the form's action) and any other query
// are rendered as before, uncached.

// maxLivePageCacheBytes bounds the live page cache (keys, the three
// segments, bookkeeping). The exercise part of a page is 5 to 130 KB
// (conv-by-hand revealed, with its player and worked solutions): 32 MiB
// holds about 250 large variants, every shared-seed room of a full server
// (50) in both its unrevealed and revealed state many times over; a
// per-learner-seed room of 200 keeps its unrevealed pages.
const maxLivePageCacheBytes = 32 << 20

// livePages is the cache, with its render count (the tests' witness that
// a shared-seed room renders once) and the renders in flight, so a room
// arriving at once shares one render rather than making 200.
type livePages struct {
	entries *lru[*livePageEntry]
	renders atomic.Int64
	// off renders every page uncached: the tests and benchmarks compare
	// a cached page with the uncached render in the same server.
	off atomic.Bool

	inFlight flight.Group[string, *livePageEntry]
}

// livePageEntry is one variant's exercise content cut at its slots.
type livePageEntry struct {
	segs [][]byte // len(templates.ExerciseSlots) + 1
	// player says the content has the animation player (the page then
	// follows the instructor's once revealed).
	player bool
}

func newLivePages() *livePages {
	return &livePages{entries: newLRU[*livePageEntry](maxLivePageCacheBytes)}
}

// livePageCacheable says r may get a cached page: a GET whose only query
// is the question (an LTI launch token, a ?v= pin, step paging or ?parts=
// change what the exercise renders, so they render as before).
func (s *Server) livePageCacheable(r *http.Request) bool {
	if r.Method != http.MethodGet || s.live.pages.off.Load() {
		return false
	}
	for k := range r.URL.Query() {
		if k != "q" {
			return false
		}
	}
	return true
}

// livePageKey names what the exercise content of a live page for a
// learner with no attempt at the item is a function of: the base path,
// the exercise at its version, the variant's seed and parts, the item,
// the question and its form's address (the session's code), whether the
// answer is revealed, and the settings the props read (with feedback
// and the phase at now, which can change with time). The seed stands for
// the learner with per-learner seeds; nothing a learner wrote or is
// named is in it. NUL-separated (no part holds a NUL).
func (s *Server) livePageKey(lc learnItemCtx, code string, q int, revealed bool) string {
	st := lc.a.Settings
	now := s.learnNow()
	var b strings.Builder
	add := func(v string) {
		b.WriteString(v)
		b.WriteByte(0)
	}
	add(s.base)
	add(lc.v.Exercise.ID)
	add(lc.v.Exercise.Version)
	add(strconv.FormatUint(lc.v.Seed, 10))
	add(strings.Join(lc.item.Parts, ","))
	add(strconv.FormatInt(lc.item.ID, 10))
	add(code)
	add(strconv.Itoa(q))
	add(strconv.FormatBool(revealed))
	add(strconv.Itoa(st.AttemptsAllowed))
	add(string(st.Feedback))
	add(string(st.Solutions))
	add(string(st.Score))
	add(strconv.FormatBool(st.LateCounts))
	add(st.TimeZone)
	add(strconv.FormatBool(courses.FeedbackShown(st, now)))
	add(string(courses.PhaseAt(st, now)))
	return b.String()
}

// livePageBody is the exercise of lc's live page for a learner with no
// attempt at it: the cached content with this request's learn bar and
// attempt_key; player says it has the animation player. errLivePageSlots
// says to render the page uncached.
func (s *Server) livePageBody(r *http.Request, lc learnItemCtx, room liveRoom, q int, revealed bool) (templ.Component, bool, error) {
	c := s.live.pages
	key := s.livePageKey(lc, room.ls.Code, q, revealed)
	e, ok := c.entries.get(key)
	if !ok {
		var err error
		if e, err = s.livePageRender(r, lc, room, q, revealed, key); err != nil {
			return nil, false, err
		}
	}
	bar := s.learnBarOf(r, lc, s.learnNow())
	bar.AssignmentURL = ltiCarry(r, s.liveURL(room.ls.Code, -1)) // as liveExerciseProps
	slots := templates.ExerciseSlots(*bar)
	body := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		for i, seg := range e.segs {
			if _, err := w.Write(seg); err != nil {
				return err
			}
			if i < len(slots) {
				if err := slots[i].Render(ctx, w); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return body, e.player, nil
}

// livePageRender renders the entry of key. One request renders it; the
// others asking for it meanwhile share that render.
func (s *Server) livePageRender(r *http.Request, lc learnItemCtx, room liveRoom, q int, revealed bool, key string) (*livePageEntry, error) {
	return s.live.pages.inFlight.Do(r.Context(), key, func(context.Context) (*livePageEntry, error) {
		// A render of key that ended between the caller's lookup and
		// this call has kept its entry.
		if e, ok := s.live.pages.entries.get(key); ok {
			return e, nil
		}
		return s.livePageRenderOnce(r, lc, room, q, revealed, key)
	})
}

// livePageRenderOnce renders key's entry and keeps it in the cache.
func (s *Server) livePageRenderOnce(r *http.Request, lc learnItemCtx, room liveRoom, q int, revealed bool, key string) (*livePageEntry, error) {
	c := s.live.pages
	c.renders.Add(1)
	// What renderLiveStudent renders for a learner with no attempt: no
	// progress, an empty form checked (blank verdicts), nothing refused.
	prog := s.itemProgressOf(lc, nil)
	form := restoreForm(lc.v, prog)
	answers, _ := formAnswers(lc.v, form)
	res, err := lc.v.Check(answers)
	if err != nil {
		return nil, badRequest("answers", "%s", err.Error())
	}
	props, err := s.liveExerciseProps(r, lc, room, q, revealed, prog, form, res, map[string]bool{})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	var cuts []int
	ctx := templates.SlotCuts(r.Context(), func(w io.Writer) error {
		// Everything before the slot must be in buf to cut there: the
		// template writes through a buffered writer (templ's) it flushes.
		if f, ok := w.(interface{ Flush() error }); ok {
			if err := f.Flush(); err != nil {
				return err
			}
		}
		cuts = append(cuts, buf.Len())
		return nil
	})
	if err := templates.ExerciseContent(props).Render(ctx, &buf); err != nil {
		return nil, err
	}
	if len(cuts) != len(templates.ExerciseSlots(templates.LearnBar{})) {
		// Every live page has its learn bar and form: a render without
		// them is not a page to share.
		return nil, errLivePageSlots
	}
	all := buf.Bytes()
	e := &livePageEntry{player: props.Player != nil}
	prev := 0
	for _, at := range cuts {
		e.segs = append(e.segs, bytes.Clone(all[prev:at]))
		prev = at
	}
	e.segs = append(e.segs, bytes.Clone(all[prev:]))
	cost := int64(len(key) + entryOverhead)
	for _, seg := range e.segs {
		cost += int64(len(seg))
	}
	// Kept only if the key still names what was rendered (a due date
	// passing during the render changes feedback and the phase).
	if s.livePageKey(lc, room.ls.Code, q, revealed) == key {
		c.entries.add(key, e, cost)
	}
	return e, nil
}

// errLivePageSlots is a live page's exercise rendered without its slots
// (never, while the templates have them): the page renders uncached.
var errLivePageSlots = errors.New("live page: the exercise rendered without its learn bar and form")

package web

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/stride-tutor/stride/internal/dashboard"
	"github.com/stride-tutor/stride/internal/store"
)

// An instructor reloads the dashboard often, during a class while
// attempts keep arriving, and folding every attempt of a large assignment
// is the expensive part of a view (see BENCHMARKS.md). So the report's
// Builder is kept, per assignment, with what it was built from, and a
// view folds only the attempts recorded since:
//
//   - The watermark is the largest attempt id folded, and folded counts
//     the attempts folded (all of them have ids at most the watermark).
//     Ids are not in commit order on PostgreSQL (a sequence; two writers
//     or two replicas), so an attempt with a smaller id can become visible
//     after a larger one was folded. store.ReportDeltaOf therefore reads,
//     in one snapshot, the learners, the number of attempts at or below
//     the watermark, and the attempts above it. Attempts are only added,
//     or deleted with their learner; so when the learners still include
//     every learner folded and the count equals folded, exactly the
//     folded attempts lie at or below the watermark, and the new ones are
//     those above it: no attempt is missed or counted twice. Otherwise
//     (a late commit below the watermark, a deleted learner) the view
//     reads everything again.
//   - The settings the fold depends on and the catalog generation are
//     part of the key: an edit rebuilds. Learners who joined are added
//     (their parts of per-student items too); a deleted learner rebuilds,
//     so their attempts leave the report at once (privacy).
//   - Names and e-mails are taken from the fresh learner list either way.
//
// TestDashboardIncremental* (web/dashboard_cache_test.go) check the result
// equals a full rebuild under interleaved writes on both databases.

// dashCacheBytes bounds the memory of kept builders and their reports (an
// estimate: see dashCost); least recently viewed assignments go first. A
// builder larger than the bound is not kept (every view folds everything).
const dashCacheBytes = 64 << 20

// dashCached is a kept Builder and what it was built from. mu serializes
// the views of one assignment while they fold into the Builder; report is
// read-only once made.
type dashCached struct {
	mu        sync.Mutex
	key       string
	b         *dashboard.Builder
	ids       map[int64]bool // every learner with a row in b
	listed    map[int64]bool // those that were in the learner list: the others have rows for their attempts alone
	maxListed int64          // the largest id among listed
	perItem   []int64        // per-student items that name no parts: their parts depend on the learner
	watermark int64          // largest attempt id folded
	folded    int64          // attempts folded
	report    *dashboard.Report
	cost      int64
	wrongText int64 // bytes of the wrong answers' texts folded (dashCost)
	// broken marks an entry a failed view may have left half-updated.
	broken bool
}

// dashCacheKey is what a report depends on besides its assignment's id,
// its learners and its attempts. Items never change once the assignment
// exists; the catalog's generation covers a changed exercise file.
func (s *Server) dashCacheKey(a store.Assignment) string {
	return string(a.Settings.Score) + "/" + strconv.FormatBool(a.Settings.LateCounts) + "/" +
		strconv.Itoa(a.Settings.AttemptsAllowed) + "/" + strconv.FormatUint(s.catalog.Generation(), 10)
}

// dashReport returns the report of an assignment and the course's
// learners: the kept Builder brought up to date when there is one, else
// by folding every attempt in one pass. The report is the caller's own to
// sort.
func (s *Server) dashReport(ctx context.Context, a store.Assignment) (*dashboard.Report, []store.Learner, error) {
	id, key := strconv.FormatInt(a.ID, 10), s.dashCacheKey(a)
	if c, ok := s.dashReports.get(id); ok && c.key == key {
		rep, learners, err := s.dashUpdate(ctx, a, id, c)
		if err == nil && rep != nil {
			return rep, learners, nil
		}
		if err != nil && !errors.Is(err, store.ErrDeltaTooLarge) {
			return nil, nil, err
		}
	}
	return s.dashRebuild(ctx, a, id, key)
}

// dashUpdate folds into c the attempts recorded since it was last brought
// up to date. It returns a nil report when c cannot be brought up to date
// and the report must be rebuilt.
func (s *Server) dashUpdate(ctx context.Context, a store.Assignment, id string, c *dashCached) (*dashboard.Report, []store.Learner, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return nil, nil, nil
	}
	d, err := s.store.ReportDeltaOf(ctx, a.CourseID, a.ID, c.watermark)
	if err != nil {
		return nil, nil, err
	}
	if d.AtOrBelow != c.folded {
		return nil, nil, nil // an attempt committed late below the watermark, or a learner's were deleted
	}
	listed := make(map[int64]bool, len(d.Learners))
	for _, l := range d.Learners {
		listed[l.ID] = true
	}
	for lid := range c.ids {
		if !listed[lid] {
			return nil, nil, nil // deleted
		}
	}
	var joined []store.Learner
	for _, l := range d.Learners {
		if !c.listed[l.ID] {
			joined = append(joined, l)
		}
	}
	changed := len(d.Attempts) > 0 || len(joined) > 0
	if len(joined) > 0 {
		ok, err := s.dashJoin(ctx, a, c, joined)
		if err != nil || !ok {
			return nil, nil, err
		}
	}
	c.broken = true // until the fold below is done
	for _, at := range d.Attempts {
		c.fold(at)
	}
	if changed {
		c.report = c.b.Finish()
		s.dashKeep(id, c)
	}
	c.broken = false
	return c.report.WithLearners(d.Learners), d.Learners, nil
}

// dashJoin adds learners who joined the course since c was built, with
// their parts of the per-student items; false when a learner's variant
// asks a part the item's columns lack (the report is then rebuilt, so the
// columns come out as a full rebuild orders them).
func (s *Server) dashJoin(ctx context.Context, a store.Assignment, c *dashCached, joined []store.Learner) (bool, error) {
	type setting struct {
		item    int64
		learner int64
		n       int
	}
	// The columns of a per-student item are the union of the learners'
	// parts in learner order: unchanged by learners listed after the
	// others whose parts are among them. Anything else rebuilds.
	if len(c.listed) == 0 {
		return false, nil // the columns are the recitation's parts, not a union
	}
	for _, l := range joined {
		if l.ID < c.maxListed {
			return false, nil
		}
	}
	var sets []setting
	for _, itemID := range c.perItem {
		for _, it := range a.Items {
			if it.ID != itemID {
				continue
			}
			ex, ok := s.catalog.LookupVersion(it.ExerciseID, it.ExerciseVersion)
			if !ok {
				continue
			}
			outlines, err := s.learnerOutlines(ctx, ex, it, joined)
			if err != nil {
				return false, err
			}
			for li, ol := range outlines {
				for _, p := range ol {
					if !c.b.HasPart(it.ID, p.ID) {
						return false, nil
					}
				}
				sets = append(sets, setting{it.ID, joined[li].ID, len(ol)})
			}
		}
	}
	for _, l := range joined {
		c.b.AddLearner(l)
		c.ids[l.ID], c.listed[l.ID] = true, true
		c.maxListed = max(c.maxListed, l.ID)
	}
	for _, st := range sets {
		c.b.SetLearnerParts(st.item, st.learner, st.n)
	}
	return true, nil
}

// dashRebuild folds every attempt of the assignment into a new Builder
// and keeps it.
func (s *Server) dashRebuild(ctx context.Context, a store.Assignment, id, key string) (*dashboard.Report, []store.Learner, error) {
	learners, err := s.store.ListLearners(ctx, a.CourseID)
	if err != nil {
		return nil, nil, err
	}
	items := s.dashItems(a)
	perItem, err := s.dashLearnerParts(ctx, a, items, learners)
	if err != nil {
		return nil, nil, err
	}
	b := dashboard.NewBuilder(dashboard.Input{Policy: a.Settings.Score, LateCounts: a.Settings.LateCounts,
		AttemptsAllowed: a.Settings.AttemptsAllowed, Items: items, Learners: learners})
	c := &dashCached{key: key, b: b, ids: make(map[int64]bool, len(learners)), listed: make(map[int64]bool, len(learners)), perItem: perItem}
	for _, l := range learners {
		c.ids[l.ID], c.listed[l.ID] = true, true
		c.maxListed = max(c.maxListed, l.ID)
	}
	if err := s.store.EachReportAttempt(ctx, a.ID, func(at store.ReportAttempt) error {
		c.fold(at)
		return nil
	}); err != nil {
		return nil, nil, err
	}
	c.report = b.Finish()
	s.dashKeep(id, c)
	return c.report.WithLearners(learners), learners, nil
}

// fold adds one attempt to c's Builder and watermark.
func (c *dashCached) fold(at store.ReportAttempt) {
	c.b.Add(at)
	c.ids[at.LearnerID] = true
	c.watermark = max(c.watermark, at.ID)
	c.folded++
	if !at.Correct {
		c.wrongText += int64(len(at.Answer) + len(at.ReadAs) + len(at.DiagnosisCode) + len(at.DiagnosisMessage))
	}
}

// dashKeep (re)enters c in the cache at its current cost; one grown past
// the cache's bound is replaced by a broken entry, so its memory is freed
// and the next view rebuilds.
func (s *Server) dashKeep(id string, c *dashCached) {
	c.cost = dashCost(c.report, c.folded, c.wrongText)
	if c.cost > dashCacheBytes {
		s.dashReports.add(id, &dashCached{broken: true}, 1)
		return
	}
	s.dashReports.add(id, c, c.cost)
}

// dashCost estimates the memory of a kept Builder and its report: per
// learner and part the builder's aggregate and the grid's cell, per
// wrong answer at most its texts (distinct answers are kept once, so this
// overestimates), and the per-part lists. It is brought up to date
// whenever attempts are folded in.
func dashCost(r *dashboard.Report, attempts, wrongText int64) int64 {
	cost := int64(8192) + 2*wrongText + 16*attempts
	for _, it := range r.Items {
		cost += int64(len(it.Parts)) * (4096 + int64(len(r.Rows))*160)
	}
	cost += int64(len(r.Rows)) * (512 + int64(len(r.Items))*96)
	return cost
}

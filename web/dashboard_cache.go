package web

import (
	"strconv"

	"github.com/stride-tutor/stride/internal/dashboard"
	"github.com/stride-tutor/stride/internal/store"
)

// An instructor reloads the dashboard often, and folding every attempt of
// a large assignment is the expensive part of a view (see BENCHMARKS.md).
// A built report is kept, per assignment, with a key of everything it was
// built from: the attempts' stamp (their count and largest id: attempts
// are only ever added, or deleted with their learner), the settings the
// scores depend on, and the course's learner ids. A view first reads that
// key (an index-only count and the learner list, which it needs anyway)
// and reuses the report when nothing changed; names and e-mails are taken
// from the fresh learner list either way.

// dashCacheBytes bounds the memory of cached reports (an estimate: see
// dashCost); least recently viewed assignments go first.
const dashCacheBytes = 64 << 20

// dashCached is a cached report and what it was built from.
type dashCached struct {
	key      string
	learners []int64 // the course's learner ids, in order
	report   *dashboard.Report
}

// dashCacheKey is what a report depends on besides its assignment's id and
// its learners. Items never change once the assignment exists.
func dashCacheKey(a store.Assignment, stamp store.AttemptStamp) string {
	return strconv.FormatInt(stamp.Count, 10) + "/" + strconv.FormatInt(stamp.MaxID, 10) + "/" +
		string(a.Settings.Score) + "/" + strconv.FormatBool(a.Settings.LateCounts) + "/" + strconv.Itoa(a.Settings.AttemptsAllowed)
}

func learnerIDs(ls []store.Learner) []int64 {
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return ids
}

// current reports whether the cached report was built from key and the
// same learners.
func (c *dashCached) current(key string, learners []store.Learner) bool {
	if c.key != key || len(c.learners) != len(learners) {
		return false
	}
	for i, l := range learners {
		if c.learners[i] != l.ID {
			return false
		}
	}
	return true
}

// dashCost estimates a report's memory: its grid, and per part the lists
// it keeps (the builder's maps are gone once the report is built).
func dashCost(r *dashboard.Report) int64 {
	cost := int64(4096 + 8*len(r.Rows))
	for _, row := range r.Rows {
		cost += 256 + int64(len(row.Cells))*48
	}
	for _, it := range r.Items {
		cost += int64(len(it.Parts)) * 4096
	}
	return cost
}

package web

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stride-tutor/stride/internal/dashboard"
	"github.com/stride-tutor/stride/internal/store"
)

// TestDashboardReportCache: a cached report is reused only while nothing
// it was built from changed, and every change shows at the next view.
func TestDashboardReportCache(t *testing.T) {
	ctx := context.Background()
	st := dashStore(t, "")
	c := dashSeedClass(t, st, 2, dashItemsConv)
	item := c.assignment.Items[0]
	app := newTestHandler(t, Config{Store: st})
	s := app.server
	view := func() *dashboard.Report {
		t.Helper()
		a, err := st.GetAssignment(ctx, c.assignment.ID)
		if err != nil {
			t.Fatal(err)
		}
		rep, _, err := s.dashReport(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	total := func(rep *dashboard.Report, learner int64) float64 {
		for _, r := range rep.Rows {
			if r.Learner.ID == learner {
				return r.Total
			}
		}
		t.Fatalf("no row for learner %d", learner)
		return 0
	}
	ada := c.learners[0].ID
	dashRecord(t, st, ada, item, "dims", "3x3", "", 1)
	first := view()
	if n, _ := s.dashReports.size(); n != 1 || total(first, ada) != 1 {
		t.Fatalf("cached %d reports, Ada's total %v", n, total(first, ada))
	}
	// Nothing changed: the cached report (not a rebuild) is used, and each
	// view gets rows of its own to sort.
	cached, _ := s.dashReports.get(strconv.FormatInt(c.assignment.ID, 10))
	again := view()
	if &again.Rows[0].Cells[0] != &cached.report.Rows[0].Cells[0] || &again.Rows[0] == &cached.report.Rows[0] {
		t.Errorf("a second view did not reuse the report with rows of its own")
	}
	// A new attempt.
	dashRecord(t, st, ada, item, "bottom-right", "4", "", 1)
	if got := total(view(), ada); got != 2 {
		t.Errorf("after a new attempt Ada's total is %v, want 2", got)
	}
	// A changed score policy: Ada's last attempt at dims is wrong, her best right.
	dashRecord(t, st, ada, item, "dims", "bad", "conv.x", 0)
	if got := total(view(), ada); got != 2 {
		t.Errorf("best policy: %v, want 2", got)
	}
	a := c.assignment
	a.Settings.Score = store.ScoreLast
	if err := st.UpdateAssignment(ctx, a.ID, a.Title, a.Settings); err != nil {
		t.Fatal(err)
	}
	if got := total(view(), ada); got != 1 {
		t.Errorf("last policy: %v, want 1", got)
	}
	// A renamed learner (roster upload) and a new one.
	if _, err := st.ImportRoster(ctx, c.course.ID, []store.RosterEntry{{RosterID: "s0000", Name: "Ada L."}, {RosterID: "new", Name: "Newcomer", LinkToken: "t-new"}}); err != nil {
		t.Fatal(err)
	}
	rep := view()
	if len(rep.Rows) != 3 || rep.Rows[0].Learner.Name != "Ada L." {
		t.Errorf("after the roster upload: %d rows, first %q", len(rep.Rows), rep.Rows[0].Learner.Name)
	}
	// A deleted learner.
	if err := st.DeleteLearner(ctx, ada); err != nil {
		t.Fatal(err)
	}
	rep = view()
	if len(rep.Rows) != 2 || rep.Attempts != 0 {
		t.Errorf("after deleting Ada: %d rows, %d attempts", len(rep.Rows), rep.Attempts)
	}
	// Views sort their own copies concurrently (run with -race).
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _, err := s.dashReport(ctx, a)
			if err != nil {
				t.Error(err)
				return
			}
			r.Sort(dashboard.SortKey{Column: dashboard.SortTotal, Desc: i%2 == 0})
		}()
	}
	wg.Wait()
}

package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/store"
)

// TestBrowserDashboard signs an instructor in (a session cookie of the
// store's), opens the dashboard of an assignment with seeded attempts, and
// finds the grid, the charts and the mistake table naming the diagnosis;
// every page passes axe-core (WCAG 2.2 AA) light and dark, desktop and
// phone, and nothing but the table containers scrolls sideways at 360 px.
func TestBrowserDashboard(t *testing.T) {
	ctx := newBrowser(t)
	e := dashEnv(t)
	// A second learner with the same mistake.
	b, err := e.st.CreateLearner(context.Background(), store.NewLearner{CourseID: e.course.ID, Source: store.SourceRoster, RosterID: "s2", Name: "Grace", LinkToken: "link-grace"})
	if err != nil {
		t.Fatal(err)
	}
	dashRecord(t, e.st, b.ID, e.asg.Items[0], "cell", "-4", "conv.flipped-kernel", 0)
	srv := httptest.NewServer(e.app)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
		Name: sessionCookie, Value: e.session(e.instA), Domain: u.Hostname(), Path: "/",
	}); err != nil {
		t.Fatalf("sign in with a session cookie: %v", err)
	}

	overview := srv.URL + e.srv.assignmentURL(e.course.ID, e.asg.ID)
	part := srv.URL + e.srv.dashPartURL(e.course.ID, e.asg.ID, e.asg.Items[0].ID, "cell")
	learner := srv.URL + e.srv.dashLearnerURL(e.course.ID, e.learn.ID)

	setMode(t, ctx, axeModes[0])
	step(t, ctx, "open the overview", chromedp.Navigate(overview), chromedp.WaitVisible(chromedp.CSS("table.dash-grid")))
	if got := textOf(t, ctx, "table.dash-grid tbody"); !strings.Contains(got, "Ada") || !strings.Contains(got, "Grace") {
		t.Errorf("grid: %q", got)
	}
	if got := textOf(t, ctx, ".mistake-table"); !strings.Contains(got, "conv.flipped-kernel") || !strings.Contains(got, "67 %") { // 2 of 3 wrong answers
		t.Errorf("overview mistake table: %q", got)
	}
	// Sorting works without JavaScript: follow the Total heading's link.
	step(t, ctx, "sort by total", chromedp.Click(chromedp.CSS(`table.dash-grid thead th:nth-last-child(3) a`)),
		chromedp.WaitVisible(chromedp.CSS(`table.dash-grid th[aria-sort="descending"]`)))
	if got := textOf(t, ctx, "table.dash-grid tbody tr:first-child th"); !strings.Contains(got, "Ada") {
		t.Errorf("sorted by total, the first row is %q, want Ada (0.25 points, Grace 0)", got)
	}

	step(t, ctx, "open the part", chromedp.Navigate(part), chromedp.WaitVisible(chromedp.CSS(".mistake-table")))
	if got := textOf(t, ctx, ".mistake-table"); !strings.Contains(got, "conv.flipped-kernel") || !strings.Contains(got, "The diagnosis conv.flipped-kernel.") {
		t.Errorf("part mistake table: %q", got)
	}

	for _, p := range []string{overview, part, learner} {
		setMode(t, ctx, axeModes[0])
		step(t, ctx, "open "+p, chromedp.Navigate(p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		for _, m := range axeModes {
			setMode(t, ctx, m)
			reportAxe(t, m.name+" "+p, runAxe(t, ctx, m))
		}
		setMode(t, ctx, viewMode{"phone 360", 360, 800, false})
		if o := pageOverflow(t, ctx); o != "" {
			t.Errorf("%s at 360 px: %s", p, o)
		}
	}
}

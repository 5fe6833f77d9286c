package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/store"
)

// checkPage runs axe in every mode on the current page and checks that at
// 360 px nothing but a scrolling table is wider than the screen.
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, m := range axeModes {
		setMode(t, ctx, m)
		reportAxe(t, m.name+" "+name, runAxe(t, ctx, m))
	}
	setMode(t, ctx, viewMode{"phone 360", 360, 740, false})
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if wide > 360 {
		culprits, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > 361).slice(0, 5).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("%s is %d px wide at 360 px: %v", name, wide, culprits)
	}
	setMode(t, ctx, axeModes[0])
}

// TestBrowserInstructorFlow: an instructor signs in, creates a course,
// uploads a roster file, and creates an assignment with a per-student
// seed; every page on the way passes axe light and dark, desktop and
// phone, and fits 360 px.
func TestBrowserInstructorFlow(t *testing.T) {
	ctx := newBrowser(t)
	e := newClassEnv(t, Config{})
	srv := httptest.NewServer(e.app)
	t.Cleanup(srv.Close)
	ready := waitJS(`document.documentElement.classList.contains("js")`)

	step(t, ctx, "open a course page signed out",
		chromedp.Navigate(srv.URL+"/courses"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		ready,
	)
	checkPage(t, ctx, "sign-in")
	step(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#email"), "a@example.edu"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-course")),
		ready,
	)
	checkPage(t, ctx, "my courses")
	step(t, ctx, "create a course",
		chromedp.SendKeys(chromedp.CSS("#title"), "Recitation 7"),
		chromedp.SetValue(chromedp.CSS("#time_zone"), "Europe/Berlin"),
		chromedp.Click(chromedp.CSS("form[action='/courses'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#roster")),
		ready,
	)
	if got := textOf(t, ctx, "h1"); got != "Recitation 7" {
		t.Errorf("course page h1 %q", got)
	}
	roster := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(roster, []byte("Name;Student ID;E-Mail\nGrace Hopper;s2;grace@example.edu\nAlan Turing;s3;alan@example.edu\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "upload the roster",
		chromedp.SetUploadFiles(chromedp.CSS("#roster-file"), []string{roster}),
		chromedp.Click(chromedp.CSS("form[enctype='multipart/form-data'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".links-table")),
		ready,
	)
	if got := textOf(t, ctx, "main [role=status]"); got != "2 new students, 0 updated." {
		t.Errorf("roster summary %q", got)
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".personal-link")].map(a => a.href)`))
	if err != nil || len(links) != 2 {
		t.Fatalf("personal links %v, %v", links, err)
	}
	for _, l := range links {
		tok := l[strings.LastIndex(l, "/")+1:]
		if lr, err := e.st.LearnerByLinkToken(context.Background(), tok); err != nil || (lr.Name != "Grace Hopper" && lr.Name != "Alan Turing") {
			t.Errorf("link %s: %+v, %v", l, lr, err)
		}
	}
	checkPage(t, ctx, "roster imported")
	step(t, ctx, "back to the course",
		chromedp.Click(chromedp.CSS("main p:last-child a")),
		chromedp.WaitVisible(chromedp.CSS("#roster")),
		ready,
	)
	checkPage(t, ctx, "course page")
	step(t, ctx, "open the assignment form",
		chromedp.Click(chromedp.CSS("a.button")),
		chromedp.WaitVisible(chromedp.CSS("#item-1-exercise")),
		ready,
	)
	checkPage(t, ctx, "new assignment")
	step(t, ctx, "create an assignment with a per-student seed",
		chromedp.SendKeys(chromedp.CSS("#title"), "Convolution by hand"),
		chromedp.SetValue(chromedp.CSS("#due"), "2026-03-09T23:59"),
		chromedp.SetValue(chromedp.CSS("#item-1-exercise"), "conv-by-hand"),
		chromedp.SetValue(chromedp.CSS("#item-1-seed-policy"), "per-learner"),
		chromedp.SetValue(chromedp.CSS("#item-2-exercise"), "cnn-parameters"),
		chromedp.SetValue(chromedp.CSS("#item-2-seed-policy"), "recitation"),
		chromedp.Click(chromedp.CSS("form.assignment-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#share-url")),
		ready,
	)
	share, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#share-url")))
	if err != nil || !strings.Contains(share, "/a/") {
		t.Fatalf("shared link %q, %v", share, err)
	}
	checkPage(t, ctx, "assignment links")
	a, err := e.st.AssignmentByShareToken(context.Background(), share[strings.LastIndex(share, "/")+1:])
	if err != nil || a.Title != "Convolution by hand" || len(a.Items) != 2 || a.Items[0].SeedPolicy != store.SeedPerLearner ||
		a.Items[0].ExerciseID != "conv-by-hand" || a.Items[1].SeedPolicy != store.SeedRecitation || a.Settings.TimeZone != "Europe/Berlin" {
		t.Fatalf("assignment %+v, %v", a, err)
	}
	snippet, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#embed-1")))
	if err != nil || !strings.Contains(snippet, "/embed/conv-by-hand?item=") {
		t.Errorf("embed snippet %q, %v", snippet, err)
	}
	step(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(".signout button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
	)
	if got := textOf(t, ctx, "main [role=status]"); got != "You are signed out." {
		t.Errorf("after sign-out: %q", got)
	}
}

// TestBrowserAxeAccountPages: the setup page, the admin's account page
// (with a refused form's errors) and the assignment form with errors pass
// axe and fit 360 px.
func TestBrowserAxeAccountPages(t *testing.T) {
	ctx := newBrowser(t)
	e := newClassEnv(t, Config{})
	srv := httptest.NewServer(e.app)
	t.Cleanup(srv.Close)
	ready := waitJS(`document.documentElement.classList.contains("js")`)
	step(t, ctx, "sign in as admin",
		chromedp.Navigate(srv.URL+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "root@example.edu"),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong password"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#signin-error")),
		ready,
	)
	checkPage(t, ctx, "failed sign-in")
	step(t, ctx, "sign in as admin",
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-course")),
		chromedp.Navigate(srv.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS("#add-account")),
		ready,
	)
	checkPage(t, ctx, "accounts")
	step(t, ctx, "refused account",
		chromedp.SendKeys(chromedp.CSS("#email"), "a@example.edu"),
		chromedp.SendKeys(chromedp.CSS("#password"), "long enough password"),
		chromedp.Click(chromedp.CSS("form[action='/admin/users'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".form-errors")),
		ready,
	)
	checkPage(t, ctx, "accounts with errors")
	step(t, ctx, "refused assignment",
		chromedp.Navigate(srv.URL+"/courses/"+itoa(e.course.ID)+"/assignments/new"),
		chromedp.WaitVisible(chromedp.CSS("#item-1-exercise")),
		chromedp.SendKeys(chromedp.CSS("#title"), "No items"),
		chromedp.Click(chromedp.CSS("form.assignment-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".form-errors")),
		ready,
	)
	checkPage(t, ctx, "assignment form with errors")
	step(t, ctx, "assignment settings",
		chromedp.Navigate(srv.URL+"/courses/"+itoa(e.course.ID)+"/assignments/"+itoa(e.asg.ID)+"/edit"),
		chromedp.WaitVisible(chromedp.CSS(".fixed-items")),
		ready,
	)
	checkPage(t, ctx, "assignment settings")

	// The setup page of a server with no admin.
	st := openTestStore(t, nil)
	app := newTestHandler(t, Config{Store: st})
	tok, err := st.CreateSetupToken(t.Context(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	setup := httptest.NewServer(app)
	t.Cleanup(setup.Close)
	step(t, ctx, "setup page",
		chromedp.Navigate(setup.URL+"/setup/"+tok),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		ready,
	)
	checkPage(t, ctx, "setup")
}

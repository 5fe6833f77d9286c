package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccountPages: an admin makes a reset link on the accounts
// page, the instructor opens it and sets a new password, then changes it
// on their account page (a wrong current password first). Every page on
// the way passes axe light and dark, desktop and phone, and fits 360 px;
// all of it works by keyboard-reachable forms, without JavaScript needed.
func TestBrowserAccountPages(t *testing.T) {
	ctx := newBrowser(t)
	e := newClassEnv(t, Config{})
	srv := httptest.NewServer(e.app)
	t.Cleanup(srv.Close)
	ready := waitJS(`document.documentElement.classList.contains("js")`)

	step(t, ctx, "admin signs in",
		chromedp.Navigate(srv.URL+"/signin?next=/admin/users"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "root@example.edu"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#add-account")),
		ready,
	)
	checkPage(t, ctx, "accounts")
	step(t, ctx, "make a reset link",
		chromedp.Click(chromedp.CSS(`button[aria-label="Make a password-reset link for a@example.edu"]`)),
		chromedp.WaitVisible(chromedp.CSS("#reset-url")),
		ready,
	)
	checkPage(t, ctx, "reset link shown")
	resetURL, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#reset-url")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resetURL, srv.URL+"/reset/") {
		t.Fatalf("reset link %q", resetURL)
	}
	// The instructor, in a browser with no session: the admin's cookie
	// goes first.
	step(t, ctx, "sign the admin out",
		chromedp.Click(chromedp.CSS(".signout button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
	)
	step(t, ctx, "open the reset link",
		chromedp.Navigate(resetURL),
		chromedp.WaitVisible(chromedp.CSS("#new_password")),
		ready,
	)
	checkPage(t, ctx, "reset page")
	step(t, ctx, "set a new password",
		chromedp.SendKeys(chromedp.CSS("#new_password"), "reset password 1"),
		chromedp.SendKeys(chromedp.CSS("#confirm_password"), "reset password 1"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-course")),
	)
	step(t, ctx, "account page",
		chromedp.Click(chromedp.CSS(`.class-nav a[href="/account"]`)),
		chromedp.WaitVisible(chromedp.CSS("#current_password")),
		ready,
	)
	checkPage(t, ctx, "account")
	step(t, ctx, "a wrong current password",
		chromedp.SendKeys(chromedp.CSS("#current_password"), "not the password"),
		chromedp.SendKeys(chromedp.CSS("#new_password"), "third password 3"),
		chromedp.SendKeys(chromedp.CSS("#confirm_password"), "third password 3"),
		chromedp.Click(chromedp.CSS(`form[action="/account/password"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".form-errors")),
		ready,
	)
	checkPage(t, ctx, "account with errors")
	step(t, ctx, "change the password",
		chromedp.SendKeys(chromedp.CSS("#current_password"), "reset password 1"),
		chromedp.SendKeys(chromedp.CSS("#new_password"), "third password 3"),
		chromedp.SendKeys(chromedp.CSS("#confirm_password"), "third password 3"),
		chromedp.Click(chromedp.CSS(`form[action="/account/password"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if notice := textOf(t, ctx, ".notice"); !strings.Contains(notice, "Every other device is signed out") {
		t.Errorf("notice after the change: %q", notice)
	}
}

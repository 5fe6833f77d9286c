package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/lti/ltitest"
)

// TestBrowserLTIDeepLinking: in Chromium, the picker an instructor's deep
// linking launch opens passes axe (light desktop, dark phone), and
// choosing an exercise sends the signed response to the LMS through the
// external script (the CSP allows the post to the LMS and no inline
// script); the simulated LMS verifies it.
func TestBrowserLTIDeepLinking(t *testing.T) {
	e := newLTIEnv(t)
	dl := e.plat.EnableDeepLinking(t, e.stride.URL+"/lti/jwks")
	e.plat.Claims = dl.InstructorClaims
	r := e.launch(t, "")
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.location, "/lti/deeplink?dl=") {
		t.Fatalf("deep linking launch: %d %q", r.code, r.location)
	}
	ctx := newBrowser(t)
	step(t, ctx, "open the picker", chromedp.Navigate(e.stride.URL+r.location), chromedp.WaitVisible(chromedp.CSS(`#ex-conv-by-hand`)))
	for _, m := range []viewMode{axeModes[0], axeModes[3]} {
		setMode(t, ctx, m)
		reportAxe(t, m.name+" picker", runAxe(t, ctx, m))
	}
	setMode(t, ctx, axeModes[0])
	step(t, ctx, "choose and submit",
		chromedp.Click(chromedp.CSS(`#ex-conv-by-hand`)),
		chromedp.Click(chromedp.CSS(`#seed-recitation`)),
		chromedp.Click(chromedp.CSS(`button[value="add"]`)),
		// Two navigations: Stride's response page, then its script's post
		// to the LMS, whose page names what it received.
		chromedp.WaitVisible(chromedp.CSS(`#lms-received`)),
	)
	if got := textOf(t, ctx, "#lms-received"); got != "Received 1 items." {
		t.Errorf("LMS page says %q", got)
	}
	res := dl.Results()
	if len(res) != 1 || res[0].Err != nil || len(res[0].Items) != 1 || res[0].Items[0].LineItem == nil {
		t.Fatalf("the LMS received %+v", res)
	}
}

// TestBrowserLTIRegistrationCloses: the LMS opens an admin's registration
// link in an iframe on its own origin (no Stride cookie); the registration
// completes and Stride's external script tells the LMS to close it.
func TestBrowserLTIRegistrationCloses(t *testing.T) {
	e := newLTIEnv(t)
	p2 := ltitest.New(t)
	reg := p2.EnableRegistration(t)
	page := e.sendH(t, http.MethodPost, e.stride.URL+"/admin/lti/registration-link", url.Values{}, "same-origin", e.session(e.admin))
	m := registerLinkRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no registration link: %d", page.code)
	}
	ctx := newBrowser(t)
	step(t, ctx, "register from the LMS frame",
		chromedp.Navigate(reg.FrameURL(html.UnescapeString(m[1]))),
		chromedp.WaitVisible(chromedp.CSS(`#closed`)),
	)
	if n := len(reg.Registrations()); n != 1 {
		t.Errorf("registrations at the LMS: %d", n)
	}
}

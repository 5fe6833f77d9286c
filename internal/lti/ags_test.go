package lti_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/lti/ltitest"
	"github.com/stride-tutor/stride/internal/store"
)

// servicesEnv is a tool whose JWKS the simulator can fetch, and its
// service client on the test clock.
type servicesEnv struct {
	*env
	svc      *lti.Services
	platform store.LTIPlatform
}

func setupServices(t *testing.T) *servicesEnv {
	t.Helper()
	e := setup(t)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := e.tool.JWKS()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(jwks.Close)
	e.plat.SetToolJWKS(jwks.URL)
	// Client assertions carry the wall clock; the platform checks them
	// (and its tokens' expiry) on it. Stride's token cache runs on the
	// test clock.
	e.plat.Now = time.Now
	ps, err := e.st.LTIPlatformsByIssuer(context.Background(), e.plat.Issuer)
	if err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
	return &servicesEnv{env: e, svc: lti.NewServices(e.tool, lti.ServicesConfig{Now: e.clock.Now}), platform: ps[0]}
}

func score(user string, given float64, at time.Time) lti.Score {
	return lti.Score{UserID: user, ScoreGiven: given, ScoreMaximum: 2, ActivityProgress: lti.ActivityCompleted,
		GradingProgress: lti.GradingFullyGraded, Timestamp: lti.Timestamp(at)}
}

// TestLaunchServiceClaims: a launch reads the AGS and NRPS claims.
func TestLaunchServiceClaims(t *testing.T) {
	e := setup(t)
	li := e.plat.AddLineItem("Item", 2, "rl-1")
	form := e.login(t)
	l, err := e.tool.Verify(context.Background(), form.Get("id_token"), form.Get("state"))
	if err != nil {
		t.Fatal(err)
	}
	if l.LineItem != li || l.LineItems != e.plat.LineItemsURL() || l.MembershipsURL != e.plat.MembershipsURL() ||
		!slices.Contains(l.AGSScopes, lti.ScopeScore) {
		t.Errorf("launch services: lineitem %q lineitems %q memberships %q scopes %v", l.LineItem, l.LineItems, l.MembershipsURL, l.AGSScopes)
	}
}

// TestServicesTokenCache: one token per platform and scope set until it
// expires; a token the LMS revoked is replaced once, transparently.
func TestServicesTokenCache(t *testing.T) {
	e := setupServices(t)
	ctx := context.Background()
	li := e.plat.AddLineItem("Item", 2, "rl-1")
	scopes := []string{lti.ScopeScore, lti.ScopeLineItem}
	for i := range 3 {
		if err := e.svc.PostScore(ctx, e.platform, scopes, li, score("u1", float64(i)/2, e.clock.Now().Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.plat.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests for three scores, want 1", n)
	}
	// The same scopes in another order are the same set.
	if _, err := e.svc.AccessToken(ctx, e.platform, []string{lti.ScopeLineItem, lti.ScopeScore}); err != nil || e.plat.TokenRequests() != 1 {
		t.Fatalf("same scope set: %v, %d requests", err, e.plat.TokenRequests())
	}
	// Another scope set is another token.
	if _, err := e.svc.AccessToken(ctx, e.platform, []string{lti.ScopeMemberships}); err != nil || e.plat.TokenRequests() != 2 {
		t.Fatalf("other scopes: %v, %d requests", err, e.plat.TokenRequests())
	}
	// Revoked: the score service answers 401, Stride asks for a new token
	// and the score arrives.
	e.plat.RevokeTokens()
	if err := e.svc.PostScore(ctx, e.platform, scopes, li, score("u1", 2, e.clock.Now().Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if n := e.plat.TokenRequests(); n != 3 {
		t.Fatalf("%d token requests after revocation, want 3", n)
	}
	// Expired (an hour, less a margin): a new token.
	e.clock.Add(time.Hour)
	if err := e.svc.PostScore(ctx, e.platform, scopes, li, score("u1", 2, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if n := e.plat.TokenRequests(); n != 4 {
		t.Fatalf("%d token requests after expiry, want 4", n)
	}
	if got, ok := e.plat.Result(li, "u1"); !ok || got.ScoreGiven != 2 {
		t.Errorf("result %+v", got)
	}
}

// TestServicesErrors: the LMS's refusals are ServiceErrors, temporary
// or not, carrying its message.
func TestServicesErrors(t *testing.T) {
	e := setupServices(t)
	ctx := context.Background()
	li := e.plat.AddLineItem("Item", 2, "rl-1")
	scopes := []string{lti.ScopeScore}
	for _, c := range []struct {
		status    int
		body      string
		temporary bool
		msg       string
	}{
		{http.StatusServiceUnavailable, "maintenance", true, "503 Service Unavailable: maintenance"},
		{http.StatusTooManyRequests, `{"error":"slow down"}`, true, "slow down"},
		{http.StatusUnprocessableEntity, `{"errors":[{"message":"Course not available for student"}]}`, false, "Course not available for student"},
		{http.StatusNotFound, "<html>not found</html>", false, "404 Not Found"},
	} {
		e.plat.FailScores(c.status, c.body, 1)
		err := e.svc.PostScore(ctx, e.platform, scopes, li, score("u1", 1, e.clock.Now()))
		var se *lti.ServiceError
		if !errors.As(err, &se) || se.Status != c.status || se.Temporary != c.temporary || !strings.Contains(se.Message, c.msg) {
			t.Errorf("%d: %#v", c.status, err)
		}
	}
	// A platform whose token endpoint refuses Stride: a permanent error
	// naming the token endpoint.
	e.plat.SetToolJWKS("")
	_, err := lti.NewServices(e.tool, lti.ServicesConfig{}).AccessToken(ctx, e.platform, scopes)
	var se *lti.ServiceError
	if !errors.As(err, &se) || se.Temporary || !strings.Contains(se.Message, "token endpoint answered 401") {
		t.Errorf("refused assertion: %v", err)
	}
}

// TestServicesTokenAudience: a platform registered with a token audience
// gets assertions addressed to it, not to its token URL.
func TestServicesTokenAudience(t *testing.T) {
	e := setupServices(t)
	ctx := context.Background()
	const aud = "https://api.lms.example/auth/token"
	e.plat.SetTokenAudience(aud)
	scopes := []string{lti.ScopeScore}
	var se *lti.ServiceError
	if _, err := e.svc.AccessToken(ctx, e.platform, scopes); !errors.As(err, &se) || !strings.Contains(se.Message, "aud must be") {
		t.Fatalf("assertion to the token URL: %v, want refused", err)
	}
	p, err := e.st.AddLTIPlatform(ctx, store.NewLTIPlatform{Issuer: e.plat.Issuer, ClientID: e.plat.ClientID,
		AuthURL: e.plat.AuthURL(), TokenURL: e.plat.TokenURL(), JWKSURL: e.plat.JWKSURL(), TokenAudience: aud})
	if err != nil || p.TokenAudience != aud {
		t.Fatalf("register with audience: %+v, %v", p, err)
	}
	if _, err := e.svc.AccessToken(ctx, p, scopes); err != nil {
		t.Fatalf("assertion to the audience: %v", err)
	}
	// Registering again without one (another deployment) keeps it.
	p, err = e.st.AddLTIPlatform(ctx, store.NewLTIPlatform{Issuer: e.plat.Issuer, ClientID: e.plat.ClientID,
		AuthURL: e.plat.AuthURL(), TokenURL: e.plat.TokenURL(), JWKSURL: e.plat.JWKSURL(), DeploymentIDs: []string{"d2"}})
	if err != nil || p.TokenAudience != aud {
		t.Fatalf("re-register: %+v, %v", p, err)
	}
}

// TestFindOrCreateLineItem: the first call creates the line item, the
// next finds it.
func TestFindOrCreateLineItem(t *testing.T) {
	e := setupServices(t)
	ctx := context.Background()
	scopes := []string{lti.ScopeLineItem, lti.ScopeScore}
	want := lti.LineItem{ScoreMaximum: 3, Label: "HW 1: Convolution", ResourceLinkID: "rl-9", Tag: "stride-item-7", ResourceID: "stride-item-7"}
	e.plat.AddLineItem("Another", 1, "rl-9") // same link, no tag: not Stride's
	id, err := e.svc.FindOrCreateLineItem(ctx, e.platform, scopes, e.plat.LineItemsURL(), want)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.FindOrCreateLineItem(ctx, e.platform, scopes, e.plat.LineItemsURL(), want)
	if err != nil || again != id {
		t.Fatalf("second call %q, %v; want %q", again, err, id)
	}
	items := e.plat.LineItems()
	if len(items) != 2 || items[1].ID != id || items[1].ScoreMaximum != 3 || items[1].Tag != "stride-item-7" {
		t.Errorf("line items %+v", items)
	}
}

// TestMemberships follows rel="next" through every page.
func TestMemberships(t *testing.T) {
	e := setupServices(t)
	var members []ltitest.Member
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		members = append(members, ltitest.Member{UserID: id, Name: "User " + id, Roles: []string{ltitest.RoleLearner}})
	}
	members[4].Roles = []string{ltitest.RoleInstructor}
	e.plat.SetMembers(members, 2)
	got, err := e.svc.Memberships(context.Background(), e.platform, e.plat.MembershipsURL())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || e.plat.MembershipRequests() != 3 || got[2].UserID != "c" || !got[4].IsInstructor() || got[0].IsInstructor() || !got[0].Active() {
		t.Fatalf("members %+v after %d pages", got, e.plat.MembershipRequests())
	}
}

func TestDefaultBackoff(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n <= 30; n++ {
		want := min(lti.BackoffBase<<min(n-1, 20), lti.BackoffMax)
		for range 20 {
			d := lti.DefaultBackoff(n)
			if d < want*8/10 || d > want*12/10 {
				t.Fatalf("backoff(%d) = %v, want %v ± 20%%", n, d, want)
			}
		}
		if want < prev {
			t.Fatalf("backoff shrinks at %d", n)
		}
		prev = want
	}
}

func TestScoresURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://lms.example/api/lti/courses/1/line_items/7":                        "https://lms.example/api/lti/courses/1/line_items/7/scores",
		"https://lms.example/mod/lti/services.php/2/lineitems/5/lineitem?type_id=3": "https://lms.example/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=3",
		"https://lms.example/li/7/":                                                 "https://lms.example/li/7/scores",
	} {
		if got, err := lti.ScoresURL(in); err != nil || got != want {
			t.Errorf("ScoresURL(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := lti.ScoresURL("not a url"); err == nil {
		t.Error("ScoresURL accepted a non-URL")
	}
}

package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestLTIPlatforms(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		np := NewLTIPlatform{Issuer: "https://canvas.example", ClientID: "10000000000001",
			AuthURL: "https://canvas.example/auth", TokenURL: "https://canvas.example/token", JWKSURL: "https://canvas.example/jwks",
			DeploymentIDs: []string{"d1"}}
		p, err := s.AddLTIPlatform(ctx, np)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Deployments, []string{"d1"}) {
			t.Errorf("deployments %v, want [d1]", p.Deployments)
		}
		// Adding again with another deployment and a new URL updates, not duplicates.
		np.DeploymentIDs, np.JWKSURL = []string{"d2", "d1"}, "https://canvas.example/jwks2"
		p2, err := s.AddLTIPlatform(ctx, np)
		if err != nil {
			t.Fatal(err)
		}
		if p2.ID != p.ID || p2.JWKSURL != np.JWKSURL || !slices.Equal(p2.Deployments, []string{"d1", "d2"}) {
			t.Errorf("re-add: %+v", p2)
		}
		byIss, err := s.LTIPlatformsByIssuer(ctx, np.Issuer)
		if err != nil || len(byIss) != 1 || byIss[0].ID != p.ID {
			t.Errorf("by issuer: %+v, %v", byIss, err)
		}
		all, err := s.ListLTIPlatforms(ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("list: %+v, %v", all, err)
		}
		for _, bad := range []NewLTIPlatform{
			{ClientID: "c", AuthURL: np.AuthURL, TokenURL: np.TokenURL, JWKSURL: np.JWKSURL},
			{Issuer: "i", ClientID: "c", AuthURL: "ftp://x", TokenURL: np.TokenURL, JWKSURL: np.JWKSURL},
			{Issuer: "i", ClientID: "c", AuthURL: np.AuthURL, TokenURL: np.TokenURL, JWKSURL: np.JWKSURL, DeploymentIDs: []string{""}},
		} {
			if _, err := s.AddLTIPlatform(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("AddLTIPlatform(%+v) = %v, want ErrInvalid", bad, err)
			}
		}
	})
}

func TestLTIUseOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		exp := t0.Add(time.Minute)
		if err := s.UseOnce(ctx, UsedNonce, "n1", exp); err != nil {
			t.Fatal(err)
		}
		if err := s.UseOnce(ctx, UsedNonce, "n1", exp); !errors.Is(err, ErrConflict) {
			t.Errorf("replayed nonce: %v, want ErrConflict", err)
		}
		// The same value as another kind is a different record.
		if err := s.UseOnce(ctx, UsedState, "n1", exp); err != nil {
			t.Errorf("state n1: %v", err)
		}
		// After expiry the record is gone (a token carrying it would be
		// refused as expired before it got here).
		clock.Add(2 * time.Minute)
		if err := s.UseOnce(ctx, UsedNonce, "n1", clock.Now().Add(time.Minute)); err != nil {
			t.Errorf("after expiry: %v", err)
		}
	})
}

func TestLTIKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		if ks, err := s.LTIKeys(ctx); err != nil || len(ks) != 0 {
			t.Fatalf("empty: %v %v", ks, err)
		}
		if err := s.AddLTIKey(ctx, "k1", []byte{1}); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Second)
		if err := s.AddLTIKey(ctx, "k2", []byte{2}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddLTIKey(ctx, "k2", []byte{3}); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate kid: %v", err)
		}
		ks, err := s.LTIKeys(ctx)
		if err != nil || len(ks) != 2 || ks[0].KID != "k2" || ks[0].PrivateDER[0] != 2 {
			t.Errorf("keys %+v, %v; want k2 first", ks, err)
		}
	})
}

func TestLTILaunchRows(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		p, err := s.AddLTIPlatform(ctx, NewLTIPlatform{Issuer: "https://lms", ClientID: "c",
			AuthURL: "https://lms/a", TokenURL: "https://lms/t", JWKSURL: "https://lms/k", DeploymentIDs: []string{"d"}})
		if err != nil {
			t.Fatal(err)
		}
		lc := LTIContext{Issuer: "https://lms", DeploymentID: "d", ContextID: "ctx1", Title: "CS 231"}
		c, err := s.EnsureLTICourse(ctx, lc, "UTC")
		if err != nil {
			t.Fatal(err)
		}
		c2, err := s.EnsureLTICourse(ctx, lc, "UTC")
		if err != nil || c2.ID != c.ID || c.Title != "CS 231" {
			t.Fatalf("second launch: %+v %v, first %+v", c2, err, c)
		}
		l, err := s.EnsureLTILearner(ctx, c.ID, LTIPerson{Issuer: "https://lms", Sub: "s1", Name: "Ada"})
		if err != nil {
			t.Fatal(err)
		}
		l2, err := s.EnsureLTILearner(ctx, c.ID, LTIPerson{Issuer: "https://lms", Sub: "s1", Name: "Ada L.", Email: "ada@x"})
		if err != nil || l2.ID != l.ID || l2.Name != "Ada L." || l2.Source != SourceLTI {
			t.Errorf("second learner launch: %+v %v", l2, err)
		}
		u, err := s.EnsureLTIInstructor(ctx, c.ID, LTIPerson{Issuer: "https://lms", Sub: "t1", Name: "Grace", Email: "g@x"})
		if err != nil {
			t.Fatal(err)
		}
		if role, err := s.MemberRoleOf(ctx, c.ID, u.ID); err != nil || role != MemberInstructor {
			t.Errorf("instructor role %q, %v", role, err)
		}
		if u.Email != "" {
			t.Errorf("LMS instructor got e-mail %q; an asserted e-mail must not become a sign-in name", u.Email)
		}
		u2, err := s.EnsureLTIInstructor(ctx, c.ID, LTIPerson{Issuer: "https://lms", Sub: "t1"})
		if err != nil || u2.ID != u.ID {
			t.Errorf("second instructor launch: %+v %v", u2, err)
		}
		exp := clock.Now().Add(time.Hour)
		if err := s.CreateLTILaunch(ctx, "tok", LTILaunch{PlatformID: p.ID, CourseID: c.ID, LearnerID: l.ID, Target: "/x", ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		got, err := s.LTILaunchByToken(ctx, "tok")
		if err != nil || got.LearnerID != l.ID || got.UserID != 0 || got.Target != "/x" || got.CourseID != c.ID {
			t.Errorf("launch %+v, %v", got, err)
		}
		if _, err := s.LTILaunchByToken(ctx, "other"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		clock.Add(2 * time.Hour)
		if _, err := s.LTILaunchByToken(ctx, "tok"); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired token: %v", err)
		}
	})
}

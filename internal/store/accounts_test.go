package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestResetToken: a reset link works once, before it expires, only while
// it is the account's newest, and not for a disabled account; spending it
// sets the password and revokes every session.
func TestResetToken(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, NewUser{Email: "ada@example.edu", Role: RoleInstructor, PasswordHash: "old"})
		if err != nil {
			t.Fatal(err)
		}
		sess, _, err := s.CreateSession(ctx, u.ID, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CreateResetToken(ctx, u.ID, 0, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("no lifetime: %v, want ErrInvalid", err)
		}
		if _, _, err := s.CreateResetToken(ctx, 999, 0, time.Hour); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown account: %v, want ErrNotFound", err)
		}
		first, exp, err := s.CreateResetToken(ctx, u.ID, 0, time.Hour)
		if err != nil || !exp.Equal(t0.Add(time.Hour)) {
			t.Fatalf("reset link expires %v, %v; want %v", exp, err, t0.Add(time.Hour))
		}
		if got, err := s.ResetTokenUser(ctx, first); err != nil || got.ID != u.ID {
			t.Fatalf("live link: %+v, %v", got, err)
		}
		// A newer link supersedes the first.
		tok, _, err := s.CreateResetToken(ctx, u.ID, 0, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResetTokenUser(ctx, first); !errors.Is(err, ErrNotFound) {
			t.Errorf("superseded link: %v", err)
		}
		if _, err := s.ResetPassword(ctx, first, "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("superseded link spent: %v", err)
		}
		got, err := s.ResetPassword(ctx, tok, "new")
		if err != nil || got.PasswordHash != "new" {
			t.Fatalf("reset: %+v, %v", got, err)
		}
		if _, _, err := s.LookupSession(ctx, sess); !errors.Is(err, ErrNotFound) {
			t.Errorf("session survived the reset: %v", err)
		}
		if _, err := s.ResetPassword(ctx, tok, "again"); !errors.Is(err, ErrNotFound) {
			t.Errorf("second use: %v", err)
		}
		if u2, _ := s.GetUser(ctx, u.ID); u2.PasswordHash != "new" {
			t.Errorf("second use changed the password to %q", u2.PasswordHash)
		}
		// Expiry.
		tok, _, _ = s.CreateResetToken(ctx, u.ID, 0, time.Hour)
		clock.Add(time.Hour)
		if _, err := s.ResetTokenUser(ctx, tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired link: %v", err)
		}
		if _, err := s.ResetPassword(ctx, tok, "late"); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired link spent: %v", err)
		}
		// A disabled account's link does not work.
		tok, _, _ = s.CreateResetToken(ctx, u.ID, 0, time.Hour)
		if _, err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResetPassword(ctx, tok, "disabled"); !errors.Is(err, ErrNotFound) {
			t.Errorf("disabled account's link spent: %v", err)
		}
	})
}

// TestSetUserDisabled: disabling revokes every session (and they stay
// revoked after enabling), keeps the first date, and enabling clears it.
func TestSetUserDisabled(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, NewUser{Email: "ada@example.edu", Role: RoleInstructor, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		sess, _, _ := s.CreateSession(ctx, u.ID, t0.Add(time.Hour))
		d, err := s.SetUserDisabled(ctx, u.ID, true)
		if err != nil || d.DisabledAt == nil || !d.DisabledAt.Equal(t0) {
			t.Fatalf("disable: %+v, %v", d, err)
		}
		clock.Add(time.Minute)
		if d, _ := s.SetUserDisabled(ctx, u.ID, true); d.DisabledAt == nil || !d.DisabledAt.Equal(t0) {
			t.Errorf("disabling again moved the date: %+v", d.DisabledAt)
		}
		e, err := s.SetUserDisabled(ctx, u.ID, false)
		if err != nil || e.DisabledAt != nil {
			t.Fatalf("enable: %+v, %v", e, err)
		}
		if _, _, err := s.LookupSession(ctx, sess); !errors.Is(err, ErrNotFound) {
			t.Errorf("a session from before the disable works again: %v", err)
		}
		if _, err := s.SetUserDisabled(ctx, 999, true); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown account: %v", err)
		}
	})
}

// TestSetupToken: any live setup link creates the first admin once; it
// spends every other setup link; an admin made another way ends them.
func TestSetupToken(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		a, err := s.CreateSetupToken(ctx, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.CreateSetupToken(ctx, time.Hour)
		for _, tok := range []string{a, b} {
			if ok, err := s.SetupTokenLive(ctx, tok); !ok || err != nil {
				t.Fatalf("live: %v, %v", ok, err)
			}
		}
		if ok, _ := s.SetupTokenLive(ctx, "nope"); ok {
			t.Error("unknown token live")
		}
		u, err := s.CreateFirstAdmin(ctx, b, NewUser{Email: "root@example.edu", Role: RoleInstructor})
		if err != nil || u.Role != RoleAdmin {
			t.Fatalf("first admin: %+v, %v", u, err)
		}
		for _, tok := range []string{a, b} {
			if ok, _ := s.SetupTokenLive(ctx, tok); ok {
				t.Error("setup link live after the admin was made")
			}
			if _, err := s.CreateFirstAdmin(ctx, tok, NewUser{Email: "two@example.edu"}); !errors.Is(err, ErrNotFound) {
				t.Errorf("second admin through a setup link: %v", err)
			}
		}
		// Expiry, and an admin created otherwise.
		if _, err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		c, _ := s.CreateSetupToken(ctx, time.Hour)
		clock.Add(time.Hour)
		if _, err := s.CreateFirstAdmin(ctx, c, NewUser{Email: "late@example.edu"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired setup link: %v", err)
		}
		d, _ := s.CreateSetupToken(ctx, time.Hour)
		if _, err := s.CreateUser(ctx, NewUser{Email: "cli@example.edu", Role: RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.SetupTokenLive(ctx, d); ok {
			t.Error("setup link live although an admin exists")
		}
	})
}

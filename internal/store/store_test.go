package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestUsers(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		if n, err := s.CountAdmins(ctx); err != nil || n != 0 {
			t.Fatalf("CountAdmins on empty db = %d, %v", n, err)
		}
		u, err := s.CreateUser(ctx, NewUser{Email: "  Admin@Example.EDU ", Name: "Ann", Role: RoleAdmin, PasswordHash: "$argon2id$x"})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Email != "admin@example.edu" || u.Role != RoleAdmin || !u.CreatedAt.Equal(t0) || u.DisabledAt != nil {
			t.Errorf("created %+v", u)
		}
		got, err := s.GetUser(ctx, u.ID)
		if err != nil || got != u {
			t.Errorf("GetUser = %+v, %v; want %+v", got, err, u)
		}
		got, err = s.GetUserByEmail(ctx, "ADMIN@example.edu")
		if err != nil || got.ID != u.ID {
			t.Errorf("GetUserByEmail = %+v, %v", got, err)
		}
		if _, err := s.CreateUser(ctx, NewUser{Email: "admin@EXAMPLE.edu", Role: RoleInstructor}); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate e-mail: err = %v, want ErrConflict", err)
		}
		for _, bad := range []NewUser{
			{Email: "no-at-sign", Role: RoleAdmin},
			{Email: "x@y", Role: "superuser"},
			{Email: "x@y", Role: RoleAdmin, Name: strings.Repeat("n", maxNameLen+1)},
		} {
			if _, err := s.CreateUser(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("CreateUser(%+v): err = %v, want ErrInvalid", bad, err)
			}
		}
		if _, err := s.GetUser(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetUser(missing): err = %v, want ErrNotFound", err)
		}
		if _, err := s.GetUserByEmail(ctx, "nobody@example.edu"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetUserByEmail(missing): err = %v, want ErrNotFound", err)
		}
		v, err := s.CreateUser(ctx, NewUser{Email: "ins@example.edu", Role: RoleInstructor, PasswordHash: "h2"})
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.ListUsers(ctx)
		if err != nil || len(all) != 2 || all[0].ID != u.ID || all[1].ID != v.ID {
			t.Errorf("ListUsers = %+v, %v", all, err)
		}
		if n, err := s.CountAdmins(ctx); err != nil || n != 1 {
			t.Errorf("CountAdmins = %d, %v; want 1", n, err)
		}

		// SetPassword changes the hash and signs out every session.
		tok, _, err := s.CreateSession(ctx, v.ID, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, v.ID, "h3"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(ctx, v.ID); got.PasswordHash != "h3" {
			t.Errorf("password hash = %q, want h3", got.PasswordHash)
		}
		if _, _, err := s.LookupSession(ctx, tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("session after password change: err = %v, want ErrNotFound", err)
		}
		if err := s.SetPassword(ctx, 9999, "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetPassword(missing): err = %v, want ErrNotFound", err)
		}
	})
}

func TestSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, NewUser{Email: "i@example.edu", Role: RoleInstructor, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		tok, sess, err := s.CreateSession(ctx, u.ID, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) < 40 || sess.UserID != u.ID || !sess.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("CreateSession = %q, %+v", tok, sess)
		}
		// Only the hash is stored: the token appears nowhere in the table.
		var stored []byte
		if err := s.read.QueryRow(`SELECT token_hash FROM sessions WHERE id = $1`, sess.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(stored), tok) || len(stored) != 32 {
			t.Errorf("stored token_hash %x is not a SHA-256 of the token", stored)
		}
		gotSess, gotUser, err := s.LookupSession(ctx, tok)
		if err != nil || gotSess.ID != sess.ID || gotUser.ID != u.ID || gotUser.Email != u.Email {
			t.Fatalf("LookupSession = %+v, %+v, %v", gotSess, gotUser, err)
		}
		if _, _, err := s.LookupSession(ctx, tok+"x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("wrong token: err = %v, want ErrNotFound", err)
		}
		// A second sign-in gets a different token (rotation).
		tok2, _, err := s.CreateSession(ctx, u.ID, t0.Add(2*time.Hour))
		if err != nil || tok2 == tok {
			t.Fatalf("second session %q, %v", tok2, err)
		}
		// Expiry.
		clock.Set(t0.Add(time.Hour))
		if _, _, err := s.LookupSession(ctx, tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired session: err = %v, want ErrNotFound", err)
		}
		if _, _, err := s.LookupSession(ctx, tok2); err != nil {
			t.Errorf("second session: %v", err)
		}
		// Revocation; revoking twice or an unknown token is fine.
		if err := s.RevokeSession(ctx, tok2); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeSession(ctx, tok2); err != nil {
			t.Errorf("second revoke: %v", err)
		}
		if err := s.RevokeSession(ctx, "unknown"); err != nil {
			t.Errorf("revoke unknown: %v", err)
		}
		if _, _, err := s.LookupSession(ctx, tok2); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoked session: err = %v, want ErrNotFound", err)
		}
		// RevokeUserSessions ends all of them.
		tok3, _, _ := s.CreateSession(ctx, u.ID, t0.Add(3*time.Hour))
		tok4, _, _ := s.CreateSession(ctx, u.ID, t0.Add(3*time.Hour))
		if err := s.RevokeUserSessions(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []string{tok3, tok4} {
			if _, _, err := s.LookupSession(ctx, tk); !errors.Is(err, ErrNotFound) {
				t.Errorf("after RevokeUserSessions: err = %v, want ErrNotFound", err)
			}
		}
		// Expiry in the past and unknown users are refused.
		if _, _, err := s.CreateSession(ctx, u.ID, clock.Now()); !errors.Is(err, ErrInvalid) {
			t.Errorf("past expiry: err = %v, want ErrInvalid", err)
		}
		if _, _, err := s.CreateSession(ctx, 9999, t0.Add(5*time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown user: err = %v, want ErrNotFound", err)
		}
		// Cleanup removes ended sessions only.
		live, _, _ := s.CreateSession(ctx, u.ID, t0.Add(10*time.Hour))
		n, err := s.DeleteEndedSessions(ctx, t0.Add(4*time.Hour))
		if err != nil || n != 4 {
			t.Errorf("DeleteEndedSessions = %d, %v; want 4", n, err)
		}
		if _, _, err := s.LookupSession(ctx, live); err != nil {
			t.Errorf("live session after cleanup: %v", err)
		}
	})
}

func TestCoursesAndMembers(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		a, _ := s.CreateUser(ctx, NewUser{Email: "a@example.edu", Role: RoleInstructor})
		b, _ := s.CreateUser(ctx, NewUser{Email: "b@example.edu", Role: RoleInstructor})
		c1, err := s.CreateCourse(ctx, NewCourse{Title: " Deep Learning ", TimeZone: "Europe/Berlin", CreatedBy: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c1.Title != "Deep Learning" || c1.CreatedBy != a.ID || !c1.CreatedAt.Equal(t0) {
			t.Errorf("created %+v", c1)
		}
		if got, err := s.GetCourse(ctx, c1.ID); err != nil || got != c1 {
			t.Errorf("GetCourse = %+v, %v", got, err)
		}
		c2, err := s.CreateCourse(ctx, NewCourse{Title: "Vision", TimeZone: "UTC", CreatedBy: b.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []NewCourse{
			{Title: "", TimeZone: "UTC", CreatedBy: a.ID},
			{Title: "x", TimeZone: "Mars/Olympus", CreatedBy: a.ID},
		} {
			if _, err := s.CreateCourse(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("CreateCourse(%+v): err = %v, want ErrInvalid", bad, err)
			}
		}
		if _, err := s.CreateCourse(ctx, NewCourse{Title: "x", TimeZone: "UTC", CreatedBy: 9999}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown creator: err = %v, want ErrNotFound", err)
		}
		if _, err := s.GetCourse(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetCourse(missing): err = %v", err)
		}
		// The creator owns the course; the other instructor is no member.
		if r, err := s.MemberRoleOf(ctx, c1.ID, a.ID); err != nil || r != MemberOwner {
			t.Errorf("creator's role = %q, %v", r, err)
		}
		if _, err := s.MemberRoleOf(ctx, c1.ID, b.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("non-member's role: err = %v, want ErrNotFound", err)
		}
		all, err := s.ListCourses(ctx)
		if err != nil || len(all) != 2 || all[0].ID != c2.ID {
			t.Errorf("ListCourses = %+v, %v", all, err)
		}
		mine, err := s.ListCoursesOf(ctx, a.ID)
		if err != nil || len(mine) != 1 || mine[0].ID != c1.ID {
			t.Errorf("ListCoursesOf(a) = %+v, %v", mine, err)
		}
		// Add, change and remove a member.
		if err := s.AddMember(ctx, c1.ID, b.ID, MemberAssistant); err != nil {
			t.Fatal(err)
		}
		if err := s.AddMember(ctx, c1.ID, b.ID, MemberInstructor); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.MemberRoleOf(ctx, c1.ID, b.ID); r != MemberInstructor {
			t.Errorf("role after change = %q", r)
		}
		ms, err := s.ListMembers(ctx, c1.ID)
		if err != nil || len(ms) != 2 || ms[0].User.ID != a.ID || ms[0].Role != MemberOwner || ms[1].User.Email != "b@example.edu" || ms[1].Role != MemberInstructor {
			t.Errorf("ListMembers = %+v, %v", ms, err)
		}
		if mine, _ := s.ListCoursesOf(ctx, b.ID); len(mine) != 2 {
			t.Errorf("ListCoursesOf(b) has %d courses, want 2", len(mine))
		}
		if err := s.AddMember(ctx, c1.ID, b.ID, "dean"); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad role: err = %v", err)
		}
		if err := s.AddMember(ctx, 9999, b.ID, MemberInstructor); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown course: err = %v", err)
		}
		if err := s.RemoveMember(ctx, c1.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, c1.ID, b.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second remove: err = %v", err)
		}
		if _, err := s.MemberRoleOf(ctx, c1.ID, b.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("removed member's role: err = %v", err)
		}
	})
}

func TestLearners(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		ada := f.learners[0]
		if ada.Source != SourceRoster || ada.RosterID != "s1" || ada.Email != "ada@example.edu" || ada.CourseID != f.course.ID {
			t.Errorf("roster learner %+v", ada)
		}
		if got, err := s.GetLearner(ctx, ada.ID); err != nil || got != ada {
			t.Errorf("GetLearner = %+v, %v", got, err)
		}
		if got, err := s.LearnerByLinkToken(ctx, "tok-ada"); err != nil || got.ID != ada.ID {
			t.Errorf("LearnerByLinkToken = %+v, %v", got, err)
		}
		for _, tok := range []string{"", "tok-nobody"} {
			if _, err := s.LearnerByLinkToken(ctx, tok); !errors.Is(err, ErrNotFound) {
				t.Errorf("LearnerByLinkToken(%q): err = %v", tok, err)
			}
		}
		// Re-importing updates names by roster id and keeps links; new ids are added.
		res, err := s.ImportRoster(ctx, f.course.ID, []RosterEntry{
			{RosterID: "s1", Name: "Ada Lovelace", Email: "ada@uni.edu", LinkToken: "ignored"},
			{RosterID: "s3", Name: "Alan", LinkToken: "tok-alan"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 2 || res[0].Created || res[0].Learner.ID != ada.ID || res[0].Learner.Name != "Ada Lovelace" || !res[1].Created {
			t.Errorf("re-import = %+v", res)
		}
		if got, err := s.LearnerByLinkToken(ctx, "tok-ada"); err != nil || got.Email != "ada@uni.edu" {
			t.Errorf("old link after re-import = %+v, %v", got, err)
		}
		if _, err := s.LearnerByLinkToken(ctx, "ignored"); !errors.Is(err, ErrNotFound) {
			t.Errorf("an existing learner's link changed on re-import: %v", err)
		}
		// A bad line rolls the whole import back.
		_, err = s.ImportRoster(ctx, f.course.ID, []RosterEntry{
			{RosterID: "s4", Name: "Barbara", LinkToken: "tok-b"},
			{RosterID: "s5", Name: "", LinkToken: "tok-c"},
		})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "entry 2") {
			t.Errorf("bad roster: err = %v, want ErrInvalid naming entry 2", err)
		}
		if _, err := s.LearnerByLinkToken(ctx, "tok-b"); !errors.Is(err, ErrNotFound) {
			t.Errorf("entry 1 of a failed import was kept")
		}
		if _, err := s.ImportRoster(ctx, f.course.ID, []RosterEntry{{Name: "No id", LinkToken: "t"}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("missing roster id: err = %v", err)
		}
		if _, err := s.ImportRoster(ctx, f.course.ID, make([]RosterEntry, MaxRosterSize+1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("oversized roster: err = %v", err)
		}
		// Self-declared and LTI learners.
		self, err := s.CreateLearner(ctx, NewLearner{CourseID: f.course.ID, Source: SourceSelf, Name: "Zoe"})
		if err != nil || self.Source != SourceSelf || self.RosterID != "" {
			t.Fatalf("self-declared = %+v, %v", self, err)
		}
		lti, err := s.CreateLearner(ctx, NewLearner{CourseID: f.course.ID, Source: SourceLTI, Name: "Lin", LTIIssuer: "https://canvas", LTISub: "42"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.LearnerByLTI(ctx, f.course.ID, "https://canvas", "42"); err != nil || got.ID != lti.ID {
			t.Errorf("LearnerByLTI = %+v, %v", got, err)
		}
		if _, err := s.CreateLearner(ctx, NewLearner{CourseID: f.course.ID, Source: SourceLTI, Name: "Dup", LTIIssuer: "https://canvas", LTISub: "42"}); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate LTI identity: err = %v", err)
		}
		for _, bad := range []NewLearner{
			{CourseID: f.course.ID, Source: "guest", Name: "x"},
			{CourseID: f.course.ID, Source: SourceLTI, Name: "x"},
			{CourseID: f.course.ID, Source: SourceSelf, Name: " "},
		} {
			if _, err := s.CreateLearner(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("CreateLearner(%+v): err = %v", bad, err)
			}
		}
		if _, err := s.CreateLearner(ctx, NewLearner{CourseID: 9999, Source: SourceSelf, Name: "x"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown course: err = %v", err)
		}
		if _, err := s.CreateLearner(ctx, NewLearner{CourseID: f.course.ID, Source: SourceRoster, RosterID: "s2", Name: "x"}); !errors.Is(err, ErrConflict) {
			t.Errorf("duplicate roster id: err = %v", err)
		}
		list, err := s.ListLearners(ctx, f.course.ID)
		if err != nil || len(list) != 5 || list[0].ID != ada.ID || list[4].ID != lti.ID {
			t.Errorf("ListLearners = %+v, %v", list, err)
		}
		// A new personal link replaces the old one.
		if err := s.SetLearnerLinkToken(ctx, ada.ID, "tok-ada-2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LearnerByLinkToken(ctx, "tok-ada"); !errors.Is(err, ErrNotFound) {
			t.Errorf("old link still works: %v", err)
		}
		if got, err := s.LearnerByLinkToken(ctx, "tok-ada-2"); err != nil || got.ID != ada.ID {
			t.Errorf("new link = %+v, %v", got, err)
		}
		if err := s.SetLearnerLinkToken(ctx, ada.ID, "tok-grace"); !errors.Is(err, ErrConflict) {
			t.Errorf("another learner's token: err = %v", err)
		}
		if err := s.SetLearnerLinkToken(ctx, 9999, "t"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown learner: err = %v", err)
		}
		// Deleting a learner deletes their attempts.
		if _, _, err := s.RecordAttempt(ctx, attempt(ada.ID, f.assignment.Items[0].ID, "a", "k1", 1)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteLearner(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetLearner(ctx, ada.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted learner: err = %v", err)
		}
		if as, err := s.ListAttempts(ctx, AttemptFilter{AssignmentID: f.assignment.ID, Limit: 10}); err != nil || len(as) != 0 {
			t.Errorf("attempts of a deleted learner = %+v, %v", as, err)
		}
		if err := s.DeleteLearner(ctx, ada.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: err = %v", err)
		}
	})
}

func TestAssignments(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		opens, due := t0, t0.Add(7*24*time.Hour)
		st := Settings{OpensAt: &opens, DueAt: &due, TimeZone: "Asia/Kolkata", AttemptsAllowed: 3,
			Feedback: ShowAfterAttempt, Solutions: ShowNever, LateCounts: false, Score: ScoreFirst}
		a, err := s.CreateAssignment(ctx, NewAssignment{
			CourseID: f.course.ID, Title: "Quiz", Settings: st, CreatedBy: f.owner.ID, ShareToken: "share-1",
			Items: []NewItem{
				{ExerciseID: "attention-params", ExerciseVersion: "v3", SeedPolicy: SeedShared, Seed: 99, Points: 1.5},
				{ExerciseID: "conv-by-hand", Parts: []string{"out-00", "out-01"}, SeedPolicy: SeedPerLearner, Points: 2},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if a.Title != "Quiz" || a.CourseID != f.course.ID || a.CreatedBy != f.owner.ID || !a.CreatedAt.Equal(t0) {
			t.Errorf("assignment %+v", a)
		}
		gs := a.Settings
		if !gs.OpensAt.Equal(opens) || !gs.DueAt.Equal(due) || gs.TimeZone != "Asia/Kolkata" || gs.AttemptsAllowed != 3 ||
			gs.Feedback != ShowAfterAttempt || gs.Solutions != ShowNever || gs.LateCounts || gs.Score != ScoreFirst {
			t.Errorf("settings round trip: %+v", gs)
		}
		if len(a.Items) != 2 {
			t.Fatalf("items %+v", a.Items)
		}
		i0, i1 := a.Items[0], a.Items[1]
		if i0.Position != 0 || i0.ExerciseID != "attention-params" || i0.ExerciseVersion != "v3" || i0.SeedPolicy != SeedShared ||
			i0.Seed != 99 || i0.Points != 1.5 || i0.Parts != nil {
			t.Errorf("item 0 %+v", i0)
		}
		if i1.Position != 1 || strings.Join(i1.Parts, "|") != "out-00|out-01" || i1.SeedPolicy != SeedPerLearner {
			t.Errorf("item 1 %+v", i1)
		}
		got, err := s.GetAssignment(ctx, a.ID)
		if err != nil || got.Title != a.Title || len(got.Items) != 2 || got.Items[1].ID != i1.ID {
			t.Errorf("GetAssignment = %+v, %v", got, err)
		}
		if got, err := s.AssignmentByShareToken(ctx, "share-1"); err != nil || got.ID != a.ID {
			t.Errorf("AssignmentByShareToken = %+v, %v", got, err)
		}
		for _, tok := range []string{"", "share-2"} {
			if _, err := s.AssignmentByShareToken(ctx, tok); !errors.Is(err, ErrNotFound) {
				t.Errorf("AssignmentByShareToken(%q): err = %v", tok, err)
			}
		}
		list, err := s.ListAssignments(ctx, f.course.ID)
		if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != f.assignment.ID {
			t.Errorf("ListAssignments = %+v, %v", list, err)
		}
		// Update settings.
		clock.Add(time.Minute)
		st2 := defaultSettings()
		if err := s.UpdateAssignment(ctx, a.ID, "Quiz 1", st2); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetAssignment(ctx, a.ID)
		if got.Title != "Quiz 1" || got.Settings.DueAt != nil || got.Settings.Score != ScoreBest || !got.Settings.LateCounts || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after update %+v", got)
		}
		if err := s.UpdateAssignment(ctx, 9999, "x", st2); !errors.Is(err, ErrNotFound) {
			t.Errorf("update missing: err = %v", err)
		}
		// Invalid input names what is wrong.
		before := opens.Add(-time.Hour)
		badSettings := []Settings{
			{TimeZone: "", Feedback: ShowNever, Solutions: ShowNever, Score: ScoreBest},
			{TimeZone: "UTC", Feedback: "sometimes", Solutions: ShowNever, Score: ScoreBest},
			{TimeZone: "UTC", Feedback: ShowNever, Solutions: ShowNever, Score: "average"},
			{TimeZone: "UTC", Feedback: ShowNever, Solutions: ShowNever, Score: ScoreBest, AttemptsAllowed: -1},
			{TimeZone: "UTC", Feedback: ShowNever, Solutions: ShowNever, Score: ScoreBest, OpensAt: &opens, DueAt: &before},
		}
		for _, bs := range badSettings {
			if err := s.UpdateAssignment(ctx, a.ID, "x", bs); !errors.Is(err, ErrInvalid) {
				t.Errorf("UpdateAssignment(%+v): err = %v", bs, err)
			}
		}
		item := NewItem{ExerciseID: "x", SeedPolicy: SeedShared, Points: 1}
		badItems := []NewItem{
			{SeedPolicy: SeedShared, Points: 1},
			{ExerciseID: "x", SeedPolicy: "random", Points: 1},
			{ExerciseID: "x", SeedPolicy: SeedRecitation, Seed: 3, Points: 1},
			{ExerciseID: "x", SeedPolicy: SeedShared, Points: -1},
			{ExerciseID: "x", SeedPolicy: SeedShared, Points: 1, Parts: []string{"a,b"}},
		}
		for _, bi := range badItems {
			_, err := s.CreateAssignment(ctx, NewAssignment{CourseID: f.course.ID, Title: "t", Settings: st2, Items: []NewItem{bi}})
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("item %+v: err = %v", bi, err)
			}
		}
		if _, err := s.CreateAssignment(ctx, NewAssignment{CourseID: f.course.ID, Title: "t", Settings: st2}); !errors.Is(err, ErrInvalid) {
			t.Errorf("no items: err = %v", err)
		}
		if _, err := s.CreateAssignment(ctx, NewAssignment{CourseID: 9999, Title: "t", Settings: st2, Items: []NewItem{item}}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown course: err = %v", err)
		}
		if _, err := s.CreateAssignment(ctx, NewAssignment{CourseID: f.course.ID, Title: "t", Settings: st2, Items: []NewItem{item}, ShareToken: "share-1"}); !errors.Is(err, ErrConflict) {
			t.Errorf("reused share token: err = %v", err)
		}
		if _, err := s.GetAssignment(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetAssignment(missing): err = %v", err)
		}
	})
}

func TestLiveSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		ls, err := s.CreateLiveSession(ctx, f.course.ID, f.assignment.ID, f.owner.ID, "K7Q2")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.OpenLiveSessionByCode(ctx, "K7Q2")
		if err != nil || got.ID != ls.ID || got.AssignmentID != f.assignment.ID || got.CourseID != f.course.ID {
			t.Errorf("OpenLiveSessionByCode = %+v, %v", got, err)
		}
		if _, err := s.CreateLiveSession(ctx, f.course.ID, 0, f.owner.ID, "K7Q2"); !errors.Is(err, ErrConflict) {
			t.Errorf("code in use: err = %v", err)
		}
		// An attempt can carry the session's id.
		na := attempt(f.learners[0].ID, f.assignment.Items[0].ID, "a", "live-1", 0)
		na.Source, na.LiveSessionID = FromLive, ls.ID
		a, _, err := s.RecordAttempt(ctx, na)
		if err != nil || a.LiveSessionID != ls.ID {
			t.Fatalf("live attempt %+v, %v", a, err)
		}
		if err := s.EndLiveSession(ctx, ls.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.EndLiveSession(ctx, ls.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second end: err = %v", err)
		}
		if _, err := s.OpenLiveSessionByCode(ctx, "K7Q2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ended session by code: err = %v", err)
		}
		// The code is free again once the session ended.
		if _, err := s.CreateLiveSession(ctx, f.course.ID, 0, f.owner.ID, "K7Q2"); err != nil {
			t.Errorf("reuse an ended code: %v", err)
		}
		if _, err := s.CreateLiveSession(ctx, f.course.ID, 0, 0, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("empty code: err = %v", err)
		}
	})
}

func TestRecordAttempt(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		due := t0.Add(time.Hour)
		st := defaultSettings()
		st.DueAt, st.AttemptsAllowed = &due, 2
		f := newFixture(t, s, st)
		ada, item := f.learners[0], f.assignment.Items[0]
		elapsed := 93250 * time.Millisecond
		na := attempt(ada.ID, item.ID, "a", "req-1", 0.5)
		na.ExerciseVersion, na.ReadAs, na.DiagnosisCode, na.DiagnosisMessage = "v1", "[[1,2],[3,4]]", "conv.flipped-kernel", "You flipped the kernel."
		na.HintsOpened, na.Elapsed, na.Source = 2, &elapsed, FromEmbed
		a, created, err := s.RecordAttempt(ctx, na)
		if err != nil || !created {
			t.Fatalf("RecordAttempt = %+v, %v, %v", a, created, err)
		}
		if a.ID == 0 || a.AssignmentID != f.assignment.ID || a.ItemID != item.ID || a.Late || !a.CreatedAt.Equal(t0) {
			t.Errorf("recorded %+v", a)
		}
		// The same idempotency key returns the first record and adds nothing.
		retry := na
		retry.Answer = "different"
		b, created, err := s.RecordAttempt(ctx, retry)
		if err != nil || created || b.ID != a.ID || b.Answer != na.Answer {
			t.Errorf("retry = %+v, created %v, %v; want the first attempt", b, created, err)
		}
		// Every field round-trips through the database.
		list, err := s.ListAttempts(ctx, AttemptFilter{LearnerID: ada.ID, Limit: 10})
		if err != nil || len(list) != 1 {
			t.Fatalf("ListAttempts = %+v, %v", list, err)
		}
		g := list[0]
		if g.ID != a.ID || g.ExerciseVersion != "v1" || g.Seed != 7 || g.Part != "a" || g.Answer != "12" || g.ReadAs != na.ReadAs ||
			g.Verdict != "incorrect" || g.DiagnosisCode != "conv.flipped-kernel" || g.DiagnosisMessage != na.DiagnosisMessage ||
			g.Score != 0.5 || g.HintsOpened != 2 || g.Elapsed == nil || *g.Elapsed != elapsed || g.Source != FromEmbed ||
			g.IdempotencyKey != "req-1" || g.LiveSessionID != 0 || g.Late || g.AssignmentID != f.assignment.ID {
			t.Errorf("stored attempt %+v, elapsed %v", g, g.Elapsed)
		}
		// The limit counts per part: a second attempt at "a" is allowed, a third is not.
		if _, _, err := s.RecordAttempt(ctx, attempt(ada.ID, item.ID, "a", "req-2", 1)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RecordAttempt(ctx, attempt(ada.ID, item.ID, "a", "req-3", 1)); !errors.Is(err, ErrAttemptLimit) {
			t.Errorf("third attempt: err = %v, want ErrAttemptLimit", err)
		}
		// A retry of an attempt that was recorded still succeeds at the limit.
		if _, created, err := s.RecordAttempt(ctx, attempt(ada.ID, item.ID, "a", "req-2", 1)); err != nil || created {
			t.Errorf("retry at the limit: created %v, %v", created, err)
		}
		if _, _, err := s.RecordAttempt(ctx, attempt(ada.ID, item.ID, "b", "req-4", 1)); err != nil {
			t.Errorf("other part: %v", err)
		}
		// After the due date attempts are marked late.
		clock.Set(due.Add(time.Second))
		late, _, err := s.RecordAttempt(ctx, attempt(f.learners[1].ID, item.ID, "a", "req-5", 1))
		if err != nil || !late.Late {
			t.Errorf("late attempt %+v, %v", late, err)
		}
		// Practice outside an assignment.
		p, _, err := s.RecordAttempt(ctx, attempt(ada.ID, 0, "a", "practice-1", 1))
		if err != nil || p.AssignmentID != 0 || p.ItemID != 0 || p.Late {
			t.Errorf("practice attempt %+v, %v", p, err)
		}
		// An item of another course's assignment is refused.
		other, _ := s.CreateCourse(ctx, NewCourse{Title: "Other", TimeZone: "UTC", CreatedBy: f.owner.ID})
		stranger, _ := s.CreateLearner(ctx, NewLearner{CourseID: other.ID, Source: SourceSelf, Name: "Eve"})
		if _, _, err := s.RecordAttempt(ctx, attempt(stranger.ID, item.ID, "a", "x", 1)); !errors.Is(err, ErrNotFound) {
			t.Errorf("item of another course: err = %v, want ErrNotFound", err)
		}
		if _, _, err := s.RecordAttempt(ctx, attempt(9999, item.ID, "a", "x", 1)); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown learner: err = %v, want ErrNotFound", err)
		}
		if _, _, err := s.RecordAttempt(ctx, attempt(ada.ID, 9999, "a", "x", 1)); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown item: err = %v, want ErrNotFound", err)
		}
		bad := []func(*NewAttempt){
			func(n *NewAttempt) { n.Score = 1.5 },
			func(n *NewAttempt) { n.Score = -0.1 },
			func(n *NewAttempt) { n.IdempotencyKey = "" },
			func(n *NewAttempt) { n.Part = "" },
			func(n *NewAttempt) { n.Source = "email" },
			func(n *NewAttempt) { n.Answer = strings.Repeat("9", maxAnswerLen+1) },
			func(n *NewAttempt) { n.HintsOpened = -1 },
			func(n *NewAttempt) { d := -time.Second; n.Elapsed = &d },
		}
		for i, mut := range bad {
			n := attempt(ada.ID, item.ID, "b", "bad", 1)
			mut(&n)
			if _, _, err := s.RecordAttempt(ctx, n); !errors.Is(err, ErrInvalid) {
				t.Errorf("bad attempt %d: err = %v, want ErrInvalid", i, err)
			}
		}
	})
}

func TestListAttempts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		f := newFixture(t, s, Settings{})
		ada, grace := f.learners[0], f.learners[1]
		i0, i1 := f.assignment.Items[0], f.assignment.Items[1]
		var ids []int64
		for i, n := range []NewAttempt{
			attempt(ada.ID, i0.ID, "a", "1", 0), attempt(grace.ID, i0.ID, "a", "2", 1),
			attempt(ada.ID, i1.ID, "total", "3", 1), attempt(ada.ID, 0, "a", "4", 1),
			attempt(grace.ID, i1.ID, "total", "5", 0),
		} {
			clock.Add(time.Second)
			a, _, err := s.RecordAttempt(ctx, n)
			if err != nil {
				t.Fatalf("attempt %d: %v", i, err)
			}
			ids = append(ids, a.ID)
		}
		idsOf := func(as []Attempt) []int64 {
			var out []int64
			for _, a := range as {
				out = append(out, a.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    AttemptFilter
			want []int64
		}{
			{"assignment", AttemptFilter{AssignmentID: f.assignment.ID, Limit: 100}, []int64{ids[0], ids[1], ids[2], ids[4]}},
			{"learner", AttemptFilter{LearnerID: ada.ID, Limit: 100}, []int64{ids[0], ids[2], ids[3]}},
			{"both", AttemptFilter{AssignmentID: f.assignment.ID, LearnerID: grace.ID, Limit: 100}, []int64{ids[1], ids[4]}},
			{"page 1", AttemptFilter{AssignmentID: f.assignment.ID, Limit: 2}, []int64{ids[0], ids[1]}},
			{"page 2", AttemptFilter{AssignmentID: f.assignment.ID, AfterID: ids[1], Limit: 2}, []int64{ids[2], ids[4]}},
			{"past the end", AttemptFilter{AssignmentID: f.assignment.ID, AfterID: ids[4], Limit: 2}, nil},
		} {
			got, err := s.ListAttempts(ctx, tc.f)
			if err != nil || !slices.Equal(idsOf(got), tc.want) {
				t.Errorf("%s: ListAttempts = %v, %v; want %v", tc.name, idsOf(got), err, tc.want)
			}
		}
		for _, bad := range []AttemptFilter{{Limit: 10}, {LearnerID: ada.ID}, {LearnerID: ada.ID, Limit: MaxListAttempts + 1}} {
			if _, err := s.ListAttempts(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("ListAttempts(%+v): err = %v, want ErrInvalid", bad, err)
			}
		}
	})
}

func TestScores(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, clock *testClock) {
		ctx := context.Background()
		due := t0.Add(time.Hour)
		st := defaultSettings()
		st.DueAt = &due
		f := newFixture(t, s, st)
		ada, grace := f.learners[0], f.learners[1]
		i0, i1 := f.assignment.Items[0], f.assignment.Items[1]
		n := 0
		rec := func(l Learner, it Item, part string, score float64, hints int) {
			t.Helper()
			n++
			clock.Add(time.Minute)
			na := attempt(l.ID, it.ID, part, "k"+strconv.Itoa(n), score)
			na.HintsOpened = hints
			if _, _, err := s.RecordAttempt(ctx, na); err != nil {
				t.Fatal(err)
			}
		}
		// Ada: part a 0 → 1 → 0.5, part b 1; item 1: 0.
		rec(ada, i0, "a", 0, 0)
		rec(ada, i0, "a", 1, 1)
		rec(ada, i0, "a", 0.5, 1)
		rec(ada, i0, "b", 1, 0)
		rec(ada, i1, "total", 0, 2)
		// Grace: part a 0.25 now, and 1 after the due date.
		rec(grace, i0, "a", 0.25, 0)
		clock.Set(due.Add(time.Minute))
		rec(grace, i0, "a", 1, 0)

		parts, err := s.PartScores(ctx, f.assignment.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []PartScore{
			{LearnerID: ada.ID, ItemID: i0.ID, Part: "a", Attempts: 3, Best: 1, First: 0, Last: 0.5, AttemptsToCorrect: 2, HintsOpened: 1},
			{LearnerID: ada.ID, ItemID: i0.ID, Part: "b", Attempts: 1, Best: 1, First: 1, Last: 1, AttemptsToCorrect: 1},
			{LearnerID: ada.ID, ItemID: i1.ID, Part: "total", Attempts: 1, HintsOpened: 2},
			{LearnerID: grace.ID, ItemID: i0.ID, Part: "a", Attempts: 2, Best: 1, First: 0.25, Last: 1, AttemptsToCorrect: 2},
		}
		checkParts := func(got, want []PartScore) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("PartScores has %d rows, want %d: %+v", len(got), len(want), got)
			}
			for i := range want {
				g := got[i]
				g.FirstAt, g.LastAt = time.Time{}, time.Time{}
				if g != want[i] {
					t.Errorf("row %d = %+v\nwant     %+v", i, g, want[i])
				}
			}
		}
		checkParts(parts, want)
		if !parts[0].FirstAt.Equal(t0.Add(time.Minute)) || !parts[0].LastAt.Equal(t0.Add(3*time.Minute)) {
			t.Errorf("times %v..%v", parts[0].FirstAt, parts[0].LastAt)
		}
		if parts[0].Score(ScoreBest) != 1 || parts[0].Score(ScoreFirst) != 0 || parts[0].Score(ScoreLast) != 0.5 {
			t.Errorf("PartScore.Score policies wrong")
		}

		items, err := s.ItemScores(ctx, f.assignment.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 3 {
			t.Fatalf("ItemScores = %+v", items)
		}
		a0 := items[0]
		if a0.LearnerID != ada.ID || a0.ItemID != i0.ID || a0.Best != 2 || a0.First != 1 || a0.Last != 1.5 || a0.PartsAttempted != 2 || a0.Attempts != 4 ||
			!a0.LastAt.Equal(t0.Add(4*time.Minute)) {
			t.Errorf("Ada item 0 = %+v", a0)
		}
		if a0.Score(ScoreBest) != 2 || a0.Score(ScoreFirst) != 1 || a0.Score(ScoreLast) != 1.5 {
			t.Errorf("ItemScore.Score policies wrong")
		}
		if g := items[2]; g.LearnerID != grace.ID || g.Best != 1 || g.First != 0.25 || g.Last != 1 {
			t.Errorf("Grace item 0 = %+v", g)
		}

		// When late work does not count, Grace's late attempt drops out.
		st.LateCounts = false
		if err := s.UpdateAssignment(ctx, f.assignment.ID, f.assignment.Title, st); err != nil {
			t.Fatal(err)
		}
		parts, err = s.PartScores(ctx, f.assignment.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[3] = PartScore{LearnerID: grace.ID, ItemID: i0.ID, Part: "a", Attempts: 1, Best: 0.25, First: 0.25, Last: 0.25}
		checkParts(parts, want)

		// An assignment with no attempts has no rows.
		if got, err := s.PartScores(ctx, 9999); err != nil || len(got) != 0 {
			t.Errorf("PartScores(missing) = %+v, %v", got, err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, Config{}); err == nil {
		t.Error("Open with no data dir and no URL succeeded")
	}
	if _, err := Open(ctx, Config{DatabaseURL: "mysql://x"}); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("Open(mysql://) err = %v, want one naming postgres://", err)
	}
	// A data dir that cannot be created (a file is in the way).
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Config{DataDir: filepath.Join(file, "sub")}); err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Errorf("Open under a file: err = %v", err)
	}
	// A password in the URL stays out of the error.
	_, err := Open(ctx, Config{DatabaseURL: "postgres://u:s3cretpw@127.0.0.1:1/db?connect_timeout=2"})
	if err == nil || strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("unreachable postgres: err = %v (must fail without the password)", err)
	}
}

func TestSQLitePragmas(t *testing.T) {
	s := openMigrated(t, Config{DataDir: filepath.Join(t.TempDir(), "new", "data")})
	ctx := context.Background()
	check := func(name, pragma string, want string) {
		t.Helper()
		for _, db := range []*sql.DB{s.write, s.read.DB} {
			var got string
			if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatalf("%s: %v", pragma, err)
			}
			if got != want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", name, pragma, got, want)
			}
		}
	}
	check("WAL", "journal_mode", "wal")
	check("foreign keys", "foreign_keys", "1")
	check("synchronous FULL", "synchronous", "2")
	check("busy timeout", "busy_timeout", "10000")
	if s.write.Stats().MaxOpenConnections != 1 {
		t.Errorf("writer pool allows %d connections, want 1", s.write.Stats().MaxOpenConnections)
	}
	// The reader pool cannot write.
	if _, err := s.read.ExecContext(ctx, "DELETE FROM users"); err == nil {
		t.Error("the read pool could write")
	}
	fi, err := os.Stat(filepath.Dir(s.Path()))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
}

package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// gradeFixture is a course with an assignment, a registered platform and
// two LTI learners.
type gradeFixture struct {
	fixture
	platform LTIPlatform
	lti      []Learner
}

func newGradeFixture(t *testing.T, s *Store) gradeFixture {
	t.Helper()
	ctx := context.Background()
	g := gradeFixture{fixture: newFixture(t, s, Settings{})}
	var err error
	g.platform, err = s.AddLTIPlatform(ctx, NewLTIPlatform{Issuer: "https://lms.example", ClientID: "c1",
		AuthURL: "https://lms.example/auth", TokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks", DeploymentIDs: []string{"d1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"sub-a", "sub-b"} {
		l, err := s.EnsureLTILearner(ctx, g.course.ID, LTIPerson{Issuer: "https://lms.example", Sub: sub, Name: "Learner " + sub})
		if err != nil {
			t.Fatal(err)
		}
		g.lti = append(g.lti, l)
	}
	return g
}

func (g gradeFixture) score(i int, given float64, at time.Time) LTIScore {
	return LTIScore{LearnerID: g.lti[i].ID, ItemID: g.assignment.Items[0].ID, PlatformID: g.platform.ID,
		UserID: g.lti[i].LTISub, Given: given, Maximum: 2, Activity: "InProgress", Grading: "FullyGraded", At: at}
}

func TestLTIItemLinkAndPolicy(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		g := newGradeFixture(t, s)
		item := g.assignment.Items[0].ID
		if _, err := s.LTIItemLinkOf(ctx, item); !errors.Is(err, ErrNotFound) {
			t.Fatalf("link before any launch: %v, want ErrNotFound", err)
		}
		// A policy set before any launch is kept by the launch.
		if err := s.SetLTIGradePolicy(ctx, item, SendOnCompletion); err != nil {
			t.Fatal(err)
		}
		if err := s.SetLTIGradePolicy(ctx, item, "sometimes"); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad policy: %v, want ErrInvalid", err)
		}
		l := LTIItemLink{ItemID: item, PlatformID: g.platform.ID, ResourceLinkID: "rl-1",
			LineItemsURL: "https://lms.example/ctx/1/lineitems", Scopes: []string{"a", "b"}}
		if err := s.SaveLTIItemLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		if err := s.SetLTILineItem(ctx, item, "https://lms.example/ctx/1/lineitems/7"); err != nil {
			t.Fatal(err)
		}
		// A later launch of the same resource link without a lineitem claim
		// keeps the line item Stride created.
		if err := s.SaveLTIItemLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		got, err := s.LTIItemLinkOf(ctx, item)
		if err != nil {
			t.Fatal(err)
		}
		if got.Policy != SendOnCompletion || got.LineItemURL != "https://lms.example/ctx/1/lineitems/7" || got.PlatformID != g.platform.ID ||
			len(got.Scopes) != 2 || got.ResourceLinkID != "rl-1" {
			t.Errorf("link %+v", got)
		}
		// Another resource link forgets the created line item.
		l.ResourceLinkID = "rl-2"
		if err := s.SaveLTIItemLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.LTIItemLinkOf(ctx, item); got.LineItemURL != "" {
			t.Errorf("new resource link kept line item %q", got.LineItemURL)
		}
		l.LineItemURL = "javascript:alert(1)"
		if err := s.SaveLTIItemLink(ctx, l); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad URL: %v, want ErrInvalid", err)
		}
		cs := LTICourseService{CourseID: g.course.ID, PlatformID: g.platform.ID, MembershipsURL: "https://lms.example/ctx/1/memberships"}
		if err := s.SaveLTICourseService(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if got, err := s.LTICourseServiceOf(ctx, g.course.ID); err != nil || got.MembershipsURL != cs.MembershipsURL {
			t.Errorf("course service %+v, %v", got, err)
		}
	})
}

func TestLTIScoreOutbox(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		g := newGradeFixture(t, s)
		now := t0
		window := 10 * time.Second
		enqueue := func(sc LTIScore, o EnqueueOptions) bool {
			t.Helper()
			changed, err := s.EnqueueLTIScore(ctx, sc, o)
			if err != nil {
				t.Fatal(err)
			}
			return changed
		}
		claim := func(owner string, at time.Time) []ScoreRow {
			t.Helper()
			rows, err := s.ClaimLTIScores(ctx, owner, at, at.Add(time.Minute), 10)
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		// Coalescing: three checks in the window are one pending row with
		// the latest score, due a window after the first.
		enqueue(g.score(0, 0.5, now), EnqueueOptions{Now: now, Delay: window})
		enqueue(g.score(0, 1, now.Add(time.Second)), EnqueueOptions{Now: now.Add(time.Second), Delay: window})
		enqueue(g.score(0, 1.5, now.Add(2*time.Second)), EnqueueOptions{Now: now.Add(2 * time.Second), Delay: window})
		// An older score (a slow request) does not overwrite a newer one.
		if enqueue(g.score(0, 0.25, now.Add(time.Millisecond)), EnqueueOptions{Now: now.Add(3 * time.Second), Delay: window}) {
			t.Error("an older score replaced a newer one")
		}
		if rows := claim("w1", now.Add(window-time.Millisecond)); len(rows) != 0 {
			t.Fatalf("claimed %d rows before the window ended", len(rows))
		}
		if next, ok, err := s.NextLTIScoreDue(ctx); err != nil || !ok || !next.Equal(now.Add(window)) {
			t.Errorf("next due %v %v %v, want %v", next, ok, err, now.Add(window))
		}
		at := now.Add(window)
		rows := claim("w1", at)
		if len(rows) != 1 || rows[0].Given != 1.5 || rows[0].UserID != "sub-a" || !rows[0].At.Equal(now.Add(2*time.Second)) {
			t.Fatalf("claimed %+v, want the one row with 1.5", rows)
		}
		// Leased: another worker (replica) gets nothing until the lease expires.
		if got := claim("w2", at); len(got) != 0 {
			t.Fatalf("second worker claimed %+v while leased", got)
		}
		// A newer score arrives during the send: the completed send leaves
		// the row pending, so the newer score follows.
		enqueue(g.score(0, 2, at.Add(time.Second)), EnqueueOptions{Now: at.Add(time.Second), Delay: window})
		if err := s.CompleteLTIScore(ctx, "w1", rows[0], at.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		rows = claim("w1", at.Add(2*time.Second))
		if len(rows) != 1 || rows[0].Given != 2 {
			t.Fatalf("after the race: %+v, want the newer 2", rows)
		}
		// A temporary failure: retried at the given time, not before.
		retry := at.Add(time.Minute)
		if err := s.FailLTIScore(ctx, "w1", rows[0], at.Add(3*time.Second), retry, "503 Service Unavailable", false); err != nil {
			t.Fatal(err)
		}
		if got := claim("w1", retry.Add(-time.Millisecond)); len(got) != 0 {
			t.Fatalf("claimed during backoff: %+v", got)
		}
		rows = claim("w2", retry)
		if len(rows) != 1 || rows[0].Attempts != 1 {
			t.Fatalf("after backoff: %+v", rows)
		}
		// The first worker lost its lease: it cannot complete the row.
		if err := s.CompleteLTIScore(ctx, "w1", rows[0], retry); !errors.Is(err, ErrConflict) {
			t.Errorf("complete by a worker without the lease: %v, want ErrConflict", err)
		}
		if err := s.CompleteLTIScore(ctx, "w2", rows[0], retry); err != nil {
			t.Fatal(err)
		}
		// The same score again changes nothing: the LMS has it.
		if enqueue(g.score(0, 2, retry.Add(time.Second)), EnqueueOptions{Now: retry.Add(time.Second), Delay: window}) {
			t.Error("an unchanged score was queued again")
		}
		// Unless forced (resend), which is due at once.
		if !enqueue(g.score(0, 2, retry.Add(2*time.Second)), EnqueueOptions{Now: retry.Add(2 * time.Second), Force: true}) {
			t.Error("a forced resend was not queued")
		}
		rows = claim("w1", retry.Add(2*time.Second))
		if len(rows) != 1 {
			t.Fatalf("forced row: %+v", rows)
		}
		// A permanent failure waits for the instructor.
		if err := s.FailLTIScore(ctx, "w1", rows[0], retry.Add(3*time.Second), retry.Add(time.Hour), "422 course not published", true); err != nil {
			t.Fatal(err)
		}
		if got := claim("w1", retry.Add(2*time.Hour)); len(got) != 0 {
			t.Fatalf("a failed row was claimed: %+v", got)
		}
		// Learner b has a pending row too; the sync log lists failed first.
		enqueue(g.score(1, 1, now), EnqueueOptions{Now: retry.Add(4 * time.Second), Delay: window})
		log, err := s.LTISyncLog(ctx, g.assignment.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 || log[0].State != ScoreFailed || log[0].LastError != "422 course not published" || log[0].LearnerName != "Learner sub-a" ||
			log[0].SentAt == nil || log[1].State != ScorePending || log[1].LastAttemptAt != nil {
			t.Fatalf("sync log %+v", log)
		}
		if _, err := s.EnqueueLTIScore(ctx, g.score(1, 3, now), EnqueueOptions{Now: now}); !errors.Is(err, ErrInvalid) {
			t.Errorf("score above maximum: %v, want ErrInvalid", err)
		}
	})
}

// TestLTIScoreClaimExclusive: concurrent claimers (replicas) never lease
// the same row.
func TestLTIScoreClaimExclusive(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		g := newGradeFixture(t, s)
		for i := range g.lti {
			for _, it := range g.assignment.Items {
				sc := g.score(i, 1, t0)
				sc.ItemID = it.ID
				if _, err := s.EnqueueLTIScore(ctx, sc, EnqueueOptions{Now: t0}); err != nil {
					t.Fatal(err)
				}
			}
		}
		const workers = 4
		got := make(chan []ScoreRow, workers)
		errc := make(chan error, workers)
		for w := range workers {
			go func() {
				rows, err := s.ClaimLTIScores(ctx, "w"+string(rune('0'+w)), t0, t0.Add(time.Minute), 1)
				errc <- err
				got <- rows
			}()
		}
		seen := map[int64]bool{}
		for range workers {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			for _, r := range <-got {
				if seen[r.ID] {
					t.Fatalf("row %d claimed twice", r.ID)
				}
				seen[r.ID] = true
			}
		}
		if len(seen) == 0 {
			t.Fatal("no worker claimed a row")
		}
	})
}

// TestLTISyncSummaryAndResendLearners: the course page's counts per item,
// and the learners a resend recomputes (LMS learners with attempts).
func TestLTISyncSummaryAndResendLearners(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *testClock) {
		ctx := context.Background()
		g := newGradeFixture(t, s)
		item0, item1 := g.assignment.Items[0].ID, g.assignment.Items[1].ID
		if err := s.SaveLTIItemLink(ctx, LTIItemLink{ItemID: item0, PlatformID: g.platform.ID, ResourceLinkID: "rl-1",
			LineItemURL: "https://lms.example/li/1"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetLTIGradePolicy(ctx, item1, SendOnCompletion); err != nil {
			t.Fatal(err)
		}
		for i := range g.lti {
			if _, err := s.EnqueueLTIScore(ctx, g.score(i, 1, t0), EnqueueOptions{Now: t0}); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := s.ClaimLTIScores(ctx, "w", t0, t0.Add(time.Minute), 1)
		if err != nil || len(rows) != 1 {
			t.Fatal(rows, err)
		}
		if err := s.CompleteLTIScore(ctx, "w", rows[0], t0); err != nil {
			t.Fatal(err)
		}
		sum, err := s.LTISyncSummary(ctx, g.course.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := sum[item0]; got != (SyncCounts{Sent: 1, Pending: 1, Linked: true, Policy: SendImprovements}) {
			t.Errorf("item 0: %+v", got)
		}
		if got := sum[item1]; got != (SyncCounts{Policy: SendOnCompletion}) {
			t.Errorf("item 1: %+v", got)
		}
		// Only the LMS learner with attempts is resent; roster learners are not LMS learners.
		if _, _, err := s.RecordAttempt(ctx, attempt(g.lti[1].ID, item0, "a", "k1", 1)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RecordAttempt(ctx, attempt(g.learners[0].ID, item0, "a", "k2", 1)); err != nil {
			t.Fatal(err)
		}
		ls, err := s.LTILearnersWithAttempts(ctx, item0)
		if err != nil || len(ls) != 1 || ls[0].ID != g.lti[1].ID {
			t.Errorf("learners to resend: %+v, %v", ls, err)
		}
	})
}

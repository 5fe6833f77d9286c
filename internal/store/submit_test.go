package store

import (
	"context"
	"errors"
	"testing"
)

// TestSubmitAttemptsWaitsForCommit holds the group commit open
// (BeforeAttemptCommit) and checks that SubmitAttempts returns while the
// attempts are still uncommitted, that nothing of them is visible then,
// and that Wait reports each outcome (new, limit refused) only after the
// commit, in submission order.
func TestSubmitAttemptsWaitsForCommit(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			entered := make(chan struct{}, 16)
			gate := make(chan struct{})
			cfg := b.open(t)
			held := false
			cfg.BeforeAttemptCommit = func() {
				if !held { // only the first batch is held; the writer is one goroutine
					held = true
					entered <- struct{}{}
					<-gate
				}
			}
			cfg.AttemptWriters = 1
			s := openMigrated(t, cfg)
			st := defaultSettings()
			st.AttemptsAllowed = 1
			f := newFixture(t, s, st)
			ada := f.learners[0].ID
			item := f.assignment.Items[0].ID
			p, err := s.SubmitAttempts(ctx, []NewAttempt{
				attempt(ada, item, "a", "key-1", 0),
				attempt(ada, item, "a", "key-2", 1), // beyond the limit of one
				attempt(ada, item, "b", "key-3", 1),
			})
			if err != nil {
				t.Fatal(err)
			}
			<-entered // recorded in a transaction that is not committed
			if got := storedAttempts(t, s, f.assignment.ID); len(got) != 0 {
				t.Fatalf("%d attempts visible before the commit", len(got))
			}
			outs := make(chan []AttemptOutcome, 1)
			go func() { outs <- p.Wait(ctx) }()
			select {
			case <-outs:
				t.Fatal("Wait returned before the commit")
			default:
			}
			close(gate)
			got := <-outs
			if len(got) != 3 || got[0].Err != nil || !got[0].Created || !errors.Is(got[1].Err, ErrAttemptLimit) ||
				got[2].Err != nil || !got[2].Created {
				t.Fatalf("outcomes %+v, want new, refused by the limit, new", got)
			}
			stored := storedAttempts(t, s, f.assignment.ID)
			if len(stored) != 2 || stored[0].ID != got[0].Attempt.ID || stored[1].ID != got[2].Attempt.ID {
				t.Fatalf("stored %+v", stored)
			}
			// A retry with the same keys records nothing new.
			p, err = s.SubmitAttempts(ctx, []NewAttempt{attempt(ada, item, "a", "key-1", 0)})
			if err != nil {
				t.Fatal(err)
			}
			if o := p.Wait(ctx)[0]; o.Err != nil || o.Created || o.Attempt.ID != got[0].Attempt.ID {
				t.Fatalf("retry: %+v", o)
			}
			// An invalid attempt refuses the whole submission.
			bad := attempt(ada, item, "", "key-4", 1)
			if _, err := s.SubmitAttempts(ctx, []NewAttempt{attempt(ada, item, "c", "key-5", 1), bad}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("invalid attempt: %v", err)
			}
			if n := len(storedAttempts(t, s, f.assignment.ID)); n != 2 {
				t.Fatalf("%d attempts after an invalid submission, want 2", n)
			}
		})
	}
}

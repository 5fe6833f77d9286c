package lti

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// The grade outbox worker: it leases due rows of the score outbox
// (store.ClaimLTIScores), sends each to the LMS and records the outcome.
// Any number of workers may run (one per replica): a row is leased to one
// worker at a time, and a worker that dies mid-send loses its lease after
// Lease. Nothing is lost while the LMS is down: a temporary failure is
// retried with exponential backoff for as long as it takes.

// Worker defaults (documented in docs/LTI.md).
const (
	DefaultLease = 2 * time.Minute
	// BackoffBase and BackoffMax shape the retry delays: 10 s, 20 s, 40 s
	// … up to 30 min, each ±20 %.
	BackoffBase = 10 * time.Second
	BackoffMax  = 30 * time.Minute
	// idlePoll is how often an idle worker looks for rows other replicas
	// queued (its own process wakes it at once).
	idlePoll = 30 * time.Second
	// claimBatch is small so a batch is sent well within its lease even
	// when the LMS is slow (each call is bounded by the client's timeout);
	// a lease that expires anyway only risks a harmless duplicate.
	claimBatch = 5
)

// DefaultBackoff is the delay before retry number attempt (1 for the first
// retry): exponential from BackoffBase, capped at BackoffMax, with ±20 %
// jitter so the rows of an LMS that comes back do not all retry at once.
func DefaultBackoff(attempt int) time.Duration {
	d := BackoffBase
	for i := 1; i < attempt && d < BackoffMax; i++ {
		d *= 2
	}
	d = min(d, BackoffMax)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	Store    *store.Store
	Services *Services
	// Now is the worker's clock; time.Now when nil. Tests drive it.
	Now func() time.Time
	// Backoff is the delay before retry number n; DefaultBackoff when nil.
	Backoff func(n int) time.Duration
	// Lease is how long a claimed row stays this worker's; DefaultLease
	// when 0. It must exceed a send's duration (three calls, each bounded
	// by the HTTP client's timeout).
	Lease time.Duration
	// Owner names this worker in leases; random when "".
	Owner string
	// Label names an item for a line item Stride creates.
	Label  func(ctx context.Context, itemID int64) string
	Logger *slog.Logger
}

// Worker sends the score outbox to the LMSs.
type Worker struct {
	cfg  WorkerConfig
	wake chan struct{}
}

// NewWorker returns a worker; Run or RunOnce make it work.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.Store == nil || cfg.Services == nil {
		return nil, errors.New("lti worker: no store or services")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Lease == 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Owner == "" {
		r, err := random()
		if err != nil {
			return nil, err
		}
		cfg.Owner = r[:16]
	}
	if cfg.Label == nil {
		cfg.Label = func(_ context.Context, id int64) string { return "Stride item " + strconv.FormatInt(id, 10) }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// Wake tells a running worker that a score was queued.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Result counts what RunOnce did.
type Result struct {
	Sent, Retrying, Failed int
}

// RunOnce sends every row due at the worker clock's present, and returns
// when none is left (rows that fail again are due later).
func (w *Worker) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	for {
		now := w.cfg.Now()
		rows, err := w.cfg.Store.ClaimLTIScores(ctx, w.cfg.Owner, now, now.Add(w.cfg.Lease), claimBatch)
		if err != nil {
			return res, err
		}
		if len(rows) == 0 {
			return res, nil
		}
		for _, row := range rows {
			if err := w.process(ctx, row, &res); err != nil {
				return res, err
			}
		}
	}
}

// Run works until ctx ends: it sends what is due, then sleeps until the
// next row is due, a score is queued in this process (Wake), or idlePoll
// passes (rows queued by other replicas). after is the timer (time.After
// when nil), so tests can drive it.
func (w *Worker) Run(ctx context.Context, after func(time.Duration) <-chan time.Time) {
	if after == nil {
		after = time.After
	}
	for ctx.Err() == nil {
		_, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.WarnContext(ctx, "LTI grade outbox", "err", err)
		}
		wait := idlePoll
		if next, ok, nerr := w.cfg.Store.NextLTIScoreDue(ctx); nerr == nil && ok {
			wait = min(wait, max(next.Sub(w.cfg.Now()), 0))
		}
		if err != nil {
			wait = max(wait, BackoffBase) // the database is failing: do not spin
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-after(wait):
		}
	}
}

// process sends one leased row and records the outcome. Only a database
// error is returned; the LMS's errors go into the row.
func (w *Worker) process(ctx context.Context, row store.ScoreRow, res *Result) error {
	sendErr := w.send(ctx, row)
	now := w.cfg.Now()
	if sendErr == nil {
		res.Sent++
		if err := w.cfg.Store.CompleteLTIScore(ctx, w.cfg.Owner, row, now); err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the lease expires and another try follows
	}
	// A database error is temporary like a network error.
	var se *ServiceError
	permanent := errors.As(sendErr, &se) && !se.Temporary
	delay := w.cfg.Backoff(row.Attempts + 1)
	if se != nil && se.RetryAfter > delay {
		delay = se.RetryAfter
	}
	if permanent {
		res.Failed++
	} else {
		res.Retrying++
	}
	w.cfg.Logger.WarnContext(ctx, "LTI score not sent", "item", row.ItemID, "learner", row.LearnerID,
		"attempt", row.Attempts+1, "permanent", permanent, "err", sendErr)
	if err := w.cfg.Store.FailLTIScore(ctx, w.cfg.Owner, row, now, now.Add(delay), sendErr.Error(), permanent); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return nil
}

// send delivers one row: the item's line item (found or created when the
// launch named none), then the score.
func (w *Worker) send(ctx context.Context, row store.ScoreRow) error {
	st := w.cfg.Store
	link, err := st.LTIItemLinkOf(ctx, row.ItemID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && link.PlatformID == 0) {
		return &ServiceError{Message: "No LMS launch of this item has been seen, so Stride does not know where its grades go"}
	}
	if err != nil {
		return err
	}
	p, err := st.LTIPlatformByID(ctx, link.PlatformID)
	if errors.Is(err, store.ErrNotFound) {
		return &ServiceError{Message: "The LMS registration of this item's link was removed"}
	}
	if err != nil {
		return err
	}
	scopes := agsScopes(link.Scopes)
	lineItem := link.LineItemURL
	if lineItem == "" {
		if link.LineItemsURL == "" {
			return &ServiceError{Message: "The LMS offered no line item for this link (no AGS endpoint claim in the launch): turn on grade passback for the placement in the LMS (Canvas: the developer key's scopes; Moodle: 'Use this service for grade sync')"}
		}
		lineItem, err = w.cfg.Services.FindOrCreateLineItem(ctx, p, scopes, link.LineItemsURL, LineItem{
			ScoreMaximum: row.Maximum, Label: w.cfg.Label(ctx, row.ItemID), ResourceLinkID: link.ResourceLinkID,
			ResourceID: "stride-item-" + strconv.FormatInt(row.ItemID, 10), Tag: "stride-item-" + strconv.FormatInt(row.ItemID, 10),
		})
		if err != nil {
			return err
		}
		if err := st.SetLTILineItem(ctx, row.ItemID, lineItem); err != nil {
			return fmt.Errorf("remember line item: %w", err)
		}
	}
	return w.cfg.Services.PostScore(ctx, p, scopes, lineItem, Score{
		UserID: row.UserID, ScoreGiven: row.Given, ScoreMaximum: row.Maximum,
		ActivityProgress: row.Activity, GradingProgress: row.Grading, Timestamp: Timestamp(row.At),
	})
}

// agsScopes are the scopes to ask for when sending scores: those the
// platform's launch offered among the ones Stride uses, or score and
// lineitem when it listed none.
func agsScopes(offered []string) []string {
	var out []string
	for _, s := range offered {
		switch s {
		case ScopeLineItem, ScopeLineItemReadOnly, ScopeResultReadOnly, ScopeScore:
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = []string{ScopeLineItem, ScopeScore}
	}
	return out
}

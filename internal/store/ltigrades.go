package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// LTI Advantage storage (issue 12 §3): the line item an assignment item's
// scores go to, the roster service of a course, and the score outbox.
//
// The outbox is a table rather than a job queue library: one row per
// learner and item is exactly the coalescing the LMS needs (a newer score
// replaces a pending one instead of queueing behind it), the lease is one
// UPDATE that means the same on SQLite and PostgreSQL, and the instructor's
// sync log is a plain SELECT of the same rows.

// GradePolicy says when an item's scores go to the LMS.
type GradePolicy string

// Grade policies.
const (
	// SendImprovements sends after every check that changes the score.
	SendImprovements GradePolicy = "improvement"
	// SendOnCompletion sends only once the learner has finished the item.
	SendOnCompletion GradePolicy = "completion"
)

// Valid reports whether p is a known policy.
func (p GradePolicy) Valid() bool { return p == SendImprovements || p == SendOnCompletion }

// Score outbox states.
const (
	ScorePending = "pending" // waiting to be sent (or retried after a temporary error)
	ScoreSent    = "sent"    // the LMS accepted the latest score
	ScoreFailed  = "failed"  // the LMS refused it; waits for a resend or a newer score
)

// Bounds of the outbox (documented in docs/LTI.md).
const (
	// maxLTIErrorLen bounds the LMS error message kept per row.
	maxLTIErrorLen = 500
	// MaxScoreClaim bounds the rows one ClaimLTIScores call leases.
	MaxScoreClaim = 100
)

// LTIItemLink is where an assignment item's scores go in the LMS.
type LTIItemLink struct {
	ItemID         int64
	PlatformID     int64 // 0 when no launch of the item has been seen
	ResourceLinkID string
	LineItemURL    string // the launch's (or found/created) line item; "" until known
	LineItemsURL   string // the context's line items container; "" when not offered
	Scopes         []string
	Policy         GradePolicy
	UpdatedAt      time.Time
}

// checkServiceURL validates a URL a platform names for a service.
func checkServiceURL(field, v string) error {
	if v == "" {
		return nil
	}
	if err := checkLen(field, v, maxLTIURLLen); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: %s is not an http(s) URL", ErrInvalid, field)
	}
	return nil
}

// SaveLTIItemLink records what a launch of an item says about grade
// passback. The policy is kept; an empty LineItemURL keeps the line item
// Stride found or created before (the same resource link keeps its line
// item).
func (s *Store) SaveLTIItemLink(ctx context.Context, l LTIItemLink) error {
	for _, f := range []struct{ name, v string }{{"lineitem", l.LineItemURL}, {"lineitems", l.LineItemsURL}} {
		if err := checkServiceURL(f.name, f.v); err != nil {
			return fmt.Errorf("save LTI item link %d: %w", l.ItemID, err)
		}
	}
	scopes := strings.Join(l.Scopes, " ")
	if err := checkLen("resource link id", l.ResourceLinkID, maxLTIValueLen); err != nil {
		return fmt.Errorf("save LTI item link %d: %w", l.ItemID, err)
	}
	if err := checkLen("scopes", scopes, maxLTIURLLen); err != nil {
		return fmt.Errorf("save LTI item link %d: %w", l.ItemID, err)
	}
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO lti_item_links (item_id, platform_id, resource_link_id, lineitem_url, lineitems_url, scopes, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7)
		 ON CONFLICT (item_id) DO UPDATE SET platform_id = excluded.platform_id, resource_link_id = excluded.resource_link_id,
		   lineitem_url = CASE WHEN excluded.lineitem_url <> '' THEN excluded.lineitem_url
		                       WHEN lti_item_links.resource_link_id = excluded.resource_link_id THEN lti_item_links.lineitem_url
		                       ELSE '' END,
		   lineitems_url = excluded.lineitems_url, scopes = excluded.scopes, updated_at = excluded.updated_at`,
		l.ItemID, l.PlatformID, l.ResourceLinkID, l.LineItemURL, l.LineItemsURL, scopes, ms(s.now()))
	if err != nil {
		return fmt.Errorf("save LTI item link %d: %w", l.ItemID, classify(err))
	}
	return nil
}

// SetLTILineItem records the line item Stride found or created for an item.
func (s *Store) SetLTILineItem(ctx context.Context, itemID int64, lineItemURL string) error {
	if lineItemURL == "" {
		return fmt.Errorf("set line item of %d: %w: empty URL", itemID, ErrInvalid)
	}
	if err := checkServiceURL("lineitem", lineItemURL); err != nil {
		return fmt.Errorf("set line item of %d: %w", itemID, err)
	}
	if _, err := s.write.ExecContext(ctx, `UPDATE lti_item_links SET lineitem_url = $1, updated_at = $2 WHERE item_id = $3`,
		lineItemURL, ms(s.now()), itemID); err != nil {
		return fmt.Errorf("set line item of %d: %w", itemID, classify(err))
	}
	return nil
}

// SetLTIGradePolicy sets when an item's scores go to the LMS.
func (s *Store) SetLTIGradePolicy(ctx context.Context, itemID int64, p GradePolicy) error {
	if !p.Valid() {
		return fmt.Errorf("set grade policy of %d: %w: %q is not improvement or completion", itemID, ErrInvalid, p)
	}
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO lti_item_links (item_id, grade_policy, updated_at) VALUES ($1, $2, $3)
		 ON CONFLICT (item_id) DO UPDATE SET grade_policy = excluded.grade_policy, updated_at = excluded.updated_at`,
		itemID, string(p), ms(s.now()))
	if err != nil {
		return fmt.Errorf("set grade policy of %d: %w", itemID, classify(err))
	}
	return nil
}

// LTIItemLinkOf returns the link of an item (ErrNotFound when no launch or
// policy named it).
func (s *Store) LTIItemLinkOf(ctx context.Context, itemID int64) (LTIItemLink, error) {
	var l LTIItemLink
	var platform sql.NullInt64
	var scopes, policy string
	var updated int64
	err := s.read.QueryRowContext(ctx,
		`SELECT item_id, platform_id, resource_link_id, lineitem_url, lineitems_url, scopes, grade_policy, updated_at
		 FROM lti_item_links WHERE item_id = $1`, itemID).
		Scan(&l.ItemID, &platform, &l.ResourceLinkID, &l.LineItemURL, &l.LineItemsURL, &scopes, &policy, &updated)
	if err != nil {
		return LTIItemLink{}, fmt.Errorf("LTI link of item %d: %w", itemID, classify(err))
	}
	l.PlatformID, l.Policy, l.UpdatedAt = platform.Int64, GradePolicy(policy), fromMS(updated)
	l.Scopes = strings.Fields(scopes)
	return l, nil
}

// LTICourseService is the roster service (NRPS) of a course's LMS context.
type LTICourseService struct {
	CourseID       int64
	PlatformID     int64
	MembershipsURL string
	UpdatedAt      time.Time
}

// SaveLTICourseService records a launch's context_memberships_url.
func (s *Store) SaveLTICourseService(ctx context.Context, cs LTICourseService) error {
	if cs.MembershipsURL == "" {
		return fmt.Errorf("save roster service of course %d: %w: empty URL", cs.CourseID, ErrInvalid)
	}
	if err := checkServiceURL("context_memberships_url", cs.MembershipsURL); err != nil {
		return fmt.Errorf("save roster service of course %d: %w", cs.CourseID, err)
	}
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO lti_course_services (course_id, platform_id, memberships_url, updated_at) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (course_id) DO UPDATE SET platform_id = excluded.platform_id, memberships_url = excluded.memberships_url,
		   updated_at = excluded.updated_at`,
		cs.CourseID, cs.PlatformID, cs.MembershipsURL, ms(s.now()))
	if err != nil {
		return fmt.Errorf("save roster service of course %d: %w", cs.CourseID, classify(err))
	}
	return nil
}

// LTICourseServiceOf returns a course's roster service (ErrNotFound when
// no launch from the course offered one).
func (s *Store) LTICourseServiceOf(ctx context.Context, courseID int64) (LTICourseService, error) {
	var cs LTICourseService
	var updated int64
	err := s.read.QueryRowContext(ctx,
		`SELECT course_id, platform_id, memberships_url, updated_at FROM lti_course_services WHERE course_id = $1`, courseID).
		Scan(&cs.CourseID, &cs.PlatformID, &cs.MembershipsURL, &updated)
	if err != nil {
		return LTICourseService{}, fmt.Errorf("roster service of course %d: %w", courseID, classify(err))
	}
	cs.UpdatedAt = fromMS(updated)
	return cs, nil
}

// LTIPlatformByID returns a registered platform with its deployments.
func (s *Store) LTIPlatformByID(ctx context.Context, id int64) (LTIPlatform, error) {
	p, err := scanLTIPlatform(s.read.QueryRowContext(ctx, `SELECT `+ltiPlatformColumns+` FROM lti_platforms WHERE id = $1`, id))
	if err != nil {
		return LTIPlatform{}, fmt.Errorf("LTI platform %d: %w", id, classify(err))
	}
	return s.withDeployments(ctx, p)
}

// LTIScore is a score for the LMS: what AGS's score service receives.
type LTIScore struct {
	LearnerID, ItemID, PlatformID int64
	UserID                        string // the learner's LTI sub
	Given, Maximum                float64
	Activity, Grading             string
	// At is when the score changed in Stride (the score's timestamp).
	At time.Time
}

// ScoreRow is one learner's row in the outbox.
type ScoreRow struct {
	ID int64
	LTIScore
	State         string
	Version       int64
	Attempts      int
	NextAt        time.Time
	LastAttemptAt *time.Time
	LastError     string
	SentAt        *time.Time
	SentScore     *float64
	// LearnerName is filled by LTISyncLog.
	LearnerName string
}

const scoreRowColumns = `o.id, o.learner_id, o.item_id, o.platform_id, o.user_id, o.score_given, o.score_maximum,
	o.activity_progress, o.grading_progress, o.score_at, o.state, o.version, o.attempts, o.next_at,
	o.last_attempt_at, o.last_error, o.sent_at, o.sent_score`

func scanScoreRow(r rowScanner, extra ...any) (ScoreRow, error) {
	var row ScoreRow
	var at, next int64
	var lastAttempt, sent sql.NullInt64
	var sentScore sql.NullFloat64
	dest := []any{&row.ID, &row.LearnerID, &row.ItemID, &row.PlatformID, &row.UserID, &row.Given, &row.Maximum,
		&row.Activity, &row.Grading, &at, &row.State, &row.Version, &row.Attempts, &next,
		&lastAttempt, &row.LastError, &sent, &sentScore}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return ScoreRow{}, err
	}
	row.At, row.NextAt = fromMS(at), fromMS(next)
	row.LastAttemptAt, row.SentAt = fromNullMS(lastAttempt), fromNullMS(sent)
	if sentScore.Valid {
		row.SentScore = &sentScore.Float64
	}
	return row, nil
}

// EnqueueOptions say how a score joins the outbox.
type EnqueueOptions struct {
	// Now is the worker clock's present.
	Now time.Time
	// Delay is the coalescing window: a row that was not pending becomes
	// due this long after now, and scores arriving meanwhile replace it.
	Delay time.Duration
	// Force sends even when the LMS already has this very score, due now
	// (the instructor's resend).
	Force bool
}

// EnqueueLTIScore puts a learner's latest score for an item in the outbox.
// The row of the learner and item is replaced: a pending row keeps its
// schedule (so a burst of checks is one send), a sent or failed row
// becomes pending again. A score older than the row's (At earlier) is
// ignored, and so is one equal to what the LMS already has unless Force.
// It reports whether the row changed.
func (s *Store) EnqueueLTIScore(ctx context.Context, sc LTIScore, o EnqueueOptions) (bool, error) {
	if sc.UserID == "" || len(sc.UserID) > maxLTIValueLen {
		return false, fmt.Errorf("enqueue score: %w: user id empty or longer than %d bytes", ErrInvalid, maxLTIValueLen)
	}
	if sc.Given < 0 || sc.Maximum < 0 || sc.Given > sc.Maximum {
		return false, fmt.Errorf("enqueue score: %w: %g of %g", ErrInvalid, sc.Given, sc.Maximum)
	}
	due := o.Now.Add(o.Delay)
	force := 0
	if o.Force {
		force, due = 1, o.Now
	}
	res, err := s.write.ExecContext(ctx,
		`INSERT INTO lti_score_outbox (learner_id, item_id, platform_id, user_id, score_given, score_maximum,
		   activity_progress, grading_progress, score_at, state, next_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)
		 ON CONFLICT (learner_id, item_id) DO UPDATE SET
		   platform_id = excluded.platform_id, user_id = excluded.user_id,
		   score_given = excluded.score_given, score_maximum = excluded.score_maximum,
		   activity_progress = excluded.activity_progress, grading_progress = excluded.grading_progress,
		   score_at = excluded.score_at, version = lti_score_outbox.version + 1,
		   next_at = CASE WHEN $12 = 1 THEN excluded.next_at
		                  WHEN lti_score_outbox.state = 'pending' THEN lti_score_outbox.next_at
		                  ELSE excluded.next_at END,
		   attempts = CASE WHEN lti_score_outbox.state = 'pending' AND $12 = 0 THEN lti_score_outbox.attempts ELSE 0 END,
		   state = 'pending', updated_at = excluded.updated_at
		 WHERE excluded.score_at >= lti_score_outbox.score_at
		   AND ($12 = 1 OR NOT (lti_score_outbox.state = 'sent'
		        AND lti_score_outbox.score_given = excluded.score_given AND lti_score_outbox.score_maximum = excluded.score_maximum
		        AND lti_score_outbox.activity_progress = excluded.activity_progress
		        AND lti_score_outbox.grading_progress = excluded.grading_progress))`,
		sc.LearnerID, sc.ItemID, sc.PlatformID, sc.UserID, sc.Given, sc.Maximum, sc.Activity, sc.Grading,
		ms(sc.At), ms(due), ms(o.Now), force)
	if err != nil {
		return false, fmt.Errorf("enqueue score of learner %d item %d: %w", sc.LearnerID, sc.ItemID, classify(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("enqueue score: %w", err)
	}
	return n > 0, nil
}

// ClaimLTIScores leases up to limit due pending rows to owner until
// leaseUntil and returns them. A row whose lease has not expired is left
// alone, so two workers (replicas) never hold the same row; a worker that
// died mid-send loses its rows when the lease expires.
func (s *Store) ClaimLTIScores(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]ScoreRow, error) {
	if owner == "" || limit <= 0 || limit > MaxScoreClaim {
		return nil, fmt.Errorf("claim scores: %w: owner empty or limit not 1 to %d", ErrInvalid, MaxScoreClaim)
	}
	var rows []ScoreRow
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The outer WHERE repeats the conditions: on PostgreSQL a row
		// another transaction leased meanwhile is re-checked after its
		// lock is released and no longer matches.
		var err error
		rows, err = queryAll(ctx, tx, "claim scores", func(r rowScanner) (ScoreRow, error) { return scanScoreRow(r) },
			`UPDATE lti_score_outbox SET lease_owner = $1, lease_until = $2
			 WHERE id IN (SELECT id FROM lti_score_outbox WHERE state = 'pending' AND next_at <= $3 AND lease_until <= $3
			                ORDER BY next_at, id LIMIT $4)
			   AND state = 'pending' AND next_at <= $3 AND lease_until <= $3
			 RETURNING `+strings.ReplaceAll(scoreRowColumns, "o.", ""),
			owner, ms(leaseUntil), ms(now), limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim scores: %w", classify(err))
	}
	return rows, nil
}

// CompleteLTIScore records that the LMS accepted row (as claimed, at its
// version). When a newer score arrived during the send the row stays
// pending, due at its schedule, so the newer score follows.
func (s *Store) CompleteLTIScore(ctx context.Context, owner string, row ScoreRow, now time.Time) error {
	res, err := s.write.ExecContext(ctx,
		`UPDATE lti_score_outbox SET
		   state = CASE WHEN version = $1 THEN 'sent' ELSE 'pending' END,
		   attempts = CASE WHEN version = $1 THEN 0 ELSE attempts END,
		   sent_at = $2, sent_score = $3, last_attempt_at = $2, last_error = '',
		   lease_owner = '', lease_until = 0, updated_at = $2
		 WHERE id = $4 AND lease_owner = $5`,
		row.Version, ms(now), row.Given, row.ID, owner)
	if err != nil {
		return fmt.Errorf("complete score %d: %w", row.ID, classify(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("complete score %d: %w", row.ID, err)
	} else if n == 0 {
		return fmt.Errorf("complete score %d: %w: the lease was lost", row.ID, ErrConflict)
	}
	return nil
}

// FailLTIScore records a failed send of row: the LMS's message, another
// try at retryAt, or (permanent, and no newer score arrived meanwhile) the
// failed state, which waits for the instructor's resend or a newer score.
func (s *Store) FailLTIScore(ctx context.Context, owner string, row ScoreRow, now, retryAt time.Time, msg string, permanent bool) error {
	if len(msg) > maxLTIErrorLen {
		msg = msg[:maxLTIErrorLen]
		for !utf8Valid(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	perm := 0
	if permanent {
		perm = 1
	}
	res, err := s.write.ExecContext(ctx,
		`UPDATE lti_score_outbox SET
		   state = CASE WHEN $1 = 1 AND version = $2 THEN 'failed' ELSE 'pending' END,
		   next_at = CASE WHEN $1 = 1 AND version <> $2 THEN next_at ELSE $3 END,
		   attempts = attempts + 1, last_attempt_at = $4, last_error = $5,
		   lease_owner = '', lease_until = 0, updated_at = $4
		 WHERE id = $6 AND lease_owner = $7`,
		perm, row.Version, ms(retryAt), ms(now), msg, row.ID, owner)
	if err != nil {
		return fmt.Errorf("fail score %d: %w", row.ID, classify(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("fail score %d: %w", row.ID, err)
	} else if n == 0 {
		return fmt.Errorf("fail score %d: %w: the lease was lost", row.ID, ErrConflict)
	}
	return nil
}

// NextLTIScoreDue returns when the earliest pending row is due (false
// when none is pending), so a worker can sleep until then.
func (s *Store) NextLTIScoreDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.read.QueryRowContext(ctx,
		`SELECT MIN(CASE WHEN lease_until > next_at THEN lease_until ELSE next_at END) FROM lti_score_outbox WHERE state = 'pending'`).
		Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next score due: %w", classify(err))
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(next.Int64), true, nil
}

// MaxSyncLogRows bounds the rows of one item's sync log page.
const MaxSyncLogRows = 5000

// LTISyncLog returns an item's outbox rows with the learners' names,
// failed first, then pending, then sent, each by name.
func (s *Store) LTISyncLog(ctx context.Context, itemID int64) ([]ScoreRow, error) {
	return queryAll(ctx, s.read, "LTI sync log", func(r rowScanner) (ScoreRow, error) {
		var name string
		row, err := scanScoreRow(r, &name)
		row.LearnerName = name
		return row, err
	}, `SELECT `+scoreRowColumns+`, l.name FROM lti_score_outbox o JOIN learners l ON l.id = o.learner_id
	    WHERE o.item_id = $1
	    ORDER BY CASE o.state WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, l.name, o.id LIMIT $2`, itemID, MaxSyncLogRows)
}

// LTILearnersWithAttempts lists the LTI learners (with an LMS identity)
// who have recorded attempts at an item: whose score a resend recomputes.
func (s *Store) LTILearnersWithAttempts(ctx context.Context, itemID int64) ([]Learner, error) {
	ids, err := queryAll(ctx, s.read, "LTI learners of item", func(r rowScanner) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	}, `SELECT DISTINCT a.learner_id FROM attempts a JOIN learners l ON l.id = a.learner_id
	    WHERE a.item_id = $1 AND l.lti_sub IS NOT NULL ORDER BY a.learner_id LIMIT $2`, itemID, MaxSyncLogRows)
	if err != nil {
		return nil, err
	}
	out := make([]Learner, 0, len(ids))
	for _, id := range ids {
		l, err := s.GetLearner(ctx, id)
		if errors.Is(err, ErrNotFound) { // deleted meanwhile
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// SyncCounts counts an item's outbox rows by state.
type SyncCounts struct {
	Sent, Pending, Failed int
	// Linked: an LMS launch of the item was seen; Policy is its policy
	// (SendImprovements when none was set).
	Linked bool
	Policy GradePolicy
}

// LTISyncSummary returns the grade sync counts and policy of every item
// of a course that has an LMS link or outbox rows, by item id.
func (s *Store) LTISyncSummary(ctx context.Context, courseID int64) (map[int64]SyncCounts, error) {
	out := map[int64]SyncCounts{}
	type count struct {
		item  int64
		state string
		n     int
	}
	counts, err := queryAll(ctx, s.read, "LTI sync summary", func(r rowScanner) (count, error) {
		var c count
		err := r.Scan(&c.item, &c.state, &c.n)
		return c, err
	}, `SELECT o.item_id, o.state, COUNT(*) FROM lti_score_outbox o
	    JOIN assignment_items i ON i.id = o.item_id JOIN assignments a ON a.id = i.assignment_id
	    WHERE a.course_id = $1 GROUP BY o.item_id, o.state`, courseID)
	if err != nil {
		return nil, err
	}
	for _, c := range counts {
		sc := out[c.item]
		switch c.state {
		case ScoreSent:
			sc.Sent = c.n
		case ScorePending:
			sc.Pending = c.n
		case ScoreFailed:
			sc.Failed = c.n
		}
		out[c.item] = sc
	}
	type link struct {
		item   int64
		linked bool
		policy string
	}
	links, err := queryAll(ctx, s.read, "LTI sync summary", func(r rowScanner) (link, error) {
		var l link
		var platform sql.NullInt64
		err := r.Scan(&l.item, &platform, &l.policy)
		l.linked = platform.Valid
		return l, err
	}, `SELECT k.item_id, k.platform_id, k.grade_policy FROM lti_item_links k
	    JOIN assignment_items i ON i.id = k.item_id JOIN assignments a ON a.id = i.assignment_id
	    WHERE a.course_id = $1`, courseID)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		sc := out[l.item]
		sc.Linked, sc.Policy = l.linked, GradePolicy(l.policy)
		out[l.item] = sc
	}
	for id, sc := range out {
		if sc.Policy == "" {
			sc.Policy = SendImprovements
			out[id] = sc
		}
	}
	return out, nil
}

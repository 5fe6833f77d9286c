package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GetLiveSession returns a live session by id, open or ended.
func (s *Store) GetLiveSession(ctx context.Context, id int64) (LiveSession, error) {
	var ls LiveSession
	var created int64
	var ended sql.NullInt64
	err := s.read.QueryRowContext(ctx,
		`SELECT id, course_id, COALESCE(assignment_id, 0), code, COALESCE(created_by, 0), created_at, ended_at
		 FROM live_sessions WHERE id = $1`, id).
		Scan(&ls.ID, &ls.CourseID, &ls.AssignmentID, &ls.Code, &ls.CreatedBy, &created, &ended)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return LiveSession{}, fmt.Errorf("live session %d: %w", id, ErrNotFound)
		}
		return LiveSession{}, fmt.Errorf("live session %d: %w", id, err)
	}
	ls.CreatedAt = fromMS(created)
	if ended.Valid {
		t := fromMS(ended.Int64)
		ls.EndedAt = &t
	}
	return ls, nil
}

// Live session state (issue 14 §2): what every replica's hub follows. The
// row of live_sessions is the truth; hubs cache it and reload it when a
// notification (notify.go) says it changed.

// Errors of joining a live session.
var (
	// ErrLiveEnded: the live session has ended.
	ErrLiveEnded = errors.New("the live session has ended")
	// ErrLiveFull: the live session has as many participants as allowed.
	ErrLiveFull = errors.New("the live session is full")
)

// Reasons a live session ended.
const (
	EndedByInstructor = "instructor"
	EndedIdle         = "idle"
)

// maxLivePlayer bounds the driven player's stored state, in bytes.
const maxLivePlayer = 4096

// LiveState is a live session's room state.
type LiveState struct {
	Question int
	Unlocked []int // ascending
	Paused   bool
	Closed   bool
	Revealed bool
	// Version grows by one with every change (the caller bumps it).
	Version int64
	// Player is the driven animation player's state (JSON; "" for none)
	// and PlayerSeq its own sequence, apart from Version.
	Player    string
	PlayerSeq int64
	// Projector is what the projector view shows, a bit set kept by
	// internal/live (migration 00014; 0 is the default view).
	Projector int64
	// ActedAt is the last instructor action (idle sessions end).
	ActedAt   time.Time
	Ended     bool
	EndReason string // EndedByInstructor or EndedIdle once ended
}

const liveStateColumns = `question, unlocked, paused, closed, revealed, version, player, player_seq, acted_at, ended_at, end_reason, projector`

func scanLiveState(row rowScanner) (LiveState, error) {
	var st LiveState
	var unlocked string
	var paused, closed, revealed int
	var acted int64
	var ended sql.NullInt64
	if err := row.Scan(&st.Question, &unlocked, &paused, &closed, &revealed, &st.Version, &st.Player, &st.PlayerSeq,
		&acted, &ended, &st.EndReason, &st.Projector); err != nil {
		return LiveState{}, err
	}
	st.Paused, st.Closed, st.Revealed, st.Ended = paused == 1, closed == 1, revealed == 1, ended.Valid
	st.ActedAt = fromMS(acted)
	st.Unlocked = []int{}
	for _, f := range strings.Split(unlocked, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return LiveState{}, fmt.Errorf("unlocked %q: %w", unlocked, err)
		}
		st.Unlocked = append(st.Unlocked, n)
	}
	return st, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// GetLiveState reads a live session's state.
func (s *Store) GetLiveState(ctx context.Context, id int64) (LiveState, error) {
	st, err := scanLiveState(s.read.QueryRowContext(ctx, `SELECT `+liveStateColumns+` FROM live_sessions WHERE id = $1`, id))
	if err != nil {
		return LiveState{}, fmt.Errorf("live session %d state: %w", id, classify(err))
	}
	return st, nil
}

// UpdateLiveState changes an open session's state: fn gets the current
// state, with the row locked, and changes it in place, returning whether
// it changed anything; then the new state is stored and the last action
// time set to now. It returns the state after the call and whether fn
// changed it. An ended session is not changed (ErrLiveEnded).
func (s *Store) UpdateLiveState(ctx context.Context, id int64, fn func(*LiveState) bool) (LiveState, bool, error) {
	return s.liveWriterOnce().update(ctx, id, fn, nil)
}

// UpdateLiveStateNotify is UpdateLiveState that, when fn changed the
// state, also sends notice(the new state) on the live channel in the same
// transaction (PostgreSQL; SQLite has no notifications and ignores it):
// listeners hear of the change exactly when it commits.
func (s *Store) UpdateLiveStateNotify(ctx context.Context, id int64, fn func(*LiveState) bool, notice func(LiveState) string) (LiveState, bool, error) {
	return s.liveWriterOnce().update(ctx, id, fn, notice)
}

// updateLiveStateTx is one update inside tx (livecommit.go batches them).
func (s *Store) updateLiveStateTx(ctx context.Context, tx *sql.Tx, id int64, fn func(*LiveState) bool, notice func(LiveState) string) (LiveState, bool, error) {
	st, err := scanLiveState(tx.QueryRowContext(ctx, `SELECT `+liveStateColumns+` FROM live_sessions WHERE id = $1`+s.dialect.forNoKeyUpdate, id))
	if err != nil {
		return LiveState{}, false, classify(err)
	}
	if st.Ended {
		return LiveState{}, false, ErrLiveEnded
	}
	if !fn(&st) {
		return st, false, nil
	}
	if len(st.Player) > maxLivePlayer {
		return LiveState{}, false, fmt.Errorf("%w: player state is %d bytes, the limit is %d", ErrInvalid, len(st.Player), maxLivePlayer)
	}
	st.ActedAt = fromMS(ms(s.now()))
	if _, err := tx.ExecContext(ctx, `UPDATE live_sessions SET question = $1, unlocked = $2, paused = $3, closed = $4,
		revealed = $5, version = $6, player = $7, player_seq = $8, acted_at = $9, projector = $10 WHERE id = $11`,
		st.Question, joinInts(st.Unlocked), bit(st.Paused), bit(st.Closed), bit(st.Revealed), st.Version,
		st.Player, st.PlayerSeq, ms(st.ActedAt), st.Projector, id); err != nil {
		return LiveState{}, false, err
	}
	if notice != nil && s.CanNotify() {
		payload := notice(st)
		if len(payload) > maxNotifyPayload {
			return LiveState{}, false, fmt.Errorf("notify: %w: payload is %d bytes, the limit is %d", ErrInvalid, len(payload), maxNotifyPayload)
		}
		ch, err := s.liveChannel(ctx)
		if err != nil {
			return LiveState{}, false, fmt.Errorf("notify: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, ch, payload); err != nil {
			return LiveState{}, false, fmt.Errorf("notify: %w", err)
		}
	}
	return st, true, nil
}

// EndLiveSessionFor ends an open live session for a reason
// (EndedByInstructor, EndedIdle), bumping its version; ErrNotFound when it
// is not open.
func (s *Store) EndLiveSessionFor(ctx context.Context, id int64, reason string) error {
	res, err := s.write.ExecContext(ctx, `UPDATE live_sessions SET ended_at = $1, end_reason = $2, version = version + 1
		WHERE id = $3 AND ended_at IS NULL`, ms(s.now()), reason, id)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("end live session %d: %w", id, err)
	}
	return nil
}

// EndIdleLiveSessions ends every open session whose last instructor action
// is before cutoff and returns their ids. Replicas may all run it: each
// session is ended by one of them.
func (s *Store) EndIdleLiveSessions(ctx context.Context, cutoff time.Time) ([]int64, error) {
	ids, err := queryAll(ctx, s.write, "end idle live sessions", func(r rowScanner) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	}, `UPDATE live_sessions SET ended_at = $1, end_reason = $2, version = version + 1
		WHERE ended_at IS NULL AND acted_at < $3 RETURNING id`, ms(s.now()), EndedIdle, ms(cutoff))
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// LatestLiveSessionByCode returns the newest session that had a join code,
// open or ended (codes are reused once a session ends), with its state.
func (s *Store) LatestLiveSessionByCode(ctx context.Context, code string) (LiveSession, LiveState, error) {
	var ls LiveSession
	var created int64
	st, err := scanLiveState(scanFirst(s.read.QueryRowContext(ctx,
		`SELECT id, course_id, COALESCE(assignment_id, 0), code, COALESCE(created_by, 0), created_at, `+liveStateColumns+`
		 FROM live_sessions WHERE code = $1 ORDER BY id DESC LIMIT 1`, code),
		&ls.ID, &ls.CourseID, &ls.AssignmentID, &ls.Code, &ls.CreatedBy, &created))
	if err != nil {
		return LiveSession{}, LiveState{}, fmt.Errorf("live session %q: %w", code, classify(err))
	}
	ls.CreatedAt = fromMS(created)
	return ls, st, nil
}

// scanFirst is a rowScanner that scans the first columns into first and
// the rest into what its Scan is given.
func scanFirst(row rowScanner, first ...any) rowScanner { return prefixScanner{row, first} }

type prefixScanner struct {
	row   rowScanner
	first []any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.row.Scan(append(append([]any{}, p.first...), dest...)...)
}

// JoinLiveSession records learner as a participant of an open session.
// newly is false when they had joined already. A new participant beyond max
// (when max > 0) is refused with ErrLiveFull; an ended session with
// ErrLiveEnded. The session's row is locked, so concurrent joins on several
// replicas cannot exceed max.
func (s *Store) JoinLiveSession(ctx context.Context, session, learner int64, max int) (newly bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var ended sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT ended_at FROM live_sessions WHERE id = $1`+s.dialect.forNoKeyUpdate, session).Scan(&ended); err != nil {
			return classify(err)
		}
		if ended.Valid {
			return ErrLiveEnded
		}
		var have, n int
		if err := tx.QueryRowContext(ctx, `SELECT
			  (SELECT COUNT(*) FROM live_participants WHERE session_id = $1 AND learner_id = $2),
			  (SELECT COUNT(*) FROM live_participants WHERE session_id = $1)`, session, learner).Scan(&have, &n); err != nil {
			return err
		}
		if have > 0 {
			return nil
		}
		if max > 0 && n >= max {
			return fmt.Errorf("%w: %d students have joined, the limit is %d", ErrLiveFull, n, max)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO live_participants (session_id, learner_id, joined_at) VALUES ($1, $2, $3)`,
			session, learner, ms(s.now())); err != nil {
			return classify(err)
		}
		newly = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("join live session %d: %w", session, err)
	}
	return newly, nil
}

// LiveParticipants lists the learners who joined a session.
func (s *Store) LiveParticipants(ctx context.Context, session int64) ([]int64, error) {
	return queryAll(ctx, s.read, "live participants", func(r rowScanner) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	}, `SELECT learner_id FROM live_participants WHERE session_id = $1 ORDER BY learner_id`, session)
}

// maxLiveAnswerText is how much of an answer LiveAnswers returns (the
// counts keep the first 80 bytes).
const maxLiveAnswerText = 200

// LiveAnswer is a checked part recorded in a live session, as the live
// counts need it.
type LiveAnswer struct {
	ID        int64
	LearnerID int64
	ItemID    int64
	Part      string
	Verdict   string // correct or incorrect
	Diagnosis string
	Answer    string // the first 200 characters
}

// LiveAnswers returns the correct and incorrect attempts recorded in a
// live session, oldest first; learner > 0 keeps only theirs.
func (s *Store) LiveAnswers(ctx context.Context, session, learner int64) ([]LiveAnswer, error) {
	q := `SELECT id, learner_id, COALESCE(item_id, 0), part, verdict, diagnosis_code, substr(answer, 1, 200)
		FROM attempts WHERE live_session_id = $1 AND verdict IN ('correct', 'incorrect')`
	args := []any{session}
	if learner > 0 {
		q += ` AND learner_id = $2`
		args = append(args, learner)
	}
	return queryAll(ctx, s.read, "live answers", func(r rowScanner) (LiveAnswer, error) {
		var a LiveAnswer
		err := r.Scan(&a.ID, &a.LearnerID, &a.ItemID, &a.Part, &a.Verdict, &a.Diagnosis, &a.Answer)
		return a, err
	}, q+` ORDER BY id`, args...)
}

// LiveAnswersOf returns the correct and incorrect attempts recorded in a
// live session by any of learners, oldest first: what LiveAnswers returns
// for each of them, in one query. A replica that hears that a burst of
// students answered rereads them all at once. The learners travel as one
// parameter (an array; JSON for SQLite), so the query text is the same
// whatever their number and stays in the statement caches.
func (s *Store) LiveAnswersOf(ctx context.Context, session int64, learners []int64) ([]LiveAnswer, error) {
	if len(learners) == 0 {
		return nil, nil
	}
	var q string
	var list any
	if s.dialect.name == "postgres" {
		q, list = `learner_id = ANY($2::bigint[])`, learners
	} else {
		b, err := json.Marshal(learners)
		if err != nil {
			return nil, fmt.Errorf("live answers: %w", err)
		}
		q, list = `learner_id IN (SELECT value FROM json_each($2))`, string(b)
	}
	return queryAll(ctx, s.read, "live answers", func(r rowScanner) (LiveAnswer, error) {
		var a LiveAnswer
		err := r.Scan(&a.ID, &a.LearnerID, &a.ItemID, &a.Part, &a.Verdict, &a.Diagnosis, &a.Answer)
		return a, err
	}, `SELECT id, learner_id, COALESCE(item_id, 0), part, verdict, diagnosis_code, substr(answer, 1, 200)
		FROM attempts WHERE live_session_id = $1 AND verdict IN ('correct', 'incorrect') AND `+q+` ORDER BY id`, session, list)
}

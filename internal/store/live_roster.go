package store

import "context"

// LiveRosterEntry is one participant of a live session and whether they
// have answered a question of it.
type LiveRosterEntry struct {
	LearnerID int64
	Name      string
	// Answered: a correct or incorrect attempt at the item in the session
	// (blank and invalid answers are not attempts the counts see).
	Answered bool
}

// MaxLiveRoster bounds the participants LiveRoster returns (a session's
// students are bounded by the live limit, at most 10,000).
const MaxLiveRoster = 10_000

// LiveRoster lists a live session's participants by name, each with
// whether they answered item itemID in the session. It is what the
// instructor's screen (and the projector, when the instructor shows
// names) lists as who has answered; the live counts never carry names.
func (s *Store) LiveRoster(ctx context.Context, session, itemID int64) ([]LiveRosterEntry, error) {
	return queryAll(ctx, s.read, "live roster", func(r rowScanner) (LiveRosterEntry, error) {
		var e LiveRosterEntry
		var answered int
		err := r.Scan(&e.LearnerID, &e.Name, &answered)
		e.Answered = answered == 1
		return e, err
	}, `SELECT l.id, l.name,
		  CASE WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.live_session_id = p.session_id AND a.learner_id = p.learner_id
		    AND a.item_id = $2 AND a.verdict IN ('correct', 'incorrect')) THEN 1 ELSE 0 END
		FROM live_participants p JOIN learners l ON l.id = p.learner_id
		WHERE p.session_id = $1 ORDER BY l.name, l.id LIMIT $3`, session, itemID, MaxLiveRoster)
}

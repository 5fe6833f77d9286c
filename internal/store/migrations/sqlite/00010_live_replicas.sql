-- Live sessions across replicas (issue 14 §2). The room's state lives in
-- the database, so a replica that hears a notification reads it there and a
-- restarted server resumes where the class was; live_participants is who
-- joined (the joined count and the per-session limit agree across
-- replicas); the counts are rebuilt from attempts.live_session_id.
-- Keep postgres/00010_live_replicas.sql in step.

-- +goose Up
ALTER TABLE live_sessions ADD COLUMN question INTEGER NOT NULL DEFAULT 0;
-- Comma-separated unlocked question indexes, ascending.
ALTER TABLE live_sessions ADD COLUMN unlocked TEXT NOT NULL DEFAULT '';
ALTER TABLE live_sessions ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_sessions ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_sessions ADD COLUMN revealed INTEGER NOT NULL DEFAULT 0;
-- Grows by one with every change of the state above (and the end).
ALTER TABLE live_sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- The driven animation player's state (JSON, '' when none) and its sequence.
ALTER TABLE live_sessions ADD COLUMN player TEXT NOT NULL DEFAULT '';
ALTER TABLE live_sessions ADD COLUMN player_seq INTEGER NOT NULL DEFAULT 0;
-- The last instructor action (milliseconds): idle sessions end.
ALTER TABLE live_sessions ADD COLUMN acted_at INTEGER NOT NULL DEFAULT 0;
-- Why it ended: 'instructor' or 'idle' ('' while open).
ALTER TABLE live_sessions ADD COLUMN end_reason TEXT NOT NULL DEFAULT '';
UPDATE live_sessions SET acted_at = created_at;
CREATE INDEX live_sessions_idle ON live_sessions (acted_at) WHERE ended_at IS NULL;
CREATE INDEX live_sessions_code ON live_sessions (code, id);

CREATE TABLE live_participants (
    session_id INTEGER NOT NULL REFERENCES live_sessions (id) ON DELETE CASCADE,
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (session_id, learner_id)
);

CREATE INDEX attempts_live_session ON attempts (live_session_id, learner_id, id) WHERE live_session_id IS NOT NULL;

-- +goose Down
DROP INDEX attempts_live_session;
DROP TABLE live_participants;
DROP INDEX live_sessions_code;
DROP INDEX live_sessions_idle;
ALTER TABLE live_sessions DROP COLUMN end_reason;
ALTER TABLE live_sessions DROP COLUMN acted_at;
ALTER TABLE live_sessions DROP COLUMN player_seq;
ALTER TABLE live_sessions DROP COLUMN player;
ALTER TABLE live_sessions DROP COLUMN version;
ALTER TABLE live_sessions DROP COLUMN revealed;
ALTER TABLE live_sessions DROP COLUMN closed;
ALTER TABLE live_sessions DROP COLUMN paused;
ALTER TABLE live_sessions DROP COLUMN unlocked;
ALTER TABLE live_sessions DROP COLUMN question;

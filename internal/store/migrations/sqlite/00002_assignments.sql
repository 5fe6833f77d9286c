-- Assignments, their items, live sessions and the attempt record.
-- Keep postgres/00002_assignments.sql in step.

-- +goose Up
CREATE TABLE assignments (
    id               INTEGER PRIMARY KEY,
    course_id        INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    title            TEXT NOT NULL,
    opens_at         INTEGER,
    due_at           INTEGER,
    -- IANA zone the dates are shown in.
    time_zone        TEXT NOT NULL,
    -- Attempts allowed per part; 0 means unlimited.
    attempts_allowed INTEGER NOT NULL DEFAULT 0 CHECK (attempts_allowed >= 0),
    feedback_policy  TEXT NOT NULL CHECK (feedback_policy IN ('immediately', 'after-attempt', 'after-due', 'never')),
    solution_policy  TEXT NOT NULL CHECK (solution_policy IN ('immediately', 'after-attempt', 'after-due', 'never')),
    -- 1: attempts after the due date count toward the score.
    late_counts      INTEGER NOT NULL DEFAULT 1 CHECK (late_counts IN (0, 1)),
    score_policy     TEXT NOT NULL CHECK (score_policy IN ('best', 'last', 'first')),
    -- Hash of the token in the assignment's shared link.
    share_token_hash BLOB UNIQUE,
    created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX assignments_course ON assignments (course_id);

CREATE TABLE assignment_items (
    id               INTEGER PRIMARY KEY,
    assignment_id    INTEGER NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    exercise_id      TEXT NOT NULL,
    -- The exercise's version when the item was created (authored exercises
    -- change; a running assignment keeps its version). '' for built-ins.
    exercise_version TEXT NOT NULL DEFAULT '',
    -- Comma-separated part ids; '' means every part.
    parts            TEXT NOT NULL DEFAULT '',
    seed_policy      TEXT NOT NULL CHECK (seed_policy IN ('recitation', 'shared', 'per-learner')),
    -- The seed everyone gets under 'shared'; unused otherwise.
    seed             INTEGER NOT NULL DEFAULT 0,
    points           REAL NOT NULL DEFAULT 1 CHECK (points >= 0),
    UNIQUE (assignment_id, position)
);

-- A live class session (issue 14). Its join code is unique among sessions
-- that have not ended, so short codes can be reused later.
CREATE TABLE live_sessions (
    id            INTEGER PRIMARY KEY,
    course_id     INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    assignment_id INTEGER REFERENCES assignments (id) ON DELETE SET NULL,
    code          TEXT NOT NULL,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    ended_at      INTEGER
);
CREATE UNIQUE INDEX live_sessions_open_code ON live_sessions (code) WHERE ended_at IS NULL;

-- One row per check. assignment_id and item_id are both set (an attempt in
-- an assignment) or both NULL (practice by a learner signed in to a course).
CREATE TABLE attempts (
    id                INTEGER PRIMARY KEY,
    learner_id        INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    assignment_id     INTEGER REFERENCES assignments (id) ON DELETE CASCADE,
    item_id           INTEGER REFERENCES assignment_items (id) ON DELETE CASCADE,
    exercise_id       TEXT NOT NULL,
    exercise_version  TEXT NOT NULL DEFAULT '',
    seed              INTEGER NOT NULL,
    part              TEXT NOT NULL,
    answer            TEXT NOT NULL,
    read_as           TEXT NOT NULL DEFAULT '',
    verdict           TEXT NOT NULL,
    diagnosis_code    TEXT NOT NULL DEFAULT '',
    diagnosis_message TEXT NOT NULL DEFAULT '',
    -- Credit for the part, from 0 to 1 (follow-through credit is fractional).
    score             REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    hints_opened      INTEGER NOT NULL DEFAULT 0 CHECK (hints_opened >= 0),
    -- Milliseconds since the part was shown; NULL when not known.
    elapsed_ms        INTEGER CHECK (elapsed_ms >= 0),
    -- 1 when recorded after the assignment's due date.
    late              INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    source            TEXT NOT NULL CHECK (source IN ('page', 'api', 'embed', 'live', 'lti')),
    live_session_id   INTEGER REFERENCES live_sessions (id) ON DELETE SET NULL,
    -- Chosen by the client per check; a retried request finds its attempt
    -- instead of adding a second one.
    idempotency_key   TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (learner_id, idempotency_key),
    CHECK ((assignment_id IS NULL) = (item_id IS NULL))
);
CREATE INDEX attempts_assignment ON attempts (assignment_id, id);
CREATE INDEX attempts_learner_item_part ON attempts (learner_id, item_id, part);

-- +goose Down
DROP TABLE attempts;
DROP TABLE live_sessions;
DROP TABLE assignment_items;
DROP TABLE assignments;

-- People and courses: instructor accounts, their sessions, courses, who
-- teaches them, and the learners in them. Times are Unix milliseconds (UTC)
-- in both dialects, so ordering and arithmetic behave the same everywhere.
-- Keep postgres/00001_people.sql in step: same tables, columns and rules.

-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Lower-cased by the store. NULL only for accounts that never sign in
    -- with a password (an instructor who arrives from an LMS).
    email         TEXT UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'instructor')),
    -- argon2id/bcrypt encoded hash; '' means no password sign-in.
    password_hash TEXT NOT NULL DEFAULT '',
    -- An LMS identity (LTI 1.3 iss + sub), when the account came from one.
    lti_issuer    TEXT,
    lti_sub       TEXT,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER,
    UNIQUE (lti_issuer, lti_sub)
);

-- Only a SHA-256 of each session token is kept: a copy of the database
-- cannot be used to sign in.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE courses (
    id                INTEGER PRIMARY KEY,
    title             TEXT NOT NULL,
    -- IANA zone in which dates are shown, e.g. Europe/Berlin.
    time_zone         TEXT NOT NULL,
    created_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    -- The LMS context a course was created from (LTI iss, deployment, context id).
    lti_issuer        TEXT,
    lti_deployment_id TEXT,
    lti_context_id    TEXT,
    UNIQUE (lti_issuer, lti_deployment_id, lti_context_id)
);

CREATE TABLE course_members (
    course_id  INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'instructor', 'assistant')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_members_user ON course_members (user_id);

-- Learners belong to one course. They have no password: a roster learner
-- is known by a personal link (only its hash is kept), a self-declared one
-- by the name they typed, an LMS learner by (issuer, sub), a live-session
-- guest by a nickname.
CREATE TABLE learners (
    id              INTEGER PRIMARY KEY,
    course_id       INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    source          TEXT NOT NULL CHECK (source IN ('roster', 'self', 'lti', 'live')),
    roster_id       TEXT,
    name            TEXT NOT NULL,
    email           TEXT,
    link_token_hash BLOB UNIQUE,
    lti_issuer      TEXT,
    lti_sub         TEXT,
    created_at      INTEGER NOT NULL,
    UNIQUE (course_id, roster_id),
    UNIQUE (course_id, lti_issuer, lti_sub)
);

-- +goose Down
DROP TABLE learners;
DROP TABLE course_members;
DROP TABLE courses;
DROP TABLE sessions;
DROP TABLE users;

-- LTI 1.3 (issue 12): the LMS platforms registered with this tool, their
-- deployments, the tool's own signing keys, the nonces and states already
-- used (each id_token and each login is accepted once), and the launches
-- whose bound token carries a learner's session inside the LMS iframe.
-- Keep postgres/00006_lti.sql in step.

-- +goose Up
CREATE TABLE lti_platforms (
    id         INTEGER PRIMARY KEY,
    issuer     TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    auth_url   TEXT NOT NULL,
    token_url  TEXT NOT NULL,
    jwks_url   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (issuer, client_id)
);

CREATE TABLE lti_deployments (
    platform_id   INTEGER NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    deployment_id TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (platform_id, deployment_id)
);

-- The tool's RSA keys (PKCS#8 DER). The newest unretired key signs; every
-- unretired key is published in the JWKS.
CREATE TABLE lti_keys (
    kid         TEXT PRIMARY KEY,
    private_der BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);

-- Values accepted once: kind 'nonce' (an id_token's nonce, per issuer) or
-- 'state' (a login's state id). Rows are deleted after they expire.
CREATE TABLE lti_used (
    kind       TEXT NOT NULL CHECK (kind IN ('nonce', 'state')),
    value      TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX lti_used_expiry ON lti_used (expires_at);

-- A verified launch. Only a SHA-256 of its token is kept; the token travels
-- in the pages' URLs and forms instead of a cookie (third-party cookies are
-- blocked in most LMS iframes).
CREATE TABLE lti_launches (
    token_hash  BLOB PRIMARY KEY,
    platform_id INTEGER NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    course_id   INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    learner_id  INTEGER REFERENCES learners (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    target      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX lti_launches_expiry ON lti_launches (expires_at);

-- +goose Down
DROP TABLE lti_launches;
DROP TABLE lti_used;
DROP TABLE lti_keys;
DROP TABLE lti_deployments;
DROP TABLE lti_platforms;

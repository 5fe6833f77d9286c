-- LTI deep linking and dynamic registration (issue 12 §1/§2): short-lived,
-- single-use grants. A 'deeplink' grant is a verified deep linking request
-- waiting for the instructor to choose in Stride's picker; a 'register'
-- grant is a registration link an admin issued for an LMS's dynamic
-- registration. Only a SHA-256 of each token is kept; payload is the JSON
-- the web layer needs to finish the work. Keep sqlite/00009_lti_grants.sql
-- in step.

-- +goose Up
CREATE TABLE lti_grants (
    token_hash BYTEA PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('deeplink', 'register')),
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX lti_grants_expiry ON lti_grants (expires_at);

-- +goose Down
DROP TABLE lti_grants;

-- Site secrets: random keys the server needs across restarts and replicas,
-- such as the HMAC key that signs learner cookies. Each is created once,
-- by whichever process asks first, and read by every other.
-- Keep sqlite/00003_site_secrets.sql in step.

-- +goose Up
CREATE TABLE site_secrets (
    name       TEXT PRIMARY KEY,
    value      BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE site_secrets;

-- Account operations for a school on several replicas (issue 9).
-- Keep postgres/00007_accounts.sql in step: same tables, columns and rules.
--
-- rate_windows: fixed-window counters shared by every replica, such as
-- failed sign-ins per account and per client address, so N replicas do not
-- give N times the budget. One row per (scope, subject); a window starts at
-- the subject's first hit and a hit after it ended starts a new one. Rows whose
-- window ended are deleted as new windows start.
--
-- account_tokens: one-time links of an account (a password reset made by
-- an admin, or the first admin's setup link). Only a SHA-256 of the token
-- is kept; a token works once, before it expires.

-- +goose Up
CREATE TABLE rate_windows (
    scope        TEXT NOT NULL,
    subject      TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX rate_windows_start ON rate_windows (scope, window_start);

CREATE TABLE account_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'setup')),
    -- The account a reset link is for; NULL for the setup link.
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    CHECK ((purpose = 'reset') = (user_id IS NOT NULL))
);
CREATE INDEX account_tokens_user ON account_tokens (user_id);

-- +goose Down
DROP TABLE account_tokens;
DROP TABLE rate_windows;

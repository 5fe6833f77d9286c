-- Practice state of a learner known on a device (issue 10 §7): the same
-- encoded practice.State document the browser keeps for anonymous
-- students, one per learner, at most 8 KiB (practice.MaxStateBytes).
-- Deleting the learner deletes it. Keep sqlite/00004_practice.sql in step.

-- +goose Up
CREATE TABLE practice_states (
    learner_id BIGINT PRIMARY KEY REFERENCES learners(id) ON DELETE CASCADE,
    state      BYTEA NOT NULL CHECK (length(state) <= 8192),
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE practice_states;

-- Exercises authored in the browser (issue 13 §1): each is kept as the
-- YAML text of an exercise file (the source of truth, so an export is
-- exactly what the directory loader accepts), with the instructor who
-- owns it. Every version served is also in exercise_versions (00011), like
-- a file's, so assignments made on an old version keep it.
-- Keep sqlite/00012_authored_exercises.sql in step.

-- +goose Up
CREATE TABLE authored_exercises (
    id         TEXT PRIMARY KEY,
    owner_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    family     TEXT NOT NULL,
    title      TEXT NOT NULL,
    source     BYTEA NOT NULL,
    version    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX authored_exercises_owner ON authored_exercises (owner_id);

-- +goose Down
DROP TABLE authored_exercises;

-- Authored exercise versions (issue 13 §1): every version of an exercise
-- file the server has served, with its source, so an assignment item made
-- on a version keeps that version after the file changes or the server
-- restarts. The version is a hash of the source.
-- Keep sqlite/00011_exercise_versions.sql in step.

-- +goose Up
CREATE TABLE exercise_versions (
    exercise_id TEXT NOT NULL,
    version     TEXT NOT NULL,
    file        TEXT NOT NULL,
    source      BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (exercise_id, version)
);

-- +goose Down
DROP TABLE exercise_versions;

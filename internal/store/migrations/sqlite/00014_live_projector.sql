-- What a live session's projector view shows (issue 14 §1), chosen by the
-- instructor and kept with the room's state so it survives a reload and
-- reaches every replica: a bit set (internal/live/projector.go), 1 = show
-- students' names, 2 = hide the counts, 4 = hide the histogram, 8 = hide
-- the most common wrong answers. 0, the default, shows the counts, the
-- histogram and the wrong answers and never a name.
-- Keep postgres/00014_live_projector.sql in step.

-- +goose Up
ALTER TABLE live_sessions ADD COLUMN projector INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE live_sessions DROP COLUMN projector;

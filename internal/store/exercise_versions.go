package store

import (
	"context"
	"fmt"
)

// MaxExerciseSourceBytes bounds the stored source of an authored exercise
// version (the authoring loader's file bound).
const MaxExerciseSourceBytes = 256 << 10

// ExerciseVersion is one version of an authored exercise file.
type ExerciseVersion struct {
	ExerciseID, Version, File string
	Source                    []byte
}

// SaveExerciseVersion records a version; saving one that is already there
// changes nothing (a version is a hash of its source).
func (s *Store) SaveExerciseVersion(ctx context.Context, v ExerciseVersion) error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"exercise id", v.ExerciseID, maxKeyLen}, {"version", v.Version, maxKeyLen}, {"file", v.File, maxKeyLen}} {
		if f.v == "" {
			return fmt.Errorf("save exercise version: %w: %s is empty", ErrInvalid, f.name)
		}
		if err := checkLen(f.name, f.v, f.max); err != nil {
			return fmt.Errorf("save exercise version: %w", err)
		}
	}
	if len(v.Source) > MaxExerciseSourceBytes {
		return fmt.Errorf("save exercise version: %w: source has %d bytes, the limit is %d", ErrInvalid, len(v.Source), MaxExerciseSourceBytes)
	}
	if _, err := s.write.ExecContext(ctx,
		`INSERT INTO exercise_versions (exercise_id, version, file, source, created_at) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (exercise_id, version) DO NOTHING`,
		v.ExerciseID, v.Version, v.File, v.Source, ms(s.now())); err != nil {
		return fmt.Errorf("save exercise version %s@%s: %w", v.ExerciseID, v.Version, classify(err))
	}
	return nil
}

// GetExerciseVersion reads a version; ErrNotFound when it was never saved.
func (s *Store) GetExerciseVersion(ctx context.Context, id, version string) (ExerciseVersion, error) {
	v := ExerciseVersion{ExerciseID: id, Version: version}
	err := s.read.QueryRowContext(ctx, `SELECT file, source FROM exercise_versions WHERE exercise_id = $1 AND version = $2`,
		id, version).Scan(&v.File, &v.Source)
	if err != nil {
		return ExerciseVersion{}, fmt.Errorf("exercise version %s@%s: %w", id, version, classify(err))
	}
	return v, nil
}

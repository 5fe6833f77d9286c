package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// MaxAuthoredExercises bounds the exercises authored in the browser on one
// site (every replica holds all of them in memory, like files).
const MaxAuthoredExercises = 2000

// AuthoredExercise is an exercise written in the browser (issue 13 §1):
// the YAML text of an exercise file, which is what the directory loader
// reads, so exporting it gives a file that loads unchanged.
type AuthoredExercise struct {
	ID string
	// OwnerID is the instructor who created it; 0 once that account is
	// deleted (an admin may still edit it).
	OwnerID       int64
	Family, Title string
	Source        []byte
	// Version is the hash of Source (authoring.Version).
	Version              string
	CreatedAt, UpdatedAt time.Time
}

// AuthoredStamp is an authored exercise's ID and current version: what a
// replica compares with what it serves.
type AuthoredStamp struct{ ID, Version string }

// File is the name an authored exercise has as a file, in errors, in
// exercise_versions and when exported.
func (e AuthoredExercise) File() string { return e.ID + ".yaml" }

func (e AuthoredExercise) check() error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"exercise id", e.ID, maxKeyLen}, {"version", e.Version, maxKeyLen}, {"family", e.Family, maxKeyLen}, {"title", e.Title, 1000}} {
		if f.v == "" {
			return fmt.Errorf("%w: %s is empty", ErrInvalid, f.name)
		}
		if err := checkLen(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if len(e.Source) == 0 || len(e.Source) > MaxExerciseSourceBytes {
		return fmt.Errorf("%w: source has %d bytes, the limit is %d", ErrInvalid, len(e.Source), MaxExerciseSourceBytes)
	}
	return nil
}

// saveVersion records the exercise's current source as one of its
// versions, in the transaction that stores it.
func (s *Store) saveVersion(ctx context.Context, tx *sql.Tx, e AuthoredExercise, now int64) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO exercise_versions (exercise_id, version, file, source, created_at) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (exercise_id, version) DO NOTHING`,
		e.ID, e.Version, e.File(), e.Source, now)
	return classify(err)
}

// CreateAuthoredExercise stores a new authored exercise and records its
// first version. An ID already used by another authored exercise is
// ErrConflict; a full site (MaxAuthoredExercises) is ErrInvalid.
func (s *Store) CreateAuthoredExercise(ctx context.Context, e AuthoredExercise) (AuthoredExercise, error) {
	if err := e.check(); err != nil {
		return AuthoredExercise{}, fmt.Errorf("create authored exercise: %w", err)
	}
	now := s.now()
	e.CreatedAt, e.UpdatedAt = now.Truncate(time.Millisecond).UTC(), now.Truncate(time.Millisecond).UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM authored_exercises`).Scan(&n); err != nil {
			return classify(err)
		}
		if n >= MaxAuthoredExercises {
			return fmt.Errorf("%w: the site has %d authored exercises, the limit", ErrInvalid, n)
		}
		var owner any
		if e.OwnerID != 0 {
			owner = e.OwnerID
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO authored_exercises (id, owner_id, family, title, source, version, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			e.ID, owner, e.Family, e.Title, e.Source, e.Version, ms(now), ms(now)); err != nil {
			return classify(err)
		}
		return s.saveVersion(ctx, tx, e, ms(now))
	})
	if err != nil {
		return AuthoredExercise{}, fmt.Errorf("create authored exercise %s: %w", e.ID, err)
	}
	return e, nil
}

// UpdateAuthoredExercise replaces an authored exercise's source (its
// family, title and version with it) and records the new version; the old
// versions stay in exercise_versions. The owner and creation time are
// kept. ErrNotFound when there is no such exercise.
func (s *Store) UpdateAuthoredExercise(ctx context.Context, e AuthoredExercise) (AuthoredExercise, error) {
	if err := e.check(); err != nil {
		return AuthoredExercise{}, fmt.Errorf("update authored exercise: %w", err)
	}
	now := s.now()
	var out AuthoredExercise
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE authored_exercises SET family = $1, title = $2, source = $3, version = $4, updated_at = $5 WHERE id = $6`,
			e.Family, e.Title, e.Source, e.Version, ms(now), e.ID)
		if err != nil {
			return classify(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		if err := s.saveVersion(ctx, tx, e, ms(now)); err != nil {
			return err
		}
		out, err = scanAuthored(tx.QueryRowContext(ctx, authoredSelect+` WHERE id = $1`, e.ID), true)
		return err
	})
	if err != nil {
		return AuthoredExercise{}, fmt.Errorf("update authored exercise %s: %w", e.ID, err)
	}
	return out, nil
}

// DeleteAuthoredExercise removes an authored exercise; its versions stay,
// so assignment items made on it keep working. ErrNotFound when absent.
func (s *Store) DeleteAuthoredExercise(ctx context.Context, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM authored_exercises WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete authored exercise %s: %w", id, classify(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete authored exercise %s: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("delete authored exercise %s: %w", id, ErrNotFound)
	}
	return nil
}

const authoredSelect = `SELECT id, owner_id, family, title, source, version, created_at, updated_at FROM authored_exercises`
const authoredSelectNoSource = `SELECT id, owner_id, family, title, version, created_at, updated_at FROM authored_exercises`

func scanAuthored(row interface{ Scan(...any) error }, source bool) (AuthoredExercise, error) {
	var e AuthoredExercise
	var owner sql.NullInt64
	var created, updated int64
	var err error
	if source {
		err = row.Scan(&e.ID, &owner, &e.Family, &e.Title, &e.Source, &e.Version, &created, &updated)
	} else {
		err = row.Scan(&e.ID, &owner, &e.Family, &e.Title, &e.Version, &created, &updated)
	}
	if err != nil {
		return AuthoredExercise{}, classify(err)
	}
	e.OwnerID, e.CreatedAt, e.UpdatedAt = owner.Int64, fromMS(created), fromMS(updated)
	return e, nil
}

// GetAuthoredExercise reads one authored exercise with its source.
func (s *Store) GetAuthoredExercise(ctx context.Context, id string) (AuthoredExercise, error) {
	e, err := scanAuthored(s.read.QueryRowContext(ctx, authoredSelect+` WHERE id = $1`, id), true)
	if err != nil {
		return AuthoredExercise{}, fmt.Errorf("authored exercise %s: %w", id, err)
	}
	return e, nil
}

// ListAuthoredExercises lists authored exercises without their sources,
// by ID: those of one owner, or every one when ownerID is 0.
func (s *Store) ListAuthoredExercises(ctx context.Context, ownerID int64) ([]AuthoredExercise, error) {
	q, args := authoredSelectNoSource+` ORDER BY id`, []any{}
	if ownerID != 0 {
		q, args = authoredSelectNoSource+` WHERE owner_id = $1 ORDER BY id`, []any{ownerID}
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list authored exercises: %w", classify(err))
	}
	defer rows.Close()
	var out []AuthoredExercise
	for rows.Next() {
		e, err := scanAuthored(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list authored exercises: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list authored exercises: %w", classify(err))
	}
	return out, nil
}

// AuthoredStamps lists every authored exercise's ID and current version,
// by ID: the cheap query a replica polls to see what changed.
func (s *Store) AuthoredStamps(ctx context.Context) ([]AuthoredStamp, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, version FROM authored_exercises ORDER BY id LIMIT $1`, MaxAuthoredExercises)
	if err != nil {
		return nil, fmt.Errorf("authored stamps: %w", classify(err))
	}
	defer rows.Close()
	var out []AuthoredStamp
	for rows.Next() {
		var st AuthoredStamp
		if err := rows.Scan(&st.ID, &st.Version); err != nil {
			return nil, fmt.Errorf("authored stamps: %w", classify(err))
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authored stamps: %w", classify(err))
	}
	return out, nil
}

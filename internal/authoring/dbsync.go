package authoring

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
)

// Stamp is an exercise written in the browser: its ID and current version.
type Stamp struct{ ID, Version string }

// Stored is the database of exercises written in the browser (the web
// layer implements it over the store): each is the text of an exercise
// file.
type Stored interface {
	// Stamps lists every exercise's ID and current version.
	Stamps(ctx context.Context) ([]Stamp, error)
	// Source reads one exercise's current text.
	Source(ctx context.Context, id string) ([]byte, error)
}

// FileName is the file name of an exercise written in the browser, used
// in its errors and when it is exported.
func FileName(id string) string { return id + ".yaml" }

// DBSync serves the exercises written in the browser: it reads what the
// database holds into the catalog (exercises.SourceDB), and again whenever
// Sync runs, so a replica sharing the database serves an exercise another
// one saved within a poll interval. Only changed versions are parsed.
type DBSync struct {
	stored  Stored
	catalog *exercises.Catalog
	log     *slog.Logger

	// mu serialises syncs and guards the fields below.
	mu sync.Mutex
	// serving holds the exercise each ID serves.
	serving map[string]*exercises.Exercise
	// refused remembers a version that did not parse (saved before a
	// format change, or written to the database by hand), so it is not
	// parsed again on every poll.
	refused map[Stamp]bool
	synced  bool
}

// NewDBSync makes the sync; call Sync to read the database.
func NewDBSync(stored Stored, catalog *exercises.Catalog, log *slog.Logger) *DBSync {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DBSync{stored: stored, catalog: catalog, log: log, serving: map[string]*exercises.Exercise{}, refused: map[Stamp]bool{}}
}

// Sync reads the database's exercises and installs them in the catalog
// if anything changed; it reports whether it did.
func (d *DBSync) Sync(ctx context.Context) (bool, error) {
	stamps, err := d.stored.Stamps(ctx)
	if err != nil {
		return false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	changed := !d.synced || len(stamps) != len(d.serving)
	next := make(map[string]*exercises.Exercise, len(stamps))
	list := make([]*exercises.Exercise, 0, len(stamps))
	for _, st := range stamps {
		if ex := d.serving[st.ID]; ex != nil && ex.Version == st.Version {
			next[st.ID] = ex
			list = append(list, ex)
			continue
		}
		changed = true
		if d.refused[st] {
			continue
		}
		ex, err := d.load(ctx, st)
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			d.refused[st] = true
			d.log.Error("authored exercise refused", "id", st.ID, "version", st.Version, "err", err)
			continue
		}
		next[st.ID] = ex
		list = append(list, ex)
	}
	if !changed {
		return false, nil
	}
	if err := d.catalog.SetSource(exercises.SourceDB, list); err != nil {
		return false, err
	}
	d.serving, d.synced = next, true
	return true, nil
}

// load reads and parses one exercise; it must be the ID and version the
// stamp says.
func (d *DBSync) load(ctx context.Context, st Stamp) (*exercises.Exercise, error) {
	src, err := d.stored.Source(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	ex, err := Parse(FileName(st.ID), src, d.catalog.IsBuiltin)
	if err != nil {
		return nil, err
	}
	if ex.ID != st.ID {
		return nil, errors.New("the text's id is " + ex.ID)
	}
	return ex, nil
}

// Run syncs on every tick until ctx ends (the server passes a
// time.Ticker's channel, tests their own).
func (d *DBSync) Run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if _, err := d.Sync(sctx); err != nil && ctx.Err() == nil {
				d.log.Warn("read authored exercises", "err", err)
			}
			cancel()
		}
	}
}

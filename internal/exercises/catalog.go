package exercises

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Catalog is the ordered list of exercises: the built-in ones, fixed at
// construction, followed by the authored ones (read from files by
// internal/authoring), which SetAuthored replaces as a whole. Every
// version of an authored exercise seen by this process stays resolvable
// through LookupVersion, so an assignment pinned to an old version keeps
// its exercise after the file changes.
type Catalog struct {
	list []*Exercise
	byID map[string]*Exercise

	// authored is the current authored set; readers never lock.
	authored atomic.Pointer[authoredSet]
	// sources holds each source's list (SourceFiles, SourceDB), merged
	// into authored in that order; guarded by mu.
	sources map[string][]*Exercise
	// gen counts SetAuthored calls, so caches keyed on it go stale.
	gen atomic.Uint64

	mu sync.Mutex
	// versions holds every authored version seen, keyed by id and version.
	versions map[versionKey]*Exercise
	// resolve, when set, finds a version this process has not seen (one
	// recorded in the database by an earlier run).
	resolve func(id, version string) (*Exercise, bool)
}

type versionKey struct{ id, version string }

// authoredSet is one immutable generation of authored exercises.
type authoredSet struct {
	list []*Exercise
	byID map[string]*Exercise
	// source is the source serving each ID.
	source map[string]string
}

// NewCatalog builds the catalog in recitation order.
func NewCatalog() *Catalog {
	list := []*Exercise{
		attentionParameters(),
		cnnConcepts(),
		convOutputSize(),
		convByHand(),
		cnnShapeTable(),
		cnnDiagram(),
		cnnParameters(),
		rnnShapes(),
		rnnForward(),
		rnnConcepts(),
	}
	c := &Catalog{list: list, byID: make(map[string]*Exercise, len(list)), versions: map[versionKey]*Exercise{}, sources: map[string][]*Exercise{}}
	for _, e := range list {
		if _, dup := c.byID[e.ID]; dup {
			panic(fmt.Sprintf("exercises: duplicate exercise ID %q", e.ID))
		}
		c.byID[e.ID] = e
	}
	c.authored.Store(&authoredSet{byID: map[string]*Exercise{}, source: map[string]string{}})
	return c
}

// IsBuiltin reports whether id names a built-in exercise; authored
// exercises may not take such an ID.
func (c *Catalog) IsBuiltin(id string) bool {
	_, ok := c.byID[id]
	return ok
}

// Sources of authored exercises, in catalog order: the exercise files,
// then the exercises written in the browser. An ID two sources both use is
// served from the first (SourceOf tells the editor which one has it).
const (
	SourceFiles = "files"
	SourceDB    = "db"
)

var sourceOrder = []string{SourceFiles, SourceDB}

// SetAuthored replaces the exercise files' exercises (SetSource with
// SourceFiles).
func (c *Catalog) SetAuthored(list []*Exercise) error { return c.SetSource(SourceFiles, list) }

// SetSource replaces one source's authored exercises. Each must have been
// built by NewAuthored; an ID that is built in or appears twice in the
// list is refused and nothing changes. An ID an earlier source already
// serves is left out of the merged catalog while that source has it.
func (c *Catalog) SetSource(source string, list []*Exercise) error {
	seen := make(map[string]bool, len(list))
	for _, e := range list {
		if e.Version == "" {
			return fmt.Errorf("authored exercise %q has no version", e.ID)
		}
		if c.IsBuiltin(e.ID) {
			return fmt.Errorf("authored exercise %q: the ID is a built-in exercise's", e.ID)
		}
		if seen[e.ID] {
			return fmt.Errorf("authored exercise %q appears twice", e.ID)
		}
		seen[e.ID] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range list {
		c.versions[versionKey{e.ID, e.Version}] = e
	}
	c.sources[source] = append([]*Exercise(nil), list...)
	set := &authoredSet{byID: map[string]*Exercise{}, source: map[string]string{}}
	for _, src := range sourceOrder {
		for _, e := range c.sources[src] {
			if _, taken := set.byID[e.ID]; taken {
				continue
			}
			set.byID[e.ID], set.source[e.ID] = e, src
			set.list = append(set.list, e)
		}
	}
	c.authored.Store(set)
	c.gen.Add(1)
	return nil
}

// SourceOf reports which source serves an authored exercise ID: "" for a
// built-in or unknown ID.
func (c *Catalog) SourceOf(id string) string { return c.authored.Load().source[id] }

// Source returns one source's exercises as last set, including any an
// earlier source shadows.
func (c *Catalog) Source(source string) []*Exercise {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Exercise(nil), c.sources[source]...)
}

// SetResolver installs the lookup of authored versions this process has
// not loaded (they are kept in the database). Call it before serving.
func (c *Catalog) SetResolver(f func(id, version string) (*Exercise, bool)) {
	c.mu.Lock()
	c.resolve = f
	c.mu.Unlock()
}

// Generation changes whenever the authored exercises change; caches of
// pages that list or show exercises key on it.
func (c *Catalog) Generation() uint64 { return c.gen.Load() }

// All returns the built-in exercises in recitation order, then the
// authored ones: files in file-name order, then those written in the
// browser by ID.
func (c *Catalog) All() []*Exercise {
	a := c.authored.Load()
	out := make([]*Exercise, 0, len(c.list)+len(a.list))
	out = append(out, c.list...)
	return append(out, a.list...)
}

// Authored returns the current authored exercises.
func (c *Catalog) Authored() []*Exercise {
	return append([]*Exercise(nil), c.authored.Load().list...)
}

// Lookup finds an exercise by its public ID: a built-in one, or the
// current version of an authored one.
func (c *Catalog) Lookup(id string) (*Exercise, bool) {
	if e, ok := c.byID[id]; ok {
		return e, true
	}
	e, ok := c.authored.Load().byID[id]
	return e, ok
}

// LookupVersion finds an exercise at a version: version "" is the current
// one (and the only one of a built-in exercise); otherwise an authored
// exercise at exactly that version, whether or not its file still holds
// it.
func (c *Catalog) LookupVersion(id, version string) (*Exercise, bool) {
	if version == "" {
		return c.Lookup(id)
	}
	if e, ok := c.authored.Load().byID[id]; ok && e.Version == version {
		return e, true
	}
	c.mu.Lock()
	e, ok := c.versions[versionKey{id, version}]
	resolve := c.resolve
	c.mu.Unlock()
	if ok {
		return e, true
	}
	if resolve == nil {
		return nil, false
	}
	e, ok = resolve(id, version)
	if !ok || e.ID != id || e.Version != version {
		return nil, false
	}
	c.mu.Lock()
	c.versions[versionKey{id, version}] = e
	c.mu.Unlock()
	return e, true
}

// Section groups the exercises of one recitation section.
type Section struct {
	Number, Title string
	Exercises     []*Exercise
}

// Sections groups the catalog by recitation section, in the order each
// section first appears.
func (c *Catalog) Sections() []Section {
	var out []Section
	index := map[string]int{}
	for _, e := range c.All() {
		if i, ok := index[e.Section]; ok {
			out[i].Exercises = append(out[i].Exercises, e)
			continue
		}
		index[e.Section] = len(out)
		out = append(out, Section{Number: e.Section, Title: e.SectionTitle, Exercises: []*Exercise{e}})
	}
	return out
}

package exercises

import "fmt"

// Catalog is the ordered, immutable list of exercises.
type Catalog struct {
	list []*Exercise
	byID map[string]*Exercise
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
	c := &Catalog{list: list, byID: make(map[string]*Exercise, len(list))}
	for _, e := range list {
		if _, dup := c.byID[e.ID]; dup {
			panic(fmt.Sprintf("exercises: duplicate exercise ID %q", e.ID))
		}
		c.byID[e.ID] = e
	}
	return c
}

// All returns the exercises in recitation order.
func (c *Catalog) All() []*Exercise {
	out := make([]*Exercise, len(c.list))
	copy(out, c.list)
	return out
}

// Lookup finds an exercise by its public ID.
func (c *Catalog) Lookup(id string) (*Exercise, bool) {
	e, ok := c.byID[id]
	return e, ok
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
	for _, e := range c.list {
		if i, ok := index[e.Section]; ok {
			out[i].Exercises = append(out[i].Exercises, e)
			continue
		}
		index[e.Section] = len(out)
		out = append(out, Section{Number: e.Section, Title: e.SectionTitle, Exercises: []*Exercise{e}})
	}
	return out
}

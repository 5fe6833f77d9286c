package authoring

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type schemaDoc map[string]any

func (d schemaDoc) resolve(s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		return d.resolve(d["$defs"].(map[string]any)[name].(map[string]any))
	}
	return s
}

// objectBranch is the schema for a mapping with keys: s itself, or the
// object branch among its oneOf that declares the most of them.
func (d schemaDoc) objectBranch(s map[string]any, keys []string) map[string]any {
	s = d.resolve(s)
	if s["properties"] != nil {
		return s
	}
	var best map[string]any
	bestN := -1
	if alts, ok := s["oneOf"].([]any); ok {
		for _, a := range alts {
			o := d.objectBranch(a.(map[string]any), keys)
			if o == nil {
				continue
			}
			n := 0
			for _, k := range keys {
				if _, ok := o["properties"].(map[string]any)[k]; ok {
					n++
				}
			}
			if n > bestN {
				best, bestN = o, n
			}
		}
	}
	return best
}

func (d schemaDoc) arrayItems(s map[string]any) map[string]any {
	s = d.resolve(s)
	if it, ok := s["items"].(map[string]any); ok {
		return it
	}
	if alts, ok := s["oneOf"].([]any); ok {
		for _, a := range alts {
			if it := d.arrayItems(a.(map[string]any)); it != nil {
				return it
			}
		}
	}
	return nil
}

// check reports every mapping key of n that the schema does not declare.
func (d schemaDoc) check(t *testing.T, file, path string, n *yaml.Node, s map[string]any) {
	switch n.Kind {
	case yaml.MappingNode:
		var keys []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			keys = append(keys, n.Content[i].Value)
		}
		o := d.objectBranch(s, keys)
		if o == nil && d.resolve(s)["type"] == "object" {
			return // checked against its family's definition separately
		}
		if o == nil {
			t.Errorf("%s: %s is a mapping, the schema has no object there", file, path)
			return
		}
		props := o["properties"].(map[string]any)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			ps, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s: %s.%s is not in the schema", file, path, k)
				continue
			}
			d.check(t, file, path+"."+k, n.Content[i+1], ps)
		}
	case yaml.SequenceNode:
		if items := d.arrayItems(s); items != nil {
			for i, c := range n.Content {
				d.check(t, file, fmt.Sprintf("%s[%d]", path, i), c, items)
			}
		}
	}
}

// TestSchemaMatchesParser: the schema is JSON, declares every field the
// example files use (which the parser accepts), per family, and lists the
// layer arguments the parser takes.
func TestSchemaMatchesParser(t *testing.T) {
	var d schemaDoc
	if err := json.Unmarshal(Schema(), &d); err != nil {
		t.Fatal(err)
	}
	defs := d["$defs"].(map[string]any)
	familyDef := map[string]string{"conv-by-hand": "convByHand", "output-size": "outputSize", "network": "network", "concepts": "concepts",
		"attention": "attention", "rnn-shapes": "rnnShapes", "rnn-forward": "rnnForward", "pooling": "pooling"}
	entries, _ := fs.ReadDir(Examples(), ".")
	families := map[string]bool{}
	for _, e := range entries {
		src, _ := fs.ReadFile(Examples(), e.Name())
		var doc yaml.Node
		if err := yaml.Unmarshal(src, &doc); err != nil {
			t.Fatal(err)
		}
		top := doc.Content[0]
		var family string
		var data *yaml.Node
		for i := 0; i+1 < len(top.Content); i += 2 {
			switch top.Content[i].Value {
			case "family":
				family = top.Content[i+1].Value
			case "data":
				data = top.Content[i+1]
			}
		}
		families[family] = true
		d.check(t, e.Name(), "", top, map[string]any(d))
		d.check(t, e.Name(), "data", data, defs[familyDef[family]].(map[string]any))
	}
	for _, f := range Families {
		if !families[f] {
			t.Errorf("no example of family %s", f)
		}
	}
	layerProps := defs["layer"].(map[string]any)["properties"].(map[string]any)
	for typ, args := range layerArgs {
		if !slices.Contains(d.resolve(layerProps["type"].(map[string]any))["enum"].([]any), any(typ)) {
			t.Errorf("layer type %s is not in the schema", typ)
		}
		for _, a := range args {
			if _, ok := layerProps[a]; !ok {
				t.Errorf("layer argument %s (%s) is not in the schema", a, typ)
			}
		}
	}
}

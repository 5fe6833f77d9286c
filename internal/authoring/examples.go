package authoring

import (
	"embed"
	"io/fs"
)

// examples holds example exercise files: the recitation's exercises
// written in the format (each tested to give the built-in's seed-0
// variant) and a few that draw random values. docs/AUTHORING.md points
// here.
//
//go:embed examples/*.yaml
var examples embed.FS

// Examples returns the example files.
func Examples() fs.FS {
	sub, err := fs.Sub(examples, "examples")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return sub
}

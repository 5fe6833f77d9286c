package authoring

import _ "embed"

//go:embed schema.json
var schema []byte

// Schema returns the JSON Schema of exercise files (served at
// /authoring/schema.json for editor completion). Its every field is the
// parser's; TestSchemaMatchesParser keeps them in step.
func Schema() []byte { return append([]byte(nil), schema...) }

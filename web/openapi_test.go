package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// jsonFields lists the JSON names of a struct type's fields.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		tag := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		names = append(names, tag)
	}
	sort.Strings(names)
	return names
}

func schemaProps(t *testing.T, doc map[string]any, name string) (props []string, required []string, closed bool) {
	t.Helper()
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	s, ok := schemas[name].(map[string]any)
	if !ok {
		t.Fatalf("schema %s missing", name)
	}
	return objectProps(s)
}

func objectProps(s map[string]any) (props []string, required []string, closed bool) {
	for k := range s["properties"].(map[string]any) {
		props = append(props, k)
	}
	sort.Strings(props)
	for _, r := range s["required"].([]any) {
		required = append(required, r.(string))
	}
	closed = s["additionalProperties"] == false
	return
}

func TestOpenAPIMatchesRequestTypes(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := do(t, h, http.MethodGet, "/api/v1/openapi.json", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi version %q", v)
	}
	types := map[string]reflect.Type{
		"Conv2dRequest":    reflect.TypeFor[conv2dRequest](),
		"Pool2dRequest":    reflect.TypeFor[pool2dRequest](),
		"NetworkRequest":   reflect.TypeFor[networkRequest](),
		"Layer":            reflect.TypeFor[networkLayer](),
		"AttentionRequest": reflect.TypeFor[attentionRequest](),
		"RNNRequest":       reflect.TypeFor[rnnRequest](),
		"CheckRequest":     reflect.TypeFor[checkRequest](),
		"PracticeRequest":  reflect.TypeFor[practiceRequest](),
	}
	for name, typ := range types {
		props, _, closed := schemaProps(t, doc, name)
		if want := jsonFields(typ); !slices.Equal(props, want) {
			t.Errorf("%s: OpenAPI properties %v, handler decodes %v", name, props, want)
		}
		if !closed {
			t.Errorf("%s: additionalProperties must be false, since the handler rejects unknown fields", name)
		}
	}
	// The nested weights object of the RNN request.
	rnn := doc["components"].(map[string]any)["schemas"].(map[string]any)["RNNRequest"].(map[string]any)
	weights := rnn["properties"].(map[string]any)["weights"].(map[string]any)
	var wprops []string
	for k := range weights["properties"].(map[string]any) {
		wprops = append(wprops, k)
	}
	sort.Strings(wprops)
	if want := jsonFields(reflect.TypeFor[rnnWeights]()); !slices.Equal(wprops, want) {
		t.Errorf("weights: OpenAPI %v, handler %v", wprops, want)
	}
	// The check API's responses: every field the handler writes, no other.
	for name, typ := range map[string]reflect.Type{
		"CheckResponse":    reflect.TypeFor[checkResponse](),
		"Verdict":          reflect.TypeFor[verdictJSON](),
		"PracticeResponse": reflect.TypeFor[practiceResponse](),
	} {
		props, required, _ := schemaProps(t, doc, name)
		if want := jsonFields(typ); !slices.Equal(props, want) {
			t.Errorf("%s: OpenAPI properties %v, handler writes %v", name, props, want)
		}
		for i := range typ.NumField() {
			tag := typ.Field(i).Tag.Get("json")
			if name := strings.Split(tag, ",")[0]; name != "" && !strings.Contains(tag, "omitempty") && !slices.Contains(required, name) {
				t.Errorf("%s: %s is always written but not required", typ.Name(), name)
			}
		}
	}
	// Layer types documented are exactly those the handler knows.
	layer := doc["components"].(map[string]any)["schemas"].(map[string]any)["Layer"].(map[string]any)
	var enum []string
	for _, v := range layer["properties"].(map[string]any)["type"].(map[string]any)["enum"].([]any) {
		enum = append(enum, v.(string))
	}
	var known []string
	for k := range layerArgs {
		known = append(known, k)
	}
	sort.Strings(enum)
	sort.Strings(known)
	if !slices.Equal(enum, known) {
		t.Errorf("layer types: OpenAPI %v, handler %v", enum, known)
	}

	// Every documented path is served, and its example is accepted as is.
	paths := doc["paths"].(map[string]any)
	if len(paths) != 7 {
		t.Errorf("%d paths documented, want 7", len(paths))
	}
	for path, item := range paths {
		post := item.(map[string]any)["post"].(map[string]any)
		content := post["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)
		example, err := json.Marshal(content["example"])
		if err != nil {
			t.Fatal(err)
		}
		r := do(t, h, http.MethodPost, strings.ReplaceAll(path, "{id}", "conv-by-hand"), string(example))
		if r.Code != http.StatusOK {
			t.Errorf("%s: documented example gets %d: %s", path, r.Code, r.Body)
		}
		for _, code := range []string{"200", "400", "413"} {
			if _, ok := post["responses"].(map[string]any)[code]; !ok {
				t.Errorf("%s: response %s undocumented", path, code)
			}
		}
	}
}

func TestOpenAPIServerFollowsBasePath(t *testing.T) {
	h := newTestHandler(t, Config{BasePath: "/tutor/"})
	rec := do(t, h, http.MethodGet, "/tutor/api/v1/openapi.json", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"url":"/tutor"`) {
		t.Fatalf("status %d: %.200s", rec.Code, rec.Body)
	}
}

package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// decodeBoth decodes body as a check request with decodeCheckRequest and
// with the general decodeJSON, and fails the test if they differ in the
// request or the error.
func decodeBoth(t *testing.T, body string, limit int64) (checkRequest, error) {
	t.Helper()
	newReq := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/x/check", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
		return r
	}
	var fast, general checkRequest
	fastErr := decodeCheckRequest(newReq(), &fast)
	generalErr := decodeJSON(newReq(), &general)
	if !reflect.DeepEqual(fast, general) {
		t.Fatalf("body %q: fast decoder read %+v, encoding/json %+v", body, fast, general)
	}
	if (fastErr == nil) != (generalErr == nil) {
		t.Fatalf("body %q: fast decoder error %v, encoding/json error %v", body, fastErr, generalErr)
	}
	if fastErr != nil {
		var a, b *fieldError
		if !errors.As(fastErr, &a) || !errors.As(generalErr, &b) || *a != *b {
			t.Fatalf("body %q: fast decoder error %#v, encoding/json error %#v", body, fastErr, generalErr)
		}
	}
	return fast, fastErr
}

var checkBodySamples = []string{
	`{"seed": 0, "answers": {"dims": "3x3", "bottom-right": "-22", "dims-padded": "5x5", "bottom-right-padded": "7"}}`,
	`{"answers":{"a":"1"},"parts":["a","b"],"seed":18446744073709551615}`,
	`{"seed": 18446744073709551616, "answers": {}}`,
	`{"seed": 01, "answers": {}}`,
	`{"seed": -1}`,
	`{"seed": 1.0}`,
	`{"seed": 1e3}`,
	`{"seed": null, "answers": null, "parts": null}`,
	`{"seed": "3"}`,
	`{"Seed": 3}`,
	`{"seed": 3, "seed": 4}`,
	`{"answers": {"a": "1"}, "answers": {"b": "2"}}`,
	`{"answers": {"a": "1", "a": "2"}}`,
	`{"answers": {"a": 1}}`,
	`{"answers": {"a": "\u00e9\n"}}`,
	`{"answers": {"a": "é×"}}`,
	"{\"answers\": {\"a\": \"\xff\"}}",
	"{\"answers\": {\"a\": \"\x01\"}}",
	`{"parts": []}`,
	`{"reveal": ["a", "b"], "parts": ["a"], "answers": {"a": "1"}, "seed": 2}`,
	`{"reveal": [], "reveal": ["a"]}`,
	`{"reveal": ["a", 1]}`,
	`{"reveal": "a"}`,
	`{"parts": ["a",]}`,
	`{"answers": {,}}`,
	`{"extra": 1}`,
	`{}`,
	` { } `,
	`{} {}`,
	`{}x`,
	`null`,
	`[]`,
	``,
	`{"seed": 0`,
	`{"answers": {"a": "1"`,
	"\t{\n\"seed\"\r: 7 }\n",
}

func TestDecodeCheckRequestMatchesEncodingJSON(t *testing.T) {
	for _, body := range checkBodySamples {
		decodeBoth(t, body, MaxBodyBytes)
	}
	// A body over the limit fails the same way, whether or not its object
	// ends before the limit.
	big := `{"answers": {"a": "` + strings.Repeat("x", 200) + `"}}`
	decodeBoth(t, big, 64)
	decodeBoth(t, `{"seed": 1}`+strings.Repeat(" ", 100), 64)
	decodeBoth(t, `{"seed": 1}`+strings.Repeat(" ", 100)+"x", 64)
}

func TestDecodeCheckRequestFastPath(t *testing.T) {
	req, err := decodeBoth(t, `{"seed": 42, "answers": {"dims": "3x3", "x": "é"}, "parts": ["dims"], "reveal": ["x"]}`, MaxBodyBytes)
	if err != nil {
		t.Fatal(err)
	}
	if req.Seed == nil || *req.Seed != 42 || req.Answers["dims"] != "3x3" || req.Answers["x"] != "é" || len(req.Parts) != 1 || len(req.Reveal) != 1 {
		t.Fatalf("read %+v", req)
	}
	// The plain form is taken by the parser itself, not the fallback.
	var direct checkRequest
	if !parseCheckRequest([]byte(`{"seed": 42, "answers": {"dims": "3x3"}, "parts": ["dims"], "reveal": []}`), &direct) {
		t.Fatal("the plain form was not parsed by the fast parser")
	}
}

func FuzzDecodeCheckRequest(f *testing.F) {
	for _, body := range checkBodySamples {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		decodeBoth(t, body, 4096)
	})
}

// TestSetHeaders checks that headers set together behave as Header.Set
// made them: adding to one leaves the others alone.
func TestSetHeaders(t *testing.T) {
	h := http.Header{}
	setHeaders(h, "Content-Type", "a", "Cache-Control", "b", "Vary", "c")
	h.Add("Content-Type", "x")
	h.Add("Cache-Control", "y")
	want := http.Header{"Content-Type": {"a", "x"}, "Cache-Control": {"b", "y"}, "Vary": {"c"}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("got %v, want %v", h, want)
	}
}

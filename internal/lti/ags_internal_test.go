package lti

import "testing"

func TestNextLink(t *testing.T) {
	base := "https://lms.example/ctx/1/memberships?page=1"
	for _, c := range []struct {
		links []string
		want  string
	}{
		{nil, ""},
		{[]string{`<https://lms.example/ctx/1/memberships?page=2>; rel="next"`}, "https://lms.example/ctx/1/memberships?page=2"},
		{[]string{`<https://lms.example/m?p=1>; rel="first", <https://lms.example/m?p=3>; rel="next", <https://lms.example/m?p=9>; rel="last"`}, "https://lms.example/m?p=3"},
		{[]string{`<https://lms.example/m?p=1>; rel="prev"`, `</ctx/1/memberships?page=3>; rel=next`}, "https://lms.example/ctx/1/memberships?page=3"},
		{[]string{`<https://lms.example/m?p=4>; rel="differences next"`}, "https://lms.example/m?p=4"},
		{[]string{`https://lms.example/m?p=4; rel="next"`}, ""},
		{[]string{`<https://lms.example/m?p=4>; title="next"`}, ""},
	} {
		if got := nextLink(c.links, base); got != c.want {
			t.Errorf("nextLink(%q) = %q, want %q", c.links, got, c.want)
		}
	}
}

func TestLMSMessage(t *testing.T) {
	for body, want := range map[string]string{
		`{"errors":[{"message":"Course not available for student"}]}`:         "Course not available for student",
		`{"errors":{"type":"unauthorized","message":"Invalid access token"}}`: "Invalid access token",
		`{"error":"invalid_scope","error_description":"scope not granted"}`:   "invalid_scope; scope not granted",
		`{"message":"User not found","reason":"not enrolled"}`:                "User not found; not enrolled",
		"plain\ntext":                    "plain text",
		"<html><body>Bad gateway</body>": "",
		"":                               "",
	} {
		if got := lmsMessage([]byte(body)); got != want {
			t.Errorf("lmsMessage(%q) = %q, want %q", body, got, want)
		}
	}
	long := make([]byte, 1000)
	for i := range long {
		long[i] = 'x'
	}
	if got := lmsMessage(long); len(got) > 310 {
		t.Errorf("a long message is %d bytes", len(got))
	}
}

// FuzzLMSAnswers: what an LMS answers (error bodies, Link headers) never
// panics the parsers and stays bounded.
func FuzzLMSAnswers(f *testing.F) {
	f.Add([]byte(`{"errors":[{"message":"m"}]}`), `<https://x.example/a?page=2>; rel="next"`)
	f.Add([]byte(`{"error":{"a":1}}`), `<>; rel=next, <`)
	f.Fuzz(func(t *testing.T, body []byte, link string) {
		if m := lmsMessage(body); len(m) > 304 {
			t.Fatalf("message of %d bytes", len(m))
		}
		_ = nextLink([]string{link}, "https://lms.example/m")
	})
}

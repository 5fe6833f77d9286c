package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/store"
)

func TestLearnerCookieRoundTripAndTampering(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	entries := []learnerEntry{{CourseID: 3, LearnerID: 41}, {CourseID: 1, LearnerID: 7}}
	v := encodeLearnerCookie(key, entries)
	got, err := decodeLearnerCookie(key, v)
	if err != nil || len(got) != 2 || got[0] != entries[0] || got[1] != entries[1] {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	forged := encodeLearnerCookie([]byte("another key"), []learnerEntry{{CourseID: 3, LearnerID: 42}})
	payload := strings.Split(forged, ".")[1]
	mac := strings.Split(v, ".")[2]
	for name, bad := range map[string]string{
		"other key":       forged,
		"payload swapped": "v1." + payload + "." + mac,
		"no mac":          "v1." + payload,
		"other version":   "v2" + v[2:],
		"too long":        v + strings.Repeat("A", maxLearnerCookieLen),
		"empty":           "",
		"mac not base64":  "v1." + payload + ".***",
		"truncated mac":   v[:len(v)-3],
	} {
		if _, err := decodeLearnerCookie(key, bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A well-signed payload that breaks the format is refused too.
	for _, raw := range []string{"1", "1:x", "0:3", "1:-2", "1:2,", strings.Repeat("1:2,", maxRememberedCourses) + "1:2"} {
		if _, err := decodeLearnerCookie(key, signRaw(key, raw)); err == nil {
			t.Errorf("payload %q: accepted", raw)
		}
	}
}

// signRaw signs an arbitrary payload, as encodeLearnerCookie does.
func signRaw(key []byte, raw string) string {
	p := base64.RawURLEncoding.EncodeToString([]byte(raw))
	return "v1." + p + "." + base64.RawURLEncoding.EncodeToString(learnerMAC(key, p))
}

func storeCourse(i int64) store.NewCourse {
	return store.NewCourse{Title: fmt.Sprint("Course ", i), TimeZone: "UTC"}
}

func storeLearner(courseID int64) store.NewLearner {
	return store.NewLearner{CourseID: courseID, Source: store.SourceSelf, Name: "Sam"}
}

// TestRememberLearnerBounded: a device remembers at most
// maxRememberedCourses courses, the most recent first, one learner per
// course.
func TestRememberLearnerBounded(t *testing.T) {
	e := newLearnEnv(t)
	s := e.app.server
	var cookie *http.Cookie
	for i := int64(1); i <= maxRememberedCourses+3; i++ {
		nc := storeCourse(i)
		nc.CreatedBy = e.user.ID
		c, err := e.st.CreateCourse(context.Background(), nc)
		if err != nil {
			t.Fatal(err)
		}
		l, err := e.st.CreateLearner(context.Background(), storeLearner(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "/l/x", nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		if err := s.rememberLearner(w, r, l); err != nil {
			t.Fatal(err)
		}
		cookie = w.Result().Cookies()[0]
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
			t.Fatalf("cookie attributes %+v", cookie)
		}
		if len(cookie.Value) > maxLearnerCookieLen {
			t.Fatalf("cookie of %d bytes", len(cookie.Value))
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/my", nil)
	r.AddCookie(cookie)
	got := s.rememberedLearners(r)
	if len(got) != maxRememberedCourses {
		t.Fatalf("%d courses remembered, want %d", len(got), maxRememberedCourses)
	}
	if got[0].CourseID <= got[1].CourseID {
		t.Errorf("not most recent first: %v", got[:2])
	}
}

func FuzzLearnerCookie(f *testing.F) {
	key := []byte("fuzz key")
	f.Add(encodeLearnerCookie(key, []learnerEntry{{1, 2}, {3, 4}}))
	f.Add("v1..")
	f.Add("v1.MTox.AAAA")
	f.Add(strings.Repeat("v1.", 100))
	f.Add("1:2,3:4")
	f.Add("9223372036854775807:1")
	// Each input is tried as a cookie and, signed, as a payload: a random
	// cookie never passes the MAC, so the payload parser needs the second.
	f.Fuzz(func(t *testing.T, v string) {
		checkLearnerCookie(t, key, v)
		checkLearnerCookie(t, key, signRaw(key, v))
	})
}

func checkLearnerCookie(t *testing.T, key []byte, v string) {
	{
		entries, err := decodeLearnerCookie(key, v)
		if err != nil {
			return
		}
		if len(entries) > maxRememberedCourses {
			t.Fatalf("%d entries", len(entries))
		}
		for _, e := range entries {
			if e.CourseID <= 0 || e.LearnerID <= 0 {
				t.Fatalf("entry %+v", e)
			}
		}
		again, err := decodeLearnerCookie(key, encodeLearnerCookie(key, entries))
		if err != nil || len(again) != len(entries) {
			t.Fatalf("re-encoding %v: %v, %v", entries, again, err)
		}
	}
}

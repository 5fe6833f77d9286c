package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// Learner identity: a student has no password. A signed cookie remembers,
// on one device, which learner they are in each course they opened (by a
// personal link or by typing their name on a shared link). Reopening the
// personal link on another device sets the same learner there.

const (
	// learnerCookie holds "v1.<payload>.<mac>", the payload being
	// "course:learner" pairs, most recent first, both base64url.
	learnerCookie = "stride_learner"
	// maxRememberedCourses bounds the courses one device remembers; the
	// least recently opened is forgotten first. It keeps the cookie under
	// about 1 KB.
	maxRememberedCourses = 16
	// maxLearnerCookieLen bounds the cookie value read back; anything
	// longer is ignored (never parsed).
	maxLearnerCookieLen = 1024
	// learnerCookieMaxAge is how long a device remembers a learner.
	learnerCookieMaxAge = 180 * 24 * time.Hour
	// learnerSecretName and seedSecretName name the site secrets (kept in
	// the database, so they survive restarts and are shared by replicas)
	// that sign the cookie and derive per-learner seeds.
	learnerSecretName = "learner-cookie"
	seedSecretName    = "learner-seed"
)

// learnerEntry is one remembered course.
type learnerEntry struct {
	CourseID, LearnerID int64
}

// learnState holds what the student side caches for the process: the
// site secrets, loaded once from the database.
type learnState struct {
	mu      sync.Mutex
	secrets map[string][]byte
	// items maps an item id to its assignment's (see findItem).
	items map[int64]int64
}

// secret returns the site secret name, loading (or creating) it in the
// database on first use.
func (s *Server) secret(ctx context.Context, name string) ([]byte, error) {
	s.learn.mu.Lock()
	defer s.learn.mu.Unlock()
	if k, ok := s.learn.secrets[name]; ok {
		return k, nil
	}
	k, err := s.store.SiteSecret(ctx, name, 32)
	if err != nil {
		return nil, fmt.Errorf("site secret %s: %w", name, err)
	}
	if s.learn.secrets == nil {
		s.learn.secrets = map[string][]byte{}
	}
	s.learn.secrets[name] = k
	return k, nil
}

// encodeLearnerCookie signs entries with key.
func encodeLearnerCookie(key []byte, entries []learnerEntry) string {
	var b strings.Builder
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(e.CourseID, 10))
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(e.LearnerID, 10))
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(b.String()))
	return "v1." + payload + "." + base64.RawURLEncoding.EncodeToString(learnerMAC(key, payload))
}

func learnerMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("stride learner cookie v1\x00"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

var errBadLearnerCookie = errors.New("learner cookie is malformed or not signed by this site")

// decodeLearnerCookie verifies and parses a cookie value. Every failure is
// errBadLearnerCookie: the cookie is then ignored, as if absent.
func decodeLearnerCookie(key []byte, value string) ([]learnerEntry, error) {
	if len(value) > maxLearnerCookieLen {
		return nil, errBadLearnerCookie
	}
	version, rest, ok := strings.Cut(value, ".")
	if !ok || version != "v1" {
		return nil, errBadLearnerCookie
	}
	payload, mac64, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, errBadLearnerCookie
	}
	mac, err := base64.RawURLEncoding.DecodeString(mac64)
	if err != nil || !hmac.Equal(mac, learnerMAC(key, payload)) {
		return nil, errBadLearnerCookie
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, errBadLearnerCookie
	}
	if len(raw) == 0 {
		return nil, nil
	}
	var out []learnerEntry
	for _, pair := range strings.Split(string(raw), ",") {
		c, l, ok := strings.Cut(pair, ":")
		if !ok || len(out) >= maxRememberedCourses {
			return nil, errBadLearnerCookie
		}
		cid, err1 := strconv.ParseInt(c, 10, 64)
		lid, err2 := strconv.ParseInt(l, 10, 64)
		if err1 != nil || err2 != nil || cid <= 0 || lid <= 0 {
			return nil, errBadLearnerCookie
		}
		out = append(out, learnerEntry{CourseID: cid, LearnerID: lid})
	}
	return out, nil
}

// rememberedLearners returns the entries of the request's learner cookie;
// none when it is absent, invalid or the store is off.
func (s *Server) rememberedLearners(r *http.Request) []learnerEntry {
	if s.store == nil {
		return nil
	}
	// LTI hook (web/lti.go): inside an LMS iframe no cookie reaches Stride;
	// a launch token in the URL names the one learner of that launch.
	if e, ok := s.ltiLearnerEntry(r); ok {
		return []learnerEntry{e}
	}
	c, err := r.Cookie(learnerCookie)
	if err != nil {
		return nil
	}
	key, err := s.secret(r.Context(), learnerSecretName)
	if err != nil {
		s.log.ErrorContext(r.Context(), "learner cookie key", "err", err)
		return nil
	}
	entries, err := decodeLearnerCookie(key, c.Value)
	if err != nil {
		return nil
	}
	return entries
}

// learnerFor returns the learner this device remembers for a course, or
// false. The authorization layer calls it for policyCourseLearner routes.
func (s *Server) learnerFor(r *http.Request, courseID int64) (*store.Learner, bool) {
	for _, e := range s.rememberedLearners(r) {
		if e.CourseID != courseID {
			continue
		}
		// Through the store's check cache (internal/store/checkcache.go):
		// every live answer and check asks, the row changes a few times a
		// term; a deletion here is seen at once, on another replica within
		// store.LearnerCacheTTL (recording then fails with ErrNotFound).
		l, err := s.store.CachedLearner(r.Context(), e.LearnerID)
		if err != nil || l.CourseID != courseID {
			// Deleted (a privacy request) or not of this course: forgotten.
			return nil, false
		}
		return &l, true
	}
	return nil, false
}

// rememberLearner sets the cookie so this device is l in l's course from
// now on, keeping the other courses it remembers (most recent first,
// bounded).
func (s *Server) rememberLearner(w http.ResponseWriter, r *http.Request, l store.Learner) error {
	key, err := s.secret(r.Context(), learnerSecretName)
	if err != nil {
		return err
	}
	entries := []learnerEntry{{CourseID: l.CourseID, LearnerID: l.ID}}
	for _, e := range s.rememberedLearners(r) {
		if e.CourseID != l.CourseID && len(entries) < maxRememberedCourses {
			entries = append(entries, e)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name:     learnerCookie,
		Value:    encodeLearnerCookie(key, entries),
		Path:     s.cookiePath(),
		MaxAge:   int(learnerCookieMaxAge / time.Second),
		HttpOnly: true,
		Secure:   s.secureRequest(r),
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

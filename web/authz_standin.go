package web

// Stand-in for helper A's web/authz.go (CLASSES.md names), so the student
// side builds and is tested before A's branch lands. Deleted at merge.

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/store"
)

type principal struct {
	User    *store.User
	Learner *store.Learner
}

type policy int

const (
	policyPublic policy = iota
	policySignedIn
	policyAdmin
	policyCourseStaff
	policyCourseLearner
)

type authzKey int

const (
	principalKey authzKey = iota
	courseKey
	assignmentKey
)

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey).(principal)
	return p
}

func courseFrom(ctx context.Context) store.Course {
	c, _ := ctx.Value(courseKey).(store.Course)
	return c
}

func assignmentFrom(ctx context.Context) store.Assignment {
	a, _ := ctx.Value(assignmentKey).(store.Assignment)
	return a
}

// handle: only what the student routes need (public, course learner).
func (s *Server) handle(r chi.Router, method, pattern string, pol policy, h http.HandlerFunc) {
	r.Method(method, pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := req.Context()
		if pol == policyCourseLearner {
			id, err := strconv.ParseInt(chi.URLParam(req, "assignment"), 10, 64)
			if err != nil {
				s.notFound(w, req)
				return
			}
			a, err := s.store.GetAssignment(ctx, id)
			if err != nil {
				s.notFound(w, req)
				return
			}
			c, err := s.store.GetCourse(ctx, a.CourseID)
			if err != nil {
				s.notFound(w, req)
				return
			}
			l, ok := s.learnerFor(req, c.ID)
			if !ok {
				s.notFound(w, req)
				return
			}
			ctx = context.WithValue(ctx, principalKey, principal{Learner: l})
			ctx = context.WithValue(ctx, courseKey, c)
			ctx = context.WithValue(ctx, assignmentKey, a)
		}
		h(w, req.WithContext(ctx))
	}))
}

// siteSecret: per-process key until A's store.SiteSecret lands.
func (s *Server) siteSecret(ctx context.Context, name string, n int) ([]byte, error) {
	if n <= 0 {
		return nil, errors.New("bad size")
	}
	k := make([]byte, n)
	_, err := rand.Read(k)
	return k, err
}

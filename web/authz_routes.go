package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// dbStartTimeout bounds the database work of building the handler.
const dbStartTimeout = 30 * time.Second

// mountClasses builds the class routes' shared state and registers the
// instructor side of issue 9: sign-in, setup, accounts, and the course,
// roster and assignment management pages. It runs before any other class
// mount (s.handle needs the state it builds) and only when there is a
// store.
func (s *Server) mountClasses(r chi.Router, cfg Config) error {
	c, err := s.newClasses(cfg)
	if err != nil {
		return err
	}
	s.classes = c
	ctx, cancel := context.WithTimeout(context.Background(), dbStartTimeout)
	defer cancel()
	if err := s.offerSetup(ctx); err != nil {
		return fmt.Errorf("check for an admin account: %w", err)
	}
	// Sign-in costs an argon2id hash: run it under the work limiter, like
	// every other CPU-heavy request.
	signin := s.work.limitPage(http.HandlerFunc(s.signin)).ServeHTTP
	s.handle(r, http.MethodGet, "/signin", policyPublic, s.signinPage)
	s.handle(r, http.MethodPost, "/signin", policyPublic, signin)
	s.handle(r, http.MethodPost, "/signout", policyPublic, s.signout)
	s.handle(r, http.MethodGet, "/setup/{token}", policyPublic, s.setupPage)
	s.handle(r, http.MethodPost, "/setup/{token}", policyPublic, s.work.limitPage(http.HandlerFunc(s.setup)).ServeHTTP)
	s.handle(r, http.MethodGet, "/admin/users", policyAdmin, s.adminUsersPage)
	s.handle(r, http.MethodPost, "/admin/users", policyAdmin, s.work.limitPage(http.HandlerFunc(s.adminAddUser)).ServeHTTP)
	s.mountAccounts(r)
	s.mountTeach(r)
	return nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Role is an account's site-wide role.
type Role string

// Site-wide roles: an admin manages accounts and sees every course.
const (
	RoleAdmin      Role = "admin"
	RoleInstructor Role = "instructor"
)

// User is an instructor or admin account.
type User struct {
	ID    int64
	Email string
	Name  string
	Role  Role
	// PasswordHash is the encoded argon2id/bcrypt hash; "" when the account
	// cannot sign in with a password.
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   *time.Time
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Email        string
	Name         string
	Role         Role
	PasswordHash string
}

// userCols lists the columns scanUser reads, qualified with a table alias
// such as "u." (or "" for none).
func userCols(p string) string {
	return p + "id, COALESCE(" + p + "email, ''), " + p + "name, " + p + "role, " + p + "password_hash, " + p + "created_at, " + p + "disabled_at"
}

var userColumns = userCols("")

func scanUser(row rowScanner) (User, error) {
	var u User
	var created int64
	var disabled sql.NullInt64
	var role string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &created, &disabled); err != nil {
		return User{}, err
	}
	u.Role = Role(role)
	u.CreatedAt = fromMS(created)
	u.DisabledAt = fromNullMS(disabled)
	return u, nil
}

// normEmail is the stored form of an e-mail address: trimmed, lower-case,
// so sign-in does not depend on how it was typed.
func normEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser adds an account. The e-mail is unique (ErrConflict).
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	email := normEmail(nu.Email)
	if email == "" || !strings.Contains(email, "@") {
		return User{}, fmt.Errorf("create user: %w: e-mail %q has no @", ErrInvalid, nu.Email)
	}
	if nu.Role != RoleAdmin && nu.Role != RoleInstructor {
		return User{}, fmt.Errorf("create user: %w: role %q is not admin or instructor", ErrInvalid, nu.Role)
	}
	for _, f := range []struct{ name, v string }{{"e-mail", email}, {"name", nu.Name}} {
		if err := checkLen(f.name, f.v, maxNameLen); err != nil {
			return User{}, fmt.Errorf("create user: %w", err)
		}
	}
	row := s.write.QueryRowContext(ctx,
		`INSERT INTO users (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
		 RETURNING `+userColumns,
		email, strings.TrimSpace(nu.Name), string(nu.Role), nu.PasswordHash, ms(s.now()))
	u, err := scanUser(row)
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", email, classify(err))
	}
	return u, nil
}

// GetUser returns the account with id.
func (s *Store) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", id, classify(err))
	}
	return u, nil
}

// GetUserByEmail returns the account with that e-mail (any case).
func (s *Store) GetUserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, normEmail(email)))
	if err != nil {
		return User{}, fmt.Errorf("get user by e-mail: %w", classify(err))
	}
	return u, nil
}

// ListUsers returns every account, oldest first.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	return queryAll(ctx, s.read, "list users", scanUser,
		`SELECT `+userColumns+` FROM users ORDER BY id`)
}

// CountAdmins counts enabled admin accounts (none means the one-time setup
// link is offered).
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

// SetPassword replaces an account's password hash and revokes its sessions,
// so a changed password signs out every other device.
func (s *Store) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, passwordHash, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, ms(s.now()), userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return nil
}

// Session is a signed-in browser of an account.
type Session struct {
	ID        int64
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession starts a session for userID that ends at expiresAt and
// returns the token for the cookie. Only the token's hash is stored.
// Signing in creates a new session (a new token), which is the rotation
// that defeats session fixation.
func (s *Store) CreateSession(ctx context.Context, userID int64, expiresAt time.Time) (token string, sess Session, err error) {
	token, err = NewToken()
	if err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	now := s.now()
	if !expiresAt.After(now) {
		return "", Session{}, fmt.Errorf("create session: %w: expiry %v is not in the future", ErrInvalid, expiresAt)
	}
	var id int64
	err = s.write.QueryRowContext(ctx,
		`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		hashToken(token), userID, ms(now), ms(expiresAt)).Scan(&id)
	if err != nil {
		return "", Session{}, fmt.Errorf("create session for user %d: %w", userID, classify(err))
	}
	return token, Session{ID: id, UserID: userID, CreatedAt: fromMS(ms(now)), ExpiresAt: fromMS(ms(expiresAt))}, nil
}

// LookupSession returns the session and account of a cookie's token.
// A revoked or expired session, or one of a disabled account, is
// ErrNotFound: the caller treats all of them as signed out.
func (s *Store) LookupSession(ctx context.Context, token string) (Session, User, error) {
	var sess Session
	var created, expires int64
	row := s.read.QueryRowContext(ctx,
		`SELECT s.id, s.created_at, s.expires_at, `+userCols("u.")+`
		 FROM sessions s JOIN users u ON u.id = s.user_id
		 WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.disabled_at IS NULL`,
		hashToken(token), ms(s.now()))
	var u User
	var uCreated int64
	var disabled sql.NullInt64
	var role string
	err := row.Scan(&sess.ID, &created, &expires, &u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &uCreated, &disabled)
	if err != nil {
		return Session{}, User{}, fmt.Errorf("look up session: %w", classify(err))
	}
	u.Role, u.CreatedAt, u.DisabledAt = Role(role), fromMS(uCreated), fromNullMS(disabled)
	sess.UserID, sess.CreatedAt, sess.ExpiresAt = u.ID, fromMS(created), fromMS(expires)
	return sess, u, nil
}

// RevokeSession ends the session of a token (sign-out). Revoking an unknown
// or already revoked token is not an error: sign-out always succeeds.
func (s *Store) RevokeSession(ctx context.Context, token string) error {
	if _, err := s.write.ExecContext(ctx,
		`UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL`,
		ms(s.now()), hashToken(token)); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// RevokeUserSessions ends every session of an account.
func (s *Store) RevokeUserSessions(ctx context.Context, userID int64) error {
	if _, err := s.write.ExecContext(ctx,
		`UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
		ms(s.now()), userID); err != nil {
		return fmt.Errorf("revoke sessions of user %d: %w", userID, err)
	}
	return nil
}

// DeleteEndedSessions removes sessions that expired or were revoked before
// cutoff, so the table does not grow forever. It returns how many it removed.
func (s *Store) DeleteEndedSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx,
		`DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1`, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("delete ended sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete ended sessions: %w", err)
	}
	return n, nil
}

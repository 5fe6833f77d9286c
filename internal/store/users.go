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
	return createUser(ctx, s.write, nu, ms(s.now()))
}

// createUser inserts an account through q (the writer or a transaction).
func createUser(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, nu NewUser, now int64) (User, error) {
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
	row := q.QueryRowContext(ctx,
		`INSERT INTO users (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
		 RETURNING `+userColumns,
		email, strings.TrimSpace(nu.Name), string(nu.Role), nu.PasswordHash, now)
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

// SetUserDisabled disables or enables an account. Disabling also revokes
// every session of the account in the same transaction, so a disabled
// instructor is signed out everywhere at once; LookupSession already
// refuses a disabled account's sessions, the revocation makes it last
// when the account is enabled again.
func (s *Store) SetUserDisabled(ctx context.Context, userID int64, disabled bool) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		at := sql.NullInt64{}
		if disabled {
			at = sql.NullInt64{Int64: ms(s.now()), Valid: true}
		}
		// Disabling an already disabled account keeps its first date.
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx,
			`UPDATE users SET disabled_at = CASE WHEN $1 THEN COALESCE(disabled_at, $2) ELSE NULL END
			 WHERE id = $3 RETURNING `+userColumns, disabled, at, userID))
		if err != nil {
			return classify(err)
		}
		if disabled {
			_, err = tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, ms(s.now()), userID)
		}
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("set user %d disabled=%v: %w", userID, disabled, err)
	}
	return u, nil
}

// Purposes of one-time account links.
const (
	tokenReset = "reset"
	tokenSetup = "setup"
)

// CreateResetToken makes a one-time password-reset link for an account,
// valid for lifetime from now (the store's clock, which also judges
// expiry), and returns its token and when it expires; only the token's
// hash is stored, so the link can be shown once, when it is made. Earlier
// unused reset links of the account stop working: only the newest one
// counts. createdBy is the admin who made it (0 for the command line).
func (s *Store) CreateResetToken(ctx context.Context, userID, createdBy int64, lifetime time.Duration) (string, time.Time, error) {
	token, err := NewToken()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create reset link: %w", err)
	}
	now := s.now()
	expiresAt := now.Add(lifetime)
	if lifetime < time.Minute {
		return "", time.Time{}, fmt.Errorf("create reset link: %w: lifetime %v is shorter than a minute", ErrInvalid, lifetime)
	}
	by := sql.NullInt64{Int64: createdBy, Valid: createdBy != 0}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = 'reset' AND used_at IS NULL`,
			ms(now), userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO account_tokens (token_hash, purpose, user_id, created_by, created_at, expires_at)
			 VALUES ($1, 'reset', $2, $3, $4, $5)`,
			hashToken(token), userID, by, ms(now), ms(expiresAt))
		return classify(err)
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create reset link for user %d: %w", userID, err)
	}
	return token, fromMS(ms(expiresAt)), nil
}

// ResetTokenUser returns the account a live reset link is for. A used,
// expired, superseded or unknown link, or one of a disabled account, is
// ErrNotFound.
func (s *Store) ResetTokenUser(ctx context.Context, token string) (User, error) {
	u, err := scanUser(s.write.QueryRowContext(ctx,
		`SELECT `+userCols("u.")+` FROM account_tokens t JOIN users u ON u.id = t.user_id
		 WHERE t.token_hash = $1 AND t.purpose = 'reset' AND t.used_at IS NULL AND t.expires_at > $2
		   AND u.disabled_at IS NULL`,
		hashToken(token), ms(s.now())))
	if err != nil {
		return User{}, fmt.Errorf("reset link: %w", classify(err))
	}
	return u, nil
}

// ResetPassword spends a reset link: the account gets passwordHash and
// every session of it is revoked, all in one transaction. A link that is
// not live (see ResetTokenUser) is ErrNotFound and changes nothing; of two
// uses at once exactly one succeeds.
func (s *Store) ResetPassword(ctx context.Context, token, passwordHash string) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		var userID int64
		err := tx.QueryRowContext(ctx,
			`UPDATE account_tokens SET used_at = $1
			 WHERE token_hash = $2 AND purpose = 'reset' AND used_at IS NULL AND expires_at > $1
			   AND user_id IN (SELECT id FROM users WHERE disabled_at IS NULL)
			 RETURNING user_id`, now, hashToken(token)).Scan(&userID)
		if err != nil {
			return classify(err)
		}
		if u, err = scanUser(tx.QueryRowContext(ctx,
			`UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING `+userColumns, passwordHash, userID)); err != nil {
			return classify(err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, now, userID)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("reset password: %w", err)
	}
	return u, nil
}

// CreateSetupToken makes a one-time link that creates the first admin,
// valid for lifetime from now (the store's clock). Every replica that starts while the database has
// no admin makes one and logs it; any of them works on any replica, and
// the first use spends them all (see CreateFirstAdmin).
func (s *Store) CreateSetupToken(ctx context.Context, lifetime time.Duration) (string, error) {
	token, err := NewToken()
	if err != nil {
		return "", fmt.Errorf("create setup link: %w", err)
	}
	if lifetime < time.Minute {
		return "", fmt.Errorf("create setup link: %w: lifetime %v is shorter than a minute", ErrInvalid, lifetime)
	}
	now := s.now()
	if _, err := s.write.ExecContext(ctx,
		`INSERT INTO account_tokens (token_hash, purpose, created_at, expires_at) VALUES ($1, 'setup', $2, $3)`,
		hashToken(token), ms(now), ms(now.Add(lifetime))); err != nil {
		return "", fmt.Errorf("create setup link: %w", classify(err))
	}
	return token, nil
}

// SetupTokenLive reports whether token is a live setup link: unused,
// unexpired, and the database still has no enabled admin.
func (s *Store) SetupTokenLive(ctx context.Context, token string) (bool, error) {
	var n int
	err := s.write.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM account_tokens WHERE token_hash = $1 AND purpose = 'setup' AND used_at IS NULL AND expires_at > $2
		   AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL)`,
		hashToken(token), ms(s.now())).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("setup link: %w", err)
	}
	return n > 0, nil
}

// CreateFirstAdmin spends a setup link and creates the admin account nu
// (its role is set to admin) in one transaction. Every other setup link is
// spent with it. A link that is not live (see SetupTokenLive) is
// ErrNotFound and creates nothing.
func (s *Store) CreateFirstAdmin(ctx context.Context, token string, nu NewUser) (User, error) {
	nu.Role = RoleAdmin
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		res, err := tx.ExecContext(ctx,
			`UPDATE account_tokens SET used_at = $1 WHERE purpose = 'setup' AND used_at IS NULL
			   AND EXISTS (SELECT 1 FROM account_tokens WHERE token_hash = $2 AND purpose = 'setup' AND used_at IS NULL AND expires_at > $1)
			   AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL)`,
			now, hashToken(token))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		u, err = createUser(ctx, tx, nu, now)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("create first admin: %w", err)
	}
	return u, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// LTI deep linking, dynamic registration and key rotation storage (issue 12
// §1/§2): single-use grants, platform editing for the admin pages, and the
// retirement of the tool's old signing keys.

// LTIGrantKind names what a grant allows.
type LTIGrantKind string

// Kinds of grants.
const (
	// GrantDeepLink is a verified deep linking request waiting in the picker.
	GrantDeepLink LTIGrantKind = "deeplink"
	// GrantRegister is an admin-issued dynamic registration link.
	GrantRegister LTIGrantKind = "register"
)

// MaxLTIGrantPayload bounds a grant's payload.
const MaxLTIGrantPayload = 16 << 10

func validGrant(kind LTIGrantKind, token string) error {
	if kind != GrantDeepLink && kind != GrantRegister {
		return fmt.Errorf("%w: grant kind %q", ErrInvalid, kind)
	}
	if token == "" || len(token) > 128 {
		return fmt.Errorf("%w: grant token is empty or longer than 128 bytes", ErrInvalid)
	}
	return nil
}

// CreateLTIGrant stores a grant under token (only its hash is kept) until
// expires. Expired grants are deleted on the way.
func (s *Store) CreateLTIGrant(ctx context.Context, kind LTIGrantKind, token string, payload []byte, expires time.Time) error {
	if err := validGrant(kind, token); err != nil {
		return fmt.Errorf("create LTI grant: %w", err)
	}
	if len(payload) > MaxLTIGrantPayload {
		return fmt.Errorf("create LTI grant: %w: payload of %d bytes, the limit is %d", ErrInvalid, len(payload), MaxLTIGrantPayload)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		if _, err := tx.ExecContext(ctx, `DELETE FROM lti_grants WHERE expires_at < $1`, now); err != nil {
			return classify(err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO lti_grants (token_hash, kind, payload, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			hashToken(token), string(kind), string(payload), now, ms(expires))
		return classify(err)
	})
	if err != nil {
		return fmt.Errorf("create LTI grant: %w", err)
	}
	return nil
}

// LTIGrant returns the payload of an unexpired, unused grant (ErrNotFound
// otherwise) without using it.
func (s *Store) LTIGrant(ctx context.Context, kind LTIGrantKind, token string) ([]byte, error) {
	if err := validGrant(kind, token); err != nil {
		return nil, fmt.Errorf("LTI grant: %w", ErrNotFound)
	}
	var p string
	err := s.read.QueryRowContext(ctx,
		`SELECT payload FROM lti_grants WHERE token_hash = $1 AND kind = $2 AND expires_at >= $3 AND used_at IS NULL`,
		hashToken(token), string(kind), ms(s.now())).Scan(&p)
	if err != nil {
		return nil, fmt.Errorf("LTI grant: %w", classify(err))
	}
	return []byte(p), nil
}

// UseLTIGrant marks an unexpired, unused grant used and returns its
// payload; a second use, an expired or an unknown grant is ErrNotFound.
// Exactly one of two concurrent uses succeeds.
func (s *Store) UseLTIGrant(ctx context.Context, kind LTIGrantKind, token string) ([]byte, error) {
	if err := validGrant(kind, token); err != nil {
		return nil, fmt.Errorf("use LTI grant: %w", ErrNotFound)
	}
	now := ms(s.now())
	var p string
	err := s.write.QueryRowContext(ctx,
		`UPDATE lti_grants SET used_at = $1 WHERE token_hash = $2 AND kind = $3 AND expires_at >= $1 AND used_at IS NULL RETURNING payload`,
		now, hashToken(token), string(kind)).Scan(&p)
	if err != nil {
		return nil, fmt.Errorf("use LTI grant: %w", classify(err))
	}
	return []byte(p), nil
}

// GetLTIPlatform returns a registered platform with its deployments.
func (s *Store) GetLTIPlatform(ctx context.Context, id int64) (LTIPlatform, error) {
	p, err := scanLTIPlatform(s.read.QueryRowContext(ctx, `SELECT `+ltiPlatformColumns+` FROM lti_platforms WHERE id = $1`, id))
	if err != nil {
		return LTIPlatform{}, fmt.Errorf("LTI platform %d: %w", id, classify(err))
	}
	return s.withDeployments(ctx, p)
}

// UpdateLTIPlatform replaces a platform's issuer, client id, endpoints and
// deployments (np.DeploymentIDs becomes the whole list). Another platform
// with the same issuer and client id is ErrConflict.
func (s *Store) UpdateLTIPlatform(ctx context.Context, id int64, np NewLTIPlatform) (LTIPlatform, error) {
	np.Issuer, np.ClientID = strings.TrimSpace(np.Issuer), strings.TrimSpace(np.ClientID)
	if err := np.validate(); err != nil {
		return LTIPlatform{}, fmt.Errorf("update LTI platform %d: %w", id, err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE lti_platforms SET issuer = $1, client_id = $2, auth_url = $3, token_url = $4, jwks_url = $5 WHERE id = $6`,
			np.Issuer, np.ClientID, np.AuthURL, np.TokenURL, np.JWKSURL, id)
		if err != nil {
			return classify(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM lti_deployments WHERE platform_id = $1`, id); err != nil {
			return classify(err)
		}
		now := ms(s.now())
		for _, d := range np.DeploymentIDs {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO lti_deployments (platform_id, deployment_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				id, d, now); err != nil {
				return classify(err)
			}
		}
		return nil
	})
	if err != nil {
		return LTIPlatform{}, fmt.Errorf("update LTI platform %d: %w", id, err)
	}
	return s.GetLTIPlatform(ctx, id)
}

// DeleteLTIPlatform removes a platform, its deployments and its launches.
// Courses, people and attempts it created stay.
func (s *Store) DeleteLTIPlatform(ctx context.Context, id int64) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM lti_platforms WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete LTI platform %d: %w", id, classify(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete LTI platform %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("delete LTI platform %d: %w", id, ErrNotFound)
	}
	return nil
}

// RotateLTIKey stores a new signing key and retires every key in use at
// retireAt: they stay published (LTIKeys) until then, so tokens they signed
// keep verifying at platforms that cached them, and are deleted by a later
// rotation. Keys already past their retirement are deleted now.
func (s *Store) RotateLTIKey(ctx context.Context, kid string, privateDER []byte, retireAt time.Time) error {
	if kid == "" || len(kid) > maxKeyLen || len(privateDER) == 0 {
		return fmt.Errorf("rotate LTI key: %w: empty kid or key", ErrInvalid)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		if _, err := tx.ExecContext(ctx, `DELETE FROM lti_keys WHERE retired_at IS NOT NULL AND retired_at <= $1`, now); err != nil {
			return classify(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE lti_keys SET retired_at = $1 WHERE retired_at IS NULL`, ms(retireAt)); err != nil {
			return classify(err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO lti_keys (kid, private_der, created_at) VALUES ($1, $2, $3)`, kid, privateDER, now)
		return classify(err)
	})
	if err != nil {
		return fmt.Errorf("rotate LTI key %s: %w", kid, err)
	}
	return nil
}

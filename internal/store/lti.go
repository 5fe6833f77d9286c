package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LTI 1.3 storage (issue 12): registered platforms and deployments, the
// tool's signing keys, values accepted once (nonces, states), launches, and
// the course, instructor and learner rows a launch finds or creates.

// Bounds of LTI values the store accepts (documented in docs/LTI.md).
const (
	maxLTIURLLen      = 2000 // a platform's endpoint URL, a launch target
	maxLTIValueLen    = 255  // issuer, client id, deployment id, context id, sub, nonce
	MaxLTIPlatforms   = 1000 // platforms one site may register
	maxLTIDeployments = 1000 // deployments of one platform
)

// LTIPlatform is an LMS registered with this tool (one issuer and client id).
type LTIPlatform struct {
	ID       int64
	Issuer   string
	ClientID string
	AuthURL  string // OIDC authorization endpoint (login redirect)
	TokenURL string // OAuth2 token endpoint (AGS, NRPS)
	JWKSURL  string // the platform's public keys
	// TokenAudience is the aud of client assertions when it is not the
	// token URL ("" for the token URL; AGS and NRPS, web/lti_ags.go).
	TokenAudience string
	Deployments   []string
	CreatedAt     time.Time
}

// NewLTIPlatform is what AddLTIPlatform needs.
type NewLTIPlatform struct {
	Issuer, ClientID, AuthURL, TokenURL, JWKSURL string
	// TokenAudience is optional (see LTIPlatform).
	TokenAudience string
	// DeploymentIDs are added to the platform's known deployments.
	DeploymentIDs []string
}

func (np *NewLTIPlatform) validate() error {
	for _, f := range []struct{ name, v string }{{"issuer", np.Issuer}, {"client id", np.ClientID}} {
		if strings.TrimSpace(f.v) == "" {
			return fmt.Errorf("%w: %s is empty", ErrInvalid, f.name)
		}
		if err := checkLen(f.name, f.v, maxLTIValueLen); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, v string }{{"auth URL", np.AuthURL}, {"token URL", np.TokenURL}, {"JWKS URL", np.JWKSURL}} {
		if err := checkLen(f.name, f.v, maxLTIURLLen); err != nil {
			return err
		}
		if !strings.HasPrefix(f.v, "https://") && !strings.HasPrefix(f.v, "http://") {
			return fmt.Errorf("%w: %s %q is not an http(s) URL", ErrInvalid, f.name, f.v)
		}
	}
	if err := checkLen("token audience", np.TokenAudience, maxLTIURLLen); err != nil {
		return err
	}
	if len(np.DeploymentIDs) > maxLTIDeployments {
		return fmt.Errorf("%w: %d deployments, the limit is %d", ErrInvalid, len(np.DeploymentIDs), maxLTIDeployments)
	}
	for _, d := range np.DeploymentIDs {
		if d == "" {
			return fmt.Errorf("%w: a deployment id is empty", ErrInvalid)
		}
		if err := checkLen("deployment id", d, maxLTIValueLen); err != nil {
			return err
		}
	}
	return nil
}

const ltiPlatformColumns = "id, issuer, client_id, auth_url, token_url, jwks_url, created_at, token_audience"

func scanLTIPlatform(row rowScanner) (LTIPlatform, error) {
	var p LTIPlatform
	var created int64
	if err := row.Scan(&p.ID, &p.Issuer, &p.ClientID, &p.AuthURL, &p.TokenURL, &p.JWKSURL, &created, &p.TokenAudience); err != nil {
		return LTIPlatform{}, err
	}
	p.CreatedAt = fromMS(created)
	return p, nil
}

// AddLTIPlatform registers a platform, or, when its issuer and client id
// are already registered, updates its endpoints; either way the given
// deployment ids are added (adding a known one again is harmless).
func (s *Store) AddLTIPlatform(ctx context.Context, np NewLTIPlatform) (LTIPlatform, error) {
	np.Issuer, np.ClientID = strings.TrimSpace(np.Issuer), strings.TrimSpace(np.ClientID)
	if err := np.validate(); err != nil {
		return LTIPlatform{}, fmt.Errorf("add LTI platform: %w", err)
	}
	var p LTIPlatform
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n, same int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN issuer = $1 AND client_id = $2 THEN 1 END) FROM lti_platforms`,
			np.Issuer, np.ClientID).Scan(&n, &same); err != nil {
			return err
		}
		if n >= MaxLTIPlatforms && same == 0 {
			return fmt.Errorf("%w: %d platforms are registered, the limit is %d", ErrInvalid, n, MaxLTIPlatforms)
		}
		now := ms(s.now())
		var err error
		p, err = scanLTIPlatform(tx.QueryRowContext(ctx,
			`INSERT INTO lti_platforms (issuer, client_id, auth_url, token_url, jwks_url, created_at, token_audience) VALUES ($1, $2, $3, $4, $5, $6, $7)
			 ON CONFLICT (issuer, client_id) DO UPDATE SET auth_url = excluded.auth_url, token_url = excluded.token_url, jwks_url = excluded.jwks_url,
			   token_audience = CASE WHEN excluded.token_audience <> '' THEN excluded.token_audience ELSE lti_platforms.token_audience END
			 RETURNING `+ltiPlatformColumns,
			np.Issuer, np.ClientID, np.AuthURL, np.TokenURL, np.JWKSURL, now, strings.TrimSpace(np.TokenAudience)))
		if err != nil {
			return classify(err)
		}
		for _, d := range np.DeploymentIDs {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO lti_deployments (platform_id, deployment_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				p.ID, d, now); err != nil {
				return classify(err)
			}
		}
		return nil
	})
	if err != nil {
		return LTIPlatform{}, fmt.Errorf("add LTI platform %s: %w", np.Issuer, err)
	}
	return s.withDeployments(ctx, p)
}

func (s *Store) withDeployments(ctx context.Context, p LTIPlatform) (LTIPlatform, error) {
	ds, err := queryAll(ctx, s.read, "list LTI deployments", func(r rowScanner) (string, error) {
		var d string
		err := r.Scan(&d)
		return d, err
	}, `SELECT deployment_id FROM lti_deployments WHERE platform_id = $1 ORDER BY deployment_id`, p.ID)
	if err != nil {
		return LTIPlatform{}, err
	}
	p.Deployments = ds
	return p, nil
}

// ListLTIPlatforms returns every registered platform with its deployments.
func (s *Store) ListLTIPlatforms(ctx context.Context) ([]LTIPlatform, error) {
	ps, err := queryAll(ctx, s.read, "list LTI platforms", scanLTIPlatform,
		`SELECT `+ltiPlatformColumns+` FROM lti_platforms ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i], err = s.withDeployments(ctx, ps[i]); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// LTIPlatformsByIssuer returns the platforms registered for an issuer (one
// per client id), with their deployments.
func (s *Store) LTIPlatformsByIssuer(ctx context.Context, issuer string) ([]LTIPlatform, error) {
	ps, err := queryAll(ctx, s.read, "LTI platforms by issuer", scanLTIPlatform,
		`SELECT `+ltiPlatformColumns+` FROM lti_platforms WHERE issuer = $1 ORDER BY id`, issuer)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i], err = s.withDeployments(ctx, ps[i]); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// LTIKey is one of the tool's RSA signing keys.
type LTIKey struct {
	KID        string
	PrivateDER []byte // PKCS#8
	CreatedAt  time.Time
	// RetiresAt is when a rotated-out key stops being published; zero for
	// a key in use.
	RetiresAt time.Time
}

// LTIKeys returns the tool's published keys: those in use, newest first
// (the first signs), then the retired ones not yet past their retirement.
func (s *Store) LTIKeys(ctx context.Context) ([]LTIKey, error) {
	return queryAll(ctx, s.read, "list LTI keys", func(r rowScanner) (LTIKey, error) {
		var k LTIKey
		var created int64
		var retires sql.NullInt64
		err := r.Scan(&k.KID, &k.PrivateDER, &created, &retires)
		k.CreatedAt = fromMS(created)
		if retires.Valid {
			k.RetiresAt = fromMS(retires.Int64)
		}
		return k, err
	}, `SELECT kid, private_der, created_at, retired_at FROM lti_keys WHERE retired_at IS NULL OR retired_at > $1
	    ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, created_at DESC, kid DESC`, ms(s.now()))
}

// AddLTIKey stores a new signing key (a kid already stored is ErrConflict).
func (s *Store) AddLTIKey(ctx context.Context, kid string, privateDER []byte) error {
	if kid == "" || len(kid) > maxKeyLen || len(privateDER) == 0 {
		return fmt.Errorf("add LTI key: %w: empty kid or key", ErrInvalid)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO lti_keys (kid, private_der, created_at) VALUES ($1, $2, $3)`,
		kid, privateDER, ms(s.now())); err != nil {
		return fmt.Errorf("add LTI key %s: %w", kid, classify(err))
	}
	return nil
}

// UsedKind names what UseOnce remembers.
type UsedKind string

// Kinds of values accepted once.
const (
	UsedNonce UsedKind = "nonce"
	UsedState UsedKind = "state"
)

// UseOnce records value as used until expires. It returns ErrConflict when
// the value was used before (a replayed nonce or state). Expired records
// are deleted on the way, so the table holds at most what is still valid.
func (s *Store) UseOnce(ctx context.Context, kind UsedKind, value string, expires time.Time) error {
	if value == "" || len(value) > maxLTIValueLen*2 {
		return fmt.Errorf("use %s: %w: empty or longer than %d bytes", kind, ErrInvalid, maxLTIValueLen*2)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		if _, err := tx.ExecContext(ctx, `DELETE FROM lti_used WHERE expires_at < $1`, now); err != nil {
			return classify(err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO lti_used (kind, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			string(kind), value, ms(expires))
		if err != nil {
			return classify(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrConflict
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("use %s: %w", kind, err)
	}
	return nil
}

// LTIContext is the course a launch comes from.
type LTIContext struct {
	Issuer, DeploymentID, ContextID string
	Title                           string // the course title the platform sends
}

// EnsureLTICourse finds the course created from an LMS context, creating it
// (with no owner: its instructors arrive by launch) the first time.
func (s *Store) EnsureLTICourse(ctx context.Context, lc LTIContext, timeZone string) (Course, error) {
	title := strings.TrimSpace(lc.Title)
	if title == "" {
		title = "LMS course " + lc.ContextID
	}
	if len(title) > maxNameLen {
		title = title[:maxNameLen]
		for !utf8Valid(title) {
			title = title[:len(title)-1]
		}
	}
	for _, f := range []struct{ name, v string }{{"issuer", lc.Issuer}, {"deployment id", lc.DeploymentID}, {"context id", lc.ContextID}} {
		if f.v == "" {
			return Course{}, fmt.Errorf("LTI course: %w: %s is empty", ErrInvalid, f.name)
		}
		if err := checkLen(f.name, f.v, maxLTIValueLen); err != nil {
			return Course{}, fmt.Errorf("LTI course: %w", err)
		}
	}
	if err := validZone(timeZone); err != nil {
		return Course{}, fmt.Errorf("LTI course: %w", err)
	}
	if _, err := s.write.ExecContext(ctx,
		`INSERT INTO courses (title, time_zone, created_at, lti_issuer, lti_deployment_id, lti_context_id) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (lti_issuer, lti_deployment_id, lti_context_id) DO NOTHING`,
		title, timeZone, ms(s.now()), lc.Issuer, lc.DeploymentID, lc.ContextID); err != nil {
		return Course{}, fmt.Errorf("LTI course %s: %w", lc.ContextID, classify(err))
	}
	c, err := scanCourse(s.write.QueryRowContext(ctx,
		`SELECT `+courseColumns+` FROM courses WHERE lti_issuer = $1 AND lti_deployment_id = $2 AND lti_context_id = $3`,
		lc.Issuer, lc.DeploymentID, lc.ContextID))
	if err != nil {
		return Course{}, fmt.Errorf("LTI course %s: %w", lc.ContextID, classify(err))
	}
	return c, nil
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// LTIPerson is who a launch names.
type LTIPerson struct {
	Issuer, Sub string
	Name, Email string
}

func (p *LTIPerson) validate() error {
	if p.Issuer == "" || p.Sub == "" {
		return fmt.Errorf("%w: an LTI identity needs an issuer and a sub", ErrInvalid)
	}
	for _, f := range []struct{ name, v string }{{"issuer", p.Issuer}, {"sub", p.Sub}} {
		if err := checkLen(f.name, f.v, maxLTIValueLen); err != nil {
			return err
		}
	}
	if len(p.Name) > maxNameLen {
		p.Name = ""
	}
	if len(p.Email) > maxNameLen || !strings.Contains(p.Email, "@") {
		p.Email = ""
	}
	return nil
}

// EnsureLTILearner finds the learner the platform knows as sub in the
// course, creating it the first time; a later launch refreshes the name
// and e-mail the platform sends.
func (s *Store) EnsureLTILearner(ctx context.Context, courseID int64, p LTIPerson) (Learner, error) {
	if err := p.validate(); err != nil {
		return Learner{}, fmt.Errorf("LTI learner: %w", err)
	}
	l, err := s.LearnerByLTI(ctx, courseID, p.Issuer, p.Sub)
	if err == nil {
		if p.Name != "" && (p.Name != l.Name || p.Email != l.Email) {
			if _, err := s.write.ExecContext(ctx, `UPDATE learners SET name = $1, email = $2 WHERE id = $3`,
				p.Name, nullString(p.Email), l.ID); err != nil {
				return Learner{}, fmt.Errorf("LTI learner %d: %w", l.ID, classify(err))
			}
			s.invalidateLearners(l.ID)
			l.Name, l.Email = p.Name, p.Email
		}
		return l, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Learner{}, err
	}
	name := p.Name
	if name == "" {
		name = "LMS learner " + p.Sub
		if len(name) > maxNameLen {
			name = name[:maxNameLen]
		}
	}
	l, err = s.CreateLearner(ctx, NewLearner{CourseID: courseID, Source: SourceLTI, Name: name, Email: p.Email, LTIIssuer: p.Issuer, LTISub: p.Sub})
	if errors.Is(err, ErrConflict) { // created by a concurrent launch
		return s.LearnerByLTI(ctx, courseID, p.Issuer, p.Sub)
	}
	return l, err
}

// EnsureLTIInstructor finds the instructor account of an LMS identity,
// creating it (with no e-mail and no password: it signs in only by launch,
// and an e-mail the platform asserts must not take over an existing
// account) the first time, and makes it an instructor of the course.
func (s *Store) EnsureLTIInstructor(ctx context.Context, courseID int64, p LTIPerson) (User, error) {
	if err := p.validate(); err != nil {
		return User{}, fmt.Errorf("LTI instructor: %w", err)
	}
	name := p.Name
	if name == "" {
		name = "LMS instructor"
	}
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO users (name, role, lti_issuer, lti_sub, created_at) VALUES ($1, $2, $3, $4, $5)
			 ON CONFLICT (lti_issuer, lti_sub) DO NOTHING`,
			name, string(RoleInstructor), p.Issuer, p.Sub, ms(s.now())); err != nil {
			return classify(err)
		}
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE lti_issuer = $1 AND lti_sub = $2`, p.Issuer, p.Sub))
		if err != nil {
			return classify(err)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO course_members (course_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (course_id, user_id) DO NOTHING`,
			courseID, u.ID, string(MemberInstructor), ms(s.now()))
		return classify(err)
	})
	if err != nil {
		return User{}, fmt.Errorf("LTI instructor in course %d: %w", courseID, err)
	}
	return u, nil
}

// LTILaunch is a verified launch, found again by its token.
type LTILaunch struct {
	PlatformID int64
	CourseID   int64
	LearnerID  int64 // 0 for an instructor launch
	UserID     int64 // 0 for a learner launch
	Target     string
	ExpiresAt  time.Time
}

// CreateLTILaunch stores a launch under token (only its hash is kept).
func (s *Store) CreateLTILaunch(ctx context.Context, token string, l LTILaunch) error {
	if token == "" {
		return fmt.Errorf("create launch: %w: empty token", ErrInvalid)
	}
	if err := checkLen("target", l.Target, maxLTIURLLen); err != nil {
		return fmt.Errorf("create launch: %w", err)
	}
	nullID := func(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		if _, err := tx.ExecContext(ctx, `DELETE FROM lti_launches WHERE expires_at < $1`, now); err != nil {
			return classify(err)
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO lti_launches (token_hash, platform_id, course_id, learner_id, user_id, target, created_at, expires_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			hashToken(token), l.PlatformID, l.CourseID, nullID(l.LearnerID), nullID(l.UserID), l.Target, now, ms(l.ExpiresAt))
		return classify(err)
	})
	if err != nil {
		return fmt.Errorf("create launch: %w", err)
	}
	return nil
}

// LTILaunchByToken returns the unexpired launch of token (ErrNotFound when
// unknown or expired).
func (s *Store) LTILaunchByToken(ctx context.Context, token string) (LTILaunch, error) {
	var l LTILaunch
	var learner, user sql.NullInt64
	var exp int64
	err := s.read.QueryRowContext(ctx,
		`SELECT platform_id, course_id, learner_id, user_id, target, expires_at FROM lti_launches WHERE token_hash = $1 AND expires_at >= $2`,
		hashToken(token), ms(s.now())).Scan(&l.PlatformID, &l.CourseID, &learner, &user, &l.Target, &exp)
	if err != nil {
		return LTILaunch{}, fmt.Errorf("launch by token: %w", classify(err))
	}
	l.LearnerID, l.UserID, l.ExpiresAt = learner.Int64, user.Int64, fromMS(exp)
	return l, nil
}

// BindLTICourse links an existing course to an LMS context on the first
// launch of one of its assignments from that context, and returns it. A
// course already linked to another context is ErrConflict: one Stride
// course follows one LMS course.
func (s *Store) BindLTICourse(ctx context.Context, courseID int64, lc LTIContext) (Course, error) {
	if lc.Issuer == "" || lc.DeploymentID == "" || lc.ContextID == "" {
		return Course{}, fmt.Errorf("bind course %d: %w: empty LTI context", courseID, ErrInvalid)
	}
	var c Course
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var iss, dep, cid sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT lti_issuer, lti_deployment_id, lti_context_id FROM courses WHERE id = $1`+s.dialect.forUpdate,
			courseID).Scan(&iss, &dep, &cid); err != nil {
			return classify(err)
		}
		switch {
		case !cid.Valid:
			if _, err := tx.ExecContext(ctx, `UPDATE courses SET lti_issuer = $1, lti_deployment_id = $2, lti_context_id = $3 WHERE id = $4`,
				lc.Issuer, lc.DeploymentID, lc.ContextID, courseID); err != nil {
				return classify(err) // ErrConflict: the context already has its own course
			}
		case iss.String != lc.Issuer || dep.String != lc.DeploymentID || cid.String != lc.ContextID:
			return ErrConflict
		}
		var err error
		c, err = scanCourse(tx.QueryRowContext(ctx, `SELECT `+courseColumns+` FROM courses WHERE id = $1`, courseID))
		return classify(err)
	})
	if err != nil {
		return Course{}, fmt.Errorf("bind course %d to LMS context: %w", courseID, err)
	}
	return c, nil
}

// AssignmentOfItem returns the assignment an item belongs to.
func (s *Store) AssignmentOfItem(ctx context.Context, itemID int64) (Assignment, error) {
	var aid int64
	if err := s.read.QueryRowContext(ctx, `SELECT assignment_id FROM assignment_items WHERE id = $1`, itemID).Scan(&aid); err != nil {
		return Assignment{}, fmt.Errorf("assignment of item %d: %w", itemID, classify(err))
	}
	return s.GetAssignment(ctx, aid)
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Course is a class an instructor runs.
type Course struct {
	ID        int64
	Title     string
	TimeZone  string // IANA zone dates are shown in
	CreatedBy int64  // 0 when the account was deleted
	CreatedAt time.Time
}

// NewCourse is what CreateCourse needs.
type NewCourse struct {
	Title    string
	TimeZone string
	// CreatedBy becomes the course's owner.
	CreatedBy int64
}

// MemberRole is an account's role in one course.
type MemberRole string

// Course roles. Any of them may see the course's data; the web layer
// decides what each may change.
const (
	MemberOwner      MemberRole = "owner"
	MemberInstructor MemberRole = "instructor"
	MemberAssistant  MemberRole = "assistant"
)

func validMemberRole(r MemberRole) bool {
	return r == MemberOwner || r == MemberInstructor || r == MemberAssistant
}

// courseCols lists the columns scanCourse reads, qualified with an alias.
func courseCols(p string) string {
	return p + "id, " + p + "title, " + p + "time_zone, COALESCE(" + p + "created_by, 0), " + p + "created_at"
}

var courseColumns = courseCols("")

func scanCourse(row rowScanner) (Course, error) {
	var c Course
	var created int64
	if err := row.Scan(&c.ID, &c.Title, &c.TimeZone, &c.CreatedBy, &created); err != nil {
		return Course{}, err
	}
	c.CreatedAt = fromMS(created)
	return c, nil
}

// CreateCourse adds a course and makes its creator the owner, in one
// transaction.
func (s *Store) CreateCourse(ctx context.Context, nc NewCourse) (Course, error) {
	title := strings.TrimSpace(nc.Title)
	if title == "" {
		return Course{}, fmt.Errorf("create course: %w: title is empty", ErrInvalid)
	}
	if err := checkLen("title", title, maxNameLen); err != nil {
		return Course{}, fmt.Errorf("create course: %w", err)
	}
	if err := validZone(nc.TimeZone); err != nil {
		return Course{}, fmt.Errorf("create course: %w", err)
	}
	var c Course
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		var err error
		c, err = scanCourse(tx.QueryRowContext(ctx,
			`INSERT INTO courses (title, time_zone, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING `+courseColumns,
			title, nc.TimeZone, nc.CreatedBy, now))
		if err != nil {
			return classify(err)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO course_members (course_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
			c.ID, nc.CreatedBy, string(MemberOwner), now)
		return classify(err)
	})
	if err != nil {
		return Course{}, fmt.Errorf("create course %q: %w", title, err)
	}
	return c, nil
}

// GetCourse returns the course with id.
func (s *Store) GetCourse(ctx context.Context, id int64) (Course, error) {
	c, err := scanCourse(s.read.QueryRowContext(ctx, `SELECT `+courseColumns+` FROM courses WHERE id = $1`, id))
	if err != nil {
		return Course{}, fmt.Errorf("get course %d: %w", id, classify(err))
	}
	return c, nil
}

// ListCourses returns every course (for admins), newest first.
func (s *Store) ListCourses(ctx context.Context) ([]Course, error) {
	return s.listCourses(ctx, `SELECT `+courseColumns+` FROM courses ORDER BY id DESC`)
}

// ListCoursesOf returns the courses userID is a member of, newest first.
func (s *Store) ListCoursesOf(ctx context.Context, userID int64) ([]Course, error) {
	return s.listCourses(ctx,
		`SELECT `+courseCols("c.")+` FROM courses c
		 JOIN course_members m ON m.course_id = c.id WHERE m.user_id = $1 ORDER BY c.id DESC`, userID)
}

func (s *Store) listCourses(ctx context.Context, query string, args ...any) ([]Course, error) {
	return queryAll(ctx, s.read, "list courses", scanCourse,
		query, args...)
}

// Member is an account's membership of a course.
type Member struct {
	CourseID int64
	User     User
	Role     MemberRole
}

// AddMember makes userID a member of courseID with role, or changes the
// role of an existing member.
func (s *Store) AddMember(ctx context.Context, courseID, userID int64, role MemberRole) error {
	if !validMemberRole(role) {
		return fmt.Errorf("add member: %w: role %q is not owner, instructor or assistant", ErrInvalid, role)
	}
	_, err := s.write.ExecContext(ctx,
		`INSERT INTO course_members (course_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (course_id, user_id) DO UPDATE SET role = excluded.role`,
		courseID, userID, string(role), ms(s.now()))
	if err != nil {
		return fmt.Errorf("add user %d to course %d: %w", userID, courseID, classify(err))
	}
	return nil
}

// RemoveMember removes userID from courseID (ErrNotFound when not a member).
func (s *Store) RemoveMember(ctx context.Context, courseID, userID int64) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM course_members WHERE course_id = $1 AND user_id = $2`, courseID, userID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("remove user %d from course %d: %w", userID, courseID, err)
	}
	return nil
}

// MemberRoleOf returns userID's role in courseID, or ErrNotFound when the
// account is not a member. Authorization asks this on every course route.
func (s *Store) MemberRoleOf(ctx context.Context, courseID, userID int64) (MemberRole, error) {
	var role string
	err := s.read.QueryRowContext(ctx,
		`SELECT role FROM course_members WHERE course_id = $1 AND user_id = $2`, courseID, userID).Scan(&role)
	if err != nil {
		return "", fmt.Errorf("role of user %d in course %d: %w", userID, courseID, classify(err))
	}
	return MemberRole(role), nil
}

// ListMembers returns a course's members with their accounts.
func (s *Store) ListMembers(ctx context.Context, courseID int64) ([]Member, error) {
	scan := func(row rowScanner) (Member, error) {
		var m Member
		var role, urole string
		var created int64
		var disabled sql.NullInt64
		u := &m.User
		if err := row.Scan(&role, &u.ID, &u.Email, &u.Name, &urole, &u.PasswordHash, &created, &disabled); err != nil {
			return Member{}, err
		}
		m.CourseID, m.Role = courseID, MemberRole(role)
		u.Role, u.CreatedAt, u.DisabledAt = Role(urole), fromMS(created), fromNullMS(disabled)
		return m, nil
	}
	return queryAll(ctx, s.read, fmt.Sprintf("list members of course %d", courseID), scan,
		`SELECT m.role, `+userCols("u.")+` FROM course_members m JOIN users u ON u.id = m.user_id
		 WHERE m.course_id = $1 ORDER BY u.id`, courseID)
}

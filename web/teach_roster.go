package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/stride-tutor/stride/internal/store"
)

// Roster upload bounds (README "Bounds").
const (
	// maxRosterBytes bounds one roster file.
	maxRosterBytes = 1 << 20
	// maxRosterRows is store.MaxRosterSize: one upload's learners.
	maxRosterRows = store.MaxRosterSize
	// maxRosterField bounds a name, id or e-mail (the store's limit).
	maxRosterField = 200
	// maxRosterColumns bounds the columns of a line; a roster has 3 that
	// matter, exports from school systems carry a few more.
	maxRosterColumns = 50
)

// rosterRow is one learner of an uploaded roster.
type rosterRow struct {
	Line  int // 1-based line in the file, for messages
	ID    string
	Name  string
	Email string
}

// rosterError is a problem with one line of a roster; Field is "" when it
// is the line as a whole.
type rosterError struct {
	Line  int
	Field string
	Msg   string
}

func (e *rosterError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d, %s: %s", e.Line, e.Field, e.Msg)
}

// errRosterTooLarge: the file is over maxRosterBytes.
var errRosterTooLarge = fmt.Errorf("the roster file is larger than %d bytes (1 MiB); split it and upload the parts one after the other", maxRosterBytes)

// rosterColumns maps the header names a roster may use (lower-cased, with
// spaces, dashes and underscores removed) to the field they fill.
var rosterColumns = map[string]string{
	"name": "name", "fullname": "name", "student": "name", "studentname": "name", "learner": "name",
	"firstname": "first", "givenname": "first", "first": "first",
	"lastname": "last", "surname": "last", "familyname": "last", "last": "last",
	"id": "id", "studentid": "id", "rosterid": "id", "sisid": "id", "idnumber": "id", "matriculationnumber": "id", "number": "id",
	"email": "email", "emailaddress": "email", "mail": "email",
}

func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.NewReplacer(" ", "", "-", "", "_", "", ".", "").Replace(h)
}

// parseRoster reads a roster CSV: a header line naming the columns (name,
// or first and last name; id; email; in any order, other columns ignored),
// then one learner a line. The separator is a comma, or a semicolon or tab
// when the header uses one (spreadsheets in many locales export those).
// When there is no id column, the e-mail is the id. Every learner needs a
// name and an id; ids are unique within the file.
func parseRoster(data []byte) ([]rosterRow, error) {
	if len(data) > maxRosterBytes {
		return nil, errRosterTooLarge
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a spreadsheet's UTF-8 mark
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		return nil, &rosterError{Line: line, Msg: "is not UTF-8 text; save the roster as \"CSV UTF-8\""}
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	switch {
	case bytes.Count(first, []byte(",")) > 0:
	case bytes.Count(first, []byte(";")) > 0:
		r.Comma = ';'
	case bytes.Count(first, []byte("\t")) > 0:
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, &rosterError{Line: 1, Msg: "the file is empty; the first line names the columns, e.g. name,id,email"}
	}
	if err != nil {
		return nil, csvError(err)
	}
	if len(header) > maxRosterColumns {
		return nil, &rosterError{Line: 1, Msg: fmt.Sprintf("has %d columns, the limit is %d", len(header), maxRosterColumns)}
	}
	col := map[string]int{}
	for i, h := range header {
		f, ok := rosterColumns[normHeader(h)]
		if !ok {
			continue
		}
		if j, dup := col[f]; dup {
			return nil, &rosterError{Line: 1, Field: strings.TrimSpace(h), Msg: fmt.Sprintf("column %d repeats column %d (%q)", i+1, j+1, header[j])}
		}
		col[f] = i
	}
	_, hasName := col["name"]
	_, hasFirst := col["first"]
	_, hasLast := col["last"]
	_, hasID := col["id"]
	_, hasEmail := col["email"]
	if !hasName && !hasFirst && !hasLast {
		return nil, &rosterError{Line: 1, Msg: "no name column: the first line must name the columns, e.g. name,id,email (or first name,last name,...)"}
	}
	if !hasID && !hasEmail {
		return nil, &rosterError{Line: 1, Msg: "no id or email column: each student needs an id (or an e-mail, used as the id)"}
	}
	get := func(rec []string, f string) string {
		i, ok := col[f]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []rosterRow
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) > maxRosterColumns {
			return nil, &rosterError{Line: line, Msg: fmt.Sprintf("has %d columns, the limit is %d", len(rec), maxRosterColumns)}
		}
		if blank(rec) {
			continue
		}
		row := rosterRow{Line: line, Name: get(rec, "name"), ID: get(rec, "id"), Email: get(rec, "email")}
		if row.Name == "" {
			row.Name = strings.TrimSpace(get(rec, "first") + " " + get(rec, "last"))
		}
		if !hasID {
			row.ID = strings.ToLower(row.Email)
		}
		for _, f := range []struct{ name, v string }{{"name", row.Name}, {"id", row.ID}, {"email", row.Email}} {
			if len(f.v) > maxRosterField {
				return nil, &rosterError{Line: line, Field: f.name, Msg: fmt.Sprintf("is %d bytes long, the limit is %d", len(f.v), maxRosterField)}
			}
			if strings.ContainsFunc(f.v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return nil, &rosterError{Line: line, Field: f.name, Msg: "contains a control character (a line break inside quotes?)"}
			}
		}
		switch {
		case row.Name == "":
			return nil, &rosterError{Line: line, Field: "name", Msg: "is empty; every student needs a name"}
		case row.ID == "" && hasID:
			return nil, &rosterError{Line: line, Field: "id", Msg: "is empty; every student needs an id"}
		case row.ID == "":
			return nil, &rosterError{Line: line, Field: "email", Msg: "is empty; without an id column the e-mail is the student's id"}
		case row.Email != "" && !strings.Contains(row.Email, "@"):
			return nil, &rosterError{Line: line, Field: "email", Msg: fmt.Sprintf("%q has no @", row.Email)}
		}
		if prev, dup := seen[row.ID]; dup {
			return nil, &rosterError{Line: line, Field: "id", Msg: fmt.Sprintf("%q is also the id on line %d; ids must be unique", row.ID, prev)}
		}
		seen[row.ID] = line
		if len(rows) == maxRosterRows {
			return nil, &rosterError{Line: line, Msg: fmt.Sprintf("more than %d students; the limit of one roster is %d", maxRosterRows, maxRosterRows)}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, &rosterError{Line: 2, Msg: "no students: the file has a header line but no student lines"}
	}
	return rows, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvError turns encoding/csv's error into a rosterError with its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
			msg = "a quote (\") is misplaced: quote a whole field, and double quotes inside it (\"\")"
		}
		return &rosterError{Line: pe.Line, Msg: fmt.Sprintf("column %d: %s", pe.Column, msg)}
	}
	return &rosterError{Line: 1, Msg: err.Error()}
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// csvCell protects a value written into a CSV that a spreadsheet will
// open: a leading =, +, -, @ (or tab, CR) would make it a formula.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

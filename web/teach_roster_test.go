package web

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseRoster(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []rosterRow
	}{
		{"plain", "name,id,email\nAda Lovelace,s1,ada@example.edu\nGrace Hopper,s2,\n",
			[]rosterRow{{2, "s1", "Ada Lovelace", "ada@example.edu"}, {3, "s2", "Grace Hopper", ""}}},
		{"any order, other columns, header spelling", "E-Mail;Section;Student ID;Full Name\r\nada@example.edu;A;s1;Ada\r\n",
			[]rosterRow{{2, "s1", "Ada", "ada@example.edu"}}},
		{"tabs, first and last name", "first name\tlast name\tid\nAda\tLovelace\t7\n",
			[]rosterRow{{2, "7", "Ada Lovelace", ""}}},
		{"no id column: e-mail is the id", "\ufeffname,email\nAda,Ada@Example.edu\n\n,,\nBob,bob@example.edu",
			[]rosterRow{{2, "ada@example.edu", "Ada", "Ada@Example.edu"}, {5, "bob@example.edu", "Bob", "bob@example.edu"}}},
		{"quoted fields", "name,id\n\"Lovelace, Ada\",\"s \"\"1\"\"\"\n",
			[]rosterRow{{2, `s "1"`, "Lovelace, Ada", ""}}},
	} {
		got, err := parseRoster([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: row %d = %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestParseRosterErrors(t *testing.T) {
	long := strings.Repeat("x", maxRosterField+1)
	var b strings.Builder
	b.WriteString("name,id\n")
	for i := 0; i <= maxRosterRows; i++ {
		b.WriteString("n,")
		b.WriteString(itoa(int64(i)))
		b.WriteString("\n")
	}
	for _, tc := range []struct {
		name  string
		in    string
		line  int
		field string
		msg   string
	}{
		{"empty", "", 1, "", "the file is empty"},
		{"no name column", "id,email\n1,a@b\n", 1, "", "no name column"},
		{"no id column", "name,section\nAda,A\n", 1, "", "no id or email column"},
		{"header only", "name,id\n", 2, "", "no students"},
		{"empty name", "name,id\nAda,1\n,2\n", 3, "name", "is empty"},
		{"empty id", "name,id\nAda,\n", 2, "id", "is empty"},
		{"empty e-mail as id", "name,email\nAda,\n", 2, "email", "is empty"},
		{"e-mail without @", "name,id,email\nAda,1,ada.example.edu\n", 2, "email", "has no @"},
		{"duplicate id", "name,id\nAda,1\nBob,2\nCy,1\n", 4, "id", "also the id on line 2"},
		{"long name", "name,id\n" + long + ",1\n", 2, "name", "the limit is 200"},
		{"bad quote", "name,id\nA\"da,1\n", 2, "", "quote"},
		{"repeated column", "name,id,Student ID\nAda,1,2\n", 1, "Student ID", "repeats column 2"},
		{"control character", "name,id\n\"Ada\nLovelace\",1\n", 2, "name", "control character"},
		{"not utf-8", "name,id\nAda,1\nB\xffb,2\n", 3, "", "UTF-8"},
		{"too many students", b.String(), maxRosterRows + 2, "", "the limit of one roster is 5000"},
		{"too many columns", "name,id" + strings.Repeat(",x", maxRosterColumns) + "\n", 1, "", "columns, the limit is 50"},
	} {
		_, err := parseRoster([]byte(tc.in))
		var re *rosterError
		if !errors.As(err, &re) {
			t.Errorf("%s: %v, want a rosterError", tc.name, err)
			continue
		}
		if re.Line != tc.line || re.Field != tc.field || !strings.Contains(re.Msg, tc.msg) {
			t.Errorf("%s: line %d field %q %q; want line %d field %q containing %q", tc.name, re.Line, re.Field, re.Msg, tc.line, tc.field, tc.msg)
		}
	}
	if _, err := parseRoster(make([]byte, maxRosterBytes+1)); !errors.Is(err, errRosterTooLarge) {
		t.Errorf("over-large roster: %v", err)
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"Ada": "Ada", "=HYPERLINK(1)": "'=HYPERLINK(1)", "+1": "'+1", "-x": "'-x", "@a": "'@a", "": ""} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseRoster: any input either fails with a line-numbered error or
// yields learners that obey every rule the store relies on.
func FuzzParseRoster(f *testing.F) {
	for _, s := range []string{
		"name,id,email\nAda,s1,ada@example.edu\n",
		"E-Mail;Student ID;Full Name\r\nada@example.edu;s1;Ada\r\n",
		"first name\tlast name\tid\nAda\tLovelace\t7\n",
		"\ufeffname,email\nAda,ada@example.edu\n\n,,\n",
		"name,id\n\"Lovelace, Ada\",\"s \"\"1\"\"\"\n",
		"name,id\nA\"da,1\n",
		"name,id\nAda,1\nCy,1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseRoster(data)
		if err != nil {
			var re *rosterError
			if !errors.As(err, &re) && !errors.Is(err, errRosterTooLarge) {
				t.Fatalf("error %v is neither a rosterError nor the size error", err)
			}
			if re != nil && re.Line < 1 {
				t.Fatalf("error without a line: %v", re)
			}
			return
		}
		if len(rows) == 0 || len(rows) > maxRosterRows {
			t.Fatalf("%d rows", len(rows))
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if r.Name == "" || r.ID == "" || seen[r.ID] {
				t.Fatalf("row %+v: empty or repeated", r)
			}
			seen[r.ID] = true
			for _, v := range []string{r.Name, r.ID, r.Email} {
				if len(v) > maxRosterField || !utf8.ValidString(v) || strings.TrimSpace(v) != v {
					t.Fatalf("row %+v: field %q breaks a bound", r, v)
				}
			}
			if r.Email != "" && !strings.Contains(r.Email, "@") {
				t.Fatalf("row %+v: e-mail without @", r)
			}
		}
	})
}

package dashboard

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"Ada":                        "Ada",
		"=HYPERLINK(\"http://x\")":   "'=HYPERLINK(\"http://x\")",
		"+1":                         "'+1",
		"-2+3":                       "'-2+3",
		"@SUM(A1)":                   "'@SUM(A1)",
		"\tcmd":                      "'\tcmd",
		"\r=1":                       "'\r=1",
		"O'Brien, Jr.":               "O'Brien, Jr.",
		"a=1":                        "a=1",
		"\u00a0=not a formula start": "\u00a0=not a formula start",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestGradebookGolden(t *testing.T) {
	learners := append([]store.Learner(nil), fixLearners...)
	// Names a student typed: a formula, a comma and quotes, a leading minus.
	learners[2].Name = `=HYPERLINK("http://evil.example","Cy")`
	learners[3].Name = `Dee, "the" -1`
	learners = append(learners, store.Learner{ID: 5, Name: "-5 Eve", Email: "@eve", RosterID: "+44", Source: store.SourceRoster})
	b := NewBuilder(Input{Policy: store.ScoreBest, LateCounts: true, Items: fixItems, Learners: learners})
	for _, a := range toStore(fixAttempts()) {
		b.Add(a)
	}
	r := b.Finish()
	var buf bytes.Buffer
	if err := WriteGradebook(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "gradebook.golden.csv")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("gradebook differs from %s:\n%s", golden, buf.String())
	}
	// Whatever the golden file says: it parses as CSV, one row per learner
	// plus the header, and no cell starts a formula.
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(learners)+1 {
		t.Fatalf("%d records for %d learners", len(recs), len(learners))
	}
	for _, rec := range recs {
		if len(rec) != len(recs[0]) {
			t.Errorf("ragged row %q", rec)
		}
		for _, cell := range rec[:4] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
}

func TestAttemptLines(t *testing.T) {
	as := toAttempts(fixAttempts()[:2])
	as[0].Late = true
	as[1].LiveSessionID = 3
	var buf bytes.Buffer
	lw := NewLineWriter(&buf, fixLearners)
	for _, a := range as {
		if err := lw.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	sc := bufio.NewScanner(&buf)
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	first, second := lines[0], lines[1]
	for k, want := range map[string]any{
		"id": 1.0, "learner_id": 1.0, "roster_id": "s1", "learner_name": "Ada", "item_id": 10.0,
		"part": "a", "verdict": "correct", "score": 1.0, "elapsed_ms": 10000.0, "late": true,
		"source": "page", "created_at": "2026-03-02T09:00:00.000Z", "diagnosis_code": "",
	} {
		if first[k] != want {
			t.Errorf("first line %s = %#v; want %#v", k, first[k], want)
		}
	}
	for k, want := range map[string]any{
		"diagnosis_code": "conv.flipped-kernel", "diagnosis_message": "message of conv.flipped-kernel",
		"answer": "1 2; 3 4", "read_as": "[[1,2],[3,4]]", "live_session_id": 3.0, "elapsed_ms": 20000.0,
	} {
		if second[k] != want {
			t.Errorf("second line %s = %#v; want %#v", k, second[k], want)
		}
	}
	// Unknown elapsed time is null, not 0.
	as[0].Elapsed = nil
	l := Line(as[0], nil)
	if l.ElapsedMS != nil || l.LearnerName != "" {
		t.Errorf("line %+v", l)
	}
}

func TestFormatting(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0 s", 42 * time.Second: "42 s", 185 * time.Second: "3 min 5 s", 3720 * time.Second: "1 h 2 min",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q; want %q", d, got, want)
		}
	}
	if got := Points(2.0 / 3); got != "0.667" {
		t.Errorf("Points(2/3) = %q", got)
	}
	if got := Percent(1.0 / 3); got != "33 %" {
		t.Errorf("Percent(1/3) = %q", got)
	}
	if got := Label(store.Learner{Name: "Cy", Source: store.SourceSelf}); got != "Cy (self-declared)" {
		t.Errorf("Label = %q", got)
	}
}

package dashboard

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// SafeCell makes a CSV cell safe to open in a spreadsheet: a cell that
// starts with =, +, -, @, a tab or a carriage return would be read as a
// formula (CSV injection), so it gets a leading apostrophe, which
// spreadsheets show as text and do not display. Learner names come from
// students (a self-declared name is typed on the shared link).
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// formatPoints writes a score with at most three decimals and no
// exponent, so spreadsheets read it as a number.
func formatPoints(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// ItemHeading is an item's column heading in the gradebook and the grid.
func ItemHeading(it ItemInfo) string {
	t := it.Title
	if t == "" {
		t = it.ExerciseID
	}
	return fmt.Sprintf("%d. %s", it.Position+1, t)
}

// WriteGradebook writes the gradebook CSV: a header, then one row per
// learner (in the report's order) with the roster id, name, e-mail, how the
// learner is known, a column per item (points under the score policy) and
// the total. Every text cell is made formula-safe.
func WriteGradebook(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	head := []string{"roster_id", "name", "email", "source"}
	for _, it := range r.Items {
		head = append(head, SafeCell(fmt.Sprintf("%s (%s pts)", ItemHeading(it.ItemInfo), formatPoints(it.Points))))
	}
	head = append(head, "total", "max")
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("gradebook: %w", err)
	}
	maxText := formatPoints(r.MaxPoints)
	rec := make([]string, 0, len(head))
	for _, row := range r.Rows {
		l := row.Learner
		rec = append(rec[:0], SafeCell(l.RosterID), SafeCell(l.Name), SafeCell(l.Email), string(l.Source))
		for _, c := range row.Cells {
			rec = append(rec, formatPoints(c.Score))
		}
		rec = append(rec, formatPoints(row.Total), maxText)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("gradebook: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("gradebook: %w", err)
	}
	return nil
}

// AttemptLine is one attempt in the JSON Lines export and the privacy
// export. Field names are stable: analysis scripts depend on them.
type AttemptLine struct {
	ID               int64   `json:"id"`
	LearnerID        int64   `json:"learner_id"`
	RosterID         string  `json:"roster_id,omitempty"`
	LearnerName      string  `json:"learner_name,omitempty"`
	AssignmentID     int64   `json:"assignment_id,omitempty"`
	ItemID           int64   `json:"item_id,omitempty"`
	ExerciseID       string  `json:"exercise_id"`
	ExerciseVersion  string  `json:"exercise_version,omitempty"`
	Seed             int64   `json:"seed"`
	Part             string  `json:"part"`
	Answer           string  `json:"answer"`
	ReadAs           string  `json:"read_as"`
	Verdict          string  `json:"verdict"`
	DiagnosisCode    string  `json:"diagnosis_code"`
	DiagnosisMessage string  `json:"diagnosis_message"`
	Score            float64 `json:"score"`
	HintsOpened      int     `json:"hints_opened"`
	ElapsedMS        *int64  `json:"elapsed_ms"`
	Late             bool    `json:"late"`
	Source           string  `json:"source"`
	LiveSessionID    int64   `json:"live_session_id,omitempty"`
	CreatedAt        string  `json:"created_at"` // RFC 3339, UTC, milliseconds
}

// Line turns a recorded attempt into its export form; l, when not nil,
// adds the learner's roster id and name.
func Line(a store.Attempt, l *store.Learner) AttemptLine {
	out := AttemptLine{
		ID: a.ID, LearnerID: a.LearnerID, AssignmentID: a.AssignmentID, ItemID: a.ItemID,
		ExerciseID: a.ExerciseID, ExerciseVersion: a.ExerciseVersion, Seed: a.Seed, Part: a.Part,
		Answer: a.Answer, ReadAs: a.ReadAs, Verdict: a.Verdict, DiagnosisCode: a.DiagnosisCode,
		DiagnosisMessage: a.DiagnosisMessage, Score: a.Score, HintsOpened: a.HintsOpened, Late: a.Late,
		Source: string(a.Source), LiveSessionID: a.LiveSessionID,
		CreatedAt: a.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
	}
	if a.Elapsed != nil {
		ms := a.Elapsed.Milliseconds()
		out.ElapsedMS = &ms
	}
	if l != nil {
		out.RosterID, out.LearnerName = l.RosterID, l.Name
	}
	return out
}

// LineWriter writes attempts as JSON Lines, one object per line, as they
// come: memory stays bounded whatever the number of attempts.
type LineWriter struct {
	enc      *json.Encoder
	learners map[int64]*store.Learner
}

// NewLineWriter writes to w, naming learners from the list.
func NewLineWriter(w io.Writer, learners []store.Learner) *LineWriter {
	m := make(map[int64]*store.Learner, len(learners))
	for i := range learners {
		m[learners[i].ID] = &learners[i]
	}
	return &LineWriter{enc: json.NewEncoder(w), learners: m}
}

// Write writes one attempt as a line.
func (lw *LineWriter) Write(a store.Attempt) error {
	if err := lw.enc.Encode(Line(a, lw.learners[a.LearnerID])); err != nil {
		return fmt.Errorf("attempt %d: %w", a.ID, err)
	}
	return nil
}

// FormatDuration writes a time for the dashboard: "42 s", "3 min 5 s",
// "1 h 2 min".
func FormatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	default:
		return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
	}
}

// Percent writes a share as a whole percentage.
func Percent(v float64) string {
	return strconv.FormatFloat(math.Round(v*100), 'f', 0, 64) + " %"
}

// Points writes a score in points as the gradebook does.
func Points(v float64) string { return formatPoints(v) }

// Label is a learner's name for the dashboard, marking self-declared ones
// (a name typed on the shared link, which no one checked).
func Label(l store.Learner) string {
	if l.Source == store.SourceSelf {
		return strings.TrimSpace(l.Name) + " (self-declared)"
	}
	return l.Name
}

package practice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v3"
)

// Bounds of a State, so that a posted state costs a bounded amount to read
// and apply.
const (
	// MaxStateBytes is the largest encoded State accepted.
	MaxStateBytes = 8 << 10
	// MaxDone is how many counted variants a skill remembers, so that
	// answering one of them again never raises its level.
	MaxDone = 16
	// maxName bounds exercise and part IDs inside a State.
	maxName = 64
	// maxAnswered bounds the parts recorded for the open variant.
	maxAnswered = 32
	// maxSeed is the largest seed Stride serves (exercises.MaxSeed).
	maxSeed = 1<<53 - 1
)

// State is one student's practice record. Its JSON form is what the
// browser keeps and posts back; keep it compact and versioned.
type State struct {
	// Version is 1.
	Version int `json:"v"`
	// Skills holds the skills with any evidence, by skill ID.
	Skills map[string]*SkillState `json:"skills,omitempty"`
}

// SkillState is the record of one skill.
type SkillState struct {
	Level Level `json:"level"`
	// Open is the variant being answered, with the parts answered so far.
	Open *Open `json:"open,omitempty"`
	// Done lists the last variants counted, as "exercise:seed", oldest
	// first.
	Done []string `json:"done,omitempty"`
	// Review is the FSRS card of a skill once mastered.
	Review *Card `json:"review,omitempty"`
	// Last is when the skill last had evidence, in Unix seconds.
	Last int64 `json:"last,omitempty"`
}

// Open is a variant in progress: which of its parts have a first answer,
// and whether any of those was a miss.
type Open struct {
	Exercise string   `json:"exercise"`
	Seed     uint64   `json:"seed"`
	Answered []string `json:"answered,omitempty"`
	Missed   bool     `json:"missed,omitempty"`
}

// Card is an FSRS card in compact form (times in Unix seconds).
type Card struct {
	Due        int64   `json:"due"`
	LastReview int64   `json:"last_review"`
	Stability  float64 `json:"s"`
	Difficulty float64 `json:"d"`
	Elapsed    uint64  `json:"elapsed,omitempty"`
	Scheduled  uint64  `json:"scheduled,omitempty"`
	Reps       uint64  `json:"reps"`
	Lapses     uint64  `json:"lapses,omitempty"`
	State      int8    `json:"state"`
}

func (c *Card) fsrs() fsrs.Card {
	return fsrs.Card{
		Due: time.Unix(c.Due, 0).UTC(), LastReview: time.Unix(c.LastReview, 0).UTC(),
		Stability: c.Stability, Difficulty: c.Difficulty, ElapsedDays: c.Elapsed, ScheduledDays: c.Scheduled,
		Reps: c.Reps, Lapses: c.Lapses, State: fsrs.State(c.State),
	}
}

func cardOf(f fsrs.Card) *Card {
	return &Card{Due: f.Due.Unix(), LastReview: f.LastReview.Unix(), Stability: f.Stability, Difficulty: f.Difficulty,
		Elapsed: f.ElapsedDays, Scheduled: f.ScheduledDays, Reps: f.Reps, Lapses: f.Lapses, State: int8(f.State)}
}

// FieldError names the field of a State that is out of bounds, in the
// API's JSON-path form ("skills.attention.done[3]").
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Decode reads and validates an encoded State: at most MaxStateBytes, no
// unknown fields, known skills, levels and sizes in range. An empty input
// or "null" is the empty State.
func Decode(data []byte) (State, error) {
	if len(data) > MaxStateBytes {
		return State{}, fieldErr("state", "is %d bytes; the limit is %d", len(data), MaxStateBytes)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return State{Version: 1}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var st State
	if err := dec.Decode(&st); err != nil {
		return State{}, fieldErr("state", "is not a practice state: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return State{}, fieldErr("state", "has data after the state object")
	}
	if err := st.Validate(); err != nil {
		return State{}, err
	}
	return st, nil
}

// Validate checks a State's bounds; Decode calls it.
func (st *State) Validate() error {
	if st.Version != 1 {
		return fieldErr("state.v", "is %d; this server reads version 1", st.Version)
	}
	known := map[string]bool{}
	for _, sk := range Skills() {
		known[sk.ID] = true
	}
	for id, s := range st.Skills {
		f := "state.skills." + id
		if !known[id] {
			return fieldErr(f, "is not a skill")
		}
		if s == nil {
			return fieldErr(f, "is null")
		}
		if s.Level < NotStarted || s.Level > Mastered {
			return fieldErr(f+".level", "is %d; levels are 0 to %d", s.Level, Mastered)
		}
		if len(s.Done) > MaxDone {
			return fieldErr(f+".done", "has %d entries; the limit is %d", len(s.Done), MaxDone)
		}
		for i, d := range s.Done {
			if len(d) == 0 || len(d) > maxName+21 {
				return fieldErr(f+".done["+strconv.Itoa(i)+"]", "must be \"exercise:seed\", at most %d characters", maxName+21)
			}
		}
		if o := s.Open; o != nil {
			if o.Exercise == "" || len(o.Exercise) > maxName {
				return fieldErr(f+".open.exercise", "must be an exercise ID of 1 to %d characters", maxName)
			}
			if o.Seed > maxSeed {
				return fieldErr(f+".open.seed", "is larger than the largest seed %d", uint64(maxSeed))
			}
			if len(o.Answered) > maxAnswered {
				return fieldErr(f+".open.answered", "has %d entries; the limit is %d", len(o.Answered), maxAnswered)
			}
			for i, p := range o.Answered {
				if p == "" || len(p) > maxName {
					return fieldErr(f+".open.answered["+strconv.Itoa(i)+"]", "must be a part ID of 1 to %d characters", maxName)
				}
			}
		}
		if c := s.Review; c != nil {
			switch {
			case !finite(c.Stability) || c.Stability < 0 || c.Stability > 1e6:
				return fieldErr(f+".review.s", "must be a stability from 0 to 1000000 days")
			case !finite(c.Difficulty) || c.Difficulty < 0 || c.Difficulty > 10:
				return fieldErr(f+".review.d", "must be a difficulty from 0 to 10")
			case c.State < int8(fsrs.New) || c.State > int8(fsrs.Relearning):
				return fieldErr(f+".review.state", "must be 0 to 3")
			case c.Reps > 1e6 || c.Lapses > 1e6 || c.Elapsed > 1e6 || c.Scheduled > 1e6:
				return fieldErr(f+".review", "has a count above 1000000")
			case c.Due < 0 || c.Due > maxUnix || c.LastReview < 0 || c.LastReview > maxUnix:
				return fieldErr(f+".review.due", "must be a time between 1970 and 9999")
			}
		}
		if s.Last < 0 || s.Last > maxUnix {
			return fieldErr(f+".last", "must be a time between 1970 and 9999")
		}
	}
	return nil
}

// maxUnix is 9999-12-31 in Unix seconds.
const maxUnix = 253402300799

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Encode writes the State in the form Decode reads.
func (st State) Encode() ([]byte, error) {
	if st.Version == 0 {
		st.Version = 1
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode practice state: %w", err)
	}
	return b, nil
}

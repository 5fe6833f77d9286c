// Package practice keeps a student's mastery of Stride's skills: a
// Khan-style level per skill (attempted, familiar, proficient, mastered),
// raised by a right first answer on a fresh variant and lowered by a
// mistake, with spaced review of mastered skills scheduled by FSRS.
//
// Everything here is a pure function of a State, the evidence and a clock:
// no storage, no HTTP. Anonymous students keep their State in the browser
// and post it to the server, which applies evidence and answers the new
// State; a signed-in student's State is the same value kept by the storage
// layer (one JSON document per learner), so the seam for accounts is
// Decode/Apply/Encode around a stored blob.
package practice

import (
	"fmt"
	"strings"
	"time"
)

// Level is a Khan-style mastery level.
type Level int

// The levels, in order. A skill starts NotStarted; any readable answer
// makes it Attempted; each right first answer on a fresh variant raises it
// one level, each mistake lowers it one (never below Attempted).
const (
	NotStarted Level = iota
	Attempted
	Familiar
	Proficient
	Mastered
)

var levelNames = [...]string{"not started", "attempted", "familiar", "proficient", "mastered"}

// String names the level for the page ("proficient").
func (l Level) String() string {
	if l < NotStarted || l > Mastered {
		return fmt.Sprintf("level %d", int(l))
	}
	return levelNames[l]
}

// Skill is one thing a student practises: which parts of which exercises
// are evidence for it, and which exercise "practise next" serves for it.
type Skill struct {
	ID, Name string
	// Description says in a sentence what the skill is.
	Description string
	// Serve is the exercise a practice variant of this skill comes from.
	Serve string
	// Evidence lists the exercises whose parts count for the skill.
	Evidence []Evidence
}

// Evidence selects parts of one exercise: every part, or only the parts
// whose ID starts with one of Prefixes.
type Evidence struct {
	Exercise string
	Prefixes []string
}

func (e Evidence) matches(exercise, part string) bool {
	if e.Exercise != exercise {
		return false
	}
	if len(e.Prefixes) == 0 {
		return true
	}
	for _, p := range e.Prefixes {
		if strings.HasPrefix(part, p) {
			return true
		}
	}
	return false
}

// Skills are Stride's practice skills in the recitation's order. Concept
// questions and self-checked explanations are no evidence: the first are
// recognition, the second are marked by the student.
func Skills() []Skill {
	return []Skill{
		{ID: "output-sizes", Name: "Output sizes", Serve: "conv-output-size",
			Description: "The output size of a convolution or pooling layer from its input, kernel, stride and padding.",
			Evidence:    []Evidence{{Exercise: "conv-output-size"}, {Exercise: "conv-by-hand", Prefixes: []string{"dims"}}}},
		{ID: "conv-by-hand", Name: "Convolution by hand", Serve: "conv-by-hand",
			Description: "Output cells of a convolution worked out by hand, with and without padding.",
			Evidence:    []Evidence{{Exercise: "conv-by-hand", Prefixes: []string{"cell", "bottom-right", "output"}}}},
		{ID: "shape-tables", Name: "Shape tables", Serve: "cnn-shape-table",
			Description: "The output shape of every layer of a CNN, and its diagram.",
			Evidence:    []Evidence{{Exercise: "cnn-shape-table"}, {Exercise: "cnn-diagram"}}},
		{ID: "parameter-counts", Name: "Parameter counts", Serve: "cnn-parameters",
			Description: "The weights and biases of convolutional and fully connected layers, and their shares.",
			Evidence:    []Evidence{{Exercise: "cnn-parameters"}}},
		{ID: "attention", Name: "Attention", Serve: "attention-parameters",
			Description: "The projection shapes and parameter counts of multi-head attention.",
			Evidence:    []Evidence{{Exercise: "attention-parameters"}}},
		{ID: "rnn-shapes", Name: "RNN shapes", Serve: "rnn-shapes",
			Description: "The shapes and parameter count of a vanilla RNN's weight matrices.",
			Evidence:    []Evidence{{Exercise: "rnn-shapes"}}},
		{ID: "rnn-forward", Name: "RNN forward", Serve: "rnn-forward",
			Description: "Hidden states and outputs of an RNN computed step by step.",
			Evidence:    []Evidence{{Exercise: "rnn-forward"}}},
	}
}

// Outcome is how a part was answered, as the check API reports it.
type Outcome string

// The outcomes that count. Blank and unreadable answers are no evidence;
// a revealed answer counts as a mistake (the student did not find it).
const (
	Correct   Outcome = "correct"
	Incorrect Outcome = "incorrect"
	Revealed  Outcome = "revealed"
)

// Check is the evidence of one check of one variant: the outcome of every
// part answered (other statuses are ignored), and the parts of the variant
// that Stride checks (all of them must be answered right for the variant
// to count as done right).
type Check struct {
	Exercise string
	Seed     uint64
	Parts    map[string]Outcome
	// Checked lists the variant's parts Stride marks (not self-checked).
	Checked []string
}

// Clock gives the time; tests pass a fixed one.
type Clock func() time.Time

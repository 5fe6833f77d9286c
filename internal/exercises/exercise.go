// Package exercises turns the recitation into practice: each exercise
// generates a variant from a seed (seed 0 is the recitation's own numbers),
// asks for its parts, reads the student's answers, checks them against
// internal/compute, and names the mistake when an answer is wrong.
//
// Text in prompts, hints, feedback and solutions may hold inline math
// between dollar signs ($d_k (d_{model} + 1)$); the web layer renders it.
package exercises

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// MaxSeed is the largest seed accepted, the largest integer JavaScript
// represents exactly, so seeds survive a round trip through any page.
const MaxSeed = 1<<53 - 1

// Kind is the kind of answer a part expects; it decides how the answer is
// read and which input the page shows.
type Kind string

// The answer kinds.
const (
	KindInteger        Kind = "integer"
	KindNumber         Kind = "number"
	KindShape          Kind = "shape"
	KindMatrix         Kind = "matrix"
	KindFormula        Kind = "formula"
	KindSingleChoice   Kind = "single-choice"
	KindMultipleChoice Kind = "multiple-choice"
	KindSelfCheck      Kind = "self-check"
	// KindDiagram is a diagram to build: Slots positions, each a block
	// chosen from Options and labelled with a shape. Its answer text is
	// "block=shape; block=shape; …".
	KindDiagram Kind = "diagram"
)

// Status is the verdict on one part.
type Status string

// The verdicts. Invalid means the answer could not be read; it never counts
// as a wrong attempt. Revealed is for self-check parts: the student wrote an
// answer and now compares it with the model answer and marks it themselves.
const (
	StatusCorrect   Status = "correct"
	StatusIncorrect Status = "incorrect"
	StatusInvalid   Status = "invalid"
	StatusBlank     Status = "blank"
	StatusRevealed  Status = "revealed"
)

// Exercise is one entry of the catalog. Its ID is public and stable:
// instructors link to it.
type Exercise struct {
	ID    string
	Title string
	// Section is the recitation section it comes from, like "3.2".
	Section string
	// SectionTitle names that section, like "Dance Dance Convolution".
	SectionTitle string
	// Summary is one sentence for the catalog.
	Summary string
	// Beyond marks exercises that go beyond the recitation itself.
	Beyond bool
	// Domain is the first half of the exercise's diagnosis codes, like
	// "conv" in "conv.flipped-kernel". Codes are public and stable.
	Domain string
	// Version is empty for a built-in exercise. For an authored exercise
	// (one read from a file, see internal/authoring) it names the file's
	// content: a changed file makes a new version, and an assignment item
	// keeps the version it was created with.
	Version string
	// Source names where an authored exercise came from (its file name);
	// empty for built-ins.
	Source string
	// generate builds the variant for a seed; it must succeed for every
	// seed from 0 to MaxSeed.
	generate func(seed uint64, rng *rand.Rand) (*Variant, error)
	// outlines keeps the part outlines Outline needs a variant for
	// (outline.go).
	outlines outlineMemo
}

// Variant generates the exercise's variant for seed.
func (e *Exercise) Variant(seed uint64) (*Variant, error) {
	if seed > MaxSeed {
		return nil, fmt.Errorf("seed %d is larger than the largest seed %d", seed, uint64(MaxSeed))
	}
	// Seed the generator from the exercise ID too, so two exercises with
	// the same seed do not draw the same numbers.
	var h uint64 = 14695981039346656037
	for i := 0; i < len(e.ID); i++ {
		h = (h ^ uint64(e.ID[i])) * 1099511628211
	}
	rng := rand.New(rand.NewPCG(seed, h))
	v, err := e.generate(seed, rng)
	if err != nil {
		return nil, fmt.Errorf("exercise %s, seed %d: %w", e.ID, seed, err)
	}
	v.Exercise = e
	v.Seed = seed
	for _, p := range v.Parts {
		p.domain = e.Domain
	}
	v.setExamples()
	return v, nil
}

// Variant is one concrete instance of an exercise: its numbers, its prompt
// and its parts with their expected answers.
type Variant struct {
	Exercise *Exercise
	Seed     uint64
	// Intro is the problem statement shown above the parts.
	Intro []Block
	// Parts are asked in order.
	Parts []*Part
	// Data is the variant's data in a form fit for JSON clients (the image
	// and filter, the network, the sizes). It never holds answers.
	Data any
	// Animations are the convolutions or poolings the variant is about;
	// the player replays them step by step.
	Animations []Animation
	// TableLayout asks for the parts as the rows of one table (the CNN
	// shape table) rather than as separate questions.
	TableLayout bool
	// TableInput is the input row of such a table (the given shape).
	TableInput string
	// crossCheck, when set, revises per-part verdicts with knowledge of the
	// other parts (follow-through marking in the shape table).
	crossCheck func(answers map[string]string, verdicts map[string]*Verdict)
}

// Part is one question of a variant.
type Part struct {
	ID string
	// Label is a short name for the part ("Output size", "maxpool-1"); it
	// may hold inline math ("Shape of $W_{hx}$").
	Label string
	// Prompt asks the question, with inline math.
	Prompt string
	Kind   Kind
	// Placeholder shows the expected format in an empty input.
	Placeholder string
	// Format explains in words how to write the answer and, for numbers,
	// the tolerance ("to two decimal places").
	Format string
	// Hints are revealed one at a time.
	Hints []string
	// Solution is the worked solution, one step per entry, with the
	// arithmetic written out.
	Solution []string
	// Answer is the expected answer as the page shows it after solving; it
	// may hold inline math.
	Answer string
	// Input is an answer text the checker accepts, as a student would type
	// it (option IDs, comma-separated, for choice parts; empty for
	// self-check parts). Tests use it, and so does "fill in the answer".
	Input string
	// Options are the choices of a single- or multiple-choice part.
	Options []Option
	// Slots is the number of positions of a diagram part.
	Slots int
	// Rows and Cols size the input grid of a matrix part.
	Rows, Cols int
	// ModelAnswer and Checklist belong to self-check parts.
	ModelAnswer string
	Checklist   []string
	// Animation is the index into Variant.Animations that replays this
	// part, or -1.
	Animation int
	// FocusStep, when set, is the trace step (of Animation) that computes
	// the single output cell this part asks for, so a wrong answer can
	// replay exactly that cell.
	FocusStep *int
	// Diagram, when set, is drawn with the worked solution.
	Diagram *NetworkDiagram
	// RNNDiagram, when set, is drawn with the worked solution.
	RNNDiagram *RNNDiagram

	check checker
	// example is an answer of the part's kind that is no answer of the
	// variant, for format lines and parse errors (see examples.go).
	example string
	// domain prefixes the part's diagnosis codes ("conv" makes
	// "conv.flipped-kernel"); Exercise.Variant sets it.
	domain string
	// mathReadAs marks a part whose read-as echo is a formula although
	// its kind is not (a shape whose dimensions are formulas).
	mathReadAs bool
}

// Option is one choice of a choice part.
type Option struct {
	ID   string
	Text string
}

// Animation is a convolution or pooling the player can replay step by step.
type Animation struct {
	// Label names it for the page ("no padding, stride 1").
	Label string
	// Op is "conv2d", "maxpool2d" or "avgpool2d".
	Op string
	// Input is C×H×W; Kernel is O×C×kH×kW for conv2d.
	Input  [][][]float64
	Kernel [][][][]float64
	Bias   []float64
	// KernelSize is the pooling window; Stride, Padding, Dilation are
	// [height, width].
	KernelSize, Stride, Padding, Dilation [2]int
	// ExcludePadding is avgpool2d's count_include_pad=False: a window's
	// mean leaves the padding out.
	ExcludePadding bool
	// Illustrative marks an animation on made-up data (a patch that only
	// shows how a layer works): it gives no answer away, so it is shown
	// before any attempt. Any other animation shows the answers of the
	// parts that replay it and opens only once they are attempted.
	Illustrative bool
}

// Attempted reports whether a verdict counts as an attempt: a readable
// answer, right or wrong. Attempts and explicit reveals open a part's
// worked solution and the replays that would show its answer.
func (vd Verdict) Attempted() bool {
	return vd.Status == StatusCorrect || vd.Status == StatusIncorrect || vd.Status == StatusRevealed
}

// Block is one element of a prompt: a paragraph, a grid of numbers, a table
// or a diagram. Exactly one field is set.
type Block struct {
	Text    string
	Grid    *Grid
	Table   *Table
	Network *NetworkDiagram
	RNN     *RNNDiagram
}

// Grid is a labelled matrix of numbers, like an image or a filter; the
// label may hold inline math.
type Grid struct {
	Label string
	Cells [][]float64
}

// Table is a small table with a caption; cells may hold inline math.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// NetworkDiagram is a feed-forward network drawn as a row of boxes, one per
// tensor, labelled with the operation that produced it.
type NetworkDiagram struct {
	Caption string
	Stages  []NetworkStage
}

// NetworkStage is one tensor in a NetworkDiagram.
type NetworkStage struct {
	// Op is the operation that produced the tensor ("conv 17×17").
	Op string
	// Shape is C×H×W or a flat length.
	Shape []int
}

// RNNDiagram draws the recitation's Elman RNN, rolled and unrolled.
type RNNDiagram struct {
	Caption                         string
	InputSize, HiddenSize, OutSize  int
	Steps                           int
	HiddenActivation, OutActivation string
}

// Verdict is the outcome of checking one part.
type Verdict struct {
	Status Status
	// Feedback explains the verdict; for a recognised mistake it names the
	// mistake and how to fix it.
	Feedback string
	// ReadAs says how the answer was read ("read as 12 channels of 48×48").
	ReadAs string
	// Mistake is the stable code of the diagnosed mistake, if any, like
	// "conv.flipped-kernel": the exercise's domain, a dot, the mistake.
	Mistake string
	// Mistakes lists every code the answer fits when it fits several; the
	// first is Mistake.
	Mistakes []string
	// Consistent marks an answer that is wrong but follows correctly from
	// the student's own wrong answer to an earlier part; it earns full
	// credit for the step the part asks for.
	Consistent bool
	// Credit is the part's score, from 0 to 1: 1 for a right answer and
	// for a right step from a wrong earlier answer, a share for a partly
	// right answer (the positions of a diagram), 0 otherwise.
	Credit float64
	// WrongCells lists [row, col] of wrong cells of a right-sized matrix.
	WrongCells [][2]int
	// Got is the student's value of the first wrong cell, when there is one.
	Got *float64
	// unreadable is the parser's message for an answer it could not read.
	unreadable string
}

// Result is the outcome of checking a whole variant.
type Result struct {
	Parts map[string]Verdict
	// Score adds up the credit of the parts Stride checks; Max counts those
	// parts (self-check parts are marked by the student). Correct counts
	// the right answers and Carried the parts credited as right steps from
	// a wrong earlier answer, so Score = Correct + Carried + the partial
	// credit of parts partly right.
	Score            float64
	Max              int
	Correct, Carried int
}

// Part returns the part with the given ID.
func (v *Variant) Part(id string) (*Part, bool) {
	for _, p := range v.Parts {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// UnknownPartError reports an answer for a part the variant does not have.
type UnknownPartError struct {
	PartID string
	Known  []string
}

// Error names the unknown part and lists the variant's parts.
func (e *UnknownPartError) Error() string {
	return fmt.Sprintf("unknown part %q; this exercise has parts %v", e.PartID, e.Known)
}

// maxAnswerBytes bounds the text of one answer; longer answers are invalid.
const maxAnswerBytes = 4096

// Check reads and checks every answer. Parts without an answer are blank.
// An answer for a part the variant lacks is an *UnknownPartError.
func (v *Variant) Check(answers map[string]string) (Result, error) {
	// The error names the first unknown part in sorted order; finding it
	// needs no sorted copy of the keys, and a check with none allocates
	// nothing for it.
	unknown, found := "", false
	for id := range answers {
		if _, ok := v.Part(id); !ok && (!found || id < unknown) {
			unknown, found = id, true
		}
	}
	if found {
		ids := make([]string, len(v.Parts))
		for i, p := range v.Parts {
			ids[i] = p.ID
		}
		return Result{}, &UnknownPartError{PartID: unknown, Known: ids}
	}
	// One array holds every verdict; a cross-check sees them through a
	// map (built only for the exercises that have one).
	all := make([]Verdict, len(v.Parts))
	for i, p := range v.Parts {
		all[i] = p.Check(answers[p.ID])
	}
	if v.crossCheck != nil {
		verdicts := make(map[string]*Verdict, len(v.Parts))
		for i, p := range v.Parts {
			verdicts[p.ID] = &all[i]
		}
		v.crossCheck(answers, verdicts)
	}
	res := Result{Parts: make(map[string]Verdict, len(v.Parts))}
	for i, p := range v.Parts {
		vd := all[i]
		if p.Kind == KindSelfCheck {
			res.Parts[p.ID] = vd
			continue
		}
		res.Max++
		switch {
		case vd.Status == StatusCorrect:
			vd.Credit = 1
			res.Correct++
		case vd.Consistent:
			vd.Credit = 1
			res.Carried++
		case vd.Status == StatusIncorrect && vd.Credit > 0 && vd.Credit < 1:
			// Partial credit the part's checker gave (diagram positions).
		default:
			vd.Credit = 0
		}
		res.Parts[p.ID] = vd
		res.Score += vd.Credit
	}
	return res, nil
}

// Check reads and checks one answer.
func (p *Part) Check(text string) Verdict {
	if isBlank(text) {
		return Verdict{Status: StatusBlank, Feedback: "No answer yet."}
	}
	if len(text) > maxAnswerBytes {
		return Verdict{Status: StatusInvalid, Feedback: fmt.Sprintf("This answer is longer than %d characters; it cannot be an answer to this part.", maxAnswerBytes)}
	}
	vd := p.check.check(text)
	if vd.unreadable != "" {
		// The parser's words, then how to write an answer to this part.
		vd.Feedback = "Stride could not read this answer: " + vd.unreadable + "."
		if p.example != "" {
			vd.Feedback += " Write it like " + p.example + "."
		}
		vd.Feedback += " It does not count as an attempt."
	}
	if vd.Mistake != "" {
		vd.Mistake = p.code(vd.Mistake)
		codes := make([]string, len(vd.Mistakes))
		for i, c := range vd.Mistakes {
			codes[i] = p.code(c)
		}
		vd.Mistakes = codes
	}
	if p.Kind == KindFormula || p.mathReadAs {
		vd.ReadAs = mathReadAs(vd.ReadAs)
	}
	return vd
}

// mathReadAs marks what follows "read as " in the echo of a formula as
// inline math, so pages render it like every other formula ("read as
// $d_{model}·d_k$") instead of showing its TeX spelling.
func mathReadAs(s string) string {
	if rest, ok := strings.CutPrefix(s, "read as "); ok && rest != "" && !strings.Contains(rest, "$") {
		return "read as $" + rest + "$"
	}
	return s
}

// code turns a checker's mistake ID into the part's stable diagnosis code.
func (p *Part) code(id string) string {
	if p.domain == "" || strings.Contains(id, ".") {
		return id
	}
	return p.domain + "." + id
}

func isBlank(s string) bool {
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0':
		default:
			return false
		}
	}
	return true
}

// invalid builds the verdict for an answer that could not be read.
func invalid(err error) Verdict {
	var pe *answer.ParseError
	msg := err.Error()
	if asParseError(err, &pe) {
		msg = pe.Message
	}
	// Part.Check writes the feedback, with an example for the part.
	return Verdict{Status: StatusInvalid, unreadable: msg}
}

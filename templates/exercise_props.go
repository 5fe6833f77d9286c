package templates

import (
	"html"
	"html/template"
	"strings"
)

// ExercisePageProps is everything an exercise page shows. Text fields of
// type template.HTML were rendered (and escaped) by the server's math
// renderer; plain strings are escaped by templ.
type ExercisePageProps struct {
	Links        Links
	ID           string
	Title        string
	Section      string
	SectionTitle string
	Seed         uint64
	// Recitation is true for seed 0, the recitation's own numbers.
	Recitation bool
	// FormAction is where the no-JavaScript form posts.
	FormAction string
	// CheckURL is the JSON endpoint JavaScript checks against.
	CheckURL string
	// NewVariantURL links to a fresh seed; RecitationURL to seed 0.
	NewVariantURL string
	RecitationURL string
	// ShareURL is this variant's address, for copying.
	ShareURL string
	Intro    []BlockView
	Parts    []PartView
	// TableLayout renders the parts as rows of one table whose first row
	// is TableInput.
	TableLayout bool
	TableInput  string
	// Checked is true when the page shows verdicts of a submission.
	Checked bool
	// ScoreText reports the score after a check, like "Score: 7 of 8
	// (6 right, 1 credited as a right step from an earlier answer).".
	ScoreText string
	// Embedded drops the site chrome for iframes.
	Embedded bool
	// EmbedSnippet is the iframe code offered in the "Embed" disclosure.
	EmbedSnippet string
	// Player replays the variant's convolutions and poolings, if any.
	Player *PlayerProps
	// Learn is set on an exercise inside an assignment (learn.templ): the
	// page then drops the variant links and the share box, and the form
	// posts to the assignment with the fields a recorded check needs.
	Learn *LearnBar
}

// BlockView is one element of a prompt; exactly one field is set.
type BlockView struct {
	Text  template.HTML
	Grid  *GridView
	Table *TableView
	RNN   *RNNDiagramView
}

// GridView is a labelled matrix of numbers; the label was rendered by the
// math renderer.
type GridView struct {
	Label template.HTML
	Rows  [][]string
}

// TableView is a small table; cells were rendered by the math renderer.
type TableView struct {
	Caption template.HTML
	Header  []template.HTML
	Rows    [][]template.HTML
}

// PartView is one question with the student's answer and its verdict.
type PartView struct {
	ID string
	// Label is the plain-Unicode name of the part (for attributes);
	// LabelHTML the same rendered with its math.
	Label       string
	LabelHTML   template.HTML
	Prompt      template.HTML
	Kind        string
	Placeholder string
	Format      template.HTML
	// Value is what the student typed (echoed back, escaped by templ).
	Value string
	// Matrix parts: the grid size and the typed cells.
	Rows, Cols int
	Cells      [][]string
	// Choice parts; for a diagram part, the blocks to choose from.
	Options []OptionView
	// Diagram parts: one position per slot, with what the student chose.
	Slots []DiagramSlotView
	// Self-check parts.
	ModelAnswer template.HTML
	Checklist   []template.HTML
	SelfMark    string
	Verdict     *VerdictView
	Hints       []template.HTML
	Solution    []template.HTML
	Answer      template.HTML
	// SolutionOpen shows the worked solution (after a correct answer).
	SolutionOpen bool
	// SolutionLocked is set before an attempt at the part: Solution,
	// Answer and the diagrams are left out of the page, and a "show the
	// worked solution" button (recorded as a reveal) stands in for them.
	SolutionLocked bool
	// Revealed records that the student asked for the solution.
	Revealed bool
	// RevealBlocked (inside an assignment whose solutions do not open on
	// request) drops the "show the worked solution" button.
	RevealBlocked bool
	// LiveUnrevealed (a live session's page rendered with the answer
	// revealed) adds, beside the worked solution and the model answer,
	// inert <template data-live-unrevealed> markup of what the part shows
	// before the reveal, which live.js puts back when the instructor hides
	// the answer (docs/LIVE.md). It depends only on the part, never on
	// the student.
	LiveUnrevealed bool
	// Note is a line under the verdict, like "2 of 3 attempts left.".
	Note string
	// GridLocked asks for a matrix as text: the grid's size would give away
	// the answer to a size part not attempted yet.
	GridLocked bool
	// Animation is the index of the player animation that replays this
	// part, or -1; FocusStep the step of the cell it asks for, or -1.
	Animation, FocusStep int
	Diagram              *NetworkDiagramView
	RNNDiagram           *RNNDiagramView
}

// DiagramSlotView is one position of a diagram part: the block chosen (an
// option ID) and the shape written.
type DiagramSlotView struct {
	Block, Shape string
}

// OptionView is one choice.
type OptionView struct {
	ID      string
	Text    template.HTML
	Checked bool
}

// VerdictView is the outcome of checking a part.
type VerdictView struct {
	Status     string
	Headline   string
	Feedback   template.HTML
	ReadAs     template.HTML
	Consistent bool
	// Credit is the part's score in words ("1 of 1 point"); empty for
	// parts Stride does not score.
	Credit string
	// WrongCells are "r-c" keys of wrong matrix cells.
	WrongCells map[string]bool
	// ShowCellStep and Got drive "show me this cell": the trace step of
	// the first wrong cell (or -1) and the student's value there.
	ShowCellStep int
	Got          string
}

// NetworkDiagramView is a laid-out drawing of a feed-forward network.
type NetworkDiagramView struct {
	// ID is unique on the page; the SVG's title and arrow marker derive
	// their IDs from it.
	ID      string
	Caption string
	// Class is added to the figure (font sizes per kind of diagram).
	Class         string
	Width, Height int
	Boxes         []DiagramBox
	Arrows        []DiagramLine
}

// DiagramBox is one labelled box of a diagram.
type DiagramBox struct {
	X, Y, W, H int
	// Title and Subtitle are written inside or under the box.
	Title, Subtitle string
	TextX, TextY    int
	Class           string
}

// DiagramLine is an arrow from (X1, Y1) to (X2, Y2), optionally labelled.
type DiagramLine struct {
	X1, Y1, X2, Y2 int
	Label          string
	LabelX, LabelY int
	// Anchor is the label's text-anchor: "start" or "middle" (default).
	Anchor string
	// Path, when set, is an SVG path used instead of the straight line.
	Path string
}

// RNNDiagramView draws an RNN rolled and unrolled.
type RNNDiagramView struct {
	Caption  string
	Rolled   NetworkDiagramView
	Unrolled NetworkDiagramView
}

// plainText is rendered HTML as plain text, for places that hold no markup,
// like the options of a select box: tags dropped, entities decoded (templ
// escapes the result again).
func plainText(h template.HTML) string {
	var b strings.Builder
	inTag := false
	for _, r := range string(h) {
		switch {
		case r == '<':
			inTag = true
		case r == '>':
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(html.UnescapeString(b.String()))
}

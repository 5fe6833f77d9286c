package templates

import "strconv"

// The instructor dashboard's pages. Every value is ready to show (the
// handlers format numbers and build links), so the templates only lay out.

// DashCrumb is a link in the dashboard's breadcrumb trail.
type DashCrumb struct {
	Label, Href string
}

// DashChart is a bar chart laid out by internal/dashboard, drawn as SVG
// with a title and description; Rows are the same numbers as a table.
type DashChart struct {
	ID            string // unique on the page; prefixes the title and desc ids
	Title, Desc   string
	Width, Height float64
	Horizontal    bool
	Baseline      float64
	Bars          []DashBar
	// Caption and headings of the table equivalent.
	LabelHeading, ValueHeading string
	Rows                       []DashChartRow
}

// DashBar is one bar with its labels.
type DashBar struct {
	X, Y, W, H     float64
	Label          string
	LabelX, LabelY float64
	Value          string
	ValueX, ValueY float64
}

// DashChartRow is a row of a chart's table equivalent.
type DashChartRow struct {
	Label, Value string
}

// DashColumn is a sortable column heading of the grid.
type DashColumn struct {
	Label string
	Href  string // the page sorted by this column (the other way round when it is the current one)
	// AriaSort is "ascending", "descending" or "" (not sorted by it).
	AriaSort string
}

// DashPartLink is a part in the item summary, with its key numbers.
type DashPartLink struct {
	Label, Href                   string
	Learners                      string
	FirstCorrect, EventualCorrect string
	Wrong                         string
}

// DashItem is one item's summary under the grid.
type DashItem struct {
	Heading    string
	Points     string
	Completion string // "3 of 40 (8 %)"
	MedianTime string // "—" when unknown
	Parts      []DashPartLink
}

// DashCell is one learner's work on one item.
type DashCell struct {
	Score    string
	Attempts string
	Status   string // "done", "done late", "started", "not started"
	// Class styles the status: "done", "late", "started" or "none". The
	// template writes each case's class attribute as a literal, the cell
	// written out in each: templ's processing of a computed class, then a
	// component call per cell, were a third of rendering 8,000 cells.
	Class string
}

// DashRow is one learner's line of the grid.
type DashRow struct {
	Name     string
	Href     string
	Cells    []DashCell
	Total    string
	Attempts string
	Last     string
}

// DashMistake is a row of a mistake table.
type DashMistake struct {
	Code    string // "" for undiagnosed wrong answers
	Message string
	Count   string
	Share   string
}

// DashboardOverviewProps is the assignment overview.
type DashboardOverviewProps struct {
	Links   Links
	Crumbs  []DashCrumb
	Title   string
	Facts   []DashFact
	Columns []DashColumn // learner, each item, total, attempts, last activity
	// SortNote says how the grid is sorted, for the table caption.
	SortNote     string
	Rows         []DashRow
	Items        []DashItem
	Histogram    DashChart
	MistakeChart DashChart
	Mistakes     []DashMistake
	GradebookURL string
	AttemptsURL  string
	// LMSURL is the course's LMS grade sync page (web/lti_ags.go).
	LMSURL string
}

// DashFact is a labelled number in a summary list.
type DashFact struct {
	Term, Value string
}

// DashWrong is a common wrong answer.
type DashWrong struct {
	ReadAs, Example, Code, Count, Share string
}

// DashboardPartProps is one part's statistics.
type DashboardPartProps struct {
	Links        Links
	Crumbs       []DashCrumb
	Title        string
	Facts        []DashFact
	Mistakes     []DashMistake
	MistakesNote string // "" or how many diagnoses are not listed
	MistakeChart DashChart
	Wrong        []DashWrong
	WrongNote    string
}

// DashAttempt is one attempt on the learner page.
type DashAttempt struct {
	When, Where, Part             string
	Answer, ReadAs, Verdict       string
	DiagnosisCode, Diagnosis      string
	Score, Hints, Time, LateLabel string
	VerdictClass                  string // "ok", "bad" or ""
}

// DashboardLearnerProps is every attempt of one learner.
type DashboardLearnerProps struct {
	Links     Links
	Crumbs    []DashCrumb
	Name      string
	Facts     []DashFact
	Attempts  []DashAttempt
	Truncated string // "" or a sentence saying only the first attempts are listed
	// ExportURL and DeleteURL are set for admins (privacy requests).
	ExportURL, DeleteURL string
}

// DashboardDeleteProps confirms deleting a learner's data.
type DashboardDeleteProps struct {
	Links     Links
	Name      string
	Course    string
	Attempts  string
	Action    string
	CancelURL string
	ExportURL string
}

// num writes an SVG coordinate.
func num(v float64) string {
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func chartViewBox(c DashChart) string {
	return "0 0 " + num(c.Width) + " " + num(c.Height)
}

package templates

import (
	"html/template"

	"github.com/a-h/templ"
)

// LiveJoinProps is the join form of a live session.
type LiveJoinProps struct {
	Links    Links
	Action   string
	Code     string
	Nickname string
	// Error is the problem with the last submission, shown by the field.
	Error string
	// Field names the field Error is about: "code" or "nickname".
	Field       string
	MaxNickname int
}

// LiveStudentProps is a student's page of a live session.
type LiveStudentProps struct {
	Links  Links
	Title  string
	Code   string
	Status string // "waiting", "paused", "closed", "open", "ended"
	// Message says what the status means to the student.
	Message  string
	Question string // "Question 2 of 5"
	Version  int64
	// SocketURL is the websocket the page follows (with JS); RefreshURL
	// reloads the page (without JS).
	SocketURL  string
	RefreshURL string
	// PageURL is the session's page at the class's current question;
	// QuestionIndex is the question this page shows. When the class moves
	// to another question, live.js goes to PageURL, else to RefreshURL
	// (a GET: never a reload that would post an answer again).
	PageURL       string
	QuestionIndex int
	Script        string
	// AnswerScript, when set, checks answers without reloading the page
	// (live_answer.js; the form still posts without JavaScript).
	AnswerScript string
	// Exercise is the current question's form, when it is unlocked and the
	// room is not paused.
	Exercise *ExercisePageProps
	// ExerciseBody, when set, is rendered instead of Exercise: the same
	// content, from the live page cache (web/live_page.go).
	ExerciseBody templ.Component
	// Others links the other unlocked questions (after "unlock all").
	Others []LiveLink
	// Learner is the name the student joined as (their own name for a
	// known or LTI learner, else the nickname); only they see it.
	Learner string
	// Follow says the page's player follows the instructor's (the
	// question's answer is revealed).
	Follow bool
	// Messages is every status line the page may show; live.js reads them
	// from the page (data-live-msg-*) when it follows the class in place.
	Messages LiveMessages
	// Unlocked is the room's unlocked questions the page was rendered
	// with (the "Unlocked questions" links); Revealed says the worked
	// solutions are on the page (the question's answer is revealed).
	Unlocked []int
	Revealed bool
	// RevealURL is the current question's solutions for this learner
	// (JSON), which live.js reads when the answer is revealed in place.
	RevealURL string
}

// LiveMessages is the table of a student page's status lines (web/live.go
// has the one copy of the words).
type LiveMessages struct {
	Ended, Paused, Waiting, Closed, Open string
	// RevealedSuffix is added to Open's or Closed's line once the answer
	// is revealed.
	RevealedSuffix string
}

// LiveLink is a labelled link.
type LiveLink struct {
	Label, URL string
	Current    bool
}

// LiveBar is one bar of the live histogram.
type LiveBar struct {
	Label   string
	Count   int
	Correct bool
}

// LivePart is the live counts of one part of the current question.
type LivePart struct {
	Part     string
	Answered int
	Correct  int
	Bars     []LiveBar
	Wrong    []LiveBar // the most common wrong answers
}

// LiveTeachProps is the instructor's (and the projector's) view.
type LiveTeachProps struct {
	Links       Links
	CourseTitle string
	Title       string
	Code        string
	JoinURL     string
	Question    string
	ItemTitle   string
	State       string // human summary: "Answering open", "Paused", ...
	Ended       bool
	Unlocked    bool
	Paused      bool
	Closed      bool
	Revealed    bool
	First, Last bool
	Joined      int
	Answered    int
	Correct     int
	Parts       []LivePart
	// ControlURL takes the control forms; ProjectorURL opens the
	// projector view; SocketURL streams state and counts.
	ControlURL   string
	ProjectorURL string
	SocketURL    string
	Script       string
	Projector    bool
	Version      int64
	// JoinLink is the join form with the code filled in, the QR code's
	// content; QRCode is its SVG, rendered by the server.
	JoinLink string
	QRCode   string
	// Player is the current question's animation player (the instructor
	// always; the projector once the answer is revealed). Drive says the
	// instructor's player drives the students' (revealed); Follow says the
	// page's player follows the instructor's (the projector).
	Player *PlayerProps
	Drive  bool
	Follow bool
	// Show is what the projector shows (the instructor's view offers the
	// controls that change it; the projector hides what is off).
	Show LiveProjectorView
	// Roster lists who has answered, by name (nil: not on this page);
	// NamesURL is where live.js reads it again when the counts change.
	Roster   *LiveRoster
	NamesURL string
	// Solution is the current question's answers and worked solutions,
	// once revealed (nil before).
	Solution *LiveSolution
}

// LiveSolution is the current question's correct answers and worked
// solutions, on the projector and the instructor's view once the answer
// is revealed to everyone (nil before).
type LiveSolution struct {
	Question int // 1-based
	// Note says whose numbers these are, when students' numbers differ.
	Note  string
	Parts []LiveSolutionPart
}

// LiveSolutionPart is one part's correct answer and worked solution,
// rendered by the server (Markdown with MathML).
type LiveSolutionPart struct {
	ID            string
	Label, Prompt template.HTML
	Answer        template.HTML
	Steps         []template.HTML
	ModelAnswer   template.HTML
	Checklist     []template.HTML
	Diagram       *NetworkDiagramView
	RNNDiagram    *RNNDiagramView
}

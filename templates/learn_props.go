package templates

// LearnShareProps is the shared link's page: who are you?
type LearnShareProps struct {
	Links           Links
	CourseTitle     string
	AssignmentTitle string
	Action          string
	// Name is what was typed (echoed after an error); Error says what is
	// wrong with it.
	Name, Error string
	MaxName     int
	// KnownName is the learner this device already is in the course, with
	// the link to carry on as them; "" when none.
	KnownName, ContinueURL string
}

// LearnMyProps is "my assignments": every course this device knows.
type LearnMyProps struct {
	Links   Links
	Courses []LearnCourseView
}

// LearnCourseView is one course on "my assignments".
type LearnCourseView struct {
	Title        string
	LearnerName  string
	SelfDeclared bool
	Assignments  []LearnAssignmentSummary
}

// LearnAssignmentSummary is one assignment with the learner's progress.
type LearnAssignmentSummary struct {
	Title, URL string
	// Opens and Due are dates in the assignment's time zone, "" when none.
	Opens, Due string
	// Phase is upcoming, open or past-due.
	Phase       string
	Done, Items int
	Score       string
	// ScoreHidden: the assignment shows no feedback (yet), so no score.
	ScoreHidden bool
}

// LearnAssignmentProps is one assignment's items with the learner's status.
type LearnAssignmentProps struct {
	Links        Links
	CourseTitle  string
	Title        string
	LearnerName  string
	Summary      LearnAssignmentSummary
	Note         string
	AttemptsRule string
	// Closed: not open yet; the items are listed without links.
	Closed bool
	MyURL  string
	Items  []LearnItemView
}

// LearnItemView is one item of an assignment.
type LearnItemView struct {
	N      int
	Title  string
	URL    string
	Parts  int
	Status string
	// StatusLabel is the status in words: Not started, In progress, Done, Late.
	StatusLabel string
	// Score is "" when the assignment shows no feedback.
	Score string
}

// LearnBar is what an exercise page inside an assignment adds: where it
// is, the dates, and the hidden fields a check records with.
type LearnBar struct {
	AssignmentTitle, AssignmentURL string
	Item                           string
	LearnerName                    string
	Due                            string
	Note                           string
	// AttemptKey is this rendering's idempotency key: a retried post of
	// the same form records nothing twice.
	AttemptKey string
	// Preview: staff looking at the item; nothing is recorded.
	Preview bool
	// PrevURL and NextURL, when set, lead to the neighbouring items (inside
	// an LMS frame, where AssignmentURL is empty: the assignment page is
	// not framable).
	PrevURL, NextURL string
}

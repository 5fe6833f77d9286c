package templates

// LiveProjectorView is what a live session's projector shows (the
// instructor's choice; names are off unless they show them).
type LiveProjectorView struct {
	Names, Counts, Histogram, Wrong bool
}

// LiveRoster is who has answered the current question, by name: on the
// instructor's screen always, on the projector only while names are shown.
type LiveRoster struct {
	Answered, Waiting         []string
	MoreAnswered, MoreWaiting int
}

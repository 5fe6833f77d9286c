package live

// The projector view (issue 14 §1): large type, and no student names
// unless the instructor chooses to show them. What it shows is part of
// the room's state (stored with it, store.LiveState.Projector), so the
// choice survives a reload of either screen, reaches every replica like
// any control, and the projector page, which reloads on every state
// change, shows it at once. The counts themselves never carry names: the
// pages that show names read them from the database (web/live_names.go).

// ProjectorView is what the projector shows besides the join code, the
// question and the state. The zero value is the default view: the counts,
// the histogram and the most common wrong answers, and no names.
type ProjectorView struct {
	// Names: who has answered the current question and who has not yet,
	// by name. Off unless the instructor shows them.
	Names bool `json:"names"`
	// HideCounts hides joined, answered, all correct.
	HideCounts bool `json:"hide_counts"`
	// HideHistogram hides the answers grouped by verdict and diagnosis.
	HideHistogram bool `json:"hide_histogram"`
	// HideWrong hides the most common wrong answers.
	HideWrong bool `json:"hide_wrong"`
}

// The stored bits (store.LiveState.Projector): 0, every session before
// migration 00014 too, is the default view.
const (
	projShowNames int64 = 1 << iota
	projHideCounts
	projHideHistogram
	projHideWrong
)

// projectorOf decodes the stored bit set.
func projectorOf(bits int64) ProjectorView {
	return ProjectorView{Names: bits&projShowNames != 0, HideCounts: bits&projHideCounts != 0,
		HideHistogram: bits&projHideHistogram != 0, HideWrong: bits&projHideWrong != 0}
}

// bits encodes v for the database.
func (v ProjectorView) bits() int64 {
	var b int64
	for _, f := range []struct {
		on  bool
		bit int64
	}{{v.Names, projShowNames}, {v.HideCounts, projHideCounts}, {v.HideHistogram, projHideHistogram}, {v.HideWrong, projHideWrong}} {
		if f.on {
			b |= f.bit
		}
	}
	return b
}

// The projector's controls: each shows or hides one thing on the
// projector only (the instructor's screen always has everything).
const (
	ActShowNames     Action = "show_names"
	ActHideNames     Action = "hide_names"
	ActShowCounts    Action = "show_counts"
	ActHideCounts    Action = "hide_counts"
	ActShowHistogram Action = "show_histogram"
	ActHideHistogram Action = "hide_histogram"
	ActShowWrong     Action = "show_wrong"
	ActHideWrong     Action = "hide_wrong"
)

// projectorActions lists them, for ParseAction's message.
const projectorActions = "show_names, hide_names, show_counts, hide_counts, show_histogram, hide_histogram, show_wrong, hide_wrong"

// isProjectorAction reports whether a is one of the projector's controls.
func isProjectorAction(a Action) bool {
	switch a {
	case ActShowNames, ActHideNames, ActShowCounts, ActHideCounts, ActShowHistogram, ActHideHistogram, ActShowWrong, ActHideWrong:
		return true
	}
	return false
}

// apply changes the view by a projector action.
func (v *ProjectorView) apply(a Action) {
	switch a {
	case ActShowNames, ActHideNames:
		v.Names = a == ActShowNames
	case ActShowCounts, ActHideCounts:
		v.HideCounts = a == ActHideCounts
	case ActShowHistogram, ActHideHistogram:
		v.HideHistogram = a == ActHideHistogram
	case ActShowWrong, ActHideWrong:
		v.HideWrong = a == ActHideWrong
	}
}

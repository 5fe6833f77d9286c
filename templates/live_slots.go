package templates

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// The per-student slots of an exercise inside an assignment (web/
// live_page.go, issue 14): a live room's students see the same exercise
// content but for the learn bar (their name, links, note) and the form's
// attempt_key. The server renders the content once with SlotCuts in the
// context, where those two render nothing and call cut instead, so it can
// keep the bytes between them and render only the slots per student
// (ExerciseSlots). Without SlotCuts they render as always.

type slotCutsKey struct{}

// SlotCuts returns ctx in which the learn bar and the form's learn fields
// of exerciseContent call cut(w) in their place instead of rendering; w is
// the writer they were given (flush it to see every byte before the slot).
func SlotCuts(ctx context.Context, cut func(w io.Writer) error) context.Context {
	return context.WithValue(ctx, slotCutsKey{}, cut)
}

// slot renders c, or, under SlotCuts, marks its place.
func slot(c templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if cut, ok := ctx.Value(slotCutsKey{}).(func(io.Writer) error); ok {
			return cut(w)
		}
		return c.Render(ctx, w)
	})
}

// ExerciseContent is the exercise of an exercise page without the layout
// (what a live student page holds).
func ExerciseContent(p ExercisePageProps) templ.Component { return exerciseContent(p) }

// ExerciseSlots are the per-student slots of ExerciseContent, in order:
// the learn bar, then the form's learn fields (attempt_key, shown_ms).
func ExerciseSlots(b LearnBar) []templ.Component {
	return []templ.Component{learnBar(b), learnFormFields(b)}
}

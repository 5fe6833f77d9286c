package web

import (
	"context"
	"fmt"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// liveSolution is the current question's correct answers and worked
// solutions for the projector and the instructor's view, rendered by the
// server like a student's (Markdown with MathML), only once the
// instructor has revealed the answer to everyone: before that nothing of
// the answer is on either page (or in any message: the state carries no
// answer). It returns nil before the reveal.
//
// The numbers are learner 0's variant, the instructor's (teachPlayer): the
// recitation's or the shared seed's, the same as every student's; with
// per-learner seeds they are an example, and each student's page shows the
// worked solution with their own numbers, which the note says.
func (s *Server) liveSolution(ctx context.Context, room liveRoom, st live.State) (*templates.LiveSolution, error) {
	if !st.Revealed || st.Ended {
		return nil, nil
	}
	it := room.a.Items[st.Question]
	v, err := s.itemVariant(ctx, it, 0)
	if err != nil {
		return nil, fmt.Errorf("instructor's variant: %w", err)
	}
	sol := &templates.LiveSolution{Question: st.Question + 1}
	if it.SeedPolicy == store.SeedPerLearner {
		sol.Note = "Every student has their own numbers: this is the worked solution with an example's numbers. Each student's page shows it with theirs."
	}
	for _, part := range v.Parts {
		sol.Parts = append(sol.Parts, s.liveSolutionPart(part))
	}
	return sol, nil
}

// liveSolutionPart is one part's answer and worked solution.
func (s *Server) liveSolutionPart(part *exercises.Part) templates.LiveSolutionPart {
	p := templates.LiveSolutionPart{ID: part.ID, Label: s.md(part.Label), Prompt: s.md(part.Prompt),
		Answer: s.md(part.Answer), Steps: s.mdAll(part.Solution)}
	if part.Kind == exercises.KindSelfCheck {
		p.ModelAnswer, p.Checklist = s.md(part.ModelAnswer), s.mdAll(part.Checklist)
	}
	if part.Diagram != nil {
		p.Diagram = networkLayout(part.Diagram, "live-diagram-"+part.ID)
	}
	if part.RNNDiagram != nil {
		p.RNNDiagram = rnnLayout(part.RNNDiagram, "live-diagram-"+part.ID)
	}
	return p
}

package exercises

import (
	"fmt"
	"math/rand/v2"
)

// Meta is what an authored exercise says about itself; see
// internal/authoring for the file format that fills it.
type Meta struct {
	ID, Title, Summary    string
	Section, SectionTitle string
	// Domain is the first half of the exercise's diagnosis codes; an
	// authored exercise uses its family's, so dashboards count the same
	// mistakes together.
	Domain string
	// Version names the content (a hash of the file); Source the file.
	Version, Source string
}

// NewAuthored makes an exercise whose variants gen builds from a seed and
// a generator seeded from the seed and the ID, like the built-in ones.
// gen must succeed for every seed: authoring validates a file by building
// variants before it is served, and falls back to the seed-0 data where a
// random draw fails.
func NewAuthored(m Meta, gen func(seed uint64, rng *rand.Rand) (*Variant, error)) (*Exercise, error) {
	if m.ID == "" || m.Version == "" || gen == nil {
		return nil, fmt.Errorf("an authored exercise needs an ID, a version and a generator")
	}
	return &Exercise{
		ID: m.ID, Title: m.Title, Summary: m.Summary, Section: m.Section, SectionTitle: m.SectionTitle,
		Domain: m.Domain, Version: m.Version, Source: m.Source, generate: gen,
	}, nil
}

// ConceptItem is one question of a concept exercise: a single- or
// multiple-choice question with a reason for every option, or a
// self-check question with a model answer and a checklist.
type ConceptItem struct {
	ID, Label, Prompt string
	Kind              Kind
	Options           []ConceptOption
	Hints, Solution   []string
	ModelAnswer       string
	Checklist         []string
	// Alternatives are other questions on the same concept: seeds other
	// than 0 draw one of the question and its alternatives, asked under
	// the question's ID.
	Alternatives []ConceptItem
}

// ConceptOption is one choice; Why explains it (why it is wrong, or for a
// right option why it is right).
type ConceptOption struct {
	ID, Text string
	Correct  bool
	Why      string
}

// BuildConcepts builds a concept variant: seed 0 asks the questions with
// their options in written order; other seeds draw alternatives and
// shuffle options, as the built-in concept exercises do.
func BuildConcepts(seed uint64, rng *rand.Rand, items []ConceptItem, intro []string) (*Variant, error) {
	qs := make([]conceptQuestion, len(items))
	for i, it := range items {
		qs[i] = it.question()
	}
	blocks := make([]Block, len(intro))
	for i, t := range intro {
		blocks[i] = Block{Text: t}
	}
	return conceptVariant(seed, rng, qs, blocks)
}

// BuildConceptsDrawn is BuildConcepts with a drawing of an RNN, shown with
// the first question's worked solution (after an attempt), as the built-in
// rnn-concepts shows its sample RNN.
func BuildConceptsDrawn(seed uint64, rng *rand.Rand, items []ConceptItem, intro []string, drawing *RNNDiagram) (*Variant, error) {
	v, err := BuildConcepts(seed, rng, items, intro)
	if err != nil {
		return nil, err
	}
	if drawing != nil && len(v.Parts) > 0 {
		v.Parts[0].RNNDiagram = drawing
	}
	return v, nil
}

// RNNDrawing is the drawing of an Elman RNN with the given vector sizes,
// rolled up and unrolled over steps time steps, as rnn-shapes and
// rnn-concepts draw it.
func RNNDrawing(inputSize, hiddenSize, outputSize, steps int, caption string) *RNNDiagram {
	return RNNShapesData{InputSize: inputSize, HiddenSize: hiddenSize, OutputSize: outputSize, Steps: steps}.diagram(caption)
}

func (it ConceptItem) question() conceptQuestion {
	q := conceptQuestion{id: it.ID, label: it.Label, prompt: it.Prompt, kind: it.Kind,
		hints: it.Hints, solution: it.Solution, modelAnswer: it.ModelAnswer, checklist: it.Checklist}
	for _, o := range it.Options {
		q.options = append(q.options, conceptOption{id: o.ID, text: o.Text, correct: o.Correct, why: o.Why})
	}
	for _, a := range it.Alternatives {
		q.alts = append(q.alts, a.question())
	}
	return q
}

func (q conceptQuestion) item() ConceptItem {
	it := ConceptItem{ID: q.id, Label: q.label, Prompt: q.prompt, Kind: q.kind,
		Hints: q.hints, Solution: q.solution, ModelAnswer: q.modelAnswer, Checklist: q.checklist}
	for _, o := range q.options {
		it.Options = append(it.Options, ConceptOption{ID: o.id, Text: o.text, Correct: o.correct, Why: o.why})
	}
	for _, a := range q.alts {
		it.Alternatives = append(it.Alternatives, a.item())
	}
	return it
}

// Recitation is the seed-0 data of the built-in exercises that authored
// files can express, so the shipped example files can be written from it
// and tested against it.
type Recitation struct {
	ConvByHand       ConvByHandInput
	ConvOutputSize   ConvOutputSizeData
	ConvSizeNote     string
	Network          NetworkInput
	CNNConcepts      []ConceptItem
	CNNConceptsIntro []string
	Attention        AttentionData
	RNNShapes        RNNShapesData
	RNNForward       RNNForwardData
	// RNNConcepts, its intro and its drawing are rnn-concepts'; the
	// diagram is cnn-diagram's network with its statement.
	RNNConcepts      []ConceptItem
	RNNConceptsIntro []string
	RNNConceptsDraw  *RNNDiagram
	Diagram          NetworkInput
}

// RecitationData returns the built-in exercises' seed-0 data.
func RecitationData() (Recitation, error) {
	var r Recitation
	r.ConvByHand = ConvByHandInput{
		Image: recitationImage(), Filter: recitationFilter(),
		Cases: []ConvCase{
			{Setting: ConvSetting{Stride: 1, Padding: 0, Cell: [2]int{2, 2}}, AskCell: true, Corner: true},
			{Name: "padded", Setting: ConvSetting{Stride: 1, Padding: 1, Cell: [2]int{4, 4}}, AskCell: true, Corner: true},
		},
	}
	r.ConvOutputSize = ConvOutputSizeData{InputWidth: 64, Kernel: 17, Padding: 0, Stride: 1, Dilation: 1}
	r.ConvSizeNote = recitationConvSizeNote
	d := recitationCNN()
	r.Network.Data = d
	for _, b := range cnnIntro(d) {
		r.Network.Intro = append(r.Network.Intro, b.Text)
	}
	qs, err := cnnConceptQuestions()
	if err != nil {
		return r, err
	}
	for _, q := range qs {
		r.CNNConcepts = append(r.CNNConcepts, q.item())
	}
	r.CNNConceptsIntro = []string{cnnConceptsIntro}
	r.Attention = AttentionData{Symbolic: true, Bias: true}
	r.RNNShapes = recitationRNN()
	r.RNNForward = forwardSeedZero()
	for _, q := range rnnConceptQuestions() {
		r.RNNConcepts = append(r.RNNConcepts, q.item())
	}
	r.RNNConceptsIntro = []string{rnnConceptsIntro}
	r.RNNConceptsDraw = rnnConceptsDrawing()
	r.Diagram.Data = d
	r.Diagram.Intro = append(append([]string(nil), r.Network.Intro...), diagramTask)
	return r, nil
}

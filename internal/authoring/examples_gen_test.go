package authoring

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/stride-tutor/stride/internal/exercises"
)

var update = flag.Bool("update", false, "rewrite the recitation example files from the built-in exercises")

// The recitation's examples are written from the built-ins' own data
// (go test ./internal/authoring -run TestWriteRecitationExamples -update);
// TestRecitationExamplesMatchBuiltins then reads them back as any file is
// read and compares the variants.

type exHeader struct {
	ID           string `yaml:"id"`
	Title        string `yaml:"title"`
	Summary      string `yaml:"summary"`
	Section      string `yaml:"section"`
	SectionTitle string `yaml:"section_title"`
	Family       string `yaml:"family"`
	Data         any    `yaml:"data"`
}

type exCase struct {
	Name    string `yaml:"name,omitempty"`
	Stride  int    `yaml:"stride"`
	Padding int    `yaml:"padding"`
	Cell    string `yaml:"cell"`
}

type exLayer struct {
	Row         string `yaml:"row"`
	Type        string `yaml:"type"`
	OutChannels int    `yaml:"out_channels,omitempty"`
	KernelSize  int    `yaml:"kernel_size,omitempty"`
	Stride      int    `yaml:"stride,omitempty"`
	Padding     int    `yaml:"padding,omitempty"`
	OutFeatures int    `yaml:"out_features,omitempty"`
}

type exOption struct {
	ID      string `yaml:"id"`
	Text    string `yaml:"text"`
	Correct bool   `yaml:"correct,omitempty"`
	Why     string `yaml:"why,omitempty"`
}

type exQuestion struct {
	ID           string       `yaml:"id,omitempty"`
	Label        string       `yaml:"label"`
	Prompt       string       `yaml:"prompt"`
	Kind         string       `yaml:"kind"`
	Options      []exOption   `yaml:"options,omitempty"`
	Hints        []string     `yaml:"hints,omitempty"`
	Solution     []string     `yaml:"solution"`
	ModelAnswer  string       `yaml:"model_answer,omitempty"`
	Checklist    []string     `yaml:"checklist,omitempty"`
	Alternatives []exQuestion `yaml:"alternatives,omitempty"`
}

// flow writes a list on one line, as people write rows of numbers.
type flow[T any] []T

func (f flow[T]) MarshalYAML() (any, error) {
	var n yaml.Node
	if err := n.Encode([]T(f)); err != nil {
		return nil, err
	}
	n.Style = yaml.FlowStyle
	return &n, nil
}

func grid(m [][]float64) []flow[float64] {
	out := make([]flow[float64], len(m))
	for i, r := range m {
		out[i] = r
	}
	return out
}

func exQuestions(items []exercises.ConceptItem, top bool) []exQuestion {
	var out []exQuestion
	for _, it := range items {
		q := exQuestion{Label: it.Label, Prompt: it.Prompt, Kind: string(it.Kind), Hints: it.Hints, Solution: it.Solution,
			ModelAnswer: it.ModelAnswer, Checklist: it.Checklist, Alternatives: exQuestions(it.Alternatives, false)}
		if top {
			q.ID = it.ID
		}
		for _, o := range it.Options {
			q.Options = append(q.Options, exOption{ID: o.ID, Text: o.Text, Correct: o.Correct, Why: o.Why})
		}
		out = append(out, q)
	}
	return out
}

// recitationExamples maps each example file to the built-in it mirrors
// and its content.
func recitationExamples(t *testing.T) map[string]struct {
	builtin string
	doc     exHeader
} {
	t.Helper()
	rec, err := exercises.RecitationData()
	if err != nil {
		t.Fatal(err)
	}
	cat := exercises.NewCatalog()
	meta := func(id, family string, data any) exHeader {
		e, _ := cat.Lookup(id)
		return exHeader{ID: "recitation-" + id, Title: e.Title, Summary: e.Summary, Section: e.Section, SectionTitle: e.SectionTitle, Family: family, Data: data}
	}
	var cases []exCase
	for _, c := range rec.ConvByHand.Cases {
		cases = append(cases, exCase{Name: c.Name, Stride: c.Setting.Stride, Padding: c.Setting.Padding, Cell: "bottom-right"})
	}
	var layers []exLayer
	for _, l := range rec.Network.Data.Layers {
		layers = append(layers, exLayer{Row: l.Row, Type: l.Type, OutChannels: l.OutChannels, KernelSize: l.KernelSize, Stride: l.Stride, Padding: l.Padding, OutFeatures: l.OutFeatures})
	}
	network := func(ask string, intro []string) map[string]any {
		return map[string]any{"input_shape": flow[int](rec.Network.Data.InputShape), "layers": layers, "ask": ask, "intro": intro}
	}
	drawing := rec.RNNConceptsDraw
	return map[string]struct {
		builtin string
		doc     exHeader
	}{
		"conv-by-hand.yaml": {"conv-by-hand", meta("conv-by-hand", "conv-by-hand", map[string]any{
			"image": grid(rec.ConvByHand.Image), "filter": grid(rec.ConvByHand.Filter), "cases": cases})},
		"conv-output-size.yaml": {"conv-output-size", meta("conv-output-size", "output-size", map[string]any{
			"input_width": rec.ConvOutputSize.InputWidth, "kernel": rec.ConvOutputSize.Kernel, "padding": rec.ConvOutputSize.Padding,
			"stride": rec.ConvOutputSize.Stride, "dilation": rec.ConvOutputSize.Dilation, "note": rec.ConvSizeNote})},
		"cnn-shape-table.yaml": {"cnn-shape-table", meta("cnn-shape-table", "network", network("shapes", rec.Network.Intro))},
		"cnn-parameters.yaml":  {"cnn-parameters", meta("cnn-parameters", "network", network("parameters", rec.Network.Intro))},
		"cnn-diagram.yaml":     {"cnn-diagram", meta("cnn-diagram", "network", network("diagram", rec.Diagram.Intro))},
		"rnn-concepts.yaml": {"rnn-concepts", meta("rnn-concepts", "concepts", map[string]any{
			"intro": rec.RNNConceptsIntro,
			"rnn_drawing": map[string]any{"input_size": drawing.InputSize, "hidden_size": drawing.HiddenSize, "output_size": drawing.OutSize,
				"steps": drawing.Steps, "caption": drawing.Caption},
			"questions": exQuestions(rec.RNNConcepts, true)})},
		"cnn-concepts.yaml": {"cnn-concepts", meta("cnn-concepts", "concepts", map[string]any{
			"intro": rec.CNNConceptsIntro, "questions": exQuestions(rec.CNNConcepts, true)})},
		"attention-parameters.yaml": {"attention-parameters", meta("attention-parameters", "attention", map[string]any{
			"symbolic": rec.Attention.Symbolic, "bias": rec.Attention.Bias})},
		"rnn-shapes.yaml": {"rnn-shapes", meta("rnn-shapes", "rnn-shapes", map[string]any{
			"input_size": rec.RNNShapes.InputSize, "hidden_size": rec.RNNShapes.HiddenSize, "output_size": rec.RNNShapes.OutputSize})},
		"rnn-forward.yaml": {"rnn-forward", meta("rnn-forward", "rnn-forward", map[string]any{
			"input_size": rec.RNNForward.InputSize, "hidden_size": rec.RNNForward.HiddenSize, "output_size": rec.RNNForward.OutputSize,
			"hidden_activation": rec.RNNForward.HiddenActivation,
			"w_hx":              grid(rec.RNNForward.WHx), "w_hh": grid(rec.RNNForward.WHh), "w_yh": grid(rec.RNNForward.WYh),
			"h0": flow[float64](rec.RNNForward.H0), "x": grid(rec.RNNForward.X)})},
	}
}

func TestWriteRecitationExamples(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the recitation example files")
	}
	for name, ex := range recitationExamples(t) {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(ex.doc); err != nil {
			t.Fatal(err)
		}
		out := buf.Bytes()
		head := "# The recitation's " + ex.builtin + " exercise written as a file (docs/AUTHORING.md).\n" +
			"# At seed 0 it gives the same variant as the built-in (internal/authoring tests it).\n"
		if err := os.WriteFile(filepath.Join("examples", name), append([]byte(head), out...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

package exercises

import (
	"slices"
	"strings"
	"testing"
)

// The recitation's network, written by hand (section 3.3's solution table).
const diagramRecitation = "maxpool-2x2-s2=3@64x64; conv-17x17-12=12@48x48; maxpool-3x3-s3=12@16x16; flatten=3072; " +
	"linear-128=128; relu=128; linear-10=10; softmax=10"

func TestCNNDiagramChecks(t *testing.T) {
	v := exerciseVariant(t, cnnDiagram, 0)
	if len(v.Parts) != 1 || v.Parts[0].Kind != KindDiagram || v.Parts[0].Slots != 8 {
		t.Fatalf("parts %+v", v.Parts)
	}
	p := v.Parts[0]
	for _, tc := range []struct {
		name, text string
		status     Status
		code       string
	}{
		{"right", diagramRecitation, StatusCorrect, ""},
		{"right with ×, trailing semicolon", strings.NewReplacer("@64x64", "@64×64", "@48x48", "@48 × 48").Replace(diagramRecitation) + ";", StatusCorrect, ""},
		{"two blocks swapped", strings.Replace(diagramRecitation, "relu=128; linear-10=10", "linear-10=128; relu=10", 1), StatusIncorrect, "diagram.wrong-order"},
		{"pools swapped", strings.NewReplacer("maxpool-2x2-s2=", "maxpool-3x3-s3=", "maxpool-3x3-s3=", "maxpool-2x2-s2=").Replace(diagramRecitation),
			StatusIncorrect, "diagram.wrong-order"},
		{"a block twice", strings.Replace(diagramRecitation, "relu=128", "linear-128=128", 1), StatusIncorrect, "diagram.missing-block"},
		{"channels multiplied", strings.Replace(diagramRecitation, "12@48x48", "36@48x48", 1), StatusIncorrect, "diagram.channels-multiplied"},
		{"shape without channels", strings.Replace(diagramRecitation, "12@48x48", "48x48", 1), StatusIncorrect, "diagram.forgot-channels"},
		{"flatten as a sum", strings.Replace(diagramRecitation, "3072", "44", 1), StatusIncorrect, "diagram.flatten-sum"},
		{"a wrong shape without a name", strings.Replace(diagramRecitation, "12@16x16", "12@17x17", 1), StatusIncorrect, ""},
		{"seven positions", diagramRecitation[:strings.LastIndex(diagramRecitation, ";")], StatusInvalid, ""},
		{"unknown block", strings.Replace(diagramRecitation, "relu=", "tanh=", 1), StatusInvalid, ""},
		{"no shape", strings.Replace(diagramRecitation, "relu=128", "relu=", 1), StatusInvalid, ""},
		{"bad shape", strings.Replace(diagramRecitation, "relu=128", "relu=12@", 1), StatusInvalid, ""},
	} {
		vd := p.Check(tc.text)
		if vd.Status != tc.status || vd.Mistake != tc.code {
			t.Errorf("%s: %s/%q (%s), want %s/%q", tc.name, vd.Status, vd.Mistake, vd.Feedback, tc.status, tc.code)
		}
		if vd.Status == StatusInvalid && !strings.Contains(vd.Feedback, "does not count as an attempt") {
			t.Errorf("%s: invalid feedback %q", tc.name, vd.Feedback)
		}
	}
	// A wrong shape's feedback names the position and keeps the row's advice.
	vd := p.Check(strings.Replace(diagramRecitation, "12@48x48", "48x48", 1))
	if !strings.Contains(vd.Feedback, "Position 2") || !strings.Contains(vd.Feedback, "right order") {
		t.Errorf("feedback %q", vd.Feedback)
	}
}

// TestCNNDiagramGivesNoOrderAway: the blocks are offered in an order other
// than the network's, at every seed, and their IDs name no position.
func TestCNNDiagramGivesNoOrderAway(t *testing.T) {
	for seed := range uint64(300) {
		v := exerciseVariant(t, cnnDiagram, seed)
		p := v.Parts[0]
		var offered []string
		for _, o := range p.Options {
			offered = append(offered, o.ID)
			if slices.Contains(cnnRows[:], o.ID) && o.ID != "flatten" && o.ID != "relu" && o.ID != "softmax" {
				t.Errorf("seed %d: block ID %q numbers a position", seed, o.ID)
			}
		}
		var want []string
		for _, e := range strings.Split(p.Input, ";") {
			id, _, _ := strings.Cut(strings.TrimSpace(e), "=")
			want = append(want, id)
		}
		if strings.Join(offered, ",") == strings.Join(uniqueIDs(want), ",") {
			t.Errorf("seed %d: blocks offered in the network's order %v", seed, offered)
		}
		if p.Diagram == nil || len(p.Diagram.Stages) != p.Slots+1 {
			t.Errorf("seed %d: diagram %+v", seed, p.Diagram)
		}
	}
}

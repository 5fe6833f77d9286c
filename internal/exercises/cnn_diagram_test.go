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

// TestCNNDiagramPartialCredit: each position with its right block and
// shape earns 1/8 of the point, through Check as the page and API score
// it, and the feedback names the positions that are not right.
func TestCNNDiagramPartialCredit(t *testing.T) {
	v := exerciseVariant(t, cnnDiagram, 0)
	for _, tc := range []struct {
		name, text string
		credit     float64
		names      string
	}{
		{"right", diagramRecitation, 1, ""},
		{"one shape wrong", strings.Replace(diagramRecitation, "12@48x48", "48x48", 1), 0.88, "Position 2 is not right yet; the other 7 of 8"},
		{"two blocks swapped", strings.Replace(diagramRecitation, "relu=128; linear-10=10", "linear-10=128; relu=10", 1), 0.75, "Positions 6 and 7 are not right yet; the other 6 of 8"},
		{"swapped and a wrong shape", strings.NewReplacer("relu=128; linear-10=10", "linear-10=128; relu=10", "12@16x16", "12@17x17").Replace(diagramRecitation),
			0.63, "Positions 3, 6 and 7 are not right yet; the other 5 of 8"},
		{"a block twice", strings.Replace(diagramRecitation, "relu=128", "linear-128=128", 1), 0.88, "Position 6 is not right yet"},
		{"nothing right", "softmax=1; linear-10=1; relu=1; linear-128=1; flatten=1; maxpool-3x3-s3=1; conv-17x17-12=1; maxpool-2x2-s2=1", 0,
			"Positions 1, 2, 3, 4, 5, 6, 7 and 8 are not right yet (a block and its shape both right"},
	} {
		res, err := v.Check(map[string]string{"diagram": tc.text})
		if err != nil {
			t.Fatal(err)
		}
		vd := res.Parts["diagram"]
		if vd.Credit != tc.credit || res.Score != tc.credit {
			t.Errorf("%s: credit %v, score %v, want %v", tc.name, vd.Credit, res.Score, tc.credit)
		}
		if tc.credit < 1 && (vd.Status != StatusIncorrect || !strings.Contains(vd.Feedback, tc.names)) {
			t.Errorf("%s: %s %q, want it to name %q", tc.name, vd.Status, vd.Feedback, tc.names)
		}
	}
}

package exercises

import (
	"slices"
	"strings"
	"testing"
)

// conceptSets are the concept exercises with their questions as written.
func conceptSets(t *testing.T) map[string][]conceptQuestion {
	t.Helper()
	cnn, err := cnnConceptQuestions()
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]conceptQuestion{"cnn-concepts": cnn, "rnn-concepts": rnnConceptQuestions()}
}

func TestConceptQuestionsWellFormed(t *testing.T) {
	for ex, qs := range conceptSets(t) {
		ids := map[string]bool{}
		selfChecks := 0
		for _, q := range qs {
			if ids[q.id] {
				t.Errorf("%s: duplicate question %s", ex, q.id)
			}
			ids[q.id] = true
			if q.label == "" || q.prompt == "" || len(q.hints) < 1 || len(q.hints) > 3 || len(q.solution) == 0 {
				t.Errorf("%s %s: label, prompt, 1–3 hints and a solution are required", ex, q.id)
			}
			if q.kind == KindSelfCheck {
				selfChecks++
				if q.modelAnswer == "" || len(q.checklist) < 2 || len(q.checklist) > 4 || len(q.options) > 0 {
					t.Errorf("%s %s: a self-check needs a model answer and 2–4 checklist points, no options", ex, q.id)
				}
				continue
			}
			right := 0
			optIDs := map[string]bool{}
			for _, o := range q.options {
				if optIDs[o.id] || o.id == "" || strings.ContainsAny(o.id, ", ;\t\n") {
					t.Errorf("%s %s: bad or duplicate option ID %q", ex, q.id, o.id)
				}
				optIDs[o.id] = true
				if o.correct {
					// A right option of a single-choice question explains
					// itself too (its why is the feedback when chosen).
					right++
					if o.why == "" && q.kind == KindSingleChoice {
						t.Errorf("%s %s: right option %s does not explain itself", ex, q.id, o.id)
					}
				} else if o.why == "" {
					t.Errorf("%s %s: wrong option %s does not say why", ex, q.id, o.id)
				}
			}
			if q.kind == KindSingleChoice && right != 1 || q.kind == KindMultipleChoice && right < 1 || right == len(q.options) {
				t.Errorf("%s %s: %d right options of %d for %s", ex, q.id, right, len(q.options), q.kind)
			}
		}
		if selfChecks != 1 {
			t.Errorf("%s: %d self-check questions, want 1", ex, selfChecks)
		}
	}
}

// TestConceptAnswers pins the recitation's answers to option IDs.
func TestConceptAnswers(t *testing.T) {
	tests := []struct {
		ex, part, text string
		status         Status
	}{
		{"cnn-concepts", "filters", "learned-weights", StatusCorrect},
		{"cnn-concepts", "filters", "fixed-detector", StatusIncorrect},
		{"cnn-concepts", "convolution", "sum-of-products", StatusCorrect},
		{"cnn-concepts", "convolution", "max-of-window", StatusIncorrect},
		{"cnn-concepts", "benefits", "feature-learning, translation, param-efficient", StatusCorrect},
		{"cnn-concepts", "benefits", "param-efficient translation feature-learning", StatusCorrect},
		{"cnn-concepts", "benefits", "feature-learning,translation", StatusIncorrect},
		{"cnn-concepts", "benefits", "feature-learning,translation,param-efficient,no-data", StatusIncorrect},
		{"cnn-concepts", "channels", "filters-set-channels", StatusCorrect},
		{"cnn-concepts", "channels", "learned-weights", StatusInvalid}, // another question's option
		{"cnn-concepts", "channels", "filters-set-channels,multiply", StatusInvalid},
		{"rnn-concepts", "what-rnn", "cycle", StatusCorrect},
		{"rnn-concepts", "input-and-state", "two-weight-sets", StatusCorrect},
		{"rnn-concepts", "input-and-state", "output-fed-back", StatusIncorrect},
		{"rnn-concepts", "training", "bptt", StatusCorrect},
		{"rnn-concepts", "training", "BPTT", StatusCorrect},
		{"rnn-concepts", "training", "independent-copies", StatusIncorrect},
	}
	// Seeds other than 0 may draw another item of a concept's bank; these
	// seeds draw the recitation's items (others are checked through
	// TestConceptWrongOptionsExplain and TestConceptBankDrawnBySeed).
	for _, seed := range []uint64{0} {
		for _, tc := range tests {
			vd := checkPart(t, variant(t, tc.ex, seed), tc.part, tc.text)
			if vd.Status != tc.status {
				t.Errorf("seed %d %s %s %q: %s, want %s (%s)", seed, tc.ex, tc.part, tc.text, vd.Status, tc.status, vd.Feedback)
			}
		}
	}
	for _, tc := range []struct{ ex, section, title string }{{"cnn-concepts", "3.1", "Concepts"}, {"rnn-concepts", "4.2", "Concepts"}} {
		if ex, _ := NewCatalog().Lookup(tc.ex); ex.Section != tc.section || ex.SectionTitle != tc.title || ex.Beyond {
			t.Errorf("%s filed under %s %q", tc.ex, ex.Section, ex.SectionTitle)
		}
	}
}

// TestConceptWrongOptionsExplain picks every wrong option, alone and (for
// multiple choice) with the right ones, and expects its explanation.
func TestConceptWrongOptionsExplain(t *testing.T) {
	for ex, qs := range conceptSets(t) {
		for _, seed := range []uint64{0, 3} {
			v := variant(t, ex, seed)
			for _, q := range qs {
				p, ok := v.Part(q.id)
				if !ok {
					t.Fatalf("%s: no part %s", ex, q.id)
				}
				q := drawnItem(q, p)
				if q.kind == KindSelfCheck {
					continue
				}
				if vd := p.Check(p.Input); vd.Status != StatusCorrect {
					t.Errorf("%s %s: Input %q is %s", ex, q.id, p.Input, vd.Status)
				}
				for _, o := range q.options {
					if o.correct {
						continue
					}
					vd := p.Check(o.id)
					if vd.Status != StatusIncorrect || !strings.Contains(vd.Feedback, o.why) {
						t.Errorf("%s %s option %s: %s %q, want its explanation", ex, q.id, o.id, vd.Status, vd.Feedback)
					}
					if q.kind == KindMultipleChoice {
						vd := p.Check(p.Input + "," + o.id)
						if vd.Status != StatusIncorrect || !strings.Contains(vd.Feedback, o.why) {
							t.Errorf("%s %s right options plus %s: %s %q", ex, q.id, o.id, vd.Status, vd.Feedback)
						}
					}
				}
				if q.kind == KindMultipleChoice {
					right := strings.Split(p.Input, ",")
					vd := p.Check(strings.Join(right[1:], ","))
					if vd.Status != StatusIncorrect || !strings.Contains(vd.Feedback, "missing") {
						t.Errorf("%s %s: an option short: %s %q", ex, q.id, vd.Status, vd.Feedback)
					}
				}
			}
		}
	}
}

func TestConceptSelfCheck(t *testing.T) {
	for _, tc := range []struct{ ex, part string }{{"cnn-concepts", "explain-filter"}, {"rnn-concepts", "explain-memory"}} {
		v := variant(t, tc.ex, 0)
		p, ok := v.Part(tc.part)
		if !ok || p.Kind != KindSelfCheck {
			t.Fatalf("%s: no self-check part %s", tc.ex, tc.part)
		}
		if p.ModelAnswer == "" || len(p.Checklist) < 2 || len(p.Checklist) > 4 || p.Input != "" {
			t.Errorf("%s %s: model answer, checklist or input", tc.ex, tc.part)
		}
		for text, want := range map[string]Status{
			"A filter is a small grid of learned weights.": StatusRevealed,
			"x":     StatusRevealed,
			"":      StatusBlank,
			" \n\t": StatusBlank,
		} {
			if vd := p.Check(text); vd.Status != want {
				t.Errorf("%s %s %q: %s, want %s", tc.ex, tc.part, text, vd.Status, want)
			}
		}
		res, err := v.Check(map[string]string{tc.part: "my explanation"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Max != len(v.Parts)-1 {
			t.Errorf("%s: the self-check part counts towards the score (max %d of %d parts)", tc.ex, res.Max, len(v.Parts))
		}
	}
}

// TestConceptVariants checks 1,000 seeds: the same questions and option
// IDs every time, in the written order for seed 0, shuffled (the same way
// for the same seed) otherwise; expected answers accepted, perturbed ones
// rejected.
func TestConceptVariants(t *testing.T) {
	for ex, qs := range conceptSets(t) {
		e, _ := NewCatalog().Lookup(ex)
		orders := map[string]bool{}
		for seed := range uint64(1000) {
			v, err := e.Variant(seed)
			if err != nil {
				t.Fatalf("%s seed %d: %v", ex, seed, err)
			}
			data := v.Data.(ConceptsData)
			if len(v.Parts) != len(qs) || len(data.Questions) != len(qs) {
				t.Fatalf("%s seed %d: %d parts, %d data questions, want %d", ex, seed, len(v.Parts), len(data.Questions), len(qs))
			}
			var order strings.Builder
			for i, q := range qs {
				p := v.Parts[i]
				if p.ID != q.id || data.Questions[i].ID != q.id {
					t.Fatalf("%s seed %d: part %d is %s", ex, seed, i, p.ID)
				}
				q := drawnItem(q, p)
				written := make([]string, len(q.options))
				for k, o := range q.options {
					written[k] = o.id
				}
				shown := optionIDs(p.Options)
				if !slices.Equal(shown, data.Questions[i].Options) {
					t.Fatalf("%s seed %d %s: data options %v, shown %v", ex, seed, q.id, data.Questions[i].Options, shown)
				}
				if seed == 0 && !slices.Equal(shown, written) {
					t.Errorf("%s seed 0 %s: options %v, want the written order %v", ex, q.id, shown, written)
				}
				sorted, sortedWritten := slices.Sorted(slices.Values(shown)), slices.Sorted(slices.Values(written))
				if !slices.Equal(sorted, sortedWritten) {
					t.Fatalf("%s seed %d %s: options %v", ex, seed, q.id, shown)
				}
				order.WriteString(strings.Join(shown, ",") + "|")
				if p.Animation != -1 {
					t.Fatalf("%s %s: animation %d", ex, p.ID, p.Animation)
				}
				if p.Kind == KindSelfCheck {
					continue
				}
				if vd := p.Check(p.Input); vd.Status != StatusCorrect {
					t.Fatalf("%s seed %d %s: Input %q is %s", ex, seed, p.ID, p.Input, vd.Status)
				}
				if bad := perturb(t, p); p.Check(bad).Status != StatusIncorrect {
					t.Fatalf("%s seed %d %s: perturbed %q not rejected", ex, seed, p.ID, bad)
				}
			}
			orders[order.String()] = true
			if seed == 5 {
				again, _ := e.Variant(5)
				for i, p := range again.Parts {
					if !slices.Equal(optionIDs(p.Options), optionIDs(v.Parts[i].Options)) {
						t.Errorf("%s: seed 5 is not deterministic", ex)
					}
				}
			}
		}
		if len(orders) < 100 {
			t.Errorf("%s: only %d option orders among 1,000 seeds", ex, len(orders))
		}
	}
}

// TestRightOptionNotAlwaysLongest: a student cannot pick the right option
// by its length, and every option of a single-choice question explains
// itself when chosen.
func TestRightOptionNotAlwaysLongest(t *testing.T) {
	cnn, err := cnnConceptQuestions()
	if err != nil {
		t.Fatal(err)
	}
	longest, single := 0, 0
	var all []conceptQuestion
	for _, q := range append(cnn, rnnConceptQuestions()...) {
		all = append(append(all, q), q.alts...)
	}
	for _, q := range all {
		if q.kind != KindSingleChoice {
			continue
		}
		single++
		max, id := 0, ""
		for _, o := range q.options {
			if len(o.text) > max {
				max, id = len(o.text), o.id
			}
			if o.why == "" {
				t.Errorf("%s %s: no explanation", q.id, o.id)
			}
		}
		for _, o := range q.options {
			if o.correct && o.id == id {
				longest++
			}
		}
	}
	if 2*longest > single {
		t.Errorf("the right option is the longest in %d of %d single-choice questions", longest, single)
	}
}

// TestConceptBanksExplainEveryOptionFairly: every option of every item,
// right or wrong, single or multiple choice, has an explanation, and in no
// concept's bank is a right option the longest one of every item; across
// all items a right option is the longest in at most a third.
func TestConceptBanksExplainEveryOptionFairly(t *testing.T) {
	cnn, err := cnnConceptQuestions()
	if err != nil {
		t.Fatal(err)
	}
	items, longestRight := 0, 0
	for _, q := range append(cnn, rnnConceptQuestions()...) {
		if q.kind == KindSelfCheck {
			continue
		}
		bankLongest := 0
		for _, item := range append([]conceptQuestion{q}, q.alts...) {
			items++
			max, rightIsLongest := 0, false
			for _, o := range item.options {
				if o.why == "" {
					t.Errorf("%s %s: no explanation", q.id, o.id)
				}
				if n := len([]rune(o.text)); n > max {
					max, rightIsLongest = n, o.correct
				} else if n == max {
					rightIsLongest = rightIsLongest && o.correct
				}
			}
			if rightIsLongest {
				bankLongest++
				longestRight++
			}
		}
		if bankLongest == len(q.alts)+1 {
			t.Errorf("%s: a right option is the longest in every item of the bank", q.id)
		}
	}
	if 3*longestRight > items {
		t.Errorf("a right option is the longest in %d of %d items", longestRight, items)
	}
}

// TestMultipleChoiceConceptExplainsRightOptions: a right answer to a
// multiple-choice item says why each of its options is right.
func TestMultipleChoiceConceptExplainsRightOptions(t *testing.T) {
	v := variant(t, "cnn-concepts", 0)
	p, _ := v.Part("benefits")
	vd := p.Check(p.Input)
	if vd.Status != StatusCorrect || !strings.Contains(vd.Feedback, "weight per input–output pair") || !strings.Contains(vd.Feedback, "translation invariant") {
		t.Errorf("benefits right answer: %s %q", vd.Status, vd.Feedback)
	}
}

// TestConceptBankDrawnBySeed: seed 0 asks the recitation's items; other
// seeds draw each concept's item from its bank, under the same part ID,
// and every item of the bank is well formed.
func TestConceptBankDrawnBySeed(t *testing.T) {
	cnn, err := cnnConceptQuestions()
	if err != nil {
		t.Fatal(err)
	}
	banks := map[string]conceptQuestion{}
	for _, q := range append(cnn, rnnConceptQuestions()...) {
		if len(q.alts) > 0 {
			banks[q.id] = q
		}
		for _, alt := range q.alts {
			alt.id = q.id
			p, err := conceptPart(alt, alt.options)
			if err != nil {
				t.Errorf("%s: %v", q.id, err)
				continue
			}
			if alt.label == "" || alt.prompt == "" || len(alt.hints) == 0 || len(alt.solution) == 0 {
				t.Errorf("%s alt %q: label, prompt, hints and solution are required", q.id, alt.prompt)
			}
			if alt.kind != q.kind {
				t.Errorf("%s alt %q: kind %s, the concept's is %s", q.id, alt.prompt, alt.kind, q.kind)
			}
			if alt.kind == KindSelfCheck {
				// Marked by the student: a model answer and key points.
				if alt.modelAnswer == "" || len(alt.checklist) < 3 || p.ModelAnswer != alt.modelAnswer {
					t.Errorf("%s alt %q: a model answer and at least 3 key points are required", q.id, alt.prompt)
				}
				continue
			}
			var rights []string
			for _, o := range alt.options {
				if o.correct {
					rights = append(rights, o.id)
				}
			}
			right := strings.Join(rights, ",")
			if vd := p.Check(right); vd.Status != StatusCorrect {
				t.Errorf("%s alt: right option %s is %s", q.id, right, vd.Status)
			}
		}
	}
	// Every concept, asked by choice or explained in the student's own
	// words, has a bank of at least three items.
	if len(banks) < 9 {
		t.Fatalf("%d concepts have a bank, want 9", len(banks))
	}
	for id, q := range banks {
		if len(q.alts) < 2 {
			t.Errorf("%s: %d items, want at least 3", id, len(q.alts)+1)
		}
	}
	seen := map[string]map[string]bool{}
	for _, id := range []string{"cnn-concepts", "rnn-concepts"} {
		ex, _ := NewCatalog().Lookup(id)
		for seed := range uint64(200) {
			v, err := ex.Variant(seed)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range v.Parts {
				q, ok := banks[p.ID]
				if !ok {
					continue
				}
				if seed == 0 && p.Prompt != q.prompt {
					t.Errorf("seed 0 %s: %q is not the recitation's item", p.ID, p.Prompt)
				}
				if seen[p.ID] == nil {
					seen[p.ID] = map[string]bool{}
				}
				seen[p.ID][p.Prompt] = true
			}
		}
	}
	for id, prompts := range seen {
		if want := len(banks[id].alts) + 1; len(prompts) != want {
			t.Errorf("%s: %d items drawn in 200 seeds, want all %d", id, len(prompts), want)
		}
	}
}

// drawnItem is the item of q's bank (q or one of its alts) that part p
// asks, found by its prompt.
func drawnItem(q conceptQuestion, p *Part) conceptQuestion {
	for _, alt := range q.alts {
		if alt.prompt == p.Prompt {
			alt.id = q.id
			return alt
		}
	}
	return q
}

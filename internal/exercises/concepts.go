package exercises

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
)

// ConceptsData lists a concept exercise's questions and, for choice
// questions, the option IDs in the order this variant shows them. It never
// says which options are right.
type ConceptsData struct {
	Questions []ConceptQuestion `json:"questions"`
}

// ConceptQuestion is one question of ConceptsData.
type ConceptQuestion struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Options []string `json:"options,omitempty"`
}

// conceptOption is one choice of a concept question; every wrong option
// carries why it is wrong.
type conceptOption struct {
	id, text string
	correct  bool
	why      string
}

// conceptQuestion is a question whose answer is a matter of understanding
// rather than arithmetic: a choice when the answer is crisp, a self-check
// when it has to be put in words.
type conceptQuestion struct {
	id, label, prompt string
	kind              Kind
	options           []conceptOption
	hints, solution   []string
	// modelAnswer and checklist belong to self-check questions.
	modelAnswer string
	checklist   []string
	// alts are other items on the same concept: seeds other than 0 draw
	// one of the question and its alts, under the question's part ID.
	alts []conceptQuestion
}

func cnnConcepts() *Exercise {
	return &Exercise{
		ID:           "cnn-concepts",
		Domain:       "concept",
		Title:        "CNN concepts",
		Section:      "3.1",
		SectionTitle: "Concepts",
		Summary:      "What filters are, what a convolution computes, why CNNs beat dense layers on images, and how channels change from layer to layer.",
		generate: func(seed uint64, rng *rand.Rand) (*Variant, error) {
			qs, err := cnnConceptQuestions()
			if err != nil {
				return nil, err
			}
			return conceptVariant(seed, rng, qs, []Block{{Text: cnnConceptsIntro}})
		},
	}
}

// cnnConceptsIntro is the problem statement of cnn-concepts.
const cnnConceptsIntro = "These questions are about the ideas behind convolutional layers. " +
	"Most have exactly one right option; the one on benefits may have several. " +
	"The last asks you to explain in your own words and then compare with a model answer."

func rnnConcepts() *Exercise {
	return &Exercise{
		ID:           "rnn-concepts",
		Domain:       "concept",
		Title:        "RNN concepts",
		Section:      "4.2",
		SectionTitle: "Concepts",
		Summary:      "What makes a network recurrent, how a hidden unit combines input and memory, and how backpropagation through time trains it.",
		generate: func(seed uint64, rng *rand.Rand) (*Variant, error) {
			return conceptVariant(seed, rng, rnnConceptQuestions(), []Block{{Text: rnnConceptsIntro}}, rnnConceptsDrawing())
		},
	}
}

// rnnConceptsIntro is the problem statement of rnn-concepts.
const rnnConceptsIntro = "These questions refer to the Elman RNN of section 4.1: " +
	"$\\mathbf{z}_t = W_{hh} \\mathbf{h}_{t-1} + W_{hx} \\mathbf{x}_t$, $\\mathbf{h}_t = \\psi(\\mathbf{z}_t)$, " +
	"$\\mathbf{o}_t = W_{yh} \\mathbf{h}_t$, $\\hat{\\mathbf{y}}_t = \\sigma(\\mathbf{o}_t)$. " +
	"Each choice question has exactly one right option; the last asks you to explain in your own words."

// rnnConceptsDrawing is the sample RNN rnn-concepts draws with its first
// question's solution: what section 4.1.1 asks the student to draw.
func rnnConceptsDrawing() *RNNDiagram {
	d := recitationRNN()
	return d.diagram(fmt.Sprintf("The sample RNN rolled up, and unrolled over %d time steps", d.Steps))
}

// conceptVariant builds the parts of a concept exercise. Seed 0 shows the
// options in their written order; other seeds shuffle them (the IDs stay
// the same, so answers and links do not depend on the order).
//
// diagram, when set, is drawn with the first part's worked solution, after
// an attempt: it is what section 4.1.1 asks the student to draw.
func conceptVariant(seed uint64, rng *rand.Rand, qs []conceptQuestion, intro []Block, diagram ...*RNNDiagram) (*Variant, error) {
	data := ConceptsData{}
	v := &Variant{Intro: intro}
	for _, q := range qs {
		if seed != 0 && len(q.alts) > 0 {
			if k := rng.IntN(len(q.alts) + 1); k > 0 {
				alt := q.alts[k-1]
				alt.id = q.id
				q = alt
			}
		}
		opts := append([]conceptOption(nil), q.options...)
		if seed != 0 {
			rng.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
		}
		p, err := conceptPart(q, opts)
		if err != nil {
			return nil, err
		}
		v.Parts = append(v.Parts, p)
		data.Questions = append(data.Questions, ConceptQuestion{ID: q.id, Kind: string(q.kind), Options: optionIDs(p.Options)})
	}
	if len(diagram) > 0 && len(v.Parts) > 0 {
		v.Parts[0].RNNDiagram = diagram[0]
	}
	v.Data = data
	return v, nil
}

// conceptPart turns a question into a part with its options in the given
// order.
func conceptPart(q conceptQuestion, opts []conceptOption) (*Part, error) {
	p := &Part{
		ID:        q.id,
		Label:     q.label,
		Prompt:    q.prompt,
		Kind:      q.kind,
		Hints:     q.hints,
		Solution:  q.solution,
		Animation: -1,
	}
	why := make(map[string]string)
	var right, rightText []string
	rightWhy := ""
	for _, o := range opts {
		p.Options = append(p.Options, Option{ID: o.id, Text: o.text})
		if o.correct {
			right = append(right, o.id)
			rightText = append(rightText, o.text)
			if o.why != "" && q.kind == KindSingleChoice {
				rightWhy = o.why
			}
		} else {
			why[o.id] = o.why
		}
	}
	switch q.kind {
	case KindSingleChoice:
		if len(right) != 1 {
			return nil, fmt.Errorf("question %s: a single-choice question needs exactly one right option, has %d", q.id, len(right))
		}
		p.Placeholder = "choose one option"
		p.Format = "Choose one option."
		p.check = singleChoiceCheck(p.Options, right[0], why, "That is not it; read the hints and think again.")
		if rightWhy != "" {
			// The right option's explanation is the feedback for it.
			inner := p.check
			p.check = checker{fn: func(text string) Verdict {
				vd := inner.check(text)
				if vd.Status == StatusCorrect {
					vd.Feedback = rightWhy
				}
				return vd
			}}
		}
	case KindMultipleChoice:
		if len(right) == 0 {
			return nil, fmt.Errorf("question %s: a multiple-choice question needs a right option", q.id)
		}
		p.Placeholder = "choose all that apply"
		p.Format = "Choose every option that is true; there may be more than one."
		p.check = multipleChoiceCheck(p.Options, right, why)
		var rightWhys []string
		for _, o := range opts {
			if o.correct && o.why != "" {
				rightWhys = append(rightWhys, o.why)
			}
		}
		if len(rightWhys) > 0 {
			// A right answer is told why each of its options is right.
			inner := p.check
			p.check = checker{examples: inner.examples, fn: func(text string) Verdict {
				vd := inner.check(text)
				if vd.Status == StatusCorrect {
					vd.Feedback = strings.Join(rightWhys, " ")
				}
				return vd
			}}
		}
	case KindSelfCheck:
		p.Placeholder = "a few sentences in your own words"
		p.Format = "Write a short explanation; you mark it yourself against the model answer and checklist."
		p.ModelAnswer = q.modelAnswer
		p.Checklist = q.checklist
		p.Answer = q.modelAnswer
		p.check = selfCheckPart()
		return p, nil
	default:
		return nil, fmt.Errorf("question %s: unsupported kind %q", q.id, q.kind)
	}
	p.Answer = strings.Join(rightText, " ")
	p.Input = strings.Join(right, ",")
	return p, nil
}

// cnnConceptQuestions are the questions of section 3.1. The parameter
// counts quoted in the solutions come from the section 3.3 network, run
// through compute.
func cnnConceptQuestions() ([]conceptQuestion, error) {
	d := recitationCNN()
	res, err := compute.PropagateNetwork(d.InputShape, d.computeLayers())
	if err != nil {
		return nil, fmt.Errorf("propagate: %w", err)
	}
	var convParams, denseParams int64
	inChannels, outChannels := d.InputShape[0], 0
	for i, l := range d.Layers {
		switch l.Type {
		case "Conv2d":
			convParams += res.Layers[i].Params
			outChannels = res.Layers[i].OutputShape[0]
		case "Linear":
			denseParams += res.Layers[i].Params
		}
	}
	return []conceptQuestion{
		{
			id:     "filters",
			label:  "Filters",
			prompt: "In a convolutional layer, what is a filter (also called a kernel)?",
			kind:   KindSingleChoice,
			options: []conceptOption{
				{id: "learned-weights", correct: true,
					text: "A small block of learned weights that the layer slides over its input.",
					why:  "Right: the filter is a few pixels high and wide and as deep as the input has channels, and training sets its values, so it comes to respond to some local pattern."},
				{id: "fixed-detector",
					text: "A fixed pattern designed by hand, such as an edge detector, chosen before training and never changed.",
					why:  "Hand-made filters such as edge detectors are how image features were built before CNNs. In a convolutional layer the filter's entries are parameters that gradient descent updates like any other weight."},
				{id: "full-size",
					text: "A weight matrix as large as the input, linking every input pixel to every output unit.",
					why:  "That describes a fully connected layer. A filter is small (3×3, 17×17) and the same one is reused at every position of the input."},
				{id: "preprocessing",
					text: "A cleaning step that removes noise or unwanted pixels from the image before it enters the network.",
					why:  "A filter is part of the network, not a step in front of it: what it produces is the next layer's input, and it is trained together with the rest."},
			},
			alts: []conceptQuestion{{
				label:  "Filters",
				prompt: "Why can one filter of a convolutional layer detect the same pattern anywhere in an image?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "same-weights", correct: true,
						text: "The layer uses the same filter weights at every position.",
						why:  "Right: weight sharing. The numbers that respond to an edge at the top left are the very same numbers applied at the bottom right, so the pattern is found wherever it is."},
					{id: "one-per-position",
						text: "The layer learns a separate copy of the filter for every position of the image and trains the copies to agree.",
						why:  "There are no copies: one set of weights is applied everywhere. Separate weights per position would be a locally connected layer, with far more parameters."},
					{id: "pooling-first",
						text: "Max-pooling runs before the filter and moves every pattern to the centre of the image.",
						why:  "Pooling summarises windows; it moves nothing to the centre, and the filter would find the pattern without it."},
					{id: "whole-image",
						text: "The filter is as large as the image, so every pattern falls inside it at once.",
						why:  "A filter is small (3×3, 17×17); it reaches the whole image only by being slid over it."},
				},
				hints: []string{
					"What changes, and what stays the same, as the filter moves from one position to the next?",
					"Count the sets of weights one filter has.",
				},
				solution: []string{
					"The layer slides one filter over the input and uses the same weights at every position: weight sharing.",
					"So a pattern the filter responds to is detected wherever it appears, and the layer needs only one small set of weights for it.",
				},
			}, {
				label:  "Filters",
				prompt: "A convolutional layer reads an RGB image (3 channels) with 3×3 filters. What is the shape of one filter?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "three-deep", correct: true,
						text: "3×3×3: a slice for each input channel.",
						why:  "Right: a filter is as deep as its input, so it can combine all three colours at each position; one filter makes one output channel."},
					{id: "flat",
						text: "3×3, since a filter is flat whatever the input's depth.",
						why:  "A flat filter could read only one channel. Each filter reaches through all of its input's channels, so it is 3×3 and 3 deep."},
					{id: "filters-deep",
						text: "3×3×F, where F is the number of filters in the layer.",
						why:  "The number of filters sets how many output channels there are, not how deep each filter is: its depth is the input's channel count."},
					{id: "image-size",
						text: "128×128×3, as large as the image it reads.",
						why:  "A filter is small; it covers the image by sliding over it. A weight for every pixel would be a fully connected layer."},
				},
				hints: []string{
					"A filter combines the values under it in every channel at once.",
					"Height and width come from the question; what sets the depth?",
				},
				solution: []string{
					"A filter spans the input's height-and-width window (3×3) and all of its channels (3).",
					"So one filter is 3×3×3 = 27 weights, plus one bias.",
				},
			}},
			hints: []string{
				"Ask yourself what gradient descent changes in a convolutional layer.",
				"A filter is much smaller than the image, and one filter is used at every position.",
			},
			solution: []string{
				"A filter is a small tensor of weights: height × width × the number of input channels.",
				"The layer moves it across the input; at every position it combines the filter with the patch underneath, and the result is large where the patch looks like the filter's pattern.",
				"The entries are trainable, so the network itself finds which patterns (edges, textures, parts of objects) are worth detecting. Each filter also comes with a stride and a padding that say how it is moved.",
			},
		},
		{
			id:     "convolution",
			label:  "Convolution",
			prompt: "What does a convolutional layer compute for one position of the filter, in one output channel?",
			kind:   KindSingleChoice,
			options: []conceptOption{
				{id: "sum-of-products", correct: true,
					text: "It multiplies the overlapping entries pairwise and adds the products, plus a bias.",
					why:  "Right: the filter lies on a patch of the input, each pair of overlapping entries is multiplied (over every input channel), and the sum plus the bias is one output value."},
				{id: "max-of-window",
					text: "It takes the largest value in the patch under the filter.",
					why:  "That is max pooling, which has no weights at all. A convolution multiplies every entry of the patch by a filter weight and sums the products."},
				{id: "matrix-product",
					text: "It multiplies the filter by the whole input with ordinary matrix multiplication (rows times columns).",
					why:  "The filter never meets the whole input at once: each output value uses only the patch under the filter, and the entries are paired position by position, not row by column."},
				{id: "products-kept",
					text: "It multiplies each pair of overlapping entries and writes the products into the output as a small patch.",
					why:  "The products are added together into a single number: one position of the filter gives exactly one output value."},
			},
			alts: []conceptQuestion{{
				label:  "Convolution",
				prompt: "A 3×3 filter slides over a single-channel 5×5 input. How many multiplications go into one output value?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "nine", correct: true,
						text: "9: one per filter weight, then the products are added.",
						why:  "Right: the filter lies on a 3×3 patch, each weight meets the input value under it, and the 9 products (plus the bias) add up to one output value."},
					{id: "twenty-five",
						text: "25: one for each value of the input.",
						why:  "Only the 3×3 patch under the filter takes part in one output value; the rest of the input waits for other positions."},
					{id: "three",
						text: "3: one for each row of the filter, which meets one row of the input.",
						why:  "Every entry of the filter is multiplied, not one per row: 3 × 3 = 9 products."},
					{id: "eighty-one",
						text: "81: each of the 9 filter weights times each of the 9 values of the patch.",
						why:  "The entries are paired position by position, so each weight meets exactly one input value: 9 products, not 9 × 9."},
				},
				hints: []string{
					"Picture the filter lying on the input: how many input values does it cover?",
					"Each weight is paired with the one input value under it.",
				},
				solution: []string{
					"One position of the filter covers a 3×3 patch of the input.",
					"Each of the 9 weights is multiplied by the value under it, and the 9 products are added (with the bias): 9 multiplications per output value.",
				},
			}, {
				label:  "Convolution",
				prompt: "What changes when a convolutional layer uses stride 2 instead of stride 1?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "fewer-positions", correct: true,
						text: "The filter moves 2 pixels at a time, so fewer positions are computed.",
						why:  "Right: each output value is still one sum of products, but the filter skips every other position, so the output is about half as high and wide."},
					{id: "more-products",
						text: "Each output value sums twice as many products.",
						why:  "The number of products per output value is set by the filter's size and depth, not by the stride."},
					{id: "spread-filter",
						text: "The filter is enlarged to twice its size by spacing its weights apart.",
						why:  "That is dilation, a different setting. Stride decides where the filter goes, not how its weights are spread."},
					{id: "computed-twice",
						text: "Every output value is computed twice and averaged.",
						why:  "Each position of the filter gives one value, once; stride only decides which positions are visited."},
				},
				hints: []string{
					"Stride is how far the filter moves between two output values.",
					"Look at the $S$ in $\\lfloor (W - K + 2P)/S \\rfloor + 1$.",
				},
				solution: []string{
					"With stride 2 the filter jumps two pixels between positions, so it visits about half as many positions along each axis.",
					"Each visit still computes one sum of products plus the bias; the output is smaller, by $\\lfloor (W - K + 2P)/2 \\rfloor + 1$.",
				},
			}},
			hints: []string{
				"Picture the filter lying on top of the input: which numbers line up?",
				"One position of the filter gives exactly one number in the output.",
			},
			solution: []string{
				"Put the filter on a patch of the input of the same size; stride and padding decide where the patches are.",
				"Multiply each filter weight by the input value under it, across height, width and all input channels.",
				"Add all these products and the bias: that sum is one output value. Moving the filter gives the next value, and the grid of sums is one output channel.",
			},
		},
		{
			id:     "benefits",
			label:  "Benefits over dense layers",
			prompt: "Which of these are genuine advantages of convolutional layers over fully connected (dense) layers? Choose all that apply.",
			kind:   KindMultipleChoice,
			options: []conceptOption{
				{id: "feature-learning", correct: true,
					text: "They learn their own image features from the data.",
					why:  "Right: the filters are trained, so they do the job of hand-engineered feature extractors, fitted to the task."},
				{id: "translation", correct: true,
					text: "A pattern is picked up wherever it appears in the image.",
					why:  "Right: the same filter is applied at every position, so the layer is roughly translation invariant (pooling and the borders make it only approximate)."},
				{id: "param-efficient", correct: true,
					text: "They need far fewer parameters.",
					why:  "Right: one small filter is shared by all positions, instead of one weight per input–output pair."},
				{id: "no-data",
					text: "They need no training data, since the filters already know which features to look for.",
					why:  "Filters start out random and are learned from labelled examples like any other weights; a CNN needs training data."},
				{id: "always-faster",
					text: "They are always faster than every dense layer, whatever the sizes.",
					why:  "Sharing weights saves parameters, not necessarily time: a convolution over a large image with many channels can take far more multiply-adds than a small dense layer."},
				{id: "size-independent",
					text: "They make the output size independent of the input size.",
					why:  "A convolution's output size follows its input size: $W_{out} = \\lfloor (W_{in} - K + 2P)/S \\rfloor + 1$."},
			},
			alts: []conceptQuestion{{
				label:  "Benefits over dense layers",
				prompt: "A convolutional layer has 8 filters of 3×3 and reads 3-channel images. Which of these are true? Choose all that apply.",
				kind:   KindMultipleChoice,
				options: []conceptOption{
					{id: "fixed-count", correct: true,
						text: "It has 8·(3·3·3 + 1) = 224 parameters, whatever the image size.",
						why:  "Right: each filter has 3·3·3 weights and a bias, and the same filters serve images of any size."},
					{id: "same-filters", correct: true,
						text: "The same 8 filters are applied at every position.",
						why:  "Right: that is weight sharing, the reason for both the small parameter count and the translation invariance."},
					{id: "grows-with-width",
						text: "Doubling the image's width doubles the layer's number of parameters.",
						why:  "The filters do not depend on the image size: a wider image gives a wider output, computed with the same 224 parameters."},
					{id: "per-input-channel",
						text: "It outputs 24 channels, 8 for each input channel.",
						why:  "Each filter sums over all 3 input channels into one output channel, so the layer outputs 8 channels."},
				},
				hints: []string{
					"Count one filter's weights: height × width × input channels, plus a bias.",
					"Does anything in that count depend on the image's height or width?",
				},
				solution: []string{
					"One filter has $3 \\cdot 3 \\cdot 3 = 27$ weights and a bias: 28 parameters; 8 filters have 224.",
					"The filters are shared by all positions, so the count does not depend on the image size, and each filter gives one output channel: 8 in all.",
				},
			}, {
				label:  "Benefits over dense layers",
				prompt: "Why do convolutional layers suit images better than fully connected ones? Choose all that apply.",
				kind:   KindMultipleChoice,
				options: []conceptOption{
					{id: "locality", correct: true,
						text: "Nearby pixels belong together, and a filter looks at a small neighbourhood.",
						why:  "Right: edges and textures are local, so a small window sees what matters, with few weights."},
					{id: "anywhere", correct: true,
						text: "The same object can appear anywhere, and one filter scans every position.",
						why:  "Right: weight sharing lets one filter find its pattern at any position, without learning it again for each place."},
					{id: "square-only",
						text: "Images are square, and convolutions only work on square inputs.",
						why:  "Convolutions work on any height and width; the output-size formula applies to each of them separately."},
					{id: "no-labels",
						text: "A CNN needs no labels, because its filters are fixed in advance.",
						why:  "The filters are learned from labelled examples by gradient descent, like the weights of any other layer."},
				},
				hints: []string{
					"How far apart are the pixels that make up an edge?",
					"Does a cat in the top left look different from a cat in the bottom right?",
				},
				solution: []string{
					"Images have local structure, which small filters capture with few weights.",
					"Patterns can be anywhere, which shared filters handle by scanning every position.",
					"Convolutions need neither square inputs nor fixed filters: they work on any size and are trained on labelled data.",
				},
			}},
			hints: []string{
				"Think about what is shared between the positions a filter visits.",
				"Compare the number of weights in one 3×3 filter with those of a dense layer on a 128×128 image.",
				"Recall the output-size formula: what does it depend on?",
			},
			solution: []string{
				"Feature learning: the filters are trained, so the network finds useful image features instead of relying on hand-made ones.",
				"Translation: one filter scans every position, so a feature is detected wherever it is. Pooling and the border make this only approximate, hence “pseudo” translation invariance.",
				fmt.Sprintf("Parameter efficiency: in the section 3.3 network the convolutional layer has %d parameters, the two dense layers %d.", convParams, denseParams),
				"The other statements are false: CNNs learn from data, can be slower than a small dense layer, and their output size grows with their input.",
			},
		},
		{
			id:     "channels",
			label:  "Channels",
			prompt: "How does the number of channels change as a tensor passes through a convolutional network?",
			kind:   KindSingleChoice,
			options: []conceptOption{
				{id: "filters-set-channels", correct: true,
					text: "One per filter: each filter sums over all of the input's channels.",
					why:  "Right: every filter reaches through all of its input's channels and adds them up into one output channel, so a convolutional layer has one output channel per filter; pooling and activations keep the channel count."},
				{id: "one-per-input",
					text: "Each input channel gets its own single-channel filter, so a convolutional layer always outputs as many channels as it receives.",
					why: fmt.Sprintf("A convolutional layer chooses its number of output channels freely: it is the number of filters (%d in section 3.3, from %d input channels). Each filter reads every input channel at once.",
						outChannels, inChannels)},
				{id: "pooling-reduces",
					text: "Pooling layers halve the number of channels, while convolutional layers keep it.",
					why:  "Pooling works on each channel separately and shrinks only the height and width; it is the number of filters in a convolutional layer that sets the channels."},
				{id: "multiply",
					text: "A convolutional layer outputs the number of input channels times the number of filters.",
					why:  "Each filter sums over all input channels and produces a single channel, so there are exactly as many output channels as filters."},
			},
			alts: []conceptQuestion{{
				label:  "Channels",
				prompt: "A convolutional layer reads a 16@32×32 tensor and has 8 filters of 3×3, with padding 1 and stride 1. What does it output?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "eight", correct: true,
						text: "8@32×32",
						why:  "Right: one output channel per filter, 8; and with padding 1 a 3×3 filter keeps the size: 32 − 3 + 2 + 1 = 32."},
					{id: "sixteen",
						text: "16@32×32, since a convolution keeps the channel count",
						why:  "The output has one channel per filter, so 8; the 16 input channels are summed inside each filter."},
					{id: "product",
						text: "128@32×32, one channel for each pair of input channel and filter",
						why:  "Each filter sums over all 16 input channels into a single output channel, so 8 filters give 8 channels, not 16 × 8."},
					{id: "shrunk",
						text: "8@30×30, since a 3×3 filter shrinks the image by 2",
						why:  "Without padding it would; padding 1 adds a ring of zeros, so the size stays 32 − 3 + 2 + 1 = 32."},
				},
				hints: []string{
					"How many channels does one filter produce, however many it reads?",
					"Use $\\lfloor (W - K + 2P)/S \\rfloor + 1$ for the height and width.",
				},
				solution: []string{
					"Each filter spans all 16 input channels and produces one output channel, so 8 filters give 8 channels.",
					"Height and width: $\\lfloor (32 - 3 + 2 \\cdot 1)/1 \\rfloor + 1 = 32$. The output is 8@32×32.",
				},
			}, {
				label:  "Channels",
				prompt: "A max-pooling layer with a 2×2 window and stride 2 reads a 12@48×48 tensor. What does it output?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "kept", correct: true,
						text: "12@24×24",
						why:  "Right: pooling works on each channel separately, so the 12 channels stay; the size is $\\lfloor (48 - 2)/2 \\rfloor + 1 = 24$."},
					{id: "halved",
						text: "6@24×24, since pooling halves the channels too",
						why:  "Pooling never mixes or drops channels: it shrinks only the height and width, so the 12 channels stay."},
					{id: "stride-one",
						text: "12@47×47, as the window moves one pixel at a time",
						why:  "That would be stride 1: 48 − 2 + 1 = 47. With stride 2 the window jumps two pixels: 24."},
					{id: "window-channels",
						text: "48@24×24: the four values of each window become channels",
						why:  "Max-pooling keeps one value per window, the largest; nothing is moved into the channels."},
				},
				hints: []string{
					"Does pooling look across channels, or at each channel on its own?",
					"Use $\\lfloor (W - K)/S \\rfloor + 1$ with $K = 2$, $S = 2$.",
				},
				solution: []string{
					"Pooling acts on each of the 12 channels on its own, so the output has 12 channels.",
					"Height and width: $\\lfloor (48 - 2)/2 \\rfloor + 1 = 24$. The output is 12@24×24.",
				},
			}},
			hints: []string{
				"How many channels does the output of a single filter have?",
				"Pooling and activations treat each channel on its own.",
			},
			solution: []string{
				"A filter has as many channels as its input, and at each position it sums over all of them into one number; one filter therefore makes one output channel.",
				fmt.Sprintf("With $F$ filters the output has $F$ channels, whatever the input had: in section 3.3, %d channels go in and %d filters give %d channels out.", inChannels, outChannels, outChannels),
				"Pooling and activations work channel by channel, so the count stays the same; pooling changes only height and width.",
			},
		},
		{
			id:     "explain-filter",
			label:  "In your own words",
			prompt: "Explain in your own words what a filter is and how a convolutional layer uses it to turn its input into an output. A few sentences are enough.",
			kind:   KindSelfCheck,
			hints: []string{
				"Say what a filter is made of and where its values come from.",
				"Describe one position of the filter first, then how all positions are covered.",
			},
			solution: []string{
				"A filter is a small, learned tensor of weights.",
				"At each position: multiply the filter by the patch under it entry by entry, add up the products and the bias.",
				"Sliding the filter (by the stride, over the padded input) fills one output channel; several filters give several channels.",
			},
			modelAnswer: "A filter is a small tensor of weights, a few pixels high and wide and as deep as the input has channels; its values are learned in training. " +
				"The layer slides it over the (possibly zero-padded) input, moving by the stride. At every position it multiplies each weight by the input value under it, " +
				"adds up all the products and a bias, and writes that single number into the output. The grid of these numbers is one output channel, " +
				"and a layer with several filters stacks their grids into several channels.",
			checklist: []string{
				"The filter is small and its values are learned, not set by hand.",
				"At each position: element-wise products with the patch under the filter, summed into one number (plus a bias).",
				"The filter slides over the input; stride and padding decide the positions and hence the output size.",
				"One filter gives one output channel, so the number of filters is the number of output channels.",
			},
			alts: []conceptQuestion{{
				label:  "In your own words",
				prompt: "Explain in your own words how padding and stride change what a convolutional layer computes, and how they decide the size of its output. A few sentences are enough.",
				kind:   KindSelfCheck,
				hints: []string{
					"Where can the filter sit on an unpadded input, and where once a border of zeros is added?",
					"What changes when the filter jumps two cells at a time instead of one?",
				},
				solution: []string{
					"Padding adds a border of zeros, so the filter can also sit over the edges: more positions, and border pixels count as often as inner ones.",
					"Stride is the step between positions: stride 2 skips every other position, roughly halving height and width.",
					"Together: $\\lfloor (W - K + 2P)/S \\rfloor + 1$ positions along each axis, one output cell each.",
				},
				modelAnswer: "Padding surrounds the input with a border of zeros, so the filter can also be placed over the edges; the border pixels then take part in as many " +
					"positions as the inner ones, and with enough padding the output keeps the input's size. Stride is how far the filter moves between positions: " +
					"stride 1 visits every position, stride 2 every other one, which shrinks the output. Each position gives one output cell, so along each axis " +
					"the output has $\\lfloor (W - K + 2P)/S \\rfloor + 1$ cells. Neither changes the filter's weights, only where it is applied.",
				checklist: []string{
					"Padding adds zeros around the input, giving the filter more positions (edges included).",
					"Stride is the step between positions; a larger stride means fewer positions.",
					"One position gives one output cell, so the output size along an axis is $\\lfloor (W - K + 2P)/S \\rfloor + 1$.",
					"Padding and stride change where the filter is applied, not its weights.",
				},
			}, {
				label:  "In your own words",
				prompt: "Explain in your own words why a convolutional layer uses the same filter at every position of the image instead of separate weights for each position, and what a filter ends up detecting. A few sentences are enough.",
				kind:   KindSelfCheck,
				hints: []string{
					"Would an edge in the top-left corner need a different detector from an edge in the middle?",
					"How many weights would a layer need if each position had its own?",
				},
				solution: []string{
					"A pattern means the same wherever it appears, so one detector serves every position: weight sharing.",
					"Sharing keeps the parameter count at the filter's size, whatever the image size.",
					"Training shapes each filter into a detector of a local pattern (an edge, a texture); its output channel maps where that pattern occurs.",
				},
				modelAnswer: "A local pattern such as an edge or a corner means the same wherever it appears in the image, so one detector can serve every position: " +
					"the layer slides the same filter over the image (weight sharing). This keeps the number of weights equal to the filter's size, however large " +
					"the image, where separate weights per position would multiply it by the number of positions. Training shapes each filter into a detector " +
					"of one local pattern, and its output channel is a map of where in the image that pattern occurs.",
				checklist: []string{
					"A pattern means the same at every position, so one filter can detect it everywhere (weight sharing).",
					"Sharing keeps the parameter count at the filter's size, independent of the image size.",
					"Each learned filter detects a local pattern such as an edge or a texture.",
					"The output channel of a filter shows where in the input its pattern occurs.",
				},
			}},
		},
	}, nil
}

// rnnConceptQuestions are the questions of section 4.2.
func rnnConceptQuestions() []conceptQuestion {
	sample := recitationRNN()
	return []conceptQuestion{
		{
			id:     "what-rnn",
			label:  "Recurrent networks",
			prompt: "What makes a neural network recurrent?",
			kind:   KindSingleChoice,
			options: []conceptOption{
				{id: "cycle", correct: true,
					text: "Its hidden state is fed back in at the next time step.",
					why:  "Right: the connections form a loop, so earlier inputs shape later computations, which suits inputs that arrive as a sequence."},
				{id: "many-layers",
					text: "It stacks the same kind of layer many times into a very deep feed-forward network.",
					why:  "Stacking layers makes a network deep, not recurrent. What makes it recurrent is the loop in time: a state carried from one step to the next."},
				{id: "sliding-filter",
					text: "It slides a filter along the sequence, like a convolution over time.",
					why:  "That is a one-dimensional convolution: each output sees a fixed window and nothing is carried forward. An RNN keeps a hidden state that summarises everything seen so far."},
				{id: "whole-sequence",
					text: "It reads the whole sequence at once as one long vector of fixed length.",
					why:  "An RNN reads one element per time step and updates its hidden state each time, which is also why it can handle sequences of any length."},
			},
			alts: []conceptQuestion{{
				label:  "What an RNN is for",
				prompt: "Which kind of data is a recurrent neural network designed for?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "sequences", correct: true,
						text: "Sequences, where the order of the inputs matters.",
						why:  "Right: the hidden state carries what came before into each new step, so an RNN can use the order of its inputs."},
					{id: "single-images",
						text: "Single images of a fixed size, one at a time, with no order between them.",
						why:  "A CNN or a fully connected network suits those; an RNN's loop only helps when inputs come one after another."},
					{id: "independent-rows",
						text: "Tables of independent rows, each of which is predicted on its own.",
						why:  "Independent rows have nothing to remember from one to the next, so the hidden state would carry nothing useful."},
					{id: "text-only",
						text: "Text only: the recurrence works on words and on nothing else.",
						why:  "Any sequence works: audio, sensor readings, prices, video frames. Text is a common one, not the only one."},
				},
				hints: []string{
					"What does the hidden state carry from one step to the next?",
					"When is that worth carrying?",
				},
				solution: []string{
					"An RNN feeds its hidden state back in at every step, so each output can depend on all earlier inputs.",
					"That suits data that arrives as a sequence, in an order that matters: text, speech, time series.",
				},
			}, {
				label:  "What the hidden state holds",
				prompt: "After an RNN has read $\\mathbf{x}_1, \\dots, \\mathbf{x}_t$, what does its hidden state $\\mathbf{h}_t$ hold?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "summary", correct: true,
						text: "A summary of every input so far.",
						why:  "Right: each step folds the previous state into the new one through $W_{hh}$, so $\\mathbf{h}_t$ depends on all of $\\mathbf{x}_1, \\dots, \\mathbf{x}_t$, squeezed into a vector of fixed length."},
					{id: "current-only",
						text: "Only $\\mathbf{x}_t$, the current input, in a new form.",
						why:  "$\\mathbf{z}_t = W_{hh} \\mathbf{h}_{t-1} + W_{hx} \\mathbf{x}_t$ also takes in the previous state, and through it every earlier input."},
					{id: "all-copies",
						text: "A copy of every input so far, stored side by side.",
						why:  "The hidden state has a fixed length (the hidden size) however long the sequence is, so it cannot store every input; it summarises them."},
					{id: "prediction",
						text: "The prediction $\\hat{\\mathbf{y}}_t$ of the current step.",
						why:  "The prediction is computed from $\\mathbf{h}_t$ through $W_{yh}$ and $\\sigma$; the hidden state is what the network remembers, not what it outputs."},
				},
				hints: []string{
					"Which earlier vectors does $\\mathbf{h}_t$ depend on, directly and through $\\mathbf{h}_{t-1}$?",
					"Does the length of $\\mathbf{h}_t$ grow with $t$?",
				},
				solution: []string{
					"$\\mathbf{h}_t$ depends on $\\mathbf{x}_t$ and on $\\mathbf{h}_{t-1}$, which depends on $\\mathbf{x}_{t-1}$ and $\\mathbf{h}_{t-2}$, and so on back to the start.",
					"Its length stays the hidden size, so it is a fixed-size summary of the whole sequence so far.",
				},
			}},
			hints: []string{
				"Look at the arrow labelled $W_{hh}$ in the rolled diagram.",
				"Besides $\\mathbf{x}_t$, what else does $\\mathbf{z}_t$ depend on?",
			},
			solution: []string{
				"In the sample RNN, $\\mathbf{z}_t = W_{hh} \\mathbf{h}_{t-1} + W_{hx} \\mathbf{x}_t$: the new hidden state depends on the previous one.",
				"Drawn compactly, the hidden layer has an edge back to itself, a cycle. Unrolled, it becomes a chain in which each step hands its state to the next.",
				"Because the state carries information forward, earlier inputs affect later outputs, which is what sequential or temporal data calls for.",
			},
		},
		{
			id:     "input-and-state",
			label:  "Input and previous state",
			prompt: "A hidden unit at time $t$ depends both on the current input $\\mathbf{x}_t$ and on the previous hidden state $\\mathbf{h}_{t-1}$. How does it combine the two?",
			kind:   KindSingleChoice,
			options: []conceptOption{
				{id: "two-weight-sets", correct: true,
					text: "$W_{hx}$ weighs the input, $W_{hh}$ the previous state; the sum goes through $\\psi$.",
					why:  "Right: the two products $W_{hx} \\mathbf{x}_t$ and $W_{hh} \\mathbf{h}_{t-1}$ are added and passed through $\\psi$ to give $\\mathbf{h}_t$."},
				{id: "output-fed-back",
					text: "It feeds the previous prediction $\\hat{\\mathbf{y}}_{t-1}$ back in through $W_{yh}$.",
					why:  "In this network it is the hidden state, not the prediction, that is fed back, and it goes through $W_{hh}$. $W_{yh}$ only maps $\\mathbf{h}_t$ to the output $\\mathbf{o}_t$."},
				{id: "average",
					text: "It averages $\\mathbf{x}_t$ and $\\mathbf{h}_{t-1}$ and multiplies the average by a single matrix.",
					why: fmt.Sprintf("The two vectors need not have the same length (%d and %d in the sample RNN), and each has its own weight matrix; the two products are added, the vectors are never averaged.",
						sample.InputSize, sample.HiddenSize)},
				{id: "fresh-weights",
					text: "It uses a new set of weights at every time step, learned separately for each position in the sequence.",
					why:  "The same $W_{hx}$ and $W_{hh}$ are used at every step. Sharing them is what lets one network read sequences of any length."},
			},
			alts: []conceptQuestion{{
				label:  "Shared weights over time",
				prompt: "In the recitation's RNN, which weight matrices are used at time step 3?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "same", correct: true,
						text: "The same $W_{hx}$, $W_{hh}$ and $W_{yh}$ as at every step.",
						why:  "Right: the weights are shared across time; the unrolled drawing repeats one cell, so each weight counts once."},
					{id: "own-set",
						text: "A third set of $W_{hx}$, $W_{hh}$ and $W_{yh}$, learned for step 3 alone.",
						why:  "There is one set of weights for all steps; that is why an RNN can run on sequences of any length."},
					{id: "only-whh",
						text: "Only $W_{hh}$, since the input was all read at step 1.",
						why:  "Every step reads its own input $\\mathbf{x}_3$ through $W_{hx}$ and produces its output through $W_{yh}$."},
					{id: "no-whh",
						text: "$W_{hx}$ and $W_{yh}$ only: $W_{hh}$ is used once, between steps 1 and 2.",
						why:  "$W_{hh}$ carries the state from every step to the next, so it is used at every step."},
				},
				hints: []string{
					"Look at the equations: does any matrix carry a time index?",
					"How would the network handle a sequence longer than any it was trained on?",
				},
				solution: []string{
					"The equations use $W_{hx}$, $W_{hh}$ and $W_{yh}$ with no time index: the same matrices act at every step.",
					"At step 3: $\\mathbf{z}_3 = W_{hh} \\mathbf{h}_2 + W_{hx} \\mathbf{x}_3$ and $\\mathbf{o}_3 = W_{yh} \\mathbf{h}_3$.",
				},
			}, {
				label:  "The first step",
				prompt: "At the first time step the previous state is $\\mathbf{h}_0 = \\mathbf{0}$. What is $\\mathbf{h}_1$?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "input-term", correct: true,
						text: "$\\psi(W_{hx} \\mathbf{x}_1)$: the recurrent term is zero.",
						why:  "Right: $W_{hh} \\mathbf{h}_0 = \\mathbf{0}$, so $\\mathbf{z}_1 = W_{hx} \\mathbf{x}_1$ and $\\mathbf{h}_1 = \\psi(\\mathbf{z}_1)$."},
					{id: "input-itself",
						text: "$\\mathbf{x}_1$ itself, since there is no state yet.",
						why:  "The input still goes through $W_{hx}$ and $\\psi$; its length need not even match the hidden size."},
					{id: "zero",
						text: "$\\mathbf{0}$, since nothing has been remembered yet.",
						why:  "Only the recurrent term vanishes; the input term $W_{hx} \\mathbf{x}_1$ is not zero in general."},
					{id: "whh-on-input",
						text: "$\\psi(W_{hh} \\mathbf{x}_1)$, the recurrent matrix applied to the input.",
						why:  "$W_{hh}$ multiplies the previous state; the input always goes through $W_{hx}$."},
				},
				hints: []string{
					"Write $\\mathbf{z}_1 = W_{hh} \\mathbf{h}_0 + W_{hx} \\mathbf{x}_1$. What is the first term?",
					"Then apply $\\psi$.",
				},
				solution: []string{
					"$\\mathbf{z}_1 = W_{hh} \\mathbf{0} + W_{hx} \\mathbf{x}_1 = W_{hx} \\mathbf{x}_1$.",
					"$\\mathbf{h}_1 = \\psi(W_{hx} \\mathbf{x}_1)$: the first step sees only its input.",
				},
			}},
			hints: []string{
				"Count the weight matrices in the formula for $\\mathbf{z}_t$.",
				"Which matrix multiplies $\\mathbf{x}_t$, and which multiplies $\\mathbf{h}_{t-1}$?",
			},
			solution: []string{
				"$\\mathbf{z}_t = W_{hh} \\mathbf{h}_{t-1} + W_{hx} \\mathbf{x}_t$ has two terms, each with its own matrix.",
				"$W_{hx}$ weighs the current input; $W_{hh}$ weighs the unit's own previous output. Their sum goes through $\\psi$ to give $\\mathbf{h}_t$.",
				"Both matrices are the same at every time step.",
			},
		},
		{
			id:     "training",
			label:  "Training",
			prompt: "How are the weights of an RNN trained?",
			kind:   KindSingleChoice,
			options: []conceptOption{
				{id: "bptt", correct: true,
					text: "Backpropagation through the unrolled network, adding each weight's gradients over the steps.",
					why:  "Right: this is backpropagation through time. Unrolled, the network is an ordinary graph, and since the same weights appear at every step, their gradients from all steps are added up."},
				{id: "independent-copies",
					text: "Each time step's copy of the weights is updated on its own, so after training every step has its own weights.",
					why:  "The copies in the unrolled graph are one and the same matrix. Each matrix gets a single update that adds up the gradients from every step where it appears."},
				{id: "last-step",
					text: "Only the last time step is differentiated; the earlier steps are treated as constants.",
					why:  "Then the weights could never learn how earlier inputs affect later outputs. The gradient has to flow back through the whole chain of hidden states."},
				{id: "no-gradients",
					text: "The loop makes the chain rule impossible, so RNNs are trained without gradients, for example by random search.",
					why:  "Over a sequence of finite length, unrolling turns the loop into an ordinary feed-forward graph, so the chain rule applies as usual."},
			},
			alts: []conceptQuestion{{
				label:  "The gradient of a shared weight",
				prompt: "In backpropagation through time, how is the gradient of $W_{hh}$ formed?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "sum", correct: true,
						text: "By adding its gradients from every time step.",
						why:  "Right: $W_{hh}$ appears once per step in the unrolled network, and the chain rule adds the contributions of all its uses."},
					{id: "last-only",
						text: "From the last time step only, since that is where the loss is computed.",
						why:  "The loss usually has a term at every step, and even a loss at the last step depends on $W_{hh}$ through every earlier step."},
					{id: "per-step",
						text: "Separately for each step, giving each step its own updated copy of $W_{hh}$.",
						why:  "There is one $W_{hh}$, shared by all steps; the contributions of the steps add up into one update."},
					{id: "fixed",
						text: "It has none: recurrent weights are fixed at the start and never trained.",
						why:  "$W_{hh}$ is a parameter like the others; gradient descent updates it."},
				},
				hints: []string{
					"Unroll the network: how many times does $W_{hh}$ appear?",
					"When one weight is used in several places, what does the chain rule do with the gradients?",
				},
				solution: []string{
					"Unrolled over $T$ steps, the network uses $W_{hh}$ at every step.",
					"The gradient of the loss with respect to $W_{hh}$ is the sum of the gradients through each use: backpropagation through time.",
				},
			}, {
				label:  "Long sequences",
				prompt: "Why can the gradients of an RNN vanish or explode over many time steps?",
				kind:   KindSingleChoice,
				options: []conceptOption{
					{id: "repeated-factor", correct: true,
						text: "The chain rule multiplies by $W_{hh}$ and $\\psi'$ once per step.",
						why:  "Right: going back $k$ steps the gradient picks up $k$ such factors; mostly smaller than 1 it shrinks geometrically, larger than 1 it grows."},
					{id: "loss-at-end",
						text: "Because the loss is computed only at the last step.",
						why:  "A loss at every step has the same problem: what goes wrong is the long product of per-step factors along the chain of hidden states."},
					{id: "own-weights",
						text: "Because each time step has its own weights, which drift apart.",
						why:  "The weights are shared by all steps; sharing them is exactly why the same factor is multiplied in again and again."},
					{id: "sigmoid-rounds",
						text: "Because the output sigmoid $\\sigma$ rounds every prediction to 0 or 1.",
						why:  "The output activation acts once per prediction and is not on the path that carries the gradient back through the hidden states; nor does it round."},
				},
				hints: []string{
					"Write the gradient of a loss at step $t$ with respect to $\\mathbf{h}_{t-k}$ with the chain rule.",
					"What happens to a product of $k$ numbers that are all 0.5? All 2?",
				},
				solution: []string{
					"By the chain rule, going from $\\mathbf{h}_t$ back to $\\mathbf{h}_{t-k}$ multiplies $k$ Jacobians, each built from $W_{hh}$ and $\\psi'$.",
					"If these factors are mostly below 1 the product shrinks towards 0 (vanishing), if above 1 it blows up (exploding); the longer the sequence, the stronger the effect.",
				},
			}},
			hints: []string{
				"Draw the network unrolled over three time steps. What kind of network is that?",
				"Which weights appear in several places of the unrolled graph?",
			},
			solution: []string{
				"Unrolled over $T$ steps, the RNN is a feed-forward network holding $T$ copies of the cell.",
				"Backpropagation works on it as on any feed-forward network; the only twist is that $W_{hx}$, $W_{hh}$ and $W_{yh}$ appear at every step.",
				"A shared weight's gradient is the sum of its gradients at each appearance. The method is called backpropagation through time (BPTT).",
			},
		},
		{
			id:     "explain-memory",
			label:  "In your own words",
			prompt: "Explain in your own words how an RNN can use what came earlier in a sequence, and what unrolling it has to do with training it. A few sentences are enough.",
			kind:   KindSelfCheck,
			hints: []string{
				"What does the hidden state carry from one step to the next?",
				"What does the network look like once every time step is drawn separately?",
			},
			solution: []string{
				"The hidden state is fed back and combined with the next input, with the same weights at every step.",
				"Unrolling draws one copy of the cell per step; training is backpropagation on that chain, summing each shared weight's gradients.",
			},
			modelAnswer: "At each time step the RNN computes its new hidden state from the current input and its previous hidden state, with the same weights every time. " +
				"The hidden state thus works as a memory that summarises the sequence so far, so earlier inputs can influence later outputs. " +
				"Unrolling draws one copy of the cell per time step, which turns the loop into an ordinary feed-forward chain. Backpropagation then works as usual, " +
				"except that each shared weight matrix collects the sum of its gradients from all the steps: backpropagation through time.",
			checklist: []string{
				"The hidden state is fed back and combined with the next input (two weight matrices, $W_{hx}$ and $W_{hh}$).",
				"The same weights are used at every time step.",
				"Unrolling turns the loop into a feed-forward chain with one copy of the cell per step.",
				"Training is backpropagation on the unrolled chain, adding up each shared weight's gradients over the steps (BPTT).",
			},
			alts: []conceptQuestion{{
				label:  "In your own words",
				prompt: "Explain in your own words why an RNN can read sequences of any length with a fixed number of parameters. A few sentences are enough.",
				kind:   KindSelfCheck,
				hints: []string{
					"Which weights does the RNN use at step 1, and which at step 100?",
					"What has to grow with the length of the sequence, and what does not?",
				},
				solution: []string{
					"The RNN applies the same cell, with the same $W_{hx}$, $W_{hh}$ and $W_{yh}$, at every step.",
					"A longer sequence means more steps of the same computation, not more weights; the hidden state has a fixed size too.",
				},
				modelAnswer: "An RNN reads a sequence one element at a time and applies the same cell at every step: the same $W_{hx}$, $W_{hh}$ and $W_{yh}$ " +
					"combine the current input with the hidden state carried from the step before. A longer sequence therefore only means more steps of the same " +
					"computation, not more weights, and the hidden state that carries the past has a fixed size. The parameter count depends on the sizes of " +
					"the input, hidden state and output, never on the sequence length.",
				checklist: []string{
					"The same weights are applied at every time step.",
					"The sequence is read one element per step, so a longer sequence means more steps, not more weights.",
					"The hidden state has a fixed size and carries what came before.",
					"The parameter count depends on the input, hidden and output sizes, not on the length.",
				},
			}, {
				label:  "In your own words",
				prompt: "Explain in your own words what backpropagation through time is, and why the gradient of a shared weight is a sum over the time steps. A few sentences are enough.",
				kind:   KindSelfCheck,
				hints: []string{
					"Draw the RNN with one copy of the cell per time step: what kind of network is that?",
					"If one weight is used in several places, how does a small change to it affect the loss?",
				},
				solution: []string{
					"Unrolled over $T$ steps, the RNN is a feed-forward chain of $T$ copies of the cell.",
					"Backpropagation through time is ordinary backpropagation on that chain.",
					"A shared weight affects the loss through every step that uses it, so its gradient adds up the contributions of all the steps.",
				},
				modelAnswer: "Unrolling the RNN over the $T$ steps of a sequence draws one copy of the cell per step and turns the loop into an ordinary feed-forward " +
					"chain; backpropagation through time is plain backpropagation on that chain, from the loss back to the first step. The copies share their weights, " +
					"so a small change to, say, $W_{hh}$ changes every step at once, and the loss responds to all of those changes together: the gradient of a shared " +
					"weight is the sum of its gradients at each step where it is used.",
				checklist: []string{
					"Unrolling turns the RNN into a feed-forward chain with one copy of the cell per step.",
					"Backpropagation through time is backpropagation on that unrolled chain.",
					"The weights are shared by all the copies.",
					"A shared weight's gradient is the sum of its gradients at every step that uses it.",
				},
			}},
		},
	}
}

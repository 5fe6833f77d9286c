package exercises

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

func cnnParameters() *Exercise {
	return &Exercise{
		ID:           "cnn-parameters",
		Domain:       "params",
		Title:        "CNN parameter count",
		Section:      "3.3",
		SectionTitle: "Parameters",
		Summary:      "Count the parameters of a small CNN's convolutional and fully connected layers and compare their shares of the total.",
		generate:     generateCNNParameters,
	}
}

// cnnCounts are a network's parameters by kind of layer.
type cnnCounts struct {
	conv, fc, total int64
}

func (c *cnnCounts) add(layerType string, params int64) {
	switch layerType {
	case "Conv2d":
		c.conv += params
	case "Linear":
		c.fc += params
	}
	c.total += params
}

// cnnParamCounts is everything the parts need: the right counts, the counts
// the usual mistakes lead to, and each layer's shapes and parameters for
// the worked solutions. All of it comes from compute.PropagateNetwork.
type cnnParamCounts struct {
	right cnnCounts
	// noBias leaves out every bias; perInput gives each conv and fully
	// connected layer one bias per input instead of one per output;
	// oneChannel gives each conv filter a single channel.
	noBias, perInput, oneChannel cnnCounts
	// perLayer has one bias per layer instead of one per output; lastFC
	// is the last fully connected layer's count, the one left out when
	// only the first is counted.
	perLayer cnnCounts
	lastFC   int64
	// in and res are each layer's input shape and result.
	in  [][]int
	res compute.NetworkResult
}

// layerParams runs one layer on a shape and returns its parameters.
func layerParams(in []int, l compute.Layer) (int64, error) {
	res, err := compute.PropagateNetwork(in, []compute.Layer{l})
	if err != nil {
		return 0, err
	}
	return res.Layers[0].Params, nil
}

func countCNNParams(d CNNData) (cnnParamCounts, error) {
	var c cnnParamCounts
	layers := d.computeLayers()
	res, err := compute.PropagateNetwork(d.InputShape, layers)
	if err != nil {
		return c, fmt.Errorf("propagate: %w", err)
	}
	c.res = res
	noBias := make([]compute.Layer, len(layers))
	off := false
	for i, l := range layers {
		noBias[i] = l
		noBias[i].Bias = &off
	}
	noBiasRes, err := compute.PropagateNetwork(d.InputShape, noBias)
	if err != nil {
		return c, fmt.Errorf("propagate without biases: %w", err)
	}
	prev := d.InputShape
	for i, lr := range res.Layers {
		c.in = append(c.in, prev)
		c.right.add(lr.Type, lr.Params)
		c.noBias.add(lr.Type, noBiasRes.Layers[i].Params)
		perInput, oneChannel := lr.Params, lr.Params
		switch lr.Type {
		case "Conv2d":
			// One bias per input channel: the same layer with input and
			// output channels swapped has C_out·C_in·K·K + C_in.
			swapped := layers[i]
			swapped.OutChannels = prev[0]
			if perInput, err = layerParams([]int{lr.OutputShape[0], prev[1], prev[2]}, swapped); err != nil {
				return c, err
			}
			// Filters as deep as one channel: C_out·K·K + C_out.
			if oneChannel, err = layerParams([]int{1, prev[1], prev[2]}, layers[i]); err != nil {
				return c, err
			}
		case "Linear":
			// One bias per input: the layer from out to in features has
			// out·in + in.
			swapped := layers[i]
			swapped.OutFeatures = prev[len(prev)-1]
			if perInput, err = layerParams([]int{lr.OutputShape[len(lr.OutputShape)-1]}, swapped); err != nil {
				return c, err
			}
		}
		c.perInput.add(lr.Type, perInput)
		if lr.Params > 0 {
			c.perLayer.add(lr.Type, noBiasRes.Layers[i].Params+1)
		}
		if lr.Type == "Linear" {
			c.lastFC = lr.Params
		}
		c.oneChannel.add(lr.Type, oneChannel)
		prev = lr.OutputShape
	}
	if c.right.total != res.TotalParams || c.right.conv+c.right.fc != c.right.total {
		return c, fmt.Errorf("cnn-parameters: conv %d + fc %d does not make the total %d", c.right.conv, c.right.fc, res.TotalParams)
	}
	return c, nil
}

func generateCNNParameters(seed uint64, rng *rand.Rand) (*Variant, error) {
	d := recitationCNN()
	if seed == 0 {
		return buildCNNParamsVariant(d)
	}
	// A network from the shape table's generator whose counts stay a size
	// one can add by hand and where neither kind of layer is a rounding error.
	for range 1000 {
		d = drawCNN(rng)
		c, err := countCNNParams(d)
		if err != nil {
			return nil, err
		}
		share := float64(c.right.conv) / float64(c.right.total)
		if c.right.total <= 5_000_000 && share >= 0.005 && share <= 0.995 {
			return buildCNNParamsVariant(d)
		}
	}
	return nil, fmt.Errorf("cnn-parameters: no network found")
}

func buildCNNParamsVariant(d CNNData) (*Variant, error) {
	c, err := countCNNParams(d)
	if err != nil {
		return nil, err
	}
	v := &Variant{Data: d}
	// The shape after each layer is the shape table's answers, so it is
	// not given; the hints and solutions name the sizes each count needs.
	v.Intro = cnnIntro(d)
	v.Parts = []*Part{
		cnnConvParamsPart(d, c),
		cnnFCParamsPart(d, c),
		cnnTotalPart(c),
		cnnSharePart("conv-share", c, true),
		cnnSharePart("fc-share", c, false),
		cnnEfficiencyPart(c),
	}
	v.crossCheck = cnnParamsFollowThrough
	return v, nil
}

// cnnEfficiencyPart asks the handout's question 3.3.5 in words: what the
// counts say about parameter efficiency, and why. The student writes an
// answer, then ticks the key points of the model answer they made; it is
// self-assessed, never scored by Stride.
func cnnEfficiencyPart(c cnnParamCounts) *Part {
	conv, fc := percentText(float64(c.right.conv)/float64(c.right.total)), percentText(float64(c.right.fc)/float64(c.right.total))
	return &Part{
		ID:    "efficiency",
		Label: "Why fully connected layers are so expensive",
		Prompt: "From these counts, what can you say about convolutional and fully connected layers in terms of parameter efficiency? " +
			"Why do you think that is? Answer in a few sentences, then compare with the model answer.",
		Kind:        KindSelfCheck,
		Placeholder: "a few sentences in your own words",
		Format:      "Write a short explanation; you then tick the key points of the model answer you made. It is self-assessed.",
		Hints: []string{
			"Compare the two shares you computed: where do almost all the parameters sit?",
			"How many times is one filter's set of weights used across the image? How many weights connect the flattened vector to the first fully connected layer?",
		},
		ModelAnswer: fmt.Sprintf("The convolutional layer holds only %s %% of the parameters and the fully connected layers %s %%: "+
			"convolutional layers are far more parameter efficient. A filter is small and the same filter is reused at every position "+
			"of the image (weight sharing), so the count does not grow with the image. A fully connected layer connects every input to "+
			"every unit with its own weight, so its count is the product of its input and output sizes, and the flattened image is long.", conv, fc),
		Checklist: []string{
			"Convolutional layers need far fewer parameters than fully connected ones (a small share of the total).",
			"A filter is reused at every position of the input: weight sharing.",
			"A convolution's count does not depend on the image's height and width.",
			"A fully connected layer has one weight per input–unit pair, so a long flattened input makes it expensive.",
		},
		Animation: -1,
		check:     selfCheckPart(),
	}
}

// studentCount is the whole number a student answered for a part, and
// whether that answer was wrong; ok is false when there is none to use.
func studentCount(answers map[string]string, verdicts map[string]*Verdict, id string) (n int64, wrong, ok bool) {
	vd, asked := verdicts[id]
	if !asked || (vd.Status != StatusCorrect && vd.Status != StatusIncorrect) {
		return 0, false, false
	}
	v, err := answer.ParseInteger(answers[id])
	if err != nil {
		return 0, false, false
	}
	return v.Value, vd.Status == StatusIncorrect, true
}

// cnnParamsFollowThrough credits a total that adds the student's own two
// counts, and a share that divides the student's own counts, when an
// earlier count was wrong.
func cnnParamsFollowThrough(answers map[string]string, verdicts map[string]*Verdict) {
	conv, convWrong, convOK := studentCount(answers, verdicts, "conv-params")
	fc, fcWrong, fcOK := studentCount(answers, verdicts, "fc-params")
	if vd, ok := verdicts["total"]; ok && vd.Status == StatusIncorrect && convOK && fcOK && (convWrong || fcWrong) {
		if n, err := answer.ParseInteger(answers["total"]); err == nil && n.Value == conv+fc {
			carryForward(vd, fmt.Sprintf("%d + %d = %d adds your two counts correctly.", conv, fc, n.Value),
				earlierParts(convWrong, "the convolutional count", fcWrong, "the fully connected count"))
		}
	}
	total, totalWrong, totalOK := studentCount(answers, verdicts, "total")
	if !totalOK && convOK && fcOK {
		total, totalWrong, totalOK = conv+fc, convWrong || fcWrong, true
	}
	for _, s := range []struct {
		id, name string
		n        int64
		wrong    bool
		ok       bool
	}{
		{"conv-share", "convolutional", conv, convWrong, convOK},
		{"fc-share", "fully connected", fc, fcWrong, fcOK},
	} {
		vd, asked := verdicts[s.id]
		if !asked || vd.Status != StatusIncorrect || !s.ok || !totalOK || total <= 0 || !(s.wrong || totalWrong) {
			continue
		}
		n, err := answer.ParseNumber(answers[s.id])
		if err != nil {
			continue
		}
		own := float64(s.n) / float64(total) * 100
		if cnnShareTolerance.accepts(n.Float()*100, own) {
			carryForward(vd, fmt.Sprintf("%d / %d = %s%%, your %s count over your total, is divided correctly.", s.n, total, percentText(own/100), s.name),
				earlierParts(s.wrong, "the "+s.name+" count", totalWrong, "the total"))
		}
	}
}

// earlierParts names the earlier parts that were wrong.
func earlierParts(aWrong bool, a string, bWrong bool, b string) string {
	switch {
	case aWrong && bWrong:
		return a + " and " + b
	case aWrong:
		return a
	}
	return b
}

// cnnLayerTerms writes each layer of one type as its count, in math, and
// returns the terms with their values: "(3 \times 12 \times 17 \times 17 + 12)".
func cnnLayerTerms(d CNNData, c cnnParamCounts, layerType string) (terms []string, values []int64) {
	for i, lr := range c.res.Layers {
		if lr.Type != layerType {
			continue
		}
		in, out := c.in[i], lr.OutputShape
		switch layerType {
		case "Conv2d":
			k := d.Layers[i].KernelSize
			terms = append(terms, fmt.Sprintf("(%d \\times %d \\times %d \\times %d + %d)", in[0], out[0], k, k, out[0]))
		case "Linear":
			n, m := in[len(in)-1], out[len(out)-1]
			terms = append(terms, fmt.Sprintf("(%d \\times %d + %d)", n, m, m))
		}
		values = append(values, lr.Params)
	}
	return terms, values
}

// sumText writes "a + b = c" for the values of several layers, or just the
// value of one.
func sumText(values []int64, total int64) string {
	if len(values) == 1 {
		return fmt.Sprint(total)
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " + ") + " = " + fmt.Sprint(total)
}

const cnnCountFormat = "A whole number, exact; thousands separators are fine, as in {example}."

func cnnConvParamsPart(d CNNData, c cnnParamCounts) *Part {
	terms, values := cnnLayerTerms(d, c, "Conv2d")
	var cin, cout, k int
	for i, lr := range c.res.Layers {
		if lr.Type == "Conv2d" {
			cin, cout, k = c.in[i][0], lr.OutputShape[0], d.Layers[i].KernelSize
			break
		}
	}
	expected := c.right.conv
	mistakes := []mistake[int64]{
		{
			id:       "forgot-bias",
			feedback: fmt.Sprintf("That counts the weights only. Every filter also has one bias, so add %d, one per output channel.", cout),
			value:    c.noBias.conv,
		},
		{
			id: "bias-per-input",
			feedback: fmt.Sprintf("You added one bias per input channel (%d). A bias belongs to a filter: each of the %d filters adds one number to its output channel.",
				cin, cout),
			value: c.perInput.conv,
		},
		{
			id: "bias-per-layer",
			feedback: fmt.Sprintf("You gave the layer a single bias. Each of the %d filters has its own bias, added to its own output channel, "+
				"so there are %d biases.", cout, cout),
			value: c.perLayer.conv,
		},
		{
			id: "forgot-input-channels",
			feedback: fmt.Sprintf("You counted each filter as a single $%d \\times %d$ slice. A filter reaches through all %d input channels, "+
				"so it has $%d \\times %d \\times %d$ weights.", k, k, cin, cin, k, k),
			value: c.oneChannel.conv,
		},
	}
	solution := []string{
		fmt.Sprintf("The conv layer reads %d %s (the max-pool before it keeps the channel count) and has %d filters of $%d \\times %d$.",
			cin, plural(cin, "channel", "channels"), cout, k, k),
		fmt.Sprintf("Each filter holds $%d \\times %d \\times %d$ weights, one $%d \\times %d$ slice per input channel, and one bias.", cin, k, k, k, k),
		fmt.Sprintf("$N_{conv} = %s = %s$.", strings.Join(terms, " + "), sumText(values, expected)),
	}
	return &Part{
		ID:     "conv-params",
		Label:  "Convolutional parameters",
		Prompt: "How many learnable parameters does the convolutional layer have?",
		Kind:   KindInteger,
		Format: cnnCountFormat,
		Hints: []string{
			"A filter has one $K \\times K$ slice of weights for every channel it reads, and one bias.",
			fmt.Sprintf("The layer reads %d %s and has %d filters of $%d \\times %d$.", cin, plural(cin, "channel", "channels"), cout, k, k),
			"Multiply $C_{in} \\times C_{out} \\times K \\times K$ for the weights, then add $C_{out}$ biases.",
		},
		Solution:  solution,
		Answer:    fmt.Sprint(expected),
		Input:     fmt.Sprint(expected),
		Animation: -1,
		check: integerCheck(expected, mistakes,
			"Count the weights of one filter (all its input channels), multiply by the number of filters, and add one bias per filter."),
	}
}

func cnnFCParamsPart(d CNNData, c cnnParamCounts) *Part {
	terms, values := cnnLayerTerms(d, c, "Linear")
	var sizes [][2]int
	for i, lr := range c.res.Layers {
		if lr.Type == "Linear" {
			sizes = append(sizes, [2]int{c.in[i][len(c.in[i])-1], lr.OutputShape[len(lr.OutputShape)-1]})
		}
	}
	expected := c.right.fc
	mistakes := []mistake[int64]{
		{
			id:       "forgot-bias",
			feedback: "That counts the weights only. Each unit of a fully connected layer also has a bias.",
			value:    c.noBias.fc,
		},
		{
			id: "bias-per-input",
			feedback: "You gave each layer one bias per input. A bias belongs to a unit: a layer with $m$ units has $m$ biases, " +
				"however many inputs it reads.",
			value: c.perInput.fc,
		},
		{
			id: "bias-per-layer",
			feedback: "You gave each layer a single bias. Every unit of a fully connected layer has its own bias, " +
				"so a layer with $m$ units has $m$ of them.",
			value: c.perLayer.fc,
		},
		{
			id: "missed-fc-layer",
			feedback: "That is the first fully connected layer alone. The network has a second one (the output layer), " +
				"which reads the first one's outputs; add its weights and biases too.",
			value: c.right.fc - c.lastFC,
		},
	}
	var solution []string
	for i, s := range sizes {
		which := "The first fully connected layer"
		if i > 0 {
			which = "The next one"
		}
		solution = append(solution, fmt.Sprintf("%s reads %d numbers and has %d units: $%d \\times %d$ weights and %d biases, $%s = %d$.",
			which, s[0], s[1], s[0], s[1], s[1], strings.Trim(terms[i], "()"), values[i]))
	}
	solution = append(solution, fmt.Sprintf("$N_{fc} = %s = %s$.", strings.Join(terms, " + "), sumText(values, expected)))
	hint2 := "The first one reads the flattened vector; the second reads the outputs of the first."
	if len(sizes) == 2 {
		hint2 = fmt.Sprintf("The first one reads the flattened vector of %d numbers; the second reads the %d outputs of the first.", sizes[0][0], sizes[1][0])
	}
	return &Part{
		ID:     "fc-params",
		Label:  "Fully connected parameters",
		Prompt: "How many parameters do the fully connected layers have, both together?",
		Kind:   KindInteger,
		Format: cnnCountFormat,
		Hints: []string{
			"A fully connected layer with $n$ inputs and $m$ units has an $n \\times m$ weight matrix and $m$ biases.",
			hint2,
		},
		Solution:  solution,
		Answer:    fmt.Sprint(expected),
		Input:     fmt.Sprint(expected),
		Animation: -1,
		check: integerCheck(expected, mistakes,
			"For each fully connected layer multiply its inputs by its units and add one bias per unit; then add the layers up."),
	}
}

func cnnTotalPart(c cnnParamCounts) *Part {
	expected := c.right.total
	mistakes := []mistake[int64]{
		{
			id:       "forgot-bias",
			feedback: "That total has no biases. Every conv filter and every fully connected unit has one.",
			value:    c.noBias.total,
		},
		{
			id:       "bias-per-input",
			feedback: "Your biases follow the inputs of each layer. There is one bias per conv filter and one per fully connected unit, so they follow the outputs.",
			value:    c.perInput.total,
		},
		{
			id:       "bias-per-layer",
			feedback: "That total has one bias per layer. There is one per conv filter and one per fully connected unit.",
			value:    c.perLayer.total,
		},
		{
			id:       "forgot-input-channels",
			feedback: "The conv filters are too thin in that total: each filter reaches through every input channel.",
			value:    c.oneChannel.total,
		},
		{
			id:       "missed-fc-layer",
			feedback: "That total leaves out the second fully connected layer (the output layer); it has weights and biases too.",
			value:    c.right.total - c.lastFC,
		},
	}
	return &Part{
		ID:     "total",
		Label:  "Total parameters",
		Prompt: "How many parameters does the whole network have?",
		Kind:   KindInteger,
		Format: cnnCountFormat,
		Hints: []string{
			"Which layers have anything to learn? Pooling, flattening, ReLU and softmax have fixed rules.",
			"Add the convolutional and the fully connected counts.",
		},
		Solution: []string{
			"Only the conv and fully connected layers have parameters; max-pooling, flatten, ReLU and softmax have none.",
			fmt.Sprintf("$N_{total} = %d + %d = %d$.", c.right.conv, c.right.fc, expected),
		},
		Answer:    fmt.Sprint(expected),
		Input:     fmt.Sprint(expected),
		Animation: -1,
		check:     integerCheck(expected, mistakes, "Add the parameters of the conv layer and of both fully connected layers."),
	}
}

// cnnShareTolerance accepts a percentage to two decimal places.
var cnnShareTolerance = Tolerance{Abs: 0.005, Words: "to two decimal places of the percentage"}

// percentText rounds a fraction to a percentage with two decimals: "2.57".
func percentText(fraction float64) string {
	return fmt.Sprintf("%.2f", math.Round(fraction*10000)/100)
}

func cnnSharePart(id string, c cnnParamCounts, conv bool) *Part {
	part, other := c.right.conv, c.right.fc
	label, name, otherName, sym := "Convolutional share", "convolutional layer", "fully connected layers", "conv"
	if !conv {
		part, other = other, part
		label, name, otherName, sym = "Fully connected share", "fully connected layers", "convolutional layer", "fc"
	}
	fraction := float64(part) / float64(c.right.total)
	pct := percentText(fraction)
	mistakes := []mistake[float64]{
		{
			id:       "swapped-shares",
			feedback: fmt.Sprintf("That is the share of the %s. This part asks for the %s: its own count over the total.", otherName, name),
			value:    float64(other) / float64(c.right.total),
		},
		{
			id:       "divided-by-other",
			feedback: fmt.Sprintf("You divided by the count of the %s. A share of the whole divides by the total number of parameters.", otherName),
			value:    float64(part) / float64(other),
		},
	}
	solution := []string{
		fmt.Sprintf("$N_{%s} / N_{total} = %d / %d = %s\\%%$ (rounded to two decimal places).", sym, part, c.right.total, pct),
	}
	if !conv {
		solution = append(solution,
			"The two exact shares add up to 100 %: every parameter sits in one kind of layer or the other.",
			"The convolutional layer is far more economical because of weight sharing: it learns one small filter per output channel "+
				"and slides that same filter over every position of the image, so its count does not grow with the image at all. "+
				"A fully connected layer gives every input its own weight into every unit, so its count is the product of its input "+
				"and output sizes, and the flattened image is large.")
	}
	return &Part{
		ID:     id,
		Label:  label,
		Prompt: fmt.Sprintf("What share of all the network's parameters belongs to the %s?", name),
		Kind:   KindNumber,
		Format: "A percentage such as {example} or the same share as a fraction such as {example2}; both forms are accepted. " +
			"It counts as right " + cnnShareTolerance.Words + " (within 0.005 percentage points).",
		Hints: []string{
			"A share is the part divided by the whole.",
			fmt.Sprintf("Divide $N_{%s}$ by $N_{total}$; multiply by 100 for a percentage.", sym),
		},
		Solution:  solution,
		Answer:    pct + " %",
		Input:     pct + "%",
		Animation: -1,
		check: shareCheck(fraction, cnnShareTolerance, mistakes,
			fmt.Sprintf("Divide the number of parameters in the %s by the number in the whole network.", name)),
	}
}

package exercises

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises/answer"
)

// AttentionData holds the givens of an attention-parameters variant. A
// symbolic variant has no numbers (its answers are formulas) and is the
// recitation's block: biases, no output projection. A concrete one gives
// d_model and the number of heads, with d_k = d_model/h as in PyTorch's
// nn.MultiheadAttention, and draws its setting: whether the projections
// have biases, whether the output projection W_o is counted, and whether the
// question states d_k or leaves the student to derive it.
type AttentionData struct {
	Symbolic bool `json:"symbolic"`
	DModel   int  `json:"d_model,omitempty"`
	Heads    int  `json:"heads,omitempty"`
	DK       int  `json:"d_k,omitempty"`
	Bias     bool `json:"bias"`
	OutProj  bool `json:"out_proj"`
	DKGiven  bool `json:"d_k_given,omitempty"`
}

func attentionParameters() *Exercise {
	return &Exercise{
		ID:           "attention-parameters",
		Domain:       "attention",
		Title:        "Attention parameters",
		Section:      "2",
		SectionTitle: "Attention Parameters",
		Summary:      "Count the learnable parameters of a multi-head self-attention block, as formulas and for concrete sizes, and see how the count grows.",
		generate:     generateAttentionParameters,
	}
}

// The expected counts of a symbolic variant. Tests evaluate them against
// compute.Attention, so they are checked, not trusted.
const (
	attnWeightRows     = "d_model"
	attnWeightCols     = "d_k"
	attnPerMatrixCount = "d_k (d_model + 1)"
	attnBlockCount     = "3 d_k (d_model + 1) h"
)

// attentionVars are the names a symbolic answer may use.
func attentionVars() []answer.Variable {
	return []answer.Variable{
		{Name: "d_model", Display: "d_{model}", Aliases: []string{"dmodel"}},
		{Name: "d_k", Display: "d_k", Aliases: []string{"dk"}},
		{Name: "h", Display: "h", Aliases: []string{"heads"}},
	}
}

// attentionDomain samples d_k and h and sets d_model = d_k·h, the relation
// the heads are sized by, so 3·d_k·(d_model + 1)·h and 3·d_model·(d_model + 1)
// count as the same answer.
func attentionDomain() answer.Domain {
	return answer.Domain{Lo: 1, Hi: 64, Constrain: func(env map[string]*big.Rat) bool {
		env["d_model"] = new(big.Rat).Mul(env["d_k"], env["h"])
		return true
	}}
}

// attnMistake is a wrong count with its formula (for symbolic variants) and
// its value for the variant's sizes (for concrete ones), computed by
// compute.Attention with the mistaken settings.
type attnMistake struct {
	id, feedback string
	formula      string
	value        int64
	// uses and avoids tell formula mistakes of equal value apart by the
	// variables written (see mistake).
	uses, avoids string
}

// attentionCounts are the counts of one concrete block, right and wrong,
// all from compute.Attention.
type attentionCounts struct {
	dModel, heads, dk int
	bias, outProj     bool
	right             compute.AttentionParams
	flipBias          compute.AttentionParams // the biases left out, or added where there are none
	wide              compute.AttentionParams // d_model used where d_k belongs
	perInput          compute.AttentionParams // one bias per input: a d_k-to-d_model matrix
	flipOut           compute.AttentionParams // W_o left out, or added where it is not asked
	// outParams is the output projection's count in the right setting
	// (0 without it); otherOut is the count of the W_o the other setting
	// would have, with this setting's biases.
	outParams, otherOut int64
}

// countAttention counts a block of d_model = dModel with heads heads and
// d_k = d_model/h, with or without biases and output projection.
func countAttention(dModel, heads int, bias, outProj bool) (attentionCounts, error) {
	c := attentionCounts{dModel: dModel, heads: heads, bias: bias, outProj: outProj}
	var err error
	if c.right, err = compute.Attention(compute.AttentionSpec{DModel: dModel, NumHeads: heads, Bias: bias, OutProj: outProj}); err != nil {
		return c, err
	}
	c.dk = c.right.WeightShape[1]
	specs := []struct {
		dst  *compute.AttentionParams
		spec compute.AttentionSpec
	}{
		{&c.flipBias, compute.AttentionSpec{DModel: dModel, NumHeads: heads, Bias: !bias, OutProj: outProj}},
		{&c.wide, compute.AttentionSpec{DModel: dModel, NumHeads: heads, DK: dModel, Bias: bias, OutProj: outProj}},
		{&c.perInput, compute.AttentionSpec{DModel: c.dk, NumHeads: 1, DK: dModel, Bias: true}},
		{&c.flipOut, compute.AttentionSpec{DModel: dModel, NumHeads: heads, Bias: bias, OutProj: !outProj}},
	}
	for _, s := range specs {
		if *s.dst, err = compute.Attention(s.spec); err != nil {
			return c, err
		}
	}
	// The projections of the heads are the same with or without W_o, so
	// the difference of the totals is W_o's count.
	if outProj {
		c.outParams = c.right.TotalParams - c.flipOut.TotalParams
	} else {
		c.otherOut = c.flipOut.TotalParams - c.right.TotalParams
	}
	return c, nil
}

// attnPerMatrixMistakes are the slips in counting one projection. The
// formulas are those of the symbolic (biased) variant; mistakes that only a
// concrete setting has carry no formula.
func attnPerMatrixMistakes(c attentionCounts) []attnMistake {
	var ms []attnMistake
	if c.bias {
		ms = append(ms,
			attnMistake{
				id: "forgot-bias",
				feedback: "That counts the weights only. The projection also adds a bias to each of the $d_k$ entries of its output, " +
					"so there are $d_k$ more parameters.",
				formula: "d_k d_model",
				value:   c.flipBias.PerMatrixParams,
			},
			attnMistake{
				id: "bias-per-input",
				feedback: "You gave a bias to every input entry. A bias is added to the output, one per entry of the query (or key, or value), " +
					"so there are $d_k$ biases, not $d_{model}$.",
				formula: "(d_k + 1) d_model",
				value:   c.perInput.PerMatrixParams,
			})
	} else {
		ms = append(ms, attnMistake{
			id: "added-bias",
			feedback: "You added a bias, but this block's projections have none (bias=False in PyTorch): " +
				"each matrix has only its $d_{model} \\cdot d_k$ weights.",
			value: c.flipBias.PerMatrixParams,
		})
	}
	wide := "d_model (d_model + 1)"
	heads := "d_k (d_model + 1) h"
	if !c.bias {
		wide, heads = "", ""
	}
	return append(ms,
		attnMistake{
			id: "d-model-for-d-k",
			feedback: "You used $d_{model}$ for both sides of the matrix. Each matrix maps a vector of length $d_{model}$ to one of length $d_k$, " +
				"so one side is $d_k$.",
			formula: wide,
			value:   c.wide.PerMatrixParams,
			avoids:  "h",
		},
		attnMistake{
			// Equal in value to the one above, since d_k h = d_model; told
			// apart by whether the answer counts heads.
			id: "all-heads",
			feedback: "That counts one projection for all $h$ heads together. The question asks about one matrix of one head: " +
				"it maps $d_{model}$ entries to $d_k$, so leave out the factor $h$.",
			formula: heads,
			value:   c.wide.PerMatrixParams,
			uses:    "h",
		})
}

// attnBlockMistakes are the slips in counting the whole block; see
// attnPerMatrixMistakes for the formulas.
func attnBlockMistakes(c attentionCounts) []attnMistake {
	per, h := c.right.PerMatrixParams, int64(c.heads)
	sym := func(f string) string {
		if c.bias && !c.outProj {
			return f
		}
		return ""
	}
	ms := []attnMistake{
		{
			id:       "forgot-heads",
			feedback: "That is one head's worth. Every one of the $h$ heads has its own three matrices, so multiply them by $h$.",
			formula:  sym("3 d_k (d_model + 1)"),
			value:    3*per + c.outParams,
		},
		{
			id:       "forgot-three",
			feedback: "That counts one matrix per head. Each head has three of them, $W_q$, $W_k$ and $W_v$, so multiply by 3.",
			formula:  sym("d_k (d_model + 1) h"),
			value:    per*h + c.outParams,
		},
	}
	if c.bias {
		ms = append(ms, attnMistake{
			id:       "forgot-bias",
			feedback: "That leaves out the biases: each of the $3h$ matrices has $d_k$ of them" + map[bool]string{true: ", and $W_o$ has $d_{model}$.", false: "."}[c.outProj],
			formula:  sym("3 d_k d_model h"),
			value:    c.flipBias.TotalParams,
		})
	} else {
		ms = append(ms, attnMistake{
			id:       "added-bias",
			feedback: "You counted biases, but this block has none (bias=False in PyTorch): count the weights only.",
			value:    c.flipBias.TotalParams,
		})
	}
	ms = append(ms, attnMistake{
		id: "d-model-for-d-k",
		feedback: "You made every head's matrices $d_{model}$ wide. A head projects to only $d_k = d_{model}/h$ entries; " +
			"the heads share the model width instead of each taking all of it.",
		formula: sym("3 d_model (d_model + 1) h"),
		value:   c.wide.TotalParams,
	})
	if c.outProj {
		return append(ms, attnMistake{
			id: "forgot-out-proj",
			feedback: "That is the heads' projections only. This question counts the output projection $W_o$ too: it maps the " +
				"$h \\cdot d_k = d_{model}$ joined head outputs back to $d_{model}$ entries.",
			value: c.flipOut.TotalParams,
		})
	}
	return append(ms, attnMistake{
		id: "added-out-proj",
		feedback: "You included an output projection $W_o$. This question counts the block as the lecture draws it, " +
			"with the query, key and value projections of the heads only.",
		formula: sym("3 d_k (d_model + 1) h + d_model (d_model + 1)"),
		value:   c.flipOut.TotalParams,
	})
}

func generateAttentionParameters(seed uint64, rng *rand.Rand) (*Variant, error) {
	// Seed 0 is the recitation's question, in symbols; every other seed
	// draws its own sizes.
	d := AttentionData{Symbolic: true, Bias: true}
	if seed != 0 {
		d = drawAttention(rng)
	}
	return buildAttentionVariant(d, rng, seed != 0)
}

// drawAttention draws a concrete block: a common model width, at least two
// heads, a whole d_k, and the setting (biases, W_o, d_k stated or derived).
func drawAttention(rng *rand.Rand) AttentionData {
	for {
		dModel := []int{64, 128, 256, 512, 768, 1024}[rng.IntN(6)]
		heads := []int{2, 4, 8, 12, 16}[rng.IntN(5)]
		if dModel%heads != 0 {
			continue
		}
		return AttentionData{DModel: dModel, Heads: heads, DK: dModel / heads,
			Bias: rng.IntN(2) == 0, OutProj: rng.IntN(2) == 0, DKGiven: rng.IntN(2) == 0}
	}
}

// BuildAttention builds the variant for d, as the built-in
// attention-parameters does; shuffle mixes the order of the options of the
// choice part (the built-in does for every seed but 0). Authored files
// build their variants here too.
func BuildAttention(d AttentionData, rng *rand.Rand, shuffle bool) (*Variant, error) {
	if !d.Symbolic && (d.DModel < 1 || d.Heads < 1 || d.DModel%d.Heads != 0 || d.DK != d.DModel/d.Heads) {
		return nil, fmt.Errorf("attention: d_model %d must split evenly into %d heads of d_k = d_model/h", d.DModel, d.Heads)
	}
	return buildAttentionVariant(d, rng, shuffle)
}

// buildAttentionVariant makes the variant for d; shuffle mixes the order of
// the options of the choice part.
func buildAttentionVariant(d AttentionData, rng *rand.Rand, shuffle bool) (*Variant, error) {
	// The data goes to clients with the question, so a d_k the student is
	// to derive is left out of it.
	public := d
	if !d.Symbolic && !d.DKGiven {
		public.DK = 0
	}
	v := &Variant{Data: public}
	vars := attentionVars()
	dom := attentionDomain()
	biasText := ", with a learned bias added each time,"
	if !d.Bias {
		biasText = " (this block has no biases, like PyTorch's bias=False),"
	}
	v.Intro = []Block{{Text: "In a self-attention block each input vector $\\mathbf{x}_i$ is projected three times: multiplied by the learned " +
		"matrices $W_q$, $W_k$ and $W_v$" + biasText + " it becomes a query, a key and a value. " +
		"A block with several heads gives every head its own three matrices."}}
	if d.Symbolic {
		v.Intro = append(v.Intro, Block{Text: "The sizes have names: $d_{model}$ is the length of each input vector $\\mathbf{x}_i$, " +
			"$d_k$ the length of each query, key and value vector, and $h$ the number of heads. " +
			"As usual the heads split the model width between them, so $d_k = d_{model}/h$."})
	} else if d.DKGiven {
		v.Intro = append(v.Intro, Block{Text: fmt.Sprintf("Here each input vector $\\mathbf{x}_i$ has $d_{model} = %d$ entries, the block has "+
			"$h = %d$ heads, and every query, key and value vector has $d_k = %d$ entries.", d.DModel, d.Heads, d.DK)})
	} else {
		v.Intro = append(v.Intro, Block{Text: fmt.Sprintf("Here each input vector $\\mathbf{x}_i$ has $d_{model} = %d$ entries and the block has "+
			"$h = %d$ heads. The heads split the model width between them, as in PyTorch's nn.MultiheadAttention: "+
			"every query, key and value vector has $d_k = d_{model}/h$ entries, which you work out.", d.DModel, d.Heads)})
	}
	if d.OutProj {
		v.Intro = append(v.Intro, Block{Text: "Count the whole layer as PyTorch's nn.MultiheadAttention does: the query, key and value projections " +
			"of every head, and also the output projection $W_o$, which maps the $h \\cdot d_k$ joined head outputs back to $d_{model}$ entries" +
			map[bool]string{true: " and has its own bias.", false: " (without a bias, like the rest of this block)."}[d.Bias]})
	} else {
		v.Intro = append(v.Intro, Block{Text: "Count the block the way the lecture draws it: the query, key and value projections of every head, " +
			"and no output projection after the heads are joined."})
	}

	// The concrete counts; a symbolic variant still uses them to illustrate
	// the growth, with 512 and 8 heads.
	dModel, heads := d.DModel, d.Heads
	if d.Symbolic {
		dModel, heads = 512, 8
	}
	c, err := countAttention(dModel, heads, d.Bias, d.OutProj)
	if err != nil {
		return nil, err
	}
	if !d.Symbolic && (c.dk != d.DK || c.right.WeightShape[0] != d.DModel) {
		return nil, fmt.Errorf("attention: d_k is %d, want %d", c.dk, d.DK)
	}
	doubled, err := countAttention(2*dModel, heads, d.Bias, d.OutProj)
	if err != nil {
		return nil, err
	}

	v.Parts = []*Part{
		attnWeightShapePart(d, c, vars, dom),
		attnPerMatrixPart(d, c, vars, dom),
		attnBlockPart(d, c, vars, dom),
		attnOtherParamsPart(rng, shuffle),
		attnBigOPart(c, doubled, vars),
	}
	v.crossCheck = func(answers map[string]string, verdicts map[string]*Verdict) {
		attnFollowThrough(d, c, vars, dom, answers, verdicts)
	}
	return v, nil
}

// attnFollowThrough credits a block count that is three projections per
// head of the student's own (wrong) count for one projection.
func attnFollowThrough(d AttentionData, c attentionCounts, vars []answer.Variable, dom answer.Domain, answers map[string]string, verdicts map[string]*Verdict) {
	per, okPer := verdicts["params-per-matrix"]
	block, okBlock := verdicts["block-params"]
	if !okPer || !okBlock || per.Status != StatusIncorrect || block.Status != StatusIncorrect {
		return
	}
	if d.Symbolic {
		own, err := answer.ParseFormula("3 h ("+answers["params-per-matrix"]+")", vars)
		if err != nil {
			return
		}
		got, err := answer.ParseFormula(answers["block-params"], vars)
		if err == nil && answer.Equivalent(got, own, vars, dom) {
			carryForward(block, "three projections per head for each of the $h$ heads, $3h$ times your count for one projection.",
				"the count for one projection")
		}
		return
	}
	p, err1 := answer.ParseInteger(answers["params-per-matrix"])
	b, err2 := answer.ParseInteger(answers["block-params"])
	if err1 != nil || err2 != nil {
		return
	}
	if c.outProj && b.Value == 3*int64(d.Heads)*p.Value+c.outParams {
		// W_o's count is the student's own work in this part, so only the
		// sum is shown, never W_o's count on its own.
		carryForward(block, fmt.Sprintf("%d, three projections per head for %d heads from your count for one projection, plus the right count for $W_o$.",
			b.Value, d.Heads), "the count for one projection")
	} else if !c.outProj && b.Value == 3*int64(d.Heads)*p.Value {
		carryForward(block, fmt.Sprintf("$3 \\cdot %d \\cdot %d = %d$, three projections per head for %d heads, from your count for one projection.",
			d.Heads, p.Value, b.Value, d.Heads), "the count for one projection")
	}
}

func attnWeightShapePart(d AttentionData, c attentionCounts, vars []answer.Variable, dom answer.Domain) *Part {
	p := &Part{
		ID:    "weight-shape",
		Label: "Shape of the projections",
		Prompt: "What is the shape of each of $W_q$, $W_k$ and $W_v$" + map[bool]string{true: ", leaving the biases out", false: ""}[d.Bias] +
			"? Treat each $\\mathbf{x}_i$ as a row vector, so its query is $\\mathbf{q}_i = \\mathbf{x}_i W_q$.",
		Kind:      KindShape,
		Animation: -1,
	}
	generic := "Think of $\\mathbf{x}_i$ as a row vector: which shape turns it into a query by one matrix product?"
	if d.Symbolic {
		p.Placeholder = "e.g. h x d_model"
		p.Format = "Write rows × columns using the names `d_model`, `d_k` and `h`, separated by x, × or a comma, like `(h, d_model)`."
		p.Hints = []string{
			"Each matrix turns one input vector into one query (or key, or value).",
			"Treat $\\mathbf{x}_i$ as a row of length $d_{model}$. The product $\\mathbf{x}_i W_q$ must be a row of length $d_k$. " +
				"How many rows and columns must $W_q$ have for that?",
		}
		p.Solution = []string{
			"$\\mathbf{x}_i$ is a $1 \\times d_{model}$ row, and its query $\\mathbf{q}_i = \\mathbf{x}_i W_q$ is a $1 \\times d_k$ row.",
			"Multiplying a $1 \\times d_{model}$ row by a matrix needs $d_{model}$ rows, and the result has one entry per column, " +
				"so $W_q$ is $d_{model} \\times d_k$. $W_k$ and $W_v$ do the same job for keys and values, so they have the same shape.",
		}
		p.Answer = "$d_{model} \\times d_k$"
		p.Input = attnWeightRows + " x " + attnWeightCols
		p.mathReadAs = true
		p.check = symbolicShapeCheck([]string{attnWeightRows, attnWeightCols}, vars, dom, []mistake[[]string]{{
			id: "d-model-for-d-k",
			feedback: "A square matrix would keep the vector at length $d_{model}$. The projection makes it a query of length $d_k$, " +
				"so the second dimension is $d_k$.",
			value: []string{"d_model", "d_model"},
		}}, generic)
		return p
	}
	rows, cols := c.right.WeightShape[0], c.right.WeightShape[1]
	p.Format = "Write rows × columns, like {example} or {example2}."
	p.Hints = []string{
		"Each matrix turns one input vector into one query (or key, or value).",
		fmt.Sprintf("Treat $\\mathbf{x}_i$ as a row of %d numbers. The product $\\mathbf{x}_i W_q$ must be a row of $d_k$ numbers"+dkHint(d)+". "+
			"How many rows and columns must $W_q$ have for that?", d.DModel),
	}
	p.Solution = []string{
		fmt.Sprintf("$\\mathbf{x}_i$ is a $1 \\times %d$ row, and its query $\\mathbf{q}_i = \\mathbf{x}_i W_q$ is a $1 \\times %d$ row%s.", d.DModel, d.DK, dkSolution(d)),
		fmt.Sprintf("Multiplying a $1 \\times %d$ row by a matrix needs %d rows, and the result has one entry per column, "+
			"so $W_q$ is $%d \\times %d$ ($d_{model} \\times d_k$). $W_k$ and $W_v$ have the same shape.", d.DModel, d.DModel, rows, cols),
	}
	p.Answer = fmt.Sprintf("%d×%d", rows, cols)
	p.Input = fmt.Sprintf("%dx%d", rows, cols)
	p.check = shapeCheck([]int{rows, cols}, []mistake[[]int]{
		{
			id: "d-model-for-d-k",
			feedback: fmt.Sprintf("A square matrix would keep the vector at length %d. The projection makes it a query of length $d_k = %d$, "+
				"so the second dimension is %d.", d.DModel, d.DK, d.DK),
			value: []int{c.wide.WeightShape[0], c.wide.WeightShape[1]},
		},
		{
			id: "transposed",
			feedback: fmt.Sprintf("These are the right sizes in the wrong order. With the input as a row vector, $\\mathbf{x}_i W_q$ needs "+
				"%d rows and %d columns: $d_{model} \\times d_k$. (PyTorch's nn.Linear stores its weight the other way round, but the lecture writes it this way.)", rows, cols),
			value: []int{cols, rows},
		},
	}, generic)
	return p
}

func attnPerMatrixPart(d AttentionData, c attentionCounts, vars []answer.Variable, dom answer.Domain) *Part {
	p := &Part{
		ID:        "params-per-matrix",
		Label:     "Parameters per projection",
		Prompt:    "How many parameters does each of $W_q$, $W_k$ and $W_v$ have, counting its bias?",
		Animation: -1,
		Hints: []string{
			"Start with the entries of the weight matrix from the previous part.",
			"Then add the bias: one number added to each entry of the output vector, so as many biases as the output has entries.",
		},
	}
	generic := "Count the weight entries (rows times columns), then add one bias per entry of the output."
	ms := attnPerMatrixMistakes(c)
	if d.Symbolic {
		p.Kind = KindFormula
		p.Placeholder = "e.g. h (d_model + 2)"
		p.Format = "A formula in `d_model`, `d_k` and `h`; write products as `d_k*h`, `d_k·h` or `d_k h` and use brackets as needed. Any equivalent form is accepted."
		p.Solution = []string{
			"The weights: $W_q$ is $d_{model} \\times d_k$, so it has $d_{model} \\cdot d_k$ entries.",
			"The bias: one per entry of the query, so $d_k$ of them.",
			"Together: $d_{model} \\cdot d_k + d_k = d_k (d_{model} + 1)$. The same holds for $W_k$ and $W_v$.",
		}
		p.Answer = "$d_k (d_{model} + 1)$"
		// The bracket first, so the expected answer does not end in one.
		p.Input = "(d_model + 1) d_k"
		p.check = formulaCheck(attnPerMatrixCount, vars, dom, symbolicMistakes(ms), generic)
		return p
	}
	total := c.right.PerMatrixParams
	weights := int64(d.DModel) * int64(d.DK)
	p.Kind = KindInteger
	p.Format = "A whole number, exact; thousands separators are fine, as in {example}."
	p.Solution = []string{
		fmt.Sprintf("The weights: $W_q$ is $%d \\times %d$%s, so it has $%d \\cdot %d = %d$ entries.", d.DModel, d.DK, dkSolution(d), d.DModel, d.DK, weights),
		fmt.Sprintf("The bias: one per entry of the query, so %d of them.", d.DK),
		fmt.Sprintf("Together: $d_k (d_{model} + 1) = %d \\cdot (%d + 1) = %d$. The same holds for $W_k$ and $W_v$.", d.DK, d.DModel, total),
	}
	if !d.Bias {
		p.Prompt = "How many parameters does each of $W_q$, $W_k$ and $W_v$ have? This block's projections have no bias."
		p.Hints = []string{
			"Work out the shape of the weight matrix first, as in the previous part.",
			"With no bias, the parameters are just the entries of the matrix: rows times columns.",
		}
		generic = "Count the weight entries: rows times columns."
		p.Solution = []string{
			p.Solution[0],
			fmt.Sprintf("There is no bias, so that is all: %d. The same holds for $W_k$ and $W_v$.", total),
		}
	}
	p.Answer = fmt.Sprint(total)
	p.Input = fmt.Sprint(total)
	p.check = integerCheck(total, concreteMistakes(ms), generic)
	return p
}

func attnBlockPart(d AttentionData, c attentionCounts, vars []answer.Variable, dom answer.Domain) *Part {
	p := &Part{
		ID:        "block-params",
		Label:     "Parameters of the block",
		Prompt:    "How many parameters does the whole multi-head attention block have, as drawn in lecture (no output projection)?",
		Animation: -1,
	}
	generic := "Multiply the count of one projection by the number of projections per head and by the number of heads."
	ms := attnBlockMistakes(c)
	if d.Symbolic {
		p.Kind = KindFormula
		p.Placeholder = "e.g. 2 h (d_k + 1)"
		p.Format = "A formula in `d_model`, `d_k` and `h`; write products as `d_k*h`, `d_k·h` or `d_k h`. Any equivalent form is accepted, " +
			"including one simplified with $d_k h = d_{model}$."
		p.Hints = []string{
			"Each head has its own $W_q$, $W_k$ and $W_v$.",
			"Multiply your count for one matrix by the number of matrices per head, then by the number of heads.",
			"You may simplify with $d_k \\cdot h = d_{model}$.",
		}
		p.Solution = []string{
			"One head has three projections of $d_k (d_{model} + 1)$ parameters each: $3 d_k (d_{model} + 1)$.",
			"The $h$ heads each have their own: $3 d_k (d_{model} + 1) h$.",
			"Because $d_k h = d_{model}$, this is also $3 d_{model} (d_{model} + 1)$: the number of heads does not change the total.",
		}
		p.Answer = "$3 d_k (d_{model} + 1) h = 3 d_{model} (d_{model} + 1)$"
		p.Input = attnBlockCount
		p.check = formulaCheck(attnBlockCount, vars, dom, symbolicMistakes(ms), generic)
		return p
	}
	perMatrix, perHead, total := c.right.PerMatrixParams, c.right.PerHeadParams, c.right.TotalParams
	heads := perHead * int64(d.Heads)
	p.Kind = KindInteger
	p.Format = "A whole number, exact; thousands separators are fine, as in {example}."
	check, checkFormula := attnClosedForm(d)
	p.Hints = []string{
		"Each head has its own $W_q$, $W_k$ and $W_v$.",
		"Multiply your count for one matrix by the number of matrices per head, then by the number of heads.",
		"You can check the result with $" + checkFormula + "$, which uses $d_k h = d_{model}$.",
	}
	p.Solution = []string{
		fmt.Sprintf("One head has three projections of %d parameters each: $3 \\cdot %d = %d$.", perMatrix, perMatrix, perHead),
		fmt.Sprintf("The %d heads each have their own: $%d \\cdot %d = %d$.", d.Heads, perHead, d.Heads, heads),
	}
	if d.OutProj {
		p.Prompt = "How many parameters does the whole multi-head attention layer have, including the output projection $W_o$?"
		p.Hints[1] = "Multiply your count for one matrix by the number of matrices per head and by the number of heads; then add $W_o$, " +
			"a $(h \\cdot d_k) \\times d_{model}$ matrix" + map[bool]string{true: " with a bias per output entry.", false: "."}[d.Bias]
		generic += " Then add the output projection $W_o$."
		wo := fmt.Sprintf("$W_o$ is $%d \\times %d$: %d weights", d.Heads*d.DK, d.DModel, int64(d.Heads*d.DK)*int64(d.DModel))
		if d.Bias {
			wo += fmt.Sprintf(" and %d biases, %d in all", d.DModel, c.outParams)
		}
		p.Solution = append(p.Solution, wo+".",
			fmt.Sprintf("Together: $%d + %d = %d$.", heads, c.outParams, total))
	}
	p.Solution = append(p.Solution, fmt.Sprintf("Check with $d_k h = d_{model}$: $%s = %d$.", check, total))
	p.Answer = fmt.Sprint(total)
	p.Input = fmt.Sprint(total)
	p.check = integerCheck(total, concreteMistakes(ms), generic)
	return p
}

// attnOptions are the choices of the other-params part; the first four are
// right.
func attnOptions() (opts []Option, right []string, why map[string]string) {
	opts = []Option{
		{ID: "feed-forward", Text: "The fully connected (feed-forward) layers that follow each attention block"},
		{ID: "softmax", Text: "The softmax that turns the attention scores into weights"},
		{ID: "embedding", Text: "The embedding layer that turns each token into its input vector $\\mathbf{x}_i$"},
		{ID: "scaling", Text: "The division of the attention scores by $\\sqrt{d_k}$"},
		{ID: "normalization", Text: "The normalization layers"},
		{ID: "residual", Text: "The residual (skip) connections around each block"},
		{ID: "positional", Text: "Positional embeddings, when they are learned"},
		{ID: "attention-weights", Text: "The matrix of attention weights computed from the queries and keys"},
	}
	right = []string{"feed-forward", "embedding", "normalization", "positional"}
	why = map[string]string{
		"softmax":           "The softmax is a fixed function; it has nothing to learn.",
		"scaling":           "The factor $1/\\sqrt{d_k}$ is set by the size $d_k$, not learned.",
		"residual":          "A residual connection only adds a block's input to its output; it has no weights.",
		"attention-weights": "The attention weights are recomputed from the queries and keys for every input: they are activations, not parameters. The parameters behind them are in $W_q$ and $W_k$.",
	}
	return opts, right, why
}

func attnOtherParamsPart(rng *rand.Rand, shuffle bool) *Part {
	opts, right, why := attnOptions()
	if shuffle {
		rng.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	}
	// The input lists the right options in the order they are shown.
	var input string
	for _, o := range opts {
		for _, r := range right {
			if o.ID == r {
				if input != "" {
					input += ","
				}
				input += o.ID
			}
		}
	}
	return &Part{
		ID:          "other-params",
		Label:       "Other parameters",
		Prompt:      "Besides the attention projections, where else does a transformer have learnable parameters? Select all that apply.",
		Kind:        KindMultipleChoice,
		Placeholder: "select every option that applies",
		Format:      "Select every option that applies; it counts as right only when exactly the right ones are selected.",
		Options:     opts,
		Hints: []string{
			"A parameter is a number that training adjusts and the model stores. Fixed operations, and values recomputed from each input, do not count.",
			"Think about what happens before the first block (turning tokens into vectors, telling positions apart) and around each attention block (the layer after it, and the layers that rescale activations).",
		},
		Solution: []string{
			"The feed-forward layers in every block have weight matrices and biases, usually more of them than the attention itself.",
			"The embedding layer is a learned table holding one vector per token of the vocabulary.",
			"Each normalization layer learns a scale and a shift for every feature.",
			"Learned positional embeddings are a table with one vector per position (fixed sinusoidal ones have nothing to learn).",
			"The softmax, the $1/\\sqrt{d_k}$ scaling and the residual additions are fixed operations, and the attention weights are recomputed for every input, so none of them are parameters.",
		},
		Answer:    "The feed-forward layers, the embedding layer, the normalization layers and learned positional embeddings",
		Input:     input,
		Animation: -1,
		check:     multipleChoiceCheck(opts, right, why),
	}
}

func attnBigOPart(c, doubled attentionCounts, vars []answer.Variable) *Part {
	ratio := float64(doubled.right.TotalParams) / float64(c.right.TotalParams)
	return &Part{
		ID:          "big-o",
		Label:       "Growth with the model width",
		Prompt:      "How does the number of parameters of the block grow with the length $d_{model}$ of the input vectors? Give it in big-O notation.",
		Kind:        KindFormula,
		Placeholder: "e.g. O(d_model^3)",
		Format:      "Write `O(…)` around an expression in `d_model`, like `O(d_model^3)`; constant factors and slower-growing terms do not matter.",
		Hints: []string{
			"Take your count for the whole block and replace $d_k$ by $d_{model}/h$. Does $h$ still appear?",
			"Multiply out the brackets and keep the term that grows fastest in $d_{model}$.",
		},
		Solution: []string{
			"With $d_k = d_{model}/h$ the block has $" + growthText(c) + "$ parameters, whatever $h$ is.",
			"For large $d_{model}$ the square term dominates and big-O drops constant factors: $O(d_{model}^2)$.",
			fmt.Sprintf("For example, with %d heads, $d_{model} = %d$ gives %d parameters and $d_{model} = %d$ gives %d, "+
				"about %.2f times as many: doubling the width roughly quadruples the count.",
				c.heads, c.dModel, c.right.TotalParams, doubled.dModel, doubled.right.TotalParams, ratio),
		},
		Answer:    "$O(d_{model}^2)$",
		Input:     "O(d_model^2)",
		Animation: -1,
		check:     bigOCheck("d_model", 2, vars, attentionGrowth, "Write the block's count as a polynomial in $d_{model}$ and keep its fastest-growing term."),
	}
}

// attentionGrowth sets the sizes for a width x: the heads stay fixed and
// split the width, so d_k = d_model/h grows with it.
func attentionGrowth(x int64) map[string]*big.Rat {
	const heads = 8
	return map[string]*big.Rat{
		"d_model": new(big.Rat).SetInt64(x),
		"h":       new(big.Rat).SetInt64(heads),
		"d_k":     new(big.Rat).SetFrac64(x, heads),
	}
}

// symbolicMistakes turns attention mistakes into formula mistakes.
func symbolicMistakes(ms []attnMistake) []mistake[string] {
	out := make([]mistake[string], len(ms))
	for i, m := range ms {
		out[i] = mistake[string]{id: m.id, feedback: m.feedback, value: m.formula, uses: m.uses, avoids: m.avoids}
	}
	return out
}

// concreteMistakes turns attention mistakes into integer mistakes.
func concreteMistakes(ms []attnMistake) []mistake[int64] {
	out := make([]mistake[int64], len(ms))
	for i, m := range ms {
		out[i] = mistake[int64]{id: m.id, feedback: m.feedback, value: m.value}
	}
	return out
}

// dkHint reminds the student where d_k comes from when the question leaves
// it to be derived.
func dkHint(d AttentionData) string {
	if d.DKGiven {
		return ""
	}
	return ", where $d_k = d_{model}/h$"
}

// dkSolution works d_k out in a solution when the question did not state it.
func dkSolution(d AttentionData) string {
	if d.DKGiven {
		return ""
	}
	return fmt.Sprintf(" (since $d_k = %d / %d = %d$)", d.DModel, d.Heads, d.DK)
}

// attnClosedForm is the block's count written with d_k h = d_model, in
// numbers for d and as a formula: 3 projections per head, plus W_o.
func attnClosedForm(d AttentionData) (numbers, formula string) {
	n := 3
	if d.OutProj {
		n = 4
	}
	if d.Bias {
		return fmt.Sprintf("%d \\cdot %d \\cdot (%d + 1)", n, d.DModel, d.DModel), fmt.Sprintf("%d d_{model} (d_{model} + 1)", n)
	}
	return fmt.Sprintf("%d \\cdot %d^2", n, d.DModel), fmt.Sprintf("%d d_{model}^2", n)
}

// growthText is the block's count as a polynomial in d_model.
func growthText(c attentionCounts) string {
	n := 3
	if c.outProj {
		n = 4
	}
	if c.bias {
		return fmt.Sprintf("%d d_{model} (d_{model} + 1) = %d d_{model}^2 + %d d_{model}", n, n, n)
	}
	return fmt.Sprintf("%d d_{model}^2", n)
}

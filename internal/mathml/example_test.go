package mathml_test

import (
	"fmt"

	"github.com/stride-tutor/stride/internal/mathml"
)

func ExampleRender() {
	html, err := mathml.Render(`With $d_k = d_{model} / h$ & no JavaScript.`)
	fmt.Println(html)
	fmt.Println(err)
	// Output:
	// With <math><msub><mi>d</mi><mi>k</mi></msub><mo>=</mo><msub><mi>d</mi><mi>model</mi></msub><mo>/</mo><mi>h</mi></math> &amp; no JavaScript.
	// <nil>
}

func ExampleRender_unknownCommand() {
	html, err := mathml.Render(`$\alpah + 1$`)
	fmt.Println(html)
	fmt.Println(err)
	// Output:
	// <math><mtext>\alpah</mtext><mo>+</mo><mn>1</mn></math>
	// mathml: offset 1: unknown command \alpah
}

func ExamplePlain() {
	fmt.Println(mathml.Plain(`Each head has $W_q \in \mathbb{R}^{d_{model} \times d_k}$ and $O(d_{model}^2)$ cost.`))
	// Output:
	// Each head has W_q ∈ ℝ^(d_model×d_k) and O(d_model²) cost.
}

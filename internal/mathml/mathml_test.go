package mathml

import (
	"errors"
	"strings"
	"testing"
)

func TestRenderMathML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"negative number", `$-22$`,
			`<math><mo>−</mo><mn>22</mn></math>`},
		{"times", `$3 \times 3$`,
			`<math><mn>3</mn><mo>×</mo><mn>3</mn></math>`},
		{"conv output size", `$W_{out} = \lfloor \frac{W_{in} - K + 2P}{S} \rfloor + 1$`,
			`<math><msub><mi>W</mi><mi>out</mi></msub><mo>=</mo>` +
				`<mrow><mo>⌊</mo><mfrac><mrow><msub><mi>W</mi><mi>in</mi></msub><mo>−</mo><mi>K</mi>` +
				`<mo>+</mo><mn>2</mn><mi>P</mi></mrow><mi>S</mi></mfrac><mo>⌋</mo></mrow>` +
				`<mo>+</mo><mn>1</mn></math>`},
		{"word subscript and parentheses", `$d_k (d_{model} + 1)$`,
			`<math><msub><mi>d</mi><mi>k</mi></msub><mrow><mo>(</mo>` +
				`<msub><mi>d</mi><mi>model</mi></msub><mo>+</mo><mn>1</mn><mo>)</mo></mrow></math>`},
		{"subsup", `$O(d_{model}^2)$`,
			`<math><mi>O</mi><mrow><mo>(</mo><msubsup><mi>d</mi><mi>model</mi><mn>2</mn></msubsup>` +
				`<mo>)</mo></mrow></math>`},
		{"bold and double-struck", `$\mathbf{x}_t \in \mathbb{R}^3$`,
			`<math><msub><mi>𝐱</mi><mi>t</mi></msub><mo>∈</mo><msup><mi>ℝ</mi><mn>3</mn></msup></math>`},
		{"accent", `$\hat{\mathbf{y}}_t = \sigma(\mathbf{o}_t)$`,
			`<math><msub><mover accent="true"><mi>𝐲</mi><mo>ˆ</mo></mover><mi>t</mi></msub><mo>=</mo>` +
				`<mi>σ</mi><mrow><mo>(</mo><msub><mi>𝐨</mi><mi>t</mi></msub><mo>)</mo></mrow></math>`},
		{"shape with at", `$12@48 \times 48$`,
			`<math><mn>12</mn><mi>@</mi><mn>48</mn><mo>×</mo><mn>48</mn></math>`},
		{"percent", `$2.57\%$`,
			`<math><mn>2.57</mn><mi>%</mi></math>`},
		{"thousands", `$10,416$`,
			`<math><mn>10</mn><mo>,</mo><mn>416</mn></math>`},
		{"sub and sup", `$x_i^2$`,
			`<math><msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup></math>`},
		{"braced superscript", `$x^{n+1}$`,
			`<math><msup><mi>x</mi><mrow><mi>n</mi><mo>+</mo><mn>1</mn></mrow></msup></math>`},
		{"frac and sqrt", `$\frac{1}{\sqrt{d_k}}$`,
			`<math><mfrac><mn>1</mn><msqrt><msub><mi>d</mi><mi>k</mi></msub></msqrt></mfrac></math>`},
		{"unary minus after relation", `$a = -b$`,
			`<math><mi>a</mi><mo>=</mo><mrow><mo>−</mo><mi>b</mi></mrow></math>`},
		{"function spacing", `$\log x + \tanh(x)$`,
			`<math><mi>log</mi><mspace width="0.1667em"></mspace><mi>x</mi><mo>+</mo>` +
				`<mi>tanh</mi><mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow></math>`},
		{"top-level word", `$\text{out} = softmax(z)$`,
			`<math><mtext>out</mtext><mo>=</mo><mi>softmax</mi><mrow><mo>(</mo><mi>z</mi><mo>)</mo></mrow></math>`},
		{"upper-case Greek", `$\Sigma \psi \alpha$`,
			`<math><mi mathvariant="normal">Σ</mi><mi>ψ</mi><mi>α</mi></math>`},
		{"typed Unicode", `$ψ = σ × 2² − 1 · x ⌊y⌋ → z$`,
			`<math><mi>ψ</mi><mo>=</mo><mi>σ</mi><mo>×</mo><msup><mn>2</mn><mn>2</mn></msup><mo>−</mo>` +
				`<mn>1</mn><mo>·</mo><mi>x</mi><mrow><mo>⌊</mo><mi>y</mi><mo>⌋</mo></mrow><mo>→</mo><mi>z</mi></math>`},
		{"inline sum", `$\sum_{i=1}^{n} x_i$`,
			`<math><msubsup><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></msubsup>` +
				`<msub><mi>x</mi><mi>i</mi></msub></math>`},
		{"display sum", `$$\sum_{i=1}^{n} x_i$$`,
			`<math display="block"><munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover>` +
				`<msub><mi>x</mi><mi>i</mi></msub></math>`},
		{"left right", `$\left( \frac{-a}{b} \right)^2$`,
			`<math><msup><mrow><mo>(</mo><mfrac><mrow><mo>−</mo><mi>a</mi></mrow><mi>b</mi></mfrac><mo>)</mo></mrow>` +
				`<mn>2</mn></msup></math>`},
		{"norm", `$\|x\|_2$`,
			`<math><mrow><mo>‖</mo><mi>x</mi><msub><mo>‖</mo><mn>2</mn></msub></mrow></math>`},
		{"spacing and text", `$x \quad \text{ if } x \ge 0$`,
			`<math><mi>x</mi><mspace width="1em"></mspace><mtext>` + "\u00a0if\u00a0" + `</mtext>` +
				`<mi>x</mi><mo>≥</mo><mn>0</mn></math>`},
		{"matrix", `$\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}$`,
			`<math><mrow><mo>[</mo><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>0</mn></mtd></mtr>` +
				`<mtr><mtd><mn>0</mn></mtd><mtd><mn>1</mn></mtd></mtr></mtable><mo>]</mo></mrow></math>`},
		{"script font", `$\mathcal{L}(\theta)$`,
			`<math><mi>ℒ</mi><mrow><mo>(</mo><mi>θ</mi><mo>)</mo></mrow></math>`},
		{"mathrm single letter", `$\mathrm{d}x$`,
			`<math><mi mathvariant="normal">d</mi><mi>x</mi></math>`},
		{"prime and transpose", `$f'(x) = W^\top$`,
			`<math><msup><mi>f</mi><mo>′</mo></msup><mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow><mo>=</mo>` +
				`<msup><mi>W</mi><mi>⊤</mi></msup></math>`},
		{"dollar escape", `costs \$5, $x = \$3$`,
			`costs $5, <math><mi>x</mi><mo>=</mo><mi>$</mi><mn>3</mn></math>`},
		{"binom", `$\binom{n}{k}$`,
			`<math><mrow><mo>(</mo><mfrac linethickness="0"><mi>n</mi><mi>k</mi></mfrac><mo>)</mo></mrow></math>`},
		{"nth root", `$\sqrt[3]{8}$`,
			`<math><mroot><mn>8</mn><mn>3</mn></mroot></math>`},
		{"text around math", "Each head has $h$ heads.\nNext line & more",
			"Each head has <math><mi>h</mi></math> heads.\nNext line &amp; more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.in)
			if err != nil {
				t.Errorf("Render(%q) error: %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Render(%q)\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
			checkMarkup(t, string(got))
		})
	}
}

func TestExpr(t *testing.T) {
	got, err := Expr(`\max_i x_i`, true)
	want := `<math display="block"><munder><mi>max</mi><mi>i</mi></munder>` +
		`<mspace width="0.1667em"></mspace><msub><mi>x</mi><mi>i</mi></msub></math>`
	if err != nil || string(got) != want {
		t.Errorf("Expr display = %s, %v; want %s", got, err, want)
	}
	got, err = Expr(`\max_i x_i`, false)
	want = `<math><msub><mi>max</mi><mi>i</mi></msub>` +
		`<mspace width="0.1667em"></mspace><msub><mi>x</mi><mi>i</mi></msub></math>`
	if err != nil || string(got) != want {
		t.Errorf("Expr inline = %s, %v; want %s", got, err, want)
	}
	if _, err := Expr(`\nope`, false); err == nil {
		t.Error(`Expr(\nope) returned no error`)
	}
}

func TestEscaping(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"script tag and ampersand", `<script>alert(1)</script> & $a<b$`,
			`&lt;script&gt;alert(1)&lt;/script&gt; &amp; <math><mi>a</mi><mo>&lt;</mo><mi>b</mi></math>`},
		{"tag in text", `$\text{<b>}$`,
			`<math><mtext>&lt;b&gt;</mtext></math>`},
		{"quotes", `"q" 'r' $\text{"x' & y}$`,
			`&#34;q&#34; &#39;r&#39; <math><mtext>&#34;x&#39; &amp; y</mtext></math>`},
		{"attribute injection in operator name", `$\operatorname{" onmouseover="alert(1)}$`,
			`<math><mi>&#34; onmouseover=&#34;alert(1)</mi></math>`},
		{"script in math", `$</math><script>x</script>$`,
			`<math><mo>&lt;</mo><mo>/</mo><mi>math</mi><mo>&gt;</mo><mo>&lt;</mo><mi>script</mi>` +
				`<mo>&gt;</mo><mi>x</mi><mo>&lt;</mo><mo>/</mo><mi>script</mi><mo>&gt;</mo></math>`},
		{"control characters", "a\x00b\x1b $\x01$",
			"a\uFFFDb\uFFFD <math><mo>\uFFFD</mo></math>"},
		{"invalid UTF-8", "a\xffb",
			"a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := Render(tt.in)
			if string(got) != tt.want {
				t.Errorf("Render(%q)\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
			if strings.Contains(strings.ToLower(string(got)), "<script") {
				t.Errorf("Render(%q) contains <script: %s", tt.in, got)
			}
			checkMarkup(t, string(got))
		})
	}
}

func TestUnknownCommandIsEscapedText(t *testing.T) {
	got, err := Render(`$\foo<i>$`)
	want := `<math><mtext>\foo</mtext><mo>&lt;</mo><mi>i</mi><mo>&gt;</mo></math>`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Offset != 1 || e.Msg != `unknown command \foo` {
		t.Errorf("error = %#v, want *Error at offset 1 for \\foo", err)
	}
	if MustRender(`$\foo<i>$`) != got {
		t.Error("MustRender differs from Render")
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string // substring of the message
		out    string // substring of the best-effort output
	}{
		{`$\foo$`, 1, `unknown command \foo`, `<mtext>\foo</mtext>`},
		{`Text $x + \alpah$`, 10, `unknown command \alpah`, `<mtext>\alpah</mtext>`},
		{`$\foo$ then $x`, 1, `unknown command \foo`, `then $x`},
		{`${a$`, 1, `unbalanced {`, `<math><mi>a</mi></math>`},
		{`$a}$`, 2, `unbalanced }`, `<math><mi>a</mi><mo>}</mo></math>`},
		{`$x`, 0, `unclosed $`, `$x`},
		{`a $$x$ b`, 2, `unclosed $$`, `a $$x$ b`},
		{`$\frac{a}{b$`, 9, `unbalanced {`, `<mfrac><mi>a</mi><mi>b</mi></mfrac>`},
		{`$\frac{a}$`, 9, `missing argument for \frac`, `<mfrac><mi>a</mi><mrow></mrow></mfrac>`},
		{`$x^$`, 3, `missing argument for ^`, `<msup><mi>x</mi><mrow></mrow></msup>`},
		{`$x^2^3$`, 4, `double superscript`, `<msup><mi>x</mi><mn>2</mn></msup>`},
		{`$\left( x$`, 1, `\left without a matching \right`, `<mo>(</mo><mi>x</mi>`},
		{`$x \right)$`, 3, `\right without a matching \left`, `<mo>)</mo>`},
		{`$\begin{pmatrix} 1 $`, 1, `without a matching \end{pmatrix}`, `<mtable>`},
		{`$\begin{foo} a \end{foo}$`, 1, `unknown environment "foo"`, `<mtable>`},
		{`$\text{abc$`, 6, `unbalanced {`, `<mtext>abc</mtext>`},
		{`$a \\ b$`, 3, `line break`, `<mi>a</mi><mi>b</mi>`},
		{`$x\$`, 0, `unclosed $`, `$x$`},
		{`$\$`, 0, `unclosed $`, `$$`},
	}
	for _, tt := range tests {
		got, err := Render(tt.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Render(%q) error = %v, want an *Error", tt.in, err)
			continue
		}
		if e.Offset != tt.offset || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("Render(%q) error = %q at %d, want %q at %d", tt.in, e.Msg, e.Offset, tt.msg, tt.offset)
		}
		if !strings.Contains(string(got), tt.out) {
			t.Errorf("Render(%q) = %s, want it to contain %s", tt.in, got, tt.out)
		}
		checkMarkup(t, string(got))
	}
}

func TestNestingLimit(t *testing.T) {
	in := "$" + strings.Repeat("{", 1000) + "x" + strings.Repeat("}", 1000) + "$"
	got, err := Render(in)
	if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("error = %v, want nesting error", err)
	}
	checkMarkup(t, string(got))
	// Fences are not limited by the parser; their grouping is.
	in = "$" + strings.Repeat("(", 5000) + "x" + strings.Repeat(")", 5000) + "$"
	got, err = Render(in)
	if err != nil {
		t.Errorf("deep parentheses: %v", err)
	}
	checkMarkup(t, string(got))
	in = "$" + strings.Repeat(`\frac`, 500) + "$"
	got, err = Render(in)
	if err == nil {
		t.Error("no error for runaway \\frac")
	}
	checkMarkup(t, string(got))
}

func TestPlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{`$d_{model} \times d_k$`, "d_model × d_k"},
		{`$\frac{a}{b}$`, "a/b"},
		{`$\frac{a+b}{c}$`, "(a + b)/c"},
		{`$x^2$`, "x²"},
		{`$x^{n+1}$`, "x^(n+1)"},
		{`$W^{-1}$`, "W⁻¹"},
		{`$W^\top$`, "W^⊤"},
		{`$\lfloor x \rfloor$`, "⌊x⌋"},
		{`$-22$`, "−22"},
		{`$3 \times 3$`, "3 × 3"},
		{`$10,416$ and $a, b$`, "10,416 and a, b"},
		{`$2.57\%$`, "2.57%"},
		{`$12@48 \times 48$`, "12@48 × 48"},
		{`$W_{out} = \lfloor \frac{W_{in} - K + 2P}{S} \rfloor + 1$`, "W_out = ⌊(W_in − K + 2P)/S⌋ + 1"},
		{`$\hat{\mathbf{y}}_t = \sigma(\mathbf{o}_t)$`, "y\u0302_t = σ(o_t)"}, // y + combining circumflex
		{`$\mathbf{x}_t \in \mathbb{R}^3$`, "x_t ∈ ℝ³"},
		{`Each head has $W_q, W_k, W_v \in \mathbb{R}^{d_{model} \times d_k}$ and $d_k = d_{model} / h$.`,
			"Each head has W_q, W_k, W_v ∈ ℝ^(d_model×d_k) and d_k = d_model/h."},
		{`$h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t)$`, "h_t = tanh(W_hh h_(t−1) + W_xh x_t)"},
		{`$\sqrt{d_k}$`, "√d_k"},
		{`$\log x$`, "log x"},
		{`$\eta \nabla_\theta \mathcal{L}$`, "η ∇_θ ℒ"},
		{`$\vec{v} + \overline{xy}$`, "v\u20d7 + overline(xy)"},
		{`$|x| + \|y\|_2^2$`, "|x| + ‖y‖_2²"},
		{`$\sum_{i=1}^{n} x_i$`, "∑_(i=1)^n x_i"},
		{`$a = -b$`, "a = −b"},
		{`$x \text{ if } x > 0$`, "x if x > 0"},
		{`$\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}$`, "(1, 0; 0, 1)"},
		{`Costs \$5 <b>`, "Costs $5 <b>"},
		{`$\foo$`, `\foo`},
		{`unclosed $x`, "unclosed $x"},
	}
	for _, tt := range tests {
		if got := Plain(tt.in); got != tt.want {
			t.Errorf("Plain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Package mathml converts the small TeX-like math markup used in Stride's
// exercise prompts, hints and worked solutions into MathML Core, which
// Chromium, Firefox and Safari render natively, and into plain Unicode text.
//
// Developer-written text carries inline math between single dollar signs and
// display math between double dollar signs; "\$" is a literal dollar sign:
//
//	Each head has $W_q, W_k, W_v \in \mathbb{R}^{d_{model} \times d_k}$.
//
// Render turns such text into an HTML fragment (text outside math is only
// HTML-escaped; paragraphs are the caller's business), Expr converts a single
// expression and Plain produces readable Unicode text for aria-labels, JSON
// and plain-text fallbacks.
//
// # Safety
//
// The output is meant to be inserted into pages unescaped, so every piece of
// text, whether outside math, inside \text{…} or the name of an unknown
// command, is HTML-escaped, and characters that are not allowed in XML are
// replaced by U+FFFD. Outside math, text between backticks ("type
// `d_model`") becomes <code>, for what a student types rather than reads as
// math; Plain drops the backticks. The only elements emitted are code, math,
// mrow, mi, mn, mo,
// mtext, mspace, msub, msup, msubsup, munder, mover, munderover, mfrac,
// msqrt, mroot, mtable, mtr and mtd, and the only attributes are
// display="block" (on math), mathvariant="normal" (on mi), accent="true" (on
// mover), linethickness="0" (on mfrac, for \binom) and width on mspace, whose
// value is one of a few fixed em lengths. No attribute value ever comes from
// the input.
//
// Mistakes never break a page: an unknown command is shown as escaped text
// (for example <mtext>\foo</mtext>), and unbalanced braces, dollars,
// \left/\right or environments get a best-effort rendering. Render and Expr
// still report the first problem as an *Error so that tests can catch typos;
// MustRender ignores it.
//
// # Supported markup
//
//   - Letters become <mi>. A run of two or more ASCII letters becomes ONE
//     identifier, at the top level as well as in sub- and superscripts:
//     "d_{model}" is d with subscript <mi>model</mi>, and "softmax(x)" or
//     "ReLU" read as words rather than as products of single-letter
//     variables. This deliberately departs from TeX, which would italicise
//     each letter separately; this course has many such names and no implicit
//     products of adjacent single letters worth preserving. Write "x y" or
//     "x \cdot y" for a product. A multi-letter identifier is followed by a
//     thin space when an operand comes next, like a function name.
//   - Digits with an optional decimal part become <mn> ("2.57"); a comma is
//     <mo>,</mo>, so "10,416" is <mn>10</mn><mo>,</mo><mn>416</mn>.
//   - "-" is rendered as U+2212 MINUS SIGN, "*" as U+2217. A sign in prefix
//     position ("a = -b", "(-1)") is grouped with its operand in an <mrow> so
//     that browsers space it as a unary sign.
//   - Matching ( ) [ ] \{ \} \lfloor \rfloor \lceil \rceil \langle \rangle
//     and | … | or \| … \| pairs are wrapped in an <mrow>, so a delimiter
//     stretches to what it encloses and nothing else. \left…\right (and
//     \middle) are rendered as the plain delimiters inside an <mrow>;
//     \big, \Big, \bigl, … render their delimiter at its normal size.
//   - Scripts: x_k, x^2, x_i^2, x', x^{n+1}, and typed superscript or
//     subscript characters (x², h₁). \sum, \prod, \lim, \max, \min,
//     \argmax, \argmin and \operatorname* put their limits under and over in
//     display math and use ordinary scripts inline, as TeX does; \limits and
//     \nolimits override that.
//   - \frac (\dfrac, \tfrac), \binom, \sqrt, \sqrt[n]; the accents \hat,
//     \widehat, \bar, \overline, \tilde, \widetilde, \vec, \dot, \ddot.
//   - Fonts map to Unicode mathematical alphanumerics, which every MathML
//     Core browser renders (mathvariant values other than "normal" are not
//     part of MathML Core): \mathbb{R} is ℝ, \mathbf{x} is 𝐱,
//     \boldsymbol/\bm bold italic, \mathcal/\mathscr script, \mathfrak,
//     \mathsf, \mathtt, \mathit; \mathrm gives upright letters.
//   - \text{…} (and \textrm, \textbf, \textit, \mbox, …) becomes <mtext>;
//     \operatorname{…} an upright function name.
//   - Greek letters (\alpha … \omega, \Gamma … \Omega, \varepsilon, …),
//     function names (\log, \exp, \ln, \sin, \tanh, \max, \min, \det, …),
//     large operators (\sum, \prod, \int, …) and the usual relations,
//     binary operators, arrows, dots and delimiters (\le, \ge, \ne, \times,
//     \cdot, \div, \pm, \in, \to, \approx, \propto, \ldots, \cdots, \lfloor,
//     \rceil, \langle, \mid, \top, \infty, \partial, \nabla, …).
//   - Spacing: \, \: \; \quad \qquad "\ " and ~ become <mspace>; \! is
//     ignored. Whitespace in math is otherwise insignificant.
//   - Escapes: \% \$ \# \& \_ \{ \} \|. TeX's ordinary symbols that are not
//     operators ("%", "@", "#", "&", "$", ".") are rendered as <mi> so that
//     browsers do not add operator spacing around them ("12@48", "2.57\%").
//   - Matrices: \begin{matrix|pmatrix|bmatrix|Bmatrix|vmatrix|Vmatrix|cases|
//     array|aligned} … \end{…} with & and \\ become <mtable>.
//   - Unicode typed directly passes through as the right element: operators
//     and symbols (×, ·, −, ⌊, →) as <mo>, letters (ψ, σ) as <mi>, digits as
//     <mn>.
//
// The package keeps no global mutable state and is safe for concurrent use.
package mathml

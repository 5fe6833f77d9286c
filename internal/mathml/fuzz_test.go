package mathml

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// allowedAttrs lists, for every element the package may emit, the
// attributes it may carry and their permitted values. It is kept separate
// from the implementation on purpose.
func allowedAttrs() map[string]map[string][]string {
	return map[string]map[string][]string{
		"math":       {"display": {"block"}},
		"mi":         {"mathvariant": {"normal"}},
		"mover":      {"accent": {"true"}},
		"mfrac":      {"linethickness": {"0"}},
		"mspace":     {"width": {"0.1667em", "0.2222em", "0.2778em", "0.25em", "0.5em", "1em", "2em"}},
		"mn":         {},
		"mo":         {},
		"mtext":      {},
		"mrow":       {},
		"msub":       {},
		"msup":       {},
		"msubsup":    {},
		"munder":     {},
		"munderover": {},
		"msqrt":      {},
		"mroot":      {},
		"mtable":     {},
		"code":       {},
		"mtr":        {},
		"mtd":        {},
	}
}

// checkMarkup parses out as XML inside a root element and fails the test
// unless it is well-formed and uses only allowed elements and attributes.
// It returns the character data.
func checkMarkup(t testing.TB, out string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader("<root>" + out + "</root>"))
	dec.Strict = true
	allowed := allowedAttrs()
	var text strings.Builder
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("output is not well-formed: %v\n%s", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				continue // root
			}
			attrs, ok := allowed[tok.Name.Local]
			if !ok || tok.Name.Space != "" {
				t.Fatalf("element %q is not allowed:\n%s", tok.Name.Local, out)
			}
			for _, a := range tok.Attr {
				values, ok := attrs[a.Name.Local]
				if !ok || a.Name.Space != "" {
					t.Fatalf("attribute %q on %q is not allowed:\n%s", a.Name.Local, tok.Name.Local, out)
				}
				found := false
				for _, v := range values {
					found = found || v == a.Value
				}
				if !found {
					t.Fatalf("value %q of %s/@%s is not allowed:\n%s", a.Value, tok.Name.Local, a.Name.Local, out)
				}
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			text.Write(tok)
		default:
			t.Fatalf("unexpected %T in output:\n%s", tok, out)
		}
	}
	return text.String()
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		`Each head has $W_q, W_k, W_v \in \mathbb{R}^{d_{model} \times d_k}$ and $d_k = d_{model} / h$.`,
		`$W_{out} = \lfloor \frac{W_{in} - K + 2P}{S} \rfloor + 1$`,
		`<script>alert(1)</script> & $a<b$ $\text{<b>}$`,
		`$$\sum_{i=1}^{n} \left| x_i \right|^2$$ \$5`,
		`$\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix} \hat{\mathbf{y}}_t = \sigma(\mathbf{o}_t)$`,
		`${a$ $a}$ $\foo$ $x^2^3$ $\left( x$`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Go's fuzzer has no per-input timeout: turn a hang into a crash
		// so that the input is saved.
		hang := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("input took over 10s: %q", s)) })
		defer hang.Stop()
		html, err := Render(s)
		out := string(html)
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("output contains <script: %s", out)
		}
		text := checkMarkup(t, out)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
		}
		if MustRender(s) != html {
			t.Fatal("MustRender differs from Render")
		}
		// Text without math must survive unchanged (modulo XML's
		// character restrictions and newline normalisation).
		if !strings.Contains(s, "$") {
			var b strings.Builder
			for _, r := range s { // each invalid byte becomes U+FFFD
				if !xmlChar(r) {
					r = '\uFFFD'
				}
				b.WriteRune(r)
			}
			want := strings.ReplaceAll(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\r", "\n")
			if text != want {
				t.Fatalf("text changed:\n got %q\nwant %q", text, want)
			}
		}
		expr, _ := Expr(s, true)
		checkMarkup(t, string(expr))
		_ = Plain(s)
	})
}

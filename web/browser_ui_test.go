package web

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserNoGreyedQuestions compares the colour of every part's text
// with the first part's: a class that matched parts of one answer kind
// once greyed out parts 4–5 of cnn-parameters.
func TestBrowserNoGreyedQuestions(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	for _, id := range []string{"cnn-parameters", "attention-parameters", "conv-by-hand", "rnn-shapes"} {
		step(t, ctx, "open "+id, chromedp.Navigate(srv.URL+"/exercises/"+id), chromedp.WaitVisible(chromedp.CSS(".part")))
		odd, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
			const text = getComputedStyle(document.querySelector("h1")).color;
			const out = [];
			document.querySelectorAll(".part").forEach(p => {
				for (const el of [p, p.querySelector(".part-title"), p.querySelector(".part-prompt")]) {
					if (el && getComputedStyle(el).color !== text) out.push(p.id + " " + el.className + ": " + getComputedStyle(el).color);
				}
			});
			return out;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range odd {
			t.Errorf("%s: part text not in the text colour: %s", id, o)
		}
	}
}

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

// TestBrowserPlayButtonOneSemantics: the Play button names its action by
// its label only. A label that changes to "Pause" together with
// aria-pressed="true" is read as "Pause, pressed".
func TestBrowserPlayButtonOneSemantics(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	toggle := `document.querySelector("#player-main [data-action=toggle]")`
	step(t, ctx, "play",
		chromedp.Navigate(srv.URL+"/exercises/conv-by-hand"),
		chromedp.WaitVisible(chromedp.CSS("#player-main .player-app")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#player-main [data-role=position]").textContent.endsWith("of 9")`),
		chromedp.Evaluate[chromedp.Void](toggle+`.textContent === "Play" && `+toggle+`.click()`),
		chromedp.Poll[chromedp.Void](toggle+`.textContent === "Pause"`),
	)
	for _, next := range []string{"Play", "Pause"} {
		has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](toggle+`.hasAttribute("aria-pressed")`))
		if err != nil || has {
			t.Errorf("before %s: the toggle carries aria-pressed as well as a changing label (%v)", next, err)
		}
		step(t, ctx, "toggle to "+next, chromedp.Evaluate[chromedp.Void](toggle+`.click()`), chromedp.Poll[chromedp.Void](toggle+`.textContent === "`+next+`"`))
	}
}

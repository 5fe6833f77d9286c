package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// diagramRecitation is the recitation's network, block by block: the
// option ID of each block and its output shape (section 3.3's table).
var diagramRecitation = [][2]string{
	{"maxpool-2x2-s2", "3@64x64"}, {"conv-17x17-12", "12@48x48"}, {"maxpool-3x3-s3", "12@16x16"}, {"flatten", "3072"},
	{"linear-128", "128"}, {"relu", "128"}, {"linear-10", "10"}, {"softmax", "10"},
}

// diagramForm is the no-JavaScript form of the diagram task.
func diagramForm(slots [][2]string) string {
	form := url.Values{}
	for i, s := range slots {
		form.Set(fmt.Sprintf("a.diagram.block.%d", i), s[0])
		form.Set(fmt.Sprintf("a.diagram.shape.%d", i), s[1])
	}
	return form.Encode()
}

func postDiagram(t *testing.T, app http.Handler, form string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/exercises/cnn-diagram?seed=0", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("form post: %d", rec.Code)
	}
	return rec.Body.String()
}

// TestCNNDiagramWithoutJavaScript: the diagram task works as a plain form
// of select boxes and text boxes, and the network's drawing appears only
// after an attempt.
func TestCNNDiagramWithoutJavaScript(t *testing.T) {
	app := newTestHandler(t, Config{})
	page := get(t, app, "/exercises/cnn-diagram?seed=0", nil).Body.String()
	for i := range 8 {
		for _, name := range []string{"a.diagram.block.%d", "a.diagram.shape.%d"} {
			if !strings.Contains(page, fmt.Sprintf(`name="`+name+`"`, i)) {
				t.Errorf("no field "+name, i)
			}
		}
	}
	if strings.Contains(page, `<figure class="diagram`) {
		t.Error("the network diagram is on the page before an attempt")
	}

	right := postDiagram(t, app, diagramForm(diagramRecitation))
	if !strings.Contains(right, "verdict-correct") || !strings.Contains(right, `<figure class="diagram`) {
		t.Error("a right diagram is not marked correct with the network drawn")
	}
	// The student's choices are echoed back.
	if !strings.Contains(right, `<option value="conv-17x17-12" selected>`) || !strings.Contains(right, `value="12@48x48"`) {
		t.Error("the posted diagram is not echoed back")
	}

	swapped := append([][2]string(nil), diagramRecitation...)
	swapped[0], swapped[2] = [2]string{"maxpool-3x3-s3", "3@64x64"}, [2]string{"maxpool-2x2-s2", "12@16x16"}
	wrong := postDiagram(t, app, diagramForm(swapped))
	if !strings.Contains(wrong, "verdict-incorrect") || !strings.Contains(wrong, "not in the order") {
		t.Error("a wrong order is not diagnosed")
	}
	// A wrong attempt opens the drawing too: the student has tried.
	if !strings.Contains(wrong, `<figure class="diagram`) {
		t.Error("the diagram stays locked after a wrong attempt")
	}

	half := append([][2]string(nil), diagramRecitation...)
	half[5] = [2]string{"", ""}
	partial := postDiagram(t, app, diagramForm(half))
	if !strings.Contains(partial, "verdict-invalid") || !strings.Contains(partial, "position 6") || strings.Contains(partial, `<figure class="diagram`) {
		t.Error("a half-built diagram is not refused naming the empty position, or it opened the drawing")
	}
}

// TestCNNDiagramCheckAPI: the API takes the diagram as text, and sends the
// drawing with the solution once it is earned.
func TestCNNDiagramCheckAPI(t *testing.T) {
	app := newTestHandler(t, Config{})
	parts := make([]string, len(diagramRecitation))
	for i, s := range diagramRecitation {
		parts[i] = s[0] + "=" + s[1]
	}
	res := postCheck(t, app, "cnn-diagram", 0, map[string]string{"diagram": strings.Join(parts, "; ")})
	vd := res.Parts["diagram"]
	if vd.Status != "correct" || !strings.Contains(vd.SolutionHTML, "<svg") {
		t.Errorf("check API: %s, solution has a drawing: %v", vd.Status, strings.Contains(vd.SolutionHTML, "<svg"))
	}
	body, _ := json.Marshal(map[string]any{"seed": 0, "answers": map[string]string{"diagram": "relu=128"}})
	rec := do(t, app, http.MethodPost, "/api/v1/exercises/cnn-diagram/check", string(body))
	if !strings.Contains(rec.Body.String(), `"invalid"`) || strings.Contains(rec.Body.String(), "<svg") {
		t.Errorf("one block of eight: %d %s", rec.Code, rec.Body.String())
	}
}

// TestBrowserCNNDiagramByKeyboard builds the recitation's diagram with the
// keyboard only: arrow keys in each select box, typing in each shape box,
// Tab between them and Enter to check.
func TestBrowserCNNDiagramByKeyboard(t *testing.T) {
	ctx := newBrowser(t)
	srv := newTestServer(t, Config{})
	// A phone's width: the task must fit without sideways scrolling.
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride,
		emulation.SetDeviceMetricsOverrideParams{Width: 360, Height: 740, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "open the task",
		chromedp.Navigate(srv.URL+"/exercises/cnn-diagram"),
		chromedp.WaitVisible(chromedp.CSS("#answer-diagram-block-0")),
		chromedp.Focus(chromedp.CSS("#answer-diagram-block-0")),
	)
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	offered, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#answer-diagram-block-0 option")).map(o => o.value)`))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel = context.WithTimeout(ctx, 20*time.Second)
	fits, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`Array.from(document.querySelectorAll(".diagram-input select, .diagram-input input")).every(
		e => e.getBoundingClientRect().right <= window.innerWidth && e.getBoundingClientRect().width >= 120)`))
	cancel()
	if err != nil || !fits {
		t.Errorf("at 360 px a block or shape box sticks out or is squeezed: %v %v", fits, err)
	}
	for i, s := range diagramRecitation {
		index := -1
		for j, v := range offered {
			if v == s[0] {
				index = j
			}
		}
		if index < 1 {
			t.Fatalf("block %s not offered: %v", s[0], offered)
		}
		var keys []chromedp.Action[chromedp.Void]
		for range index {
			keys = append(keys, chromedp.KeyEvent(kb.ArrowDown))
		}
		keys = append(keys,
			waitJS(fmt.Sprintf(`document.activeElement.id === "answer-diagram-block-%d" && document.activeElement.value === %q`, i, s[0])),
			chromedp.KeyEvent(kb.Tab),
			waitJS(fmt.Sprintf(`document.activeElement.id === "answer-diagram-shape-%d"`, i)),
			chromedp.KeyEvent(s[1]),
		)
		if i < len(diagramRecitation)-1 {
			keys = append(keys, chromedp.KeyEvent(kb.Tab))
		}
		step(t, ctx, fmt.Sprintf("block %d", i+1), keys...)
	}
	step(t, ctx, "check with Enter",
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#verdict-diagram.verdict-correct")),
		chromedp.WaitVisible(chromedp.CSS("#part-diagram svg.diagram-svg")),
	)
	if got := textOf(t, ctx, "#verdict-diagram"); !strings.Contains(got, "Correct") {
		t.Errorf("verdict %q", got)
	}
}

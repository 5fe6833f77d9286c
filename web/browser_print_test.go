package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
)

// pdfTools finds poppler's pdftotext and pdfinfo, which read the printed
// PDFs back. Like Chromium, they are required in CI.
func pdfTools(t *testing.T) (pdftotext, pdfinfo string) {
	t.Helper()
	a, errA := exec.LookPath("pdftotext")
	b, errB := exec.LookPath("pdfinfo")
	if errA != nil || errB != nil {
		if os.Getenv("STRIDE_BROWSER_TESTS") == "required" {
			t.Fatal("pdftotext/pdfinfo (Debian's poppler-utils) not found, but STRIDE_BROWSER_TESTS=required")
		}
		t.Skip("poppler-utils not installed; install it to run the print tests")
	}
	return a, b
}

// printPDF opens url in Chromium and prints it with the page's own CSS page
// size, as a browser's Print to PDF does.
func printPDF(t *testing.T, ctx context.Context, url string) []byte {
	t.Helper()
	step(t, ctx, "open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(".sheet")))
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	res, err := chromedp.Call(tctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: new(true)})
	if err != nil {
		t.Fatalf("print %s: %v", url, err)
	}
	return res.Data
}

// pdfPages reads a PDF's pages as text, and its page size line.
func pdfPages(t *testing.T, pdf []byte) (pages []string, size string) {
	t.Helper()
	pdftotext, pdfinfo := pdfTools(t)
	file := filepath.Join(t.TempDir(), "sheets.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages = strings.Split(strings.TrimSuffix(string(out), "\f"), "\f")
	info, err := exec.Command(pdfinfo, file).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	for _, line := range strings.Split(string(info), "\n") {
		if strings.HasPrefix(line, "Page size:") {
			size = line
		}
		if n, ok := strings.CutPrefix(line, "Pages:"); ok && strings.TrimSpace(n) != fmt.Sprint(len(pages)) {
			t.Fatalf("pdfinfo says %s pages, pdftotext read %d", strings.TrimSpace(n), len(pages))
		}
	}
	return pages, size
}

var spaces = regexp.MustCompile(`\s+`)

func squash(s string) string { return spaces.ReplaceAllString(strings.TrimSpace(s), " ") }

// sheetsOf groups printed pages by sheet: every sheet must start on a new
// page ("sheet k of n" at the top of a page) and run until the next.
func sheetsOf(t *testing.T, pages []string, n int) []string {
	t.Helper()
	var sheets []string
	for i, pg := range pages {
		marker := fmt.Sprintf("sheet %d of %d", len(sheets)+1, n)
		if strings.Contains(pg, marker) {
			head := pg[:strings.Index(pg, marker)]
			if strings.Contains(head, "sheet ") && strings.Contains(head, fmt.Sprintf(" of %d", n)) {
				t.Errorf("page %d holds the end of one sheet and the start of the next", i+1)
			}
			sheets = append(sheets, pg)
			continue
		}
		if len(sheets) == 0 {
			t.Fatalf("page %d comes before the first sheet's heading", i+1)
		}
		sheets[len(sheets)-1] += "\n" + pg
	}
	if len(sheets) != n {
		t.Fatalf("found %d sheets in %d pages, want %d", len(sheets), len(pages), n)
	}
	return sheets
}

// TestBrowserPrintWorksheetsToPDF prints question sheets and their key with
// headless Chromium, reads the PDFs back with pdftotext, and checks the
// paper size, that each sheet starts a page, that each sheet shows its own
// variant's numbers, and that the key's answers are the engine's.
func TestBrowserPrintWorksheetsToPDF(t *testing.T) {
	pdfTools(t)
	ctx := newBrowser(t)
	e := newClassEnv(t, Config{})
	srv := httptest.NewServer(e.app)
	t.Cleanup(srv.Close)
	const seeds = 3
	query := fmt.Sprintf("ex=conv-by-hand,conv-output-size&seeds=1-%d", seeds)

	variants := func(seed uint64) []*exercises.Variant {
		var out []*exercises.Variant
		for _, id := range []string{"conv-by-hand", "conv-output-size"} {
			v, err := e.srv.lookupVariant(id, fmt.Sprint(seed))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}

	for _, paper := range []struct{ name, size string }{{"a4", "(A4)"}, {"letter", "(letter)"}} {
		pages, size := pdfPages(t, printPDF(t, ctx, srv.URL+"/print?"+query+"&paper="+paper.name))
		if !strings.Contains(size, paper.size) {
			t.Errorf("%s: %s", paper.name, size)
		}
		for i, sheet := range sheetsOf(t, pages, seeds) {
			seed := uint64(i + 1)
			text := squash(sheet)
			if !strings.Contains(text, fmt.Sprintf("Variant %d", seed)) {
				t.Errorf("%s sheet %d: not labelled variant %d", paper.name, i+1, seed)
			}
			// The image's rows, as the engine made them for this seed.
			for _, v := range variants(seed) {
				for _, b := range v.Intro {
					if b.Grid == nil {
						continue
					}
					for _, row := range b.Grid.Cells {
						var cells []string
						for _, c := range row {
							cells = append(cells, compute.FormatNumber(c))
						}
						if !strings.Contains(text, strings.Join(cells, " ")) {
							t.Errorf("%s sheet %d (%s): row %v of %q missing", paper.name, i+1, v.Exercise.ID, cells, b.Grid.Label)
						}
					}
				}
			}
			if strings.Contains(text, "Answer key") {
				t.Errorf("%s sheet %d: a question sheet calls itself a key", paper.name, i+1)
			}
		}
	}

	// The key needs an instructor's session.
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: sessionCookie, Value: e.session(e.instA), URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	pages, _ := pdfPages(t, printPDF(t, ctx, srv.URL+"/print/key?"+query+"&paper=a4"))
	for i, sheet := range sheetsOf(t, pages, seeds) {
		text := squash(sheet)
		if !strings.Contains(text, "Answer key") {
			t.Errorf("key sheet %d: no heading", i+1)
		}
		for _, v := range variants(uint64(i + 1)) {
			for _, p := range v.Parts {
				if p.Kind != exercises.KindInteger && p.Kind != exercises.KindShape {
					continue
				}
				want := squash(e.srv.plain(p.Answer))
				if !strings.Contains(text, want) {
					t.Errorf("key sheet %d, %s/%s: answer %q not printed", i+1, v.Exercise.ID, p.ID, want)
				}
			}
		}
	}
	if bytes.Contains([]byte(strings.Join(pages, "")), []byte("Check your answers online")) == false {
		t.Error("sheets lost their check link")
	}
}

package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/compute"
)

// maxTestQuery is the longest query a request can bring: MaxHeaderBytes
// plus the 4 KiB net/http allows beyond it.
const maxTestQuery = MaxHeaderBytes + 4<<10

// squareText is an n×n matrix of v as the playground's text.
func squareText(n int, v string) string {
	row := strings.TrimSpace(strings.Repeat(v+" ", n))
	return strings.TrimSpace(strings.Repeat(row+"\n", n))
}

// issueQuery is issue 8's 4 KB playground query whose step table was
// 5.5 MB: a 44×44 kernel of 9 over a 1×1 input padded by 31 (400 steps
// of 1,936 products).
func issueQuery() url.Values {
	return url.Values{"op": {"conv2d"}, "input": {"7"}, "padding": {"31"}, "kernel": {squareText(44, "9")}}
}

var (
	arithRE   = regexp.MustCompile(`<td class="arith">([^<]*)</td>`)
	captionRE = regexp.MustCompile(`<caption>(Steps [^<]*)</caption>`)
)

// pagerLink is the href of the step-table link with the given rel (or
// text), unescaped, or "".
func pagerLink(body, rel string) string {
	m := regexp.MustCompile(`<a href="([^"]*)"` + regexp.QuoteMeta(rel)).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// follow resolves a link of the page at from and fetches it.
func follow(t *testing.T, h http.Handler, from, href string) (*url.URL, string) {
	t.Helper()
	base, err := url.Parse(from)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := url.Parse(href)
	if err != nil {
		t.Fatalf("link %q: %v", href, err)
	}
	u := base.ResolveReference(ref)
	u.Fragment = ""
	rec := do(t, h, http.MethodGet, u.String(), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", u, rec.Code)
	}
	return u, rec.Body.String()
}

func TestStepTablePagesAndLinks(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, path := range []string{"/playground", "/embed/playground"} {
		t.Run(path, func(t *testing.T) {
			q := issueQuery()
			q.Set("utm_source", "mail") // not configuration: links drop it
			start := path + "?" + q.Encode()
			rec := do(t, h, http.MethodGet, start, "")
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if rec.Body.Len() > maxPageBytes {
				t.Fatalf("page is %d bytes; the cap is %d", rec.Body.Len(), maxPageBytes)
			}
			// 1,936 terms a step: 20,000 / 1,936 = 10 steps a page, 40 pages.
			if rows := len(arithRE.FindAllString(body, -1)); rows != 10 {
				t.Errorf("first page has %d rows, want 10", rows)
			}
			if m := captionRE.FindStringSubmatch(body); m == nil || m[1] != "Steps 1–10 of 400 (page 1 of 40)" {
				t.Errorf("caption %v", m)
			}
			if strings.Contains(body, `rel="prev"`) {
				t.Error("the first page links to a previous page")
			}
			if strings.Contains(body, "<details class=\"step-table\" id=\"player-main-steps-1\" open") {
				t.Error("the table is open before the reader asked for a page")
			}
			next := pagerLink(body, ` rel="next"`)
			if !strings.HasSuffix(next, "#player-main-steps-1") {
				t.Fatalf("next link %q does not point at the table", next)
			}
			u, body := follow(t, h, start, next)
			if u.Path != path {
				t.Errorf("next link goes to %s", u.Path)
			}
			got := u.Query()
			for k, v := range issueQuery() {
				if got.Get(k) != v[0] {
					t.Errorf("next link lost or changed %s", k)
				}
			}
			if got.Get("page") != "2" || got.Has("utm_source") || got.Has("table") {
				t.Errorf("next link query %v", got)
			}
			if m := captionRE.FindStringSubmatch(body); m == nil || m[1] != "Steps 11–20 of 400 (page 2 of 40)" {
				t.Errorf("page 2 caption %v", m)
			}
			if !strings.Contains(body, "<details class=\"step-table\" id=\"player-main-steps-1\" open") {
				t.Error("a followed paging link should open the table")
			}
			if prev := pagerLink(body, ` rel="prev"`); prev == "" {
				t.Error("page 2 has no previous link")
			} else if u, _ := follow(t, h, u.String(), prev); u.Query().Get("page") != "1" {
				t.Errorf("previous link goes to %v", u)
			}
			last := pagerLink(body, `>Last »`)
			u, body = follow(t, h, u.String(), last)
			if m := captionRE.FindStringSubmatch(body); m == nil || m[1] != "Steps 391–400 of 400 (page 40 of 40)" {
				t.Errorf("last page caption %v", m)
			}
			if strings.Contains(body, `rel="next"`) {
				t.Error("the last page links to a next page")
			}
			if first := pagerLink(body, `>« First`); first == "" {
				t.Error("the last page has no link to the first")
			} else if u, _ := follow(t, h, u.String(), first); u.Query().Get("page") != "1" {
				t.Errorf("first link goes to %v", u)
			}
		})
	}
}

// An exercise's table fits one page, and its paging keeps the seed and
// the part selection. The shape table's pooling patches are illustrative,
// so their tables show before any attempt; conv-by-hand's would show the
// answers, so no page of them is served before an attempt.
func TestExerciseStepTablePaging(t *testing.T) {
	h := newTestHandler(t, Config{})
	if rec := do(t, h, http.MethodGet, "/exercises/conv-by-hand?seed=3&page=1", ""); rec.Code != http.StatusOK ||
		strings.Contains(rec.Body.String(), `id="player-main-steps-1"`) {
		t.Errorf("conv-by-hand page 1 before an attempt: %d, or its step table is on the page", rec.Code)
	}
	for _, path := range []string{"/exercises/cnn-shape-table?seed=3", "/embed/cnn-shape-table?seed=3&parts=maxpool-1"} {
		rec := do(t, h, http.MethodGet, path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		if strings.Contains(rec.Body.String(), `class="step-pages"`) {
			t.Errorf("%s: an exercise's table should fit one page", path)
		}
		if rec := do(t, h, http.MethodGet, path+"&page=1", ""); rec.Code != http.StatusOK ||
			!strings.Contains(rec.Body.String(), `id="player-main-steps-1" open`) {
			t.Errorf("%s&page=1: %d, or the table is not open", path, rec.Code)
		}
	}
}

func TestStepPageValidation(t *testing.T) {
	h := newTestHandler(t, Config{})
	pg := "/playground?" + issueQuery().Encode()
	embed := "/embed/playground?" + issueQuery().Encode()
	tests := []struct{ url, want string }{
		{pg + "&page=0", "Page: must be a whole number from 1"},
		{pg + "&page=two", "Page: must be a whole number from 1"},
		{pg + "&page=-1", "Page: must be a whole number from 1"},
		{pg + "&page=99999999999999999999", "Page: must be a whole number from 1"},
		{pg + "&page=41", "Page: is 41, but the step table has 400 steps, 10 to a page; the limit is 40"},
		{pg + "&table=2", "Table: is 2; the limit is 1, the number of step tables on this page"},
		{embed + "&page=41", "page: is 41, but the step table has 400 steps, 10 to a page; the limit is 40"},
		{embed + "&table=0", "table: must be a whole number from 1"},
		{"/exercises/conv-by-hand?seed=0&page=2", "Page is 2, but the step table has 9 steps, 100 to a page; the limit is 1"},
		{"/embed/conv-by-hand?page=x", "Page must be a whole number from 1"},
		{"/exercises/conv-by-hand?table=3", "Table is 3; the limit is 2, the number of step tables on this page"},
		{"/exercises/rnn-shapes?page=2", "Page is given, but this page has no step table; leave it out"},
	}
	for _, tc := range tests {
		rec := do(t, h, http.MethodGet, tc.url, "")
		if rec.Code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(rec.Body.String()), tc.want) {
			t.Errorf("%s: %d, want 400 with %q", clip(tc.url, 60), rec.Code, tc.want)
		}
	}
	// The defaults and page 1 of a one-page table are fine.
	for _, u := range []string{"/playground?page=1", "/embed/playground?page=1", "/exercises/rnn-shapes"} {
		if rec := do(t, h, http.MethodGet, u, ""); rec.Code != http.StatusOK {
			t.Errorf("%s: %d", u, rec.Code)
		}
	}
}

// Every page, the worst cases within the limits included, is under the
// documented cap.
func TestPagesUnderDocumentedCap(t *testing.T) {
	h := newTestHandler(t, Config{})
	fill := func(prefix, unit string) string {
		return prefix + strings.Repeat(unit, (maxTestQuery-len(prefix))/len(unit))
	}
	// The longest valid multi-page configuration: 40×40 filters over a
	// 45×45 input, as many as the query holds, each block near the 4 KiB
	// a matrix may have.
	filter := url.QueryEscape(squareText(40, "9")) + "%0A---%0A"
	valid := "op=conv2d&padding=0&input=" + url.QueryEscape(squareText(45, "1")) + "&kernel="
	valid += strings.Repeat(filter, (maxTestQuery-len(valid))/len(filter))
	long := url.Values{"op": {"conv2d"}, "padding": {"2"}, "input": {squareText(60, "-0.123456")}, "kernel": {squareText(3, "-0.0000001234")}}
	queries := map[string]string{
		"issue 8":           issueQuery().Encode(),
		"issue 8, page 40":  issueQuery().Encode() + "&page=40",
		"most terms a page": url.Values{"op": {"conv2d"}, "input": {"1"}, "padding": {"31"}, "kernel": {squareText(57, "-0.25")}}.Encode(),
		"longest valid":     valid,
		"long numbers":      long.Encode() + "&page=3",
		"max pooling":       url.Values{"op": {"maxpool2d"}, "input": {squareText(64, "-1.5")}, "kernel_size": {"63"}, "stride": {"1"}}.Encode(),
		"quotes in kernel":  fill("op=conv2d&input=1&kernel=", "%22"),
		"markup in input":   fill("op=conv2d&kernel=1&input=", "%3C%26"),
		"unknown parameter": fill("op=conv2d&kernel=1&input=1&x=", "%22"),
	}
	for name, q := range queries {
		for _, path := range []string{"/playground", "/embed/playground", "/exercises/conv-by-hand", "/embed/conv-by-hand"} {
			rec := getRawQuery(h, path, q)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Errorf("%s %s: status %d", name, path, rec.Code)
			}
			if n := rec.Body.Len(); n > maxPageBytes {
				t.Errorf("%s %s: %d bytes; the cap is %d", name, path, n, maxPageBytes)
			}
		}
	}
	if rec := getRawQuery(h, "/playground", valid); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `rel="next"`) {
		t.Errorf("the longest valid configuration should be a paged table, got %d", rec.Code)
	}
	for _, ex := range newTestHandler(t, Config{}).server.catalog.All() {
		for seed := range 20 {
			for _, path := range []string{"/exercises/", "/embed/"} {
				u := fmt.Sprintf("%s%s?seed=%d", path, ex.ID, seed)
				if rec := do(t, h, http.MethodGet, u, ""); rec.Code != http.StatusOK || rec.Body.Len() > maxPageBytes {
					t.Errorf("%s: %d, %d bytes", u, rec.Code, rec.Body.Len())
				}
			}
		}
	}
}

func TestStepArithmeticSummarisesLongSums(t *testing.T) {
	conv := func(spec compute.ConvSpec) compute.Step {
		t.Helper()
		tr, err := compute.NewConvTrace(spec)
		if err != nil {
			t.Fatal(err)
		}
		st, err := tr.Step(0)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	pool := func(op compute.PoolOp, k int) compute.Step {
		t.Helper()
		in := [][][]float64{make([][]float64, k)}
		for i := range in[0] {
			in[0][i] = make([]float64, k)
			for j := range in[0][i] {
				in[0][i][j] = float64(i*k + j)
			}
		}
		tr, err := compute.NewPoolTrace(compute.PoolSpec{Op: op, Input: in, KernelSize: compute.Square(k)})
		if err != nil {
			t.Fatal(err)
		}
		st, err := tr.Step(0)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	ones := func(c, n int) [][][]float64 {
		out := make([][][]float64, c)
		for i := range out {
			out[i] = make([][]float64, n)
			for j := range out[i] {
				out[i][j] = make([]float64, n)
				for k := range out[i][j] {
					out[i][j][k] = 1
				}
			}
		}
		return out
	}
	recitation := compute.ConvSpec{
		Input:  [][][]float64{{{1, 3, -2, 4}, {0, 8, 6, 5}, {2, 1, -9, 0}, {4, -1, 3, 7}}},
		Kernel: [][][][]float64{{{{1, 2}, {-2, -1}}}},
	}
	tests := []struct {
		name, op string
		st       compute.Step
		want     string
	}{
		{"short sum in full", "conv2d", conv(recitation), "1·1 + 3·2 + 0·(−2) + 8·(−1) = −1"},
		{"5×5 kernel in full", "conv2d", conv(compute.ConvSpec{Input: ones(1, 5), Kernel: [][][][]float64{ones(1, 5)}}),
			strings.Repeat("1·1 + ", 24) + "1·1 = 25"},
		{"44×44 kernel summarised", "conv2d", conv(compute.ConvSpec{Input: ones(1, 44), Kernel: [][][][]float64{ones(1, 44)}}),
			"1·1 + 1·1 + 1·1 + 1·1 + 1·1 + 1·1 + … + 1·1 + 1·1 + 1·1 (1936 products) = 1936"},
		{"channels summarised", "conv2d", conv(compute.ConvSpec{Input: ones(3, 4), Kernel: [][][][]float64{ones(3, 4)}, Bias: []float64{-1}}),
			"1·1 + 1·1 + 1·1 + 1·1 + 1·1 + 1·1 + … + 1·1 + 1·1 + 1·1 (48 products over 3 channels) + (−1) (bias) = 47"},
		{"max summarised", "maxpool2d", pool(compute.MaxPool, 6), "max(0, 1, 2, 3, 4, 5, …, 33, 34, 35; 36 values) = 35"},
		{"mean summarised", "avgpool2d", pool(compute.AvgPool, 6), "(0 + 1 + 2 + 3 + 4 + 5 + … + 33 + 34 + 35 (36 values)) / 36 = 17.5"},
		{"mean in full", "avgpool2d", pool(compute.AvgPool, 2), "(0 + 1 + 2 + 3) / 4 = 1.5"},
	}
	for _, tc := range tests {
		if got := stepArithmetic(tc.op, tc.st); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

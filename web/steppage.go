package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/stride-tutor/stride/internal/compute"
)

// Server-rendered step tables come a page at a time: a trace may have
// hundreds of thousands of steps, and the table is the no-JavaScript
// stand-in for a player that streams them one by one. A page is chosen by
// the query, ?page=N (and &table=T on a page with several tables, both
// counted from 1), so paging works with plain links and keeps the rest of
// the URL: the parameters the page reads. Parameters the page does not
// read are dropped from the links, so that a link is never longer than the
// configuration it carries.

// A page of a step table has at most maxStepsPerPage steps, and fewer when
// each step has many terms, so that building a page reads at most about
// maxPageTerms terms: a page costs about a millisecond and, with long sums
// summarised (maxListedTerms), stays a few tens of KB whatever the
// kernel. Every exercise's table (at most 81 steps) fits on one page.
const (
	maxStepsPerPage = 100
	minStepsPerPage = 5
	maxPageTerms    = 20_000
)

// stepsPerPage is the page size of a trace's table.
func stepsPerPage(tr *compute.Trace) int {
	if tr.Len() == 0 {
		return maxStepsPerPage
	}
	st, err := tr.Step(0)
	if err != nil {
		return maxStepsPerPage
	}
	terms := 0
	for _, t := range st.Terms {
		terms += len(t)
	}
	return max(minStepsPerPage, min(maxStepsPerPage, maxPageTerms/max(1, terms)))
}

// Query parameters of step-table paging. Handlers that read the rest of
// the query as a configuration (the playground) ignore them.
const (
	pageParam  = "page"
	tableParam = "table"
)

// stepPaging is the step-table page a request asks for.
type stepPaging struct {
	query     url.Values // the parameters of the request that paging links keep
	table     int        // the table paged, from 0
	page      int        // its page, from 1
	explicit  bool       // the query named a page or table, so that table opens
	pageGiven bool       // the query named a page
}

// stepPages is the number of pages of a table of n steps, per to a page
// (at least 1).
func stepPages(n, per int) int { return max(1, (n+per-1)/per) }

// parseStepPaging reads ?page= and ?table= from q. It checks their form;
// check bounds them once the tables are known. keep lists the other
// parameters the page reads, which paging links carry along.
func parseStepPaging(q url.Values, keep ...string) (stepPaging, error) {
	pg := stepPaging{query: onlyParams(q, keep), page: 1}
	for _, f := range []struct {
		name string
		dst  *int
	}{{tableParam, &pg.table}, {pageParam, &pg.page}} {
		text := strings.TrimSpace(q.Get(f.name))
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 {
			return pg, badRequest(f.name, "must be a whole number from 1; got %q", clip(text, 32))
		}
		*f.dst = n
		pg.explicit = true
		pg.pageGiven = pg.pageGiven || f.name == pageParam
	}
	pg.table-- // counted from 1 in the URL
	if pg.table < 0 {
		pg.table = 0
	}
	return pg, nil
}

// check bounds the request by the tables there are. An error names the
// parameter and its limit.
func (pg stepPaging) check(tables []*compute.Trace) error {
	if !pg.explicit {
		return nil
	}
	if len(tables) == 0 {
		field := pageParam
		if !pg.pageGiven {
			field = tableParam
		}
		return badRequest(field, "is given, but this page has no step table; leave it out")
	}
	if pg.table >= len(tables) {
		e := badRequest(tableParam, "is %d; the limit is %d, the number of step tables on this page", pg.table+1, len(tables))
		e.limit = int64(len(tables))
		return e
	}
	tr := tables[pg.table]
	per := stepsPerPage(tr)
	if pages := stepPages(tr.Len(), per); pg.page > pages {
		e := badRequest(pageParam, "is %d, but the step table has %d steps, %d to a page; the limit is %d",
			pg.page, tr.Len(), per, pages)
		e.limit = int64(pages)
		return e
	}
	return nil
}

// link is the URL of page of table: the kept parameters plus the paging
// ones, relative to the current path (so it works under any base path and
// inside an embed), ending at the table's element.
func (pg stepPaging) link(table, page int, fragment string) string {
	q := url.Values{}
	for k, v := range pg.query {
		q[k] = v
	}
	if table > 0 {
		q.Set(tableParam, strconv.Itoa(table+1))
	}
	q.Set(pageParam, strconv.Itoa(page))
	return "?" + q.Encode() + "#" + fragment
}

// onlyParams is the part of q with the given keys.
func onlyParams(q url.Values, keys []string) url.Values {
	out := url.Values{}
	for _, k := range keys {
		if v, ok := q[k]; ok {
			out[k] = v
		}
	}
	return out
}

// MaxHeaderBytes bounds a request's line and headers (the server's
// http.Server.MaxHeaderBytes; net/http allows 4 KiB more), and so the
// query that a page echoes in its forms and links.
const MaxHeaderBytes = 64 << 10

// maxPageBytes is the documented cap on one HTML page (README "Bounds").
// A page is built from bounded parts: one page of each step table, sums
// summarised, and a few copies of the configuration its URL carries,
// which MaxHeaderBytes bounds. So the cap is a property of the pages that
// the tests hold every page, the worst cases included, to; it is not a
// check made at run time.
const maxPageBytes = 1 << 20

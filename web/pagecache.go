package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
)

// DefaultPageCacheBytes is the memory the rendered-page cache may hold when
// the configuration does not say (32 MiB: several hundred exercise pages,
// each kept plain and gzipped).
const DefaultPageCacheBytes = 32 << 20

// maxVariants bounds the cache of generated variants (with their compiled
// expected formulas) that pages and checks share.
const maxVariants = 1024

// lru is a least-recently-used map bounded by the total cost of its
// entries. It is safe for concurrent use.
type lru[V any] struct {
	mu      sync.Mutex
	max     int64
	used    int64
	order   list.List // front: most recently used; elements hold *lruEntry[V]
	entries map[string]*list.Element
}

type lruEntry[V any] struct {
	key  string
	val  V
	cost int64
}

func newLRU[V any](maxCost int64) *lru[V] {
	return &lru[V]{max: maxCost, entries: map[string]*list.Element{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry[V]).val, true
	}
	var zero V
	return zero, false
}

// getBytes is get for a key held in a byte slice, without converting it
// to a string (the map lookup does not allocate).
func (c *lru[V]) getBytes(key []byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[string(key)]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry[V]).val, true
	}
	var zero V
	return zero, false
}

// add stores val under key, evicting the least recently used entries until
// the total cost fits. An entry costing more than the whole cache is not
// stored.
func (c *lru[V]) add(key string, val V, cost int64) {
	if cost > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		old := e.Value.(*lruEntry[V])
		c.used += cost - old.cost
		old.val, old.cost = val, cost
		c.order.MoveToFront(e)
	} else {
		c.entries[key] = c.order.PushFront(&lruEntry[V]{key: key, val: val, cost: cost})
		c.used += cost
	}
	for c.used > c.max {
		last := c.order.Back()
		ent := last.Value.(*lruEntry[V])
		c.order.Remove(last)
		delete(c.entries, ent.key)
		c.used -= ent.cost
	}
}

// size reports the number of entries and their total cost.
func (c *lru[V]) size() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.used
}

// cachedPage is one rendered page, kept plain and gzipped with a strong
// ETag for each representation.
type cachedPage struct {
	contentType       string
	body, gz          []byte
	etag, etagGzip    string
	contentLength     string
	gzipContentLength string
}

// entryOverhead approximates the bookkeeping of one cache entry (list
// element, map slot, struct, header strings) so that many tiny entries
// cannot exceed the byte cap either.
const entryOverhead = 256

func (p *cachedPage) cost(key string) int64 {
	return int64(len(key) + len(p.body) + len(p.gz) + entryOverhead)
}

// newCachedPage compresses body and derives the ETags from its hash.
func newCachedPage(contentType string, body []byte) *cachedPage {
	var gz bytes.Buffer
	gz.Grow(len(body) / 4)
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed+4)
	_, _ = zw.Write(body)
	_ = zw.Close()
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:12])
	return &cachedPage{
		contentType: contentType, body: body, gz: bytes.Clone(gz.Bytes()),
		etag: `"` + tag + `"`, etagGzip: `"` + tag + `-gz"`,
		contentLength: strconv.Itoa(len(body)), gzipContentLength: strconv.Itoa(gz.Len()),
	}
}

// pageKey derives the cache key of a GET page from its request, or ""
// when the request must not be served from the cache. A page handler opts
// in to the cache by being wrapped with cachePage and a pageKey; the key
// must hold everything the page depends on besides the scheme and host,
// which cachePage adds (pages carry absolute share links).
type pageKey func(r *http.Request) string

// cachePage serves a GET page from the shared cache, rendering it (within a
// work slot) on a miss. Only pages that are a pure function of their key
// may opt in: nothing here looks at cookies or at the person asking. As a
// second guard a response is stored only when it is a 200 HTML page that
// sets no cookie and does not say Cache-Control: private or no-store, so a
// handler that starts carrying someone's state can refuse storage itself.
func (s *Server) cachePage(key pageKey, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k := ""
		if s.pages != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && len(r.Host) <= 255 {
			if k = key(r); k != "" {
				// The catalog's generation is in the key: a changed
				// exercise file makes every page of the old one stale.
				k = strconv.FormatUint(s.catalog.Generation(), 10) + "\x00" + requestScheme(r) + "://" + r.Host + "\x00" + k
			}
		}
		if k != "" {
			if p, ok := s.pages.get(k); ok {
				servePage(w, r, p)
				return
			}
		}
		done, ok := s.work.admit(r)
		if !ok {
			s.work.busyHTML(w)
			return
		}
		p, capture := s.renderForCache(w, r, k, next, done)
		if capture == nil {
			// The client went away mid-render: nothing to store or send.
			return
		}
		if p != nil {
			servePage(w, r, p)
			return
		}
		capture.writeTo(w, r)
	}
}

// renderForCache renders a page within the work slot that done gives
// back (also if next panics), storing it under key k when it may be
// shared. It returns the stored page, or nil with the capture to send.
func (s *Server) renderForCache(w http.ResponseWriter, r *http.Request, k string, next http.HandlerFunc, done func()) (*cachedPage, *pageCapture) {
	defer done()
	// Exercise pages are about 20-90 KB; one allocation, not doubling.
	capture := &pageCapture{responseBuffer{header: w.Header(), buf: bytes.NewBuffer(make([]byte, 0, 96<<10))}}
	next(capture, r)
	if capture.status == 0 && r.Context().Err() != nil {
		return nil, nil
	}
	if k != "" && capture.storable() {
		p := newCachedPage(capture.header.Get("Content-Type"), bytes.Clone(capture.buf.Bytes()))
		s.pages.add(k, p, p.cost(k))
		return p, capture
	}
	return nil, capture
}

// pageCapture records a page response in memory for the cache.
type pageCapture struct {
	responseBuffer
}

func (c *pageCapture) storable() bool {
	if c.status != http.StatusOK || c.header.Get("Set-Cookie") != "" {
		return false
	}
	if !strings.HasPrefix(c.header.Get("Content-Type"), "text/html") {
		return false
	}
	cc := strings.ToLower(c.header.Get("Cache-Control"))
	return !strings.Contains(cc, "private") && !strings.Contains(cc, "no-store")
}

// Header values shared by every cached response; assigning these slices
// avoids an allocation per request.
var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	cacheNoCache       = []string{"no-cache"}
	encodingGzip       = []string{"gzip"}
)

// servePage writes a cached page: gzipped to clients that accept it, with
// its ETag, or a 304 when the client already holds it. Pages are marked
// no-cache: browsers keep them but revalidate, so a new release (with new
// asset names) is seen at once.
func servePage(w http.ResponseWriter, r *http.Request, p *cachedPage) {
	h := w.Header()
	h["Vary"] = varyAcceptEncoding
	h["Cache-Control"] = cacheNoCache
	body, etag, length := p.body, p.etag, p.contentLength
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		body, etag, length = p.gz, p.etagGzip, p.gzipContentLength
	}
	h["Etag"] = []string{etag}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, p) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = []string{p.contentType}
	if gz {
		h["Content-Encoding"] = encodingGzip
	}
	h["Content-Length"] = []string{length}
	sendHeld(w, r, http.StatusOK, body) // one write (web/onewrite.go)
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 13.1.2):
// either representation's tag, with or without W/, or "*".
func etagMatches(header string, p *cachedPage) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		if t == p.etag || t == p.etagGzip {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip: a
// gzip (or x-gzip, or *) token whose q is not zero.
func acceptsGzip(header string) bool {
	if header == "" {
		return false
	}
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, param := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}

// Page keys. Each names the route, then what the page is a function of.

// fixedPageKey is the key of a page without parameters (home, API docs).
func fixedPageKey(route string) pageKey {
	return func(*http.Request) string { return route }
}

// queryPageKey keys a page by its raw query string (the playground, whose
// whole configuration is the query).
func queryPageKey(route string) pageKey {
	return func(r *http.Request) string { return route + "?" + r.URL.RawQuery }
}

// exercisePageKey keys an exercise page by exercise and its raw query:
// the seed, the part selection and the step-table page are all in it, as
// is any parameter a later change makes the page read. An invalid query
// renders an error page, which is not stored.
func exercisePageKey(route string) pageKey {
	return func(r *http.Request) string {
		return route + "\x00" + chi.URLParam(r, "id") + "?" + r.URL.RawQuery
	}
}

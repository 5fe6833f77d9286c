package web

import (
	"bytes"
	"hash/maphash"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// The answers of an anonymous check (POST /api/v1/exercises/{id}/check
// without item, key, hints or shown_ms) are a pure function of the
// exercise at its version and the request body: the body names the seed,
// the parts, the reveals and the answers; the variant, its verdicts, the
// memoized worked solutions and the unlock tokens (an HMAC of exercise,
// seed and part under the process's fixed key) follow from those. A class
// submits the same answers many times (the right one, the common
// mistakes), so the encoded response of a body seen before is kept and
// sent again, instead of parsing, checking and encoding it again.
//
// The memo sits in front of the work limiter (checkMemoFront): a hit costs
// less CPU than taking a work slot, so, like a cached page, it does not
// wait for one; every other check (a miss, a body over maxCheckMemoBody,
// a wrong content type or version) goes on to the limiter and the handler
// as before. A hit still has the rate limit, the body limit, the CORS,
// security and cache headers, gzip for clients that accept it (the kept
// answer's gzipped copy is made once), and the check metrics (each hit
// counts its verdicts as the check it repeats did). Only 200 answers of
// the anonymous path are kept; a recorded check (learn_api.go) is never
// answered from the memo, because its body (with item, key, hints,
// shown_ms) is never stored.
//
// The front reads at most maxCheckMemoBody+1 bytes of the body before the
// work slot, so a request waiting for a slot holds at most that much; the
// handler reads the rest inside the slot (readCheckBody).
//
// A body is stored only when it is seen the second time within a while
// (a small table of recent body hashes), so a stream of answers that never
// repeat costs a hash and a lookup per check rather than a copy of every
// response and the memo's churn.

// Bounds of the memo of check answers.
const (
	// maxCheckMemoBytes bounds the memory of kept responses, keys included.
	maxCheckMemoBytes = 4 << 20
	// maxCheckMemoBody is the largest request body kept as a key; larger
	// bodies (many answers, long formulas) are checked every time.
	maxCheckMemoBody = 1 << 10
	// maxCheckMemoResponse is the largest response kept.
	maxCheckMemoResponse = 64 << 10
	// checkMemoSeenSlots is the size of the table of recently seen bodies.
	checkMemoSeenSlots = 4096
)

// checkMemo keeps encoded answers of anonymous checks.
type checkMemo struct {
	entries *lru[*keptCheck]
	seed    maphash.Seed
	// seen holds hashes of bodies seen once, by hash modulo its size.
	seen         [checkMemoSeenSlots]atomic.Uint64
	hits, misses atomic.Int64
}

// keptCheck is one kept answer: the exercise label and verdicts to count,
// and the encoded response body.
type keptCheck struct {
	exercise string
	tally    []verdictCount
	body     []byte
	// gz is body gzipped as the work limiter gzips responses, made by the
	// first hit that accepts gzip.
	gz atomic.Pointer[[]byte]
}

func newCheckMemo() *checkMemo {
	return &checkMemo{entries: newLRU[*keptCheck](maxCheckMemoBytes), seed: maphash.MakeSeed()}
}

// appendCheckMemoKey appends the memo key of a check of exercise id at
// version with body: the three separated by NULs (IDs and versions hold
// none; the body is last, so it needs no delimiter).
func appendCheckMemoKey(b []byte, id, version string, body []byte) []byte {
	b = append(append(b, id...), 0)
	b = append(append(b, version...), 0)
	return append(b, body...)
}

// get returns the kept answer of key.
func (m *checkMemo) get(key []byte) (*keptCheck, bool) {
	k, ok := m.entries.getBytes(key)
	if ok {
		m.hits.Add(1)
	} else {
		m.misses.Add(1)
	}
	return k, ok
}

// offer keeps body as the answer of key if key was seen recently, else
// remembers that it was seen. body is copied.
func (m *checkMemo) offer(key []byte, exercise string, tally []verdictCount, body []byte) {
	if len(body) > maxCheckMemoResponse {
		return
	}
	h := maphash.Bytes(m.seed, key) | 1 // 0 marks an empty slot
	slot := &m.seen[h%checkMemoSeenSlots]
	if slot.Swap(h) != h {
		return
	}
	k := &keptCheck{exercise: exercise, tally: append([]verdictCount(nil), tally...), body: append([]byte(nil), body...)}
	m.entries.add(string(key), k, int64(2*len(key)+len(body)+len(tally)*24+entryOverhead))
}

// write sends a kept answer with the headers apiExerciseCheck sends, and
// gzipped when the work limiter would gzip it (web/admission.go's limit).
func (k *keptCheck) write(w http.ResponseWriter, r *http.Request, l *workLimiter) {
	h := w.Header()
	body := k.body
	if len(body) < minGzipBytes {
		setHeaders(h, "Content-Type", "application/json; charset=utf-8", "Cache-Control", "no-store",
			"Content-Length", strconv.Itoa(len(body)))
	} else {
		if _, ok := h["Vary"]; ok {
			h.Add("Vary", "Accept-Encoding")
		} else {
			h["Vary"] = varyAcceptEncoding
		}
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			setHeaders(h, "Content-Type", "application/json; charset=utf-8", "Cache-Control", "no-store",
				"Content-Length", strconv.Itoa(len(body)))
		} else {
			gz := k.gz.Load()
			if gz == nil {
				var buf bytes.Buffer
				l.gzipInto(&buf, body)
				b := buf.Bytes()
				k.gz.Store(&b)
				gz = &b
			}
			body = *gz
			setHeaders(h, "Content-Type", "application/json; charset=utf-8", "Cache-Control", "no-store",
				"Content-Encoding", "gzip", "Content-Length", strconv.Itoa(len(body)))
		}
	}
	sendHeld(w, r, http.StatusOK, body) // one write (web/onewrite.go)
}

// checkMemoFront answers a check from the memo when its body was checked
// before, and sends every other request on to next (the work limiter and
// apiExerciseCheck), with the part of the body it read.
func (s *Server) checkMemoFront(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version, err := versionParam(r)
		if err != nil || r.Body == nil || checkJSONContentType(r) != nil {
			next.ServeHTTP(w, r) // the handler answers the error
			return
		}
		ex, ok := s.catalog.LookupVersion(chi.URLParam(r, "id"), version)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		buf := checkBodies.Get().(*bytes.Buffer)
		buf.Reset()
		lr := io.LimitedReader{R: r.Body, N: maxCheckMemoBody + 1}
		_, readErr := buf.ReadFrom(&lr)
		whole := readErr == nil && lr.N > 0
		if whole {
			var kb [256]byte
			if kept, ok := s.checkMemo.get(appendCheckMemoKey(kb[:0], ex.ID, ex.Version, buf.Bytes())); ok {
				putCheckBody(buf)
				s.countTally(kept.exercise, kept.tally)
				kept.write(w, r, s.work)
				return
			}
		}
		r.Body = &preReadBody{buf: buf, rest: r.Body, whole: whole, err: readErr}
		next.ServeHTTP(w, r)
	})
}

// preReadBody is a request body whose start checkMemoFront has read: buf
// holds it, rest is the whole original body, whole says buf is all of it
// and err is the error that ended the read early (nil otherwise).
// readCheckBody takes buf over; Read serves anyone else.
type preReadBody struct {
	buf   *bytes.Buffer
	rest  io.ReadCloser
	whole bool
	err   error
}

func (p *preReadBody) Read(b []byte) (int, error) {
	if p.buf != nil && p.buf.Len() > 0 {
		return p.buf.Read(b)
	}
	if p.err != nil {
		return 0, p.err
	}
	if p.whole {
		return 0, io.EOF
	}
	return p.rest.Read(b)
}

func (p *preReadBody) Close() error { return p.rest.Close() }

// registerCheckMemoMetrics exports the memo's hits, misses and size.
func (s *Server) registerCheckMemoMetrics(m *metrics) {
	m.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "stride_check_memo_hits_total",
			Help: "Anonymous answer checks answered from the memo of recent identical checks.",
		}, func() float64 { return float64(s.checkMemo.hits.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "stride_check_memo_misses_total",
			Help: "Anonymous answer checks looked up in the memo and checked afresh.",
		}, func() float64 { return float64(s.checkMemo.misses.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "stride_check_memo_bytes",
			Help: "Memory held by the memo of anonymous check answers (kept responses and keys).",
		}, func() float64 {
			_, used := s.checkMemo.entries.size()
			return float64(used)
		}),
	)
}

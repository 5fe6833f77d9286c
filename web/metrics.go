package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is Stride's Prometheus instrumentation. It uses its own registry,
// not the global default, so each App (and each test) has its own.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	checks   *prometheus.CounterVec
	// series caches requests' and latency's children (observeRequest).
	series sync.Map // requestSeries -> *requestMetrics
}

func newMetrics(activeStreams func() int) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stride_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stride_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
		}, []string{"route", "method"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stride_exercise_checks_total",
			Help: "Checked exercise parts by exercise and verdict.",
		}, []string{"exercise", "verdict"}),
	}
	m.registry.MustRegister(
		m.requests, m.latency, m.checks,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "stride_animation_streams_active",
			Help: "Open animation websockets.",
		}, func() float64 { return float64(activeStreams()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// observeRequest records one request. route must be a chi route pattern or
// "unmatched"; method and status are mapped onto closed sets here, so no
// request can add a label value of its own choosing.
func (m *metrics) observeRequest(route, method string, status int, d time.Duration) {
	key := requestSeries{route: route, method: methodLabel(method), status: statusLabel(status)}
	s, ok := m.series.Load(key)
	if !ok {
		// The labels come from closed sets (above), so this map is
		// bounded like the vectors themselves.
		s, _ = m.series.LoadOrStore(key, &requestMetrics{
			count:   m.requests.WithLabelValues(key.route, key.method, key.status),
			latency: m.latency.WithLabelValues(key.route, key.method),
		})
	}
	rm := s.(*requestMetrics)
	rm.count.Inc()
	rm.latency.Observe(d.Seconds())
}

// requestSeries names one request counter; requestMetrics are its counter
// and latency histogram, looked up once (hashing the labels and taking the
// vector's lock on every request was a few percent of a check).
type requestSeries struct{ route, method, status string }

type requestMetrics struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// methodLabel maps the request method onto the methods of RFC 9110 and
// PATCH; anything else, which a client may make up at any length, is
// "other".
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// statusLabel keeps status labels to three-digit codes. Handlers choose
// the codes, so this only guards against a bug writing something odd.
func statusLabel(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return statusLabels[status-100]
}

// statusLabels are the labels of the codes 100 to 599, made once so that
// counting a request does not format its status.
var statusLabels = func() (l [500]string) {
	for i := range l {
		l[i] = strconv.Itoa(100 + i)
	}
	return l
}()

// verdictCount is how many parts of one check got a verdict.
type verdictCount struct {
	verdict string
	n       int
}

// observeCheck counts the verdicts of one check. Exercise IDs come from the
// catalog, never from the request, so label cardinality stays bounded.
func (m *metrics) observeCheck(exercise string, verdicts []verdictCount) {
	for _, v := range verdicts {
		m.checks.WithLabelValues(exercise, v.verdict).Add(float64(v.n))
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

package web

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the HTTP metrics, labelled by route ("POST /api/v1/transfers")
// and status code.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nestegg_http_requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nestegg_http_request_duration_seconds",
			Help:    "HTTP request durations, by route pattern and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "code"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// routeMetrics caches one route's metric children per status code, so the
// hot path does an array index and an atomic load instead of a label lookup.
type routeMetrics struct {
	m     *metrics
	label string
	codes [600]atomic.Pointer[codeMetrics]
}

type codeMetrics struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func (m *metrics) route(label string) *routeMetrics {
	rm := &routeMetrics{m: m, label: label}
	// The statuses nearly every route returns, so that they show in /metrics
	// from the start and cost nothing later.
	for _, code := range []int{200, 400, 401, 404} {
		rm.children(code)
	}
	return rm
}

func (rm *routeMetrics) children(code int) *codeMetrics {
	if c := rm.codes[code].Load(); c != nil {
		return c
	}
	// Two requests may race here; both get the same children from the vec.
	l := strconv.Itoa(code)
	c := &codeMetrics{
		requests: rm.m.requests.WithLabelValues(rm.label, l),
		duration: rm.m.duration.WithLabelValues(rm.label, l),
	}
	rm.codes[code].Store(c)
	return c
}

func (rm *routeMetrics) observe(code int, d time.Duration) {
	if code < 100 || code >= len(rm.codes) {
		code = 599
	}
	c := rm.children(code)
	c.requests.Inc()
	c.duration.Observe(d.Seconds())
}
